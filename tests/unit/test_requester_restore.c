/*
 * tests/unit/test_requester_restore.c - the restore calls of the requester
 * API (restore.md §1 .. §3, §7, §8, §10, §11) against a fake vssd
 * (fake_vssd.c): a thread of this test that answers hello,
 * gather_writer_metadata, gather_writer_status, pre_restore and
 * post_restore on a Unix socket in a temporary directory, records every
 * request, and can fail or hold a request.
 *
 * The writers: A runs now under a new instance id with its saved name
 * (matched), B runs no more (missing), C runs with an older major version
 * (too old), D's saved metadata says it never takes part in a restore,
 * and E has two saved entries without an instance name and one live
 * instance.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/metadata.h>
#include <vss/requester.h>
#include <vss/status.h>

#include "fake_vssd.h"
#include "wire/wire.h"

#define WAIT_MS 5000

/* ---- the writers -------------------------------------------------------- */

enum { W_A, W_B, W_C, W_D, W_E1, W_E2, W_COUNT };

struct writer_ids {
	vss_id class_id, saved_id, live_id;
};
static struct writer_ids ids[W_COUNT];

/*
 * A's components: "db" (selectable) holding "db\logs" (selectable for
 * restore) and "db\tmp" (not), and "files" (selectable).  Each has one
 * file set; "db\logs" and "files" have alternate location mappings.
 */
struct comp {
	const char *logical_path;
	const char *name;
	bool selectable, for_restore;
	const char *path;
};
static const struct comp comps[] = {
	{ NULL, "db", true, false, "/data/db" },
	{ "db", "logs", false, true, "/data/logs" },
	{ "db", "tmp", false, false, "/data/tmp" },
	{ NULL, "files", true, false, "/data/files" },
};
#define N_COMPS (sizeof(comps) / sizeof(comps[0]))

static const uint32_t schema_a = VSS_BS_AUTHORITATIVE_RESTORE |
				 VSS_BS_WRITER_SUPPORTS_NEW_TARGET |
				 VSS_BS_ROLLFORWARD_RESTORE |
				 VSS_BS_RESTORE_RENAME;

static vss_wmd *
make_wmd(int w, bool live, unsigned major, enum vss_writer_restore wre)
{
	struct vss_writer_identity ident = {
		.class_id = ids[w].class_id,
		.instance_id = live ? ids[w].live_id : ids[w].saved_id,
		.instance_name = w == W_E1 || w == W_E2 ? NULL : "main",
		.friendly_name = "writer",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
		.major_version = major,
	};
	struct vss_restore_method_info rm = {
		.method = VSS_RME_RESTORE_IF_CAN_REPLACE,
		.writer_restore = wre,
	};
	vss_wmd *wmd = NULL;

	assert_int_equal(vss_wmd_new(&wmd, &ident), 0);
	assert_int_equal(vss_wmd_set_restore_method(wmd, &rm), 0);
	if (w == W_A)
		assert_int_equal(vss_wmd_set_backup_schema(wmd, schema_a), 0);
	for (size_t i = 0; i < N_COMPS; i++) {
		struct vss_component_def def = {
			.type = VSS_CT_FILEGROUP,
			.logical_path = comps[i].logical_path,
			.name = comps[i].name,
			.selectable = comps[i].selectable,
			.selectable_for_restore = comps[i].for_restore,
		};

		assert_int_equal(vss_wmd_add_component(wmd, &def), 0);
		assert_int_equal(vss_wmd_add_files_to_file_group(
					 wmd, comps[i].logical_path,
					 comps[i].name, comps[i].path, "*",
					 true, NULL, 0),
				 0);
	}
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/data/logs", "*", true, "/alt/logs"),
			 0);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/data/files", "*", true, "/alt/files"),
			 0);
	return wmd;
}

/* E1's saved WMD says it never takes part in a restore. */
static bool e1_never;

/* The saved WMD of writer w, as the backup gathered it. */
static vss_wmd *
saved_wmd(int w)
{
	if (w == W_E1 && e1_never)
		return make_wmd(w, false, 1, VSS_WRE_NEVER);
	switch (w) {
	case W_C:
		return make_wmd(w, false, 3, VSS_WRE_ALWAYS);
	case W_D:
		return make_wmd(w, false, 1, VSS_WRE_NEVER);
	default:
		return make_wmd(w, false, 1, VSS_WRE_ALWAYS);
	}
}

/* The writers that answer Identify now: A, C (version 2), D, one E. */
static json_t *
live_writers(void)
{
	static const int live[] = { W_A, W_C, W_D, W_E1 };
	json_t *list = json_array();

	for (size_t i = 0; i < sizeof(live) / sizeof(*live); i++) {
		int w = live[i];
		vss_wmd *wmd = make_wmd(w, true, w == W_C ? 2 : 1,
					VSS_WRE_ALWAYS);
		json_t *o = json_object();
		char *xml;
		size_t len;

		assert_int_equal(vss_wmd_save_xml(wmd, &xml, &len), 0);
		wire_set_id(o, WF_CLASS_ID, &ids[w].class_id);
		wire_set_id(o, WF_INSTANCE_ID, &ids[w].live_id);
		wire_set_str(o, WF_FRIENDLY_NAME, "writer");
		wire_set_str(o, WF_WMD, xml);
		json_array_append_new(list, o);
		free(xml);
		vss_wmd_free(wmd);
	}
	return list;
}

/*
 * The saved document: every writer with its components explicitly
 * included (A: "db" and "files"), and on A's "db" what an earlier
 * restore left behind, next to what the backup wrote.
 */
