/*
 * tests/unit/test_wire.c - the vssd wire protocol (docs/protocol.md):
 * frames, the message table of wire_check(), the field helpers, and the
 * client connection against a small server thread (SEC-005: the client
 * checks what the daemon sends like the daemon checks clients).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client/conn.h"
#include "vss/status.h"
#include "wire/wire.h"

#define G1 "6f1ac5d1-2b3c-4d5e-8f90-a1b2c3d4e5f6"
#define G2 "{D61D61C8-D73A-4EEE-8CDD-F6F9786B7124}"
#define NULL_ID "00000000-0000-0000-0000-000000000000"
#define ID_MAX ((json_int_t)1 << 53)

static json_t *
parse(const char *text)
{
	json_error_t error;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			       &error);

	if (!v)
		fail_msg("bad test json: %s: %s", error.text, text);
	return v;
}

/* The frame of one JSON text: header and payload.  Caller frees. */
static uint8_t *
frame_of(const char *text, size_t *ret_len)
{
	size_t n = strlen(text);
	uint8_t *f = malloc(n + WIRE_HEADER_SIZE);

	assert_non_null(f);
	f[0] = (uint8_t)(n >> 24);
	f[1] = (uint8_t)(n >> 16);
	f[2] = (uint8_t)(n >> 8);
	f[3] = (uint8_t)n;
	memcpy(f + WIRE_HEADER_SIZE, text, n);
	*ret_len = n + WIRE_HEADER_SIZE;
	return f;
}

/* ---- names ------------------------------------------------------------- */

static void
test_type_and_event_names(void **state)
{
	int i;

	for (i = 1; i < WIRE_TYPE_COUNT; i++) {
		const char *name = wire_type_name((enum wire_type)i);

		assert_non_null(name);
		assert_int_equal(wire_type_parse(name), i);
	}
	for (i = 1; i < WIRE_EV_COUNT; i++) {
		const char *name = wire_event_name((enum wire_event)i);

		assert_non_null(name);
		assert_int_equal(wire_event_parse(name), i);
	}
	assert_string_equal(wire_type_name(WIRE_HELLO), "hello");
	assert_string_equal(wire_type_name(WIRE_LIST_WRITERS), "list_writers");
	assert_string_equal(wire_event_name(WIRE_EV_FREEZE), "freeze");
	assert_string_equal(wire_event_name(WIRE_EV_POST_RESTORE),
			    "post_restore");
	assert_null(wire_type_name(WIRE_UNKNOWN));
	assert_null(wire_type_name(WIRE_TYPE_COUNT));
	assert_null(wire_type_name((enum wire_type)-1));
	assert_null(wire_event_name(WIRE_EV_UNKNOWN));
	assert_null(wire_event_name(WIRE_EV_COUNT));
	assert_int_equal(wire_type_parse("Hello"), WIRE_UNKNOWN);
	assert_int_equal(wire_type_parse(""), WIRE_UNKNOWN);
	assert_int_equal(wire_type_parse(NULL), WIRE_UNKNOWN);
	assert_int_equal(wire_event_parse("freez"), WIRE_EV_UNKNOWN);
	assert_int_equal(wire_event_parse(NULL), WIRE_EV_UNKNOWN);
}

/* ---- frames ------------------------------------------------------------ */

/* Three messages; the second is long enough for a two-byte length. */
static const char *const stream_texts[] = {
	"{\"type\":\"hello\",\"id\":1,\"role\":\"writer\",\"version\":1}",
	"{\"type\":\"reply\",\"id\":1,\"status\":0,\"message\":"
	"\"0123456789012345678901234567890123456789012345678901234567890123"
	"4567890123456789012345678901234567890123456789012345678901234567"
	"8901234567890123456789012345678901234567890123456789012345678901"
	"2345678901234567890123456789012345678901234567890123456789012345"
	"\"}",
	"{\"type\":\"x\"}",
};
#define STREAM_COUNT (sizeof(stream_texts) / sizeof(stream_texts[0]))

static uint8_t *
make_stream(size_t *ret_len)
{
	uint8_t *s = NULL;
	size_t len = 0, i;

	for (i = 0; i < STREAM_COUNT; i++) {
		size_t n;
		uint8_t *f = frame_of(stream_texts[i], &n);

		s = realloc(s, len + n);
		assert_non_null(s);
		memcpy(s + len, f, n);
		len += n;
		free(f);
	}
	*ret_len = len;
	return s;
}

/* Take every complete frame; check each against the stream's texts. */
static void
drain(struct wire_reader *r, size_t *got)
{
	json_t *msg;
	int ret;

	while ((ret = wire_reader_next(r, &msg)) == 1) {
		json_t *want;

		assert_true(*got < STREAM_COUNT);
		want = parse(stream_texts[*got]);
		assert_true(json_equal(msg, want));
		json_decref(want);
		json_decref(msg);
		(*got)++;
	}
	assert_int_equal(ret, 0);
}

static void
test_frame_split_at_every_byte(void **state)
{
	struct wire_reader r;
	size_t len, i, got;
	uint8_t *s = make_stream(&len);

	assert_true(len > 300);
	for (i = 0; i <= len; i++) {
		wire_reader_init(&r, 1024);
		got = 0;
		assert_int_equal(wire_reader_feed(&r, s, i), 0);
		drain(&r, &got);
		assert_int_equal(wire_reader_feed(&r, s + i, len - i), 0);
		drain(&r, &got);
		assert_int_equal(got, STREAM_COUNT);
		assert_int_equal(r.len - r.off, 0);
		wire_reader_release(&r);
	}
	/* One byte at a time, draining after each. */
	wire_reader_init(&r, 1024);
	got = 0;
	for (i = 0; i < len; i++) {
		assert_int_equal(wire_reader_feed(&r, s + i, 1), 0);
		drain(&r, &got);
	}
	assert_int_equal(got, STREAM_COUNT);
	wire_reader_release(&r);
	/* One byte at a time, then all taken at the end. */
	wire_reader_init(&r, 1024);
	got = 0;
	for (i = 0; i < len; i++)
		assert_int_equal(wire_reader_feed(&r, s + i, 1), 0);
	drain(&r, &got);
	assert_int_equal(got, STREAM_COUNT);
	wire_reader_release(&r);
	free(s);
}

static void
test_frame_many_in_one_feed(void **state)
{
	enum { N = 2000 };
	struct wire_reader r;
	uint8_t *all = NULL;
	size_t len = 0;
	json_t *msg;
	int i;

	for (i = 1; i <= N; i++) {
		char text[64];
		uint8_t *f;
		size_t n;

		snprintf(text, sizeof(text), "{\"type\":\"reply\",\"id\":%d}",
			 i);
		f = frame_of(text, &n);
		all = realloc(all, len + n);
		assert_non_null(all);
		memcpy(all + len, f, n);
		len += n;
		free(f);
	}
	wire_reader_init(&r, 0);
	assert_int_equal(r.max_frame, WIRE_FRAME_MAX);
	assert_int_equal(wire_reader_feed(&r, all, len), 0);
	for (i = 1; i <= N; i++) {
		int64_t id;

		assert_int_equal(wire_reader_next(&r, &msg), 1);
		assert_int_equal(wire_get_int(msg, WF_ID, &id), 0);
		assert_int_equal(id, i);
		json_decref(msg);
	}
	assert_int_equal(wire_reader_next(&r, &msg), 0);
	/* Drained: the buffer starts over. */
	assert_int_equal(r.len, 0);
	assert_int_equal(r.off, 0);
	wire_reader_release(&r);
	wire_reader_release(&r);
	wire_reader_release(NULL);
	free(all);
}

static void
test_frame_oversize_rejected_early(void **state)
{
	static const uint8_t over[] = { 0, 0, 4, 1 };     /* 1025 */
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff };
	uint8_t payload[1024 + WIRE_HEADER_SIZE];
	struct wire_reader r;
	json_t *msg;
	size_t n;
	uint8_t *f;

	/* The header alone is refused; no payload byte is ever kept. */
	wire_reader_init(&r, 1024);
	assert_int_equal(wire_reader_feed(&r, over, 2), 0);
	assert_int_equal(wire_reader_feed(&r, over + 2, 2), -EMSGSIZE);
	assert_int_equal(r.len - r.off, 4);
	memset(payload, 'a', sizeof(payload));
	assert_int_equal(wire_reader_feed(&r, payload, sizeof(payload)),
			 -EMSGSIZE);
	assert_int_equal(r.len - r.off, 4);
	assert_int_equal(wire_reader_next(&r, &msg), -EMSGSIZE);
	assert_int_equal(wire_reader_next(&r, &msg), -EMSGSIZE);
	wire_reader_release(&r);

	wire_reader_init(&r, 1024);
	assert_int_equal(wire_reader_feed(&r, huge, 4), -EMSGSIZE);
	wire_reader_release(&r);

	/* A bad header behind a good frame in the same feed. */
	f = frame_of("{\"type\":\"hello\"}", &n);
	f = realloc(f, n + 4 + 100);
	assert_non_null(f);
	memcpy(f + n, over, 4);
	memset(f + n + 4, 'b', 100);
	wire_reader_init(&r, 1024);
	assert_int_equal(wire_reader_feed(&r, f, n + 4 + 100), -EMSGSIZE);
	assert_int_equal(r.len - r.off, n + 4);
	assert_int_equal(wire_reader_next(&r, &msg), 1);
	json_decref(msg);
	assert_int_equal(wire_reader_next(&r, &msg), -EMSGSIZE);
	wire_reader_release(&r);
	free(f);

	/* Exactly the limit is fine. */
	payload[0] = 0;
	payload[1] = 0;
	payload[2] = 4;
	payload[3] = 0;
	memset(payload + 4, ' ', 1024);
	memcpy(payload + 4, "{\"type\":\"hello\"}", 16);
	wire_reader_init(&r, 1024);
	assert_int_equal(wire_reader_feed(&r, payload, sizeof(payload)), 0);
	assert_int_equal(wire_reader_next(&r, &msg), 1);
	json_decref(msg);
	wire_reader_release(&r);

	/* The hard ceiling holds whatever the caller asks. */
	wire_reader_init(&r, (size_t)WIRE_FRAME_MAX * 4);
	assert_int_equal(r.max_frame, WIRE_FRAME_MAX);
	payload[0] = (uint8_t)((WIRE_FRAME_MAX + 1) >> 24);
	payload[1] = (uint8_t)((WIRE_FRAME_MAX + 1) >> 16);
	payload[2] = (uint8_t)((WIRE_FRAME_MAX + 1) >> 8);
	payload[3] = (uint8_t)(WIRE_FRAME_MAX + 1);
	assert_int_equal(wire_reader_feed(&r, payload, 4), -EMSGSIZE);
	wire_reader_release(&r);

	assert_int_equal(wire_reader_feed(NULL, over, 4), -EINVAL);
	assert_int_equal(wire_reader_next(NULL, &msg), -EINVAL);
}

