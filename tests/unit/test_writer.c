/*
 * tests/unit/test_writer.c - the writer API (vss/writer.h) against a fake
 * vssd: a thread of this test that listens on a Unix socket in a temporary
 * directory and speaks docs/protocol.md through lib/wire.  The test sends
 * events and reads the writer's replies; the writer runs either on the
 * test's thread (vss_writer_process()) or on its helper thread.
 *
 * Covered: options and defaults (BK-036), subscribe and its fields, once
 * only (BK-037), identify and the WMD (BK-012), each event to its handler
 * with the helper values (BK-035), failure mapping (BK-031, BK-033,
 * BK-041), BCD write windows (BK-021, BK-022), the freeze window (BK-060),
 * abort on a lost connection, free from inside a handler, thread mode.
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
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <vss/status.h>
#include <vss/writer.h>

#include "wire/wire.h"

#define WAIT_MS 5000

/* ---- the fake daemon ----------------------------------------------------- */

struct fake {
	char dir[64];
	char path[128];
	int listen_fd;
	int stop_fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Under lock: */
	int fd; /* the writer's connection, -1 when none */
	int connections;
	int subscribes;
	int unsubscribes;
	int bad_frames;
	bool peer_closed;
	json_t *subscribe; /* the last subscribe request */
	json_t *replies;   /* event_reply messages received */
	int subscribe_status;
	/* Send an identify with the subscribe reply: 1 after it, -1 before. */
	int event_with_subscribe;
	uint64_t next_event_id;
};

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		/* The writer may be gone: EPIPE, not SIGPIPE. */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Encode and append msg to *buf (for one write of several frames). */
static void
append_frame(uint8_t **buf, size_t *len, json_t *msg)
{
	uint8_t *frame;
	size_t n;

	if (wire_encode(msg, WIRE_FRAME_MAX, &frame, &n) < 0)
		abort();
	*buf = realloc(*buf, *len + n);
	if (!*buf)
		abort();
	memcpy(*buf + *len, frame, n);
	*len += n;
	free(frame);
}

/* With f->lock held. */
static void
fake_write_locked(struct fake *f, uint8_t *buf, size_t len)
{
	if (f->fd >= 0)
		write_all(f->fd, buf, len);
	free(buf);
}

static void
fake_handle(struct fake *f, json_t *msg)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *reply = NULL, *ev;
	int64_t id = 0;
	vss_id session;
	int type = wire_check(msg, NULL);

	wire_get_int(msg, WF_ID, &id);
	pthread_mutex_lock(&f->lock);
	switch (type) {
	case WIRE_HELLO:
		vss_id_generate(&session);
		reply = wire_reply_new((uint64_t)id, 0, NULL);
		wire_set_id(reply, WF_SESSION_ID, &session);
		break;
	case WIRE_SUBSCRIBE:
		json_decref(f->subscribe);
		f->subscribe = json_incref(msg);
		f->subscribes++;
		reply = wire_reply_new((uint64_t)id, f->subscribe_status, NULL);
		break;
	case WIRE_UNSUBSCRIBE:
		f->unsubscribes++;
		reply = wire_reply_new((uint64_t)id, 0, NULL);
		break;
	case WIRE_EVENT_REPLY:
		json_array_append(f->replies, msg);
		break;
	default:
		f->bad_frames++;
		break;
	}
	/* An identify next to the subscribe reply, in the same write. */
	ev = NULL;
	if (type == WIRE_SUBSCRIBE && f->event_with_subscribe)
		ev = wire_event_new(WIRE_EV_IDENTIFY, ++f->next_event_id);
	if (ev && f->event_with_subscribe < 0)
		append_frame(&buf, &len, ev);
	if (reply)
		append_frame(&buf, &len, reply);
	if (ev && f->event_with_subscribe > 0)
		append_frame(&buf, &len, ev);
	json_decref(reply);
	json_decref(ev);
	if (buf)
		fake_write_locked(f, buf, len);
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void
fake_hang_up(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	close(f->fd);
	f->fd = -1;
	f->peer_closed = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	struct wire_reader rd;
	uint8_t buf[65536];
	json_t *msg;
	ssize_t n;
	int fd;

	wire_reader_init(&rd, WIRE_FRAME_MAX);
	for (;;) {
		/* Only this thread changes f->fd. */
		struct pollfd p[3] = {
			{.fd = f->stop_fd, .events = POLLIN},
			{.fd = f->listen_fd, .events = POLLIN},
			{.fd = f->fd, .events = POLLIN},
		};

		if (poll(p, 3, -1) < 0)
			continue;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN) {
			fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			pthread_mutex_lock(&f->lock);
			if (f->fd >= 0)
				close(f->fd);
			f->fd = fd;
			f->connections++;
			f->peer_closed = false;
			pthread_mutex_unlock(&f->lock);
			wire_reader_release(&rd);
			wire_reader_init(&rd, WIRE_FRAME_MAX);
			continue;
		}
		if (!p[2].revents)
			continue;
		n = read(f->fd, buf, sizeof(buf));
		if (n <= 0) {
			fake_hang_up(f);
			continue;
		}
		if (wire_reader_feed(&rd, buf, (size_t)n) < 0) {
			f->bad_frames++;
			fake_hang_up(f);
			continue;
		}
		while (wire_reader_next(&rd, &msg) > 0) {
			fake_handle(f, msg);
			json_decref(msg);
		}
	}
	wire_reader_release(&rd);
	return NULL;
}

static void
fake_start(struct fake *f)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	pthread_condattr_t ca;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	strcpy(f->dir, "/tmp/vss-test-writer-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vssd.sock", f->dir);
	strcpy(sa.sun_path, f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa,
			      sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 8), 0);
	f->stop_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(f->stop_fd >= 0);
	f->replies = json_array();
	pthread_mutex_init(&f->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cond, &ca);
	pthread_condattr_destroy(&ca);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f)
{
	const uint64_t one = 1;

	assert_int_equal(write(f->stop_fd, &one, sizeof(one)), sizeof(one));
	pthread_join(f->thread, NULL);
	if (f->fd >= 0)
		close(f->fd);
	close(f->listen_fd);
	close(f->stop_fd);
	unlink(f->path);
	rmdir(f->dir);
	json_decref(f->subscribe);
	json_decref(f->replies);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
}

/* Send an event with fields (stolen; may be NULL); returns its id. */
static uint64_t
fake_event(struct fake *f, const char *name, json_t *fields)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	uint64_t id;
	json_t *msg;

	pthread_mutex_lock(&f->lock);
	id = ++f->next_event_id;
	msg = wire_event_new(wire_event_parse(name), id);
	assert_non_null(msg);
	if (fields)
		json_object_update(msg, fields);
	json_decref(fields);
	append_frame(&buf, &len, msg);
	json_decref(msg);
	fake_write_locked(f, buf, len);
	pthread_mutex_unlock(&f->lock);
	return id;
}

static void
deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* The reply to event id (caller owns), waiting up to ms; or NULL. */
static json_t *
fake_reply(struct fake *f, uint64_t id, int ms)
{
	struct timespec ts;
	json_t *found = NULL, *r;
	int64_t n;
	size_t i;

	deadline_in(&ts, ms);
	pthread_mutex_lock(&f->lock);
	for (;;) {
		json_array_foreach(f->replies, i, r) {
			if (wire_get_int(r, WF_ID, &n) == 0 &&
			    (uint64_t)n == id)
				found = json_incref(r);
		}
		if (found || pthread_cond_timedwait(&f->cond, &f->lock, &ts))
			break;
	}
	pthread_mutex_unlock(&f->lock);
	return found;
}

/* Wait until the daemon side saw the connection close. */
static bool
fake_wait_closed(struct fake *f)
{
	struct timespec ts;
	bool closed;

	deadline_in(&ts, WAIT_MS);
	pthread_mutex_lock(&f->lock);
	while (!f->peer_closed &&
	       pthread_cond_timedwait(&f->cond, &f->lock, &ts) == 0)
		;
	closed = f->peer_closed;
	pthread_mutex_unlock(&f->lock);
	return closed;
}

