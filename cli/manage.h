/*
 * cli/manage.h - what the management commands (list, status, delete,
 * expose, unexpose, writer-metadata) share: canonical paths, asking the
 * writers, finding an exposure.
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
#include "show_status.h"

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
 * The shadow copy exposed at path (canonical), among every context's;
 * VSS_E_OBJECT_NOT_FOUND when none is.
 */
int manage_find_exposed(const struct cli_command *cmd, vss_requester *r,
			const char *path, vss_id *ret);
/*
 * The shadow copy id (type VSS_OBJECT_SNAPSHOT) or those of the set id
 * (VSS_OBJECT_SNAPSHOT_SET), which must exist: VSS_E_OBJECT_NOT_FOUND on
 * subject when there is none.  Caller owns *ret (at least one); free
 * with vss_snapshot_props_free().
 */
int manage_query_named(const struct cli_command *cmd, vss_requester *r,
		       const vss_id *id, enum vss_object_type type,
		       const char *subject, struct vss_snapshot_prop **ret,
		       size_t *ret_n);

#endif
