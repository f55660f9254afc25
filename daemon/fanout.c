/*
 * daemon/fanout.c - the writers taking part in a session and the events
 * sent to them.
 *
 * A participant is one writer as one session sees it, with the VSS writer
 * state of that session (BK-040): each writer has a state per session, so
 * a writer may be waiting for backup completion in one session while it
 * is identified by another (BK-012).  An event goes to every participant
 * concerned at once; each reply is awaited with its own deadline, and a
 * writer that misses it is failed at that event with
 * VSS_E_WRITER_NOT_RESPONDING (BK-042, BK-068) without holding up the
 * others.  A writer that hung is not waited for again: what it still gets
 * (abort, backup_shutdown) is sent, but nobody waits for the answer.
 */
#include "daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

/* Longest failure message kept from a writer. */
#define FAILURE_MESSAGE_MAX 1024

enum part_outcome {
	PART_OK,       /* succeeded, perhaps with a non-fatal failure */
	PART_FAILED,   /* the handler failed */
	PART_NO_REPLY, /* deadline passed, or the writer went away */
};

static const char *const outcome_names[] = {
	[PART_OK] = "success",
	[PART_FAILED] = "failure",
	[PART_NO_REPLY] = "no reply",
};

int
participant_new(struct session *s, struct writer *w, struct participant **ret)
{
	struct participant *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->session = s;
	p->writer = w;
	p->class_id = w->class_id;
	p->instance_id = w->instance_id;
	p->level = w->level;
	p->freeze_timeout_ms = w->freeze_timeout_ms;
	p->status.state = VSS_WS_STABLE;
	p->friendly_name = strdup(w->friendly_name);
	if (!p->friendly_name ||
	    (w->instance_name &&
	     !(p->instance_name = strdup(w->instance_name)))) {
		free(p->friendly_name);
		free(p);
		return -ENOMEM;
	}
	TAILQ_INSERT_TAIL(&w->participants, p, wentry);
	*ret = p;
	return 0;
}

/* Forget the writer, and the event in flight to it. */
static void
participant_writer_gone(struct participant *p)
{
	if (!p->writer)
		return;
	wcall_cancel(&p->call);
	TAILQ_REMOVE(&p->writer->participants, p, wentry);
	p->writer = NULL;
}

void
participant_free(struct participant *p)
{
	if (!p)
		return;
	participant_writer_gone(p);
	free(p->instance_name);
	free(p->friendly_name);
	free(p->wmd);
	exclude_list_release(&p->excludes);
	free(p->status.message);
	free(p);
}

static bool
participant_failed(const struct participant *p)
{
	return p->status.state >= VSS_WS_FAILED_AT_IDENTIFY;
}

bool
fanout_selected(const struct participant *p)
{
	return p->identified && p->selected && !participant_failed(p);
}

bool
fanout_took_part(const struct participant *p)
{
	return p->took_part;
}

/* ---- the writer state machine ------------------------------------------ */

static void
part_change_state(struct participant *p, enum vss_writer_state to,
		  enum wire_event ev, enum part_outcome out)
{
	struct writer *w = p->writer;
	char *msg;

	void (*say)(const char *, ...) = out == PART_OK ? log_debug : log_info;

	if (to != p->status.state || out != PART_OK)
		say("session %s: writer '%s' instance %s: %s -> %s on %s %s",
		    p->session->sid, p->friendly_name, w ? w->iid : "(gone)",
		    vss_writer_state_str(p->status.state),
		    vss_writer_state_str(to), wire_event_name(ev),
		    outcome_names[out]);
	p->status.state = to;
	/*
	 * list_writers shows the state of the writer's last backup, as
	 * vssadmin does: an Identify that succeeds is no part of one and
	 * changes no state (BK-012), so a metadata gather (vss list writers
	 * --verbose, any requester's discovery) leaves it alone.
	 */
	if (!w || (ev == WIRE_EV_IDENTIFY && out == PART_OK))
		return;
	msg = p->status.message ? strdup(p->status.message) : NULL;
	free(w->last.message);
	w->last = p->status;
	w->last.message = msg;
}

