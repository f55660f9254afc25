/*
 * tests/writers/test_exec_command.c - the script writer's command runner
 * (writers/exec/exec_command.c), held freeze helper (exec_hold.c) and
 * failure mapping (exec_failure.c): exit statuses and signals, output
 * lines and their bounds, the deadline killing the whole process group,
 * what a command leaves behind, the held freeze released by closing its
 * stdin and by a signal, helpers that exit early or never freeze, and
 * the environment, working directory, user and fds a command gets.
 *
 * The test makes itself a child subreaper, so that what a command leaves
 * behind is reparented to it and its fate can be read with waitpid():
 * a process the runner failed to kill would make that wait, and so the
 * test, hang until meson's timeout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vss/status.h>

#include "exec_command.h"
#include "exec_failure.h"
#include "exec_hold.h"

#define LINES_MAX 64

/* What the line callback saw. */
struct seen {
	unsigned count;
	enum exec_stream stream[LINES_MAX];
	char line[LINES_MAX][2048];
	bool cut[LINES_MAX];
};

static void
collect(void *userdata, enum exec_stream stream, const char *line, bool cut)
{
	struct seen *s = userdata;

	assert_true(s->count < LINES_MAX);
	s->stream[s->count] = stream;
	snprintf(s->line[s->count], sizeof(s->line[0]), "%s", line);
	s->cut[s->count] = cut;
	s->count++;
}

static char *const test_env[] = {"PATH=/usr/bin:/bin", NULL};

static void
opts_init(struct exec_command_opts *o, const char *command, struct seen *s)
{
	memset(o, 0, sizeof(*o));
	o->command = command;
	o->envp = test_env;
	if (s) {
		o->on_line = collect;
		o->userdata = s;
		memset(s, 0, sizeof(*s));
	}
}

/* Run command (10 s at most), expecting it to be run. */
static void
run(const char *command, struct seen *s, struct exec_command_result *res)
{
	struct exec_command_opts o;

	opts_init(&o, command, s);
	assert_int_equal(exec_command_run(&o, 10000, res), 0);
}

/* The line of stream that starts with prefix, or NULL. */
static const char *
find_line(const struct seen *s, enum exec_stream stream, const char *prefix)
{
	unsigned i;

	for (i = 0; i < s->count; i++)
		if (s->stream[i] == stream &&
		    strncmp(s->line[i], prefix, strlen(prefix)) == 0)
			return s->line[i];
	return NULL;
}

/* The pid a command printed as "pid N". */
static pid_t
printed_pid(const struct seen *s, const char *tag)
{
	const char *line = find_line(s, EXEC_STDOUT, tag);

	assert_non_null(line);
	return (pid_t)atoi(line + strlen(tag));
}

/*
 * A process the command left is gone, killed by sig.  It was reparented
 * to us when its shell died, and we wait for it; unless the shell,
 * killed with it, reaped it first (a shell in wait() may do so before
 * it dies itself): then it is gone and how cannot be told.
 */
static void
assert_killed(pid_t pid, int sig)
{
	int status;

	assert_true(pid > 1);
	if (waitpid(pid, &status, 0) == pid) {
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), sig);
		return;
	}
	assert_int_equal(errno, ECHILD);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

/*
 * Nothing of the group is left: what it left behind is ours now; wait
 * for each (each must die, by a signal) until none is left.
 */
