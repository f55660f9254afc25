/*
 * writers/exec/exec_hold.h - the held freeze helper of the script writer
 * (freeze_hold = true, docs/writer-exec.md "The held freeze").
 *
 * The helper is a command (exec_command.h) started with its stdin on a
 * pipe we keep.  It freezes its application, prints a line "frozen" on
 * stdout and then holds the freeze (a lock, a session) until its stdin
 * ends or it gets the thaw signal, when it thaws and exits.  Because the
 * end of stdin is what releases it, a helper also thaws on its own when
 * vss-writerd dies.
 */
#ifndef EXEC_HOLD_H
#define EXEC_HOLD_H

#include "exec_command.h"

/* The line a helper prints when it holds the freeze. */
#define EXEC_HOLD_FROZEN "frozen"

struct exec_hold; /* a helper holding a freeze */

/*
 * Start the helper (opts->stdin_pipe is implied) and wait up to
 * timeout_ms (> 0) for its "frozen" line, handing its output on.
 *   0: frozen; *ret holds it (caller owns; end it with
 *      exec_hold_release()).
 *   1: it did not get there: it exited first, or it was killed at the
 *      deadline (res->end EXEC_TIMED_OUT); *res says how it ended.
 *   2: it printed "frozen" but had exited already when we looked: it
 *      holds nothing; *res says how it ended.
 *   negative errno: it could not be started or watched (then killed);
 *      *res untouched.
 * While it holds, its output waits in the pipes (a helper that prints
 * more than a pipe holds blocks) and is handed on at release.
 */
int exec_hold_start(const struct exec_command_opts *opts, unsigned timeout_ms,
		    struct exec_hold **ret, struct exec_command_result *res);

/*
 * Tell the helper to thaw: close its stdin (thaw_signal 0) or send
 * thaw_signal to its process group; wait up to timeout_ms (> 0) for it
 * to exit, handing its output on; after that its group is killed
 * (SIGTERM, SIGKILL; res->end EXEC_TIMED_OUT).  *res says how it ended;
 * frees h.  A helper killed by thaw_signal itself is reported as exit
 * status 0: that is what it was asked to do.
 * Returns true when the helper had exited before it was told (looked at
 * without waiting): the freeze was not held for some time before the
 * release, whatever its exit status says (exec_failure_hold_gone()).
 */
bool exec_hold_release(struct exec_hold *h, int thaw_signal,
		       unsigned timeout_ms, struct exec_command_result *res);

/* Where its output lines go from now on (the start's userdata may be
 * gone by release). */
void exec_hold_set_output(struct exec_hold *h, exec_line_fn on_line,
			  void *userdata);

/* The helper's process group id, for logs. */
int exec_hold_pgid(const struct exec_hold *h);

#endif
