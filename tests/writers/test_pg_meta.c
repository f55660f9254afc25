/*
 * tests/writers/test_pg_meta.c - the PostgreSQL writer's backup metadata
 * (writers/postgresql/pg_meta.c): encode and decode round trip, and the
 * strict decoder's refusals; the backup label and tablespace map forms
 * it checks (pg_label.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pg_label.h"
#include "pg_meta.h"

#define LABEL                                                                  \
	"START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"     \
	"CHECKPOINT LOCATION: 0/2000060\n"                                     \
	"BACKUP METHOD: streamed\n"                                            \
	"BACKUP FROM: primary\n"                                               \
	"START TIME: 2024-06-01 10:00:00 UTC\n"                                \
	"LABEL: vss 6f1c1e9e-4c53-4a53-a6a2-1d9c5a3c0f11\n"                    \
	"START TIMELINE: 1\n"

#define MAP "16384 /srv/ts1\n16385 /srv/odd name\\\\x\n"

static struct pg_tablespace spcs[] = {
	{16384, "ts1", "/srv/ts1"},
	{16385, "odd", "/srv/odd name\\x"},
};

static const struct pg_meta sample = {
	.data_directory = "/var/lib/postgresql/15/main",
	.wal_directory = "/srv/wal",
	.server_version = 150004,
	.start_lsn = "0/2000028",
	.stop_lsn = "0/2000138",
	.backup_label = LABEL,
	.tablespace_map = MAP,
	.tablespaces = spcs,
	.n_tablespaces = 2,
};

/* sample as a JSON object, to mutate. */
static json_t *
sample_json(void)
{
	char *text;
	json_t *o;

	assert_int_equal(pg_meta_encode(&sample, &text), 0);
	o = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(o);
	return o;
}

/* Decoding o fails with -EBADMSG and a message holding want. */
static void
expect_refused(json_t *o, const char *want)
{
	struct pg_meta m = {0};
	struct vss_error err = {0};
	char *text = json_dumps(o, JSON_COMPACT);
	int r;

	assert_non_null(text);
	r = pg_meta_decode(text, strlen(text), &m, &err);
	if (r != -EBADMSG || !strstr(err.message, want))
		fail_msg("decode of %s: %d '%s', wanted -EBADMSG '%s'", text,
			 r, err.message, want);
	assert_null(m.data_directory);
	free(text);
	json_decref(o);
}

static void
test_round_trip(void **state)
{
	struct pg_meta m = {0};
	struct vss_error err = {0};
	char *text;

	(void)state;
	assert_int_equal(pg_meta_encode(&sample, &text), 0);
	assert_int_equal(pg_meta_decode(text, strlen(text), &m, &err), 0);
	assert_string_equal(m.data_directory, sample.data_directory);
	assert_string_equal(m.wal_directory, "/srv/wal");
	assert_int_equal(m.server_version, 150004);
	assert_string_equal(m.start_lsn, "0/2000028");
	assert_string_equal(m.stop_lsn, "0/2000138");
	assert_string_equal(m.backup_label, LABEL);
	assert_string_equal(m.tablespace_map, MAP);
	assert_int_equal(m.n_tablespaces, 2);
	assert_int_equal(m.tablespaces[1].oid, 16385);
	assert_string_equal(m.tablespaces[1].name, "odd");
	assert_string_equal(m.tablespaces[1].location, "/srv/odd name\\x");
	free(text);
	pg_meta_release(&m);
	pg_meta_release(&m); /* released twice: empty the second time */
}

static void
test_no_tablespaces(void **state)
{
	struct pg_meta in = sample, m = {0};
	struct vss_error err = {0};
	char *text;

	(void)state;
	in.tablespace_map = "";
	in.tablespaces = NULL;
	in.n_tablespaces = 0;
	assert_int_equal(pg_meta_encode(&in, &text), 0);
	assert_int_equal(pg_meta_decode(text, strlen(text), &m, &err), 0);
	assert_string_equal(m.tablespace_map, "");
	assert_int_equal(m.n_tablespaces, 0);
	assert_null(m.tablespaces);
	free(text);
	pg_meta_release(&m);
}

static void
test_refuses_each_missing_key(void **state)
{
	static const char *const keys[] = {
		"format",    "version",      "data_directory", "wal_directory",
		"server_version", "start_lsn", "stop_lsn",
		"backup_label", "tablespace_map", "tablespaces",
	};
	char want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		json_t *o = sample_json();

		json_object_del(o, keys[i]);
		snprintf(want, sizeof(want), "'%s' is missing", keys[i]);
		expect_refused(o, want);
	}
}

static void
set(json_t *o, const char *key, json_t *v)
{
	assert_int_equal(json_object_set_new(o, key, v), 0);
}

