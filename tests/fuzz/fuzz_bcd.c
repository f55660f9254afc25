/*
 * fuzz_bcd.c - libFuzzer target for the BCD loader: any input either fails
 * to load, or loads, saves, loads again from the saved text, and saves to
 * the very same text (MD-062).  Anything else aborts.  See run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/metadata.h>
#include <vss/status.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise of the codec: say which, and crash for libFuzzer. */
_Noreturn static void
die(const char *what, int r, const struct vss_error *err)
{
	fprintf(stderr, "fuzz_bcd: %s", what);
	if (r != 0)
		fprintf(stderr, ": %s", vss_strerror(r));
	if (err != NULL)
		fprintf(stderr, ": line %d: %s", err->line, err->message);
	fputc('\n', stderr);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *saved = NULL, *saved_again = NULL;
	size_t saved_len, saved_again_len;
	vss_bcd *bcd = NULL, *again = NULL;
	struct vss_error err;
	int r;

	if (vss_bcd_load_xml(&bcd, (const char *)data, size, &err) != 0)
		return 0;
	r = vss_bcd_save_xml(bcd, &saved, &saved_len);
	if (r != 0)
		die("save of a loaded document", r, NULL);
	if (strlen(saved) != saved_len)
		die("saved length is not the text's", 0, NULL);
	r = vss_bcd_load_xml(&again, saved, saved_len, &err);
	if (r != 0) {
		fprintf(stderr, "fuzz_bcd: saved text:\n%s\n", saved);
		die("load of the saved text", r, &err);
	}
	r = vss_bcd_save_xml(again, &saved_again, &saved_again_len);
	if (r != 0)
		die("second save", r, NULL);
	if (saved_len != saved_again_len ||
	    memcmp(saved, saved_again, saved_len) != 0) {
		fprintf(stderr, "fuzz_bcd: first save:\n%s\nsecond save:\n%s\n",
			saved, saved_again);
		die("the second save differs from the first", 0, NULL);
	}
	free(saved_again);
	free(saved);
	vss_bcd_free(again);
	vss_bcd_free(bcd);
	return 0;
}
