/*
 * cli/cmd_restore.c - "vss restore": put a backup set made by "vss
 * backup" back, whole or in part, where it came from or elsewhere, with
 * the writers told before and after as spec restore.md prescribes.  This
 * file holds the options and the flow; restore.h names the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connect.h"
#include "restore.h"
#include "util/pending_restore.h"

const char cmd_restore_synopsis[] =
	"BACKUPSET [--component W:LP/NAME]... [--writer W]...\n"
	"       [--exclude-writer W]... [--to DIR] [--method METHOD]\n"
	"       [--authoritative] [--additional-restores]\n"
	"       [--restore-options TEXT] [--no-writers] [--service-command CMD]\n"
	"       [--state-dir DIR] [--dry-run] [--json] [--quiet]\n"
	"       [--progress|--no-progress]";

const char cmd_restore_help[] =
	"Restore the backup set BACKUPSET (made by vss backup).  The whole set\n"
	"is verified first (every checksum, as vss verify does): any problem\n"
	"refuses the restore.  Every destination is then checked: a path that\n"
	"would leave its volume or --to DIR (\"..\", a symbolic link or another\n"
	"file system on the way, a destination elsewhere) refuses the restore.\n"
	"Nothing is written and no writer is told before both checks pass.\n"
	"The plan (what goes where, by which method) is printed, then the\n"
	"writers that own the data are told (pre_restore), the files are put\n"
	"back, and the writers are told again (post_restore).\n"
	"\n"
	"What is restored:\n"
	"  neither --writer nor --component   every component of the set and\n"
	"                                     every plain path\n"
	"  --writer W             every component of W (name, class id or\n"
	"                         saved instance id)\n"
	"  --component W:LP/NAME  one component with its set; a subcomponent\n"
	"                         that is selectable for restore alone\n"
	"With --writer or --component, plain paths are not restored; only the\n"
	"missing directories the chosen files need are made.\n"
	"\n"
	"Each component is written under temporary names and renamed into\n"
	"place, all or nothing, with owner, mode, times, xattrs, ACLs, hard\n"
	"links and sparse holes.  Its writer's saved restore method decides\n"
	"how: if-not-there, if-can-replace (else its alternate location\n"
	"mappings), stop-restore-start and restore-stop-start (its service\n"
	"stopped and started: with systemctl when systemd runs, else through\n"
	"--service-command), to-alternate-location, at-reboot and\n"
	"at-reboot-if-cannot-replace (staged below the volume and applied at\n"
	"the next boot by vssd --apply-pending-restores, or by vssd's first\n"
	"start after it), custom (the writer restores; vss puts the\n"
	"files below --to DIR; a writer that takes no new targets is not told\n"
	"where).  Staged files are reported to the writer as not restored (they\n"
	"are not in place before the next boot).\n"
	"\n"
	"A writer that is not running, or that never takes part in restores,\n"
	"gets no events: its files are restored without it, by its saved\n"
	"method or by --method when given.  A writer whose saved metadata\n"
	"declares no method takes part and its files are restored by --method.\n"
	"A running writer older than the version that made the backup: its\n"
	"components are refused, except with --to or --no-writers.  A component\n"
	"its method cannot restore (no alternate location mapping, no valid\n"
	"service name or no way to stop it, custom without --to) fails before\n"
	"any writer is told.\n"
	"\n"
	"A restore cannot be aborted: once pre_restore is sent (without\n"
	"writers: once the writing begins), stop signals, a second one too,\n"
	"are only recorded: the restore ends after the component being\n"
	"written, services are started again, the writers are told\n"
	"(post_restore), and vss exits 1.\n"
	"\n"
	"options:\n"
	"  --to DIR               a private restore below DIR: each object at\n"
	"                         DIR/<original path>; only writers that take\n"
	"                         new targets are told; DIR is made when\n"
	"                         missing, and removed again when nothing\n"
	"                         was written there\n"
	"  --method METHOD        if-can-replace (default), if-not-there,\n"
	"                         at-reboot or at-reboot-if-cannot-replace: for\n"
	"                         plain paths, a private restore (--to) and\n"
	"                         writers that declare no method; when given,\n"
	"                         also for writers that take no part; a usage\n"
	"                         error for a writer that takes part with\n"
	"                         another method\n"
	"  --authoritative        mark every selected component authoritative\n"
	"  --additional-restores  more restores of these components follow\n"
	"  --restore-options TEXT the writers' restore options, per component\n"
	"  --no-writers           tell no writer: restore the files only\n"
	"  --service-command CMD  stop and start services with \"CMD stop\n"
	"                         SERVICE\" and \"CMD start SERVICE\" (/bin/sh;\n"
	"                         the action and the name are two arguments;\n"
	"                         Ctrl-C never reaches it); without it,\n"
	"                         systemctl when systemd runs\n"
	"  --state-dir DIR        where vssd keeps the pending restores\n"
	"                         (default $VSS_STATE_DIR, else\n"
	"                         " VSS_DEFAULT_STATE_DIR ")\n"
	"  --dry-run              print the plan only: nothing written and no\n"
	"                         writer told\n"
	"  --json                 print one JSON object (see docs/cli-json.md)\n"
	"  --quiet                print no plan, progress or summary\n"
	"  --progress             show progress on standard error even when it\n"
	"                         is not a terminal\n"
	"  --no-progress          never show progress\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 when every selected component was restored (or\n"
	"staged) and every writer is well, 1 otherwise, 2 for a usage error.\n";

/* ---- the command line ------------------------------------------------- */

static void
opts_release(struct restore_opts *o)
{
	job_args_release(&o->job);
	free(o->to);
	free(o->set_abs);
}

