/*
 * tests/writers/test_sqlite_restore.c - the SQLite writer's restore steps
 * (writers/sqlite/sqlite_restore.c) on real databases in a temporary
 * directory: the holders check names the process; after a restore that
 * renamed a backup's database into place, the old -wal goes and the
 * restored one stays; a damaged database fails the check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sqlite_restore.h"

struct dir {
	char path[64];
	char db[96];     /* the live database */
	char backup[96]; /* a database as a backup holds it */
};

static void
file_of(char *buf, size_t size, const char *path, const char *suffix)
{
	snprintf(buf, size, "%s%s", path, suffix);
}

static int
setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	strcpy(d->path, "/tmp/vss-sqlite-restore-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->db, sizeof(d->db), "%s/live.db", d->path);
	snprintf(d->backup, sizeof(d->backup), "%s/backup.db", d->path);
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const suffixes[] = {"", "-wal", "-shm",
					       "-journal", ".new"};
	struct dir *d = *state;
	char file[128];

	for (size_t j = 0; j < 5; j++) {
		file_of(file, sizeof(file), d->db, suffixes[j]);
		unlink(file);
		file_of(file, sizeof(file), d->backup, suffixes[j]);
		unlink(file);
	}
	rmdir(d->path);
	free(d);
	return 0;
}

