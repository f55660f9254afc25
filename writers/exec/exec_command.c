/*
 * writers/exec/exec_command.c - run one shell command (exec_command.h).
 *
 * The process itself is lib/util/runner.c's: here are what a script
 * writer's command adds to it (the shell, the user looked up with its
 * groups and environment, output split into bounded lines, the line a
 * held freeze waits for, SIGTERM before SIGKILL at the deadline).
 */
#include "exec_command.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "util/runner.h"

/* One output stream: the line being read from it. */
struct exec_output {
	bool open; /* not yet at its end */
	enum exec_stream id;
	char *line; /* max_line + 1 bytes */
	size_t len;
	bool cut;
	char last[EXEC_COMMAND_LAST_LINE]; /* last non-blank line */
};

struct exec_command {
	struct runner *runner; /* the shell, in its process group */
	bool timed_out;
	uint64_t started_ms;
	struct exec_output out, err;
	size_t max_line;
	unsigned max_lines, lines, dropped;
	exec_line_fn on_line;
	void *userdata;
	const char *until; /* the stdout line exec_command_wait() awaits */
	bool matched;
};

/* The user and environment of the shell, prepared before it starts. */
struct child_setup {
	char *argv[4];
	char **envp;
	bool as_user;
	struct runner_user user;
	gid_t *groups;
	char *env_strings[3]; /* HOME= USER= LOGNAME= of the user */
};

uint64_t
exec_now_ms(void)
{
	return runner_now_ms();
}

/* ---- before the fork ---------------------------------------------- */

/* uid, gid and groups of a user, and its HOME USER LOGNAME. */
static int
setup_user(struct child_setup *cs, const char *name)
{
	struct passwd pw, *found = NULL;
	size_t size = 4096;
	char *buf = NULL, *p;
	int r, n = 32;

	for (;;) {
		p = realloc(buf, size);
		if (!p) {
			free(buf);
			return -ENOMEM;
		}
		buf = p;
		r = getpwnam_r(name, &pw, buf, size, &found);
		if (r != ERANGE || size >= (1u << 20))
			break;
		size *= 2;
	}
	if (!found) {
		free(buf);
		return r == 0 ? -ENOENT : -r;
	}
	cs->as_user = true;
	cs->user.uid = pw.pw_uid;
	cs->user.gid = pw.pw_gid;
	for (;;) {
		gid_t *g = realloc(cs->groups, (size_t)n * sizeof(*g));
		int want = n;

		if (!g) {
			r = -ENOMEM;
			goto out;
		}
		cs->groups = g;
		if (getgrouplist(name, pw.pw_gid, g, &want) >= 0) {
			cs->user.groups = g;
			cs->user.ngroups = (size_t)want;
			break;
		}
		/* want is now the number needed. */
		n = want > n ? want : n * 2;
	}
	r = -ENOMEM;
	if (asprintf(&cs->env_strings[0], "HOME=%s", pw.pw_dir) < 0) {
		cs->env_strings[0] = NULL;
		goto out;
	}
	if (asprintf(&cs->env_strings[1], "USER=%s", pw.pw_name) < 0) {
		cs->env_strings[1] = NULL;
		goto out;
	}
	if (asprintf(&cs->env_strings[2], "LOGNAME=%s", pw.pw_name) < 0) {
		cs->env_strings[2] = NULL;
		goto out;
	}
	r = 0;
out:
	free(buf);
	return r;
}

static bool
env_is(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* The environment given, with the user's HOME USER LOGNAME if any. */
static int
setup_env(struct child_setup *cs, char *const *envp)
{
	size_t n = 0, i, k = 0;

	while (envp[n])
		n++;
	cs->envp = calloc(n + 4, sizeof(*cs->envp));
	if (!cs->envp)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (cs->as_user &&
		    (env_is(envp[i], "HOME") || env_is(envp[i], "USER") ||
		     env_is(envp[i], "LOGNAME")))
			continue;
		cs->envp[k++] = envp[i];
	}
	for (i = 0; cs->as_user && i < 3; i++)
		cs->envp[k++] = cs->env_strings[i];
	cs->envp[k] = NULL;
	return 0;
}

static void
setup_release(struct child_setup *cs)
{
	size_t i;

	free(cs->envp);
	free(cs->groups);
	for (i = 0; i < 3; i++)
		free(cs->env_strings[i]);
}

/* ---- the parent --------------------------------------------------- */

