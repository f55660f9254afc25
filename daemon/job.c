/*
 * daemon/job.c - provider calls off the event loop.  Each job runs its
 * work on a thread of its own and signals the loop through an eventfd
 * when it has returned, so a provider stuck in an ioctl never stops the
 * loop; its owner may give up on it (a deadline) and hand the late result
 * to someone else by changing done (arg is the work's until done runs).
 *
 * Signals stay blocked in the worker threads: they inherit the mask that
 * main() set for signalfd.
 */
#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static size_t running;

static void *
job_thread(void *arg)
{
	struct job *j = arg;
	uint64_t one = 1;

	j->work(j);
	/* The last touch of the job on this thread. */
	if (write(j->efd, &one, sizeof(one)) < 0)
		abort();
	return NULL;
}

static void
job_finished(struct loop_io *io, uint32_t events)
{
	struct job *j = io->arg;

	(void)events;
	loop_remove(&j->io);
	close(j->efd);
	pthread_join(j->thread, NULL);
	running--;
	j->done(j);
	free(j);
}

struct job *
job_start(job_fn work, job_fn done, void *arg)
{
	struct job *j;
	int r;

	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->work = work;
	j->done = done;
	j->arg = arg;
	j->io.fd = -1;
	j->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (j->efd < 0) {
		log_warn("eventfd");
		goto fail;
	}
	if (loop_add(&j->io, j->efd, EPOLLIN, job_finished, j) < 0) {
		log_warn("epoll_ctl add eventfd");
		goto fail;
	}
	r = pthread_create(&j->thread, NULL, job_thread, j);
	if (r != 0) {
		errno = r;
		log_warn("pthread_create");
		loop_remove(&j->io);
		goto fail;
	}
	running++;
	return j;
fail:
	if (j->efd >= 0)
		close(j->efd);
	free(j);
	return NULL;
}

size_t
jobs_running(void)
{
	return running;
}
