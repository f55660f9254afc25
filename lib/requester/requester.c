/*
 * lib/requester/requester.c - the requester API (IVssBackupComponents):
 * the phases of one backup job as an explicit state machine, the backup
 * components document kept here and sent to vssd with each step, and the
 * results of each long step applied when its reply arrives (async.c
 * carries the requests and replies).
 *
 * Every call checks, under the lock, that the job is in a phase that
 * allows it (requester_check(): VSS_E_BAD_STATE otherwise, BK-009), and
 * every change of phase goes through requester_change_state().
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vss/status.h>

#include "requester/requester_internal.h"
#include "util/array.h"

static const char *const state_names[] = {
	[RS_NEW] = "new",
	[RS_INITIALIZED] = "initialized",
	[RS_GATHERED] = "gathered",
	[RS_SET_STARTED] = "set-started",
	[RS_PREPARED] = "prepared",
	[RS_SNAPSHOT_DONE] = "snapshot-done",
	[RS_COMPLETED] = "completed",
	[RS_FAILED] = "failed",
	[RS_ABORTED] = "aborted",
	[RS_RESTORE_INITIALIZED] = "restore-initialized",
	[RS_RESTORE_GATHERED] = "restore-gathered",
	[RS_PRE_RESTORED] = "pre-restored",
	[RS_POST_RESTORED] = "post-restored",
};

/* What the reply of a long operation brings, before it is applied. */
struct op_result {
	vss_wmd **wmds;
	size_t wmd_count;
	struct vss_writer_status *statuses;
	size_t status_count;
	vss_bcd *bcd;
	struct vss_snapshot_prop *snapshots;
	size_t snapshot_count;
	bool app_consistent;
	struct vss_set_timings timings;
};

/* ---- the state machine -------------------------------------------------- */

/* Contexts with VSS_VOLSNAP_ATTR_NO_WRITERS involve no writer (BK-078). */
static bool
no_writers(const vss_requester *r)
{
	return r->context != VSS_CTX_ALL &&
	       (r->context & VSS_VOLSNAP_ATTR_NO_WRITERS) != 0;
}

static bool
in_state(const vss_requester *r, enum requester_state a,
	 enum requester_state b)
{
	return r->state == a || r->state == b;
}

int
requester_check(const vss_requester *r, enum requester_call call)
{
	enum requester_state s = r->state;
	bool ok = false;

	/* One long operation at a time; only AbortBackup may overtake it. */
	if (r->op != NULL && call != RC_ABORT)
		return VSS_E_BAD_STATE;
	switch (call) {
	case RC_INITIALIZE:
		ok = s == RS_NEW; /* BK-002, RS-001 */
		break;
	case RC_SET_CONTEXT:
		ok = s == RS_INITIALIZED && !r->context_set; /* BK-003 */
		break;
	case RC_SET_BACKUP_STATE: /* BK-004 */
		ok = in_state(r, RS_INITIALIZED, RS_GATHERED) ||
		     s == RS_SET_STARTED;
		break;
	case RC_WRITER_LISTS:
	case RC_GATHER_STATUS: /* RS-011 */
	case RC_IS_VOLUME_SUPPORTED:
	case RC_MANAGE:
		ok = s != RS_NEW;
		break;
	case RC_ABORT: /* RS-010: a restore cannot be aborted */
		ok = s != RS_NEW && !r->restore;
		break;
	case RC_GATHER_METADATA: /* BK-006, RS-002: once */
		ok = in_state(r, RS_INITIALIZED, RS_RESTORE_INITIALIZED);
		break;
	case RC_ADD_COMPONENT: /* BK-014, BK-078 */
		ok = !no_writers(r) &&
		     (in_state(r, RS_GATHERED, RS_SET_STARTED) ||
		      s == RS_PREPARED);
		break;
	case RC_COMPONENT_TEXT:
		ok = in_state(r, RS_GATHERED, RS_SET_STARTED);
		break;
	case RC_START_SET: /* BK-006 */
		ok = s == RS_GATHERED || (no_writers(r) && s == RS_INITIALIZED);
		break;
	case RC_ADD_TO_SET: /* BK-007, BK-072 */
		ok = in_state(r, RS_SET_STARTED, RS_PREPARED);
		break;
	case RC_PREPARE: /* BK-004, BK-007, BK-078 */
		ok = !no_writers(r) && s == RS_SET_STARTED &&
		     r->backup_state_set;
		break;
	case RC_DO_SNAPSHOT_SET:
		ok = s == RS_PREPARED || (no_writers(r) && s == RS_SET_STARTED);
		break;
	case RC_SNAPSHOT_PROPERTIES: /* SN-011 */
		ok = in_state(r, RS_SNAPSHOT_DONE, RS_COMPLETED);
		break;
	case RC_BACKUP_SUCCEEDED: /* BK-018 */
		ok = s == RS_SNAPSHOT_DONE;
		break;
	case RC_BACKUP_COMPLETE: /* BK-018, BK-078 */
		ok = !no_writers(r) && s == RS_SNAPSHOT_DONE;
		break;
	case RC_SAVE_BCD: /* BK-017 */
		ok = in_state(r, RS_PREPARED, RS_SNAPSHOT_DONE) ||
		     s == RS_COMPLETED;
		break;
	case RC_RESTORE_WMD: /* RS-003 */
	case RC_RESTORE_OPTIONS: /* RS-030 .. RS-034, RS-081, RS-100 */
		ok = in_state(r, RS_RESTORE_INITIALIZED, RS_RESTORE_GATHERED);
		break;
	case RC_RESTORE_MATCH:
		ok = in_state(r, RS_RESTORE_GATHERED, RS_PRE_RESTORED) ||
		     s == RS_POST_RESTORED ||
		     (s == RS_FAILED && r->restore);
		break;
	case RC_RESTORE_SELECT: /* RS-005, RS-020, RS-021 */
	case RC_PRE_RESTORE:
		ok = s == RS_RESTORE_GATHERED;
		break;
	case RC_RESTORE_RESULTS: /* RS-073, RS-110 */
	case RC_POST_RESTORE:
		ok = s == RS_PRE_RESTORED;
		break;
	}
	return ok ? 0 : VSS_E_BAD_STATE;
}

