/*
 * cli/connect.h - what the commands that talk to vssd share: connecting
 * as a requester, waiting for long operations (interruptible with Ctrl-C),
 * and reading ids, contexts and backup types from the command line.
 *
 * vssd's socket is $VSS_SOCKET, else /run/vss/vssd.sock.  Every function
 * that fails prints "vss: CMD: ..." on standard error itself and returns
 * an enum cli_exit value, so that a command can return it as it is.
 */
#ifndef VSS_CLI_CONNECT_H
#define VSS_CLI_CONNECT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <vss/requester.h>
#include <vss/types.h>

#include "cli.h"

/*
 * Connect to vssd, initialize_for_backup (a new document) and set_context
 * (context: VSS_CTX_* with attribute bits, or VSS_CTX_ALL for the
 * management commands).  Caller owns *ret; free with
 * vss_requester_free(), which also ends the session (vssd then releases
 * the auto-release shadow copies of it).
 */
int cli_connect(const struct cli_command *cmd, int32_t context,
		vss_requester **ret);
/*
 * The socket cli_connect() connects to: $VSS_SOCKET when set and not
 * empty, else /run/vss/vssd.sock.  Borrowed: valid until the environment
 * changes.
 */
const char *cli_socket_path(void);

/*
 * Wait for a long operation and free the handle.  what names it in a
 * message ("gathering writer metadata").  When a stop signal arrives
 * (cli_catch_signals()) the operation is cancelled and the wait ends
 * with CLI_EXIT_FAILED.  Returns CLI_EXIT_OK when the operation
 * succeeded; otherwise prints its status and returns CLI_EXIT_FAILED.
 * *ret_status (may be NULL) gets the operation's outcome: 0 or a status.
 */
int cli_wait(const struct cli_command *cmd, vss_async *a, const char *what,
	     int *ret_status);

/*
 * Catch the stop signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) from now on:
 * the first sets a flag instead of killing the process, so that a
 * command aborts the backup, removes what it was writing and exits 1; a
 * second one kills the process as if it had not been caught (a Ctrl-C
 * that cannot wait for the clean-up), unless cli_hold_signals() or
 * cli_defer_escalation() says otherwise.  SIGPIPE is ignored (a closed pipe
 * is an error on the write).
 */
void cli_catch_signals(void);
/* Add the stop signals to set (to block them around a child's wait). */
void cli_add_stop_signals(sigset_t *set);
/* The first signal caught since cli_catch_signals(), or 0. */
int cli_interrupted(void);
/*
 * While a child runs (defer true): a further stop signal does not
 * kill vss, and each one a process sent (kill(1); not the terminal, whose
 * Ctrl-C reaches the child itself) is kept for cli_signal_to_forward().
 */
void cli_defer_escalation(bool defer);
/*
 * The next signal kept for the child, or 0; each is returned once.  Call
 * with the stop signals blocked.
 */
int cli_signal_to_forward(void);
/*
 * While a step that must not be cut short runs (hold true; a restore
 * from pre_restore on, RS-010): a further stop signal is only recorded,
 * as the first was, and never kills vss.  cli_interrupted() still says
 * a signal came.
 */
void cli_hold_signals(bool hold);

/*
 * Parse an id (TL-002: braces optional).  Returns CLI_EXIT_OK or a usage
 * error naming what the id is for ("shadow copy id").
 */
int cli_parse_id(const struct cli_command *cmd, const char *text,
		 const char *what, vss_id *ret);

/*
 * Parse --context NAME (NULL: backup) as vss_context_parse() reads it,
 * '-' also accepted for '_' (client-accessible), and add the attribute
 * bits --persistent (PERSISTENT | NO_AUTO_RELEASE) and --no-writers
 * (NO_WRITERS) ask for.  Returns CLI_EXIT_OK or a usage error.
 */
int cli_parse_context(const struct cli_command *cmd, const char *name,
		      bool persistent, bool no_writers, int32_t *ret);

/* Parse --backup-type: full or copy (others come later); usage error. */
int cli_parse_backup_type(const struct cli_command *cmd, const char *name,
			  enum vss_backup_type *ret);

/* Milliseconds of CLOCK_MONOTONIC, for phase timings and rates. */
double cli_now_ms(void);

#endif
