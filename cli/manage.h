/*
 * cli/manage.h - what the management commands (list, status, delete,
 * expose, unexpose, writer-metadata) share: their option errors, the
 * output they all open and finish the same way, asking the writers, and
 * showing a writer, a provider and a shadow copy in the schema of
 * docs/cli-json.md.
 *
 * Functions that can fail print "vss: CMD: ..." themselves and return an
 * enum cli_exit value, as connect.h does.
 */
#ifndef VSS_CLI_MANAGE_H
#define VSS_CLI_MANAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <vss/metadata.h>
#include <vss/requester.h>
#include <vss/types.h>

#include "cli.h"
#include "output.h"

/*
 * The usage error for what getopt_long() returned as c (':' a missing
 * value, '?' an unknown option); call with the argv getopt read.
 */
int manage_option_error(const struct cli_command *cmd, int c, char **argv);

/* output_new() on standard output; *ret NULL on failure. */
int manage_output_new(const struct cli_command *cmd,
		      enum output_format format, struct output **ret);
/* output_finish() and output_free(); CLI_EXIT_FAILED when writing failed. */
int manage_output_finish(const struct cli_command *cmd, struct output *o);

/*
 * Make a path named on the command line absolute and canonical, since
 * vssd resolves paths in its own working directory.  ret holds PATH_MAX
 * bytes.  Fails (with the path's errno) when it does not exist.
 */
int manage_canonical_path(const struct cli_command *cmd, const char *path,
			  char ret[PATH_MAX]);

/*
 * Gather the writers' metadata, and with status also their status
 * (vss_requester_writer_status_count() and friends read it then).
 */
int manage_gather_writers(const struct cli_command *cmd, vss_requester *r,
			  bool status);
/*
 * A writer's last error as vssadmin names it (TL-003), from its failure
 * status: "No error", "Retryable error", "Timed out", ...; static.
 */
const char *manage_writer_last_error(int32_t failure);

/* The writer's status as one object. */
void show_writer_status(struct output *o,
			const struct vss_writer_status *st);
void show_provider(struct output *o, const struct vss_provider_prop *p);
/*
 * The shadow copy as one object; the provider's name is looked up in the
 * n providers (NULL when vssd has none by that id).
 */
void show_snapshot(struct output *o, const struct vss_snapshot_prop *s,
		   const struct vss_provider_prop *providers, size_t n);

/*
 * The shadow copy exposed at path (canonical), among every context's;
 * VSS_E_OBJECT_NOT_FOUND when none is.
 */
int manage_find_exposed(const struct cli_command *cmd, vss_requester *r,
			const char *path, vss_id *ret);

#endif
