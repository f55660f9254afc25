/*
 * tests/writers/test_mdb_layout.c - the MariaDB writer's pure parts that
 * need no server: resolving the server's directory variables, the
 * component and excludes built from them (writers/mariadb/mdb_layout.c),
 * and the choice between BACKUP STAGE and FTWRL (mdb_stage.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vss/metadata.h>

#include "cleanpath.h"
#include "mdb_layout.h"
#include "mdb_stage.h"

/* A mdb_paths as the server reports it (copies, as the query makes). */
static struct mdb_paths
reported(const char *datadir, const char *data_home, const char *log_home,
	 const char *undo, const char *binlog, const char *pid,
	 const char *sock)
{
	struct mdb_paths p = {
		.version = strdup("10.11.6-MariaDB"),
		.datadir = datadir ? strdup(datadir) : NULL,
		.innodb_data_home_dir = data_home ? strdup(data_home) : NULL,
		.innodb_log_group_home_dir = log_home ? strdup(log_home) : NULL,
		.innodb_undo_directory = undo ? strdup(undo) : NULL,
		.log_bin_basename = binlog ? strdup(binlog) : NULL,
		.pid_file = pid ? strdup(pid) : NULL,
		.socket = sock ? strdup(sock) : NULL,
	};
	return p;
}

/* Debian's defaults: everything in the data directory. */
static void
test_resolve_defaults(void **state)
{
	struct mdb_paths p = reported("/var/lib/mysql/", "", "./", "./",
				      NULL, "/run/mysqld/mysqld.pid",
				      "/run/mysqld/mysqld.sock");
	struct vss_error err = { 0 };

	assert_int_equal(mdb_layout_resolve(&p, &err), 0);
	assert_string_equal(p.datadir, "/var/lib/mysql");
	assert_string_equal(p.innodb_data_home_dir, "/var/lib/mysql");
	assert_string_equal(p.innodb_log_group_home_dir, "/var/lib/mysql");
	assert_string_equal(p.innodb_undo_directory, "/var/lib/mysql");
	assert_null(p.log_bin_basename);
	assert_string_equal(p.pid_file, "/run/mysqld/mysqld.pid");
	mdb_paths_release(&p);
}

static void
test_resolve_relative(void **state)
{
	struct mdb_paths p = reported("/data//db/", NULL, "../redo/", "undo",
				      "./binlogs/./mysql-bin", "host.pid",
				      NULL);
	struct vss_error err = { 0 };

	assert_int_equal(mdb_layout_resolve(&p, &err), 0);
	assert_string_equal(p.datadir, "/data/db");
	assert_string_equal(p.innodb_data_home_dir, "/data/db");
	assert_string_equal(p.innodb_log_group_home_dir, "/data/redo");
	assert_string_equal(p.innodb_undo_directory, "/data/db/undo");
	assert_string_equal(p.log_bin_basename, "/data/db/binlogs/mysql-bin");
	assert_string_equal(p.pid_file, "/data/db/host.pid");
	assert_null(p.socket);
	mdb_paths_release(&p);
}

static void
test_resolve_refuses_relative_datadir(void **state)
{
	struct mdb_paths p = reported("var/lib/mysql", "", "./", "./", NULL,
				      NULL, NULL);
	struct vss_error err = { 0 };

	assert_int_equal(mdb_layout_resolve(&p, &err), -EINVAL);
	assert_non_null(strstr(err.message, "not absolute"));
	mdb_paths_release(&p);
}

static void
test_within(void **state)
{
	assert_true(wpath_within("/var/lib/mysql", "/var/lib/mysql"));
	assert_true(wpath_within("/var/lib/mysql/x", "/var/lib/mysql"));
	assert_false(wpath_within("/var/lib/mysql2", "/var/lib/mysql"));
	assert_false(wpath_within("/var/lib", "/var/lib/mysql"));
	assert_true(wpath_within("/anything", "/"));
}

static vss_wmd *
new_wmd(void)
{
	const struct vss_writer_identity id = {
		.friendly_name = "MariaDB",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_TRANSACTEDDB,
	};
	vss_wmd *wmd = NULL;

	assert_int_equal(vss_wmd_new(&wmd, &id), 0);
	return wmd;
}

