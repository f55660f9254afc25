/*
 * tests/writers/test_pg_restore.c - the PostgreSQL writer at restore
 * (writers/postgresql/pg_restore.c) on a fake restored data directory in
 * a temporary directory: the plan from a backup components document (new
 * targets, the tablespace map rewritten, hostile paths refused), the
 * running-server check, and what post_restore writes (never under a live
 * server, never through a planted symbolic link, no owner changed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vss/status.h>

#include "pg_restore.h"

#define LABEL                                                                  \
	"START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"     \
	"CHECKPOINT LOCATION: 0/2000060\n"                                     \
	"LABEL: vss test\n"

struct fake {
	char root[64];
	char data[PATH_MAX];
	char wal[PATH_MAX]; /* data/pg_wal */
	char ts[PATH_MAX];
	struct pg_layout known; /* what identify saw */
	vss_bcd *bcd;
	vss_bcd_writer *w;
	vss_bcd_component *cluster;
};

static void
path_of(char *buf, size_t len, const char *dir, const char *rel)
{
	assert_true(snprintf(buf, len, "%s/%s", dir, rel) < (int)len);
}

static void
write_text(const char *dir, const char *rel, const char *text)
{
	char p[PATH_MAX + 64];
	FILE *f;

	path_of(p, sizeof(p), dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *
read_text(const char *dir, const char *rel)
{
	static char buf[4096];
	char p[PATH_MAX + 64];
	FILE *f;
	size_t n;

	path_of(p, sizeof(p), dir, rel);
	f = fopen(p, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Metadata as post_snapshot stores it, with these paths. */
static void
set_metadata_of(struct fake *f, const char *data, const char *wal,
		const char *ts)
{
	struct pg_tablespace t = {16384, "ts1", (char *)ts};
	char map[PATH_MAX + 16];
	struct pg_meta m = {
		.data_directory = (char *)data,
		.wal_directory = (char *)wal,
		.server_version = 150004,
		.start_lsn = "0/2000028",
		.stop_lsn = "0/2000138",
		.backup_label = LABEL,
		.tablespace_map = "",
	};
	char *text;

	if (ts) {
		snprintf(map, sizeof(map), "16384 %s\n", ts);
		m.tablespace_map = map;
		m.tablespaces = &t;
		m.n_tablespaces = 1;
	}
	assert_int_equal(pg_meta_encode(&m, &text), 0);
	assert_int_equal(vss_bcd_component_set_text(f->cluster,
						    VSS_TEXT_BACKUP_METADATA,
						    text),
			 0);
	free(text);
}

/* The metadata of the fake cluster itself. */
static void
set_metadata(struct fake *f, bool with_tablespace)
{
	set_metadata_of(f, f->data, f->wal, with_tablespace ? f->ts : NULL);
}

static int
plan(struct fake *f, struct pg_restore_plan *p, struct vss_error *err)
{
	return pg_restore_plan_init(p, f->w, f->cluster, &f->known, err);
}

static int
setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	vss_id class_id, instance;

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/test_pg_restore.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	path_of(f->data, sizeof(f->data), f->root, "data");
	path_of(f->ts, sizeof(f->ts), f->root, "ts1");
	path_of(f->wal, sizeof(f->wal), f->data, "pg_wal");
	assert_int_equal(mkdir(f->data, 0755), 0);
	assert_int_equal(mkdir(f->ts, 0755), 0);
	write_text(f->data, "PG_VERSION", "15\n");
	f->known.data_dir = strdup(f->data);
	f->known.wal_dir = strdup(f->wal);
	assert_non_null(f->known.wal_dir);
	assert_int_equal(pg_layout_add_tablespace(&f->known, 16384, "ts1",
						  f->ts),
			 0);

	assert_int_equal(vss_id_parse(&class_id,
				      "47962783-475d-423c-9f7b-2b8c7f2db622"),
			 0);
	vss_id_generate(&instance);
	assert_int_equal(vss_bcd_new(&f->bcd), 0);
	assert_int_equal(vss_bcd_add_writer(f->bcd, &class_id, &instance,
					    "main", 0, &f->w),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(f->w, VSS_CT_FILEGROUP,
						      NULL,
						      PG_CLUSTER_COMPONENT,
						      &f->cluster),
			 0);
	assert_int_equal(vss_bcd_component_set_selected_for_restore(f->cluster,
								    true),
			 0);
	set_metadata(f, true);
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
	vss_bcd_free(f->bcd);
	pg_layout_release(&f->known);
	free(f);
	return 0;
}

static void
test_cluster_only_when_restored(void **state)
{
	struct fake *f = *state;

	assert_ptr_equal(pg_restore_cluster(f->w), f->cluster);
	assert_null(pg_restore_cluster(NULL));
	assert_int_equal(vss_bcd_component_set_selected_for_restore(f->cluster,
								    false),
			 0);
	assert_null(pg_restore_cluster(f->w));
}

static void
test_plan_in_place(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char map[PATH_MAX + 16];

	assert_int_equal(plan(f, &p, &err), 0);
	assert_string_equal(p.data_dir, f->data);
	assert_string_equal(p.locations[0], f->ts);
	snprintf(map, sizeof(map), "16384 %s\n", f->ts);
	assert_string_equal(p.tablespace_map, map);
	pg_restore_plan_release(&p);
	pg_restore_plan_release(&p);
}

static void
test_plan_with_new_targets(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char data_to[PATH_MAX + 16], ts_to[PATH_MAX + 16], map[PATH_MAX + 32];
	char with_slash[PATH_MAX + 16];

	path_of(data_to, sizeof(data_to), f->root, "new/data");
	path_of(ts_to, sizeof(ts_to), f->root, "new/ts1");
	/* The requester may name the set's path with a final '/'. */
	snprintf(with_slash, sizeof(with_slash), "%s/", f->ts);
	assert_int_equal(vss_bcd_component_add_new_target(f->cluster, f->data,
							  "*", true, data_to),
			 0);
	assert_int_equal(vss_bcd_component_add_new_target(f->cluster,
							  with_slash, "*",
							  true, ts_to),
			 0);
	assert_int_equal(plan(f, &p, &err), 0);
	assert_string_equal(p.data_dir, data_to);
	assert_string_equal(p.locations[0], ts_to);
	snprintf(map, sizeof(map), "16384 %s\n", ts_to);
	assert_string_equal(p.tablespace_map, map);
	pg_restore_plan_release(&p);

	assert_int_equal(vss_bcd_component_add_new_target(f->cluster, "/x",
							  "*", true,
							  "relative/dir"),
			 0);
	assert_int_equal(plan(f, &p, &err),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "not a clean absolute path"));
}

static void
test_plan_without_metadata(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};

	assert_int_equal(vss_bcd_component_set_text(
				 f->cluster, VSS_TEXT_BACKUP_METADATA, NULL),
			 0);
	assert_int_equal(plan(f, &p, &err),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "holds no PostgreSQL backup"));
	assert_int_equal(vss_bcd_component_set_text(
				 f->cluster, VSS_TEXT_BACKUP_METADATA, "{}"),
			 0);
	assert_int_equal(plan(f, &p, &err),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "is missing"));
}

