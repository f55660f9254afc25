/*
 * cli/cmd_list.c - "vss list writers|providers|shadows|volumes": what
 * vssd knows, as vssadmin list and diskshadow list show it (TL-040),
 * with the writers' metadata as vshadow -wm shows it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <vss/requester.h>
#include <vss/status.h>

#include "cli.h"
#include "connect.h"
#include "manage.h"
#include "output.h"
#include "show_metadata.h"
#include "util/mountinfo.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char cmd_list_synopsis[] =
	"writers [--verbose] [--json]\n"
	"       vss list providers [--json]\n"
	"       vss list shadows [--id ID] [--set ID] [--volume V] [--json]\n"
	"       vss list volumes [--json]";

const char cmd_list_help[] =
	"List what vssd knows.  Needs vssd (socket $VSS_SOCKET, else\n"
	"/run/vss/vssd.sock).\n"
	"\n"
	"  writers    every subscribed writer as vssadmin list writers shows\n"
	"             it: its name, class id, instance id and name, and the\n"
	"             state (\"[1] Stable\", \"[8] Failed\"), last error\n"
	"             (\"No error\", \"Retryable error\", \"Timed out\", ...),\n"
	"             failure status and message it ended its last backup\n"
	"             with (a successful Identify changes none of them),\n"
	"             also when it failed Identify; then the count.  No\n"
	"             event is sent to a writer, except Identify with\n"
	"             --verbose\n"
	"  providers  the shadow copy providers: id, name, type, version\n"
	"  shadows    the shadow copies of every context, grouped by set (as\n"
	"             vssadmin list shadows): ids, creation time, original\n"
	"             volume, device (where the shadow copy's root is read),\n"
	"             where it is exposed, provider, context and attributes\n"
	"  volumes    the mounted file systems (pseudo file systems and\n"
	"             exposed shadow copies left out): mount point, type,\n"
	"             source, the providers that can shadow-copy it, and\n"
	"             whether it has shadow copies and how many\n"
	"\n"
	"options:\n"
	"  --verbose    writers: also every writer's metadata document, its\n"
	"               components and their files (as vshadow -wm2), in a\n"
	"               separate list; match a document to its writer by\n"
	"               the instance id.  Gathering them sends Identify,\n"
	"               which changes a writer's state only if it fails\n"
	"  --id ID      shadows: only the shadow copy ID\n"
	"  --set ID     shadows: only the shadow copies of the set ID\n"
	"  --volume V   shadows: only the shadow copies of the volume mounted\n"
	"               at V\n"
	"               (ids: XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, braces\n"
	"               optional; filters combine)\n"
	"  --json       print one JSON object instead (see docs/cli-json.md)\n"
	"  -h, --help   show this help\n"
	"\n"
	"exit status: 0 listed, 1 vssd unreachable or a query failed,\n"
	"2 usage error.\n";

enum list_subject {
	LIST_WRITERS,
	LIST_PROVIDERS,
	LIST_SHADOWS,
	LIST_VOLUMES,
};

static const char *const subject_names[] = {
	[LIST_WRITERS] = "writers",
	[LIST_PROVIDERS] = "providers",
	[LIST_SHADOWS] = "shadows",
	[LIST_VOLUMES] = "volumes",
};

struct list_opts {
	struct cli_common common;
	enum list_subject subject;
	bool verbose;
	/* shadows: the filters given (NULL: any). */
	const vss_id *id;
	const vss_id *set;
	const char *volume;
	vss_id id_buf;
	vss_id set_buf;
	char volume_buf[PATH_MAX];
};

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct list_opts *opts)
{
	static const struct option longopts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"id", required_argument, NULL, 'i'},
		{"set", required_argument, NULL, 's'},
		{"volume", required_argument, NULL, 'V'},
		CLI_LONGOPT_JSON,
		CLI_LONGOPT_HELP,
		{NULL, 0, NULL, 0},
	};
	const char *volume = NULL;
	size_t i;
	int c, r;

	*opts = (struct list_opts){0};
	while ((c = cli_getopt(cmd, argc, argv, CLI_SHORTOPTS, longopts,
			       &opts->common, &r)) != -1) {
		switch (c) {
		case 'v':
			opts->verbose = true;
			break;
		case 'i':
			r = cli_parse_id(cmd, optarg, "shadow copy id",
					 &opts->id_buf);
			if (r != CLI_EXIT_OK)
				return r;
			opts->id = &opts->id_buf;
			break;
		case 's':
			r = cli_parse_id(cmd, optarg, "shadow copy set id",
					 &opts->set_buf);
			if (r != CLI_EXIT_OK)
				return r;
			opts->set = &opts->set_buf;
			break;
		case 'V':
			volume = optarg;
			break;
		}
	}
	if (r != CLI_EXIT_OK || opts->common.help)
		return r;
	if (optind >= argc)
		return cli_usage_error(cmd, "what to list: writers, providers, "
					    "shadows or volumes");
	for (i = 0; i < ARRAY_SIZE(subject_names); i++)
		if (strcmp(argv[optind], subject_names[i]) == 0)
			break;
	if (i == ARRAY_SIZE(subject_names))
		return cli_usage_error(cmd, "cannot list '%s': writers, "
					    "providers, shadows or volumes",
				       argv[optind]);
	opts->subject = (enum list_subject)i;
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	if (opts->verbose && opts->subject != LIST_WRITERS)
		return cli_usage_error(cmd, "--verbose is for 'list writers'");
	if ((opts->id || opts->set || volume) &&
	    opts->subject != LIST_SHADOWS)
		return cli_usage_error(cmd, "--id, --set and --volume are for "
					    "'list shadows'");
	/* Resolved after the usage checks: a usage error reads nothing. */
	if (volume) {
		r = manage_canonical_path(cmd, volume, opts->volume_buf);
		if (r != CLI_EXIT_OK)
			return r;
		opts->volume = opts->volume_buf;
	}
	return CLI_EXIT_OK;
}