static bool
has_file(const struct vss_file_desc *f, size_t n, const char *path,
	 const char *spec, bool recursive)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].path, path) == 0 &&
		    strcmp(f[i].filespec, spec) == 0 &&
		    f[i].recursive == recursive)
			return true;
	return false;
}

static bool
has_exclude(const vss_wmd *wmd, const char *path, const char *spec)
{
	for (size_t i = 0; i < vss_wmd_exclude_files_count(wmd); i++) {
		const struct vss_file_desc *f = vss_wmd_exclude_files(wmd, i);

		if (strcmp(f->path, path) == 0 &&
		    strcmp(f->filespec, spec) == 0 && !f->recursive)
			return true;
	}
	return false;
}

/* All inside the data directory: one recursive file set. */
static void
test_fill_inside(void **state)
{
	struct mdb_paths p = reported("/var/lib/mysql", "", "./", "./",
				      "/var/lib/mysql/mysql-bin",
				      "/run/mysqld/mysqld.pid",
				      "/run/mysqld/mysqld.sock");
	struct vss_error err = { 0 };
	vss_wmd *wmd = new_wmd();

	assert_int_equal(mdb_layout_resolve(&p, &err), 0);
	assert_int_equal(mdb_layout_fill_wmd(&p, wmd, &err), 0);

	const struct vss_wm_component *c =
		vss_wmd_find_component(wmd, NULL, "server");

	assert_non_null(c);
	assert_int_equal(c->def.type, VSS_CT_FILEGROUP);
	assert_true(c->def.selectable);
	assert_int_equal(c->file_count, 1);
	assert_true(has_file(c->files, c->file_count, "/var/lib/mysql", "*",
			     true));
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 3);
	assert_true(has_exclude(wmd, "/run/mysqld", "mysqld.pid"));
	assert_true(has_exclude(wmd, "/run/mysqld", "mysqld.sock"));
	assert_true(has_exclude(wmd, "/var/lib/mysql", "*.sock"));
	vss_wmd_free(wmd);
	mdb_paths_release(&p);
}

/* InnoDB and binary logs elsewhere: their own file sets, once each. */
static void
test_fill_outside(void **state)
{
	struct mdb_paths p = reported("/db/data", "/db/innodb", "/db/innodb",
				      "/db/undo", "/db/binlog/bin", NULL,
				      NULL);
	struct vss_error err = { 0 };
	vss_wmd *wmd = new_wmd();

	assert_int_equal(mdb_layout_resolve(&p, &err), 0);
	assert_int_equal(mdb_layout_fill_wmd(&p, wmd, &err), 0);

	const struct vss_wm_component *c =
		vss_wmd_find_component(wmd, NULL, "server");

	assert_non_null(c);
	assert_int_equal(c->file_count, 4);
	assert_true(has_file(c->files, c->file_count, "/db/data", "*", true));
	assert_true(has_file(c->files, c->file_count, "/db/innodb", "*",
			     false));
	assert_true(has_file(c->files, c->file_count, "/db/undo", "undo*",
			     false));
	assert_true(has_file(c->files, c->file_count, "/db/binlog", "bin.*",
			     false));
	/* No pid file, no socket: only the data directory's sockets. */
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 1);
	assert_true(has_exclude(wmd, "/db/data", "*.sock"));
	vss_wmd_free(wmd);
	mdb_paths_release(&p);
}

static void
test_stage_choose(void **state)
{
	assert_int_equal(mdb_stage_choose("10.11.6-MariaDB-0+deb12u1", 101106),
			 MDB_LOCK_BACKUP_STAGE);
	assert_int_equal(mdb_stage_choose("10.4.1-MariaDB", 100401),
			 MDB_LOCK_BACKUP_STAGE);
	assert_int_equal(mdb_stage_choose("10.3.39-MariaDB", 100339),
			 MDB_LOCK_FTWRL);
	assert_int_equal(mdb_stage_choose("8.0.36", 80036), MDB_LOCK_FTWRL);
	assert_int_equal(mdb_stage_choose(NULL, 110000), MDB_LOCK_FTWRL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_defaults),
		cmocka_unit_test(test_resolve_relative),
		cmocka_unit_test(test_resolve_refuses_relative_datadir),
		cmocka_unit_test(test_within),
		cmocka_unit_test(test_fill_inside),
		cmocka_unit_test(test_fill_outside),
		cmocka_unit_test(test_stage_choose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