static int
fake_count(struct fake *f, const int *counter)
{
	int n;

	pthread_mutex_lock(&f->lock);
	n = *counter;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* Close the writer's connection as a dying daemon would. */
static void
fake_drop(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	if (f->fd >= 0)
		shutdown(f->fd, SHUT_RDWR);
	pthread_mutex_unlock(&f->lock);
}

static int64_t
reply_int(json_t *reply, const char *key)
{
	int64_t n = 0;

	assert_int_equal(wire_get_int(reply, key, &n), 0);
	return n;
}

static bool
reply_has(json_t *reply, const char *key)
{
	json_t *v = json_object_get(reply, key);

	return v && !json_is_null(v);
}

/* ---- the writer under test ----------------------------------------------- */

struct fx {
	struct fake f;
	vss_writer *w;
	vss_id class_id;
	struct vss_writer_opts opts;
	struct vss_writer_callbacks cb;

	/* Handlers count their calls and do what these say. */
	_Atomic int calls[WIRE_EV_COUNT];
	int ret[WIRE_EV_COUNT];
	bool set[WIRE_EV_COUNT];
	int set_status, set_app;
	const char *set_message;
	int set_result;
	enum wire_event free_in;
	void (*hook)(struct fx *fx, vss_writer *w, vss_writer_event *ev);
	void (*identify_hook)(struct fx *fx, vss_writer *w);
	pthread_t handler_thread;
	vss_id abort_set_id;
	const char *last_name;

	/* What the hooks saw. */
	enum vss_backup_type backup_type;
	enum vss_restore_type restore_type;
	int32_t context;
	bool selected, bootable, partial;
	vss_id set_id;
	size_t volume_count;
	char volume0[64], volume1[64];
	bool affected[8];
	int device_status;
	char device[64];
	int device_other;
	bool had_components;
	bool component_is_ours;
	int in_handler_status[4];
	/* free inside a handler */
	int fd_before_free, fd_after_free;
	int unsubscribes_in_handler;
	bool instance_id_after_free;
};

static void
pass_time(int ms)
{
	poll(NULL, 0, ms);
}

static int
on_event(vss_writer *w, vss_writer_event *ev, void *u, enum wire_event type)
{
	struct fx *fx = u;
	int r = fx->ret[type];

	fx->calls[type]++;
	fx->last_name = vss_writer_event_name(ev);
	fx->handler_thread = pthread_self();
	if (type == WIRE_EV_ABORT)
		fx->abort_set_id = *vss_writer_event_snapshot_set_id(ev);
	if (fx->hook)
		fx->hook(fx, w, ev);
	if (fx->set[type])
		fx->set_result = vss_writer_event_set_failure(
			ev, fx->set_status, fx->set_app, fx->set_message);
	if (fx->free_in == type) {
		fx->fd_before_free = vss_writer_get_fd(w);
		vss_writer_free(w);
		/* Still there until the handler returns. */
		fx->fd_after_free = vss_writer_get_fd(w);
		fx->instance_id_after_free = vss_id_equal(
			vss_writer_instance_id(w), vss_writer_instance_id(w));
		pthread_mutex_lock(&fx->f.lock);
		fx->unsubscribes_in_handler =
			fx->f.unsubscribes + (fx->f.peer_closed ? 100 : 0);
		pthread_mutex_unlock(&fx->f.lock);
		fx->w = NULL;
	}
	return r;
}

#define HANDLER(name, ev)                                                      \
	static int on_##name(vss_writer *w, vss_writer_event *e, void *u)      \
	{                                                                      \
		return on_event(w, e, u, ev);                                  \
	}
HANDLER(prepare_backup, WIRE_EV_PREPARE_BACKUP)
HANDLER(prepare_snapshot, WIRE_EV_PREPARE_SNAPSHOT)
HANDLER(freeze, WIRE_EV_FREEZE)
HANDLER(thaw, WIRE_EV_THAW)
HANDLER(post_snapshot, WIRE_EV_POST_SNAPSHOT)
HANDLER(abort, WIRE_EV_ABORT)
HANDLER(backup_complete, WIRE_EV_BACKUP_COMPLETE)
HANDLER(backup_shutdown, WIRE_EV_BACKUP_SHUTDOWN)
HANDLER(pre_restore, WIRE_EV_PRE_RESTORE)
HANDLER(post_restore, WIRE_EV_POST_RESTORE)

static int
on_identify(vss_writer *w, vss_wmd *wmd, void *u)
{
	struct fx *fx = u;
	const struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.logical_path = "data",
		.name = "files",
		.selectable = true,
	};
	int r;

	fx->calls[WIRE_EV_IDENTIFY]++;
	fx->handler_thread = pthread_self();
	if (fx->identify_hook)
		fx->identify_hook(fx, w);
	if (fx->ret[WIRE_EV_IDENTIFY])
		return fx->ret[WIRE_EV_IDENTIFY];
	r = vss_wmd_add_component(wmd, &def);
	if (r == 0)
		r = vss_wmd_add_files_to_file_group(wmd, "data", "files",
						    "/srv/data", "*", true,
						    NULL, 0);
	return r;
}

static void
default_opts(struct fx *fx)
{
	vss_id_parse(&fx->class_id, "6f5b15b5-da24-4d88-b737-63063e3a1f86");
	fx->opts = (struct vss_writer_opts){
		.size = sizeof(fx->opts),
		.class_id = fx->class_id,
		.instance_name = "instance one",
		.friendly_name = "Test Writer",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_TRANSACTEDDB,
		.major_version = 2,
		.minor_version = 7,
		.socket_path = fx->f.path,
	};
	fx->cb = (struct vss_writer_callbacks){
		.size = sizeof(fx->cb),
		.identify = on_identify,
		.prepare_backup = on_prepare_backup,
		.prepare_snapshot = on_prepare_snapshot,
		.freeze = on_freeze,
		.thaw = on_thaw,
		.post_snapshot = on_post_snapshot,
		.abort = on_abort,
		.backup_complete = on_backup_complete,
		.backup_shutdown = on_backup_shutdown,
		.pre_restore = on_pre_restore,
		.post_restore = on_post_restore,
	};
}

/* A new subscribed writer from fx->opts and fx->cb. */
static void
writer_start(struct fx *fx)
{
	assert_int_equal(vss_writer_new(&fx->w, &fx->opts, &fx->cb, fx), 0);
	assert_int_equal(vss_writer_subscribe(fx->w), 0);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fake_start(&fx->f);
	default_opts(fx);
	writer_start(fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	vss_writer_free(fx->w);
	fake_stop(&fx->f);
	assert_int_equal(fx->f.bad_frames, 0);
	free(fx);
	return 0;
}

/* Run the writer on this thread until the reply to id came. */
static json_t *
pump(struct fx *fx, uint64_t id)
{
	json_t *reply = NULL;
	int i, t;

	for (i = 0; i < WAIT_MS / 10 && !reply; i++) {
		struct pollfd p = {
			.fd = vss_writer_get_fd(fx->w),
			.events = (short)vss_writer_get_events(fx->w),
		};

		t = vss_writer_get_timeout(fx->w);
		poll(&p, 1, t < 0 || t > 10 ? 10 : t);
		assert_int_equal(vss_writer_process(fx->w), 0);
		reply = fake_reply(&fx->f, id, 0);
		if (!reply && !fx->w)
			reply = fake_reply(&fx->f, id, WAIT_MS);
		if (!fx->w)
			break;
	}
	assert_non_null(reply);
	return reply;
}

/* Send an event, let the writer handle it, return the reply. */
static json_t *
exchange(struct fx *fx, const char *name, json_t *fields)
{
	return pump(fx, fake_event(&fx->f, name, fields));
}

/* Exchange and check the reply's status; the reply is dropped. */
static void
expect_status(struct fx *fx, const char *name, json_t *fields, int status)
{
	json_t *reply = exchange(fx, name, fields);

	assert_int_equal(reply_int(reply, WF_STATUS), status);
	json_decref(reply);
}

static const char *const set_id_text = "0b0e7b60-3e52-4a8b-9a0f-2f7c31c4e0a1";

static json_t *
set_fields(void)
{
	return json_pack("{s:s}", WF_SNAPSHOT_SET_ID, set_id_text);
}

/* A BCD in component mode naming (class, instance) with one component. */
static char *
make_bcd(const vss_id *class_id, const vss_id *instance_id, bool selected)
{
	const struct vss_backup_state st = {
		.select_components = selected,
		.backup_type = VSS_BT_DIFFERENTIAL,
	};
	vss_bcd_component *c;
	vss_bcd_writer *bw;
	vss_bcd *bcd;
	vss_id other;
	char *xml;
	size_t len;

	assert_int_equal(vss_bcd_new(&bcd), 0);
	assert_int_equal(vss_bcd_set_backup_state(bcd, &st), 0);
	assert_int_equal(vss_bcd_set_restore_type(bcd, VSS_RTYPE_BY_COPY), 0);
	/* Another writer first, so that the lookup has to pick. */
	vss_id_generate(&other);
	assert_int_equal(vss_bcd_add_writer(bcd, &other, &other, NULL, 0,
					    &bw), 0);
	assert_int_equal(vss_bcd_writer_add_component(bw, VSS_CT_FILEGROUP,
						      NULL, "theirs", &c),
			 0);
	assert_int_equal(vss_bcd_add_writer(bcd, class_id, instance_id, NULL,
					    0, &bw), 0);
	assert_int_equal(vss_bcd_writer_add_component(bw, VSS_CT_FILEGROUP,
						      "data", "files", &c),
			 0);
	assert_int_equal(vss_bcd_save_xml(bcd, &xml, &len), 0);
	vss_bcd_free(bcd);
	return xml;
}

static json_t *
bcd_fields(struct fx *fx, const vss_id *instance_id, bool selected)
{
	char *xml = make_bcd(&fx->class_id, instance_id, selected);
	json_t *j = json_pack("{s:s, s:s}", WF_SNAPSHOT_SET_ID, set_id_text,
			      WF_BCD, xml);

	free(xml);
	return j;
}

/* The backup stamp of our component in the reply's BCD, or NULL. */
static char *
reply_stamp(struct fx *fx, json_t *reply, const vss_id *instance_id)
{
	vss_bcd_component *c;
	vss_bcd_writer *bw;
	const char *xml, *s;
	vss_bcd *bcd;
	char *copy = NULL;

	if (wire_get_str(reply, WF_BCD, &xml) < 0)
		return NULL;
	assert_int_equal(vss_bcd_load_xml(&bcd, xml, strlen(xml), NULL), 0);
	bw = vss_bcd_find_writer(bcd, &fx->class_id, instance_id);
	assert_non_null(bw);
	c = vss_bcd_writer_find_component(bw, VSS_CT_FILEGROUP, "data",
					  "files");
	assert_non_null(c);
	s = vss_bcd_component_text(c, VSS_TEXT_BACKUP_STAMP);
	if (s)
		copy = strdup(s);
	vss_bcd_free(bcd);
	return copy;
}

/* ---- options ------------------------------------------------------------- */

static int
noop_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fake_start(&fx->f);
	default_opts(fx);
	*state = fx;
	return 0;
}