/* The pid of a process that has exited. */
static pid_t
dead_pid(void)
{
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	return child;
}

/* Move every directory of the fake cluster below root/new. */
static void
move_all(struct fake *f, char *data_to, char *ts_to, size_t len)
{
	snprintf(data_to, len, "%s/new/data", f->root);
	snprintf(ts_to, len, "%s/new/ts1", f->root);
	assert_int_equal(vss_bcd_component_add_new_target(f->cluster, f->data,
							  "*", true, data_to),
			 0);
	assert_int_equal(vss_bcd_component_add_new_target(f->cluster, f->ts,
							  "*", true, ts_to),
			 0);
}

static void
test_running_server_refused(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char text[PATH_MAX + 32], want[PATH_MAX + 64];

	assert_int_equal(plan(f, &p, &err), 0);
	assert_int_equal(pg_restore_check_stopped(&p, false, &err), 0);

	/* A live process: this test. */
	snprintf(text, sizeof(text), "%d\n%s\n", (int)getpid(), f->data);
	write_text(f->data, "postmaster.pid", text);
	assert_int_equal(pg_restore_check_stopped(&p, false, &err),
			 VSS_E_WRITERERROR_RETRYABLE);
	snprintf(want, sizeof(want),
		 "PostgreSQL is running (pid %d) on %s; stop it before "
		 "restoring",
		 (int)getpid(), f->data);
	assert_string_equal(err.message, want);
	/* STOP_RESTORE_START in place: the requester stops it later. */
	assert_int_equal(pg_restore_check_stopped(&p, true, &err), 0);

	/* A stale pid file: its process is gone. */
	snprintf(text, sizeof(text), "%d\n", (int)dead_pid());
	write_text(f->data, "postmaster.pid", text);
	assert_int_equal(pg_restore_check_stopped(&p, false, &err), 0);
	pg_restore_plan_release(&p);
}

