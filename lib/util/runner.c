/*
 * lib/util/runner.c - run and watch a program (runner.h).
 *
 * The parent watches the program through a pidfd and its output pipes
 * with poll(), against deadlines on CLOCK_MONOTONIC.
 */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct runner {
	pid_t pid; /* the program, and its process group */
	int pidfd;
	int stdin_fd; /* our end of its stdin pipe, or -1 */
	int out[2];   /* read ends of stdout and stderr; -1 at EOF */
	bool exited;        /* its exit seen (not yet reaped) */
	uint64_t exited_ms; /* when */
	bool output_cut;
};

uint64_t
runner_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
ms_left(uint64_t deadline)
{
	uint64_t now = runner_now_ms();

	if (now >= deadline)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * fd itself if above stdio, else a close-on-exec copy above it (fd
 * closed): the child dup2()s these onto 0..2, which must not clobber one
 * another.
 */
static int
above_stdio(int fd)
{
	int copy;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	copy = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return copy;
}

static int
pipe_above_stdio(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0) {
		fds[0] = fds[1] = -1;
		return -errno;
	}
	fds[0] = above_stdio(fds[0]);
	fds[1] = above_stdio(fds[1]);
	return fds[0] < 0 || fds[1] < 0 ? -EMFILE : 0;
}

/* ---- the child ---------------------------------------------------- */

/* What the child needs, all of it prepared before fork(). */
struct child_setup {
	const struct runner_opts *opts;
	pid_t parent;
	int in, out, err;
};

static void
child_write(const char *s)
{
	(void)!write(STDERR_FILENO, s, strlen(s));
}

/* In the child: "PREFIX: cannot WHAT[ ARG]" on its stderr, exit 127. */
static void __attribute__((noreturn))
child_fail(const struct child_setup *cs, const char *what, const char *arg)
{
	if (cs->opts->fail_prefix) {
		child_write(cs->opts->fail_prefix);
		child_write(": cannot ");
		child_write(what);
		if (arg) {
			child_write(" ");
			child_write(arg);
		}
		child_write("\n");
	}
	_exit(127);
}

static void __attribute__((noreturn))
child(const struct child_setup *cs)
{
	const struct runner_opts *o = cs->opts;
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int sig;

	setpgid(0, 0);
	/* The thread that forked us may already be gone. */
	if (o->parent_death_signal &&
	    (prctl(PR_SET_PDEATHSIG, o->parent_death_signal) < 0 ||
	     getppid() != cs->parent))
		_exit(127);
	if (dup2(cs->in, STDIN_FILENO) < 0 ||
	    dup2(cs->out, STDOUT_FILENO) < 0 ||
	    dup2(cs->err, STDERR_FILENO) < 0)
		_exit(127);
	/*
	 * Every fd of ours is close-on-exec already; this covers any not.
	 * A kernel without close_range leaves that to O_CLOEXEC alone.
	 */
	close_range(STDERR_FILENO + 1, ~0U, 0);
	/* Ignored signals stay ignored across exec: SIGPIPE would be. */
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/*
	 * libc's calls, not raw system calls: on i386 and armhf the plain
	 * numbers are the 16-bit ones.  Its broadcast to the other threads
	 * finds none in the child.
	 */
	if (o->user &&
	    (setgroups(o->user->ngroups, o->user->groups) < 0 ||
	     setresgid(o->user->gid, o->user->gid, o->user->gid) < 0 ||
	     setresuid(o->user->uid, o->user->uid, o->user->uid) < 0))
		child_fail(cs, "switch to the user", NULL);
	if (chdir(o->dir ? o->dir : "/") < 0)
		child_fail(cs, "change to the working directory", NULL);
	execve(o->path, o->argv, o->envp);
	child_fail(cs, "execute", o->path);
}

/* Fork the child with no signal handler of ours able to run in it. */
static pid_t
spawn(const struct child_setup *cs)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(cs);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		return -saved;
	/* Also here: the group must exist before we may signal it. */
	setpgid(pid, pid);
	return pid;
}

/* ---- the parent --------------------------------------------------- */