/* dir made absolute, without resolving it (it need not exist). */
static char *
absolute(const char *dir)
{
	char cwd[PATH_MAX], *r;

	if (dir[0] == '/')
		return strdup(dir);
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&r, "%s/%s", cwd, dir) < 0)
		return NULL;
	return r;
}

static int
check_args(const struct cli_command *cmd, struct restore_opts *o)
{
	if (o->job.no_writers &&
	    (o->authoritative || o->additional_restores || o->restore_options))
		return cli_usage_error(cmd,
				       "--authoritative, --additional-restores "
				       "and --restore-options are for writers: "
				       "not with --no-writers");
	if (!o->state_dir) {
		o->state_dir = getenv("VSS_STATE_DIR");
		if (!o->state_dir || !*o->state_dir)
			o->state_dir = VSS_DEFAULT_STATE_DIR;
	}
	return CLI_EXIT_OK;
}

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct restore_opts *o)
{
	enum {
		OPT_TO = 256, OPT_METHOD, OPT_AUTHORITATIVE, OPT_ADDITIONAL,
		OPT_RESTORE_OPTIONS, OPT_SERVICE_COMMAND, OPT_STATE_DIR,
		OPT_DRY_RUN, OPT_QUIET, OPT_PROGRESS, OPT_NO_PROGRESS,
	};
	static const struct option longopts[] = {
		JOB_LONGOPT_COMPONENT,
		JOB_LONGOPT_WRITER,
		JOB_LONGOPT_EXCLUDE_WRITER,
		JOB_LONGOPT_NO_WRITERS,
		{"to", required_argument, NULL, OPT_TO},
		{"method", required_argument, NULL, OPT_METHOD},
		{"authoritative", no_argument, NULL, OPT_AUTHORITATIVE},
		{"additional-restores", no_argument, NULL, OPT_ADDITIONAL},
		{"restore-options", required_argument, NULL,
		 OPT_RESTORE_OPTIONS},
		{"service-command", required_argument, NULL,
		 OPT_SERVICE_COMMAND},
		{"state-dir", required_argument, NULL, OPT_STATE_DIR},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"quiet", no_argument, NULL, OPT_QUIET},
		{"progress", no_argument, NULL, OPT_PROGRESS},
		{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
		CLI_LONGOPT_JSON,
		CLI_LONGOPT_HELP,
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {0};
	const char *to = NULL;
	int c, r;

	*o = (struct restore_opts){
		.method = VSS_RME_RESTORE_IF_CAN_REPLACE,
		.format = OUTPUT_TEXT,
		.progress = -1,
	};
	/* A restore takes no --backup-type. */
	r = job_args_init(&o->job, cmd, argc, NULL);
	if (r != CLI_EXIT_OK)
		return r;
	while ((c = cli_getopt(cmd, argc, argv, CLI_SHORTOPTS, longopts,
			       &common, &r)) != -1) {
		switch (c) {
		case OPT_TO:
			/* Before absolute(), which makes "" the current
			 * directory. */
			if (!*optarg)
				return cli_usage_error(
					cmd, "--to: an empty directory name");
			to = optarg;
			break;
		case OPT_METHOD:
			if (restore_method_parse(optarg, &o->method) < 0)
				return cli_usage_error(
					cmd,
					"--method '%s': if-can-replace, "
					"if-not-there, at-reboot or "
					"at-reboot-if-cannot-replace",
					optarg);
			o->method_given = true;
			break;
		case OPT_AUTHORITATIVE:
			o->authoritative = true;
			break;
		case OPT_ADDITIONAL:
			o->additional_restores = true;
			break;
		case OPT_RESTORE_OPTIONS:
			o->restore_options = optarg;
			break;
		case OPT_SERVICE_COMMAND:
			o->service_command = optarg;
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
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
	if (optind >= argc)
		return cli_usage_error(cmd, "no BACKUPSET given");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	o->set = argv[optind];
	if (to && !(o->to = absolute(to)))
		return cli_status_error(cmd, to, -errno, NULL);
	r = check_args(cmd, o);
	if (r != CLI_EXIT_OK)
		return r;
	/* The journal records where the set was (RS-043). */
	o->set_abs = realpath(o->set, NULL);
	if (!o->set_abs)
		return cli_status_error(cmd, o->set, -errno, NULL);
	return CLI_EXIT_OK;
}

/* ---- the restore ------------------------------------------------------- */

static int
run(const struct cli_command *cmd, const struct restore_opts *opts)
{
	struct restore rs = {.cmd = cmd, .opts = opts,
			     .start_ms = cli_now_ms()};
	int r;

	cli_catch_signals();
	r = restore_load(&rs);
	if (r != CLI_EXIT_OK) {
		/* A set that fails its check: the report says so too. */
		if (rs.verified_problems)
			restore_report(&rs);
		goto out;
	}
	r = restore_select(&rs);
	if (r == CLI_EXIT_OK)
		r = restore_check_places(&rs);
	if (r == CLI_EXIT_OK)
		r = restore_match(&rs);
	if (r != CLI_EXIT_OK)
		goto out;
	restore_print_plan(&rs);
	if (!opts->dry_run)
		r = restore_run(&rs);
	if (restore_report(&rs) != CLI_EXIT_OK)
		r = CLI_EXIT_FAILED;
out:
	restore_release(&rs);
	return r;
}

int
cmd_restore(const struct cli_command *cmd, int argc, char **argv)
{
	struct restore_opts opts;
	int r;

	r = parse_args(cmd, argc, argv, &opts);
	if (r == CLI_EXIT_OK && !opts.help)
		r = run(cmd, &opts);
	opts_release(&opts);
	return r;
}
