/*
 * tests/writers/test_mdb_meta.c - the MariaDB writer's backup metadata
 * (writers/mariadb/mdb_meta.c): what the encoder writes the decoder reads
 * back, and the decoder refuses every document that is not exactly ours.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdb_meta.h"

static struct mdb_meta
sample(void)
{
	return (struct mdb_meta){
		.server_version = "10.11.6-MariaDB-0+deb12u1",
		.datadir = "/var/lib/mysql",
		.pid_file = "/run/mysqld/mysqld.pid",
		.innodb_data_home_dir = "/var/lib/mysql",
		.innodb_log_group_home_dir = "/srv/redo",
		.binlog_file = "mysql-bin.000003",
		.binlog_position = 1234567,
		.gtid_binlog_pos = "0-1-42,1-2-7",
		.lock = MDB_LOCK_BACKUP_STAGE,
	};
}

static void
test_roundtrip(void **state)
{
	struct mdb_meta in = sample(), out;
	struct vss_error err = { 0 };
	char *json = NULL;

	for (int lock = 0; lock < 2; lock++) {
		in.lock = lock == 0 ? MDB_LOCK_BACKUP_STAGE : MDB_LOCK_FTWRL;
		assert_int_equal(mdb_meta_encode(&in, &json, &err), 0);
		assert_non_null(strstr(json, "\"format\":\"vss-mariadb-backup\""));
		assert_int_equal(mdb_meta_decode(json, strlen(json), &out, &err),
				 0);
		assert_string_equal(out.server_version, in.server_version);
		assert_string_equal(out.datadir, in.datadir);
		assert_string_equal(out.pid_file, in.pid_file);
		assert_string_equal(out.innodb_data_home_dir,
				    in.innodb_data_home_dir);
		assert_string_equal(out.innodb_log_group_home_dir,
				    in.innodb_log_group_home_dir);
		assert_string_equal(out.binlog_file, in.binlog_file);
		assert_int_equal(out.binlog_position, in.binlog_position);
		assert_string_equal(out.gtid_binlog_pos, in.gtid_binlog_pos);
		assert_int_equal(out.lock, in.lock);
		assert_string_equal(mdb_lock_name(out.lock),
				    lock == 0 ? "backup_stage" : "ftwrl");
		mdb_meta_release(&out);
		free(json);
	}
}

/* A server without binary log and without pid file. */
static void
test_roundtrip_no_binlog(void **state)
{
	struct mdb_meta in = sample(), out;
	struct vss_error err = { 0 };
	char *json = NULL;

	in.binlog_file = "";
	in.binlog_position = 0;
	in.gtid_binlog_pos = "";
	in.pid_file = "";
	assert_int_equal(mdb_meta_encode(&in, &json, &err), 0);
	assert_int_equal(mdb_meta_decode(json, strlen(json), &out, &err), 0);
	assert_string_equal(out.binlog_file, "");
	assert_string_equal(out.pid_file, "");
	assert_string_equal(out.gtid_binlog_pos, "");
	mdb_meta_release(&out);
	free(json);
}

/* The encoder refuses what the decoder would. */
static void
test_encode_refuses(void **state)
{
	struct vss_error err = { 0 };
	char *json = NULL;
	struct mdb_meta m = sample();

	m.datadir = "var/lib/mysql";
	assert_int_equal(mdb_meta_encode(&m, &json, &err), -EINVAL);
	assert_non_null(strstr(err.message, "datadir"));
	m = sample();
	m.binlog_file = "../x";
	assert_int_equal(mdb_meta_encode(&m, &json, &err), -EINVAL);
	assert_non_null(strstr(err.message, "binlog_file"));
	m = sample();
	m.binlog_position = (uint64_t)INT64_MAX + 1;
	assert_int_equal(mdb_meta_encode(&m, &json, &err), -EINVAL);
	assert_null(json);
}

#define GOOD_TAIL                                                          \
	"\"server_version\":\"10.11\",\"datadir\":\"/d\",\"pid_file\":\"\","  \
	"\"innodb_data_home_dir\":\"/d\",\"innodb_log_group_home_dir\":\"/d\"," \
	"\"binlog_file\":\"b.000001\",\"binlog_position\":4,"                 \
	"\"gtid_binlog_pos\":\"0-1-1\",\"lock\":\"ftwrl\""
