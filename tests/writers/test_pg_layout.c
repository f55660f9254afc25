/*
 * tests/writers/test_pg_layout.c - the PostgreSQL writer's components and
 * excludes (writers/postgresql/pg_layout.c) on a fake data directory in a
 * temporary directory: paths resolved through symbolic links, a WAL
 * directory elsewhere, tablespaces below the cluster, PostgreSQL's
 * documented excludes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/status.h>

#include "pg_layout.h"

struct fake {
	char root[64];
	char data[PATH_MAX];   /* the real data directory */
	char wal[PATH_MAX];    /* the WAL directory pg_wal links to */
	char ts[PATH_MAX];     /* a tablespace location */
	char link[PATH_MAX];   /* a link to the data directory */
};

static void
mkdirs(const char *root, const char *const *dirs)
{
	char p[PATH_MAX];

	for (; *dirs; dirs++) {
		snprintf(p, sizeof(p), "%s/%s", root, *dirs);
		assert_int_equal(mkdir(p, 0700), 0);
	}
}

static int
setup(void **state)
{
	static const char *const dirs[] = {
		"data", "data/base", "data/global", "data/pg_replslot",
		"data/pg_tblspc", "wal", "ts1", NULL,
	};
	struct fake *f = calloc(1, sizeof(*f));
	char p[PATH_MAX + 16];

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/test_pg_layout.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	mkdirs(f->root, dirs);
	snprintf(f->data, sizeof(f->data), "%s/data", f->root);
	snprintf(f->wal, sizeof(f->wal), "%s/wal", f->root);
	snprintf(f->ts, sizeof(f->ts), "%s/ts1", f->root);
	snprintf(f->link, sizeof(f->link), "%s/data-link", f->root);
	snprintf(p, sizeof(p), "%s/pg_wal", f->data);
	assert_int_equal(symlink(f->wal, p), 0);
	assert_int_equal(symlink(f->data, f->link), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fake *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static vss_wmd *
new_wmd(void)
{
	const struct vss_writer_identity id = {
		.friendly_name = "PostgreSQL",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_TRANSACTEDDB,
	};
	vss_wmd *wmd;

	assert_int_equal(vss_wmd_new(&wmd, &id), 0);
	return wmd;
}

/* Is file excluded by one of the WMD's exclude file sets? */
static bool
excluded(const vss_wmd *wmd, const char *dir, const char *rel)
{
	char file[PATH_MAX + 128];

	snprintf(file, sizeof(file), "%s/%s", dir, rel);
	for (size_t i = 0; i < vss_wmd_exclude_files_count(wmd); i++) {
		const struct vss_file_desc *d = vss_wmd_exclude_files(wmd, i);

		if (vss_file_set_contains(d->path, d->filespec, d->recursive,
					  file))
			return true;
	}
	return false;
}

static void
test_resolve_and_components(void **state)
{
	struct fake *f = *state;
	struct pg_layout l = {.server_version = 150004};
	const struct vss_wm_component *c;
	struct vss_error err = {0};
	char ts_link[PATH_MAX + 16];
	vss_wmd *wmd = new_wmd();

	/* The server may name a tablespace through a link too. */
	snprintf(ts_link, sizeof(ts_link), "%s/data-link/../ts1", f->root);
	assert_int_equal(pg_layout_add_tablespace(&l, 16384, "ts1", ts_link),
			 0);
	assert_int_equal(pg_layout_add_tablespace(&l, 16390, "we/ird", f->ts),
			 0);
	assert_int_equal(pg_layout_add_tablespace(&l, 16384, "dup", f->ts),
			 -EINVAL);
	assert_int_equal(pg_layout_add_tablespace(&l, 0, "zero", f->ts),
			 -EINVAL);
	assert_int_equal(pg_layout_resolve(&l, f->link, &err), 0);
	assert_string_equal(l.data_dir, f->data);
	assert_string_equal(l.wal_dir, f->wal);
	assert_string_equal(l.tablespaces[0].location, f->ts);

	assert_int_equal(pg_layout_fill_wmd(&l, wmd, &err), 0);
	assert_int_equal(vss_wmd_component_count(wmd), 3);
	c = vss_wmd_find_component(wmd, NULL, PG_CLUSTER_COMPONENT);
	assert_non_null(c);
	assert_true(c->def.selectable);
	assert_int_equal(c->def.type, VSS_CT_FILEGROUP);
	/* The data directory and the WAL directory that lies outside it. */
	assert_int_equal(c->file_count, 2);
	assert_string_equal(c->files[0].path, f->data);
	assert_string_equal(c->files[0].filespec, "*");
	assert_true(c->files[0].recursive);
	assert_string_equal(c->files[1].path, f->wal);
	c = vss_wmd_find_component(wmd, PG_CLUSTER_COMPONENT, "ts1");
	assert_non_null(c);
	assert_false(c->def.selectable);
	assert_int_equal(c->file_count, 1);
	assert_string_equal(c->files[0].path, f->ts);
	assert_true(c->files[0].recursive);
	/* A name that cannot be a component name: by oid. */
	assert_non_null(vss_wmd_find_component(wmd, PG_CLUSTER_COMPONENT,
					       "tablespace-16390"));
	vss_wmd_free(wmd);
	pg_layout_release(&l);
	pg_layout_release(&l);
}

static void
test_selecting_the_cluster_takes_its_tablespaces(void **state)
{
	struct fake *f = *state;
	struct pg_layout l = {0};
	struct vss_error err = {0};
	const struct vss_component_ref cluster = {NULL, PG_CLUSTER_COMPONENT};
	const struct vss_component_ref ts = {PG_CLUSTER_COMPONENT, "ts1"};
	vss_selection *sel;
	vss_wmd *wmd = new_wmd();

	assert_int_equal(pg_layout_add_tablespace(&l, 16384, "ts1", f->ts), 0);
	assert_int_equal(pg_layout_resolve(&l, f->data, &err), 0);
	assert_int_equal(pg_layout_fill_wmd(&l, wmd, &err), 0);
	assert_int_equal(vss_selection_new(&sel, wmd, &cluster, 1, &err), 0);
	assert_int_equal(vss_selection_included_count(sel), 2);
	vss_selection_free(sel);
	/* A tablespace alone is no backup of anything. */
	assert_int_equal(vss_selection_new(&sel, wmd, &ts, 1, &err), -EINVAL);
	vss_wmd_free(wmd);
	pg_layout_release(&l);
}

static void
test_excludes(void **state)
{
	struct fake *f = *state;
	struct pg_layout l = {0};
	struct vss_error err = {0};
	vss_wmd *wmd = new_wmd();

	assert_int_equal(pg_layout_add_tablespace(&l, 16384, "ts1", f->ts), 0);
	assert_int_equal(pg_layout_resolve(&l, f->data, &err), 0);
	assert_int_equal(pg_layout_fill_wmd(&l, wmd, &err), 0);

	assert_true(excluded(wmd, f->data, "postmaster.pid"));
	assert_true(excluded(wmd, f->data, "postmaster.opts"));
	assert_true(excluded(wmd, f->data, "backup_label"));
	assert_true(excluded(wmd, f->data, "tablespace_map"));
	assert_true(excluded(wmd, f->data, "pg_replslot/slot1/state"));
	assert_true(excluded(wmd, f->data, "pg_stat_tmp/global.stat"));
	assert_true(excluded(wmd, f->data, "pg_subtrans/0000"));
	assert_true(excluded(wmd, f->data, "pg_dynshmem/mmap.1"));
	assert_true(excluded(wmd, f->data, "pg_notify/0000"));
	assert_true(excluded(wmd, f->data, "pg_serial/0000"));
	assert_true(excluded(wmd, f->data, "pg_snapshots/x"));
	assert_true(excluded(wmd, f->data, "base/pgsql_tmp"));
	assert_true(excluded(wmd, f->data, "base/pgsql_tmp/pgsql_tmp77.0"));
	assert_true(excluded(wmd, f->data, "global/pg_internal.init"));
	assert_true(excluded(wmd, f->data, "base/5/pg_internal.init"));
	assert_true(excluded(wmd, f->ts,
			     "PG_15_202209061/pgsql_tmp/pgsql_tmp9.1"));

	/* What the server needs stays. */
	assert_false(excluded(wmd, f->data, "pg_replslot"));
	assert_false(excluded(wmd, f->data, "pg_subtrans"));
	assert_false(excluded(wmd, f->data, "base/5/1259"));
	assert_false(excluded(wmd, f->data, "global/pg_control"));
	assert_false(excluded(wmd, f->data, "PG_VERSION"));
	assert_false(excluded(wmd, f->data, "base/5/backup_label"));
	assert_false(excluded(wmd, f->wal, "000000010000000000000002"));
	assert_false(excluded(wmd, f->ts, "PG_15_202209061/5/16400"));
	vss_wmd_free(wmd);
	pg_layout_release(&l);
}

static void
test_wal_inside_the_data_directory(void **state)
{
	struct fake *f = *state;
	struct pg_layout l = {0};
	struct vss_error err = {0};
	const struct vss_wm_component *c;
	char p[PATH_MAX + 16];
	vss_wmd *wmd = new_wmd();

	snprintf(p, sizeof(p), "%s/pg_wal", f->data);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(pg_layout_resolve(&l, f->data, &err), 0);
	assert_string_equal(l.wal_dir, p);
	assert_int_equal(pg_layout_fill_wmd(&l, wmd, &err), 0);
	c = vss_wmd_find_component(wmd, NULL, PG_CLUSTER_COMPONENT);
	assert_int_equal(c->file_count, 1);
	assert_int_equal(vss_wmd_component_count(wmd), 1);
	vss_wmd_free(wmd);
	pg_layout_release(&l);
}

static void
test_resolve_errors(void **state)
{
	struct fake *f = *state;
	struct pg_layout l = {0};
	struct vss_error err = {0};
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/nothing", f->root);
	assert_int_equal(pg_layout_resolve(&l, p, &err), -ENOENT);
	assert_non_null(strstr(err.message, "data directory"));
	assert_non_null(strstr(err.message, "nothing"));
	assert_null(l.data_dir);

	/* pg_wal links nowhere. */
	assert_int_equal(rmdir(f->wal), 0);
	assert_int_equal(pg_layout_resolve(&l, f->data, &err), -ENOENT);
	assert_non_null(strstr(err.message, "WAL directory"));
	assert_int_equal(mkdir(f->wal, 0700), 0);

	assert_int_equal(pg_layout_add_tablespace(&l, 1700, "gone", p), 0);
	assert_int_equal(pg_layout_resolve(&l, f->data, &err), -ENOENT);
	assert_non_null(strstr(err.message, "tablespace location"));
	assert_null(l.data_dir);
	pg_layout_release(&l);

	/* A file where a directory belongs. */
	snprintf(p, sizeof(p), "%s/PG_VERSION", f->data);
	fclose(fopen(p, "w"));
	assert_int_equal(pg_layout_resolve(&l, p, &err), -ENOTDIR);
	pg_layout_release(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolve_and_components,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_selecting_the_cluster_takes_its_tablespaces, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_excludes, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_wal_inside_the_data_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_errors, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
