/*
 * cli/restore_target.c - the trees a restore writes into: reaching a
 * path below a root without a symbolic link or a mount crossing, saying
 * exactly which element is wrong, and what is at a path now (RS-041).
 *
 * One openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV)
 * does the common case; when it fails, or the kernel lacks it, the path
 * is walked one element at a time with beneath_open_subdir() (the same
 * rules, by openat(O_NOFOLLOW) and mount ids where needed), which also
 * names the element that stopped it and makes missing directories.
 * Everything is done through directory fds, so a directory that another
 * process swaps for a symbolic link after the check is never followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "restore_write_internal.h"
#include "util/beneath.h"
#include "util/mkdir_p.h"

void
rw_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
rbatch_where(const struct rtarget *t, const char *relpath, char *buf,
	     size_t len)
{
	const char *root = t->root;

	if (!*relpath)
		snprintf(buf, len, "%s", root);
	else
		snprintf(buf, len, "%s%s%s", root,
			 root[strlen(root) - 1] == '/' ? "" : "/", relpath);
	return buf;
}

/* Why relpath is not a clean relative path, for the message. */
static const char *
path_problem(const char *relpath)
{
	const char *p = relpath;
	size_t n;

	if (*relpath == '/')
		return "is absolute";
	if (strlen(relpath) >= BSET_PATH_MAX)
		return "is too long";
	for (;;) {
		n = strcspn(p, "/");
		if (n == 0)
			return "has an empty element";
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "has a \"..\" element";
		if (n == 1 && p[0] == '.')
			return "has a \".\" element";
		if (n > BSET_NAME_MAX)
			return "has an element longer than 255 bytes";
		if (!p[n])
			return "is not a clean relative path";
		p += n + 1;
	}
}

int
rt_check_path(const struct rtarget *t, const char *relpath, char *err,
	   size_t errlen)
{
	if (!relpath) {
		rw_set_err(err, errlen, "no path below \"%s\"", t->root);
		return -EINVAL;
	}
	if (relpath_valid(relpath))
		return 0;
	rw_set_err(err, errlen, "path \"%s\" below \"%s\" %s: refused", relpath,
		t->root, path_problem(relpath));
	return -EINVAL;
}

/* What went wrong with element elem of a walk, in words. */
static void
walk_err(const struct rtarget *t, const char *dir, size_t upto, int r,
	 char *err, size_t errlen)
{
	char where[BSET_PATH_MAX + 256], prefix[BSET_PATH_MAX];
	const char *what;

	snprintf(prefix, sizeof(prefix), "%.*s", (int)upto, dir);
	rbatch_where(t, prefix, where, sizeof(where));
	switch (r) {
	case -ELOOP:
		what = "is a symbolic link: the target tree must not have "
		       "any (refused)";
		break;
	case -EXDEV:
		what = "is on another mount than the target's root: refused";
		break;
	case -ENOTDIR:
		what = "is not a directory";
		break;
	case -ENOENT:
		what = "does not exist";
		break;
	default:
		what = strerror(-r);
		break;
	}
	rw_set_err(err, errlen, "\"%s\" %s", where, what);
}