static char *
saved_bcd_xml(void)
{
	const struct vss_backup_state st = { .select_components = true,
					     .backup_type = VSS_BT_FULL };
	const struct vss_directed_target dt = {
		.source_path = "/a",
		.source_file = "f",
		.source_ranges = "0:1",
		.destination_path = "/b",
		.destination_file = "f",
		.destination_ranges = "0:1",
	};
	vss_bcd_writer *w;
	vss_bcd_component *c;
	vss_bcd *bcd = NULL;
	char *xml;
	size_t len;

	assert_int_equal(vss_bcd_new(&bcd), 0);
	assert_int_equal(vss_bcd_set_backup_state(bcd, &st), 0);
	assert_int_equal(vss_bcd_set_restore_type(bcd, VSS_RTYPE_IMPORT), 0);
	for (int i = 0; i < W_COUNT; i++) {
		assert_int_equal(vss_bcd_add_writer(bcd, &ids[i].class_id,
						    &ids[i].saved_id,
						    i == W_E1 || i == W_E2
							    ? NULL
							    : "main",
						    i == W_A ? schema_a : 0,
						    &w),
				 0);
		assert_int_equal(vss_bcd_writer_add_component(
					 w, VSS_CT_FILEGROUP, NULL, "db", &c),
				 0);
		if (i != W_A)
			continue;
		assert_int_equal(vss_bcd_component_set_text(
					 c, VSS_TEXT_BACKUP_METADATA, "bm"),
				 0);
		assert_int_equal(vss_bcd_component_set_text(
					 c, VSS_TEXT_BACKUP_STAMP, "stamp"),
				 0);
		assert_int_equal(vss_bcd_component_set_selected_for_restore(
					 c, true),
				 0);
		assert_int_equal(vss_bcd_component_set_text(
					 c, VSS_TEXT_RESTORE_OPTIONS, "old"),
				 0);
		assert_int_equal(vss_bcd_component_set_text(
					 c, VSS_TEXT_RESTORE_METADATA, "old"),
				 0);
		assert_int_equal(vss_bcd_component_set_text(
					 c, VSS_TEXT_PRE_RESTORE_FAILURE_MSG,
					 "old"),
				 0);
		assert_int_equal(vss_bcd_component_set_additional_restores(
					 c, true),
				 0);
		assert_int_equal(vss_bcd_component_set_authoritative_restore(
					 c, true),
				 0);
		assert_int_equal(vss_bcd_component_set_restore_target(
					 c, VSS_RT_DIRECTED),
				 0);
		assert_int_equal(vss_bcd_component_set_file_restore_status(
					 c, VSS_RS_FAILED),
				 0);
		assert_int_equal(vss_bcd_component_add_restore_subcomponent(
					 c, "db", "logs", false),
				 0);
		assert_int_equal(vss_bcd_component_add_new_target(
					 c, "/data/db", "*", true, "/new"),
				 0);
		assert_int_equal(
			vss_bcd_component_add_alternate_location_mapping(
				c, "/data/logs", "*", true, "/alt/logs"),
			0);
		assert_int_equal(vss_bcd_component_add_directed_target(c, &dt),
				 0);
		assert_int_equal(vss_bcd_writer_add_component(
					 w, VSS_CT_FILEGROUP, NULL, "files",
					 &c),
				 0);
	}
	assert_int_equal(vss_bcd_save_xml(bcd, &xml, &len), 0);
	vss_bcd_free(bcd);
	return xml;
}

/* ---- the fake daemon ---------------------------------------------------- */

/* The fake vssd's answers; under vssd.lock. */
struct fake {
	struct fake_vssd vssd;
	int fail[WIRE_TYPE_COUNT]; /* answer with this status when not 0 */
	bool hold[WIRE_TYPE_COUNT];
};

/*
 * pre_restore as writers answer it: each component of an entry that
 * carries a live instance id gets restore target DIRECTED and restore
 * metadata, so the test sees both that the ids were live on the way and
 * that the writers' changes come back.
 */
static char *
pre_restore_bcd(json_t *req)
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
		bool live = false;

		for (int k = 0; k < W_COUNT; k++)
			live |= vss_id_equal(vss_bcd_writer_instance_id(w),
					     &ids[k].live_id);
		for (size_t j = 0;
		     live && j < vss_bcd_writer_component_count(w); j++) {
			vss_bcd_component *c = vss_bcd_writer_component(w, j);

			vss_bcd_component_set_restore_target(c,
							     VSS_RT_DIRECTED);
			vss_bcd_component_set_text(c, VSS_TEXT_RESTORE_METADATA,
						   "from-writer");
		}
	}
	vss_bcd_save_xml(bcd, &out, &len);
	vss_bcd_free(bcd);
	return out;
}

static json_t *
reply_to(struct fake *f, json_t *req)
{
	enum wire_type type = fake_vssd_msg_type(req);
	int64_t id = fake_vssd_msg_id(req);
	json_t *reply, *list, *v, *s;
	char *xml = NULL;
	vss_id sid;
	size_t i;

	if (f->fail[type] != 0)
		return wire_reply_new((uint64_t)id, f->fail[type], NULL);
	reply = wire_reply_new((uint64_t)id, 0, NULL);
	switch (type) {
	case WIRE_HELLO:
		vss_id_generate(&sid);
		wire_set_id(reply, WF_SESSION_ID, &sid);
		break;
	case WIRE_GATHER_WRITER_METADATA:
		json_object_set_new(reply, WF_WRITERS, live_writers());
		break;
	case WIRE_GATHER_WRITER_STATUS:
		list = live_writers();
		json_array_foreach(list, i, v) {
			json_object_del(v, WF_WMD);
			wire_set_int(v, WF_STATE, VSS_WS_STABLE);
		}
		s = json_array_get(list, 0);
		wire_set_int(s, WF_STATE, VSS_WS_FAILED_AT_PRE_RESTORE);
		wire_set_int(s, WF_FAILURE, VSS_E_WRITERERROR_RETRYABLE);
		wire_set_str(s, WF_FAILURE_MESSAGE, "service busy");
		json_object_set_new(reply, WF_WRITERS, list);
		break;
	case WIRE_PRE_RESTORE:
		xml = pre_restore_bcd(req);
		wire_set_str(reply, WF_BCD, xml);
		break;
	case WIRE_POST_RESTORE:
		json_object_set(reply, WF_BCD, json_object_get(req, WF_BCD));
		break;
	default:
		break;
	}
	free(xml);
	return reply;
}

