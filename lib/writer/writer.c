/*
 * lib/writer/writer.c - the writer API (CVssWriter): options, the
 * subscription to vssd, dispatch of the daemon's events to the handlers,
 * the freeze window (BK-060) and the helper thread.
 *
 * The writer holds a reference for as long as it runs a handler or its
 * helper thread runs; vss_writer_free() inside a handler only marks it,
 * and whoever drops the last reference frees it.  Nothing stays frozen:
 * when the freeze window ends, the connection is lost or the writer
 * unsubscribes or is freed between freeze and thaw, the abort handler
 * runs.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <vss/status.h>

#include "util/array.h"
#include "client/conn.h"
#include "writer/writer_internal.h"

/* Bound of subscribe and unsubscribe, as vss/writer.h promises. */
#define CALL_TIMEOUT_MS 10000
#define DEFAULT_FREEZE_TIMEOUT_MS 60000u

typedef int (*event_handler)(vss_writer *w, vss_writer_event *ev, void *u);

struct vss_writer {
	/* The options, their strings pointing at the copies below. */
	struct vss_writer_opts opts;
	char *instance_name;
	char *friendly_name;
	char *socket_path;
	struct vss_writer_callbacks cb;
	void *userdata;
	vss_id instance_id;

	struct conn conn;
	bool subscribed;
	/* Frames taken off the connection but not yet handled. */
	json_t *pending;

	unsigned refs;   /* process(), unsubscribe(), the helper thread */
	bool freed;      /* vss_writer_free() was called */
	bool in_handler;
	/* The identify event while its handler runs, for
	 * vss_writer_identify_set_failure(); NULL otherwise. */
	struct vss_writer_event *identifying;

	/* Between a successful freeze and thaw (BK-060). */
	bool frozen;
	int64_t thaw_deadline_ns; /* CLOCK_MONOTONIC */
	vss_id frozen_set_id;
	/* The window ended and abort ran; the thaw that comes now fails. */
	bool timed_out;

	bool thread_running;
	pthread_t thread;
	int wake_fd;
	int thread_status;
};

/* The writer whose helper thread this is, to recognise calls from it. */
static _Thread_local vss_writer *helper_of_thread;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
remaining_ms(int64_t deadline_ns)
{
	int64_t left = deadline_ns - now_ns();

	if (left <= 0)
		return 0;
	/* Round up, or poll() wakes just before the deadline, in a loop. */
	return (int)((left + 999999) / 1000000);
}

/*
 * Copy a struct that starts with its size: an older caller's shorter
 * struct has the rest zeroed, a newer caller's longer one is accepted when
 * what we do not know of it is zero.
 */
static int
copy_sized(void *dst, size_t dst_size, const void *src, size_t min_size)
{
	size_t size = *(const size_t *)src, i;

	if (size < min_size)
		return -EINVAL;
	for (i = dst_size; i < size; i++)
		if (((const unsigned char *)src)[i] != 0)
			return -E2BIG;
	memset(dst, 0, dst_size);
	memcpy(dst, src, size < dst_size ? size : dst_size);
	*(size_t *)dst = dst_size;
	return 0;
}

static int
check_opts(const struct vss_writer_opts *o)
{
	if (vss_id_is_null(&o->class_id) || !o->friendly_name ||
	    !o->friendly_name[0])
		return -EINVAL;
	if (o->usage == VSS_UT_UNDEFINED || !vss_usage_type_str(o->usage) ||
	    o->source == VSS_ST_UNDEFINED || !vss_source_type_str(o->source))
		return -EINVAL;
	if (o->level != VSS_APP_SYSTEM && o->level != VSS_APP_BACK_END &&
	    o->level != VSS_APP_FRONT_END)
		return -EINVAL;
	if (o->freeze_timeout_ms > INT_MAX)
		return -EINVAL;
	return 0;
}

