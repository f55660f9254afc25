/*
 * lib/util/pending_restore_beneath.c - reaching directories beneath a
 * root one element at a time, never through a symbolic link and never
 * into another mount, and removing a staging tree the same way.
 *
 * Each step is beneath_open_subdir() of one element relative to the
 * directory before, so a missing element can be made on the way and
 * nothing that changes the tree meanwhile can redirect a later step.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/beneath.h"
#include "util/pending_restore_internal.h"
#include "util/relpath.h"

/* A staging tree is flat; deeper than this is not ours to remove. */
#define REMOVE_DEPTH_MAX 64

int
pr_open_step(int dirfd, const char *name, bool create)
{
	int fd;

	fd = beneath_open_subdir(dirfd, name, O_PATH);
	if (fd != -ENOENT || !create)
		return fd;
	/* Another process may make it meanwhile: that one is taken. */
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	return beneath_open_subdir(dirfd, name, O_PATH);
}

int
pr_open_parent(int root, const char *relpath, bool create,
	       const char **ret_base)
{
	char elem[NAME_MAX + 1];
	const char *p = relpath;
	size_t n;
	int fd, next;

	if (!*relpath || !relpath_valid(relpath))
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
	if (!beneath_same_mount(dirfd, fd)) {
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
