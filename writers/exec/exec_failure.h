/*
 * writers/exec/exec_failure.h - what a command's end means for the
 * writer (docs/writer-exec.md "Exit status"): exit 0 succeeds; an exit
 * status listed in retryable_exit is VSS_E_WRITERERROR_RETRYABLE; any
 * other exit status is what `failure` says; a command killed by a signal
 * is VSS_E_WRITERERROR_NONRETRYABLE, and one that missed its deadline is
 * VSS_E_WRITERERROR_TIMEOUT.
 */
#ifndef EXEC_FAILURE_H
#define EXEC_FAILURE_H

#include <stdbool.h>
#include <stddef.h>

#include "exec_command.h"

#define EXEC_RETRYABLE_EXIT_MAX 16

struct exec_failure_policy {
	int retryable_exit[EXEC_RETRYABLE_EXIT_MAX];
	size_t retryable_count;
	bool other_retryable; /* failure = retryable */
};

/* The default: 75 (EX_TEMPFAIL) is retryable, other exits are not. */
void exec_failure_policy_init(struct exec_failure_policy *p);

/*
 * 0 when r is a success, else the VSS_E_WRITERERROR_* status with msg
 * set, e.g. "freeze command failed with exit status 3: <last line>" or
 * "freeze command timed out after 2000 ms".  what names the command
 * ("freeze command"); timeout_ms is its deadline.
 */
int exec_failure_of(const struct exec_command_result *r,
		    const struct exec_failure_policy *p, const char *what,
		    unsigned timeout_ms, char *msg, size_t size);

/*
 * A held freeze command that had exited before it was told to thaw
 * (exec_hold.h): nothing held the freeze, so the shadow copy may not be
 * consistent, whatever its exit status.  VSS_E_WRITERERROR_NONRETRYABLE
 * with msg "freeze command exited while holding the freeze (exit status
 * N)" (or "(killed by signal NAME)"), its last line (unless that is
 * its "frozen") after ": ".
 */
int exec_failure_hold_gone(const struct exec_command_result *r, char *msg,
			   size_t size);

#endif
