/*
 * fuzz_frame.c - libFuzzer target for the frame reader.  The input is a
 * byte stream from a peer.  It is fed to one wire_reader in one piece and
 * to another in chunks whose sizes come from a generator seeded by the
 * input; both must yield the same frames and end the same way, the
 * chunked reader must never buffer more than one frame and a chunk, and
 * every frame must be a JSON object with a string "type" that
 * wire_check() can judge.  Anything else aborts.  See run.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small enough that the fuzzer finds oversized headers, big enough for
 * real messages. */
#define MAX_FRAME 4096
#define MAX_FRAMES 4096

_Noreturn static void
die(const char *what, long a, long b)
{
	fprintf(stderr, "fuzz_frame: %s (%ld, %ld)\n", what, a, b);
	abort();
}

struct outcome {
	json_t *frames[MAX_FRAMES];
	size_t count;
	int end; /* 0, or the error that stopped wire_reader_next() */
};

/* Take frames until none is complete or an error; 1 when stopped. */
static int
drain(struct wire_reader *r, struct outcome *o)
{
	json_t *msg;
	int ret;

	while ((ret = wire_reader_next(r, &msg)) == 1) {
		const char *why = NULL;
		int t;

		if (!json_is_object(msg) ||
		    !json_is_string(json_object_get(msg, WF_TYPE)))
			die("a frame is not an object with a string type", 0,
			    0);
		t = wire_check(msg, &why);
		if (t < 0 && (t != -EBADMSG || !why))
			die("wire_check failed without a reason", t, 0);
		if (o->count == MAX_FRAMES)
			die("more frames than the input can hold", 0, 0);
		o->frames[o->count++] = msg;
	}
	if (ret < 0 && ret != -EBADMSG && ret != -EMSGSIZE)
		die("unexpected error from wire_reader_next", ret, 0);
	o->end = ret;
	return ret < 0;
}

static void
outcome_release(struct outcome *o)
{
	size_t i;

	for (i = 0; i < o->count; i++)
		json_decref(o->frames[i]);
}

/* xorshift64: chunk sizes, reproducible from the input. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static uint64_t
seed_of(const uint8_t *data, size_t size)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ULL;
	return h ? h : 1;
}

/*
 * After -EMSGSIZE the buffer ends with the refused header: nothing of its
 * payload is kept.
 */
static void
check_ends_in_bad_header(const struct wire_reader *r)
{
	const uint8_t *h;
	uint32_t len;

	if (r->len - r->off < WIRE_HEADER_SIZE)
		die("refused header not kept", (long)(r->len - r->off), 0);
	h = r->buf + r->len - WIRE_HEADER_SIZE;
	len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	      (uint32_t)h[2] << 8 | h[3];
	if (len <= MAX_FRAME)
		die("bytes kept after an oversized header", (long)len, 0);
}

/* One piece: the same reader sees everything at once. */
static void
feed_whole(const uint8_t *data, size_t size, struct outcome *o)
{
	struct wire_reader r;
	int ret;

	wire_reader_init(&r, MAX_FRAME);
	ret = wire_reader_feed(&r, data, size);
	if (ret != 0 && ret != -EMSGSIZE)
		die("unexpected error from wire_reader_feed", ret, 0);
	if (ret == -EMSGSIZE)
		check_ends_in_bad_header(&r);
	drain(&r, o);
	/* A refused header stays first in line: no frame after it. */
	if (ret == -EMSGSIZE && o->end == 0)
		die("an oversized header was forgotten", 0, 0);
	wire_reader_release(&r);
}

static void
feed_chunks(const uint8_t *data, size_t size, struct outcome *o)
{
	uint64_t state = seed_of(data, size);
	struct wire_reader r;
	size_t pos = 0;

	wire_reader_init(&r, MAX_FRAME);
	while (pos < size) {
		size_t chunk = 1 + next_random(&state) % 97, before;
		int ret;

		if (next_random(&state) % 8 == 0)
			chunk *= 64;
		if (chunk > size - pos)
			chunk = size - pos;
		before = r.len - r.off;
		/* Drained after every feed: at most one partial frame. */
		if (before >= MAX_FRAME + WIRE_HEADER_SIZE)
			die("more than a frame buffered", (long)before, 0);
		ret = wire_reader_feed(&r, data + pos, chunk);
		if (ret != 0 && ret != -EMSGSIZE)
			die("unexpected error from wire_reader_feed", ret, 0);
		if (r.len - r.off > before + chunk)
			die("buffered more than was fed", (long)(r.len - r.off),
			    (long)(before + chunk));
		if (ret == -EMSGSIZE)
			check_ends_in_bad_header(&r);
		pos += chunk;
		if (drain(&r, o))
			break;
		if (ret == -EMSGSIZE)
			die("an oversized header was forgotten", 0, 0);
	}
	wire_reader_release(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome whole, chunked;
	size_t i;

	whole.count = chunked.count = 0;
	feed_whole(data, size, &whole);
	feed_chunks(data, size, &chunked);
	if (whole.count != chunked.count)
		die("frame counts differ", (long)whole.count,
		    (long)chunked.count);
	if (whole.end != chunked.end)
		die("the readers ended differently", whole.end, chunked.end);
	for (i = 0; i < whole.count; i++)
		if (!json_equal(whole.frames[i], chunked.frames[i]))
			die("frames differ", (long)i, 0);
	outcome_release(&whole);
	outcome_release(&chunked);
	return 0;
}
