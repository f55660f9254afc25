/*
 * cli/cmd_delete.c - "vss delete": delete shadow copies by id, by set, by
 * volume (all or the oldest), all of them, or the one exposed at a path,
 * as vssadmin delete shadows, diskshadow delete shadows and vshadow -d*
 * do (SN-021).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include <vss/requester.h>
#include <vss/status.h>

#include "cli.h"
#include "connect.h"
#include "manage.h"
#include "output.h"

const char cmd_delete_synopsis[] =
	"--id ID | --set ID | --volume V [--oldest] | --all --yes | "
	"--exposed PATH [--force] [--json]";

const char cmd_delete_help[] =
	"Delete shadow copies of every context; exactly one of:\n"
	"\n"
	"  --id ID         the shadow copy ID\n"
	"  --set ID        every shadow copy of the shadow copy set ID\n"
	"  --volume V      every shadow copy of the volume mounted at V\n"
	"  --volume V --oldest\n"
	"                  only the oldest shadow copy of that volume\n"
	"  --all --yes     every shadow copy vssd has; --yes confirms it\n"
	"  --exposed PATH  the shadow copy exposed at PATH\n"
	"\n"
	"Only persistent shadow copies are deleted unless --force is given,\n"
	"as vssadmin and vshadow -da/-do delete only their own kind: an\n"
	"auto-release shadow copy belongs to the session that made it (a\n"
	"running 'vss exec' or backup), and goes when that session ends.\n"
	"--volume and --all leave them alone and print how many they\n"
	"skipped; --id, --set and --exposed refuse one (EBUSY).\n"
	"\n"
	"An exposed shadow copy is unexposed first.  Shadow copies go one at\n"
	"a time; the first that cannot be deleted stops the command.  The\n"
	"number deleted is printed either way, and on failure also the\n"
	"shadow copy it stopped at.  Deleting no shadow copy of a volume\n"
	"that has none is a success; an unknown id or set is an error.\n"
	"Ids: XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, braces optional.\n"
	"\n"
	"options:\n"
	"  --force     delete auto-release shadow copies too, and ask the\n"
	"              provider to do all it can to delete (vssd always\n"
	"              does)\n"
	"  --json      print one JSON object instead (see docs/cli-json.md)\n"
	"  -h, --help  show this help\n"
	"\n"
	"exit status: 0 deleted, 1 vssd unreachable, a shadow copy refused\n"
	"or a deletion failed, 2 usage error.\n";

enum delete_form {
	DELETE_NONE,
	DELETE_ID,
	DELETE_SET,
	DELETE_VOLUME,
	DELETE_ALL,
	DELETE_EXPOSED,
};

struct delete_opts {
	struct cli_common common;
	enum delete_form form;
	bool oldest;
	bool yes;
	bool force;
	vss_id id;           /* --id, --set */
	const char *path;    /* --volume, --exposed, as given */
	char canonical[PATH_MAX];
};

/* Record the form an option asks for; two forms are a usage error. */
static int
set_form(const struct cli_command *cmd, struct delete_opts *opts,
	 enum delete_form form)
{
	if (opts->form != DELETE_NONE)
		return cli_usage_error(cmd, "--id, --set, --volume, --all and "
					    "--exposed exclude each other");
	opts->form = form;
	return CLI_EXIT_OK;
}

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct delete_opts *opts)
{
	static const struct option longopts[] = {
		{"id", required_argument, NULL, 'i'},
		{"set", required_argument, NULL, 's'},
		{"volume", required_argument, NULL, 'V'},
		{"oldest", no_argument, NULL, 'o'},
		{"all", no_argument, NULL, 'a'},
		{"yes", no_argument, NULL, 'y'},
		{"exposed", required_argument, NULL, 'e'},
		{"force", no_argument, NULL, 'f'},
		CLI_LONGOPT_JSON,
		CLI_LONGOPT_HELP,
		{NULL, 0, NULL, 0},
	};
	int c, r;

	*opts = (struct delete_opts){0};
	while ((c = cli_getopt(cmd, argc, argv, CLI_SHORTOPTS, longopts,
			       &opts->common, &r)) != -1) {
		switch (c) {
		case 'i':
			r = set_form(cmd, opts, DELETE_ID);
			if (r == CLI_EXIT_OK)
				r = cli_parse_id(cmd, optarg,
						 "shadow copy id", &opts->id);
			break;
		case 's':
			r = set_form(cmd, opts, DELETE_SET);
			if (r == CLI_EXIT_OK)
				r = cli_parse_id(cmd, optarg,
						 "shadow copy set id",
						 &opts->id);
			break;
		case 'V':
			r = set_form(cmd, opts, DELETE_VOLUME);
			opts->path = optarg;
			break;
		case 'e':
			r = set_form(cmd, opts, DELETE_EXPOSED);
			opts->path = optarg;
			break;
		case 'a':
			r = set_form(cmd, opts, DELETE_ALL);
			break;
		case 'o':
			opts->oldest = true;
			break;
		case 'y':
			opts->yes = true;
			break;
		case 'f':
			opts->force = true;
			break;
		}
		if (r != CLI_EXIT_OK)
			return r;
	}
	if (r != CLI_EXIT_OK || opts->common.help)
		return r;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (opts->form == DELETE_NONE)
		return cli_usage_error(cmd, "what to delete: --id, --set, "
					    "--volume, --all or --exposed");
	if (opts->oldest && opts->form != DELETE_VOLUME)
		return cli_usage_error(cmd, "--oldest needs --volume");
	/* vshadow -da asks before deleting everything; a script says --yes. */
	if (opts->form == DELETE_ALL && !opts->yes)
		return cli_usage_error(cmd, "--all deletes every shadow copy "
					    "of every context: add --yes to "
					    "confirm");
	if (opts->yes && opts->form != DELETE_ALL)
		return cli_usage_error(cmd, "--yes is for --all");
	if (opts->path)
		return manage_canonical_path(cmd, opts->path, opts->canonical);
	return CLI_EXIT_OK;
}

