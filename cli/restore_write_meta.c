/*
 * cli/restore_write_meta.c - temporary names and the metadata of a
 * restored object.
 *
 * The order is the backup's (docs/backup-set.md): owner first (chown
 * clears setuid bits and file capabilities), then the extended
 * attributes (ACLs, security.capability), then the mode, then the
 * times.  The attributes come from the manifest, which is authoritative:
 * the set's own file system may not have kept them.  An object made in a
 * directory with a default ACL inherits an ACL the manifest may not
 * list, and a directory that is kept may hold attributes added since the
 * backup: attributes in the user, trusted and system.posix_acl name
 * spaces that the manifest does not list are removed (security.* ones,
 * labels the system sets, are left alone).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "restore_write_internal.h"

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
rmeta_tmp_name(char buf[RESTORE_TMP_SIZE])
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t rnd[6];
	size_t i, off = sizeof(RESTORE_TMP_PREFIX) - 1;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	memcpy(buf, RESTORE_TMP_PREFIX, off);
	for (i = 0; i < sizeof(rnd); i++)
		buf[off + i] = chars[rnd[i] % (sizeof(chars) - 1)];
	buf[off + sizeof(rnd)] = '\0';
	return 0;
}

int
rmeta_tmpfile(int dir, char name[RESTORE_TMP_SIZE], bool *ret_named)
{
	int fd, r, tries;

	/* The name it will be linked under once complete. */
	if ((r = rmeta_tmp_name(name)) < 0)
		return r;
	fd = openat(dir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*ret_named = false;
		return fd;
	}
	/* A file system without O_TMPFILE says so in one of these ways. */
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	for (tries = 0; tries < 100; tries++) {
		if ((r = rmeta_tmp_name(name)) < 0)
			return r;
		fd = openat(dir, name,
			    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd >= 0) {
			*ret_named = true;
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int
rmeta_link_tmpfile(int fd, int dir, const char *name)
{
	char proc[64];

	if (linkat(fd, "", dir, name, AT_EMPTY_PATH) == 0)
		return 0;
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc does not. */
	if (errno != EPERM && errno != ENOENT)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, dir, name, AT_SYMLINK_FOLLOW) < 0
		       ? -errno
		       : 0;
}

/* The object an xattr call works on: an fd, or a path not followed. */
struct xobj {
	int fd;            /* >= 0: f*xattr() */
	char path[64 + BSET_NAME_MAX];  /* else l*xattr() on this */
};

static ssize_t
x_list(const struct xobj *x, char *buf, size_t size)
{
	return x->fd >= 0 ? flistxattr(x->fd, buf, size)
			  : llistxattr(x->path, buf, size);
}

static int
x_set(const struct xobj *x, const char *name, const void *v, size_t n)
{
	return x->fd >= 0 ? fsetxattr(x->fd, name, v, n, 0)
			  : lsetxattr(x->path, name, v, n, 0);
}

static int
x_remove(const struct xobj *x, const char *name)
{
	return x->fd >= 0 ? fremovexattr(x->fd, name)
			  : lremovexattr(x->path, name);
}

static bool
listed(const struct bset_entry *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->xattr_count; i++)
		if (strcmp(e->xattr_names[i], name) == 0)
			return true;
	return false;
}

static bool
removable(const char *name)
{
	return strncmp(name, "user.", 5) == 0 ||
	       strncmp(name, "trusted.", 8) == 0 ||
	       strncmp(name, "system.posix_acl_", 17) == 0;
}

/* Remove the attributes the manifest does not list (above). */
static int
strip_xattrs(const struct xobj *x, const struct bset_entry *e)
{
	char *list, *p;
	ssize_t n;
	int r = 0;

	n = x_list(x, NULL, 0);
	if (n <= 0)
		return n < 0 && errno != ENOTSUP && errno != EOPNOTSUPP ? -errno
									 : 0;
	list = malloc((size_t)n);
	if (!list)
		return -ENOMEM;
	n = x_list(x, list, (size_t)n);
	if (n < 0)
		r = -errno;
	for (p = list; r == 0 && p < list + n; p += strlen(p) + 1)
		if (removable(p) && !listed(e, p) && x_remove(x, p) < 0 &&
		    errno != ENODATA)
			r = -errno;
	free(list);
	return r;
}

