/*
 * tests/unit/test_requester.c - the requester API against a fake vssd
 * (fake_vssd.c): a thread of this test that speaks the wire protocol
 * (lib/wire) on a Unix socket in a temporary directory and answers each
 * request as the test told it (reply, fail, hold until released or
 * cancelled, hang up).
 *
 * Covered: the whole backup sequence in order (backup.md §2), every call
 * out of order (BK-001 .. BK-009, BK-014, BK-017, BK-018, BK-078), the
 * writer lists (BK-005), component checks (BK-014, SEL-002, SEL-004), the
 * document replaced by each step (BK-020), and vss_async: wait with a
 * timeout, the fd, cancel in every case, freeing a pending handle
 * (AS-001 .. AS-004), and the connection ending under an operation.  The
 * shadow copy management calls: what they send and read back (SN-010 ..
 * SN-013, SN-021, SN-030, SN-033), their argument checks, contexts
 * (SN-001, VSS_CTX_ALL), malformed replies, and that they fit in every
 * phase without changing it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vss/metadata.h>
#include <vss/requester.h>
#include <vss/status.h>

#include "fake_vssd.h"
#include "wire/wire.h"

#define WAIT_MS 5000

/* ---- the fake daemon ---------------------------------------------------- */

enum mode {
	MODE_REPLY,      /* answer with success and canned results */
	MODE_FAIL,       /* answer with fail_status */
	MODE_HOLD,       /* answer when released, or cancelled */
	MODE_DISCONNECT, /* hang up */
	MODE_CANNED,     /* answer with fail_status and the canned fields */
};

struct fake {
	struct fake_vssd vssd;

	/* Under vssd.lock: */
	bool release;
	bool ignore_cancel;   /* as if the target had ended already */
	enum mode modes[WIRE_TYPE_COUNT];
	int fail_status[WIRE_TYPE_COUNT];
	json_t *held;         /* requests held back */
	json_t *writers;      /* gather_writer_metadata result */
	json_t *volumes;      /* [{volume, snapshot_id}] added */
	vss_id set_id;
	vss_id extra_snapshot; /* known to get_snapshot_properties only */
	json_t *canned[WIRE_TYPE_COUNT]; /* MODE_CANNED fields, owned */
	char exposed_at[64];  /* where the set's shadow copies are exposed */
	vss_id deleted;       /* a shadow copy of the set deleted since */
};

/* Ids of the writers the fake knows. */
static vss_id class_a, instance_a, class_b, instance_b, class_c, instance_c,
	class_d, instance_d, provider_id;
/* The inventory query_snapshots reports: one set of two; a provider. */
static vss_id inv_set, inv_snap[2], provider2_id, version_id;

/* The request's document with a text set on every component. */
static char *
mark_bcd(json_t *req, enum vss_component_text field, const char *text)
{
	const char *xml;
	vss_bcd *bcd = NULL;
	char *out = NULL;
	size_t len;

	if (wire_get_str(req, WF_BCD, &xml) < 0 ||
	    vss_bcd_load_xml(&bcd, xml, strlen(xml), NULL) < 0)
		return NULL;
	for (size_t i = 0; i < vss_bcd_writer_count(bcd); i++) {
		vss_bcd_writer *w = vss_bcd_writer_at(bcd, i);

		for (size_t j = 0; j < vss_bcd_writer_component_count(w); j++)
			vss_bcd_component_set_text(
				vss_bcd_writer_component(w, j), field, text);
	}
	vss_bcd_save_xml(bcd, &out, &len);
	vss_bcd_free(bcd);
	return out;
}

static json_t *
snapshot_json(const char *volume, const vss_id *id, const vss_id *set_id)
{
	char device[256];
	json_t *s = json_object();

	snprintf(device, sizeof(device), "/snap%s", volume);
	wire_set_str(s, WF_VOLUME, volume);
	wire_set_str(s, WF_DEVICE, device);
	wire_set_id(s, WF_SNAPSHOT_ID, id);
	wire_set_id(s, WF_SNAPSHOT_SET_ID, set_id);
	wire_set_id(s, WF_PROVIDER_ID, &provider_id);
	wire_set_int(s, WF_ATTRIBUTES, VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE);
	wire_set_int(s, WF_CREATED, 133000000000000000LL);
	return s;
}

/*
 * What vssd knows: two shadow copies of one persistent set (SN-013: made
 * as a set of two), the first exposed and described by other machines.
 */
static json_t *
inventory_json(void)
{
	json_t *list = json_array();
	json_t *a = snapshot_json("/data", &inv_snap[0], &inv_set);
	json_t *b = snapshot_json("/home", &inv_snap[1], &inv_set);

	wire_set_int(a, WF_SNAPSHOT_COUNT, 2);
	wire_set_str(a, WF_EXPOSED_NAME, "/run/vss/exposed/a");
	wire_set_str(a, WF_ORIGINATING_MACHINE, "host-o");
	wire_set_str(a, WF_SERVICE_MACHINE, "host-s");
	wire_set_int(a, WF_SNAPSHOT_STATE, VSS_SS_CREATED);
	wire_set_int(a, WF_CONTEXT, VSS_CTX_NAS_ROLLBACK);
	wire_set_int(b, WF_SNAPSHOT_COUNT, 2);
	wire_set_int(b, WF_ATTRIBUTES, VSS_VOLSNAP_ATTR_PERSISTENT);
	json_array_append_new(list, a);
	json_array_append_new(list, b);
	return list;
}

/* A system provider with a version, a software one without. */
static json_t *
providers_json(void)
{
	json_t *list = json_array();
	json_t *a = json_object(), *b = json_object();

	wire_set_id(a, WF_PROVIDER_ID, &provider_id);
	wire_set_str(a, WF_NAME, "btrfs");
	wire_set_str(a, WF_PROVIDER_TYPE, "system");
	wire_set_str(a, WF_PROVIDER_VERSION, "1.0");
	wire_set_id(a, WF_VERSION_ID, &version_id);
	wire_set_id(b, WF_PROVIDER_ID, &provider2_id);
	wire_set_str(b, WF_NAME, "exec");
	wire_set_str(b, WF_PROVIDER_TYPE, "software");
	json_array_append_new(list, a);
	json_array_append_new(list, b);
	return list;
}

/*
 * A shadow copy of the set made, as get_snapshot_properties describes it
 * (exposed at f->exposed_at when set), or NULL: not one, or deleted.
 */
static json_t *
set_snapshot_json(struct fake *f, const vss_id *id)
{
	const char *volume;
	json_t *v, *s;
	vss_id vid;
	size_t i;

	if (vss_id_equal(id, &f->deleted))
		return NULL;
	json_array_foreach(f->volumes, i, v) {
		wire_get_id(v, WF_SNAPSHOT_ID, &vid);
		if (!vss_id_equal(&vid, id))
			continue;
		wire_get_str(v, WF_VOLUME, &volume);
		s = snapshot_json(volume, id, &f->set_id);
		wire_set_int(s, WF_SNAPSHOT_COUNT,
			     (int64_t)json_array_size(f->volumes));
		wire_set_str(s, WF_EXPOSED_NAME,
			     f->exposed_at[0] ? f->exposed_at : NULL);
		return s;
	}
	return NULL;
}

/* The successful reply to req; lock held. */
static json_t *
success_reply(struct fake *f, json_t *req)
{
	json_t *reply = wire_reply_new((uint64_t)fake_vssd_msg_id(req), 0, NULL);
	json_t *list, *w, *v;
	const char *volume;
	char *xml = NULL;
	vss_id id;
	size_t i;

	switch (fake_vssd_msg_type(req)) {
	case WIRE_HELLO:
		vss_id_generate(&id);
		wire_set_id(reply, WF_SESSION_ID, &id);
		break;
	case WIRE_GATHER_WRITER_METADATA:
		json_object_set(reply, WF_WRITERS, f->writers);
		break;
	case WIRE_GATHER_WRITER_STATUS:
		list = json_array();
		json_array_foreach(f->writers, i, v) {
			if (i >= 2)
				break;
			w = json_object();
			json_object_set(w, WF_CLASS_ID,
					json_object_get(v, WF_CLASS_ID));
			json_object_set(w, WF_INSTANCE_ID,
					json_object_get(v, WF_INSTANCE_ID));
			json_object_set(w, WF_FRIENDLY_NAME,
					json_object_get(v, WF_FRIENDLY_NAME));
			wire_set_int(w, WF_STATE, VSS_WS_STABLE);
			if (i == 1) {
				wire_set_int(w, WF_STATE,
					     VSS_WS_FAILED_AT_PREPARE_BACKUP);
				wire_set_int(w, WF_FAILURE,
					     VSS_E_WRITERERROR_RETRYABLE);
				wire_set_int(w, WF_APP_FAILURE, -5);
				wire_set_str(w, WF_FAILURE_MESSAGE, "busy");
			}
			json_array_append_new(list, w);
		}
		json_object_set_new(reply, WF_WRITERS, list);
		break;
	case WIRE_START_SNAPSHOT_SET:
		vss_id_generate(&f->set_id);
		wire_set_id(reply, WF_SNAPSHOT_SET_ID, &f->set_id);
		break;
	case WIRE_IS_VOLUME_SUPPORTED:
		wire_get_str(req, WF_VOLUME, &volume);
		wire_set_bool(reply, WF_SUPPORTED, strcmp(volume, "/bad") != 0);
		break;
	case WIRE_ADD_TO_SNAPSHOT_SET:
		wire_get_str(req, WF_VOLUME, &volume);
		vss_id_generate(&id);
		w = json_object();
		wire_set_str(w, WF_VOLUME, volume);
		wire_set_id(w, WF_SNAPSHOT_ID, &id);
		json_array_append_new(f->volumes, w);
		wire_set_id(reply, WF_SNAPSHOT_ID, &id);
		wire_set_id(reply, WF_PROVIDER_ID, &provider_id);
		break;
	case WIRE_PREPARE_FOR_BACKUP:
		/* As if a writer had annotated its components. */
		xml = mark_bcd(req, VSS_TEXT_BACKUP_METADATA, "prepared");
		wire_set_str(reply, WF_BCD, xml);
		break;
	case WIRE_DO_SNAPSHOT_SET:
		xml = mark_bcd(req, VSS_TEXT_BACKUP_STAMP, "stamp-1");
		wire_set_str(reply, WF_BCD, xml);
		list = json_array();
		json_array_foreach(f->volumes, i, v) {
			wire_get_str(v, WF_VOLUME, &volume);
			wire_get_id(v, WF_SNAPSHOT_ID, &id);
			json_array_append_new(list,
					      snapshot_json(volume, &id,
							    &f->set_id));
		}
		json_object_set_new(reply, WF_SNAPSHOTS, list);
		wire_set_str(reply, WF_CONSISTENCY, "application");
		json_object_set_new(reply, WF_TIMINGS,
				    json_pack("{s:f, s:f, s:f, s:f, s:f, s:i}",
					      "prepare_snapshot", 1.5,
					      "freeze", 0.5, "commit", 2.0,
					      "thaw", 0.25, "post_snapshot",
					      1.0, "total", 10));
		json_object_set_new(reply, WF_FREEZE_WINDOW_MS,
				    json_real(3.25));
		break;
	case WIRE_GET_SNAPSHOT_PROPERTIES:
		wire_get_id(req, WF_SNAPSHOT_ID, &id);
		v = set_snapshot_json(f, &id);
		if (v != NULL) {
			json_object_update(reply, v);
			json_decref(v);
			break;
		}
		if (!vss_id_equal(&id, &f->extra_snapshot)) {
			json_decref(reply);
			return wire_reply_new((uint64_t)fake_vssd_msg_id(req),
					      VSS_E_OBJECT_NOT_FOUND, NULL);
		}
		v = snapshot_json("/other", &id, &f->set_id);
		json_object_update(reply, v);
		json_decref(v);
		wire_set_str(reply, WF_ORIGINATING_MACHINE, "host-o");
		wire_set_str(reply, WF_SERVICE_MACHINE, "host-s");
		wire_set_int(reply, WF_SNAPSHOT_COUNT, 3);
		wire_set_str(reply, WF_EXPOSED_NAME, "/mnt/exposed");
		wire_set_str(reply, WF_EXPOSED_PATH, "share");
		wire_set_int(reply, WF_SNAPSHOT_STATE, VSS_SS_CREATED);
		break;
	case WIRE_BACKUP_COMPLETE:
		json_object_set(reply, WF_BCD, json_object_get(req, WF_BCD));
		break;
	case WIRE_QUERY_SNAPSHOTS:
		json_object_set_new(reply, WF_SNAPSHOTS, inventory_json());
		break;
	case WIRE_DELETE_SNAPSHOTS:
		wire_set_int(reply, WF_DELETED, 2);
		break;
	case WIRE_EXPOSE_SNAPSHOT:
		if (wire_get_str(req, WF_PATH, &volume) < 0)
			volume = "/run/vss/exposed/default";
		wire_set_str(reply, WF_EXPOSED_NAME, volume);
		break;
	case WIRE_QUERY_PROVIDERS:
		json_object_set_new(reply, WF_PROVIDERS, providers_json());
		break;
	case WIRE_IS_VOLUME_SNAPSHOTTED:
		wire_get_str(req, WF_VOLUME, &volume);
		wire_set_bool(reply, WF_SNAPSHOTTED,
			      strcmp(volume, "/data") == 0);
		wire_set_int(reply, WF_COMPATIBILITY,
			     strcmp(volume, "/data") == 0 ? 2 : 0);
		break;
	default:
		break;
	}
	free(xml);
	return reply;
}

