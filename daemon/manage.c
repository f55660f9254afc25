/*
 * daemon/manage.c - the management requests of a requester session:
 * query_snapshots (SN-010), delete_snapshots (SN-021), expose_snapshot and
 * unexpose_snapshot (SN-030..SN-033), query_providers (PV-001) and
 * is_volume_snapshotted (SN-012).  They change no session state; the
 * shadow copies they see are those of the session's context, or all with
 * VSS_CTX_ALL.  A volume named in a request is looked up on a job, since
 * resolving a path may block.
 */
#include "daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

/* A request waiting for its volume to be normalised. */
struct lookup {
	struct session *session; /* NULL once the session has gone */
	enum wire_type type;
	json_t *msg;
	char *path;
	char *volume;
	int status;
};

static void
lookup_free(struct lookup *l)
{
	if (!l)
		return;
	json_decref(l->msg);
	free(l->path);
	free(l->volume);
	free(l);
}

/* ---- replies ---------------------------------------------------------- */

/* The end of an inventory change: its fields go back whatever the status. */
static void
change_done(void *arg, int status, json_t *fields)
{
	struct session *s = arg;

	session_finish(s, status, NULL, fields);
}

/*
 * Reply fields holding one array under key, and that array (borrowed from
 * *ret_fields) in *ret_list; -ENOMEM.  *ret_fields is set either way, for
 * session_finish_fields() to drop.
 */
static int
list_fields(const char *key, json_t **ret_fields, json_t **ret_list)
{
	*ret_fields = json_object();
	*ret_list = json_array();
	/* set_new drops the array when it fails. */
	if (!*ret_list || !*ret_fields) {
		json_decref(*ret_list);
		return -ENOMEM;
	}
	return json_object_set_new(*ret_fields, key, *ret_list) < 0 ? -ENOMEM
								    : 0;
}

static int
reply_query(struct session *s, json_t *msg, const char *volume)
{
	const struct shadow *sh;
	vss_id id, set_id;
	bool by_id, by_set;
	json_t *fields, *list, *o;
	int r;

	by_id = wire_get_id(msg, WF_SNAPSHOT_ID, &id) == 0;
	by_set = wire_get_id(msg, WF_SNAPSHOT_SET_ID, &set_id) == 0;
	r = list_fields(WF_SNAPSHOTS, &fields, &list);
	for (sh = inventory_next(NULL); r == 0 && sh; sh = inventory_next(sh)) {
		if (!inventory_context_matches(sh, s->context) ||
		    (by_id && !vss_id_equal(&sh->id, &id)) ||
		    (by_set && !vss_id_equal(&sh->set_id, &set_id)) ||
		    (volume && strcmp(sh->volume, volume) != 0))
			continue;
		o = json_object();
		if (!o || json_array_append_new(list, o) < 0 ||
		    shadow_properties_json(sh, o) < 0)
			r = -ENOMEM;
	}
	return session_finish_fields(s, r, fields);
}

static int
reply_delete(struct session *s, json_t *msg, const char *volume)
{
	struct inventory_select sel = {.context = s->context};
	bool all = false, oldest = false;
	int given = 0, r;

	if (wire_get_id(msg, WF_SNAPSHOT_ID, &sel.id) == 0) {
		sel.kind = SELECT_SNAPSHOT;
		given++;
	}
	if (wire_get_id(msg, WF_SNAPSHOT_SET_ID, &sel.id) == 0) {
		sel.kind = SELECT_SET;
		given++;
	}
	(void)wire_get_bool(msg, WF_OLDEST, &oldest);
	if (volume) {
		sel.kind = oldest ? SELECT_OLDEST : SELECT_VOLUME;
		sel.volume = volume;
		given++;
	}
	if (wire_get_bool(msg, WF_ALL, &all) == 0 && all) {
		sel.kind = SELECT_ALL;
		given++;
	}
	if (given != 1 || (oldest && !volume))
		return session_fail(s, -EINVAL,
				    "name one of snapshot_id, snapshot_set_id, "
				    "volume or all");
	/* force: every delete already does all it can (SN-021). */
	r = inventory_delete(&sel, change_done, s);
	if (r < 0)
		return session_fail(s, r, NULL);
	return 0;
}

static int
reply_expose(struct session *s, json_t *msg)
{
	const char *path = NULL;
	vss_id id;
	int r;

	if (wire_get_id(msg, WF_SNAPSHOT_ID, &id) < 0)
		return session_fail(s, -EINVAL, "snapshot_id is required");
	(void)wire_get_str(msg, WF_PATH, &path);
	r = inventory_expose(&id, s->context, path, &s->id, change_done, s);
	if (r == -EINVAL)
		return session_fail(s, r,
				    "a client-accessible shadow copy cannot "
				    "be exposed");
	if (r == VSS_E_OBJECT_ALREADY_EXISTS)
		return session_fail(s, r, "already exposed");
	return r < 0 ? session_fail(s, r, NULL) : 0;
}

