/*
 * cli/cmd_exec.c - "vss exec [...] -- COMMAND ARGS...": make a shadow copy
 * set, expose each shadow copy, run COMMAND on the exposed copies (a tar,
 * a restic backup), mark the backup succeeded or failed by its exit
 * status, complete the backup and clean up (vshadow -exec).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vss/status.h>

#include "child.h"
#include "cli.h"
#include "connect.h"
#include "job.h"
#include "output.h"

const char cmd_exec_synopsis[] =
    "[--volume V]... [--writer W]... [--component W:LOGICAL/PATH/NAME]...\n"
    "       [--exclude-writer W]... [--backup-type full|copy]\n"
    "       [--context NAME] [--json] -- COMMAND ARGS...";

const char cmd_exec_help[] =
    "Make a shadow copy set of the volumes holding each V and of the\n"
    "chosen components' files, expose each shadow copy read-only in a\n"
    "directory vssd picks, and run COMMAND there.  Its exit status marks\n"
    "every component succeeded (0) or failed (anything else); then the\n"
    "backup is completed, the shadow copies unexposed and deleted, and the\n"
    "job report printed (as 'vss create' prints it, with the command's\n"
    "exit status).  Writers take part as with 'vss create'.\n"
    "\n"
    "COMMAND gets, in volume order (n from 1), in place of any VSS_SHADOW_*\n"
    "variables vss was given (a 'vss exec' inside another):\n"
    "  VSS_SHADOW_SET       the shadow copy set id\n"
    "  VSS_SHADOW_COUNT     the number of shadow copies\n"
    "  VSS_SHADOW_<n>       the shadow copy id\n"
    "  VSS_SHADOW_PATH_<n>  where it is exposed\n"
    "  VSS_SHADOW_VOLUME_<n> the mount point of the volume it copies\n"
    "  VSS_SHADOW_PATH      the first exposed path\n"
    "In ARGS (not COMMAND itself), every '{}' becomes the first exposed\n"
    "path and every '{N}' (N a decimal number) the N-th, also inside an\n"
    "argument ('--root={}'); other braces are left alone, and there is no\n"
    "escape.\n"
    "\n"
    "vss waits for COMMAND.  Each SIGINT, SIGTERM, SIGHUP and SIGQUIT\n"
    "sent to vss is passed on to it (a Ctrl-C, Ctrl-\\ or hangup of the\n"
    "terminal reaches it directly, and is not passed on again), and the\n"
    "backup is then aborted instead of completed; a signal before COMMAND\n"
    "starts aborts without starting it.  COMMAND runs in vss's process\n"
    "group: a signal sent to the whole group (kill -TERM -PGID, a shell\n"
    "passing SIGHUP on to its jobs) or to every process of a service\n"
    "(systemctl stop) reaches COMMAND twice, once directly and once passed\n"
    "on by vss.  Without a command running, a second signal ends vss at\n"
    "once.  The shadow copies of the set are deleted at the end, whatever\n"
    "happened.\n"
    "The exit status is 0 when COMMAND exited 0 and the backup completed,\n"
    "otherwise 1 (2 for a usage error).\n"
    "\n"
    "options:\n"
    "  --volume V          the volume holding path V; repeatable\n"
    "  --writer W          every component of writer W (name, class id or\n"
    "                      instance id); repeatable\n"
    "  --component W:LOGICAL/PATH/NAME\n"
    "                      one component of writer W; repeatable\n"
    "  --exclude-writer W  the writer takes no part; repeatable\n"
    "  --backup-type T     full (default, as vshadow) or copy\n"
    "  --context NAME      as 'vss create', but not client-accessible or\n"
    "                      client-accessible-writers (those cannot be\n"
    "                      exposed)\n"
    "  --json              print the report as JSON (docs/cli-json.md);\n"
    "                      COMMAND's standard output then goes to standard\n"
    "                      error, so that standard output holds only JSON\n"
    "  -h, --help          show this help\n";

struct exec_args {
	struct cli_common common;
	struct job_args job;
	char **command; /* COMMAND ARGS..., NULL-terminated (from argv) */
};

