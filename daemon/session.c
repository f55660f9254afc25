/*
 * daemon/session.c - requester sessions: the backup state of one
 * requester connection (IVssBackupComponents as vssd sees it).
 *
 * The state machine below follows backup.md §2: gather, start a set, add
 * volumes, prepare for backup, do the snapshot set, complete; or
 * restore.md §1: gather, pre-restore, post-restore (the restore requests
 * are restore.c's).  A request in the wrong state gets VSS_E_BAD_STATE
 * (BK-009).  One request is served at a time; the long ones are answered
 * when done and the others wait behind them, except cancel and
 * abort_backup.  What the requester holds is recorded here and let go
 * when it leaves, whatever the reason: the work under way is aborted,
 * the writers that took part get backup_shutdown (BK-085) and the
 * auto-release shadow copies are deleted (BK-087).
 */
#include "daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vss/status.h>

/* Requests a requester may queue behind a long one. */
#define MAX_QUEUED_REQUESTS 64

static const char *const state_names[] = {
	[SESSION_INIT] = "init",
	[SESSION_GATHERING] = "gathering",
	[SESSION_GATHERED] = "gathered",
	[SESSION_SET_STARTED] = "set-started",
	[SESSION_PREPARING] = "preparing",
	[SESSION_PREPARED] = "prepared",
	[SESSION_SNAPSHOTTING] = "snapshotting",
	[SESSION_SNAPSHOT_DONE] = "snapshot-done",
	[SESSION_COMPLETING] = "completing",
	[SESSION_COMPLETE] = "complete",
	[SESSION_ABORTING] = "aborting",
	[SESSION_ABORTED] = "aborted",
	[SESSION_PRE_RESTORING] = "pre-restoring",
	[SESSION_PRE_RESTORED] = "pre-restored",
	[SESSION_POST_RESTORING] = "post-restoring",
	[SESSION_RESTORED] = "restored",
	[SESSION_CLOSING] = "closing",
};

static const char *const event_names[] = {
	[SE_GATHER] = "gather",
	[SE_GATHER_DONE] = "gather-done",
	[SE_GATHER_CANCELLED] = "gather-cancelled",
	[SE_START_SET] = "start-set",
	[SE_ADD_VOLUME] = "add-volume",
	[SE_PREPARE] = "prepare",
	[SE_PREPARE_DONE] = "prepare-done",
	[SE_DO_SNAPSHOT] = "do-snapshot",
	[SE_SNAPSHOT_DONE] = "snapshot-done",
	[SE_SNAPSHOT_FAILED] = "snapshot-failed",
	[SE_COMPLETE] = "complete",
	[SE_COMPLETE_DONE] = "complete-done",
	[SE_ABORT] = "abort",
	[SE_ABORT_DONE] = "abort-done",
	[SE_CLOSE] = "close",
	[SE_PRE_RESTORE] = "pre-restore",
	[SE_PRE_RESTORE_DONE] = "pre-restore-done",
	[SE_POST_RESTORE] = "post-restore",
	[SE_POST_RESTORE_DONE] = "post-restore-done",
};

static TAILQ_HEAD(, session) sessions = TAILQ_HEAD_INITIALIZER(sessions);
static size_t session_total;

static void inventory_released(void *arg, int status, json_t *fields);
static void session_drain(void *arg);

/*
 * The state machine: the state event ev leads to from the current one,
 * or -1 when ev is not allowed there (VSS_E_BAD_STATE).  A state that
 * maps to itself accepts the event without a transition.  pre_restore
 * after gathering makes a restore session (restore.md §1), which takes
 * no backup request and, once begun, no abort (RS-010).
 */
