/*
 * tests/integration/test_restore.c - the requester restore API (restore.md
 * §1) end to end: a real vssd, writers of this process on the writer
 * library, a backup in component mode whose document and writer metadata
 * are saved, then restores of it through vss/requester.h.
 *
 * The writers: "app" (restarted between backup and restore, so it has a
 * new instance id and its saved name) with "db" (holding "db\logs",
 * selectable for restore) and "cfg"; "quiet", whose restore method says
 * never (RS-050); "gone", which took part in the backup and runs no more
 * (RS-005).  Covered: matching, selection and subcomponents, restore
 * options, authoritative and additional restores, new targets, the
 * restore type, what app sets in pre_restore coming back to the
 * requester with saved ids (RS-006), file restore statuses and alternate
 * location mappings reaching app's post_restore with the metadata it
 * stored at backup (RS-103, RS-111), writer failures at pre_restore and
 * post_restore as writer states with their messages (RS-112; a
 * post-restore failure message on a component counts only when set by a
 * failing post_restore handler), and a
 * requester freed during post_restore (RS-009): the operation ends with
 * an error and app, which went offline in pre_restore, gets
 * backup_shutdown to come back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vss/metadata.h>
#include <vss/requester.h>
#include <vss/writer.h>

#include "check.h"
#include "fixture.h"

#define CALL_MS 30000

static struct fx *fx;
static const char *vol[1];

/* ---- writers of this process ------------------------------------------ */

enum { APP, QUIET, GONE, N_APPS };

/* What app's handlers saw of its components, and how they behave. */
struct seen {
	vss_id instance_id;           /* of the entry the event carried */
	enum vss_restore_type type;
	bool db_selected, cfg_selected;
	size_t db_subs;
	char db_sub[64];
	char db_options[64];
	bool db_authoritative, cfg_additional;
	char db_backup_metadata[64];
	char db_restore_metadata[64];
	size_t cfg_new_targets;
	enum vss_file_restore_status db_status, cfg_status;
	size_t db_mappings;
};

struct app {
	const char *name;
	const char *class_id;
	enum vss_writer_restore wre;
	vss_writer *w;
	sem_t in_post_restore;     /* posted when post_restore begins */
	sem_t release_post;        /* waited for when block_post */
	pthread_mutex_t lock;
	/* Under lock: */
	bool fail_pre, fail_post, block_post;
	bool post_msg_in_pre;      /* pre_restore sets a post-restore msg */
	bool fail_post_quietly;    /* post_restore fails, no message of its */
	bool post_nonfatal;        /* post_restore: message, non-fatal failure */
	bool offline;              /* taken offline in pre_restore */
	int pre_restores, post_restores, shutdowns;
	struct seen pre, post;
};

static struct app apps[N_APPS] = {
	[APP] = { "app", "5c0e7a52-8f1d-4c3b-a9e2-1d2f3a4b5c61",
		  VSS_WRE_ALWAYS },
	[QUIET] = { "quiet", "5c0e7a52-8f1d-4c3b-a9e2-1d2f3a4b5c62",
		    VSS_WRE_NEVER },
	[GONE] = { "gone", "5c0e7a52-8f1d-4c3b-a9e2-1d2f3a4b5c63",
		   VSS_WRE_ALWAYS },
};

/* The saved backup: its document and each writer's metadata. */
static char *saved_bcd;
static char *saved_wmd[N_APPS];
static vss_id saved_instance[N_APPS];

static void
file_set_path(char *out, size_t size, const char *what)
{
	join_path(out, size, vol[0], what);
}

