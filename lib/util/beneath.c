/*
 * lib/util/beneath.c - directories beneath a directory, one flag for
 * whether the kernel has openat2() (beneath.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/beneath.h"
#include "util/mountinfo.h"
#include "util/relpath.h"

/*
 * Set once the kernel said it has no openat2(), or by the tests.  A
 * race between threads setting it is harmless: each sets true.
 */
static bool no_openat2;

void
beneath_force_fallback(bool on)
{
	no_openat2 = on;
}

bool
beneath_same_mount(int a, int b)
{
	uint64_t ma = mountinfo_mount_id(a), mb = mountinfo_mount_id(b);
	struct stat sa, sb;

	/* The mount ids say it as RESOLVE_NO_XDEV does (5.8 on). */
	if (ma && mb)
		return ma == mb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev;
}

int
beneath_openat2(int dir, const char *path, int flags, bool one_mount)
{
	struct open_how how = {
		/* No O_NOFOLLOW: with O_PATH it would open a final link. */
		.flags = (uint64_t)(flags | O_DIRECTORY | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS |
			   (one_mount ? RESOLVE_NO_XDEV : 0),
	};
	long fd;

	if (no_openat2)
		return -ENOSYS;
	fd = syscall(SYS_openat2, dir, *path ? path : ".", &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	if (errno == ENOSYS)
		no_openat2 = true;
	return -errno;
}

/* openat(O_NOFOLLOW) of one element, a symbolic link said as openat2() does. */
static int
open_nofollow(int dir, const char *name, int flags)
{
	struct stat st;
	int fd, r;

	fd = openat(dir, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	r = -errno;
	if (r == -ENOTDIR &&
	    fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		r = -ELOOP;
	return r;
}

int
beneath_open_dir(int dir, const char *path, int flags)
{
	char elem[NAME_MAX + 1];
	const char *p = path;
	int fd, next;
	size_t n;

	if (!relpath_valid(path))
		return -EINVAL;
	fd = beneath_openat2(dir, path, flags, false);
	if (fd != -ENOSYS)
		return fd;
	fd = openat(dir, ".", flags | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (*p) {
		n = strcspn(p, "/");
		memcpy(elem, p, n);
		elem[n] = '\0';
		p += n + (p[n] == '/');
		next = open_nofollow(fd, elem, flags);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	return fd;
}

int
beneath_open_subdir(int dir, const char *name, int flags)
{
	int fd;

	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EINVAL;
	fd = beneath_openat2(dir, name, flags, true);
	if (fd != -ENOSYS)
		return fd;
	fd = open_nofollow(dir, name, flags);
	if (fd >= 0 && !beneath_same_mount(dir, fd)) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}
