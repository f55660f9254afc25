/*
 * writers/writerd/hosted.h - one hosted writer: a thread of its own with
 * its own vss_writer and poll loop, subscribed to vssd for as long as it
 * runs (resubscribing every 2 s while vssd is away), its backend's
 * handlers wrapped so that each event is logged with its result and
 * duration (hosted_events.c).
 *
 * The main thread never waits for a writer: it asks it to stop, the
 * thread decides when (never in a handler; when asked "when idle", only
 * once no session is open and no event waits to be answered), and says
 * it has ended through the exit eventfd; only then is it freed.
 */
#ifndef WD_HOSTED_H
#define WD_HOSTED_H

#include <stdbool.h>

#include "conf.h"

enum wd_stop {
	WD_STOP_WHEN_IDLE, /* once no session is open (a reload) */
	WD_STOP_NOW,       /* once the running handler returns (SIGTERM) */
};

/*
 * Start the writer of conf (borrowed: valid until wd_writer_free()) on
 * its thread; socket_path NULL: $VSS_SOCKET or the library's default.
 * exit_fd (an eventfd, borrowed) is written once when the thread ends.
 * 0 or -errno.
 */
int wd_writer_start(struct wd_writer **ret, struct wd_conf *conf,
		    const char *socket_path, int exit_fd);
/* Ask its thread to stop; returns at once.  NOW overrides WHEN_IDLE. */
void wd_writer_request_stop(struct wd_writer *w, enum wd_stop how);
/*
 * Withdraw a WD_STOP_WHEN_IDLE request: true when the writer goes on,
 * false when it has already decided to stop (or was told NOW).
 */
bool wd_writer_cancel_stop(struct wd_writer *w);
/* Its thread has ended (after the exit eventfd was written). */
bool wd_writer_exited(const struct wd_writer *w);
/*
 * Join the thread and free w; blocks until the thread ends, so ask it
 * to stop first.  NULL is fine.
 */
void wd_writer_free(struct wd_writer *w);
/* In a backup or restore session (sessions.h).  Thread-safe. */
bool wd_writer_in_session(const struct wd_writer *w);
/*
 * In a handler it began before it took a stop request: what the handler
 * waits for (a command) may take its whole deadline.  Thread-safe.
 */
bool wd_writer_busy(const struct wd_writer *w);
/* Open its log_file again (after it was rotated), in place. */
void wd_writer_reopen_log(struct wd_writer *w);

#endif