/* ---- writers ---------------------------------------------------------- */

/*
 * Each writer's state, last error and failure are those of its last
 * backup (vssadmin list writers), read before --verbose gathers the
 * documents, whose Identify would show as the last state if it failed.
 */
static int
list_writers(const struct cli_command *cmd, const struct list_opts *opts,
	     vss_requester *r, struct output *o)
{
	struct vss_writer_status *states;
	size_t i, n;
	int rc;

	rc = vss_list_writer_states(cli_socket_path(), &states, &n);
	if (rc < 0)
		return cli_status_error(cmd, "list writers", rc, NULL);
	if (opts->verbose) {
		rc = manage_gather_writers(cmd, r, false);
		if (rc != CLI_EXIT_OK)
			goto out;
	}
	output_begin_object(o, NULL);
	output_begin_list(o, "writers");
	for (i = 0; i < n; i++)
		show_writer_status(o, &states[i]);
	output_end_list(o);
	output_int(o, "count", (int64_t)n);
	/* Without --verbose an empty list, so that the keys stay the same. */
	output_begin_list(o, "metadata");
	for (i = 0; opts->verbose &&
		    i < vss_requester_writer_metadata_count(r); i++)
		show_wmd(o, vss_requester_writer_metadata(r, i));
	output_end_list(o);
	output_end_object(o);
out:
	vss_writer_states_free(states, n);
	return rc;
}

/* ---- providers -------------------------------------------------------- */

static int
query_providers(const struct cli_command *cmd, vss_requester *r,
		struct vss_provider_prop **ret, size_t *ret_n)
{
	int rc;

	rc = vss_requester_query_providers(r, ret, ret_n);
	if (rc < 0)
		return cli_status_error(cmd, "query providers", rc, NULL);
	return CLI_EXIT_OK;
}

static int
list_providers(const struct cli_command *cmd, vss_requester *r,
	       struct output *o)
{
	struct vss_provider_prop *providers;
	size_t i, n;
	int rc;

	rc = query_providers(cmd, r, &providers, &n);
	if (rc != CLI_EXIT_OK)
		return rc;
	output_begin_object(o, NULL);
	output_begin_list(o, "providers");
	for (i = 0; i < n; i++)
		show_provider(o, &providers[i]);
	output_end_list(o);
	output_int(o, "count", (int64_t)n);
	output_end_object(o);
	vss_provider_props_free(providers, n);
	return CLI_EXIT_OK;
}

