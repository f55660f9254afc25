/*
 * daemon/restore.c - the restore requests of a requester session
 * (restore.md §1): pre_restore and post_restore, and which writers get
 * their events.
 *
 * A restore needs no snapshot.  The requester gathers the writers'
 * metadata as for a backup (RS-002), then sends the restore document
 * with each matched writer entry carrying the writer's live instance id,
 * so entries are matched to writers by (class id, instance id) as in a
 * backup and each instance gets its own entry only (RS-114).
 * pre_restore goes to every writer with a component selected for restore
 * (RS-004) unless its metadata says it wants no restore events (RS-050);
 * what it sets there (restore target, directed targets, restore
 * metadata, failure messages) comes back merged (RS-006).  post_restore
 * goes to the writers that had pre_restore and did not fail it, except a
 * writer that wants it only when an in-place replace failed and none did
 * (restore.md §5); its document is read-only (RS-007).  Writer failures
 * are writer states, not the request's status (RS-011, RS-112).
 */
#include "daemon.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <vss/status.h>

/* The writer entry of p in the session's document, or NULL. */
static vss_bcd_writer *
participant_entry(const struct participant *p)
{
	const struct session *s = p->session;

	if (!s->bcd)
		return NULL;
	return vss_bcd_find_writer(s->bcd, &p->class_id, &p->instance_id);
}

/* RS-004: the entry has a component the restore is about. */
static bool
entry_restoring(const vss_bcd_writer *w)
{
	size_t i, n;

	n = w ? vss_bcd_writer_component_count(w) : 0;
	for (i = 0; i < n; i++) {
		if (vss_bcd_component_restoring(vss_bcd_writer_component(w, i)))
			return true;
	}
	return false;
}

/*
 * VSS_WRE_IF_REPLACE_FAILS (restore.md §5): did the in-place restore of
 * one of the entry's components fail?  Its file restore status is not
 * ALL, or its files went to an alternate location mapping (RS-071).
 */
static bool
entry_replace_failed(const vss_bcd_writer *w)
{
	const vss_bcd_component *c;
	size_t i, n;

	n = w ? vss_bcd_writer_component_count(w) : 0;
	for (i = 0; i < n; i++) {
		c = vss_bcd_writer_component(w, i);
		if (!vss_bcd_component_restoring(c))
			continue;
		if (vss_bcd_component_file_restore_status(c) != VSS_RS_ALL ||
		    vss_bcd_component_alternate_location_mapping_count(c) > 0)
			return true;
	}
	return false;
}

/* Which writers take part: RS-004, RS-050. */
static void
select_for_restore(struct session *s)
{
	struct participant *p;
	bool restoring;

	TAILQ_FOREACH(p, &s->participants, entry) {
		restoring = p->identified &&
			    entry_restoring(participant_entry(p));
		p->selected = restoring && p->writer_restore != VSS_WRE_NEVER;
		if (restoring && !p->selected)
			log_info("session %s: writer '%s' has components "
				 "selected for restore but wants no restore "
				 "events", s->sid, p->friendly_name);
	}
}

/* The writers still here that filter picks: those the event goes to. */
static size_t
count_present(const struct session *s, fanout_filter filter)
{
	const struct participant *p;
	size_t n = 0;

	TAILQ_FOREACH(p, &s->participants, entry)
		n += p->writer && filter(p);
	return n;
}

/* The writers that get post_restore. */
static bool
post_restore_filter(const struct participant *p)
{
	if (!p->took_part || !fanout_selected(p))
		return false;
	if (p->writer_restore != VSS_WRE_IF_REPLACE_FAILS)
		return true;
	return entry_replace_failed(participant_entry(p));
}

/*
 * RS-113: a writer that filter picks for ev but has left since it was
 * gathered (a writer whose service was restarted comes back as a new
 * instance) misses ev, and its state says so.
 */
static void
lose_departed(struct session *s, enum wire_event ev, fanout_filter filter)
{
	struct participant *p;

	TAILQ_FOREACH(p, &s->participants, entry) {
		if (!p->writer && filter(p))
			participant_lost(p, ev);
	}
}

