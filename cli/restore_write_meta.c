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
		rw_set_err(err, errlen, "cannot remove extended attributes: %s",
			strerror(-r));
		return r;
	}
	for (i = 0; i < e->xattr_count; i++) {
		if (x_set(x, e->xattr_names[i], e->xattr_values[i],
			  e->xattr_sizes[i]) == 0)
			continue;
		r = -errno;
		rw_set_err(err, errlen,
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

	rw_set_err(err, errlen, "cannot set %s: %s", what, strerror(-r));
	return r;
}

int
rmeta_apply_fd(int fd, const struct bset_entry *e, char *err, size_t errlen)
{
	struct timespec ts[2] = {
		fsmeta_timespec(e->atime_ns),
		fsmeta_timespec(e->mtime_ns),
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
		fsmeta_timespec(e->atime_ns),
		fsmeta_timespec(e->mtime_ns),
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
			rw_set_err(err, errlen,
				"cannot copy extended attribute \"%s\": %s", p,
				strerror(-r));
		}
	}
	free(list);
	if (r == 0 && fchmod(dst, st->st_mode & 07777) < 0)
		r = fail_errno("mode", err, errlen);
	return r;
}

void
rmeta_saved_release(struct rmeta_saved *s)
{
	size_t i;

	for (i = 0; i < s->count; i++) {
		free(s->names[i]);
		free(s->values[i]);
	}
	free(s->names);
	free(s->values);
	free(s->sizes);
	memset(s, 0, sizeof(*s));
}

/* Room for n more attributes in s; 0 or -ENOMEM. */
static int
saved_grow(struct rmeta_saved *s, size_t n)
{
	char **names;
	uint8_t **values;
	size_t *sizes;

	names = reallocarray(s->names, n, sizeof(*names));
	if (!names)
		return -ENOMEM;
	s->names = names;
	values = reallocarray(s->values, n, sizeof(*values));
	if (!values)
		return -ENOMEM;
	s->values = values;
	sizes = reallocarray(s->sizes, n, sizeof(*sizes));
	if (!sizes)
		return -ENOMEM;
	s->sizes = sizes;
	return 0;
}

int
rmeta_save(int fd, struct rmeta_saved *ret)
{
	struct rmeta_saved s = {0};
	uint8_t value[BSET_XATTR_SIZE_MAX];
	char *list = NULL, *p;
	struct stat st;
	ssize_t n, v;
	size_t k = 0;
	int r = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	s.uid = st.st_uid;
	s.gid = st.st_gid;
	s.mode = st.st_mode & 07777;
	n = flistxattr(fd, NULL, 0);
	if (n > 0 && (list = malloc((size_t)n)) == NULL)
		return -ENOMEM;
	if (n > 0)
		n = flistxattr(fd, list, (size_t)n);
	if (n < 0 && errno != ENOTSUP)
		r = -errno;
	for (p = list; r == 0 && n > 0 && p < list + n; p += strlen(p) + 1)
		k++;
	if (r == 0 && k)
		r = saved_grow(&s, k);
	for (p = list; r == 0 && n > 0 && p < list + n; p += strlen(p) + 1) {
		v = fgetxattr(fd, p, value, sizeof(value));
		if (v < 0 && errno == ENODATA)
			continue;
		if (v < 0) {
			r = -errno;
			break;
		}
		s.names[s.count] = strdup(p);
		s.values[s.count] = malloc(v ? (size_t)v : 1);
		if (!s.names[s.count] || !s.values[s.count]) {
			free(s.names[s.count]);
			free(s.values[s.count]);
			r = -ENOMEM;
			break;
		}
		memcpy(s.values[s.count], value, (size_t)v);
		s.sizes[s.count++] = (size_t)v;
	}
	free(list);
	if (r < 0) {
		rmeta_saved_release(&s);
		return r;
	}
	*ret = s;
	return 0;
}

int
rmeta_restore(int fd, const struct rmeta_saved *s, char *err, size_t errlen)
{
	size_t i;
	int r;

	if (fchown(fd, s->uid, s->gid) < 0)
		return fail_errno("owner", err, errlen);
	for (i = 0; i < s->count; i++) {
		if (fsetxattr(fd, s->names[i], s->values[i], s->sizes[i], 0) ==
		    0)
			continue;
		r = -errno;
		rw_set_err(err, errlen,
			"cannot set extended attribute \"%s\" again: %s",
			s->names[i], strerror(-r));
		return r;
	}
	if (fchmod(fd, s->mode) < 0)
		return fail_errno("mode", err, errlen);
	return 0;
}

void
rmeta_entry_free(struct bset_entry *e)
{
	if (!e)
		return;
	bset_entry_release(e);
	free(e);
}

static int
dup_opt(const char *s, const char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int
rmeta_entry_dup(const struct bset_entry *e, struct bset_entry **ret)
{
	struct bset_entry *c;
	char **names;
	uint8_t **values, *v;
	size_t *sizes, i, n = e->xattr_count;

	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = *e;
	c->path = c->link_target = c->hardlink_of = c->sha256 = NULL;
	c->xattr_count = 0;
	c->xattr_names = NULL;
	c->xattr_values = NULL;
	c->xattr_sizes = NULL;
	c->component_count = 0;
	c->components = NULL;
	if (dup_opt(e->path, &c->path) < 0 ||
	    dup_opt(e->link_target, &c->link_target) < 0 ||
	    dup_opt(e->hardlink_of, &c->hardlink_of) < 0 ||
	    dup_opt(e->sha256, &c->sha256) < 0)
		goto fail;
	if (n) {
		names = calloc(n, sizeof(*names));
		values = calloc(n, sizeof(*values));
		sizes = calloc(n, sizeof(*sizes));
		/* Set before the check: bset_entry_release() frees them. */
		c->xattr_names = (const char *const *)names;
		c->xattr_values = (const uint8_t *const *)values;
		c->xattr_sizes = sizes;
		if (!names || !values || !sizes)
			goto fail;
		for (i = 0; i < n; i++) {
			names[i] = strdup(e->xattr_names[i]);
			v = malloc(e->xattr_sizes[i] ? e->xattr_sizes[i] : 1);
			if (!names[i] || !v) {
				free(names[i]);
				free(v);
				goto fail;
			}
			memcpy(v, e->xattr_values[i], e->xattr_sizes[i]);
			values[i] = v;
			sizes[i] = e->xattr_sizes[i];
			c->xattr_count = i + 1;
		}
	}
	*ret = c;
	return 0;
fail:
	rmeta_entry_free(c);
	return -ENOMEM;
}
