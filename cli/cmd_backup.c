/*
 * cli/cmd_backup.c - "vss backup": a requester that runs the backup
 * sequence of spec backup.md section 2 (job.h), copies what the chosen
 * components and paths hold from the shadow copies into a backup set
 * (section 14; backup_plan.c, backup_copy.c), records each component's
 * result and ends the backup.  This file holds the options and the flow;
 * backup.h names the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/requester.h>

#include "backup.h"
#include "connect.h"

#define DEFAULT_CONFIG "/etc/vss/vss.conf"

const char cmd_backup_synopsis[] =
	"[PATH...] --to DIR [--writer W]... [--component W:LP/NAME]...\n"
	"       [--exclude-writer W]... [--no-writers] [--backup-type full|copy]\n"
	"       [--config FILE] [--json] [--quiet] [--progress|--no-progress]";

const char cmd_backup_help[] =
	"Make shadow copies of the volumes that hold the chosen components and\n"
	"paths, with the writers' help, and copy every file of them from the\n"
	"shadow copies (never the live volumes) into a new backup set DIR: the\n"
	"saved backup components document, every taking part writer's metadata,\n"
	"a manifest with a SHA-256 per file, and the data by volume and path,\n"
	"with owner, group, mode, times, xattrs, ACLs, hard links, symbolic\n"
	"links and sparse holes.  Each component is then marked succeeded or\n"
	"failed and the backup completed, which releases the shadow copies.\n"
	"\n"
	"What is backed up:\n"
	"  --writer/--component   those components, each with its writer's\n"
	"                         mandatory ones; PATHs are copied as well\n"
	"  PATH...                the components whose files lie under the\n"
	"                         paths, and the paths themselves, whole\n"
	"  neither                every component of every writer\n"
	"  --no-writers PATH...   the paths only, crash consistent\n"
	"Files a writer excludes and the entries of the [files-not-to-backup]\n"
	"section of the configuration file (KEY = /dir/pattern [/s]; ...;\n"
	"entries named after a writer taking part are ignored) are left out.\n"
	"An entry may start with $AllVolumes$ (the same place on every volume\n"
	"of the backup) or $UserProfile$ (in every home directory), as the\n"
	"[files-not-to-snapshot] entries of vssd do.\n"
	"\n"
	"A file set that a writer gives an alternate path is read from there\n"
	"and recorded at its normal path, where restore puts it.  A nested\n"
	"btrfs subvolume (one not mounted on its own) is not part of a btrfs\n"
	"shadow copy of its volume, where it is an empty directory: it is not\n"
	"copied, but named with a warning on standard error and in the\n"
	"\"skipped\" list of the report.  The btrfs provider's own .vss-shadows\n"
	"is left out silently.  A volume mounted below a recursive file set or\n"
	"a PATH joins the shadow copy set and is copied from its own shadow\n"
	"copy (BK-143); a mount of anything vss cannot shadow-copy (tmpfs) is\n"
	"skipped and named the same way.\n"
	"\n"
	"A writer that fails at freeze fails the shadow copy set: nothing is\n"
	"copied and the status is 1.  One that only reports a failure (and lets\n"
	"the set be made) is copied crash consistent, and its components are\n"
	"marked failed.  The set is kept when components or files failed, and\n"
	"the status is then 1.  On SIGINT, SIGTERM, SIGHUP or SIGQUIT the backup\n"
	"is aborted and DIR removed.\n"
	"\n"
	"Bytes, in the progress display and the summary, are the sizes of the\n"
	"regular files (a sparse file's holes count); the summary also gives\n"
	"the data bytes read (data bytes: holes left out).  The summary tells\n"
	"the set's and each writer's and volume's consistency; a writer with\n"
	"no files on the set has none.  The freeze window is left out when no\n"
	"writer was frozen.\n"
	"\n"
	"options:\n"
	"  --to DIR               the backup set to make; must not exist\n"
	"  --writer W             every component of writer W (name, class id\n"
	"                         or instance id)\n"
	"  --component W:LP/NAME  one component, by logical path and name\n"
	"  --exclude-writer W     writer W takes no part\n"
	"  --no-writers           no writers: copy the PATHs crash consistent\n"
	"  --backup-type T        full (default) or copy\n"
	"  --config FILE          read [files-not-to-backup] from FILE (default\n"
	"                         " DEFAULT_CONFIG ", if it exists)\n"
	"  --json                 print one JSON object (see docs/cli-json.md)\n"
	"  --quiet                print no progress and no summary\n"
	"  --progress             show progress on standard error even when it\n"
	"                         is not a terminal\n"
	"  --no-progress          never show progress\n"
	"  -h, --help             show this help\n";

/* ---- the command line ------------------------------------------------- */

