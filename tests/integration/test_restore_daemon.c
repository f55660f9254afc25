/*
 * tests/integration/test_restore_daemon.c - vssd's side of the restore
 * sequence (restore.md §1), driven at the wire level: a requester
 * connection of lib/client speaks pre_restore and post_restore with a
 * restore document built here (the writer entries carry the live
 * instance ids, as the requester library sends them); vss-test-writer
 * processes and two writers of this process (one on the writer library,
 * one speaking the protocol itself) answer the events.
 *
 * Covered: pre_restore only to writers with a component selected for
 * restore or holding restore subcomponents, routed by instance (RS-004,
 * RS-114); never-writers get nothing (RS-050); an ifReplaceFails writer
 * gets post_restore only when a replace failed (restore.md §5); failures
 * and hangs at pre_restore and post_restore are writer states, not the
 * request's status, and a writer failed at pre_restore gets no
 * post_restore (RS-011, RS-112); what a writer sets in pre_restore comes
 * back in the reply, post_restore's document is read-only for it (RS-006,
 * RS-007) and only what a writer may set there (RS-008; a writer at the
 * wire level tries more, and a document in its post_restore reply is
 * ignored); changes past max_document are refused; a writer that leaves
 * between gather and pre_restore, or between the two, is failed at the
 * event it missed and its new instance gets nothing (RS-113); the order
 * of the requests, abort and cancel, pre_restore after a cancelled
 * gather (RS-002, RS-010); malformed documents; a requester that goes
 * away after or during pre_restore (backup_shutdown to the writers that
 * took part); two live instances of a class through the requester
 * library (RS-114).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <vss/metadata.h>
#include <vss/requester.h>
#include <vss/status.h>
#include <vss/writer.h>

#include "check.h"
#include "client/conn.h"
#include "fixture.h"
#include "wire/wire.h"

/* Deadline of the restore events in this test's vssd. */
#define RESTORE_TIMEOUT_MS 1500
/* A stall well past it. */
#define STALL "pre_restore:6"
#define CALL_MS 30000
/* vssd's max_document: test_merge_over_max_document goes past it. */
#define MAX_DOCUMENT 65536

static struct fx *fx;

/* ---- the requester, at the wire level ------------------------------- */

static void
rq_open(struct conn *c)
{
	assert_ok(conn_open(c, fx->socket, "requester", 5000));
}

/* Send a request of type t with fields (taken over, may be NULL). */
static int
rq_call(struct conn *c, enum wire_type t, json_t *fields, json_t **reply)
{
	json_t *req = json_pack("{s:s}", WF_TYPE, wire_type_name(t));
	int r;

	assert_non_null(req);
	if (fields)
		assert_int_equal(json_object_update(req, fields), 0);
	json_decref(fields);
	r = conn_call(c, req, CALL_MS, reply, NULL, NULL);
	json_decref(req);
	return r;
}

/* gather_writer_metadata: the writers, caller owns. */
static json_t *
rq_gather(struct conn *c)
{
	json_t *reply = NULL, *writers;

	assert_ok(rq_call(c, WIRE_GATHER_WRITER_METADATA, NULL, &reply));
	writers = json_incref(json_object_get(reply, WF_WRITERS));
	assert_true(json_is_array(writers));
	json_decref(reply);
	return writers;
}

/* The entry of the writer named name in a writers array. */
static json_t *
writer_entry(json_t *writers, const char *name)
{
	const char *n;
	json_t *o;
	size_t i;

	json_array_foreach(writers, i, o) {
		n = json_string_value(json_object_get(o, WF_FRIENDLY_NAME));
		if (n && strcmp(n, name) == 0)
			return o;
	}
	fail_msg("no writer '%s' in the list", name);
	return NULL;
}

static void
writer_ids(json_t *writers, const char *name, vss_id *class_id,
	   vss_id *instance_id)
{
	json_t *o = writer_entry(writers, name);

	assert_ok(wire_get_id(o, WF_CLASS_ID, class_id));
	assert_ok(wire_get_id(o, WF_INSTANCE_ID, instance_id));
}

/* gather_writer_status: the state of the writer named name. */
static enum vss_writer_state
rq_state(struct conn *c, const char *name, int *ret_failure)
{
	json_t *reply = NULL, *o;
	int64_t state = -1, failure = 0;

	assert_ok(rq_call(c, WIRE_GATHER_WRITER_STATUS, NULL, &reply));
	o = writer_entry(json_object_get(reply, WF_WRITERS), name);
	assert_ok(wire_get_int(o, WF_STATE, &state));
	(void)wire_get_int(o, WF_FAILURE, &failure);
	json_decref(reply);
	if (ret_failure)
		*ret_failure = (int)failure;
	return (enum vss_writer_state)state;
}

#define assert_state(c, name, want)                                            \
	assert_int_equal(rq_state(c, name, NULL), want)

/* A restore document in component mode, as saved by a backup. */
static vss_bcd *
bcd_new_restore(void)
{
	const struct vss_backup_state st = {
		.select_components = true,
		.backup_type = VSS_BT_FULL,
	};
	vss_bcd *bcd;

	assert_ok(vss_bcd_new(&bcd));
	assert_ok(vss_bcd_set_backup_state(bcd, &st));
	return bcd;
}

/*
 * Component lp/name of the writer named name (live instance id, from
 * writers), selected for restore or not.  Borrowed from bcd.
 */
static vss_bcd_component *
bcd_add(vss_bcd *bcd, json_t *writers, const char *name, const char *lp,
	const char *comp, bool selected)
{
	vss_id class_id, instance_id;
	vss_bcd_component *c;
	vss_bcd_writer *w;

	writer_ids(writers, name, &class_id, &instance_id);
	assert_ok(vss_bcd_add_writer(bcd, &class_id, &instance_id, NULL, 0,
				     &w));
	assert_ok(vss_bcd_writer_add_component(w, VSS_CT_FILEGROUP, lp, comp,
					       &c));
	assert_ok(vss_bcd_component_set_selected_for_restore(c, selected));
	return c;
}

static json_t *
bcd_fields(vss_bcd *bcd, const char *restore_type)
{
	json_t *fields = json_object();
	size_t len;
	char *xml;

	assert_ok(vss_bcd_save_xml(bcd, &xml, &len));
	assert_ok(wire_set_str(fields, WF_BCD, xml));
	free(xml);
	if (restore_type)
		assert_ok(wire_set_str(fields, WF_RESTORE_TYPE, restore_type));
	return fields;
}

/* pre_restore or post_restore with bcd; *ret_bcd: the reply's. */
static int
rq_restore(struct conn *c, enum wire_type t, vss_bcd *bcd,
	   const char *restore_type, vss_bcd **ret_bcd)
{
	json_t *reply = NULL;
	const char *xml;
	int r;

	r = rq_call(c, t, bcd_fields(bcd, restore_type), &reply);
	if (r == 0 && ret_bcd) {
		assert_ok(wire_get_str(reply, WF_BCD, &xml));
		assert_ok(vss_bcd_load_xml(ret_bcd, xml, strlen(xml), NULL));
	}
	json_decref(reply);
	return r;
}

/* Set the file restore status of every selected component of bcd. */
static void
bcd_set_status(vss_bcd *bcd, enum vss_file_restore_status st)
{
	vss_bcd_component *c;
	vss_bcd_writer *w;
	size_t i, k;

	for (i = 0; i < vss_bcd_writer_count(bcd); i++) {
		w = vss_bcd_writer_at(bcd, i);
		for (k = 0; k < vss_bcd_writer_component_count(w); k++) {
			c = vss_bcd_writer_component(w, k);
			if (vss_bcd_component_selected_for_restore(c) ||
			    vss_bcd_component_restore_subcomponent_count(c))
				assert_ok(vss_bcd_component_set_file_restore_status(
					c, st));
		}
	}
}

/* ---- vss-test-writer processes ---------------------------------------- */

