/*
 * tests/unit/test_command.c - running a program with a deadline
 * (daemon/command.c), as the exec provider does: exit statuses and
 * signals, the deadline killing the whole process group, what the program
 * leaves behind, bounded output, and exactly the environment, stdin, fds,
 * cwd and signal state the program is given.
 *
 * The test makes itself a child subreaper, so the grandchildren a command
 * leaves are reparented to it and their fate can be read with waitpid().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
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

#include "command.h"
#include "sys_fixture.h"

static char *const no_env[] = {NULL};

/* Run path with argv and env (NULL: none) for at most ms, expecting 0. */
static void
run(const char *path, char *const argv[], char *const env[], uint32_t ms,
    size_t max, struct command_result *res)
{
	struct command_opts o = {
		.path = path,
		.argv = argv,
		.envp = env ? env : no_env,
		.timeout_ms = ms,
		.max_output = max,
	};

	memset(res, 0xa5, sizeof(*res));
	assert_int_equal(command_run(&o, res), 0);
	assert_non_null(res->out.data);
	assert_non_null(res->err.data);
	assert_int_equal(res->out.data[res->out.len], '\0');
	assert_int_equal(res->err.data[res->err.len], '\0');
}

/* /bin/sh -c script, ten seconds at most. */
static void
sh(const char *script, struct command_result *res)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};

	run("/bin/sh", argv, NULL, 10000, 0, res);
}

/* Open fds of this process. */
static int
count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(dir);
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1; /* opendir's own */
}

static void
test_exit_status(void **state)
{
	struct command_result res;

	sh("exit 0", &res);
	assert_false(res.timed_out);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(res.signal, 0);
	assert_int_equal(res.out.len, 0);
	assert_false(res.out.truncated);
	command_result_release(&res);

	sh("exit 7", &res);
	assert_false(res.timed_out);
	assert_int_equal(res.exit_status, 7);
	assert_int_equal(res.signal, 0);
	command_result_release(&res);

	/* stdout and stderr apart. */
	sh("printf 'one\\ntwo\\n'; printf 'oops\\n' >&2; exit 255", &res);
	assert_int_equal(res.exit_status, 255);
	assert_string_equal(res.out.data, "one\ntwo\n");
	assert_int_equal(res.out.len, 8);
	assert_string_equal(res.err.data, "oops\n");
	command_result_release(&res);
	command_result_release(NULL);
}

/* A program that cannot be executed exits 127, as in the shell. */
static void
test_exec_failure(void **state)
{
	char *argv[] = {"missing", NULL};
	struct command_result res;

	run("/nonexistent/program", argv, NULL, 10000, 0, &res);
	assert_int_equal(res.exit_status, 127);
	assert_false(res.timed_out);
	command_result_release(&res);
}

static void
test_bad_arguments(void **state)
{
	char *argv[] = {"true", NULL};
	struct command_opts o = {.path = "/bin/true", .argv = argv,
				 .envp = no_env, .timeout_ms = 1000};
	struct command_result res = {.exit_status = 42};

	assert_int_equal(command_run(NULL, &res), -EINVAL);
	assert_int_equal(command_run(&o, NULL), -EINVAL);
	o.timeout_ms = 0;
	assert_int_equal(command_run(&o, &res), -EINVAL);
	o.timeout_ms = 1000;
	o.envp = NULL;
	assert_int_equal(command_run(&o, &res), -EINVAL);
	o.envp = no_env;
	o.argv = NULL;
	assert_int_equal(command_run(&o, &res), -EINVAL);
	o.argv = argv;
	o.path = NULL;
	assert_int_equal(command_run(&o, &res), -EINVAL);
	/* Nothing written on failure. */
	assert_int_equal(res.exit_status, 42);
}

/*
 * A signal ends the program even though the caller ignores and blocks it,
 * as vssd's worker threads do: the program starts with every signal at
 * its default and none blocked.
 */
static void
test_signals(void **state)
{
	char *argv[] = {"grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status",
			NULL};
	struct command_result res;
	sigset_t all, old;

	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);

	sh("kill -TERM $$; sleep 5", &res);
	assert_false(res.timed_out);
	assert_int_equal(res.exit_status, -1);
	assert_int_equal(res.signal, SIGTERM);
	command_result_release(&res);

	run("/bin/grep", argv, NULL, 10000, 0, &res);
	assert_int_equal(res.exit_status, 0);
	assert_string_equal(res.out.data, "SigBlk:\t0000000000000000\n"
					  "SigIgn:\t0000000000000000\n");
	command_result_release(&res);

	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}

