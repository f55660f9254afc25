/*
 * tests/unit/test_util.h - what the tests of the two XML codecs share
 * (test_wmd_xml.c, test_bcd_xml.c, test_windows_docs.c): the ids their
 * documents use, strings XML must escape, loading and saving that assert,
 * and the checks both codecs go through alike (test_util.c).
 */
#ifndef VSS_TESTS_TEST_UTIL_H
#define VSS_TESTS_TEST_UTIL_H

#include <stddef.h>

#include <vss/metadata.h>

#include "../doc_codec.h"

/* Characters XML must carry unchanged in attribute values. */
#define ODD                                                                    \
	" line\nbreak\r\ncr\ttab \"q\" 'a' <t> & &amp; \xc3\xa9 "            \
	"\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80  "

/* The ids below as text: a writer class, its instance, another writer. */
#define WID "d61d61c8-d73a-4eee-8cdd-f6f9786b7124"
#define IID "1bddd48e-5052-49db-9b07-b96f96727e6b"
#define OID "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a"

static const vss_id class_id = { { 0xd6, 0x1d, 0x61, 0xc8, 0xd7, 0x3a, 0x4e,
				   0xee, 0x8c, 0xdd, 0xf6, 0xf9, 0x78, 0x6b,
				   0x71, 0x24 } };
static const vss_id instance_id = { { 0x1b, 0xdd, 0xd4, 0x8e, 0x50, 0x52,
				      0x49, 0xdb, 0x9b, 0x07, 0xb9, 0x6f,
				      0x96, 0x72, 0x7e, 0x6b } };
static const vss_id other_id = { { 0xa6, 0x5f, 0xaa, 0x63, 0x5e, 0xa8, 0x4e,
				   0xbc, 0x9d, 0xbd, 0xa0, 0xc4, 0xdb, 0x26,
				   0x91, 0x2a } };

/* Both NULL, or equal strings. */
void assert_same_str(const char *a, const char *b);
void assert_same_mapping(const struct vss_location_mapping *a,
			 const struct vss_location_mapping *b);

/*
 * Load xml, failing the test with what (a file name, say) and the error
 * when it does not load.  Caller owns the document; free with
 * codec->free().
 */
void *load_doc(const struct doc_codec *codec, const char *what,
	       const char *xml, size_t len);
/*
 * Save doc, failing the test when it does not save or the length is not
 * the text's.  Caller owns the text; free with free().
 */
char *save_doc(const struct doc_codec *codec, const void *doc);

/*
 * The text (ASCII) in UTF-16LE after a byte-order mark, as Windows tools
 * save documents; *ret_len is its size in bytes.  Caller owns the result;
 * free with free().
 */
char *utf16le_with_bom(const char *text, size_t *ret_len);

/* A document the loader must refuse, at the line and with the message. */
struct malformed {
	const char *doc;
	int line;
	const char *message; /* expected whole, or a part after "line N: " */
};

/*
 * MD-003: each of the count documents gives VSS_E_INVALID_XML_DOCUMENT,
 * the line, a message starting "line N: " and leaves *ret alone.
 */
void check_malformed(const struct doc_codec *codec,
		     const struct malformed *cases, size_t count);

/*
 * Every allocation of a load of xml and of a save of full may fail: the
 * call then returns -ENOMEM (libxml2 may report a failed allocation inside
 * the parser as a malformed document), leaves *ret alone and frees all;
 * otherwise the result is what it is without failures.  The test calls
 * alloc_fail_require() (alloc_fail.h) first, before it builds full.
 */
void check_codec_enomem(const struct doc_codec *codec, const void *full,
			const char *xml);

#endif
