/*
 * tests/unit/test_util.c - checks the tests of the two XML codecs share
 * (test_util.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <libxml/xmlerror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/metadata.h>
#include <vss/status.h>

#include "alloc_fail.h"
#include "test_util.h"

/* A value no load returns, to see that *ret is left alone. */
static char untouched_storage;
#define UNTOUCHED ((void *)&untouched_storage)

void
assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

void
assert_same_mapping(const struct vss_location_mapping *a,
		    const struct vss_location_mapping *b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_same_str(a->path, b->path);
	assert_same_str(a->filespec, b->filespec);
	assert_int_equal(a->recursive, b->recursive);
	assert_same_str(a->destination, b->destination);
}

static const char *
status_text(int r)
{
	const char *name = vss_status_name(r);

	return name ? name : vss_strerror(r);
}

void *
load_doc(const struct doc_codec *codec, const char *what, const char *xml,
	 size_t len)
{
	struct vss_error err = { 0 };
	void *doc = NULL;
	int r;

	r = codec->load(&doc, xml, len, &err);
	if (r != 0)
		fail_msg("%s: %s load: %s: line %d: %s", what, codec->name,
			 status_text(r), err.line, err.message);
	assert_non_null(doc);
	return doc;
}

char *
save_doc(const struct doc_codec *codec, const void *doc)
{
	char *xml = NULL;
	size_t len = 0;

	assert_int_equal(codec->save(doc, &xml, &len), 0);
	assert_non_null(xml);
	assert_int_equal(strlen(xml), len);
	return xml;
}

char *
utf16le_with_bom(const char *text, size_t *ret_len)
{
	size_t n = strlen(text), i;
	char *utf16 = malloc(2 + 2 * n);

	assert_non_null(utf16);
	utf16[0] = '\xff';
	utf16[1] = '\xfe';
	for (i = 0; i < n; i++) {
		utf16[2 + 2 * i] = text[i];
		utf16[3 + 2 * i] = 0;
	}
	*ret_len = 2 + 2 * n;
	return utf16;
}

void
check_malformed(const struct doc_codec *codec, const struct malformed *cases,
		size_t count)
{
	struct vss_error err;
	char prefix[32];
	void *doc;
	size_t i;
	int r;

	for (i = 0; i < count; i++) {
		const struct malformed *m = &cases[i];

		memset(&err, 0, sizeof(err));
		doc = UNTOUCHED;
		r = codec->load(&doc, m->doc, strlen(m->doc), &err);
		if (r != VSS_E_INVALID_XML_DOCUMENT || err.line != m->line ||
		    !strstr(err.message, m->message))
			fail_msg("case %zu: r %d line %d '%s', expected line "
				 "%d '%s'",
				 i, r, err.line, err.message, m->line,
				 m->message);
		assert_ptr_equal(doc, UNTOUCHED);
		snprintf(prefix, sizeof(prefix), "line %d: ", m->line);
		assert_true(strncmp(err.message, prefix, strlen(prefix)) == 0);
	}
}

void
check_codec_enomem(const struct doc_codec *codec, const void *full,
		   const char *xml)
{
	size_t xml_len = strlen(xml), len;
	char *saved, *expected, *out;
	long n, blocks;
	void *doc;
	int r;

	saved = save_doc(codec, full);
	/* Also warms libxml2 up: it keeps a few blocks from its first use. */
	doc = load_doc(codec, "without failures", xml, xml_len);
	expected = save_doc(codec, doc);
	codec->free(doc);
	for (n = 0;; n++) {
		/* libxml2 keeps a copy of the last error per thread. */
		xmlResetLastError();
		blocks = alloc_fail_live_blocks();
		doc = UNTOUCHED;
		alloc_fail_arm(n);
		r = codec->load(&doc, xml, xml_len, NULL);
		alloc_fail_disarm();
		xmlResetLastError();
		if (r == 0) {
			/* Nothing was lost to a failure on the way. */
			out = save_doc(codec, doc);
			assert_string_equal(out, expected);
			free(out);
			codec->free(doc);
			assert_int_equal(alloc_fail_live_blocks(), blocks);
			break;
		}
		assert_true(r == -ENOMEM || r == VSS_E_INVALID_XML_DOCUMENT);
		assert_ptr_equal(doc, UNTOUCHED);
		assert_int_equal(alloc_fail_live_blocks(), blocks);
	}
	assert_true(n > 10);
	for (n = 0;; n++) {
		xmlResetLastError();
		blocks = alloc_fail_live_blocks();
		out = UNTOUCHED;
		alloc_fail_arm(n);
		r = codec->save(full, &out, &len);
		alloc_fail_disarm();
		xmlResetLastError();
		if (r == 0) {
			assert_string_equal(out, saved);
			free(out);
			assert_int_equal(alloc_fail_live_blocks(), blocks);
			break;
		}
		assert_int_equal(r, -ENOMEM);
		assert_ptr_equal(out, UNTOUCHED);
		assert_int_equal(alloc_fail_live_blocks(), blocks);
	}
	assert_true(n > 10);
	free(expected);
	free(saved);
}
