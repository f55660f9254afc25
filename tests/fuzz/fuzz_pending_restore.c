/*
 * fuzz_pending_restore.c - libFuzzer target for the pending restore
 * journal that vssd applies at start (lib/util/pending_restore_parse.c).
 * The input is parsed as it is, and once more "signed": followed by an
 * end record with the count of its lines after the first and their
 * correct SHA-256, so that the fuzzer gets past the digest to the checks
 * of the header and the entries.  A journal accepted must keep the
 * promises vssd relies on before renaming anything (a clean absolute
 * root, a boot id of bounded length, targets relative without "." / ".."
 * / empty elements and outside the staging directory, entries numbered
 * 1, 2, ..., inode numbers within 63 bits); a refusal must be
 * -EBADMSG with a reason.  Anything else aborts.  See run.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/pending_restore_internal.h"
#include "util/relpath.h"
#include "util/sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "fuzz_pending_restore: %s\n", what);
	abort();
}

static void
check(const char *text, size_t len)
{
	struct pr_journal j;
	char err[256];
	size_t i;
	int r;

	r = pr_journal_parse(text, len, &j, err, sizeof(err));
	if (r == -ENOMEM)
		return;
	if (r < 0) {
		if (r != -EBADMSG || !err[0])
			die("a refusal without -EBADMSG and a reason");
		if (pending_restore_parse(text, len, NULL, 0) != r)
			die("pending_restore_parse() disagrees");
		return;
	}
	if (!pr_id_valid(j.id) || !abspath_clean(j.root) || !j.backup_set ||
	    strlen(j.boot_id) > PR_BOOT_ID_MAX)
		die("a header accepted that is not clean");
	for (i = 0; i < j.count; i++) {
		if (j.entries[i].n != i + 1)
			die("entries out of order");
		if (!pr_target_valid(j.entries[i].target))
			die("a target accepted that is not clean");
		if (!pr_type_name(j.entries[i].type))
			die("a type accepted that has no name");
		if (j.entries[i].ino > (uint64_t)INT64_MAX)
			die("an inode number accepted past 63 bits");
	}
	pr_journal_release(&j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char hex[65], *signed_text;
	size_t lines = 0, i, len;

	if (size > 1 << 20)
		return 0;
	check((const char *)data, size);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (size == 0 || data[size - 1] != '\n' ||
	    sha256_buf_hex(data, size, hex) < 0)
		return 0;
	signed_text = malloc(size + 128);
	if (!signed_text)
		return 0;
	memcpy(signed_text, data, size);
	len = size + (size_t)snprintf(signed_text + size, 128,
				      "{\"end\":%zu,\"sha256\":\"%s\"}\n",
				      lines ? lines - 1 : 0, hex);
	check(signed_text, len);
	free(signed_text);
	return 0;
}