static int
output_init(struct exec_output *o, enum exec_stream id, size_t max_line)
{
	o->open = true;
	o->id = id;
	o->len = 0;
	o->cut = false;
	o->last[0] = '\0';
	o->line = malloc(max_line + 1);
	return o->line ? 0 : -ENOMEM;
}

/* Is line the awaited one (trailing blanks and CR aside)? */
static bool
line_is(const char *line, const char *want)
{
	size_t n = strlen(want), len = strlen(line);

	if (len < n || strncmp(line, want, n) != 0)
		return false;
	for (; line[n]; n++)
		if (!isspace((unsigned char)line[n]))
			return false;
	return true;
}

static bool
blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* The line read so far is complete (or the stream ended): hand it on. */
static void
output_line(struct exec_command *c, struct exec_output *o)
{
	o->line[o->len] = '\0';
	if (o->len > 0 && o->line[o->len - 1] == '\r')
		o->line[--o->len] = '\0';
	if (!blank(o->line))
		snprintf(o->last, sizeof(o->last), "%s", o->line);
	c->lines++;
	if (c->lines > c->max_lines)
		c->dropped++;
	else if (c->on_line)
		c->on_line(c->userdata, o->id, o->line, o->cut);
	if (c->until && o->id == EXEC_STDOUT && !o->cut &&
	    line_is(o->line, c->until))
		c->matched = true;
	o->len = 0;
	o->cut = false;
}

/* Output from the runner: split into lines. */
static int
on_output(void *userdata, enum runner_stream stream, const char *data,
	  size_t n)
{
	struct exec_command *c = userdata;
	struct exec_output *o = stream == RUNNER_STDOUT ? &c->out : &c->err;
	size_t i;

	if (n == 0) {
		if (o->len > 0 || o->cut)
			output_line(c, o);
		o->open = false;
	}
	for (i = 0; i < n; i++) {
		if (data[i] == '\n')
			output_line(c, o);
		else if (o->len < c->max_line)
			o->line[o->len++] = data[i];
		else
			o->cut = true;
	}
	return c->matched ? 1 : 0;
}

static void
command_free_memory(struct exec_command *c)
{
	free(c->out.line);
	free(c->err.line);
	free(c);
}

int
exec_command_start(const struct exec_command_opts *opts,
		   struct exec_command **ret)
{
	struct child_setup cs = {0};
	struct runner_opts ro = {0};
	struct exec_command *c;
	int r;

	if (!opts || !opts->command || !opts->envp || !ret)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->max_line = opts->max_line ? opts->max_line : EXEC_COMMAND_MAX_LINE;
	c->max_lines = opts->max_lines ? opts->max_lines
				       : EXEC_COMMAND_MAX_LINES;
	c->on_line = opts->on_line;
	c->userdata = opts->userdata;
	if ((r = output_init(&c->out, EXEC_STDOUT, c->max_line)) < 0 ||
	    (r = output_init(&c->err, EXEC_STDERR, c->max_line)) < 0)
		goto fail;

	cs.argv[0] = (char *)"sh";
	cs.argv[1] = (char *)"-c";
	cs.argv[2] = (char *)opts->command;
	cs.argv[3] = NULL;
	if (opts->user && (r = setup_user(&cs, opts->user)) < 0)
		goto fail;
	if ((r = setup_env(&cs, opts->envp)) < 0)
		goto fail;
	ro.path = "/bin/sh";
	ro.argv = cs.argv;
	ro.envp = cs.envp;
	ro.dir = opts->working_dir;
	ro.user = cs.as_user ? &cs.user : NULL;
	ro.stdin_pipe = opts->stdin_pipe;
	ro.fail_prefix = "vss-writerd";
	c->started_ms = exec_now_ms();
	r = runner_start(&ro, &c->runner);
	if (r < 0)
		goto fail;
	*ret = c;
	goto out;

fail:
	command_free_memory(c);
out:
	setup_release(&cs);
	return r;
}

/* Partial lines of what was cut off are handed on still. */
static void
flush_cut(struct exec_command *c)
{
	struct exec_output *o[2] = {&c->out, &c->err};
	int i;

	for (i = 0; i < 2; i++) {
		if (o[i]->open && (o[i]->len > 0 || o[i]->cut))
			output_line(c, o[i]);
		o[i]->open = false;
	}
}