/*
 * A vss-test-writer with component app/db, the restore method
 * RESTORE_IF_CAN_BE_REPLACED and writer_restore wre ("always",
 * "never", "ifReplaceFails"); more: further flags, NULL-terminated.
 */
static struct fx_writer *
start_writer(const char *name, const char *wre, const char *const *more)
{
	char conf_name[96], conf[PATH_MAX], text[256], comp[PATH_MAX + 16];
	const char *extra[16] = {"--config", conf};
	struct fx_writer_opts o = {.name = name, .component = comp,
				   .extra = extra};
	struct fx_writer *w;
	size_t n = 2;

	snprintf(conf_name, sizeof(conf_name), "%s.conf", name);
	join_path(conf, sizeof(conf), fx->dir, conf_name);
	snprintf(text, sizeof(text),
		 "[restore]\nmethod = RESTORE_IF_CAN_BE_REPLACED\n"
		 "writer_restore = %s\n", wre);
	write_file_at(fx->dir, conf_name, text);
	snprintf(comp, sizeof(comp), "app/db=%s", fx->dir);
	while (more && *more && n < 15)
		extra[n++] = *more++;
	assert_ok(fx_writer_start(fx, &o, &w));
	return w;
}

#define assert_events(w, name, n)                                              \
	assert_int_equal(fx_writer_count(w, name), n)

/* ---- a writer of this process ----------------------------------------- */

/*
 * Writer "inproc" (ALWAYS, top-level component db) on the library's
 * helper thread.  In pre_restore it sets a restore target and restore
 * metadata (RS-006, RS-060, RS-103) and, with gate, waits for the test
 * first; in post_restore it records what the document says.  With
 * gate_identify, identify waits for the test too.
 */
struct inproc {
	vss_writer *w;
	sem_t entered;  /* posted when pre_restore (identify) begins */
	sem_t release;  /* waited for in pre_restore when gate */
	bool gate;
	pthread_mutex_t lock;
	/* Under lock: */
	bool gate_identify; /* identify waits for release as well */
	int pre_restores, post_restores, shutdowns;
	enum vss_restore_type post_type;
	enum vss_file_restore_status post_status;
	char post_metadata[64];
};

static struct inproc ip;

static int
ip_identify(vss_writer *w, vss_wmd *wmd, void *u)
{
	const struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.name = "db",
		.selectable = true,
		.selectable_for_restore = true,
	};
	const struct vss_restore_method_info rm = {
		.method = VSS_RME_RESTORE_IF_CAN_REPLACE,
		.writer_restore = VSS_WRE_ALWAYS,
	};
	int r;

	(void)w;
	(void)u;
	pthread_mutex_lock(&ip.lock);
	if (ip.gate_identify) {
		pthread_mutex_unlock(&ip.lock);
		sem_post(&ip.entered);
		sem_wait(&ip.release);
	} else {
		pthread_mutex_unlock(&ip.lock);
	}
	r = vss_wmd_add_component(wmd, &def);
	if (r == 0)
		r = vss_wmd_add_files_to_file_group(wmd, NULL, "db", "/srv/db",
						    "*", true, NULL, 0);
	if (r == 0)
		r = vss_wmd_set_restore_method(wmd, &rm);
	return r;
}

static vss_bcd_component *
ip_component(vss_writer_event *ev)
{
	vss_bcd_writer *mine = vss_writer_event_components(ev);

	return mine ? vss_bcd_writer_find_component(mine, VSS_CT_FILEGROUP,
						    NULL, "db")
		    : NULL;
}

static int
ip_pre_restore(vss_writer *w, vss_writer_event *ev, void *u)
{
	vss_bcd_component *c = ip_component(ev);

	(void)w;
	(void)u;
	pthread_mutex_lock(&ip.lock);
	ip.pre_restores++;
	pthread_mutex_unlock(&ip.lock);
	sem_post(&ip.entered);
	if (ip.gate)
		sem_wait(&ip.release);
	if (!c)
		return VSS_E_WRITERERROR_NONRETRYABLE;
	if (vss_bcd_component_set_restore_target(c, VSS_RT_ALTERNATE) < 0 ||
	    vss_bcd_component_set_text(c, VSS_TEXT_RESTORE_METADATA,
				       "set-in-pre-restore") < 0)
		return VSS_E_WRITERERROR_NONRETRYABLE;
	return 0;
}

static int
ip_post_restore(vss_writer *w, vss_writer_event *ev, void *u)
{
	vss_bcd_component *c = ip_component(ev);
	const char *meta;

	(void)w;
	(void)u;
	pthread_mutex_lock(&ip.lock);
	ip.post_restores++;
	ip.post_type = vss_writer_event_restore_type(ev);
	if (c) {
		ip.post_status = vss_bcd_component_file_restore_status(c);
		meta = vss_bcd_component_text(c, VSS_TEXT_RESTORE_METADATA);
		snprintf(ip.post_metadata, sizeof(ip.post_metadata), "%s",
			 meta ? meta : "");
	}
	pthread_mutex_unlock(&ip.lock);
	return 0;
}

static int
ip_shutdown(vss_writer *w, vss_writer_event *ev, void *u)
{
	(void)w;
	(void)ev;
	(void)u;
	pthread_mutex_lock(&ip.lock);
	ip.shutdowns++;
	pthread_mutex_unlock(&ip.lock);
	return 0;
}

static void
ip_start(bool gate)
{
	const struct vss_writer_opts opts = {
		.size = sizeof(opts),
		.friendly_name = "inproc",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
		.major_version = 1,
		.socket_path = fx->socket,
	};
	const struct vss_writer_callbacks cb = {
		.size = sizeof(cb),
		.identify = ip_identify,
		.pre_restore = ip_pre_restore,
		.post_restore = ip_post_restore,
		.backup_shutdown = ip_shutdown,
	};
	struct vss_writer_opts o = opts;

	memset(&ip, 0, sizeof(ip));
	ip.gate = gate;
	assert_int_equal(sem_init(&ip.entered, 0, 0), 0);
	assert_int_equal(sem_init(&ip.release, 0, 0), 0);
	assert_int_equal(pthread_mutex_init(&ip.lock, NULL), 0);
	assert_ok(vss_id_parse(&o.class_id,
			       "7d3f2a10-5b1e-4c2d-9a8b-0c1d2e3f4a5b"));
	assert_ok(vss_writer_new(&ip.w, &o, &cb, NULL));
	assert_ok(vss_writer_subscribe(ip.w));
	assert_ok(vss_writer_start_thread(ip.w));
}

static void
ip_stop(void)
{
	if (!ip.w)
		return;
	if (ip.gate || ip.gate_identify)
		sem_post(&ip.release);
	vss_writer_stop_thread(ip.w);
	vss_writer_free(ip.w);
	ip.w = NULL;
	sem_destroy(&ip.entered);
	sem_destroy(&ip.release);
	pthread_mutex_destroy(&ip.lock);
}

/* Wait (10 s at most) until pre_restore (or a gated identify) began. */
static void
ip_wait_entered(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	ts.tv_sec += 10;
	if (sem_timedwait(&ip.entered, &ts) < 0)
		fail_msg("the writer got no event: %s", strerror(errno));
}

/* An event counter of a writer thread, read under its lock. */
static int
locked_count(pthread_mutex_t *lock, const int *counter)
{
	int n;

	pthread_mutex_lock(lock);
	n = *counter;
	pthread_mutex_unlock(lock);
	return n;
}

/* Wait (10 s at most) until *counter reaches n. */
static void
locked_wait_count(pthread_mutex_t *lock, const int *counter, int n)
{
	int i;

	for (i = 0; i < 1000 && locked_count(lock, counter) < n; i++)
		fx_sleep_ms(10);
	assert_int_equal(locked_count(lock, counter), n);
}

#define ip_count(c) locked_count(&ip.lock, (c))
#define ip_wait_count(c, n) locked_wait_count(&ip.lock, (c), (n))

