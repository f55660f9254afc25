/*
 * daemon/writers.c - the registry of subscribed writers and the events in
 * flight to them.
 *
 * A writer is one subscribed connection.  Its instance id is unique in
 * the registry; its class id is bound to the uid of the first instance
 * registered with it for as long as any instance of the class is
 * registered, so that another user cannot pose as that writer.  Every
 * event sent to a writer is a wcall with its own deadline; its callback
 * runs exactly once: on the reply, on the deadline or when the writer
 * goes away, never from inside the call that sent it.
 */
#include "daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

static TAILQ_HEAD(, writer) registry = TAILQ_HEAD_INITIALIZER(registry);
static size_t registered;
/*
 * Event ids are unique across all writers, so one encoded event can go to
 * every writer of a fan-out unchanged.
 */
static uint64_t next_event_id = 1;

uint64_t
writers_new_event_id(void)
{
	return next_event_id++;
}

struct writer *
writers_next(struct writer *w)
{
	return w ? TAILQ_NEXT(w, entry) : TAILQ_FIRST(&registry);
}

static struct writer *
find_instance(const vss_id *instance_id)
{
	struct writer *w;

	TAILQ_FOREACH(w, &registry, entry) {
		if (vss_id_equal(&w->instance_id, instance_id))
			return w;
	}
	return NULL;
}

/* The uid the class is bound to, if any instance of it is registered. */
static bool
class_owner(const vss_id *class_id, uid_t *ret)
{
	struct writer *w;

	TAILQ_FOREACH(w, &registry, entry) {
		if (vss_id_equal(&w->class_id, class_id)) {
			*ret = w->uid;
			return true;
		}
	}
	return false;
}

static int
parse_level(const char *s, enum vss_app_level *ret)
{
	if (!s) {
		*ret = VSS_APP_FRONT_END; /* BK-036 */
		return 0;
	}
	if (strcmp(s, "front_end") == 0)
		*ret = VSS_APP_FRONT_END;
	else if (strcmp(s, "back_end") == 0)
		*ret = VSS_APP_BACK_END;
	else if (strcmp(s, "system") == 0)
		*ret = VSS_APP_SYSTEM;
	else
		return -EINVAL;
	return 0;
}

static const char *
level_name(enum vss_app_level level)
{
	switch (level) {
	case VSS_APP_FRONT_END:
		return "front_end";
	case VSS_APP_BACK_END:
		return "back_end";
	case VSS_APP_SYSTEM:
		return "system";
	case VSS_APP_UNKNOWN:
		break;
	}
	return NULL;
}

static void
writer_free(struct writer *w)
{
	if (!w)
		return;
	free(w->instance_name);
	free(w->friendly_name);
	free(w->last.message);
	free(w);
}

/* Read the identity of a subscribe request into a new writer. */
static int
writer_from_msg(json_t *msg, struct writer **ret, const char **why)
{
	const char *iname = NULL, *fname, *usage, *source, *level = NULL;
	int64_t timeout = 60000;
	struct writer *w;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	TAILQ_INIT(&w->calls);
	TAILQ_INIT(&w->participants);
	if (wire_get_id(msg, WF_CLASS_ID, &w->class_id) < 0 ||
	    wire_get_id(msg, WF_INSTANCE_ID, &w->instance_id) < 0 ||
	    vss_id_is_null(&w->class_id) || vss_id_is_null(&w->instance_id)) {
		*why = "class_id and instance_id are required";
		goto invalid;
	}
	if (wire_get_str(msg, WF_FRIENDLY_NAME, &fname) < 0 ||
	    fname[0] == '\0') {
		*why = "friendly_name is required";
		goto invalid;
	}
	if (wire_get_str(msg, WF_USAGE, &usage) < 0 ||
	    vss_usage_type_parse(&w->usage, usage) < 0 ||
	    w->usage == VSS_UT_UNDEFINED ||
	    wire_get_str(msg, WF_SOURCE, &source) < 0 ||
	    vss_source_type_parse(&w->source, source) < 0 ||
	    w->source == VSS_ST_UNDEFINED) {
		*why = "bad usage or source";
		goto invalid;
	}
	if (wire_get_str(msg, WF_LEVEL, &level) == -EBADMSG ||
	    parse_level(level, &w->level) < 0) {
		*why = "bad level";
		goto invalid;
	}
	if (wire_get_int(msg, WF_FREEZE_TIMEOUT_MS, &timeout) == -EBADMSG ||
	    timeout <= 0 || timeout > 24 * 3600 * 1000) {
		*why = "bad freeze_timeout_ms";
		goto invalid;
	}
	w->freeze_timeout_ms = (uint32_t)timeout;
	(void)wire_get_str(msg, WF_INSTANCE_NAME, &iname);
	w->friendly_name = strdup(fname);
	if (iname)
		w->instance_name = strdup(iname);
	if (!w->friendly_name || (iname && !w->instance_name)) {
		writer_free(w);
		return -ENOMEM;
	}
	vss_id_format(&w->instance_id, w->iid);
	*ret = w;
	return 0;
invalid:
	writer_free(w);
	return -EINVAL;
}

