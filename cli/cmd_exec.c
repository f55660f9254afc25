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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vss/status.h>

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
    "COMMAND gets, in volume order (n from 1):\n"
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
    "vss waits for COMMAND; SIGINT and SIGTERM are passed on to it, and\n"
    "the backup is then aborted instead of completed.  The exit status is 0\n"
    "when COMMAND exited 0 and the backup completed, otherwise 1.\n"
    "\n"
    "options:\n"
    "  --volume V          the volume holding path V; repeatable\n"
    "  --writer W          every component of writer W (name, class id or\n"
    "                      instance id); repeatable\n"
    "  --component W:LOGICAL/PATH/NAME\n"
    "                      one component of writer W; repeatable\n"
    "  --exclude-writer W  the writer takes no part; repeatable\n"
    "  --backup-type T     full (default, as vshadow) or copy\n"
    "  --context NAME      as 'vss create' (not client-accessible: those\n"
    "                      cannot be exposed)\n"
    "  --json              print the report as JSON (docs/cli-json.md);\n"
    "                      COMMAND's standard output then goes to standard\n"
    "                      error, so that standard output holds only JSON\n"
    "  -h, --help          show this help\n";

struct exec_args {
	struct job_options job;
	char **command; /* COMMAND ARGS..., NULL-terminated (from argv) */
	enum output_format format;
	bool help;
};

/* How COMMAND ended. */
struct outcome {
	bool ran;
	int exit_status; /* when it exited */
	int signal;	 /* when a signal ended it, else 0 */
};