static void
test_refuses_bad_values(void **state)
{
	json_t *o;

	(void)state;
	o = sample_json();
	set(o, "extra", json_true());
	expect_refused(o, "unknown key 'extra'");
	o = sample_json();
	set(o, "format", json_string("vss-mariadb-backup"));
	expect_refused(o, "'format'");
	o = sample_json();
	set(o, "version", json_integer(2));
	expect_refused(o, "'version' is out of range");
	o = sample_json();
	set(o, "version", json_string("1"));
	expect_refused(o, "'version' is not an integer");
	o = sample_json();
	set(o, "server_version", json_integer(140009));
	expect_refused(o, "'server_version' is out of range");
	o = sample_json();
	set(o, "data_directory", json_string("var/lib/pg"));
	expect_refused(o, "not a clean absolute path");
	o = sample_json();
	set(o, "data_directory", json_string("/var/lib/../../etc"));
	expect_refused(o, "not a clean absolute path");
	o = sample_json();
	set(o, "data_directory", json_string("/var//lib"));
	expect_refused(o, "not a clean absolute path");
	o = sample_json();
	set(o, "data_directory", json_string("/var/lib/"));
	expect_refused(o, "not a clean absolute path");
	o = sample_json();
	set(o, "wal_directory", json_string("/srv/../etc"));
	expect_refused(o, "'wal_directory' is not a clean absolute path");
	o = sample_json();
	set(o, "start_lsn", json_string("0/20000G8"));
	expect_refused(o, "'start_lsn' is not an LSN");
	o = sample_json();
	set(o, "stop_lsn", json_string("123456789/0"));
	expect_refused(o, "'stop_lsn' is not an LSN");
	o = sample_json();
	set(o, "stop_lsn", json_integer(5));
	expect_refused(o, "'stop_lsn' is not a string");
	o = sample_json();
	set(o, "backup_label", json_string(""));
	expect_refused(o, "'backup_label' is empty");
	o = sample_json();
	set(o, "backup_label", json_string("CHECKPOINT LOCATION: 0/1\n"));
	expect_refused(o, "no START WAL LOCATION line");
	o = sample_json();
	set(o, "backup_label",
	    json_string("START WAL LOCATION: 0/1 (file 0000000100000000000000)\n"));
	expect_refused(o, "malformed START WAL LOCATION file name");
	o = sample_json();
	set(o, "backup_label",
	    json_string("START WAL LOCATION: 0/1 (file "
			"000000010000000000000002)"));
	expect_refused(o, "not a label file");
	o = sample_json();
	set(o, "tablespace_map", json_string("16384 relative\n"));
	expect_refused(o, "tablespace map: line 1 is malformed");
	/* The map names exactly the tablespaces listed. */
	o = sample_json();
	set(o, "tablespace_map", json_string("16384 /srv/ts1\n"));
	expect_refused(o, "the tablespace map lists 1 tablespaces");
	o = sample_json();
	set(o, "tablespace_map",
	    json_string("16384 /srv/ts1\n16386 /etc\n"));
	expect_refused(o, "the tablespace map names oid 16386");
	o = sample_json();
	set(o, "tablespaces", json_object());
	expect_refused(o, "'tablespaces' is not an array");
}

static void
test_refuses_bad_tablespaces(void **state)
{
	json_t *o, *t;

	(void)state;
	o = sample_json();
	t = json_array_get(json_object_get(o, "tablespaces"), 1);
	set(t, "oid", json_integer(16384));
	expect_refused(o, "tablespace oid 16384 twice");
	o = sample_json();
	t = json_array_get(json_object_get(o, "tablespaces"), 0);
	set(t, "oid", json_integer(0));
	expect_refused(o, "'oid' is out of range");
	o = sample_json();
	t = json_array_get(json_object_get(o, "tablespaces"), 0);
	set(t, "oid", json_integer(4294967296LL));
	expect_refused(o, "'oid' is out of range");
	o = sample_json();
	t = json_array_get(json_object_get(o, "tablespaces"), 0);
	set(t, "name", json_string("n234567890123456789012345678901234567890"
				   "123456789012345678901234"));
	expect_refused(o, "'name' is longer than 63 bytes");
	o = sample_json();
	t = json_array_get(json_object_get(o, "tablespaces"), 0);
	json_object_del(t, "location");
	expect_refused(o, "tablespace 1 lacks oid, name or location");
	o = sample_json();
	t = json_array_get(json_object_get(o, "tablespaces"), 0);
	set(t, "size", json_integer(1));
	expect_refused(o, "tablespace 1: unknown key 'size'");
	o = sample_json();
	t = json_array_get(json_object_get(o, "tablespaces"), 0);
	set(t, "location", json_string("/srv/new\nline"));
	expect_refused(o, "'location' is not a clean absolute path");
	o = sample_json();
	assert_int_equal(json_array_append_new(json_object_get(o,
							       "tablespaces"),
					       json_string("x")),
			 0);
	expect_refused(o, "tablespace 3 is not an object");
}