/* cancel: a held target ends cancelled; lock held. */
static void
handle_cancel(struct fake *f, json_t *req)
{
	int64_t target = 0;
	int status = VSS_E_OBJECT_NOT_FOUND;
	json_t *held;
	size_t i;

	wire_get_int(req, WF_TARGET_ID, &target);
	json_array_foreach(f->held, i, held) {
		if (fake_vssd_msg_id(held) == target) {
			fake_vssd_send_status(&f->vssd, target,
					      VSS_S_ASYNC_CANCELLED);
			json_array_remove(f->held, i);
			status = 0;
			break;
		}
	}
	fake_vssd_send_status(&f->vssd, fake_vssd_msg_id(req), status);
}

/* Answer the held requests; lock held. */
static void
release_held(struct fake *f)
{
	json_t *held;
	size_t i;

	json_array_foreach(f->held, i, held)
		fake_vssd_send(&f->vssd, success_reply(f, held));
	json_array_clear(f->held);
}

/* Answers req as the test told the fake to; vssd.lock held. */
static void
handle_request(struct fake_vssd *d, json_t *req, void *data)
{
	struct fake *f = data;
	enum wire_type type = fake_vssd_msg_type(req);
	json_t *reply;

	if (type == WIRE_CANCEL && !f->ignore_cancel) {
		handle_cancel(f, req);
		return;
	}
	if (type == WIRE_CANCEL) {
		fake_vssd_send_status(d, fake_vssd_msg_id(req),
				      VSS_E_OBJECT_NOT_FOUND);
		return;
	}
	switch (f->modes[type]) {
	case MODE_REPLY:
		fake_vssd_send(d, success_reply(f, req));
		break;
	case MODE_FAIL:
		fake_vssd_send_status(d, fake_vssd_msg_id(req),
				      f->fail_status[type]);
		break;
	case MODE_HOLD:
		json_array_append(f->held, req);
		break;
	case MODE_DISCONNECT:
		fake_vssd_hang_up(d);
		break;
	case MODE_CANNED:
		reply = wire_reply_new((uint64_t)fake_vssd_msg_id(req),
				       f->fail_status[type], NULL);
		json_object_update(reply, f->canned[type]);
		fake_vssd_send(d, reply);
		break;
	}
}

/* After fake_release(): answer the held requests; vssd.lock held. */
static void
release_if_asked(struct fake_vssd *d, void *data)
{
	struct fake *f = data;

	if (f->release)
		release_held(f);
	f->release = false;
}

/* A WMD as XML: writer name, its identity and components. */
struct comp {
	enum vss_component_type type;
	const char *logical_path;
	const char *name;
	bool selectable;
};

static char *
wmd_xml(const char *name, const vss_id *class_id, const vss_id *instance_id,
	const struct comp *comps, size_t n)
{
	struct vss_writer_identity ident = {
		.class_id = *class_id,
		.instance_id = *instance_id,
		.instance_name = "main",
		.friendly_name = name,
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
	};
	struct vss_restore_method_info rm = {
		.method = VSS_RME_RESTORE_IF_CAN_REPLACE,
		.writer_restore = VSS_WRE_NEVER,
	};
	vss_wmd *wmd = NULL;
	char *xml = NULL;
	size_t len;

	assert_int_equal(vss_wmd_new(&wmd, &ident), 0);
	assert_int_equal(vss_wmd_set_restore_method(wmd, &rm), 0);
	for (size_t i = 0; i < n; i++) {
		struct vss_component_def def = {
			.type = comps[i].type,
			.logical_path = comps[i].logical_path,
			.name = comps[i].name,
			.selectable = comps[i].selectable,
		};

		assert_int_equal(vss_wmd_add_component(wmd, &def), 0);
	}
	assert_int_equal(vss_wmd_save_xml(wmd, &xml, &len), 0);
	vss_wmd_free(wmd);
	return xml;
}

static json_t *
writer_json(const char *name, const vss_id *class_id,
	    const vss_id *instance_id, const char *xml)
{
	json_t *w = json_object();

	wire_set_id(w, WF_CLASS_ID, class_id);
	wire_set_id(w, WF_INSTANCE_ID, instance_id);
	wire_set_str(w, WF_FRIENDLY_NAME, name);
	wire_set_str(w, WF_INSTANCE_NAME, "main");
	wire_set_str(w, WF_WMD, xml);
	return w;
}

/*
 * Writer A: "db" (selectable), "logs" (not selectable: mandatory), "set"
 * (selectable) with "set\child" (not selectable: never explicit) and
 * "set\sub" (selectable).  Writer B: "data".  Writer C's document does not
 * parse; writer D sends A's document under its own ids.
 */
static const struct comp comps_a[] = {
	{ VSS_CT_DATABASE, NULL, "db", true },
	{ VSS_CT_FILEGROUP, NULL, "logs", false },
	{ VSS_CT_FILEGROUP, NULL, "set", true },
	{ VSS_CT_FILEGROUP, "set", "child", false },
	{ VSS_CT_FILEGROUP, "set", "sub", true },
};
static const struct comp comps_b[] = {
	{ VSS_CT_FILEGROUP, NULL, "data", true },
};

static json_t *
make_writers(void)
{
	json_t *list = json_array();
	char *a = wmd_xml("writer-a", &class_a, &instance_a, comps_a,
			  sizeof(comps_a) / sizeof(comps_a[0]));
	char *b = wmd_xml("writer-b", &class_b, &instance_b, comps_b, 1);

	json_array_append_new(list, writer_json("writer-a", &class_a,
						&instance_a, a));
	json_array_append_new(list, writer_json("writer-b", &class_b,
						&instance_b, b));
	json_array_append_new(list, writer_json("writer-c", &class_c,
						&instance_c,
						"<WRITER_METADATA"));
	json_array_append_new(list, writer_json("writer-d", &class_d,
						&instance_d, a));
	free(a);
	free(b);
	return list;
}

static void
fake_start(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->held = json_array();
	f->volumes = json_array();
	f->writers = make_writers();
	vss_id_generate(&f->extra_snapshot);
	fake_vssd_start(&f->vssd, "requester", handle_request,
			release_if_asked, f);
}

static void
fake_stop(struct fake *f)
{
	fake_vssd_stop(&f->vssd);
	json_decref(f->held);
	json_decref(f->volumes);
	json_decref(f->writers);
	for (int i = 0; i < WIRE_TYPE_COUNT; i++)
		json_decref(f->canned[i]);
}

static void
fake_mode(struct fake *f, enum wire_type type, enum mode mode, int status)
{
	pthread_mutex_lock(&f->vssd.lock);
	f->modes[type] = mode;
	f->fail_status[type] = status;
	pthread_mutex_unlock(&f->vssd.lock);
}

/*
 * Answer requests of type with status and the fields of json (the fake
 * does not check them: a reply may be malformed on purpose).
 */
static void
fake_canned(struct fake *f, enum wire_type type, int status, const char *json)
{
	json_t *fields = json_loads(json, 0, NULL);

	assert_non_null(fields);
	pthread_mutex_lock(&f->vssd.lock);
	json_decref(f->canned[type]);
	f->canned[type] = fields;
	f->modes[type] = MODE_CANNED;
	f->fail_status[type] = status;
	pthread_mutex_unlock(&f->vssd.lock);
}

/* Answer the held requests. */
static void
fake_release(struct fake *f)
{
	pthread_mutex_lock(&f->vssd.lock);
	f->release = true;
	pthread_mutex_unlock(&f->vssd.lock);
	fake_vssd_poke(&f->vssd);
}

/* Wait up to WAIT_MS for the first request of type, which must come. */
static void
wait_request(struct fake *f, enum wire_type type)
{
	json_t *req = fake_vssd_wait_request(&f->vssd, type, 0);

	assert_non_null(req);
	json_decref(req);
}

/* ---- fixtures ----------------------------------------------------------- */

struct ctx {
	struct fake f;
	vss_requester *r;
};

static int
setup(void **state)
{
	struct ctx *t = calloc(1, sizeof(*t));

	vss_id_generate(&class_a);
	vss_id_generate(&instance_a);
	vss_id_generate(&class_b);
	vss_id_generate(&instance_b);
	vss_id_generate(&class_c);
	vss_id_generate(&instance_c);
	vss_id_generate(&class_d);
	vss_id_generate(&instance_d);
	vss_id_generate(&provider_id);
	vss_id_generate(&provider2_id);
	vss_id_generate(&version_id);
	vss_id_generate(&inv_set);
	vss_id_generate(&inv_snap[0]);
	vss_id_generate(&inv_snap[1]);
	fake_start(&t->f);
	assert_int_equal(vss_requester_new(&t->r, t->f.vssd.path), 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *t = *state;

	vss_requester_free(t->r);
	fake_stop(&t->f);
	free(t);
	return 0;
}

static bool
fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static const struct vss_backup_state full_components = {
	.select_components = true,
	.backup_type = VSS_BT_FULL,
};

static void
do_gather(struct ctx *t)
{
	vss_async *a = NULL;

	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
}

/* initialize, backup state, gather, A's db and logs, start, one volume. */
static vss_id
run_to_set_started(struct ctx *t)
{
	vss_id set_id, snap;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_set_backup_state(t->r,
							&full_components),
			 0);
	do_gather(t);
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a, VSS_CT_DATABASE,
						     NULL, "db"),
			 0);
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a,
						     VSS_CT_FILEGROUP, "",
						     "logs"),
			 0);
	assert_int_equal(vss_requester_start_snapshot_set(t->r, &set_id), 0);
	assert_int_equal(vss_requester_add_to_snapshot_set(t->r, "/data",
							   NULL, &snap),
			 0);
	return snap;
}

