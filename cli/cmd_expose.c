/*
 * cli/cmd_expose.c - "vss expose ID [PATH]" and "vss unexpose ID|PATH":
 * make a shadow copy readable at a directory and undo it (SN-030..SN-033),
 * as diskshadow expose/unexpose and vshadow -el do.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/requester.h>
#include <vss/status.h>

#include "cli.h"
#include "connect.h"
#include "manage.h"
#include "output.h"
#include "util/mountinfo.h"

const char cmd_expose_synopsis[] = "ID [PATH] [--json]";

const char cmd_expose_help[] =
	"Make the persistent shadow copy ID readable, read-only, at PATH,\n"
	"an existing empty directory; without PATH vssd picks a directory\n"
	"under its expose_dir.  Prints where it is exposed.  It stays\n"
	"exposed until 'vss unexpose' or 'vss delete'.  As on Windows, only\n"
	"persistent shadow copies ('vss create --persistent') can be exposed\n"
	"this way: an auto-release one would lose its exposure when this\n"
	"command ends; 'vss exec' exposes the shadow copies it makes for the\n"
	"command it runs.\n"
	"ID: XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, braces optional.\n"
	"\n"
	"options:\n"
	"  --json      print one JSON object instead (see docs/cli-json.md)\n"
	"  -h, --help  show this help\n"
	"\n"
	"exit status: 0 exposed, 1 vssd unreachable or the exposure failed\n"
	"(VSS_E_OBJECT_NOT_FOUND: no such shadow copy,\n"
	"VSS_E_OBJECT_ALREADY_EXISTS: already exposed, or PATH is where\n"
	"another shadow copy or file system is mounted, ENOTEMPTY: PATH is\n"
	"not empty, ENOTDIR: PATH is no directory, EINVAL: not a\n"
	"persistent shadow copy), 2 usage error.\n";

const char cmd_unexpose_synopsis[] = "ID|PATH [--json]";

const char cmd_unexpose_help[] =
	"Undo the exposure of a shadow copy, named by its id or by the\n"
	"directory it is exposed at; the shadow copy itself stays.\n"
	"ID: XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, braces optional.\n"
	"\n"
	"options:\n"
	"  --json      print one JSON object instead (see docs/cli-json.md)\n"
	"  -h, --help  show this help\n"
	"\n"
	"exit status: 0 unexposed, 1 vssd unreachable or the shadow copy is\n"
	"unknown or not exposed (VSS_E_OBJECT_NOT_FOUND), 2 usage error.\n";

struct expose_opts {
	struct cli_common common;
	const char *operands[2];
	int n_operands;
};

/*
 * The options both commands take and up to max operands, at least one.
 * names describes the operands for the message when there are none.
 */
static int
parse_args(const struct cli_command *cmd, int argc, char **argv, int max,
	   const char *names, struct expose_opts *opts)
{
	int r;

	*opts = (struct expose_opts){0};
	r = cli_getopt_common(cmd, argc, argv, &opts->common);
	if (r != CLI_EXIT_OK || opts->common.help)
		return r;
	if (optind >= argc)
		return cli_usage_error(cmd, "no %s given", names);
	if (argc - optind > max)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + max]);
	for (; optind < argc; optind++)
		opts->operands[opts->n_operands++] = argv[optind];
	return CLI_EXIT_OK;
}

/* Print {"snapshot_id": ID, "exposed_name": where it is or was exposed}. */
static int
report(const struct cli_command *cmd, const struct expose_opts *opts,
       const vss_id *id, const char *exposed_name)
{
	struct output *o;
	int rc;

	rc = cli_output_new(cmd, opts->common.format, &o);
	if (rc != CLI_EXIT_OK)
		return rc;
	output_begin_object(o, NULL);
	output_id(o, "snapshot_id", id);
	output_string(o, "exposed_name", exposed_name);
	output_end_object(o);
	return cli_output_finish(cmd, o);
}