/* The environment is exactly the one given. */
static void
test_environment(void **state)
{
	char *argv[] = {"env", NULL};
	char *env[] = {"A=1", "B=two words", "C=", NULL};
	struct command_result res;

	setenv("VSS_TEST_LEAK", "leaked", 1);
	run("/usr/bin/env", argv, env, 10000, 0, &res);
	assert_int_equal(res.exit_status, 0);
	assert_string_equal(res.out.data, "A=1\nB=two words\nC=\n");
	command_result_release(&res);

	run("/usr/bin/env", argv, NULL, 10000, 0, &res);
	assert_int_equal(res.exit_status, 0);
	assert_string_equal(res.out.data, "");
	command_result_release(&res);
	unsetenv("VSS_TEST_LEAK");
}

/* stdin is /dev/null, whatever the caller's stdin holds; cwd is "/". */
static void
test_stdin_and_cwd(void **state)
{
	char *argv[] = {"cat", NULL};
	struct command_result res;
	int p[2], saved;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "secret\n", 7), 7);
	close(p[1]);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);

	run("/bin/cat", argv, NULL, 10000, 0, &res);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(res.out.len, 0);
	command_result_release(&res);

	assert_int_equal(chdir("/tmp"), 0);
	sh("pwd; readlink /proc/self/fd/0", &res);
	assert_string_equal(res.out.data, "/\n/dev/null\n");
	command_result_release(&res);
}

/*
 * No fd of the caller reaches the program, not even one without
 * close-on-exec, and the caller is left with the fds it had.
 */
static void
test_no_fd_leak(void **state)
{
	char *argv[] = {"ls", "/proc/self/fd", NULL};
	struct command_result res;
	int leak, p[2], before;

	leak = open("/dev/null", O_RDONLY);
	assert_true(leak > 2);
	assert_int_equal(pipe(p), 0);
	before = count_fds();

	run("/bin/ls", argv, NULL, 10000, 0, &res);
	assert_int_equal(res.exit_status, 0);
	/* 0..2, and 3: the directory ls is reading. */
	assert_string_equal(res.out.data, "0\n1\n2\n3\n");
	command_result_release(&res);
	assert_int_equal(count_fds(), before);

	close(leak);
	close(p[0]);
	close(p[1]);
}

/*
 * Output beyond the bound is read and dropped (the program does not block
 * on a full pipe) and marked; each stream has its own bound.
 */
static void
test_output_bounds(void **state)
{
	char *exact[] = {"sh", "-c", "printf 0123456789", NULL};
	char *over[] = {"sh", "-c", "printf 0123456789a; printf e >&2", NULL};
	struct command_result res;

	sh("head -c 200000 /dev/zero | tr '\\0' x; "
	   "head -c 100000 /dev/zero >&2; echo done",
	   &res);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(res.out.len, COMMAND_OUTPUT_MAX);
	assert_true(res.out.truncated);
	assert_int_equal(res.out.data[0], 'x');
	assert_int_equal(res.out.data[COMMAND_OUTPUT_MAX - 1], 'x');
	assert_int_equal(res.err.len, COMMAND_OUTPUT_MAX);
	assert_true(res.err.truncated);
	command_result_release(&res);

	run("/bin/sh", exact, NULL, 10000, 10, &res);
	assert_string_equal(res.out.data, "0123456789");
	assert_false(res.out.truncated);
	command_result_release(&res);

	run("/bin/sh", over, NULL, 10000, 10, &res);
	assert_string_equal(res.out.data, "0123456789");
	assert_true(res.out.truncated);
	assert_string_equal(res.err.data, "e");
	assert_false(res.err.truncated);
	command_result_release(&res);
}