/* How COMMAND ended. */
struct outcome {
	bool ran;
	int exit_status; /* when it exited */
	int signal;	 /* when a signal ended it, else 0 */
};

/* What the job made for COMMAND; each owned, NULL until made. */
struct exec_state {
	char **exposed; /* per volume, where it is exposed */
	char **args;	/* COMMAND with its placeholders expanded */
	char **env;	/* COMMAND's environment */
	struct outcome out;
};

/* ---- the command line ------------------------------------------------ */

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct exec_args *a)
{
	static const struct option longopts[] = {
	    {"volume", required_argument, NULL, 'v'},
	    JOB_LONGOPT_WRITER,
	    JOB_LONGOPT_COMPONENT,
	    JOB_LONGOPT_EXCLUDE_WRITER,
	    JOB_LONGOPT_BACKUP_TYPE,
	    JOB_LONGOPT_CONTEXT,
	    CLI_LONGOPT_JSON,
	    CLI_LONGOPT_HELP,
	    {NULL, 0, NULL, 0},
	};
	const struct job_options *o = &a->job.opts;
	int c, rc;

	/* '+': stop at COMMAND, whose own options are not ours. */
	while ((c = cli_getopt(cmd, argc, argv, "+" CLI_SHORTOPTS, longopts,
			       &a->common, &rc)) != -1) {
		switch (c) {
		case 'v':
			job_args_add_path(&a->job, optarg);
			break;
		default:
			rc = job_args_take(&a->job, c, optarg);
			if (rc != CLI_EXIT_OK)
				return rc;
		}
	}
	if (rc != CLI_EXIT_OK || a->common.help)
		return rc;
	if (optind >= argc)
		return cli_usage_error(cmd, "no COMMAND given (after '--')");
	a->command = argv + optind;
	if (!o->n_paths && !o->n_writers && !o->n_components)
		return cli_usage_error(cmd, "no --volume, --writer or "
					    "--component given");
	rc = job_args_finish(&a->job);
	if (rc != CLI_EXIT_OK)
		return rc;
	/* SN-030: a client-accessible shadow copy cannot be exposed. */
	if (o->context & VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE)
		return cli_usage_error(cmd,
				       "--context '%s': client-accessible "
				       "shadow copies cannot be exposed",
				       a->job.context);
	return CLI_EXIT_OK;
}

/* ---- placeholders ---------------------------------------------------- */

/*
 * The placeholder at s ("{}" is 1, "{N}" is N), its length in *ret_len;
 * 0 when s does not start one.
 */
static size_t
placeholder(const char *s, size_t *ret_len)
{
	size_t n = 0, i = 1;

	if (s[0] != '{')
		return 0;
	if (s[1] == '}') {
		*ret_len = 2;
		return 1;
	}
	while (isdigit((unsigned char)s[i]) && n < 100000)
		n = n * 10 + (size_t)(s[i++] - '0');
	if (i == 1 || s[i] != '}' || n == 0)
		return 0;
	*ret_len = i + 1;
	return n;
}

/* The highest N the arguments refer to. */
static size_t
highest_placeholder(char **args)
{
	size_t max = 0, n, len;

	for (; *args; args++)
		for (const char *s = *args; *s; s++)
			if ((n = placeholder(s, &len)) > max)
				max = n;
	return max;
}

/* arg with its placeholders replaced; caller owns, free(). */
static char *
expand(const char *arg, char **paths)
{
	size_t n, len, size = 1;
	char *out, *p;

	for (const char *s = arg; *s; s++)
		size += (n = placeholder(s, &len)) ? strlen(paths[n - 1]) : 1;
	out = p = malloc(size);
	if (!out)
		return NULL;
	while (*arg) {
		if ((n = placeholder(arg, &len))) {
			p = stpcpy(p, paths[n - 1]);
			arg += len;
		} else {
			*p++ = *arg++;
		}
	}
	*p = '\0';
	return out;
}