/* ---- a writer at the wire level ---------------------------------------- */

/*
 * Writer "raw" speaks the protocol itself on a thread of this process,
 * so its replies carry what the writer library would never send.
 *
 * RAW_MEDDLE: in pre_restore it sets what a writer may (restore target,
 * restore metadata) and also what only the requester may (it flips the
 * selection, sets a file restore status, restore options, additional and
 * authoritative restore, a new target); in post_restore it sends back a
 * changed document.  RAW_BIG: in pre_restore it sets restore metadata of
 * RAW_BIG_TEXT bytes.
 */
enum raw_mode { RAW_MEDDLE, RAW_BIG };

#define RAW_BIG_TEXT 40000

struct raw {
	struct conn c;
	vss_id class_id, instance_id;
	enum raw_mode mode;
	const char *broken; /* what went wrong on the thread, or NULL */
	int stop_fd;        /* eventfd: ends the thread */
	pthread_t thread;
	pthread_mutex_t lock;
	/* Under lock: */
	int pre_restores, post_restores, shutdowns;
};

static struct raw rw;

/*
 * The thread cannot fail the test (cmocka asserts belong to the main
 * thread): what goes wrong there is noted, and raw_stop() fails on it.
 */
#define RAW_TRY(expr)                                                          \
	do {                                                                   \
		if ((expr) < 0) {                                              \
			rw.broken = #expr;                                     \
			goto out;                                              \
		}                                                              \
	} while (0)

static char *
raw_wmd_xml(void)
{
	const struct vss_writer_identity id = {
		.class_id = rw.class_id,
		.instance_id = rw.instance_id,
		.friendly_name = "raw",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
		.major_version = 1,
	};
	const struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.name = "db",
		.selectable = true,
		.selectable_for_restore = true,
	};
	const struct vss_restore_method_info rm = {
		.method = VSS_RME_RESTORE_IF_CAN_REPLACE,
		.writer_restore = VSS_WRE_ALWAYS,
	};
	vss_wmd *wmd = NULL;
	char *xml = NULL;
	size_t len;

	RAW_TRY(vss_wmd_new(&wmd, &id));
	RAW_TRY(vss_wmd_add_component(wmd, &def));
	RAW_TRY(vss_wmd_add_files_to_file_group(wmd, NULL, "db", "/srv/raw",
						"*", true, NULL, 0));
	RAW_TRY(vss_wmd_set_restore_method(wmd, &rm));
	RAW_TRY(vss_wmd_save_xml(wmd, &xml, &len));
out:
	vss_wmd_free(wmd);
	return xml;
}

/* What the writer does to its component in pre_restore (see above). */
static int
raw_pre_restore_changes(vss_bcd_component *c)
{
	static char big[RAW_BIG_TEXT + 1];

	if (rw.mode == RAW_BIG) {
		memset(big, 'x', RAW_BIG_TEXT);
		RAW_TRY(vss_bcd_component_set_text(
			c, VSS_TEXT_RESTORE_METADATA, big));
		return 0;
	}
	RAW_TRY(vss_bcd_component_set_restore_target(c, VSS_RT_ALTERNATE));
	RAW_TRY(vss_bcd_component_set_text(c, VSS_TEXT_RESTORE_METADATA,
					   "raw-metadata"));
	RAW_TRY(vss_bcd_component_set_selected_for_restore(
		c, !vss_bcd_component_selected_for_restore(c)));
	RAW_TRY(vss_bcd_component_set_file_restore_status(c, VSS_RS_FAILED));
	RAW_TRY(vss_bcd_component_set_text(c, VSS_TEXT_RESTORE_OPTIONS,
					   "writer-options"));
	RAW_TRY(vss_bcd_component_set_additional_restores(c, true));
	RAW_TRY(vss_bcd_component_set_authoritative_restore(c, true));
	RAW_TRY(vss_bcd_component_add_new_target(c, "/srv/raw", "*", true,
						 "/elsewhere"));
	return 0;
out:
	return -1;
}

/* The event's document with the changes of ev, as XML; caller owns. */
static char *
raw_changed_bcd(json_t *ev, enum wire_event type)
{
	vss_bcd_component *c = NULL;
	vss_bcd_writer *mine;
	const char *xml;
	vss_bcd *bcd = NULL;
	char *out = NULL;
	size_t len;

	RAW_TRY(wire_get_str(ev, WF_BCD, &xml));
	RAW_TRY(vss_bcd_load_xml(&bcd, xml, strlen(xml), NULL));
	mine = vss_bcd_find_writer(bcd, &rw.class_id, &rw.instance_id);
	if (mine)
		c = vss_bcd_writer_find_component(mine, VSS_CT_FILEGROUP, NULL,
						  "db");
	RAW_TRY(c ? 0 : -1);
	if (type == WIRE_EV_PRE_RESTORE) {
		RAW_TRY(raw_pre_restore_changes(c));
	} else {
		/* post_restore: read-only, this must be ignored (RS-007). */
		RAW_TRY(vss_bcd_component_set_text(
			c, VSS_TEXT_RESTORE_METADATA, "set-in-post-restore"));
		RAW_TRY(vss_bcd_component_set_file_restore_status(
			c, VSS_RS_NONE));
	}
	RAW_TRY(vss_bcd_save_xml(bcd, &out, &len));
out:
	vss_bcd_free(bcd);
	return out;
}

static void
raw_send(json_t *msg)
{
	struct pollfd pfd = {.fd = rw.c.fd, .events = POLLOUT};
	int r = conn_send(&rw.c, msg);

	while (r >= 0 && rw.c.out_len > 0) {
		if (poll(&pfd, 1, 5000) != 1)
			break;
		r = conn_flush(&rw.c);
	}
	if (r < 0 || rw.c.out_len > 0)
		rw.broken = "sending a reply";
}

static void
raw_answer(json_t *ev)
{
	const char *name = "", *field = NULL;
	enum wire_event type;
	json_t *reply;
	int64_t id = 0;
	char *xml = NULL;
	int *counter = NULL;

	(void)wire_get_int(ev, WF_ID, &id);
	(void)wire_get_str(ev, WF_EVENT, &name);
	type = wire_event_parse(name);
	switch (type) {
	case WIRE_EV_IDENTIFY:
		xml = raw_wmd_xml();
		field = WF_WMD;
		break;
	case WIRE_EV_PRE_RESTORE:
	case WIRE_EV_POST_RESTORE:
		xml = raw_changed_bcd(ev, type);
		field = WF_BCD;
		counter = type == WIRE_EV_PRE_RESTORE ? &rw.pre_restores
						      : &rw.post_restores;
		break;
	case WIRE_EV_BACKUP_SHUTDOWN:
		counter = &rw.shutdowns;
		break;
	default:
		break;
	}
	reply = wire_event_reply_new((uint64_t)id, 0);
	if (!reply || (field && (!xml || wire_set_str(reply, field, xml) < 0)))
		rw.broken = "building a reply";
	/* Counted before the reply goes: the request ends after it. */
	pthread_mutex_lock(&rw.lock);
	if (counter)
		(*counter)++;
	pthread_mutex_unlock(&rw.lock);
	if (reply)
		raw_send(reply);
	json_decref(reply);
	free(xml);
}

static void *
raw_thread(void *arg)
{
	struct pollfd pfd[2] = {
		{.fd = rw.c.fd, .events = POLLIN},
		{.fd = rw.stop_fd, .events = POLLIN},
	};
	json_t *msg;

	(void)arg;
	for (;;) {
		if (poll(pfd, 2, -1) < 0 || pfd[1].revents)
			break;
		if (conn_read(&rw.c) < 0)
			break;
		while (conn_next(&rw.c, &msg) == 1) {
			raw_answer(msg);
			json_decref(msg);
		}
	}
	return NULL;
}

