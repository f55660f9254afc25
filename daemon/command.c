/*
 * daemon/command.c - run a program with a deadline (command.h).
 *
 * The process is lib/util/runner.c's (fork, exec, pidfd and poll, the
 * group killed at the program's exit); here are the bounded output
 * buffers and SIGKILL to the group at the deadline.  SIGKILL is also the
 * program's parent-death signal.
 */
#include "command.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "util/runner.h"

/* The buffer of one output stream. */
struct stream {
	struct command_output o;
	size_t cap; /* of o.data, including the NUL */
	size_t max;
};

static int
stream_init(struct stream *s, size_t max)
{
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
 * Output from the runner: kept up to the bound; beyond it dropped (the
 * runner goes on reading, so that the program never blocks on a full
 * pipe).  0, or -ENOMEM.
 */
static int
on_output(void *userdata, enum runner_stream stream, const char *data,
	  size_t n)
{
	struct stream *s = (struct stream *)userdata + (stream - 1);
	size_t take = n < s->max - s->o.len ? n : s->max - s->o.len;
	size_t cap;
	char *p;

	if (take < n)
		s->o.truncated = true;
	if (take == 0)
		return 0;
	if (s->o.len + take + 1 > s->cap) {
		cap = s->cap;
		while (cap < s->o.len + take + 1)
			cap *= 2;
		if (cap > s->max + 1)
			cap = s->max + 1;
		p = realloc(s->o.data, cap);
		if (!p)
			return -ENOMEM;
		s->o.data = p;
		s->cap = cap;
	}
	memcpy(s->o.data + s->o.len, data, take);
	s->o.len += take;
	s->o.data[s->o.len] = '\0';
	return 0;
}

int
command_run(const struct command_opts *opts, struct command_result *ret)
{
	struct stream s[2] = {{.o.data = NULL}, {.o.data = NULL}};
	struct command_result res = {0};
	struct runner_opts ro = {0};
	struct runner *run;
	uint64_t deadline;
	size_t max;
	int r, status;

	if (!opts || !opts->path || !opts->argv || !opts->argv[0] ||
	    !opts->envp || opts->timeout_ms == 0 || !ret)
		return -EINVAL;
	max = opts->max_output ? opts->max_output : COMMAND_OUTPUT_MAX;
	if ((r = stream_init(&s[0], max)) < 0 ||
	    (r = stream_init(&s[1], max)) < 0)
		goto out;
	ro.path = opts->path;
	ro.argv = opts->argv;
	ro.envp = opts->envp;
	/* Die with the thread that runs it, and so with the daemon. */
	ro.parent_death_signal = SIGKILL;
	deadline = runner_now_ms() + opts->timeout_ms;
	r = runner_start(&ro, &run);
	if (r < 0)
		goto out;
	/* No grace after its exit: what holds the output is waited for. */
	r = runner_wait(run, deadline, 0, on_output, s);
	if (r == RUNNER_DEADLINE)
		res.timed_out = true;
	if (r == RUNNER_DEADLINE || r < 0)
		runner_signal(run, SIGKILL);
	status = runner_reap(run);
	if (r < 0)
		goto out;
	res.exit_status = -1;
	/* -1: reaped already (SIGCHLD ignored), fate unknown. */
	if (status >= 0 && WIFEXITED(status))
		res.exit_status = WEXITSTATUS(status);
	else if (status >= 0 && WIFSIGNALED(status))
		res.signal = WTERMSIG(status);
	res.out = s[0].o;
	res.err = s[1].o;
	s[0].o.data = s[1].o.data = NULL;
	*ret = res;
	r = 0;

out:
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