static int
try_new(struct fx *fx, const struct vss_writer_opts *o)
{
	vss_writer *w = NULL;
	int r = vss_writer_new(&w, o, &fx->cb, fx);

	vss_writer_free(w);
	return r;
}

/* BK-036: what is required, the defaults, sized structs. */
static void
test_new_checks(void **state)
{
	struct fx *fx = *state;
	struct vss_writer_opts o;
	unsigned char big[sizeof(o) + 16] = {0};
	vss_writer *w = NULL, *w2 = NULL;

	assert_int_equal(vss_writer_new(NULL, &fx->opts, &fx->cb, NULL),
			 -EINVAL);
	assert_int_equal(vss_writer_new(&w, NULL, &fx->cb, NULL), -EINVAL);
	assert_int_equal(vss_writer_new(&w, &fx->opts, NULL, NULL), -EINVAL);
	assert_null(w);
	o = fx->opts;
	o.friendly_name = NULL;
	assert_int_equal(try_new(fx, &o), -EINVAL);
	o.friendly_name = "";
	assert_int_equal(try_new(fx, &o), -EINVAL);
	o = fx->opts;
	o.usage = VSS_UT_UNDEFINED;
	assert_int_equal(try_new(fx, &o), -EINVAL);
	o.usage = (enum vss_usage_type)99;
	assert_int_equal(try_new(fx, &o), -EINVAL);
	o = fx->opts;
	o.source = VSS_ST_UNDEFINED;
	assert_int_equal(try_new(fx, &o), -EINVAL);
	o = fx->opts;
	memset(&o.class_id, 0, sizeof(o.class_id));
	assert_int_equal(try_new(fx, &o), -EINVAL);
	o = fx->opts;
	o.level = (enum vss_app_level)7;
	assert_int_equal(try_new(fx, &o), -EINVAL);
	o = fx->opts;
	o.freeze_timeout_ms = 0x80000000u;
	assert_int_equal(try_new(fx, &o), -EINVAL);
	o = fx->opts;
	o.size = offsetof(struct vss_writer_opts, source);
	assert_int_equal(try_new(fx, &o), -EINVAL);
	/* A newer caller's longer struct: fine while the tail is zero. */
	memcpy(big, &fx->opts, sizeof(fx->opts));
	((struct vss_writer_opts *)big)->size = sizeof(big);
	assert_int_equal(try_new(fx, (struct vss_writer_opts *)big), 0);
	big[sizeof(big) - 1] = 1;
	assert_int_equal(try_new(fx, (struct vss_writer_opts *)big), -E2BIG);

	/* Two writers never share an instance id. */
	assert_int_equal(vss_writer_new(&w, &fx->opts, &fx->cb, fx), 0);
	assert_int_equal(vss_writer_new(&w2, &fx->opts, &fx->cb, fx), 0);
	assert_false(vss_id_is_null(vss_writer_instance_id(w)));
	assert_false(vss_id_equal(vss_writer_instance_id(w),
				  vss_writer_instance_id(w2)));
	assert_null(vss_writer_instance_id(NULL));
	/* Not subscribed yet. */
	assert_int_equal(vss_writer_get_fd(w), -1);
	assert_int_equal(vss_writer_get_events(w), 0);
	assert_int_equal(vss_writer_get_timeout(w), -1);
	assert_int_equal(vss_writer_process(w), VSS_E_BAD_STATE);
	assert_int_equal(vss_writer_unsubscribe(w), 0);
	assert_int_equal(vss_writer_start_thread(w), VSS_E_BAD_STATE);
	assert_int_equal(vss_writer_stop_thread(w), VSS_E_BAD_STATE);
	assert_int_equal(vss_writer_process(NULL), -EINVAL);
	assert_int_equal(vss_writer_subscribe(NULL), -EINVAL);
	assert_int_equal(vss_writer_get_fd(NULL), -1);
	vss_writer_free(w);
	vss_writer_free(w2);
	vss_writer_free(NULL);
}

/* The subscribe request carries the identity and the defaults. */
static void
test_subscribe_fields(void **state)
{
	struct fx *fx = *state;
	const char *s;
	vss_id id;
	int64_t n;
	json_t *sub;

	pthread_mutex_lock(&fx->f.lock);
	sub = json_incref(fx->f.subscribe);
	pthread_mutex_unlock(&fx->f.lock);
	assert_non_null(sub);
	assert_int_equal(wire_get_id(sub, WF_CLASS_ID, &id), 0);
	assert_true(vss_id_equal(&id, &fx->class_id));
	assert_int_equal(wire_get_id(sub, WF_INSTANCE_ID, &id), 0);
	assert_true(vss_id_equal(&id, vss_writer_instance_id(fx->w)));
	assert_int_equal(wire_get_str(sub, WF_INSTANCE_NAME, &s), 0);
	assert_string_equal(s, "instance one");
	assert_int_equal(wire_get_str(sub, WF_FRIENDLY_NAME, &s), 0);
	assert_string_equal(s, "Test Writer");
	assert_int_equal(wire_get_str(sub, WF_USAGE, &s), 0);
	assert_string_equal(s, "USER_DATA");
	assert_int_equal(wire_get_str(sub, WF_SOURCE, &s), 0);
	assert_string_equal(s, "TRANSACTION_DB");
	/* BK-036 defaults. */
	assert_int_equal(wire_get_str(sub, WF_LEVEL, &s), 0);
	assert_string_equal(s, "front_end");
	assert_int_equal(wire_get_int(sub, WF_FREEZE_TIMEOUT_MS, &n), 0);
	assert_int_equal(n, 60000);
	json_decref(sub);
	assert_true(vss_writer_get_fd(fx->w) >= 0);
	assert_int_equal(vss_writer_get_events(fx->w), POLLIN);
	assert_int_equal(vss_writer_get_timeout(fx->w), -1);

	/* BK-037: once; the daemon is not asked again. */
	assert_int_equal(vss_writer_subscribe(fx->w),
			 VSS_E_WRITER_ALREADY_SUBSCRIBED);
	assert_int_equal(fake_count(&fx->f, &fx->f.subscribes), 1);
	assert_int_equal(fake_count(&fx->f, &fx->f.connections), 1);

	/* Unsubscribe says so and closes; subscribing again works. */
	assert_int_equal(vss_writer_unsubscribe(fx->w), 0);
	assert_int_equal(fake_count(&fx->f, &fx->f.unsubscribes), 1);
	assert_true(fake_wait_closed(&fx->f));
	assert_int_equal(vss_writer_get_fd(fx->w), -1);
	assert_int_equal(vss_writer_process(fx->w), VSS_E_BAD_STATE);
	assert_int_equal(vss_writer_unsubscribe(fx->w), 0);
	assert_int_equal(vss_writer_subscribe(fx->w), 0);
	assert_int_equal(fake_count(&fx->f, &fx->f.subscribes), 2);

	/* Explicit level and timeout. */
	vss_writer_free(fx->w);
	fx->opts.level = VSS_APP_SYSTEM;
	fx->opts.freeze_timeout_ms = 1234;
	fx->opts.instance_name = NULL;
	writer_start(fx);
	pthread_mutex_lock(&fx->f.lock);
	sub = json_incref(fx->f.subscribe);
	pthread_mutex_unlock(&fx->f.lock);
	assert_int_equal(wire_get_str(sub, WF_LEVEL, &s), 0);
	assert_string_equal(s, "system");
	assert_int_equal(wire_get_int(sub, WF_FREEZE_TIMEOUT_MS, &n), 0);
	assert_int_equal(n, 1234);
	assert_int_equal(wire_get_str(sub, WF_INSTANCE_NAME, &s), -ENOENT);
	json_decref(sub);
}