/* Answers req unless held; vssd.lock held. */
static void
handle_request(struct fake_vssd *d, json_t *req, void *data)
{
	struct fake *f = data;

	if (!f->hold[fake_vssd_msg_type(req)])
		fake_vssd_send(d, reply_to(f, req));
}

static void
fake_start(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	fake_vssd_start(&f->vssd, "restore", handle_request, NULL, f);
}

static void
fake_set(struct fake *f, enum wire_type type, int fail, bool hold)
{
	pthread_mutex_lock(&f->vssd.lock);
	f->fail[type] = fail;
	f->hold[type] = hold;
	pthread_mutex_unlock(&f->vssd.lock);
}

/* The document a request carried; caller frees. */
static vss_bcd *
request_bcd(json_t *req)
{
	const char *xml;
	vss_bcd *bcd = NULL;

	assert_int_equal(wire_get_str(req, WF_BCD, &xml), 0);
	assert_int_equal(vss_bcd_load_xml(&bcd, xml, strlen(xml), NULL), 0);
	return bcd;
}

/* ---- fixtures ----------------------------------------------------------- */

struct ctx {
	struct fake f;
	vss_requester *r;
	char *saved_xml;
};

static int
setup(void **state)
{
	struct ctx *t = calloc(1, sizeof(*t));

	for (int i = 0; i < W_COUNT; i++) {
		vss_id_generate(&ids[i].class_id);
		vss_id_generate(&ids[i].saved_id);
		vss_id_generate(&ids[i].live_id);
	}
	/* Two saved entries of one class, one live instance. */
	ids[W_E2].class_id = ids[W_E1].class_id;
	e1_never = false;
	fake_start(&t->f);
	assert_int_equal(vss_requester_new(&t->r, t->f.vssd.path), 0);
	t->saved_xml = saved_bcd_xml();
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *t = *state;

	vss_requester_free(t->r);
	fake_vssd_stop(&t->f.vssd);
	free(t->saved_xml);
	free(t);
	return 0;
}

/* initialize_for_restore and every saved WMD. */
static void
initialize(struct ctx *t)
{
	assert_int_equal(vss_requester_initialize_for_restore(t->r,
							      t->saved_xml),
			 0);
	for (int i = 0; i < W_COUNT; i++) {
		vss_wmd *wmd = saved_wmd(i);

		assert_int_equal(vss_requester_restore_set_writer_wmd(t->r,
								      wmd),
				 0);
		vss_wmd_free(wmd);
	}
}

static void
gather(struct ctx *t)
{
	vss_async *a = NULL;

	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
}

/* Select A's component, by its saved ids. */
static int
select_a(struct ctx *t, const char *name, bool on)
{
	return vss_requester_set_selected_for_restore(
		t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
		VSS_CT_FILEGROUP, NULL, name, on);
}

static int
pre_restore(struct ctx *t)
{
	vss_async *a = NULL;
	int rc;

	rc = vss_requester_pre_restore(t->r, &a);
	if (rc < 0)
		return rc;
	return fake_vssd_await(a);
}

static int
post_restore(struct ctx *t)
{
	vss_async *a = NULL;
	int rc;

	rc = vss_requester_post_restore(t->r, &a);
	if (rc < 0)
		return rc;
	return fake_vssd_await(a);
}

static int
set_status(struct ctx *t, const char *name, enum vss_file_restore_status s)
{
	return vss_requester_set_file_restore_status(
		t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
		VSS_CT_FILEGROUP, NULL, name, s);
}

static vss_bcd_component *
component_of(vss_bcd *bcd, int w, const vss_id *instance_id,
	     const char *name)
{
	vss_bcd_writer *e =
		vss_bcd_find_writer(bcd, &ids[w].class_id, instance_id);

	assert_non_null(e);
	return vss_bcd_writer_find_component(e, VSS_CT_FILEGROUP, NULL, name);
}

/* A's component in the requester's document (saved ids). */
static vss_bcd_component *
a_comp(struct ctx *t, const char *name)
{
	return component_of(vss_requester_bcd(t->r), W_A, &ids[W_A].saved_id,
			    name);
}

/* ---- tests -------------------------------------------------------------- */