/*
 * The request's document replaces the session's.  Negative when the
 * request has been answered with a failure (the session is unchanged)
 * or the connection is closing (over max_document).  The message table
 * makes the field required (lib/wire/message.c).
 */
static int
take_restore_bcd(struct session *s, json_t *msg)
{
	struct vss_error err;
	const char *xml;
	vss_bcd *bcd;
	int r;

	r = session_document(s, msg, WF_BCD, &xml);
	assert(r != -ENOENT);
	if (r < 0)
		return r;
	r = vss_bcd_load_xml(&bcd, xml, strlen(xml), &err);
	if (r == -ENOMEM) {
		session_fail(s, r, NULL);
		return r;
	}
	if (r < 0) {
		log_info("session %s: restore document refused: %s", s->sid,
			 err.message);
		session_fail(s, r, err.message);
		return r;
	}
	vss_bcd_free(s->bcd);
	s->bcd = bcd;
	return 0;
}

/* The document, as the writers left it, goes back to the requester. */
static void
restore_step_done(struct session *s, enum session_event ev)
{
	json_t *fields;
	int r;

	if (s->state == SESSION_CLOSING) {
		/* Answered: now backup_shutdown to those that took part. */
		session_close_step(s);
		return;
	}
	session_change_state(s, session_next(s, ev), ev);
	fields = json_object();
	r = fields ? session_fields_bcd(s, fields) : -ENOMEM;
	session_finish_fields(s, r, fields);
}

static void
pre_restore_done(struct session *s)
{
	restore_step_done(s, SE_PRE_RESTORE_DONE);
}

static void
post_restore_done(struct session *s)
{
	restore_step_done(s, SE_POST_RESTORE_DONE);
}

static int
do_pre_restore(struct session *s, json_t *msg)
{
	enum vss_restore_type type;
	const char *name;
	int next, r;

	next = session_next(s, SE_PRE_RESTORE);
	if (next < 0)
		return session_fail(s, VSS_E_BAD_STATE,
				    s->state == SESSION_INIT
					    ? "gather_writer_metadata first"
					    : "pre_restore comes once, right "
					      "after gather_writer_metadata");
	r = take_restore_bcd(s, msg);
	if (r < 0)
		return r;
	/*
	 * SetRestoreState: the field, when given, restates the document
	 * (its value was checked against the message table).
	 */
	type = vss_bcd_restore_type(s->bcd);
	if (wire_get_str(msg, WF_RESTORE_TYPE, &name) == 0)
		(void)vss_restore_type_parse(&type, name);
	s->restore_type = type;
	(void)vss_bcd_set_restore_type(s->bcd, type);
	select_for_restore(s);
	lose_departed(s, WIRE_EV_PRE_RESTORE, fanout_selected);
	log_info("session %s: restore of type %s, pre_restore to %zu writers",
		 s->sid, vss_restore_type_str(type),
		 count_present(s, fanout_selected));
	return session_fan_out(s, next, SE_PRE_RESTORE, WIRE_EV_PRE_RESTORE,
			       fanout_selected, pre_restore_done);
}

static int
do_post_restore(struct session *s, json_t *msg)
{
	int next, r;

	next = session_next(s, SE_POST_RESTORE);
	if (next < 0)
		return session_fail(s, VSS_E_BAD_STATE,
				    s->state == SESSION_RESTORED
					    ? "post_restore comes once"
					    : "pre_restore first");
	r = take_restore_bcd(s, msg);
	if (r < 0)
		return r;
	(void)vss_bcd_set_restore_type(s->bcd, s->restore_type);
	lose_departed(s, WIRE_EV_POST_RESTORE, post_restore_filter);
	log_info("session %s: post_restore to %zu writers", s->sid,
		 count_present(s, post_restore_filter));
	return session_fan_out(s, next, SE_POST_RESTORE, WIRE_EV_POST_RESTORE,
			       post_restore_filter, post_restore_done);
}

int
restore_request(struct session *s, enum wire_type type, json_t *msg)
{
	switch (type) {
	case WIRE_PRE_RESTORE:
		return do_pre_restore(s, msg);
	case WIRE_POST_RESTORE:
		return do_post_restore(s, msg);
	default:
		fatalx("session %s: %s is no restore request", s->sid,
		       wire_type_name(type));
	}
}
