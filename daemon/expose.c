/*
 * daemon/expose.c - the mount side of exposing shadow copies (SN-030..
 * SN-034): checking where an exposure may go, making the default place
 * for one, the read-only mount and its removal.  See expose.h.
 *
 * The paths come from requesters, who may own directories along them and
 * swap a component for a symbolic link between a check and the mount.
 * So a checked directory is held by an O_PATH descriptor and its canonical
 * path read back from that descriptor, and the mount is attached to a
 * descriptor opened without following any symbolic link; vssd runs as
 * root and must not be steered into mounting over /etc.
 */
#include "expose.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vss/status.h>

#include "daemon.h"
#include "util/mkdir_p.h"

/* Append "what[: strerror(errnum)]" to err, "; " after what is there. */
static void __attribute__((format(printf, 4, 0)))
vnote(char *err, size_t errlen, int errnum, const char *fmt, va_list ap)
{
	char what[1024], tmp[128];
	size_t used;

	if (!err || errlen == 0)
		return;
	vsnprintf(what, sizeof(what), fmt, ap);
	used = strnlen(err, errlen - 1);
	snprintf(err + used, errlen - used, "%s%s%s%s", used ? "; " : "", what,
		 errnum ? ": " : "",
		 errnum ? strerror_r(errnum, tmp, sizeof(tmp)) : "");
}

static void __attribute__((format(printf, 4, 5)))
note(char *err, size_t errlen, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(err, errlen, errnum, fmt, ap);
	va_end(ap);
}

/* note() the failure and return its status r. */
static int __attribute__((format(printf, 5, 6)))
fail(char *err, size_t errlen, int r, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(err, errlen, errnum, fmt, ap);
	va_end(ap);
	return r;
}

static void
clear(char *err, size_t errlen)
{
	if (err && errlen > 0)
		err[0] = '\0';
}

/* path without trailing slashes ("/" stays); caller owns, free(). */
static char *
trim_slashes(const char *path)
{
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	return strndup(path, len);
}

/*
 * Open the directory at path (O_PATH: for reference only) without
 * following a symbolic link in its last element, even one written with a
 * trailing slash.
 */
static int
open_dir(const char *path, int *ret_fd, char *err, size_t errlen)
{
	struct stat st;
	char *trimmed;
	int fd, saved, r;

	trimmed = trim_slashes(path);
	if (!trimmed)
		return fail(err, errlen, -ENOMEM, ENOMEM, "cannot check '%s'",
			    path);
	fd = open(trimmed, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	saved = errno;
	if (fd >= 0) {
		*ret_fd = fd;
		r = 0;
	} else if (saved == ENOENT) {
		r = fail(err, errlen, VSS_E_OBJECT_NOT_FOUND, 0,
			 "'%s' does not exist", path);
	} else if (saved == ENOTDIR || saved == ELOOP) {
		bool link =
		    fstatat(AT_FDCWD, trimmed, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode);

		r = fail(err, errlen, -ENOTDIR, 0, "'%s' is %s", path,
			 link ? "a symbolic link" : "not a directory");
	} else {
		r = fail(err, errlen, -saved, saved, "cannot open '%s'", path);
	}
	free(trimmed);
	return r;
}

/*
 * The canonical path of the directory held by fd, as the kernel (and so
 * mountinfo) names it; caller owns, free().
 */
static int
fd_path(int fd, char **ret)
{
	char proc[64], buf[PATH_MAX], *path;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* Removed meanwhile: the link would read "<path> (deleted)". */
	if (st.st_nlink == 0)
		return VSS_E_OBJECT_NOT_FOUND;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	buf[n] = '\0';
	path = strdup(buf);
	if (!path)
		return -ENOMEM;
	*ret = path;
	return 0;
}

/* 0 when the directory fd holds nothing but "." and "..". */
static int
dir_empty(int fd)
{
	struct dirent *de;
	DIR *d;
	int dfd, r = 0;

	/* O_PATH cannot be read: open the directory itself through it. */
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			r = -errno;
			break;
		}
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			r = -ENOTEMPTY;
			break;
		}
	}
	closedir(d);
	return r;
}

/* Is a equal to b or below it?  Both canonical. */
static bool
path_within(const char *a, const char *b)
{
	size_t len = strlen(b);

	if (strcmp(b, "/") == 0)
		return true;
	return strncmp(a, b, len) == 0 && (a[len] == '\0' || a[len] == '/');
}