static vss_id
run_to_snapshot_done(struct ctx *t)
{
	vss_id snap = run_to_set_started(t);
	vss_async *a = NULL;

	assert_int_equal(vss_requester_prepare_for_backup(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	assert_int_equal(vss_requester_do_snapshot_set(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	return snap;
}

/* The text of a component of the requester's document, or NULL. */
static const char *
bcd_text(vss_requester *r, const vss_id *class_id, const char *name,
	 enum vss_component_text field)
{
	vss_bcd_writer *w = vss_bcd_find_writer(vss_requester_bcd(r),
						class_id, NULL);
	vss_bcd_component *c;

	assert_non_null(w);
	c = vss_bcd_writer_find_component(w, VSS_CT_DATABASE, NULL, name);
	assert_non_null(c);
	return vss_bcd_component_text(c, field);
}

/* ---- every call, for the order tests ------------------------------------ */

enum call {
	C_INITIALIZE,
	C_SET_CONTEXT,
	C_SET_BACKUP_STATE,
	C_GATHER_METADATA,
	C_GATHER_STATUS,
	C_ADD_COMPONENT,
	C_SET_BACKUP_OPTIONS,
	C_SET_PREVIOUS_STAMP,
	C_START_SET,
	C_IS_VOLUME_SUPPORTED,
	C_ADD_TO_SET,
	C_PREPARE,
	C_DO_SNAPSHOT_SET,
	C_SNAPSHOT_PROPERTIES,
	C_SET_TIMINGS,
	C_BACKUP_SUCCEEDED,
	C_BACKUP_COMPLETE,
	C_SAVE_BCD,
	C_ABORT,
	C_QUERY_SNAPSHOTS, /* the management calls, which have no phase */
	C_DELETE_SNAPSHOTS,
	C_DELETE_VOLUME_SNAPSHOTS,
	C_EXPOSE,
	C_UNEXPOSE,
	C_QUERY_PROVIDERS,
	C_IS_VOLUME_SNAPSHOTTED,
	C_COUNT
};

static const char *const call_names[C_COUNT] = {
	"initialize_for_backup", "set_context", "set_backup_state",
	"gather_writer_metadata", "gather_writer_status", "add_component",
	"set_backup_options", "set_previous_backup_stamp",
	"start_snapshot_set", "is_volume_supported", "add_to_snapshot_set",
	"prepare_for_backup", "do_snapshot_set", "get_snapshot_properties",
	"set_timings", "set_backup_succeeded", "backup_complete", "save_bcd",
	"abort_backup", "query_snapshots", "delete_snapshots",
	"delete_volume_snapshots", "expose_snapshot", "unexpose_snapshot",
	"query_providers", "is_volume_snapshotted",
};

/* Make call c with valid arguments; returns its status. */
static int
call(vss_requester *r, enum call c)
{
	struct vss_snapshot_prop prop, *props = NULL;
	struct vss_provider_prop *providers = NULL;
	struct vss_set_timings timings;
	vss_async *a = NULL;
	vss_id id;
	char *xml = NULL;
	size_t len;
	uint32_t compat;
	long deleted;
	bool ok;
	int rc = -ENOSYS;

	switch (c) {
	case C_INITIALIZE:
		rc = vss_requester_initialize_for_backup(r, NULL);
		break;
	case C_SET_CONTEXT:
		rc = vss_requester_set_context(r, VSS_CTX_BACKUP);
		break;
	case C_SET_BACKUP_STATE:
		rc = vss_requester_set_backup_state(r, &full_components);
		break;
	case C_GATHER_METADATA:
		rc = vss_requester_gather_writer_metadata(r, &a);
		break;
	case C_GATHER_STATUS:
		rc = vss_requester_gather_writer_status(r, &a);
		break;
	case C_ADD_COMPONENT:
		rc = vss_requester_add_component(r, &instance_a, &class_a,
						 VSS_CT_FILEGROUP, NULL,
						 "set");
		break;
	case C_SET_BACKUP_OPTIONS:
		rc = vss_requester_set_backup_options(r, &class_a,
						      VSS_CT_DATABASE, NULL,
						      "db", "o");
		break;
	case C_SET_PREVIOUS_STAMP:
		rc = vss_requester_set_previous_backup_stamp(
			r, &class_a, VSS_CT_DATABASE, NULL, "db", "s");
		break;
	case C_START_SET:
		rc = vss_requester_start_snapshot_set(r, &id);
		break;
	case C_IS_VOLUME_SUPPORTED:
		rc = vss_requester_is_volume_supported(r, "/data", NULL, &ok);
		break;
	case C_ADD_TO_SET:
		rc = vss_requester_add_to_snapshot_set(r, "/more", NULL, &id);
		break;
	case C_PREPARE:
		rc = vss_requester_prepare_for_backup(r, &a);
		break;
	case C_DO_SNAPSHOT_SET:
		rc = vss_requester_do_snapshot_set(r, &a);
		break;
	case C_SNAPSHOT_PROPERTIES:
		vss_id_generate(&id);
		rc = vss_requester_get_snapshot_properties(r, &id, &prop);
		break;
	case C_SET_TIMINGS:
		rc = vss_requester_set_timings(r, &timings);
		break;
	case C_BACKUP_SUCCEEDED:
		rc = vss_requester_set_backup_succeeded(r, &instance_a,
							&class_a,
							VSS_CT_DATABASE, NULL,
							"db", true);
		break;
	case C_BACKUP_COMPLETE:
		rc = vss_requester_backup_complete(r, &a);
		break;
	case C_SAVE_BCD:
		rc = vss_requester_save_bcd(r, &xml, &len);
		free(xml);
		break;
	case C_ABORT:
		rc = vss_requester_abort_backup(r);
		break;
	case C_QUERY_SNAPSHOTS:
		rc = vss_requester_query_snapshots(r, NULL, NULL, NULL, &props,
						   &len);
		if (rc == 0)
			vss_snapshot_props_free(props, len);
		break;
	case C_DELETE_SNAPSHOTS:
		rc = vss_requester_delete_snapshots(r, &inv_snap[1],
						    VSS_OBJECT_SNAPSHOT, false,
						    &deleted, &id);
		break;
	case C_DELETE_VOLUME_SNAPSHOTS:
		rc = vss_requester_delete_volume_snapshots(r, "/home", true,
							   &deleted, &id);
		break;
	case C_EXPOSE:
		rc = vss_requester_expose_snapshot(r, &inv_snap[0], NULL, &xml);
		free(xml);
		break;
	case C_UNEXPOSE:
		rc = vss_requester_unexpose_snapshot(r, &inv_snap[0]);
		break;
	case C_QUERY_PROVIDERS:
		rc = vss_requester_query_providers(r, &providers, &len);
		if (rc == 0)
			vss_provider_props_free(providers, len);
		break;
	case C_IS_VOLUME_SNAPSHOTTED:
		rc = vss_requester_is_volume_snapshotted(r, "/data", &ok,
							 &compat);
		break;
	case C_COUNT:
		break;
	}
	vss_async_free(a);
	return rc;
}

/* The management calls: allowed now, and each does what it says. */
static void
expect_manage_ok(vss_requester *r)
{
	for (int c = C_QUERY_SNAPSHOTS; c < C_COUNT; c++) {
		int rc = call(r, c);

		if (rc != 0)
			fail_msg("%s: %s (%d), expected success",
				 call_names[c], vss_strerror(rc), rc);
	}
}

/* Each call in the list (ended by C_COUNT) must be refused. */
static void
expect_bad_state(vss_requester *r, const enum call *calls)
{
	for (; *calls != C_COUNT; calls++) {
		int rc = call(r, *calls);

		if (rc != VSS_E_BAD_STATE)
			fail_msg("%s: %s (%d), expected VSS_E_BAD_STATE",
				 call_names[*calls], vss_strerror(rc), rc);
	}
}

/* ---- the backup sequence ------------------------------------------------ */

/* backup.md §2 in order, and what each step sends and brings back. */
static void
test_happy_path(void **state)
{
	struct ctx *t = *state;
	struct vss_snapshot_prop prop;
	struct vss_set_timings tm;
	const struct vss_writer_status *ws;
	vss_id set_id, snap, unknown;
	vss_async *a = NULL;
	json_t *req;
	char *xml, *types;
	const char *s;
	size_t len;
	bool ok;
	vss_bcd *saved = NULL;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_set_context(t->r, VSS_CTX_BACKUP), 0);
	assert_int_equal(vss_requester_set_backup_state(t->r,
							&full_components),
			 0);
	assert_int_equal(vss_requester_disable_writer_instances(t->r,
								&instance_d,
								1),
			 0);
	do_gather(t);

	/* BK-013: C's document does not load, D's names another writer. */
	assert_int_equal(vss_requester_writer_metadata_count(t->r), 2);
	assert_true(vss_id_equal(
		&vss_wmd_identity(vss_requester_writer_metadata(t->r, 0))
			 ->class_id,
		&class_a));
	assert_true(vss_id_equal(
		&vss_wmd_identity(vss_requester_writer_metadata(t->r, 1))
			 ->instance_id,
		&instance_b));
	assert_null(vss_requester_writer_metadata(t->r, 2));

	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a, VSS_CT_DATABASE,
						     NULL, "db"),
			 0);
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a,
						     VSS_CT_FILEGROUP, NULL,
						     "logs"),
			 0);
	assert_int_equal(vss_requester_start_snapshot_set(t->r, &set_id), 0);
	assert_true(vss_id_equal(&set_id, &t->f.set_id));
	assert_true(vss_id_equal(vss_bcd_snapshot_set_id(
					 vss_requester_bcd(t->r)),
				 &set_id));
	assert_int_equal(vss_requester_is_volume_supported(t->r, "/data",
							   NULL, &ok),
			 0);
	assert_true(ok);
	assert_int_equal(vss_requester_is_volume_supported(t->r, "/bad",
							   &provider_id, &ok),
			 0);
	assert_false(ok);
	assert_int_equal(vss_requester_add_to_snapshot_set(t->r, "/data",
							   NULL, &snap),
			 0);
	assert_int_equal(vss_requester_set_backup_options(t->r, &class_a,
							  VSS_CT_DATABASE,
							  NULL, "db", "opts"),
			 0);
	assert_int_equal(vss_requester_set_previous_backup_stamp(
				 t->r, &class_a, VSS_CT_DATABASE, NULL, "db",
				 "prev"),
			 0);
	assert_int_equal(vss_requester_set_backup_options(t->r, &class_b,
							  VSS_CT_FILEGROUP,
							  NULL, "data", "o"),
			 VSS_E_OBJECT_NOT_FOUND);

	assert_int_equal(vss_requester_prepare_for_backup(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	/* BK-020: the document is vssd's, with the writers' changes. */
	assert_string_equal(bcd_text(t->r, &class_a, "db",
				     VSS_TEXT_BACKUP_METADATA),
			    "prepared");
	assert_string_equal(bcd_text(t->r, &class_a, "db",
				     VSS_TEXT_BACKUP_OPTIONS),
			    "opts");
	assert_string_equal(bcd_text(t->r, &class_a, "db",
				     VSS_TEXT_PREVIOUS_BACKUP_STAMP),
			    "prev");

	assert_int_equal(vss_requester_gather_writer_status(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	assert_int_equal(vss_requester_writer_status_count(t->r), 2);
	ws = vss_requester_writer_status(t->r, 1);
	assert_true(vss_id_equal(&ws->class_id, &class_b));
	assert_true(vss_id_equal(&ws->instance_id, &instance_b));
	assert_string_equal(ws->name, "writer-b");
	assert_int_equal(ws->state, VSS_WS_FAILED_AT_PREPARE_BACKUP);
	assert_int_equal(ws->failure, VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(ws->application_failure, -5);
	assert_string_equal(ws->message, "busy");
	assert_null(ws->instance_name);
	ws = vss_requester_writer_status(t->r, 0);
	assert_int_equal(ws->state, VSS_WS_STABLE);
	assert_int_equal(ws->failure, 0);
	assert_null(ws->message);
	assert_null(vss_requester_writer_status(t->r, 2));

	/* BK-017: saving is allowed from PrepareForBackup on. */
	assert_int_equal(vss_requester_save_bcd(t->r, &xml, &len), 0);
	free(xml);

	assert_int_equal(vss_requester_do_snapshot_set(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	assert_true(vss_requester_application_consistent(t->r));
	assert_int_equal(vss_requester_set_timings(t->r, &tm), 0);
	assert_true(tm.prepare_snapshot_ms == 1.5);
	assert_true(tm.freeze_ms == 0.5);
	assert_true(tm.commit_ms == 2.0);
	assert_true(tm.thaw_ms == 0.25);
	assert_true(tm.post_snapshot_ms == 1.0);
	assert_true(tm.freeze_window_ms == 3.25);
	assert_true(tm.total_ms == 10.0);
	assert_string_equal(bcd_text(t->r, &class_a, "db",
				     VSS_TEXT_BACKUP_STAMP),
			    "stamp-1");

	/* SN-011: from the set's reply, then from vssd, then unknown. */
	assert_int_equal(vss_requester_get_snapshot_properties(t->r, &snap,
							       &prop),
			 0);
	assert_true(vss_id_equal(&prop.snapshot_id, &snap));
	assert_true(vss_id_equal(&prop.snapshot_set_id, &set_id));
	assert_true(vss_id_equal(&prop.provider_id, &provider_id));
	assert_int_equal(prop.snapshot_count, 1);
	assert_string_equal(prop.device, "/snap/data");
	assert_string_equal(prop.original_volume, "/data");
	assert_non_null(prop.originating_machine);
	assert_non_null(prop.service_machine);
	assert_null(prop.exposed_name);
	assert_int_equal(prop.attributes, VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE);
	assert_true(prop.created == 133000000000000000LL);
	assert_int_equal(prop.state, 12);
	assert_int_equal(vss_requester_get_snapshot_properties(
				 t->r, &t->f.extra_snapshot, &prop),
			 0);
	assert_string_equal(prop.device, "/snap/other");
	assert_string_equal(prop.originating_machine, "host-o");
	assert_string_equal(prop.service_machine, "host-s");
	assert_int_equal(prop.snapshot_count, 3);
	assert_string_equal(prop.exposed_name, "/mnt/exposed");
	assert_string_equal(prop.exposed_path, "share");
	assert_int_equal(prop.state, VSS_SS_CREATED);
	vss_id_generate(&unknown);
	assert_int_equal(vss_requester_get_snapshot_properties(t->r, &unknown,
							       &prop),
			 VSS_E_OBJECT_NOT_FOUND);

	assert_int_equal(vss_requester_set_backup_succeeded(
				 t->r, &instance_a, &class_a, VSS_CT_DATABASE,
				 NULL, "db", true),
			 0);
	assert_int_equal(vss_requester_set_backup_succeeded(
				 t->r, &instance_b, &class_a, VSS_CT_DATABASE,
				 NULL, "db", true),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_backup_complete(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);

	assert_int_equal(vss_requester_save_bcd(t->r, &xml, &len), 0);
	assert_int_equal(vss_bcd_load_xml(&saved, xml, len, NULL), 0);
	assert_true(vss_bcd_component_backup_succeeded(
		vss_bcd_writer_find_component(
			vss_bcd_find_writer(saved, &class_a, &instance_a),
			VSS_CT_DATABASE, NULL, "db")));
	vss_bcd_free(saved);
	free(xml);

	/* Nothing under way any more: a no-op that sends nothing. */
	assert_int_equal(vss_requester_abort_backup(t->r), 0);

	types = fake_vssd_received_types(&t->f.vssd);
	assert_string_equal(types,
			    "hello,gather_writer_metadata,start_snapshot_set,"
			    "is_volume_supported,is_volume_supported,"
			    "add_to_snapshot_set,prepare_for_backup,"
			    "gather_writer_status,do_snapshot_set,"
			    "get_snapshot_properties,get_snapshot_properties,"
			    "get_snapshot_properties,backup_complete");
	free(types);

	req = fake_vssd_find_request(&t->f.vssd, WIRE_GATHER_WRITER_METADATA, 0);
	assert_non_null(req);
	assert_int_equal(json_integer_value(json_object_get(req, WF_CONTEXT)),
			 VSS_CTX_BACKUP);
	assert_null(json_object_get(req, WF_ENABLED_CLASSES));
	assert_null(json_object_get(req, WF_DISABLED_CLASSES));
	assert_int_equal(json_array_size(json_object_get(
				 req, WF_DISABLED_INSTANCES)),
			 1);
	json_decref(req);
	req = fake_vssd_find_request(&t->f.vssd, WIRE_PREPARE_FOR_BACKUP, 0);
	assert_int_equal(wire_get_str(req, WF_BACKUP_TYPE, &s), 0);
	assert_string_equal(s, "full");
	assert_int_equal(wire_get_bool(req, WF_SELECT_COMPONENTS, &ok), 0);
	assert_true(ok);
	assert_int_equal(wire_get_str(req, WF_BCD, &s), 0);
	assert_non_null(strstr(s, "opts"));
	json_decref(req);
}

/* BK-020: the document is replaced, not merged, when prepare completes. */
static void
test_bcd_replaced_after_prepare(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;
	vss_bcd *before;

	run_to_set_started(t);
	before = vss_requester_bcd(t->r);
	assert_null(bcd_text(t->r, &class_a, "db", VSS_TEXT_BACKUP_METADATA));
	assert_int_equal(vss_requester_prepare_for_backup(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	assert_ptr_not_equal(vss_requester_bcd(t->r), before);
	assert_string_equal(bcd_text(t->r, &class_a, "db",
				     VSS_TEXT_BACKUP_METADATA),
			    "prepared");
}

/* BK-014, SEL-002 c, SEL-004, BK-013. */
static void
test_add_component_checks(void **state)
{
	struct ctx *t = *state;
	vss_bcd_writer *w;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	do_gather(t);
	/* Not a gathered writer instance, or left out of the gathering. */
	assert_int_equal(vss_requester_add_component(t->r, &instance_b,
						     &class_a, VSS_CT_DATABASE,
						     NULL, "db"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_add_component(t->r, &instance_c,
						     &class_c, VSS_CT_DATABASE,
						     NULL, "db"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_add_component(t->r, &instance_d,
						     &class_d, VSS_CT_DATABASE,
						     NULL, "db"),
			 VSS_E_OBJECT_NOT_FOUND);
	/* Not declared, or declared with another type. */
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a, VSS_CT_DATABASE,
						     NULL, "nope"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a,
						     VSS_CT_FILEGROUP, NULL,
						     "db"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a,
						     VSS_CT_FILEGROUP, "set",
						     "nope"),
			 VSS_E_OBJECT_NOT_FOUND);
	/* Not selectable under a selectable ancestor: never explicit. */
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a,
						     VSS_CT_FILEGROUP, "set",
						     "child"),
			 -EINVAL);
	/* Refused calls leave no writer entry behind. */
	assert_int_equal(vss_bcd_writer_count(vss_requester_bcd(t->r)), 0);

	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a,
						     VSS_CT_FILEGROUP, NULL,
						     "set"),
			 0);
	/* Already included through its selectable ancestor. */
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a,
						     VSS_CT_FILEGROUP, "set",
						     "sub"),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a, VSS_CT_DATABASE,
						     "", "db"),
			 0);
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a, VSS_CT_DATABASE,
						     NULL, "db"),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_int_equal(vss_requester_add_component(t->r, &instance_b,
						     &class_b,
						     VSS_CT_FILEGROUP, NULL,
						     "data"),
			 0);

	assert_int_equal(vss_bcd_writer_count(vss_requester_bcd(t->r)), 2);
	w = vss_bcd_find_writer(vss_requester_bcd(t->r), &class_a,
				&instance_a);
	assert_non_null(w);
	assert_string_equal(vss_bcd_writer_instance_name(w), "main");
	assert_int_equal(vss_bcd_writer_component_count(w), 2);
	assert_non_null(vss_bcd_writer_find_component(w, VSS_CT_FILEGROUP,
						      NULL, "set"));
	assert_int_equal(vss_requester_add_component(NULL, &instance_a,
						     &class_a, VSS_CT_DATABASE,
						     NULL, "db"),
			 -EINVAL);
}

/* BK-005: what the gathering sends. */
static void
test_writer_lists(void **state)
{
	struct ctx *t = *state;
	vss_id ab[2] = { class_a, class_b };
	vss_requester *r2 = NULL;
	json_t *req, *list;
	const char *s;
	vss_id id;

	assert_int_equal(vss_requester_enable_writer_classes(t->r, ab, 2),
			 VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_enable_writer_classes(t->r, NULL, 1),
			 -EINVAL);
	assert_int_equal(vss_requester_enable_writer_classes(t->r, ab, 0),
			 -EINVAL);
	/* Enable A and B, then disable A: only B stays enabled. */
	assert_int_equal(vss_requester_enable_writer_classes(t->r, ab, 2), 0);
	assert_int_equal(vss_requester_enable_writer_classes(t->r, ab, 1), 0);
	assert_int_equal(vss_requester_disable_writer_classes(t->r, ab, 1),
			 0);
	do_gather(t);
	/* Silently ineffective once gathered. */
	assert_int_equal(vss_requester_disable_writer_classes(t->r, &ab[1],
							      1),
			 0);

	req = fake_vssd_find_request(&t->f.vssd, WIRE_GATHER_WRITER_METADATA, 0);
	list = json_object_get(req, WF_ENABLED_CLASSES);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(vss_id_parse(&id, json_string_value(
						   json_array_get(list, 0))),
			 0);
	assert_true(vss_id_equal(&id, &class_b));
	list = json_object_get(req, WF_DISABLED_CLASSES);
	assert_int_equal(json_array_size(list), 1);
	s = json_string_value(json_array_get(list, 0));
	assert_int_equal(vss_id_parse(&id, s), 0);
	assert_true(vss_id_equal(&id, &class_a));
	assert_null(json_object_get(req, WF_DISABLED_INSTANCES));
	json_decref(req);

	/* Disable only: no enabled list, every other class takes part. */
	vss_requester_free(t->r);
	t->r = NULL;
	assert_int_equal(vss_requester_new(&r2, t->f.vssd.path), 0);
	t->r = r2;
	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_disable_writer_classes(t->r, ab, 1),
			 0);
	assert_int_equal(vss_requester_disable_writer_classes(t->r, ab, 2),
			 0);
	do_gather(t);
	req = fake_vssd_wait_request(&t->f.vssd, WIRE_GATHER_WRITER_METADATA, 1);
	assert_non_null(req);
	assert_null(json_object_get(req, WF_ENABLED_CLASSES));
	assert_int_equal(json_array_size(json_object_get(
				 req, WF_DISABLED_CLASSES)),
			 2);
	json_decref(req);

	/* Enable A, disable A: an empty enabled list, no writer at all. */
	vss_requester_free(t->r);
	t->r = NULL;
	assert_int_equal(vss_requester_new(&r2, t->f.vssd.path), 0);
	t->r = r2;
	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_enable_writer_classes(t->r, ab, 1), 0);
	assert_int_equal(vss_requester_disable_writer_classes(t->r, ab, 1),
			 0);
	do_gather(t);
	req = fake_vssd_wait_request(&t->f.vssd, WIRE_GATHER_WRITER_METADATA, 2);
	assert_non_null(req);
	list = json_object_get(req, WF_ENABLED_CLASSES);
	assert_true(json_is_array(list));
	assert_int_equal(json_array_size(list), 0);
	json_decref(req);
}

