/*
 * daemon/volume.c - what a volume is here: a mounted file system named by
 * its mount point (BK-074: the path may carry a trailing '/').  A btrfs
 * subvolume mounted on its own counts as a volume of its own.  The path
 * is resolved with realpath() and must then be the mount point of an
 * entry of /proc/self/mountinfo; both can block on a hung file system,
 * so this runs on a job, never on the loop.
 */
#include "daemon.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

/* Undo the octal escapes (\040 and friends) of a mountinfo field. */
static void
unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));
			s += 4;
			continue;
		}
		*out++ = *s++;
	}
	*out = '\0';
}

int
volume_is_mount_point(const char *path, bool *ret)
{
	char *line = NULL, *save, *field;
	size_t cap = 0;
	bool found = false;
	FILE *f;
	int i;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (!found && getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mount-point ... */
		field = strtok_r(line, " ", &save);
		for (i = 0; field && i < 4; i++)
			field = strtok_r(NULL, " ", &save);
		if (!field)
			continue;
		unescape(field);
		found = strcmp(field, path) == 0;
	}
	free(line);
	fclose(f);
	*ret = found;
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