int
vss_writer_new(vss_writer **ret, const struct vss_writer_opts *opts,
	       const struct vss_writer_callbacks *callbacks, void *userdata)
{
	vss_writer *w;
	int r;

	if (!ret || !opts || !callbacks)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->conn.fd = -1;
	w->wake_fd = -1;
	/* The required fields end with source. */
	r = copy_sized(&w->opts, sizeof(w->opts), opts,
		       offsetof(struct vss_writer_opts, source) +
			       sizeof(opts->source));
	if (r == 0)
		r = copy_sized(&w->cb, sizeof(w->cb), callbacks,
			       sizeof(callbacks->size));
	if (r < 0)
		goto fail;
	if (w->opts.level == VSS_APP_UNKNOWN)
		w->opts.level = VSS_APP_FRONT_END;
	if (w->opts.freeze_timeout_ms == 0)
		w->opts.freeze_timeout_ms = DEFAULT_FREEZE_TIMEOUT_MS;
	r = check_opts(&w->opts);
	if (r < 0)
		goto fail;
	w->pending = json_array();
	if (!w->pending ||
	    str_dup_opt(&w->instance_name, w->opts.instance_name) < 0 ||
	    str_dup_opt(&w->friendly_name, w->opts.friendly_name) < 0 ||
	    str_dup_opt(&w->socket_path, w->opts.socket_path) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	w->opts.instance_name = w->instance_name;
	w->opts.friendly_name = w->friendly_name;
	w->opts.socket_path = w->socket_path;
	w->userdata = userdata;
	vss_id_generate(&w->instance_id);
	*ret = w;
	return 0;
fail:
	free(w->instance_name);
	free(w->friendly_name);
	free(w->socket_path);
	json_decref(w->pending);
	free(w);
	return r;
}

const vss_id *
vss_writer_instance_id(const vss_writer *w)
{
	return w ? &w->instance_id : NULL;
}

/* ---- handlers ------------------------------------------------------------ */

static int
run_handler(vss_writer *w, event_handler fn, struct vss_writer_event *ev)
{
	int r;

	if (!fn)
		return 0;
	w->in_handler = true;
	r = fn(w, ev, w->userdata);
	w->in_handler = false;
	return r;
}

/* The abort the writer raises itself, for the set it froze. */
static void
run_own_abort(vss_writer *w)
{
	struct vss_writer_event ev;

	writer_event_init(&ev, WIRE_EV_ABORT, &w->frozen_set_id);
	run_handler(w, w->cb.abort, &ev);
	writer_event_release(&ev);
}

/* The freeze window ended before thaw: abort now (BK-060). */
static void
run_timers(vss_writer *w)
{
	if (!w->frozen || now_ns() < w->thaw_deadline_ns)
		return;
	w->frozen = false;
	w->timed_out = true;
	run_own_abort(w);
}

static void
writer_destroy(vss_writer *w);

/* Drop a reference; the last one of a freed writer frees it. */
static void
writer_unref(vss_writer *w)
{
	if (--w->refs == 0 && w->freed)
		writer_destroy(w);
}

/* ---- connection ---------------------------------------------------------- */

/* conn_call() hands over the frames that come before its reply. */
static void
keep_frame(json_t *msg, void *userdata)
{
	vss_writer *w = userdata;

	json_array_append(w->pending, msg);
}

/* Move complete frames from the connection to the pending list. */
static int
take_frames(vss_writer *w)
{
	json_t *msg;
	int r;

	while ((r = conn_next(&w->conn, &msg)) > 0)
		if (json_array_append_new(w->pending, msg) < 0)
			return -ENOMEM;
	return r;
}

static int
subscribe_request(const vss_writer *w, uint64_t id, json_t **ret)
{
	const struct vss_writer_opts *o = &w->opts;
	const char *level = o->level == VSS_APP_SYSTEM     ? "system"
			    : o->level == VSS_APP_BACK_END ? "back_end"
							   : "front_end";
	json_t *req = wire_request_new(WIRE_SUBSCRIBE, id);
	int r;

	if (!req)
		return -ENOMEM;
	r = wire_set_id(req, WF_CLASS_ID, &o->class_id);
	if (r == 0)
		r = wire_set_id(req, WF_INSTANCE_ID, &w->instance_id);
	if (r == 0 && o->instance_name)
		r = wire_set_str(req, WF_INSTANCE_NAME, o->instance_name);
	if (r == 0)
		r = wire_set_str(req, WF_FRIENDLY_NAME, o->friendly_name);
	if (r == 0)
		r = wire_set_str(req, WF_USAGE, vss_usage_type_str(o->usage));
	if (r == 0)
		r = wire_set_str(req, WF_SOURCE,
				 vss_source_type_str(o->source));
	if (r == 0)
		r = wire_set_str(req, WF_LEVEL, level);
	if (r == 0)
		r = wire_set_int(req, WF_FREEZE_TIMEOUT_MS,
				 o->freeze_timeout_ms);
	if (r < 0) {
		json_decref(req);
		return r;
	}
	*ret = req;
	return 0;
}

int
vss_writer_subscribe(vss_writer *w)
{
	int64_t deadline = now_ns() + (int64_t)CALL_TIMEOUT_MS * 1000000;
	json_t *req = NULL;
	int r;

	if (!w)
		return -EINVAL;
	if (w->subscribed)
		return VSS_E_WRITER_ALREADY_SUBSCRIBED;
	r = conn_open(&w->conn, w->opts.socket_path, "writer",
		      CALL_TIMEOUT_MS);
	if (r < 0)
		return r;
	r = subscribe_request(w, w->conn.next_id++, &req);
	if (r == 0)
		r = conn_call(&w->conn, req, remaining_ms(deadline), NULL,
			      keep_frame, w);
	/* Events may follow the reply in the same read. */
	if (r >= 0)
		r = take_frames(w);
	json_decref(req);
	if (r < 0) {
		json_array_clear(w->pending);
		conn_close(&w->conn);
		return r;
	}
	w->subscribed = true;
	return 0;
}

/*
 * Leave the daemon: abort first when frozen, so that the application runs
 * normally again whatever happens to the connection; say unsubscribe when
 * the connection still works.
 */
static void
writer_disconnect(vss_writer *w, bool say_goodbye)
{
	json_t *req;

	if (w->frozen) {
		w->frozen = false;
		run_own_abort(w);
	}
	w->timed_out = false;
	if (say_goodbye) {
		req = wire_request_new(WIRE_UNSUBSCRIBE, w->conn.next_id++);
		if (req)
			conn_call(&w->conn, req, CALL_TIMEOUT_MS, NULL, NULL,
				  NULL);
		json_decref(req);
	}
	conn_close(&w->conn);
	json_array_clear(w->pending);
	w->subscribed = false;
}

int
vss_writer_unsubscribe(vss_writer *w)
{
	int r = 0;

	if (!w)
		return -EINVAL;
	/* First: a handler of the helper thread is refused there. */
	if (w->thread_running)
		r = vss_writer_stop_thread(w);
	if (r == VSS_E_BAD_STATE || w->in_handler)
		return VSS_E_BAD_STATE;
	if (!w->subscribed)
		return 0;
	w->refs++;
	writer_disconnect(w, true);
	writer_unref(w);
	return 0;
}

int
vss_writer_get_fd(const vss_writer *w)
{
	return w && w->subscribed ? w->conn.fd : -1;
}

int
vss_writer_get_events(const vss_writer *w)
{
	if (!w || !w->subscribed)
		return 0;
	return POLLIN | (w->conn.out_len > 0 ? POLLOUT : 0);
}

int
vss_writer_get_timeout(const vss_writer *w)
{
	if (!w || !w->subscribed)
		return -1;
	if (json_array_size(w->pending) > 0)
		return 0;
	if (w->frozen)
		return remaining_ms(w->thaw_deadline_ns);
	return -1;
}

/* ---- events -------------------------------------------------------------- */

static event_handler
handler_of(const vss_writer *w, enum wire_event type)
{
	switch (type) {
	case WIRE_EV_PREPARE_BACKUP:
		return w->cb.prepare_backup;
	case WIRE_EV_PREPARE_SNAPSHOT:
		return w->cb.prepare_snapshot;
	case WIRE_EV_FREEZE:
		return w->cb.freeze;
	case WIRE_EV_THAW:
		return w->cb.thaw;
	case WIRE_EV_POST_SNAPSHOT:
		return w->cb.post_snapshot;
	case WIRE_EV_ABORT:
		return w->cb.abort;
	case WIRE_EV_BACKUP_COMPLETE:
		return w->cb.backup_complete;
	case WIRE_EV_BACKUP_SHUTDOWN:
		return w->cb.backup_shutdown;
	case WIRE_EV_PRE_RESTORE:
		return w->cb.pre_restore;
	case WIRE_EV_POST_RESTORE:
		return w->cb.post_restore;
	default:
		return NULL;
	}
}

/*
 * Identify: a fresh document with the writer's identity for the handler
 * to fill (BK-012), its XML into *ret_xml.  The failure the handler sets
 * with vss_writer_identify_set_failure() goes on ev, for the reply.
 */
static int
run_identify(vss_writer *w, struct vss_writer_event *ev, char **ret_xml)
{
	const struct vss_writer_identity id = {
		.class_id = w->opts.class_id,
		.instance_id = w->instance_id,
		.instance_name = w->opts.instance_name,
		.friendly_name = w->opts.friendly_name,
		.usage = w->opts.usage,
		.source = w->opts.source,
		.major_version = w->opts.major_version,
		.minor_version = w->opts.minor_version,
	};
	vss_wmd *wmd;
	size_t len;
	int r;

	r = vss_wmd_new(&wmd, &id);
	if (r < 0)
		return r;
	if (w->cb.identify) {
		w->in_handler = true;
		w->identifying = ev;
		r = w->cb.identify(w, wmd, w->userdata);
		w->identifying = NULL;
		w->in_handler = false;
		/* A handler that succeeds after all reports no failure. */
		if (r >= 0)
			vss_writer_event_set_failure(ev, 0, 0, NULL);
	}
	if (r >= 0)
		r = vss_wmd_save_xml(wmd, ret_xml, &len);
	vss_wmd_free(wmd);
	return r;
}

/*
 * Run the handler of ev and keep the freeze window's books.  After the
 * window's own abort, the late thaw fails and the daemon's abort of the
 * same set is already done (BK-083); any other event ends that state.
 */
static int
run_event(vss_writer *w, struct vss_writer_event *ev, char **ret_wmd)
{
	bool timed_out = w->timed_out;
	int r;

	w->timed_out = false;
	switch (ev->type) {
	case WIRE_EV_IDENTIFY:
		/* Not part of a backup sequence (BK-012). */
		w->timed_out = timed_out;
		return run_identify(w, ev, ret_wmd);
	case WIRE_EV_FREEZE:
		r = run_handler(w, w->cb.freeze, ev);
		if (r >= 0) {
			w->frozen = true;
			w->frozen_set_id = ev->snapshot_set_id;
			w->thaw_deadline_ns =
				now_ns() +
				(int64_t)w->opts.freeze_timeout_ms * 1000000;
		}
		return r;
	case WIRE_EV_THAW:
		w->frozen = false;
		if (!timed_out)
			return run_handler(w, w->cb.thaw, ev);
		w->timed_out = true;
		r = vss_writer_event_set_failure(
			ev, VSS_E_WRITERERROR_TIMEOUT, 0,
			"the freeze window ended before thaw");
		return r < 0 ? r : VSS_E_WRITERERROR_TIMEOUT;
	case WIRE_EV_ABORT:
		w->frozen = false;
		if (timed_out &&
		    vss_id_equal(&ev->snapshot_set_id, &w->frozen_set_id))
			return 0;
		return run_handler(w, w->cb.abort, ev);
	default:
		return run_handler(w, handler_of(w, ev->type), ev);
	}
}

static int
handle_event(vss_writer *w, json_t *msg)
{
	struct vss_writer_event ev;
	json_t *reply = NULL;
	char *wmd = NULL;
	int r;

	r = writer_event_decode(&ev, msg, &w->opts.class_id, &w->instance_id);
	if (r == 0)
		r = run_event(w, &ev, &wmd);
	r = writer_event_reply(&ev, r, &reply);
	if (r == 0 && wmd)
		r = wire_set_str(reply, WF_WMD, wmd);
	if (r == 0)
		r = conn_send(&w->conn, reply);
	json_decref(reply);
	free(wmd);
	writer_event_release(&ev);
	return r;
}

static int
handle_message(vss_writer *w, json_t *msg)
{
	const char *why;

	switch (wire_check(msg, &why)) {
	case WIRE_EVENT:
		return handle_event(w, msg);
	case WIRE_REPLY:
		/* Late: a request we stopped waiting for. */
		return 0;
	default:
		return -EBADMSG;
	}
}

int
vss_writer_process(vss_writer *w)
{
	json_t *msg;
	int r, rr;

	if (!w)
		return -EINVAL;
	if (w->in_handler || !w->subscribed)
		return VSS_E_BAD_STATE;
	w->refs++;
	rr = conn_read(&w->conn);
	r = take_frames(w);
	/* After EOF nobody reads replies: only the loss is handled. */
	while (r == 0 && rr == 0 && !w->freed && w->subscribed &&
	       json_array_size(w->pending) > 0) {
		msg = json_incref(json_array_get(w->pending, 0));
		json_array_remove(w->pending, 0);
		r = handle_message(w, msg);
		json_decref(msg);
	}
	if (r == 0)
		r = rr;
	if (r == 0 && !w->freed)
		run_timers(w);
	if (r == 0 && !w->freed) {
		r = conn_flush(&w->conn);
		if (r > 0)
			r = 0;
	}
	if (r < 0 && w->subscribed)
		writer_disconnect(w, false);
	writer_unref(w);
	return r;
}

int
vss_writer_identify_set_failure(vss_writer *w, int status, int app_status,
				const char *message)
{
	if (!w)
		return -EINVAL;
	if (!w->identifying)
		return VSS_E_BAD_STATE;
	/* Status 0 withdraws an event's failure; identify has no such use. */
	if (status == 0 || status == VSS_E_WRITERERROR_PARTIAL_FAILURE)
		return -EINVAL;
	return vss_writer_event_set_failure(w->identifying, status,
					    app_status, message);
}

/* ---- helper thread ------------------------------------------------------- */

static void *
writer_thread(void *arg)
{
	vss_writer *w = arg;
	struct pollfd p[2];
	int r = 0;

	helper_of_thread = w;
	while (r == 0 && !w->freed && w->subscribed) {
		p[0] = (struct pollfd){.fd = w->wake_fd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = vss_writer_get_fd(w),
				       .events =
					       (short)vss_writer_get_events(w)};
		if (poll(p, 2, vss_writer_get_timeout(w)) < 0) {
			if (errno != EINTR)
				r = -errno;
			continue;
		}
		if (p[0].revents)
			break;
		r = vss_writer_process(w);
	}
	w->thread_status = r;
	if (w->freed) {
		/* Freed by a handler on this thread: nobody will join. */
		pthread_detach(pthread_self());
		w->thread_running = false;
		close(w->wake_fd);
		w->wake_fd = -1;
	}
	writer_unref(w);
	return NULL;
}

int
vss_writer_start_thread(vss_writer *w)
{
	int r;

	if (!w)
		return -EINVAL;
	if (w->thread_running || w->in_handler || !w->subscribed)
		return VSS_E_BAD_STATE;
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake_fd < 0)
		return -errno;
	w->thread_status = 0;
	w->thread_running = true;
	w->refs++;
	r = pthread_create(&w->thread, NULL, writer_thread, w);
	if (r != 0) {
		w->refs--;
		w->thread_running = false;
		close(w->wake_fd);
		w->wake_fd = -1;
		return -r;
	}
	return 0;
}