/* The failed state of the event a writer waits for in state s. */
static enum vss_writer_state
abort_failed_state(enum vss_writer_state s)
{
	switch (s) {
	case VSS_WS_WAITING_FOR_FREEZE:
		return VSS_WS_FAILED_AT_FREEZE;
	case VSS_WS_WAITING_FOR_THAW:
		return VSS_WS_FAILED_AT_THAW;
	case VSS_WS_WAITING_FOR_POST_SNAPSHOT:
		return VSS_WS_FAILED_AT_POST_SNAPSHOT;
	case VSS_WS_WAITING_FOR_BACKUP_COMPLETE:
		return VSS_WS_FAILED_AT_BACKUP_COMPLETE;
	default:
		return s;
	}
}

/*
 * The writer state after the outcome of event ev (backup.md §4).  A
 * failed writer stays failed for the rest of the session with its first
 * failure; abort brings a writer that did not fail back to stable.
 */
static void
part_fsm(struct participant *p, enum wire_event ev, enum part_outcome out)
{
	enum vss_writer_state ok, failed;

	switch (ev) {
	case WIRE_EV_IDENTIFY:
		ok = VSS_WS_STABLE;
		failed = VSS_WS_FAILED_AT_IDENTIFY;
		break;
	case WIRE_EV_PREPARE_BACKUP:
		ok = VSS_WS_STABLE;
		failed = VSS_WS_FAILED_AT_PREPARE_BACKUP;
		break;
	case WIRE_EV_PREPARE_SNAPSHOT:
		ok = VSS_WS_WAITING_FOR_FREEZE;
		failed = VSS_WS_FAILED_AT_PREPARE_SNAPSHOT;
		break;
	case WIRE_EV_FREEZE:
		ok = VSS_WS_WAITING_FOR_THAW;
		failed = VSS_WS_FAILED_AT_FREEZE;
		break;
	case WIRE_EV_THAW:
		ok = VSS_WS_WAITING_FOR_POST_SNAPSHOT;
		failed = VSS_WS_FAILED_AT_THAW;
		break;
	case WIRE_EV_POST_SNAPSHOT:
		ok = VSS_WS_WAITING_FOR_BACKUP_COMPLETE;
		failed = VSS_WS_FAILED_AT_POST_SNAPSHOT;
		break;
	case WIRE_EV_BACKUP_COMPLETE:
		ok = VSS_WS_STABLE;
		failed = VSS_WS_FAILED_AT_BACKUP_COMPLETE;
		break;
	case WIRE_EV_BACKUP_SHUTDOWN:
		ok = VSS_WS_STABLE;
		failed = VSS_WS_FAILED_AT_BACKUPSHUTDOWN;
		break;
	case WIRE_EV_PRE_RESTORE: /* RS-112 */
		ok = VSS_WS_STABLE;
		failed = VSS_WS_FAILED_AT_PRE_RESTORE;
		break;
	case WIRE_EV_POST_RESTORE:
		ok = VSS_WS_STABLE;
		failed = VSS_WS_FAILED_AT_POST_RESTORE;
		break;
	case WIRE_EV_ABORT:
		/*
		 * There is no failed-at-abort state.  Abort stands for the
		 * event the writer was waiting for, so a writer that fails
		 * it has failed at that event: never left "waiting".
		 */
		ok = VSS_WS_STABLE;
		failed = abort_failed_state(p->status.state);
		break;
	default:
		log_warnx("session %s: writer '%s': no state for event %s",
			  p->session->sid, p->friendly_name,
			  wire_event_name(ev));
		return;
	}
	if (participant_failed(p)) {
		part_change_state(p, p->status.state, ev, out);
		return;
	}
	switch (out) {
	case PART_OK:
		part_change_state(p, ok, ev, out);
		break;
	case PART_FAILED:
	case PART_NO_REPLY:
		part_change_state(p, failed, ev, out);
		break;
	}
}