/* BK-078: a context without writers. */
static void
test_no_writers_context(void **state)
{
	struct ctx *t = *state;
	static const enum call refused[] = {
		C_ADD_COMPONENT, C_PREPARE, C_BACKUP_COMPLETE, C_COUNT,
	};
	vss_async *a = NULL;
	vss_id set_id, snap;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_set_context(t->r,
						   VSS_CTX_FILE_SHARE_BACKUP),
			 0);
	assert_int_equal(vss_requester_start_snapshot_set(t->r, &set_id), 0);
	assert_int_equal(vss_requester_add_to_snapshot_set(t->r, "/data",
							   NULL, &snap),
			 0);
	expect_bad_state(t->r, refused);
	assert_int_equal(vss_requester_do_snapshot_set(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	expect_bad_state(t->r, refused);
	assert_true(vss_requester_application_consistent(t->r));
}

/* ---- calls out of order ------------------------------------------------- */

/* BK-002, BK-009: everything needs InitializeForBackup first. */
static void
test_bad_state_before_initialize(void **state)
{
	struct ctx *t = *state;
	enum call all[C_COUNT];
	size_t n = 0;

	for (int c = 0; c < C_COUNT; c++)
		if (c != C_INITIALIZE)
			all[n++] = c;
	all[n] = C_COUNT;
	expect_bad_state(t->r, all);
	assert_int_equal(vss_requester_disable_writer_classes(t->r, &class_a,
							      1),
			 VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL),
			 VSS_E_BAD_STATE);
}

/* BK-003, BK-006, BK-007, BK-014, BK-017, BK-018, SN-011. */
static void
test_bad_state_initialized(void **state)
{
	struct ctx *t = *state;
	static const enum call before_gather[] = {
		C_ADD_COMPONENT, C_SET_BACKUP_OPTIONS, C_SET_PREVIOUS_STAMP,
		C_START_SET, C_ADD_TO_SET, C_PREPARE, C_DO_SNAPSHOT_SET,
		C_SNAPSHOT_PROPERTIES, C_SET_TIMINGS, C_BACKUP_SUCCEEDED,
		C_BACKUP_COMPLETE, C_SAVE_BCD, C_COUNT,
	};
	static const enum call after_gather[] = {
		C_SET_CONTEXT, C_GATHER_METADATA, C_ADD_TO_SET, C_PREPARE,
		C_DO_SNAPSHOT_SET, C_SNAPSHOT_PROPERTIES, C_BACKUP_SUCCEEDED,
		C_BACKUP_COMPLETE, C_SAVE_BCD, C_COUNT,
	};

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	expect_bad_state(t->r, before_gather);
	/* Nothing is under way yet: abort is a no-op. */
	assert_int_equal(vss_requester_abort_backup(t->r), 0);
	assert_int_equal(vss_requester_set_context(t->r, VSS_CTX_BACKUP), 0);
	assert_int_equal(vss_requester_set_context(t->r, VSS_CTX_BACKUP),
			 VSS_E_BAD_STATE);
	do_gather(t);
	expect_bad_state(t->r, after_gather);
}

/* BK-004, BK-007, BK-017, BK-018 once the set is started. */
static void
test_bad_state_set_started(void **state)
{
	struct ctx *t = *state;
	static const enum call refused[] = {
		C_GATHER_METADATA, C_START_SET, C_PREPARE, C_DO_SNAPSHOT_SET,
		C_SNAPSHOT_PROPERTIES, C_SET_TIMINGS, C_BACKUP_SUCCEEDED,
		C_BACKUP_COMPLETE, C_SAVE_BCD, C_COUNT,
	};
	vss_id set_id, snap;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	do_gather(t);
	assert_int_equal(vss_requester_start_snapshot_set(t->r, &set_id), 0);
	assert_int_equal(vss_requester_add_to_snapshot_set(t->r, "/data",
							   NULL, &snap),
			 0);
	/* No SetBackupState yet: PrepareForBackup is refused (BK-004). */
	expect_bad_state(t->r, refused);
}