int
writers_subscribe(struct client *c, uint64_t id, json_t *msg)
{
	const char *why = NULL;
	struct writer *w;
	uid_t owner;
	int r;

	if (c->writer)
		return client_reply(c, id, VSS_E_WRITER_ALREADY_SUBSCRIBED,
				    "this connection is subscribed", NULL);
	r = writer_from_msg(msg, &w, &why);
	if (r < 0)
		return client_reply(c, id, r, why, NULL);
	if (find_instance(&w->instance_id)) {
		writer_free(w);
		return client_reply(c, id, VSS_E_WRITER_ALREADY_SUBSCRIBED,
				    "the instance id is taken", NULL);
	}
	if (class_owner(&w->class_id, &owner) && owner != c->uid) {
		char cid[VSS_ID_STRLEN];

		vss_id_format(&w->class_id, cid);
		log_warnx("writer '%s' uid %u refused: class %s belongs to "
			  "uid %u", w->friendly_name, (unsigned)c->uid, cid,
			  (unsigned)owner);
		writer_free(w);
		return client_reply(c, id, VSS_E_WRITER_INFRASTRUCTURE,
				    "the class id is registered by another "
				    "user", NULL);
	}
	if (registered >= conf->max_writers) {
		log_warnx("writer '%s' refused: %u writers registered",
			  w->friendly_name, conf->max_writers);
		writer_free(w);
		return client_reply(c, id, -EUSERS, "too many writers", NULL);
	}
	w->client = c;
	w->uid = c->uid;
	w->last.state = VSS_WS_STABLE;
	c->writer = w;
	TAILQ_INSERT_TAIL(&registry, w, entry);
	registered++;
	log_info("writer '%s' instance %s subscribed (uid %u pid %d, %s)",
		 w->friendly_name, w->iid, (unsigned)c->uid, (int)c->pid,
		 c->sid);
	return client_reply(c, id, 0, NULL, NULL);
}

/* The writer leaves: every event in flight fails, participants forget it. */
static void
writer_remove(struct writer *w)
{
	struct participant *p;
	struct wcall *call;

	TAILQ_REMOVE(&registry, w, entry);
	registered--;
	w->client->writer = NULL;
	w->client = NULL;
	/*
	 * The sessions forget the writer first, so that what the failed
	 * calls below set off (an abort, the next fan-out) never sends to it.
	 */
	while ((p = TAILQ_FIRST(&w->participants))) {
		TAILQ_REMOVE(&w->participants, p, wentry);
		p->writer = NULL;
	}
	while ((call = TAILQ_FIRST(&w->calls))) {
		TAILQ_REMOVE(&w->calls, call, entry);
		call->pending = false;
		timer_disarm(&call->timer);
		call->fn(call, VSS_E_WRITER_NOT_RESPONDING, NULL);
	}
	log_info("writer '%s' instance %s unsubscribed", w->friendly_name,
		 w->iid);
	writer_free(w);
}

int
writers_unsubscribe(struct client *c, uint64_t id)
{
	if (c->writer)
		writer_remove(c->writer);
	return client_reply(c, id, 0, NULL, NULL);
}

void
writers_client_gone(struct client *c)
{
	if (c->writer)
		writer_remove(c->writer);
}

/* ---- events ---------------------------------------------------------- */

static void
wcall_timeout(struct timer *t)
{
	struct wcall *call = t->arg;
	struct writer *w = call->writer;

	/* The caller logs it, with the session it belongs to. */
	TAILQ_REMOVE(&w->calls, call, entry);
	call->pending = false;
	call->fn(call, VSS_E_WRITER_NOT_RESPONDING, NULL);
}

/* Await the reply to event id, already sent or about to be. */
static void
wcall_start(struct writer *w, struct wcall *call, uint64_t id,
	    enum wire_event ev, uint32_t timeout_ms, wcall_fn fn, void *arg)
{
	call->writer = w;
	call->id = id;
	call->event = ev;
	call->fn = fn;
	call->arg = arg;
	call->sent_ns = now_ns();
	call->pending = true;
	timer_init(&call->timer, "writer event", wcall_timeout, call);
	timer_arm(&call->timer, timeout_ms);
	TAILQ_INSERT_TAIL(&w->calls, call, entry);
}

int
writer_call(struct writer *w, struct wcall *call, enum wire_event ev,
	    json_t *msg, uint32_t timeout_ms, wcall_fn fn, void *arg)
{
	uint64_t id = writers_new_event_id();

	if (wire_set_int(msg, WF_ID, (int64_t)id) < 0)
		return -ENOMEM;
	wcall_start(w, call, id, ev, timeout_ms, fn, arg);
	/* A failed send closes the client later; its close fails the call. */
	(void)client_send(w->client, msg);
	return 0;
}

