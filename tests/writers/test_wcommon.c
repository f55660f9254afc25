/*
 * tests/writers/test_wcommon.c - the helpers the database writers share
 * (writers/common/cleanpath.c, durable.c, newtarget.c, dbwriter.c): clean
 * paths, the durable file write in a real temporary directory (a planted
 * link is not followed), new targets, the default restore policy.
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
#include <sys/stat.h>
#include <unistd.h>

#include "cleanpath.h"
#include "dbwriter.h"
#include "durable.h"
#include "newtarget.h"

static void
test_clean(void **state)
{
	static const char *const good[] = {
		"/", "/a", "/var/lib/mysql", "/a/.b", "/a/b..", "/a/...",
	};
	static const char *const bad[] = {
		"", "a", "a/b", "//", "/a/", "/a//b", "/.", "/..", "/a/./b",
		"/a/../b", "/a/..", "/a\nb", "/a\x7f",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(wpath_clean(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("bad: %s\n", bad[i]);
		assert_false(wpath_clean(bad[i]));
	}
}

static void
test_within_same(void **state)
{
	(void)state;
	assert_true(wpath_within("/a/b", "/a"));
	assert_true(wpath_within("/a", "/a"));
	assert_true(wpath_within("/x", "/"));
	assert_false(wpath_within("/ab", "/a"));
	assert_false(wpath_within("/b", "/a"));
	assert_true(wpath_same_dir("/srv/db/", "/srv/db"));
	assert_true(wpath_same_dir("/srv/db", "/srv/db"));
	assert_true(wpath_same_dir("/", "/"));
	assert_false(wpath_same_dir("/srv/db2", "/srv/db"));
	assert_false(wpath_same_dir("/srv", "/srv/db"));
}

static void
test_split(void **state)
{
	char *dir = NULL, *name = NULL;

	(void)state;
	assert_int_equal(wpath_split("/a/b/c.db", &dir, &name), 0);
	assert_string_equal(dir, "/a/b");
	assert_string_equal(name, "c.db");
	free(dir);
	free(name);
	assert_int_equal(wpath_split("/c.db", &dir, &name), 0);
	assert_string_equal(dir, "/");
	assert_string_equal(name, "c.db");
	free(dir);
	free(name);
	dir = name = NULL;
	assert_int_equal(wpath_split("/", &dir, &name), -EINVAL);
	assert_int_equal(wpath_split("rel/x", &dir, &name), -EINVAL);
	assert_null(dir);
	assert_null(name);
}

static void
read_back(int dfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static void
test_durable(void **state)
{
	char dir[] = "/tmp/vss-wcommon-XXXXXX", buf[64], path[128];
	struct stat st;
	int dfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);

	assert_int_equal(wdurable_write(dfd, "f", "one\n", 4, getuid(),
					getgid(), 0640),
			 0);
	read_back(dfd, "f", buf, sizeof(buf));
	assert_string_equal(buf, "one\n");
	assert_int_equal(fstatat(dfd, "f", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* A temporary file left over, and one that is a link planted to a
	 * file outside: neither is followed nor written through. */
	snprintf(path, sizeof(path), "%s/outside", dir);
	assert_int_equal(symlinkat(path, dfd, ".f.vss-tmp"), 0);
	assert_int_equal(wdurable_write(dfd, "f", "two\n", 4, getuid(),
					getgid(), 0600),
			 0);
	read_back(dfd, "f", buf, sizeof(buf));
	assert_string_equal(buf, "two\n");
	assert_int_equal(fstatat(dfd, "outside", &st, AT_SYMLINK_NOFOLLOW),
			 -1);
	assert_int_equal(fstatat(dfd, ".f.vss-tmp", &st, AT_SYMLINK_NOFOLLOW),
			 -1);

	assert_int_equal(wdurable_write(dfd, "a/b", "x", 1, getuid(),
					getgid(), 0600),
			 -EINVAL);
	assert_int_equal(wdurable_write(dfd, "..", "x", 1, getuid(),
					getgid(), 0600),
			 -EINVAL);
	assert_int_equal(unlinkat(dfd, "f", 0), 0);
	close(dfd);
	assert_int_equal(rmdir(dir), 0);
}

static vss_bcd_writer *
writer_with_targets(vss_bcd **ret_bcd, const char *const *pairs, size_t n)
{
	vss_id class_id = { { 1 } }, inst = { { 0 } };
	vss_bcd_writer *w;
	vss_bcd_component *c;

	assert_int_equal(vss_bcd_new(ret_bcd), 0);
	assert_int_equal(vss_bcd_add_writer(*ret_bcd, &class_id, &inst, "w",
					    0, &w),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(w, VSS_CT_FILEGROUP,
						      NULL, "one", &c),
			 0);
	for (size_t i = 0; i < n; i += 2) {
		if (i == 2)
			assert_int_equal(vss_bcd_writer_add_component(
						 w, VSS_CT_FILEGROUP, "one",
						 "two", &c),
					 0);
		assert_int_equal(vss_bcd_component_add_new_target(
					 c, pairs[i], "*", true, pairs[i + 1]),
				 0);
	}
	return w;
}

