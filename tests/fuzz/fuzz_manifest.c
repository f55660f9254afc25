/*
 * fuzz_manifest.c - libFuzzer target for the manifest of a backup set
 * (bset_manifest_parse(), cli/bset_manifest.c), which verify and restore
 * read from a set that may have been tampered with.  A manifest that
 * parses must keep every promise of cli/backupset.h: clean relative
 * paths, indices in range, hard links naming an earlier regular file of
 * the same volume, parents before children; and written out again it
 * must parse to the same number of objects.  Anything else aborts.  See
 * run.sh.
 */
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
	size_t j;

	if (e->volume >= bset_manifest_volume_count(m))
		die("volume out of range");
	if (!bset_path_valid(e->path))
		die("unclean path");
	for (j = 0; j < e->component_count; j++)
		if (e->components[j] >= bset_manifest_component_count(m))
			die("component out of range");
	if (e->hardlink_of) {
		j = bset_manifest_find(m, e->volume, e->hardlink_of);
		if (j >= i)
			die("hard link to no earlier entry");
		first = bset_manifest_entry(m, j);
		if (!S_ISREG(first->mode) || !S_ISREG(e->mode))
			die("hard link of a non-file");
	}
	if (S_ISREG(e->mode) && !e->hardlink_of &&
	    (!e->sha256 || strlen(e->sha256) != 64))
		die("file without a checksum");
	if (S_ISLNK(e->mode) && !e->link_target)
		die("symlink without a target");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bset_manifest *m = NULL, *again = NULL;
	char err[256], *json;
	size_t i, len;

	if (bset_manifest_parse(&m, (const char *)data, size, err,
				sizeof(err)) < 0) {
		if (!err[0])
			die("refused without a message");
		return 0;
	}
	for (i = 0; i < bset_manifest_entry_count(m); i++)
		check_entry(m, i);
	if (bset_manifest_dump(m, &json, &len) < 0)
		die("cannot write a manifest that parsed");
	if (bset_manifest_parse(&again, json, len, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		die("the manifest written does not parse");
	}
	if (bset_manifest_entry_count(again) != bset_manifest_entry_count(m))
		die("the round trip lost entries");
	free(json);
	bset_manifest_free(again);
	bset_manifest_free(m);
	return 0;
}