static void
test_frame_zero_length(void **state)
{
	static const uint8_t zero[] = { 0, 0, 0, 0 };
	struct wire_reader r;
	json_t *msg;
	size_t n;
	uint8_t *f = frame_of("{\"type\":\"hello\"}", &n);

	wire_reader_init(&r, 1024);
	assert_int_equal(wire_reader_feed(&r, f, n), 0);
	assert_int_equal(wire_reader_feed(&r, zero, 4), 0);
	assert_int_equal(wire_reader_feed(&r, f, n), 0);
	assert_int_equal(wire_reader_next(&r, &msg), 1);
	json_decref(msg);
	/* The reader stays failed: the frame after is never reached. */
	assert_int_equal(wire_reader_next(&r, &msg), -EBADMSG);
	assert_int_equal(wire_reader_next(&r, &msg), -EBADMSG);
	wire_reader_release(&r);
	free(f);
}

/* Payloads that are not one JSON object with a string "type". */
static const char *const bad_payloads[] = {
	"x",
	"{",
	"}",
	"[]",
	"[{\"type\":\"hello\"}]",
	"\"hello\"",
	"42",
	"null",
	"true",
	"{}",
	"{\"type\":1}",
	"{\"type\":null}",
	"{\"type\":[\"hello\"]}",
	"{\"id\":1}",
	"{\"type\":\"hello\",\"type\":\"reply\"}",
	"{\"type\":\"hello\",\"a\":1,\"a\":1}",
	"{\"type\":\"hello\",\"o\":{\"k\":1,\"k\":2}}",
	"{\"type\":\"he\\u0000llo\"}",
	"{\"type\":\"hello\",\"m\":\"a\\u0000\"}",
	"{\"type\":\"hello\",\"a\\u0000\":1}",
	"{\"type\":\"hello\"} {}",
	"{\"type\":\"hello\"}x",
	"{\"type\":\"\xff\"}",
	"{\"type\":\"\xc0\xaf\"}",
	"{\"type\":\"\xed\xa0\x80\"}",
	"{\"type\":\"\\ud800\"}",
	"{\"type\":\"hello\",\"n\":99999999999999999999}",
	"{\"type\":\"hello\",\"n\":1e99999}",
	"{\"type\":\"hello\",\"n\":NaN}",
	"{\"type\":\"hello\",}",
	"{'type':'hello'}",
	"{\"type\":\"a\tb\"}",
};

static void
expect_bad_payload(const void *p, size_t n)
{
	struct wire_reader r;
	json_t *msg = NULL;
	uint8_t *f;
	int ret;

	ret = wire_decode_payload(p, n, &msg);
	if (ret != -EBADMSG)
		fail_msg("payload gave %d: %.*s", ret, (int)n, (const char *)p);
	assert_null(msg);
	/* The same through a reader; it stays failed. */
	f = malloc(n + WIRE_HEADER_SIZE);
	assert_non_null(f);
	f[0] = 0;
	f[1] = (uint8_t)(n >> 16);
	f[2] = (uint8_t)(n >> 8);
	f[3] = (uint8_t)n;
	memcpy(f + WIRE_HEADER_SIZE, p, n);
	wire_reader_init(&r, 1 << 20);
	assert_int_equal(wire_reader_feed(&r, f, n + WIRE_HEADER_SIZE), 0);
	assert_int_equal(wire_reader_next(&r, &msg), -EBADMSG);
	assert_int_equal(wire_reader_next(&r, &msg), -EBADMSG);
	assert_null(msg);
	wire_reader_release(&r);
	free(f);
}

static void
test_decode_rejects_garbage(void **state)
{
	static const char embedded_nul[] = "{\"type\":\"he\0llo\"}";
	static const char head[] = "{\"type\":\"x\",\"a\":";
	static char deep[sizeof(head) + 10001];
	json_t *msg;
	size_t i;

	for (i = 0; i < sizeof(bad_payloads) / sizeof(bad_payloads[0]); i++)
		expect_bad_payload(bad_payloads[i], strlen(bad_payloads[i]));
	/* A raw NUL byte, and every byte value alone. */
	expect_bad_payload(embedded_nul, sizeof(embedded_nul) - 1);
	for (i = 0; i < 256; i++) {
		uint8_t b = (uint8_t)i;

		expect_bad_payload(&b, 1);
	}
	/* Nesting deeper than jansson's parser allows. */
	memcpy(deep, head, sizeof(head) - 1);
	memset(deep + sizeof(head) - 1, '[', 5000);
	memset(deep + sizeof(head) - 1 + 5000, ']', 5000);
	memcpy(deep + sizeof(head) - 1 + 10000, "}", 2);
	expect_bad_payload(deep, strlen(deep));

	assert_int_equal(wire_decode_payload("", 0, &msg), -EBADMSG);
	assert_int_equal(wire_decode_payload(NULL, 3, &msg), -EINVAL);
	assert_int_equal(wire_decode_payload("{}", 2, NULL), -EINVAL);
	/* Any string type decodes; wire_check() judges it. */
	assert_int_equal(wire_decode_payload(" {\"type\":\"new\"}\n", 16, &msg),
			 0);
	json_decref(msg);
}

static void
test_encode(void **state)
{
	json_t *obj = parse("{\"type\":\"reply\",\"id\":7,\"status\":0}");
	json_t *back, *big;
	uint8_t *f;
	size_t n, payload;
	char *text;

	assert_int_equal(wire_encode(obj, 0, &f, &n), 0);
	payload = (size_t)f[0] << 24 | (size_t)f[1] << 16 |
		  (size_t)f[2] << 8 | f[3];
	assert_int_equal(payload + WIRE_HEADER_SIZE, n);
	assert_int_equal(wire_decode_payload(f + 4, payload, &back), 0);
	assert_true(json_equal(obj, back));
	json_decref(back);
	free(f);

	/* The limit counts the payload: at it fine, one below refused. */
	text = json_dumps(obj, JSON_COMPACT);
	assert_int_equal(wire_encode(obj, strlen(text), &f, &n), 0);
	assert_int_equal(n, strlen(text) + WIRE_HEADER_SIZE);
	assert_memory_equal(f + 4, text, strlen(text));
	free(f);
	f = NULL;
	assert_int_equal(wire_encode(obj, strlen(text) - 1, &f, &n),
			 -EMSGSIZE);
	assert_null(f);
	free(text);

	/* Large documents stream through several buffer growths. */
	big = json_object();
	text = malloc(300000);
	assert_non_null(text);
	memset(text, 'x', 299999);
	text[299999] = '\0';
	json_object_set_new(big, "type", json_string("reply"));
	json_object_set_new(big, WF_BCD, json_string(text));
	assert_int_equal(wire_encode(big, 0, &f, &n), 0);
	assert_true(n > 300000);
	free(f);
	assert_int_equal(wire_encode(big, 100000, &f, &n), -EMSGSIZE);
	free(text);
	json_decref(big);

	big = json_array();
	assert_int_equal(wire_encode(big, 0, &f, &n), -EINVAL);
	assert_int_equal(wire_encode(NULL, 0, &f, &n), -EINVAL);
	assert_int_equal(wire_encode(obj, 0, NULL, &n), -EINVAL);
	json_decref(big);
	json_decref(obj);
}

/* ---- the message table ------------------------------------------------- */

struct sample {
	const char *json;
	enum wire_type type;
	const char *required; /* space separated */
};

