/*
 * writers/writerd/hosted.c - one hosted writer's thread (hosted.h).
 *
 * The thread owns the vss_writer: it subscribes, polls, and on a lost
 * connection releases what the backend holds and subscribes again with a
 * fresh vss_writer (a new instance id, the same instance name) every
 * RETRY_MS, logging the outage once.  The main thread only starts it,
 * sets stop_request (and wakes it through wake_fd) and frees it once it
 * has said, through exit_fd, that it ended.  Whether the writer is idle
 * is decided here, between two vss_writer_process() calls, never by the
 * main thread: a session could start between its look and its stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <vss/status.h>

#include "hosted.h"
#include "hosted_writer.h"
#include "log.h"

/* How often a writer tries to subscribe while vssd is not there. */
#define RETRY_MS 2000
/* The library's default socket (conn.h), for messages only. */
#define DEFAULT_SOCKET "/run/vss/vssd.sock"

enum stop_request {
	STOP_NONE,
	STOP_WHEN_IDLE,
	STOP_NOW, /* asked, or decided by the thread: no way back */
};

/* The socket the library connects to, for messages. */
static const char *
socket_shown(const struct wd_writer *w)
{
	const char *env;

	if (w->socket_path)
		return w->socket_path;
	env = secure_getenv("VSS_SOCKET");
	return env && env[0] ? env : DEFAULT_SOCKET;
}

/* Log the first failure of an outage; the retries stay quiet. */
static void
outage(struct wd_writer *w, const char *what, int status)
{
	if (w->outage_logged)
		return;
	w->outage_logged = true;
	wd_log(w, WD_LOG_WARNING, "%s: %s; retrying every %d s", what,
	       vss_strerror(status), RETRY_MS / 1000);
}

/* A fresh vss_writer (a new instance id) subscribed to vssd. */
static int
subscribe(struct wd_writer *w)
{
	struct vss_writer_opts opts;
	char iid[VSS_ID_STRLEN], what[512];
	vss_writer *vw;
	int r;

	memset(&opts, 0, sizeof(opts));
	wdecl_writer_opts(&w->conf->decl, &opts);
	opts.size = sizeof(opts);
	opts.socket_path = w->socket_path;
	r = vss_writer_new(&vw, &opts, &wd_wrapped_callbacks, w);
	if (r < 0) {
		outage(w, "cannot make the writer", r);
		return r;
	}
	r = vss_writer_subscribe(vw);
	if (r < 0) {
		vss_writer_free(vw);
		snprintf(what, sizeof(what), "cannot subscribe to vssd at %s",
			 socket_shown(w));
		outage(w, what, r);
		return r;
	}
	w->vw = vw;
	w->outage_logged = false;
	vss_id_format(vss_writer_instance_id(vw), iid);
	wd_log(w, WD_LOG_INFO, "%s (instance id %s)",
	       w->subscribed_once ? "subscribed again" : "subscribed", iid);
	w->subscribed_once = true;
	return 0;
}

/* Unsubscribe (an abort runs first if frozen), then release. */
static void
disconnect(struct wd_writer *w)
{
	vss_writer_free(w->vw);
	w->vw = NULL;
	wd_writer_sessions_lost(w);
}