/* What SetWriterFailure accepts (BK-033); anything else is treated as
 * the non-retryable failure (BK-041). */
static int32_t
writer_failure(int64_t status)
{
	switch (status) {
	case VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT:
	case VSS_E_WRITERERROR_OUTOFRESOURCES:
	case VSS_E_WRITERERROR_TIMEOUT:
	case VSS_E_WRITERERROR_RETRYABLE:
	case VSS_E_WRITERERROR_NONRETRYABLE:
	case VSS_E_WRITERERROR_RECOVERY_FAILED:
	case VSS_E_WRITERERROR_PARTIAL_FAILURE:
		return (int32_t)status;
	default:
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}
}

/* Record a failure unless one is recorded: the first one is the cause. */
static void
part_set_failure(struct participant *p, int32_t failure, int32_t app,
		 const char *message)
{
	if (p->status.failure != 0 && participant_failed(p))
		return;
	p->status.failure = failure;
	p->status.app_failure = app;
	free(p->status.message);
	p->status.message = message ? strndup(message, FAILURE_MESSAGE_MAX)
				    : NULL;
}

/* A document in a reply: present, a string, within max_document. */
static int
reply_document(struct participant *p, json_t *reply, const char *key,
	       const char **ret)
{
	const char *xml;

	if (wire_get_str(reply, key, &xml) < 0)
		return -ENOENT;
	if (strlen(xml) > conf->max_document) {
		if (p->writer)
			client_close(p->writer->client,
				     "%s of %zu bytes over max_document", key,
				     strlen(xml));
		return -EMSGSIZE;
	}
	*ret = xml;
	return 0;
}

/* The payload of a successful reply; a negative status fails the event. */
static int
part_payload(struct participant *p, enum wire_event ev, json_t *reply)
{
	struct session *s = p->session;
	const char *xml;
	int r;

	switch (ev) {
	case WIRE_EV_IDENTIFY:
		r = reply_document(p, reply, WF_WMD, &xml);
		if (r < 0)
			return r;
		exclude_list_release(&p->excludes);
		r = wmd_check_identity(xml, &p->class_id, &p->instance_id,
				       &p->excludes, &p->writer_restore);
		if (r < 0) {
			log_warnx("session %s: writer '%s': refused metadata "
				  "document (%s)", s->sid, p->friendly_name,
				  r == -EINVAL ? "identity differs"
					       : vss_strerror(r));
			return r;
		}
		free(p->wmd);
		p->wmd = strdup(xml);
		return p->wmd ? 0 : -ENOMEM;
	case WIRE_EV_PREPARE_BACKUP:
	case WIRE_EV_POST_SNAPSHOT:
	case WIRE_EV_PRE_RESTORE:
		/* The writable events (BK-021; RS-006: restore targets,
		 * directed targets, restore metadata). */
		r = reply_document(p, reply, WF_BCD, &xml);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		return session_merge_bcd(s, p, ev, xml);
	default:
		return 0;
	}
}

static void
fanout_finish(void *arg)
{
	struct session *s = arg;
	struct fanout *f = &s->fanout;

	f->active = false;
	log_debug("session %s: %s to %zu writers done in %.3f ms", s->sid,
		  wire_event_name(f->event), f->sent,
		  ms_between(f->started_ns, now_ns()));
	f->done(s);
}

static void part_send_abort(struct participant *p);

/*
 * One more reply of the current fan-out is in.  The fan-out ends from the
 * loop, never inside the reply that completes it: what it sets off next
 * (another fan-out, an abort) then never runs inside a writer's removal.
 */
static void
fanout_account(struct session *s)
{
	struct fanout *f = &s->fanout;

	if (--f->outstanding == 0)
		defer_queue(&f->finish);
}