/* ---- COMMAND's environment ------------------------------------------ */

extern char **environ;

static void
strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Append a formatted string to v at *n; false when out of memory. */
static bool __attribute__((format(printf, 3, 4)))
strv_addf(char **v, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&v[*n], fmt, ap);
	va_end(ap);
	if (r < 0) {
		v[*n] = NULL;
		return false;
	}
	(*n)++;
	return true;
}

/*
 * Our environment without the VSS_SHADOW_* variables a "vss exec" around
 * us set, and those of this set.  Caller owns; free with strv_free();
 * NULL when out of memory.
 */
static char **
make_environment(struct job *j, char **exposed)
{
	static const char prefix[] = "VSS_SHADOW_";
	size_t n_env = 0, n = job_volume_count(j), k = 0;
	char id[VSS_ID_STRLEN], sid[VSS_ID_STRLEN];
	bool ok = true;
	vss_id set;
	char **env;

	while (environ[n_env])
		n_env++;
	/* Ours, SET, COUNT, PATH and three per volume, and the NULL. */
	env = calloc(n_env + 3 + 3 * n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n_env && ok; i++)
		if (strncmp(environ[i], prefix, sizeof(prefix) - 1) != 0)
			ok = strv_addf(env, &k, "%s", environ[i]);
	job_snapshot_set_id(j, &set);
	vss_id_format(&set, sid);
	ok = ok && strv_addf(env, &k, "VSS_SHADOW_SET=%s", sid) &&
	     strv_addf(env, &k, "VSS_SHADOW_COUNT=%zu", n) &&
	     strv_addf(env, &k, "VSS_SHADOW_PATH=%s", exposed[0]);
	for (size_t i = 0; i < n && ok; i++) {
		const struct job_volume *v = job_volume(j, i);

		vss_id_format(&v->snapshot_id, id);
		ok = strv_addf(env, &k, "VSS_SHADOW_%zu=%s", i + 1, id) &&
		     strv_addf(env, &k, "VSS_SHADOW_PATH_%zu=%s", i + 1,
			       exposed[i]) &&
		     strv_addf(env, &k, "VSS_SHADOW_VOLUME_%zu=%s", i + 1,
			       v->mount_point);
	}
	if (!ok) {
		strv_free(env);
		return NULL;
	}
	return env;
}

/* COMMAND with its placeholders expanded; free with strv_free(). */
static char **
expand_command(char **command, char **exposed)
{
	size_t n = 0;
	char **args;

	while (command[n])
		n++;
	args = calloc(n + 1, sizeof(*args));
	if (!args)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		args[i] = i ? expand(command[i], exposed) : strdup(command[i]);
		if (!args[i]) {
			strv_free(args);
			return NULL;
		}
	}
	return args;
}

/* ---- running COMMAND ------------------------------------------------- */

static void
on_child(int sig)
{
	(void)sig;
}

/* A signal came before COMMAND started: abort without starting it. */
static int
not_started(const struct cli_command *cmd, const char *command)
{
	fprintf(stderr, "vss: %s: %s: not started: interrupted by signal %d\n",
		cmd->name, command, cli_interrupted());
	return CLI_EXIT_FAILED;
}

/*
 * Run argv and wait for it.  The stop signals and SIGCHLD stay blocked
 * except inside sigsuspend(), so a signal is never missed between the
 * check and the wait; each stop signal a process sends vss is passed on
 * (cli_defer_escalation()).  CLI_EXIT_OK when it ran, whatever its
 * status; otherwise (it could not start, or a signal came first: then
 * it is not started) the failure is printed.
 */