/* One of every message in docs/protocol.md, with every field it lists. */
static const struct sample samples[] = {
	{ "{\"type\":\"hello\",\"id\":1,\"role\":\"requester\",\"version\":1}",
	  WIRE_HELLO, "id role version" },
	{ "{\"type\":\"reply\",\"id\":1,\"status\":0,\"session_id\":\"" G1
	  "\"}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"subscribe\",\"id\":2,\"class_id\":\"" G1 "\","
	  "\"instance_id\":\"" G2 "\",\"instance_name\":\"inst\","
	  "\"friendly_name\":\"Test Writer\",\"usage\":\"USER_DATA\","
	  "\"source\":\"TRANSACTION_DB\",\"level\":\"back_end\","
	  "\"freeze_timeout_ms\":60000}",
	  WIRE_SUBSCRIBE,
	  "id class_id instance_id friendly_name usage source" },
	{ "{\"type\":\"unsubscribe\",\"id\":3}", WIRE_UNSUBSCRIBE, "id" },
	{ "{\"type\":\"event\",\"id\":1,\"event\":\"identify\"}", WIRE_EVENT,
	  "id event" },
	{ "{\"type\":\"event_reply\",\"id\":1,\"status\":0,"
	  "\"wmd\":\"<WRITER_METADATA/>\"}",
	  WIRE_EVENT_REPLY, "id status" },
	{ "{\"type\":\"event\",\"id\":2,\"event\":\"prepare_backup\","
	  "\"snapshot_set_id\":\"" G1 "\",\"context\":0,"
	  "\"backup_type\":\"full\",\"select_components\":true,"
	  "\"bootable_system_state\":false,\"partial_file_support\":false,"
	  "\"volumes\":[\"/mnt/a\",\"/mnt/b\"],"
	  "\"bcd\":\"<BACKUP_COMPONENTS/>\"}",
	  WIRE_EVENT, "id event" },
	/* A failure with status 0 is non-fatal (BK-031). */
	{ "{\"type\":\"event_reply\",\"id\":2,\"status\":0,"
	  "\"bcd\":\"<BACKUP_COMPONENTS/>\",\"failure\":-2147212301,"
	  "\"app_failure\":-5,\"failure_message\":\"disk busy\"}",
	  WIRE_EVENT_REPLY, "id status" },
	{ "{\"type\":\"event\",\"id\":3,\"event\":\"prepare_snapshot\","
	  "\"snapshot_set_id\":\"" G1 "\",\"context\":-1,"
	  "\"volumes\":[\"/\"]}",
	  WIRE_EVENT, "id event" },
	{ "{\"type\":\"event\",\"id\":4,\"event\":\"freeze\","
	  "\"snapshot_set_id\":\"" G1 "\"}",
	  WIRE_EVENT, "id event" },
	{ "{\"type\":\"event_reply\",\"id\":4,\"status\":-2147212300}",
	  WIRE_EVENT_REPLY, "id status" },
	{ "{\"type\":\"event\",\"id\":5,\"event\":\"thaw\","
	  "\"snapshot_set_id\":\"" G1 "\"}",
	  WIRE_EVENT, "id event" },
	{ "{\"type\":\"event\",\"id\":6,\"event\":\"post_snapshot\","
	  "\"snapshot_set_id\":\"" G1 "\",\"volumes\":[\"/mnt/a\"],"
	  "\"snapshots\":[{\"volume\":\"/mnt/a\","
	  "\"device\":\"/mnt/a/.vss/" G1 "\"}],\"bcd\":\"<B/>\"}",
	  WIRE_EVENT, "id event" },
	{ "{\"type\":\"event\",\"id\":7,\"event\":\"abort\","
	  "\"snapshot_set_id\":\"" G1 "\"}",
	  WIRE_EVENT, "id event" },
	{ "{\"type\":\"event\",\"id\":8,\"event\":\"backup_complete\","
	  "\"snapshot_set_id\":\"" G1 "\",\"bcd\":\"<B/>\"}",
	  WIRE_EVENT, "id event" },
	{ "{\"type\":\"event\",\"id\":9,\"event\":\"backup_shutdown\","
	  "\"snapshot_set_id\":\"" NULL_ID "\"}",
	  WIRE_EVENT, "id event" },
	{ "{\"type\":\"event\",\"id\":10,\"event\":\"pre_restore\","
	  "\"restore_type\":\"BY_COPY\",\"bcd\":\"<B/>\"}",
	  WIRE_EVENT, "id event" },
	{ "{\"type\":\"event\",\"id\":11,\"event\":\"post_restore\","
	  "\"restore_type\":\"import\",\"bcd\":\"<B/>\"}",
	  WIRE_EVENT, "id event" },
	{ "{\"type\":\"gather_writer_metadata\",\"id\":2,\"context\":0,"
	  "\"enabled_classes\":[\"" G1 "\"],\"disabled_classes\":[\"" G2
	  "\"],\"disabled_instances\":[\"" G1 "\",\"" G2 "\"]}",
	  WIRE_GATHER_WRITER_METADATA, "id" },
	{ "{\"type\":\"reply\",\"id\":2,\"status\":0,\"writers\":["
	  "{\"class_id\":\"" G1 "\",\"instance_id\":\"" G2 "\","
	  "\"instance_name\":\"i\",\"friendly_name\":\"W\","
	  "\"wmd\":\"<WRITER_METADATA/>\"}]}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"gather_writer_status\",\"id\":3}",
	  WIRE_GATHER_WRITER_STATUS, "id" },
	{ "{\"type\":\"reply\",\"id\":3,\"status\":0,\"writers\":["
	  "{\"class_id\":\"" G1 "\",\"instance_id\":\"" G2 "\","
	  "\"instance_name\":\"i\",\"friendly_name\":\"W\",\"state\":9,"
	  "\"failure\":-2147212302,\"app_failure\":0,"
	  "\"failure_message\":\"stuck\","
	  "\"event_ms\":{\"identify\":1,\"freeze\":0.25}}]}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"start_snapshot_set\",\"id\":4,\"context\":0}",
	  WIRE_START_SNAPSHOT_SET, "id" },
	{ "{\"type\":\"reply\",\"id\":4,\"status\":0,"
	  "\"snapshot_set_id\":\"" G1 "\"}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"is_volume_supported\",\"id\":5,\"volume\":\"/mnt/a\","
	  "\"provider_id\":\"" G2 "\"}",
	  WIRE_IS_VOLUME_SUPPORTED, "id volume" },
	{ "{\"type\":\"reply\",\"id\":5,\"status\":0,\"supported\":true}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"add_to_snapshot_set\",\"id\":6,\"volume\":\"/mnt/a\","
	  "\"provider_id\":\"" G2 "\"}",
	  WIRE_ADD_TO_SNAPSHOT_SET, "id volume" },
	{ "{\"type\":\"reply\",\"id\":6,\"status\":0,"
	  "\"snapshot_id\":\"" G1 "\",\"provider_id\":\"" G2 "\"}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"prepare_for_backup\",\"id\":7,\"bcd\":\"<B/>\","
	  "\"backup_type\":\"incremental\",\"select_components\":true,"
	  "\"bootable_system_state\":false,\"partial_file_support\":true}",
	  WIRE_PREPARE_FOR_BACKUP, "id bcd" },
	{ "{\"type\":\"reply\",\"id\":7,\"status\":0,\"bcd\":\"<B/>\"}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"do_snapshot_set\",\"id\":8,\"bcd\":\"<B/>\"}",
	  WIRE_DO_SNAPSHOT_SET, "id" },
	{ "{\"type\":\"reply\",\"id\":8,\"status\":0,\"bcd\":\"<B/>\","
	  "\"snapshots\":[{\"snapshot_id\":\"" G1 "\","
	  "\"snapshot_set_id\":\"" G2 "\",\"volume\":\"/mnt/a\","
	  "\"device\":\"/mnt/a/.vss/x\",\"provider_id\":\"" G1 "\","
	  "\"attributes\":4294967295,\"created\":-9223372036854775807,"
	  "\"originating_machine\":\"host\",\"service_machine\":\"host\"}],"
	  "\"consistency\":\"application\","
	  "\"timings_ms\":{\"freeze\":0.5,\"commit\":2},"
	  "\"freeze_window_ms\":3.25}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"get_snapshot_properties\",\"id\":9,"
	  "\"snapshot_id\":\"" G1 "\"}",
	  WIRE_GET_SNAPSHOT_PROPERTIES, "id snapshot_id" },
	{ "{\"type\":\"reply\",\"id\":9,\"status\":0,\"snapshot_id\":\"" G1
	  "\",\"snapshot_set_id\":\"" G2 "\",\"volume\":\"/mnt/a\","
	  "\"device\":\"/mnt/a/.vss/x\",\"provider_id\":\"" G1 "\","
	  "\"attributes\":13,\"created\":133000000000000000,"
	  "\"originating_machine\":\"host\",\"service_machine\":\"host\"}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"backup_complete\",\"id\":10,\"bcd\":\"<B/>\"}",
	  WIRE_BACKUP_COMPLETE, "id" },
	{ "{\"type\":\"abort_backup\",\"id\":11}", WIRE_ABORT_BACKUP, "id" },
	{ "{\"type\":\"reply\",\"id\":11,\"status\":-2147212543,"
	  "\"message\":\"no backup under way\"}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"cancel\",\"id\":12,\"target_id\":8}", WIRE_CANCEL,
	  "id target_id" },
	/* The cancelled request's reply: a positive status (VSS_S_*). */
	{ "{\"type\":\"reply\",\"id\":8,\"status\":271115}", WIRE_REPLY,
	  "id status" },
	{ "{\"type\":\"list_writers\",\"id\":13}", WIRE_LIST_WRITERS, "id" },
	{ "{\"type\":\"reply\",\"id\":13,\"status\":0,\"writers\":["
	  "{\"class_id\":\"" G1 "\",\"instance_id\":\"" G2 "\","
	  "\"friendly_name\":\"W\",\"usage\":\"OTHER\",\"source\":\"other\","
	  "\"level\":\"system\",\"freeze_timeout_ms\":0,\"state\":1,"
	  "\"event_ms\":{}}]}",
	  WIRE_REPLY, "id status" },
	/* The shadow copy inventory (SN-010 .. SN-033). */
	{ "{\"type\":\"query_snapshots\",\"id\":14,\"context\":-1,"
	  "\"snapshot_id\":\"" G1 "\",\"snapshot_set_id\":\"" G2 "\","
	  "\"volume\":\"/mnt/a\"}",
	  WIRE_QUERY_SNAPSHOTS, "id" },
	{ "{\"type\":\"reply\",\"id\":14,\"status\":0,"
	  "\"snapshots\":[{\"snapshot_id\":\"" G1 "\","
	  "\"snapshot_set_id\":\"" G2 "\",\"snapshot_count\":2,"
	  "\"volume\":\"/mnt/a\",\"device\":\"/mnt/a/.vss/x\","
	  "\"originating_machine\":\"host\",\"service_machine\":\"host\","
	  "\"exposed_name\":\"/run/vss/exposed/x\",\"exposed_path\":\"sub\","
	  "\"provider_id\":\"" G1 "\",\"attributes\":1048601,"
	  "\"created\":133000000000000000,\"snapshot_state\":12,"
	  "\"context\":25}]}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"delete_snapshots\",\"id\":15,\"context\":25,"
	  "\"snapshot_set_id\":\"" G2 "\",\"force\":true}",
	  WIRE_DELETE_SNAPSHOTS, "id" },
	{ "{\"type\":\"delete_snapshots\",\"id\":16,\"volume\":\"/mnt/a\","
	  "\"oldest\":true}",
	  WIRE_DELETE_SNAPSHOTS, "id" },
	/* Types only: that exactly one selector is given is vssd's check. */
	{ "{\"type\":\"delete_snapshots\",\"id\":17,\"all\":true,"
	  "\"snapshot_id\":\"" G1 "\"}",
	  WIRE_DELETE_SNAPSHOTS, "id" },
	/* SN-021: a delete that stopped still says how far it got. */
	{ "{\"type\":\"reply\",\"id\":15,\"status\":-2147212530,"
	  "\"deleted\":1,\"non_deleted_id\":\"" G1 "\"}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"expose_snapshot\",\"id\":18,\"context\":9,"
	  "\"snapshot_id\":\"" G1 "\",\"path\":\"/mnt/exposed\"}",
	  WIRE_EXPOSE_SNAPSHOT, "id snapshot_id" },
	{ "{\"type\":\"reply\",\"id\":18,\"status\":0,"
	  "\"exposed_name\":\"/mnt/exposed\"}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"unexpose_snapshot\",\"id\":19,"
	  "\"snapshot_id\":\"" G1 "\"}",
	  WIRE_UNEXPOSE_SNAPSHOT, "id snapshot_id" },
	{ "{\"type\":\"query_providers\",\"id\":20}", WIRE_QUERY_PROVIDERS,
	  "id" },
	{ "{\"type\":\"reply\",\"id\":20,\"status\":0,\"providers\":["
	  "{\"provider_id\":\"" G1 "\",\"name\":\"btrfs\","
	  "\"provider_type\":\"system\",\"provider_version\":\"1.0\","
	  "\"version_id\":\"" G2 "\"}]}",
	  WIRE_REPLY, "id status" },
	{ "{\"type\":\"is_volume_snapshotted\",\"id\":21,\"context\":0,"
	  "\"volume\":\"/mnt/a\"}",
	  WIRE_IS_VOLUME_SNAPSHOTTED, "id volume" },
	{ "{\"type\":\"reply\",\"id\":21,\"status\":0,"
	  "\"snapshotted\":true,\"compatibility\":3}",
	  WIRE_REPLY, "id status" },
	/* get_snapshot_properties: the fields of a query entry. */
	{ "{\"type\":\"reply\",\"id\":22,\"status\":0,\"snapshot_id\":\"" G1
	  "\",\"snapshot_set_id\":\"" G2 "\",\"snapshot_count\":1,"
	  "\"volume\":\"/mnt/a\",\"device\":\"/mnt/a/.vss/x\","
	  "\"exposed_name\":\"/mnt/x\",\"exposed_path\":\"sub\","
	  "\"snapshot_state\":12,\"context\":0}",
	  WIRE_REPLY, "id status" },
	/* The restore sequence (restore.md §1). */
	{ "{\"type\":\"pre_restore\",\"id\":23,\"bcd\":\"<B/>\","
	  "\"restore_type\":\"BY_COPY\"}",
	  WIRE_PRE_RESTORE, "id bcd" },
	{ "{\"type\":\"post_restore\",\"id\":24,\"bcd\":\"<B/>\"}",
	  WIRE_POST_RESTORE, "id bcd" },
};
#define SAMPLE_COUNT (sizeof(samples) / sizeof(samples[0]))