static void
part_reply(struct wcall *call, int status, json_t *reply)
{
	struct participant *p = call->arg;
	struct session *s = p->session;
	struct fanout *f = &s->fanout;
	enum wire_event ev = call->event;
	enum part_outcome out = PART_OK;
	int64_t failure = 0, app = 0;
	const char *message = NULL;
	int cause = 0;
	int r;

	p->event_ms[ev] = ms_between(call->sent_ns, now_ns());
	p->has_event_ms[ev] = true;
	if (!reply) {
		/* BK-042, BK-068: the coordinator's own verdict. */
		if (p->writer)
			log_warnx("session %s: writer '%s' instance %s: no "
				  "reply to %s in %.0f ms", s->sid,
				  p->friendly_name, p->writer->iid,
				  wire_event_name(ev), p->event_ms[ev]);
		p->hung = p->writer != NULL;
		part_set_failure(p, VSS_E_WRITER_NOT_RESPONDING, 0, NULL);
		out = PART_NO_REPLY;
		cause = VSS_E_WRITER_NOT_RESPONDING;
	} else {
		(void)wire_get_int(reply, WF_FAILURE, &failure);
		(void)wire_get_int(reply, WF_APP_FAILURE, &app);
		(void)wire_get_str(reply, WF_FAILURE_MESSAGE, &message);
		if (app < INT32_MIN || app > INT32_MAX)
			app = 0;
		if (status < 0) {
			cause = writer_failure(status);
			part_set_failure(p, cause, (int32_t)app, message);
			out = PART_FAILED;
		} else {
			if (failure != 0) /* non-fatal (BK-031) */
				part_set_failure(p, writer_failure(failure),
						 (int32_t)app, message);
			r = part_payload(p, ev, reply);
			if (r < 0) {
				cause = VSS_E_WRITERERROR_NONRETRYABLE;
				part_set_failure(p, cause, 0,
						 "document refused by vssd");
				out = PART_FAILED;
			}
		}
	}
	if (ev == WIRE_EV_IDENTIFY)
		p->identified = out == PART_OK;
	part_fsm(p, ev, out);
	if (p->abort_pending) {
		/* Recorded; now the abort that waited for this reply. */
		part_send_abort(p);
		return;
	}
	if (!f->active || f->event != ev)
		return;
	if (f->on_reply) {
		f->on_reply(p, cause);
		/* The callback may have started the abort fan-out. */
		if (!f->active || f->event != ev)
			return;
	}
	fanout_account(s);
}

void
participant_lost(struct participant *p, enum wire_event ev)
{
	log_warnx("session %s: writer '%s' left after it was gathered, "
		  "before %s", p->session->sid, p->friendly_name,
		  wire_event_name(ev));
	part_set_failure(p, VSS_E_WRITER_NOT_RESPONDING, 0,
			 "the writer left after it was gathered");
	part_fsm(p, ev, PART_NO_REPLY);
}

void
fanout_cancel(struct session *s)
{
	struct participant *p;

	TAILQ_FOREACH(p, &s->participants, entry) {
		wcall_cancel(&p->call);
		p->abort_pending = false;
	}
	defer_cancel(&s->fanout.finish);
	s->fanout.active = false;
}

void
fanout_window_expired(struct session *s)
{
	uint64_t now = now_ns();
	struct participant *p;
	enum wire_event ev;

	TAILQ_FOREACH(p, &s->participants, entry) {
		if (p->call.pending) {
			ev = p->call.event;
			wcall_cancel(&p->call);
			p->event_ms[ev] = ms_between(p->call.sent_ns, now);
			p->has_event_ms[ev] = true;
			p->hung = true;
			part_set_failure(p, VSS_E_WRITER_NOT_RESPONDING, 0,
					 NULL);
			part_fsm(p, ev, PART_NO_REPLY);
			continue;
		}
		/* BK-060: held past the writer's own freeze timeout. */
		if (p->status.state == VSS_WS_WAITING_FOR_THAW &&
		    ms_between(p->freeze_sent_ns, now) >=
			    (double)p->freeze_timeout_ms) {
			part_set_failure(p, VSS_E_WRITERERROR_TIMEOUT, 0,
					 "freeze window expired");
			part_change_state(p, VSS_WS_FAILED_AT_FREEZE,
					  WIRE_EV_FREEZE, PART_FAILED);
		}
	}
	defer_cancel(&s->fanout.finish);
	s->fanout.active = false;
}