/* RS-001: a document that does not load changes nothing. */
static void
test_initialize_bad_xml(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;

	assert_int_equal(vss_requester_initialize_for_restore(t->r, NULL),
			 -EINVAL);
	assert_int_equal(vss_requester_initialize_for_restore(
				 t->r, "<BACKUP_COMPONENTS"),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_int_equal(vss_requester_initialize_for_restore(t->r, "nonsense"),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_null(vss_requester_bcd(t->r));
	/* Nothing started: gathering still needs an initialize. */
	assert_int_equal(vss_requester_gather_writer_metadata(t->r, &a),
			 VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_initialize_for_restore(t->r,
							      t->saved_xml),
			 0);
	/* Once, and instead of a backup (RS-001, BK-002). */
	assert_int_equal(vss_requester_initialize_for_restore(t->r,
							      t->saved_xml),
			 VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_initialize_for_backup(t->r, NULL),
			 VSS_E_BAD_STATE);
}

/* RS-001: what an earlier restore left goes, what the backup wrote stays. */
static void
test_initialize_clears_restore_fields(void **state)
{
	struct ctx *t = *state;
	vss_bcd_component *c;

	initialize(t);
	assert_int_equal(vss_bcd_restore_type(vss_requester_bcd(t->r)),
			 VSS_RTYPE_UNDEFINED);
	c = a_comp(t, "db");
	assert_non_null(c);
	assert_false(vss_bcd_component_selected_for_restore(c));
	assert_false(vss_bcd_component_additional_restores(c));
	assert_false(vss_bcd_component_authoritative_restore(c));
	assert_int_equal(vss_bcd_component_restore_target(c), VSS_RT_ORIGINAL);
	assert_int_equal(vss_bcd_component_file_restore_status(c),
			 VSS_RS_UNDEFINED);
	assert_null(vss_bcd_component_text(c, VSS_TEXT_RESTORE_OPTIONS));
	assert_null(vss_bcd_component_text(c, VSS_TEXT_RESTORE_METADATA));
	assert_null(vss_bcd_component_text(c,
					   VSS_TEXT_PRE_RESTORE_FAILURE_MSG));
	assert_int_equal(vss_bcd_component_restore_subcomponent_count(c), 0);
	assert_int_equal(vss_bcd_component_new_target_count(c), 0);
	assert_int_equal(
		vss_bcd_component_alternate_location_mapping_count(c), 0);
	assert_int_equal(vss_bcd_component_directed_target_count(c), 0);
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_BACKUP_METADATA),
			    "bm");
	assert_string_equal(vss_bcd_component_text(c, VSS_TEXT_BACKUP_STAMP),
			    "stamp");
}

/* RS-003: the saved WMDs, kept per writer entry. */
static void
test_saved_wmds(void **state)
{
	struct ctx *t = *state;
	struct vss_writer_identity ident = {
		.friendly_name = "stranger",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
	};
	const vss_wmd *got;
	vss_wmd *wmd = NULL;

	wmd = saved_wmd(W_A);
	assert_int_equal(vss_requester_restore_set_writer_wmd(t->r, wmd),
			 VSS_E_BAD_STATE);
	vss_wmd_free(wmd);
	initialize(t);
	/* A class in no writer entry of the document. */
	vss_id_generate(&ident.class_id);
	vss_id_generate(&ident.instance_id);
	assert_int_equal(vss_wmd_new(&wmd, &ident), 0);
	assert_int_equal(vss_requester_restore_set_writer_wmd(t->r, wmd),
			 -EINVAL);
	assert_int_equal(vss_requester_restore_set_writer_wmd(t->r, NULL),
			 -EINVAL);
	vss_wmd_free(wmd);
	/* A copy, by (class id, saved instance id); a second replaces it. */
	got = vss_requester_restore_writer_wmd(t->r, &ids[W_C].class_id,
					       &ids[W_C].saved_id);
	assert_non_null(got);
	assert_int_equal(vss_wmd_identity(got)->major_version, 3);
	wmd = make_wmd(W_C, false, 1, VSS_WRE_ALWAYS);
	assert_int_equal(vss_requester_restore_set_writer_wmd(t->r, wmd),
			 0);
	vss_wmd_free(wmd);
	got = vss_requester_restore_writer_wmd(t->r, &ids[W_C].class_id,
					       &ids[W_C].saved_id);
	assert_int_equal(vss_wmd_identity(got)->major_version, 1);
	assert_null(vss_requester_restore_writer_wmd(t->r, &ids[W_C].class_id,
						     &ids[W_C].live_id));
	gather(t);
	/* Not after pre_restore. */
	assert_int_equal(pre_restore(t), VSS_S_ASYNC_FINISHED);
	wmd = saved_wmd(W_A);
	assert_int_equal(vss_requester_restore_set_writer_wmd(t->r, wmd),
			 VSS_E_BAD_STATE);
	vss_wmd_free(wmd);
}

static enum vss_restore_writer_match
match_of(struct ctx *t, int w, vss_id *live)
{
	enum vss_restore_writer_match m = 0;

	assert_int_equal(vss_requester_restore_writer_match(
				 t->r, &ids[w].class_id, &ids[w].saved_id, &m,
				 live),
			 0);
	return m;
}

/* RS-003, RS-005, RS-050: each saved writer against the live ones. */
static void
test_writer_match(void **state)
{
	struct ctx *t = *state;
	static const vss_id null_id;
	enum vss_restore_writer_match m;
	vss_id live, unknown;

	initialize(t);
	assert_int_equal(vss_requester_restore_writer_match(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 &m, &live),
			 VSS_E_BAD_STATE);
	gather(t);
	assert_int_equal(match_of(t, W_A, &live), VSS_RWM_MATCHED);
	assert_true(vss_id_equal(&live, &ids[W_A].live_id));
	assert_int_equal(match_of(t, W_B, &live), VSS_RWM_MISSING);
	assert_true(vss_id_equal(&live, &null_id));
	assert_int_equal(match_of(t, W_C, &live), VSS_RWM_VERSION_TOO_OLD);
	assert_true(vss_id_equal(&live, &null_id));
	assert_int_equal(match_of(t, W_D, &live), VSS_RWM_NEVER);
	assert_true(vss_id_equal(&live, &ids[W_D].live_id));
	/* One live instance serves one of the two nameless entries. */
	assert_int_equal(match_of(t, W_E1, &live), VSS_RWM_MATCHED);
	assert_true(vss_id_equal(&live, &ids[W_E1].live_id));
	assert_int_equal(match_of(t, W_E2, NULL), VSS_RWM_MISSING);
	/* An entry not in the document. */
	vss_id_generate(&unknown);
	assert_int_equal(vss_requester_restore_writer_match(
				 t->r, &ids[W_A].class_id, &unknown, &m, NULL),
			 -ENOENT);
	assert_int_equal(vss_requester_restore_writer_match(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 NULL, NULL),
			 -EINVAL);
}