static void
raw_start(enum raw_mode mode)
{
	json_t *req, *reply = NULL;

	memset(&rw, 0, sizeof(rw));
	rw.mode = mode;
	vss_id_generate(&rw.class_id);
	vss_id_generate(&rw.instance_id);
	assert_int_equal(pthread_mutex_init(&rw.lock, NULL), 0);
	rw.stop_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(rw.stop_fd >= 0);
	assert_ok(conn_open(&rw.c, fx->socket, "writer", 5000));
	req = wire_request_new(WIRE_SUBSCRIBE, rw.c.next_id++);
	assert_non_null(req);
	assert_ok(wire_set_id(req, WF_CLASS_ID, &rw.class_id));
	assert_ok(wire_set_id(req, WF_INSTANCE_ID, &rw.instance_id));
	assert_ok(wire_set_str(req, WF_FRIENDLY_NAME, "raw"));
	assert_ok(wire_set_str(req, WF_USAGE,
			       vss_usage_type_str(VSS_UT_USERDATA)));
	assert_ok(wire_set_str(req, WF_SOURCE,
			       vss_source_type_str(VSS_ST_OTHER)));
	assert_ok(conn_call(&rw.c, req, 5000, &reply, NULL, NULL));
	json_decref(req);
	json_decref(reply);
	assert_int_equal(pthread_create(&rw.thread, NULL, raw_thread, NULL),
			 0);
}

static void
raw_stop(void)
{
	const uint64_t one = 1;

	if (rw.stop_fd <= 0)
		return;
	assert_int_equal(write(rw.stop_fd, &one, sizeof(one)), sizeof(one));
	pthread_join(rw.thread, NULL);
	conn_close(&rw.c);
	close(rw.stop_fd);
	rw.stop_fd = 0;
	pthread_mutex_destroy(&rw.lock);
	if (rw.broken)
		fail_msg("writer 'raw': %s failed", rw.broken);
}

#define raw_count(c) locked_count(&rw.lock, (c))
#define raw_wait_count(c, n) locked_wait_count(&rw.lock, (c), (n))

/* ---- the cases -------------------------------------------------------- */

/*
 * RS-004, RS-050, RS-114: pre_restore goes to the writers with a
 * component selected (or holding restore subcomponents), to the instance
 * the entry names only, never to a never-writer; post_restore to those
 * that had pre_restore; the rest get nothing, not even backup_shutdown
 * when the requester leaves.
 */
static void
test_events_to_selected_writers(void **state)
{
	const char *twin_a[] = {"--class-id",
				"3b0c8c5e-1f43-4b8e-a1d2-6a4c1e9f0b11",
				"--instance-name", "twin-a", NULL};
	const char *twin_b[] = {"--class-id",
				"3b0c8c5e-1f43-4b8e-a1d2-6a4c1e9f0b11",
				"--instance-name", "twin-b", NULL};
	struct fx_writer *sel, *unsel, *absent, *never, *sub, *ta, *tb;
	vss_id ca, cb, ia, ib;
	vss_bcd *bcd, *back = NULL;
	vss_bcd_component *c;
	json_t *writers;
	struct conn q;

	(void)state;
	sel = start_writer("sel", "always", NULL);
	unsel = start_writer("unsel", "always", NULL);
	absent = start_writer("absent", "always", NULL);
	never = start_writer("never", "never", NULL);
	sub = start_writer("sub", "always", NULL);
	ta = start_writer("twin-a", "always", twin_a);
	tb = start_writer("twin-b", "always", twin_b);

	rq_open(&q);
	writers = rq_gather(&q);
	writer_ids(writers, "twin-a", &ca, &ia);
	writer_ids(writers, "twin-b", &cb, &ib);
	assert_true(vss_id_equal(&ca, &cb)); /* two instances of a class */
	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "sel", "app", "db", true);
	bcd_add(bcd, writers, "unsel", "app", "db", false);
	bcd_add(bcd, writers, "never", "app", "db", true);
	c = bcd_add(bcd, writers, "sub", "app", "db", false);
	assert_ok(vss_bcd_component_add_restore_subcomponent(c, "app\\db",
							     "part", false));
	bcd_add(bcd, writers, "twin-a", "app", "db", true);
	bcd_add(bcd, writers, "twin-b", "app", "db", false);

	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, "BY_COPY", &back));
	/* The document comes back with every writer entry it had. */
	assert_int_equal(vss_bcd_writer_count(back),
			 vss_bcd_writer_count(bcd));
	assert_int_equal(vss_bcd_restore_type(back), VSS_RTYPE_BY_COPY);
	vss_bcd_free(back);
	assert_events(sel, "pre_restore", 1);
	assert_events(sub, "pre_restore", 1);
	assert_events(ta, "pre_restore", 1);
	assert_events(unsel, "pre_restore", 0);
	assert_events(absent, "pre_restore", 0);
	assert_events(never, "pre_restore", 0);
	assert_events(tb, "pre_restore", 0);
	assert_state(&q, "sel", VSS_WS_STABLE);
	assert_state(&q, "twin-a", VSS_WS_STABLE);

	bcd_set_status(bcd, VSS_RS_ALL);
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL));
	assert_events(sel, "post_restore", 1);
	assert_events(sub, "post_restore", 1);
	assert_events(ta, "post_restore", 1);
	assert_events(unsel, "post_restore", 0);
	assert_events(absent, "post_restore", 0);
	assert_events(never, "post_restore", 0);
	assert_events(tb, "post_restore", 0);
	assert_state(&q, "sel", VSS_WS_STABLE);
	assert_state(&q, "sub", VSS_WS_STABLE);

	conn_close(&q);
	assert_ok(fx_writer_wait_count(sel, "backup_shutdown", 1, 10000));
	assert_ok(fx_writer_wait_count(sub, "backup_shutdown", 1, 10000));
	assert_ok(fx_writer_wait_count(ta, "backup_shutdown", 1, 10000));
	assert_events(unsel, "backup_shutdown", 0);
	assert_events(never, "backup_shutdown", 0);
	assert_events(tb, "backup_shutdown", 0);
	/* RS-050: the never-writer saw nothing but identify. */
	assert_events(never, "identify", 1);
	vss_bcd_free(bcd);
	json_decref(writers);
}

/*
 * restore.md §5: an ifReplaceFails writer always gets pre_restore, and
 * post_restore only when one of its selected components did not restore
 * in place: status other than ALL, or an alternate location mapping used
 * (RS-071, RS-073).  An always-writer gets post_restore either way.
 */
static void
test_if_replace_fails(void **state)
{
	static const char *const names[] = {"irf-all", "irf-failed",
					    "irf-none", "irf-alt",
					    "always-all"};
	static const int want_post[] = {0, 1, 1, 1, 1};
	struct fx_writer *w[5];
	vss_bcd_component *c[5];
	json_t *writers;
	struct conn q;
	vss_bcd *bcd;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++)
		w[i] = start_writer(names[i],
				    i < 4 ? "ifReplaceFails" : "always", NULL);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	for (i = 0; i < 5; i++)
		c[i] = bcd_add(bcd, writers, names[i], "app", "db", true);
	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL));
	for (i = 0; i < 5; i++)
		assert_events(w[i], "pre_restore", 1);

	bcd_set_status(bcd, VSS_RS_ALL);
	assert_ok(vss_bcd_component_set_file_restore_status(c[1],
							    VSS_RS_FAILED));
	assert_ok(vss_bcd_component_set_file_restore_status(c[2],
							    VSS_RS_NONE));
	assert_ok(vss_bcd_component_add_alternate_location_mapping(
		c[3], fx->dir, "*", true, "/srv/elsewhere"));
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL));
	for (i = 0; i < 5; i++) {
		if (fx_writer_count(w[i], "post_restore") !=
		    (size_t)want_post[i])
			fail_msg("writer '%s' got %zu post_restore, want %d",
				 names[i], fx_writer_count(w[i], "post_restore"),
				 want_post[i]);
		assert_state(&q, names[i], VSS_WS_STABLE);
	}
	conn_close(&q);
	for (i = 0; i < 5; i++)
		assert_ok(fx_writer_wait_count(w[i], "backup_shutdown", 1,
					       10000));
	vss_bcd_free(bcd);
	json_decref(writers);
}