/* The events whose replies may change the document (BK-021, RS-007). */
static bool
event_writable(enum wire_event ev)
{
	return ev == WIRE_EV_PREPARE_BACKUP || ev == WIRE_EV_POST_SNAPSHOT ||
	       ev == WIRE_EV_PRE_RESTORE;
}

static bool
event_has_bcd(enum wire_event ev)
{
	return ev == WIRE_EV_PREPARE_BACKUP || ev == WIRE_EV_POST_SNAPSHOT ||
	       ev == WIRE_EV_BACKUP_COMPLETE || ev == WIRE_EV_PRE_RESTORE ||
	       ev == WIRE_EV_POST_RESTORE;
}

/* The event for p: the common fields, and its own document. */
static json_t *
event_for(struct participant *p, enum wire_event ev, json_t *common,
	  vss_bcd *bcd)
{
	char *mine = NULL;
	json_t *msg;

	/* writer_call() gives it the writer's next event id. */
	msg = wire_event_new(ev, 1);
	if (!msg)
		return NULL;
	if (json_object_update(msg, common) < 0)
		goto fail;
	if (bcd) {
		if (bcd_writer_subset(bcd, &p->class_id, &p->instance_id,
				      &mine) < 0)
			goto fail;
		if (wire_set_str(msg, WF_BCD, mine) < 0)
			goto fail;
		free(mine);
	}
	return msg;
fail:
	free(mine);
	json_decref(msg);
	return NULL;
}

static uint32_t
event_timeout(const struct participant *p, enum wire_event ev)
{
	uint32_t t = config_event_timeout(ev);

	/* The writer's own freeze timeout may be shorter (BK-060). */
	if (ev == WIRE_EV_FREEZE && p->freeze_timeout_ms < t)
		t = p->freeze_timeout_ms;
	return t;
}