/* One long operation at a time; and what PrepareForBackup closes. */
static void
test_bad_state_while_pending(void **state)
{
	struct ctx *t = *state;
	static const enum call pending[] = {
		C_SET_BACKUP_STATE, C_GATHER_STATUS, C_ADD_COMPONENT,
		C_SET_BACKUP_OPTIONS, C_ADD_TO_SET, C_PREPARE,
		C_DO_SNAPSHOT_SET, C_IS_VOLUME_SUPPORTED, C_SAVE_BCD,
		C_QUERY_SNAPSHOTS, C_DELETE_SNAPSHOTS,
		C_DELETE_VOLUME_SNAPSHOTS, C_EXPOSE, C_UNEXPOSE,
		C_QUERY_PROVIDERS, C_IS_VOLUME_SNAPSHOTTED, C_COUNT,
	};
	static const enum call prepared[] = {
		C_SET_BACKUP_STATE, C_SET_BACKUP_OPTIONS,
		C_SET_PREVIOUS_STAMP, C_PREPARE, C_START_SET,
		C_BACKUP_SUCCEEDED, C_BACKUP_COMPLETE, C_SNAPSHOT_PROPERTIES,
		C_COUNT,
	};
	vss_async *a = NULL;
	char *xml = NULL;
	size_t len;

	run_to_set_started(t);
	fake_mode(&t->f, WIRE_PREPARE_FOR_BACKUP, MODE_HOLD, 0);
	assert_int_equal(vss_requester_prepare_for_backup(t->r, &a), 0);
	expect_bad_state(t->r, pending);
	wait_request(&t->f, WIRE_PREPARE_FOR_BACKUP);
	fake_release(&t->f);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	expect_bad_state(t->r, prepared);
	assert_int_equal(vss_requester_save_bcd(t->r, &xml, &len), 0);
	free(xml);
	/* A volume may still join until DoSnapshotSet. */
	assert_int_equal(call(t->r, C_ADD_TO_SET), 0);
}

/* BK-018: no SetBackupSucceeded or BackupComplete after a failed set. */
static void
test_bad_state_after_failed_snapshot(void **state)
{
	struct ctx *t = *state;
	static const enum call failed[] = {
		C_BACKUP_SUCCEEDED, C_BACKUP_COMPLETE, C_SNAPSHOT_PROPERTIES,
		C_SET_TIMINGS, C_DO_SNAPSHOT_SET, C_ADD_TO_SET, C_SAVE_BCD,
		C_COUNT,
	};
	static const enum call aborted[] = {
		C_ADD_COMPONENT, C_START_SET, C_ADD_TO_SET, C_PREPARE,
		C_DO_SNAPSHOT_SET, C_BACKUP_SUCCEEDED, C_BACKUP_COMPLETE,
		C_SAVE_BCD, C_COUNT,
	};
	vss_async *a = NULL;

	run_to_set_started(t);
	assert_int_equal(vss_requester_prepare_for_backup(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	fake_mode(&t->f, WIRE_DO_SNAPSHOT_SET, MODE_FAIL,
		  VSS_E_PROVIDER_VETO);
	assert_int_equal(vss_requester_do_snapshot_set(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_E_PROVIDER_VETO);
	assert_false(vss_requester_application_consistent(t->r));
	expect_bad_state(t->r, failed);
	/* BK-082: abort anyway; then only release is left (BK-001). */
	assert_int_equal(vss_requester_abort_backup(t->r), 0);
	wait_request(&t->f, WIRE_ABORT_BACKUP);
	expect_bad_state(t->r, aborted);
	assert_int_equal(vss_requester_abort_backup(t->r), 0);
	assert_null(fake_vssd_find_request(&t->f.vssd, WIRE_ABORT_BACKUP, 1));
}

/*
 * BK-051, BK-081: AbortBackup overtakes a pending PrepareForBackup; what
 * that operation brings afterwards changes nothing (BK-001).
 */
static void
test_abort_while_pending(void **state)
{
	struct ctx *t = *state;
	static const enum call aborted[] = {
		C_SAVE_BCD, C_DO_SNAPSHOT_SET, C_PREPARE, C_ADD_TO_SET,
		C_COUNT,
	};
	vss_async *a = NULL;

	run_to_set_started(t);
	fake_mode(&t->f, WIRE_PREPARE_FOR_BACKUP, MODE_HOLD, 0);
	assert_int_equal(vss_requester_prepare_for_backup(t->r, &a), 0);
	wait_request(&t->f, WIRE_PREPARE_FOR_BACKUP);
	assert_int_equal(vss_requester_abort_backup(t->r), 0);
	fake_release(&t->f);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	expect_bad_state(t->r, aborted);
	assert_null(bcd_text(t->r, &class_a, "db", VSS_TEXT_BACKUP_METADATA));
}

/* BK-014, BK-018, BK-072 once the set is made and completed. */
static void
test_bad_state_after_snapshot(void **state)
{
	struct ctx *t = *state;
	static const enum call done[] = {
		C_ADD_COMPONENT, C_ADD_TO_SET, C_PREPARE, C_DO_SNAPSHOT_SET,
		C_START_SET, C_COUNT,
	};
	static const enum call completed[] = {
		C_BACKUP_SUCCEEDED, C_BACKUP_COMPLETE, C_ADD_COMPONENT,
		C_DO_SNAPSHOT_SET, C_COUNT,
	};
	vss_async *a = NULL;

	run_to_snapshot_done(t);
	expect_bad_state(t->r, done);
	assert_int_equal(vss_requester_backup_complete(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	expect_bad_state(t->r, completed);
	assert_int_equal(call(t->r, C_SAVE_BCD), 0);
	assert_int_equal(call(t->r, C_SET_TIMINGS), 0);
}

/* ---- vss_async ---------------------------------------------------------- */

/* AS-001, AS-002: wait with a timeout; the fd polls once it ended. */
static void
test_async_wait_timeout_and_fd(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;
	int status = 0, fd;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	fake_mode(&t->f, WIRE_GATHER_WRITER_METADATA, MODE_HOLD, 0);
	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a), 0);
	fd = vss_async_get_fd(a);
	assert_true(fd >= 0);
	assert_int_equal(vss_async_wait(a, 50), -ETIMEDOUT);
	assert_int_equal(vss_async_wait(a, 0), -ETIMEDOUT);
	assert_int_equal(vss_async_query_status(a, &status), 0);
	assert_int_equal(status, VSS_S_ASYNC_PENDING);
	assert_false(fd_readable(fd));
	assert_int_equal(vss_requester_writer_metadata_count(t->r), 0);

	wait_request(&t->f, WIRE_GATHER_WRITER_METADATA);
	fake_release(&t->f);
	assert_int_equal(vss_async_wait(a, -1), 0);
	assert_true(fd_readable(fd));
	assert_int_equal(vss_async_wait(a, 0), 0);
	assert_int_equal(vss_async_query_status(a, &status), 0);
	assert_int_equal(status, VSS_S_ASYNC_FINISHED);
	/* The results are in place when the fd says so. */
	assert_int_equal(vss_requester_writer_metadata_count(t->r), 2);
	vss_async_free(a);

	assert_int_equal(vss_async_wait(NULL, 0), -EINVAL);
	assert_int_equal(vss_async_query_status(NULL, &status), -EINVAL);
	assert_int_equal(vss_async_cancel(NULL), -EINVAL);
	assert_int_equal(vss_async_get_fd(NULL), -EINVAL);
	vss_async_free(NULL);
}

/* AS-003: cancel while pending, twice, then gather again. */
static void
test_async_cancel_pending(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;
	json_t *req, *cancel;
	int status = 0;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	fake_mode(&t->f, WIRE_GATHER_WRITER_METADATA, MODE_HOLD, 0);
	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a), 0);
	req = fake_vssd_wait_request(&t->f.vssd, WIRE_GATHER_WRITER_METADATA, 0);
	assert_non_null(req);
	assert_int_equal(vss_async_cancel(a), 0);
	assert_int_equal(vss_async_cancel(a), VSS_S_ASYNC_CANCELLED);
	assert_int_equal(vss_async_wait(a, WAIT_MS), 0);
	assert_int_equal(vss_async_query_status(a, &status), 0);
	assert_int_equal(status, VSS_S_ASYNC_CANCELLED);
	assert_int_equal(vss_async_cancel(a), VSS_S_ASYNC_CANCELLED);
	vss_async_free(a);

	cancel = fake_vssd_wait_request(&t->f.vssd, WIRE_CANCEL, 0);
	assert_non_null(cancel);
	assert_int_equal(json_integer_value(
				 json_object_get(cancel, WF_TARGET_ID)),
			 fake_vssd_msg_id(req));
	json_decref(cancel);
	json_decref(req);

	/* Nothing was applied, and the gathering may be tried again. */
	assert_int_equal(vss_requester_writer_metadata_count(t->r), 0);
	fake_mode(&t->f, WIRE_GATHER_WRITER_METADATA, MODE_REPLY, 0);
	do_gather(t);
	assert_int_equal(vss_requester_writer_metadata_count(t->r), 2);
}

/*
 * AS-003: once cancel returned 0 the operation ends cancelled, even when
 * vssd's success crossed the cancel on the wire; nothing is applied.
 */
static void
test_async_cancel_crossing_reply(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	fake_mode(&t->f, WIRE_GATHER_WRITER_METADATA, MODE_HOLD, 0);
	pthread_mutex_lock(&t->f.vssd.lock);
	t->f.ignore_cancel = true;
	pthread_mutex_unlock(&t->f.vssd.lock);
	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a), 0);
	wait_request(&t->f, WIRE_GATHER_WRITER_METADATA);
	assert_int_equal(vss_async_cancel(a), 0);
	wait_request(&t->f, WIRE_CANCEL);
	fake_release(&t->f);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_CANCELLED);
	assert_int_equal(vss_requester_writer_metadata_count(t->r), 0);
	assert_int_equal(call(t->r, C_ADD_COMPONENT), VSS_E_BAD_STATE);
}

/*
 * Gather with the fake in mode (failing with fail_status), wait for the
 * end, then cancel: both cancel and the status say how it ended (want).
 */
static void
cancel_ended_gather(struct ctx *t, enum mode mode, int fail_status,
		    int want)
{
	vss_async *a = NULL;
	int status = 0;

	fake_mode(&t->f, WIRE_GATHER_WRITER_METADATA, mode, fail_status);
	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a), 0);
	assert_int_equal(vss_async_wait(a, WAIT_MS), 0);
	assert_int_equal(vss_async_cancel(a), want);
	assert_int_equal(vss_async_query_status(a, &status), 0);
	assert_int_equal(status, want);
	vss_async_free(a);
}

/* AS-003: cancelling what finished or failed reports just that. */
static void
test_async_cancel_after_end(void **state)
{
	struct ctx *t = *state;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	cancel_ended_gather(t, MODE_FAIL, VSS_E_WRITER_INFRASTRUCTURE,
			    VSS_E_WRITER_INFRASTRUCTURE);
	cancel_ended_gather(t, MODE_REPLY, 0, VSS_S_ASYNC_FINISHED);
	/* No cancel was sent for an operation that had ended. */
	assert_null(fake_vssd_find_request(&t->f.vssd, WIRE_CANCEL, 0));
}

/* AS-004: a handle freed while pending; the operation goes on. */
static void
test_async_free_pending(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;
	int i;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	fake_mode(&t->f, WIRE_GATHER_WRITER_METADATA, MODE_HOLD, 0);
	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a), 0);
	vss_async_free(a);
	wait_request(&t->f, WIRE_GATHER_WRITER_METADATA);
	fake_release(&t->f);
	for (i = 0; i < WAIT_MS / 10; i++) {
		if (vss_requester_writer_metadata_count(t->r) == 2)
			break;
		poll(NULL, 0, 10);
	}
	assert_int_equal(vss_requester_writer_metadata_count(t->r), 2);
	assert_int_equal(call(t->r, C_GATHER_METADATA), VSS_E_BAD_STATE);
}