static int
run_command(const struct cli_command *cmd, char **argv, char **env, bool json,
	    struct outcome *ret)
{
	struct sigaction sa = {.sa_handler = on_child}, old_chld;
	sigset_t block, old;
	int status, sig, err, rc = CLI_EXIT_OK;
	pid_t pid, r;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	cli_add_stop_signals(&block);
	sigaddset(&block, SIGCHLD);
	sigaction(SIGCHLD, &sa, &old_chld);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* One that came since the caller's last look: none comes now. */
	if (cli_interrupted()) {
		rc = not_started(cmd, argv[0]);
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	cli_defer_escalation(true);
	/* --json: standard output holds the report alone. */
	err = child_spawn(argv, env, &old,
			  json ? CHILD_STDOUT_TO_STDERR : 0, &pid);
	if (err) {
		rc = cli_status_error(cmd, argv[0], -err, NULL);
		goto out;
	}
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			rc = cli_status_error(cmd, argv[0], -errno, NULL);
			goto out;
		}
		while ((sig = cli_signal_to_forward()))
			kill(pid, sig);
		sigsuspend(&old);
	}
	ret->ran = true;
	if (WIFEXITED(status))
		ret->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		ret->signal = WTERMSIG(status);
out:
	cli_defer_escalation(false);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	return rc;
}

/* ---- the job --------------------------------------------------------- */

/* Every explicit component succeeded or failed with COMMAND (BK-018). */
static int
mark_components(struct job *j, bool succeeded)
{
	int rc = CLI_EXIT_OK;

	for (size_t i = 0; i < job_writer_count(j); i++) {
		const vss_selection *sel = job_writer(j, i)->selection;
		size_t n = sel ? vss_selection_explicit_count(sel) : 0;

		for (size_t k = 0; k < n && rc == CLI_EXIT_OK; k++)
			rc = job_set_component_result(
			    j, i, vss_selection_explicit(sel, k), succeeded);
	}
	return rc;
}

/*
 * Delete the set now rather than at exit: by its id, so that shadow
 * copies made by a DoSnapshotSet that then failed go too, persistent ones
 * included; exposures go with them.
 */
static int
clean_up(const struct cli_command *cmd, struct job *j)
{
	char text[VSS_ID_STRLEN];
	vss_id set, not_deleted;
	long deleted;
	int status;

	if (!job_snapshot_set_id(j, &set))
		return CLI_EXIT_OK;
	status = vss_requester_delete_snapshots(job_requester(j), &set,
						VSS_OBJECT_SNAPSHOT_SET, true,
						&deleted, &not_deleted);
	/* Nothing was made. */
	if (status == VSS_E_OBJECT_NOT_FOUND)
		return CLI_EXIT_OK;
	if (status < 0) {
		vss_id_format(&set, text);
		return cli_status_error(cmd, text, status, NULL);
	}
	return CLI_EXIT_OK;
}

static int
expose_all(const struct cli_command *cmd, struct job *j, char **exposed)
{
	int rc;

	for (size_t i = 0; i < job_volume_count(j); i++) {
		rc = vss_requester_expose_snapshot(
		    job_requester(j), &job_volume(j, i)->snapshot_id, NULL,
		    &exposed[i]);
		if (rc < 0)
			return cli_status_error(
			    cmd, job_volume(j, i)->mount_point, rc, NULL);
	}
	return CLI_EXIT_OK;
}

static int
report(const struct exec_args *a, struct job *j, const struct exec_state *st)
{
	const struct cli_command *cmd = a->job.opts.cmd;
	const struct outcome *out = &st->out;
	struct output *o;
	int rc;

	rc = cli_output_new(cmd, a->common.format, &o);
	if (rc != CLI_EXIT_OK)
		return rc;
	output_begin_object(o, NULL);
	job_report(j, o);
	output_begin_list(o, "exposed_paths");
	for (size_t i = 0;
	     st->exposed && i < job_volume_count(j) && st->exposed[i]; i++)
		output_string(o, NULL, st->exposed[i]);
	output_end_list(o);
	output_begin_object(o, "command");
	output_begin_list(o, "args");
	for (char **s = st->args ? st->args : a->command; *s; s++)
		output_string(o, NULL, *s);
	output_end_list(o);
	if (out->ran && !out->signal)
		output_int(o, "exit_status", out->exit_status);
	else
		output_null(o, "exit_status");
	if (out->signal)
		output_int(o, "signal", out->signal);
	else
		output_null(o, "signal");
	output_end_object(o);
	output_end_object(o);
	return cli_output_finish(cmd, o);
}

