/*
 * lib/writer/writer_event.c - one event as a writer's handler sees it: the
 * fields of the daemon's event message decoded (docs/protocol.md), the
 * CVssWriter helpers over them (backup.md BK-035), the failure the handler
 * sets (BK-033) and the event_reply built from its result (BK-031,
 * BK-041, BK-021).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "writer/writer_internal.h"

void
writer_event_init(struct vss_writer_event *ev, enum wire_event type,
		  const vss_id *snapshot_set_id)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	if (snapshot_set_id)
		ev->snapshot_set_id = *snapshot_set_id;
}

void
writer_event_release(struct vss_writer_event *ev)
{
	for (size_t i = 0; i < ev->received_post_msg_count; i++)
		free(ev->received_post_msgs[i]);
	free(ev->received_post_msgs);
	free(ev->volumes);
	free(ev->snapshots);
	vss_bcd_free(ev->bcd);
	free(ev->failure_message);
	memset(ev, 0, sizeof(*ev));
}

/*
 * conn_next() ran wire_check() on the message: the fields present have
 * their types and valid values, "id" and "event" are there.  Absent and
 * null fields leave the defaults.
 */
static int
decode_volumes(struct vss_writer_event *ev, json_t *msg)
{
	json_t *a = json_object_get(msg, WF_VOLUMES), *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	ev->volumes = calloc(json_array_size(a), sizeof(*ev->volumes));
	if (!ev->volumes)
		return -ENOMEM;
	json_array_foreach(a, i, v)
		ev->volumes[i] = json_string_value(v);
	ev->volume_count = json_array_size(a);
	return 0;
}

static int
decode_snapshots(struct vss_writer_event *ev, json_t *msg)
{
	json_t *a = json_object_get(msg, WF_SNAPSHOTS), *s;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	ev->snapshots = calloc(json_array_size(a), sizeof(*ev->snapshots));
	if (!ev->snapshots)
		return -ENOMEM;
	json_array_foreach(a, i, s) {
		wire_get_str(s, WF_VOLUME, &ev->snapshots[i].volume);
		wire_get_str(s, WF_DEVICE, &ev->snapshots[i].device);
	}
	ev->snapshot_count = json_array_size(a);
	return 0;
}

/*
 * The writer's own entry: the daemon sends only that one, but a document
 * saved by an older requester may name the writer by class alone (null
 * instance id).
 */
static vss_bcd_writer *
find_components(const vss_bcd *bcd, const vss_id *class_id,
		const vss_id *instance_id)
{
	vss_bcd_writer *w = vss_bcd_find_writer(bcd, class_id, instance_id);

	if (w)
		return w;
	w = vss_bcd_find_writer(bcd, class_id, NULL);
	if (w && vss_id_is_null(vss_bcd_writer_instance_id(w)))
		return w;
	return NULL;
}

/*
 * The BCD, when the event carries one, gives the defaults of the backup
 * state: restore events carry the document and the restore type only.
 */
static int
decode_bcd(struct vss_writer_event *ev, json_t *msg)
{
	const struct vss_backup_state *s;
	const char *xml;
	int r;

	if (wire_get_str(msg, WF_BCD, &xml) < 0)
		return 0;
	r = vss_bcd_load_xml(&ev->bcd, xml, strlen(xml), NULL);
	if (r < 0)
		return r;
	s = vss_bcd_backup_state(ev->bcd);
	ev->backup_type = s->backup_type;
	ev->select_components = s->select_components;
	ev->bootable_system_state = s->bootable_system_state;
	ev->partial_file_support = s->partial_file_support;
	ev->restore_type = vss_bcd_restore_type(ev->bcd);
	ev->context = vss_bcd_context(ev->bcd);
	ev->snapshot_set_id = *vss_bcd_snapshot_set_id(ev->bcd);
	return 0;
}

static void
decode_state(struct vss_writer_event *ev, json_t *msg)
{
	const char *s;
	int64_t n;

	wire_get_id(msg, WF_SNAPSHOT_SET_ID, &ev->snapshot_set_id);
	if (wire_get_int(msg, WF_CONTEXT, &n) == 0)
		ev->context = (int32_t)n;
	if (wire_get_str(msg, WF_BACKUP_TYPE, &s) == 0)
		vss_backup_type_parse(&ev->backup_type, s);
	if (wire_get_str(msg, WF_RESTORE_TYPE, &s) == 0)
		vss_restore_type_parse(&ev->restore_type, s);
	wire_get_bool(msg, WF_SELECT_COMPONENTS, &ev->select_components);
	wire_get_bool(msg, WF_BOOTABLE, &ev->bootable_system_state);
	wire_get_bool(msg, WF_PARTIAL_FILES, &ev->partial_file_support);
}

