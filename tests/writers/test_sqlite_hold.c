/*
 * tests/writers/test_sqlite_hold.c - the SQLite writer's hold on its
 * databases (writers/sqlite/sqlite_hold.c), with real databases in a
 * temporary directory: between freeze and thaw no other connection can
 * write but all can read; the WAL is checkpointed at open; freeze is all
 * or none.
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
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sqlite_hold.h"

struct dir {
	char path[64];
	char db[2][96];
};

static int
setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	strcpy(d->path, "/tmp/vss-sqlite-hold-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	for (int i = 0; i < 2; i++)
		snprintf(d->db[i], sizeof(d->db[i]), "%s/db%d.sqlite",
			 d->path, i);
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const suffixes[] = {"", "-wal", "-shm",
					       "-journal"};
	struct dir *d = *state;
	char file[128];

	for (int i = 0; i < 2; i++)
		for (size_t j = 0; j < 4; j++) {
			snprintf(file, sizeof(file), "%s%s", d->db[i],
				 suffixes[j]);
			unlink(file);
		}
	rmdir(d->path);
	free(d);
	return 0;
}

/* A connection of "another application"; busy timeout 0: never waits. */
static sqlite3 *
other(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db,
					 SQLITE_OPEN_READWRITE |
						 SQLITE_OPEN_CREATE,
					 NULL),
			 SQLITE_OK);
	sqlite3_busy_timeout(db, 0);
	return db;
}

