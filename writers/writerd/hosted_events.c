/*
 * writers/writerd/hosted_events.c - a hosted writer's event handlers: the
 * backend's, each wrapped to log its result and duration and to follow
 * the sessions the writer is in (sessions.h); and what backend.h gives
 * backends: their state, declaration, names, log and failures.  Runs on
 * the writer's thread.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vss/status.h>

#include "hosted.h"
#include "hosted_writer.h"
#include "log.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- for backends -------------------------------------------------------- */

void *
wd_writer_state(struct wd_writer *w)
{
	return w->conf->state;
}

const struct wdecl *
wd_writer_decl(const struct wd_writer *w)
{
	return &w->conf->decl;
}

const char *
wd_writer_name(const struct wd_writer *w)
{
	return w->conf->decl.name;
}

const char *
wd_writer_instance_name(const struct wd_writer *w)
{
	return w->conf->decl.instance_name;
}

void
wd_log(struct wd_writer *w, enum wd_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wd_log_vwrite(w->conf->decl.instance_name, w->log_fd, level, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 3, 0)))
keep_failure(struct wd_writer *w, int status, const char *fmt, va_list ap)
{
	w->fail_status = status;
	vsnprintf(w->fail_message, sizeof(w->fail_message), fmt, ap);
}

int
wd_identify_fail(struct wd_writer *w, vss_writer *vw, int status,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	keep_failure(w, status, fmt, ap);
	va_end(ap);
	vss_writer_identify_set_failure(vw, status, 0, w->fail_message);
	return status;
}

int
wd_event_fail(struct wd_writer *w, vss_writer_event *ev, int status,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	keep_failure(w, status, fmt, ap);
	va_end(ap);
	vss_writer_event_set_failure(ev, status, 0, w->fail_message);
	return status;
}

/* ---- sessions ------------------------------------------------------------ */

bool
wd_writer_in_session(const struct wd_writer *w)
{
	return w->in_session;
}

bool
wd_writer_busy(const struct wd_writer *w)
{
	return w->in_handler && !w->stop_seen;
}

static void
release(struct wd_writer *w)
{
	if (w->conf->backend->release)
		w->conf->backend->release(w);
}

void
wd_writer_sessions_lost(struct wd_writer *w)
{
	wd_sessions_clear(&w->sessions);
	w->in_session = false;
	release(w);
}

/* ---- events -------------------------------------------------------------- */

static bool
is_writer_failure(int status)
{
	const char *name = vss_status_name(status);

	return name && strncmp(name, "VSS_E_WRITERERROR_", 18) == 0;
}

static const char *
status_name(int status)
{
	const char *name = vss_status_name(status);

	return name ? name : "unknown status";
}

static void
event_begin(struct wd_writer *w)
{
	w->in_handler = true;
	w->fail_status = 0;
	w->fail_message[0] = '\0';
}

/*
 * "freeze: ok (3 ms)", "freeze: failed: CODE: message (3 ms)": what vssd
 * is told, as the library words it (writer.h: a status that is no writer
 * failure becomes NONRETRYABLE; an identify that succeeds drops the
 * failure its handler set).
 */
static int
event_end(struct wd_writer *w, const char *name, int r, int64_t start)
{
	long long ms = (long long)(now_ms() - start);
	bool identify = strcmp(name, "identify") == 0;
	int status = w->fail_status;
	const char *msg = w->fail_message, *sep = msg[0] ? ": " : "";

	w->in_handler = false;
	if (r >= 0 && (status == 0 || identify)) {
		wd_log(w, identify ? WD_LOG_DEBUG : WD_LOG_INFO,
		       "%s: ok (%lld ms)", name, ms);
		return r;
	}
	if (r >= 0) {
		wd_log(w, WD_LOG_WARNING, "%s: ok, with a failure: %s%s%s "
		       "(%lld ms)", name, status_name(status), sep, msg, ms);
		return r;
	}
	if (status == 0 && is_writer_failure(r)) {
		status = r;
	} else if (status == 0) {
		status = VSS_E_WRITERERROR_NONRETRYABLE;
		msg = vss_strerror(r);
		sep = ": ";
	}
	wd_log(w, WD_LOG_ERR, "%s: failed: %s%s%s (%lld ms)", name,
	       status_name(status), sep, msg, ms);
	return r;
}