static void
drain(int fd)
{
	uint64_t n;

	while (read(fd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
}

static void
signal_fd(int fd)
{
	const uint64_t one = 1;
	ssize_t n;

	do
		n = write(fd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
}

/*
 * Idle: no session open and nothing to answer (no frame waiting to be
 * read, no reply waiting to be sent).
 */
static bool
idle(struct wd_writer *w)
{
	struct pollfd p;

	if (!w->vw)
		return true;
	if (wd_sessions_open(&w->sessions) > 0 ||
	    (vss_writer_get_events(w->vw) & POLLOUT))
		return false;
	p.fd = vss_writer_get_fd(w->vw);
	p.events = POLLIN;
	p.revents = 0;
	return poll(&p, 1, 0) == 0;
}

/* Whether to stop now; a "when idle" request is taken for good here. */
static bool
stop_now(struct wd_writer *w)
{
	int expected = STOP_WHEN_IDLE;

	switch (atomic_load(&w->stop_request)) {
	case STOP_NOW:
		return true;
	case STOP_WHEN_IDLE:
		if (!idle(w))
			return false;
		return atomic_compare_exchange_strong(&w->stop_request,
						      &expected, STOP_NOW) ||
		       expected == STOP_NOW;
	default:
		return false;
	}
}

/* Wait up to ms for a stop request; true when it is time to stop. */
static bool
wait_retry(struct wd_writer *w, int ms)
{
	struct pollfd p = {.fd = w->wake_fd, .events = POLLIN};

	if (poll(&p, 1, ms) > 0)
		drain(w->wake_fd);
	return stop_now(w);
}

/* One turn of the loop of a subscribed writer; true when to stop. */
static bool
run_once(struct wd_writer *w)
{
	struct pollfd p[2] = {
		{.fd = w->wake_fd, .events = POLLIN},
		{.fd = vss_writer_get_fd(w->vw),
		 .events = (short)vss_writer_get_events(w->vw)},
	};
	int n, r;

	n = poll(p, 2, vss_writer_get_timeout(w->vw));
	if (n < 0)
		return false;
	if (p[0].revents)
		drain(w->wake_fd);
	if (w->stop_request == STOP_NOW)
		return true;
	if (n == 0 || p[1].revents) {
		r = vss_writer_process(w->vw);
		if (r < 0) {
			/* The library unsubscribed it (after abort, if
			 * frozen). */
			disconnect(w);
			w->outage_logged = true;
			wd_log(w, WD_LOG_WARNING, "connection to vssd at %s "
			       "lost: %s; subscribing again every %d s",
			       socket_shown(w), vss_strerror(r),
			       RETRY_MS / 1000);
		}
	}
	return stop_now(w);
}

static void *
writer_thread(void *arg)
{
	struct wd_writer *w = arg;
	bool stop = false;

	while (!stop) {
		if (w->vw)
			stop = run_once(w);
		else if (stop_now(w))
			stop = true;
		else if (subscribe(w) < 0)
			stop = wait_retry(w, RETRY_MS);
	}
	w->stop_seen = true;
	if (w->vw)
		disconnect(w);
	else
		wd_writer_sessions_lost(w);
	wd_log(w, WD_LOG_INFO, "stopped");
	w->exited = true;
	signal_fd(w->exit_fd);
	return NULL;
}

int
wd_writer_start(struct wd_writer **ret, struct wd_conf *conf,
		const char *socket_path, int exit_fd)
{
	struct wd_writer *w;
	char cid[VSS_ID_STRLEN];
	int r, fd;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->conf = conf;
	w->log_fd = -1;
	w->exit_fd = exit_fd;
	wd_sessions_init(&w->sessions);
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (socket_path) {
		w->socket_path = strdup(socket_path);
		if (!w->socket_path) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (conf->log_file) {
		fd = wd_log_open_file(conf->log_file);
		if (fd < 0)
			wd_log(w, WD_LOG_WARNING, "cannot open log_file '%s': "
			       "%s; logging to stderr only", conf->log_file,
			       strerror(-fd));
		w->log_fd = fd < 0 ? -1 : fd;
	}
	vss_id_format(&conf->decl.class_id, cid);
	wd_log(w, WD_LOG_INFO, "starting '%s' from %s (type %s, class id %s)",
	       conf->decl.name, conf->path, conf->backend->type, cid);
	r = -pthread_create(&w->thread, NULL, writer_thread, w);
	if (r < 0)
		goto fail;
	*ret = w;
	return 0;
fail:
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	if (w->log_fd >= 0)
		close(w->log_fd);
	free(w->socket_path);
	free(w);
	return r;
}

void
wd_writer_request_stop(struct wd_writer *w, enum wd_stop how)
{
	int expected = STOP_NONE;

	if (how == WD_STOP_NOW)
		w->stop_request = STOP_NOW;
	else
		atomic_compare_exchange_strong(&w->stop_request, &expected,
					       STOP_WHEN_IDLE);
	signal_fd(w->wake_fd);
}

bool
wd_writer_cancel_stop(struct wd_writer *w)
{
	int expected = STOP_WHEN_IDLE;

	return atomic_compare_exchange_strong(&w->stop_request, &expected,
					      STOP_NONE) ||
	       expected == STOP_NONE;
}

bool
wd_writer_exited(const struct wd_writer *w)
{
	return w->exited;
}

void
wd_writer_reopen_log(struct wd_writer *w)
{
	int fd, old;

	if (!w->conf->log_file)
		return;
	fd = wd_log_open_file(w->conf->log_file);
	if (fd < 0) {
		wd_log(w, WD_LOG_WARNING, "cannot open log_file '%s' again: "
		       "%s; still writing where it was", w->conf->log_file,
		       strerror(-fd));
		return;
	}
	old = w->log_fd;
	if (old < 0) {
		w->log_fd = fd;
		return;
	}
	/* In place: the thread may be writing to old right now. */
	if (dup3(fd, old, O_CLOEXEC) < 0)
		wd_log(w, WD_LOG_WARNING, "cannot open log_file '%s' again: "
		       "%s; still writing where it was", w->conf->log_file,
		       strerror(errno));
	close(fd);
}

void
wd_writer_free(struct wd_writer *w)
{
	if (!w)
		return;
	pthread_join(w->thread, NULL);
	close(w->wake_fd);
	if (w->log_fd >= 0)
		close(w->log_fd);
	wd_sessions_release(&w->sessions);
	free(w->socket_path);
	free(w);
}