/* Freeing the requester ends what is pending; handles stay usable. */
static void
test_requester_free_pending(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;
	int status = 0;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	fake_mode(&t->f, WIRE_GATHER_WRITER_METADATA, MODE_HOLD, 0);
	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a), 0);
	wait_request(&t->f, WIRE_GATHER_WRITER_METADATA);
	vss_requester_free(t->r);
	t->r = NULL;
	assert_true(fd_readable(vss_async_get_fd(a)));
	assert_int_equal(vss_async_wait(a, 0), 0);
	assert_int_equal(vss_async_query_status(a, &status), 0);
	assert_int_equal(status, -ECONNRESET);
	assert_int_equal(vss_async_cancel(a), -ECONNRESET);
	vss_async_free(a);
}

/* vssd gone in the middle of DoSnapshotSet. */
static void
test_disconnect_mid_operation(void **state)
{
	struct ctx *t = *state;
	static const enum call refused[] = {
		C_BACKUP_SUCCEEDED, C_BACKUP_COMPLETE, C_SNAPSHOT_PROPERTIES,
		C_COUNT,
	};
	vss_async *a = NULL;
	int status;

	run_to_set_started(t);
	assert_int_equal(vss_requester_prepare_for_backup(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	fake_mode(&t->f, WIRE_DO_SNAPSHOT_SET, MODE_DISCONNECT, 0);
	assert_int_equal(vss_requester_do_snapshot_set(t->r, &a), 0);
	status = fake_vssd_await(a);
	assert_true(status < 0);
	assert_int_equal(status, -ECONNRESET);
	expect_bad_state(t->r, refused);
	/* Requests fail at once now, and no handle is made. */
	a = NULL;
	assert_int_equal(vss_requester_gather_writer_status(t->r, &a),
			 -ECONNRESET);
	assert_null(a);
	assert_int_equal(vss_requester_abort_backup(t->r), -ECONNRESET);
}

/* A daemon that is not there. */
static void
test_connect_failure(void **state)
{
	struct ctx *t = *state;
	vss_requester *r = NULL;
	char path[256];

	snprintf(path, sizeof(path), "%s/none.sock", t->f.vssd.dir);
	assert_int_equal(vss_requester_new(&r, path), -ENOENT);
	assert_null(r);
	assert_int_equal(vss_requester_new(NULL, path), -EINVAL);
	vss_requester_free(NULL);
}

/* ---- shadow copy management ---------------------------------------------- */

/* The field key of the nth request of type is absent. */
static void
assert_no_field(struct fake *f, enum wire_type type, size_t nth,
		const char *key)
{
	json_t *req = fake_vssd_wait_request(&f->vssd, type, nth);

	assert_non_null(req);
	if (json_object_get(req, key) != NULL)
		fail_msg("%s #%zu carries \"%s\"", wire_type_name(type), nth,
			 key);
	json_decref(req);
}

static void
assert_id_field(struct fake *f, enum wire_type type, size_t nth,
		const char *key, const vss_id *want)
{
	json_t *req = fake_vssd_wait_request(&f->vssd, type, nth);
	vss_id id;

	assert_non_null(req);
	assert_int_equal(wire_get_id(req, key, &id), 0);
	assert_true(vss_id_equal(&id, want));
	json_decref(req);
}

static void
assert_str_field(struct fake *f, enum wire_type type, size_t nth,
		 const char *key, const char *want)
{
	json_t *req = fake_vssd_wait_request(&f->vssd, type, nth);
	const char *s = NULL;

	assert_non_null(req);
	assert_int_equal(wire_get_str(req, key, &s), 0);
	assert_string_equal(s, want);
	json_decref(req);
}

static void
assert_bool_field(struct fake *f, enum wire_type type, size_t nth,
		  const char *key, bool want)
{
	json_t *req = fake_vssd_wait_request(&f->vssd, type, nth);
	bool v = !want;

	assert_non_null(req);
	assert_int_equal(wire_get_bool(req, key, &v), 0);
	assert_int_equal(v, want);
	json_decref(req);
}

static void
assert_int_field(struct fake *f, enum wire_type type, size_t nth,
		 const char *key, int64_t want)
{
	json_t *req = fake_vssd_wait_request(&f->vssd, type, nth);
	int64_t v = 0;

	assert_non_null(req);
	assert_int_equal(wire_get_int(req, key, &v), 0);
	assert_int_equal(v, want);
	json_decref(req);
}

/*
 * The management requests received from the from-th request (of any
 * type) on: each
 * carries the context want (with_context) or none.  Returns how many.
 */
static size_t
manage_requests_since(struct fake *f, size_t from, bool with_context,
		      int64_t want)
{
	const char *bad = NULL;
	json_t *req;
	int64_t context;
	size_t i, n = 0;

	pthread_mutex_lock(&f->vssd.lock);
	json_array_foreach(f->vssd.received, i, req) {
		enum wire_type type = fake_vssd_msg_type(req);
		int rc;

		if (i < from || type < WIRE_QUERY_SNAPSHOTS ||
		    type > WIRE_IS_VOLUME_SNAPSHOTTED)
			continue;
		rc = wire_get_int(req, WF_CONTEXT, &context);
		if (with_context ? rc != 0 || context != want : rc != -ENOENT)
			bad = wire_type_name(type);
		n++;
	}
	pthread_mutex_unlock(&f->vssd.lock);
	if (bad != NULL)
		fail_msg("%s: %s", bad,
			 with_context ? "wrong or no context" : "a context");
	return n;
}

/*
 * SN-011, SN-021: properties are vssd's of now; what was handed out
 * before stays valid (borrowed until the requester is freed).
 */
static void
test_snapshot_properties_fresh(void **state)
{
	struct ctx *t = *state;
	struct vss_snapshot_prop p1, p2, p3;
	vss_id snap = run_to_snapshot_done(t);

	assert_int_equal(vss_requester_get_snapshot_properties(t->r, &snap,
							       &p1),
			 0);
	assert_null(p1.exposed_name);
	assert_int_equal(p1.snapshot_count, 1);
	pthread_mutex_lock(&t->f.vssd.lock);
	strcpy(t->f.exposed_at, "/mnt/x");
	pthread_mutex_unlock(&t->f.vssd.lock);
	assert_int_equal(vss_requester_get_snapshot_properties(t->r, &snap,
							       &p2),
			 0);
	assert_string_equal(p2.exposed_name, "/mnt/x");
	assert_null(p1.exposed_name);
	assert_string_equal(p1.device, "/snap/data");
	/* Unchanged: the same description, nothing new kept. */
	assert_int_equal(vss_requester_get_snapshot_properties(t->r, &snap,
							       &p3),
			 0);
	assert_ptr_equal(p3.device, p2.device);
	assert_ptr_equal(p3.exposed_name, p2.exposed_name);
	/* Deleted since: not found, though seen before. */
	pthread_mutex_lock(&t->f.vssd.lock);
	t->f.deleted = snap;
	pthread_mutex_unlock(&t->f.vssd.lock);
	assert_int_equal(vss_requester_get_snapshot_properties(t->r, &snap,
							       &p3),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_string_equal(p1.original_volume, "/data");
	assert_string_equal(p2.exposed_name, "/mnt/x");
	/* Every call asked vssd. */
	assert_id_field(&t->f, WIRE_GET_SNAPSHOT_PROPERTIES, 3,
			WF_SNAPSHOT_ID, &snap);
}

/* BK-009: none of them before InitializeForBackup, and nothing is sent. */
static void
test_manage_before_initialize(void **state)
{
	struct ctx *t = *state;
	char *types;

	for (int c = C_QUERY_SNAPSHOTS; c < C_COUNT; c++)
		if (call(t->r, c) != VSS_E_BAD_STATE)
			fail_msg("%s allowed before initialize_for_backup",
				 call_names[c]);
	types = fake_vssd_received_types(&t->f.vssd);
	assert_string_equal(types, "hello");
	free(types);
}

/* SN-010, SN-011, SN-013: the inventory with every property. */
static void
test_query_snapshots(void **state)
{
	struct ctx *t = *state;
	struct vss_snapshot_prop *props = NULL;
	char host[256] = "";
	size_t n = 99;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_query_snapshots(t->r, NULL, NULL, NULL,
						       &props, &n),
			 0);
	assert_int_equal(n, 2);
	assert_true(vss_id_equal(&props[0].snapshot_id, &inv_snap[0]));
	assert_true(vss_id_equal(&props[0].snapshot_set_id, &inv_set));
	assert_int_equal(props[0].snapshot_count, 2);
	assert_string_equal(props[0].device, "/snap/data");
	assert_string_equal(props[0].original_volume, "/data");
	assert_string_equal(props[0].originating_machine, "host-o");
	assert_string_equal(props[0].service_machine, "host-s");
	assert_string_equal(props[0].exposed_name, "/run/vss/exposed/a");
	assert_null(props[0].exposed_path);
	assert_true(vss_id_equal(&props[0].provider_id, &provider_id));
	assert_int_equal(props[0].attributes, VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE);
	assert_true(props[0].created == 133000000000000000LL);
	assert_int_equal(props[0].state, VSS_SS_CREATED);
	assert_true(vss_id_equal(&props[1].snapshot_id, &inv_snap[1]));
	assert_string_equal(props[1].original_volume, "/home");
	assert_null(props[1].exposed_name);
	assert_int_equal(props[1].attributes, VSS_VOLSNAP_ATTR_PERSISTENT);
	/* Machines vssd does not name are this one. */
	gethostname(host, sizeof(host) - 1);
	assert_string_equal(props[1].originating_machine, host);
	assert_string_equal(props[1].service_machine, host);
	vss_snapshot_props_free(props, n);
	/* No filter and no context of its own: the request says neither. */
	assert_no_field(&t->f, WIRE_QUERY_SNAPSHOTS, 0, WF_SNAPSHOT_ID);
	assert_no_field(&t->f, WIRE_QUERY_SNAPSHOTS, 0, WF_SNAPSHOT_SET_ID);
	assert_no_field(&t->f, WIRE_QUERY_SNAPSHOTS, 0, WF_VOLUME);
	assert_no_field(&t->f, WIRE_QUERY_SNAPSHOTS, 0, WF_CONTEXT);

	/* Every filter goes to vssd, which applies them. */
	props = NULL;
	assert_int_equal(vss_requester_query_snapshots(t->r, &inv_snap[1],
						       &inv_set, "/home",
						       &props, &n),
			 0);
	vss_snapshot_props_free(props, n);
	assert_id_field(&t->f, WIRE_QUERY_SNAPSHOTS, 1, WF_SNAPSHOT_ID,
			&inv_snap[1]);
	assert_id_field(&t->f, WIRE_QUERY_SNAPSHOTS, 1, WF_SNAPSHOT_SET_ID,
			&inv_set);
	assert_str_field(&t->f, WIRE_QUERY_SNAPSHOTS, 1, WF_VOLUME, "/home");

	/* Nothing matches: an empty array, still the caller's. */
	fake_canned(&t->f, WIRE_QUERY_SNAPSHOTS, 0, "{\"snapshots\":[]}");
	props = NULL;
	assert_int_equal(vss_requester_query_snapshots(t->r, NULL, NULL, NULL,
						       &props, &n),
			 0);
	assert_int_equal(n, 0);
	assert_non_null(props);
	vss_snapshot_props_free(props, n);
	vss_snapshot_props_free(NULL, 3);
}

/* Failures, argument checks and replies that lack what they must say. */
static void
test_query_snapshots_errors(void **state)
{
	struct ctx *t = *state;
	struct vss_snapshot_prop *props = NULL;
	size_t n = 99;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_query_snapshots(NULL, NULL, NULL, NULL,
						       &props, &n),
			 -EINVAL);
	assert_int_equal(vss_requester_query_snapshots(t->r, NULL, NULL, NULL,
						       NULL, &n),
			 -EINVAL);
	assert_int_equal(vss_requester_query_snapshots(t->r, NULL, NULL, NULL,
						       &props, NULL),
			 -EINVAL);
	/* Not UTF-8: refused before it is sent. */
	assert_int_equal(vss_requester_query_snapshots(t->r, NULL, NULL,
						       "/\xff", &props, &n),
			 -EINVAL);
	assert_null(fake_vssd_find_request(&t->f.vssd, WIRE_QUERY_SNAPSHOTS, 0));

	fake_mode(&t->f, WIRE_QUERY_SNAPSHOTS, MODE_FAIL,
		  VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_query_snapshots(t->r, NULL, NULL,
						       "/nowhere", &props, &n),
			 VSS_E_OBJECT_NOT_FOUND);
	/* A success without the list, or an entry without its ids. */
	fake_canned(&t->f, WIRE_QUERY_SNAPSHOTS, 0, "{}");
	assert_int_equal(vss_requester_query_snapshots(t->r, NULL, NULL, NULL,
						       &props, &n),
			 -EBADMSG);
	fake_canned(&t->f, WIRE_QUERY_SNAPSHOTS, 0,
		    "{\"snapshots\":[{\"volume\":\"/data\","
		    "\"device\":\"/snap/data\","
		    "\"snapshot_set_id\":\"6f1ac5d1-2b3c-4d5e-8f90-"
		    "a1b2c3d4e5f6\"}]}");
	assert_int_equal(vss_requester_query_snapshots(t->r, NULL, NULL, NULL,
						       &props, &n),
			 -EBADMSG);
	assert_null(props);
	assert_int_equal(n, 99);
}

/* SN-021: what a delete sends and what it reads back, also on failure. */
static void
test_delete_snapshots(void **state)
{
	struct ctx *t = *state;
	vss_id non_deleted, sentinel;
	long deleted = -1;

	vss_id_generate(&sentinel);
	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	non_deleted = sentinel;
	assert_int_equal(vss_requester_delete_snapshots(t->r, &inv_snap[0],
							VSS_OBJECT_SNAPSHOT,
							true, &deleted,
							&non_deleted),
			 0);
	assert_int_equal(deleted, 2);
	assert_true(vss_id_is_null(&non_deleted));
	assert_id_field(&t->f, WIRE_DELETE_SNAPSHOTS, 0, WF_SNAPSHOT_ID,
			&inv_snap[0]);
	assert_no_field(&t->f, WIRE_DELETE_SNAPSHOTS, 0, WF_SNAPSHOT_SET_ID);
	assert_bool_field(&t->f, WIRE_DELETE_SNAPSHOTS, 0, WF_FORCE, true);
	assert_int_equal(vss_requester_delete_snapshots(t->r, &inv_set,
							VSS_OBJECT_SNAPSHOT_SET,
							false, &deleted,
							&non_deleted),
			 0);
	assert_id_field(&t->f, WIRE_DELETE_SNAPSHOTS, 1, WF_SNAPSHOT_SET_ID,
			&inv_set);
	assert_no_field(&t->f, WIRE_DELETE_SNAPSHOTS, 1, WF_SNAPSHOT_ID);
	assert_bool_field(&t->f, WIRE_DELETE_SNAPSHOTS, 1, WF_FORCE, false);

	/* Stopped at the second: the count and the id come back anyway. */
	fake_canned(&t->f, WIRE_DELETE_SNAPSHOTS, VSS_E_PROVIDER_VETO,
		    "{\"deleted\":1,\"non_deleted_id\":\""
		    "6f1ac5d1-2b3c-4d5e-8f90-a1b2c3d4e5f6\"}");
	deleted = -1;
	non_deleted = sentinel;
	assert_int_equal(vss_requester_delete_snapshots(t->r, &inv_set,
							VSS_OBJECT_SNAPSHOT_SET,
							false, &deleted,
							&non_deleted),
			 VSS_E_PROVIDER_VETO);
	assert_int_equal(deleted, 1);
	assert_int_equal(vss_id_parse(&sentinel,
				      "6f1ac5d1-2b3c-4d5e-8f90-a1b2c3d4e5f6"),
			 0);
	assert_true(vss_id_equal(&non_deleted, &sentinel));

	/* A failure before any delete leaves the outputs alone. */
	vss_id_generate(&sentinel);
	non_deleted = sentinel;
	deleted = -1;
	fake_mode(&t->f, WIRE_DELETE_SNAPSHOTS, MODE_FAIL,
		  VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_delete_snapshots(t->r, &inv_snap[0],
							VSS_OBJECT_SNAPSHOT,
							false, &deleted,
							&non_deleted),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(deleted, -1);
	assert_true(vss_id_equal(&non_deleted, &sentinel));
	/* A success must say how many. */
	fake_canned(&t->f, WIRE_DELETE_SNAPSHOTS, 0, "{}");
	assert_int_equal(vss_requester_delete_snapshots(t->r, &inv_snap[0],
							VSS_OBJECT_SNAPSHOT,
							false, &deleted,
							&non_deleted),
			 -EBADMSG);
	assert_int_equal(deleted, -1);
	assert_true(vss_id_equal(&non_deleted, &sentinel));
}

static void
test_delete_snapshots_arguments(void **state)
{
	struct ctx *t = *state;
	static const enum vss_object_type bad_types[] = {
		VSS_OBJECT_UNKNOWN, VSS_OBJECT_NONE, VSS_OBJECT_PROVIDER,
		(enum vss_object_type)5,
	};
	vss_id non_deleted;
	long deleted;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++)
		assert_int_equal(vss_requester_delete_snapshots(
					 t->r, &inv_set, bad_types[i], false,
					 &deleted, &non_deleted),
				 -EINVAL);
	assert_int_equal(vss_requester_delete_snapshots(NULL, &inv_set,
							VSS_OBJECT_SNAPSHOT,
							false, &deleted,
							&non_deleted),
			 -EINVAL);
	assert_int_equal(vss_requester_delete_snapshots(t->r, NULL,
							VSS_OBJECT_SNAPSHOT,
							false, &deleted,
							&non_deleted),
			 -EINVAL);
	assert_int_equal(vss_requester_delete_snapshots(t->r, &inv_set,
							VSS_OBJECT_SNAPSHOT,
							false, NULL,
							&non_deleted),
			 -EINVAL);
	assert_int_equal(vss_requester_delete_snapshots(t->r, &inv_set,
							VSS_OBJECT_SNAPSHOT,
							false, &deleted, NULL),
			 -EINVAL);
	/* /oldest needs a volume. */
	assert_int_equal(vss_requester_delete_volume_snapshots(t->r, NULL,
							       true, &deleted,
							       &non_deleted),
			 -EINVAL);
	assert_int_equal(vss_requester_delete_volume_snapshots(NULL, "/data",
							       false, &deleted,
							       &non_deleted),
			 -EINVAL);
	assert_int_equal(vss_requester_delete_volume_snapshots(t->r, "/data",
							       false, NULL,
							       &non_deleted),
			 -EINVAL);
	assert_null(fake_vssd_find_request(&t->f.vssd, WIRE_DELETE_SNAPSHOTS, 0));
}

/* vssadmin delete shadows /for= [/oldest] and /all. */
static void
test_delete_volume_snapshots(void **state)
{
	struct ctx *t = *state;
	vss_id non_deleted;
	long deleted = -1;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_delete_volume_snapshots(t->r, "/data",
							       true, &deleted,
							       &non_deleted),
			 0);
	assert_int_equal(deleted, 2);
	assert_str_field(&t->f, WIRE_DELETE_SNAPSHOTS, 0, WF_VOLUME, "/data");
	assert_bool_field(&t->f, WIRE_DELETE_SNAPSHOTS, 0, WF_OLDEST, true);
	assert_no_field(&t->f, WIRE_DELETE_SNAPSHOTS, 0, WF_ALL);
	assert_no_field(&t->f, WIRE_DELETE_SNAPSHOTS, 0, WF_SNAPSHOT_ID);
	assert_int_equal(vss_requester_delete_volume_snapshots(t->r, "/home",
							       false, &deleted,
							       &non_deleted),
			 0);
	assert_str_field(&t->f, WIRE_DELETE_SNAPSHOTS, 1, WF_VOLUME, "/home");
	assert_no_field(&t->f, WIRE_DELETE_SNAPSHOTS, 1, WF_OLDEST);
	assert_no_field(&t->f, WIRE_DELETE_SNAPSHOTS, 1, WF_ALL);
	assert_int_equal(vss_requester_delete_volume_snapshots(t->r, NULL,
							       false, &deleted,
							       &non_deleted),
			 0);
	assert_bool_field(&t->f, WIRE_DELETE_SNAPSHOTS, 2, WF_ALL, true);
	assert_no_field(&t->f, WIRE_DELETE_SNAPSHOTS, 2, WF_VOLUME);
	/* Nothing to delete is no failure. */
	fake_canned(&t->f, WIRE_DELETE_SNAPSHOTS, 0, "{\"deleted\":0}");
	assert_int_equal(vss_requester_delete_volume_snapshots(t->r, "/data",
							       false, &deleted,
							       &non_deleted),
			 0);
	assert_int_equal(deleted, 0);
	assert_true(vss_id_is_null(&non_deleted));
}

