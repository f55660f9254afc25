/*
 * daemon/loop.c - the one event loop of vssd: epoll for file descriptors,
 * one timerfd on CLOCK_MONOTONIC driving named timers kept in a sorted
 * list (bgpd's timer.c, Redis' nearest-timer search), and deferred calls
 * that run after each event so that no handler is re-entered from inside
 * another (a failed send never closes a connection under its caller).
 *
 * epoll_wait() takes one event at a time: a handler may free any object,
 * including ones whose fd is also ready, without a stale pointer being
 * left in a batch of events still to dispatch.
 */
#include "daemon.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static struct {
	int epfd;
	struct loop_io timer_io;
	TAILQ_HEAD(timer_list, timer) timers;
	TAILQ_HEAD(, deferred) deferred;
	uint64_t programmed; /* deadline the timerfd is set to, 0: none */
	bool exiting;
} loop = { .epfd = -1, .timer_io = { .fd = -1 } };

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double
ms_between(uint64_t start_ns, uint64_t end_ns)
{
	if (end_ns < start_ns)
		return 0;
	return (double)(end_ns - start_ns) / 1e6;
}

/* ---- timers ---------------------------------------------------------- */

void
timer_init(struct timer *t, const char *name, timer_fn fn, void *arg)
{
	t->name = name;
	t->fn = fn;
	t->arg = arg;
	t->deadline = 0;
	t->armed = false;
}

void
timer_disarm(struct timer *t)
{
	if (!t->armed)
		return;
	TAILQ_REMOVE(&loop.timers, t, entry);
	t->armed = false;
}

static void
timer_arm_at(struct timer *t, uint64_t deadline)
{
	struct timer *after;

	timer_disarm(t);
	t->deadline = deadline;
	t->armed = true;
	/* Most timers are armed later than all others: search from the end. */
	TAILQ_FOREACH_REVERSE(after, &loop.timers, timer_list, entry) {
		if (after->deadline <= deadline)
			break;
	}
	if (after)
		TAILQ_INSERT_AFTER(&loop.timers, after, t, entry);
	else
		TAILQ_INSERT_HEAD(&loop.timers, t, entry);
}

void
timer_arm(struct timer *t, uint64_t ms)
{
	timer_arm_at(t, now_ns() + ms * 1000000u);
}

/* Point the timerfd at the nearest deadline. */
static void
timers_program(void)
{
	struct itimerspec its = { 0 };
	struct timer *first = TAILQ_FIRST(&loop.timers);
	uint64_t deadline = first ? first->deadline : 0;

	if (deadline == loop.programmed)
		return;
	/* An absolute time of 0 would disarm: a past deadline fires at once. */
	if (first) {
		if (deadline == 0)
			deadline = 1;
		its.it_value.tv_sec = (time_t)(deadline / 1000000000u);
		its.it_value.tv_nsec = (long)(deadline % 1000000000u);
	}
	if (timerfd_settime(loop.timer_io.fd, TFD_TIMER_ABSTIME, &its,
			    NULL) < 0)
		fatal("timerfd_settime");
	loop.programmed = first ? first->deadline : 0;
}

static void
timers_expire(struct loop_io *io, uint32_t events)
{
	uint64_t expirations, now;
	struct timer *t;

	(void)events;
	if (read(io->fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		fatal("read timerfd");
	loop.programmed = 0;
	now = now_ns();
	while ((t = TAILQ_FIRST(&loop.timers)) && t->deadline <= now) {
		timer_disarm(t);
		log_debug("timer %s fired", t->name);
		t->fn(t);
	}
}

/* ---- deferred calls -------------------------------------------------- */

void
defer_init(struct deferred *d, deferred_fn fn, void *arg)
{
	d->fn = fn;
	d->arg = arg;
	d->queued = false;
}

void
defer_queue(struct deferred *d)
{
	if (d->queued)
		return;
	d->queued = true;
	TAILQ_INSERT_TAIL(&loop.deferred, d, entry);
}

void
defer_cancel(struct deferred *d)
{
	if (!d->queued)
		return;
	TAILQ_REMOVE(&loop.deferred, d, entry);
	d->queued = false;
}

static void
deferred_run(void)
{
	struct deferred *d;

	while ((d = TAILQ_FIRST(&loop.deferred))) {
		TAILQ_REMOVE(&loop.deferred, d, entry);
		d->queued = false;
		d->fn(d->arg);
	}
}

/* ---- file descriptors ------------------------------------------------ */

int
loop_add(struct loop_io *io, int fd, uint32_t events, loop_io_fn fn,
	 void *arg)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	io->fn = fn;
	io->arg = arg;
	if (epoll_ctl(loop.epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	io->fd = fd;
	return 0;
}

int
loop_modify(struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	if (epoll_ctl(loop.epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -errno;
	return 0;
}

void
loop_remove(struct loop_io *io)
{
	if (io->fd < 0)
		return;
	if (epoll_ctl(loop.epfd, EPOLL_CTL_DEL, io->fd, NULL) < 0)
		log_warn("epoll_ctl del fd %d", io->fd);
	io->fd = -1;
}

int
loop_init(void)
{
	int fd, r;

	TAILQ_INIT(&loop.timers);
	TAILQ_INIT(&loop.deferred);
	loop.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop.epfd < 0)
		return -errno;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = loop_add(&loop.timer_io, fd, EPOLLIN, timers_expire, NULL);
	if (r < 0) {
		close(fd);
		return r;
	}
	return 0;
}

void
loop_release(void)
{
	if (loop.timer_io.fd >= 0) {
		close(loop.timer_io.fd);
		loop.timer_io.fd = -1;
	}
	if (loop.epfd >= 0) {
		close(loop.epfd);
		loop.epfd = -1;
	}
}

void
loop_exit(void)
{
	loop.exiting = true;
}

void
loop_run(void)
{
	struct epoll_event ev;
	struct loop_io *io;
	int n;

	while (!loop.exiting) {
		deferred_run();
		if (loop.exiting)
			break;
		timers_program();
		n = epoll_wait(loop.epfd, &ev, 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		if (n == 0)
			continue;
		io = ev.data.ptr;
		io->fn(io, ev.events);
	}
	/* What the last event left to do, such as closing connections. */
	deferred_run();
}