/*
 * RS-011, RS-112: a writer failing pre_restore is FAILED_AT_PRE_RESTORE
 * with its failure and gets no post_restore; one hanging in it is failed
 * as not responding; one failing post_restore is FAILED_AT_POST_RESTORE.
 * The requests succeed; the healthy writer is untouched.
 */
static void
test_writer_failures(void **state)
{
	const char *fail_pre[] = {"--fail", "pre_restore:retryable", NULL};
	const char *hang_pre[] = {"--stall", STALL, NULL};
	const char *fail_post[] = {"--fail", "post_restore", NULL};
	struct fx_writer *pre_fails, *pre_hangs, *post_fails, *ok;
	json_t *writers;
	struct conn q;
	vss_bcd *bcd;
	int failure;

	(void)state;
	pre_fails = start_writer("pre-fails", "always", fail_pre);
	pre_hangs = start_writer("pre-hangs", "always", hang_pre);
	post_fails = start_writer("post-fails", "always", fail_post);
	ok = start_writer("healthy", "always", NULL);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "pre-fails", "app", "db", true);
	bcd_add(bcd, writers, "pre-hangs", "app", "db", true);
	bcd_add(bcd, writers, "post-fails", "app", "db", true);
	bcd_add(bcd, writers, "healthy", "app", "db", true);

	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL));
	assert_int_equal(rq_state(&q, "pre-fails", &failure),
			 VSS_WS_FAILED_AT_PRE_RESTORE);
	assert_status(failure, VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(rq_state(&q, "pre-hangs", &failure),
			 VSS_WS_FAILED_AT_PRE_RESTORE);
	assert_status(failure, VSS_E_WRITER_NOT_RESPONDING);
	assert_state(&q, "post-fails", VSS_WS_STABLE);
	assert_state(&q, "healthy", VSS_WS_STABLE);

	bcd_set_status(bcd, VSS_RS_ALL);
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL));
	assert_events(pre_fails, "post_restore", 0);
	assert_events(pre_hangs, "post_restore", 0);
	assert_events(post_fails, "post_restore", 1);
	assert_events(ok, "post_restore", 1);
	assert_int_equal(rq_state(&q, "post-fails", &failure),
			 VSS_WS_FAILED_AT_POST_RESTORE);
	assert_status(failure, VSS_E_WRITERERROR_NONRETRYABLE);
	/* The first failure stays the cause. */
	assert_int_equal(rq_state(&q, "pre-fails", &failure),
			 VSS_WS_FAILED_AT_PRE_RESTORE);
	assert_status(failure, VSS_E_WRITERERROR_RETRYABLE);
	assert_state(&q, "healthy", VSS_WS_STABLE);
	conn_close(&q);
	vss_bcd_free(bcd);
	json_decref(writers);
}

/*
 * RS-006, RS-060, RS-103: the restore target and restore metadata a
 * writer of the library sets in pre_restore come back in the reply;
 * post_restore gives it the requester's file restore status, the restore
 * type and its restore metadata.  (A document in a post_restore reply,
 * which the library never sends: test_writer_meddles.)
 */
static void
test_writer_changes_come_back(void **state)
{
	vss_bcd *bcd, *back = NULL;
	vss_bcd_component *c;
	const char *meta;
	json_t *writers;
	struct conn q;

	(void)state;
	ip_start(false);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "inproc", NULL, "db", true);
	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, "IMPORT", &back));
	assert_int_equal(ip_count(&ip.pre_restores), 1);
	c = vss_bcd_writer_find_component(vss_bcd_writer_at(back, 0),
					  VSS_CT_FILEGROUP, NULL, "db");
	assert_non_null(c);
	assert_int_equal(vss_bcd_component_restore_target(c),
			 VSS_RT_ALTERNATE);
	meta = vss_bcd_component_text(c, VSS_TEXT_RESTORE_METADATA);
	assert_non_null(meta);
	assert_string_equal(meta, "set-in-pre-restore");
	assert_true(vss_bcd_component_selected_for_restore(c));

	/* The requester goes on with the document the writer annotated. */
	assert_ok(vss_bcd_component_set_file_restore_status(c, VSS_RS_ALL));
	vss_bcd_free(bcd);
	bcd = back;
	back = NULL;
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, &back));
	assert_int_equal(ip_count(&ip.post_restores), 1);
	pthread_mutex_lock(&ip.lock);
	assert_int_equal(ip.post_type, VSS_RTYPE_IMPORT);
	assert_int_equal(ip.post_status, VSS_RS_ALL);
	assert_string_equal(ip.post_metadata, "set-in-pre-restore");
	pthread_mutex_unlock(&ip.lock);
	c = vss_bcd_writer_find_component(vss_bcd_writer_at(back, 0),
					  VSS_CT_FILEGROUP, NULL, "db");
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_RESTORE_METADATA),
			    "set-in-pre-restore");
	assert_state(&q, "inproc", VSS_WS_STABLE);
	conn_close(&q);
	ip_wait_count(&ip.shutdowns, 1);
	vss_bcd_free(bcd);
	vss_bcd_free(back);
	json_decref(writers);
	ip_stop();
}

/*
 * RS-113: a writer that leaves between pre_restore and post_restore (its
 * service restarted) is failed at post_restore as not responding; its
 * new instance, not in the session, gets no post_restore.
 */
static void
test_writer_leaves_between(void **state)
{
	char class_text[VSS_ID_STRLEN];
	const char *again[] = {"--class-id", class_text, NULL};
	struct fx_writer *leaves, *stays, *back;
	json_t *writers;
	struct conn q;
	vss_bcd *bcd;
	int failure;

	(void)state;
	leaves = start_writer("leaves", "always", NULL);
	stays = start_writer("stays", "always", NULL);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "leaves", "app", "db", true);
	bcd_add(bcd, writers, "stays", "app", "db", true);
	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL));
	assert_events(leaves, "pre_restore", 1);

	vss_id_format(&leaves->class_id, class_text);
	assert_ok(fx_writer_stop(leaves));
	back = start_writer("leaves-again", "always", again);
	bcd_set_status(bcd, VSS_RS_ALL);
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL));
	assert_int_equal(rq_state(&q, "leaves", &failure),
			 VSS_WS_FAILED_AT_POST_RESTORE);
	assert_status(failure, VSS_E_WRITER_NOT_RESPONDING);
	assert_events(stays, "post_restore", 1);
	assert_state(&q, "stays", VSS_WS_STABLE);
	assert_events(back, "pre_restore", 0);
	assert_events(back, "post_restore", 0);
	conn_close(&q);
	vss_bcd_free(bcd);
	json_decref(writers);
}

/*
 * The order (restore.md §1): pre_restore needs the metadata first
 * (RS-002) and comes once; post_restore only after it, once; a restore
 * session takes no backup request and no abort (RS-010); a session that
 * started a snapshot set cannot restore.  gather_writer_status works all
 * along.
 */
