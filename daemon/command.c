/*
 * daemon/command.c - run a program with a deadline (command.h).
 *
 * fork, not posix_spawn: the child must set its parent-death signal,
 * which posix_spawn cannot.  The daemon is multi-threaded, so between
 * fork and exec the child makes system calls only.  The parent watches
 * the child through a pidfd and its two pipes with poll(), against a
 * deadline on CLOCK_MONOTONIC.  The child is reaped last of all: until
 * then its pid, and so its process group id, cannot be reused, so
 * killing the group never hits an unrelated one.
 */
#include "command.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The pipes and the buffer of one output stream. */
struct stream {
	int fd; /* read end, -1 at EOF */
	struct command_output o;
	size_t cap; /* of o.data, including the NUL */
	size_t max;
};

static uint64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * fd itself if it is above stdio, else a close-on-exec copy above it (fd
 * is closed): the child dup2()s these onto 0..2, which must not clobber
 * one another.
 */
static int
above_stdio(int fd)
{
	int copy;

	if (fd > STDERR_FILENO)
		return fd;
	copy = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return copy;
}

static int
pipe_above_stdio(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fds[0] = above_stdio(fds[0]);
	fds[1] = above_stdio(fds[1]);
	if (fds[0] < 0 || fds[1] < 0)
		return -EMFILE;
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * In the child: system calls only (the parent has threads).  Exit 127
 * when the program cannot be executed, as the shell does.
 */
static void __attribute__((noreturn))
child(const struct command_opts *opts, pid_t parent, int in, int out, int err)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int sig;

	setpgid(0, 0);
	/* Die with the thread that forked us; it may already be gone. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0)
		_exit(127);
	/*
	 * Every other fd of the daemon is close-on-exec already; this also
	 * covers any that is not.  A kernel without close_range leaves that
	 * to O_CLOEXEC alone.
	 */
	close_range(STDERR_FILENO + 1, ~0U, 0);
	/* Ignored signals stay ignored across exec: SIGPIPE would be. */
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (chdir("/") < 0)
		_exit(127);
	execve(opts->path, opts->argv, opts->envp);
	_exit(127);
}

static int
stream_init(struct stream *s, size_t max)
{
	s->fd = -1;
	s->max = max;
	s->cap = 256 < max + 1 ? 256 : max + 1;
	s->o.len = 0;
	s->o.truncated = false;
	s->o.data = malloc(s->cap);
	if (!s->o.data)
		return -ENOMEM;
	s->o.data[0] = '\0';
	return 0;
}

/*
 * One read into the buffer, up to its bound; beyond it, read and drop,
 * so that the program never blocks on a full pipe.  One read a call, so
 * that a program that never stops writing cannot outlast its deadline.
 * 0, or -ENOMEM.
 */
static int
stream_read(struct stream *s)
{
	char drop[4096];
	ssize_t n;

	if (s->o.len < s->max && s->o.len + 1 == s->cap) {
		size_t cap = s->cap * 2 > s->max + 1 ? s->max + 1 : s->cap * 2;
		char *p = realloc(s->o.data, cap);

		if (!p)
			return -ENOMEM;
		s->o.data = p;
		s->cap = cap;
	}
	do {
		if (s->o.len == s->max)
			n = read(s->fd, drop, sizeof(drop));
		else
			n = read(s->fd, s->o.data + s->o.len,
				 s->cap - 1 - s->o.len);
	} while (n < 0 && errno == EINTR);
	if (n > 0 && s->o.len == s->max) {
		s->o.truncated = true;
	} else if (n > 0) {
		s->o.len += (size_t)n;
		s->o.data[s->o.len] = '\0';
	} else if (n == 0 || errno != EAGAIN) {
		close_fd(&s->fd);
	}
	return 0;
}

