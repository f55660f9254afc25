/*
 * fuzz_manifest.c - libFuzzer target for the manifest of a backup set
 * (bset_manifest_parse(), cli/bset_manifest*.c), which verify and restore
 * read from a set that may have been tampered with.
 *
 * The SHA-256 in the end record is set right before parsing, so that
 * mutated inputs get past that check to the rules after it.  A manifest
 * that parses must keep every promise of cli/backupset.h: clean relative
 * paths, each once in its volume, indices in range, hard links naming an
 * earlier regular file of the same volume, every parent an earlier
 * directory, the root a directory; and written out again
 * (bset_manifest_write()) it must parse to the same records and write
 * the same bytes.  Anything else aborts.  See run.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bset_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "fuzz_manifest: %s\n", what);
	abort();
}

static void
check_entry(const struct bset_manifest *m, size_t i)
{
	const struct bset_entry *e = bset_manifest_entry(m, i), *first;
	char parent[BSET_PATH_MAX];
	size_t j;

	if (e->volume >= bset_manifest_volume_count(m))
		die("volume out of range");
	if (!relpath_valid(e->path))
		die("unclean path");
	if (bset_manifest_find(m, e->volume, e->path) != i)
		die("a path twice in a volume");
	for (j = 0; j < e->component_count; j++)
		if (e->components[j] >= bset_manifest_component_count(m))
			die("component out of range");
	if (!*e->path) {
		if (!S_ISDIR(e->mode))
			die("the root is not a directory");
	} else {
		bset_split_path(e->path, parent);
		j = bset_manifest_find(m, e->volume, parent);
		if (j >= i)
			die("a parent after its child, or none");
		if (!S_ISDIR(bset_manifest_entry(m, j)->mode))
			die("a parent that is not a directory");
	}
	if (e->hardlink_of) {
		j = bset_manifest_find(m, e->volume, e->hardlink_of);
		if (j >= i)
			die("hard link to no earlier entry");
		first = bset_manifest_entry(m, j);
		if (!S_ISREG(first->mode) || !S_ISREG(e->mode) ||
		    first->hardlink_of)
			die("hard link of a non-file or of a link");
	}
	if (S_ISREG(e->mode) && !e->hardlink_of &&
	    (!e->sha256 || strlen(e->sha256) != 64))
		die("file without a checksum");
	if (S_ISLNK(e->mode) && !e->link_target)
		die("symlink without a target");
}

/* The manifest written out: a growing buffer. */
struct text {
	char *data;
	size_t len;
};

static int
append(void *u, const void *data, size_t len)
{
	struct text *t = u;
	char *grown = realloc(t->data, t->len + len);

	if (!grown)
		return -ENOMEM;
	memcpy(grown + t->len, data, len);
	t->data = grown;
	t->len += len;
	return 0;
}

/*
 * A copy of data whose last line's "sha256":"<64 characters>" holds the
 * SHA-256 of every byte before that line, as a writer would put it.
 */
static char *
with_digest(const uint8_t *data, size_t size)
{
	static const char key[] = "\"sha256\":\"";
	char *copy = malloc(size + 1), *last, *p, hex[65];

	if (!copy)
		die("out of memory");
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (size < 2 || copy[size - 1] != '\n')
		return copy;
	copy[size - 1] = '\0';
	last = strrchr(copy, '\n');
	last = last ? last + 1 : copy;
	copy[size - 1] = '\n';
	p = memmem(last, size - (size_t)(last - copy), key, sizeof(key) - 1);
	if (!p || (size_t)(p - copy) + sizeof(key) - 1 + 65 > size)
		return copy;
	if (sha256_buf_hex(copy, (size_t)(last - copy), hex) < 0)
		die("cannot hash");
	memcpy(p + sizeof(key) - 1, hex, 64);
	return copy;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bset_manifest *m = NULL, *again = NULL;
	struct text one = {0}, two = {0};
	char err[512], *text;
	size_t i;

	text = with_digest(data, size);
	if (bset_manifest_parse(&m, text, size, err, sizeof(err)) < 0) {
		if (!err[0])
			die("refused without a message");
		free(text);
		return 0;
	}
	free(text);
	for (i = 0; i < bset_manifest_entry_count(m); i++)
		check_entry(m, i);
	if (m->failed < m->failure_count)
		die("fewer failed objects than recorded");
	if (bset_manifest_write(m, append, &one) < 0)
		die("cannot write a manifest that parsed");
	if (bset_manifest_parse(&again, one.data, one.len, err,
				sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		die("the manifest written does not parse");
	}
	if (bset_manifest_entry_count(again) != bset_manifest_entry_count(m) ||
	    again->document_count != m->document_count ||
	    again->failure_count != m->failure_count ||
	    again->failed != m->failed ||
	    again->component_count != m->component_count ||
	    again->volume_count != m->volume_count)
		die("the round trip lost records");
	if (bset_manifest_write(again, append, &two) < 0 ||
	    two.len != one.len || memcmp(one.data, two.data, one.len) != 0)
		die("written twice, the manifest differs");
	free(one.data);
	free(two.data);
	bset_manifest_free(again);
	bset_manifest_free(m);
	return 0;
}