/*
 * Refuse a shadow copy that is not persistent (SN-031: Windows exposes
 * only persistent ones).  vssd does expose an auto-release one, but ties
 * the exposure to the session asking, which here ends when vss exits:
 * the exposure would vanish before anyone could use it.
 */
static int
check_exposable(const struct cli_command *cmd, vss_requester *r,
		const vss_id *id, const char *subject)
{
	struct vss_snapshot_prop *props;
	bool persistent;
	size_t n;
	int rc;

	rc = manage_query_named(cmd, r, id, VSS_OBJECT_SNAPSHOT, subject,
				&props, &n);
	if (rc != CLI_EXIT_OK)
		return rc;
	persistent = props[0].attributes & VSS_VOLSNAP_ATTR_PERSISTENT;
	vss_snapshot_props_free(props, n);
	if (!persistent)
		return cli_status_error(cmd, subject, -EINVAL,
					"only persistent shadow copies can be "
					"exposed: the exposure of an "
					"auto-release one ends with this "
					"command; 'vss exec' exposes the "
					"shadow copies it makes for a command");
	return CLI_EXIT_OK;
}

/*
 * PATH must be an empty directory that nothing is mounted at: say what
 * is there instead of the bare EINVAL the mount would give.  When id is
 * exposed already, vssd's own VSS_E_OBJECT_ALREADY_EXISTS says so.
 */
static int
check_target(const struct cli_command *cmd, vss_requester *r,
	     const vss_id *id, const char *path)
{
	struct vss_snapshot_prop *props;
	const struct mount_entry *m;
	struct mount_entry *mounts;
	char detail[PATH_MAX + 128];
	struct dirent *e;
	size_t n, i;
	DIR *d;
	int rc;

	rc = vss_requester_query_snapshots(r, NULL, NULL, NULL, &props, &n);
	if (rc < 0)
		return cli_status_error(cmd, "query", rc, NULL);
	for (i = 0; i < n; i++)
		if (props[i].exposed_name &&
		    vss_id_equal(&props[i].snapshot_id, id)) {
			vss_snapshot_props_free(props, n);
			return CLI_EXIT_OK;
		}
	for (i = 0; i < n; i++)
		if (props[i].exposed_name &&
		    strcmp(props[i].exposed_name, path) == 0)
			break;
	if (i < n) {
		char there[VSS_ID_STRLEN];

		vss_id_format(&props[i].snapshot_id, there);
		snprintf(detail, sizeof(detail),
			 "shadow copy %s is exposed there", there);
	}
	vss_snapshot_props_free(props, n);
	if (i < n)
		return cli_status_error(cmd, path, VSS_E_OBJECT_ALREADY_EXISTS,
					detail);
	rc = mountinfo_read(&mounts, &n);
	if (rc < 0)
		return cli_status_error(cmd, "/proc/self/mountinfo", rc, NULL);
	m = mountinfo_find(mounts, n, path);
	if (m)
		snprintf(detail, sizeof(detail),
			 "%s (%s) is mounted there", m->source, m->fstype);
	mountinfo_free(mounts, n);
	if (m)
		return cli_status_error(cmd, path, VSS_E_OBJECT_ALREADY_EXISTS,
					detail);
	d = opendir(path);
	if (!d)
		return cli_status_error(cmd, path, -errno, NULL);
	while ((e = readdir(d)) && (!strcmp(e->d_name, ".") ||
				    !strcmp(e->d_name, "..")))
		;
	if (e)
		snprintf(detail, sizeof(detail),
			 "the directory is not empty (it holds '%s')",
			 e->d_name);
	closedir(d);
	if (e)
		return cli_status_error(cmd, path, -ENOTEMPTY, detail);
	return CLI_EXIT_OK;
}