int
fanout_start(struct session *s, enum wire_event ev, enum vss_app_level level,
	     fanout_filter filter, fanout_reply_fn on_reply,
	     fanout_done_fn done)
{
	struct fanout *f = &s->fanout;
	bool by_level = ev == WIRE_EV_FREEZE || ev == WIRE_EV_THAW;
	vss_bcd *bcd = event_has_bcd(ev) ? s->bcd : NULL;
	struct participant *p;
	json_t *common = NULL, *msg = NULL;
	uint8_t *frame = NULL;
	uint64_t now, id = 0;
	size_t len = 0;

	/*
	 * Abort lets the replies in flight be recorded first (a slow writer
	 * does not lose its answer): it follows each of them.
	 */
	if (ev == WIRE_EV_ABORT) {
		defer_cancel(&f->finish);
		f->active = false;
	} else {
		fanout_cancel(s);
	}
	/* Each merge keeps it up to date (max_document). */
	if (bcd && event_writable(ev) && bcd_size(bcd, &s->bcd_size) < 0)
		goto nomem;
	common = json_object();
	if (!common || session_event_fields(s, ev, common) < 0)
		goto nomem;
	if (ev == WIRE_EV_POST_SNAPSHOT && s->set &&
	    json_object_set_new(common, WF_SNAPSHOTS,
				set_snapshots_json(s->set, false)) < 0)
		goto nomem;
	if (!bcd) {
		/* The same bytes for every writer: encoded once (freeze...). */
		id = writers_new_event_id();
		msg = wire_event_new(ev, id);
		if (!msg || json_object_update(msg, common) < 0 ||
		    wire_encode(msg, WIRE_FRAME_MAX, &frame, &len) < 0)
			goto nomem;
		json_decref(msg);
	}
	f->active = true;
	f->event = ev;
	f->on_reply = on_reply;
	f->done = done;
	f->outstanding = 0;
	f->sent = 0;
	f->started_ns = now = now_ns();
	defer_init(&f->finish, fanout_finish, s);
	TAILQ_FOREACH(p, &s->participants, entry) {
		if (!p->writer || !filter(p) || (by_level && p->level != level))
			continue;
		if (p->call.pending) {
			/* Only abort gets here: sent once the reply is in. */
			p->abort_pending = true;
			p->took_part = p->aborted = true;
			f->outstanding++;
			f->sent++;
			continue;
		}
		if (ev != WIRE_EV_IDENTIFY)
			p->took_part = true;
		if (ev == WIRE_EV_POST_SNAPSHOT)
			p->post_snapshot_sent = true;
		if (ev == WIRE_EV_ABORT)
			p->aborted = true;
		if (ev == WIRE_EV_FREEZE)
			p->freeze_sent_ns = now;
		if (frame) {
			if (p->hung) {
				/* A writer that hung is told, not awaited. */
				(void)client_send_frame(p->writer->client,
							frame, len);
				continue;
			}
			writer_call_frame(p->writer, &p->call, id, ev, frame,
					  len, event_timeout(p, ev), part_reply,
					  p);
			f->outstanding++;
			f->sent++;
			continue;
		}
		msg = event_for(p, ev, common, bcd);
		if (msg && p->hung) {
			writer_notify(p->writer, msg);
			json_decref(msg);
			continue;
		}
		if (!msg || writer_call(p->writer, &p->call, ev, msg,
					event_timeout(p, ev), part_reply,
					p) < 0) {
			log_warnx("session %s: writer '%s': %s not sent: out "
				  "of memory", s->sid, p->friendly_name,
				  wire_event_name(ev));
			part_set_failure(p, VSS_E_UNEXPECTED_WRITER_ERROR, 0,
					 NULL);
			part_fsm(p, ev, PART_FAILED);
			json_decref(msg);
			continue;
		}
		json_decref(msg);
		f->outstanding++;
		f->sent++;
	}
	free(frame);
	json_decref(common);
	if (f->outstanding == 0)
		defer_queue(&f->finish);
	return (int)f->sent;
nomem:
	json_decref(msg);
	json_decref(common);
	return -ENOMEM;
}

/* Abort to p, whose reply to the event before has just been recorded. */
static void
part_send_abort(struct participant *p)
{
	struct session *s = p->session;
	json_t *common, *msg = NULL;

	p->abort_pending = false;
	common = json_object();
	if (common && session_event_fields(s, WIRE_EV_ABORT, common) == 0)
		msg = event_for(p, WIRE_EV_ABORT, common, NULL);
	json_decref(common);
	if (msg && p->writer && !p->hung &&
	    writer_call(p->writer, &p->call, WIRE_EV_ABORT, msg,
			config_event_timeout(WIRE_EV_ABORT), part_reply,
			p) == 0) {
		json_decref(msg);
		return;
	}
	/* A writer that hung is told, not waited for. */
	if (msg && p->writer)
		writer_notify(p->writer, msg);
	json_decref(msg);
	fanout_account(s);
}

static bool
abort_filter(const struct participant *p)
{
	/* BK-083: not once it ran post_snapshot; BK-082: once is enough. */
	return p->selected && p->took_part && !p->post_snapshot_sent &&
	       !p->aborted;
}

int
fanout_abort(struct session *s, fanout_done_fn done)
{
	struct fanout *f = &s->fanout;
	int n;

	n = fanout_start(s, WIRE_EV_ABORT, VSS_APP_UNKNOWN, abort_filter, NULL,
			 done);
	if (n >= 0)
		return n;
	/*
	 * Out of memory: the writers are not told (a frozen one ends its
	 * freeze by its own timeout, BK-060), but the abort still ends, from
	 * the loop, so that neither set nor session waits for ever.
	 */
	f->active = true;
	f->event = WIRE_EV_ABORT;
	f->on_reply = NULL;
	f->done = done;
	f->outstanding = 0;
	f->sent = 0;
	f->started_ns = now_ns();
	defer_init(&f->finish, fanout_finish, s);
	defer_queue(&f->finish);
	return n;
}