static void
assert_group_gone(pid_t pgid)
{
	int status;

	while (waitpid(-pgid, &status, 0) > 0)
		assert_true(WIFSIGNALED(status));
	assert_int_equal(errno, ECHILD);
	assert_int_equal(kill(-pgid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

/* ---- exit statuses and their meaning ---------------------------------- */

static void
test_exit_status(void **state)
{
	struct exec_command_result res;
	struct seen s;

	run("exit 0", &s, &res);
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(res.signal, 0);
	assert_string_equal(res.last_line, "");

	run("echo about to fail >&2; exit 3", &s, &res);
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 3);
	assert_string_equal(res.last_line, "about to fail");

	run("kill -KILL $$", &s, &res);
	assert_int_equal(res.end, EXEC_SIGNALED);
	assert_int_equal(res.signal, SIGKILL);
	assert_int_equal(res.exit_status, -1);
}

static void
test_failure_mapping(void **state)
{
	struct exec_command_result res = {.end = EXEC_EXITED};
	struct exec_failure_policy p;
	char msg[512];

	exec_failure_policy_init(&p);
	res.exit_status = 0;
	assert_int_equal(exec_failure_of(&res, &p, "freeze command", 1000, msg,
					 sizeof(msg)), 0);

	res.exit_status = 75;
	snprintf(res.last_line, sizeof(res.last_line), "busy, try later");
	assert_int_equal(exec_failure_of(&res, &p, "freeze command", 1000, msg,
					 sizeof(msg)),
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_string_equal(msg, "freeze command failed with exit status 75: "
				 "busy, try later");

	res.exit_status = 1;
	res.last_line[0] = '\0';
	assert_int_equal(exec_failure_of(&res, &p, "thaw command", 1000, msg,
					 sizeof(msg)),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_string_equal(msg, "thaw command failed with exit status 1");

	/* retryable_exit = 4 5, failure = retryable. */
	p.retryable_exit[0] = 4;
	p.retryable_exit[1] = 5;
	p.retryable_count = 2;
	res.exit_status = 75;
	assert_int_equal(exec_failure_of(&res, &p, "x", 1000, msg, sizeof(msg)),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	res.exit_status = 5;
	assert_int_equal(exec_failure_of(&res, &p, "x", 1000, msg, sizeof(msg)),
			 VSS_E_WRITERERROR_RETRYABLE);
	p.other_retryable = true;
	res.exit_status = 1;
	assert_int_equal(exec_failure_of(&res, &p, "x", 1000, msg, sizeof(msg)),
			 VSS_E_WRITERERROR_RETRYABLE);

	/* A signal is never retryable, whatever failure says. */
	res.end = EXEC_SIGNALED;
	res.signal = SIGSEGV;
	res.exit_status = -1;
	assert_int_equal(exec_failure_of(&res, &p, "freeze command", 1000, msg,
					 sizeof(msg)),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_string_equal(msg, "freeze command was killed by signal SEGV");

	res.end = EXEC_TIMED_OUT;
	res.signal = SIGTERM;
	assert_int_equal(exec_failure_of(&res, &p, "freeze command", 2000, msg,
					 sizeof(msg)),
			 VSS_E_WRITERERROR_TIMEOUT);
	assert_string_equal(msg, "freeze command timed out after 2000 ms");
}

/* A real command's exit through the mapping: 75 is retryable. */
static void
test_exit_75_retryable(void **state)
{
	struct exec_command_result res;
	struct exec_failure_policy p;
	char msg[512];

	exec_failure_policy_init(&p);
	run("echo locked by another backup >&2; exit 75", NULL, &res);
	assert_int_equal(exec_failure_of(&res, &p, "prepare_backup command",
					 60000, msg, sizeof(msg)),
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_string_equal(msg, "prepare_backup command failed with exit "
				 "status 75: locked by another backup");
}

/* ---- output ------------------------------------------------------------ */

static void
test_output_lines(void **state)
{
	struct exec_command_result res;
	struct seen s;

	run("echo one; echo two >&2; printf 'dos\\r\\n'; echo; "
	    "printf 'no line end'",
	    &s, &res);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(s.count, 5);
	assert_int_equal(res.lines, 5);
	assert_int_equal(res.lines_dropped, 0);
	assert_non_null(find_line(&s, EXEC_STDOUT, "one"));
	assert_non_null(find_line(&s, EXEC_STDERR, "two"));
	assert_string_equal(find_line(&s, EXEC_STDOUT, "dos"), "dos");
	assert_non_null(find_line(&s, EXEC_STDOUT, "no line end"));
	/* stderr's last line is preferred for messages. */
	assert_string_equal(res.last_line, "two");

	run("echo first; echo last; echo '   '", &s, &res);
	assert_string_equal(res.last_line, "last");
}

static void
test_output_bounds(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct seen s;

	opts_init(&o, "head -c 5000 /dev/zero | tr '\\0' x; echo; echo short",
		  &s);
	o.max_line = 100;
	assert_int_equal(exec_command_run(&o, 10000, &res), 0);
	assert_int_equal(s.count, 2);
	assert_int_equal(strlen(s.line[0]), 100);
	assert_true(s.cut[0]);
	assert_string_equal(s.line[1], "short");
	assert_false(s.cut[1]);

	opts_init(&o, "seq 1 5000", &s);
	o.max_lines = 10;
	assert_int_equal(exec_command_run(&o, 10000, &res), 0);
	assert_int_equal(s.count, 10);
	assert_string_equal(s.line[9], "10");
	assert_int_equal(res.lines, 5000);
	assert_int_equal(res.lines_dropped, 4990);
	/* The last line is kept even when it is not handed on. */
	assert_string_equal(res.last_line, "5000");

	/* The kept last line is bounded too. */
	run("head -c 3000 /dev/zero | tr '\\0' y >&2", NULL, &res);
	assert_int_equal(strlen(res.last_line), EXEC_COMMAND_LAST_LINE - 1);
}

/* ---- the deadline and what is left behind ----------------------------- */

/*
 * Start command, wait for its "ready" line, then do what its deadline
 * does: kill it (exec_command_kill()); waiting for "ready" rather than a
 * clock keeps the test free of timing.
 */
static void
kill_when_ready(const char *command, struct seen *s,
		struct exec_command_result *res)
{
	struct exec_command_opts o;
	struct exec_command *c;

	opts_init(&o, command, s);
	assert_int_equal(exec_command_start(&o, &c), 0);
	assert_int_equal(exec_command_wait(c, UINT64_MAX, "ready"),
			 EXEC_WAIT_LINE);
	exec_command_kill(c);
	exec_command_finish(c, res);
}

static void
test_deadline(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;

	opts_init(&o, "sleep 100", NULL);
	assert_int_equal(exec_command_run(&o, 300, &res), 0);
	assert_int_equal(res.end, EXEC_TIMED_OUT);
	assert_int_equal(res.signal, SIGTERM);
}

static void
test_deadline_kills_group(void **state)
{
	struct exec_command_result res;
	struct seen s;
	pid_t shell, bg;

	kill_when_ready("echo shell $$; sleep 100 & echo bg $!; echo ready; "
			"sleep 100",
			&s, &res);
	assert_int_equal(res.end, EXEC_TIMED_OUT);
	assert_int_equal(res.signal, SIGTERM);
	shell = printed_pid(&s, "shell ");
	bg = printed_pid(&s, "bg ");
	assert_killed(bg, SIGTERM);
	assert_group_gone(shell);
}

/* A command that ignores SIGTERM gets SIGKILL EXEC_COMMAND_KILL_MS later. */
static void
test_deadline_sigkill(void **state)
{
	struct exec_command_result res;
	struct seen s;
	pid_t shell, bg;

	kill_when_ready("trap '' TERM; echo shell $$; sleep 100 & echo bg $!; "
			"echo ready; sleep 100",
			&s, &res);
	assert_int_equal(res.end, EXEC_TIMED_OUT);
	assert_int_equal(res.signal, SIGKILL);
	shell = printed_pid(&s, "shell ");
	bg = printed_pid(&s, "bg ");
	assert_killed(bg, SIGKILL);
	assert_group_gone(shell);
}

/* What a command leaves in its group when it exits is killed. */
static void
test_leftover_killed(void **state)
{
	struct exec_command_result res;
	struct seen s;
	pid_t shell, bg;

	run("echo shell $$; sleep 100 >/dev/null 2>&1 & echo bg $!; exit 0",
	    &s, &res);
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 0);
	shell = printed_pid(&s, "shell ");
	bg = printed_pid(&s, "bg ");
	assert_killed(bg, SIGKILL);
	assert_group_gone(shell);
}

/* ---- what a command is given ------------------------------------------ */

static void
test_environment(void **state)
{
	char *env[] = {"PATH=/usr/bin:/bin", "VSS_EVENT=freeze",
		       "VSS_VOLUMES=/mnt/a\n/mnt/b", NULL};
	struct exec_command_opts o;
	struct exec_command_result res;
	struct seen s;

	opts_init(&o,
		  "echo \"event=$VSS_EVENT\"; printf 'volumes=%s\\n' "
		  "\"$(echo \"$VSS_VOLUMES\" | tr '\\n' ,)\"; "
		  "echo \"home=${HOME-unset}\"",
		  &s);
	o.envp = env;
	assert_int_equal(exec_command_run(&o, 10000, &res), 0);
	assert_int_equal(res.exit_status, 0);
	assert_non_null(find_line(&s, EXEC_STDOUT, "event=freeze"));
	assert_string_equal(find_line(&s, EXEC_STDOUT, "volumes="),
			    "volumes=/mnt/a,/mnt/b,");
	/* Exactly the environment given: ours had HOME, the command not. */
	assert_string_equal(find_line(&s, EXEC_STDOUT, "home="),
			    "home=unset");
}

static void
test_working_dir(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct seen s;

	run("pwd", &s, &res);
	assert_string_equal(s.line[0], "/");

	opts_init(&o, "pwd", &s);
	o.working_dir = "/tmp";
	assert_int_equal(exec_command_run(&o, 10000, &res), 0);
	assert_string_equal(s.line[0], "/tmp");

	opts_init(&o, "pwd", &s);
	o.working_dir = "/nonexistent/dir";
	assert_int_equal(exec_command_run(&o, 10000, &res), 0);
	assert_int_equal(res.exit_status, 127);
	assert_string_equal(res.last_line, "vss-writerd: cannot change to the "
					   "working directory");
}

static void
test_user(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct exec_command *c;
	const struct passwd *pw;
	char want[512];
	struct seen s;

	opts_init(&o, "id -u; echo \"home=$HOME user=$USER\"", &s);
	o.user = "no-such-user-of-vss";
	assert_int_equal(exec_command_start(&o, &c), -ENOENT);
	if (geteuid() != 0)
		skip();
	pw = getpwnam("nobody");
	assert_non_null(pw);
	assert_int_equal(pw->pw_uid, 65534);
	snprintf(want, sizeof(want), "home=%s user=nobody", pw->pw_dir);
	opts_init(&o, "id -u; id -G; echo \"home=$HOME user=$USER\"", &s);
	o.user = "nobody";
	assert_int_equal(exec_command_run(&o, 10000, &res), 0);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(s.count, 3);
	assert_string_equal(s.line[0], "65534");
	/* nobody's groups only (nogroup), none of ours (root's). */
	assert_string_equal(s.line[1], "65534");
	assert_string_equal(s.line[2], want);
}

/*
 * Only stdin, stdout and stderr: not even an fd we left inheritable.  The
 * shell checks its fds with builtins only, so that it opens none itself.
 */
static void
test_no_fd_leaked(void **state)
{
	struct exec_command_result res;
	struct seen s;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int leaky = fcntl(fd, F_DUPFD, 50);

	close(fd);
	assert_int_equal(leaky, 50);
	run("n=0; while [ $n -lt 64 ]; do "
	    "[ -e /proc/$$/fd/$n ] && printf '%s ' $n; n=$((n + 1)); done; "
	    "echo",
	    &s, &res);
	close(leaky);
	assert_int_equal(res.exit_status, 0);
	assert_string_equal(s.line[0], "0 1 2 ");
}

/* stdin is /dev/null unless it is a pipe. */
static void
test_stdin_null(void **state)
{
	struct exec_command_result res;
	struct seen s;

	run("cat; echo cat done", &s, &res);
	assert_int_equal(res.exit_status, 0);
	assert_string_equal(s.line[0], "cat done");
}

/*
 * Every signal at its default and none blocked, whatever ours are: with
 * SIGPIPE and SIGINT ignored and SIGTERM blocked here, a program the
 * command runs (grep, reading its own status) has none ignored and none
 * blocked.
 */
static void
test_signals_clean(void **state)
{
	struct exec_command_result res;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe, old_int;
	sigset_t term, old_mask;
	struct seen s;

	sigaction(SIGPIPE, &ign, &old_pipe);
	sigaction(SIGINT, &ign, &old_int);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old_mask);
	run("grep -E 'SigBlk|SigIgn' /proc/self/status", &s, &res);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(s.count, 2);
	assert_string_equal(find_line(&s, EXEC_STDOUT, "SigBlk:"),
			    "SigBlk:\t0000000000000000");
	assert_string_equal(find_line(&s, EXEC_STDOUT, "SigIgn:"),
			    "SigIgn:\t0000000000000000");
}

/*
 * The shell exits but a process outside its group (setsid) keeps its
 * stdout open: the output is read EXEC_COMMAND_GRACE_MS more, then cut,
 * and the exit status is the result (not a timeout).
 */
static void
test_output_held_outside(void **state)
{
	struct exec_command_result res;
	struct seen s;
	pid_t bg;

	/* Exit once it has left the group (else the exit's kill gets it). */
	run("setsid sleep 100 & p=$!; echo bg $p; "
	    "while [ \"$(cut -d' ' -f5 /proc/$p/stat)\" = $$ ]; do "
	    "sleep 0.01; done; echo done >&2; exit 3",
	    &s, &res);
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 3);
	assert_true(res.output_cut);
	assert_string_equal(res.last_line, "done");
	bg = printed_pid(&s, "bg ");
	/* Out of the runner's reach: still running; ours to end. */
	assert_int_equal(kill(bg, SIGKILL), 0);
	assert_killed(bg, SIGKILL);

	run("echo plain", &s, &res);
	assert_false(res.output_cut);
}

/* ---- the held freeze ---------------------------------------------------- */

static void
test_hold_released_by_stdin_close(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct exec_hold *h;
	struct seen s;
	pid_t pgid;

	opts_init(&o, "echo freezing; echo frozen; cat; echo thawed", &s);
	assert_int_equal(exec_hold_start(&o, 10000, &h, &res), 0);
	assert_int_equal(s.count, 2);
	assert_string_equal(s.line[1], "frozen");
	pgid = exec_hold_pgid(h);
	/* It holds: still running. */
	assert_int_equal(kill(-pgid, 0), 0);
	assert_false(exec_hold_release(h, 0, 10000, &res));
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(s.count, 3);
	assert_string_equal(s.line[2], "thawed");
	assert_group_gone(pgid);
}

static void
test_hold_released_by_signal(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct exec_hold *h;
	struct seen s;

	opts_init(&o,
		  "trap 'echo thawed; exit 0' USR1; echo frozen; "
		  "sleep 100 & wait",
		  &s);
	assert_int_equal(exec_hold_start(&o, 10000, &h, &res), 0);
	assert_false(exec_hold_release(h, SIGUSR1, 10000, &res));
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 0);
	assert_string_equal(s.line[s.count - 1], "thawed");

	/* Killed by the thaw signal itself: what it was asked to do. */
	opts_init(&o, "echo frozen; exec sleep 100", &s);
	assert_int_equal(exec_hold_start(&o, 10000, &h, &res), 0);
	assert_false(exec_hold_release(h, SIGTERM, 10000, &res));
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 0);
}

static void
test_hold_thaw_fails(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct exec_hold *h;
	struct seen s;

	opts_init(&o, "echo frozen; cat; echo cannot thaw >&2; exit 2", &s);
	assert_int_equal(exec_hold_start(&o, 10000, &h, &res), 0);
	assert_false(exec_hold_release(h, 0, 10000, &res));
	assert_int_equal(res.exit_status, 2);
	assert_string_equal(res.last_line, "cannot thaw");
}

/* A helper that ignores its stdin's end is killed at the thaw deadline. */
static void
test_hold_thaw_deadline(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct exec_hold *h;
	struct seen s;
	pid_t shell;

	opts_init(&o, "echo shell $$; echo frozen; sleep 100", &s);
	assert_int_equal(exec_hold_start(&o, 10000, &h, &res), 0);
	shell = printed_pid(&s, "shell ");
	exec_hold_release(h, 0, 200, &res);
	assert_int_equal(res.end, EXEC_TIMED_OUT);
	assert_group_gone(shell);
}

static void
test_hold_exits_before_frozen(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct exec_hold *h = NULL;
	struct seen s;

	opts_init(&o, "echo cannot lock >&2; exit 3", &s);
	assert_int_equal(exec_hold_start(&o, 10000, &h, &res), 1);
	assert_null(h);
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 3);
	assert_string_equal(res.last_line, "cannot lock");

	/* "frozen" on stderr does not count. */
	opts_init(&o, "echo frozen >&2", &s);
	assert_int_equal(exec_hold_start(&o, 10000, &h, &res), 1);
	assert_int_equal(res.exit_status, 0);
}

/*
 * Never "frozen": killed at the freeze deadline with all its group.  The
 * pids it prints are checked when they came before the deadline (they
 * do unless the machine is very slow).
 */
static void
test_hold_never_frozen(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct exec_hold *h = NULL;
	struct seen s;

	opts_init(&o, "echo shell $$; sleep 100 & echo bg $!; wait", &s);
	assert_int_equal(exec_hold_start(&o, 500, &h, &res), 1);
	assert_null(h);
	assert_int_equal(res.end, EXEC_TIMED_OUT);
	if (find_line(&s, EXEC_STDOUT, "bg ")) {
		assert_killed(printed_pid(&s, "bg "), SIGTERM);
		assert_group_gone(printed_pid(&s, "shell "));
	}
}

/* Wait until the helper's shell has exited, without reaping it. */
static void
wait_exited(pid_t pid)
{
	siginfo_t si;

	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
}

/*
 * Start a helper that says "frozen", waits for a go file we make once
 * it holds, then runs then; wait until it has exited.
 */
static struct exec_hold *
hold_then(const char *then, struct seen *s)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	char dir[] = "/tmp/test-exec-hold.XXXXXX", go[64], cmd[512];
	struct exec_hold *h;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(go, sizeof(go), "%s/go", dir);
	snprintf(cmd, sizeof(cmd),
		 "echo frozen; while [ ! -e %s ]; do sleep 0.01; done; %s", go,
		 then);
	opts_init(&o, cmd, s);
	assert_int_equal(exec_hold_start(&o, 10000, &h, &res), 0);
	fd = open(go, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	wait_exited(exec_hold_pgid(h));
	unlink(go);
	rmdir(dir);
	return h;
}

/*
 * A helper gone while held: release says so whatever its exit status
 * (even 0: nothing held the freeze), reports how, and raises no SIGPIPE.
 */
static void
test_hold_gone_while_held(void **state)
{
	struct exec_command_result res;
	struct exec_hold *h;
	struct seen s;
	char msg[512];

	h = hold_then("exec 0<&-; exit 4", &s);
	assert_true(exec_hold_release(h, 0, 10000, &res));
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 4);
	assert_int_equal(exec_failure_hold_gone(&res, msg, sizeof(msg)),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_string_equal(msg, "freeze command exited while holding the "
				 "freeze (exit status 4)");

	h = hold_then("echo lost my lock >&2; exit 0", &s);
	/* With a thaw signal too, and it is not taken for its end. */
	assert_true(exec_hold_release(h, SIGTERM, 10000, &res));
	assert_int_equal(res.end, EXEC_EXITED);
	assert_int_equal(res.exit_status, 0);
	exec_failure_hold_gone(&res, msg, sizeof(msg));
	assert_string_equal(msg, "freeze command exited while holding the "
				 "freeze (exit status 0): lost my lock");

	h = hold_then("kill -KILL $$", &s);
	assert_true(exec_hold_release(h, 0, 10000, &res));
	assert_int_equal(res.end, EXEC_SIGNALED);
	exec_failure_hold_gone(&res, msg, sizeof(msg));
	assert_string_equal(msg, "freeze command exited while holding the "
				 "freeze (killed by signal KILL)");
}

/*
 * "frozen" and the exit at once: either the start sees the exit already
 * (2) or the release does; never a good freeze and thaw.
 */
static void
test_hold_frozen_and_exit(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct exec_hold *h;
	struct seen s;
	int i, r;

	for (i = 0; i < 20; i++) {
		opts_init(&o, "echo frozen; exit 0", &s);
		r = exec_hold_start(&o, 10000, &h, &res);
		if (r == 0) {
			wait_exited(exec_hold_pgid(h));
			assert_true(exec_hold_release(h, 0, 10000, &res));
		} else {
			assert_int_equal(r, 2);
		}
		assert_int_equal(res.end, EXEC_EXITED);
		assert_int_equal(res.exit_status, 0);
		assert_string_equal(s.line[0], "frozen");
	}
}

/* A helper that still holds is not taken for gone. */
static void
test_hold_not_gone(void **state)
{
	struct exec_command_opts o;
	struct exec_command_result res;
	struct exec_hold *h;
	struct seen s;

	opts_init(&o, "echo frozen; cat", &s);
	assert_int_equal(exec_hold_start(&o, 10000, &h, &res), 0);
	assert_false(exec_hold_release(h, 0, 10000, &res));
	assert_int_equal(res.exit_status, 0);
}

static void
test_signal_names(void **state)
{
	char buf[16];

	assert_int_equal(exec_signal_parse("TERM"), SIGTERM);
	assert_int_equal(exec_signal_parse("SIGUSR1"), SIGUSR1);
	assert_int_equal(exec_signal_parse("hup"), SIGHUP);
	assert_int_equal(exec_signal_parse("NOPE"), 0);
	assert_int_equal(exec_signal_parse(""), 0);
	assert_string_equal(exec_signal_name(SIGKILL, buf), "KILL");
	assert_string_equal(exec_signal_name(200, buf), "signal 200");
}

static int
setup(void **state)
{
	/* Orphans of the commands come to us (see the top). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -1;
	/* The runner must not rely on our SIGPIPE disposition. */
	signal(SIGPIPE, SIG_DFL);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_failure_mapping),
		cmocka_unit_test(test_exit_75_retryable),
		cmocka_unit_test(test_output_lines),
		cmocka_unit_test(test_output_bounds),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_deadline_kills_group),
		cmocka_unit_test(test_deadline_sigkill),
		cmocka_unit_test(test_leftover_killed),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_working_dir),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_no_fd_leaked),
		cmocka_unit_test(test_stdin_null),
		cmocka_unit_test(test_signals_clean),
		cmocka_unit_test(test_output_held_outside),
		cmocka_unit_test(test_hold_released_by_stdin_close),
		cmocka_unit_test(test_hold_released_by_signal),
		cmocka_unit_test(test_hold_thaw_fails),
		cmocka_unit_test(test_hold_thaw_deadline),
		cmocka_unit_test(test_hold_exits_before_frozen),
		cmocka_unit_test(test_hold_never_frozen),
		cmocka_unit_test(test_hold_gone_while_held),
		cmocka_unit_test(test_hold_frozen_and_exit),
		cmocka_unit_test(test_hold_not_gone),
		cmocka_unit_test(test_signal_names),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