static bool
is_required(const struct sample *s, const char *key)
{
	size_t n = strlen(key);
	const char *p = s->required;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == s->required || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static void
expect_type(json_t *msg, int want)
{
	const char *why = NULL;
	int got = wire_check(msg, &why);

	if (got != want) {
		char *text = json_dumps(msg, 0);

		fail_msg("wire_check gave %d (%s), want %d: %s", got,
			 why ? why : "-", want, text);
	}
}

/* Check msg is refused with a reason that names what. */
static void
expect_refused(json_t *msg, const char *what)
{
	const char *why = NULL;
	char *text;

	if (wire_check(msg, &why) == -EBADMSG && why && strstr(why, what))
		return;
	text = json_dumps(msg, 0);
	fail_msg("not refused for \"%s\" (reason %s): %s", what,
		 why ? why : "-", text);
}

static void
expect_refused_text(const char *json, const char *what)
{
	json_t *msg = parse(json);

	expect_refused(msg, what);
	json_decref(msg);
}

/* A value of another JSON type than v. */
static json_t *
wrong_type(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_integer(7);
	case JSON_INTEGER:
		return json_string("7");
	case JSON_REAL:
		return json_string("0.5");
	case JSON_TRUE:
	case JSON_FALSE:
		return json_integer(1);
	case JSON_ARRAY:
		return json_object();
	case JSON_OBJECT:
		return json_array();
	case JSON_NULL:
		break;
	}
	fail_msg("no null in the samples");
	return NULL;
}

static void
test_check_accepts_every_message(void **state)
{
	bool seen[WIRE_TYPE_COUNT] = { false };
	size_t i;
	int t;

	for (i = 0; i < SAMPLE_COUNT; i++)
		seen[samples[i].type] = true;
	/* A type without a sample could lack its table of fields. */
	for (t = 1; t < WIRE_TYPE_COUNT; t++)
		if (!seen[t])
			fail_msg("no sample of \"%s\"",
				 wire_type_name((enum wire_type)t));
	for (i = 0; i < SAMPLE_COUNT; i++) {
		json_t *msg = parse(samples[i].json);

		expect_type(msg, (int)samples[i].type);
		/* Unknown fields are allowed, for newer peers. */
		json_object_set_new(msg, "future_field", json_array());
		expect_type(msg, (int)samples[i].type);
		json_decref(msg);
	}
}

/* The first element of the array at key, and its fields, made wrong. */
static void
refuse_wrong_element(json_t *msg, const char *key)
{
	json_t *e = json_array_get(json_object_get(msg, key), 0);
	json_t *copy, *v;
	const char *k;

	copy = json_deep_copy(msg);
	json_array_set_new(json_object_get(copy, key), 0,
			   json_is_object(e) ? json_integer(1) : wrong_type(e));
	expect_refused(copy, key);
	json_decref(copy);
	if (!json_is_object(e))
		return;
	json_object_foreach (e, k, v) {
		json_t *copy_e;

		copy = json_deep_copy(msg);
		copy_e = json_array_get(json_object_get(copy, key), 0);
		json_object_set_new(copy_e, k, wrong_type(v));
		expect_refused(copy, k);
		json_decref(copy);
	}
}

/* Every field of every sample, at both levels, with the wrong type. */
static void
test_check_rejects_wrong_types(void **state)
{
	size_t i;

	for (i = 0; i < SAMPLE_COUNT; i++) {
		json_t *msg = parse(samples[i].json);
		const char *key;
		json_t *v;

		json_object_foreach (msg, key, v) {
			json_t *copy;

			if (strcmp(key, WF_TYPE) == 0)
				continue;
			copy = json_deep_copy(msg);
			json_object_set_new(copy, key, wrong_type(v));
			expect_refused(copy, key);
			json_decref(copy);
			if (json_is_array(v) && json_array_size(v) > 0)
				refuse_wrong_element(msg, key);
			/* Objects of milliseconds: a value that is not. */
			if (json_is_object(v) && json_object_size(v) > 0) {
				copy = json_deep_copy(msg);
				json_object_set_new(json_object_get(copy, key),
						    "x", json_string("1"));
				expect_refused(copy, key);
				json_decref(copy);
			}
		}
		json_decref(msg);
	}
}

/* Required fields missing or null are refused; optional ones are not. */
static void
test_check_required_fields(void **state)
{
	size_t i;

	for (i = 0; i < SAMPLE_COUNT; i++) {
		json_t *msg = parse(samples[i].json);
		const char *key;
		json_t *v;

		json_object_foreach (msg, key, v) {
			json_t *gone, *null;

			if (strcmp(key, WF_TYPE) == 0)
				continue;
			gone = json_deep_copy(msg);
			null = json_deep_copy(msg);
			json_object_del(gone, key);
			json_object_set_new(null, key, json_null());
			if (is_required(&samples[i], key)) {
				expect_refused(gone, key);
				expect_refused(null, key);
			} else {
				expect_type(gone, (int)samples[i].type);
				expect_type(null, (int)samples[i].type);
			}
			json_decref(gone);
			json_decref(null);
		}
		json_decref(msg);
	}
	/* Entries of "writers" and "snapshots" need their identity. */
	expect_refused_text("{\"type\":\"reply\",\"id\":1,\"status\":0,"
			   "\"writers\":[{\"class_id\":\"" G1 "\"}]}",
			   "writers[].instance_id");
	expect_refused_text("{\"type\":\"event\",\"id\":1,\"event\":\"thaw\","
			   "\"snapshots\":[{\"volume\":\"/\"}]}",
			   "snapshots[].device");
	/* Entries of "providers" need their id, name and type. */
	expect_refused_text("{\"type\":\"reply\",\"id\":1,\"status\":0,"
			   "\"providers\":[{\"provider_id\":\"" G1 "\","
			   "\"provider_type\":\"system\"}]}",
			   "providers[].name");
	expect_refused_text("{\"type\":\"reply\",\"id\":1,\"status\":0,"
			   "\"providers\":[{\"provider_id\":\"" G1 "\","
			   "\"name\":\"p\"}]}",
			   "providers[].provider_type");
}

