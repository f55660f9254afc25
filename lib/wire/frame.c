/*
 * lib/wire/frame.c - frames of the vssd protocol (a 4-byte big-endian
 * length, then one JSON object), read incrementally from a non-blocking
 * socket and encoded for writing; and the names of message types and
 * events.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* First allocation of a reader or encoder buffer. */
#define BUF_MIN_CAP 4096
/*
 * A drained reader buffer larger than this is freed, so that one big frame
 * does not pin its memory for the rest of the connection.
 */
#define READER_KEEP_CAP (256u << 10)

#define TYPE_NAME_ENTRY(e, name, who) [e] = name,
static const char *const type_names[] = {
	[WIRE_UNKNOWN] = NULL,
	WIRE_MESSAGE_MAP(TYPE_NAME_ENTRY)
};
#undef TYPE_NAME_ENTRY
static_assert(ARRAY_SIZE(type_names) == WIRE_TYPE_COUNT,
	      "one name per message type");

#define EVENT_NAME_ENTRY(e, name) [e] = name,
static const char *const event_names[] = {
	[WIRE_EV_UNKNOWN] = NULL,
	WIRE_EVENT_MAP(EVENT_NAME_ENTRY)
};
#undef EVENT_NAME_ENTRY
static_assert(ARRAY_SIZE(event_names) == WIRE_EV_COUNT,
	      "one name per event");

const char *
wire_type_name(enum wire_type t)
{
	if ((size_t)t >= ARRAY_SIZE(type_names))
		return NULL;
	return type_names[t];
}

enum wire_type
wire_type_parse(const char *name)
{
	size_t i;

	if (!name)
		return WIRE_UNKNOWN;
	for (i = 1; i < ARRAY_SIZE(type_names); i++)
		if (strcmp(type_names[i], name) == 0)
			return (enum wire_type)i;
	return WIRE_UNKNOWN;
}

const char *
wire_event_name(enum wire_event e)
{
	if ((size_t)e >= ARRAY_SIZE(event_names))
		return NULL;
	return event_names[e];
}

/* The public event numbers are the wire's (vss/types.h). */
static_assert((int)WIRE_EV_IDENTIFY == (int)VSS_EVENT_IDENTIFY &&
		      (int)WIRE_EV_POST_RESTORE == (int)VSS_EVENT_POST_RESTORE &&
		      (int)WIRE_EV_COUNT == (int)VSS_EVENT_COUNT,
	      "enum vss_writer_event_kind follows WIRE_EVENT_MAP");

const char *
vss_writer_event_kind_str(enum vss_writer_event_kind e)
{
	if ((int)e <= (int)WIRE_EV_UNKNOWN)
		return NULL;
	return wire_event_name((enum wire_event)e);
}

enum wire_event
wire_event_parse(const char *name)
{
	size_t i;

	if (!name)
		return WIRE_EV_UNKNOWN;
	for (i = 1; i < ARRAY_SIZE(event_names); i++)
		if (strcmp(event_names[i], name) == 0)
			return (enum wire_event)i;
	return WIRE_EV_UNKNOWN;
}

/* The daemon may lower the limit, nobody may raise it; 0 means default. */
static size_t
clamp_max_frame(size_t max_frame)
{
	if (max_frame == 0 || max_frame > WIRE_FRAME_MAX)
		return WIRE_FRAME_MAX;
	return max_frame;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
wire_reader_init(struct wire_reader *r, size_t max_frame)
{
	if (!r)
		return;
	*r = (struct wire_reader){ .max_frame = clamp_max_frame(max_frame) };
}

void
wire_reader_release(struct wire_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = r->off = 0;
}

/* Byte i of the buffered bytes followed by the n bytes of in. */
static uint8_t
byte_at(const struct wire_reader *r, const uint8_t *in, size_t i)
{
	size_t have = r->len - r->off;

	return i < have ? r->buf[r->off + i] : in[i - have];
}

/*
 * Walk the frame headers of the buffered bytes followed by in, before
 * anything is appended: a length over the limit is refused as soon as its
 * four bytes are here.  *keep is how much of in to buffer: all of it, or
 * only up to the end of the bad header, which then stays first in line so
 * that the reader fails from there on and never buffers its payload.
 */
static int
check_headers(const struct wire_reader *r, const uint8_t *in, size_t n,
	      size_t *keep)
{
	size_t have = r->len - r->off, total = have + n, pos = 0;

	*keep = n;
	while (total - pos >= WIRE_HEADER_SIZE) {
		uint32_t len = 0;
		size_t i;

		for (i = 0; i < WIRE_HEADER_SIZE; i++)
			len = len << 8 | byte_at(r, in, pos + i);
		if (len > r->max_frame) {
			pos += WIRE_HEADER_SIZE;
			*keep = pos > have ? pos - have : 0;
			return -EMSGSIZE;
		}
		if (len > total - pos - WIRE_HEADER_SIZE)
			break;
		pos += WIRE_HEADER_SIZE + len;
	}
	return 0;
}

/* Room for n more bytes at r->buf + r->len; 0 or -ENOMEM. */
static int
reader_reserve(struct wire_reader *r, size_t n)
{
	size_t live = r->len - r->off, cap;
	uint8_t *buf;

	if (n <= r->cap - r->len)
		return 0;
	/* Move the unread bytes to the front before growing. */
	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, live);
		r->off = 0;
		r->len = live;
		if (n <= r->cap - r->len)
			return 0;
	}
	if (n > SIZE_MAX / 2 - live)
		return -ENOMEM;
	cap = r->cap ? r->cap : BUF_MIN_CAP;
	while (cap < live + n)
		cap *= 2;
	buf = realloc(r->buf, cap);
	if (!buf)
		return -ENOMEM;
	r->buf = buf;
	r->cap = cap;
	return 0;
}