static int
run_exec(const struct exec_args *a, struct job *j, struct exec_state *st)
{
	const struct cli_command *cmd = a->job.opts.cmd;
	struct outcome *out = &st->out;
	bool succeeded;
	size_t need;
	int rc;

	rc = job_gather(j);
	if (rc == CLI_EXIT_OK)
		rc = job_select(j);
	if (rc != CLI_EXIT_OK)
		return rc;
	need = highest_placeholder(a->command + 1);
	if (need > job_volume_count(j))
		return cli_usage_error(cmd,
				       "'{%zu}' names shadow copy %zu of "
				       "%zu",
				       need, need, job_volume_count(j));
	/* One more ends the list. */
	st->exposed = calloc(job_volume_count(j) + 1, sizeof(*st->exposed));
	if (!st->exposed)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	rc = job_snapshot(j);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (cli_interrupted())
		return not_started(cmd, a->command[0]);
	rc = expose_all(cmd, j, st->exposed);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (cli_interrupted())
		return not_started(cmd, a->command[0]);
	st->args = expand_command(a->command, st->exposed);
	st->env = st->args ? make_environment(j, st->exposed) : NULL;
	if (!st->env)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	/* A COMMAND that cannot start fails the backup like one that fails. */
	run_command(cmd, st->args, st->env, a->common.format == OUTPUT_JSON,
		    out);
	if (out->signal)
		fprintf(stderr, "vss: %s: %s: killed by signal %d\n", cmd->name,
			a->command[0], out->signal);
	else if (out->exit_status)
		fprintf(stderr, "vss: %s: %s: exited with status %d\n",
			cmd->name, a->command[0], out->exit_status);
	/* Interrupted: abort rather than complete (BK-051, job_free()). */
	if (cli_interrupted())
		return CLI_EXIT_FAILED;
	succeeded = out->ran && !out->signal && out->exit_status == 0;
	rc = mark_components(j, succeeded);
	if (rc == CLI_EXIT_OK)
		rc = job_complete(j);
	if (rc == CLI_EXIT_OK && !succeeded)
		rc = CLI_EXIT_FAILED;
	return rc;
}

int
cmd_exec(const struct cli_command *cmd, int argc, char **argv)
{
	struct exec_args a = {0};
	struct exec_state st = {0};
	struct job *j;
	int rc;

	/* Full, as vshadow. */
	rc = job_args_init(&a.job, cmd, argc, "full");
	if (rc == CLI_EXIT_OK)
		rc = parse_args(cmd, argc, argv, &a);
	if (rc != CLI_EXIT_OK || a.common.help)
		goto out;
	cli_catch_signals();
	rc = job_new(&j, &a.job.opts);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = run_exec(&a, j, &st);
	for (size_t i = 0; i < job_writer_count(j); i++)
		if (job_writer(j, i)->failed && rc == CLI_EXIT_OK)
			rc = CLI_EXIT_FAILED;
	if (clean_up(cmd, j) != CLI_EXIT_OK && rc == CLI_EXIT_OK)
		rc = CLI_EXIT_FAILED;
	if (rc != CLI_EXIT_USAGE && report(&a, j, &st) != CLI_EXIT_OK)
		rc = CLI_EXIT_FAILED;
	job_free(j);
	strv_free(st.args);
	strv_free(st.env);
	strv_free(st.exposed);
out:
	job_args_release(&a.job);
	return rc;
}