/* ---- shadows ---------------------------------------------------------- */

/* The sets in the order their first shadow copy comes, each once. */
static void
show_sets(struct output *o, const struct vss_snapshot_prop *s, size_t n,
	  const struct vss_provider_prop *providers, size_t n_providers)
{
	vss_timestamp created;
	size_t i, j, k;

	output_begin_list(o, "sets");
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (vss_id_equal(&s[j].snapshot_set_id,
					 &s[i].snapshot_set_id))
				break;
		if (j < i)
			continue; /* shown with its set */
		created = s[i].created;
		for (k = i; k < n; k++)
			if (vss_id_equal(&s[k].snapshot_set_id,
					 &s[i].snapshot_set_id) &&
			    s[k].created < created)
				created = s[k].created;
		output_begin_object(o, NULL);
		output_id(o, "snapshot_set_id", &s[i].snapshot_set_id);
		output_timestamp(o, "created", created);
		/* How many the set had when made; some may be gone since. */
		output_int(o, "snapshot_count", s[i].snapshot_count);
		output_begin_list(o, "shadow_copies");
		for (k = i; k < n; k++)
			if (vss_id_equal(&s[k].snapshot_set_id,
					 &s[i].snapshot_set_id))
				show_shadow_copy(o, &s[k], providers,
					      n_providers);
		output_end_list(o);
		output_end_object(o);
	}
	output_end_list(o);
}

static int
list_shadows(const struct cli_command *cmd, const struct list_opts *opts,
	     vss_requester *r, struct output *o)
{
	struct vss_provider_prop *providers;
	struct vss_snapshot_prop *props;
	size_t n, n_providers;
	int rc;

	rc = query_providers(cmd, r, &providers, &n_providers);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = vss_requester_query_snapshots(r, opts->id, opts->set,
					   opts->volume, &props, &n);
	if (rc < 0) {
		vss_provider_props_free(providers, n_providers);
		return cli_status_error(cmd, opts->volume ? opts->volume :
							    "query",
					rc, NULL);
	}
	output_begin_object(o, NULL);
	show_sets(o, props, n, providers, n_providers);
	output_int(o, "count", (int64_t)n);
	output_end_object(o);
	vss_snapshot_props_free(props, n);
	vss_provider_props_free(providers, n_providers);
	return CLI_EXIT_OK;
}

/* ---- volumes ---------------------------------------------------------- */

/* A mount that is a shadow copy's exposure, not a volume of its own. */
static bool
is_exposure(const char *mount_point, const struct vss_snapshot_prop *s,
	    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].exposed_name &&
		    strcmp(s[i].exposed_name, mount_point) == 0)
			return true;
	return false;
}

/*
 * A volume no provider can take, or one vssd cannot name as a volume
 * (a mount hidden under another), is shown as unsupported; anything else
 * (the connection lost) fails the listing.
 */
static bool
is_unsupported(int status)
{
	return status == VSS_E_VOLUME_NOT_SUPPORTED ||
	       status == VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER ||
	       status == VSS_E_OBJECT_NOT_FOUND || status == -EACCES ||
	       status == -ENOENT || status == -ENOTDIR;
}

