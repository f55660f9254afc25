/*
 * cli/manage.c - the pieces the management commands share (manage.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "connect.h"
#include "manage.h"

int
manage_canonical_path(const struct cli_command *cmd, const char *path,
		      char ret[PATH_MAX])
{
	if (!realpath(path, ret))
		return cli_status_error(cmd, path, -errno, NULL);
	return CLI_EXIT_OK;
}

int
manage_gather_writers(const struct cli_command *cmd, vss_requester *r,
		      bool status)
{
	vss_async *a;
	int rc;

	rc = vss_requester_gather_writer_metadata(r, &a);
	if (rc < 0)
		return cli_status_error(cmd, "gathering writer metadata", rc,
					NULL);
	rc = cli_wait(cmd, a, "gathering writer metadata", NULL);
	if (rc != CLI_EXIT_OK || !status)
		return rc;
	rc = vss_requester_gather_writer_status(r, &a);
	if (rc < 0)
		return cli_status_error(cmd, "gathering writer status", rc,
					NULL);
	return cli_wait(cmd, a, "gathering writer status", NULL);
}

int
manage_find_exposed(const struct cli_command *cmd, vss_requester *r,
		    const char *path, vss_id *ret)
{
	struct vss_snapshot_prop *props;
	char detail[PATH_MAX + 64];
	size_t n, i;
	int rc;

	rc = vss_requester_query_snapshots(r, NULL, NULL, NULL, &props, &n);
	if (rc < 0)
		return cli_status_error(cmd, "query", rc, NULL);
	for (i = 0; i < n; i++)
		if (props[i].exposed_name &&
		    strcmp(props[i].exposed_name, path) == 0)
			break;
	if (i < n)
		*ret = props[i].snapshot_id;
	vss_snapshot_props_free(props, n);
	if (i == n) {
		snprintf(detail, sizeof(detail),
			 "no shadow copy is exposed at %s", path);
		return cli_status_error(cmd, path, VSS_E_OBJECT_NOT_FOUND,
					detail);
	}
	return CLI_EXIT_OK;
}

int
manage_query_named(const struct cli_command *cmd, vss_requester *r,
		   const vss_id *id, enum vss_object_type type,
		   const char *subject, struct vss_snapshot_prop **ret,
		   size_t *ret_n)
{
	bool set = type == VSS_OBJECT_SNAPSHOT_SET;
	struct vss_snapshot_prop *props = NULL;
	size_t n = 0;
	int rc;

	rc = vss_requester_query_snapshots(r, set ? NULL : id, set ? id : NULL,
					   NULL, &props, &n);
	if (rc == VSS_E_OBJECT_NOT_FOUND || (rc >= 0 && n == 0)) {
		vss_snapshot_props_free(props, n);
		return cli_status_error(cmd, subject, VSS_E_OBJECT_NOT_FOUND,
					NULL);
	}
	if (rc < 0)
		return cli_status_error(cmd, "query", rc, NULL);
	*ret = props;
	*ret_n = n;
	return CLI_EXIT_OK;
}