static void
exec(sqlite3 *db, const char *sql)
{
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/*
 * A WAL database at path with rows 1..n in t.  With keep_wal the last
 * connection leaves its -wal (frames not checkpointed) behind, as a
 * crashed application would.
 */
static void
make_db(const char *path, int n, bool keep_wal)
{
	char sql[64];
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	exec(db, "PRAGMA journal_mode=wal");
	exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY)");
	if (keep_wal) {
		exec(db, "PRAGMA wal_autocheckpoint=0");
		assert_int_equal(sqlite3_db_config(db,
						   SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
						   1, NULL),
				 SQLITE_OK);
	}
	for (int i = 1; i <= n; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO t VALUES (%d)", i);
		exec(db, sql);
	}
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int
count_rows(const char *path)
{
	sqlite3_stmt *st;
	sqlite3 *db = NULL;
	int n;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1,
					    &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	return n;
}

/* Copy src to dst as vss restore does: a temporary file renamed. */
static void
restore_file(const char *src, const char *dst)
{
	char tmp[128], buf[4096];
	int in, out;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.new", dst);
	in = open(src, O_RDONLY | O_CLOEXEC);
	assert_true(in >= 0);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
	assert_int_equal(rename(tmp, dst), 0);
}

/* A child named "vss-sqlite-app" holding file open until killed. */
static pid_t
hold_open(const char *file)
{
	int ready[2], fd;
	pid_t pid;
	char c = 'x';

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, "vss-sqlite-app");
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void
stop(pid_t pid)
{
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/* Open files name the process; the -wal counts as the database. */
static void
test_check_unused(void **state)
{
	struct dir *d = *state;
	struct vss_error err = {0};
	char wal[128], expect[64];
	pid_t pid;

	make_db(d->db, 3, true);
	file_of(wal, sizeof(wal), d->db, "-wal");
	assert_int_equal(sqlite_restore_check_unused(d->db, &err), 0);

	pid = hold_open(wal);
	assert_int_equal(sqlite_restore_check_unused(d->db, &err), -EBUSY);
	snprintf(expect, sizeof(expect), "pid %d (vss-sqlite-app)", (int)pid);
	assert_non_null(strstr(err.message, expect));
	assert_non_null(strstr(err.message, wal));
	stop(pid);

	pid = hold_open(d->db);
	assert_int_equal(sqlite_restore_check_unused(d->db, &err), -EBUSY);
	snprintf(expect, sizeof(expect), "pid %d (vss-sqlite-app)", (int)pid);
	assert_non_null(strstr(err.message, expect));
	stop(pid);
	assert_int_equal(sqlite_restore_check_unused(d->db, &err), 0);

	/* A missing database is used by nobody. */
	unlink(wal);
	unlink(d->db);
	assert_int_equal(sqlite_restore_check_unused(d->db, &err), 0);
}

/*
 * The backup held the database without a -wal; the old database left a
 * -wal full of its own frames: it goes, and the restored rows are read.
 */
static void
test_stale_wal_removed(void **state)
{
	struct dir *d = *state;
	struct sqlite_restore_mark mark = {0};
	struct vss_error err = {0};
	char wal[128], shm[128];
	unsigned removed = 0;

	make_db(d->backup, 3, false);
	make_db(d->db, 50, true);
	file_of(wal, sizeof(wal), d->db, "-wal");
	file_of(shm, sizeof(shm), d->db, "-shm");
	assert_int_equal(access(wal, F_OK), 0);

	sqlite_restore_mark(d->db, &mark);
	assert_true(mark.marked);
	assert_true(mark.wal.exists);
	assert_false(mark.journal.exists);
	restore_file(d->backup, d->db);

	assert_int_equal(sqlite_restore_finish(d->db, &mark, &removed, &err),
			 0);
	assert_int_equal(removed & (SQLITE_REMOVED_WAL |
				    SQLITE_REMOVED_JOURNAL),
			 SQLITE_REMOVED_WAL);
	assert_int_equal(access(shm, F_OK), -1);
	assert_int_equal(count_rows(d->db), 3);
}

/* The backup held a -wal of its own: the restore wrote it; it stays. */
static void
test_restored_wal_kept(void **state)
{
	struct dir *d = *state;
	struct sqlite_restore_mark mark = {0};
	struct vss_error err = {0};
	char wal[128], bwal[128];
	unsigned removed = 0;

	make_db(d->backup, 7, true);
	make_db(d->db, 50, true);
	file_of(wal, sizeof(wal), d->db, "-wal");
	file_of(bwal, sizeof(bwal), d->backup, "-wal");

	sqlite_restore_mark(d->db, &mark);
	restore_file(d->backup, d->db);
	restore_file(bwal, wal);

	assert_int_equal(sqlite_restore_finish(d->db, &mark, &removed, &err),
			 0);
	assert_int_equal(removed & SQLITE_REMOVED_WAL, 0);
	assert_int_equal(count_rows(d->db), 7);
}

/* Without a record of before, the side files are left alone. */
static void
test_no_mark_keeps_side_files(void **state)
{
	struct dir *d = *state;
	struct vss_error err = {0};
	unsigned removed = 0;

	make_db(d->db, 5, true);
	assert_int_equal(sqlite_restore_finish(d->db, NULL, &removed, &err),
			 0);
	assert_int_equal(removed & SQLITE_REMOVED_WAL, 0);
	assert_int_equal(count_rows(d->db), 5);
}

/* A damaged or missing database fails with the reason. */
static void
test_check_fails(void **state)
{
	struct dir *d = *state;
	struct vss_error err = {0};
	unsigned removed = 7;
	FILE *f;

	assert_int_equal(sqlite_restore_finish(d->db, NULL, &removed, &err),
			 -EIO);
	assert_non_null(strstr(err.message, d->db));
	assert_int_equal(removed, 7);

	f = fopen(d->db, "we");
	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc('x', f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sqlite_restore_finish(d->db, NULL, &removed, &err),
			 -EIO);
	assert_non_null(strstr(err.message, "quick_check"));
	assert_non_null(strstr(err.message, "not a database"));
}

/*
 * A -wal recorded before the restore whose inode is reused by the file
 * the restore wrote (same device and inode number, new contents): told
 * apart by its change time and size, so it stays.
 */
static void
test_changed_side_file_kept(void **state)
{
	struct dir *d = *state;
	struct sqlite_restore_mark mark = {0};
	struct vss_error err = {0};
	char wal[128];
	unsigned removed = 0;
	FILE *f;

	make_db(d->db, 5, true);
	file_of(wal, sizeof(wal), d->db, "-wal");
	sqlite_restore_mark(d->db, &mark);
	assert_true(mark.wal.exists);
	/* The same inode, rewritten: what a reused inode number looks like
	 * to a device+inode comparison.  Its frames are whole ones, still
	 * valid for this database. */
	f = fopen(wal, "ae");
	assert_non_null(f);
	fputs("trailing bytes", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sqlite_restore_finish(d->db, &mark, &removed, &err),
			 0);
	/* (SQLite itself removes the -wal when the check's connection, the
	 * last one, closes: only what we removed is looked at.) */
	assert_int_equal(removed & SQLITE_REMOVED_WAL, 0);
}

/* A component "live.db" in a fresh document, with new target pairs. */
static vss_bcd_component *
component(vss_bcd **ret_bcd, const char *from, const char *to)
{
	vss_id class_id = {{1}}, inst = {{0}};
	vss_bcd_writer *w;
	vss_bcd_component *c;

	assert_int_equal(vss_bcd_new(ret_bcd), 0);
	assert_int_equal(vss_bcd_add_writer(*ret_bcd, &class_id, &inst, "s",
					    0, &w),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(w, VSS_CT_FILEGROUP,
						      NULL, "live.db", &c),
			 0);
	assert_int_equal(vss_bcd_component_set_file_restore_status(
				 c, VSS_RS_ALL),
			 0);
	if (from)
		assert_int_equal(vss_bcd_component_add_new_target(
					 c, from, "live.db*", false, to),
				 0);
	return c;
}

/*
 * post_restore with no components in the restore (not in component
 * mode): no crash, the side files are left alone (nothing says what was
 * restored), the database is checked.
 */
static void
test_post_no_components(void **state)
{
	struct dir *d = *state;
	struct sqlite_restore_mark mark = {0};
	struct sqlite_post_report rep;
	struct vss_error err = {0};
	char wal[128];

	make_db(d->db, 4, true);
	file_of(wal, sizeof(wal), d->db, "-wal");
	sqlite_restore_mark(d->db, &mark);
	assert_int_equal(sqlite_restore_post(d->db, NULL, &mark, &rep, &err),
			 0);
	assert_int_equal(rep.removed & SQLITE_REMOVED_WAL, 0);
	assert_string_equal(rep.checked, d->db);
	assert_non_null(strstr(rep.notice, "no component"));
	/* Without a mark either. */
	assert_int_equal(sqlite_restore_post(d->db, NULL, NULL, &rep, &err),
			 0);
	assert_int_equal(count_rows(d->db), 4);
}

/* In place, status ALL, marked: the stale -wal goes. */
static void
test_post_in_place(void **state)
{
	struct dir *d = *state;
	struct sqlite_restore_mark mark = {0};
	struct sqlite_post_report rep;
	struct vss_error err = {0};
	vss_bcd *bcd;
	vss_bcd_component *c = component(&bcd, NULL, NULL);

	make_db(d->backup, 3, false);
	make_db(d->db, 50, true);
	sqlite_restore_mark(d->db, &mark);
	restore_file(d->backup, d->db);
	assert_int_equal(sqlite_restore_post(d->db, c, &mark, &rep, &err), 0);
	assert_int_equal(rep.removed & SQLITE_REMOVED_WAL, SQLITE_REMOVED_WAL);
	assert_int_equal(count_rows(d->db), 3);
	/* No record from pre_restore: the side files stay, said so. */
	assert_int_equal(sqlite_restore_post(d->db, c, NULL, &rep, &err), 0);
	assert_non_null(strstr(rep.notice, "no record from pre_restore"));
	vss_bcd_free(bcd);
}

/*
 * Restored to a new target: nothing is removed at the original path (its
 * -wal belongs to the live database), the restored copy is checked; a
 * new target that is not a clean path fails.
 */
static void
test_post_new_target(void **state)
{
	struct dir *d = *state;
	struct sqlite_restore_mark mark = {0};
	struct sqlite_post_report rep;
	struct vss_error err = {0};
	char to[96], moved[128], wal[128], shm[128];
	vss_bcd *bcd;
	vss_bcd_component *c;

	snprintf(to, sizeof(to), "%s/new", d->path);
	assert_int_equal(mkdir(to, 0700), 0);
	snprintf(moved, sizeof(moved), "%s/live.db", to);
	make_db(d->db, 50, true);
	make_db(moved, 6, false);
	file_of(wal, sizeof(wal), d->db, "-wal");
	file_of(shm, sizeof(shm), d->db, "-shm");
	sqlite_restore_mark(d->db, &mark);

	c = component(&bcd, d->path, to);
	assert_int_equal(sqlite_restore_post(d->db, c, &mark, &rep, &err), 0);
	assert_int_equal(rep.removed, 0);
	assert_string_equal(rep.checked, moved);
	assert_int_equal(access(wal, F_OK), 0);
	assert_int_equal(count_rows(d->db), 50);
	vss_bcd_free(bcd);

	/* A new target of another directory: not checked, nothing done. */
	c = component(&bcd, "/elsewhere", to);
	assert_int_equal(sqlite_restore_post(d->db, c, &mark, &rep, &err), 0);
	assert_string_equal(rep.checked, "");
	assert_non_null(strstr(rep.notice, "not checked"));
	vss_bcd_free(bcd);

	c = component(&bcd, d->path, "/tmp/../etc");
	assert_int_equal(sqlite_restore_post(d->db, c, &mark, &rep, &err),
			 -EIO);
	assert_non_null(strstr(err.message, "not a clean absolute path"));
	vss_bcd_free(bcd);
	unlink(moved);
	rmdir(to);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_unused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stale_wal_removed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restored_wal_kept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_mark_keeps_side_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_changed_side_file_kept,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_no_components, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_post_in_place, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_post_new_target, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