/* The walk, one element at a time, making what is missing when asked. */
static int
walk(struct rtarget *t, const char *dir, int flags, rt_made_fn made, void *u,
     char *err, size_t errlen)
{
	char elem[BSET_NAME_MAX + 1], sofar[BSET_PATH_MAX];
	const char *p = dir;
	int fd, next, r;
	size_t n;

	fd = openat(t->fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (*p) {
		n = strcspn(p, "/");
		memcpy(elem, p, n);
		elem[n] = '\0';
		/* The last element with the caller's flags, the rest O_PATH. */
		next = beneath_open_subdir(fd, elem, p[n] ? O_PATH : flags);
		if (next == -ENOENT && made) {
			r = mkdirat(fd, elem, 0755) < 0 ? -errno : 0;
			if (r < 0 && r != -EEXIST) {
				walk_err(t, dir, (size_t)(p - dir) + n, r, err,
					 errlen);
				close(fd);
				return r;
			}
			snprintf(sofar, sizeof(sofar), "%.*s",
				 (int)((size_t)(p - dir) + n), dir);
			/*
			 * Made by someone else meanwhile: not ours to report.
			 * Ours and not recorded (no memory): not left behind.
			 */
			if (r == 0 && (r = made(t, sofar, u)) < 0) {
				unlinkat(fd, elem, AT_REMOVEDIR);
				close(fd);
				return r;
			}
			next = beneath_open_subdir(fd, elem,
						   p[n] ? O_PATH : flags);
		}
		if (next < 0) {
			walk_err(t, dir, (size_t)(p - dir) + n, next, err,
				 errlen);
			close(fd);
			return next;
		}
		close(fd);
		fd = next;
		p += n + (p[n] == '/');
	}
	if (!*dir && flags != O_PATH) {
		close(fd);
		fd = openat(t->fd, ".", flags | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	return fd;
}

int
rt_open_dir(struct rtarget *t, const char *dir, int flags, rt_made_fn made,
	    void *u, char *err, size_t errlen)
{
	int fd, r;

	if ((r = rt_check_path(t, dir, err, errlen)) < 0)
		return r;
	fd = beneath_openat2(t->fd, dir, flags, true);
	if (fd >= 0)
		return fd;
	/* Make what is missing, or say which element is wrong. */
	return walk(t, dir, flags, made, u, err, errlen);
}

void
rt_cache_release(struct rdir_cache *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	c->fd = -1;
	c->path = NULL;
	c->owner = NULL;
}

int
rt_cached_dir(struct rdir_cache *c, struct rtarget *t, const char *dir,
	      rt_made_fn made, void *u, char *err, size_t errlen)
{
	char *copy;
	int fd;

	if (c->fd >= 0 && c->owner == t && strcmp(c->path, dir) == 0)
		return c->fd;
	fd = rt_open_dir(t, dir, O_PATH, made, u, err, errlen);
	if (fd < 0)
		return fd;
	copy = strdup(dir);
	if (!copy) {
		close(fd);
		return -ENOMEM;
	}
	rt_cache_release(c);
	c->owner = t;
	c->path = copy;
	c->fd = fd;
	return fd;
}

bool
rt_stx_locked(const struct statx *stx)
{
	return stx->stx_attributes & stx->stx_attributes_mask &
	       (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND);
}

int
rtarget_open(struct rtarget **ret, const char *root, bool create, char *err,
	     size_t errlen)
{
	struct rtarget *t;
	size_t len;
	int r;

	if (!ret || !root || root[0] != '/') {
		rw_set_err(err, errlen, "target \"%s\" is not an absolute path",
			root ? root : "(null)");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = -1;
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	t->root = strndup(root, len);
	if (!t->root) {
		r = -ENOMEM;
		goto fail;
	}
	if (create && (r = mkdir_p(t->root, 0755, 0, NULL)) < 0) {
		rw_set_err(err, errlen, "cannot make \"%s\": %s", t->root,
			strerror(-r));
		goto fail;
	}
	/* The root itself is the caller's choice: it may be a link. */
	t->fd = open(t->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->fd < 0) {
		r = -errno;
		rw_set_err(err, errlen, "cannot open target \"%s\": %s", t->root,
			strerror(-r));
		goto fail;
	}
	*ret = t;
	return 0;
fail:
	rtarget_free(t);
	return r;
}

void
rtarget_free(struct rtarget *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->root);
	free(t);
}

const char *
rtarget_root(const struct rtarget *t)
{
	return t ? t->root : "";
}

/*
 * The parent of relpath open O_PATH, or -ENOENT when some parent does
 * not exist yet (what rbatch_add() would make); *ret_name its last
 * element.
 */
static int
open_parent(struct rtarget *t, const char *relpath, const char **ret_name,
	    char *err, size_t errlen)
{
	char parent[BSET_PATH_MAX];
	int r;

	if ((r = rt_check_path(t, relpath, err, errlen)) < 0)
		return r;
	*ret_name = bset_split_path(relpath, parent);
	return rt_open_dir(t, parent, O_PATH, NULL, NULL, err, errlen);
}

int
rtarget_check(struct rtarget *t, const char *relpath, char *err,
	      size_t errlen)
{
	const char *name;
	int fd;

	if (!t)
		return -EINVAL;
	fd = open_parent(t, relpath, &name, err, errlen);
	if (fd == -ENOENT)
		return 0; /* missing parents are made: nothing to cross */
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/*
 * Whether another process has the regular file name in dir open: it
 * does when a write lease cannot be taken (EAGAIN).  The lease is let go
 * at once; its break signal (SIGIO, which would end the process) is
 * blocked meanwhile and taken back if one came in that instant.
 */
static bool
is_busy(int dir, const char *name)
{
	sigset_t io, old;
	struct timespec zero = {0, 0};
	bool busy = false;
	int fd;

	fd = openat(dir, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	sigemptyset(&io);
	sigaddset(&io, SIGIO);
	sigprocmask(SIG_BLOCK, &io, &old);
	if (fcntl(fd, F_SETLEASE, F_WRLCK) == 0)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	else
		busy = errno == EAGAIN;
	close(fd);
	if (!sigismember(&old, SIGIO)) {
		sigtimedwait(&io, NULL, &zero);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	return busy;
}

/* Immutable or append-only by FS_IOC_GETFLAGS, for a file or directory. */
static bool
flags_locked(int dir, const char *name)
{
	int fd, flags = 0;
	bool locked;

	fd = openat(dir, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	locked = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
		 (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL));
	close(fd);
	return locked;
}

static bool
locked(int dir, const char *name, const struct statx *stx)
{
	if (stx->stx_attributes_mask & STATX_ATTR_IMMUTABLE)
		return rt_stx_locked(stx);
	/* The file system does not say through statx: ask it directly. */
	if (S_ISREG(stx->stx_mode) || S_ISDIR(stx->stx_mode))
		return flags_locked(dir, name);
	return false;
}

int
rtarget_probe(struct rtarget *t, const char *relpath, mode_t type,
	      enum rtarget_state *ret, char *why, size_t whylen)
{
	char where[BSET_PATH_MAX + 256];
	struct statx stx, pstx;
	struct statvfs vfs;
	const char *name;
	int fd, r;

	if (!t || !ret || !fsmeta_type_name(type & S_IFMT))
		return -EINVAL;
	type &= S_IFMT;
	rw_set_err(why, whylen, "%s", "");
	fd = open_parent(t, relpath, &name, why, whylen);
	if (fd == -ENOENT) {
		rw_set_err(why, whylen, "%s", "");
		*ret = RT_ABSENT;
		return 0;
	}
	if (fd < 0)
		return fd;
	rbatch_where(t, relpath, where, sizeof(where));
	if (statx(fd, name, AT_SYMLINK_NOFOLLOW,
		  STATX_TYPE | STATX_MODE, &stx) < 0) {
		r = -errno;
		close(fd);
		if (r != -ENOENT)
			return r;
		*ret = RT_ABSENT;
		return 0;
	}
	*ret = RT_LOCKED;
	if (fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		rw_set_err(why, whylen, "\"%s\" is on a read-only file system",
			where);
	} else if (S_ISDIR(stx.stx_mode) != (type == S_IFDIR)) {
		rw_set_err(why, whylen, "\"%s\" is %s", where,
			S_ISDIR(stx.stx_mode)
				? "a directory where a non-directory goes"
				: "not a directory, where a directory goes");
	} else if (locked(fd, name, &stx)) {
		rw_set_err(why, whylen, "\"%s\" is immutable or append-only",
			where);
	} else if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, &pstx) == 0 &&
		   rt_stx_locked(&pstx) && type != S_IFDIR) {
		rw_set_err(why, whylen,
			"the directory of \"%s\" is immutable or append-only",
			where);
	} else if (S_ISREG(stx.stx_mode) && is_busy(fd, name)) {
		*ret = RT_BUSY;
		rw_set_err(why, whylen, "\"%s\" is open in another process",
			where);
	} else {
		*ret = RT_REPLACEABLE;
	}
	close(fd);
	return 0;
}