/*
 * Returns 0, or the status that ended the loop before it was asked to
 * stop (the connection was lost).
 */
int
vss_writer_stop_thread(vss_writer *w)
{
	const uint64_t one = 1;

	if (!w)
		return -EINVAL;
	if (!w->thread_running || helper_of_thread == w)
		return VSS_E_BAD_STATE;
	/* Without the wake-up the join would wait forever. */
	if (write(w->wake_fd, &one, sizeof(one)) < 0)
		return -errno;
	pthread_join(w->thread, NULL);
	close(w->wake_fd);
	w->wake_fd = -1;
	w->thread_running = false;
	return w->thread_status;
}

/* ---- freeing ------------------------------------------------------------- */

static void
writer_destroy(vss_writer *w)
{
	/* Hold the writer while the abort handler may run. */
	w->refs = 1;
	if (w->subscribed)
		writer_disconnect(w, true);
	json_decref(w->pending);
	free(w->instance_name);
	free(w->friendly_name);
	free(w->socket_path);
	free(w);
}

void
vss_writer_free(vss_writer *w)
{
	if (!w)
		return;
	if (helper_of_thread == w) {
		/* A handler on the helper thread: it frees on its way out. */
		w->freed = true;
		return;
	}
	if (w->thread_running)
		vss_writer_stop_thread(w);
	w->freed = true;
	if (w->refs == 0)
		writer_destroy(w);
}
