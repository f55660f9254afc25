/*
 * tests/fuzz/roundtrip.c - the round trip every input of the fuzz targets
 * goes through (roundtrip.h).  See run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/metadata.h>
#include <vss/status.h>

#include "roundtrip.h"

/* A broken promise of the codec: say which, and crash for libFuzzer. */
_Noreturn static void
die(const struct doc_codec *codec, const char *what, int r,
    const struct vss_error *err)
{
	fprintf(stderr, "fuzz_%s: %s", codec->name, what);
	if (r != 0)
		fprintf(stderr, ": %s", vss_strerror(r));
	if (err != NULL)
		fprintf(stderr, ": line %d: %s", err->line, err->message);
	fputc('\n', stderr);
	abort();
}

int
roundtrip(const struct doc_codec *codec, const uint8_t *data, size_t size)
{
	char *saved = NULL, *saved_again = NULL;
	size_t saved_len, saved_again_len;
	void *doc = NULL, *again = NULL;
	struct vss_error err;
	int r;

	if (codec->load(&doc, (const char *)data, size, &err) != 0)
		return 0;
	r = codec->save(doc, &saved, &saved_len);
	if (r != 0)
		die(codec, "save of a loaded document", r, NULL);
	if (strlen(saved) != saved_len)
		die(codec, "saved length is not the text's", 0, NULL);
	r = codec->load(&again, saved, saved_len, &err);
	if (r != 0) {
		fprintf(stderr, "fuzz_%s: saved text:\n%s\n", codec->name,
			saved);
		die(codec, "load of the saved text", r, &err);
	}
	r = codec->save(again, &saved_again, &saved_again_len);
	if (r != 0)
		die(codec, "second save", r, NULL);
	if (saved_len != saved_again_len ||
	    memcmp(saved, saved_again, saved_len) != 0) {
		fprintf(stderr, "fuzz_%s: first save:\n%s\nsecond save:\n%s\n",
			codec->name, saved, saved_again);
		die(codec, "the second save differs from the first", 0, NULL);
	}
	free(saved_again);
	free(saved);
	codec->free(again);
	codec->free(doc);
	return 0;
}
