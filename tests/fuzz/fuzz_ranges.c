/*
 * fuzz_ranges.c - libFuzzer target for the range lists of directed
 * targets and partial files (restore_ranges_parse(),
 * cli/restore_write_ranges.c), which "vss restore" reads from a writer's
 * BCD.  A list that parses must keep the promises of restore_write.h
 * (at least one range, offset + length within 2^63 - 1) and, written out
 * again in decimal, parse to the same ranges; a refusal returns nothing.
 * Anything else aborts.  See run.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "fuzz_ranges: %s\n", what);
	abort();
}

/* The ranges in decimal, as a writer could have written them. */
static char *
format(const struct restore_range *r, size_t n)
{
	char *text = malloc(n * 42 + 1), *p = text;
	size_t i;

	if (!text)
		die("out of memory");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%" PRIu64 ":%" PRIu64, i ? "," : "",
			     r[i].offset, r[i].length);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct restore_range *r = NULL, *again = NULL;
	size_t n = 0, m = 0, i;
	char *text, *back;
	int rc;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rc = restore_ranges_parse(text, &r, &n);
	if (rc == -ENOMEM) {
		free(text);
		return 0;
	}
	if (rc != 0 && (rc != -EINVAL || r))
		die("a refusal returned something");
	if (rc == 0) {
		if (n == 0)
			die("an empty list parsed");
		for (i = 0; i < n; i++)
			if (r[i].offset > (uint64_t)INT64_MAX ||
			    r[i].length > (uint64_t)INT64_MAX - r[i].offset)
				die("a range past 2^63 - 1");
		back = format(r, n);
		if (restore_ranges_parse(back, &again, &m) != 0 || m != n ||
		    memcmp(again, r, n * sizeof(*r)) != 0)
			die("written out, it parses to other ranges");
		free(again);
		free(back);
	}
	free(r);
	free(text);
	return 0;
}