static void
test_running_server_at_a_new_target(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char data_to[PATH_MAX], ts_to[PATH_MAX], text[32];
	char cmd[PATH_MAX + 32];

	move_all(f, data_to, ts_to, sizeof(data_to));
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", data_to);
	assert_int_equal(system(cmd), 0);
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	write_text(data_to, "postmaster.pid", text);
	assert_int_equal(plan(f, &p, &err), 0);
	assert_true(p.moved);
	/* The requester stops no service for a copy elsewhere. */
	assert_int_equal(pg_restore_check_stopped(&p, true, &err),
			 VSS_E_WRITERERROR_RETRYABLE);
	pg_restore_plan_release(&p);
}

static void
test_write(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char path[PATH_MAX + 64], map[PATH_MAX + 16], text[32];
	struct stat st;
	pid_t pid = 0;

	path_of(path, sizeof(path), f->data, "pg_subtrans");
	assert_int_equal(mkdir(path, 0700), 0);
	write_text(f->data, "pg_subtrans/0000", "kept");
	snprintf(text, sizeof(text), "%d\n", (int)dead_pid());
	write_text(f->data, "postmaster.pid", text); /* a crashed server's */
	if (geteuid() == 0) {
		/* The restored cluster is the server's (uid 1234). */
		path_of(path, sizeof(path), f->data, "PG_VERSION");
		assert_int_equal(chown(path, 1234, 1235), 0);
		assert_int_equal(chown(f->data, 1234, 1235), 0);
		assert_int_equal(chown(f->ts, 1234, 1235), 0);
	}
	assert_int_equal(plan(f, &p, &err), 0);
	assert_false(p.moved);
	assert_int_equal(pg_restore_write(&p, false, &pid, &err), 0);

	assert_string_equal(read_text(f->data, "backup_label"), LABEL);
	snprintf(map, sizeof(map), "16384 %s\n", f->ts);
	assert_string_equal(read_text(f->data, "tablespace_map"), map);
	path_of(path, sizeof(path), f->data, "backup_label");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_null(read_text(f->data, "postmaster.pid"));
	assert_null(read_text(f->data, ".backup_label.vss-tmp"));
	assert_string_equal(read_text(f->data, "pg_subtrans/0000"), "kept");
	assert_int_equal(stat(f->data, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(f->ts, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	for (size_t i = 0; pg_restore_dirs[i]; i++) {
		path_of(path, sizeof(path), f->data, pg_restore_dirs[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		/* Made here: the owner of the data; restored: its own. */
		if (geteuid() == 0 &&
		    strcmp(pg_restore_dirs[i], "pg_subtrans") != 0) {
			assert_int_equal(st.st_uid, 1234);
			assert_int_equal(st.st_gid, 1235);
		}
	}
	if (geteuid() == 0) {
		path_of(path, sizeof(path), f->data, "backup_label");
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_uid, 1234);
	}
	pg_restore_plan_release(&p);

	/* Without tablespaces, a map left there goes. */
	set_metadata(f, false);
	assert_int_equal(plan(f, &p, &err), 0);
	assert_int_equal(pg_restore_write(&p, false, &pid, &err), 0);
	assert_null(read_text(f->data, "tablespace_map"));
	assert_string_equal(read_text(f->data, "backup_label"), LABEL);
	pg_restore_plan_release(&p);
}

/* A directory not the server's keeps its owner and its mode. */
static void
test_write_changes_no_owner(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char path[PATH_MAX + 64];
	struct stat st;
	pid_t pid = 0;

	if (geteuid() != 0)
		skip();
	path_of(path, sizeof(path), f->data, "PG_VERSION");
	assert_int_equal(chown(path, 1234, 1235), 0);
	assert_int_equal(plan(f, &p, &err), 0);
	assert_int_equal(pg_restore_write(&p, false, &pid, &err), 0);
	assert_int_equal(stat(f->data, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(f->ts, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	pg_restore_plan_release(&p);
}

static void
test_write_under_a_live_server(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char text[32], want[PATH_MAX + 96];
	pid_t pid = 0;

	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	write_text(f->data, "postmaster.pid", text);
	assert_int_equal(plan(f, &p, &err), 0);

	/* The administrator's method: refused, nothing touched. */
	assert_int_equal(pg_restore_write(&p, false, &pid, &err),
			 VSS_E_WRITERERROR_RETRYABLE);
	snprintf(want, sizeof(want),
		 "PostgreSQL is running (pid %d) on %s: nothing written; "
		 "stop it and restore again",
		 (int)getpid(), f->data);
	assert_string_equal(err.message, want);
	assert_string_equal(read_text(f->data, "postmaster.pid"), text);
	assert_null(read_text(f->data, "backup_label"));
	assert_null(read_text(f->data, "tablespace_map"));

	/* STOP_RESTORE_START: the requester started it again; it ran crash
	 * recovery: nothing is written, its pid file stays. */
	assert_int_equal(pg_restore_write(&p, true, &pid, &err), 1);
	assert_int_equal(pid, getpid());
	assert_string_equal(read_text(f->data, "postmaster.pid"), text);
	assert_null(read_text(f->data, "backup_label"));
	assert_null(read_text(f->data, "tablespace_map"));
	pg_restore_plan_release(&p);
}

static void
test_write_relinks_moved_wal(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char link[PATH_MAX + 16], wal[PATH_MAX + 16], wal_to[PATH_MAX + 16];
	char data_to[PATH_MAX], ts_to[PATH_MAX], got[PATH_MAX];
	char cmd[6 * PATH_MAX];
	pid_t pid = 0;
	ssize_t n;

	path_of(wal, sizeof(wal), f->root, "wal");
	path_of(wal_to, sizeof(wal_to), f->root, "new/wal");
	assert_int_equal(mkdir(wal, 0700), 0);
	free(f->known.wal_dir);
	f->known.wal_dir = strdup(wal);
	set_metadata_of(f, f->data, wal, f->ts);
	move_all(f, data_to, ts_to, sizeof(data_to));
	assert_int_equal(vss_bcd_component_add_new_target(f->cluster, wal, "*",
							  true, wal_to),
			 0);
	/* The restored copy: its pg_wal still links to the old WAL. */
	assert_true(snprintf(cmd, sizeof(cmd),
			     "mkdir -p '%s' '%s' '%s' && cp '%s/PG_VERSION' "
			     "'%s'",
			     data_to, ts_to, wal_to, f->data,
			     data_to) < (int)sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	path_of(link, sizeof(link), data_to, "pg_wal");
	assert_int_equal(symlink(wal, link), 0);

	assert_int_equal(plan(f, &p, &err), 0);
	assert_true(p.moved);
	assert_true(p.wal_outside);
	assert_string_equal(p.wal_dir, wal_to);
	assert_int_equal(pg_restore_write(&p, false, &pid, &err), 0);
	n = readlink(link, got, sizeof(got) - 1);
	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, wal_to);
	pg_restore_plan_release(&p);
}

static void
test_write_needs_restored_files(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char path[PATH_MAX + 16];
	pid_t pid = 0;

	path_of(path, sizeof(path), f->data, "PG_VERSION");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(plan(f, &p, &err), 0);
	assert_int_equal(pg_restore_write(&p, false, &pid, &err),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "was not restored"));
	assert_null(read_text(f->data, "backup_label"));
	pg_restore_plan_release(&p);
}

/* A restored symbolic link below the data directory is not followed. */
static void
test_write_follows_no_restored_link(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char path[PATH_MAX + 16], victim[PATH_MAX + 16], tmp[PATH_MAX + 32];
	struct stat st;
	pid_t pid = 0;

	path_of(victim, sizeof(victim), f->root, "victim");
	assert_int_equal(mkdir(victim, 0755), 0);
	path_of(path, sizeof(path), f->data, "pg_logical");
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(plan(f, &p, &err), 0);
	assert_int_equal(pg_restore_write(&p, false, &pid, &err),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "pg_logical"));
	path_of(path, sizeof(path), victim, "mappings");
	assert_int_equal(stat(path, &st), -1);
	assert_null(read_text(f->data, "backup_label"));
	pg_restore_plan_release(&p);

	/* A planted temporary file link: replaced, its target untouched. */
	path_of(path, sizeof(path), f->data, "pg_logical");
	assert_int_equal(unlink(path), 0);
	write_text(victim, "file", "victim");
	path_of(path, sizeof(path), victim, "file");
	path_of(tmp, sizeof(tmp), f->data, ".backup_label.vss-tmp");
	assert_int_equal(symlink(path, tmp), 0);
	assert_int_equal(plan(f, &p, &err), 0);
	assert_int_equal(pg_restore_write(&p, false, &pid, &err), 0);
	assert_string_equal(read_text(victim, "file"), "victim");
	assert_string_equal(read_text(f->data, "backup_label"), LABEL);
	pg_restore_plan_release(&p);
}

/* Metadata naming paths the writer does not know, restored in place. */
static void
test_hostile_paths_refused(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char other[PATH_MAX + 16];

	path_of(other, sizeof(other), f->root, "other");
	assert_int_equal(mkdir(other, 0755), 0);

	set_metadata_of(f, "/etc", "/etc/pg_wal", NULL);
	assert_int_equal(plan(f, &p, &err), VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "data directory '/etc' is not "
					    "the cluster's"));

	set_metadata_of(f, f->data, f->wal, other);
	assert_int_equal(plan(f, &p, &err), VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "tablespace location"));
	assert_non_null(strstr(err.message, other));

	set_metadata_of(f, f->data, other, f->ts);
	assert_int_equal(plan(f, &p, &err), VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "WAL directory"));

	/* Nothing known (no identify reached the server). */
	set_metadata(f, true);
	pg_layout_release(&f->known);
	assert_int_equal(plan(f, &p, &err), VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "not one of the cluster"));

	/* The same paths at the requester's new targets are fine. */
	set_metadata_of(f, "/etc", "/etc/pg_wal", "/var");
	{
		char d[PATH_MAX], t[PATH_MAX];

		snprintf(d, sizeof(d), "%s/new/etc", f->root);
		snprintf(t, sizeof(t), "%s/new/var", f->root);
		assert_int_equal(vss_bcd_component_add_new_target(
					 f->cluster, "/etc", "*", true, d),
				 0);
		assert_int_equal(vss_bcd_component_add_new_target(
					 f->cluster, "/var", "*", true, t),
				 0);
		assert_int_equal(plan(f, &p, &err), 0);
		assert_string_equal(p.data_dir, d);
		assert_string_equal(p.locations[0], t);
		pg_restore_plan_release(&p);
	}
}

/* A copy elsewhere must take every directory of the cluster along. */
static void
test_moved_data_needs_everything_moved(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char data_to[PATH_MAX + 16], wal[PATH_MAX + 16];

	path_of(data_to, sizeof(data_to), f->root, "new/data");
	assert_int_equal(vss_bcd_component_add_new_target(f->cluster, f->data,
							  "*", true, data_to),
			 0);
	assert_int_equal(plan(f, &p, &err), VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "tablespace location"));
	assert_non_null(strstr(err.message, "has no new target"));

	path_of(wal, sizeof(wal), f->root, "wal");
	free(f->known.wal_dir);
	f->known.wal_dir = strdup(wal);
	set_metadata_of(f, f->data, wal, NULL);
	assert_int_equal(plan(f, &p, &err), VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "WAL directory"));
	assert_non_null(strstr(err.message, "has no new target"));
}