int
wire_reader_feed(struct wire_reader *r, const void *data, size_t n)
{
	size_t keep;
	int err, checked;

	if (!r || (!data && n > 0))
		return -EINVAL;
	if (n == 0)
		return 0;
	checked = check_headers(r, data, n, &keep);
	if (keep > 0) {
		err = reader_reserve(r, keep);
		if (err < 0)
			return err;
		memcpy(r->buf + r->len, data, keep);
		r->len += keep;
	}
	return checked;
}

/* Everything was taken: start over at the front, maybe with less memory. */
static void
reader_drained(struct wire_reader *r)
{
	r->off = r->len = 0;
	if (r->cap > READER_KEEP_CAP) {
		free(r->buf);
		r->buf = NULL;
		r->cap = 0;
	}
}

int
wire_reader_next(struct wire_reader *r, json_t **ret)
{
	size_t have;
	uint32_t len;
	json_t *msg;
	int err;

	if (!r || !ret)
		return -EINVAL;
	have = r->len - r->off;
	if (have < WIRE_HEADER_SIZE)
		return 0;
	len = get_be32(r->buf + r->off);
	/*
	 * Errors leave the frame in place, so that the reader keeps failing
	 * the same way until the connection is closed.
	 */
	if (len > r->max_frame)
		return -EMSGSIZE;
	if (len == 0)
		return -EBADMSG;
	if (have - WIRE_HEADER_SIZE < len)
		return 0;
	err = wire_decode_payload(r->buf + r->off + WIRE_HEADER_SIZE, len,
				  &msg);
	if (err < 0)
		return err;
	r->off += WIRE_HEADER_SIZE + len;
	if (r->off == r->len)
		reader_drained(r);
	*ret = msg;
	return 1;
}

struct encoder {
	uint8_t *buf;
	size_t len, cap;
	size_t limit; /* header plus the largest payload */
	int err;
};

static int
encode_chunk(const char *chunk, size_t size, void *data)
{
	struct encoder *e = data;

	if (size > e->limit - e->len) {
		e->err = -EMSGSIZE;
		return -1;
	}
	if (size > e->cap - e->len) {
		size_t cap = e->cap;
		uint8_t *buf;

		while (cap - e->len < size)
			cap = cap > e->limit / 2 ? e->limit : cap * 2;
		buf = realloc(e->buf, cap);
		if (!buf) {
			e->err = -ENOMEM;
			return -1;
		}
		e->buf = buf;
		e->cap = cap;
	}
	memcpy(e->buf + e->len, chunk, size);
	e->len += size;
	return 0;
}

int
wire_encode(json_t *obj, size_t max_frame, uint8_t **ret, size_t *ret_len)
{
	struct encoder e = { .len = WIRE_HEADER_SIZE, .cap = BUF_MIN_CAP };

	if (!json_is_object(obj) || !ret || !ret_len)
		return -EINVAL;
	e.limit = WIRE_HEADER_SIZE + clamp_max_frame(max_frame);
	if (e.cap > e.limit)
		e.cap = e.limit;
	e.buf = malloc(e.cap);
	if (!e.buf)
		return -ENOMEM;
	/*
	 * Streaming the text stops at the limit instead of building a huge
	 * string first.  Other failures are objects jansson cannot encode,
	 * such as cycles.
	 */
	if (json_dump_callback(obj, encode_chunk, &e, JSON_COMPACT) != 0) {
		free(e.buf);
		return e.err < 0 ? e.err : -EINVAL;
	}
	put_be32(e.buf, (uint32_t)(e.len - WIRE_HEADER_SIZE));
	*ret = e.buf;
	*ret_len = e.len;
	return 0;
}

int
wire_decode_payload(const void *data, size_t len, json_t **ret)
{
	json_error_t error;
	json_t *msg;

	if (!ret || (!data && len > 0))
		return -EINVAL;
	if (len == 0)
		return -EBADMSG;
	/*
	 * JSON_ALLOW_NUL stays off: a "\u0000" in a string would cut it
	 * short for every C reader of the message.
	 */
	msg = json_loadb(data, len, JSON_REJECT_DUPLICATES, &error);
	if (!msg)
		return json_error_code(&error) == json_error_out_of_memory ?
			       -ENOMEM :
			       -EBADMSG;
	if (!json_is_object(msg) ||
	    !json_is_string(json_object_get(msg, WF_TYPE))) {
		json_decref(msg);
		return -EBADMSG;
	}
	*ret = msg;
	return 0;
}