static const char *
post_msg(const vss_bcd_writer *w, size_t i)
{
	return vss_bcd_component_text(vss_bcd_writer_component(w, i),
				      VSS_TEXT_POST_RESTORE_FAILURE_MSG);
}

/*
 * post_restore: the post-restore failure messages the document brings
 * (those set in pre_restore come back in it), so that the reply can tell
 * them from one its handler sets.
 */
static int
remember_post_msgs(struct vss_writer_event *ev)
{
	size_t n;

	if (ev->type != WIRE_EV_POST_RESTORE || !ev->components)
		return 0;
	n = vss_bcd_writer_component_count(ev->components);
	ev->received_post_msgs = calloc(n + 1, sizeof(char *));
	if (!ev->received_post_msgs)
		return -ENOMEM;
	ev->received_post_msg_count = n;
	for (size_t i = 0; i < n; i++) {
		const char *msg = post_msg(ev->components, i);

		if (msg && !(ev->received_post_msgs[i] = strdup(msg)))
			return -ENOMEM;
	}
	return 0;
}

int
writer_event_decode(struct vss_writer_event *ev, json_t *msg,
		    const vss_id *class_id, const vss_id *instance_id)
{
	const char *name = NULL;
	int64_t id = 0;
	int r;

	wire_get_int(msg, WF_ID, &id);
	wire_get_str(msg, WF_EVENT, &name);
	writer_event_init(ev, wire_event_parse(name), NULL);
	ev->id = (uint64_t)id;
	/* The document first: explicit fields override what it says. */
	r = decode_bcd(ev, msg);
	if (r < 0)
		return r;
	decode_state(ev, msg);
	r = decode_volumes(ev, msg);
	if (r == 0)
		r = decode_snapshots(ev, msg);
	if (r < 0)
		return r;
	if (ev->bcd && ev->select_components)
		ev->components = find_components(ev->bcd, class_id,
						 instance_id);
	return remember_post_msgs(ev);
}

/* SetWriterFailure codes (BK-033); 0 and PARTIAL_FAILURE only in the Ex. */
static bool
is_writer_failure(int status)
{
	switch (status) {
	case VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT:
	case VSS_E_WRITERERROR_NONRETRYABLE:
	case VSS_E_WRITERERROR_OUTOFRESOURCES:
	case VSS_E_WRITERERROR_RETRYABLE:
	case VSS_E_WRITERERROR_TIMEOUT:
		return true;
	default:
		return false;
	}
}

/* Only these events send the writer's changes of the BCD back (BK-021). */
static bool
bcd_writable(enum wire_event type)
{
	return type == WIRE_EV_PREPARE_BACKUP ||
	       type == WIRE_EV_POST_SNAPSHOT || type == WIRE_EV_PRE_RESTORE;
}

/*
 * The post-restore failure message a failed post_restore handler set on
 * one of its components itself (one the document brought, set in
 * pre_restore, does not count), or NULL: the document goes back to no one
 * from post_restore (RS-007), so the message travels as the failure's.
 */
static const char *
post_restore_message(const struct vss_writer_event *ev)
{
	const char *msg, *before;
	size_t n;

	if (ev->type != WIRE_EV_POST_RESTORE || !ev->components)
		return NULL;
	n = vss_bcd_writer_component_count(ev->components);
	for (size_t i = 0; i < n; i++) {
		msg = post_msg(ev->components, i);
		before = i < ev->received_post_msg_count
				 ? ev->received_post_msgs[i]
				 : NULL;
		if (msg && (!before || strcmp(msg, before) != 0))
			return msg;
	}
	return NULL;
}

/*
 * A failed handler reports the failure it set; else the status it
 * returned when that is a writer failure code; else NONRETRYABLE (BK-041),
 * with the returned status as the application status.
 */
int
writer_event_reply(const struct vss_writer_event *ev, int ret,
		   json_t **ret_reply)
{
	int status = 0, failure = ev->failure, app = ev->app_failure;
	const char *message = ev->failure_message;
	char *xml = NULL;
	json_t *reply;
	size_t len;
	int r;

	if (ret < 0) {
		if (failure == 0 && is_writer_failure(ret)) {
			failure = ret;
		} else if (failure == 0) {
			failure = VSS_E_WRITERERROR_NONRETRYABLE;
			app = ret;
		}
		status = failure;
	}
	reply = wire_event_reply_new(ev->id, status);
	if (!reply)
		return -ENOMEM;
	r = 0;
	if (failure != 0) {
		r = wire_set_int(reply, WF_FAILURE, failure);
		if (r == 0 && app != 0)
			r = wire_set_int(reply, WF_APP_FAILURE, app);
		/* Only for a handler that failed, never a non-fatal one. */
		if (!message && ret < 0)
			message = post_restore_message(ev);
		if (r == 0 && message)
			r = wire_set_str(reply, WF_FAILURE_MESSAGE, message);
	}
	if (r == 0 && ev->components && bcd_writable(ev->type)) {
		r = vss_bcd_save_xml(ev->bcd, &xml, &len);
		if (r == 0)
			r = wire_set_str(reply, WF_BCD, xml);
		free(xml);
	}
	if (r < 0) {
		json_decref(reply);
		return r;
	}
	*ret_reply = reply;
	return 0;
}