static int
app_identify(vss_writer *w, vss_wmd *wmd, void *u)
{
	struct app *a = u;
	const struct vss_restore_method_info rm = {
		.method = VSS_RME_RESTORE_IF_CAN_REPLACE,
		.writer_restore = a->wre,
	};
	struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.selectable = true,
	};
	char path[PATH_MAX], alt[PATH_MAX];
	int r;

	(void)w;
	file_set_path(path, sizeof(path), a->name);
	def.name = a == &apps[APP] ? "db" : "data";
	r = vss_wmd_add_component(wmd, &def);
	if (r == 0)
		r = vss_wmd_add_files_to_file_group(wmd, NULL, def.name, path,
						    "*", true, NULL, 0);
	if (r == 0)
		r = vss_wmd_set_restore_method(wmd, &rm);
	if (r < 0 || a != &apps[APP])
		return r;
	r = vss_wmd_set_backup_schema(wmd, VSS_BS_AUTHORITATIVE_RESTORE |
					   VSS_BS_WRITER_SUPPORTS_NEW_TARGET);
	def.logical_path = "db";
	def.name = "logs";
	def.selectable = false;
	def.selectable_for_restore = true;
	file_set_path(path, sizeof(path), "app-logs");
	if (r == 0)
		r = vss_wmd_add_component(wmd, &def);
	if (r == 0)
		r = vss_wmd_add_files_to_file_group(wmd, "db", "logs", path,
						    "*", true, NULL, 0);
	file_set_path(alt, sizeof(alt), "alt-logs");
	if (r == 0)
		r = vss_wmd_add_alternate_location_mapping(wmd, path, "*",
							   true, alt);
	def.logical_path = NULL;
	def.name = "cfg";
	def.selectable = true;
	def.selectable_for_restore = false;
	file_set_path(path, sizeof(path), "app-cfg");
	if (r == 0)
		r = vss_wmd_add_component(wmd, &def);
	if (r == 0)
		r = vss_wmd_add_files_to_file_group(wmd, NULL, "cfg", path,
						    "*", true, NULL, 0);
	return r;
}

static vss_bcd_component *
own_component(vss_writer_event *ev, const char *name)
{
	vss_bcd_writer *mine = vss_writer_event_components(ev);

	return mine ? vss_bcd_writer_find_component(mine, VSS_CT_FILEGROUP,
						    NULL, name)
		    : NULL;
}

