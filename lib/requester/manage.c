/*
 * lib/requester/manage.c - the shadow copy management calls of the
 * requester (IVssBackupComponents::Query, DeleteSnapshots, ExposeSnapshot,
 * UnexposeSnapshot, IsVolumeSnapshotted): what vssadmin and diskshadow
 * need besides a backup.  They have no phase of their own: each is one
 * request and its reply, allowed whenever no long operation is under way
 * (requester_manage_request()).  What they return is the caller's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "requester/requester_internal.h"
#include "util/array.h"

/* A field of a request; one with a NULL key, id or string is left out. */
struct req_field {
	const char *key;
	enum { RQ_ID, RQ_STR, RQ_BOOL } kind;
	const vss_id *id;
	const char *str;
	bool flag;
};

#define REQ_ID(k, v) { .key = (k), .kind = RQ_ID, .id = (v) }
#define REQ_STR(k, v) { .key = (k), .kind = RQ_STR, .str = (v) }
#define REQ_BOOL(k, v) { .key = (k), .kind = RQ_BOOL, .flag = (v) }

static int
req_field_set(json_t *msg, const struct req_field *f)
{
	if (f->key == NULL)
		return 0;
	switch (f->kind) {
	case RQ_ID:
		return f->id != NULL ? wire_set_id(msg, f->key, f->id) : 0;
	case RQ_STR:
		return wire_set_str(msg, f->key, f->str);
	case RQ_BOOL:
		return wire_set_bool(msg, f->key, f->flag);
	}
	return -EINVAL;
}

/*
 * Send request type with the n fields f and wait for its reply.  Returns
 * the reply's status; *ret_reply (caller owns) is the reply also when its
 * status is a failure, NULL when none came.
 */
static int
manage_call(vss_requester *r, enum wire_type type, const struct req_field *f,
	    size_t n, json_t **ret_reply)
{
	json_t *msg = NULL;
	int rc;

	requester_lock(r);
	rc = requester_manage_request(r, type, &msg);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = req_field_set(msg, &f[i]);
	if (rc == 0)
		rc = transport_call_any(r, msg, ret_reply);
	requester_unlock(r);
	json_decref(msg);
	return rc;
}

#define NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

/* An array of objects in a reply, and what the library makes of it. */
struct reply_list {
	const char *key;
	size_t size; /* of an element */
	int (*parse)(json_t *e, void *ret);
	void (*free_list)(void *v, size_t n); /* the first n elements */
};

/*
 * Parse the array l of reply, one l->parse() per entry, into a new zeroed
 * array of one element more than it has.  0, -EBADMSG or -ENOMEM; caller
 * owns *ret (free with l->free_list()).
 */
