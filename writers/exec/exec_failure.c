/*
 * writers/exec/exec_failure.c - a command's end as a writer failure
 * (exec_failure.h).
 */
#include "exec_failure.h"
#include "exec_hold.h"

#include <stdio.h>
#include <string.h>

#include <vss/status.h>

void
exec_failure_policy_init(struct exec_failure_policy *p)
{
	p->retryable_exit[0] = 75; /* EX_TEMPFAIL */
	p->retryable_count = 1;
	p->other_retryable = false;
}

static bool
retryable_exit(const struct exec_failure_policy *p, int status)
{
	size_t i;

	for (i = 0; i < p->retryable_count; i++)
		if (p->retryable_exit[i] == status)
			return true;
	return p->other_retryable;
}

int
exec_failure_of(const struct exec_command_result *r,
		const struct exec_failure_policy *p, const char *what,
		unsigned timeout_ms, char *msg, size_t size)
{
	const char *sep = r->last_line[0] ? ": " : "";
	char buf[16];

	switch (r->end) {
	case EXEC_EXITED:
		if (r->exit_status == 0)
			return 0;
		if (r->exit_status < 0) {
			snprintf(msg, size,
				 "%s ended with an unknown status%s%s", what,
				 sep, r->last_line);
			return VSS_E_WRITERERROR_NONRETRYABLE;
		}
		snprintf(msg, size, "%s failed with exit status %d%s%s", what,
			 r->exit_status, sep, r->last_line);
		return retryable_exit(p, r->exit_status)
			       ? VSS_E_WRITERERROR_RETRYABLE
			       : VSS_E_WRITERERROR_NONRETRYABLE;
	case EXEC_SIGNALED:
		snprintf(msg, size, "%s was killed by signal %s%s%s", what,
			 exec_signal_name(r->signal, buf), sep, r->last_line);
		return VSS_E_WRITERERROR_NONRETRYABLE;
	case EXEC_TIMED_OUT:
		snprintf(msg, size, "%s timed out after %u ms", what,
			 timeout_ms);
		return VSS_E_WRITERERROR_TIMEOUT;
	}
	snprintf(msg, size, "%s ended in an unknown way", what);
	return VSS_E_WRITERERROR_NONRETRYABLE;
}

int
exec_failure_hold_gone(const struct exec_command_result *r, char *msg,
		       size_t size)
{
	/* Its "frozen" tells nothing about its end. */
	const char *last = strcmp(r->last_line, EXEC_HOLD_FROZEN) == 0
				   ? ""
				   : r->last_line;
	const char *sep = last[0] ? ": " : "";
	char how[64], buf[16];

	if (r->end == EXEC_SIGNALED)
		snprintf(how, sizeof(how), "killed by signal %s",
			 exec_signal_name(r->signal, buf));
	else if (r->end == EXEC_EXITED && r->exit_status >= 0)
		snprintf(how, sizeof(how), "exit status %d", r->exit_status);
	else
		snprintf(how, sizeof(how), "unknown status");
	snprintf(msg, size, "freeze command exited while holding the freeze "
		 "(%s)%s%s", how, sep, last);
	return VSS_E_WRITERERROR_NONRETRYABLE;
}