/* A new target that resolves to the directory itself is no move. */
static void
test_new_target_resolving_in_place(void **state)
{
	struct fake *f = *state;
	struct pg_restore_plan p;
	struct vss_error err = {0};
	char alias[PATH_MAX + 16], data_to[PATH_MAX + 32];

	path_of(alias, sizeof(alias), f->root, "alias");
	assert_int_equal(symlink(f->root, alias), 0);
	path_of(data_to, sizeof(data_to), alias, "data");
	assert_int_equal(vss_bcd_component_add_new_target(f->cluster, f->data,
							  "*", true, data_to),
			 0);
	assert_int_equal(plan(f, &p, &err), 0);
	assert_false(p.moved);
	pg_restore_plan_release(&p);

	/* So it is held to what the writer knows. */
	free(f->known.data_dir);
	f->known.data_dir = strdup("/elsewhere");
	assert_int_equal(plan(f, &p, &err), VSS_E_WRITERERROR_NONRETRYABLE);
	assert_non_null(strstr(err.message, "is not the cluster's"));
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_cluster_only_when_restored),
		T(test_plan_in_place),
		T(test_plan_with_new_targets),
		T(test_plan_without_metadata),
		T(test_running_server_refused),
		T(test_running_server_at_a_new_target),
		T(test_write),
		T(test_write_changes_no_owner),
		T(test_write_under_a_live_server),
		T(test_write_relinks_moved_wal),
		T(test_write_needs_restored_files),
		T(test_write_follows_no_restored_link),
		T(test_hostile_paths_refused),
		T(test_moved_data_needs_everything_moved),
		T(test_new_target_resolving_in_place),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
