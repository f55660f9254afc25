/*
 * fuzz_message.c - libFuzzer target for the message decoder: the input
 * is one frame payload.  What decodes is judged by wire_check(); what it
 * accepts must keep the promises handlers rely on (ids in range, an int32
 * status, a known event), read back through every getter, survive a
 * trip through wire_encode() and the setters unchanged in verdict.
 * Anything else aborts.  See run.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ID_MAX ((int64_t)1 << 53)

_Noreturn static void
die(const char *what, const char *key, long value)
{
	fprintf(stderr, "fuzz_message: %s (%s, %ld)\n", what, key ? key : "-",
		value);
	abort();
}

/*
 * Every getter on key; a field has exactly one JSON type, so at most one
 * of the typed getters succeeds, and absence is -ENOENT for all.  The
 * value read is written back to copy with the matching setter.
 */
static void
read_field(json_t *msg, json_t *copy, const char *key)
{
	const char *s;
	int64_t n;
	bool b;
	vss_id id;
	int rs, rn, rb, ri, hits;

	rs = wire_get_str(msg, key, &s);
	rn = wire_get_int(msg, key, &n);
	rb = wire_get_bool(msg, key, &b);
	ri = wire_get_id(msg, key, &id);
	if (rs == -ENOENT || rn == -ENOENT || rb == -ENOENT ||
	    ri == -ENOENT) {
		if (rs != -ENOENT || rn != -ENOENT || rb != -ENOENT ||
		    ri != -ENOENT)
			die("absent for one getter, not for another", key, 0);
		return;
	}
	hits = (rs == 0) + (rn == 0) + (rb == 0);
	if (hits > 1)
		die("two getters took one field", key, hits);
	if (ri == 0 && rs != 0)
		die("an id that is not a string", key, rs);
	if (rs == 0) {
		if (strlen(s) != json_string_length(json_object_get(msg, key)))
			die("a string with a NUL", key, 0);
		/* An id is written back in its canonical form. */
		if (ri == 0 ? wire_set_id(copy, key, &id) != 0 :
			      wire_set_str(copy, key, s) != 0)
			die("setter refused a string read back", key, ri);
	}
	if (rn == 0 && wire_set_int(copy, key, n) != 0)
		die("setter refused an integer read back", key, 0);
	if (rb == 0 && wire_set_bool(copy, key, b) != 0)
		die("setter refused a boolean read back", key, 0);
}

/* The promises of wire_check() that handlers rely on. */
static void
check_promises(json_t *msg, int t)
{
	const char *type, *ev;
	int64_t n;

	if (t <= WIRE_UNKNOWN || t >= WIRE_TYPE_COUNT)
		die("wire_check returned no type", NULL, t);
	if (wire_get_str(msg, WF_TYPE, &type) != 0 ||
	    wire_type_parse(type) != (enum wire_type)t)
		die("the type returned is not the message's", NULL, t);
	if (wire_get_int(msg, WF_ID, &n) != 0 || n < 1 || n > ID_MAX)
		die("an accepted message without a good id", NULL, t);
	if (t == WIRE_REPLY || t == WIRE_EVENT_REPLY) {
		if (wire_get_int(msg, WF_STATUS, &n) != 0 || n < INT32_MIN ||
		    n > INT32_MAX)
			die("a reply without an int32 status", NULL, t);
	}
	if (t == WIRE_EVENT) {
		if (wire_get_str(msg, WF_EVENT, &ev) != 0 ||
		    wire_event_parse(ev) == WIRE_EV_UNKNOWN)
			die("an event without a known name", NULL, t);
	}
}

/* Encode, decode again: the same object and the same verdict. */
static void
round_trip(json_t *msg, int t)
{
	json_t *again;
	uint8_t *f;
	size_t n;
	int r;

	r = wire_encode(msg, 0, &f, &n);
	if (r != 0)
		die("a decoded message does not encode", NULL, r);
	r = wire_decode_payload(f + WIRE_HEADER_SIZE, n - WIRE_HEADER_SIZE,
				&again);
	if (r != 0)
		die("an encoded message does not decode", NULL, r);
	if (!json_equal(msg, again))
		die("the round trip changed the message", NULL, 0);
	if (wire_check(again, NULL) != t)
		die("the round trip changed the verdict", NULL, t);
	json_decref(again);
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL, *key;
	json_t *msg, *copy, *v;
	int t;

	if (wire_decode_payload(data, size, &msg) != 0)
		return 0;
	t = wire_check(msg, &why);
	if (t < 0 && (t != -EBADMSG || !why))
		die("refused without a reason", NULL, t);
	round_trip(msg, t);
	copy = json_deep_copy(msg);
	if (!copy)
		die("out of memory", NULL, 0);
	json_object_foreach (msg, key, v)
		read_field(msg, copy, key);
	if (t >= 0) {
		check_promises(msg, t);
		/* Values read and written back keep the message valid. */
		if (wire_check(copy, &why) != t)
			die("written back, the message is refused", why, t);
	}
	json_decref(copy);
	json_decref(msg);
	return 0;
}