/* A message with one field replaced by the JSON text value. */
static json_t *
with_field(const char *json, const char *key, const char *value)
{
	json_t *msg = parse(json);

	json_object_set_new(msg, key, parse(value));
	return msg;
}

static void
expect_field(const char *json, const char *key, const char *value, bool ok)
{
	json_t *msg = with_field(json, key, value);
	const char *type;

	assert_int_equal(wire_get_str(msg, WF_TYPE, &type), 0);
	if (ok)
		expect_type(msg, (int)wire_type_parse(type));
	else
		expect_refused(msg, key);
	json_decref(msg);
}

#define HELLO "{\"type\":\"hello\",\"id\":1,\"role\":\"writer\",\"version\":1}"
#define REPLY "{\"type\":\"reply\",\"id\":1,\"status\":0}"
#define EVENT "{\"type\":\"event\",\"id\":1,\"event\":\"freeze\"}"
#define SUBSCRIBE                                                              \
	"{\"type\":\"subscribe\",\"id\":2,\"class_id\":\"" G1 "\","            \
	"\"instance_id\":\"" G2 "\",\"friendly_name\":\"W\","                  \
	"\"usage\":\"USER_DATA\",\"source\":\"OTHER\"}"

static void
test_check_values(void **state)
{
	char *name = malloc(4098 + 2);
	const char *why = NULL;
	json_t *msg;

	assert_non_null(name);
	/* Request ids: 1 .. 2^53, integers only. */
	expect_field(HELLO, WF_ID, "1", true);
	expect_field(HELLO, WF_ID, "9007199254740992", true);
	expect_field(HELLO, WF_ID, "9007199254740993", false);
	expect_field(HELLO, WF_ID, "0", false);
	expect_field(HELLO, WF_ID, "-1", false);
	expect_field(HELLO, WF_ID, "1.0", false);
	expect_field(HELLO, WF_ID, "\"1\"", false);
	expect_field(REPLY, WF_ID, "0", false);
	expect_field(EVENT, WF_ID, "9007199254740993", false);
	expect_field("{\"type\":\"cancel\",\"id\":2,\"target_id\":1}",
		     WF_TARGET_ID, "0", false);
	/* Statuses are int32. */
	expect_field(REPLY, WF_STATUS, "-2147483648", true);
	expect_field(REPLY, WF_STATUS, "2147483647", true);
	expect_field(REPLY, WF_STATUS, "2147483648", false);
	expect_field(REPLY, WF_STATUS, "-2147483649", false);
	expect_field(REPLY, WF_STATUS, "0.0", false);
	/* Enumerations. */
	expect_field(HELLO, WF_ROLE, "\"admin\"", true);
	expect_field(HELLO, WF_ROLE, "\"requester\"", true);
	expect_field(HELLO, WF_ROLE, "\"root\"", false);
	expect_field(HELLO, WF_VERSION, "-1", false);
	expect_field(EVENT, WF_EVENT, "\"freeze_now\"", false);
	expect_field(EVENT, WF_EVENT, "\"\"", false);
	expect_field(EVENT, WF_BACKUP_TYPE, "\"nightly\"", false);
	expect_field(EVENT, "restore_type", "\"by_copy\"", true);
	expect_field(EVENT, "restore_type", "\"by_mail\"", false);
	expect_field(SUBSCRIBE, WF_USAGE, "\"user_data\"", true);
	expect_field(SUBSCRIBE, WF_USAGE, "\"USERDATA\"", false);
	expect_field(SUBSCRIBE, WF_SOURCE, "\"db\"", false);
	expect_field(SUBSCRIBE, WF_LEVEL, "\"front_end\"", true);
	expect_field(SUBSCRIBE, WF_LEVEL, "\"middle\"", false);
	expect_field(SUBSCRIBE, WF_FREEZE_TIMEOUT_MS, "-1", false);
	expect_field(REPLY, WF_CONSISTENCY, "\"crash\"", true);
	expect_field(REPLY, WF_CONSISTENCY, "\"mostly\"", false);
	/* Ids. */
	expect_field(SUBSCRIBE, WF_CLASS_ID, "\" {" G1 "} \"", true);
	expect_field(SUBSCRIBE, WF_CLASS_ID, "\"" NULL_ID "\"", true);
	expect_field(SUBSCRIBE, WF_CLASS_ID, "\"6f1ac5d1\"", false);
	expect_field(SUBSCRIBE, WF_INSTANCE_ID, "\"\"", false);
	expect_field(REPLY, WF_SESSION_ID, "\"" G1 "x\"", false);
	expect_field("{\"type\":\"gather_writer_metadata\",\"id\":1}",
		     WF_DISABLED_INSTANCES, "[\"" G1 "\",\"nope\"]", false);
	expect_field("{\"type\":\"gather_writer_metadata\",\"id\":1}",
		     WF_ENABLED_CLASSES, "[]", true);
	/* Numbers in range. */
	expect_field(REPLY, WF_ATTRIBUTES, "4294967296", false);
	expect_field(REPLY, WF_ATTRIBUTES, "-1", false);
	expect_field(REPLY, WF_CREATED, "1.5", false);
	expect_field(REPLY, WF_FREEZE_WINDOW_MS, "2", true);
	expect_field(EVENT, WF_CONTEXT, "4294967295", false);
	expect_field(EVENT, WF_CONTEXT, "-1", true);
	expect_field(REPLY, WF_WRITERS,
		     "[{\"class_id\":\"" G1 "\",\"instance_id\":\"" G1 "\","
		     "\"state\":-1}]",
		     false);
	expect_field(REPLY, WF_WRITERS, "[]", true);
	expect_field(REPLY, WF_WRITERS, "[null]", false);
	expect_field(REPLY, WF_TIMINGS, "{\"freeze\":null}", false);
	expect_field(EVENT, WF_VOLUMES, "[\"/\",[]]", false);
	/* The shadow copy inventory. */
	expect_field(REPLY, WF_PROVIDERS,
		     "[{\"provider_id\":\"" G1 "\",\"name\":\"p\","
		     "\"provider_type\":\"hardware\"}]",
		     true);
	expect_field(REPLY, WF_PROVIDERS,
		     "[{\"provider_id\":\"" G1 "\",\"name\":\"p\","
		     "\"provider_type\":\"tape\"}]",
		     false);
	expect_field(REPLY, WF_DELETED, "0", true);
	expect_field(REPLY, WF_DELETED, "-1", false);
	expect_field(REPLY, WF_NON_DELETED_ID, "\"" NULL_ID "\"", true);
	expect_field(REPLY, WF_NON_DELETED_ID, "\"first\"", false);
	expect_field(REPLY, WF_COMPATIBILITY, "4294967295", true);
	expect_field(REPLY, WF_COMPATIBILITY, "4294967296", false);
	expect_field(REPLY, WF_SNAPSHOT_STATE, "-1", false);
	expect_field(REPLY, WF_SNAPSHOT_COUNT, "-1", false);
	expect_field(REPLY, WF_SNAPSHOTS,
		     "[{\"volume\":\"/\",\"device\":\"/d\","
		     "\"snapshot_state\":-1}]",
		     false);
	expect_field("{\"type\":\"query_snapshots\",\"id\":1}", WF_CONTEXT,
		     "-1", true);
	expect_field("{\"type\":\"query_snapshots\",\"id\":1}", WF_CONTEXT,
		     "4294967295", false);
	expect_field("{\"type\":\"delete_snapshots\",\"id\":1}", WF_ALL,
		     "1", false);
	expect_field("{\"type\":\"expose_snapshot\",\"id\":1,"
		     "\"snapshot_id\":\"" G1 "\"}",
		     WF_PATH, "\"\"", true);
	expect_field("{\"type\":\"is_volume_snapshotted\",\"id\":1,"
		     "\"volume\":\"/\"}",
		     WF_VOLUME, "[\"/\"]", false);

	/* Names are bounded, documents only by the frame. */
	memset(name, 'n', 4098);
	name[0] = '"';
	name[4097] = '"';
	name[4098] = '\0';
	expect_field(SUBSCRIBE, WF_FRIENDLY_NAME, name, true);
	name[4097] = 'n';
	name[4098] = '"';
	name[4099] = '\0';
	expect_field(SUBSCRIBE, WF_FRIENDLY_NAME, name, false);
	expect_field(REPLY, WF_BCD, name, true);
	msg = parse(EVENT);
	json_object_set_new(msg, WF_VOLUMES, json_pack("[s]", "/"));
	expect_type(msg, WIRE_EVENT);
	name[4098] = '\0';
	json_array_append_new(json_object_get(msg, WF_VOLUMES),
			      json_string(name + 1));
	expect_refused(msg, WF_VOLUMES);
	json_decref(msg);
	free(name);

	/* A NUL inside a string, as json_stringn() can make. */
	msg = parse(SUBSCRIBE);
	json_object_set_new(msg, WF_FRIENDLY_NAME, json_stringn("a\0b", 3));
	expect_refused(msg, WF_FRIENDLY_NAME);
	json_object_set_new(msg, WF_FRIENDLY_NAME, json_string("a"));
	json_object_set_new(msg, WF_TYPE, json_stringn("subscribe\0x", 11));
	expect_refused(msg, "type");
	json_decref(msg);

	/* The message itself. */
	expect_refused_text("{\"type\":\"shutdown\",\"id\":1}",
			   "unknown message type");
	expect_refused_text("{\"type\":7}", "type");
	expect_refused_text("[1]", "not an object");
	msg = parse(REPLY);
	assert_int_equal(wire_check(msg, NULL), WIRE_REPLY);
	why = "untouched";
	assert_int_equal(wire_check(msg, &why), WIRE_REPLY);
	assert_string_equal(why, "untouched");
	json_object_del(msg, WF_STATUS);
	assert_int_equal(wire_check(msg, NULL), -EBADMSG);
	json_decref(msg);
	assert_int_equal(wire_check(NULL, &why), -EINVAL);
}