typedef int (*event_fn)(vss_writer *vw, vss_writer_event *ev, void *u);

static int
run_event(struct wd_writer *w, vss_writer *vw, vss_writer_event *ev,
	  enum wd_session_event kind, event_fn fn)
{
	int64_t start = now_ms();
	int r;

	wd_sessions_event(&w->sessions, kind,
			  vss_writer_event_snapshot_set_id(ev));
	w->in_session = wd_sessions_open(&w->sessions) > 0;
	event_begin(w);
	r = fn ? fn(vw, ev, w) : 0;
	return event_end(w, vss_writer_event_name(ev), r, start);
}

static int
wrap_identify(vss_writer *vw, vss_wmd *wmd, void *u)
{
	struct wd_writer *w = u;
	const struct wd_backend *b = w->conf->backend;
	int64_t start = now_ms();
	struct vss_error err;
	int r;

	event_begin(w);
	if (b->callbacks.identify) {
		r = b->callbacks.identify(vw, wmd, w);
	} else {
		/* A type with nothing to find out: what its file declares. */
		r = wdecl_fill_wmd(&w->conf->decl, wmd, &err);
		if (r < 0)
			r = wd_identify_fail(w, vw, VSS_E_WRITERERROR_NONRETRYABLE,
					     "%s", err.message);
	}
	return event_end(w, "identify", r, start);
}

/*
 * A session ends here; once none is left, give up whatever the backend
 * still holds (with one still open, a release would pull the ground from
 * under it).
 */
static int
wrap_backup_shutdown(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	const struct wd_backend *b = w->conf->backend;
	int64_t start = now_ms();
	size_t left;
	int r;

	event_begin(w);
	r = b->callbacks.backup_shutdown ? b->callbacks.backup_shutdown(vw, ev, w)
					 : 0;
	r = event_end(w, "backup_shutdown", r, start);
	if (wd_sessions_shutdown(&w->sessions,
				 vss_writer_event_snapshot_set_id(ev))) {
		release(w);
		w->in_session = false;
		return r;
	}
	left = wd_sessions_open(&w->sessions);
	wd_log(w, WD_LOG_INFO, "%zu other session%s still open: nothing "
	       "released yet", left, left == 1 ? "" : "s");
	return r;
}

#define WRAP(event, kind)                                                      \
	static int wrap_##event(vss_writer *vw, vss_writer_event *ev,         \
				void *u)                                       \
	{                                                                      \
		struct wd_writer *w = u;                                       \
		return run_event(w, vw, ev, kind,                              \
				 w->conf->backend->callbacks.event);           \
	}
WRAP(prepare_backup, WD_SESSION_BACKUP)
WRAP(prepare_snapshot, WD_SESSION_BACKUP)
WRAP(freeze, WD_SESSION_BACKUP)
WRAP(thaw, WD_SESSION_BACKUP)
WRAP(post_snapshot, WD_SESSION_BACKUP)
WRAP(backup_complete, WD_SESSION_BACKUP)
WRAP(abort, WD_SESSION_ABORT)
WRAP(pre_restore, WD_SESSION_PRE_RESTORE)
WRAP(post_restore, WD_SESSION_POST_RESTORE)
#undef WRAP

const struct vss_writer_callbacks wd_wrapped_callbacks = {
	.size = sizeof(struct vss_writer_callbacks),
	.identify = wrap_identify,
	.prepare_backup = wrap_prepare_backup,
	.prepare_snapshot = wrap_prepare_snapshot,
	.freeze = wrap_freeze,
	.thaw = wrap_thaw,
	.post_snapshot = wrap_post_snapshot,
	.abort = wrap_abort,
	.backup_complete = wrap_backup_complete,
	.backup_shutdown = wrap_backup_shutdown,
	.pre_restore = wrap_pre_restore,
	.post_restore = wrap_post_restore,
};
