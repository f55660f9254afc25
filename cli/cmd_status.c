/*
 * cli/cmd_status.c - "vss status": vssd, its providers, writers and
 * shadow copies at a glance.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <vss/requester.h>
#include <vss/status.h>

#include "cli.h"
#include "connect.h"
#include "manage.h"
#include "output.h"

const char cmd_status_synopsis[] = "[--json]";

const char cmd_status_help[] =
	"Ask vssd what it has: its socket ($VSS_SOCKET, else\n"
	"/run/vss/vssd.sock), the providers, the writers (how many, how\n"
	"many in each state, and each one in a failed state, with its last\n"
	"error), the shadow copies (how many, persistent, auto-release,\n"
	"exposed) and the volumes that have shadow copies.  Each writer's\n"
	"state and last error are those of its last session (as in vss\n"
	"list writers); no event is sent to a writer.\n"
	"\n"
	"options:\n"
	"  --json      print one JSON object instead (see docs/cli-json.md)\n"
	"  -h, --help  show this help\n"
	"\n"
	"exit status: 0 vssd answered, 1 vssd is unreachable (the message\n"
	"says where it was looked for) or a query failed, 2 usage error.\n";

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct cli_common *common)
{
	int r;

	r = cli_getopt_common(cmd, argc, argv, common);
	if (r != CLI_EXIT_OK || common->help)
		return r;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	return CLI_EXIT_OK;
}

static bool
writer_failed(const struct vss_writer_status *st)
{
	return st->failure != 0 || st->state >= VSS_WS_FAILED_AT_IDENTIFY;
}

static void
show_writers(struct output *o, const struct vss_writer_status *st, size_t n)
{
	size_t i, j, k, count;

	output_begin_object(o, "writers");
	output_int(o, "count", (int64_t)n);
	/* Each state once, in the order the writers are listed. */
	output_begin_list(o, "states");
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (st[j].state == st[i].state)
				break;
		if (j < i)
			continue;
		count = 0;
		for (k = i; k < n; k++)
			count += st[k].state == st[i].state;
		output_begin_object(o, NULL);
		output_enum(o, "state", vss_writer_state_str(st[i].state),
			    (int)st[i].state);
		output_int(o, "count", (int64_t)count);
		output_end_object(o);
	}
	output_end_list(o);
	output_begin_list(o, "failed");
	for (i = 0; i < n; i++)
		if (writer_failed(&st[i]))
			show_writer_status(o, &st[i]);
	output_end_list(o);
	output_end_object(o);
}

static void
show_shadow_copies(struct output *o, const struct vss_snapshot_prop *s,
		   size_t n)
{
	size_t i, j, k, persistent = 0, auto_release = 0, exposed = 0, count;

	for (i = 0; i < n; i++) {
		persistent += !!(s[i].attributes & VSS_VOLSNAP_ATTR_PERSISTENT);
		auto_release +=
			!(s[i].attributes & VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE);
		exposed += s[i].exposed_name != NULL;
	}
	output_begin_object(o, "shadow_copies");
	output_int(o, "count", (int64_t)n);
	output_int(o, "persistent", (int64_t)persistent);
	output_int(o, "auto_release", (int64_t)auto_release);
	output_int(o, "exposed", (int64_t)exposed);
	output_end_object(o);

	/* Each volume once, in the order its first shadow copy comes. */
	output_begin_list(o, "volumes");
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(s[j].original_volume,
				   s[i].original_volume) == 0)
				break;
		if (j < i)
			continue;
		count = 0;
		for (k = i; k < n; k++)
			count += strcmp(s[k].original_volume,
					s[i].original_volume) == 0;
		output_begin_object(o, NULL);
		output_string(o, "volume", s[i].original_volume);
		output_int(o, "shadow_copies", (int64_t)count);
		output_end_object(o);
	}
	output_end_list(o);
}

int
cmd_status(const struct cli_command *cmd, int argc, char **argv)
{
	struct vss_provider_prop *providers = NULL;
	struct vss_snapshot_prop *props = NULL;
	struct vss_writer_status *writers = NULL;
	size_t i, n = 0, n_providers = 0, n_writers = 0;
	struct cli_common common;
	struct output *o = NULL;
	vss_requester *r = NULL;
	int rc;

	rc = parse_args(cmd, argc, argv, &common);
	if (rc != CLI_EXIT_OK || common.help)
		return rc;
	cli_catch_signals();
	/* The management calls see every context's shadow copies. */
	rc = cli_connect(cmd, VSS_CTX_ALL, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = vss_requester_query_providers(r, &providers, &n_providers);
	if (rc < 0) {
		rc = cli_status_error(cmd, "query providers", rc, NULL);
		goto out;
	}
	rc = vss_requester_query_snapshots(r, NULL, NULL, NULL, &props, &n);
	if (rc < 0) {
		rc = cli_status_error(cmd, "query", rc, NULL);
		goto out;
	}
	rc = vss_list_writer_states(cli_socket_path(), &writers, &n_writers);
	if (rc < 0) {
		rc = cli_status_error(cmd, "list writers", rc, NULL);
		goto out;
	}
	rc = cli_output_new(cmd, common.format, &o);
	if (rc != CLI_EXIT_OK)
		goto out;
	output_begin_object(o, NULL);
	output_begin_object(o, "vssd");
	output_string(o, "socket", cli_socket_path());
	output_end_object(o);
	output_begin_list(o, "providers");
	for (i = 0; i < n_providers; i++)
		show_provider(o, &providers[i]);
	output_end_list(o);
	show_writers(o, writers, n_writers);
	show_shadow_copies(o, props, n);
	output_end_object(o);
	rc = cli_output_finish(cmd, o);
out:
	vss_writer_states_free(writers, n_writers);
	vss_snapshot_props_free(props, n);
	vss_provider_props_free(providers, n_providers);
	vss_requester_free(r);
	return rc;
}