int
cmd_expose(const struct cli_command *cmd, int argc, char **argv)
{
	struct expose_opts opts;
	vss_requester *r = NULL;
	char path[PATH_MAX], *exposed = NULL, subject[VSS_ID_STRLEN + 16];
	vss_id id;
	int rc;

	rc = parse_args(cmd, argc, argv, 2, "shadow copy ID", &opts);
	if (rc != CLI_EXIT_OK || opts.common.help)
		return rc;
	rc = cli_parse_id(cmd, opts.operands[0], "shadow copy id", &id);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts.n_operands > 1) {
		rc = manage_canonical_path(cmd, opts.operands[1], path);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	cli_catch_signals();
	rc = cli_connect(cmd, VSS_CTX_ALL, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	snprintf(subject, sizeof(subject), "shadow copy %s", opts.operands[0]);
	rc = check_exposable(cmd, r, &id, subject);
	if (rc == CLI_EXIT_OK && opts.n_operands > 1)
		rc = check_target(cmd, r, &id, path);
	if (rc != CLI_EXIT_OK) {
		vss_requester_free(r);
		return rc;
	}
	rc = vss_requester_expose_snapshot(r, &id,
					   opts.n_operands > 1 ? path : NULL,
					   &exposed);
	vss_requester_free(r);
	if (rc < 0)
		return cli_status_error(cmd, subject, rc, NULL);
	rc = report(cmd, &opts, &id, exposed);
	free(exposed);
	return rc;
}

/*
 * Where the shadow copy id is exposed, into path.  One that is known but
 * not exposed is an error here; an unknown one is left to unexpose,
 * which says so.
 */
static int
exposed_at(const struct cli_command *cmd, vss_requester *r, const vss_id *id,
	   const char *operand, char path[PATH_MAX])
{
	struct vss_snapshot_prop *props;
	char subject[PATH_MAX + 16];
	bool exposed;
	size_t n;
	int rc;

	path[0] = '\0';
	rc = vss_requester_query_snapshots(r, id, NULL, NULL, &props, &n);
	if (rc == VSS_E_OBJECT_NOT_FOUND)
		return CLI_EXIT_OK;
	if (rc < 0)
		return cli_status_error(cmd, "query", rc, NULL);
	exposed = n == 1 && props[0].exposed_name;
	if (exposed)
		snprintf(path, PATH_MAX, "%s", props[0].exposed_name);
	vss_snapshot_props_free(props, n);
	if (n == 1 && !exposed) {
		snprintf(subject, sizeof(subject), "shadow copy %s", operand);
		return cli_status_error(cmd, subject, VSS_E_OBJECT_NOT_FOUND,
					"the shadow copy is not exposed");
	}
	return CLI_EXIT_OK;
}

int
cmd_unexpose(const struct cli_command *cmd, int argc, char **argv)
{
	struct expose_opts opts;
	vss_requester *r = NULL;
	char path[PATH_MAX], subject[PATH_MAX + 16];
	bool by_path;
	vss_id id;
	int rc;

	rc = parse_args(cmd, argc, argv, 1, "shadow copy ID or PATH", &opts);
	if (rc != CLI_EXIT_OK || opts.common.help)
		return rc;
	/* An operand that is not an id is the directory of the exposure. */
	by_path = vss_id_parse(&id, opts.operands[0]) < 0;
	if (by_path) {
		rc = manage_canonical_path(cmd, opts.operands[0], path);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	cli_catch_signals();
	rc = cli_connect(cmd, VSS_CTX_ALL, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (by_path)
		rc = manage_find_exposed(cmd, r, path, &id);
	else
		rc = exposed_at(cmd, r, &id, opts.operands[0], path);
	if (rc != CLI_EXIT_OK) {
		vss_requester_free(r);
		return rc;
	}
	rc = vss_requester_unexpose_snapshot(r, &id);
	vss_requester_free(r);
	if (rc < 0) {
		snprintf(subject, sizeof(subject), "%s%s",
			 by_path ? "" : "shadow copy ", opts.operands[0]);
		return cli_status_error(cmd, subject, rc, NULL);
	}
	return report(cmd, &opts, &id, path[0] ? path : NULL);
}