static void
test_request_order(void **state)
{
	json_t *writers, *fields;
	struct fx_writer *w;
	struct conn q, b;
	vss_bcd *bcd;

	(void)state;
	w = start_writer("order", "always", NULL);
	rq_open(&q);
	bcd = bcd_new_restore();
	/* Before gathering. */
	assert_status(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_status(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL),
		      VSS_E_BAD_STATE);
	writers = rq_gather(&q);
	bcd_add(bcd, writers, "order", "app", "db", true);
	assert_status(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_events(w, "post_restore", 0);

	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL));
	assert_status(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_events(w, "pre_restore", 1);
	assert_status(rq_call(&q, WIRE_START_SNAPSHOT_SET, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_status(rq_call(&q, WIRE_PREPARE_FOR_BACKUP,
			      bcd_fields(bcd, NULL), NULL),
		      VSS_E_BAD_STATE);
	assert_status(rq_call(&q, WIRE_DO_SNAPSHOT_SET, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_status(rq_call(&q, WIRE_BACKUP_COMPLETE, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_status(rq_call(&q, WIRE_ABORT_BACKUP, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_status(rq_call(&q, WIRE_GATHER_WRITER_METADATA, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_state(&q, "order", VSS_WS_STABLE);

	bcd_set_status(bcd, VSS_RS_ALL);
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL));
	assert_status(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_status(rq_call(&q, WIRE_ABORT_BACKUP, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_events(w, "post_restore", 1);
	assert_events(w, "abort", 0);
	assert_state(&q, "order", VSS_WS_STABLE);
	conn_close(&q);

	/* A backup session (snapshot set started) cannot restore. */
	rq_open(&b);
	json_decref(rq_gather(&b));
	fields = json_object();
	assert_ok(rq_call(&b, WIRE_START_SNAPSHOT_SET, fields, NULL));
	assert_status(rq_restore(&b, WIRE_PRE_RESTORE, bcd, NULL, NULL),
		      VSS_E_BAD_STATE);
	assert_ok(rq_call(&b, WIRE_ABORT_BACKUP, NULL, NULL));
	conn_close(&b);
	assert_events(w, "pre_restore", 1);
	vss_bcd_free(bcd);
	json_decref(writers);
}

/* Wait for the reply to request id on c. */
static json_t *
await_reply(struct conn *c, int64_t id)
{
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	json_t *msg;
	int64_t got;
	int i;

	for (i = 0; i < 100; i++) {
		while (conn_next(c, &msg) == 1) {
			if (wire_get_int(msg, WF_ID, &got) == 0 && got == id)
				return msg;
			json_decref(msg);
		}
		assert_true(poll(&pfd, 1, 100) >= 0);
		assert_true(conn_read(c) == 0);
	}
	fail_msg("no reply to request %lld", (long long)id);
	return NULL;
}

/* Send pre_restore with id on c without waiting for the reply. */
static void
send_pre_restore(struct conn *c, vss_bcd *bcd, int64_t id)
{
	json_t *req = bcd_fields(bcd, NULL);

	assert_ok(wire_set_str(req, WF_TYPE,
			       wire_type_name(WIRE_PRE_RESTORE)));
	assert_ok(wire_set_int(req, WF_ID, id));
	assert_true(conn_send(c, req) >= 0);
	json_decref(req);
}

/*
 * RS-010: cancel of a pre_restore in flight is refused and the
 * pre_restore completes as usual.
 */
static void
test_cancel_refused(void **state)
{
	json_t *writers, *reply, *fields;
	struct conn q;
	vss_bcd *bcd;
	int64_t status;
	const int64_t id = 1000;

	(void)state;
	ip_start(true);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "inproc", NULL, "db", true);
	send_pre_restore(&q, bcd, id);
	ip_wait_entered();
	fields = json_object();
	assert_ok(wire_set_int(fields, WF_TARGET_ID, id));
	reply = NULL;
	assert_status(rq_call(&q, WIRE_CANCEL, fields, &reply),
		      VSS_E_BAD_STATE);
	assert_non_null(strstr(json_string_value(json_object_get(
				       reply, WF_MESSAGE)),
			       "cannot be cancelled"));
	json_decref(reply);
	sem_post(&ip.release);
	reply = await_reply(&q, id);
	assert_ok(wire_get_int(reply, WF_STATUS, &status));
	assert_int_equal(status, 0);
	json_decref(reply);
	assert_state(&q, "inproc", VSS_WS_STABLE);
	conn_close(&q);
	vss_bcd_free(bcd);
	json_decref(writers);
	ip_stop();
}

static bool
transport_error(int r)
{
	return r == -ECONNRESET || r == -EPIPE || r == -ENOTCONN;
}

/*
 * The call that returned r made vssd close connection c: it failed in
 * transport, not with a status of vssd, and so does the next one.
 */
static void
assert_closed_by(struct conn *c, int r)
{
	if (!transport_error(r))
		fail_msg("the call got %d, not a closed connection", r);
	r = rq_call(c, WIRE_GATHER_WRITER_STATUS, NULL, NULL);
	if (!transport_error(r))
		fail_msg("a call after it got %d, not a closed connection", r);
}

/*
 * A document that does not load gets VSS_E_INVALID_XML_DOCUMENT with
 * the reason, and changes nothing: the session takes a good one next.
 * A request without one, or with a bad restore_type, is malformed and
 * closes that connection only.
 */
static void
test_malformed_documents(void **state)
{
	struct fx_writer *w;
	json_t *writers, *fields, *reply;
	struct conn q, m;
	vss_bcd *bcd;
	const char *msg;

	(void)state;
	w = start_writer("malformed", "always", NULL);
	rq_open(&q);
	writers = rq_gather(&q);
	fields = json_pack("{s:s}", WF_BCD, "<BackupComponents><oops");
	reply = NULL;
	assert_status(rq_call(&q, WIRE_PRE_RESTORE, fields, &reply),
		      VSS_E_INVALID_XML_DOCUMENT);
	msg = json_string_value(json_object_get(reply, WF_MESSAGE));
	assert_non_null(msg);
	assert_true(strlen(msg) > 0);
	json_decref(reply);
	assert_events(w, "pre_restore", 0);

	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "malformed", "app", "db", true);
	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL));
	fields = json_pack("{s:s}", WF_BCD, "not xml at all");
	assert_status(rq_call(&q, WIRE_POST_RESTORE, fields, NULL),
		      VSS_E_INVALID_XML_DOCUMENT);
	assert_events(w, "post_restore", 0);
	bcd_set_status(bcd, VSS_RS_ALL);
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL));
	assert_events(w, "post_restore", 1);
	conn_close(&q);

	/* Malformed requests close their own connection. */
	rq_open(&m);
	assert_closed_by(&m, rq_call(&m, WIRE_PRE_RESTORE, NULL, NULL));
	conn_close(&m);
	rq_open(&m);
	json_decref(rq_gather(&m));
	fields = bcd_fields(bcd, "NOT_A_TYPE");
	assert_closed_by(&m, rq_call(&m, WIRE_PRE_RESTORE, fields, NULL));
	conn_close(&m);
	assert_true(fx_vssd_alive(fx));
	rq_open(&m);
	json_decref(rq_gather(&m));
	conn_close(&m);
	assert_events(w, "pre_restore", 1);
	vss_bcd_free(bcd);
	json_decref(writers);
}

/*
 * A requester that goes away after pre_restore: the writers that took
 * part get backup_shutdown (and no post_restore), so none is left
 * waiting with its service offline.
 */
static void
test_requester_gone_after_pre_restore(void **state)
{
	struct fx_writer *w, *other;
	json_t *writers;
	struct conn q;
	vss_bcd *bcd;

	(void)state;
	w = start_writer("gone-after", "always", NULL);
	other = start_writer("gone-other", "always", NULL);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "gone-after", "app", "db", true);
	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL));
	conn_close(&q);
	assert_ok(fx_writer_wait_count(w, "backup_shutdown", 1, 10000));
	assert_events(w, "post_restore", 0);
	assert_events(other, "backup_shutdown", 0);
	vss_bcd_free(bcd);
	json_decref(writers);
}

/*
 * A requester that goes away while a writer is still in pre_restore:
 * its answer is awaited, then it gets backup_shutdown.
 */
static void
test_requester_gone_during_pre_restore(void **state)
{
	json_t *writers;
	struct conn q;
	vss_bcd *bcd;

	(void)state;
	ip_start(true);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "inproc", NULL, "db", true);
	send_pre_restore(&q, bcd, 1000);
	ip_wait_entered();
	conn_close(&q);
	sem_post(&ip.release);
	ip_wait_count(&ip.shutdowns, 1);
	assert_int_equal(ip_count(&ip.post_restores), 0);
	assert_true(fx_vssd_alive(fx));
	vss_bcd_free(bcd);
	json_decref(writers);
	ip_stop();
}

/* Writer "raw"'s component in document bcd. */
static vss_bcd_component *
raw_component(vss_bcd *bcd)
{
	vss_bcd_writer *w = vss_bcd_find_writer(bcd, &rw.class_id,
						&rw.instance_id);

	assert_non_null(w);
	return vss_bcd_writer_find_component(w, VSS_CT_FILEGROUP, NULL, "db");
}

/*
 * RS-008, RS-006: of what a writer sends back from pre_restore vssd takes
 * only what a writer may set there (restore target, restore metadata);
 * the selection, file restore status, restore options, additional and
 * authoritative restore and new targets stay as the requester set them,
 * and the restore goes on.  RS-007: the document of a post_restore reply
 * is ignored.
 */
static void
test_writer_meddles(void **state)
{
	vss_bcd *bcd, *back = NULL, *after = NULL;
	vss_bcd_component *c;
	json_t *writers;
	struct conn q;

	(void)state;
	raw_start(RAW_MEDDLE);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	c = bcd_add(bcd, writers, "raw", NULL, "db", true);
	assert_ok(vss_bcd_component_set_text(c, VSS_TEXT_RESTORE_OPTIONS,
					     "requester-options"));
	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, &back));
	assert_int_equal(raw_count(&rw.pre_restores), 1);
	assert_state(&q, "raw", VSS_WS_STABLE);
	c = raw_component(back);
	assert_non_null(c);
	/* Taken: the writer's to set. */
	assert_int_equal(vss_bcd_component_restore_target(c),
			 VSS_RT_ALTERNATE);
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_RESTORE_METADATA),
			    "raw-metadata");
	/* Kept: the requester's. */
	assert_true(vss_bcd_component_selected_for_restore(c));
	assert_int_equal(vss_bcd_component_file_restore_status(c),
			 VSS_RS_UNDEFINED);
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_RESTORE_OPTIONS),
			    "requester-options");
	assert_false(vss_bcd_component_additional_restores(c));
	assert_false(vss_bcd_component_authoritative_restore(c));
	assert_int_equal(vss_bcd_component_new_target_count(c), 0);

	/* The restore goes on with that document. */
	assert_ok(vss_bcd_component_set_file_restore_status(c, VSS_RS_ALL));
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, back, NULL, &after));
	assert_int_equal(raw_count(&rw.post_restores), 1);
	assert_state(&q, "raw", VSS_WS_STABLE);
	c = raw_component(after);
	assert_non_null(c);
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_RESTORE_METADATA),
			    "raw-metadata");
	assert_int_equal(vss_bcd_component_file_restore_status(c),
			 VSS_RS_ALL);
	conn_close(&q);
	raw_wait_count(&rw.shutdowns, 1);
	raw_stop();
	vss_bcd_free(bcd);
	vss_bcd_free(back);
	vss_bcd_free(after);
	json_decref(writers);
}

