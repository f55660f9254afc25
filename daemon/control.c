/*
 * daemon/control.c - the control socket: accept connections, read and
 * write frames, and one switch on the message type that checks the
 * sender's role and hands the message on (bgpd's control.c).  Nothing
 * here knows about backups.
 *
 * Everything a client controls is limited: connections, frame size,
 * queued output.  Input that is malformed, oversized or not for the
 * sender's role is logged once and closes that connection, never the
 * daemon.  Closing is deferred to the loop, so no handler ever sees the
 * client it is working for disappear under it.
 */
#include "daemon.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <vss/status.h>

#define READ_CHUNK 65536
#define LISTEN_BACKLOG 128
#define REFUSED_LOG_MS 1000

static TAILQ_HEAD(, client) clients = TAILQ_HEAD_INITIALIZER(clients);
/* Clients not closing: what max_connections limits. */
static size_t nopen;
static struct loop_io listen_io = { .fd = -1 };
static char *listen_path;
static void refused_log(struct timer *t);
/* Connections refused since the last warning, at most one a second. */
static struct timer refused_timer = {
	.name = "refused connections",
	.fn = refused_log,
};
static unsigned long nrefused;

static const char *const role_names[] = {
	[ROLE_NONE] = "none",
	[ROLE_REQUESTER] = "requester",
	[ROLE_WRITER] = "writer",
	[ROLE_ADMIN] = "admin",
};