/*
 * -EINVAL when path (canonical) is inside, equal to or around one of the
 * forbidden roots.  Those are compared canonical too; one that no longer
 * resolves is compared as written.
 */
static int
check_forbidden(const char *path, const char *const *forbidden, size_t n,
		char *err, size_t errlen)
{
	char *root;
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if (!forbidden[i])
			continue;
		root = realpath(forbidden[i], NULL);
		if (!root && errno != ENOMEM)
			root = trim_slashes(forbidden[i]);
		if (!root)
			return fail(err, errlen, -ENOMEM, ENOMEM,
				    "cannot check '%s'", path);
		if (path_within(path, root))
			r = fail(err, errlen, -EINVAL, 0,
				 "'%s' is inside shadow copy '%s'", path, root);
		else if (path_within(root, path))
			r = fail(err, errlen, -EINVAL, 0,
				 "'%s' contains shadow copy '%s'", path, root);
		free(root);
	}
	return r;
}

/* -EBUSY when the directory fd (at canonical path) is a mount point,
 * -ENOTEMPTY when it holds anything. */
static int
check_vacant(int fd, const char *path, char *err, size_t errlen)
{
	bool mounted = false;
	int r;

	r = volume_is_mount_point(path, &mounted);
	if (r < 0)
		return fail(err, errlen, r, -r, "cannot read mountinfo");
	if (mounted)
		return fail(err, errlen, -EBUSY, 0, "'%s' is a mount point",
			    path);
	r = dir_empty(fd);
	if (r == -ENOTEMPTY)
		return fail(err, errlen, r, 0, "'%s' is not empty", path);
	if (r < 0)
		return fail(err, errlen, r, -r, "cannot read '%s'", path);
	return 0;
}

int
expose_check_path(const char *path, const char *const *forbidden, size_t n,
		  char **ret, char *err, size_t errlen)
{
	char *real = NULL;
	int fd, r;

	clear(err, errlen);
	if (!path || !ret || (n > 0 && !forbidden))
		return fail(err, errlen, -EINVAL, 0, "invalid arguments");
	if (path[0] != '/')
		return fail(err, errlen, -EINVAL, 0,
			    "'%s' is not an absolute path", path);
	r = open_dir(path, &fd, err, errlen);
	if (r < 0)
		return r;
	r = fd_path(fd, &real);
	if (r == VSS_E_OBJECT_NOT_FOUND)
		note(err, errlen, 0, "'%s' was removed", path);
	else if (r < 0)
		note(err, errlen, -r, "cannot resolve '%s'", path);
	if (r == 0)
		r = check_forbidden(real, forbidden, n, err, errlen);
	if (r == 0)
		r = check_vacant(fd, real, err, errlen);
	close(fd);
	if (r < 0) {
		free(real);
		return r;
	}
	*ret = real;
	return 0;
}

/* mkdir -p path, each directory made 0755 whatever the umask. */
static int
make_dirs(const char *path, char *err, size_t errlen)
{
	size_t failed;
	int r;

	r = mkdir_p(path, 0755, MKDIR_P_EXACT_MODE, &failed);
	if (r < 0)
		return fail(err, errlen, r, -r, "cannot make '%.*s'",
			    (int)failed, path);
	return 0;
}

/* Make path (canonical) 0755, or accept it as an empty directory. */
static int
make_exposure_dir(const char *path, char *err, size_t errlen)
{
	int fd, r;

	if (mkdir(path, 0755) == 0) {
		if (chmod(path, 0755) < 0)
			return fail(err, errlen, -errno, errno,
				    "cannot chmod '%s'", path);
		return 0;
	}
	if (errno != EEXIST)
		return fail(err, errlen, -errno, errno, "cannot make '%s'",
			    path);
	r = open_dir(path, &fd, err, errlen);
	if (r < 0)
		return r;
	r = check_vacant(fd, path, err, errlen);
	close(fd);
	return r;
}

