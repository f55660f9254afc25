/*
 * writers/writerd/hosted_writer.h - what a hosted writer is made of,
 * shared by its thread (hosted.c) and its event wrappers
 * (hosted_events.c).
 */
#ifndef WD_HOSTED_WRITER_H
#define WD_HOSTED_WRITER_H

#include <pthread.h>
#include <stdbool.h>

#include <vss/writer.h>

#include "conf.h"
#include "sessions.h"

struct wd_writer {
	struct wd_conf *conf;     /* borrowed */
	char *socket_path;        /* NULL: $VSS_SOCKET or the default */
	int wake_fd;              /* eventfd: stop_request changed */
	int exit_fd;              /* borrowed eventfd: the thread ended */
	pthread_t thread;

	/* Shared with the main thread (plain reads and writes of _Atomic
	 * objects are atomic). */
	_Atomic int stop_request; /* enum stop_request (hosted.c) */
	_Atomic bool exited;
	_Atomic bool in_session;  /* sessions has one open */
	_Atomic bool in_handler;  /* running one of the backend's handlers */
	_Atomic bool stop_seen;   /* the thread took the stop: releasing */
	_Atomic int log_fd;       /* log_file, or -1; replaced by dup2 */

	/* The thread's own. */
	vss_writer *vw;           /* subscribed, or NULL */
	struct wd_sessions sessions;
	bool outage_logged;       /* the current outage was logged */
	bool subscribed_once;
	/* What the handler failed with (wd_event_fail, wd_identify_fail),
	 * for the event's log line; 0 when nothing was set. */
	int fail_status;
	char fail_message[1024];
};

/* The handlers given to vss_writer_new(); userdata the struct wd_writer. */
extern const struct vss_writer_callbacks wd_wrapped_callbacks;

/* The connection is gone: every session with it ended; the backend
 * releases what it holds. */
void wd_writer_sessions_lost(struct wd_writer *w);

#endif