/* ---- the command line ------------------------------------------------ */

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct exec_args *a)
{
	static const struct option longopts[] = {
	    {"volume", required_argument, NULL, 'v'},
	    {"writer", required_argument, NULL, 'w'},
	    {"component", required_argument, NULL, 'C'},
	    {"exclude-writer", required_argument, NULL, 'x'},
	    {"backup-type", required_argument, NULL, 'b'},
	    {"context", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct job_options *o = &a->job;
	const char *context = NULL, *backup_type = "full";
	int c, rc;

	opterr = 0;
	optind = 1;
	/* '+': stop at COMMAND, whose own options are not ours. */
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o->paths[o->n_paths++] = optarg;
			break;
		case 'w':
			o->writers[o->n_writers++] = optarg;
			break;
		case 'C':
			if (!strchr(optarg, ':') || *optarg == ':' ||
			    !strchr(optarg, ':')[1])
				return cli_usage_error(
				    cmd,
				    "--component '%s': give "
				    "WRITER:LOGICAL/PATH/NAME",
				    optarg);
			o->components[o->n_components++] = optarg;
			break;
		case 'x':
			o->exclude_writers[o->n_exclude_writers++] = optarg;
			break;
		case 'b':
			backup_type = optarg;
			break;
		case 'c':
			context = optarg;
			break;
		case 'j':
			a->format = OUTPUT_JSON;
			break;
		case 'h':
			cli_print_help(cmd, stdout);
			a->help = true;
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error(cmd, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error(cmd, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "no COMMAND given (after '--')");
	a->command = argv + optind;
	if (!o->n_paths && !o->n_writers && !o->n_components)
		return cli_usage_error(cmd, "no --volume, --writer or "
					    "--component given");
	rc = cli_parse_context(cmd, context, false, false, &o->context);
	if (rc == CLI_EXIT_OK)
		rc = cli_parse_backup_type(cmd, backup_type, &o->backup_type);
	if (rc != CLI_EXIT_OK)
		return rc;
	if ((o->context & VSS_VOLSNAP_ATTR_NO_WRITERS) &&
	    (o->n_writers || o->n_components || o->n_exclude_writers))
		return cli_usage_error(cmd, "--writer, --component and "
					    "--exclude-writer need a context "
					    "with writers");
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

/* ---- running COMMAND ------------------------------------------------- */

static void
on_child(int sig)
{
	(void)sig;
}

/* The environment of COMMAND (set in ours; it inherits it). */
static int
set_environment(struct job *j, char **exposed)
{
	const vss_id *set =
	    vss_bcd_snapshot_set_id(vss_requester_bcd(job_requester(j)));
	char id[VSS_ID_STRLEN], name[64], count[32];
	size_t n = job_volume_count(j);

	vss_id_format(set, id);
	snprintf(count, sizeof(count), "%zu", n);
	if (setenv("VSS_SHADOW_SET", id, 1) < 0 ||
	    setenv("VSS_SHADOW_COUNT", count, 1) < 0 ||
	    setenv("VSS_SHADOW_PATH", exposed[0], 1) < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		const struct job_volume *v = job_volume(j, i);

		vss_id_format(&v->snapshot_id, id);
		snprintf(name, sizeof(name), "VSS_SHADOW_%zu", i + 1);
		if (setenv(name, id, 1) < 0)
			return -errno;
		snprintf(name, sizeof(name), "VSS_SHADOW_PATH_%zu", i + 1);
		if (setenv(name, exposed[i], 1) < 0)
			return -errno;
		snprintf(name, sizeof(name), "VSS_SHADOW_VOLUME_%zu", i + 1);
		if (setenv(name, v->mount_point, 1) < 0)
			return -errno;
	}
	return 0;
}

/*
 * Run argv and wait for it.  SIGINT, SIGTERM and SIGCHLD stay blocked
 * except inside sigsuspend(), so a signal is never missed between the
 * check and the wait; the first SIGINT or SIGTERM is passed on.
 */
static int
run_command(const struct cli_command *cmd, char **argv, bool json,
	    struct outcome *ret)
{
	struct sigaction sa = {.sa_handler = on_child}, old_chld;
	sigset_t block, old;
	int status, forwarded = 0, sig, rc = CLI_EXIT_OK;
	pid_t pid, r;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigaction(SIGCHLD, &sa, &old_chld);
	sigprocmask(SIG_BLOCK, &block, &old);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		rc = cli_status_error(cmd, argv[0], -errno, NULL);
		goto out;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (json && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		cli_status_error(cmd, argv[0], -errno, NULL);
		_exit(127);
	}
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			rc = cli_status_error(cmd, argv[0], -errno, NULL);
			goto out;
		}
		sig = cli_interrupted();
		if (sig && !forwarded) {
			kill(pid, sig);
			forwarded = sig;
		}
		sigsuspend(&old);
	}
	ret->ran = true;
	if (WIFEXITED(status))
		ret->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		ret->signal = WTERMSIG(status);
out:
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

/* Unexpose and delete the shadow copies now rather than at exit. */
static int
clean_up(const struct cli_command *cmd, struct job *j, char **exposed)
{
	vss_requester *r = job_requester(j);
	int rc = CLI_EXIT_OK, status;
	vss_id not_deleted;
	long deleted;

	for (size_t i = 0; i < job_volume_count(j); i++) {
		const struct job_volume *v = job_volume(j, i);

		if (exposed[i]) {
			status =
			    vss_requester_unexpose_snapshot(r, &v->snapshot_id);
			if (status < 0)
				rc = cli_status_error(cmd, exposed[i], status,
						      NULL);
		}
		if (!v->device)
			continue;
		status = vss_requester_delete_snapshots(
		    r, &v->snapshot_id, VSS_OBJECT_SNAPSHOT, true, &deleted,
		    &not_deleted);
		if (status < 0)
			rc =
			    cli_status_error(cmd, v->mount_point, status, NULL);
	}
	return rc;
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
report(const struct exec_args *a, struct job *j, char **args, char **exposed,
       const struct outcome *out)
{
	const struct cli_command *cmd = a->job.cmd;
	struct output *o = NULL;
	int rc;

	rc = output_new(&o, a->format, stdout);
	if (rc < 0)
		return cli_status_error(cmd, NULL, rc, NULL);
	output_begin_object(o, NULL);
	job_report(j, o);
	output_begin_list(o, "exposed_paths");
	for (size_t i = 0; i < job_volume_count(j) && exposed[i]; i++)
		output_string(o, NULL, exposed[i]);
	output_end_list(o);
	output_begin_object(o, "command");
	output_begin_list(o, "args");
	for (char **s = args ? args : a->command; *s; s++)
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
	rc = output_finish(o);
	output_free(o);
	if (rc < 0)
		return cli_status_error(cmd, "standard output", rc, NULL);
	return CLI_EXIT_OK;
}

/* COMMAND with its placeholders expanded; caller frees each and it. */
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
			while (i > 0)
				free(args[--i]);
			free(args);
			return NULL;
		}
	}
	return args;
}

static int
run_exec(const struct exec_args *a, struct job *j, char ***ret_exposed,
	 char ***ret_args, struct outcome *out)
{
	const struct cli_command *cmd = a->job.cmd;
	char **exposed;
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
	exposed = *ret_exposed =
	    calloc(job_volume_count(j) + 1, sizeof(*exposed));
	if (!exposed)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	rc = job_snapshot(j);
	if (rc == CLI_EXIT_OK)
		rc = expose_all(cmd, j, exposed);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (set_environment(j, exposed) < 0 ||
	    !(*ret_args = expand_command(a->command, exposed)))
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	rc = run_command(cmd, *ret_args, a->format == OUTPUT_JSON, out);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (out->signal)
		fprintf(stderr, "vss: %s: %s: killed by signal %d\n", cmd->name,
			a->command[0], out->signal);
	else if (out->exit_status)
		fprintf(stderr, "vss: %s: %s: exited with status %d\n",
			cmd->name, a->command[0], out->exit_status);
	/* Interrupted: abort rather than complete (BK-051, job_free()). */
	if (cli_interrupted())
		return CLI_EXIT_FAILED;
	rc = mark_components(j, !out->signal && out->exit_status == 0);
	if (rc == CLI_EXIT_OK)
		rc = job_complete(j);
	if (rc == CLI_EXIT_OK && (out->signal || out->exit_status))
		rc = CLI_EXIT_FAILED;
	return rc;
}

int
cmd_exec(const struct cli_command *cmd, int argc, char **argv)
{
	struct exec_args a = {.job.cmd = cmd, .format = OUTPUT_TEXT};
	struct outcome out = {0};
	char **lists, **exposed = NULL, **args = NULL;
	struct job *j;
	int rc;

	/* Each list holds at most every argument. */
	lists = calloc(4 * (size_t)argc + 4, sizeof(*lists));
	if (!lists)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	a.job.writers = lists;
	a.job.components = lists + argc + 1;
	a.job.exclude_writers = lists + 2 * (argc + 1);
	a.job.paths = lists + 3 * (argc + 1);
	rc = parse_args(cmd, argc, argv, &a);
	if (rc != CLI_EXIT_OK || a.help)
		goto out;
	cli_catch_signals();
	rc = job_new(&j, &a.job);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = run_exec(&a, j, &exposed, &args, &out);
	for (size_t i = 0; i < job_writer_count(j); i++)
		if (job_writer(j, i)->failed && rc == CLI_EXIT_OK)
			rc = CLI_EXIT_FAILED;
	if (exposed && clean_up(cmd, j, exposed) != CLI_EXIT_OK &&
	    rc == CLI_EXIT_OK)
		rc = CLI_EXIT_FAILED;
	if (rc != CLI_EXIT_USAGE && exposed &&
	    report(&a, j, args, exposed, &out) != CLI_EXIT_OK)
		rc = CLI_EXIT_FAILED;
	job_free(j);
	for (size_t i = 0; args && args[i]; i++)
		free(args[i]);
	free(args);
	for (size_t i = 0; exposed && exposed[i]; i++)
		free(exposed[i]);
	free(exposed);
out:
	free(lists);
	return rc;
}