/* Milliseconds left until deadline, for poll(). */
static int
ms_left(uint64_t deadline)
{
	uint64_t now = monotonic_ms();

	if (now >= deadline)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

/*
 * Watch the child until it has exited and both outputs have ended, or
 * the deadline.  0, or a negative errno after killing the group.
 */
static int
watch(pid_t pid, int pidfd, struct stream *s, uint64_t deadline,
      bool *ret_timed_out)
{
	struct pollfd pfd[3];
	bool exited = false;
	int i, n, r, left;

	while (!exited || s[0].fd >= 0 || s[1].fd >= 0) {
		left = ms_left(deadline);
		if (left == 0) {
			kill(-pid, SIGKILL);
			*ret_timed_out = true;
			return 0;
		}
		for (i = 0; i < 2; i++) {
			pfd[i].fd = s[i].fd;
			pfd[i].events = POLLIN;
		}
		/* A negative fd is ignored by poll(). */
		pfd[2].fd = exited ? -1 : pidfd;
		pfd[2].events = POLLIN;
		n = poll(pfd, 3, left);
		if (n < 0 && errno != EINTR) {
			r = -errno;
			kill(-pid, SIGKILL);
			return r;
		}
		if (n <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = stream_read(&s[i]);
			if (r < 0) {
				kill(-pid, SIGKILL);
				return r;
			}
		}
		if (pfd[2].revents & POLLIN) {
			/*
			 * The program is done: what it left behind in its
			 * group goes, so that nothing holds the pipes open.
			 * The zombie still holds the group id.
			 */
			exited = true;
			kill(-pid, SIGKILL);
		}
	}
	*ret_timed_out = false;
	return 0;
}

/* Reap pid, killed already if need be, into r. */
static void
reap(pid_t pid, struct command_result *r)
{
	int status, n;

	while ((n = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	r->exit_status = -1;
	r->signal = 0;
	/* ECHILD: reaped already (SIGCHLD ignored), fate unknown. */
	if (n < 0)
		return;
	if (WIFEXITED(status))
		r->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		r->signal = WTERMSIG(status);
}

/* Fork the child with no handler of ours able to run in it. */
static pid_t
spawn(const struct command_opts *opts, int in, int out, int err)
{
	pid_t pid, self = getpid();
	sigset_t all, old;
	int saved;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(opts, self, in, out, err);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		return -saved;
	/* Also here: the group must exist before we may kill it. */
	setpgid(pid, pid);
	return pid;
}

int
command_run(const struct command_opts *opts, struct command_result *ret)
{
	struct stream s[2] = {{.fd = -1}, {.fd = -1}};
	int out[2] = {-1, -1}, err[2] = {-1, -1};
	int in = -1, pidfd = -1, i, r;
	struct command_result res = {0};
	uint64_t deadline;
	size_t max;
	pid_t pid;

	if (!opts || !opts->path || !opts->argv || !opts->argv[0] ||
	    !opts->envp || opts->timeout_ms == 0 || !ret)
		return -EINVAL;
	max = opts->max_output ? opts->max_output : COMMAND_OUTPUT_MAX;
	if ((r = stream_init(&s[0], max)) < 0 ||
	    (r = stream_init(&s[1], max)) < 0)
		goto out;
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0 || (in = above_stdio(in)) < 0) {
		r = -errno;
		goto out;
	}
	if ((r = pipe_above_stdio(out)) < 0 || (r = pipe_above_stdio(err)) < 0)
		goto out;
	deadline = monotonic_ms() + opts->timeout_ms;
	pid = spawn(opts, in, out[1], err[1]);
	if (pid < 0) {
		r = (int)pid;
		goto out;
	}
	close_fd(&out[1]);
	close_fd(&err[1]);
	for (i = 0; i < 2; i++) {
		s[i].fd = i == 0 ? out[0] : err[0];
		fcntl(s[i].fd, F_SETFL, O_NONBLOCK);
	}
	out[0] = err[0] = -1;
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		r = -errno;
		kill(-pid, SIGKILL);
	} else {
		r = watch(pid, pidfd, s, deadline, &res.timed_out);
	}
	close_fd(&pidfd);
	close_fd(&s[0].fd);
	close_fd(&s[1].fd);
	reap(pid, &res);
	if (r < 0)
		goto out;
	res.out = s[0].o;
	res.err = s[1].o;
	s[0].o.data = s[1].o.data = NULL;
	*ret = res;

out:
	close_fd(&in);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	free(s[0].o.data);
	free(s[1].o.data);
	return r;
}

void
command_result_release(struct command_result *r)
{
	if (!r)
		return;
	free(r->out.data);
	free(r->err.data);
	r->out.data = r->err.data = NULL;
	r->out.len = r->err.len = 0;
}

size_t
command_output_last_line(const struct command_output *o, char *buf,
			 size_t size)
{
	size_t end, start, n;

	if (size)
		buf[0] = '\0';
	if (!o || !o->data)
		return 0;
	end = o->len;
	/* Line ends and blank lines at the end do not count. */
	while (end > 0 &&
	       (o->data[end - 1] == '\n' || o->data[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && o->data[start - 1] != '\n')
		start--;
	if (size) {
		n = end - start < size - 1 ? end - start : size - 1;
		memcpy(buf, o->data + start, n);
		buf[n] = '\0';
	}
	return end - start;
}
