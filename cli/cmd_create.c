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
    "with their components whose files lie on these volumes; a writer with\n"
    "files on other volumes too is left out (as vshadow does), and the\n"
    "report says so.  --writer and --component choose components instead,\n"
    "and their volumes join the set.\n"
    "\n"
    "Without --persistent the shadow copies are auto-release: vssd deletes\n"
    "them when vss exits, as vshadow does without -p.  Use them from a\n"
    "command run by 'vss exec', or make them persistent and delete them\n"
    "later with 'vss delete'.\n"
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
    "  --persistent        keep the shadow copies after vss exits\n"
    "  --no-writers        no writer takes part (crash consistent)\n"
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
	struct job_options job;
	const char *save_bcd;
	bool persistent;
	enum output_format format;
	bool help;
};

/* Returns an exit code; args->help set when the help was printed. */
static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct create_args *a)
{
	static const struct option longopts[] = {
	    {"context", required_argument, NULL, 'c'},
	    {"persistent", no_argument, NULL, 'p'},
	    {"no-writers", no_argument, NULL, 'n'},
	    {"writer", required_argument, NULL, 'w'},
	    {"component", required_argument, NULL, 'C'},
	    {"exclude-writer", required_argument, NULL, 'x'},
	    {"backup-type", required_argument, NULL, 'b'},
	    {"save-bcd", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct job_options *o = &a->job;
	const char *context = NULL, *backup_type = "copy";
	bool no_writers = false;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			context = optarg;
			break;
		case 'p':
			a->persistent = true;
			break;
		case 'n':
			no_writers = true;
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
		case 's':
			a->save_bcd = optarg;
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
	for (; optind < argc; optind++)
		o->paths[o->n_paths++] = argv[optind];
	if (!o->n_paths && !o->n_writers && !o->n_components)
		return cli_usage_error(cmd, "no VOLUME given");
	rc = cli_parse_context(cmd, context, a->persistent, no_writers,
			       &o->context);
	if (rc == CLI_EXIT_OK)
		rc = cli_parse_backup_type(cmd, backup_type, &o->backup_type);
	if (rc != CLI_EXIT_OK)
		return rc;
	/* vshadow: -nw excludes -wi and -wx. */
	if ((o->context & VSS_VOLSNAP_ATTR_NO_WRITERS) &&
	    (o->n_writers || o->n_components || o->n_exclude_writers))
		return cli_usage_error(cmd, "--writer, --component and "
					    "--exclude-writer need writers: "
					    "not with --no-writers or a "
					    "context without writers");
	return CLI_EXIT_OK;
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
		rc = save_bcd(a->job.cmd, j, a->save_bcd);
	for (size_t i = 0; i < job_writer_count(j); i++)
		if (job_writer(j, i)->failed)
			rc = CLI_EXIT_FAILED;
	return rc;
}

static int
report(const struct create_args *a, struct job *j)
{
	const struct cli_command *cmd = a->job.cmd;
	struct output *o = NULL;
	int rc;

	rc = output_new(&o, a->format, stdout);
	if (rc < 0)
		return cli_status_error(cmd, NULL, rc, NULL);
	output_begin_object(o, NULL);
	job_report(j, o);
	output_bool(o, "persistent", a->persistent);
	output_end_object(o);
	rc = output_finish(o);
	output_free(o);
	if (rc < 0)
		return cli_status_error(cmd, "standard output", rc, NULL);
	if (a->format == OUTPUT_TEXT && !a->persistent && job_volume_count(j) &&
	    job_volume(j, 0)->device)
		printf("\nThese shadow copies are auto-release: vssd deletes "
		       "them when vss exits\n(--persistent keeps them).\n");
	return CLI_EXIT_OK;
}

int
cmd_create(const struct cli_command *cmd, int argc, char **argv)
{
	struct create_args a = {.job.cmd = cmd, .format = OUTPUT_TEXT};
	char **lists;
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
	rc = run_job(&a, j);
	if (report(&a, j) != CLI_EXIT_OK)
		rc = CLI_EXIT_FAILED;
	job_free(j);
out:
	free(lists);
	return rc;
}
