/*
 * fuzz_filerule.c - libFuzzer target for the FilesNotToSnapshot /
 * FilesNotToBackup entry syntax (lib/util/filerule.c) that vssd's
 * [files-not-to-snapshot] and "vss backup"'s [files-not-to-backup]
 * sections share.  The input is parsed twice: as one entry of raw bytes
 * (filerule_parse()) and, up to its first NUL, as a ';'-separated list
 * (filerule_parse_list()); $UserProfile$ is not expanded, which keeps the
 * user database out of it (test_filerule.c covers the expansion).  Every
 * file set parsed must keep the promises of filerule.h (directory in its
 * one spelling, a file name pattern that can name a file) and, written
 * out again, parse to itself; a refusal must say why and leave the list
 * as it was.  Anything else aborts.  See run.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/filerule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "fuzz_filerule: %s\n", what);
	abort();
}

/* The directory is in its one spelling, without wildcards. */
static void
check_dir(const struct filerule *r)
{
	const char *why;
	char *absolute, *norm;

	if ((r->kind == FILERULE_PATH) != (r->dir[0] == '/'))
		die("absolute or relative directory of the wrong kind");
	if (asprintf(&absolute, "%s%s", r->kind == FILERULE_PATH ? "" : "/",
		     r->dir) < 0)
		die("out of memory");
	if (filerule_normalise(absolute, strlen(absolute), false, &norm,
			       &why) < 0)
		die("directory that does not normalise");
	if (strcmp(norm, absolute) != 0)
		die("directory not in its one spelling");
	free(norm);
	free(absolute);
}

/*
 * Write r as an entry and parse it again.  The file name pattern follows
 * "//": after a single '/', a pattern "s" after a directory ending in a
 * blank would read as " /s".
 */
static void
check_round_trip(const struct filerule *r)
{
	static const char *const prefix[] = {
		[FILERULE_PATH] = "",
		[FILERULE_ALL_VOLUMES] = "$AllVolumes$/",
		[FILERULE_PROFILE] = "$UserProfile$/",
	};
	struct filerule_list again = {0};
	char err[256], *entry;

	if (asprintf(&entry, "%s%s//%s%s", prefix[r->kind], r->dir,
		     r->filespec, r->recursive ? " /s" : "") < 0)
		die("out of memory");
	if (filerule_parse(&again, entry, strlen(entry), false, err,
			   sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", entry, err);
		die("a file set written out does not parse");
	}
	if (again.n != 1 || again.v[0].kind != r->kind ||
	    strcmp(again.v[0].dir, r->dir) != 0 ||
	    strcmp(again.v[0].filespec, r->filespec) != 0 ||
	    again.v[0].recursive != r->recursive)
		die("a file set written out parses to another one");
	filerule_list_release(&again);
	free(entry);
}

/* What a parse into list (first entries before it) returned r. */
static void
check(const struct filerule_list *list, size_t first, int r,
      const char *err)
{
	size_t i;

	if (r == -ENOMEM)
		return;
	if (r < 0) {
		if (r != -EINVAL || !err[0])
			die("refused without a reason");
		if (list->n != first)
			die("a refused entry changed the list");
		return;
	}
	if (r != 0)
		die("unexpected status");
	for (i = first; i < list->n; i++) {
		if (!filerule_filespec_valid(list->v[i].filespec))
			die("a file name pattern that names no file");
		check_dir(&list->v[i]);
		check_round_trip(&list->v[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filerule_list list = {0};
	char err[256], *text;
	size_t first;
	int r;

	/* One entry of raw bytes, after one already in the list. */
	if (filerule_parse(&list, "/keep/x", 7, false, err, sizeof(err)) < 0)
		die("cannot parse a plain entry");
	first = list.n;
	err[0] = '\0';
	r = filerule_parse(&list, (const char *)data, size, false, err,
			   sizeof(err));
	check(&list, first, r, err);
	if (r == 0 && list.n != first + 1)
		die("one entry gave other than one file set");

	/* The list, up to the first NUL. */
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	first = list.n;
	err[0] = '\0';
	r = filerule_parse_list(&list, text, false, err, sizeof(err));
	check(&list, first, r, err);
	free(text);
	filerule_list_release(&list);
	return 0;
}