static int
apply_xattrs(const struct xobj *x, const struct bset_entry *e, char *err,
	     size_t errlen)
{
	size_t i;
	int r;

	if ((r = strip_xattrs(x, e)) < 0) {
		set_err(err, errlen, "cannot remove extended attributes: %s",
			strerror(-r));
		return r;
	}
	for (i = 0; i < e->xattr_count; i++) {
		if (x_set(x, e->xattr_names[i], e->xattr_values[i],
			  e->xattr_sizes[i]) == 0)
			continue;
		r = -errno;
		set_err(err, errlen,
			"cannot set extended attribute \"%s\": %s%s",
			e->xattr_names[i], strerror(-r),
			r == -EOPNOTSUPP ? " (the target file system cannot "
					   "hold it)"
					 : "");
		return r;
	}
	return 0;
}

static int
fail_errno(const char *what, char *err, size_t errlen)
{
	int r = -errno;

	set_err(err, errlen, "cannot set %s: %s", what, strerror(-r));
	return r;
}

int
rmeta_apply_fd(int fd, const struct bset_entry *e, char *err, size_t errlen)
{
	struct timespec ts[2] = {
		bset_timespec(e->atime_ns),
		bset_timespec(e->mtime_ns),
	};
	struct xobj x = {.fd = fd};
	int r;

	if (fchown(fd, e->uid, e->gid) < 0)
		return fail_errno("owner", err, errlen);
	if ((r = apply_xattrs(&x, e, err, errlen)) < 0)
		return r;
	if (fchmod(fd, e->mode & 07777) < 0)
		return fail_errno("mode", err, errlen);
	if (futimens(fd, ts) < 0)
		return fail_errno("times", err, errlen);
	return 0;
}

int
rmeta_apply_at(int dir, const char *name, const struct bset_entry *e,
	       char *err, size_t errlen)
{
	struct timespec ts[2] = {
		bset_timespec(e->atime_ns),
		bset_timespec(e->mtime_ns),
	};
	struct xobj x = {.fd = -1};
	int r;

	/* The object itself by a path without a symbolic link on the way. */
	snprintf(x.path, sizeof(x.path), "/proc/self/fd/%d/%s", dir, name);
	if (fchownat(dir, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_errno("owner", err, errlen);
	if ((r = apply_xattrs(&x, e, err, errlen)) < 0)
		return r;
	/* A symbolic link has no mode of its own on Linux. */
	if (!S_ISLNK(e->mode) &&
	    fchmodat(dir, name, e->mode & 07777, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_errno("mode", err, errlen);
	if (utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_errno("times", err, errlen);
	return 0;
}

int
rmeta_copy_fd(int src, int dst, const struct stat *st, char *err,
	      size_t errlen)
{
	char *list = NULL, *p;
	uint8_t value[BSET_XATTR_SIZE_MAX];
	ssize_t n, v;
	int r = 0;

	if (fchown(dst, st->st_uid, st->st_gid) < 0)
		return fail_errno("owner", err, errlen);
	n = flistxattr(src, NULL, 0);
	if (n > 0 && (list = malloc((size_t)n)) == NULL)
		return -ENOMEM;
	if (n > 0)
		n = flistxattr(src, list, (size_t)n);
	for (p = list; r == 0 && n > 0 && p < list + n; p += strlen(p) + 1) {
		v = fgetxattr(src, p, value, sizeof(value));
		if (v < 0 && errno == ENODATA)
			continue;
		if (v < 0 || fsetxattr(dst, p, value, (size_t)v, 0) < 0) {
			r = -errno;
			set_err(err, errlen,
				"cannot copy extended attribute \"%s\": %s", p,
				strerror(-r));
		}
	}
	free(list);
	if (r == 0 && fchmod(dst, st->st_mode & 07777) < 0)
		r = fail_errno("mode", err, errlen);
	return r;
}