void
requester_change_state(vss_requester *r, enum requester_state to,
		       const char *event)
{
	requester_debug("%s -> %s on %s", state_names[r->state],
			state_names[to], event);
	r->state = to;
}

/* The phase after a long operation ended (ok: it succeeded). */
static void
op_transition(vss_requester *r, enum wire_type type, bool ok)
{
	const char *event = wire_type_name(type);

	/* After AbortBackup only release is left (BK-001). */
	if (r->state == RS_ABORTED)
		return;
	switch (type) {
	case WIRE_GATHER_WRITER_METADATA:
		/* A failed or cancelled gather may be tried again. */
		if (ok)
			requester_change_state(r,
					       r->restore ? RS_RESTORE_GATHERED
							  : RS_GATHERED,
					       event);
		break;
	case WIRE_GATHER_WRITER_STATUS:
		break;
	case WIRE_PREPARE_FOR_BACKUP:
		requester_change_state(r, ok ? RS_PREPARED : RS_FAILED,
				       event);
		break;
	case WIRE_DO_SNAPSHOT_SET:
		requester_change_state(r, ok ? RS_SNAPSHOT_DONE : RS_FAILED,
				       event);
		break;
	case WIRE_BACKUP_COMPLETE:
		requester_change_state(r, ok ? RS_COMPLETED : RS_FAILED,
				       event);
		break;
	case WIRE_PRE_RESTORE:
		requester_change_state(r, ok ? RS_PRE_RESTORED : RS_FAILED,
				       event);
		break;
	case WIRE_POST_RESTORE:
		requester_change_state(r, ok ? RS_POST_RESTORED : RS_FAILED,
				       event);
		break;
	default:
		assert(!"not a long operation");
		break;
	}
}

/* ---- owned copies of what vssd sends ------------------------------------ */

/* Copy the string field key of obj (absent: NULL) into *ret. */
static int
copy_field(json_t *obj, const char *key, const char **ret)
{
	const char *s = NULL;

	if (wire_get_str(obj, key, &s) == -EBADMSG)
		return -EBADMSG;
	return str_copy(ret, s);
}

static void
status_release(struct vss_writer_status *s)
{
	str_free(s->name);
	str_free(s->instance_name);
	str_free(s->message);
}

static void
prop_release(struct vss_snapshot_prop *p)
{
	str_free(p->device);
	str_free(p->original_volume);
	str_free(p->originating_machine);
	str_free(p->service_machine);
	str_free(p->exposed_name);
	str_free(p->exposed_path);
}

static void
wmds_free(vss_wmd **wmds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vss_wmd_free(wmds[i]);
	free(wmds);
}

void
vss_writer_states_free(struct vss_writer_status *s, size_t n)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		status_release(&s[i]);
	free(s);
}

void
vss_snapshot_props_free(struct vss_snapshot_prop *props, size_t n)
{
	if (props == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		prop_release(&props[i]);
	free(props);
}

static void
result_release(struct op_result *res)
{
	wmds_free(res->wmds, res->wmd_count);
	vss_writer_states_free(res->statuses, res->status_count);
	vss_bcd_free(res->bcd);
	vss_snapshot_props_free(res->snapshots, res->snapshot_count);
}

/*
 * The object's fields were checked by wire_check(); a shadow copy is
 * CREATED unless vssd says otherwise (SN-011).
 */
int
snapshot_prop_parse(json_t *obj, const vss_id *set_id, long count,
		    struct vss_snapshot_prop *ret)
{
	struct vss_snapshot_prop p = { .snapshot_count = count,
				       .state = VSS_SS_CREATED };
	char host[256] = "";
	int64_t v;
	int rc;

	wire_get_id(obj, WF_SNAPSHOT_ID, &p.snapshot_id);
	if (wire_get_id(obj, WF_SNAPSHOT_SET_ID, &p.snapshot_set_id) < 0)
		p.snapshot_set_id = *set_id;
	/* SN-013: the size of the set when it was made. */
	if (wire_get_int(obj, WF_SNAPSHOT_COUNT, &v) == 0)
		p.snapshot_count = (long)v;
	wire_get_id(obj, WF_PROVIDER_ID, &p.provider_id);
	if (wire_get_int(obj, WF_ATTRIBUTES, &v) == 0)
		p.attributes = (uint32_t)v;
	if (wire_get_int(obj, WF_CREATED, &v) == 0)
		p.created = v;
	if (wire_get_int(obj, WF_SNAPSHOT_STATE, &v) == 0)
		p.state = (int)v;
	/* Shadow copies are made and served by this machine. */
	gethostname(host, sizeof(host) - 1);
	rc = copy_field(obj, WF_DEVICE, &p.device);
	if (rc == 0)
		rc = copy_field(obj, WF_VOLUME, &p.original_volume);
	if (rc == 0)
		rc = copy_field(obj, WF_EXPOSED_NAME, &p.exposed_name);
	if (rc == 0)
		rc = copy_field(obj, WF_EXPOSED_PATH, &p.exposed_path);
	if (rc == 0)
		rc = copy_field(obj, WF_ORIGINATING_MACHINE,
				&p.originating_machine);
	if (rc == 0 && p.originating_machine == NULL)
		rc = str_copy(&p.originating_machine, host);
	if (rc == 0)
		rc = copy_field(obj, WF_SERVICE_MACHINE, &p.service_machine);
	if (rc == 0 && p.service_machine == NULL)
		rc = str_copy(&p.service_machine, host);
	if (rc < 0) {
		prop_release(&p);
		return rc;
	}
	*ret = p;
	return 0;
}

/*
 * The writers that answered Identify.  A document that does not load, or
 * that names another writer than vssd does, leaves its writer out.
 */
static int
parse_metadata(json_t *reply, struct op_result *res)
{
	json_t *list = json_object_get(reply, WF_WRITERS), *w;
	size_t i;

	res->wmds = calloc(json_array_size(list) + 1, sizeof(*res->wmds));
	if (res->wmds == NULL)
		return -ENOMEM;
	json_array_foreach(list, i, w) {
		const struct vss_writer_identity *ident;
		vss_id class_id, instance_id;
		char text[VSS_ID_STRLEN];
		struct vss_error err;
		const char *xml;
		vss_wmd *wmd;
		int rc;

		if (wire_get_id(w, WF_CLASS_ID, &class_id) < 0 ||
		    wire_get_id(w, WF_INSTANCE_ID, &instance_id) < 0)
			return -EBADMSG;
		vss_id_format(&instance_id, text);
		if (wire_get_str(w, WF_WMD, &xml) < 0) {
			requester_debug("writer %s sent no metadata", text);
			continue;
		}
		rc = vss_wmd_load_xml(&wmd, xml, strlen(xml), &err);
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0) {
			requester_debug("metadata of writer %s left out: %s",
					text, err.message);
			continue;
		}
		ident = vss_wmd_identity(wmd);
		if (!vss_id_equal(&ident->class_id, &class_id) ||
		    !vss_id_equal(&ident->instance_id, &instance_id)) {
			requester_debug("metadata of writer %s left out: "
					"it names another writer",
					text);
			vss_wmd_free(wmd);
			continue;
		}
		res->wmds[res->wmd_count++] = wmd;
	}
	return 0;
}

