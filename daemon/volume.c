/*
 * daemon/volume.c - what a volume is here: a mounted file system named by
 * its mount point (BK-074: the path may carry a trailing '/').  A btrfs
 * subvolume mounted on its own counts as a volume of its own.  The path
 * is resolved with realpath() and must then be the mount point of an
 * entry of /proc/self/mountinfo, which also tells what is mounted there
 * (the source and type exec providers are given).  Both can block on a
 * hung file system, so this runs on a job, never on the loop.
 */
#include "daemon.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "util/mountinfo.h"

int
volume_mount_source(const char *mount, char **ret_source, char **ret_fstype)
{
	const struct mount_entry *top;
	struct mount_entry *mounts;
	char *source = NULL, *fstype = NULL;
	size_t n;
	int r;

	r = mountinfo_read(&mounts, &n);
	if (r < 0)
		return r;
	top = mountinfo_find(mounts, n, mount);
	if (!top) {
		mountinfo_free(mounts, n);
		return VSS_E_OBJECT_NOT_FOUND;
	}
	if (ret_source)
		source = strdup(top->source);
	if (ret_fstype)
		fstype = strdup(top->fstype);
	mountinfo_free(mounts, n);
	if ((ret_source && !source) || (ret_fstype && !fstype)) {
		free(source);
		free(fstype);
		return -ENOMEM;
	}
	if (ret_source)
		*ret_source = source;
	if (ret_fstype)
		*ret_fstype = fstype;
	return 0;
}

int
volume_is_mount_point(const char *path, bool *ret)
{
	int r;

	r = volume_mount_source(path, NULL, NULL);
	if (r < 0 && r != VSS_E_OBJECT_NOT_FOUND)
		return r;
	*ret = r == 0;
	return 0;
}

int
volume_normalise(const char *path, char **ret)
{
	char *real;
	bool mounted = false;
	int r;

	if (!path || path[0] != '/')
		return VSS_E_OBJECT_NOT_FOUND;
	real = realpath(path, NULL);
	if (!real)
		return errno == ENOMEM ? -ENOMEM : VSS_E_OBJECT_NOT_FOUND;
	r = volume_is_mount_point(real, &mounted);
	if (r < 0) {
		free(real);
		return r;
	}
	if (!mounted) {
		free(real);
		return VSS_E_OBJECT_NOT_FOUND;
	}
	*ret = real;
	return 0;
}
