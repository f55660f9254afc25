/*
 * lib/util/pending_restore_beneath.c - reaching directories beneath a
 * root one element at a time, never through a symbolic link and never
 * into another mount, and removing a staging tree the same way.
 *
 * Each step is openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_XDEV) of one element relative to the directory before, so
 * a missing element can be made on the way and nothing that changes the
 * tree meanwhile can redirect a later step.  Before Linux 5.6 there is no
 * openat2: then openat(O_NOFOLLOW) and a comparison of the mount ids
 * (statx, 5.8; the device numbers before that) do the same.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/mountinfo.h"
#include "util/pending_restore_internal.h"

/* A staging tree is flat; deeper than this is not ours to remove. */
#define REMOVE_DEPTH_MAX 64

/* Set once the kernel said it has no openat2(), or by the tests. */
static bool no_openat2;

void
pr_beneath_force_fallback(bool on)
{
	no_openat2 = on;
}

/* Whether a and b lie on the same mount (the same device before 5.8). */
static bool
same_mount(int a, int b)
{
	uint64_t ma = mountinfo_mount_id(a), mb = mountinfo_mount_id(b);
	struct stat sa, sb;

	if (ma && mb)
		return ma == mb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev;
}

static int
step_fallback(int dirfd, const char *name)
{
	struct stat st;
	int fd, r;

	fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		/* As openat2() says it: a symbolic link on the way. */
		if (r == -ENOTDIR &&
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			r = -ELOOP;
		return r;
	}
	if (!same_mount(dirfd, fd)) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

static int
step(int dirfd, const char *name)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!no_openat2) {
		fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS)
			return -errno;
		no_openat2 = true;
	}
	return step_fallback(dirfd, name);
}

int
pr_open_step(int dirfd, const char *name, bool create)
{
	int fd;

	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EINVAL;
	fd = step(dirfd, name);
	if (fd != -ENOENT || !create)
		return fd;
	/* Another process may make it meanwhile: that one is taken. */
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	return step(dirfd, name);
}

int
pr_open_parent(int root, const char *relpath, bool create,
	       const char **ret_base)
{
	char elem[NAME_MAX + 1];
	const char *p = relpath;
	size_t n;
	int fd, next;

	if (!pr_relpath_valid(relpath))
		return -EINVAL;
	fd = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (p[n = strcspn(p, "/")] == '/') {
		memcpy(elem, p, n);
		elem[n] = '\0';
		next = pr_open_step(fd, elem, create);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
		p += n + 1;
	}
	*ret_base = p;
	return fd;
}

static int
remove_at(int dirfd, const char *name, int depth)
{
	struct dirent *de;
	struct stat st;
	int fd, r = 0, r2;
	DIR *d;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno
								       : 0;
	if (depth >= REMOVE_DEPTH_MAX)
		return -ELOOP;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!same_mount(dirfd, fd)) {
		close(fd);
		return -EXDEV;
	}
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		r2 = remove_at(fd, de->d_name, depth + 1);
		if (r2 < 0 && r == 0)
			r = r2;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
	    r == 0)
		r = -errno;
	return r;
}

int
pr_remove_tree(int dirfd, const char *name)
{
	return remove_at(dirfd, name, 0);
}