/* The writer's time in each event; events not reported stay negative. */
static void
parse_event_times(json_t *times, struct vss_writer_status *s)
{
	const char *name;
	json_t *ms;

	for (size_t e = 0; e < VSS_EVENT_COUNT; e++)
		s->event_ms[e] = -1;
	json_object_foreach(times, name, ms) {
		enum wire_event ev = wire_event_parse(name);

		if (ev != WIRE_EV_UNKNOWN && json_is_number(ms))
			s->event_ms[ev] = json_number_value(ms);
	}
}

int
writer_statuses_parse(json_t *reply, struct vss_writer_status **ret,
		      size_t *ret_n)
{
	json_t *list = json_object_get(reply, WF_WRITERS), *w;
	size_t i;

	*ret_n = 0;
	*ret = calloc(json_array_size(list) + 1, sizeof(**ret));
	if (*ret == NULL)
		return -ENOMEM;
	json_array_foreach(list, i, w) {
		struct vss_writer_status *s = &(*ret)[i];
		int64_t v;
		int rc;

		(*ret_n)++;
		if (wire_get_id(w, WF_CLASS_ID, &s->class_id) < 0 ||
		    wire_get_id(w, WF_INSTANCE_ID, &s->instance_id) < 0)
			return -EBADMSG;
		s->state = VSS_WS_UNKNOWN;
		if (wire_get_int(w, WF_STATE, &v) == 0)
			s->state = (enum vss_writer_state)v;
		if (wire_get_int(w, WF_FAILURE, &v) == 0)
			s->failure = (int32_t)v;
		if (wire_get_int(w, WF_APP_FAILURE, &v) == 0)
			s->application_failure = (int32_t)v;
		parse_event_times(json_object_get(w, WF_EVENT_TIMES), s);
		rc = copy_field(w, WF_FRIENDLY_NAME, &s->name);
		if (rc == 0)
			rc = copy_field(w, WF_INSTANCE_NAME, &s->instance_name);
		if (rc == 0)
			rc = copy_field(w, WF_FAILURE_MESSAGE, &s->message);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The document in the reply, when there is one (BK-020). */
static int
parse_bcd(json_t *reply, struct op_result *res)
{
	const char *xml;

	if (wire_get_str(reply, WF_BCD, &xml) < 0)
		return 0;
	return vss_bcd_load_xml(&res->bcd, xml, strlen(xml), NULL);
}

/* A time in ms from a JSON object; 0 when vssd does not report it. */
static double
timing(json_t *timings, const char *phase)
{
	return json_number_value(json_object_get(timings, phase));
}

/*
 * do_snapshot_set: the document, the shadow copies, the consistency and
 * the phase times.  The keys of "timings_ms" are the names of struct
 * vss_set_timings without "_ms"; the freeze window travels on its own.
 */
static int
parse_set(json_t *reply, const vss_id *set_id, struct op_result *res)
{
	json_t *list = json_object_get(reply, WF_SNAPSHOTS), *s;
	json_t *t = json_object_get(reply, WF_TIMINGS);
	const char *consistency;
	size_t i, n = json_array_size(list);
	int rc;

	rc = parse_bcd(reply, res);
	if (rc < 0)
		return rc;
	res->snapshots = calloc(n + 1, sizeof(*res->snapshots));
	if (res->snapshots == NULL)
		return -ENOMEM;
	json_array_foreach(list, i, s) {
		rc = snapshot_prop_parse(s, set_id, (long)n,
					 &res->snapshots[i]);
		if (rc < 0)
			return rc;
		res->snapshot_count++;
	}
	res->app_consistent =
		wire_get_str(reply, WF_CONSISTENCY, &consistency) == 0 &&
		strcmp(consistency, "application") == 0;
	res->timings = (struct vss_set_timings){
		.prepare_snapshot_ms = timing(t, "prepare_snapshot"),
		.freeze_ms = timing(t, "freeze"),
		.commit_ms = timing(t, "commit"),
		.thaw_ms = timing(t, "thaw"),
		.post_snapshot_ms = timing(t, "post_snapshot"),
		.freeze_window_ms = timing(reply, WF_FREEZE_WINDOW_MS),
		.total_ms = timing(t, "total"),
	};
	return 0;
}

static int
parse_result(const vss_requester *r, enum wire_type type, json_t *reply,
	     struct op_result *res)
{
	switch (type) {
	case WIRE_GATHER_WRITER_METADATA:
		return parse_metadata(reply, res);
	case WIRE_GATHER_WRITER_STATUS:
		return writer_statuses_parse(reply, &res->statuses,
					     &res->status_count);
	case WIRE_PREPARE_FOR_BACKUP:
	case WIRE_BACKUP_COMPLETE:
		return parse_bcd(reply, res);
	case WIRE_DO_SNAPSHOT_SET:
		return parse_set(reply, &r->set_id, res);
	case WIRE_PRE_RESTORE:
	case WIRE_POST_RESTORE:
		return restore_parse_reply(r, reply, &res->bcd);
	default:
		assert(!"not a long operation");
		return VSS_E_UNEXPECTED;
	}
}

#define SWAP(a, b)                                                             \
	do {                                                                   \
		__typeof__(a) swap_tmp_ = (a);                                 \
		(a) = (b);                                                     \
		(b) = swap_tmp_;                                               \
	} while (0)

/* Move the results into r; what they replace goes to res.  Lock held. */
static void
apply_result(vss_requester *r, struct op_result *res)
{
	if (res->wmds != NULL) {
		SWAP(r->wmds, res->wmds);
		SWAP(r->wmd_count, res->wmd_count);
	}
	if (res->statuses != NULL) {
		SWAP(r->statuses, res->statuses);
		SWAP(r->status_count, res->status_count);
	}
	if (res->bcd != NULL)
		SWAP(r->bcd, res->bcd);
	if (res->snapshots != NULL) {
		SWAP(r->snapshots, res->snapshots);
		SWAP(r->snapshot_count, res->snapshot_count);
		r->snapshot_cap = r->snapshot_count;
		r->app_consistent = res->app_consistent;
		r->timings = res->timings;
		r->have_set_results = true;
	}
}

void
requester_op_reply(vss_requester *r, vss_async *a, int status, json_t *reply)
{
	struct op_result res = { 0 };

	/* Documents can be large: read them before taking the lock. */
	if (status == 0 && reply != NULL)
		status = parse_result(r, a->type, reply, &res);
	requester_lock(r);
	if (a->cancelled)
		status = VSS_S_ASYNC_CANCELLED;
	if (r->op == a)
		r->op = NULL;
	if (status == 0 && r->state != RS_ABORTED)
		apply_result(r, &res);
	if (status != 0)
		requester_debug("%s ended: %s", wire_type_name(a->type),
				vss_strerror(status));
	op_transition(r, a->type, status == 0);
	async_finish(a, status);
	requester_unlock(r);
	result_release(&res);
}

/* ---- requests ----------------------------------------------------------- */

int
requester_request_new(vss_requester *r, enum wire_type type, json_t **ret)
{
	json_t *msg = wire_request_new(type, transport_next_id(r));

	if (msg == NULL)
		return -ENOMEM;
	*ret = msg;
	return 0;
}

/* Put the document into msg as XML. */
static int
set_bcd(json_t *msg, const vss_bcd *bcd)
{
	char *xml;
	size_t len;
	int rc;

	rc = vss_bcd_save_xml(bcd, &xml, &len);
	if (rc < 0)
		return rc;
	rc = wire_set_str(msg, WF_BCD, xml);
	free(xml);
	return rc;
}

static int
set_ids(json_t *msg, const char *key, const struct id_list *l)
{
	char text[VSS_ID_STRLEN];
	json_t *array = json_array();

	if (array == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < l->count; i++) {
		vss_id_format(&l->ids[i], text);
		if (json_array_append_new(array, json_string(text)) < 0) {
			json_decref(array);
			return -ENOMEM;
		}
	}
	if (json_object_set_new(msg, key, array) < 0)
		return -ENOMEM;
	return 0;
}

int
requester_start_op(vss_requester *r, json_t *msg, vss_async **ret)
{
	vss_async *a = NULL;
	int rc;

	rc = transport_submit(r, msg, true, &a);
	if (rc < 0)
		return rc;
	r->op = a;
	*ret = a;
	return 0;
}

/*
 * gather_writer_status, do_snapshot_set and backup_complete: an
 * operation that carries the document (with_bcd) or nothing else.
 */
static int
plain_op(vss_requester *r, enum requester_call call, enum wire_type type,
	 bool with_bcd, vss_async **ret)
{
	json_t *msg = NULL;
	int rc;

	if (r == NULL || ret == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, call);
	if (rc == 0)
		rc = requester_request_new(r, type, &msg);
	if (rc == 0 && with_bcd)
		rc = set_bcd(msg, r->bcd);
	if (rc == 0)
		rc = requester_start_op(r, msg, ret);
	requester_unlock(r);
	json_decref(msg);
	return rc;
}

/*
 * The management calls change no phase and may come at any time after
 * InitializeForBackup, between the long operations.  vssd shows them the
 * shadow copies of the session's context (SN-010), which it learns from
 * the first request that carries one and keeps (BK-003).  So the context
 * goes with them only when the requester has one of its own: the default
 * is vssd's too, and leaving it unsaid leaves set_context free to choose
 * another one later.
 */
int
requester_manage_request(vss_requester *r, enum wire_type type, json_t **ret)
{
	json_t *msg = NULL;
	int rc;

	rc = requester_check(r, RC_MANAGE);
	if (rc == 0)
		rc = requester_request_new(r, type, &msg);
	if (rc == 0 && (r->context_set || r->context != VSS_CTX_BACKUP))
		rc = wire_set_int(msg, WF_CONTEXT, r->context);
	if (rc < 0) {
		json_decref(msg);
		return rc;
	}
	*ret = msg;
	return 0;
}

/* ---- the requester ------------------------------------------------------ */

int
vss_requester_new(vss_requester **ret, const char *socket_path)
{
	vss_requester *r;
	int rc;

	if (ret == NULL)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->state = RS_NEW;
	r->context = VSS_CTX_BACKUP;
	rc = transport_open(r, socket_path);
	if (rc < 0) {
		free(r);
		return rc;
	}
	*ret = r;
	return 0;
}

void
requester_release(vss_requester *r)
{
	requester_lock(r);
	vss_bcd_free(r->bcd);
	r->bcd = NULL;
	free(r->enabled.ids);
	free(r->disabled.ids);
	free(r->disabled_instances.ids);
	r->enabled = r->disabled = r->disabled_instances =
		(struct id_list){ 0 };
	wmds_free(r->wmds, r->wmd_count);
	r->wmds = NULL;
	r->wmd_count = 0;
	vss_writer_states_free(r->statuses, r->status_count);
	r->statuses = NULL;
	r->status_count = 0;
	vss_snapshot_props_free(r->snapshots, r->snapshot_count);
	r->snapshots = NULL;
	r->snapshot_count = r->snapshot_cap = 0;
	restore_release(r);
	requester_unlock(r);
}

/*
 * Closing the connection ends the session: vssd aborts what is under way
 * and sends BackupShutdown (BK-085).  Pending operations end with
 * -ECONNRESET; their handles stay valid until freed.
 */
void
vss_requester_free(vss_requester *r)
{
	if (r == NULL)
		return;
	transport_close(r);
	requester_release(r);
	requester_unref(r);
}

int
vss_requester_initialize_for_backup(vss_requester *r, const char *bcd_xml)
{
	vss_bcd *bcd = NULL;
	int rc;

	if (r == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_INITIALIZE);
	if (rc < 0)
		goto out;
	if (bcd_xml == NULL)
		rc = vss_bcd_new(&bcd);
	else
		rc = vss_bcd_load_xml(&bcd, bcd_xml, strlen(bcd_xml), NULL);
	if (rc < 0)
		goto out;
	r->bcd = bcd;
	r->context = vss_bcd_context(bcd);
	requester_change_state(r, RS_INITIALIZED, "initialize_for_backup");
out:
	requester_unlock(r);
	return rc;
}

int
vss_requester_set_context(vss_requester *r, int32_t context)
{
	int rc;

	if (r == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_SET_CONTEXT);
	if (rc == 0)
		rc = vss_bcd_set_context(r->bcd, context);
	if (rc == 0) {
		r->context = context;
		r->context_set = true;
	}
	requester_unlock(r);
	return rc;
}

int
vss_requester_set_backup_state(vss_requester *r,
			       const struct vss_backup_state *state)
{
	int rc;

	if (r == NULL || state == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_SET_BACKUP_STATE);
	if (rc == 0)
		rc = vss_bcd_set_backup_state(r->bcd, state);
	if (rc == 0)
		r->backup_state_set = true;
	requester_unlock(r);
	return rc;
}

/* ---- writer classes and instances (BK-005) ------------------------------ */

static ssize_t
id_list_find(const struct id_list *l, const vss_id *id)
{
	for (size_t i = 0; i < l->count; i++)
		if (vss_id_equal(&l->ids[i], id))
			return (ssize_t)i;
	return -1;
}

/* Room for n more ids, so that adding them cannot fail half way. */
static int
id_list_reserve(struct id_list *l, size_t n)
{
	vss_id *ids;
	size_t cap = l->cap;

	if (l->count + n <= cap)
		return 0;
	while (cap < l->count + n)
		cap = cap ? cap * 2 : 8;
	ids = reallocarray(l->ids, cap, sizeof(*ids));
	if (ids == NULL)
		return -ENOMEM;
	l->ids = ids;
	l->cap = cap;
	return 0;
}

/* Add id (reserved beforehand) unless present. */
static void
id_list_add(struct id_list *l, const vss_id *id)
{
	if (id_list_find(l, id) < 0)
		l->ids[l->count++] = *id;
}

static void
id_list_remove(struct id_list *l, const vss_id *id)
{
	ssize_t i = id_list_find(l, id);

	if (i >= 0)
		l->ids[i] = l->ids[--l->count];
}

/*
 * Nothing called: every writer takes part.  The first Enable makes the
 * enabled classes the only ones; Disable removes classes (also from the
 * enabled ones) and the last word on a class wins.  After gathering the
 * lists are silently ineffective (BK-005).  ids go into add and out of
 * remove (NULL: none).
 */
static int
update_writer_lists(vss_requester *r, struct id_list *add,
		    struct id_list *remove, const vss_id *ids, size_t n)
{
	int rc;

	if (ids == NULL || n == 0)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_WRITER_LISTS);
	if (rc < 0 || !in_state(r, RS_INITIALIZED, RS_RESTORE_INITIALIZED))
		goto out;
	rc = id_list_reserve(add, n);
	if (rc < 0)
		goto out;
	if (add == &r->enabled)
		r->enable_mode = true;
	for (size_t i = 0; i < n; i++) {
		id_list_add(add, &ids[i]);
		if (remove != NULL)
			id_list_remove(remove, &ids[i]);
	}
out:
	requester_unlock(r);
	return rc;
}

int
vss_requester_enable_writer_classes(vss_requester *r, const vss_id *ids,
				    size_t n)
{
	if (r == NULL)
		return -EINVAL;
	return update_writer_lists(r, &r->enabled, &r->disabled, ids, n);
}

int
vss_requester_disable_writer_classes(vss_requester *r, const vss_id *ids,
				     size_t n)
{
	if (r == NULL)
		return -EINVAL;
	return update_writer_lists(r, &r->disabled, &r->enabled, ids, n);
}

int
vss_requester_disable_writer_instances(vss_requester *r, const vss_id *ids,
				       size_t n)
{
	if (r == NULL)
		return -EINVAL;
	return update_writer_lists(r, &r->disabled_instances, NULL, ids, n);
}

/* ---- gathering ---------------------------------------------------------- */

int
vss_requester_gather_writer_metadata(vss_requester *r, vss_async **ret)
{
	json_t *msg = NULL;
	int rc;

	if (r == NULL || ret == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_GATHER_METADATA);
	if (rc == 0)
		rc = requester_request_new(r, WIRE_GATHER_WRITER_METADATA,
					   &msg);
	if (rc == 0)
		rc = wire_set_int(msg, WF_CONTEXT, r->context);
	/* An empty enabled list means what it says: no class enabled. */
	if (rc == 0 && r->enable_mode)
		rc = set_ids(msg, WF_ENABLED_CLASSES, &r->enabled);
	if (rc == 0 && r->disabled.count > 0)
		rc = set_ids(msg, WF_DISABLED_CLASSES, &r->disabled);
	if (rc == 0 && r->disabled_instances.count > 0)
		rc = set_ids(msg, WF_DISABLED_INSTANCES,
			     &r->disabled_instances);
	if (rc == 0)
		rc = requester_start_op(r, msg, ret);
	requester_unlock(r);
	json_decref(msg);
	return rc;
}

size_t
vss_requester_writer_metadata_count(const vss_requester *r)
{
	size_t n;

	if (r == NULL)
		return 0;
	requester_lock(r);
	n = r->wmd_count;
	requester_unlock(r);
	return n;
}

const vss_wmd *
vss_requester_writer_metadata(const vss_requester *r, size_t i)
{
	const vss_wmd *wmd = NULL;

	if (r == NULL)
		return NULL;
	requester_lock(r);
	if (i < r->wmd_count)
		wmd = r->wmds[i];
	requester_unlock(r);
	return wmd;
}

int
vss_requester_gather_writer_status(vss_requester *r, vss_async **ret)
{
	return plain_op(r, RC_GATHER_STATUS, WIRE_GATHER_WRITER_STATUS, false,
			ret);
}

size_t
vss_requester_writer_status_count(const vss_requester *r)
{
	size_t n;

	if (r == NULL)
		return 0;
	requester_lock(r);
	n = r->status_count;
	requester_unlock(r);
	return n;
}

const struct vss_writer_status *
vss_requester_writer_status(const vss_requester *r, size_t i)
{
	const struct vss_writer_status *s = NULL;

	if (r == NULL)
		return NULL;
	requester_lock(r);
	if (i < r->status_count)
		s = &r->statuses[i];
	requester_unlock(r);
	return s;
}

/* ---- components --------------------------------------------------------- */

/* The gathered document of a writer instance, or NULL.  Lock held. */
static const vss_wmd *
gathered_wmd(const vss_requester *r, const vss_id *class_id,
	     const vss_id *instance_id)
{
	for (size_t i = 0; i < r->wmd_count; i++) {
		const struct vss_writer_identity *id =
			vss_wmd_identity(r->wmds[i]);

		if (vss_id_equal(&id->class_id, class_id) &&
		    vss_id_equal(&id->instance_id, instance_id))
			return r->wmds[i];
	}
	return NULL;
}

static bool
ref_equal(const struct vss_component_ref *a,
	  const struct vss_component_ref *b)
{
	const char *pa = a->logical_path ? a->logical_path : "";
	const char *pb = b->logical_path ? b->logical_path : "";

	return strcmp(pa, pb) == 0 && strcmp(a->name, b->name) == 0;
}

/*
 * The components this writer entry has, the new one and the writer's
 * mandatory ones must make a valid selection: a non-selectable component
 * with a selectable ancestor is refused with -EINVAL (BK-014, SEL-002 c),
 * a component already included, itself or through its selectable
 * ancestor, with VSS_E_OBJECT_ALREADY_EXISTS (SEL-004).  The mandatory
 * components are added so that a selection still being built is not
 * refused for lacking them (SEL-003).
 */
static int
check_selection(const vss_wmd *wmd, const vss_bcd_writer *w,
		const char *logical_path, const char *name)
{
	size_t n_wmd = vss_wmd_component_count(wmd);
	size_t n_bcd = w != NULL ? vss_bcd_writer_component_count(w) : 0;
	struct vss_component_ref *refs;
	vss_selection *sel = NULL;
	size_t n = 0, given;
	int m, rc;

	refs = calloc(n_bcd + 1 + n_wmd, sizeof(*refs));
	if (refs == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n_bcd; i++) {
		vss_bcd_component *c = vss_bcd_writer_component(w, i);
		struct vss_component_ref ref = {
			vss_bcd_component_logical_path(c),
			vss_bcd_component_name(c),
		};

		/* What the writer does not declare is not ours to judge. */
		if (vss_wmd_find_component(wmd, ref.logical_path, ref.name))
			refs[n++] = ref;
	}
	refs[n++] = (struct vss_component_ref){ logical_path, name };
	given = n;
	m = vss_wmd_mandatory_components(wmd, refs + n, n_wmd);
	rc = m;
	if (m < 0)
		goto out;
	for (int k = 0; k < m; k++) {
		bool dup = false;

		for (size_t j = 0; j < given && !dup; j++)
			dup = ref_equal(&refs[given + k], &refs[j]);
		if (!dup)
			refs[n++] = refs[given + k];
	}
	rc = vss_selection_new(&sel, wmd, refs, n, NULL);
	vss_selection_free(sel);
out:
	free(refs);
	return rc;
}

int
vss_requester_add_component(vss_requester *r, const vss_id *instance_id,
			    const vss_id *class_id,
			    enum vss_component_type type,
			    const char *logical_path, const char *name)
{
	const struct vss_wm_component *def;
	vss_bcd_component *added;
	const vss_wmd *wmd;
	vss_bcd_writer *w;
	int rc;

	if (r == NULL || instance_id == NULL || class_id == NULL ||
	    name == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_ADD_COMPONENT);
	if (rc < 0)
		goto out;
	rc = VSS_E_OBJECT_NOT_FOUND;
	wmd = gathered_wmd(r, class_id, instance_id);
	if (wmd == NULL)
		goto out;
	def = vss_wmd_find_component(wmd, logical_path, name);
	if (def == NULL || def->def.type != type)
		goto out;
	w = vss_bcd_find_writer(r->bcd, class_id, instance_id);
	rc = check_selection(wmd, w, logical_path, name);
	if (rc < 0)
		goto out;
	rc = vss_bcd_add_writer(r->bcd, class_id, instance_id,
				vss_wmd_identity(wmd)->instance_name,
				vss_wmd_backup_schema(wmd), &w);
	if (rc == 0)
		rc = vss_bcd_writer_add_component(w, type, logical_path, name,
						  &added);
out:
	requester_unlock(r);
	return rc;
}

/* A component of any entry of the writer class, or NULL.  Lock held. */
static vss_bcd_component *
find_component(const vss_requester *r, const vss_id *class_id,
	       const vss_id *instance_id, enum vss_component_type type,
	       const char *logical_path, const char *name)
{
	for (size_t i = 0; i < vss_bcd_writer_count(r->bcd); i++) {
		vss_bcd_writer *w = vss_bcd_writer_at(r->bcd, i);
		vss_bcd_component *c;

		if (!vss_id_equal(vss_bcd_writer_class_id(w), class_id) ||
		    (instance_id != NULL &&
		     !vss_id_equal(vss_bcd_writer_instance_id(w), instance_id)))
			continue;
		c = vss_bcd_writer_find_component(w, type, logical_path, name);
		if (c != NULL)
			return c;
	}
	return NULL;
}

static int
set_component_text(vss_requester *r, const vss_id *class_id,
		   enum vss_component_type type, const char *logical_path,
		   const char *name, enum vss_component_text field,
		   const char *text)
{
	vss_bcd_component *c;
	int rc;

	if (r == NULL || class_id == NULL || name == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_COMPONENT_TEXT);
	if (rc < 0)
		goto out;
	c = find_component(r, class_id, NULL, type, logical_path, name);
	if (c == NULL)
		rc = VSS_E_OBJECT_NOT_FOUND;
	else
		rc = vss_bcd_component_set_text(c, field, text);
out:
	requester_unlock(r);
	return rc;
}

int
vss_requester_set_backup_options(vss_requester *r, const vss_id *class_id,
				 enum vss_component_type type,
				 const char *logical_path, const char *name,
				 const char *options)
{
	return set_component_text(r, class_id, type, logical_path, name,
				  VSS_TEXT_BACKUP_OPTIONS, options);
}

int
vss_requester_set_previous_backup_stamp(vss_requester *r,
					const vss_id *class_id,
					enum vss_component_type type,
					const char *logical_path,
					const char *name, const char *stamp)
{
	return set_component_text(r, class_id, type, logical_path, name,
				  VSS_TEXT_PREVIOUS_BACKUP_STAMP, stamp);
}

int
vss_requester_set_backup_succeeded(vss_requester *r,
				   const vss_id *instance_id,
				   const vss_id *class_id,
				   enum vss_component_type type,
				   const char *logical_path, const char *name,
				   bool succeeded)
{
	vss_bcd_component *c;
	int rc;

	if (r == NULL || instance_id == NULL || class_id == NULL ||
	    name == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_BACKUP_SUCCEEDED);
	if (rc < 0)
		goto out;
	c = find_component(r, class_id, instance_id, type, logical_path,
			   name);
	if (c == NULL)
		rc = VSS_E_OBJECT_NOT_FOUND;
	else
		rc = vss_bcd_component_set_backup_succeeded(c, succeeded);
out:
	requester_unlock(r);
	return rc;
}

/* ---- the snapshot set --------------------------------------------------- */

int
vss_requester_start_snapshot_set(vss_requester *r, vss_id *ret_set_id)
{
	json_t *msg = NULL, *reply = NULL;
	vss_id id;
	int rc;

	if (r == NULL || ret_set_id == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_START_SET);
	if (rc == 0)
		rc = requester_request_new(r, WIRE_START_SNAPSHOT_SET, &msg);
	if (rc == 0)
		rc = wire_set_int(msg, WF_CONTEXT, r->context);
	if (rc == 0)
		rc = transport_call(r, msg, &reply);
	if (rc == 0 && wire_get_id(reply, WF_SNAPSHOT_SET_ID, &id) < 0)
		rc = -EBADMSG;
	if (rc == 0)
		rc = vss_bcd_set_snapshot_set_id(r->bcd, &id);
	if (rc == 0) {
		r->set_id = id;
		requester_change_state(r, RS_SET_STARTED, "start_snapshot_set");
		*ret_set_id = id;
	}
	requester_unlock(r);
	json_decref(msg);
	json_decref(reply);
	return rc;
}

/*
 * is_volume_supported and add_to_snapshot_set: the call allowed in this
 * state, then a request with volume and provider.  *ret_reply caller
 * owns.
 */
static int
volume_request(vss_requester *r, enum requester_call call,
	       enum wire_type type, const char *volume,
	       const vss_id *provider, json_t **ret_reply)
{
	json_t *msg = NULL;
	int rc;

	requester_lock(r);
	rc = requester_check(r, call);
	if (rc == 0)
		rc = requester_request_new(r, type, &msg);
	if (rc == 0)
		rc = wire_set_str(msg, WF_VOLUME, volume);
	if (rc == 0 && provider != NULL)
		rc = wire_set_id(msg, WF_PROVIDER_ID, provider);
	if (rc == 0)
		rc = transport_call(r, msg, ret_reply);
	requester_unlock(r);
	json_decref(msg);
	return rc;
}

int
vss_requester_is_volume_supported(vss_requester *r, const char *volume,
				  const vss_id *provider, bool *ret)
{
	json_t *reply = NULL;
	bool supported;
	int rc;

	if (r == NULL || volume == NULL || ret == NULL)
		return -EINVAL;
	rc = volume_request(r, RC_IS_VOLUME_SUPPORTED,
			    WIRE_IS_VOLUME_SUPPORTED, volume, provider,
			    &reply);
	if (rc == 0 && wire_get_bool(reply, WF_SUPPORTED, &supported) < 0)
		rc = -EBADMSG;
	if (rc == 0)
		*ret = supported;
	json_decref(reply);
	return rc;
}

int
vss_requester_add_to_snapshot_set(vss_requester *r, const char *volume,
				  const vss_id *provider,
				  vss_id *ret_snapshot_id)
{
	json_t *reply = NULL;
	vss_id id;
	int rc;

	if (r == NULL || volume == NULL || ret_snapshot_id == NULL)
		return -EINVAL;
	rc = volume_request(r, RC_ADD_TO_SET, WIRE_ADD_TO_SNAPSHOT_SET,
			    volume, provider, &reply);
	if (rc == 0 && wire_get_id(reply, WF_SNAPSHOT_ID, &id) < 0)
		rc = -EBADMSG;
	if (rc == 0)
		*ret_snapshot_id = id;
	json_decref(reply);
	return rc;
}

int
vss_requester_prepare_for_backup(vss_requester *r, vss_async **ret)
{
	const struct vss_backup_state *s;
	json_t *msg = NULL;
	int rc;

	if (r == NULL || ret == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_PREPARE);
	if (rc < 0)
		goto out;
	s = vss_bcd_backup_state(r->bcd);
	rc = requester_request_new(r, WIRE_PREPARE_FOR_BACKUP, &msg);
	if (rc == 0)
		rc = set_bcd(msg, r->bcd);
	if (rc == 0)
		rc = wire_set_str(msg, WF_BACKUP_TYPE,
				  vss_backup_type_str(s->backup_type));
	if (rc == 0)
		rc = wire_set_bool(msg, WF_SELECT_COMPONENTS,
				   s->select_components);
	if (rc == 0)
		rc = wire_set_bool(msg, WF_BOOTABLE, s->bootable_system_state);
	if (rc == 0)
		rc = wire_set_bool(msg, WF_PARTIAL_FILES,
				   s->partial_file_support);
	if (rc == 0)
		rc = requester_start_op(r, msg, ret);
out:
	requester_unlock(r);
	json_decref(msg);
	return rc;
}

int
vss_requester_do_snapshot_set(vss_requester *r, vss_async **ret)
{
	return plain_op(r, RC_DO_SNAPSHOT_SET, WIRE_DO_SNAPSHOT_SET, true,
			ret);
}

int
vss_requester_backup_complete(vss_requester *r, vss_async **ret)
{
	return plain_op(r, RC_BACKUP_COMPLETE, WIRE_BACKUP_COMPLETE, true,
			ret);
}

/*
 * Something is under way from StartSnapshotSet until the job completes;
 * a failed step still leaves writers and shadow copies to clean up
 * (BK-082).
 */
static bool
under_way(const vss_requester *r)
{
	return in_state(r, RS_SET_STARTED, RS_PREPARED) ||
	       in_state(r, RS_SNAPSHOT_DONE, RS_FAILED);
}

int
vss_requester_abort_backup(vss_requester *r)
{
	json_t *msg = NULL;
	int rc;

	if (r == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_ABORT);
	if (rc < 0 || !under_way(r))
		goto out;
	rc = requester_request_new(r, WIRE_ABORT_BACKUP, &msg);
	if (rc == 0)
		rc = transport_call(r, msg, NULL);
	if (rc == 0)
		requester_change_state(r, RS_ABORTED, "abort_backup");
out:
	requester_unlock(r);
	json_decref(msg);
	return rc;
}

/* The newest known properties of a shadow copy, or NULL.  Lock held. */
static const struct vss_snapshot_prop *
find_snapshot(const vss_requester *r, const vss_id *id)
{
	for (size_t i = r->snapshot_count; i > 0; i--)
		if (vss_id_equal(&r->snapshots[i - 1].snapshot_id, id))
			return &r->snapshots[i - 1];
	return NULL;
}

static bool
str_equal(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
prop_equal(const struct vss_snapshot_prop *a,
	   const struct vss_snapshot_prop *b)
{
	return vss_id_equal(&a->snapshot_id, &b->snapshot_id) &&
	       vss_id_equal(&a->snapshot_set_id, &b->snapshot_set_id) &&
	       a->snapshot_count == b->snapshot_count &&
	       str_equal(a->device, b->device) &&
	       str_equal(a->original_volume, b->original_volume) &&
	       str_equal(a->originating_machine, b->originating_machine) &&
	       str_equal(a->service_machine, b->service_machine) &&
	       str_equal(a->exposed_name, b->exposed_name) &&
	       str_equal(a->exposed_path, b->exposed_path) &&
	       vss_id_equal(&a->provider_id, &b->provider_id) &&
	       a->attributes == b->attributes && a->created == b->created &&
	       a->state == b->state;
}

/*
 * Ask vssd what the shadow copy is now: one deleted since, even by
 * another requester, is gone for good (SN-021).  The strings handed out
 * before stay valid until the requester is freed, so a description that
 * changed (an exposure) is added rather than replacing the old one.
 * Lock held.
 */
static int
query_snapshot(vss_requester *r, const vss_id *id,
	       const struct vss_snapshot_prop **ret)
{
	static const vss_id null_id;
	const struct vss_snapshot_prop *known;
	struct vss_snapshot_prop p;
	json_t *msg = NULL, *reply = NULL;
	int rc;

	rc = requester_request_new(r, WIRE_GET_SNAPSHOT_PROPERTIES, &msg);
	if (rc == 0)
		rc = wire_set_id(msg, WF_SNAPSHOT_ID, id);
	if (rc == 0)
		rc = transport_call(r, msg, &reply);
	if (rc == 0)
		rc = snapshot_prop_parse(reply, &null_id, 0, &p);
	json_decref(msg);
	json_decref(reply);
	if (rc < 0)
		return rc;
	p.snapshot_id = *id;
	known = find_snapshot(r, id);
	if (known != NULL && prop_equal(known, &p)) {
		prop_release(&p);
		*ret = known;
		return 0;
	}
	rc = ARRAY_RESERVE(r->snapshots, r->snapshot_count, r->snapshot_cap);
	if (rc < 0) {
		prop_release(&p);
		return rc;
	}
	r->snapshots[r->snapshot_count] = p;
	*ret = &r->snapshots[r->snapshot_count++];
	return 0;
}

int
vss_requester_get_snapshot_properties(vss_requester *r,
				      const vss_id *snapshot_id,
				      struct vss_snapshot_prop *ret)
{
	const struct vss_snapshot_prop *p;
	int rc;

	if (r == NULL || snapshot_id == NULL || ret == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_SNAPSHOT_PROPERTIES);
	if (rc == 0)
		rc = query_snapshot(r, snapshot_id, &p);
	if (rc == 0)
		*ret = *p;
	requester_unlock(r);
	return rc;
}

int
vss_requester_set_timings(const vss_requester *r, struct vss_set_timings *ret)
{
	int rc = 0;

	if (r == NULL || ret == NULL)
		return -EINVAL;
	requester_lock(r);
	if (r->have_set_results)
		*ret = r->timings;
	else
		rc = VSS_E_BAD_STATE;
	requester_unlock(r);
	return rc;
}

bool
vss_requester_application_consistent(const vss_requester *r)
{
	bool ok;

	if (r == NULL)
		return false;
	requester_lock(r);
	ok = r->have_set_results && r->app_consistent;
	requester_unlock(r);
	return ok;
}

/* ---- the document ------------------------------------------------------- */

vss_bcd *
vss_requester_bcd(vss_requester *r)
{
	vss_bcd *bcd;

	if (r == NULL)
		return NULL;
	requester_lock(r);
	bcd = r->bcd;
	requester_unlock(r);
	return bcd;
}

int
vss_requester_save_bcd(vss_requester *r, char **ret_xml, size_t *ret_len)
{
	int rc;

	if (r == NULL || ret_xml == NULL || ret_len == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_SAVE_BCD);
	if (rc == 0)
		rc = vss_bcd_save_xml(r->bcd, ret_xml, ret_len);
	requester_unlock(r);
	return rc;
}