static int
show_volume(const struct cli_command *cmd, vss_requester *r,
	    struct output *o, const struct mount_entry *m,
	    const struct vss_provider_prop *providers, size_t n_providers,
	    const struct vss_snapshot_prop *s, size_t n)
{
	bool supported, any = false, snapshotted = false;
	uint32_t compatibility;
	size_t i, count = 0;
	int rc;

	output_begin_object(o, NULL);
	output_string(o, "volume", m->mount_point);
	output_string(o, "fstype", m->fstype);
	output_string(o, "source", m->source);
	output_begin_list(o, "providers");
	for (i = 0; i < n_providers; i++) {
		rc = vss_requester_is_volume_supported(
			r, m->mount_point, &providers[i].provider_id,
			&supported);
		if (rc < 0 && !is_unsupported(rc))
			return cli_status_error(cmd, m->mount_point, rc, NULL);
		if (rc < 0 || !supported)
			continue;
		any = true;
		output_begin_object(o, NULL);
		output_id(o, "provider_id", &providers[i].provider_id);
		output_string(o, "name", providers[i].name);
		output_end_object(o);
	}
	output_end_list(o);
	output_bool(o, "supported", any);
	rc = vss_requester_is_volume_snapshotted(r, m->mount_point,
						 &snapshotted, &compatibility);
	if (rc < 0 && !is_unsupported(rc))
		return cli_status_error(cmd, m->mount_point, rc, NULL);
	for (i = 0; i < n; i++)
		if (strcmp(s[i].original_volume, m->mount_point) == 0)
			count++;
	output_bool(o, "snapshotted", rc == 0 && snapshotted);
	output_int(o, "shadow_copies", (int64_t)count);
	output_end_object(o);
	return CLI_EXIT_OK;
}

static int
list_volumes(const struct cli_command *cmd, vss_requester *r,
	     struct output *o)
{
	struct vss_provider_prop *providers = NULL;
	struct vss_snapshot_prop *props = NULL;
	struct mount_entry *mounts = NULL;
	size_t i, n = 0, n_providers = 0, n_mounts = 0, listed = 0;
	int rc, exit_code = CLI_EXIT_FAILED;

	rc = mountinfo_read(&mounts, &n_mounts);
	if (rc < 0)
		return cli_status_error(cmd, "/proc/self/mountinfo", rc,
					NULL);
	if (query_providers(cmd, r, &providers, &n_providers) != CLI_EXIT_OK)
		goto out;
	rc = vss_requester_query_snapshots(r, NULL, NULL, NULL, &props, &n);
	if (rc < 0) {
		cli_status_error(cmd, "query", rc, NULL);
		goto out;
	}
	output_begin_object(o, NULL);
	output_begin_list(o, "volumes");
	for (i = 0; i < n_mounts; i++) {
		const struct mount_entry *m = &mounts[i];

		/* Only the mount on top is reachable at its mount point. */
		if (mountinfo_find(mounts, n_mounts, m->mount_point) != m ||
		    mountinfo_is_pseudo(m->fstype) ||
		    is_exposure(m->mount_point, props, n))
			continue;
		if (show_volume(cmd, r, o, m, providers, n_providers, props,
				n) != CLI_EXIT_OK)
			goto out;
		listed++;
	}
	output_end_list(o);
	output_int(o, "count", (int64_t)listed);
	output_end_object(o);
	exit_code = CLI_EXIT_OK;
out:
	vss_snapshot_props_free(props, n);
	vss_provider_props_free(providers, n_providers);
	mountinfo_free(mounts, n_mounts);
	return exit_code;
}

/* ---- the command ------------------------------------------------------ */

int
cmd_list(const struct cli_command *cmd, int argc, char **argv)
{
	struct output *o = NULL;
	struct list_opts opts;
	vss_requester *r = NULL;
	int rc;

	rc = parse_args(cmd, argc, argv, &opts);
	if (rc != CLI_EXIT_OK || opts.common.help)
		return rc;
	cli_catch_signals();
	/* Writers answer in any context; the rest see every context. */
	rc = cli_connect(cmd,
			 opts.subject == LIST_WRITERS ? VSS_CTX_BACKUP :
							VSS_CTX_ALL,
			 &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_output_new(cmd, opts.common.format, &o);
	if (rc != CLI_EXIT_OK)
		goto out;
	switch (opts.subject) {
	case LIST_WRITERS:
		rc = list_writers(cmd, &opts, r, o);
		break;
	case LIST_PROVIDERS:
		rc = list_providers(cmd, r, o);
		break;
	case LIST_SHADOWS:
		rc = list_shadows(cmd, &opts, r, o);
		break;
	case LIST_VOLUMES:
		rc = list_volumes(cmd, r, o);
		break;
	}
	if (rc == CLI_EXIT_OK)
		rc = cli_output_finish(cmd, o);
	else
		output_free(o);
out:
	vss_requester_free(r);
	return rc;
}