/* SN-030, SN-033. */
static void
test_expose_unexpose(void **state)
{
	struct ctx *t = *state;
	char *name = NULL;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_expose_snapshot(t->r, &inv_snap[0],
						       "/mnt/x", &name),
			 0);
	assert_string_equal(name, "/mnt/x");
	free(name);
	assert_id_field(&t->f, WIRE_EXPOSE_SNAPSHOT, 0, WF_SNAPSHOT_ID,
			&inv_snap[0]);
	assert_str_field(&t->f, WIRE_EXPOSE_SNAPSHOT, 0, WF_PATH, "/mnt/x");
	/* No path: where vssd chooses. */
	name = NULL;
	assert_int_equal(vss_requester_expose_snapshot(t->r, &inv_snap[1],
						       NULL, &name),
			 0);
	assert_string_equal(name, "/run/vss/exposed/default");
	free(name);
	assert_no_field(&t->f, WIRE_EXPOSE_SNAPSHOT, 1, WF_PATH);
	assert_int_equal(vss_requester_unexpose_snapshot(t->r, &inv_snap[1]),
			 0);
	assert_id_field(&t->f, WIRE_UNEXPOSE_SNAPSHOT, 0, WF_SNAPSHOT_ID,
			&inv_snap[1]);

	/* vssd's refusals come back as they are; *ret stays untouched. */
	name = NULL;
	fake_mode(&t->f, WIRE_EXPOSE_SNAPSHOT, MODE_FAIL,
		  VSS_E_OBJECT_ALREADY_EXISTS);
	assert_int_equal(vss_requester_expose_snapshot(t->r, &inv_snap[0],
						       NULL, &name),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_null(name);
	fake_mode(&t->f, WIRE_UNEXPOSE_SNAPSHOT, MODE_FAIL,
		  VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_unexpose_snapshot(t->r, &inv_snap[1]),
			 VSS_E_OBJECT_NOT_FOUND);
	/* A success must say where. */
	fake_canned(&t->f, WIRE_EXPOSE_SNAPSHOT, 0, "{}");
	assert_int_equal(vss_requester_expose_snapshot(t->r, &inv_snap[0],
						       NULL, &name),
			 -EBADMSG);
	assert_null(name);

	assert_int_equal(vss_requester_expose_snapshot(NULL, &inv_snap[0],
						       NULL, &name),
			 -EINVAL);
	assert_int_equal(vss_requester_expose_snapshot(t->r, NULL, NULL,
						       &name),
			 -EINVAL);
	assert_int_equal(vss_requester_expose_snapshot(t->r, &inv_snap[0],
						       NULL, NULL),
			 -EINVAL);
	assert_int_equal(vss_requester_unexpose_snapshot(NULL, &inv_snap[0]),
			 -EINVAL);
	assert_int_equal(vss_requester_unexpose_snapshot(t->r, NULL),
			 -EINVAL);
	assert_null(fake_vssd_find_request(&t->f.vssd, WIRE_EXPOSE_SNAPSHOT, 4));
	assert_null(fake_vssd_find_request(&t->f.vssd, WIRE_UNEXPOSE_SNAPSHOT, 2));
}

/* SN-010: Query of providers. */
static void
test_query_providers(void **state)
{
	struct ctx *t = *state;
	struct vss_provider_prop *p = NULL;
	size_t n = 99;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_query_providers(t->r, &p, &n), 0);
	assert_int_equal(n, 2);
	assert_true(vss_id_equal(&p[0].provider_id, &provider_id));
	assert_string_equal(p[0].name, "btrfs");
	assert_int_equal(p[0].type, VSS_PROV_SYSTEM);
	assert_string_equal(p[0].version, "1.0");
	assert_true(vss_id_equal(&p[0].version_id, &version_id));
	assert_true(vss_id_equal(&p[1].provider_id, &provider2_id));
	assert_string_equal(p[1].name, "exec");
	assert_int_equal(p[1].type, VSS_PROV_SOFTWARE);
	assert_null(p[1].version);
	assert_true(vss_id_is_null(&p[1].version_id));
	vss_provider_props_free(p, n);
	vss_provider_props_free(NULL, 1);

	assert_int_equal(vss_requester_query_providers(NULL, &p, &n), -EINVAL);
	assert_int_equal(vss_requester_query_providers(t->r, NULL, &n),
			 -EINVAL);
	assert_int_equal(vss_requester_query_providers(t->r, &p, NULL),
			 -EINVAL);
	p = NULL;
	n = 99;
	fake_canned(&t->f, WIRE_QUERY_PROVIDERS, 0, "{}");
	assert_int_equal(vss_requester_query_providers(t->r, &p, &n),
			 -EBADMSG);
	assert_null(p);
	assert_int_equal(n, 99);
	fake_mode(&t->f, WIRE_QUERY_PROVIDERS, MODE_FAIL, -EACCES);
	assert_int_equal(vss_requester_query_providers(t->r, &p, &n),
			 -EACCES);
	assert_null(p);
}