int
session_next(const struct session *s, enum session_event ev)
{
	switch (s->state) {
	case SESSION_INIT:
		switch (ev) {
		case SE_GATHER:
			return SESSION_GATHERING;
		case SE_START_SET:
			return SESSION_SET_STARTED;
		case SE_ABORT: /* nothing under way (BK-081) */
			return SESSION_INIT;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_GATHERING:
		switch (ev) {
		case SE_GATHER_DONE:
			return SESSION_GATHERED;
		case SE_GATHER_CANCELLED:
			return SESSION_INIT;
		case SE_ABORT:
			return SESSION_GATHERING;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_GATHERED:
		switch (ev) {
		case SE_START_SET:
			return SESSION_SET_STARTED;
		case SE_PRE_RESTORE:
			return SESSION_PRE_RESTORING;
		case SE_ABORT:
			return SESSION_GATHERED;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_SET_STARTED:
		switch (ev) {
		case SE_ADD_VOLUME:
			return SESSION_SET_STARTED;
		case SE_PREPARE:
			return SESSION_PREPARING;
		case SE_DO_SNAPSHOT:
			return SESSION_SNAPSHOTTING;
		case SE_ABORT:
			return SESSION_ABORTED;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_PREPARING:
		switch (ev) {
		case SE_PREPARE_DONE:
			return SESSION_PREPARED;
		case SE_ABORT:
			return SESSION_ABORTING;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_PREPARED:
		switch (ev) {
		case SE_ADD_VOLUME:
			return SESSION_PREPARED;
		case SE_DO_SNAPSHOT:
			return SESSION_SNAPSHOTTING;
		case SE_ABORT:
			return SESSION_ABORTING;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_SNAPSHOTTING:
		switch (ev) {
		case SE_SNAPSHOT_DONE:
			return SESSION_SNAPSHOT_DONE;
		case SE_SNAPSHOT_FAILED:
			return SESSION_ABORTED;
		case SE_ABORT:
			return SESSION_ABORTING;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_SNAPSHOT_DONE:
		switch (ev) {
		case SE_COMPLETE:
			return SESSION_COMPLETING;
		case SE_ABORT:
			return SESSION_ABORTING;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_COMPLETING:
		switch (ev) {
		case SE_COMPLETE_DONE:
			return SESSION_COMPLETE;
		case SE_ABORT:
			return SESSION_ABORTING;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_COMPLETE:
		switch (ev) {
		case SE_ABORT:
			return SESSION_COMPLETE;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_ABORTING:
		switch (ev) {
		case SE_ABORT_DONE:
		case SE_SNAPSHOT_FAILED:
			return SESSION_ABORTED;
		case SE_ABORT:
			return SESSION_ABORTING;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_ABORTED:
		switch (ev) {
		case SE_ABORT:
			return SESSION_ABORTED;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_PRE_RESTORING:
		switch (ev) {
		case SE_PRE_RESTORE_DONE:
			return SESSION_PRE_RESTORED;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_PRE_RESTORED:
		switch (ev) {
		case SE_POST_RESTORE:
			return SESSION_POST_RESTORING;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_POST_RESTORING:
		switch (ev) {
		case SE_POST_RESTORE_DONE:
			return SESSION_RESTORED;
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_RESTORED:
		switch (ev) {
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	case SESSION_CLOSING:
		/* The requester is gone: the close steps drive the rest. */
		switch (ev) {
		case SE_SNAPSHOT_DONE:
		case SE_SNAPSHOT_FAILED:
		case SE_ABORT_DONE:
		case SE_CLOSE:
			return SESSION_CLOSING;
		default:
			return -1;
		}
	}
	fatalx("session %s: unknown state %d", s->sid, (int)s->state);
}

void
session_change_state(struct session *s, int to, enum session_event ev)
{
	if (to < 0)
		fatalx("session %s: %s not allowed in state %s", s->sid,
		       event_names[ev], state_names[s->state]);
	if ((enum session_state)to == s->state)
		return;
	log_debug("session %s: %s -> %s on %s", s->sid,
		  state_names[s->state], state_names[to], event_names[ev]);
	s->state = (enum session_state)to;
}

/* ---- replies --------------------------------------------------------- */

/* Answer the request being served and let the queue move on. */
int
session_finish(struct session *s, int status, const char *message,
	       json_t *fields)
{
	int r = 0;

	if (!s->busy)
		return 0;
	s->busy = false;
	if (s->client && !s->client->closing)
		r = client_reply(s->client, s->busy_id, status, message,
				 fields);
	defer_queue(&s->drain);
	return r;
}

int
session_fail(struct session *s, int status, const char *message)
{
	return session_finish(s, status, message, NULL);
}

/* Answer with status r and, when r is 0, fields; then drop fields. */
int
session_finish_fields(struct session *s, int r, json_t *fields)
{
	r = session_finish(s, r, NULL, r == 0 ? fields : NULL);
	json_decref(fields);
	return r;
}

int
session_fan_out(struct session *s, int to, enum session_event ev,
		enum wire_event we, fanout_filter filter, fanout_done_fn done)
{
	int r;

	/*
	 * The state moves only once the events are out: a fan-out that
	 * could not start leaves the session where it was, to be asked
	 * again.  done runs from the loop, never inside fanout_start().
	 */
	r = fanout_start(s, we, VSS_APP_UNKNOWN, filter, NULL, done);
	if (r < 0)
		return session_fail(s, r, NULL);
	session_change_state(s, to, ev);
	return 0;
}

/* Malformed input: closes the connection, the session then closes. */
static int
session_malformed(struct session *s, const char *what)
{
	client_close(s->client, "session %s: %s", s->sid, what);
	return -EPROTO;
}

int
session_document(struct session *s, json_t *msg, const char *key,
		 const char **ret)
{
	const char *xml;
	size_t len;

	if (wire_get_str(msg, key, &xml) < 0)
		return -ENOENT;
	len = strlen(xml);
	if (len > conf->max_document) {
		client_close(s->client, "session %s: %s of %zu bytes over "
			     "max_document", s->sid, key, len);
		return -EMSGSIZE;
	}
	*ret = xml;
	return 0;
}

/* Replace the session's document with the requester's. */
static int
take_bcd(struct session *s, const char *xml)
{
	struct vss_error err;
	vss_bcd *bcd;
	int r;

	r = vss_bcd_load_xml(&bcd, xml, strlen(xml), &err);
	if (r < 0) {
		if (r != -ENOMEM)
			log_info("session %s: backup components document "
				 "refused: %s", s->sid, err.message);
		return r;
	}
	vss_bcd_free(s->bcd);
	s->bcd = bcd;
	if (s->set)
		(void)vss_bcd_set_snapshot_set_id(s->bcd, &s->set->id);
	(void)vss_bcd_set_context(s->bcd, s->context);
	return 0;
}

/*
 * The requester's document, if the request has one, replaces the
 * session's.  Negative when the request has been answered with a failure
 * or the connection is closing (over max_document).
 */
static int
take_bcd_field(struct session *s, json_t *msg)
{
	const char *xml;
	int r;

	r = session_document(s, msg, WF_BCD, &xml);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = take_bcd(s, xml);
	if (r < 0)
		session_fail(s, r, NULL);
	return r;
}

/* The session's document as XML, NULL if none; caller owns (free()). */
static char *
session_bcd_xml(struct session *s)
{
	size_t len;
	char *xml;

	if (!s->bcd || vss_bcd_save_xml(s->bcd, &xml, &len) < 0)
		return NULL;
	return xml;
}

int
session_fields_bcd(struct session *s, json_t *fields)
{
	char *xml;
	int r;

	if (!s->bcd)
		return 0;
	xml = session_bcd_xml(s);
	if (!xml)
		return -ENOMEM;
	r = wire_set_str(fields, WF_BCD, xml);
	free(xml);
	return r;
}

int
session_merge_bcd(struct session *s, struct participant *p,
		  enum wire_event ev, const char *xml)
{
	int r;

	if (!s->bcd)
		return 0;
	r = bcd_merge_writer(s->bcd, ev, xml, &p->class_id, &p->instance_id,
			     &s->bcd_size, conf->max_document);
	if (r == -EFBIG)
		log_warnx("session %s: writer '%s': changes to the backup "
			  "components document refused in %s: the document "
			  "would be over max_document (%zu bytes)", s->sid,
			  p->friendly_name, wire_event_name(ev),
			  conf->max_document);
	else if (r < 0)
		log_warnx("session %s: writer '%s': changes to the backup "
			  "components document refused in %s (%s)", s->sid,
			  p->friendly_name, wire_event_name(ev),
			  r == -EINVAL ? "components differ"
				       : vss_strerror(r));
	return r;
}

int
session_event_fields(struct session *s, enum wire_event ev, json_t *msg)
{
	static const vss_id none;
	const struct snapset *set = s->set;
	const vss_id *set_id;
	const char *type;

	if (wire_set_id(msg, WF_SESSION_ID, &s->id) < 0 ||
	    wire_set_int(msg, WF_CONTEXT, s->context) < 0)
		return -ENOMEM;
	if ((ev == WIRE_EV_PRE_RESTORE || ev == WIRE_EV_POST_RESTORE) &&
	    wire_set_str(msg, WF_RESTORE_TYPE,
			 vss_restore_type_str(s->restore_type)) < 0)
		return -ENOMEM;
	if (s->prepared) {
		type = vss_backup_type_str(s->backup.backup_type);
		if ((type && wire_set_str(msg, WF_BACKUP_TYPE, type) < 0) ||
		    wire_set_bool(msg, WF_SELECT_COMPONENTS,
				  s->backup.select_components) < 0 ||
		    wire_set_bool(msg, WF_BOOTABLE,
				  s->backup.bootable_system_state) < 0 ||
		    wire_set_bool(msg, WF_PARTIAL_FILES,
				  s->backup.partial_file_support) < 0)
			return -ENOMEM;
	}
	if (!set || ev == WIRE_EV_IDENTIFY)
		return 0;
	/* BK-085: backup_shutdown names the set only when one was made. */
	set_id = &set->id;
	if (ev == WIRE_EV_BACKUP_SHUTDOWN && set->state != SET_CREATED)
		set_id = &none;
	if (wire_set_id(msg, WF_SNAPSHOT_SET_ID, set_id) < 0)
		return -ENOMEM;
	if (json_object_set_new(msg, WF_VOLUMES, set_volumes_json(set)) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- gather_writer_metadata ------------------------------------------ */

static bool
id_in(const vss_id *id, const vss_id *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (vss_id_equal(id, &list[i]))
			return true;
	}
	return false;
}

/*
 * An optional array of ids: 0 with *ret (caller frees; NULL and n 0 when
 * absent), -EBADMSG when malformed, -ENOMEM.
 */
static int
get_ids(json_t *msg, const char *key, vss_id **ret, size_t *ret_n,
	bool *present)
{
	json_t *a = json_object_get(msg, key), *v;
	vss_id *ids;
	size_t i;

	*present = a != NULL && !json_is_null(a);
	*ret = NULL;
	*ret_n = 0;
	if (!*present)
		return 0;
	if (!json_is_array(a))
		return -EBADMSG;
	ids = calloc(json_array_size(a) + 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) ||
		    vss_id_parse(&ids[i], json_string_value(v)) < 0) {
			free(ids);
			return -EBADMSG;
		}
	}
	*ret = ids;
	*ret_n = json_array_size(a);
	return 0;
}

struct writer_filter {
	vss_id *enabled, *disabled, *instances;
	size_t n_enabled, n_disabled, n_instances;
	bool has_enabled;
};

static void
writer_filter_release(struct writer_filter *f)
{
	free(f->enabled);
	free(f->disabled);
	free(f->instances);
}

/* BK-005: enabled classes (if any were named) minus disabled ones. */
static bool
writer_enabled(const struct writer_filter *f, const struct writer *w)
{
	if (f->has_enabled &&
	    !id_in(&w->class_id, f->enabled, f->n_enabled))
		return false;
	return !id_in(&w->class_id, f->disabled, f->n_disabled) &&
	       !id_in(&w->instance_id, f->instances, f->n_instances);
}

static bool
filter_all(const struct participant *p)
{
	(void)p;
	return true;
}

static void
gather_done(struct session *s)
{
	struct participant *p, *next;
	json_t *fields, *list, *o;
	int r = -ENOMEM;

	session_change_state(s, session_next(s, SE_GATHER_DONE),
			     SE_GATHER_DONE);
	s->gathered = true;
	fields = json_object();
	list = json_array();
	if (!fields || !list)
		goto out;
	for (p = TAILQ_FIRST(&s->participants); p; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (!p->identified) {
			/* BK-013: absent from metadata and status lists. */
			TAILQ_REMOVE(&s->participants, p, entry);
			participant_free(p);
			s->excluded_writers++;
			continue;
		}
		o = json_object();
		if (!o || json_array_append_new(list, o) < 0 ||
		    wire_set_id(o, WF_CLASS_ID, &p->class_id) < 0 ||
		    wire_set_id(o, WF_INSTANCE_ID, &p->instance_id) < 0 ||
		    (p->instance_name &&
		     wire_set_str(o, WF_INSTANCE_NAME, p->instance_name) < 0) ||
		    wire_set_str(o, WF_FRIENDLY_NAME, p->friendly_name) < 0 ||
		    wire_set_str(o, WF_WMD, p->wmd) < 0)
			goto out;
		free(p->wmd);
		p->wmd = NULL;
	}
	r = json_object_set(fields, WF_WRITERS, list) < 0 ? -ENOMEM : 0;
	log_info("session %s: gathered metadata of %zu writers (%zu left "
		 "out)", s->sid, json_array_size(list), s->excluded_writers);
out:
	json_decref(list);
	session_finish_fields(s, r, fields);
}

int
session_context_field(struct session *s, json_t *msg)
{
	int64_t ctx;
	int r;

	r = wire_get_int(msg, WF_CONTEXT, &ctx);
	if (r == -ENOENT)
		return 0;
	if (r < 0 || ctx < INT32_MIN || ctx > UINT32_MAX)
		return -EINVAL;
	ctx = (int32_t)(uint32_t)ctx;
	r = context_check((int32_t)ctx);
	if (r < 0)
		return r;
	/* BK-003: one context per requester. */
	if (s->context_set && s->context != (int32_t)ctx)
		return VSS_E_BAD_STATE;
	s->context = (int32_t)ctx;
	s->context_set = true;
	return 0;
}

static int
do_gather(struct session *s, json_t *msg)
{
	struct writer_filter f = { 0 };
	struct participant *p;
	struct writer *w;
	bool dummy;
	int next, r;

	next = session_next(s, SE_GATHER);
	if (next < 0)
		return session_fail(s, VSS_E_BAD_STATE, NULL);
	r = session_context_field(s, msg);
	if (r < 0)
		return session_fail(s, r, "bad context");
	if (get_ids(msg, WF_ENABLED_CLASSES, &f.enabled, &f.n_enabled,
		    &f.has_enabled) == -EBADMSG ||
	    get_ids(msg, WF_DISABLED_CLASSES, &f.disabled, &f.n_disabled,
		    &dummy) == -EBADMSG ||
	    get_ids(msg, WF_DISABLED_INSTANCES, &f.instances, &f.n_instances,
		    &dummy) == -EBADMSG) {
		writer_filter_release(&f);
		return session_malformed(s, "bad id list");
	}
	for (w = writers_next(NULL); w; w = writers_next(w)) {
		if (!writer_enabled(&f, w)) {
			s->excluded_writers++;
			continue;
		}
		if (participant_new(s, w, &p) < 0) {
			writer_filter_release(&f);
			return session_fail(s, -ENOMEM, NULL);
		}
		TAILQ_INSERT_TAIL(&s->participants, p, entry);
	}
	writer_filter_release(&f);
	return session_fan_out(s, next, SE_GATHER, WIRE_EV_IDENTIFY,
			       filter_all, gather_done);
}

/* ---- gather_writer_status -------------------------------------------- */

static int
do_gather_status(struct session *s)
{
	struct participant *p;
	json_t *fields, *list, *o;
	int r = -ENOMEM;

	fields = json_object();
	list = json_array();
	if (!fields || !list)
		goto out;
	TAILQ_FOREACH(p, &s->participants, entry) {
		if (!p->identified)
			continue;
		o = writer_status_json(&p->class_id, &p->instance_id,
				       p->instance_name, p->friendly_name,
				       &p->status, p->event_ms,
				       p->has_event_ms);
		if (!o || json_array_append_new(list, o) < 0)
			goto out;
	}
	r = json_object_set(fields, WF_WRITERS, list) < 0 ? -ENOMEM : 0;
out:
	json_decref(list);
	r = session_finish_fields(s, r, fields);
	return r;
}

/* ---- start_snapshot_set ---------------------------------------------- */

static int
do_start_set(struct session *s, json_t *msg)
{
	json_t *fields;
	int next, r;

	next = session_next(s, SE_START_SET);
	if (next < 0)
		return session_fail(s, VSS_E_BAD_STATE, NULL);
	r = session_context_field(s, msg);
	if (r < 0)
		return session_fail(s, r, "bad context");
	r = coordinator_start_set(s, s->context, &s->set);
	if (r < 0)
		return session_fail(s, r, NULL);
	s->context_set = true;
	session_change_state(s, next, SE_START_SET);
	if (s->bcd)
		(void)vss_bcd_set_snapshot_set_id(s->bcd, &s->set->id);
	fields = json_object();
	if (!fields || wire_set_id(fields, WF_SNAPSHOT_SET_ID, &s->set->id) < 0)
		r = -ENOMEM;
	r = session_finish_fields(s, r, fields);
	return r;
}

/* ---- is_volume_supported, add_to_snapshot_set ------------------------ */

/* A volume looked up on a job: normalise, pick a provider. */
struct volume_query {
	struct session *session; /* an orphaned query is never done with it */
	bool add;
	char *path;
	vss_id provider_id;
	bool has_provider;
	char *volume; /* normalised */
	const struct provider *provider;
	int status;
};

static void
volume_query_free(struct volume_query *q)
{
	free(q->path);
	free(q->volume);
	free(q);
}

static void
volume_query_work(struct job *j)
{
	struct volume_query *q = j->arg;

	q->status = volume_normalise(q->path, &q->volume);
	if (q->status < 0)
		return;
	q->status = provider_select(q->volume,
				    q->has_provider ? &q->provider_id : NULL,
				    &q->provider);
}

static void
volume_query_orphaned(struct job *j)
{
	volume_query_free(j->arg);
}

/* A provider stuck in is_volume_supported: the requester hears so. */
static void
volume_query_timeout(struct timer *t)
{
	struct session *s = t->arg;

	log_warnx("session %s: volume lookup did not finish in %u ms",
		  s->sid, conf->provider_timeout_ms);
	s->volume_job->done = volume_query_orphaned;
	s->volume_job = NULL;
	session_fail(s, -ETIMEDOUT, "the volume lookup did not finish");
}

static void
volume_query_done(struct job *j)
{
	struct volume_query *q = j->arg;
	struct session *s = q->session;
	json_t *fields = NULL;
	vss_id snapshot_id;
	int r = q->status;

	s->volume_job = NULL;
	timer_disarm(&s->volume_timer);
	fields = json_object();
	if (!fields) {
		r = -ENOMEM;
		goto out;
	}
	if (!q->add) {
		/* A volume no provider takes is simply not supported. */
		if (r == VSS_E_VOLUME_NOT_SUPPORTED ||
		    r == VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER) {
			r = wire_set_bool(fields, WF_SUPPORTED, false);
		} else if (r == 0) {
			r = wire_set_bool(fields, WF_SUPPORTED, true);
		}
		goto out;
	}
	if (r < 0)
		goto out;
	if (session_next(s, SE_ADD_VOLUME) < 0 || !s->set) {
		r = VSS_E_BAD_STATE;
		goto out;
	}
	/* Limits section of the spec: at most max_shadow_copies a volume. */
	if (!conf->delete_oldest &&
	    inventory_count_volume(q->volume) >= conf->max_shadow_copies) {
		log_info("session %s: volume '%s' has %u shadow copies, the "
			 "most allowed", s->sid, q->volume,
			 conf->max_shadow_copies);
		r = VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED;
		goto out;
	}
	r = set_add_volume(s->set, q->volume, q->provider, &snapshot_id);
	if (r < 0)
		goto out;
	log_info("session %s: volume '%s' added to set %s with provider %s",
		 s->sid, q->volume, s->set->sid, q->provider->name);
	if (wire_set_id(fields, WF_SNAPSHOT_ID, &snapshot_id) < 0 ||
	    wire_set_id(fields, WF_PROVIDER_ID, &q->provider->id) < 0)
		r = -ENOMEM;
out:
	session_finish_fields(s, r, fields);
	volume_query_free(q);
}

/* Transportable and plex shadow copies: no provider makes them yet. */
static bool
context_supported_here(int32_t context)
{
	return !(context & (VSS_VOLSNAP_ATTR_TRANSPORTABLE |
			    VSS_VOLSNAP_ATTR_PLEX));
}

static int
do_volume(struct session *s, json_t *msg, bool add)
{
	struct volume_query *q;
	const char *path;
	int r;

	if (wire_get_str(msg, WF_VOLUME, &path) < 0)
		return session_fail(s, -EINVAL, "volume is required");
	if (add) {
		if (session_next(s, SE_ADD_VOLUME) < 0)
			return session_fail(s, VSS_E_BAD_STATE, NULL);
		if (s->set->count >= SET_MAX_VOLUMES)
			return session_fail(
				s, VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED,
				NULL);
		if (!context_supported_here(s->context))
			return session_fail(s, VSS_E_VOLUME_NOT_SUPPORTED,
					    "no provider makes such shadow "
					    "copies");
	}
	q = calloc(1, sizeof(*q));
	if (!q || !(q->path = strdup(path))) {
		free(q);
		return session_fail(s, -ENOMEM, NULL);
	}
	q->session = s;
	q->add = add;
	r = wire_get_id(msg, WF_PROVIDER_ID, &q->provider_id);
	q->has_provider = r == 0 && !vss_id_is_null(&q->provider_id);
	s->volume_job = job_start(volume_query_work, volume_query_done, q);
	if (!s->volume_job) {
		volume_query_free(q);
		return session_fail(s, -ENOMEM, NULL);
	}
	timer_arm(&s->volume_timer, conf->provider_timeout_ms);
	return 0;
}

/* ---- prepare_for_backup ---------------------------------------------- */

/* BK-011: in component mode, writers with a component in the document. */
static void
select_writers(struct session *s)
{
	struct participant *p;
	vss_bcd_writer *w;

	TAILQ_FOREACH(p, &s->participants, entry) {
		if (!s->backup.select_components) {
			p->selected = true;
			continue;
		}
		w = s->bcd ? vss_bcd_find_writer(s->bcd, &p->class_id,
						 &p->instance_id)
			   : NULL;
		p->selected = w && vss_bcd_writer_component_count(w) > 0;
	}
}

static void
prepare_done(struct session *s)
{
	json_t *fields;
	int r;

	session_change_state(s, session_next(s, SE_PREPARE_DONE),
			     SE_PREPARE_DONE);
	s->prepared = true;
	fields = json_object();
	r = fields ? session_fields_bcd(s, fields) : -ENOMEM;
	session_finish_fields(s, r, fields);
}

static int
do_prepare(struct session *s, json_t *msg)
{
	const char *xml, *type = NULL;
	bool b;
	int next, r;

	next = session_next(s, SE_PREPARE);
	if (next < 0 || !context_has_writers(s->context) || !s->gathered)
		return session_fail(s, VSS_E_BAD_STATE, NULL); /* BK-078 */
	r = session_document(s, msg, WF_BCD, &xml);
	if (r == -EMSGSIZE)
		return r;
	if (r < 0)
		return session_fail(s, -EINVAL, "bcd is required");
	r = take_bcd(s, xml);
	if (r < 0)
		return session_fail(s, r, NULL);
	/* The document's backup state, which the fields may restate. */
	s->backup = *vss_bcd_backup_state(s->bcd);
	if (wire_get_str(msg, WF_BACKUP_TYPE, &type) == 0 &&
	    vss_backup_type_parse(&s->backup.backup_type, type) < 0)
		return session_fail(s, -EINVAL, "bad backup_type");
	if (s->backup.backup_type == VSS_BT_UNDEFINED)
		return session_fail(s, -EINVAL, "no backup type");
	if (wire_get_bool(msg, WF_SELECT_COMPONENTS, &b) == 0)
		s->backup.select_components = b;
	if (wire_get_bool(msg, WF_BOOTABLE, &b) == 0)
		s->backup.bootable_system_state = b;
	if (wire_get_bool(msg, WF_PARTIAL_FILES, &b) == 0)
		s->backup.partial_file_support = b;
	(void)vss_bcd_set_backup_state(s->bcd, &s->backup);
	/* The writers see the backup state from this event on (BK-095). */
	s->prepared = true;
	select_writers(s);
	return session_fan_out(s, next, SE_PREPARE, WIRE_EV_PREPARE_BACKUP,
			       fanout_selected, prepare_done);
}

/* ---- do_snapshot_set ------------------------------------------------- */

/* BK-130: application consistent only when every writer took part. */
static bool
application_consistent(const struct session *s)
{
	const struct participant *p;
	size_t taking_part = 0;

	if (!context_has_writers(s->context) || s->excluded_writers > 0)
		return false;
	TAILQ_FOREACH(p, &s->participants, entry) {
		if (!p->selected)
			continue;
		if (!p->writer ||
		    p->status.state != VSS_WS_WAITING_FOR_BACKUP_COMPLETE)
			return false;
		taking_part++;
	}
	return taking_part > 0;
}

/* Describe the shadow copies in the document (SNAPSHOT_SET_DESCRIPTION). */
static int
bcd_describe_set(struct session *s)
{
	const struct snapset *set = s->set;
	struct vss_snapshot_desc d;
	char host[256];
	size_t i, k;
	bool known;
	int r;

	if (!s->bcd)
		return 0;
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (i = 0; i < set->count; i++) {
		const struct set_snapshot *ss = &set->snapshots[i];

		known = false;
		for (k = 0; k < vss_bcd_snapshot_desc_count(s->bcd); k++) {
			known = known ||
				vss_id_equal(&vss_bcd_snapshot_desc(s->bcd, k)
						      ->snapshot_id,
					     &ss->snapshot_id);
		}
		if (known)
			continue;
		d = (struct vss_snapshot_desc){
			.snapshot_id = ss->snapshot_id,
			.provider_id = ss->provider->id,
			.original_volume = ss->volume,
			.snapshot_device = ss->snap->device,
			.originating_machine = host[0] ? host : NULL,
			.attributes = set_attributes(set, ss->provider),
			.created = ss->snap->created,
		};
		r = vss_bcd_add_snapshot_desc(s->bcd, &d);
		if (r < 0)
			return r;
	}
	return 0;
}

void
session_set_done(struct session *s, int status)
{
	json_t *fields = NULL;
	bool app;
	int r;

	if (status < 0 || status == VSS_S_ASYNC_CANCELLED) {
		session_change_state(s, session_next(s, SE_SNAPSHOT_FAILED),
				     SE_SNAPSHOT_FAILED);
		log_info("session %s: snapshot set %s failed: %s", s->sid,
			 s->set->sid, vss_strerror(status));
		session_fail(s, status, NULL);
		if (s->state == SESSION_CLOSING)
			session_close_step(s);
		return;
	}
	session_change_state(s, session_next(s, SE_SNAPSHOT_DONE),
			     SE_SNAPSHOT_DONE);
	if (s->state == SESSION_CLOSING) {
		session_close_step(s);
		return;
	}
	app = application_consistent(s);
	log_info("session %s: snapshot set %s created, %zu shadow copies, "
		 "%s consistent, freeze window %.3f ms (commit %.3f ms)",
		 s->sid, s->set->sid, s->set->count,
		 app ? "application" : "crash", s->set->freeze_window_ms,
		 ms_between(s->set->phase_ns[PH_COMMIT], s->set->phase_ns[PH_THAW]));
	r = -ENOMEM;
	fields = json_object();
	if (!fields || bcd_describe_set(s) < 0 ||
	    session_fields_bcd(s, fields) < 0 ||
	    json_object_set_new(fields, WF_SNAPSHOTS,
				set_snapshots_json(s->set, true)) < 0 ||
	    wire_set_str(fields, WF_CONSISTENCY,
			 app ? "application" : "crash") < 0 ||
	    set_timings_json(s->set, fields) < 0)
		goto out;
	r = 0;
out:
	session_finish_fields(s, r, fields);
}

static int
do_snapshot(struct session *s, json_t *msg)
{
	int next, r;

	next = session_next(s, SE_DO_SNAPSHOT);
	if (next < 0)
		return session_fail(s, VSS_E_BAD_STATE, NULL);
	/* BK-006: a context with writers needs their metadata first. */
	if (context_has_writers(s->context) && !s->gathered)
		return session_fail(s, VSS_E_BAD_STATE,
				    "gather_writer_metadata first");
	r = take_bcd_field(s, msg);
	if (r < 0)
		return r;
	/* Without prepare_for_backup every writer takes part. */
	if (!s->prepared) {
		s->backup.select_components = false;
		select_writers(s);
	}
	if (!context_has_writers(s->context)) {
		struct participant *p;

		TAILQ_FOREACH(p, &s->participants, entry)
			p->selected = false; /* BK-078 */
	}
	session_change_state(s, next, SE_DO_SNAPSHOT);
	set_do_snapshot(s->set);
	return 0;
}

/* ---- get_snapshot_properties ----------------------------------------- */

static int
do_properties(struct session *s, json_t *msg)
{
	const struct shadow *sh;
	json_t *fields;
	vss_id id;
	int r;

	if (wire_get_id(msg, WF_SNAPSHOT_ID, &id) < 0)
		return session_fail(s, -EINVAL, "snapshot_id is required");
	/* SN-011: only shadow copies that exist: made, not being made. */
	sh = inventory_find(&id);
	if (!sh)
		return session_fail(s, VSS_E_OBJECT_NOT_FOUND, NULL);
	fields = json_object();
	r = fields ? shadow_properties_json(sh, fields) : -ENOMEM;
	r = session_finish_fields(s, r, fields);
	return r;
}

/* ---- backup_complete ------------------------------------------------- */

static bool
complete_filter(const struct participant *p)
{
	return p->selected && p->post_snapshot_sent && !p->aborted;
}

static void
complete_done(struct session *s)
{
	json_t *fields;
	int r;

	session_change_state(s, session_next(s, SE_COMPLETE_DONE),
			     SE_COMPLETE_DONE);
	fields = json_object();
	r = fields ? session_fields_bcd(s, fields) : -ENOMEM;
	session_finish_fields(s, r, fields);
}

static int
do_complete(struct session *s, json_t *msg)
{
	int next, r;

	next = session_next(s, SE_COMPLETE);
	if (next < 0 || !context_has_writers(s->context))
		return session_fail(s, VSS_E_BAD_STATE, NULL); /* BK-078 */
	r = take_bcd_field(s, msg);
	if (r < 0)
		return r;
	return session_fan_out(s, next, SE_COMPLETE, WIRE_EV_BACKUP_COMPLETE,
			       complete_filter, complete_done);
}

/* ---- abort_backup and cancel ----------------------------------------- */

static void
abort_done(struct session *s)
{
	if (s->state == SESSION_CLOSING) {
		session_close_step(s);
		return;
	}
	session_change_state(s, session_next(s, SE_ABORT_DONE),
			     SE_ABORT_DONE);
}

/*
 * Stop what is under way (BK-080, BK-081): the fan-out being awaited,
 * the set being made; abort to the writers that need it.  The request
 * being served, if it is one of the long ones, ends with status.
 */
static void
session_abort_work(struct session *s, int status)
{
	switch (s->state) {
	case SESSION_GATHERING:
		fanout_cancel(s);
		break;
	case SESSION_SET_STARTED:
		set_abort(s->set, status);
		break;
	case SESSION_PREPARING:
	case SESSION_COMPLETING:
		/* The replies in flight are still recorded (fanout.c). */
		session_fail(s, status, NULL);
		/* fall through */
	case SESSION_PREPARED:
	case SESSION_SNAPSHOT_DONE:
		if (s->set)
			set_abort(s->set, status);
		if (fanout_abort(s, abort_done) < 0)
			log_warnx("session %s: abort not sent: out of memory",
				  s->sid);
		break;
	case SESSION_SNAPSHOTTING:
		/* The set aborts the writers; session_set_done() follows. */
		set_abort(s->set, status);
		break;
	case SESSION_PRE_RESTORING:
	case SESSION_POST_RESTORING:
		/*
		 * RS-010: a restore is not aborted.  Only a requester that is
		 * gone gets here: the replies are awaited, then the writers
		 * that took part get backup_shutdown (session_close_step()).
		 */
	case SESSION_INIT:
	case SESSION_GATHERED:
	case SESSION_COMPLETE:
	case SESSION_ABORTING:
	case SESSION_ABORTED:
	case SESSION_PRE_RESTORED:
	case SESSION_RESTORED:
	case SESSION_CLOSING:
		break;
	}
}

static int
do_abort(struct session *s, uint64_t id, int status)
{
	int next = session_next(s, SE_ABORT);

	if (next < 0)
		return client_reply(s->client, id, VSS_E_BAD_STATE, NULL, NULL);
	if ((enum session_state)next != s->state)
		log_info("session %s: abort in state %s", s->sid,
			 state_names[s->state]);
	session_abort_work(s, status);
	session_change_state(s, next, SE_ABORT);
	return client_reply(s->client, id, 0, NULL, NULL);
}

static int
do_cancel(struct session *s, uint64_t id, json_t *msg)
{
	struct pending_request *pr;
	int64_t target;

	if (wire_get_int(msg, WF_TARGET_ID, &target) < 0)
		return client_reply(s->client, id, -EINVAL,
				    "target_id is required", NULL);
	TAILQ_FOREACH(pr, &s->queue, entry) {
		if (pr->id != (uint64_t)target)
			continue;
		TAILQ_REMOVE(&s->queue, pr, entry);
		s->queued--;
		client_reply(s->client, pr->id, VSS_S_ASYNC_CANCELLED, NULL,
			     NULL);
		json_decref(pr->msg);
		free(pr);
		return client_reply(s->client, id, 0, NULL, NULL);
	}
	if (!s->busy || s->busy_id != (uint64_t)target)
		return client_reply(s->client, id, VSS_E_OBJECT_NOT_FOUND,
				    "no such request running", NULL);
	switch (s->busy_type) {
	case WIRE_GATHER_WRITER_METADATA: {
		struct participant *p;

		fanout_cancel(s);
		while ((p = TAILQ_FIRST(&s->participants))) {
			TAILQ_REMOVE(&s->participants, p, entry);
			participant_free(p);
		}
		s->excluded_writers = 0;
		session_change_state(s, session_next(s, SE_GATHER_CANCELLED),
				     SE_GATHER_CANCELLED);
		session_fail(s, VSS_S_ASYNC_CANCELLED, NULL);
		break;
	}
	case WIRE_PREPARE_FOR_BACKUP:
	case WIRE_DO_SNAPSHOT_SET:
	case WIRE_BACKUP_COMPLETE:
		/* AS-005: giving up a long call is giving up the backup. */
		log_info("session %s: %s cancelled", s->sid,
			 wire_type_name(s->busy_type));
		session_abort_work(s, VSS_S_ASYNC_CANCELLED);
		session_change_state(s, session_next(s, SE_ABORT), SE_ABORT);
		break;
	case WIRE_PRE_RESTORE:
	case WIRE_POST_RESTORE:
		/* RS-010: the writers are told; there is no way back. */
		return client_reply(s->client, id, VSS_E_BAD_STATE,
				    "a restore cannot be cancelled", NULL);
	default:
		return client_reply(s->client, id, VSS_E_OBJECT_NOT_FOUND,
				    "the request cannot be cancelled", NULL);
	}
	return client_reply(s->client, id, 0, NULL, NULL);
}

/* ---- dispatch -------------------------------------------------------- */

static int
session_serve(struct session *s, enum wire_type type, uint64_t id,
	      json_t *msg)
{
	s->busy = true;
	s->busy_type = type;
	s->busy_id = id;
	switch (type) {
	case WIRE_GATHER_WRITER_METADATA:
		return do_gather(s, msg);
	case WIRE_GATHER_WRITER_STATUS:
		return do_gather_status(s);
	case WIRE_START_SNAPSHOT_SET:
		return do_start_set(s, msg);
	case WIRE_IS_VOLUME_SUPPORTED:
		return do_volume(s, msg, false);
	case WIRE_ADD_TO_SNAPSHOT_SET:
		return do_volume(s, msg, true);
	case WIRE_PREPARE_FOR_BACKUP:
		return do_prepare(s, msg);
	case WIRE_DO_SNAPSHOT_SET:
		return do_snapshot(s, msg);
	case WIRE_GET_SNAPSHOT_PROPERTIES:
		return do_properties(s, msg);
	case WIRE_BACKUP_COMPLETE:
		return do_complete(s, msg);
	case WIRE_QUERY_SNAPSHOTS:
	case WIRE_DELETE_SNAPSHOTS:
	case WIRE_EXPOSE_SNAPSHOT:
	case WIRE_UNEXPOSE_SNAPSHOT:
	case WIRE_QUERY_PROVIDERS:
	case WIRE_IS_VOLUME_SNAPSHOTTED:
		return manage_request(s, type, msg);
	case WIRE_PRE_RESTORE:
	case WIRE_POST_RESTORE:
		return restore_request(s, type, msg);
	default:
		s->busy = false;
		return session_malformed(s, "not a requester request");
	}
}

int
session_request(struct session *s, enum wire_type type, uint64_t id,
		json_t *msg)
{
	struct pending_request *pr;

	if (type == WIRE_CANCEL)
		return do_cancel(s, id, msg);
	if (type == WIRE_ABORT_BACKUP)
		return do_abort(s, id, VSS_S_ASYNC_CANCELLED);
	if (!s->busy && TAILQ_EMPTY(&s->queue))
		return session_serve(s, type, id, msg);
	if (s->queued >= MAX_QUEUED_REQUESTS)
		return session_malformed(s, "too many requests queued");
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return session_malformed(s, "out of memory");
	pr->msg = json_incref(msg);
	pr->type = type;
	pr->id = id;
	TAILQ_INSERT_TAIL(&s->queue, pr, entry);
	s->queued++;
	return 0;
}

static void
session_drain(void *arg)
{
	struct session *s = arg;
	struct pending_request *pr;

	while (!s->busy && s->client && !s->client->closing &&
	       (pr = TAILQ_FIRST(&s->queue))) {
		TAILQ_REMOVE(&s->queue, pr, entry);
		s->queued--;
		session_serve(s, pr->type, pr->id, pr->msg);
		json_decref(pr->msg);
		free(pr);
	}
}

/* ---- life cycle ------------------------------------------------------ */

int
session_new(struct client *c, struct session **ret)
{
	struct session *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->client = c;
	s->id = c->session_id;
	memcpy(s->sid, c->sid, sizeof(s->sid));
	s->uid = c->uid;
	s->pid = c->pid;
	s->state = SESSION_INIT;
	s->context = VSS_CTX_BACKUP;
	TAILQ_INIT(&s->participants);
	TAILQ_INIT(&s->queue);
	defer_init(&s->drain, session_drain, s);
	defer_init(&s->fanout.finish, NULL, s);
	timer_init(&s->volume_timer, "volume lookup", volume_query_timeout, s);
	TAILQ_INSERT_TAIL(&sessions, s, entry);
	session_total++;
	log_info("session %s: requester uid %u pid %d", s->sid,
		 (unsigned)s->uid, (int)s->pid);
	*ret = s;
	return 0;
}

static void
session_free(struct session *s)
{
	struct pending_request *pr;
	struct participant *p;

	log_info("session %s: ended", s->sid);
	fanout_cancel(s);
	defer_cancel(&s->drain);
	timer_disarm(&s->volume_timer);
	while ((p = TAILQ_FIRST(&s->participants))) {
		TAILQ_REMOVE(&s->participants, p, entry);
		participant_free(p);
	}
	while ((pr = TAILQ_FIRST(&s->queue))) {
		TAILQ_REMOVE(&s->queue, pr, entry);
		json_decref(pr->msg);
		free(pr);
	}
	vss_bcd_free(s->bcd);
	TAILQ_REMOVE(&sessions, s, entry);
	session_total--;
	free(s);
}

static void
shutdown_done(struct session *s)
{
	session_close_step(s);
}

/*
 * The requester is gone; each step waits for the one before: the set
 * being made or aborted, the abort fan-out (or the restore event being
 * answered), backup_shutdown to the writers that took part, the release
 * of the shadow copies.
 */
void
session_close_step(struct session *s)
{
	if (s->set && set_busy(s->set))
		return;
	if (s->fanout.active)
		return;
	if (!s->shutdown_sent) {
		s->shutdown_sent = true;
		if (fanout_start(s, WIRE_EV_BACKUP_SHUTDOWN, VSS_APP_UNKNOWN,
				 fanout_took_part, NULL, shutdown_done) >= 0)
			return;
		log_warnx("session %s: backup_shutdown not sent: out of "
			  "memory", s->sid);
	}
	/* session_released() clears s->set. */
	if (s->set) {
		if (!s->release_started) {
			s->release_started = true;
			set_release(s->set);
		}
		return;
	}
	if (!s->inventory_release_started) {
		s->inventory_release_started = true;
		if (inventory_session_gone(&s->id, inventory_released, s) == 0)
			return;
		log_warnx("session %s: its shadow copies and exposures not "
			  "released: out of memory", s->sid);
		s->inventory_released = true;
	}
	if (!s->inventory_released)
		return;
	session_free(s);
}

/* BK-087, SN-020: its auto-release shadow copies and exposures are gone. */
static void
inventory_released(void *arg, int status, json_t *fields)
{
	struct session *s = arg;

	(void)fields;
	if (status < 0)
		log_warnx("session %s: release of its shadow copies: %s",
			  s->sid, vss_strerror(status));
	s->inventory_released = true;
	session_close_step(s);
}

void
session_released(struct session *s)
{
	s->set = NULL;
	session_close_step(s);
}

void
session_client_gone(struct session *s)
{
	struct pending_request *pr;
	int next;

	log_info("session %s: requester gone in state %s", s->sid,
		 state_names[s->state]);
	while ((pr = TAILQ_FIRST(&s->queue))) {
		TAILQ_REMOVE(&s->queue, pr, entry);
		s->queued--;
		json_decref(pr->msg);
		free(pr);
	}
	if (s->volume_job) {
		/* Its answer has nobody to go to. */
		s->volume_job->done = volume_query_orphaned;
		s->volume_job = NULL;
		timer_disarm(&s->volume_timer);
	}
	manage_session_gone(s);
	s->busy = false;
	s->client = NULL;
	session_abort_work(s, -ECONNRESET);
	next = session_next(s, SE_CLOSE);
	session_change_state(s, next, SE_CLOSE);
	session_close_step(s);
}

void
sessions_shutdown(void)
{
	struct session *s;

	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->client)
			client_close(s->client, "session %s: vssd is stopping",
				     s->sid);
	}
}

struct session *
session_find(const vss_id *id)
{
	struct session *s;

	TAILQ_FOREACH(s, &sessions, entry)
		if (vss_id_equal(&s->id, id))
			return s;
	return NULL;
}

size_t
sessions_count(void)
{
	return session_total;
}
