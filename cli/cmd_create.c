/*
 * cli/cmd_create.c - "vss create VOLUME...": make a shadow copy set of the
 * volumes with the writers that have files on them, complete the backup
 * and print the job report (vssadmin create shadow, diskshadow create,
 * vshadow VOLUME...).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "cli.h"
#include "connect.h"
#include "job.h"
#include "output.h"

const char cmd_create_synopsis[] =
    "VOLUME... [--context NAME] [--persistent] [--no-writers]\n"
    "       [--writer W]... [--component W:LOGICAL/PATH/NAME]...\n"
    "       [--exclude-writer W]... [--backup-type full|copy]\n"
    "       [--save-bcd FILE] [--json]";

const char cmd_create_help[] =
    "Make one shadow copy set of the volumes holding each VOLUME (a mount\n"
    "point or any path on one), then complete the backup: the sequence of\n"
    "spec backup.md section 2 with nothing copied.  The writers take part\n"
    "with their components whose files lie on these volumes.  As vshadow\n"
    "does, a selectable component with files on other volumes too is left\n"
    "out, and a writer takes no part when one of its mandatory components\n"
    "has files elsewhere; the report says so (left out).  The files of a\n"
    "recursive file set include those of the volumes mounted below its\n"
    "directory.  --writer and --component choose components instead, and\n"
    "the volumes of their files join the set.\n"
    "\n"
    "Without --persistent the shadow copies are auto-release: vssd deletes\n"
    "them when vss exits, as vshadow does without -p.  Use them from a\n"
    "command run by 'vss exec', or make them persistent and delete them\n"
    "later with 'vss delete'.  The contexts app-rollback, nas-rollback,\n"
    "client-accessible and client-accessible-writers are persistent too.\n"
    "\n"
    "The report gives the set, each shadow copy (volume, device: where its\n"
    "files can be read, provider, application or crash consistent), each\n"
    "writer (state, failure, ms spent in each event), the phase timings and\n"
    "the freeze window.  The exit status is 1 when any step or any writer\n"
    "taking part failed.\n"
    "\n"
    "options:\n"
    "  --context NAME      backup (default), file-share-backup,\n"
    "                      app-rollback, nas-rollback, client-accessible,\n"
    "                      client-accessible-writers\n"
    "  --persistent        keep the shadow copies after vss exits: the\n"
    "                      context becomes app-rollback (0x9) unless\n"
    "                      --context names another\n"
    "  --no-writers        no writer takes part (crash consistent): the\n"
    "                      context becomes file-share-backup (0x10)\n"
    "                      unless --context names another\n"
    "  --writer W          every component of writer W (name, class id or\n"
    "                      instance id); repeatable\n"
    "  --component W:LOGICAL/PATH/NAME\n"
    "                      one component of writer W (a top-level one:\n"
    "                      W:NAME) and the writer's mandatory ones;\n"
    "                      repeatable\n"
    "  --exclude-writer W  the writer takes no part; repeatable\n"
    "  --backup-type T     full or copy (default copy: writers keep no\n"
    "                      history of it, as diskshadow's create)\n"
    "  --save-bcd FILE     save the Backup Components Document to FILE\n"
    "  --json              print the report as JSON (docs/cli-json.md)\n"
    "  -h, --help          show this help\n";

struct create_args {
	struct cli_common common;
	struct job_args job;
	const char *save_bcd;
};

/* Returns an exit code; a->common.help set when the help was printed. */
static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct create_args *a)
{
	static const struct option longopts[] = {
	    JOB_LONGOPT_CONTEXT,
	    JOB_LONGOPT_PERSISTENT,
	    JOB_LONGOPT_NO_WRITERS,
	    JOB_LONGOPT_WRITER,
	    JOB_LONGOPT_COMPONENT,
	    JOB_LONGOPT_EXCLUDE_WRITER,
	    JOB_LONGOPT_BACKUP_TYPE,
	    {"save-bcd", required_argument, NULL, 's'},
	    CLI_LONGOPT_JSON,
	    CLI_LONGOPT_HELP,
	    {NULL, 0, NULL, 0},
	};
	const struct job_options *o = &a->job.opts;
	int c, rc;

	while ((c = cli_getopt(cmd, argc, argv, CLI_SHORTOPTS, longopts,
			       &a->common, &rc)) != -1) {
		switch (c) {
		case 's':
			a->save_bcd = optarg;
			break;
		default:
			rc = job_args_take(&a->job, c, optarg);
			if (rc != CLI_EXIT_OK)
				return rc;
		}
	}
	if (rc != CLI_EXIT_OK || a->common.help)
		return rc;
	for (; optind < argc; optind++)
		job_args_add_path(&a->job, argv[optind]);
	if (!o->n_paths && !o->n_writers && !o->n_components)
		return cli_usage_error(cmd, "no VOLUME given");
	return job_args_finish(&a->job);
}

