/*
 * tests/writers/test_mdb_restore.c - the MariaDB writer at restore
 * (writers/mariadb/mdb_restore.c) on a temporary data directory: the
 * "server stopped" check by pid file and by processes holding the InnoDB
 * files, the target chosen by a new target, and the files post_restore
 * leaves.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <vss/metadata.h>
#include <vss/status.h>

#include "mdb_restore.h"

struct fixture {
	char dir[64];           /* the temporary tree */
	char datadir[96];       /* dir/data */
	char pid_file[128];
	struct mdb_meta meta;   /* strings borrowed from the fixture */
};

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *
read_text(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_mdb_restore.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->datadir, sizeof(f->datadir), "%s/data", f->dir);
	assert_int_equal(mkdir(f->datadir, 0750), 0);
	snprintf(f->pid_file, sizeof(f->pid_file), "%s/host.pid", f->datadir);
	f->meta = (struct mdb_meta){
		.server_version = "10.11.6-MariaDB",
		.datadir = f->datadir,
		.pid_file = f->pid_file,
		.innodb_data_home_dir = f->datadir,
		.innodb_log_group_home_dir = f->datadir,
		.binlog_file = "mysql-bin.000002",
		.binlog_position = 3456,
		.gtid_binlog_pos = "0-1-17",
		.lock = MDB_LOCK_BACKUP_STAGE,
	};
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
test_stopped(void **state)
{
	struct fixture *f = *state;
	struct vss_error err = { 0 };

	/* No pid file, no InnoDB files at all (a fresh target). */
	assert_int_equal(
		mdb_restore_check_stopped(&f->meta, f->datadir, &err), 0);
	/* A pid file of a process that is gone. */
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);

	char text[32];

	snprintf(text, sizeof(text), "%d\n", (int)child);
	write_text(f->pid_file, text);
	assert_int_equal(
		mdb_restore_check_stopped(&f->meta, f->datadir, &err), 0);
	/* A pid file without a pid is not a server running either. */
	write_text(f->pid_file, "not a pid\n");
	assert_int_equal(
		mdb_restore_check_stopped(&f->meta, f->datadir, &err), 0);
}

/* The pid file names a live process: running, retryable. */
static void
test_running_by_pid_file(void **state)
{
	struct fixture *f = *state;
	struct vss_error err = { 0 };
	char text[32], want[256];

	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	write_text(f->pid_file, text);
	assert_int_equal(mdb_restore_check_stopped(&f->meta, f->datadir, &err),
			 VSS_E_WRITERERROR_RETRYABLE);
	snprintf(want, sizeof(want),
		 "MariaDB is running (pid %d) on %s; stop it before restoring",
		 (int)getpid(), f->datadir);
	assert_string_equal(err.message, want);
}

/* Another process holds ib_logfile0 open: running, retryable. */
static void
test_running_by_holder(void **state)
{
	struct fixture *f = *state;
	struct vss_error err = { 0 };
	char path[160];
	int ready[2];

	snprintf(path, sizeof(path), "%s/ib_logfile0", f->datadir);
	write_text(path, "redo");
	assert_int_equal(pipe(ready), 0);

	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0) {
		int fd = open(path, O_RDONLY);

		close(ready[0]);
		if (fd < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);

	char c;

	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);

	int r = mdb_restore_check_stopped(&f->meta, f->datadir, &err);

	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(r, VSS_E_WRITERERROR_RETRYABLE);
	assert_non_null(strstr(err.message, "MariaDB is running"));
	assert_non_null(strstr(err.message, path));
	/* Closed again: stopped. */
	assert_int_equal(mdb_restore_check_stopped(&f->meta, f->datadir, &err),
			 0);
}

static vss_bcd_component *
component_with_target(vss_bcd **ret_bcd, const char *path, const char *dest)
{
	vss_id class_id = { { 0 } }, inst = { { 0 } };
	vss_bcd_writer *w;
	vss_bcd_component *c;

	class_id.bytes[0] = 1;
	assert_int_equal(vss_bcd_new(ret_bcd), 0);
	assert_int_equal(vss_bcd_add_writer(*ret_bcd, &class_id, &inst, "mdb",
					    0, &w),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(w, VSS_CT_FILEGROUP,
						      NULL, "server", &c),
			 0);
	if (path != NULL)
		assert_int_equal(vss_bcd_component_add_new_target(c, path, "*",
								  true, dest),
				 0);
	return c;
}

/* The target, or -EINVAL with err holding want. */
static char *
target_of(const vss_bcd_component *c, const struct mdb_meta *m,
	  const char *known, const char *want_err)
{
	struct vss_error err = { 0 };
	char *target = NULL;
	int r = mdb_restore_target(c, m, known, &target, &err);

	if (want_err != NULL) {
		print_message("err: %s\n", err.message);
		assert_int_equal(r, -EINVAL);
		assert_null(target);
		assert_non_null(strstr(err.message, want_err));
		return NULL;
	}
	assert_int_equal(r, 0);
	return target;
}

static void
test_target(void **state)
{
	struct fixture *f = *state;
	vss_bcd *bcd;
	char with_slash[128], *t;

	t = target_of(NULL, &f->meta, f->datadir, NULL);
	assert_string_equal(t, f->datadir);
	free(t);
	vss_bcd_component *c = component_with_target(&bcd, NULL, NULL);

	t = target_of(c, &f->meta, f->datadir, NULL);
	assert_string_equal(t, f->datadir);
	free(t);
	vss_bcd_free(bcd);
	snprintf(with_slash, sizeof(with_slash), "%s/", f->datadir);
	c = component_with_target(&bcd, with_slash, "/srv/elsewhere");
	t = target_of(c, &f->meta, f->datadir, NULL);
	assert_string_equal(t, "/srv/elsewhere");
	free(t);
	vss_bcd_free(bcd);
	c = component_with_target(&bcd, "/other", "/srv/elsewhere");
	t = target_of(c, &f->meta, f->datadir, NULL);
	assert_string_equal(t, f->datadir);
	free(t);
	vss_bcd_free(bcd);
}