static void
opts_release(struct backup_opts *o)
{
	size_t i;

	for (i = 0; i < o->n_paths; i++)
		free(o->paths[i]);
	free(o->paths);
	job_args_release(&o->job);
	free(o->to);
}

/* DIR made absolute, without resolving it (it must not exist yet). */
static int
absolute_target(const struct cli_command *cmd, const char *dir, char **ret)
{
	char cwd[PATH_MAX];

	if (dir[0] == '/')
		*ret = strdup(dir);
	else if (!getcwd(cwd, sizeof(cwd)))
		return cli_status_error(cmd, ".", -errno, NULL);
	else if (asprintf(ret, "%s/%s", cwd, dir) < 0)
		*ret = NULL;
	if (!*ret)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	return CLI_EXIT_OK;
}

/*
 * A DIR.partial left by an interrupted backup makes bset_create() fail
 * (-EBUSY, BSET_PARTIAL_LEFT): say so before a shadow copy is made.
 */
static int
check_no_partial(const struct cli_command *cmd, const char *to)
{
	struct stat st;
	char *partial;
	int r = CLI_EXIT_OK;

	if (asprintf(&partial, "%s.partial", to) < 0)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	if (lstat(partial, &st) == 0)
		r = cli_status_error(cmd, to, -EBUSY, BSET_PARTIAL_LEFT);
	free(partial);
	return r;
}

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct backup_opts *o)
{
	enum {
		OPT_TO = 256, OPT_CONFIG, OPT_QUIET, OPT_PROGRESS,
		OPT_NO_PROGRESS,
	};
	static const struct option longopts[] = {
		{"to", required_argument, NULL, OPT_TO},
		JOB_LONGOPT_WRITER,
		JOB_LONGOPT_COMPONENT,
		JOB_LONGOPT_EXCLUDE_WRITER,
		JOB_LONGOPT_NO_WRITERS,
		JOB_LONGOPT_BACKUP_TYPE,
		{"config", required_argument, NULL, OPT_CONFIG},
		{"quiet", no_argument, NULL, OPT_QUIET},
		{"progress", no_argument, NULL, OPT_PROGRESS},
		{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
		CLI_LONGOPT_JSON,
		CLI_LONGOPT_HELP,
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {0};
	const char *to = NULL;
	struct stat st;
	char *parent;
	int c, r;

	*o = (struct backup_opts){
		.config = DEFAULT_CONFIG,
		.format = OUTPUT_TEXT,
		.progress = -1,
	};
	r = job_args_init(&o->job, cmd, argc, "full");
	if (r != CLI_EXIT_OK)
		return r;
	o->paths = calloc((size_t)argc + 1, sizeof(*o->paths));
	if (!o->paths)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	while ((c = cli_getopt(cmd, argc, argv, CLI_SHORTOPTS, longopts,
			       &common, &r)) != -1) {
		switch (c) {
		case OPT_TO:
			to = optarg;
			break;
		case OPT_CONFIG:
			o->config = optarg;
			o->config_given = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			o->progress = 0;
			break;
		default:
			r = job_args_take(&o->job, c, optarg);
			if (r != CLI_EXIT_OK)
				return r;
		}
	}
	o->format = common.format;
	o->help = common.help;
	if (r != CLI_EXIT_OK || o->help)
		return r;
	r = job_args_finish(&o->job);
	if (r != CLI_EXIT_OK)
		return r;
	if (!to)
		return cli_usage_error(cmd, "no --to DIR given");
	if (o->job.no_writers && optind >= argc)
		return cli_usage_error(cmd, "--no-writers needs a PATH");
	/* Canonical, as the volumes of the set are found by mount point. */
	for (; optind < argc; optind++) {
		o->paths[o->n_paths] = realpath(argv[optind], NULL);
		if (!o->paths[o->n_paths])
			return cli_status_error(cmd, argv[optind], -errno,
						NULL);
		o->n_paths++;
	}
	r = absolute_target(cmd, to, &o->to);
	if (r != CLI_EXIT_OK)
		return r;
	/* Checked now too, so that no shadow copy is made in vain. */
	if (lstat(o->to, &st) == 0)
		return cli_status_error(cmd, o->to, -EEXIST, NULL);
	r = check_no_partial(cmd, o->to);
	if (r != CLI_EXIT_OK)
		return r;
	parent = strndup(o->to, (size_t)(strrchr(o->to, '/') - o->to));
	if (!parent)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	r = stat(*parent ? parent : "/", &st) < 0 ? -errno :
	    !S_ISDIR(st.st_mode)                ? -ENOTDIR :
						  0;
	if (r < 0)
		cli_status_error(cmd, *parent ? parent : "/", r, NULL);
	free(parent);
	return r < 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

/* ---- the backup ------------------------------------------------------- */

/* BK-094: what the set is, in the manifest. */
static int
finish_set(struct backup *b)
{
	vss_requester *req = job_requester(b->job);
	struct bset_info info = {
		.context = b->context,
		.backup_type = b->opts->job.opts.backup_type,
		.application_consistent = job_application_consistent(b->job),
	};
	struct vss_snapshot_prop prop;
	struct vss_set_timings t;
	char *xml = NULL;
	size_t len;
	int r;

	if (job_volume_count(b->job) > 0 &&
	    vss_requester_get_snapshot_properties(
		    req, &job_volume(b->job, 0)->snapshot_id, &prop) == 0) {
		info.snapshot_set_id = prop.snapshot_set_id;
		info.created = prop.created;
	}
	if (vss_requester_set_timings(req, &t) == 0)
		info.freeze_window_ms = t.freeze_window_ms;
	r = vss_requester_save_bcd(req, &xml, &len);
	if (r < 0)
		return r;
	r = bset_save_bcd(b->set, xml, len);
	free(xml);
	if (r < 0)
		return r;
	return bset_commit(b->set, &info);
}

/* After the shadow copies are made: the set, the copy, the end. */
static int
make_set(struct backup *b)
{
	const char *step;
	int r;

	step = b->opts->to;
	r = bset_create(&b->set, b->opts->to);
	if (r == 0) {
		step = "backup set";
		r = backup_describe_set(b);
	}
	if (r == 0) {
		step = "listing files";
		r = backup_list_objects(b);
	}
	if (r == 0) {
		backup_warn_skipped(b);
		step = "copying";
		r = backup_copy_objects(b);
	}
	if (r == -EINTR) {
		fprintf(stderr, "vss: %s: %s: interrupted by signal %d\n",
			b->cmd->name, step, cli_interrupted());
		return CLI_EXIT_FAILED;
	}
	if (r < 0)
		return cli_status_error(b->cmd, step, r,
					!b->set && r == -EBUSY ? BSET_PARTIAL_LEFT :
								 NULL);
	r = backup_record_results(b);
	if (r == CLI_EXIT_OK)
		r = job_complete(b->job);
	if (r != CLI_EXIT_OK)
		return r;
	r = finish_set(b);
	if (r < 0)
		return cli_status_error(b->cmd, b->opts->to, r, NULL);
	b->committed = true;
	return CLI_EXIT_OK;
}

static int
run(const struct cli_command *cmd, const struct backup_opts *opts)
{
	struct backup b = {.cmd = cmd, .opts = opts, .start_ms = cli_now_ms()};
	struct job_options jo = opts->job.opts;
	char err[512];
	size_t i;
	int r;

	r = fileset_rules_load(opts->config, !opts->config_given, &b.rules,
			       &b.n_rules, err, sizeof(err));
	if (r < 0)
		return cli_status_error(cmd, opts->config, r, err);
	/* Canonical already: parse_args() made them so. */
	jo.paths = opts->paths;
	jo.n_paths = opts->n_paths;
	b.context = jo.context;
	if (!opts->job.no_writers && !jo.n_writers && !jo.n_components) {
		jo.paths_select = opts->n_paths > 0;
		jo.select_all = opts->n_paths == 0;
	}
	cli_catch_signals();
	r = job_new(&b.job, &jo);
	if (r != CLI_EXIT_OK)
		goto out;
	r = job_gather(b.job);
	if (r == CLI_EXIT_OK)
		r = job_select(b.job);
	if (r == CLI_EXIT_OK)
		r = job_snapshot(b.job);
	if (r == CLI_EXIT_OK)
		r = make_set(&b);
	if (r == CLI_EXIT_OK && backup_failure_count(&b) > 0) {
		fprintf(stderr,
			"vss: %s: %s: %llu failure(s); the set is kept\n",
			cmd->name, opts->to,
			(unsigned long long)backup_failure_count(&b));
		r = CLI_EXIT_FAILED;
	}
	/* Interrupted before the commit: no report, the set is gone. */
	if ((b.committed || !cli_interrupted()) &&
	    backup_report(&b) != CLI_EXIT_OK)
		r = CLI_EXIT_FAILED;
out:
	/* Not committed: abort the backup (BK-051), remove the set. */
	job_free(b.job);
	bset_free(b.set);
	fileset_free(b.files);
	fileset_rules_free(b.rules, b.n_rules);
	for (i = 0; i < b.n_results; i++)
		free(b.results[i].message);
	free(b.results);
	free(b.result_of);
	free(b.set_component);
	free(b.set_volume);
	return r;
}

int
cmd_backup(const struct cli_command *cmd, int argc, char **argv)
{
	struct backup_opts opts;
	int r;

	r = parse_args(cmd, argc, argv, &opts);
	if (r == CLI_EXIT_OK && !opts.help)
		r = run(cmd, &opts);
	opts_release(&opts);
	return r;
}