static int
save_bcd(const struct cli_command *cmd, struct job *j, const char *path)
{
	char *xml = NULL;
	size_t len;
	int rc;

	rc = vss_requester_save_bcd(job_requester(j), &xml, &len);
	if (rc == 0)
		rc = cli_write_file_atomic(path, xml, len);
	free(xml);
	if (rc < 0)
		return cli_status_error(cmd, path, rc, NULL);
	return CLI_EXIT_OK;
}

/* The sequence up to completion; the report follows whatever happened. */
static int
run_job(const struct create_args *a, struct job *j)
{
	int rc;

	rc = job_gather(j);
	if (rc == CLI_EXIT_OK)
		rc = job_select(j);
	if (rc == CLI_EXIT_OK)
		rc = job_snapshot(j);
	if (rc == CLI_EXIT_OK)
		rc = job_complete(j);
	if (rc == CLI_EXIT_OK && a->save_bcd)
		rc = save_bcd(a->job.opts.cmd, j, a->save_bcd);
	for (size_t i = 0; i < job_writer_count(j); i++)
		if (job_writer(j, i)->failed)
			rc = CLI_EXIT_FAILED;
	return rc;
}

/*
 * Persistent: kept after vss exits, whether --persistent or the context
 * (app-rollback, nas-rollback, client-accessible...) asks for it.
 */
static bool
persistent(const struct create_args *a)
{
	return a->job.opts.context & VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE;
}

static int
report(const struct create_args *a, struct job *j)
{
	const struct cli_command *cmd = a->job.opts.cmd;
	struct output *o = NULL;
	int rc;

	rc = cli_output_new(cmd, a->common.format, &o);
	if (rc != CLI_EXIT_OK)
		return rc;
	output_begin_object(o, NULL);
	job_report(j, o);
	output_bool(o, "persistent", persistent(a));
	output_end_object(o);
	rc = cli_output_finish(cmd, o);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (a->common.format == OUTPUT_TEXT && !persistent(a) &&
	    job_volume_count(j) && job_volume(j, 0)->device)
		printf("\nThese shadow copies are auto-release: vssd deletes "
		       "them when vss exits\n(--persistent keeps them).\n");
	return CLI_EXIT_OK;
}

int
cmd_create(const struct cli_command *cmd, int argc, char **argv)
{
	struct create_args a = {0};
	struct job *j;
	int rc;

	/* Copy, as diskshadow's create: writers keep no history of it. */
	rc = job_args_init(&a.job, cmd, argc, "copy");
	if (rc == CLI_EXIT_OK)
		rc = parse_args(cmd, argc, argv, &a);
	if (rc != CLI_EXIT_OK || a.common.help)
		goto out;
	cli_catch_signals();
	rc = job_new(&j, &a.job.opts);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = run_job(&a, j);
	if (report(&a, j) != CLI_EXIT_OK)
		rc = CLI_EXIT_FAILED;
	job_free(j);
out:
	job_args_release(&a.job);
	return rc;
}
