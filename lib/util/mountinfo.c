/*
 * lib/util/mountinfo.c - reading /proc/self/mountinfo (mountinfo.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/mountinfo.h"

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

/*
 * Split one line in place, its fields undecoded:
 *
 *   id parent major:minor root mount-point options [optional...] -
 *   fstype source super-options
 *
 * The kernel puts one space between fields and escapes those inside
 * them, so an empty field (a source of "") is still a field: strsep, not
 * strtok.  -EINVAL for a line of another shape.
 */
static int
split(char *line, struct mount_entry *ret)
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
	return ret->mount_point && ret->fstype && ret->source ? 0 : -EINVAL;
}

static int
append(struct mount_entry **v, size_t *n, size_t *cap,
       const struct mount_entry *raw)
{
	struct mount_entry e;

	if (*n == *cap) {
		size_t grown = *cap ? *cap * 2 : 64;
		struct mount_entry *nv = reallocarray(*v, grown, sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = grown;
	}
	unescape(raw->mount_point);
	unescape(raw->fstype);
	unescape(raw->source);
	e.mount_point = strdup(raw->mount_point);
	e.fstype = strdup(raw->fstype);
	e.source = strdup(raw->source);
	if (!e.mount_point || !e.fstype || !e.source) {
		free(e.mount_point);
		free(e.fstype);
		free(e.source);
		return -ENOMEM;
	}
	(*v)[(*n)++] = e;
	return 0;
}

int
mountinfo_read(struct mount_entry **ret, size_t *ret_n)
{
	struct mount_entry *v = NULL, raw;
	size_t n = 0, cap = 0, line_cap = 0;
	char *line = NULL;
	FILE *f;
	int r = 0;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (r == 0 && getline(&line, &line_cap, f) > 0)
		if (split(line, &raw) == 0)
			r = append(&v, &n, &cap, &raw);
	free(line);
	fclose(f);
	if (r < 0) {
		mountinfo_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void
mountinfo_free(struct mount_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		free(e[i].mount_point);
		free(e[i].fstype);
		free(e[i].source);
	}
	free(e);
}

const struct mount_entry *
mountinfo_find(const struct mount_entry *e, size_t n, const char *mount_point)
{
	for (size_t i = n; i-- > 0;)
		if (strcmp(e[i].mount_point, mount_point) == 0)
			return &e[i];
	return NULL;
}

/* True when dir is path or a leading run of whole elements of it. */
static bool
holds(const char *dir, const char *path)
{
	size_t len = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(dir, path, len) == 0 &&
	       (path[len] == '\0' || path[len] == '/');
}

const struct mount_entry *
mountinfo_holding(const struct mount_entry *e, size_t n, const char *path)
{
	const struct mount_entry *best = NULL;
	size_t best_len = 0;

	if (!path || path[0] != '/')
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(e[i].mount_point);

		/* ">=": of equal mount points the later is on top. */
		if (holds(e[i].mount_point, path) && (!best || len >= best_len)) {
			best = &e[i];
			best_len = len;
		}
	}
	return best;
}

bool
mountinfo_is_pseudo(const char *fstype)
{
	static const char *const pseudo[] = {
		"proc",	      "sysfs",	    "cgroup",	   "cgroup2",
		"devpts",     "mqueue",	    "tracefs",	   "debugfs",
		"securityfs", "pstore",	    "bpf",	   "configfs",
		"fusectl",    "autofs",	    "binfmt_misc", "hugetlbfs",
		"nsfs",	      "efivarfs",   "rpc_pipefs",
	};

	for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (strcmp(fstype, pseudo[i]) == 0)
			return true;
	return false;
}

uint64_t
mountinfo_mount_id(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID,
		  &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}