int
exec_command_wait(struct exec_command *c, uint64_t deadline_ms,
		  const char *until_line)
{
	int r;

	c->until = until_line;
	c->matched = false;
	r = runner_wait(c->runner, deadline_ms, EXEC_COMMAND_GRACE_MS,
			on_output, c);
	c->until = NULL;
	switch (r) {
	case RUNNER_DONE:
		if (runner_output_cut(c->runner))
			flush_cut(c);
		return EXEC_WAIT_DONE;
	case RUNNER_STOPPED:
		return EXEC_WAIT_LINE;
	case RUNNER_DEADLINE:
		return EXEC_WAIT_DEADLINE;
	default:
		return r;
	}
}

bool
exec_command_exited(const struct exec_command *c)
{
	return runner_exited(c->runner);
}

void
exec_command_set_output(struct exec_command *c, exec_line_fn on_line,
			void *userdata)
{
	c->on_line = on_line;
	c->userdata = userdata;
}

void
exec_command_close_stdin(struct exec_command *c)
{
	runner_close_stdin(c->runner);
}

int
exec_command_signal(struct exec_command *c, int sig)
{
	return runner_signal(c->runner, sig);
}

int
exec_command_pgid(const struct exec_command *c)
{
	return (int)runner_pid(c->runner);
}

void
exec_command_kill(struct exec_command *c)
{
	c->timed_out = true;
	if (runner_exited_ms(c->runner) && !c->out.open && !c->err.open)
		return;
	runner_signal(c->runner, SIGTERM);
	if (exec_command_wait(c, exec_now_ms() + EXEC_COMMAND_KILL_MS,
			      NULL) == EXEC_WAIT_DONE)
		return;
	/*
	 * What still holds the pipes open is outside the group now, or
	 * about to die: stop reading.
	 */
	runner_signal(c->runner, SIGKILL);
	runner_stop_reading(c->runner);
}

/*
 * Reap the shell (its group killed unless it exited): its wait status,
 * or -1; *ret_exited_ms when it exited (now if its exit was not seen).
 */
static int
reap(struct exec_command *c, uint64_t *ret_exited_ms)
{
	uint64_t exited_ms = runner_exited_ms(c->runner);
	int status = runner_reap(c->runner);

	c->runner = NULL;
	*ret_exited_ms = exited_ms ? exited_ms : exec_now_ms();
	return status;
}

void
exec_command_finish(struct exec_command *c, struct exec_command_result *ret)
{
	struct exec_command_result r = {.exit_status = -1};
	bool cut = runner_output_cut(c->runner);
	uint64_t exited_ms;
	int status = reap(c, &exited_ms);

	r.end = EXEC_EXITED;
	if (status >= 0 && WIFEXITED(status)) {
		r.exit_status = WEXITSTATUS(status);
	} else if (status >= 0 && WIFSIGNALED(status)) {
		r.end = EXEC_SIGNALED;
		r.signal = WTERMSIG(status);
	}
	if (c->timed_out)
		r.end = EXEC_TIMED_OUT;
	r.elapsed_ms = (unsigned)(exited_ms - c->started_ms);
	r.lines = c->lines;
	r.lines_dropped = c->dropped;
	r.output_cut = cut;
	snprintf(r.last_line, sizeof(r.last_line), "%s",
		 c->err.last[0] ? c->err.last : c->out.last);
	command_free_memory(c);
	*ret = r;
}

void
exec_command_free(struct exec_command *c)
{
	uint64_t exited_ms;

	if (!c)
		return;
	reap(c, &exited_ms);
	command_free_memory(c);
}

int
exec_command_run(const struct exec_command_opts *opts, unsigned timeout_ms,
		 struct exec_command_result *ret)
{
	struct exec_command *c;
	int r;

	if (timeout_ms == 0 || !ret)
		return -EINVAL;
	r = exec_command_start(opts, &c);
	if (r < 0)
		return r;
	r = exec_command_wait(c, c->started_ms + timeout_ms, NULL);
	if (r < 0) {
		exec_command_free(c);
		return r;
	}
	if (r == EXEC_WAIT_DEADLINE)
		exec_command_kill(c);
	exec_command_finish(c, ret);
	return 0;
}

const char *
exec_signal_name(int sig, char buf[16])
{
	const char *name = sigabbrev_np(sig);

	if (name)
		return name;
	snprintf(buf, 16, "signal %d", sig);
	return buf;
}

int
exec_signal_parse(const char *name)
{
	const char *abbrev;
	int sig;

	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (sig = 1; sig < NSIG; sig++) {
		abbrev = sigabbrev_np(sig);
		if (abbrev && strcasecmp(abbrev, name) == 0)
			return sig;
	}
	return 0;
}