/* ---- the public helpers ------------------------------------------------ */

const char *
vss_writer_event_name(const vss_writer_event *ev)
{
	return ev ? wire_event_name(ev->type) : NULL;
}

enum vss_backup_type
vss_writer_event_backup_type(const vss_writer_event *ev)
{
	return ev ? ev->backup_type : VSS_BT_UNDEFINED;
}

enum vss_restore_type
vss_writer_event_restore_type(const vss_writer_event *ev)
{
	return ev ? ev->restore_type : VSS_RTYPE_UNDEFINED;
}

int32_t
vss_writer_event_context(const vss_writer_event *ev)
{
	return ev ? ev->context : 0;
}

bool
vss_writer_event_components_selected(const vss_writer_event *ev)
{
	return ev && ev->select_components;
}

bool
vss_writer_event_bootable_state(const vss_writer_event *ev)
{
	return ev && ev->bootable_system_state;
}

bool
vss_writer_event_partial_file_support(const vss_writer_event *ev)
{
	return ev && ev->partial_file_support;
}

const vss_id *
vss_writer_event_snapshot_set_id(const vss_writer_event *ev)
{
	return ev ? &ev->snapshot_set_id : NULL;
}

size_t
vss_writer_event_volume_count(const vss_writer_event *ev)
{
	return ev ? ev->volume_count : 0;
}

const char *
vss_writer_event_volume(const vss_writer_event *ev, size_t i)
{
	return ev && i < ev->volume_count ? ev->volumes[i] : NULL;
}

/* Start of the next path element at or after p, skipping '/' runs. */
static const char *
skip_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return p;
}

/*
 * Is the absolute path prefix the same as path or an ancestor of it,
 * comparing whole elements ("/data" covers "/data/x", not "/database");
 * repeated and trailing '/' do not count.  With exact, only the same.
 */
static bool
path_covers(const char *prefix, const char *path, bool exact)
{
	size_t n;

	if (prefix[0] != '/' || path[0] != '/')
		return false;
	for (;;) {
		prefix = skip_slashes(prefix);
		path = skip_slashes(path);
		if (*prefix == '\0')
			return !exact || *path == '\0';
		n = strcspn(prefix, "/");
		if (strncmp(prefix, path, n) != 0 ||
		    (path[n] != '/' && path[n] != '\0'))
			return false;
		prefix += n;
		path += n;
	}
}

bool
vss_writer_event_is_path_affected(const vss_writer_event *ev,
				  const char *path)
{
	size_t i;

	if (!ev || !path)
		return false;
	for (i = 0; i < ev->volume_count; i++)
		if (path_covers(ev->volumes[i], path, false))
			return true;
	return false;
}

int
vss_writer_event_snapshot_device(const vss_writer_event *ev,
				 const char *volume, const char **ret)
{
	size_t i;

	if (!ev || !volume || !ret)
		return -EINVAL;
	if (ev->type != WIRE_EV_POST_SNAPSHOT)
		return VSS_E_BAD_STATE;
	for (i = 0; i < ev->snapshot_count; i++) {
		if (path_covers(ev->snapshots[i].volume, volume, true)) {
			*ret = ev->snapshots[i].device;
			return 0;
		}
	}
	return VSS_E_OBJECT_NOT_FOUND;
}

vss_bcd_writer *
vss_writer_event_components(vss_writer_event *ev)
{
	return ev ? ev->components : NULL;
}

/*
 * Status 0 withdraws a failure set earlier in the same handler; the
 * identify handler gets no event, so it cannot set one (BK-032).
 */
int
vss_writer_event_set_failure(vss_writer_event *ev, int status,
			     int app_status, const char *message)
{
	char *copy = NULL;

	if (!ev)
		return -EINVAL;
	if (status != 0 && status != VSS_E_WRITERERROR_PARTIAL_FAILURE &&
	    !is_writer_failure(status))
		return -EINVAL;
	if (status != 0 && message) {
		copy = strdup(message);
		if (!copy)
			return -ENOMEM;
	}
	free(ev->failure_message);
	ev->failure_message = copy;
	ev->failure = status;
	ev->app_failure = status != 0 ? app_status : 0;
	return 0;
}