#define HEAD "\"format\":\"vss-mariadb-backup\",\"version\":1,"

static void
test_decode_good_literal(void **state)
{
	static const char doc[] = "{" HEAD GOOD_TAIL "}";
	struct vss_error err = { 0 };
	struct mdb_meta m;

	assert_int_equal(mdb_meta_decode(doc, strlen(doc), &m, &err), 0);
	assert_int_equal(m.binlog_position, 4);
	assert_int_equal(m.lock, MDB_LOCK_FTWRL);
	mdb_meta_release(&m);
}

static void
test_decode_refuses(void **state)
{
	static const struct {
		const char *doc, *want;
	} bad[] = {
		{ "", "not JSON" },
		{ "[1]", "not a JSON object" },
		{ "{" HEAD GOOD_TAIL ",\"extra\":1}", "unknown key" },
		{ "{" HEAD GOOD_TAIL ",\"lock\":\"ftwrl\"}", "not JSON" },
		{ "{\"format\":\"vss-postgresql-backup\",\"version\":1,"
		  GOOD_TAIL "}", "format" },
		{ "{\"format\":\"vss-mariadb-backup\",\"version\":2," GOOD_TAIL
		  "}", "version" },
		{ "{\"format\":\"vss-mariadb-backup\",\"version\":\"1\","
		  GOOD_TAIL "}", "version" },
		{ "{" HEAD "\"server_version\":\"10.11\"}", "keys present" },
		{ "{" HEAD "\"server_version\":\"10.11\",\"datadir\":\"/d\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":-1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "binlog_position" },
		{ "{" HEAD "\"server_version\":\"10.11\",\"datadir\":\"/d/../etc\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "datadir" },
		{ "{" HEAD "\"server_version\":\"10.11\",\"datadir\":\"/d/\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "datadir" },
		{ "{" HEAD "\"server_version\":\"10.11\",\"datadir\":\"/d\","
		  "\"pid_file\":\"run/x.pid\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "pid_file" },
		{ "{" HEAD "\"server_version\":\"10.11\",\"datadir\":\"/d\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "innodb_log_group_home_dir" },
		{ "{" HEAD "\"server_version\":\"10.11\",\"datadir\":\"/d\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"a/b\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "binlog_file" },
		{ "{" HEAD "\"server_version\":\"10.11\",\"datadir\":\"/d\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"\","
		  "\"binlog_position\":9,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "without binlog_file" },
		{ "{" HEAD "\"server_version\":\"10.11\",\"datadir\":\"/d\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"0-1-1;rm\","
		  "\"lock\":\"ftwrl\"}", "gtid" },
		{ "{" HEAD "\"server_version\":\"10.11\",\"datadir\":\"/d\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"none\"}", "lock" },
		{ "{" HEAD "\"server_version\":\"\",\"datadir\":\"/d\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "server_version" },
		{ "{" HEAD "\"server_version\":7,\"datadir\":\"/d\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "not a string" },
		{ "{" HEAD "\"server_version\":\"10\",\"datadir\":\"/d\\u0000x\","
		  "\"pid_file\":\"\",\"innodb_data_home_dir\":\"/d\","
		  "\"innodb_log_group_home_dir\":\"/d\",\"binlog_file\":\"b.1\","
		  "\"binlog_position\":1,\"gtid_binlog_pos\":\"\","
		  "\"lock\":\"ftwrl\"}", "not JSON" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vss_error err = { 0 };
		struct mdb_meta m = { .datadir = (char *)"untouched" };

		if (mdb_meta_decode(bad[i].doc, strlen(bad[i].doc), &m,
				    &err) != -EINVAL ||
		    strstr(err.message, bad[i].want) == NULL)
			fail_msg("case %zu: want -EINVAL with \"%s\", got "
				 "\"%s\"",
				 i, bad[i].want, err.message);
		assert_string_equal(m.datadir, "untouched");
	}
}

static void
test_decode_too_large(void **state)
{
	size_t len = MDB_META_MAX + 1;
	char *doc = malloc(len);
	struct vss_error err = { 0 };
	struct mdb_meta m;

	assert_non_null(doc);
	memset(doc, ' ', len);
	assert_int_equal(mdb_meta_decode(doc, len, &m, &err), -EINVAL);
	assert_non_null(strstr(err.message, "larger than"));
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_no_binlog),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_good_literal),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_decode_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
