/*
 * tests/writers/test_holders.c - who holds a file open and whether a pid
 * file's process lives (writers/common/holders.c), with real child
 * processes in a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "holders.h"

struct dir {
	char path[64];
	char file[96];
};

static int
setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));
	int fd;

	assert_non_null(d);
	strcpy(d->path, "/tmp/vss-holders-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->file, sizeof(d->file), "%s/data", d->path);
	fd = open(d->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct dir *d = *state;
	char pidfile[96];

	snprintf(pidfile, sizeof(pidfile), "%s/pid", d->path);
	unlink(pidfile);
	unlink(d->file);
	rmdir(d->path);
	free(d);
	return 0;
}

/* Write text as the whole file path. */
static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Read one byte from fd, failing the test at end of file. */
static void
wait_byte(int fd)
{
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
}

/*
 * A child named "vss-holder" that opens path, says so on a pipe, closes it
 * when told, says so again, and exits when told once more.
 */
static pid_t
start_holder(const char *path, int *ret_cmd, int *ret_ack)
{
	int cmd[2], ack[2], fd;
	pid_t pid;
	char c = 'x';

	assert_int_equal(pipe2(cmd, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ack, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		prctl(PR_SET_NAME, "vss-holder");
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || write(ack[1], &c, 1) != 1)
			_exit(1);
		if (read(cmd[0], &c, 1) != 1)
			_exit(1);
		close(fd);
		if (write(ack[1], &c, 1) != 1)
			_exit(1);
		if (read(cmd[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(cmd[0]);
	close(ack[1]);
	*ret_cmd = cmd[1];
	*ret_ack = ack[0];
	return pid;
}

static void
reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A child holding the file is found with its command name; this process,
 * which holds it too, is not; once the child closes it nobody is. */
static void
test_holder_found_then_gone(void **state)
{
	struct dir *d = *state;
	struct wholder h[4];
	int cmd, ack, own;
	pid_t pid;
	char c = 'x';

	pid = start_holder(d->file, &cmd, &ack);
	wait_byte(ack);
	/* Opened after the fork, so the child does not inherit it. */
	own = open(d->file, O_RDONLY | O_CLOEXEC);
	assert_true(own >= 0);
	memset(h, 0, sizeof(h));
	assert_int_equal(wholders_of_file(d->file, h, 4, NULL), 1);
	assert_int_equal(h[0].pid, pid);
	assert_string_equal(h[0].comm, "vss-holder");
	/* Counted even when there is no room to say who. */
	assert_int_equal(wholders_of_file(d->file, NULL, 0, NULL), 1);

	assert_int_equal(write(cmd, &c, 1), 1);
	wait_byte(ack);
	assert_int_equal(wholders_of_file(d->file, h, 4, NULL), 0);

	assert_int_equal(write(cmd, &c, 1), 1);
	reap(pid);
	close(cmd);
	close(ack);
	close(own);
}

/* Two holders: both counted, only as many as asked for filled. */
static void
test_two_holders(void **state)
{
	struct dir *d = *state;
	struct wholder h[1];
	int cmd[2], ack[2];
	pid_t pid[2];
	char c = 'x';

	for (int i = 0; i < 2; i++) {
		pid[i] = start_holder(d->file, &cmd[i], &ack[i]);
		wait_byte(ack[i]);
	}
	h[0].pid = 0;
	assert_int_equal(wholders_of_file(d->file, h, 1, NULL), 2);
	assert_true(h[0].pid == pid[0] || h[0].pid == pid[1]);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(write(cmd[i], &c, 1), 1);
		wait_byte(ack[i]);
		assert_int_equal(write(cmd[i], &c, 1), 1);
		reap(pid[i]);
		close(cmd[i]);
		close(ack[i]);
	}
}

static void
test_missing_file(void **state)
{
	struct dir *d = *state;
	char path[128];
	struct wholder h[1];

	snprintf(path, sizeof(path), "%s/absent", d->path);
	assert_int_equal(wholders_of_file(path, h, 1, NULL), -ENOENT);
}

static void
test_pidfile(void **state)
{
	struct dir *d = *state;
	char path[96], text[32];
	pid_t pid, got;
	int status;

	snprintf(path, sizeof(path), "%s/pid", d->path);

	/* Absent. */
	got = -1;
	assert_int_equal(wholders_pidfile_alive(path, &got), 0);
	assert_int_equal(got, -1);

	/* Alive: this process, with the rest of a PostgreSQL pid file. */
	snprintf(text, sizeof(text), "%d\n/var/lib/x\n", (int)getpid());
	write_file(path, text);
	assert_int_equal(wholders_pidfile_alive(path, &got), getpid());
	assert_int_equal(got, getpid());

	/* Alive but not ours (EPERM): pid 1. */
	write_file(path, "1\n");
	assert_int_equal(wholders_pidfile_alive(path, NULL), 1);

	/* A zombie, exited but not reaped: gone. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitid(P_PID, pid, &(siginfo_t){0},
				WEXITED | WNOWAIT), 0);
	snprintf(text, sizeof(text), "%d", (int)pid);
	write_file(path, text);
	assert_int_equal(wholders_pidfile_alive(path, NULL), 0);

	/* Stale: the same child reaped. */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	got = -1;
	assert_int_equal(wholders_pidfile_alive(path, &got), 0);
	assert_int_equal(got, -1);

	/* Garbage. */
	static const char *const garbage[] = {
		"", "\n", "abc\n", "0\n", "-5\n", " 12\n", "12abc\n",
		"99999999999999999999\n",
	};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		write_file(path, garbage[i]);
		got = -1;
		assert_int_equal(wholders_pidfile_alive(path, &got), -EINVAL);
		assert_int_equal(got, -1);
	}
}

/*
 * A scan by a process that may not look at others' descriptors (here an
 * unprivileged child of a root test: every root process is closed to it)
 * counts those it could not inspect, and the restore checks' verdict on
 * "nobody found" is then a failure that says so.
 */
static void
test_uninspected(void **state)
{
	struct dir *d = *state;
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_int_equal(chmod(d->path, 0755), 0);
	assert_int_equal(chmod(d->file, 0644), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vss_error err = {0};
		size_t n = 0;
		int r;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		r = wholders_of_file(d->file, NULL, 0, &n);
		if (r != 0)
			_exit(11);
		if (n == 0)
			_exit(12);
		if (wholders_uninspected(d->file, n, &err) != -EACCES ||
		    !strstr(err.message, "could not inspect") ||
		    !strstr(err.message, d->file))
			_exit(13);
		_exit(wholders_uninspected(d->file, 0, &err) == 0 ? 0 : 14);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_holder_found_then_gone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_holders, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_uninspected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pidfile, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
