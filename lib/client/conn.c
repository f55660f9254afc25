/*
 * lib/client/conn.c - a client connection to vssd: connect to the Unix
 * socket and say hello, queue frames and write them without blocking,
 * read and split frames, and the blocking request/reply call the writer
 * and requester libraries build on.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client/conn.h"

/* Bytes asked of read() at a time. */
#define READ_CHUNK 65536
/* Pause between connection attempts while the listen backlog is full. */
#define CONNECT_RETRY_MS 10
#define NSEC_PER_MSEC 1000000LL
#define NSEC_PER_SEC 1000000000LL

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* The monotonic deadline of a timeout in ms; -1 for none. */
static int64_t
deadline_after(int timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	return now_ns() + (int64_t)timeout_ms * NSEC_PER_MSEC;
}

/* Milliseconds left, rounded up so poll() never wakes early; -1: none. */
static int
remaining_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ns();
	if (left <= 0)
		return 0;
	left = (left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return left > INT_MAX ? INT_MAX : (int)left;
}

const char *
conn_socket_path(const char *path)
{
	const char *env;

	if (path && *path)
		return path;
	env = secure_getenv("VSS_SOCKET");
	if (env && *env)
		return env;
	return VSS_DEFAULT_SOCKET;
}

/* Wait for a connection in progress and take its result. */
static int
connect_finish(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int n, err;

	do
		n = poll(&pfd, 1, remaining_ms(deadline));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

static int
connect_socket(int fd, const struct sockaddr_un *sa, int64_t deadline)
{
	for (;;) {
		int left;

		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno == EINPROGRESS || errno == EINTR)
			return connect_finish(fd, deadline);
		/*
		 * A full listen backlog gives EAGAIN on a non-blocking Unix
		 * socket, and nothing to poll for: try again in a moment.
		 */
		if (errno != EAGAIN)
			return -errno;
		left = remaining_ms(deadline);
		if (left == 0)
			return -ETIMEDOUT;
		if (left < 0 || left > CONNECT_RETRY_MS)
			left = CONNECT_RETRY_MS;
		poll(NULL, 0, left);
	}
}

/* The hello exchange: 0 and the session id, or the reply's status. */
static int
say_hello(struct conn *c, const char *role, int64_t deadline)
{
	json_t *hello, *reply = NULL;
	vss_id session;
	int r;

	hello = wire_request_new(WIRE_HELLO, c->next_id++);
	if (!hello)
		return -ENOMEM;
	r = wire_set_str(hello, WF_ROLE, role);
	if (r == 0)
		r = wire_set_int(hello, WF_VERSION, WIRE_PROTOCOL_VERSION);
	if (r == 0)
		r = conn_call(c, hello, remaining_ms(deadline), &reply, NULL,
			      NULL);
	/* A success code answering hello is as wrong as a missing id. */
	if (r > 0 ||
	    (r == 0 && wire_get_id(reply, WF_SESSION_ID, &session) < 0))
		r = -EPROTO;
	if (r == 0)
		c->session_id = session;
	json_decref(reply);
	json_decref(hello);
	return r;
}

int
conn_open(struct conn *c, const char *socket_path, const char *role,
	  int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path;
	int64_t deadline;
	size_t len;
	int r;

	if (!c || !role)
		return -EINVAL;
	deadline = deadline_after(timeout_ms);
	*c = (struct conn){ .fd = -1, .next_id = 1 };
	wire_reader_init(&c->reader, WIRE_FRAME_MAX);
	path = conn_socket_path(socket_path);
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, len + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		r = -errno;
		goto fail;
	}
	r = connect_socket(c->fd, &sa, deadline);
	if (r < 0)
		goto fail;
	r = say_hello(c, role, deadline);
	if (r < 0)
		goto fail;
	return 0;
fail:
	conn_close(c);
	return r;
}

void
conn_close(struct conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	wire_reader_release(&c->reader);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_cap = 0;
}

/* Append a frame to the output queue; takes ownership of frame. */
static int
queue_frame(struct conn *c, uint8_t *frame, size_t len)
{
	size_t cap;
	uint8_t *out;

	if (c->out_len == 0) {
		free(c->out);
		c->out = frame;
		c->out_len = c->out_cap = len;
		return 0;
	}
	if (len > c->out_cap - c->out_len) {
		if (len > SIZE_MAX / 2 - c->out_len) {
			free(frame);
			return -ENOMEM;
		}
		cap = c->out_cap;
		while (cap - c->out_len < len)
			cap *= 2;
		out = realloc(c->out, cap);
		if (!out) {
			free(frame);
			return -ENOMEM;
		}
		c->out = out;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, frame, len);
	c->out_len += len;
	free(frame);
	return 0;
}

