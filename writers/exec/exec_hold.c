/*
 * writers/exec/exec_hold.c - the held freeze helper (exec_hold.h).
 */
#include "exec_hold.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

struct exec_hold {
	struct exec_command *command;
};

int
exec_hold_start(const struct exec_command_opts *opts, unsigned timeout_ms,
		struct exec_hold **ret, struct exec_command_result *res)
{
	struct exec_command_opts o;
	struct exec_command *c;
	struct exec_hold *h;
	uint64_t deadline;
	int r;

	if (!opts || timeout_ms == 0 || !ret || !res)
		return -EINVAL;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	o = *opts;
	o.stdin_pipe = true;
	deadline = exec_now_ms() + timeout_ms;
	r = exec_command_start(&o, &c);
	if (r < 0) {
		free(h);
		return r;
	}
	r = exec_command_wait(c, deadline, EXEC_HOLD_FROZEN);
	if (r == EXEC_WAIT_LINE && !exec_command_exited(c)) {
		h->command = c;
		*ret = h;
		return 0;
	}
	free(h);
	if (r == EXEC_WAIT_LINE) {
		/* "frozen" and its exit came together: nothing holds. */
		r = exec_command_wait(c, UINT64_MAX, NULL);
		if (r < 0) {
			exec_command_free(c);
			return r;
		}
		exec_command_finish(c, res);
		return 2;
	}
	if (r < 0) {
		exec_command_free(c);
		return r;
	}
	if (r == EXEC_WAIT_DEADLINE)
		exec_command_kill(c);
	exec_command_finish(c, res);
	return 1;
}

bool
exec_hold_release(struct exec_hold *h, int thaw_signal, unsigned timeout_ms,
		  struct exec_command_result *res)
{
	struct exec_command *c = h->command;
	uint64_t deadline = exec_now_ms() + timeout_ms;
	/* Asked before telling it: an exit after that is its thaw. */
	bool gone = exec_command_exited(c);
	int r;

	free(h);
	if (thaw_signal)
		exec_command_signal(c, thaw_signal);
	else
		exec_command_close_stdin(c);
	r = exec_command_wait(c, deadline, NULL);
	if (r == EXEC_WAIT_DEADLINE || r < 0)
		exec_command_kill(c);
	exec_command_finish(c, res);
	if (!gone && thaw_signal && res->end == EXEC_SIGNALED &&
	    res->signal == thaw_signal) {
		res->end = EXEC_EXITED;
		res->exit_status = 0;
		res->signal = 0;
	}
	return gone;
}

int
exec_hold_pgid(const struct exec_hold *h)
{
	return exec_command_pgid(h->command);
}

void
exec_hold_set_output(struct exec_hold *h, exec_line_fn on_line,
		     void *userdata)
{
	exec_command_set_output(h->command, on_line, userdata);
}