/* The daemon's refusal, and no daemon at all. */
static void
test_subscribe_errors(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char path[160];
	vss_writer *w;
	int fd;

	pthread_mutex_lock(&fx->f.lock);
	fx->f.subscribe_status = VSS_E_WRITER_INFRASTRUCTURE;
	pthread_mutex_unlock(&fx->f.lock);
	assert_int_equal(vss_writer_new(&w, &fx->opts, &fx->cb, fx), 0);
	assert_int_equal(vss_writer_subscribe(w), VSS_E_WRITER_INFRASTRUCTURE);
	assert_int_equal(vss_writer_get_fd(w), -1);

	snprintf(path, sizeof(path), "%s/nothing.sock", fx->f.dir);
	vss_writer_free(w);
	fx->opts.socket_path = path;
	assert_int_equal(vss_writer_new(&w, &fx->opts, &fx->cb, fx), 0);
	assert_int_equal(vss_writer_subscribe(w), -ENOENT);
	/* A socket nobody listens on. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(vss_writer_subscribe(w), -ECONNREFUSED);
	assert_int_equal(vss_writer_get_fd(w), -1);
	close(fd);
	unlink(path);
	vss_writer_free(w);
}

/*
 * An older caller's opts without socket_path: it reads as NULL, so the
 * socket comes from $VSS_SOCKET; an older callbacks struct too.
 */
static void
test_old_structs(void **state)
{
	struct fx *fx = *state;
	struct vss_writer_opts o = fx->opts;
	struct vss_writer_callbacks cb = fx->cb;
	vss_writer *w;
	json_t *reply;
	uint64_t id;

	o.size = offsetof(struct vss_writer_opts, socket_path);
	o.socket_path = "/nonexistent/vssd.sock";
	cb.size = offsetof(struct vss_writer_callbacks, post_restore);
	setenv("VSS_SOCKET", fx->f.path, 1);
	assert_int_equal(vss_writer_new(&w, &o, &cb, fx), 0);
	assert_int_equal(vss_writer_subscribe(w), 0);
	unsetenv("VSS_SOCKET");
	vss_writer_free(fx->w);
	fx->w = w;
	id = fake_event(&fx->f, "post_restore", NULL);
	reply = pump(fx, id);
	assert_int_equal(reply_int(reply, WF_STATUS), 0);
	assert_int_equal(fx->calls[WIRE_EV_POST_RESTORE], 0);
	json_decref(reply);
	expect_status(fx, "pre_restore", NULL, 0);
	assert_int_equal(fx->calls[WIRE_EV_PRE_RESTORE], 1);
}

/* ---- events -------------------------------------------------------------- */

/* BK-012: identify sends a WMD with the identity the handler filled. */
static void
test_identify(void **state)
{
	struct fx *fx = *state;
	const struct vss_writer_identity *id;
	const struct vss_wm_component *c;
	const char *xml;
	vss_wmd *wmd;
	json_t *reply;

	reply = exchange(fx, "identify", NULL);
	assert_int_equal(reply_int(reply, WF_STATUS), 0);
	assert_false(reply_has(reply, WF_FAILURE));
	assert_int_equal(wire_get_str(reply, WF_WMD, &xml), 0);
	assert_int_equal(vss_wmd_load_xml(&wmd, xml, strlen(xml), NULL), 0);
	id = vss_wmd_identity(wmd);
	assert_true(vss_id_equal(&id->class_id, &fx->class_id));
	assert_true(vss_id_equal(&id->instance_id,
				 vss_writer_instance_id(fx->w)));
	assert_string_equal(id->instance_name, "instance one");
	assert_string_equal(id->friendly_name, "Test Writer");
	assert_int_equal(id->usage, VSS_UT_USERDATA);
	assert_int_equal(id->source, VSS_ST_TRANSACTEDDB);
	assert_int_equal(id->major_version, 2);
	assert_int_equal(id->minor_version, 7);
	c = vss_wmd_find_component(wmd, "data", "files");
	assert_non_null(c);
	assert_int_equal(c->file_count, 1);
	vss_wmd_free(wmd);
	json_decref(reply);
	assert_int_equal(fx->calls[WIRE_EV_IDENTIFY], 1);

	/* A failing identify sends no document (BK-013). */
	fx->ret[WIRE_EV_IDENTIFY] = -EIO;
	reply = exchange(fx, "identify", NULL);
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_int_equal(reply_int(reply, WF_APP_FAILURE), -EIO);
	assert_false(reply_has(reply, WF_WMD));
	json_decref(reply);
}

static void
identify_app_down(struct fx *fx, vss_writer *w)
{
	fx->in_handler_status[0] = vss_writer_identify_set_failure(
		w, VSS_E_WRITERERROR_PARTIAL_FAILURE, 0, "partial");
	fx->in_handler_status[1] = vss_writer_identify_set_failure(w, 0, 0,
								   NULL);
	fx->in_handler_status[2] = vss_writer_identify_set_failure(
		w, VSS_E_WRITERERROR_NONRETRYABLE, 3, "replaced below");
	fx->in_handler_status[3] = vss_writer_identify_set_failure(
		w, VSS_E_WRITERERROR_RETRYABLE, 11, "the application is down");
}

static void
hook_identify_failure_elsewhere(struct fx *fx, vss_writer *w,
				vss_writer_event *ev)
{
	(void)ev;
	fx->in_handler_status[0] = vss_writer_identify_set_failure(
		w, VSS_E_WRITERERROR_RETRYABLE, 0, "not here");
}

/*
 * vss_writer_identify_set_failure(): the identify reply carries the
 * failure, application status and message, and no document (BK-013).
 */
static void
test_identify_failure(void **state)
{
	struct fx *fx = *state;
	const char *msg;
	json_t *reply;

	/* Only inside the identify handler. */
	assert_int_equal(vss_writer_identify_set_failure(
				 NULL, VSS_E_WRITERERROR_RETRYABLE, 0, NULL),
			 -EINVAL);
	assert_int_equal(vss_writer_identify_set_failure(
				 fx->w, VSS_E_WRITERERROR_RETRYABLE, 0, NULL),
			 VSS_E_BAD_STATE);
	fx->hook = hook_identify_failure_elsewhere;
	expect_status(fx, "freeze", set_fields(), 0);
	assert_int_equal(fx->in_handler_status[0], VSS_E_BAD_STATE);
	fx->hook = NULL;

	/* Bad codes refused; the last good call wins. */
	fx->identify_hook = identify_app_down;
	fx->ret[WIRE_EV_IDENTIFY] = VSS_E_WRITERERROR_RETRYABLE;
	reply = exchange(fx, "identify", NULL);
	assert_int_equal(fx->in_handler_status[0], -EINVAL);
	assert_int_equal(fx->in_handler_status[1], -EINVAL);
	assert_int_equal(fx->in_handler_status[2], 0);
	assert_int_equal(fx->in_handler_status[3], 0);
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(reply_int(reply, WF_FAILURE),
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(reply_int(reply, WF_APP_FAILURE), 11);
	assert_int_equal(wire_get_str(reply, WF_FAILURE_MESSAGE, &msg), 0);
	assert_string_equal(msg, "the application is down");
	assert_false(reply_has(reply, WF_WMD));
	json_decref(reply);

	/* The failure set wins over another negative return. */
	fx->ret[WIRE_EV_IDENTIFY] = -EIO;
	reply = exchange(fx, "identify", NULL);
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(reply_int(reply, WF_APP_FAILURE), 11);
	json_decref(reply);

	/* A handler that returns 0 after all succeeds, with its document. */
	fx->ret[WIRE_EV_IDENTIFY] = 0;
	reply = exchange(fx, "identify", NULL);
	assert_int_equal(reply_int(reply, WF_STATUS), 0);
	assert_false(reply_has(reply, WF_FAILURE));
	assert_false(reply_has(reply, WF_FAILURE_MESSAGE));
	assert_true(reply_has(reply, WF_WMD));
	json_decref(reply);

	/* Nothing carries over to the next identify. */
	fx->identify_hook = NULL;
	fx->ret[WIRE_EV_IDENTIFY] = -EIO;
	reply = exchange(fx, "identify", NULL);
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_false(reply_has(reply, WF_FAILURE_MESSAGE));
	json_decref(reply);
}

static const char *const event_names[] = {
	"prepare_backup", "prepare_snapshot", "freeze",
	"thaw", "post_snapshot", "abort",
	"backup_complete", "backup_shutdown", "pre_restore",
	"post_restore",
};

/* Each event reaches its own handler, and only that one. */
static void
test_dispatch(void **state)
{
	struct fx *fx = *state;
	enum wire_event e, other;
	size_t i;

	for (i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++) {
		e = wire_event_parse(event_names[i]);
		fx->last_name = NULL;
		expect_status(fx, event_names[i], set_fields(), 0);
		assert_string_equal(fx->last_name, event_names[i]);
		for (other = WIRE_EV_PREPARE_BACKUP; other < WIRE_EV_COUNT;
		     other++)
			assert_int_equal(fx->calls[other], other <= e ? 1 : 0);
		assert_int_equal(fx->calls[WIRE_EV_IDENTIFY], 0);
	}
}

/* NULL handlers succeed doing nothing (identify still sends a WMD). */
static void
test_null_handlers(void **state)
{
	struct fx *fx = *state;
	const struct vss_writer_callbacks none = {.size = sizeof(none)};
	const char *xml;
	json_t *reply;
	size_t i;

	vss_writer_free(fx->w);
	fx->cb = none;
	writer_start(fx);
	for (i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
		expect_status(fx, event_names[i], set_fields(), 0);
	reply = exchange(fx, "identify", NULL);
	assert_int_equal(reply_int(reply, WF_STATUS), 0);
	assert_int_equal(wire_get_str(reply, WF_WMD, &xml), 0);
	json_decref(reply);
}

static void
hook_helpers(struct fx *fx, vss_writer *w, vss_writer_event *ev)
{
	static const char *const paths[8] = {
		"/mnt/a", "/mnt/a/x/y", "/mnt/ab", "/srv/data",
		"/srv//data/f", "relative/mnt/a", "/", "/srv",
	};
	vss_bcd_writer *bw;
	const char *dev = NULL;
	size_t i;

	fx->backup_type = vss_writer_event_backup_type(ev);
	fx->restore_type = vss_writer_event_restore_type(ev);
	fx->context = vss_writer_event_context(ev);
	fx->selected = vss_writer_event_components_selected(ev);
	fx->bootable = vss_writer_event_bootable_state(ev);
	fx->partial = vss_writer_event_partial_file_support(ev);
	fx->set_id = *vss_writer_event_snapshot_set_id(ev);
	fx->volume_count = vss_writer_event_volume_count(ev);
	if (fx->volume_count >= 2) {
		snprintf(fx->volume0, sizeof(fx->volume0), "%s",
			 vss_writer_event_volume(ev, 0));
		snprintf(fx->volume1, sizeof(fx->volume1), "%s",
			 vss_writer_event_volume(ev, 1));
	}
	for (i = 0; i < 8; i++)
		fx->affected[i] = vss_writer_event_is_path_affected(ev,
								    paths[i]);
	fx->device[0] = '\0';
	fx->device_status =
		vss_writer_event_snapshot_device(ev, "/mnt/a/", &dev);
	if (fx->device_status == 0)
		snprintf(fx->device, sizeof(fx->device), "%s", dev);
	fx->device_other =
		vss_writer_event_snapshot_device(ev, "/mnt/b", &dev);
	bw = vss_writer_event_components(ev);
	fx->had_components = bw != NULL;
	fx->component_is_ours =
		bw && vss_id_equal(vss_bcd_writer_class_id(bw),
				   &fx->class_id) &&
		vss_id_equal(vss_bcd_writer_instance_id(bw),
			     vss_writer_instance_id(w)) &&
		vss_bcd_writer_component_count(bw) == 1;
	/* Annotate: only some events send this back (BK-021). */
	if (bw)
		vss_bcd_component_set_text(vss_bcd_writer_component(bw, 0),
					   VSS_TEXT_BACKUP_STAMP,
					   fx->last_name);
}

/* BK-035: the helpers in prepare_backup. */
static void
test_prepare_backup_helpers(void **state)
{
	struct fx *fx = *state;
	json_t *fields = bcd_fields(fx, vss_writer_instance_id(fx->w), true);
	vss_id set_id;
	json_t *reply;
	char *stamp;

	json_object_update_new(
		fields,
		json_pack("{s:i, s:s, s:b, s:b, s:b, s:[s,s]}", WF_CONTEXT,
			  VSS_CTX_APP_ROLLBACK, WF_BACKUP_TYPE, "incremental",
			  WF_SELECT_COMPONENTS, 1, WF_BOOTABLE, 1,
			  WF_PARTIAL_FILES, 1, WF_VOLUMES, "/mnt/a",
			  "/srv/data/"));
	fx->hook = hook_helpers;
	reply = exchange(fx, "prepare_backup", fields);
	assert_int_equal(reply_int(reply, WF_STATUS), 0);
	/* Fields override what the document says (differential). */
	assert_int_equal(fx->backup_type, VSS_BT_INCREMENTAL);
	assert_int_equal(fx->context, VSS_CTX_APP_ROLLBACK);
	assert_true(fx->selected && fx->bootable && fx->partial);
	vss_id_parse(&set_id, set_id_text);
	assert_true(vss_id_equal(&fx->set_id, &set_id));
	assert_int_equal(fx->volume_count, 2);
	assert_string_equal(fx->volume0, "/mnt/a");
	assert_string_equal(fx->volume1, "/srv/data/");
	/* Whole path elements only. */
	assert_true(fx->affected[0]);
	assert_true(fx->affected[1]);
	assert_false(fx->affected[2]);
	assert_true(fx->affected[3]);
	assert_true(fx->affected[4]);
	assert_false(fx->affected[5]);
	assert_false(fx->affected[6]);
	assert_false(fx->affected[7]);
	/* GetSnapshotDeviceName only in post_snapshot. */
	assert_int_equal(fx->device_status, VSS_E_BAD_STATE);
	assert_int_equal(fx->device_other, VSS_E_BAD_STATE);
	assert_true(fx->had_components);
	assert_true(fx->component_is_ours);
	stamp = reply_stamp(fx, reply, vss_writer_instance_id(fx->w));
	assert_non_null(stamp);
	assert_string_equal(stamp, "prepare_backup");
	free(stamp);
	json_decref(reply);

	/* No event, no helper. */
	assert_null(vss_writer_event_name(NULL));
	assert_int_equal(vss_writer_event_volume_count(NULL), 0);
	assert_null(vss_writer_event_volume(NULL, 0));
	assert_null(vss_writer_event_snapshot_set_id(NULL));
	assert_false(vss_writer_event_is_path_affected(NULL, "/"));
	assert_null(vss_writer_event_components(NULL));
	assert_int_equal(vss_writer_event_snapshot_device(NULL, "/", NULL),
			 -EINVAL);
	assert_int_equal(vss_writer_event_set_failure(
				 NULL, VSS_E_WRITERERROR_RETRYABLE, 0, NULL),
			 -EINVAL);
}

/* BK-035: the shadow copy path, in post_snapshot only. */
static void
test_snapshot_device(void **state)
{
	struct fx *fx = *state;
	const char *events[] = {"prepare_snapshot", "freeze", "thaw",
				"backup_complete"};
	json_t *fields, *reply;
	vss_id set_id;
	size_t i;

	fx->hook = hook_helpers;
	fields = json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", WF_SNAPSHOT_SET_ID,
			   set_id_text, WF_VOLUMES, "/mnt/a", WF_SNAPSHOTS,
			   WF_VOLUME, "/mnt/a", WF_DEVICE,
			   "/mnt/a/.vss/snap-1");
	reply = exchange(fx, "post_snapshot", fields);
	assert_int_equal(reply_int(reply, WF_STATUS), 0);
	assert_int_equal(fx->device_status, 0);
	assert_string_equal(fx->device, "/mnt/a/.vss/snap-1");
	assert_int_equal(fx->device_other, VSS_E_OBJECT_NOT_FOUND);
	vss_id_parse(&set_id, set_id_text);
	assert_true(vss_id_equal(&fx->set_id, &set_id));
	/* No BCD in the event: none in the reply. */
	assert_false(reply_has(reply, WF_BCD));
	json_decref(reply);

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		fields = json_pack("{s:s, s:[{s:s, s:s}]}", WF_SNAPSHOT_SET_ID,
				   set_id_text, WF_SNAPSHOTS, WF_VOLUME,
				   "/mnt/a", WF_DEVICE, "/mnt/a/.vss/snap-1");
		expect_status(fx, events[i], fields, 0);
		assert_int_equal(fx->device_status, VSS_E_BAD_STATE);
	}
	/* backup_shutdown without a set: the null id. */
	expect_status(fx, "backup_shutdown", NULL, 0);
	assert_true(vss_id_is_null(&fx->set_id));
}

/*
 * BK-021/BK-022: every event with the document hands out the writer's
 * entry; only prepare_backup, post_snapshot and pre_restore send it back.
 */
static void
test_bcd_windows(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *name;
		bool writable;
	} cases[] = {
		{"prepare_backup", true},   {"post_snapshot", true},
		{"pre_restore", true},      {"backup_complete", false},
		{"post_restore", false},
	};
	json_t *reply;
	char *stamp;
	size_t i;

	fx->hook = hook_helpers;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx->had_components = false;
		reply = exchange(fx, cases[i].name,
				 bcd_fields(fx, vss_writer_instance_id(fx->w),
					    true));
		assert_int_equal(reply_int(reply, WF_STATUS), 0);
		assert_true(fx->had_components);
		assert_true(fx->component_is_ours);
		stamp = reply_stamp(fx, reply, vss_writer_instance_id(fx->w));
		if (cases[i].writable) {
			assert_non_null(stamp);
			assert_string_equal(stamp, cases[i].name);
		} else {
			assert_null(stamp);
			assert_false(reply_has(reply, WF_BCD));
		}
		free(stamp);
		json_decref(reply);
	}
}