/*
 * Hostile metadata: a datadir that is not the server's ("/", another
 * directory), a writer that never saw the server, a new target that is
 * not a clean path: refused, nothing chosen.
 */
static void
test_target_hostile(void **state)
{
	struct fixture *f = *state;
	struct mdb_meta m = f->meta;
	vss_bcd *bcd;
	char known[128];

	snprintf(known, sizeof(known), "%s", f->datadir);
	m.datadir = "/";
	target_of(NULL, &m, known, "the backup's datadir / is not the "
				   "server's");
	m.datadir = "/etc";
	target_of(NULL, &m, known, "is not the server's");
	target_of(NULL, &f->meta, NULL, "has not seen the server");

	vss_bcd_component *c =
		component_with_target(&bcd, f->datadir, "/srv/../etc");

	target_of(c, &f->meta, known, "new target '/srv/../etc'");
	vss_bcd_free(bcd);
	c = component_with_target(&bcd, f->datadir, "relative/dir");
	target_of(c, &f->meta, known, "not a clean absolute path");
	vss_bcd_free(bcd);
}

/*
 * A pid_file outside the data directory (or below it, not directly in
 * it) is never removed: only a file directly in the data directory goes,
 * and a link there is removed, not followed.
 */
static void
test_finish_pid_file_outside(void **state)
{
	struct fixture *f = *state;
	struct vss_error err = { 0 };
	struct mdb_meta m = f->meta;
	char victim[128], sub[128], subpid[160], link[160];

	snprintf(victim, sizeof(victim), "%s/victim", f->dir);
	write_text(victim, "1\n");
	m.pid_file = victim;
	assert_int_equal(mdb_restore_finish(&m, f->datadir, true, &err), 0);
	assert_int_equal(access(victim, F_OK), 0);

	snprintf(sub, sizeof(sub), "%s/mysql", f->datadir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(subpid, sizeof(subpid), "%s/x.pid", sub);
	write_text(subpid, "1\n");
	m.pid_file = subpid;
	assert_int_equal(mdb_restore_finish(&m, f->datadir, true, &err), 0);
	assert_int_equal(access(subpid, F_OK), 0);

	/* host.pid planted as a link to the victim: the link goes. */
	snprintf(link, sizeof(link), "%s/host.pid", f->datadir);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(mdb_restore_finish(&f->meta, f->datadir, true, &err),
			 0);
	assert_int_equal(access(victim, F_OK), 0);
	assert_int_equal(faccessat(AT_FDCWD, link, F_OK, AT_SYMLINK_NOFOLLOW),
			 -1);
}

static void
test_position_text(void **state)
{
	struct fixture *f = *state;
	char *text = NULL;

	assert_int_equal(mdb_restore_position_text(&f->meta, &text), 0);
	assert_non_null(strstr(text, "\nbinlog_file=mysql-bin.000002\n"));
	assert_non_null(strstr(text, "\nbinlog_position=3456\n"));
	assert_non_null(strstr(text, "\ngtid_binlog_pos=0-1-17\n"));
	assert_non_null(strstr(text, "\nlock=backup_stage\n"));
	free(text);
}

/* Into a new target: the pid file there goes, the position file comes. */
static void
test_finish(void **state)
{
	struct fixture *f = *state;
	struct vss_error err = { 0 };
	char target[128], pid[160], pos[192];
	struct stat st;

	snprintf(target, sizeof(target), "%s/restored", f->dir);
	assert_int_equal(mkdir(target, 0700), 0);
	snprintf(pid, sizeof(pid), "%s/host.pid", target);
	write_text(pid, "1\n");
	write_text(f->pid_file, "1\n");
	assert_int_equal(mdb_restore_finish(&f->meta, target, true, &err), 0);
	assert_int_equal(access(pid, F_OK), -1);
	/* The original data directory is not touched. */
	assert_int_equal(access(f->pid_file, F_OK), 0);
	snprintf(pos, sizeof(pos), "%s/%s", target, MDB_POSITION_FILE);
	assert_int_equal(stat(pos, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, getuid());
	assert_non_null(strstr(read_text(pos), "binlog_position=3456\n"));

	/* Again (a second restore): replaced, no temporary file left. */
	f->meta.binlog_position = 99;
	assert_int_equal(mdb_restore_finish(&f->meta, target, true, &err), 0);
	assert_non_null(strstr(read_text(pos), "binlog_position=99\n"));
	snprintf(pos, sizeof(pos), "%s/.%s.vss-tmp", target,
		 MDB_POSITION_FILE);
	assert_int_equal(access(pos, F_OK), -1);

	/* The server was started again (STOP_RESTORE_START): its pid file
	 * stays. */
	write_text(pid, "1\n");
	assert_int_equal(mdb_restore_finish(&f->meta, target, false, &err), 0);
	assert_int_equal(access(pid, F_OK), 0);
}

static void
test_finish_missing_target(void **state)
{
	struct fixture *f = *state;
	struct vss_error err = { 0 };
	char target[128];

	snprintf(target, sizeof(target), "%s/absent", f->dir);
	assert_int_equal(mdb_restore_finish(&f->meta, target, true, &err),
			 -ENOENT);
	assert_non_null(strstr(err.message, target));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_by_pid_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_running_by_holder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_target_hostile, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_finish_pid_file_outside,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_position_text, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_missing_target,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