static int
exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* A database at path with a table t in journal mode mode. */
static void
make_db(const char *path, const char *mode)
{
	char sql[128];
	sqlite3 *db = other(path);

	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", mode);
	assert_int_equal(exec(db, sql), SQLITE_OK);
	assert_int_equal(exec(db, "CREATE TABLE t(x INTEGER)"), SQLITE_OK);
	assert_int_equal(exec(db, "INSERT INTO t VALUES (1)"), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* SELECT count(*) FROM t on db, which must succeed. */
static int
count_rows(sqlite3 *db)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1,
					    &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static off_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Between freeze and thaw another connection reads but cannot write. */
static void
check_freeze_blocks_writers(const char *path, const char *mode)
{
	struct vss_error err = {0};
	struct sqlite_hold h;
	sqlite3 *o;

	make_db(path, mode);
	sqlite_hold_init(&h, path);
	assert_int_equal(sqlite_hold_open(&h, 1, 1000, &err), 0);
	assert_int_equal(h.wal, strcmp(mode, "wal") == 0);
	o = other(path);

	assert_int_equal(sqlite_hold_freeze(&h, 1, 1000, &err), 0);
	assert_true(h.locked);
	assert_int_equal(exec(o, "INSERT INTO t VALUES (2)"), SQLITE_BUSY);
	assert_int_equal(exec(o, "BEGIN IMMEDIATE"), SQLITE_BUSY);
	assert_int_equal(count_rows(o), 1);

	assert_int_equal(sqlite_hold_thaw(&h, 1, &err), 0);
	assert_false(h.locked);
	assert_int_equal(exec(o, "INSERT INTO t VALUES (2)"), SQLITE_OK);
	assert_int_equal(count_rows(o), 2);

	/* A second freeze after the thaw takes the lock again. */
	assert_int_equal(sqlite_hold_freeze(&h, 1, 1000, &err), 0);
	assert_int_equal(exec(o, "INSERT INTO t VALUES (3)"), SQLITE_BUSY);
	sqlite_hold_close(&h, 1);
	assert_null(h.conn);
	assert_int_equal(exec(o, "INSERT INTO t VALUES (3)"), SQLITE_OK);
	assert_int_equal(sqlite3_close(o), SQLITE_OK);
}

static void
test_freeze_wal(void **state)
{
	struct dir *d = *state;

	check_freeze_blocks_writers(d->db[0], "wal");
}

static void
test_freeze_rollback_journal(void **state)
{
	struct dir *d = *state;

	check_freeze_blocks_writers(d->db[0], "delete");
}

/* Opening checkpoints the WAL: the -wal is empty afterwards. */
static void
test_checkpoint_truncates_wal(void **state)
{
	struct dir *d = *state;
	struct vss_error err = {0};
	struct sqlite_hold h;
	char wal[128];
	sqlite3 *o;

	make_db(d->db[0], "wal");
	snprintf(wal, sizeof(wal), "%s-wal", d->db[0]);
	/* Kept open: the last connection closing would checkpoint. */
	o = other(d->db[0]);
	assert_int_equal(exec(o, "PRAGMA wal_autocheckpoint=0"), SQLITE_OK);
	for (int i = 0; i < 100; i++)
		assert_int_equal(exec(o, "INSERT INTO t VALUES (randomblob(1000))"),
				 SQLITE_OK);
	assert_true(file_size(wal) > 100 * 1000);

	sqlite_hold_init(&h, d->db[0]);
	assert_int_equal(sqlite_hold_open(&h, 1, 1000, &err), 0);
	assert_int_equal(file_size(wal), 0);
	sqlite_hold_close(&h, 1);
	assert_int_equal(count_rows(o), 101);
	assert_int_equal(sqlite3_close(o), SQLITE_OK);
}

/*
 * Two databases, the second locked by another connection: freeze fails
 * naming it and leaves the first unlocked; once the other lets go, both
 * are taken.
 */
static void
test_freeze_all_or_none(void **state)
{
	struct dir *d = *state;
	struct vss_error err = {0};
	struct sqlite_hold h[2];
	sqlite3 *o0, *o1;

	make_db(d->db[0], "wal");
	make_db(d->db[1], "delete");
	for (int i = 0; i < 2; i++)
		sqlite_hold_init(&h[i], d->db[i]);
	assert_int_equal(sqlite_hold_open(h, 2, 100, &err), 0);
	o0 = other(d->db[0]);
	o1 = other(d->db[1]);
	assert_int_equal(exec(o1, "BEGIN IMMEDIATE"), SQLITE_OK);

	assert_int_equal(sqlite_hold_freeze(h, 2, 100, &err), -EBUSY);
	assert_non_null(strstr(err.message, d->db[1]));
	assert_false(h[0].locked);
	assert_false(h[1].locked);
	assert_int_equal(exec(o0, "INSERT INTO t VALUES (2)"), SQLITE_OK);

	assert_int_equal(exec(o1, "COMMIT"), SQLITE_OK);
	assert_int_equal(sqlite_hold_freeze(h, 2, 100, &err), 0);
	assert_int_equal(exec(o0, "INSERT INTO t VALUES (3)"), SQLITE_BUSY);
	assert_int_equal(exec(o1, "INSERT INTO t VALUES (3)"), SQLITE_BUSY);
	assert_int_equal(sqlite_hold_thaw(h, 2, &err), 0);
	assert_int_equal(exec(o0, "INSERT INTO t VALUES (3)"), SQLITE_OK);
	assert_int_equal(exec(o1, "INSERT INTO t VALUES (3)"), SQLITE_OK);

	sqlite_hold_close(h, 2);
	assert_int_equal(sqlite3_close(o0), SQLITE_OK);
	assert_int_equal(sqlite3_close(o1), SQLITE_OK);
}

/* A missing database is neither opened nor created; the others close. */
static void
test_open_missing(void **state)
{
	struct dir *d = *state;
	struct vss_error err = {0};
	struct sqlite_hold h[2];

	make_db(d->db[0], "wal");
	for (int i = 0; i < 2; i++)
		sqlite_hold_init(&h[i], d->db[i]);
	assert_int_equal(sqlite_hold_open(h, 2, 100, &err), -ENOENT);
	assert_non_null(strstr(err.message, d->db[1]));
	assert_null(h[0].conn);
	assert_null(h[1].conn);
	assert_int_equal(access(d->db[1], F_OK), -1);
	/* Freeze without open fails cleanly too. */
	assert_int_equal(sqlite_hold_freeze(h, 1, 100, &err), -EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_freeze_wal, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_freeze_rollback_journal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_truncates_wal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze_all_or_none, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_missing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