int
expose_default_path(const char *base, const vss_id *id, char **ret, char *err,
		    size_t errlen)
{
	char name[VSS_ID_STRLEN], *real, *path = NULL;
	int r;

	clear(err, errlen);
	if (!base || !id || !ret)
		return fail(err, errlen, -EINVAL, 0, "invalid arguments");
	if (base[0] != '/')
		return fail(err, errlen, -EINVAL, 0,
			    "'%s' is not an absolute path", base);
	r = make_dirs(base, err, errlen);
	if (r < 0)
		return r;
	real = realpath(base, NULL);
	if (!real)
		return fail(err, errlen, -errno, errno, "cannot resolve '%s'",
			    base);
	vss_id_format(id, name);
	if (asprintf(&path, "%s%s%s", real, strcmp(real, "/") ? "/" : "",
		     name) < 0) {
		path = NULL;
		r = fail(err, errlen, -ENOMEM, ENOMEM, "cannot make '%s/%s'",
			 real, name);
	}
	free(real);
	if (r == 0)
		r = make_exposure_dir(path, err, errlen);
	if (r < 0) {
		free(path);
		return r;
	}
	*ret = path;
	return 0;
}

/* openat2() (Linux 5.6), which glibc 2.36 does not wrap. */
static int
open_dir_no_symlinks(const char *path)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_NO_SYMLINKS,
	};

	return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

/* The status of a failed lookup of what to mount, or where. */
static int
lookup_failed(int errnum, const char *path, char *err, size_t errlen)
{
	switch (errnum) {
	case ENOENT:
		return fail(err, errlen, VSS_E_OBJECT_NOT_FOUND, 0,
			    "'%s' does not exist", path);
	case ELOOP:
		return fail(err, errlen, -ELOOP, 0,
			    "'%s' goes through a symbolic link", path);
	default:
		return fail(err, errlen, -errnum, errnum, "cannot open '%s'",
			    path);
	}
}

int
expose_bind(const char *dir, const char *path, char *err, size_t errlen)
{
	struct mount_attr ro = {
	    .attr_set =
		MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};
	struct mount_attr priv = {.propagation = MS_PRIVATE};
	char proc[64];
	int tfd, mfd, r = 0;

	clear(err, errlen);
	if (!dir || !path || dir[0] != '/' || path[0] != '/')
		return fail(err, errlen, -EINVAL, 0,
			    "invalid arguments (absolute paths needed)");
	tfd = open_dir_no_symlinks(path);
	if (tfd < 0)
		return lookup_failed(errno, path, err, errlen);
	/* A copy of dir's mount alone (no AT_RECURSIVE), attached nowhere. */
	mfd = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (mfd < 0) {
		r = lookup_failed(errno, dir, err, errlen);
		goto out;
	}
	/* Closing mfd drops a copy not yet attached: nothing to undo. */
	if (mount_setattr(mfd, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0) {
		r = fail(err, errlen, -errno, errno,
			 "cannot make a read-only copy of '%s'", dir);
		goto out;
	}
	if (move_mount(mfd, "", tfd, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		r = fail(err, errlen, -errno, errno,
			 "cannot mount '%s' on '%s'", dir, path);
		goto out;
	}
	/* Attached under a shared parent it became shared: keep it apart. */
	if (mount_setattr(mfd, "", AT_EMPTY_PATH, &priv, sizeof(priv)) < 0) {
		r = fail(err, errlen, -errno, errno,
			 "cannot make the mount on '%s' private", path);
		/* Through mfd: exactly our mount, whatever path holds now. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", mfd);
		umount2(proc, MNT_DETACH);
	}
out:
	if (mfd >= 0)
		close(mfd);
	close(tfd);
	return r;
}

int
expose_unmount(const char *path, bool remove_dir, char *err, size_t errlen)
{
	bool mounted = false;
	int r;

	clear(err, errlen);
	if (!path || path[0] != '/')
		return fail(err, errlen, -EINVAL, 0, "invalid arguments");
	r = volume_is_mount_point(path, &mounted);
	if (r < 0)
		return fail(err, errlen, r, -r, "cannot read mountinfo");
	if (!mounted)
		return fail(err, errlen, VSS_E_OBJECT_NOT_FOUND, 0,
			    "'%s' is not a mount point", path);
	if (umount2(path, UMOUNT_NOFOLLOW) < 0) {
		if (errno != EBUSY)
			return fail(err, errlen, -errno, errno,
				    "cannot unmount '%s'", path);
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			return fail(err, errlen, -errno, errno,
				    "cannot detach '%s'", path);
		note(err, errlen, 0,
		     "'%s' was busy: detached, it goes once no longer used",
		     path);
	}
	if (remove_dir && rmdir(path) < 0)
		note(err, errlen, errno, "unmounted '%s' but cannot remove it",
		     path);
	return 0;
}

bool
expose_is_mounted(const char *path)
{
	bool mounted = false;

	return path && volume_is_mount_point(path, &mounted) == 0 && mounted;
}
