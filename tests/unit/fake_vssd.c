/*
 * tests/unit/fake_vssd.c - the fake vssd of the requester API's tests
 * (fake_vssd.h): the socket, the thread that accepts and reads clients,
 * the record of requests and the helpers that wait for them.  What each
 * request gets back is the test's handler's business.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fake_vssd.h"

/* How long the helpers wait for a request or an operation. */
#define FAKE_VSSD_WAIT_S 5

void
fake_vssd_send(struct fake_vssd *f, json_t *msg)
{
	uint8_t *frame;
	size_t len, done = 0;

	if (f->client_fd < 0 ||
	    wire_encode(msg, WIRE_FRAME_MAX, &frame, &len) < 0) {
		json_decref(msg);
		return;
	}
	while (done < len) {
		ssize_t n = send(f->client_fd, frame + done, len - done,
				 MSG_NOSIGNAL);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	free(frame);
	json_decref(msg);
}

void
fake_vssd_send_status(struct fake_vssd *f, int64_t id, int status)
{
	fake_vssd_send(f, wire_reply_new((uint64_t)id, status, NULL));
}

void
fake_vssd_hang_up(struct fake_vssd *f)
{
	if (f->client_fd >= 0)
		close(f->client_fd);
	f->client_fd = -1;
	wire_reader_release(&f->reader);
	wire_reader_init(&f->reader, WIRE_FRAME_MAX);
}

int64_t
fake_vssd_msg_id(json_t *msg)
{
	int64_t id = 0;

	wire_get_int(msg, WF_ID, &id);
	return id;
}

enum wire_type
fake_vssd_msg_type(json_t *msg)
{
	const char *s = "";

	wire_get_str(msg, WF_TYPE, &s);
	return wire_type_parse(s);
}

static void
handle_request(struct fake_vssd *f, json_t *req)
{
	pthread_mutex_lock(&f->lock);
	json_array_append_new(f->received, json_deep_copy(req));
	pthread_cond_broadcast(&f->cond);
	f->handle(f, req, f->data);
	pthread_mutex_unlock(&f->lock);
}

static void
read_client(struct fake_vssd *f)
{
	uint8_t buf[65536];
	json_t *msg;
	ssize_t n;

	n = read(f->client_fd, buf, sizeof(buf));
	if (n <= 0 || wire_reader_feed(&f->reader, buf, (size_t)n) < 0) {
		fake_vssd_hang_up(f);
		return;
	}
	/* The handler may hang up between two requests of one read. */
	while (f->client_fd >= 0 && wire_reader_next(&f->reader, &msg) > 0) {
		handle_request(f, msg);
		json_decref(msg);
	}
}

/* Runs the waker; true when the thread is to end. */
static bool
woken(struct fake_vssd *f)
{
	uint64_t count;
	bool stop;

	if (read(f->wake_fd, &count, sizeof(count)) < 0)
		return false;
	pthread_mutex_lock(&f->lock);
	if (f->wake != NULL)
		f->wake(f, f->data);
	stop = f->stop;
	pthread_mutex_unlock(&f->lock);
	return stop;
}

static void *
fake_vssd_thread(void *arg)
{
	struct fake_vssd *f = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = f->wake_fd, .events = POLLIN },
			{ .fd = f->client_fd >= 0 ? f->client_fd : f->listen_fd,
			  .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0)
			continue;
		if ((p[0].revents & POLLIN) && woken(f))
			break;
		if (!(p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (f->client_fd >= 0)
			read_client(f);
		else
			f->client_fd = accept4(f->listen_fd, NULL, NULL,
					       SOCK_CLOEXEC);
	}
	return NULL;
}

void
fake_vssd_start(struct fake_vssd *f, const char *name,
		fake_vssd_handler *handle, fake_vssd_waker *wake, void *data)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	f->handle = handle;
	f->wake = wake;
	f->data = data;
	assert_true((size_t)snprintf(f->dir, sizeof(f->dir),
				     "/tmp/vss-%s-XXXXXX",
				     name) < sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vssd.sock", f->dir);
	strcpy(sa.sun_path, f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa,
			      sizeof(sa)),
			 0);
	assert_int_equal(listen(f->listen_fd, 4), 0);
	f->client_fd = -1;
	f->wake_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(f->wake_fd >= 0);
	wire_reader_init(&f->reader, WIRE_FRAME_MAX);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->received = json_array();
	assert_int_equal(pthread_create(&f->thread, NULL, fake_vssd_thread, f),
			 0);
}