static void
test_targets(void **state)
{
	static const char *const pairs[] = {
		"/srv/db/", "/new/db", "/srv/wal", "/new/wal",
	};
	struct wtargets t = { 0 };
	struct vss_error err = { 0 };
	vss_bcd *bcd;
	vss_bcd_writer *w = writer_with_targets(&bcd, pairs, 4);

	(void)state;
	assert_int_equal(wtargets_add_writer(&t, w, &err), 0);
	assert_int_equal(t.count, 2);
	assert_string_equal(wtargets_find(&t, "/srv/db"), "/new/db");
	assert_string_equal(wtargets_find(&t, "/srv/wal"), "/new/wal");
	assert_string_equal(wtargets_find(&t, "/srv/other"), "/srv/other");
	wtargets_release(&t);
	assert_int_equal(t.count, 0);
	assert_int_equal(wtargets_add_component(&t, NULL, &err), 0);
	vss_bcd_free(bcd);
}

static void
test_targets_unclean(void **state)
{
	static const char *const pairs[] = { "/srv/db", "/new/../etc" };
	struct wtargets t = { 0 };
	struct vss_error err = { 0 };
	vss_bcd *bcd;
	vss_bcd_writer *w = writer_with_targets(&bcd, pairs, 2);

	(void)state;
	assert_int_equal(wtargets_add_writer(&t, w, &err), -EINVAL);
	assert_int_equal(t.count, 0);
	assert_non_null(strstr(err.message, "'/new/../etc'"));
	assert_non_null(strstr(err.message, "not a clean absolute path"));
	wtargets_release(&t);
	vss_bcd_free(bcd);
}

static void
test_db_policy(void **state)
{
	struct wdecl d = { 0 };

	(void)state;
	assert_int_equal(wdb_restore_defaults(&d, NULL), 0);
	assert_int_equal(d.backup_schema,
			 VSS_BS_COPY | VSS_BS_WRITER_SUPPORTS_NEW_TARGET);
	assert_true(d.has_restore_method);
	assert_int_equal(d.restore_method, VSS_RME_RESTORE_IF_CAN_REPLACE);
	assert_int_equal(d.writer_restore, VSS_WRE_ALWAYS);
	assert_null(d.restore_service);

	memset(&d, 0, sizeof(d));
	d.backup_schema = VSS_BS_COPY;
	assert_int_equal(wdb_restore_defaults(&d, "mariadb.service"), 0);
	assert_int_equal(d.backup_schema, VSS_BS_COPY);
	assert_int_equal(d.restore_method, VSS_RME_STOP_RESTORE_START);
	assert_string_equal(d.restore_service, "mariadb.service");
	free(d.restore_service);

	/* A restore method from the file is kept. */
	memset(&d, 0, sizeof(d));
	d.has_restore_method = true;
	d.restore_method = VSS_RME_RESTORE_IF_NOT_THERE;
	d.writer_restore = VSS_WRE_NEVER;
	assert_int_equal(wdb_restore_defaults(&d, "x.service"), 0);
	assert_int_equal(d.restore_method, VSS_RME_RESTORE_IF_NOT_THERE);
	assert_int_equal(d.writer_restore, VSS_WRE_NEVER);
	assert_null(d.restore_service);

	assert_true(wdb_backup_type_ok(VSS_BT_FULL));
	assert_true(wdb_backup_type_ok(VSS_BT_COPY));
	assert_true(wdb_backup_type_ok(VSS_BT_UNDEFINED));
	assert_false(wdb_backup_type_ok(VSS_BT_INCREMENTAL));
	assert_false(wdb_backup_type_ok(VSS_BT_DIFFERENTIAL));
	assert_false(wdb_backup_type_ok(VSS_BT_LOG));
	assert_false(wdb_backup_type_ok(VSS_BT_OTHER));

	memset(&d, 0, sizeof(d));
	assert_int_equal(wdb_freeze_window_ms(&d), WDB_DEFAULT_FREEZE_MS);
	assert_int_equal(wdb_lock_wait_ms(&d, 5000), 5000);
	assert_int_equal(wdb_lock_wait_ms(&d, 100000), 30000);
	d.freeze_timeout_ms = 1000;
	/* Never more than half the window, however small. */
	assert_int_equal(wdb_lock_wait_ms(&d, 5000), 500);
	d.freeze_timeout_ms = 1;
	assert_int_equal(wdb_lock_wait_ms(&d, 5000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_within_same),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_durable),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_targets_unclean),
		cmocka_unit_test(test_db_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