static void client_hangup(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- output ---------------------------------------------------------- */

static void
client_flush(struct client *c)
{
	ssize_t n;
	bool want_out;

	while (c->out_off < c->out_len) {
		n = send(c->io.fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == EPIPE || errno == ECONNRESET)
				client_hangup(c, "peer gone");
			else
				client_close(c, "write: %s", strerror(errno));
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	want_out = c->out_len > 0;
	if (want_out == c->polling_out)
		return;
	if (loop_modify(&c->io, EPOLLIN | (want_out ? EPOLLOUT : 0)) < 0) {
		client_close(c, "epoll_ctl: %s", strerror(errno));
		return;
	}
	c->polling_out = want_out;
}

int
client_send_frame(struct client *c, const uint8_t *frame, size_t len)
{
	size_t need;

	if (c->closing)
		return -EPIPE;
	/* Nothing queued: straight to the socket, the usual case. */
	if (c->out_len == 0) {
		ssize_t n = send(c->io.fd, frame, len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n == (ssize_t)len)
			return 0;
		if (n > 0) {
			frame += n;
			len -= (size_t)n;
		}
	}
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	need = c->out_len + len;
	if (need > conf->max_queued_output) {
		client_close(c, "%zu bytes of output queued, over "
			     "max_queued_output", need);
		return -ENOBUFS;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *out;

		while (cap < need)
			cap *= 2;
		out = realloc(c->out, cap);
		if (!out) {
			client_close(c, "out of memory");
			return -ENOMEM;
		}
		c->out = out;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, frame, len);
	c->out_len += len;
	client_flush(c);
	return c->closing ? -EPIPE : 0;
}

int
client_send(struct client *c, json_t *msg)
{
	uint8_t *frame;
	size_t len;
	int r;

	if (c->closing)
		return -EPIPE;
	r = wire_encode(msg, WIRE_FRAME_MAX, &frame, &len);
	if (r < 0) {
		client_close(c, "message not sent: %s", vss_strerror(r));
		return r;
	}
	r = client_send_frame(c, frame, len);
	free(frame);
	return r;
}

int
client_reply(struct client *c, uint64_t id, int status, const char *message,
	     json_t *fields)
{
	json_t *reply;
	int r;

	reply = wire_reply_new(id, status, message);
	if (!reply || (fields && json_object_update(reply, fields) < 0)) {
		json_decref(reply);
		client_close(c, "out of memory");
		return -ENOMEM;
	}
	r = client_send(c, reply);
	json_decref(reply);
	return r;
}

/* ---- closing --------------------------------------------------------- */

static void
client_free(void *arg)
{
	struct client *c = arg;

	/* What was queued last (a refusal, say) goes out if it can. */
	if (c->out_len > c->out_off)
		(void)send(c->io.fd, c->out + c->out_off,
			   c->out_len - c->out_off,
			   MSG_NOSIGNAL | MSG_DONTWAIT);
	if (c->io.fd >= 0) {
		int fd = c->io.fd;

		loop_remove(&c->io);
		close(fd);
	}
	if (c->session)
		session_client_gone(c->session);
	c->session = NULL;
	writers_client_gone(c);
	wire_reader_release(&c->reader);
	free(c->out);
	TAILQ_REMOVE(&clients, c, entry);
	free(c);
}

static void __attribute__((format(printf, 3, 0)))
client_close_v(struct client *c, bool quiet, const char *fmt, va_list ap)
{
	char why[512];

	if (c->closing)
		return;
	c->closing = true;
	nopen--;
	vsnprintf(why, sizeof(why), fmt, ap);
	if (quiet)
		log_debug("%s %s uid %u pid %d: %s", role_names[c->role],
			  c->sid, (unsigned)c->uid, (int)c->pid, why);
	else
		log_warnx("%s %s uid %u pid %d closed: %s",
			  role_names[c->role], c->sid, (unsigned)c->uid,
			  (int)c->pid, why);
	defer_queue(&c->close_later);
}

void
client_close(struct client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	client_close_v(c, false, fmt, ap);
	va_end(ap);
}

/* An orderly end of the connection: nothing to warn about. */
static void
client_hangup(struct client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	client_close_v(c, true, fmt, ap);
	va_end(ap);
}

/* ---- input ----------------------------------------------------------- */

static int
client_hello(struct client *c, uint64_t id, json_t *msg)
{
	const char *role;
	int64_t version;
	json_t *fields;
	int r;

	if (wire_get_str(msg, WF_ROLE, &role) < 0 ||
	    wire_get_int(msg, WF_VERSION, &version) < 0) {
		client_close(c, "hello without role or version");
		return -EPROTO;
	}
	if (version != WIRE_PROTOCOL_VERSION) {
		client_reply(c, id, VSS_E_NOT_SUPPORTED,
			     "protocol version not supported", NULL);
		client_close(c, "protocol version %lld", (long long)version);
		return -EPROTO;
	}
	if (strcmp(role, "requester") == 0)
		c->role = ROLE_REQUESTER;
	else if (strcmp(role, "writer") == 0)
		c->role = ROLE_WRITER;
	else if (strcmp(role, "admin") == 0)
		c->role = ROLE_ADMIN;
	else {
		client_close(c, "unknown role '%.32s'", role);
		return -EPROTO;
	}
	/* SEC-002: requesters and admins are root or the backup group. */
	if (c->role != ROLE_WRITER && !c->privileged) {
		client_reply(c, id, -EACCES, "not allowed", NULL);
		client_close(c, "%s role refused", role);
		return -EACCES;
	}
	if (c->role == ROLE_REQUESTER) {
		r = session_new(c, &c->session);
		if (r < 0) {
			client_close(c, "out of memory");
			return r;
		}
	}
	fields = json_object();
	if (!fields || wire_set_id(fields, WF_SESSION_ID, &c->session_id) < 0) {
		json_decref(fields);
		client_close(c, "out of memory");
		return -ENOMEM;
	}
	log_debug("%s %s: hello from uid %u pid %d", role, c->sid,
		  (unsigned)c->uid, (int)c->pid);
	r = client_reply(c, id, 0, NULL, fields);
	json_decref(fields);
	return r;
}

/* The sender's role must be role. */
static bool
client_in_role(struct client *c, enum client_role role, enum wire_type t)
{
	if (c->role == role)
		return true;
	client_close(c, "%s not allowed for role %s", wire_type_name(t),
		     role_names[c->role]);
	return false;
}

static void
client_dispatch(struct client *c, json_t *msg)
{
	const char *why = "unknown";
	int64_t id = 0;
	int t;

	t = wire_check(msg, &why);
	if (t < 0) {
		client_close(c, "malformed message: %s", why);
		return;
	}
	(void)wire_get_int(msg, WF_ID, &id);
	if (c->role == ROLE_NONE && t != WIRE_HELLO) {
		client_close(c, "%s before hello", wire_type_name(t));
		return;
	}
	switch ((enum wire_type)t) {
	case WIRE_HELLO:
		if (c->role != ROLE_NONE) {
			client_close(c, "second hello");
			return;
		}
		client_hello(c, (uint64_t)id, msg);
		return;
	case WIRE_SUBSCRIBE:
		if (client_in_role(c, ROLE_WRITER, t))
			writers_subscribe(c, (uint64_t)id, msg);
		return;
	case WIRE_UNSUBSCRIBE:
		if (client_in_role(c, ROLE_WRITER, t))
			writers_unsubscribe(c, (uint64_t)id);
		return;
	case WIRE_EVENT_REPLY:
		if (client_in_role(c, ROLE_WRITER, t))
			writers_event_reply(c, msg);
		return;
	case WIRE_GATHER_WRITER_METADATA:
	case WIRE_GATHER_WRITER_STATUS:
	case WIRE_START_SNAPSHOT_SET:
	case WIRE_IS_VOLUME_SUPPORTED:
	case WIRE_ADD_TO_SNAPSHOT_SET:
	case WIRE_PREPARE_FOR_BACKUP:
	case WIRE_DO_SNAPSHOT_SET:
	case WIRE_GET_SNAPSHOT_PROPERTIES:
	case WIRE_BACKUP_COMPLETE:
	case WIRE_ABORT_BACKUP:
	case WIRE_CANCEL:
	case WIRE_QUERY_SNAPSHOTS:
	case WIRE_DELETE_SNAPSHOTS:
	case WIRE_EXPOSE_SNAPSHOT:
	case WIRE_UNEXPOSE_SNAPSHOT:
	case WIRE_QUERY_PROVIDERS:
	case WIRE_IS_VOLUME_SNAPSHOTTED:
	case WIRE_PRE_RESTORE:
	case WIRE_POST_RESTORE:
		if (client_in_role(c, ROLE_REQUESTER, t))
			session_request(c->session, (enum wire_type)t,
					(uint64_t)id, msg);
		return;
	case WIRE_LIST_WRITERS:
		if (client_in_role(c, ROLE_ADMIN, t))
			writers_list(c, (uint64_t)id);
		return;
	case WIRE_REPLY:
	case WIRE_EVENT:
	case WIRE_UNKNOWN:
	case WIRE_TYPE_COUNT:
		break;
	}
	client_close(c, "unexpected %s", wire_type_name(t) ? wire_type_name(t)
							   : "message");
}

static void
client_read(struct client *c)
{
	uint8_t buf[READ_CHUNK];
	json_t *msg;
	ssize_t n;
	int r;

	n = read(c->io.fd, buf, sizeof(buf));
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == ECONNRESET)
			client_hangup(c, "connection reset");
		else
			client_close(c, "read: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		client_hangup(c, "connection closed");
		return;
	}
	r = wire_reader_feed(&c->reader, buf, (size_t)n);
	while (r >= 0 && !c->closing) {
		r = wire_reader_next(&c->reader, &msg);
		if (r <= 0)
			break;
		client_dispatch(c, msg);
		json_decref(msg);
	}
	if (r < 0 && !c->closing)
		client_close(c, "%s", r == -EMSGSIZE ? "frame over max_frame"
			     : r == -EBADMSG ? "frame is not a JSON object "
					       "with a type"
					     : vss_strerror(r));
}

static void
client_event(struct loop_io *io, uint32_t events)
{
	struct client *c = io->arg;

	if (c->closing)
		return;
	if (events & EPOLLOUT)
		client_flush(c);
	if (!c->closing && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		client_read(c);
}

/* ---- accepting ------------------------------------------------------- */

/* SO_PEERGROUPS: is the peer in the configured group? */
static bool
peer_in_group(int fd, gid_t group)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++) {
		if (groups[i] == group)
			return true;
	}
	return false;
}