/*
 * max_document (64 KiB here): changes in a pre_restore reply that would
 * take the session's document past it are refused, so that the
 * requester's next request is not over the limit.  The writer fails
 * pre_restore, the document is as the requester sent it, and the
 * restore goes on.
 */
static void
test_merge_over_max_document(void **state)
{
	static char big[RAW_BIG_TEXT + 1];
	vss_bcd *bcd, *back = NULL;
	vss_bcd_component *c;
	vss_bcd_writer *other;
	vss_id class_id, instance_id;
	json_t *writers;
	struct conn q;
	int failure;

	(void)state;
	raw_start(RAW_BIG);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "raw", NULL, "db", true);
	/* A writer not running now, with large backup metadata. */
	vss_id_generate(&class_id);
	vss_id_generate(&instance_id);
	assert_ok(vss_bcd_add_writer(bcd, &class_id, &instance_id, NULL, 0,
				     &other));
	assert_ok(vss_bcd_writer_add_component(other, VSS_CT_FILEGROUP, NULL,
					       "big", &c));
	memset(big, 'y', RAW_BIG_TEXT);
	assert_ok(vss_bcd_component_set_text(c, VSS_TEXT_BACKUP_METADATA,
					     big));

	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, &back));
	assert_int_equal(raw_count(&rw.pre_restores), 1);
	assert_int_equal(rq_state(&q, "raw", &failure),
			 VSS_WS_FAILED_AT_PRE_RESTORE);
	assert_status(failure, VSS_E_WRITERERROR_NONRETRYABLE);
	assert_null(vss_bcd_component_text(raw_component(back),
					   VSS_TEXT_RESTORE_METADATA));

	bcd_set_status(back, VSS_RS_NONE);
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, back, NULL, NULL));
	assert_int_equal(raw_count(&rw.post_restores), 0);
	conn_close(&q);
	raw_wait_count(&rw.shutdowns, 1);
	raw_stop();
	vss_bcd_free(bcd);
	vss_bcd_free(back);
	json_decref(writers);
}

/*
 * RS-113: a writer that leaves between gather_writer_metadata and
 * pre_restore is failed at pre_restore as not responding and gets
 * nothing more; the others go on.
 */
static void
test_writer_leaves_before_pre_restore(void **state)
{
	struct fx_writer *gone, *stays;
	json_t *writers;
	struct conn q;
	vss_bcd *bcd;
	int failure;

	(void)state;
	gone = start_writer("gone-early", "always", NULL);
	stays = start_writer("stays-early", "always", NULL);
	rq_open(&q);
	writers = rq_gather(&q);
	bcd = bcd_new_restore();
	bcd_add(bcd, writers, "gone-early", "app", "db", true);
	bcd_add(bcd, writers, "stays-early", "app", "db", true);
	assert_ok(fx_writer_stop(gone));

	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL));
	assert_int_equal(rq_state(&q, "gone-early", &failure),
			 VSS_WS_FAILED_AT_PRE_RESTORE);
	assert_status(failure, VSS_E_WRITER_NOT_RESPONDING);
	assert_events(gone, "pre_restore", 0);
	assert_events(stays, "pre_restore", 1);
	assert_state(&q, "stays-early", VSS_WS_STABLE);

	bcd_set_status(bcd, VSS_RS_ALL);
	assert_ok(rq_restore(&q, WIRE_POST_RESTORE, bcd, NULL, NULL));
	assert_events(stays, "post_restore", 1);
	assert_int_equal(rq_state(&q, "gone-early", &failure),
			 VSS_WS_FAILED_AT_PRE_RESTORE);
	conn_close(&q);
	assert_ok(fx_writer_wait_count(stays, "backup_shutdown", 1, 10000));
	vss_bcd_free(bcd);
	json_decref(writers);
}

/* Send a request of type t with fields (taken over) and id; no wait. */
static void
rq_send(struct conn *c, enum wire_type t, json_t *fields, int64_t id)
{
	json_t *req = fields ? fields : json_object();

	assert_ok(wire_set_str(req, WF_TYPE, wire_type_name(t)));
	assert_ok(wire_set_int(req, WF_ID, id));
	assert_true(conn_send(c, req) >= 0);
	json_decref(req);
}

static json_t *await_reply(struct conn *c, int64_t id);

static void
assert_reply_status(struct conn *c, int64_t id, int want)
{
	json_t *reply = await_reply(c, id);
	int64_t status = 1;

	assert_ok(wire_get_int(reply, WF_STATUS, &status));
	assert_status((int)status, want);
	json_decref(reply);
}

/*
 * A cancelled gather_writer_metadata leaves the session as it was before
 * it: pre_restore gets VSS_E_BAD_STATE and no writer hears of it (RS-002);
 * after a new gather the restore goes as usual.
 */
