/*
 * cli/child.c - starting a child process with posix_spawnp() (child.h).
 */
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include "child.h"

extern char **environ;

int
child_spawn(char *const argv[], char *const env[], const sigset_t *mask,
	    unsigned flags, pid_t *ret_pid)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	short attr_flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	sigset_t dfl;
	int err;

	if (flags & CHILD_NEW_SESSION)
		attr_flags |= POSIX_SPAWN_SETSID;
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if ((err = posix_spawnattr_init(&attr)) != 0)
		return err;
	if ((err = posix_spawn_file_actions_init(&actions)) != 0) {
		posix_spawnattr_destroy(&attr);
		return err;
	}
	err = posix_spawnattr_setflags(&attr, attr_flags);
	if (!err)
		err = posix_spawnattr_setsigmask(&attr, mask);
	if (!err)
		err = posix_spawnattr_setsigdefault(&attr, &dfl);
	if (!err && (flags & CHILD_STDOUT_TO_STDERR))
		err = posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO,
						       STDOUT_FILENO);
	if (!err)
		err = posix_spawnp(ret_pid, argv[0], &actions, &attr, argv,
				   env ? env : environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	return err;
}
