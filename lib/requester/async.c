/*
 * lib/requester/async.c - the requester's side of the wire: its
 * connection to vssd, the I/O thread that reads replies and completes the
 * vss_async waiting for each, and the vss_async handles themselves
 * (IVssAsync, AS-001 .. AS-004).
 *
 * Requests are sent by the calling thread under r->lock and put on the
 * pending list first, so a reply can never arrive before its request is
 * known.  The I/O thread matches replies by id.  A vss_async ends exactly
 * once, on the I/O thread (or in vss_requester_free()), never inside the
 * call that started it; its eventfd then stays readable for good.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <vss/status.h>

#include "requester/requester_internal.h"

/* How long vss_requester_new() waits for the hello reply. */
#define HELLO_TIMEOUT_MS 30000

void
requester_debug(const char *fmt, ...)
{
	const char *env = getenv("VSS_DEBUG");
	va_list ap;

	if (env == NULL || *env == '\0')
		return;
	va_start(ap, fmt);
	fputs("vss requester: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Make an eventfd readable; it counts, so a second write does no harm. */
static void
eventfd_signal(int fd)
{
	uint64_t one = 1;
	ssize_t n;

	do
		n = write(fd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
}

/* ---- vss_async ---------------------------------------------------------- */

/* A new pending async for request (type, id); lock held. */
static int
async_new(vss_requester *r, enum wire_type type, uint64_t id, bool long_op,
	  vss_async **ret)
{
	vss_async *a;

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	a->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->fd < 0) {
		int err = -errno;

		free(a);
		return err;
	}
	a->r = r;
	r->refs++;
	a->refs = 1;
	a->status = VSS_S_ASYNC_PENDING;
	a->long_op = long_op;
	a->type = type;
	a->id = id;
	*ret = a;
	return 0;
}

void
async_finish(vss_async *a, int status)
{
	if (status == 0)
		a->status = VSS_S_ASYNC_FINISHED;
	else
		a->status = status;
	eventfd_signal(a->fd);
}

void
async_unref(vss_async *a)
{
	vss_requester *r;
	bool last;

	if (a == NULL)
		return;
	r = a->r;
	requester_lock(r);
	last = --a->refs == 0;
	requester_unlock(r);
	if (!last)
		return;
	json_decref(a->reply);
	close(a->fd);
	free(a);
	requester_unref(r);
}

/* Wait for fd to be readable; timeout_ms < 0: no limit. */
static int
wait_readable(int fd, int timeout_ms)
{
	struct timespec start, now;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int left = timeout_ms, n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		n = poll(&p, 1, left);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
		if (timeout_ms < 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
					  (now.tv_nsec - start.tv_nsec) /
						  1000000);
		if (left < 0)
			left = 0;
	}
}

int
vss_async_wait(vss_async *a, int timeout_ms)
{
	if (a == NULL)
		return -EINVAL;
	return wait_readable(a->fd, timeout_ms);
}

int
vss_async_query_status(vss_async *a, int *ret_status)
{
	if (a == NULL || ret_status == NULL)
		return -EINVAL;
	requester_lock(a->r);
	*ret_status = a->status;
	requester_unlock(a->r);
	return 0;
}

/*
 * AS-003.  Once this returns 0 the operation ends as cancelled whatever
 * vssd answers, so that the answer to the caller never changes; the
 * requester treats it as failed and does not apply its results.
 */
int
vss_async_cancel(vss_async *a)
{
	vss_requester *r;
	json_t *msg = NULL;
	int rc;

	if (a == NULL)
		return -EINVAL;
	r = a->r;
	requester_lock(r);
	if (a->status != VSS_S_ASYNC_PENDING) {
		rc = a->status;
		goto out;
	}
	if (a->cancelled) {
		rc = VSS_S_ASYNC_CANCELLED;
		goto out;
	}
	/* RS-010: a restore step, once started, runs to its end. */
	if (a->type == WIRE_PRE_RESTORE || a->type == WIRE_POST_RESTORE) {
		rc = -ENOTSUP;
		goto out;
	}
	rc = -ENOMEM;
	msg = wire_request_new(WIRE_CANCEL, transport_next_id(r));
	if (msg == NULL || wire_set_int(msg, WF_TARGET_ID, (int64_t)a->id) < 0)
		goto out;
	a->cancelled = true;
	rc = 0;
	/*
	 * When the connection is gone the operation is about to end with
	 * an error, which becomes the cancellation: nothing to report.
	 */
	if (r->conn_error == 0 && conn_send(&r->conn, msg) >= 0 &&
	    r->conn.out_len > 0)
		eventfd_signal(r->wake_fd);
out:
	requester_unlock(r);
	json_decref(msg);
	return rc;
}

int
vss_async_get_fd(vss_async *a)
{
	if (a == NULL)
		return -EINVAL;
	return a->fd;
}

void
vss_async_free(vss_async *a)
{
	async_unref(a);
}

/* ---- replies ------------------------------------------------------------ */

/* Take the request with this id off the pending list; lock held. */
static vss_async *
pending_take(vss_requester *r, uint64_t id)
{
	for (vss_async **p = &r->pending; *p != NULL; p = &(*p)->next) {
		vss_async *a = *p;

		if (a->id == id) {
			*p = a->next;
			a->next = NULL;
			return a;
		}
	}
	return NULL;
}

/*
 * End a request taken off the pending list with its reply (NULL when the
 * connection ended) and drop the list's reference.  Lock not held.
 */
static void
complete(vss_requester *r, vss_async *a, int status, json_t *reply)
{
	if (a->long_op) {
		requester_op_reply(r, a, status, reply);
	} else {
		requester_lock(r);
		if (reply != NULL)
			a->reply = json_incref(reply);
		async_finish(a, status);
		requester_unlock(r);
	}
	async_unref(a);
}

/*
 * One frame from vssd (conn_next() checked its fields).  A requester only
 * ever gets replies; anything else is ignored, as is a reply to a request
 * nobody waits for (a cancel).
 */
static void
handle_frame(vss_requester *r, json_t *msg)
{
	const char *type = "";
	int64_t id, status;
	vss_async *a;

	wire_get_str(msg, WF_TYPE, &type);
	if (wire_type_parse(type) != WIRE_REPLY) {
		requester_debug("unexpected %s ignored", type);
		return;
	}
	wire_get_int(msg, WF_ID, &id);
	requester_lock(r);
	a = pending_take(r, (uint64_t)id);
	requester_unlock(r);
	if (a == NULL) {
		requester_debug("reply %lld to no pending request ignored",
				(long long)id);
		return;
	}
	wire_get_int(msg, WF_STATUS, &status);
	complete(r, a, (int)status, msg);
}

/* End every pending request with err; from now on sending fails too. */
static void
fail_pending(vss_requester *r, int err)
{
	vss_async *list, *a;

	requester_lock(r);
	if (r->conn_error == 0)
		r->conn_error = err;
	list = r->pending;
	r->pending = NULL;
	requester_unlock(r);
	while ((a = list) != NULL) {
		list = a->next;
		a->next = NULL;
		complete(r, a, err, NULL);
	}
}

/* Hand every complete frame to handle_frame(); 0 or the reader's error. */
static int
drain_frames(vss_requester *r)
{
	json_t *msg;
	int n;

	for (;;) {
		requester_lock(r);
		n = conn_next(&r->conn, &msg);
		requester_unlock(r);
		if (n <= 0)
			return n;
		handle_frame(r, msg);
		json_decref(msg);
	}
}

/*
 * The I/O thread: wait for the socket or a wake-up, write what is queued,
 * read replies.  It ends when asked to stop or when the connection does;
 * in the latter case it ends every pending request with the error.
 */
static void *
io_thread(void *arg)
{
	vss_requester *r = arg;
	struct pollfd p[2];
	uint64_t count;
	int rc = 0, n;

	for (;;) {
		requester_lock(r);
		if (r->stopping) {
			requester_unlock(r);
			break;
		}
		p[0].fd = r->conn.fd;
		p[0].events = POLLIN | (r->conn.out_len > 0 ? POLLOUT : 0);
		requester_unlock(r);
		p[1].fd = r->wake_fd;
		p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (p[1].revents & POLLIN &&
		    read(r->wake_fd, &count, sizeof(count)) < 0 &&
		    errno != EAGAIN) {
			rc = -errno;
			break;
		}
		requester_lock(r);
		if (p[0].revents & POLLOUT) {
			rc = conn_flush(&r->conn);
			if (rc > 0)
				rc = 0;
		}
		if (rc == 0 && p[0].revents & (POLLIN | POLLHUP | POLLERR))
			rc = conn_read(&r->conn);
		requester_unlock(r);
		/* Replies read before an end of file still count. */
		n = drain_frames(r);
		if (rc == 0)
			rc = n;
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		requester_debug("connection to vssd lost: %s",
				vss_strerror(rc));
		/* A stream we cannot follow is of no more use to vssd. */
		requester_lock(r);
		shutdown(r->conn.fd, SHUT_RDWR);
		requester_unlock(r);
		fail_pending(r, rc);
	}
	return NULL;
}

/* ---- the connection ----------------------------------------------------- */

int
transport_open(vss_requester *r, const char *socket_path)
{
	sigset_t all, old;
	int rc;

	r->wake_fd = -1;
	r->conn.fd = -1;
	r->refs = 1;
	rc = -pthread_mutex_init(&r->lock, NULL);
	if (rc < 0)
		return rc;
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->wake_fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = conn_open(&r->conn, socket_path, "requester", HELLO_TIMEOUT_MS);
	if (rc < 0)
		goto fail;
	r->conn_open = true;
	/* Signals are the application's business, not our thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&r->thread, NULL, io_thread, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0)
		goto fail;
	r->thread_started = true;
	return 0;

fail:
	if (r->conn_open)
		conn_close(&r->conn);
	r->conn_open = false;
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	pthread_mutex_destroy(&r->lock);
	return rc;
}

void
transport_close(vss_requester *r)
{
	requester_lock(r);
	r->stopping = true;
	eventfd_signal(r->wake_fd);
	requester_unlock(r);
	if (r->thread_started)
		pthread_join(r->thread, NULL);
	r->thread_started = false;
	fail_pending(r, -ECONNRESET);
	requester_lock(r);
	if (r->conn_open)
		conn_close(&r->conn);
	r->conn_open = false;
	requester_unlock(r);
}

void
requester_unref(vss_requester *r)
{
	bool last;

	if (r == NULL)
		return;
	requester_lock(r);
	last = --r->refs == 0;
	requester_unlock(r);
	if (!last)
		return;
	close(r->wake_fd);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

uint64_t
transport_next_id(vss_requester *r)
{
	return r->conn.next_id++;
}

int
transport_submit(vss_requester *r, json_t *msg, bool long_op,
		 vss_async **ret)
{
	const char *type_name = NULL;
	int64_t id;
	vss_async *a = NULL;
	int rc;

	if (r->conn_error < 0)
		return r->conn_error;
	if (wire_get_int(msg, WF_ID, &id) < 0 ||
	    wire_get_str(msg, WF_TYPE, &type_name) < 0)
		return -EINVAL;
	rc = async_new(r, wire_type_parse(type_name), (uint64_t)id, long_op,
		       &a);
	if (rc < 0)
		return rc;
	a->refs++;
	a->next = r->pending;
	r->pending = a;
	rc = conn_send(&r->conn, msg);
	if (rc < 0) {
		/* Still first on the list; the lock is held: free by hand. */
		r->pending = a->next;
		close(a->fd);
		free(a);
		r->refs--;
		return rc;
	}
	if (r->conn.out_len > 0)
		eventfd_signal(r->wake_fd);
	*ret = a;
	return 0;
}

int
transport_call_any(vss_requester *r, json_t *msg, json_t **ret_reply)
{
	json_t *reply;
	vss_async *a;
	int rc;

	rc = transport_submit(r, msg, false, &a);
	if (rc < 0)
		return rc;
	requester_unlock(r);
	rc = wait_readable(a->fd, -1);
	requester_lock(r);
	if (rc == 0)
		rc = a->status == VSS_S_ASYNC_FINISHED ? 0 : a->status;
	reply = a->reply;
	a->reply = NULL;
	requester_unlock(r);
	async_unref(a);
	requester_lock(r);
	*ret_reply = reply;
	return rc;
}

int
transport_call(vss_requester *r, json_t *msg, json_t **ret_reply)
{
	json_t *reply = NULL;
	int rc;

	rc = transport_call_any(r, msg, &reply);
	if (rc == 0 && ret_reply != NULL)
		*ret_reply = reply;
	else
		json_decref(reply);
	return rc;
}