static int
parse_list(json_t *reply, const struct reply_list *l, void **ret, size_t *ret_n)
{
	json_t *list = json_object_get(reply, l->key), *e;
	size_t i, n = 0;
	char *v;
	int rc = 0;

	if (!json_is_array(list))
		return -EBADMSG;
	v = calloc(json_array_size(list) + 1, l->size);
	if (v == NULL)
		return -ENOMEM;
	json_array_foreach(list, i, e) {
		rc = l->parse(e, v + n * l->size);
		if (rc < 0)
			break;
		n++;
	}
	if (rc < 0) {
		l->free_list(v, n);
		return rc;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* manage_call(), and the list l of its reply into *ret and *ret_n. */
static int
manage_list(vss_requester *r, enum wire_type type, const struct req_field *f,
	    size_t n, const struct reply_list *l, void **ret, size_t *ret_n)
{
	json_t *reply = NULL;
	int rc;

	rc = manage_call(r, type, f, n, &reply);
	if (rc == 0)
		rc = parse_list(reply, l, ret, ret_n);
	json_decref(reply);
	return rc;
}

/* ---- Query (SN-010) ----------------------------------------------------- */

/* An entry of "snapshots"; each names itself and its set. */
static int
parse_snapshot(json_t *e, void *ret)
{
	static const vss_id null_id;
	vss_id id;

	if (wire_get_id(e, WF_SNAPSHOT_ID, &id) < 0 ||
	    wire_get_id(e, WF_SNAPSHOT_SET_ID, &id) < 0)
		return -EBADMSG;
	return snapshot_prop_parse(e, &null_id, 0, ret);
}

static void
snapshot_list_free(void *v, size_t n)
{
	vss_snapshot_props_free(v, n);
}

static const struct reply_list snapshot_list = {
	.key = WF_SNAPSHOTS,
	.size = sizeof(struct vss_snapshot_prop),
	.parse = parse_snapshot,
	.free_list = snapshot_list_free,
};

int
vss_requester_query_snapshots(vss_requester *r, const vss_id *snapshot_id,
			      const vss_id *set_id, const char *volume,
			      struct vss_snapshot_prop **ret, size_t *ret_n)
{
	const struct req_field f[] = {
		REQ_ID(WF_SNAPSHOT_ID, snapshot_id),
		REQ_ID(WF_SNAPSHOT_SET_ID, set_id),
		REQ_STR(WF_VOLUME, volume),
	};
	void *v;
	int rc;

	if (r == NULL || ret == NULL || ret_n == NULL)
		return -EINVAL;
	rc = manage_list(r, WIRE_QUERY_SNAPSHOTS, f, NFIELDS(f), &snapshot_list,
			 &v, ret_n);
	if (rc == 0)
		*ret = v;
	return rc;
}

/* ---- DeleteSnapshots (SN-021) ------------------------------------------- */

/*
 * Send a delete and read how far it got: on success, and on a failure
 * that says so (SN-021: it stopped at the first shadow copy it could not
 * delete).  A success must say.
 */
static int
delete_call(vss_requester *r, const struct req_field *f, size_t n,
	    long *ret_deleted, vss_id *ret_non_deleted)
{
	vss_id non_deleted = { 0 };
	json_t *reply = NULL;
	int64_t deleted;
	int rc, got;

	rc = manage_call(r, WIRE_DELETE_SNAPSHOTS, f, n, &reply);
	got = reply != NULL ? wire_get_int(reply, WF_DELETED, &deleted)
			    : -ENOENT;
	if (rc == 0 && got < 0)
		rc = -EBADMSG;
	if (got == 0) {
		wire_get_id(reply, WF_NON_DELETED_ID, &non_deleted);
		*ret_deleted = (long)deleted;
		*ret_non_deleted = non_deleted;
	}
	json_decref(reply);
	return rc;
}

int
vss_requester_delete_snapshots(vss_requester *r, const vss_id *id,
			       enum vss_object_type type, bool force,
			       long *ret_deleted, vss_id *ret_non_deleted)
{
	const struct req_field f[] = {
		REQ_ID(type == VSS_OBJECT_SNAPSHOT ? WF_SNAPSHOT_ID
						   : WF_SNAPSHOT_SET_ID,
		       id),
		REQ_BOOL(WF_FORCE, force),
	};

	if (r == NULL || id == NULL || ret_deleted == NULL ||
	    ret_non_deleted == NULL ||
	    (type != VSS_OBJECT_SNAPSHOT && type != VSS_OBJECT_SNAPSHOT_SET))
		return -EINVAL;
	return delete_call(r, f, NFIELDS(f), ret_deleted, ret_non_deleted);
}

int
vss_requester_delete_volume_snapshots(vss_requester *r, const char *volume,
				      bool oldest_only, long *ret_deleted,
				      vss_id *ret_non_deleted)
{
	/* Without a volume: all of them. */
	const struct req_field f[] = {
		REQ_STR(WF_VOLUME, volume),
		REQ_BOOL(volume == NULL ? WF_ALL : NULL, true),
		REQ_BOOL(oldest_only ? WF_OLDEST : NULL, true),
	};

	if (r == NULL || ret_deleted == NULL || ret_non_deleted == NULL ||
	    (volume == NULL && oldest_only))
		return -EINVAL;
	return delete_call(r, f, NFIELDS(f), ret_deleted, ret_non_deleted);
}

/* ---- ExposeSnapshot, UnexposeSnapshot (SN-030 .. SN-033) ---------------- */

int
vss_requester_expose_snapshot(vss_requester *r, const vss_id *snapshot_id,
			      const char *path, char **ret_exposed_name)
{
	const struct req_field f[] = {
		REQ_ID(WF_SNAPSHOT_ID, snapshot_id),
		REQ_STR(WF_PATH, path),
	};
	json_t *reply = NULL;
	const char *name;
	char *copy;
	int rc;

	if (r == NULL || snapshot_id == NULL || ret_exposed_name == NULL)
		return -EINVAL;
	rc = manage_call(r, WIRE_EXPOSE_SNAPSHOT, f, NFIELDS(f), &reply);
	if (rc == 0 && wire_get_str(reply, WF_EXPOSED_NAME, &name) < 0)
		rc = -EBADMSG;
	if (rc == 0) {
		copy = strdup(name);
		if (copy != NULL)
			*ret_exposed_name = copy;
		else
			rc = -ENOMEM;
	}
	json_decref(reply);
	return rc;
}

int
vss_requester_unexpose_snapshot(vss_requester *r, const vss_id *snapshot_id)
{
	const struct req_field f[] = {REQ_ID(WF_SNAPSHOT_ID, snapshot_id)};
	json_t *reply = NULL;
	int rc;

	if (r == NULL || snapshot_id == NULL)
		return -EINVAL;
	rc = manage_call(r, WIRE_UNEXPOSE_SNAPSHOT, f, NFIELDS(f), &reply);
	json_decref(reply);
	return rc;
}

/* ---- providers (SN-010) ------------------------------------------------- */

static void
provider_release(struct vss_provider_prop *p)
{
	free(p->name);
	free(p->version);
}

void
vss_provider_props_free(struct vss_provider_prop *props, size_t n)
{
	if (props == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		provider_release(&props[i]);
	free(props);
}

/* One entry of "providers"; wire_check() saw its id, name and type. */
static int
parse_provider(json_t *obj, void *ret)
{
	struct vss_provider_prop p = { 0 };
	const char *name = NULL, *type = NULL, *version = NULL;
	int rc;

	if (wire_get_id(obj, WF_PROVIDER_ID, &p.provider_id) < 0 ||
	    wire_get_str(obj, WF_NAME, &name) < 0 ||
	    wire_get_str(obj, WF_PROVIDER_TYPE, &type) < 0 ||
	    vss_provider_type_parse(&p.type, type) < 0)
		return -EBADMSG;
	wire_get_str(obj, WF_PROVIDER_VERSION, &version);
	wire_get_id(obj, WF_VERSION_ID, &p.version_id);
	rc = str_dup_opt(&p.name, name);
	if (rc == 0)
		rc = str_dup_opt(&p.version, version);
	if (rc < 0) {
		provider_release(&p);
		return rc;
	}
	*(struct vss_provider_prop *)ret = p;
	return 0;
}

static void
provider_list_free(void *v, size_t n)
{
	vss_provider_props_free(v, n);
}

static const struct reply_list provider_list = {
	.key = WF_PROVIDERS,
	.size = sizeof(struct vss_provider_prop),
	.parse = parse_provider,
	.free_list = provider_list_free,
};

int
vss_requester_query_providers(vss_requester *r,
			      struct vss_provider_prop **ret, size_t *ret_n)
{
	void *v;
	int rc;

	if (r == NULL || ret == NULL || ret_n == NULL)
		return -EINVAL;
	rc = manage_list(r, WIRE_QUERY_PROVIDERS, NULL, 0, &provider_list, &v,
			 ret_n);
	if (rc == 0)
		*ret = v;
	return rc;
}

/* ---- IsVolumeSnapshotted (SN-012) --------------------------------------- */

int
vss_requester_is_volume_snapshotted(vss_requester *r, const char *volume,
				    bool *ret_snapshotted,
				    uint32_t *ret_compatibility)
{
	const struct req_field f[] = {REQ_STR(WF_VOLUME, volume)};
	json_t *reply = NULL;
	bool snapshotted;
	int64_t compatibility;
	int rc;

	if (r == NULL || volume == NULL || ret_snapshotted == NULL ||
	    ret_compatibility == NULL)
		return -EINVAL;
	rc = manage_call(r, WIRE_IS_VOLUME_SNAPSHOTTED, f, NFIELDS(f), &reply);
	if (rc == 0 &&
	    (wire_get_bool(reply, WF_SNAPSHOTTED, &snapshotted) < 0 ||
	     wire_get_int(reply, WF_COMPATIBILITY, &compatibility) < 0))
		rc = -EBADMSG;
	if (rc == 0) {
		*ret_snapshotted = snapshotted;
		*ret_compatibility = (uint32_t)compatibility;
	}
	json_decref(reply);
	return rc;
}