void
fake_vssd_poke(struct fake_vssd *f)
{
	uint64_t one = 1;

	assert_int_equal(write(f->wake_fd, &one, sizeof(one)), sizeof(one));
}

void
fake_vssd_stop(struct fake_vssd *f)
{
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_mutex_unlock(&f->lock);
	fake_vssd_poke(f);
	pthread_join(f->thread, NULL);
	fake_vssd_hang_up(f);
	wire_reader_release(&f->reader);
	close(f->listen_fd);
	close(f->wake_fd);
	unlink(f->path);
	rmdir(f->dir);
	json_decref(f->received);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
}

/* The nth request of type (caller owns), or NULL; lock held. */
static json_t *
find_locked(struct fake_vssd *f, enum wire_type type, size_t nth)
{
	json_t *req;
	size_t i;

	json_array_foreach(f->received, i, req) {
		if (fake_vssd_msg_type(req) == type && nth-- == 0)
			return json_incref(req);
	}
	return NULL;
}

/* The last request of type (caller owns), or NULL; lock held. */
static json_t *
find_last_locked(struct fake_vssd *f, enum wire_type type)
{
	json_t *found = NULL, *req;
	size_t i;

	json_array_foreach(f->received, i, req) {
		if (fake_vssd_msg_type(req) == type)
			found = req;
	}
	return json_incref(found);
}

json_t *
fake_vssd_find_request(struct fake_vssd *f, enum wire_type type, size_t nth)
{
	json_t *req;

	pthread_mutex_lock(&f->lock);
	req = find_locked(f, type, nth);
	pthread_mutex_unlock(&f->lock);
	return req;
}

/*
 * Wait up to FAKE_VSSD_WAIT_S for the nth request of type, or when last
 * for any and then the last one; caller owns, or NULL.
 */
static json_t *
wait_request(struct fake_vssd *f, enum wire_type type, size_t nth, bool last)
{
	struct timespec deadline;
	json_t *req;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += FAKE_VSSD_WAIT_S;
	pthread_mutex_lock(&f->lock);
	while ((req = last ? find_last_locked(f, type)
			   : find_locked(f, type, nth)) == NULL &&
	       pthread_cond_timedwait(&f->cond, &f->lock, &deadline) == 0)
		;
	pthread_mutex_unlock(&f->lock);
	return req;
}

json_t *
fake_vssd_wait_request(struct fake_vssd *f, enum wire_type type, size_t nth)
{
	return wait_request(f, type, nth, false);
}

json_t *
fake_vssd_last_request(struct fake_vssd *f, enum wire_type type)
{
	return wait_request(f, type, 0, true);
}

size_t
fake_vssd_count(struct fake_vssd *f, enum wire_type type)
{
	json_t *req;
	size_t i, n = 0;

	pthread_mutex_lock(&f->lock);
	json_array_foreach(f->received, i, req)
		n += fake_vssd_msg_type(req) == type;
	pthread_mutex_unlock(&f->lock);
	return n;
}

char *
fake_vssd_received_types(struct fake_vssd *f)
{
	char *out = calloc(1, 4096);
	json_t *req;
	size_t i;

	assert_non_null(out);
	pthread_mutex_lock(&f->lock);
	json_array_foreach(f->received, i, req) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, wire_type_name(fake_vssd_msg_type(req)));
	}
	pthread_mutex_unlock(&f->lock);
	return out;
}

int
fake_vssd_await(vss_async *a)
{
	int status = 0;

	assert_int_equal(vss_async_wait(a, FAKE_VSSD_WAIT_S * 1000), 0);
	assert_int_equal(vss_async_query_status(a, &status), 0);
	vss_async_free(a);
	return status;
}