static bool
is_persistent(const struct vss_snapshot_prop *s)
{
	return s->attributes & VSS_VOLSNAP_ATTR_PERSISTENT;
}

/* What a failed request was about, for its message. */
static void
describe(const struct delete_opts *opts, const vss_id *id, char *out,
	 size_t size)
{
	char text[VSS_ID_STRLEN];

	vss_id_format(id, text);
	switch (opts->form) {
	case DELETE_ID:
		snprintf(out, size, "shadow copy %s", text);
		break;
	case DELETE_SET:
		snprintf(out, size, "shadow copy set %s", text);
		break;
	case DELETE_VOLUME:
	case DELETE_EXPOSED:
		snprintf(out, size, "%s", opts->canonical);
		break;
	case DELETE_ALL:
	case DELETE_NONE:
		snprintf(out, size, "all shadow copies");
		break;
	}
}

/*
 * --id, --set, --exposed: the shadow copy or set id must exist, and
 * without --force hold no auto-release shadow copy, which its session
 * still uses (vssd releases those when the session ends).
 */
static int
check_named(const struct cli_command *cmd, const struct delete_opts *opts,
	    vss_requester *r, const vss_id *id)
{
	struct vss_snapshot_prop *props;
	char subject[PATH_MAX + 64], text[VSS_ID_STRLEN];
	size_t n, i;
	int rc;

	describe(opts, id, subject, sizeof(subject));
	rc = manage_query_named(cmd, r, id,
				opts->form == DELETE_SET ?
					VSS_OBJECT_SNAPSHOT_SET :
					VSS_OBJECT_SNAPSHOT,
				subject, &props, &n);
	if (rc != CLI_EXIT_OK)
		return rc;
	for (i = 0; i < n && (opts->force || is_persistent(&props[i])); i++)
		;
	if (i < n && opts->form == DELETE_EXPOSED) {
		vss_id_format(&props[i].snapshot_id, text);
		snprintf(subject, sizeof(subject), "shadow copy %s", text);
	}
	vss_snapshot_props_free(props, n);
	if (i < n)
		return cli_status_error(cmd, subject, -EBUSY,
					"an auto-release shadow copy belongs "
					"to the session that made it and goes "
					"when it ends; --force deletes it "
					"anyway");
	return CLI_EXIT_OK;
}

/*
 * --volume, --all without --force: delete the persistent shadow copies
 * one at a time, stopping at the first failure, and count the
 * auto-release ones left alone in *skipped.  --oldest deletes the
 * oldest persistent one.
 */