/* The state of restore events comes from the document and restore_type. */
static void
test_restore_state(void **state)
{
	struct fx *fx = *state;
	json_t *fields;
	vss_id null_id;

	fx->hook = hook_helpers;
	/* Component mode from the document; restore type from the field. */
	fields = bcd_fields(fx, vss_writer_instance_id(fx->w), true);
	json_object_set_new(fields, "restore_type", json_string("IMPORT"));
	expect_status(fx, "pre_restore", fields, 0);
	assert_int_equal(fx->restore_type, VSS_RTYPE_IMPORT);
	assert_int_equal(fx->backup_type, VSS_BT_DIFFERENTIAL);
	assert_true(fx->selected);
	assert_true(fx->had_components);
	/* Without the field, the document's restore type. */
	expect_status(fx, "post_restore",
		      bcd_fields(fx, vss_writer_instance_id(fx->w), true), 0);
	assert_int_equal(fx->restore_type, VSS_RTYPE_BY_COPY);

	/* An entry named by class alone (null instance id) is ours. */
	memset(&null_id, 0, sizeof(null_id));
	expect_status(fx, "pre_restore", bcd_fields(fx, &null_id, true), 0);
	assert_true(fx->had_components);
	/* An entry of another instance of our class is not. */
	expect_status(fx, "pre_restore", bcd_fields(fx, &fx->class_id, true),
		      0);
	assert_false(fx->had_components);
	/* BK-022: not in component mode, no components. */
	expect_status(fx, "pre_restore",
		      bcd_fields(fx, vss_writer_instance_id(fx->w), false), 0);
	assert_false(fx->had_components);
	assert_false(fx->selected);
}

