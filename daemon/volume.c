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

/* The fields of a mountinfo line vssd needs; borrowed from the line. */
struct mountinfo_entry {
	char *mount_point;
	char *fstype;
	char *source;
};

/*
 * Split one line of mountinfo in place, its fields undecoded:
 *
 *   id parent major:minor root mount-point options [optional...] -
 *   fstype source super-options
 *
 * The kernel puts one space between fields and escapes those inside
 * them, so an empty field (a source of "") is still a field: strsep, not
 * strtok.  -EINVAL for a line of another shape.
 */
static int
mountinfo_split(char *line, struct mountinfo_entry *ret)
{
	char *rest = line, *f;
	int i;

	line[strcspn(line, "\n")] = '\0';
	for (i = 0; i < 4; i++)
		if (!strsep(&rest, " "))
			return -EINVAL;
	ret->mount_point = strsep(&rest, " ");
	do
		f = strsep(&rest, " ");
	while (f && strcmp(f, "-") != 0);
	ret->fstype = strsep(&rest, " ");
	ret->source = strsep(&rest, " ");
	return ret->mount_point && ret->source ? 0 : -EINVAL;
}

int
volume_mount_source(const char *mount, char **ret_source, char **ret_fstype)
{
	struct mountinfo_entry e;
	char *line = NULL, *source = NULL, *fstype = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;
	int r = 0;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	/* Later lines are mounted later: the last match is the top one. */
	while (getline(&line, &cap, f) > 0) {
		if (mountinfo_split(line, &e) < 0)
			continue;
		unescape(e.mount_point);
		if (strcmp(e.mount_point, mount) != 0)
			continue;
		unescape(e.fstype);
		unescape(e.source);
		found = true;
		free(source);
		free(fstype);
		source = strdup(e.source);
		fstype = strdup(e.fstype);
		if (!source || !fstype) {
			r = -ENOMEM;
			break;
		}
	}
	free(line);
	fclose(f);
	if (r == 0 && !found)
		r = VSS_E_OBJECT_NOT_FOUND;
	if (r == 0 && ret_source) {
		*ret_source = source;
		source = NULL;
	}
	if (r == 0 && ret_fstype) {
		*ret_fstype = fstype;
		fstype = NULL;
	}
	free(source);
	free(fstype);
	return r;
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