static void
test_pre_restore_after_cancelled_gather(void **state)
{
	const int64_t gather_id = 2000, cancel_id = 2001;
	vss_bcd_writer *w;
	vss_bcd_component *c;
	json_t *writers;
	struct conn q;
	vss_bcd *bcd;
	vss_id class_id;

	(void)state;
	ip_start(false);
	pthread_mutex_lock(&ip.lock);
	ip.gate_identify = true;
	pthread_mutex_unlock(&ip.lock);
	rq_open(&q);
	rq_send(&q, WIRE_GATHER_WRITER_METADATA, NULL, gather_id);
	ip_wait_entered();
	rq_send(&q, WIRE_CANCEL, json_pack("{s:I}", WF_TARGET_ID,
					   (json_int_t)gather_id),
		cancel_id);
	assert_reply_status(&q, gather_id, VSS_S_ASYNC_CANCELLED);
	assert_reply_status(&q, cancel_id, 0);

	/* The writer's entry, as a gather would have given its ids. */
	assert_ok(vss_id_parse(&class_id,
			       "7d3f2a10-5b1e-4c2d-9a8b-0c1d2e3f4a5b"));
	bcd = bcd_new_restore();
	assert_ok(vss_bcd_add_writer(bcd, &class_id,
				     vss_writer_instance_id(ip.w), NULL, 0,
				     &w));
	assert_ok(vss_bcd_writer_add_component(w, VSS_CT_FILEGROUP, NULL,
					       "db", &c));
	assert_ok(vss_bcd_component_set_selected_for_restore(c, true));
	assert_status(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL),
		      VSS_E_BAD_STATE);

	pthread_mutex_lock(&ip.lock);
	ip.gate_identify = false;
	pthread_mutex_unlock(&ip.lock);
	sem_post(&ip.release);
	writers = rq_gather(&q);
	assert_int_equal(ip_count(&ip.pre_restores), 0);
	assert_ok(rq_restore(&q, WIRE_PRE_RESTORE, bcd, NULL, NULL));
	assert_int_equal(ip_count(&ip.pre_restores), 1);
	assert_state(&q, "inproc", VSS_WS_STABLE);
	conn_close(&q);
	ip_wait_count(&ip.shutdowns, 1);
	vss_bcd_free(bcd);
	json_decref(writers);
	ip_stop();
}

/*
 * RS-003, RS-114 with the requester library: two instances of one class
 * saved without instance names, both still running, the document's
 * entries in the other order than the writers registered.  Each entry
 * goes to the instance it was saved from: only the selected one gets the
 * restore events.
 */
static void
test_library_two_instances(void **state)
{
	const char *same[] = {"--class-id",
			      "9a1e4b7c-2d3f-4e5a-8b6c-7d8e9f0a1b2c", NULL};
	enum vss_restore_writer_match m;
	struct fx_writer *one, *two;
	vss_id class_id, id_one, id_two, live;
	const vss_id *order[2];
	vss_bcd_component *c;
	vss_requester *r;
	vss_bcd_writer *w;
	json_t *writers;
	vss_async *a;
	struct conn q;
	vss_bcd *bcd;
	size_t len;
	char *xml;

	(void)state;
	one = start_writer("twin-one", "always", same);
	two = start_writer("twin-two", "always", same);
	rq_open(&q);
	writers = rq_gather(&q);
	writer_ids(writers, "twin-one", &class_id, &id_one);
	writer_ids(writers, "twin-two", &class_id, &id_two);
	json_decref(writers);
	conn_close(&q);
	/* The saved document: the second instance first, and selected. */
	order[0] = &id_two;
	order[1] = &id_one;
	bcd = bcd_new_restore();
	for (size_t i = 0; i < 2; i++) {
		assert_ok(vss_bcd_add_writer(bcd, &class_id, order[i], NULL, 0,
					     &w));
		assert_ok(vss_bcd_writer_add_component(w, VSS_CT_FILEGROUP,
						       "app", "db", &c));
	}
	assert_ok(vss_bcd_save_xml(bcd, &xml, &len));
	vss_bcd_free(bcd);

	assert_ok(vss_requester_new(&r, fx->socket));
	assert_ok(vss_requester_initialize_for_restore(r, xml));
	free(xml);
	assert_ok(vss_requester_gather_writer_metadata(r, &a));
	assert_ok(fx_async_finish(a, CALL_MS));
	assert_ok(vss_requester_restore_writer_match(r, &class_id, &id_two, &m,
						     &live));
	assert_int_equal(m, VSS_RWM_MATCHED);
	assert_true(vss_id_equal(&live, &id_two));
	assert_ok(vss_requester_restore_writer_match(r, &class_id, &id_one, &m,
						     &live));
	assert_int_equal(m, VSS_RWM_MATCHED);
	assert_true(vss_id_equal(&live, &id_one));
	assert_ok(vss_requester_set_selected_for_restore(
		r, &class_id, &id_two, VSS_CT_FILEGROUP, "app", "db", true));
	assert_ok(vss_requester_pre_restore(r, &a));
	assert_ok(fx_async_finish(a, CALL_MS));
	assert_events(two, "pre_restore", 1);
	assert_events(one, "pre_restore", 0);
	assert_ok(vss_requester_set_file_restore_status(
		r, &class_id, &id_two, VSS_CT_FILEGROUP, "app", "db",
		VSS_RS_ALL));
	assert_ok(vss_requester_post_restore(r, &a));
	assert_ok(fx_async_finish(a, CALL_MS));
	assert_events(two, "post_restore", 1);
	assert_events(one, "post_restore", 0);
	vss_requester_free(r);
	assert_ok(fx_writer_wait_count(two, "backup_shutdown", 1, 10000));
	assert_events(one, "backup_shutdown", 0);
}

static int
stop_writers(void **state)
{
	(void)state;
	ip_stop();
	raw_stop();
	fx_writers_stop_all(fx);
	return 0;
}

static int
setup(void **state)
{
	char extra[128];
	struct fx_vssd_config cfg = {
		.event_timeout_ms = 5000,
		.extra = extra,
	};

	(void)state;
	snprintf(extra, sizeof(extra),
		 "pre_restore_timeout_ms = %u\npost_restore_timeout_ms = %u\n"
		 "max_document = %u",
		 RESTORE_TIMEOUT_MS, RESTORE_TIMEOUT_MS, MAX_DOCUMENT);
	return fx_setup(&fx, 0, 0, NULL, &cfg) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	int r = fx_teardown(fx);

	(void)state;
	fx = NULL;
	return r < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_events_to_selected_writers,
					  stop_writers),
		cmocka_unit_test_teardown(test_if_replace_fails, stop_writers),
		cmocka_unit_test_teardown(test_writer_failures, stop_writers),
		cmocka_unit_test_teardown(test_writer_changes_come_back,
					  stop_writers),
		cmocka_unit_test_teardown(test_writer_leaves_between,
					  stop_writers),
		cmocka_unit_test_teardown(test_request_order, stop_writers),
		cmocka_unit_test_teardown(test_cancel_refused, stop_writers),
		cmocka_unit_test_teardown(test_malformed_documents,
					  stop_writers),
		cmocka_unit_test_teardown(test_requester_gone_after_pre_restore,
					  stop_writers),
		cmocka_unit_test_teardown(
			test_requester_gone_during_pre_restore, stop_writers),
		cmocka_unit_test_teardown(test_writer_meddles, stop_writers),
		cmocka_unit_test_teardown(test_merge_over_max_document,
					  stop_writers),
		cmocka_unit_test_teardown(
			test_writer_leaves_before_pre_restore, stop_writers),
		cmocka_unit_test_teardown(
			test_pre_restore_after_cancelled_gather, stop_writers),
		cmocka_unit_test_teardown(test_library_two_instances,
					  stop_writers),
	};
	const char *why = fx_unavailable_with(NULL);

	/* No volume: a restore takes no snapshot. */
	if (why) {
		printf("skipping integration tests: %s\n", why);
		return SKIP_STATUS;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