int
conn_send(struct conn *c, json_t *msg)
{
	uint8_t *frame;
	size_t len;
	int r;

	if (!c || !msg)
		return -EINVAL;
	if (c->fd < 0)
		return -ENOTCONN;
	r = wire_encode(msg, WIRE_FRAME_MAX, &frame, &len);
	if (r < 0)
		return r;
	r = queue_frame(c, frame, len);
	if (r < 0)
		return r;
	r = conn_flush(c);
	return r < 0 ? r : 0;
}

int
conn_flush(struct conn *c)
{
	size_t done = 0;
	int r = 0;

	if (!c)
		return -EINVAL;
	if (c->fd < 0)
		return -ENOTCONN;
	while (done < c->out_len) {
		/* MSG_NOSIGNAL: a vanished daemon is EPIPE, not SIGPIPE. */
		ssize_t n = send(c->fd, c->out + done, c->out_len - done,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = errno == EAGAIN || errno == EWOULDBLOCK ? 1 :
								      -errno;
			break;
		}
		done += (size_t)n;
	}
	if (done > 0) {
		memmove(c->out, c->out + done, c->out_len - done);
		c->out_len -= done;
	}
	return r;
}

int
conn_read(struct conn *c)
{
	uint8_t buf[READ_CHUNK];

	if (!c)
		return -EINVAL;
	if (c->fd < 0)
		return -ENOTCONN;
	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof(buf));
		int r;

		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		r = wire_reader_feed(&c->reader, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

int
conn_next(struct conn *c, json_t **ret)
{
	json_t *msg;
	int r;

	if (!c || !ret)
		return -EINVAL;
	r = wire_reader_next(&c->reader, &msg);
	if (r <= 0)
		return r;
	/* The daemon is checked like any peer: handlers trust the types. */
	if (wire_check(msg, NULL) < 0) {
		json_decref(msg);
		return -EBADMSG;
	}
	*ret = msg;
	return 1;
}

static bool
is_reply_to(json_t *msg, int64_t id)
{
	const char *type;
	int64_t n;

	return wire_get_str(msg, WF_TYPE, &type) == 0 &&
	       wire_type_parse(type) == WIRE_REPLY &&
	       wire_get_int(msg, WF_ID, &n) == 0 && n == id;
}

/*
 * Take buffered frames until the reply to id: 1 and *ret, 0 when none is
 * buffered, or negative.  The others go to other().
 */
static int
take_reply(struct conn *c, int64_t id, json_t **ret,
	   void (*other)(json_t *msg, void *userdata), void *userdata)
{
	json_t *msg;
	int r;

	while ((r = conn_next(c, &msg)) > 0) {
		if (is_reply_to(msg, id)) {
			*ret = msg;
			return 1;
		}
		if (other)
			other(msg, userdata);
		json_decref(msg);
		/* The callback may have closed the connection. */
		if (c->fd < 0)
			return -ENOTCONN;
	}
	return r;
}

/* One poll for input (and output while queued); 0 or negative. */
static int
wait_io(struct conn *c, int64_t deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int n, r;

	if (c->out_len > 0)
		pfd.events |= POLLOUT;
	n = poll(&pfd, 1, remaining_ms(deadline));
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	/* Input first: a reply may be waiting behind a closed socket. */
	if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
		r = conn_read(c);
		if (r < 0)
			return r;
	}
	if (pfd.revents & POLLOUT) {
		r = conn_flush(c);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The request's "id" is used when it has one, else the next id of the
 * connection is given to it.  *ret_reply is set whenever the reply came,
 * whatever its status, so that callers can read its message.  other gets
 * each frame borrowed for the call; it must not call conn_call() on the
 * same connection, which would take this call's reply.
 */
int
conn_call(struct conn *c, json_t *request, int timeout_ms,
	  json_t **ret_reply,
	  void (*other)(json_t *msg, void *userdata), void *userdata)
{
	json_t *reply = NULL;
	int64_t deadline, id, status;
	int r, io = 0;

	if (!c || !json_is_object(request))
		return -EINVAL;
	if (c->fd < 0)
		return -ENOTCONN;
	deadline = deadline_after(timeout_ms);
	r = wire_get_int(request, WF_ID, &id);
	if (r == -ENOENT) {
		id = (int64_t)c->next_id++;
		r = wire_set_int(request, WF_ID, id);
	}
	if (r < 0)
		return r == -EBADMSG ? -EINVAL : r;
	if (id <= 0)
		return -EINVAL;
	r = conn_send(c, request);
	if (r < 0)
		return r;
	/* Frames fed before an error are taken before the error counts. */
	while ((r = take_reply(c, id, &reply, other, userdata)) == 0) {
		if (io < 0) {
			r = io;
			break;
		}
		io = wait_io(c, deadline);
	}
	if (r < 0)
		return r;
	/* wire_check() made sure of an int32 status. */
	status = json_integer_value(json_object_get(reply, WF_STATUS));
	if (ret_reply)
		*ret_reply = reply;
	else
		json_decref(reply);
	return (int)status;
}
