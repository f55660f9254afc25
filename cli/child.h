/*
 * cli/child.h - starting a child process from vss ("vss exec"'s COMMAND,
 * a restore's service command).  vss has threads (the requester's I/O
 * thread), so a child is started with posix_spawn(), never fork(): a
 * forked child of a threaded process may only make async-signal-safe
 * calls before exec.  (Not "spawn.h": that would hide <spawn.h>.)
 */
#ifndef VSS_CLI_CHILD_H
#define VSS_CLI_CHILD_H

#include <signal.h>
#include <sys/types.h>

enum child_flags {
	/* The child's standard output goes to vss's standard error (vss's
	 * standard output holds a report). */
	CHILD_STDOUT_TO_STDERR = 1 << 0,
	/*
	 * The child leads a session of its own: the terminal's Ctrl-C,
	 * Ctrl-\ and hang-up, and a signal sent to vss's process group,
	 * never reach it.  It has no controlling terminal then (a command
	 * that asks for a password on /dev/tty cannot).
	 */
	CHILD_NEW_SESSION = 1 << 1,
};

/*
 * Start argv[0] (looked up in $PATH) with argv and env (NULL: vss's
 * environment), the signal mask mask and SIGPIPE back to its default
 * (vss ignores it); signals vss catches are default in the child as
 * exec makes them.  flags: enum child_flags.  0 with *ret_pid, or a
 * positive errno (posix_spawn's convention).
 */
int child_spawn(char *const argv[], char *const env[], const sigset_t *mask,
		unsigned flags, pid_t *ret_pid);

#endif