static int
reply_unexpose(struct session *s, json_t *msg)
{
	vss_id id;
	int r;

	if (wire_get_id(msg, WF_SNAPSHOT_ID, &id) < 0)
		return session_fail(s, -EINVAL, "snapshot_id is required");
	r = inventory_unexpose(&id, s->context, change_done, s);
	return r < 0 ? session_fail(s, r, NULL) : 0;
}

static int
reply_providers(struct session *s)
{
	const struct provider *const *p;
	json_t *fields, *list, *o;
	int r;

	r = list_fields(WF_PROVIDERS, &fields, &list);
	for (p = provider_registry(); r == 0 && *p; p++) {
		o = json_object();
		if (!o || json_array_append_new(list, o) < 0 ||
		    wire_set_id(o, WF_PROVIDER_ID, &(*p)->id) < 0 ||
		    wire_set_str(o, WF_NAME, (*p)->name) < 0 ||
		    wire_set_str(o, WF_PROVIDER_TYPE,
				 vss_provider_type_str((*p)->type)) < 0 ||
		    wire_set_str(o, WF_PROVIDER_VERSION, (*p)->version) < 0 ||
		    wire_set_id(o, WF_VERSION_ID, &(*p)->version_id) < 0)
			r = -ENOMEM;
	}
	return session_finish_fields(s, r, fields);
}

/* SN-012: btrfs and exec shadow copies restrict nothing on the volume. */
static int
reply_snapshotted(struct session *s, const char *volume)
{
	json_t *fields = json_object();
	int r = -ENOMEM;

	if (fields &&
	    wire_set_bool(fields, WF_SNAPSHOTTED,
			  inventory_count_volume(volume) > 0) == 0 &&
	    wire_set_int(fields, WF_COMPATIBILITY, 0) == 0)
		r = 0;
	return session_finish_fields(s, r, fields);
}

/* Serve a request whose volume, if any, is known. */
static int
serve(struct session *s, enum wire_type type, json_t *msg, const char *volume)
{
	switch (type) {
	case WIRE_QUERY_SNAPSHOTS:
		return reply_query(s, msg, volume);
	case WIRE_DELETE_SNAPSHOTS:
		return reply_delete(s, msg, volume);
	case WIRE_EXPOSE_SNAPSHOT:
		return reply_expose(s, msg);
	case WIRE_UNEXPOSE_SNAPSHOT:
		return reply_unexpose(s, msg);
	case WIRE_QUERY_PROVIDERS:
		return reply_providers(s);
	case WIRE_IS_VOLUME_SNAPSHOTTED:
		return reply_snapshotted(s, volume);
	default:
		return session_fail(s, -EINVAL, "not a management request");
	}
}

/* ---- volume lookups --------------------------------------------------- */

static void
lookup_work(struct job *j)
{
	struct lookup *l = j->arg;

	l->status = volume_normalise(l->path, &l->volume);
}

static void
lookup_done(struct job *j)
{
	struct lookup *l = j->arg;
	struct session *s = l->session;

	if (s) {
		s->manage_job = NULL;
		if (l->status < 0)
			session_fail(s, l->status, "no such volume");
		else
			serve(s, l->type, l->msg, l->volume);
	}
	lookup_free(l);
}

int
manage_request(struct session *s, enum wire_type type, json_t *msg)
{
	struct lookup *l;
	const char *path = NULL;
	int r;

	r = session_context_field(s, msg);
	if (r < 0)
		return session_fail(s, r, "bad context");
	(void)wire_get_str(msg, WF_VOLUME, &path);
	if (type == WIRE_IS_VOLUME_SNAPSHOTTED && !path)
		return session_fail(s, -EINVAL, "volume is required");
	if (!path ||
	    (type != WIRE_QUERY_SNAPSHOTS && type != WIRE_DELETE_SNAPSHOTS &&
	     type != WIRE_IS_VOLUME_SNAPSHOTTED))
		return serve(s, type, msg, NULL);
	l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		return session_fail(s, -ENOMEM, NULL);
	}
	l->session = s;
	l->type = type;
	l->msg = json_incref(msg);
	s->manage_job = job_start(lookup_work, lookup_done, l);
	if (!s->manage_job) {
		lookup_free(l);
		return session_fail(s, -ENOMEM, NULL);
	}
	return 0;
}

void
manage_session_gone(struct session *s)
{
	struct lookup *l;

	if (!s->manage_job)
		return;
	l = s->manage_job->arg;
	l->session = NULL;
	s->manage_job = NULL;
}