/* ---- getters, setters, constructors ------------------------------------ */

static void
test_getters_and_setters(void **state)
{
	json_t *msg = parse("{\"type\":\"reply\",\"id\":5,\"status\":-3,"
			    "\"s\":\"text\",\"b\":true,\"g\":\"" G2 "\","
			    "\"bad_id\":\"xyz\",\"n\":null,\"r\":1.5,"
			    "\"big\":-9223372036854775807}");
	const char *s = "untouched";
	int64_t n = 42;
	bool b = false;
	vss_id id, want, before;

	assert_int_equal(wire_get_str(msg, "s", &s), 0);
	assert_string_equal(s, "text");
	assert_int_equal(wire_get_int(msg, WF_ID, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(wire_get_int(msg, "big", &n), 0);
	assert_true(n == -9223372036854775807LL);
	assert_int_equal(wire_get_bool(msg, "b", &b), 0);
	assert_true(b);
	assert_int_equal(wire_get_id(msg, "g", &id), 0);
	assert_int_equal(vss_id_parse(&want, G2), 0);
	assert_memory_equal(&id, &want, sizeof(id));

	/* Absent or null: -ENOENT; wrong type or value: -EBADMSG.  The
	 * output is untouched either way. */
	s = "untouched";
	n = 42;
	b = false;
	memset(&before, 0xa5, sizeof(before));
	id = before;
	assert_int_equal(wire_get_str(msg, "nope", &s), -ENOENT);
	assert_int_equal(wire_get_str(msg, "n", &s), -ENOENT);
	assert_int_equal(wire_get_str(msg, "b", &s), -EBADMSG);
	assert_int_equal(wire_get_int(msg, "nope", &n), -ENOENT);
	assert_int_equal(wire_get_int(msg, "r", &n), -EBADMSG);
	assert_int_equal(wire_get_int(msg, "s", &n), -EBADMSG);
	assert_int_equal(wire_get_bool(msg, "n", &b), -ENOENT);
	assert_int_equal(wire_get_bool(msg, WF_ID, &b), -EBADMSG);
	assert_int_equal(wire_get_id(msg, "nope", &id), -ENOENT);
	assert_int_equal(wire_get_id(msg, "bad_id", &id), -EBADMSG);
	assert_int_equal(wire_get_id(msg, "b", &id), -EBADMSG);
	assert_string_equal(s, "untouched");
	assert_int_equal(n, 42);
	assert_false(b);
	assert_memory_equal(&id, &before, sizeof(id));
	assert_int_equal(wire_get_str(NULL, "s", &s), -EINVAL);
	assert_int_equal(wire_get_str(msg, NULL, &s), -EINVAL);
	assert_int_equal(wire_get_str(msg, "s", NULL), -EINVAL);
	assert_int_equal(wire_get_int(msg, "s", NULL), -EINVAL);
	assert_int_equal(wire_get_bool(msg, "b", NULL), -EINVAL);
	assert_int_equal(wire_get_id(msg, "g", NULL), -EINVAL);

	/* Setters replace, and read back. */
	assert_int_equal(wire_set_str(msg, "s", "other"), 0);
	assert_int_equal(wire_set_int(msg, "i", INT64_MIN), 0);
	assert_int_equal(wire_set_bool(msg, "b", false), 0);
	assert_int_equal(wire_set_id(msg, "g", &want), 0);
	assert_int_equal(wire_get_str(msg, "s", &s), 0);
	assert_string_equal(s, "other");
	assert_int_equal(wire_get_int(msg, "i", &n), 0);
	assert_true(n == INT64_MIN);
	assert_int_equal(wire_get_bool(msg, "b", &b), 0);
	assert_false(b);
	assert_int_equal(wire_get_str(msg, "g", &s), 0);
	assert_string_equal(s, "d61d61c8-d73a-4eee-8cdd-f6f9786b7124");
	/* NULL removes the key; bad UTF-8 is refused. */
	assert_int_equal(wire_set_str(msg, "s", NULL), 0);
	assert_int_equal(wire_get_str(msg, "s", &s), -ENOENT);
	assert_int_equal(wire_set_str(msg, "s", "\xff"), -EINVAL);
	assert_int_equal(wire_set_str(msg, "s", "\xc0\x80"), -EINVAL);
	assert_int_equal(wire_set_str(msg, "s", "\xed\xa0\x80"), -EINVAL);
	assert_int_equal(wire_set_str(msg, "s", "\xf4\x90\x80\x80"), -EINVAL);
	assert_int_equal(wire_set_str(msg, "s", "\xe2\x82"), -EINVAL);
	assert_int_equal(wire_get_str(msg, "s", &s), -ENOENT);
	assert_int_equal(wire_set_str(msg, "s", "\xc3\xa9\xe2\x82\xac"
						"\xf0\x9f\x98\x80"),
			 0);
	assert_int_equal(wire_set_str(NULL, "s", "x"), -EINVAL);
	assert_int_equal(wire_set_str(msg, NULL, "x"), -EINVAL);
	assert_int_equal(wire_set_id(msg, "g", NULL), -EINVAL);
	assert_int_equal(wire_set_int(NULL, "i", 1), -EINVAL);
	assert_int_equal(wire_set_bool(msg, NULL, true), -EINVAL);
	json_decref(msg);
}

static void
test_constructors(void **state)
{
	json_t *msg;
	const char *s;
	int64_t n;

	msg = wire_request_new(WIRE_HELLO, 9);
	assert_non_null(msg);
	assert_int_equal(wire_set_str(msg, WF_ROLE, "writer"), 0);
	assert_int_equal(wire_set_int(msg, WF_VERSION, 1), 0);
	expect_type(msg, WIRE_HELLO);
	json_decref(msg);
	msg = wire_request_new(WIRE_LIST_WRITERS, (uint64_t)ID_MAX);
	expect_type(msg, WIRE_LIST_WRITERS);
	json_decref(msg);
	assert_null(wire_request_new(WIRE_HELLO, 0));
	assert_null(wire_request_new(WIRE_HELLO, (uint64_t)ID_MAX + 1));
	assert_null(wire_request_new(WIRE_REPLY, 1));
	assert_null(wire_request_new(WIRE_EVENT, 1));
	assert_null(wire_request_new(WIRE_EVENT_REPLY, 1));
	assert_null(wire_request_new(WIRE_UNKNOWN, 1));
	assert_null(wire_request_new(WIRE_TYPE_COUNT, 1));

	msg = wire_reply_new(3, VSS_E_BAD_STATE, "out of order");
	expect_type(msg, WIRE_REPLY);
	assert_int_equal(wire_get_int(msg, WF_STATUS, &n), 0);
	assert_int_equal(n, VSS_E_BAD_STATE);
	assert_int_equal(wire_get_str(msg, WF_MESSAGE, &s), 0);
	assert_string_equal(s, "out of order");
	json_decref(msg);
	msg = wire_reply_new(3, 0, NULL);
	expect_type(msg, WIRE_REPLY);
	assert_null(json_object_get(msg, WF_MESSAGE));
	json_decref(msg);
	assert_null(wire_reply_new(0, 0, NULL));
	assert_null(wire_reply_new(1, 0, "\xff"));

	msg = wire_event_new(WIRE_EV_POST_SNAPSHOT, 4);
	expect_type(msg, WIRE_EVENT);
	assert_int_equal(wire_get_str(msg, WF_EVENT, &s), 0);
	assert_string_equal(s, "post_snapshot");
	json_decref(msg);
	assert_null(wire_event_new(WIRE_EV_UNKNOWN, 4));
	assert_null(wire_event_new(WIRE_EV_COUNT, 4));
	assert_null(wire_event_new(WIRE_EV_FREEZE, 0));

	msg = wire_event_reply_new(4, VSS_E_WRITERERROR_RETRYABLE);
	expect_type(msg, WIRE_EVENT_REPLY);
	assert_int_equal(wire_get_int(msg, WF_STATUS, &n), 0);
	assert_int_equal(n, VSS_E_WRITERERROR_RETRYABLE);
	json_decref(msg);
}

/* ---- the client connection --------------------------------------------- */

#define SESSION G1

struct server;
typedef void server_script(struct server *s, int fd, struct wire_reader *r);

struct server {
	char dir[64];
	char path[108];
	int lfd;
	pthread_t thread;
	server_script *script;
	int hello_status;
	int failed;  /* line of the first unexpected thing, or 0 */
	int64_t last_id;
	size_t bcd_len;
};

#define SRV_CHECK(s, cond)                                                     \
	do {                                                                   \
		if (!(cond) && !(s)->failed)                                   \
			(s)->failed = __LINE__;                                \
	} while (0)

static void
srv_write(struct server *s, int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		SRV_CHECK(s, n > 0);
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void
srv_send(struct server *s, int fd, json_t *msg)
{
	uint8_t *f;
	size_t n;

	if (wire_encode(msg, 0, &f, &n) == 0) {
		srv_write(s, fd, f, n);
		free(f);
	} else {
		SRV_CHECK(s, false);
	}
	json_decref(msg);
}

static void
srv_send_text(struct server *s, int fd, const char *text)
{
	srv_send(s, fd, parse(text));
}

/* The next message from the client, or NULL at its end. */
static json_t *
srv_recv(struct server *s, int fd, struct wire_reader *r)
{
	json_t *msg;
	int ret;

	while ((ret = wire_reader_next(r, &msg)) == 0) {
		uint8_t buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		SRV_CHECK(s, wire_reader_feed(r, buf, (size_t)n) == 0);
	}
	SRV_CHECK(s, ret == 1);
	if (ret != 1)
		return NULL;
	SRV_CHECK(s, wire_check(msg, NULL) > 0);
	SRV_CHECK(s, wire_get_int(msg, WF_ID, &s->last_id) == 0);
	return msg;
}

/* Wait for the client to go away. */
static void
srv_wait_eof(struct server *s, int fd, struct wire_reader *r)
{
	json_t *msg;

	while ((msg = srv_recv(s, fd, r)) != NULL)
		json_decref(msg);
}

static void
srv_hello(struct server *s, int fd, struct wire_reader *r)
{
	json_t *msg = srv_recv(s, fd, r), *reply;
	const char *str;
	int64_t n;

	SRV_CHECK(s, msg != NULL);
	if (!msg)
		return;
	SRV_CHECK(s, wire_check(msg, NULL) == WIRE_HELLO);
	SRV_CHECK(s, wire_get_str(msg, WF_ROLE, &str) == 0 &&
			     strcmp(str, "requester") == 0);
	SRV_CHECK(s, wire_get_int(msg, WF_VERSION, &n) == 0 &&
			     n == WIRE_PROTOCOL_VERSION);
	reply = wire_reply_new((uint64_t)s->last_id, s->hello_status,
			       s->hello_status ? "not for you" : NULL);
	if (s->hello_status == 0)
		wire_set_str(reply, WF_SESSION_ID, SESSION);
	srv_send(s, fd, reply);
	json_decref(msg);
}

static void *
server_main(void *arg)
{
	struct server *s = arg;
	struct timeval tv = { .tv_sec = 10 };
	struct wire_reader r;
	int fd = accept(s->lfd, NULL, NULL);

	SRV_CHECK(s, fd >= 0);
	if (fd < 0)
		return NULL;
	/* A test gone wrong fails instead of hanging. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	wire_reader_init(&r, 0);
	srv_hello(s, fd, &r);
	if (s->script && s->hello_status == 0)
		s->script(s, fd, &r);
	wire_reader_release(&r);
	close(fd);
	return NULL;
}

static void
server_listen(struct server *s, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(s->dir, "/tmp/vss-test-wire.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/sock", s->dir);
	strcpy(sa.sun_path, s->path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, backlog), 0);
}

static void
server_start(struct server *s, server_script *script, int hello_status)
{
	memset(s, 0, sizeof(*s));
	s->script = script;
	s->hello_status = hello_status;
	server_listen(s, 4);
	assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void
server_stop(struct server *s, bool joined)
{
	if (!joined)
		pthread_join(s->thread, NULL);
	close(s->lfd);
	unlink(s->path);
	rmdir(s->dir);
	if (s->failed)
		fail_msg("server: unexpected at line %d", s->failed);
}

static void
test_conn_socket_path(void **state)
{
	unsetenv("VSS_SOCKET");
	assert_string_equal(conn_socket_path(NULL), VSS_DEFAULT_SOCKET);
	assert_string_equal(conn_socket_path("/x/y"), "/x/y");
	setenv("VSS_SOCKET", "/tmp/other.sock", 1);
	assert_string_equal(conn_socket_path(NULL), "/tmp/other.sock");
	assert_string_equal(conn_socket_path(""), "/tmp/other.sock");
	assert_string_equal(conn_socket_path("/x/y"), "/x/y");
	setenv("VSS_SOCKET", "", 1);
	assert_string_equal(conn_socket_path(NULL), VSS_DEFAULT_SOCKET);
	unsetenv("VSS_SOCKET");
}

static void
test_conn_hello(void **state)
{
	struct server s;
	struct conn c;
	vss_id want;

	server_start(&s, NULL, 0);
	assert_int_equal(conn_open(&c, s.path, "requester", 5000), 0);
	assert_true(c.fd >= 0);
	assert_int_equal(vss_id_parse(&want, SESSION), 0);
	assert_memory_equal(&c.session_id, &want, sizeof(want));
	/* The next request id follows the hello's. */
	assert_int_equal(c.next_id, 2);
	server_stop(&s, false);
	conn_close(&c);
	assert_int_equal(c.fd, -1);
	conn_close(&c);
	conn_close(NULL);

	/* $VSS_SOCKET names the socket when no path is given. */
	server_start(&s, NULL, 0);
	setenv("VSS_SOCKET", s.path, 1);
	assert_int_equal(conn_open(&c, NULL, "requester", 5000), 0);
	unsetenv("VSS_SOCKET");
	server_stop(&s, false);
	conn_close(&c);
}

static void
test_conn_hello_refused(void **state)
{
	struct server s;
	struct conn c;

	server_start(&s, NULL, -EACCES);
	assert_int_equal(conn_open(&c, s.path, "requester", 5000), -EACCES);
	assert_int_equal(c.fd, -1);
	server_stop(&s, false);
	conn_close(&c);

	server_start(&s, NULL, VSS_E_NOT_SUPPORTED);
	assert_int_equal(conn_open(&c, s.path, "requester", 5000),
			 VSS_E_NOT_SUPPORTED);
	server_stop(&s, false);
}

/* A hello reply without a session id is a broken daemon. */
static void *
server_no_session(void *arg)
{
	struct server *s = arg;
	struct wire_reader r;
	json_t *msg;
	int fd = accept(s->lfd, NULL, NULL);

	wire_reader_init(&r, 0);
	msg = srv_recv(s, fd, &r);
	json_decref(msg);
	srv_send(s, fd, wire_reply_new((uint64_t)s->last_id, 0, NULL));
	srv_wait_eof(s, fd, &r);
	wire_reader_release(&r);
	close(fd);
	return NULL;
}

static void
test_conn_open_failures(void **state)
{
	struct server s;
	struct conn c, first;
	char longpath[200];
	int fd;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	assert_int_equal(conn_open(&c, "/nonexistent/vss.sock", "requester",
				   1000),
			 -ENOENT);
	assert_int_equal(c.fd, -1);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(conn_open(&c, longpath, "requester", 1000),
			 -ENAMETOOLONG);
	assert_int_equal(conn_open(NULL, longpath, "requester", 1000),
			 -EINVAL);
	assert_int_equal(conn_open(&c, longpath, NULL, 1000), -EINVAL);

	/* Nobody listening on a bound socket. */
	memset(&s, 0, sizeof(s));
	server_listen(&s, 4);
	close(s.lfd);
	assert_int_equal(conn_open(&c, s.path, "requester", 1000),
			 -ECONNREFUSED);
	unlink(s.path);
	rmdir(s.dir);

	/* A daemon that never accepts: the backlog fills, then timeout. */
	memset(&s, 0, sizeof(s));
	server_listen(&s, 0);
	strcpy(sa.sun_path, s.path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(conn_open(&c, s.path, "requester", 150), -ETIMEDOUT);
	close(fd);
	server_stop(&s, true);

	/* Connected but never answered: the hello times out. */
	memset(&s, 0, sizeof(s));
	server_listen(&s, 4);
	assert_int_equal(conn_open(&c, s.path, "requester", 200), -ETIMEDOUT);
	server_stop(&s, true);

	/* A hello reply without session id. */
	memset(&s, 0, sizeof(s));
	server_listen(&s, 4);
	assert_int_equal(pthread_create(&s.thread, NULL, server_no_session,
					&s),
			 0);
	assert_int_equal(conn_open(&first, s.path, "requester", 5000),
			 -EPROTO);
	server_stop(&s, false);
}

/* Events, a stale reply and the reply, all in one write; then a failure. */
static void
script_events_then_reply(struct server *s, int fd, struct wire_reader *r)
{
	json_t *req, *reply;
	uint8_t *all = NULL;
	size_t len = 0;
	int i;

	req = srv_recv(s, fd, r);
	SRV_CHECK(s, req && wire_check(req, NULL) == WIRE_START_SNAPSHOT_SET);
	json_decref(req);
	for (i = 0; i <= 4; i++) {
		json_t *msg;
		uint8_t *f;
		size_t n;

		if (i < 3)
			msg = wire_event_new(WIRE_EV_IDENTIFY, (uint64_t)i + 1);
		else if (i == 3)
			msg = wire_reply_new((uint64_t)s->last_id + 100, -1,
					     NULL);
		else
			msg = wire_reply_new((uint64_t)s->last_id, 0, NULL);
		if (i == 4)
			wire_set_str(msg, WF_SNAPSHOT_SET_ID, G2);
		SRV_CHECK(s, wire_encode(msg, 0, &f, &n) == 0);
		json_decref(msg);
		all = realloc(all, len + n);
		SRV_CHECK(s, all != NULL);
		memcpy(all + len, f, n);
		len += n;
		free(f);
	}
	srv_write(s, fd, all, len);
	free(all);

	/* Two events written apart, then a failed reply with a message. */
	req = srv_recv(s, fd, r);
	SRV_CHECK(s, req && wire_check(req, NULL) == WIRE_ABORT_BACKUP);
	json_decref(req);
	srv_send(s, fd, wire_event_new(WIRE_EV_ABORT, 10));
	usleep(20000);
	srv_send(s, fd, wire_event_new(WIRE_EV_BACKUP_SHUTDOWN, 11));
	usleep(20000);
	reply = wire_reply_new((uint64_t)s->last_id, VSS_E_BAD_STATE,
			       "nothing to abort");
	srv_send(s, fd, reply);
	srv_wait_eof(s, fd, r);
}

struct seen {
	int events;
	int replies;
	int64_t last_event_id;
};

static void
count_other(json_t *msg, void *userdata)
{
	struct seen *seen = userdata;
	const char *type;

	assert_int_equal(wire_get_str(msg, WF_TYPE, &type), 0);
	if (strcmp(type, "event") == 0) {
		seen->events++;
		assert_int_equal(wire_get_int(msg, WF_ID,
					      &seen->last_event_id),
				 0);
	} else {
		seen->replies++;
	}
}

static void
test_conn_call_with_events(void **state)
{
	struct seen seen = { 0 };
	struct server s;
	struct conn c;
	json_t *req, *reply = NULL;
	const char *str;
	vss_id set, want;

	server_start(&s, script_events_then_reply, 0);
	assert_int_equal(conn_open(&c, s.path, "requester", 5000), 0);
	req = wire_request_new(WIRE_START_SNAPSHOT_SET, c.next_id++);
	assert_int_equal(conn_call(&c, req, 5000, &reply, count_other, &seen),
			 0);
	assert_int_equal(seen.events, 3);
	assert_int_equal(seen.replies, 1);
	assert_int_equal(wire_get_id(reply, WF_SNAPSHOT_SET_ID, &set), 0);
	assert_int_equal(vss_id_parse(&want, G2), 0);
	assert_memory_equal(&set, &want, sizeof(set));
	json_decref(reply);
	json_decref(req);

	/* No id: conn_call() gives it the next one.  The reply's status is
	 * returned, and the reply too for its message. */
	memset(&seen, 0, sizeof(seen));
	req = parse("{\"type\":\"abort_backup\"}");
	reply = NULL;
	assert_int_equal(conn_call(&c, req, 5000, &reply, count_other, &seen),
			 VSS_E_BAD_STATE);
	assert_int_equal(seen.events, 2);
	assert_int_equal(seen.last_event_id, 11);
	assert_non_null(reply);
	assert_int_equal(wire_get_str(reply, WF_MESSAGE, &str), 0);
	assert_string_equal(str, "nothing to abort");
	assert_int_equal(c.next_id, 4);
	json_decref(reply);
	json_decref(req);
	conn_close(&c);
	server_stop(&s, false);
}

/* The request is read, never answered. */
static void
script_silent(struct server *s, int fd, struct wire_reader *r)
{

	srv_wait_eof(s, fd, r);
}

static void
test_conn_call_timeout(void **state)
{
	struct server s;
	struct conn c;
	json_t *req, *reply = NULL;

	server_start(&s, script_silent, 0);
	assert_int_equal(conn_open(&c, s.path, "requester", 5000), 0);
	req = wire_request_new(WIRE_GATHER_WRITER_STATUS, c.next_id++);
	assert_int_equal(conn_call(&c, req, 200, &reply, NULL, NULL),
			 -ETIMEDOUT);
	assert_null(reply);
	/* A zero timeout only looks. */
	assert_int_equal(conn_call(&c, req, 0, &reply, NULL, NULL),
			 -ETIMEDOUT);
	json_decref(req);
	conn_close(&c);
	server_stop(&s, false);
}

/* Half a reply, then the socket closes. */
static void
script_close_mid_frame(struct server *s, int fd, struct wire_reader *r)
{
	json_t *req;
	uint8_t *f;
	size_t n;

	req = srv_recv(s, fd, r);
	json_decref(req);
	f = frame_of("{\"type\":\"reply\",\"id\":2,\"status\":0}", &n);
	srv_write(s, fd, f, n / 2);
	free(f);
}

/* The reply, then the socket closes at once. */
static void
script_reply_and_close(struct server *s, int fd, struct wire_reader *r)
{
	json_t *req;

	req = srv_recv(s, fd, r);
	json_decref(req);
	srv_send(s, fd, wire_reply_new((uint64_t)s->last_id, 0, NULL));
}

/* A message that breaks the table: an unknown event. */
static void
script_bad_event(struct server *s, int fd, struct wire_reader *r)
{
	json_t *req;

	req = srv_recv(s, fd, r);
	json_decref(req);
	srv_send_text(s, fd,
		      "{\"type\":\"event\",\"id\":1,\"event\":\"explode\"}");
	srv_wait_eof(s, fd, r);
}

/* An event whose handler closes the connection. */
static void
script_one_event(struct server *s, int fd, struct wire_reader *r)
{
	json_t *req;

	req = srv_recv(s, fd, r);
	json_decref(req);
	srv_send(s, fd, wire_event_new(WIRE_EV_FREEZE, 1));
	srv_wait_eof(s, fd, r);
}

static void
close_in_callback(json_t *msg, void *userdata)
{
	conn_close(userdata);
}

static void
run_call(server_script *script, int want,
	 void (*other)(json_t *msg, void *userdata), bool pass_conn)
{
	struct server s;
	struct conn c;
	json_t *req;

	server_start(&s, script, 0);
	assert_int_equal(conn_open(&c, s.path, "requester", 5000), 0);
	req = wire_request_new(WIRE_DO_SNAPSHOT_SET, c.next_id++);
	assert_int_equal(conn_call(&c, req, 5000, NULL, other,
				   pass_conn ? &c : NULL),
			 want);
	json_decref(req);
	conn_close(&c);
	server_stop(&s, false);
}

static void
test_conn_peer_closes(void **state)
{
	run_call(script_close_mid_frame, -ECONNRESET, NULL, false);
	/* A reply that came before the end still counts. */
	run_call(script_reply_and_close, 0, NULL, false);
	run_call(script_bad_event, -EBADMSG, NULL, false);
	run_call(script_one_event, -ENOTCONN, close_in_callback, true);
}

/* A big request in, a big reply out: partial writes both ways. */
static void
script_echo_bcd(struct server *s, int fd, struct wire_reader *r)
{
	json_t *req, *reply;
	const char *bcd = NULL;

	/* Read slowly at first so that the client's queue fills up. */
	usleep(50000);
	req = srv_recv(s, fd, r);
	SRV_CHECK(s, req && wire_get_str(req, WF_BCD, &bcd) == 0);
	if (bcd) {
		s->bcd_len = strlen(bcd);
		reply = wire_reply_new((uint64_t)s->last_id, 0, NULL);
		wire_set_str(reply, WF_BCD, bcd);
		srv_send(s, fd, reply);
	}
	json_decref(req);
	srv_wait_eof(s, fd, r);
}

static void
test_conn_big_messages(void **state)
{
	enum { BIG = 3 << 20 };
	struct server s;
	struct conn c;
	json_t *req, *reply = NULL;
	const char *back;
	char *bcd = malloc(BIG + 1);

	assert_non_null(bcd);
	memset(bcd, 'x', BIG);
	bcd[BIG] = '\0';
	server_start(&s, script_echo_bcd, 0);
	assert_int_equal(conn_open(&c, s.path, "requester", 5000), 0);
	req = wire_request_new(WIRE_BACKUP_COMPLETE, c.next_id++);
	assert_int_equal(wire_set_str(req, WF_BCD, bcd), 0);
	assert_int_equal(conn_call(&c, req, 10000, &reply, NULL, NULL), 0);
	assert_int_equal(wire_get_str(reply, WF_BCD, &back), 0);
	assert_int_equal(strlen(back), BIG);
	assert_int_equal(c.out_len, 0);
	json_decref(reply);
	json_decref(req);
	conn_close(&c);
	server_stop(&s, false);
	assert_int_equal(s.bcd_len, BIG);
	free(bcd);
}

/* Hello, then gone. */
static void
script_vanish(struct server *s, int fd, struct wire_reader *r)
{
}

static void
test_conn_send_to_closed_peer(void **state)
{
	struct pollfd pfd;
	struct server s;
	struct conn c;
	json_t *msg;
	int r = 0, i;

	server_start(&s, script_vanish, 0);
	assert_int_equal(conn_open(&c, s.path, "requester", 5000), 0);
	server_stop(&s, false);
	pfd.fd = c.fd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(conn_read(&c), -ECONNRESET);
	msg = wire_request_new(WIRE_LIST_WRITERS, c.next_id++);
	/* Without MSG_NOSIGNAL, SIGPIPE would end the test here. */
	for (i = 0; i < 3 && r == 0; i++)
		r = conn_send(&c, msg);
	assert_true(r == -EPIPE || r == -ECONNRESET);
	conn_close(&c);

	assert_int_equal(conn_send(&c, msg), -ENOTCONN);
	assert_int_equal(conn_flush(&c), -ENOTCONN);
	assert_int_equal(conn_read(&c), -ENOTCONN);
	assert_int_equal(conn_call(&c, msg, 0, NULL, NULL, NULL), -ENOTCONN);
	assert_int_equal(conn_send(NULL, msg), -EINVAL);
	assert_int_equal(conn_next(&c, NULL), -EINVAL);
	json_decref(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_and_event_names),
		cmocka_unit_test(test_frame_split_at_every_byte),
		cmocka_unit_test(test_frame_many_in_one_feed),
		cmocka_unit_test(test_frame_oversize_rejected_early),
		cmocka_unit_test(test_frame_zero_length),
		cmocka_unit_test(test_decode_rejects_garbage),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_check_accepts_every_message),
		cmocka_unit_test(test_check_rejects_wrong_types),
		cmocka_unit_test(test_check_required_fields),
		cmocka_unit_test(test_check_values),
		cmocka_unit_test(test_getters_and_setters),
		cmocka_unit_test(test_constructors),
		cmocka_unit_test(test_conn_socket_path),
		cmocka_unit_test(test_conn_hello),
		cmocka_unit_test(test_conn_hello_refused),
		cmocka_unit_test(test_conn_open_failures),
		cmocka_unit_test(test_conn_call_with_events),
		cmocka_unit_test(test_conn_call_timeout),
		cmocka_unit_test(test_conn_peer_closes),
		cmocka_unit_test(test_conn_big_messages),
		cmocka_unit_test(test_conn_send_to_closed_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