/* RS-103: private data for the restore, stored at backup. */
static int
app_prepare_backup(vss_writer *w, vss_writer_event *ev, void *u)
{
	vss_bcd_writer *mine = vss_writer_event_components(ev);
	char text[64];

	(void)w;
	(void)u;
	for (size_t i = 0; mine && i < vss_bcd_writer_component_count(mine);
	     i++) {
		vss_bcd_component *c = vss_bcd_writer_component(mine, i);

		snprintf(text, sizeof(text), "bm:%s",
			 vss_bcd_component_name(c));
		if (vss_bcd_component_set_text(c, VSS_TEXT_BACKUP_METADATA,
					       text) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void
copy_text(char *out, size_t size, const vss_bcd_component *c,
	  enum vss_component_text field)
{
	const char *s = c ? vss_bcd_component_text(c, field) : NULL;

	snprintf(out, size, "%s", s ? s : "");
}

/* Everything a handler may read of its components. */
static void
record(vss_writer_event *ev, struct seen *s)
{
	vss_bcd_writer *mine = vss_writer_event_components(ev);
	vss_bcd_component *db = own_component(ev, "db");
	vss_bcd_component *cfg = own_component(ev, "cfg");
	const struct vss_restore_subcomponent *sub;

	memset(s, 0, sizeof(*s));
	if (mine)
		s->instance_id = *vss_bcd_writer_instance_id(mine);
	s->type = vss_writer_event_restore_type(ev);
	s->db_selected = vss_bcd_component_selected_for_restore(db);
	s->cfg_selected = vss_bcd_component_selected_for_restore(cfg);
	s->db_subs = vss_bcd_component_restore_subcomponent_count(db);
	sub = vss_bcd_component_restore_subcomponent(db, 0);
	if (sub)
		snprintf(s->db_sub, sizeof(s->db_sub), "%s\\%s",
			 sub->logical_path, sub->name);
	copy_text(s->db_options, sizeof(s->db_options), db,
		  VSS_TEXT_RESTORE_OPTIONS);
	s->db_authoritative = vss_bcd_component_authoritative_restore(db);
	s->cfg_additional = vss_bcd_component_additional_restores(cfg);
	copy_text(s->db_backup_metadata, sizeof(s->db_backup_metadata), db,
		  VSS_TEXT_BACKUP_METADATA);
	copy_text(s->db_restore_metadata, sizeof(s->db_restore_metadata), db,
		  VSS_TEXT_RESTORE_METADATA);
	s->cfg_new_targets = vss_bcd_component_new_target_count(cfg);
	s->db_status = vss_bcd_component_file_restore_status(db);
	s->cfg_status = vss_bcd_component_file_restore_status(cfg);
	s->db_mappings =
		vss_bcd_component_alternate_location_mapping_count(db);
}

/*
 * RS-008: a directed target, restore metadata for its own post_restore
 * and a pre-restore failure message; the service goes offline.
 */
static int
app_pre_restore(vss_writer *w, vss_writer_event *ev, void *u)
{
	struct app *a = u;
	vss_bcd_component *db = own_component(ev, "db");
	vss_bcd_component *cfg = own_component(ev, "cfg");
	const struct vss_directed_target dt = {
		.source_path = "/src",
		.source_file = "db.dat",
		.source_ranges = "0:4096",
		.destination_path = "/dst",
		.destination_file = "db.dat",
		.destination_ranges = "0:4096",
	};
	bool fail, post_msg;

	(void)w;
	pthread_mutex_lock(&a->lock);
	a->pre_restores++;
	record(ev, &a->pre);
	a->offline = true;
	fail = a->fail_pre;
	post_msg = a->post_msg_in_pre;
	pthread_mutex_unlock(&a->lock);
	if (fail) {
		vss_writer_event_set_failure(ev, VSS_E_WRITERERROR_RETRYABLE,
					     7, "cannot stop the service");
		return VSS_E_WRITERERROR_RETRYABLE;
	}
	/* RS-008: allowed in pre_restore; not this event's failure. */
	if (post_msg &&
	    vss_bcd_component_set_text(db, VSS_TEXT_POST_RESTORE_FAILURE_MSG,
				       "set in pre_restore") < 0)
		return VSS_E_WRITERERROR_NONRETRYABLE;
	if (!db || !cfg ||
	    vss_bcd_component_set_restore_target(db, VSS_RT_DIRECTED) < 0 ||
	    vss_bcd_component_add_directed_target(db, &dt) < 0 ||
	    vss_bcd_component_set_text(db, VSS_TEXT_RESTORE_METADATA,
				       "rm:db") < 0 ||
	    vss_bcd_component_set_text(cfg, VSS_TEXT_PRE_RESTORE_FAILURE_MSG,
				       "cfg: kept the old one") < 0)
		return VSS_E_WRITERERROR_NONRETRYABLE;
	return 0;
}

static int
app_post_restore(vss_writer *w, vss_writer_event *ev, void *u)
{
	struct app *a = u;
	bool block, fail, quietly, nonfatal;

	(void)w;
	pthread_mutex_lock(&a->lock);
	a->post_restores++;
	record(ev, &a->post);
	block = a->block_post;
	fail = a->fail_post;
	quietly = a->fail_post_quietly;
	nonfatal = a->post_nonfatal;
	pthread_mutex_unlock(&a->lock);
	sem_post(&a->in_post_restore);
	if (block)
		sem_wait(&a->release_post);
	if (quietly)
		return VSS_E_WRITERERROR_RETRYABLE;
	if (nonfatal) {
		/* A message on the component, but the handler succeeds. */
		vss_bcd_component_set_text(own_component(ev, "db"),
					   VSS_TEXT_POST_RESTORE_FAILURE_MSG,
					   "not a failure message");
		vss_writer_event_set_failure(
			ev, VSS_E_WRITERERROR_RETRYABLE, 0, NULL);
		return 0;
	}
	if (fail) {
		/* The component's message becomes the failure's. */
		vss_bcd_component_set_text(own_component(ev, "db"),
					   VSS_TEXT_POST_RESTORE_FAILURE_MSG,
					   "log replay failed");
		return VSS_E_WRITERERROR_RETRYABLE;
	}
	pthread_mutex_lock(&a->lock);
	a->offline = false;
	pthread_mutex_unlock(&a->lock);
	return 0;
}

/* A service taken offline in pre_restore comes back here too. */
static int
app_shutdown(vss_writer *w, vss_writer_event *ev, void *u)
{
	struct app *a = u;

	(void)w;
	(void)ev;
	pthread_mutex_lock(&a->lock);
	a->shutdowns++;
	a->offline = false;
	pthread_mutex_unlock(&a->lock);
	return 0;
}

static void
app_start(struct app *a)
{
	struct vss_writer_opts o = {
		.size = sizeof(o),
		.instance_name = "main",
		.friendly_name = a->name,
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
		.major_version = 1,
		.socket_path = fx->socket,
	};
	const struct vss_writer_callbacks cb = {
		.size = sizeof(cb),
		.identify = app_identify,
		.prepare_backup = app_prepare_backup,
		.pre_restore = app_pre_restore,
		.post_restore = app_post_restore,
		.backup_shutdown = app_shutdown,
	};

	assert_ok(vss_id_parse(&o.class_id, a->class_id));
	assert_int_equal(sem_init(&a->in_post_restore, 0, 0), 0);
	assert_int_equal(sem_init(&a->release_post, 0, 0), 0);
	assert_int_equal(pthread_mutex_init(&a->lock, NULL), 0);
	assert_ok(vss_writer_new(&a->w, &o, &cb, a));
	assert_ok(vss_writer_subscribe(a->w));
	assert_ok(vss_writer_start_thread(a->w));
}

static void
app_stop(struct app *a)
{
	if (!a->w)
		return;
	vss_writer_stop_thread(a->w);
	vss_writer_free(a->w);
	a->w = NULL;
	sem_destroy(&a->in_post_restore);
	sem_destroy(&a->release_post);
	pthread_mutex_destroy(&a->lock);
}

/* A fresh app for a test: counters and behaviour reset. */
static void
app_reset(struct app *a)
{
	pthread_mutex_lock(&a->lock);
	a->fail_pre = a->fail_post = a->block_post = a->offline = false;
	a->post_msg_in_pre = a->fail_post_quietly = a->post_nonfatal = false;
	a->pre_restores = a->post_restores = a->shutdowns = 0;
	memset(&a->pre, 0, sizeof(a->pre));
	memset(&a->post, 0, sizeof(a->post));
	pthread_mutex_unlock(&a->lock);
}

static int
app_count(struct app *a, const int *counter)
{
	int n;

	pthread_mutex_lock(&a->lock);
	n = *counter;
	pthread_mutex_unlock(&a->lock);
	return n;
}

/* Wait (10 s at most) until *counter reaches n. */
static void
app_wait_count(struct app *a, const int *counter, int n)
{
	for (int i = 0; i < 1000 && app_count(a, counter) < n; i++)
		fx_sleep_ms(10);
	assert_int_equal(app_count(a, counter), n);
}

static bool
app_offline(struct app *a)
{
	bool offline;

	pthread_mutex_lock(&a->lock);
	offline = a->offline;
	pthread_mutex_unlock(&a->lock);
	return offline;
}

/* ---- the backup whose document is restored ---------------------------- */

static const vss_wmd *
gathered(vss_requester *r, struct app *a)
{
	vss_id class_id;

	assert_ok(vss_id_parse(&class_id, a->class_id));
	for (size_t i = 0; i < vss_requester_writer_metadata_count(r); i++) {
		const vss_wmd *wmd = vss_requester_writer_metadata(r, i);

		if (vss_id_equal(&vss_wmd_identity(wmd)->class_id, &class_id))
			return wmd;
	}
	fail_msg("writer '%s' did not answer Identify", a->name);
	return NULL;
}

static void
add_component(vss_requester *r, int i, const char *name)
{
	const struct vss_writer_identity *id =
		vss_wmd_identity(gathered(r, &apps[i]));

	assert_ok(vss_requester_add_component(r, &id->instance_id,
					      &id->class_id, VSS_CT_FILEGROUP,
					      NULL, name));
}

/* A full component-mode backup of every writer, saved for the tests. */
static void
backup(void)
{
	const struct vss_backup_state st = { .select_components = true,
					     .backup_type = VSS_BT_FULL };
	vss_requester *r = NULL;
	vss_async *a = NULL;
	vss_id set_id, snap;
	size_t len;

	assert_ok(vss_requester_new(&r, fx->socket));
	assert_ok(vss_requester_initialize_for_backup(r, NULL));
	assert_ok(vss_requester_set_backup_state(r, &st));
	assert_ok(vss_requester_gather_writer_metadata(r, &a));
	assert_ok(fx_async_finish(a, CALL_MS));
	add_component(r, APP, "db");
	add_component(r, APP, "cfg");
	add_component(r, QUIET, "data");
	add_component(r, GONE, "data");
	assert_ok(vss_requester_start_snapshot_set(r, &set_id));
	assert_ok(vss_requester_add_to_snapshot_set(r, vol[0], NULL, &snap));
	assert_ok(vss_requester_prepare_for_backup(r, &a));
	assert_ok(fx_async_finish(a, CALL_MS));
	assert_ok(vss_requester_do_snapshot_set(r, &a));
	assert_ok(fx_async_finish(a, CALL_MS));
	assert_ok(vss_requester_backup_complete(r, &a));
	assert_ok(fx_async_finish(a, CALL_MS));
	assert_ok(vss_requester_save_bcd(r, &saved_bcd, &len));
	for (int i = 0; i < N_APPS; i++) {
		const vss_wmd *wmd = gathered(r, &apps[i]);

		saved_instance[i] = vss_wmd_identity(wmd)->instance_id;
		assert_ok(vss_wmd_save_xml(wmd, &saved_wmd[i], &len));
	}
	vss_requester_free(r);
}

/* ---- a restore ---------------------------------------------------------- */

struct rq {
	vss_requester *r;
	vss_id class_id[N_APPS];
};

/* initialize_for_restore, the saved WMDs, gather. */
static void
restore_begin(struct rq *q)
{
	vss_async *a = NULL;

	assert_ok(vss_requester_new(&q->r, fx->socket));
	assert_ok(vss_requester_initialize_for_restore(q->r, saved_bcd));
	for (int i = 0; i < N_APPS; i++) {
		vss_wmd *wmd = NULL;

		assert_ok(vss_id_parse(&q->class_id[i], apps[i].class_id));
		assert_ok(vss_wmd_load_xml(&wmd, saved_wmd[i],
					   strlen(saved_wmd[i]), NULL));
		assert_ok(vss_requester_restore_set_writer_wmd(q->r, wmd));
		vss_wmd_free(wmd);
	}
	assert_ok(vss_requester_gather_writer_metadata(q->r, &a));
	assert_ok(fx_async_finish(a, CALL_MS));
}

static int
select_app(struct rq *q, const char *name)
{
	return vss_requester_set_selected_for_restore(
		q->r, &q->class_id[APP], &saved_instance[APP],
		VSS_CT_FILEGROUP, NULL, name, true);
}

static int
app_status(struct rq *q, const char *name, enum vss_file_restore_status s)
{
	return vss_requester_set_file_restore_status(
		q->r, &q->class_id[APP], &saved_instance[APP],
		VSS_CT_FILEGROUP, NULL, name, s);
}

static vss_bcd_component *
app_component(struct rq *q, const char *name)
{
	vss_bcd_writer *w = vss_bcd_find_writer(vss_requester_bcd(q->r),
						&q->class_id[APP],
						&saved_instance[APP]);

	assert_non_null(w);
	return vss_bcd_writer_find_component(w, VSS_CT_FILEGROUP, NULL, name);
}

/*
 * Free the requester: app, which took part, gets backup_shutdown (BK-085)
 * and is back online; waited for, so that it does not reach the next
 * test.
 */
static void
restore_end(struct rq *q)
{
	vss_requester_free(q->r);
	q->r = NULL;
	app_wait_count(&apps[APP], &apps[APP].shutdowns, 1);
	assert_false(app_offline(&apps[APP]));
}

/* The state of app's live instance from gather_writer_status. */
static const struct vss_writer_status *
app_writer_status(struct rq *q)
{
	const vss_id *live = vss_writer_instance_id(apps[APP].w);
	vss_async *a = NULL;

	assert_ok(vss_requester_gather_writer_status(q->r, &a));
	assert_ok(fx_async_finish(a, CALL_MS));
	for (size_t i = 0; i < vss_requester_writer_status_count(q->r); i++) {
		const struct vss_writer_status *s =
			vss_requester_writer_status(q->r, i);

		if (vss_id_equal(&s->instance_id, live))
			return s;
	}
	fail_msg("no status of app");
	return NULL;
}

/* ---- the cases -------------------------------------------------------- */

/* RS-003, RS-005, RS-050: the saved writers against the live ones. */
static void
test_match_and_select(void **state)
{
	enum vss_restore_writer_match m;
	struct rq q = { 0 };
	vss_id live;

	(void)state;
	restore_begin(&q);
	assert_ok(vss_requester_restore_writer_match(
		q.r, &q.class_id[APP], &saved_instance[APP], &m, &live));
	assert_int_equal(m, VSS_RWM_MATCHED);
	/* Restarted: a new instance id, found by its saved name. */
	assert_false(vss_id_equal(&live, &saved_instance[APP]));
	assert_true(vss_id_equal(&live, vss_writer_instance_id(apps[APP].w)));
	assert_ok(vss_requester_restore_writer_match(
		q.r, &q.class_id[QUIET], &saved_instance[QUIET], &m, &live));
	assert_int_equal(m, VSS_RWM_NEVER);
	assert_ok(vss_requester_restore_writer_match(
		q.r, &q.class_id[GONE], &saved_instance[GONE], &m, NULL));
	assert_int_equal(m, VSS_RWM_MISSING);
	assert_int_equal(vss_requester_set_selected_for_restore(
				 q.r, &q.class_id[QUIET],
				 &saved_instance[QUIET], VSS_CT_FILEGROUP,
				 NULL, "data", true),
			 -EINVAL);
	assert_status(vss_requester_set_selected_for_restore(
			      q.r, &q.class_id[GONE], &saved_instance[GONE],
			      VSS_CT_FILEGROUP, NULL, "data", true),
		      VSS_E_OBJECT_NOT_FOUND);
	vss_requester_free(q.r);
}

/*
 * The whole sequence: what the requester chooses reaches app in
 * pre_restore (RS-020 .. RS-034, RS-081, RS-100, RS-103), what app sets
 * there comes back with saved ids (RS-006), and the results reach its
 * post_restore (RS-073, RS-082, RS-110, RS-111).
 */
static void
test_restore_sequence(void **state)
{
	struct app *a = &apps[APP];
	const vss_id *cls;
	const vss_id *saved = &saved_instance[APP];
	const vss_id *live = vss_writer_instance_id(a->w);
	const struct vss_directed_target *dt;
	const struct vss_writer_status *s;
	char logs[PATH_MAX], alt[PATH_MAX], cfg[PATH_MAX], newcfg[PATH_MAX];
	vss_bcd_component *c;
	struct rq q = { 0 };
	vss_async *op = NULL;

	(void)state;
	file_set_path(logs, sizeof(logs), "app-logs");
	file_set_path(alt, sizeof(alt), "alt-logs");
	file_set_path(cfg, sizeof(cfg), "app-cfg");
	file_set_path(newcfg, sizeof(newcfg), "elsewhere");
	restore_begin(&q);
	cls = &q.class_id[APP];
	assert_ok(select_app(&q, "db"));
	assert_ok(vss_requester_add_restore_subcomponent(
		q.r, cls, saved, VSS_CT_FILEGROUP, NULL, "db", "db", "logs"));
	assert_ok(select_app(&q, "cfg"));
	assert_ok(vss_requester_set_restore_options(
		q.r, cls, saved, VSS_CT_FILEGROUP, NULL, "db",
		"\"Authoritative\"=\"All\""));
	assert_ok(vss_requester_set_authoritative_restore(
		q.r, cls, saved, VSS_CT_FILEGROUP, NULL, "db", true));
	assert_ok(vss_requester_set_additional_restores(
		q.r, cls, saved, VSS_CT_FILEGROUP, NULL, "cfg", true));
	assert_ok(vss_requester_add_new_target(q.r, cls, saved,
					       VSS_CT_FILEGROUP, NULL, "cfg",
					       cfg, "*", true, newcfg));
	assert_ok(vss_requester_set_restore_state(q.r, VSS_RTYPE_BY_COPY));
	assert_ok(vss_requester_pre_restore(q.r, &op));
	assert_ok(fx_async_finish(op, CALL_MS));

	/* What app saw: its live entry and everything chosen. */
	pthread_mutex_lock(&a->lock);
	assert_int_equal(a->pre_restores, 1);
	assert_true(vss_id_equal(&a->pre.instance_id, live));
	assert_int_equal(a->pre.type, VSS_RTYPE_BY_COPY);
	assert_true(a->pre.db_selected);
	assert_true(a->pre.cfg_selected);
	assert_int_equal(a->pre.db_subs, 1);
	assert_string_equal(a->pre.db_sub, "db\\logs");
	assert_string_equal(a->pre.db_options, "\"Authoritative\"=\"All\"");
	assert_true(a->pre.db_authoritative);
	assert_true(a->pre.cfg_additional);
	assert_string_equal(a->pre.db_backup_metadata, "bm:db");
	assert_int_equal(a->pre.cfg_new_targets, 1);
	assert_true(a->offline);
	pthread_mutex_unlock(&a->lock);
	/* RS-050: quiet gets nothing. */
	assert_int_equal(app_count(&apps[QUIET], &apps[QUIET].pre_restores),
			 0);

	/* What app set, under the saved ids (RS-006). */
	assert_null(vss_bcd_find_writer(vss_requester_bcd(q.r), cls, live));
	c = app_component(&q, "db");
	assert_int_equal(vss_bcd_component_restore_target(c),
			 VSS_RT_DIRECTED);
	assert_int_equal(vss_bcd_component_directed_target_count(c), 1);
	dt = vss_bcd_component_directed_target(c, 0);
	assert_string_equal(dt->source_ranges, "0:4096");
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_RESTORE_METADATA),
			    "rm:db");
	assert_string_equal(
		vss_bcd_component_text(app_component(&q, "cfg"),
				       VSS_TEXT_PRE_RESTORE_FAILURE_MSG),
		"cfg: kept the old one");

	/* The files would be copied here; then the results (RS-110). */
	assert_ok(app_status(&q, "db", VSS_RS_ALL));
	assert_status(vss_requester_post_restore(q.r, &op), VSS_E_BAD_STATE);
	assert_ok(app_status(&q, "cfg", VSS_RS_NONE));
	assert_ok(vss_requester_add_alternative_location_mapping(
		q.r, cls, saved, VSS_CT_FILEGROUP, NULL, "db", logs, "*", true,
		alt));
	assert_ok(vss_requester_post_restore(q.r, &op));
	assert_ok(fx_async_finish(op, CALL_MS));

	pthread_mutex_lock(&a->lock);
	assert_int_equal(a->post_restores, 1);
	assert_true(vss_id_equal(&a->post.instance_id, live));
	assert_int_equal(a->post.db_status, VSS_RS_ALL);
	assert_int_equal(a->post.cfg_status, VSS_RS_NONE);
	assert_int_equal(a->post.db_mappings, 1);
	assert_int_equal(a->post.cfg_new_targets, 1);
	assert_true(a->post.cfg_additional);
	assert_true(a->post.db_authoritative);
	assert_string_equal(a->post.db_restore_metadata, "rm:db");
	assert_string_equal(a->post.db_backup_metadata, "bm:db");
	assert_false(a->offline);
	pthread_mutex_unlock(&a->lock);

	s = app_writer_status(&q);
	assert_int_equal(s->state, VSS_WS_STABLE);
	assert_status(vss_requester_abort_backup(q.r), VSS_E_BAD_STATE);
	restore_end(&q);
}

/*
 * RS-112: a writer failing pre_restore is failed at pre-restore with its
 * message and gets no post_restore.
 */
static void
test_pre_restore_failure(void **state)
{
	struct app *a = &apps[APP];
	const struct vss_writer_status *s;
	struct rq q = { 0 };
	vss_async *op = NULL;

	(void)state;
	pthread_mutex_lock(&a->lock);
	a->fail_pre = true;
	pthread_mutex_unlock(&a->lock);
	restore_begin(&q);
	assert_ok(select_app(&q, "db"));
	assert_ok(vss_requester_pre_restore(q.r, &op));
	/* A writer's failure is not the operation's. */
	assert_ok(fx_async_finish(op, CALL_MS));
	s = app_writer_status(&q);
	assert_int_equal(s->state, VSS_WS_FAILED_AT_PRE_RESTORE);
	assert_int_equal(s->failure, VSS_E_WRITERERROR_RETRYABLE);
	assert_string_equal(s->message, "cannot stop the service");
	assert_ok(app_status(&q, "db", VSS_RS_NONE));
	assert_ok(vss_requester_post_restore(q.r, &op));
	assert_ok(fx_async_finish(op, CALL_MS));
	assert_int_equal(app_count(a, &a->post_restores), 0);
	/* Still offline from pre_restore: backup_shutdown brings it back. */
	assert_true(app_offline(a));
	restore_end(&q);
}

/*
 * RS-112: a writer failing post_restore is failed at post-restore; the
 * post-restore failure message it set on its component is the message.
 */
static void
test_post_restore_failure(void **state)
{
	struct app *a = &apps[APP];
	const struct vss_writer_status *s;
	struct rq q = { 0 };
	vss_async *op = NULL;

	(void)state;
	pthread_mutex_lock(&a->lock);
	a->fail_post = true;
	pthread_mutex_unlock(&a->lock);
	restore_begin(&q);
	assert_ok(select_app(&q, "db"));
	assert_ok(vss_requester_pre_restore(q.r, &op));
	assert_ok(fx_async_finish(op, CALL_MS));
	assert_ok(app_status(&q, "db", VSS_RS_FAILED));
	assert_ok(vss_requester_post_restore(q.r, &op));
	assert_ok(fx_async_finish(op, CALL_MS));
	pthread_mutex_lock(&a->lock);
	assert_int_equal(a->post_restores, 1);
	assert_int_equal(a->post.db_status, VSS_RS_FAILED);
	pthread_mutex_unlock(&a->lock);
	s = app_writer_status(&q);
	assert_int_equal(s->state, VSS_WS_FAILED_AT_POST_RESTORE);
	assert_int_equal(s->failure, VSS_E_WRITERERROR_RETRYABLE);
	assert_string_equal(s->message, "log replay failed");
	restore_end(&q);
}

/*
 * The post-restore failure message on a component is the failure's only
 * when the post_restore handler set it and failed: not one set in
 * pre_restore (it comes back in the document), not with a non-fatal
 * failure.
 */
static void
test_post_restore_message_rules(void **state)
{
	struct app *a = &apps[APP];
	const struct vss_writer_status *s;
	struct rq q = { 0 };
	vss_async *op = NULL;

	(void)state;
	for (int round = 0; round < 2; round++) {
		app_reset(a);
		pthread_mutex_lock(&a->lock);
		a->post_msg_in_pre = round == 0;
		a->fail_post_quietly = round == 0;
		a->post_nonfatal = round == 1;
		pthread_mutex_unlock(&a->lock);
		restore_begin(&q);
		assert_ok(select_app(&q, "db"));
		assert_ok(vss_requester_pre_restore(q.r, &op));
		assert_ok(fx_async_finish(op, CALL_MS));
		assert_ok(app_status(&q, "db", VSS_RS_ALL));
		assert_ok(vss_requester_post_restore(q.r, &op));
		assert_ok(fx_async_finish(op, CALL_MS));
		assert_int_equal(app_count(a, &a->post_restores), 1);
		s = app_writer_status(&q);
		assert_int_equal(s->state, round == 0
						   ? VSS_WS_FAILED_AT_POST_RESTORE
						   : VSS_WS_STABLE);
		assert_int_equal(s->failure, VSS_E_WRITERERROR_RETRYABLE);
		assert_null(s->message);
		restore_end(&q);
	}
}

/*
 * RS-009: a requester freed while post_restore runs: its operation ends
 * with an error, and the writer, once done, gets backup_shutdown.
 */
static void
test_free_during_post_restore(void **state)
{
	struct app *a = &apps[APP];
	struct timespec ts;
	struct rq q = { 0 };
	vss_async *op = NULL;
	int status = 0;

	(void)state;
	pthread_mutex_lock(&a->lock);
	a->block_post = true;
	a->fail_post = true; /* stays offline after post_restore */
	pthread_mutex_unlock(&a->lock);
	restore_begin(&q);
	assert_ok(select_app(&q, "db"));
	assert_ok(vss_requester_pre_restore(q.r, &op));
	assert_ok(fx_async_finish(op, CALL_MS));
	assert_ok(app_status(&q, "db", VSS_RS_ALL));
	assert_ok(vss_requester_post_restore(q.r, &op));
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	ts.tv_sec += 10;
	assert_int_equal(sem_timedwait(&a->in_post_restore, &ts), 0);
	assert_status(vss_async_cancel(op), -ENOTSUP);
	vss_requester_free(q.r);
	assert_ok(vss_async_wait(op, CALL_MS));
	assert_ok(vss_async_query_status(op, &status));
	assert_status(status, -ECONNRESET);
	vss_async_free(op);
	assert_true(app_offline(a));
	sem_post(&a->release_post);
	app_wait_count(a, &a->shutdowns, 1);
	assert_false(app_offline(a));
}

/* The daemon survived everything above. */
static void
test_daemon_still_running(void **state)
{
	(void)state;
	assert_true(fx_vssd_alive(fx));
}

static int
reset_apps(void **state)
{
	(void)state;
	for (int i = 0; i < N_APPS; i++)
		if (apps[i].w)
			app_reset(&apps[i]);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	if (fx_setup(&fx, 1, 256, vol, NULL) < 0)
		return -1;
	for (int i = 0; i < N_APPS; i++)
		app_start(&apps[i]);
	backup();
	/* The backup's backup_shutdown first (BK-085), so none is lost. */
	for (int i = 0; i < N_APPS; i++)
		app_wait_count(&apps[i], &apps[i].shutdowns, 1);
	/* app comes back as a new instance; gone is gone. */
	app_stop(&apps[APP]);
	app_stop(&apps[GONE]);
	app_start(&apps[APP]);
	return 0;
}

static int
teardown(void **state)
{
	int r;

	(void)state;
	for (int i = 0; i < N_APPS; i++)
		app_stop(&apps[i]);
	for (int i = 0; i < N_APPS; i++)
		free(saved_wmd[i]);
	free(saved_bcd);
	r = fx_teardown(fx);
	fx = NULL;
	return r < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_match_and_select, reset_apps),
		cmocka_unit_test_setup(test_restore_sequence, reset_apps),
		cmocka_unit_test_setup(test_pre_restore_failure, reset_apps),
		cmocka_unit_test_setup(test_post_restore_failure, reset_apps),
		cmocka_unit_test_setup(test_post_restore_message_rules,
				       reset_apps),
		cmocka_unit_test_setup(test_free_during_post_restore,
				       reset_apps),
		cmocka_unit_test(test_daemon_still_running),
	};

	SKIP_UNLESS_AVAILABLE();
	return cmocka_run_group_tests(tests, setup, teardown);
}