/* SN-012. */
static void
test_is_volume_snapshotted(void **state)
{
	struct ctx *t = *state;
	uint32_t compat = 99;
	bool snapped = false;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_is_volume_snapshotted(t->r, "/data",
							     &snapped,
							     &compat),
			 0);
	assert_true(snapped);
	assert_int_equal(compat, 2);
	assert_str_field(&t->f, WIRE_IS_VOLUME_SNAPSHOTTED, 0, WF_VOLUME,
			 "/data");
	assert_int_equal(vss_requester_is_volume_snapshotted(t->r, "/home",
							     &snapped,
							     &compat),
			 0);
	assert_false(snapped);
	assert_int_equal(compat, 0);

	assert_int_equal(vss_requester_is_volume_snapshotted(NULL, "/data",
							     &snapped,
							     &compat),
			 -EINVAL);
	assert_int_equal(vss_requester_is_volume_snapshotted(t->r, NULL,
							     &snapped,
							     &compat),
			 -EINVAL);
	assert_int_equal(vss_requester_is_volume_snapshotted(t->r, "/data",
							     NULL, &compat),
			 -EINVAL);
	assert_int_equal(vss_requester_is_volume_snapshotted(t->r, "/data",
							     &snapped, NULL),
			 -EINVAL);
	/* Both results are required; the outputs stay as they were. */
	fake_canned(&t->f, WIRE_IS_VOLUME_SNAPSHOTTED, 0,
		    "{\"snapshotted\":true}");
	assert_int_equal(vss_requester_is_volume_snapshotted(t->r, "/data",
							     &snapped,
							     &compat),
			 -EBADMSG);
	assert_false(snapped);
	assert_int_equal(compat, 0);
	fake_mode(&t->f, WIRE_IS_VOLUME_SNAPSHOTTED, MODE_FAIL,
		  VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_is_volume_snapshotted(t->r, "/nope",
							     &snapped,
							     &compat),
			 VSS_E_OBJECT_NOT_FOUND);
}

/*
 * SN-001 is vssd's to check: set_context takes the persistent contexts
 * and VSS_CTX_ALL, and the management calls carry the context once the
 * requester has one of its own (SN-010).
 */
static void
test_manage_contexts(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;

	size_t first;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	expect_manage_ok(t->r);
	assert_int_equal(manage_requests_since(&t->f, 0, false, 0),
			 C_COUNT - C_QUERY_SNAPSHOTS);
	assert_int_equal(vss_requester_set_context(t->r, VSS_CTX_ALL), 0);
	pthread_mutex_lock(&t->f.vssd.lock);
	first = json_array_size(t->f.vssd.received);
	pthread_mutex_unlock(&t->f.vssd.lock);
	expect_manage_ok(t->r);
	assert_int_equal(manage_requests_since(&t->f, first, true,
					       VSS_CTX_ALL),
			 C_COUNT - C_QUERY_SNAPSHOTS);
	/* The context also goes with the gathering, as it always did. */
	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	assert_int_field(&t->f, WIRE_GATHER_WRITER_METADATA, 0, WF_CONTEXT,
			 VSS_CTX_ALL);
}

/* The persistent contexts, modifiers included, are the requester's too. */
static void
test_persistent_contexts(void **state)
{
	struct ctx *t = *state;
	static const int32_t contexts[] = {
		VSS_CTX_NAS_ROLLBACK, VSS_CTX_APP_ROLLBACK,
		VSS_CTX_CLIENT_ACCESSIBLE, VSS_CTX_CLIENT_ACCESSIBLE_WRITERS,
		VSS_CTX_APP_ROLLBACK | VSS_VOLSNAP_ATTR_TRANSPORTABLE |
			VSS_VOLSNAP_ATTR_DIFFERENTIAL,
	};

	/* The fake serves one connection at a time. */
	vss_requester_free(t->r);
	t->r = NULL;
	for (size_t i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++) {
		vss_requester *r = NULL;
		struct vss_snapshot_prop *props = NULL;
		size_t n;

		assert_int_equal(vss_requester_new(&r, t->f.vssd.path), 0);
		assert_int_equal(vss_requester_initialize_for_backup(r, NULL),
				 0);
		assert_int_equal(vss_requester_set_context(r, contexts[i]), 0);
		assert_int_equal(vss_requester_query_snapshots(r, NULL, NULL,
							       NULL, &props,
							       &n),
				 0);
		vss_snapshot_props_free(props, n);
		vss_requester_free(r);
		assert_int_field(&t->f, WIRE_QUERY_SNAPSHOTS, i, WF_CONTEXT,
				 contexts[i]);
	}
}

/* The context of a loaded document counts as the requester's own. */
static void
test_manage_context_from_document(void **state)
{
	struct ctx *t = *state;
	vss_bcd *bcd = NULL;
	char *xml = NULL;
	size_t len;

	assert_int_equal(vss_bcd_new(&bcd), 0);
	assert_int_equal(vss_bcd_set_context(bcd, VSS_CTX_APP_ROLLBACK), 0);
	assert_int_equal(vss_bcd_save_xml(bcd, &xml, &len), 0);
	vss_bcd_free(bcd);
	assert_int_equal(vss_requester_initialize_for_backup(t->r, xml), 0);
	free(xml);
	assert_int_equal(call(t->r, C_QUERY_SNAPSHOTS), 0);
	assert_int_field(&t->f, WIRE_QUERY_SNAPSHOTS, 0, WF_CONTEXT,
			 VSS_CTX_APP_ROLLBACK);
}

/*
 * In every phase of a backup, and after it, the management calls work
 * and leave the phase as it was.
 */
static void
test_manage_any_phase(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;
	vss_id snap;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	assert_int_equal(vss_requester_set_backup_state(t->r,
							&full_components),
			 0);
	expect_manage_ok(t->r);
	do_gather(t);
	expect_manage_ok(t->r);
	assert_int_equal(vss_requester_add_component(t->r, &instance_a,
						     &class_a, VSS_CT_DATABASE,
						     NULL, "db"),
			 0);
	assert_int_equal(vss_requester_start_snapshot_set(t->r, &snap), 0);
	expect_manage_ok(t->r);
	assert_int_equal(vss_requester_add_to_snapshot_set(t->r, "/data",
							   NULL, &snap),
			 0);
	assert_int_equal(vss_requester_prepare_for_backup(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	expect_manage_ok(t->r);
	assert_int_equal(vss_requester_do_snapshot_set(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	expect_manage_ok(t->r);
	assert_int_equal(call(t->r, C_SNAPSHOT_PROPERTIES),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_backup_complete(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
	expect_manage_ok(t->r);
	assert_int_equal(call(t->r, C_SAVE_BCD), 0);
	assert_int_equal(vss_requester_abort_backup(t->r), 0);
	expect_manage_ok(t->r);
}

/*
 * A reply of the wrong shape ends the connection like any bad frame
 * (SEC-005): the call and every later one fail.
 */
static void
test_manage_malformed_frame(void **state)
{
	struct ctx *t = *state;
	struct vss_provider_prop *p = NULL;
	size_t n = 99;

	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL), 0);
	fake_canned(&t->f, WIRE_QUERY_PROVIDERS, 0,
		    "{\"providers\":[{\"provider_id\":\""
		    "6f1ac5d1-2b3c-4d5e-8f90-a1b2c3d4e5f6\","
		    "\"name\":\"tape\",\"provider_type\":\"tape\"}]}");
	assert_int_equal(vss_requester_query_providers(t->r, &p, &n),
			 -EBADMSG);
	assert_null(p);
	assert_int_equal(n, 99);
	assert_int_equal(call(t->r, C_QUERY_SNAPSHOTS), -EBADMSG);
}


/*
 * vss_list_writer_states(): a connection of its own with the admin role,
 * one list_writers, the writers parsed as gather_writer_status's are.
 */
static void
test_list_writer_states(void **state)
{
	struct ctx *t = *state;
	struct vss_writer_status *s = NULL;
	char json[1024];
	char a_class[VSS_ID_STRLEN], a_inst[VSS_ID_STRLEN];
	char b_class[VSS_ID_STRLEN], b_inst[VSS_ID_STRLEN];
	json_t *hello;
	size_t n = 99;

	/* The fake serves one client at a time. */
	vss_requester_free(t->r);
	t->r = NULL;
	vss_id_format(&class_a, a_class);
	vss_id_format(&instance_a, a_inst);
	vss_id_format(&class_b, b_class);
	vss_id_format(&instance_b, b_inst);
	snprintf(json, sizeof(json),
		 "{\"writers\":["
		 "{\"class_id\":\"%s\",\"instance_id\":\"%s\","
		 "\"friendly_name\":\"a\",\"state\":9,\"failure\":%d,"
		 "\"app_failure\":-5,\"failure_message\":\"no freeze\"},"
		 "{\"class_id\":\"%s\",\"instance_id\":\"%s\","
		 "\"friendly_name\":\"b\",\"instance_name\":\"second\","
		 "\"state\":1,\"failure\":0}]}",
		 a_class, a_inst, VSS_E_WRITERERROR_RETRYABLE, b_class, b_inst);
	fake_canned(&t->f, WIRE_LIST_WRITERS, 0, json);
	assert_int_equal(vss_list_writer_states(t->f.vssd.path, &s, &n), 0);
	assert_int_equal(n, 2);
	assert_true(vss_id_equal(&s[0].class_id, &class_a));
	assert_true(vss_id_equal(&s[0].instance_id, &instance_a));
	assert_string_equal(s[0].name, "a");
	assert_null(s[0].instance_name);
	assert_int_equal(s[0].state, VSS_WS_FAILED_AT_FREEZE);
	assert_int_equal(s[0].failure, VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(s[0].application_failure, -5);
	assert_string_equal(s[0].message, "no freeze");
	for (size_t e = 0; e < VSS_EVENT_COUNT; e++)
		assert_true(s[0].event_ms[e] < 0);
	assert_true(vss_id_equal(&s[1].instance_id, &instance_b));
	assert_string_equal(s[1].instance_name, "second");
	assert_int_equal(s[1].state, VSS_WS_STABLE);
	assert_int_equal(s[1].failure, 0);
	assert_null(s[1].message);
	vss_writer_states_free(s, n);
	/* The first hello was the requester's of setup(). */
	hello = fake_vssd_wait_request(&t->f.vssd, WIRE_HELLO, 1);
	assert_string_equal(json_string_value(json_object_get(hello, "role")),
			    "admin");
	json_decref(hello);

	/* A refusal is returned as it is, the outputs left alone. */
	s = NULL;
	n = 99;
	fake_mode(&t->f, WIRE_LIST_WRITERS, MODE_FAIL, -EACCES);
	assert_int_equal(vss_list_writer_states(t->f.vssd.path, &s, &n), -EACCES);
	assert_null(s);
	assert_int_equal(n, 99);
	assert_int_equal(vss_list_writer_states(t->f.vssd.path, NULL, &n), -EINVAL);
	vss_writer_states_free(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_happy_path),
		T(test_bcd_replaced_after_prepare),
		T(test_add_component_checks),
		T(test_writer_lists),
		T(test_no_writers_context),
		T(test_bad_state_before_initialize),
		T(test_bad_state_initialized),
		T(test_bad_state_set_started),
		T(test_bad_state_while_pending),
		T(test_bad_state_after_failed_snapshot),
		T(test_abort_while_pending),
		T(test_bad_state_after_snapshot),
		T(test_async_wait_timeout_and_fd),
		T(test_async_cancel_pending),
		T(test_async_cancel_crossing_reply),
		T(test_async_cancel_after_end),
		T(test_async_free_pending),
		T(test_requester_free_pending),
		T(test_disconnect_mid_operation),
		T(test_connect_failure),
		T(test_snapshot_properties_fresh),
		T(test_manage_before_initialize),
		T(test_query_snapshots),
		T(test_query_snapshots_errors),
		T(test_delete_snapshots),
		T(test_delete_snapshots_arguments),
		T(test_delete_volume_snapshots),
		T(test_expose_unexpose),
		T(test_query_providers),
		T(test_is_volume_snapshotted),
		T(test_manage_contexts),
		T(test_persistent_contexts),
		T(test_manage_context_from_document),
		T(test_manage_any_phase),
		T(test_manage_malformed_frame),
		T(test_list_writer_states),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