static void
expect_text_refused(const char *text, size_t len, const char *want)
{
	struct pg_meta m = {0};
	struct vss_error err = {0};

	assert_int_equal(pg_meta_decode(text, len, &m, &err), -EBADMSG);
	if (!strstr(err.message, want))
		fail_msg("message '%s' lacks '%s'", err.message, want);
}

static void
test_refuses_bad_documents(void **state)
{
	static const char nul[] = "{\"format\":\"vss-postgresql-backup\\u0000\"}";
	size_t big = PG_META_MAX_SIZE + 1;
	char *text;

	(void)state;
	expect_text_refused("", 0, "not JSON");
	expect_text_refused("[1]", 3, "not a JSON object");
	expect_text_refused("{\"format\":1} x", 14, "not JSON");
	expect_text_refused("{\"version\":1,\"version\":1}", 25, "not JSON");
	expect_text_refused(nul, strlen(nul), "not JSON");
	text = malloc(big);
	assert_non_null(text);
	memset(text, ' ', big);
	expect_text_refused(text, big, "larger than");
	free(text);
}

static void
test_label_start_wal_file(void **state)
{
	char wal[PG_WAL_FILE_LEN + 1];
	struct vss_error err = {0};

	(void)state;
	assert_int_equal(pg_label_start_wal_file(LABEL, wal, &err), 0);
	assert_string_equal(wal, "000000010000000000000002");
	assert_int_equal(pg_label_start_wal_file(
				 "LABEL: x\nSTART WAL LOCATION: 1F/A0 (file "
				 "000000020000001F00000000)\n",
				 wal, &err),
			 0);
	assert_string_equal(wal, "000000020000001F00000000");
	assert_int_equal(pg_label_start_wal_file(
				 "START WAL LOCATION: 0/2 (file "
				 "00000001000000000000000a)\n",
				 wal, &err),
			 -EBADMSG);
	assert_int_equal(pg_label_start_wal_file("START WAL LOCATION: 0/2\n",
						 wal, &err),
			 -EBADMSG);
	assert_int_equal(pg_label_start_wal_file("", wal, &err), -EBADMSG);
}

static void
test_lsn(void **state)
{
	(void)state;
	assert_true(pg_label_is_lsn("0/0"));
	assert_true(pg_label_is_lsn("FFFFFFFF/FFFFFFFF"));
	assert_false(pg_label_is_lsn("1FFFFFFFF/0"));
	assert_false(pg_label_is_lsn("0/"));
	assert_false(pg_label_is_lsn("/0"));
	assert_false(pg_label_is_lsn("0/a"));
	assert_false(pg_label_is_lsn("0/1 "));
}

static void
test_spcmap(void **state)
{
	/* PostgreSQL escapes a newline in a path (the metadata refuses
	 * such a location, the map's reader still takes it). */
	static const char map[] =
		"16384 /srv/ts1\n16385 /srv/odd\\\nname\\\\x\n";
	struct pg_spcmap m;
	struct vss_error err = {0};
	char *text;

	(void)state;
	assert_int_equal(pg_spcmap_parse(map, &m, &err), 0);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.entries[0].oid, 16384);
	assert_string_equal(m.entries[0].path, "/srv/ts1");
	assert_string_equal(m.entries[1].path, "/srv/odd\nname\\x");
	assert_int_equal(pg_spcmap_format(&m, &text), 0);
	assert_string_equal(text, map);
	free(text);
	pg_spcmap_release(&m);

	assert_int_equal(pg_spcmap_parse("", &m, &err), 0);
	assert_int_equal(m.count, 0);
	assert_int_equal(pg_spcmap_format(&m, &text), 0);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(pg_spcmap_parse("1 /a\r\n", &m, &err), 0);
	assert_string_equal(m.entries[0].path, "/a");
	pg_spcmap_release(&m);

	static const char *const bad[] = {
		"16384 /srv/ts1",     /* no line end */
		"0 /srv/ts1\n",       /* oid 0 */
		"4294967296 /a\n",    /* oid too large */
		"16384 srv\n",        /* relative */
		"16384 \n",           /* no path */
		"x /a\n",             /* no oid */
		"16384\t/a\n",        /* not a space */
		"1 /a\n1 /b\n",       /* oid twice */
		"1 /a\\",             /* escape at the end */
		"1 /a\rb\n",          /* lone carriage return */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		m.entries = NULL;
		if (pg_spcmap_parse(bad[i], &m, &err) != -EBADMSG)
			fail_msg("map '%s' was taken", bad[i]);
		assert_null(m.entries);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_no_tablespaces),
		cmocka_unit_test(test_refuses_each_missing_key),
		cmocka_unit_test(test_refuses_bad_values),
		cmocka_unit_test(test_refuses_bad_tablespaces),
		cmocka_unit_test(test_refuses_bad_documents),
		cmocka_unit_test(test_label_start_wal_file),
		cmocka_unit_test(test_lsn),
		cmocka_unit_test(test_spcmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