/* A document that does not load fails the event without the handler. */
static void
test_bad_bcd(void **state)
{
	struct fx *fx = *state;
	json_t *reply;

	reply = exchange(fx, "prepare_backup",
			 json_pack("{s:s}", WF_BCD, "<not-a-bcd/>"));
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_int_equal(reply_int(reply, WF_APP_FAILURE),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_int_equal(fx->calls[WIRE_EV_PREPARE_BACKUP], 0);
	json_decref(reply);
}

/* BK-031, BK-033, BK-041: what the reply says of a failure. */
static void
test_failure_mapping(void **state)
{
	struct fx *fx = *state;
	const int bad[] = {-EIO, VSS_E_BAD_STATE,
			   VSS_E_WRITERERROR_RECOVERY_FAILED, 1};
	const char *msg;
	json_t *reply;
	size_t i;

	/* A writer failure code returned as is. */
	fx->ret[WIRE_EV_PREPARE_SNAPSHOT] = VSS_E_WRITERERROR_RETRYABLE;
	reply = exchange(fx, "prepare_snapshot", set_fields());
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(reply_int(reply, WF_FAILURE),
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_false(reply_has(reply, WF_APP_FAILURE));
	json_decref(reply);

	/* Any other error, no failure set: NONRETRYABLE. */
	fx->ret[WIRE_EV_PREPARE_SNAPSHOT] = -EIO;
	reply = exchange(fx, "prepare_snapshot", set_fields());
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_int_equal(reply_int(reply, WF_FAILURE),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_int_equal(reply_int(reply, WF_APP_FAILURE), -EIO);
	json_decref(reply);

	/* The failure set wins over the returned status. */
	fx->set[WIRE_EV_PREPARE_SNAPSHOT] = true;
	fx->set_status = VSS_E_WRITERERROR_OUTOFRESOURCES;
	fx->set_app = 42;
	fx->set_message = "no memory left";
	fx->ret[WIRE_EV_PREPARE_SNAPSHOT] = VSS_E_WRITERERROR_RETRYABLE;
	reply = exchange(fx, "prepare_snapshot", set_fields());
	assert_int_equal(fx->set_result, 0);
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_OUTOFRESOURCES);
	assert_int_equal(reply_int(reply, WF_FAILURE),
			 VSS_E_WRITERERROR_OUTOFRESOURCES);
	assert_int_equal(reply_int(reply, WF_APP_FAILURE), 42);
	assert_int_equal(wire_get_str(reply, WF_FAILURE_MESSAGE, &msg), 0);
	assert_string_equal(msg, "no memory left");
	json_decref(reply);

	/* Set and return 0: non-fatal, reported beside status 0. */
	fx->set_status = VSS_E_WRITERERROR_RETRYABLE;
	fx->set_app = 7;
	fx->set_message = NULL;
	fx->ret[WIRE_EV_PREPARE_SNAPSHOT] = 0;
	reply = exchange(fx, "prepare_snapshot", set_fields());
	assert_int_equal(reply_int(reply, WF_STATUS), 0);
	assert_int_equal(reply_int(reply, WF_FAILURE),
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(reply_int(reply, WF_APP_FAILURE), 7);
	assert_false(reply_has(reply, WF_FAILURE_MESSAGE));
	json_decref(reply);

	/* PARTIAL_FAILURE is allowed (SetWriterFailureEx). */
	fx->set_status = VSS_E_WRITERERROR_PARTIAL_FAILURE;
	fx->ret[WIRE_EV_PREPARE_SNAPSHOT] = -1;
	expect_status(fx, "prepare_snapshot", set_fields(),
		      VSS_E_WRITERERROR_PARTIAL_FAILURE);
	assert_int_equal(fx->set_result, 0);

	/* Codes outside BK-033 are refused and change nothing. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx->set_status = bad[i];
		fx->ret[WIRE_EV_PREPARE_SNAPSHOT] = 0;
		reply = exchange(fx, "prepare_snapshot", set_fields());
		assert_int_equal(fx->set_result, -EINVAL);
		assert_int_equal(reply_int(reply, WF_STATUS), 0);
		assert_false(reply_has(reply, WF_FAILURE));
		json_decref(reply);
	}

	/* A positive return is success. */
	fx->set[WIRE_EV_PREPARE_SNAPSHOT] = false;
	fx->ret[WIRE_EV_PREPARE_SNAPSHOT] = 1;
	expect_status(fx, "prepare_snapshot", set_fields(), 0);
}

static void
hook_set_then_clear(struct fx *fx, vss_writer *w, vss_writer_event *ev)
{
	fx->in_handler_status[0] = vss_writer_event_set_failure(
		ev, VSS_E_WRITERERROR_TIMEOUT, 1, "first");
	fx->in_handler_status[1] = vss_writer_event_set_failure(ev, 0, 5,
								"gone");
}

/* Status 0 withdraws the failure set before. */
static void
test_failure_cleared(void **state)
{
	struct fx *fx = *state;
	json_t *reply;

	fx->hook = hook_set_then_clear;
	fx->ret[WIRE_EV_FREEZE] = -EIO;
	reply = exchange(fx, "freeze", set_fields());
	assert_int_equal(fx->in_handler_status[0], 0);
	assert_int_equal(fx->in_handler_status[1], 0);
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_int_equal(reply_int(reply, WF_APP_FAILURE), -EIO);
	assert_false(reply_has(reply, WF_FAILURE_MESSAGE));
	json_decref(reply);
	/* A failed freeze arms no window. */
	assert_int_equal(vss_writer_get_timeout(fx->w), -1);
}

/* ---- the freeze window --------------------------------------------------- */

/* Run the writer until the abort handler ran (or WAIT_MS passed). */
static void
wait_for_abort(struct fx *fx, int before)
{
	int i, t;

	for (i = 0; i < WAIT_MS / 10 && fx->calls[WIRE_EV_ABORT] == before;
	     i++) {
		struct pollfd p = {
			.fd = vss_writer_get_fd(fx->w),
			.events = (short)vss_writer_get_events(fx->w),
		};

		t = vss_writer_get_timeout(fx->w);
		poll(&p, 1, t < 0 || t > 10 ? 10 : t);
		vss_writer_process(fx->w);
	}
}

/* BK-060: the window ends, abort runs by itself, a late thaw fails. */
static void
test_freeze_timeout(void **state)
{
	struct fx *fx = *state;
	json_t *reply;
	vss_id set_id;
	int t;

	vss_writer_free(fx->w);
	fx->opts.freeze_timeout_ms = 200;
	writer_start(fx);
	vss_id_parse(&set_id, set_id_text);

	assert_int_equal(vss_writer_get_timeout(fx->w), -1);
	expect_status(fx, "freeze", set_fields(), 0);
	t = vss_writer_get_timeout(fx->w);
	assert_true(t > 0 && t <= 200);
	/* Early processing does not abort. */
	assert_int_equal(vss_writer_process(fx->w), 0);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 0);

	wait_for_abort(fx, 0);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 1);
	assert_true(vss_id_equal(&fx->abort_set_id, &set_id));
	assert_string_equal(fx->last_name, "abort");
	assert_int_equal(vss_writer_get_timeout(fx->w), -1);

	/* The thaw that comes too late fails with TIMEOUT. */
	reply = exchange(fx, "thaw", set_fields());
	assert_int_equal(reply_int(reply, WF_STATUS),
			 VSS_E_WRITERERROR_TIMEOUT);
	assert_int_equal(reply_int(reply, WF_FAILURE),
			 VSS_E_WRITERERROR_TIMEOUT);
	assert_true(reply_has(reply, WF_FAILURE_MESSAGE));
	assert_int_equal(fx->calls[WIRE_EV_THAW], 0);
	json_decref(reply);
	/* The daemon's abort that follows: already done (BK-083). */
	expect_status(fx, "abort", set_fields(), 0);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 1);

	/* The next set, thawed in time, is normal. */
	expect_status(fx, "freeze", set_fields(), 0);
	expect_status(fx, "thaw", set_fields(), 0);
	assert_int_equal(fx->calls[WIRE_EV_THAW], 1);
	assert_int_equal(vss_writer_get_timeout(fx->w), -1);
	pass_time(250);
	assert_int_equal(vss_writer_process(fx->w), 0);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 1);

	/* Abort between freeze and thaw disarms the window too. */
	expect_status(fx, "freeze", set_fields(), 0);
	expect_status(fx, "abort", set_fields(), 0);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 2);
	assert_int_equal(vss_writer_get_timeout(fx->w), -1);
}