void
writer_call_frame(struct writer *w, struct wcall *call, uint64_t id,
		  enum wire_event ev, const uint8_t *frame, size_t len,
		  uint32_t timeout_ms, wcall_fn fn, void *arg)
{
	wcall_start(w, call, id, ev, timeout_ms, fn, arg);
	(void)client_send_frame(w->client, frame, len);
}

void
writer_notify(struct writer *w, json_t *msg)
{
	if (wire_set_int(msg, WF_ID, (int64_t)writers_new_event_id()) < 0)
		return;
	(void)client_send(w->client, msg);
}

void
wcall_cancel(struct wcall *call)
{
	if (!call->pending)
		return;
	TAILQ_REMOVE(&call->writer->calls, call, entry);
	timer_disarm(&call->timer);
	call->pending = false;
}

int
writers_event_reply(struct client *c, json_t *msg)
{
	struct writer *w = c->writer;
	struct wcall *call;
	int64_t id;

	if (!w) {
		client_close(c, "event reply from a writer not subscribed");
		return -EPROTO;
	}
	if (wire_get_int(msg, WF_ID, &id) < 0 || id <= 0) {
		client_close(c, "event reply without id");
		return -EPROTO;
	}
	TAILQ_FOREACH(call, &w->calls, entry) {
		if (call->id == (uint64_t)id)
			break;
	}
	if (!call) {
		if ((uint64_t)id >= next_event_id) {
			client_close(c, "reply to event %lld never sent",
				     (long long)id);
			return -EPROTO;
		}
		/* A reply that came after its deadline: already recorded. */
		log_debug("writer '%s': late reply to event %lld ignored",
			  w->friendly_name, (long long)id);
		return 0;
	}
	TAILQ_REMOVE(&w->calls, call, entry);
	timer_disarm(&call->timer);
	call->pending = false;
	{
		int64_t status = 0;

		if (wire_get_int(msg, WF_STATUS, &status) < 0 ||
		    status > 0 || status < INT32_MIN)
			status = VSS_E_WRITERERROR_NONRETRYABLE;
		call->fn(call, (int)status, msg);
	}
	return 0;
}

/* ---- status lists ---------------------------------------------------- */

json_t *
writer_status_json(const vss_id *class_id, const vss_id *instance_id,
		   const char *instance_name, const char *friendly_name,
		   const struct writer_status *st, const double *event_ms,
		   const bool *has_event_ms)
{
	json_t *o, *times;
	int e;

	o = json_object();
	times = json_object();
	if (!o || !times)
		goto fail;
	if (wire_set_id(o, WF_CLASS_ID, class_id) < 0 ||
	    wire_set_id(o, WF_INSTANCE_ID, instance_id) < 0 ||
	    (instance_name &&
	     wire_set_str(o, WF_INSTANCE_NAME, instance_name) < 0) ||
	    wire_set_str(o, WF_FRIENDLY_NAME, friendly_name) < 0 ||
	    wire_set_int(o, WF_STATE, st->state) < 0 ||
	    wire_set_int(o, WF_FAILURE, st->failure) < 0 ||
	    wire_set_int(o, WF_APP_FAILURE, st->app_failure) < 0 ||
	    (st->message &&
	     wire_set_str(o, WF_FAILURE_MESSAGE, st->message) < 0))
		goto fail;
	for (e = 1; event_ms && e < WIRE_EV_COUNT; e++) {
		if (!has_event_ms[e])
			continue;
		if (json_object_set_new(times, wire_event_name(e),
					json_real(event_ms[e])) < 0)
			goto fail;
	}
	if (json_object_set_new(o, WF_EVENT_TIMES, times) < 0) {
		times = NULL;
		goto fail;
	}
	return o;
fail:
	json_decref(times);
	json_decref(o);
	return NULL;
}

int
writers_list(struct client *c, uint64_t id)
{
	const char *usage, *source;
	json_t *fields, *list, *o;
	struct writer *w;
	int r = -ENOMEM;

	fields = json_object();
	list = json_array();
	if (!fields || !list)
		goto out;
	TAILQ_FOREACH(w, &registry, entry) {
		o = writer_status_json(&w->class_id, &w->instance_id,
				       w->instance_name, w->friendly_name,
				       &w->last, NULL, NULL);
		if (!o || json_array_append_new(list, o) < 0)
			goto out;
		/* What it subscribed with, for the administrator. */
		usage = vss_usage_type_str(w->usage);
		source = vss_source_type_str(w->source);
		if (wire_set_str(o, WF_USAGE, usage) < 0 ||
		    wire_set_str(o, WF_SOURCE, source) < 0 ||
		    wire_set_str(o, WF_LEVEL, level_name(w->level)) < 0 ||
		    wire_set_int(o, WF_FREEZE_TIMEOUT_MS,
				 w->freeze_timeout_ms) < 0)
			goto out;
	}
	if (json_object_set_new(fields, WF_WRITERS, list) < 0) {
		list = NULL;
		goto out;
	}
	list = NULL;
	r = 0;
out:
	json_decref(list);
	r = client_reply(c, id, r, NULL, r == 0 ? fields : NULL);
	json_decref(fields);
	return r;
}