/* At the deadline the whole process group is killed, grandchildren too. */
static void
test_timeout_kills_group(void **state)
{
	/* The subshell goes at once: only we can reap the grandchild. */
	char *argv[] = {"sh", "-c", "(sleep 30 & echo $!); sleep 30", NULL};
	struct command_result res;
	pid_t grandchild;

	run("/bin/sh", argv, NULL, 2000, 0, &res);
	assert_true(res.timed_out);
	assert_int_equal(res.exit_status, -1);
	assert_int_equal(res.signal, SIGKILL);
	grandchild = (pid_t)atoi(res.out.data);
	assert_true(grandchild > 0);
	command_result_release(&res);
	sfx_expect_killed(grandchild);
}

/*
 * When the program exits, what it left running in its group is killed
 * at once, so that it neither outlives the command nor holds its pipes.
 */
static void
test_exit_kills_leftovers(void **state)
{
	struct command_result res;
	pid_t left;

	sh("sleep 30 & echo $!", &res);
	assert_false(res.timed_out);
	assert_int_equal(res.exit_status, 0);
	left = (pid_t)atoi(res.out.data);
	assert_true(left > 0);
	command_result_release(&res);
	sfx_expect_killed(left);
}

/*
 * A process that left the group (setsid) is out of reach: the command
 * ends at the deadline if it holds the output open, with the program's
 * own exit status.
 */
static void
test_escaped_process(void **state)
{
	/* It reports its pid once it is in a session of its own. */
	char *argv[] = {"sh", "-c",
			"setsid sleep 30 & p=$!; "
			"until [ \"$(cut -d' ' -f6 /proc/$p/stat)\" = $p ]; "
			"do :; done; echo $p",
			NULL};
	struct command_result res;
	pid_t escaped;

	run("/bin/sh", argv, NULL, 2000, 0, &res);
	assert_true(res.timed_out);
	assert_int_equal(res.exit_status, 0);
	escaped = (pid_t)atoi(res.out.data);
	assert_true(escaped > 0);
	command_result_release(&res);
	/* Still there: no kill reached it.  Clean up after it. */
	assert_int_equal(kill(escaped, 0), 0);
	assert_int_equal(kill(escaped, SIGKILL), 0);
	sfx_expect_killed(escaped);
}

/*
 * The program dies with the process that runs it (PR_SET_PDEATHSIG): a
 * helper runs a command that reports its pid through a FIFO, and is
 * killed.
 */
static void
test_dies_with_parent(void **state)
{
	char dir[] = "/tmp/vss-command-XXXXXX", fifo[64], script[128];
	char buf[32] = "";
	pid_t helper, pid;
	ssize_t n;
	int fd, status;

	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(script, sizeof(script), "echo $$ > %s; exec sleep 30", fifo);
	helper = fork();
	assert_true(helper >= 0);
	if (helper == 0) {
		char *argv[] = {"sh", "-c", script, NULL};
		struct command_opts o = {.path = "/bin/sh", .argv = argv,
					 .envp = no_env, .timeout_ms = 60000};
		struct command_result res;

		command_run(&o, &res);
		_exit(0);
	}
	fd = open(fifo, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	pid = (pid_t)atoi(buf);
	assert_true(pid > 0);

	assert_int_equal(kill(helper, SIGKILL), 0);
	assert_int_equal(waitpid(helper, &status, 0), helper);
	sfx_expect_killed(pid);
	unlink(fifo);
	rmdir(dir);
}

static void
test_last_line(void **state)
{
	struct command_output o = {0};
	char buf[8];

	o.data = "first\nsecond\n\n\r\n";
	o.len = strlen(o.data);
	assert_int_equal(command_output_last_line(&o, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "second");
	o.data = "no newline";
	o.len = strlen(o.data);
	assert_int_equal(command_output_last_line(&o, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "no newl");
	o.data = "a\r\n";
	o.len = 3;
	assert_int_equal(command_output_last_line(&o, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "a");
	o.data = "\n\n";
	o.len = 2;
	assert_int_equal(command_output_last_line(&o, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	o.data = NULL;
	o.len = 0;
	assert_int_equal(command_output_last_line(&o, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_exec_failure),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_stdin_and_cwd),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_output_bounds),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_exit_kills_leftovers),
		cmocka_unit_test(test_escaped_process),
		cmocka_unit_test(test_dies_with_parent),
		cmocka_unit_test(test_last_line),
	};

	/* Orphans of the commands come to us (expect_killed). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