int
runner_start(const struct runner_opts *opts, struct runner **ret)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	struct child_setup cs;
	struct runner *r;
	pid_t pid;
	int e;

	if (!opts || !opts->path || !opts->argv || !opts->argv[0] ||
	    !opts->envp || !ret)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->pidfd = r->stdin_fd = r->out[0] = r->out[1] = -1;
	if (opts->stdin_pipe) {
		if ((e = pipe_above_stdio(in)) < 0)
			goto fail;
	} else {
		in[0] = above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
		if (in[0] < 0) {
			e = -errno;
			goto fail;
		}
	}
	if ((e = pipe_above_stdio(out)) < 0 || (e = pipe_above_stdio(err)) < 0)
		goto fail;
	cs = (struct child_setup){.opts = opts, .parent = getpid(),
				  .in = in[0], .out = out[1], .err = err[1]};
	pid = spawn(&cs);
	if (pid < 0) {
		e = (int)pid;
		goto fail;
	}
	r->pid = pid;
	r->pidfd = pidfd_open(pid, 0);
	if (r->pidfd < 0) {
		e = -errno;
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto fail;
	}
	r->out[0] = out[0];
	r->out[1] = err[0];
	r->stdin_fd = in[1];
	out[0] = err[0] = in[1] = -1;
	fcntl(r->out[0], F_SETFL, O_NONBLOCK);
	fcntl(r->out[1], F_SETFL, O_NONBLOCK);
	*ret = r;
	e = 0;
	goto out;

fail:
	free(r);
out:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	return e;
}

/* One read from stream i, handed to fn; the fn's answer, or -errno. */
static int
read_stream(struct runner *r, int i, runner_output_fn fn, void *userdata)
{
	char buf[4096];
	ssize_t n;
	int e;

	do
		n = read(r->out[i], buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0) {
		e = n < 0 ? -errno : 0;
		close_fd(&r->out[i]);
		if (e == 0 && fn)
			e = fn(userdata, (enum runner_stream)(i + 1), buf, 0);
		return e;
	}
	return fn ? fn(userdata, (enum runner_stream)(i + 1), buf, (size_t)n)
		  : 0;
}

int
runner_wait(struct runner *r, uint64_t deadline_ms, unsigned exit_grace_ms,
	    runner_output_fn fn, void *userdata)
{
	struct pollfd pfd[3];
	int i, n, e, left, stop;

	for (;;) {
		if (r->exited && r->out[0] < 0 && r->out[1] < 0)
			return RUNNER_DONE;
		left = ms_left(deadline_ms);
		/*
		 * Once it has exited its output ends at the grace's end,
		 * deadline or not: what still holds the pipes is out of
		 * reach, and the exit status is what counts.
		 */
		if (r->exited && exit_grace_ms) {
			left = ms_left(r->exited_ms + exit_grace_ms);
			if (left == 0) {
				runner_stop_reading(r);
				r->output_cut = true;
				return RUNNER_DONE;
			}
		} else if (left == 0) {
			return RUNNER_DEADLINE;
		}
		for (i = 0; i < 2; i++) {
			pfd[i].fd = r->out[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		/* A negative fd is ignored by poll(). */
		pfd[2].fd = r->exited ? -1 : r->pidfd;
		pfd[2].events = POLLIN;
		pfd[2].revents = 0;
		n = poll(pfd, 3, left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		stop = 0;
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			e = read_stream(r, i, fn, userdata);
			if (e < 0)
				return e;
			stop |= e;
		}
		if (stop)
			return RUNNER_STOPPED;
		if (pfd[2].revents & POLLIN) {
			/*
			 * It is done: what it left in its group goes, so
			 * that nothing holds the pipes open.  The unreaped
			 * program still holds the group id.
			 */
			r->exited = true;
			r->exited_ms = runner_now_ms();
			kill(-r->pid, SIGKILL);
		}
	}
}

bool
runner_exited(const struct runner *r)
{
	struct pollfd pfd = {.fd = r->pidfd, .events = POLLIN};

	if (r->exited)
		return true;
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

uint64_t
runner_exited_ms(const struct runner *r)
{
	return r->exited_ms;
}

bool
runner_output_cut(const struct runner *r)
{
	return r->output_cut;
}

int
runner_signal(struct runner *r, int sig)
{
	return kill(-r->pid, sig) < 0 ? -errno : 0;
}

pid_t
runner_pid(const struct runner *r)
{
	return r->pid;
}

void
runner_close_stdin(struct runner *r)
{
	close_fd(&r->stdin_fd);
}

void
runner_stop_reading(struct runner *r)
{
	close_fd(&r->out[0]);
	close_fd(&r->out[1]);
}

int
runner_reap(struct runner *r)
{
	int status = 0;
	pid_t n;

	if (!r)
		return -1;
	if (!r->exited)
		kill(-r->pid, SIGKILL);
	runner_stop_reading(r);
	close_fd(&r->stdin_fd);
	while ((n = waitpid(r->pid, &status, 0)) < 0 && errno == EINTR)
		;
	close_fd(&r->pidfd);
	free(r);
	/* ECHILD: reaped by someone else (SIGCHLD ignored): fate unknown. */
	return n < 0 ? -1 : status;
}