/* Entry w of the document sent travels with an id no one has. */
static void
assert_fresh(vss_bcd *sent, int w)
{
	const vss_bcd_writer *e = vss_bcd_writer_at(sent, (size_t)w);

	assert_true(vss_id_equal(vss_bcd_writer_class_id(e),
				 &ids[w].class_id));
	for (int k = 0; k < W_COUNT; k++) {
		assert_false(vss_id_equal(vss_bcd_writer_instance_id(e),
					  &ids[k].saved_id));
		assert_false(vss_id_equal(vss_bcd_writer_instance_id(e),
					  &ids[k].live_id));
	}
}

/*
 * RS-003, RS-114: the instance E2 was saved from still runs (the live E
 * instance has E2's saved id).  It serves E2, not the first nameless
 * entry; E1 is missing and travels with an id of its own, so the
 * document vssd gets has no (class id, instance id) twice, and the reply
 * comes back by position: E2's entry gets the writer's changes.
 */
static void
test_match_running_instance(void **state)
{
	struct ctx *t = *state;
	vss_bcd *sent, *mine;
	json_t *req;
	vss_id live;

	ids[W_E1].live_id = ids[W_E2].saved_id;
	initialize(t);
	gather(t);
	assert_int_equal(match_of(t, W_E2, &live), VSS_RWM_MATCHED);
	assert_true(vss_id_equal(&live, &ids[W_E2].saved_id));
	assert_int_equal(match_of(t, W_E1, NULL), VSS_RWM_MISSING);
	assert_int_equal(vss_requester_set_selected_for_restore(
				 t->r, &ids[W_E2].class_id, &ids[W_E2].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", true),
			 0);
	assert_int_equal(pre_restore(t), VSS_S_ASYNC_FINISHED);

	req = fake_vssd_last_request(&t->f.vssd, WIRE_PRE_RESTORE);
	assert_non_null(req);
	sent = request_bcd(req); /* loads: no duplicate writer entry */
	json_decref(req);
	assert_true(vss_id_equal(
		vss_bcd_writer_instance_id(vss_bcd_writer_at(sent, W_E2)),
		&ids[W_E2].saved_id));
	assert_fresh(sent, W_E1);
	vss_bcd_free(sent);

	mine = vss_requester_bcd(t->r);
	assert_true(vss_id_equal(
		vss_bcd_writer_instance_id(vss_bcd_writer_at(mine, W_E1)),
		&ids[W_E1].saved_id));
	assert_int_equal(vss_bcd_component_restore_target(
				 component_of(mine, W_E2, &ids[W_E2].saved_id,
					      "db")),
			 VSS_RT_DIRECTED);
	assert_int_equal(vss_bcd_component_restore_target(
				 component_of(mine, W_E1, &ids[W_E1].saved_id,
					      "db")),
			 VSS_RT_ORIGINAL);
}

/*
 * RS-050: an entry that never takes part chooses last.  E1 comes first
 * and would take the one live E instance; being NEVER it leaves it to E2.
 */
static void
test_match_never_chooses_last(void **state)
{
	struct ctx *t = *state;
	static const vss_id null_id;
	vss_id live;

	e1_never = true;
	initialize(t);
	gather(t);
	assert_int_equal(match_of(t, W_E1, &live), VSS_RWM_NEVER);
	assert_true(vss_id_equal(&live, &null_id));
	assert_int_equal(match_of(t, W_E2, &live), VSS_RWM_MATCHED);
	assert_true(vss_id_equal(&live, &ids[W_E1].live_id));
}

/* RS-005, RS-020, RS-050: what can be selected for restore, and when. */
static void
test_select(void **state)
{
	struct ctx *t = *state;

	initialize(t);
	assert_int_equal(select_a(t, "db", true), VSS_E_BAD_STATE);
	gather(t);
	assert_int_equal(select_a(t, "db", true), 0);
	assert_true(vss_bcd_component_selected_for_restore(a_comp(t, "db")));
	/* Not explicitly included at backup (RS-020). */
	assert_int_equal(vss_requester_set_selected_for_restore(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 VSS_CT_FILEGROUP, "db", "logs", true),
			 VSS_E_OBJECT_NOT_FOUND);
	/* The type is part of the name. */
	assert_int_equal(vss_requester_set_selected_for_restore(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 VSS_CT_DATABASE, NULL, "db", true),
			 VSS_E_OBJECT_NOT_FOUND);
	/* A live instance id is not a saved one. */
	assert_int_equal(vss_requester_set_selected_for_restore(
				 t->r, &ids[W_A].class_id, &ids[W_A].live_id,
				 VSS_CT_FILEGROUP, NULL, "db", true),
			 VSS_E_OBJECT_NOT_FOUND);
	/* RS-005: missing or too old; RS-050: never. */
	assert_int_equal(vss_requester_set_selected_for_restore(
				 t->r, &ids[W_B].class_id, &ids[W_B].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", true),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_set_selected_for_restore(
				 t->r, &ids[W_C].class_id, &ids[W_C].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", true),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_set_selected_for_restore(
				 t->r, &ids[W_D].class_id, &ids[W_D].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", true),
			 -EINVAL);
	assert_int_equal(vss_requester_set_selected_for_restore(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 VSS_CT_FILEGROUP, NULL, NULL, true),
			 -EINVAL);
	assert_int_equal(select_a(t, "db", false), 0);
	assert_false(vss_bcd_component_selected_for_restore(a_comp(t, "db")));
	/* Not after pre_restore (RS-020). */
	assert_int_equal(pre_restore(t), VSS_S_ASYNC_FINISHED);
	assert_int_equal(select_a(t, "files", true), VSS_E_BAD_STATE);
}

static int
add_sub(struct ctx *t, const char *sub_path, const char *sub_name)
{
	return vss_requester_add_restore_subcomponent(
		t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
		VSS_CT_FILEGROUP, NULL, "db", sub_path, sub_name);
}

/* RS-021, RS-022, RS-025: restore subcomponents. */
static void
test_subcomponents(void **state)
{
	struct ctx *t = *state;
	const struct vss_restore_subcomponent *s;

	initialize(t);
	gather(t);
	/* The component is selected first. */
	assert_int_equal(add_sub(t, "db", "logs"), VSS_E_BAD_STATE);
	assert_int_equal(select_a(t, "db", true), 0);
	assert_int_equal(add_sub(t, NULL, "logs"), -EINVAL);
	/* Not selectable for restore, not in the set, not declared. */
	assert_int_equal(add_sub(t, "db", "tmp"), -EINVAL);
	assert_int_equal(add_sub(t, "", "files"), -EINVAL);
	assert_int_equal(add_sub(t, "db", "nothing"), VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(add_sub(t, "db", "logs"), 0);
	assert_int_equal(add_sub(t, "db", "logs"),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_int_equal(
		vss_bcd_component_restore_subcomponent_count(a_comp(t, "db")),
		1);
	s = vss_bcd_component_restore_subcomponent(a_comp(t, "db"), 0);
	assert_string_equal(s->logical_path, "db");
	assert_string_equal(s->name, "logs");
	assert_false(s->repair);
	/* Deselecting takes the subcomponents too. */
	assert_int_equal(select_a(t, "db", false), 0);
	assert_int_equal(
		vss_bcd_component_restore_subcomponent_count(a_comp(t, "db")),
		0);
}

/* RS-030 .. RS-034, RS-100: restore options. */
static void
test_options(void **state)
{
	struct ctx *t = *state;
	const vss_id *cls = &ids[W_A].class_id, *inst = &ids[W_A].saved_id;
	vss_bcd_component *c;

	initialize(t);
	/* Options may come before gathering. */
	assert_int_equal(vss_requester_set_restore_options(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL, "db",
				 "\"Authoritative\"=\"All\""),
			 0);
	assert_int_equal(vss_requester_set_restore_options(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL, "db",
				 "again"),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_int_equal(vss_requester_set_restore_options(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL,
				 "nothing", "x"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_set_restore_options(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL, "db",
				 NULL),
			 -EINVAL);
	gather(t);
	assert_int_equal(vss_requester_set_additional_restores(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL, "db",
				 true),
			 0);
	assert_int_equal(vss_requester_set_authoritative_restore(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL, "db",
				 true),
			 0);
	assert_int_equal(vss_requester_set_roll_forward(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL, "db",
				 VSS_RF_UNDEFINED, NULL),
			 -EINVAL);
	assert_int_equal(vss_requester_set_roll_forward(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL, "db",
				 VSS_RF_PARTIAL, "lsn:42"),
			 0);
	assert_int_equal(vss_requester_set_restore_name(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL, "db",
				 "db2"),
			 0);
	assert_int_equal(vss_requester_set_restore_state(t->r,
							 VSS_RTYPE_BY_COPY),
			 0);
	assert_int_equal(vss_requester_set_restore_state(
				 t->r, (enum vss_restore_type)99),
			 -EINVAL);
	/* RS-032: a writer whose schema lacks the bits. */
	assert_int_equal(vss_requester_set_authoritative_restore(
				 t->r, &ids[W_B].class_id, &ids[W_B].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", true),
			 -EINVAL);
	assert_int_equal(vss_requester_set_roll_forward(
				 t->r, &ids[W_B].class_id, &ids[W_B].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", VSS_RF_ALL,
				 NULL),
			 -EINVAL);
	assert_int_equal(vss_requester_set_restore_name(
				 t->r, &ids[W_B].class_id, &ids[W_B].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", "x"),
			 -EINVAL);
	c = a_comp(t, "db");
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_RESTORE_OPTIONS),
			    "\"Authoritative\"=\"All\"");
	assert_true(vss_bcd_component_additional_restores(c));
	assert_true(vss_bcd_component_authoritative_restore(c));
	assert_int_equal(vss_bcd_component_rollforward_type(c),
			 VSS_RF_PARTIAL);
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_ROLLFORWARD_POINT),
			    "lsn:42");
	assert_string_equal(vss_bcd_component_text(c, VSS_TEXT_RESTORE_NAME),
			    "db2");
	assert_int_equal(vss_bcd_restore_type(vss_requester_bcd(t->r)),
			 VSS_RTYPE_BY_COPY);
	/* All before pre_restore. */
	assert_int_equal(pre_restore(t), VSS_S_ASYNC_FINISHED);
	assert_int_equal(vss_requester_set_additional_restores(
				 t->r, cls, inst, VSS_CT_FILEGROUP, NULL, "db",
				 false),
			 VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_set_restore_state(t->r,
							 VSS_RTYPE_OTHER),
			 VSS_E_BAD_STATE);
}

static int
new_target(struct ctx *t, int w, const char *name, const char *path)
{
	return vss_requester_add_new_target(
		t->r, &ids[w].class_id, &ids[w].saved_id, VSS_CT_FILEGROUP,
		NULL, name, path, "*", true, "/restored");
}

/* RS-080, RS-081: new targets. */
static void
test_new_targets(void **state)
{
	struct ctx *t = *state;
	const struct vss_location_mapping *m;

	initialize(t);
	gather(t);
	/* The component's own file set and that of its implicit member. */
	assert_int_equal(new_target(t, W_A, "db", "/data/db"), 0);
	assert_int_equal(new_target(t, W_A, "db", "/data/logs"), 0);
	/* Another component's file set, a file set of nothing. */
	assert_int_equal(new_target(t, W_A, "db", "/data/files"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(new_target(t, W_A, "db", "/elsewhere"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_add_new_target(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", "/data/db", "*",
				 false, "/restored"),
			 VSS_E_OBJECT_NOT_FOUND);
	/* RS-080: the writer must support new targets. */
	assert_int_equal(new_target(t, W_B, "db", "/data/db"), -EINVAL);
	assert_int_equal(vss_bcd_component_new_target_count(a_comp(t, "db")),
			 2);
	m = vss_bcd_component_new_target(a_comp(t, "db"), 1);
	assert_string_equal(m->path, "/data/logs");
	assert_string_equal(m->destination, "/restored");
}

/*
 * The whole sequence: vssd sees live instance ids, the caller saved ones;
 * the writers' changes come back from pre_restore (RS-006); the results
 * go with post_restore (RS-073, RS-110).
 */
static void
test_sequence(void **state)
{
	struct ctx *t = *state;
	const char *type = NULL;
	vss_bcd_component *c;
	json_t *req;
	vss_bcd *sent;

	initialize(t);
	gather(t);
	assert_int_equal(select_a(t, "db", true), 0);
	assert_int_equal(add_sub(t, "db", "logs"), 0);
	assert_int_equal(vss_requester_set_restore_state(t->r,
							 VSS_RTYPE_BY_COPY),
			 0);
	/* Results only between pre_restore and post_restore. */
	assert_int_equal(set_status(t, "db", VSS_RS_ALL), VSS_E_BAD_STATE);
	assert_int_equal(post_restore(t), VSS_E_BAD_STATE);
	assert_int_equal(pre_restore(t), VSS_S_ASYNC_FINISHED);

	req = fake_vssd_last_request(&t->f.vssd, WIRE_PRE_RESTORE);
	assert_non_null(req);
	assert_int_equal(wire_get_str(req, WF_RESTORE_TYPE, &type), 0);
	assert_string_equal(type, vss_restore_type_str(VSS_RTYPE_BY_COPY));
	sent = request_bcd(req);
	json_decref(req);
	/*
	 * Matched writers travel with their live ids, the others with fresh
	 * ones no writer has, in the document's order.
	 */
	assert_int_equal(vss_bcd_writer_count(sent), W_COUNT);
	assert_true(vss_id_equal(
		vss_bcd_writer_instance_id(vss_bcd_writer_at(sent, W_A)),
		&ids[W_A].live_id));
	assert_true(vss_id_equal(
		vss_bcd_writer_instance_id(vss_bcd_writer_at(sent, W_E1)),
		&ids[W_E1].live_id));
	assert_fresh(sent, W_B);
	assert_fresh(sent, W_C);
	assert_fresh(sent, W_D);
	assert_fresh(sent, W_E2);
	assert_true(vss_bcd_component_selected_for_restore(
		component_of(sent, W_A, &ids[W_A].live_id, "db")));
	vss_bcd_free(sent);

	/* The reply's document, with saved ids again (RS-006). */
	assert_null(vss_bcd_find_writer(vss_requester_bcd(t->r),
					&ids[W_A].class_id,
					&ids[W_A].live_id));
	c = a_comp(t, "db");
	assert_non_null(c);
	assert_int_equal(vss_bcd_component_restore_target(c),
			 VSS_RT_DIRECTED);
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_RESTORE_METADATA),
			    "from-writer");
	assert_int_equal(vss_bcd_component_restore_target(
				 component_of(vss_requester_bcd(t->r), W_B,
					      &ids[W_B].saved_id, "db")),
			 VSS_RT_ORIGINAL);

	/* RS-110: a status for every selected component. */
	assert_int_equal(set_status(t, "db", VSS_RS_UNDEFINED), -EINVAL);
	assert_int_equal(set_status(t, "files", VSS_RS_ALL),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(post_restore(t), VSS_E_BAD_STATE);
	assert_int_equal(set_status(t, "db", VSS_RS_ALL), 0);

	/* RS-073: only mappings of the saved WMD, of the component's set. */
	assert_int_equal(vss_requester_add_alternative_location_mapping(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", "/data/db", "*",
				 true, "/alt/db"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_add_alternative_location_mapping(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", "/data/files",
				 "*", true, "/alt/files"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_add_alternative_location_mapping(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 VSS_CT_FILEGROUP, NULL, "files",
				 "/data/files", "*", true, "/alt/files"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_requester_add_alternative_location_mapping(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", "/data/logs",
				 "*", true, "/alt/logs"),
			 0);
	assert_int_equal(vss_requester_add_alternative_location_mapping(
				 t->r, &ids[W_A].class_id, &ids[W_A].saved_id,
				 VSS_CT_FILEGROUP, NULL, "db", "/data/logs",
				 "*", true, "/alt/logs"),
			 VSS_E_OBJECT_ALREADY_EXISTS);

	assert_int_equal(post_restore(t), VSS_S_ASYNC_FINISHED);
	req = fake_vssd_last_request(&t->f.vssd, WIRE_POST_RESTORE);
	assert_non_null(req);
	sent = request_bcd(req);
	json_decref(req);
	c = component_of(sent, W_A, &ids[W_A].live_id, "db");
	assert_int_equal(vss_bcd_component_file_restore_status(c),
			 VSS_RS_ALL);
	assert_int_equal(vss_bcd_component_alternate_location_mapping_count(c),
			 1);
	vss_bcd_free(sent);
	assert_int_equal(vss_bcd_component_file_restore_status(a_comp(t, "db")),
			 VSS_RS_ALL);

	/* Once each; results are closed; statuses still work (RS-011). */
	assert_int_equal(post_restore(t), VSS_E_BAD_STATE);
	assert_int_equal(pre_restore(t), VSS_E_BAD_STATE);
	assert_int_equal(set_status(t, "db", VSS_RS_NONE), VSS_E_BAD_STATE);
	{
		vss_async *a = NULL;
		const struct vss_writer_status *s;

		assert_int_equal(vss_requester_gather_writer_status(t->r, &a),
				 0);
		assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
		assert_int_equal(vss_requester_writer_status_count(t->r), 4);
		s = vss_requester_writer_status(t->r, 0);
		assert_int_equal(s->state, VSS_WS_FAILED_AT_PRE_RESTORE);
		assert_string_equal(s->message, "service busy");
	}
}

/* RS-010: no abort, no cancel, and no backup call in a restore. */
static void
test_no_abort_no_backup(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;
	vss_id id;
	int status = 0;

	initialize(t);
	assert_int_equal(vss_requester_abort_backup(t->r), VSS_E_BAD_STATE);
	gather(t);
	assert_int_equal(vss_requester_abort_backup(t->r), VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_start_snapshot_set(t->r, &id),
			 VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_add_component(t->r, &ids[W_A].live_id,
						     &ids[W_A].class_id,
						     VSS_CT_FILEGROUP, NULL,
						     "db"),
			 VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_prepare_for_backup(t->r, &a),
			 VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_set_context(t->r, VSS_CTX_BACKUP),
			 VSS_E_BAD_STATE);
	assert_int_equal(select_a(t, "db", true), 0);

	fake_set(&t->f, WIRE_PRE_RESTORE, 0, true);
	assert_int_equal(vss_requester_pre_restore(t->r, &a), 0);
	json_decref(fake_vssd_last_request(&t->f.vssd, WIRE_PRE_RESTORE));
	assert_int_equal(vss_async_cancel(a), -ENOTSUP);
	assert_int_equal(vss_requester_abort_backup(t->r), VSS_E_BAD_STATE);
	assert_int_equal(fake_vssd_count(&t->f.vssd, WIRE_CANCEL), 0);
	assert_int_equal(fake_vssd_count(&t->f.vssd, WIRE_ABORT_BACKUP), 0);
	assert_int_equal(vss_async_query_status(a, &status), 0);
	assert_int_equal(status, VSS_S_ASYNC_PENDING);
	vss_async_free(a);
}

/*
 * RS-009: freeing the requester before post_restore ends is allowed; the
 * operation then ends with an error, and its handle stays usable.
 */
static void
test_free_during_post_restore(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;
	int status = 0;

	initialize(t);
	gather(t);
	assert_int_equal(select_a(t, "db", true), 0);
	assert_int_equal(pre_restore(t), VSS_S_ASYNC_FINISHED);
	assert_int_equal(set_status(t, "db", VSS_RS_NONE), 0);
	fake_set(&t->f, WIRE_POST_RESTORE, 0, true);
	assert_int_equal(vss_requester_post_restore(t->r, &a), 0);
	json_decref(fake_vssd_last_request(&t->f.vssd, WIRE_POST_RESTORE));
	vss_requester_free(t->r);
	t->r = NULL;
	assert_int_equal(vss_async_wait(a, WAIT_MS), 0);
	assert_int_equal(vss_async_query_status(a, &status), 0);
	assert_int_equal(status, -ECONNRESET);
	assert_int_equal(vss_async_cancel(a), -ECONNRESET);
	vss_async_free(a);
}

/* A pre_restore vssd refuses ends the restore: status is all that is left. */
static void
test_pre_restore_fails(void **state)
{
	struct ctx *t = *state;
	vss_async *a = NULL;
	vss_bcd *before;

	initialize(t);
	gather(t);
	assert_int_equal(select_a(t, "db", true), 0);
	before = vss_requester_bcd(t->r);
	fake_set(&t->f, WIRE_PRE_RESTORE, VSS_E_BAD_STATE, false);
	assert_int_equal(pre_restore(t), VSS_E_BAD_STATE);
	/* The document is the caller's, unchanged. */
	assert_ptr_equal(vss_requester_bcd(t->r), before);
	assert_int_equal(vss_bcd_component_restore_target(a_comp(t, "db")),
			 VSS_RT_ORIGINAL);
	assert_int_equal(set_status(t, "db", VSS_RS_ALL), VSS_E_BAD_STATE);
	assert_int_equal(post_restore(t), VSS_E_BAD_STATE);
	assert_int_equal(pre_restore(t), VSS_E_BAD_STATE);
	assert_int_equal(vss_requester_abort_backup(t->r), VSS_E_BAD_STATE);
	assert_int_equal(match_of(t, W_A, NULL), VSS_RWM_MATCHED);
	assert_int_equal(vss_requester_gather_writer_status(t->r, &a), 0);
	assert_int_equal(fake_vssd_await(a), VSS_S_ASYNC_FINISHED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_initialize_bad_xml),
		T(test_initialize_clears_restore_fields),
		T(test_saved_wmds),
		T(test_writer_match),
		T(test_match_running_instance),
		T(test_match_never_chooses_last),
		T(test_select),
		T(test_subcomponents),
		T(test_options),
		T(test_new_targets),
		T(test_sequence),
		T(test_no_abort_no_backup),
		T(test_free_during_post_restore),
		T(test_pre_restore_fails),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