/* Nothing stays frozen when the daemon goes away. */
static void
test_connection_lost(void **state)
{
	struct fx *fx = *state;
	vss_id set_id;
	int r = 0, i;

	vss_id_parse(&set_id, set_id_text);
	expect_status(fx, "freeze", set_fields(), 0);
	fake_drop(&fx->f);
	for (i = 0; i < WAIT_MS / 10 && r == 0; i++) {
		struct pollfd p = {.fd = vss_writer_get_fd(fx->w),
				   .events = POLLIN};

		poll(&p, 1, 10);
		r = vss_writer_process(fx->w);
	}
	assert_true(r < 0);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 1);
	assert_true(vss_id_equal(&fx->abort_set_id, &set_id));
	assert_int_equal(vss_writer_get_fd(fx->w), -1);
	assert_int_equal(vss_writer_get_timeout(fx->w), -1);
	assert_int_equal(vss_writer_process(fx->w), VSS_E_BAD_STATE);

	/* Not frozen: no abort. */
	assert_int_equal(vss_writer_subscribe(fx->w), 0);
	fake_drop(&fx->f);
	for (r = 0, i = 0; i < WAIT_MS / 10 && r == 0; i++) {
		struct pollfd p = {.fd = vss_writer_get_fd(fx->w),
				   .events = POLLIN};

		poll(&p, 1, 10);
		r = vss_writer_process(fx->w);
	}
	assert_true(r < 0);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 1);
}

/* Unsubscribing or freeing while frozen aborts first. */
static void
test_leave_frozen(void **state)
{
	struct fx *fx = *state;

	expect_status(fx, "freeze", set_fields(), 0);
	assert_int_equal(vss_writer_unsubscribe(fx->w), 0);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 1);
	assert_int_equal(fake_count(&fx->f, &fx->f.unsubscribes), 1);

	assert_int_equal(vss_writer_subscribe(fx->w), 0);
	expect_status(fx, "freeze", set_fields(), 0);
	vss_writer_free(fx->w);
	fx->w = NULL;
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 2);
	assert_int_equal(fake_count(&fx->f, &fx->f.unsubscribes), 2);
}

/*
 * Events that come with the subscribe reply, in the same read, are not
 * left in a buffer that poll() knows nothing of: get_timeout() says 0.
 */
static void
test_event_with_subscribe(void **state)
{
	struct fx *fx = *state;
	json_t *reply;
	int order;

	for (order = -1; order <= 1; order += 2) {
		vss_writer_free(fx->w);
		pthread_mutex_lock(&fx->f.lock);
		fx->f.event_with_subscribe = order;
		pthread_mutex_unlock(&fx->f.lock);
		writer_start(fx);
		assert_int_equal(vss_writer_get_timeout(fx->w), 0);
		reply = pump(fx, fx->f.next_event_id);
		assert_int_equal(reply_int(reply, WF_STATUS), 0);
		json_decref(reply);
		assert_int_equal(vss_writer_get_timeout(fx->w), -1);
	}
	assert_int_equal(fx->calls[WIRE_EV_IDENTIFY], 2);
}

/* ---- free, re-entry ------------------------------------------------------ */

/*
 * Free inside a handler: the writer lives until the handler returns (its
 * fd is still the same and the daemon has not seen it leave), the reply
 * still goes out, then it unsubscribes and is gone.
 */
static void
test_free_in_handler(void **state)
{
	struct fx *fx = *state;

	fx->free_in = WIRE_EV_PREPARE_BACKUP;
	expect_status(fx, "prepare_backup", set_fields(), 0);
	assert_null(fx->w);
	assert_true(fx->fd_before_free >= 0);
	assert_int_equal(fx->fd_after_free, fx->fd_before_free);
	assert_true(fx->instance_id_after_free);
	assert_int_equal(fx->unsubscribes_in_handler, 0);
	assert_true(fake_wait_closed(&fx->f));
	assert_int_equal(fake_count(&fx->f, &fx->f.unsubscribes), 1);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 0);
}