static void
client_new(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn("getsockopt SO_PEERCRED");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_warnx("connection of uid %u refused: out of memory",
			  (unsigned)cred.uid);
		close(fd);
		return;
	}
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->privileged = cred.uid == 0 ||
			(conf->group_name &&
			 (cred.gid == conf->group ||
			  peer_in_group(fd, conf->group)));
	vss_id_generate(&c->session_id);
	vss_id_format(&c->session_id, c->sid);
	wire_reader_init(&c->reader, conf->max_frame);
	defer_init(&c->close_later, client_free, c);
	TAILQ_INSERT_TAIL(&clients, c, entry);
	nopen++;
	if (loop_add(&c->io, fd, EPOLLIN, client_event, c) < 0) {
		log_warn("epoll_ctl add");
		c->io.fd = fd;
		client_close(c, "not registered");
	}
}

static void
refused_log(struct timer *t)
{
	if (nrefused == 0)
		return;
	log_warnx("%lu connection%s refused: %u open (max_connections)",
		  nrefused, nrefused == 1 ? "" : "s", conf->max_connections);
	nrefused = 0;
	timer_arm(t, REFUSED_LOG_MS);
}

/*
 * A client that connects and closes in a loop must not flood the log:
 * the first refusal is logged at once, later ones as a count when the
 * timer fires.
 */