static int
delete_persistent(const struct delete_opts *opts, vss_requester *r,
		  long *deleted, long *skipped, vss_id *stopped_at)
{
	struct vss_snapshot_prop *props = NULL, *oldest = NULL;
	const char *volume;
	vss_id stop;
	long one;
	size_t n = 0, i;
	int rc;

	volume = opts->form == DELETE_VOLUME ? opts->canonical : NULL;
	rc = vss_requester_query_snapshots(r, NULL, NULL, volume, &props, &n);
	if (rc < 0)
		return rc;
	*deleted = 0;
	*skipped = 0;
	for (i = 0; i < n; i++) {
		if (!is_persistent(&props[i]))
			++*skipped;
		else if (!oldest || props[i].created < oldest->created)
			oldest = &props[i];
	}
	for (i = 0; i < n && rc >= 0; i++) {
		if (!is_persistent(&props[i]) ||
		    (opts->oldest && &props[i] != oldest))
			continue;
		one = -1;
		rc = vss_requester_delete_snapshots(r, &props[i].snapshot_id,
						    VSS_OBJECT_SNAPSHOT, false,
						    &one, &stop);
		/* Gone since the query, as asked: not a failure. */
		if (rc == VSS_E_OBJECT_NOT_FOUND)
			rc = 0;
		else if (rc < 0)
			*stopped_at = props[i].snapshot_id;
		else
			*deleted += one;
	}
	vss_snapshot_props_free(props, n);
	return rc < 0 ? rc : 0;
}

/*
 * Delete what opts names (id: the shadow copy for --exposed); *skipped:
 * the auto-release shadow copies left alone.
 */
static int
delete_shadows(const struct delete_opts *opts, vss_requester *r,
	       const vss_id *id, long *deleted, long *skipped,
	       vss_id *stopped_at)
{
	*skipped = 0;
	switch (opts->form) {
	case DELETE_ID:
	case DELETE_EXPOSED:
		return vss_requester_delete_snapshots(r, id,
						      VSS_OBJECT_SNAPSHOT,
						      opts->force, deleted,
						      stopped_at);
	case DELETE_SET:
		return vss_requester_delete_snapshots(r, id,
						      VSS_OBJECT_SNAPSHOT_SET,
						      opts->force, deleted,
						      stopped_at);
	case DELETE_VOLUME:
		if (!opts->force)
			break;
		return vss_requester_delete_volume_snapshots(
			r, opts->canonical, opts->oldest, deleted,
			stopped_at);
	case DELETE_ALL:
		if (!opts->force)
			break;
		return vss_requester_delete_volume_snapshots(
			r, NULL, false, deleted, stopped_at);
	case DELETE_NONE:
		return -EINVAL;
	}
	return delete_persistent(opts, r, deleted, skipped, stopped_at);
}

int
cmd_delete(const struct cli_command *cmd, int argc, char **argv)
{
	struct delete_opts opts;
	struct output *o = NULL;
	vss_requester *r = NULL;
	vss_id id, stopped_at = {0};
	char subject[PATH_MAX + 64], text[VSS_ID_STRLEN];
	long deleted = -1, skipped = 0;
	int rc, status;

	rc = parse_args(cmd, argc, argv, &opts);
	if (rc != CLI_EXIT_OK || opts.common.help)
		return rc;
	cli_catch_signals();
	rc = cli_connect(cmd, VSS_CTX_ALL, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	id = opts.id;
	if (opts.form == DELETE_EXPOSED)
		rc = manage_find_exposed(cmd, r, opts.canonical, &id);
	if (rc == CLI_EXIT_OK && (opts.form == DELETE_ID ||
				  opts.form == DELETE_SET ||
				  opts.form == DELETE_EXPOSED))
		rc = check_named(cmd, &opts, r, &id);
	if (rc != CLI_EXIT_OK) {
		vss_requester_free(r);
		return rc;
	}
	status = delete_shadows(&opts, r, &id, &deleted, &skipped,
				&stopped_at);
	vss_requester_free(r);
	/* Nothing deleted and nothing known: the request itself failed. */
	if (deleted < 0) {
		describe(&opts, &id, subject, sizeof(subject));
		return cli_status_error(cmd, subject, status, NULL);
	}
	rc = cli_output_new(cmd, opts.common.format, &o);
	if (rc != CLI_EXIT_OK)
		return rc;
	output_begin_object(o, NULL);
	output_int(o, "deleted", deleted);
	output_int(o, "skipped", skipped);
	output_id(o, "stopped_at", &stopped_at);
	output_end_object(o);
	rc = cli_output_finish(cmd, o);
	if (skipped > 0)
		fprintf(stderr,
			"vss: delete: left %ld auto-release shadow cop%s "
			"alone (--force deletes them too)\n",
			skipped, skipped == 1 ? "y" : "ies");
	if (status < 0) {
		vss_id_format(&stopped_at, text);
		snprintf(subject, sizeof(subject),
			 "stopped at shadow copy %s", text);
		return cli_status_error(cmd, subject, status, NULL);
	}
	return rc;
}
