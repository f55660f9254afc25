/*
 * lib/util/runner.h - run a program in a process group of its own and
 * watch it: the one fork, exec and poll loop behind vssd's commands
 * (daemon/command.c) and vss-writerd's script writer
 * (writers/exec/exec_command.c).  It logs nothing and keeps no output:
 * what the program prints goes to a callback.
 *
 * The program runs with stdin on /dev/null or on a pipe we keep, stdout
 * and stderr on pipes, the working directory given (default "/"),
 * exactly the environment given, no other open file, every signal at its
 * default and none blocked; optionally as another user with its groups
 * and with a parent-death signal.  When its exit is seen, whatever it
 * left running in its group is killed (SIGKILL).  It is reaped last of
 * all (runner_reap()), so that its group id cannot be reused while we may
 * still signal it.  Processes that leave the group (setsid) are out of
 * reach.
 *
 * fork, not posix_spawn: the child may switch user and set its
 * parent-death signal, which posix_spawn cannot.  Our callers have
 * threads, so between fork and exec the child makes system calls only;
 * everything it needs is prepared by the caller.
 *
 * Not thread-safe per runner; different runners may run on different
 * threads (each waits for its own child, by pid).
 */
#ifndef VSS_UTIL_RUNNER_H
#define VSS_UTIL_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Who the program runs as; borrowed until runner_start() returns. */
struct runner_user {
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* its supplementary groups */
	size_t ngroups;
};

struct runner_opts {
	const char *path;              /* executed as is (no PATH search) */
	char *const *argv;             /* NULL-terminated; argv[0] its name */
	char *const *envp;             /* the whole environment */
	const char *dir;               /* working directory; NULL: "/" */
	const struct runner_user *user; /* NULL: as we run */
	bool stdin_pipe;               /* stdin a pipe; else /dev/null */
	/*
	 * Signal the program gets when the thread that started it ends
	 * (PR_SET_PDEATHSIG); 0: none.  A program whose starter is gone
	 * already exits 127 at once.
	 */
	int parent_death_signal;
	/*
	 * When the child cannot set itself up (user, directory, exec), it
	 * writes "PREFIX: cannot WHAT" on its stderr before its exit 127;
	 * NULL: it exits 127 silently.
	 */
	const char *fail_prefix;
};

enum runner_stream {
	RUNNER_STDOUT = 1,
	RUNNER_STDERR = 2,
};

/*
 * Output of the program: len bytes of stream (len 0: the stream ended).
 * data valid only during the callback.  Return 0 to go on, 1 to make
 * runner_wait() return RUNNER_STOPPED once this round of reads is done,
 * or a negative errno to make it return that.
 */
typedef int (*runner_output_fn)(void *userdata, enum runner_stream stream,
				const char *data, size_t len);

/* What runner_wait() stopped at. */
enum runner_wait {
	RUNNER_DONE,     /* exited and its output ended (or was cut) */
	RUNNER_STOPPED,  /* the callback asked to stop */
	RUNNER_DEADLINE, /* the deadline passed first */
};

struct runner; /* a started program */

/* CLOCK_MONOTONIC in milliseconds: the clock of the deadlines. */
uint64_t runner_now_ms(void);

/*
 * Start the program.  0 with *ret (caller owns; end it with
 * runner_reap()), or a negative errno (-EINVAL for missing path, argv
 * or environment).
 */
int runner_start(const struct runner_opts *opts, struct runner **ret);

/*
 * Hand output to fn (NULL: read and drop it) until the program has
 * exited and its output ended, fn asked to stop, or the absolute
 * deadline (runner_now_ms(); UINT64_MAX: none) has passed.  With
 * exit_grace_ms > 0, once the exit was seen the output is read that long
 * at most, deadline or not; then reading stops (runner_output_cut()) and
 * the result is RUNNER_DONE.  With 0, reading goes on until the deadline.
 * One read per stream and round, so that a program that never stops
 * writing cannot outlast its deadline.  0 or more is the enum
 * runner_wait; a negative errno if poll() or read() failed, or what fn
 * returned.
 */
int runner_wait(struct runner *r, uint64_t deadline_ms,
		unsigned exit_grace_ms, runner_output_fn fn, void *userdata);

/* Has the program exited (seen or not yet)?  Waits for nothing. */
bool runner_exited(const struct runner *r);
/* When its exit was seen (runner_now_ms()); 0: not yet. */
uint64_t runner_exited_ms(const struct runner *r);
/* Did runner_wait() stop reading at the exit grace's end? */
bool runner_output_cut(const struct runner *r);
/* Send sig to its whole group; 0 or a negative errno. */
int runner_signal(struct runner *r, int sig);
/* Its pid, which is also its process group id. */
pid_t runner_pid(const struct runner *r);
/* Close our end of its stdin pipe (EOF for it); idempotent. */
void runner_close_stdin(struct runner *r);
/* Stop reading its output: close our ends of its pipes. */
void runner_stop_reading(struct runner *r);

/*
 * Kill its group (SIGKILL) unless its exit was seen, stop reading, wait
 * for it and free r.  Returns its wait status, or -1 when it was reaped
 * by someone else (SIGCHLD ignored) and its fate is unknown.  A program
 * in uninterruptible sleep is reaped when it wakes.  NULL: -1.
 */
int runner_reap(struct runner *r);

#endif