static void
connection_refuse(int fd)
{
	close(fd);
	nrefused++;
	if (!refused_timer.armed)
		refused_log(&refused_timer);
}

/*
 * Close the clients whose peer has hung up but whose event the loop has
 * not handled yet, so that dead connections leave room for new ones.
 * Input they sent before going is still read and handled first.  True
 * when one was closed.
 */
static bool
clients_reap(void)
{
	size_t before = nopen;
	struct client *c;

	TAILQ_FOREACH(c, &clients, entry) {
		struct pollfd p = { .fd = c->io.fd,
				    .events = POLLIN | POLLRDHUP };

		while (!c->closing && poll(&p, 1, 0) > 0 &&
		       (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			client_read(c);
	}
	return nopen < before;
}

static void
control_accept(struct loop_io *io, uint32_t events)
{
	bool reap = true;
	int fd, i;

	(void)events;
	/* A bounded batch, so that clients are served in between. */
	for (i = 0; i < 64; i++) {
		fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept4");
			return;
		}
		/* A sweep that found nobody gone is not repeated soon. */
		if (nopen >= conf->max_connections && reap)
			reap = clients_reap();
		if (nopen >= conf->max_connections) {
			connection_refuse(fd);
			continue;
		}
		client_new(fd);
	}
}

/* ---- the socket ------------------------------------------------------ */

/* Another vssd answering on path? */
static bool
socket_alive(const struct sockaddr_un *sun)
{
	int fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return r == 0;
}

static int
socket_permissions(const char *path)
{
	gid_t gid = conf->group_name ? conf->group : (gid_t)-1;

	if (chmod(path, 0660) < 0 || chown(path, (uid_t)-1, gid) < 0)
		return -errno;
	return 0;
}

int
control_listen(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char *copy, *dir;
	struct stat st;
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		log_warn("mkdir %s", dir);
		free(copy);
		return r;
	}
	free(copy);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("%s exists and is not a socket", path);
			return -EEXIST;
		}
		if (socket_alive(&sun)) {
			log_warnx("%s: another vssd is running", path);
			return -EADDRINUSE;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
		log_warn("bind %s", path);
		goto fail;
	}
	r = socket_permissions(path);
	if (r < 0) {
		log_warn("permissions of %s", path);
		goto fail_unlink;
	}
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		r = -errno;
		log_warn("listen");
		goto fail_unlink;
	}
	listen_path = strdup(path);
	if (!listen_path) {
		r = -ENOMEM;
		goto fail_unlink;
	}
	r = loop_add(&listen_io, fd, EPOLLIN, control_accept, NULL);
	if (r < 0)
		goto fail_unlink;
	return 0;
fail_unlink:
	unlink(path);
fail:
	close(fd);
	free(listen_path);
	listen_path = NULL;
	return r;
}

void
control_reconfigure(void)
{
	struct client *c;

	if (listen_path && socket_permissions(listen_path) < 0)
		log_warn("permissions of %s", listen_path);
	/* New limits apply to new frames; privileges stay as granted. */
	TAILQ_FOREACH(c, &clients, entry)
		c->reader.max_frame = conf->max_frame;
}

void
control_stop_listening(void)
{
	int fd = listen_io.fd;

	if (fd < 0)
		return;
	loop_remove(&listen_io);
	close(fd);
	if (listen_path)
		unlink(listen_path);
	free(listen_path);
	listen_path = NULL;
}

void
control_shutdown(void)
{
	struct client *c;

	control_stop_listening();
	TAILQ_FOREACH(c, &clients, entry)
		client_hangup(c, "vssd is stopping");
}