/* Free inside freeze: frozen, so abort runs before the writer goes. */
static void
test_free_in_freeze(void **state)
{
	struct fx *fx = *state;

	fx->free_in = WIRE_EV_FREEZE;
	expect_status(fx, "freeze", set_fields(), 0);
	assert_null(fx->w);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 1);
	assert_true(fake_wait_closed(&fx->f));
}

static void
hook_reenter(struct fx *fx, vss_writer *w, vss_writer_event *ev)
{
	fx->in_handler_status[0] = vss_writer_process(w);
	fx->in_handler_status[1] = vss_writer_unsubscribe(w);
	fx->in_handler_status[2] = vss_writer_start_thread(w);
	fx->in_handler_status[3] = vss_writer_stop_thread(w);
}

/* A handler cannot run the loop again or pull the connection away. */
static void
test_reentry(void **state)
{
	struct fx *fx = *state;

	fx->hook = hook_reenter;
	expect_status(fx, "prepare_snapshot", set_fields(), 0);
	assert_int_equal(fx->in_handler_status[0], VSS_E_BAD_STATE);
	assert_int_equal(fx->in_handler_status[1], VSS_E_BAD_STATE);
	assert_int_equal(fx->in_handler_status[2], VSS_E_BAD_STATE);
	assert_int_equal(fx->in_handler_status[3], VSS_E_BAD_STATE);
	assert_true(vss_writer_get_fd(fx->w) >= 0);
}

/* ---- thread mode --------------------------------------------------------- */

static json_t *
thread_exchange(struct fx *fx, const char *name, json_t *fields)
{
	json_t *reply = fake_reply(&fx->f, fake_event(&fx->f, name, fields),
				   WAIT_MS);

	assert_non_null(reply);
	return reply;
}

/* As expect_status(), the writer running on its helper thread. */
static void
thread_expect_status(struct fx *fx, const char *name, json_t *fields,
		     int status)
{
	json_t *reply = thread_exchange(fx, name, fields);

	assert_int_equal(reply_int(reply, WF_STATUS), status);
	json_decref(reply);
}

static void
test_thread(void **state)
{
	struct fx *fx = *state;
	json_t *reply;

	assert_int_equal(vss_writer_start_thread(fx->w), 0);
	assert_int_equal(vss_writer_start_thread(fx->w), VSS_E_BAD_STATE);
	reply = thread_exchange(fx, "identify", NULL);
	assert_int_equal(reply_int(reply, WF_STATUS), 0);
	assert_true(reply_has(reply, WF_WMD));
	json_decref(reply);
	/* Handlers ran on the helper thread. */
	assert_false(pthread_equal(fx->handler_thread, pthread_self()));
	thread_expect_status(fx, "freeze", set_fields(), 0);
	thread_expect_status(fx, "thaw", set_fields(), 0);
	assert_int_equal(vss_writer_stop_thread(fx->w), 0);
	assert_int_equal(vss_writer_stop_thread(fx->w), VSS_E_BAD_STATE);
	assert_int_equal(fx->calls[WIRE_EV_FREEZE], 1);
	assert_int_equal(fx->calls[WIRE_EV_THAW], 1);

	/* Stopped: this thread runs the writer again. */
	expect_status(fx, "prepare_snapshot", set_fields(), 0);
	assert_true(pthread_equal(fx->handler_thread, pthread_self()));

	/* The freeze window fires on the helper thread too. */
	vss_writer_free(fx->w);
	fx->opts.freeze_timeout_ms = 50;
	writer_start(fx);
	assert_int_equal(vss_writer_start_thread(fx->w), 0);
	reply = thread_exchange(fx, "freeze", set_fields());
	json_decref(reply);
	pass_time(100);
	thread_expect_status(fx, "thaw", set_fields(),
			     VSS_E_WRITERERROR_TIMEOUT);
	assert_int_equal(vss_writer_stop_thread(fx->w), 0);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 1);

	/* Free with the thread running stops it first. */
	assert_int_equal(vss_writer_start_thread(fx->w), 0);
	vss_writer_free(fx->w);
	fx->w = NULL;
	assert_true(fake_wait_closed(&fx->f));
}

/* The helper thread's handler frees the writer. */
static void
test_thread_free_in_handler(void **state)
{
	struct fx *fx = *state;

	fx->free_in = WIRE_EV_POST_SNAPSHOT;
	assert_int_equal(vss_writer_start_thread(fx->w), 0);
	thread_expect_status(fx, "post_snapshot", set_fields(), 0);
	assert_int_equal(fx->unsubscribes_in_handler, 0);
	assert_int_equal(fx->fd_after_free, fx->fd_before_free);
	assert_true(fake_wait_closed(&fx->f));
	assert_int_equal(fake_count(&fx->f, &fx->f.unsubscribes), 1);
	/* The detached thread frees the writer right after closing. */
	pass_time(50);
}

/* The helper thread ends when the daemon goes; abort ran there. */
static void
test_thread_connection_lost(void **state)
{
	struct fx *fx = *state;
	json_t *reply;
	int i;

	assert_int_equal(vss_writer_start_thread(fx->w), 0);
	fx->hook = hook_reenter;
	reply = thread_exchange(fx, "freeze", set_fields());
	json_decref(reply);
	fake_drop(&fx->f);
	for (i = 0; i < WAIT_MS / 10 && !fx->calls[WIRE_EV_ABORT]; i++)
		pass_time(10);
	assert_int_equal(vss_writer_stop_thread(fx->w), -ECONNRESET);
	assert_int_equal(fx->calls[WIRE_EV_ABORT], 1);
	/* On the helper thread too: no stopping it from inside. */
	assert_int_equal(fx->in_handler_status[3], VSS_E_BAD_STATE);
	assert_int_equal(fx->in_handler_status[1], VSS_E_BAD_STATE);
	assert_int_equal(vss_writer_get_fd(fx->w), -1);
}

/* ---- vssadmin's state text ----------------------------------------------- */

static void
test_writer_state_str(void **state)
{
	(void)state;
	assert_string_equal(vss_writer_state_str(VSS_WS_UNKNOWN),
			    "[0] Unknown");
	assert_string_equal(vss_writer_state_str(VSS_WS_STABLE), "[1] Stable");
	assert_string_equal(vss_writer_state_str(VSS_WS_WAITING_FOR_FREEZE),
			    "[2] Waiting for freeze");
	assert_string_equal(vss_writer_state_str(VSS_WS_WAITING_FOR_THAW),
			    "[3] Frozen");
	assert_string_equal(
		vss_writer_state_str(VSS_WS_WAITING_FOR_POST_SNAPSHOT),
		"[4] Waiting for completion");
	assert_string_equal(
		vss_writer_state_str(VSS_WS_WAITING_FOR_BACKUP_COMPLETE),
		"[5] Waiting for completion");
	assert_string_equal(vss_writer_state_str(VSS_WS_FAILED_AT_IDENTIFY),
			    "[6] Failed");
	assert_string_equal(
		vss_writer_state_str(VSS_WS_FAILED_AT_PREPARE_SNAPSHOT),
		"[8] Failed");
	assert_string_equal(
		vss_writer_state_str(VSS_WS_FAILED_AT_BACKUPSHUTDOWN),
		"[15] Failed");
	assert_null(vss_writer_state_str((enum vss_writer_state)16));
	assert_null(vss_writer_state_str((enum vss_writer_state)-1));
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_checks, noop_setup,
						teardown),
		FX_TEST(test_subscribe_fields),
		FX_TEST(test_subscribe_errors),
		FX_TEST(test_old_structs),
		FX_TEST(test_identify),
		FX_TEST(test_identify_failure),
		FX_TEST(test_dispatch),
		FX_TEST(test_null_handlers),
		FX_TEST(test_prepare_backup_helpers),
		FX_TEST(test_snapshot_device),
		FX_TEST(test_bcd_windows),
		FX_TEST(test_restore_state),
		FX_TEST(test_bad_bcd),
		FX_TEST(test_failure_mapping),
		FX_TEST(test_failure_cleared),
		FX_TEST(test_freeze_timeout),
		FX_TEST(test_connection_lost),
		FX_TEST(test_leave_frozen),
		FX_TEST(test_event_with_subscribe),
		FX_TEST(test_free_in_handler),
		FX_TEST(test_free_in_freeze),
		FX_TEST(test_reentry),
		FX_TEST(test_thread),
		FX_TEST(test_thread_free_in_handler),
		FX_TEST(test_thread_connection_lost),
		cmocka_unit_test(test_writer_state_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
