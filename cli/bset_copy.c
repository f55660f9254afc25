/*
 * cli/bset_copy.c - copy one object of a shadow copy into the set with
 * all its metadata.
 *
 * The source is reached below the shadow root without following a
 * symbolic link in any element (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS), then examined with fstatat(AT_SYMLINK_NOFOLLOW);
 * only regular files are ever opened, so a device node is never opened
 * and a symbolic link never followed.  Extended attributes are read and
 * written through /proc/self/fd/<parent>/<name> with the l*xattr() calls,
 * which reach the object itself, whatever its type, by a path that has
 * no symbolic link in it.
 *
 * On the target the order matters: data first, then owner (chown clears
 * setuid bits and file capabilities), then the attributes (ACLs,
 * security.capability), then the mode, then the times.  Directories get
 * their attributes, mode and times at commit, after their contents, so
 * that a default ACL does not leak into the files copied into them and a
 * read-only directory can still be filled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <vss/status.h>

#include "bset_internal.h"

/* ---- reaching an object without following symbolic links ------------- */

int
bset_open_regular(int dir, const char *name, struct stat *ret_st)
{
	struct stat st;
	int fd, flags, r;

	fd = openat(dir, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	if (ret_st)
		*ret_st = st;
	return fd;
fail:
	close(fd);
	return r;
}

/* "/proc/self/fd/<dir>/<name>": the object itself, for the l*xattr(). */
static void
proc_path(char *buf, size_t size, int dir, const char *name)
{
	snprintf(buf, size, "/proc/self/fd/%d/%s", dir, name);
}

/* ---- extended attributes --------------------------------------------- */

static int
add_xattr(struct bset_entry *e, size_t cap, const char *path,
	  const char *name)
{
	char **names = (char **)e->xattr_names;
	uint8_t **values = (uint8_t **)e->xattr_values;
	size_t *sizes = (size_t *)e->xattr_sizes;
	uint8_t *value;
	ssize_t n;

	if (e->xattr_count == cap)
		return -EAGAIN; /* more than listed: it changed */
	if (!bset_utf8_valid(name))
		return -EILSEQ;
	n = lgetxattr(path, name, NULL, 0);
	if (n < 0)
		return errno == ENODATA ? 0 : -errno;
	value = malloc((size_t)n + 1);
	if (!value)
		return -ENOMEM;
	n = lgetxattr(path, name, value, (size_t)n);
	if (n < 0) {
		free(value);
		return errno == ERANGE ? -EAGAIN : -errno;
	}
	names[e->xattr_count] = strdup(name);
	if (!names[e->xattr_count]) {
		free(value);
		return -ENOMEM;
	}
	values[e->xattr_count] = value;
	sizes[e->xattr_count] = (size_t)n;
	e->xattr_count++;
	return 0;
}

/* Read every extended attribute of the source object into e. */
static int
read_xattrs(int dir, const char *name, struct bset_entry *e)
{
	char path[64 + BSET_NAME_MAX], *list, *p;
	size_t cap = 0;
	ssize_t n;
	int r = 0;

	proc_path(path, sizeof(path), dir, name);
	n = llistxattr(path, NULL, 0);
	if (n < 0)
		return errno == ENOTSUP || errno == EOPNOTSUPP ? 0 : -errno;
	if (n == 0)
		return 0;
	list = malloc((size_t)n);
	if (!list)
		return -ENOMEM;
	n = llistxattr(path, list, (size_t)n);
	if (n < 0) {
		r = errno == ERANGE ? -EAGAIN : -errno;
		goto out;
	}
	for (p = list; p < list + n; p += strlen(p) + 1)
		cap++;
	e->xattr_names = calloc(cap, sizeof(char *));
	e->xattr_values = calloc(cap, sizeof(uint8_t *));
	e->xattr_sizes = calloc(cap, sizeof(size_t));
	if (!e->xattr_names || !e->xattr_values || !e->xattr_sizes) {
		r = -ENOMEM;
		goto out;
	}
	for (p = list; r == 0 && p < list + n; p += strlen(p) + 1)
		r = add_xattr(e, cap, path, p);
out:
	free(list);
	return r;
}

int
bset_apply_xattrs(struct bset *s, int dir, const char *name,
		  const struct bset_entry *e)
{
	char path[64 + BSET_NAME_MAX];
	size_t i;

	proc_path(path, sizeof(path), dir, name);
	for (i = 0; i < e->xattr_count; i++) {
		if (lsetxattr(path, e->xattr_names[i], e->xattr_values[i],
			      e->xattr_sizes[i], 0) == 0)
			continue;
		/*
		 * A file system without them, or a name space we may not
		 * write (trusted.* without CAP_SYS_ADMIN): the manifest
		 * keeps the attribute for restore.
		 */
		if (errno == ENOTSUP || errno == EOPNOTSUPP || errno == EPERM)
			s->stats.xattrs_kept_in_manifest_only++;
		else
			return -errno;
	}
	return 0;
}

/* ---- one object ------------------------------------------------------ */

static int
time_ns(const struct timespec *ts, int64_t *ret)
{
	/* Seconds that fit in 64 bits of nanoseconds: years 1678 to 2262. */
	if (ts->tv_sec > INT64_MAX / 1000000000 - 1 ||
	    ts->tv_sec < INT64_MIN / 1000000000 + 1)
		return -EOVERFLOW;
	*ret = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
	return 0;
}

/*
 * A hard link to the first copy of the same source inode (of source
 * volume src_volume) when that copy is on volume, the one e is recorded
 * on (a manifest's hard link names an entry of its own volume); 1 when
 * made.
 */
static int
link_first(struct bset *s, size_t src_volume, size_t volume, int tdir,
	   const char *name, const struct stat *st, struct bset_entry *e)
{
	const struct bset_entry *first;
	char parent[BSET_PATH_MAX];
	const char *first_name;
	size_t idx;
	int fd, r;

	idx = bset_find_inode(s, src_volume, st);
	if (idx == (size_t)-1 || s->m.entries[idx].volume != volume)
		return 0;
	first = &s->m.entries[idx];
	first_name = bset_split_path(first->path, parent);
	fd = beneath_open_dir(s->fds[volume].target, parent, O_PATH);
	if (fd < 0)
		return fd;
	r = linkat(fd, first_name, tdir, name, 0);
	close(fd);
	/* Too many links on the target: an independent copy will do. */
	if (r < 0)
		return errno == EMLINK ? 0 : -errno;
	e->hardlink_of = strdup(first->path);
	if (!e->hardlink_of)
		return -ENOMEM;
	s->stats.hardlinks++;
	return 1;
}

/*
 * Where an object is read (a volume's shadow copy) or written (the set):
 * the volume, the directory holding it open O_PATH, and its name there.
 */
struct side {
	size_t volume;
	int dir;
	const char *name;
};

static int
copy_regular(struct bset *s, const struct side *src, const struct side *dst,
	     const struct stat *st, struct bset_entry *e)
{
	struct bset_data_result res;
	struct stat opened;
	int sfd, tfd, r;

	sfd = bset_open_regular(src->dir, src->name, &opened);
	if (sfd < 0)
		return sfd == -EINVAL ? -ESTALE : sfd;
	/* The object examined is the one opened (a shadow copy is still). */
	if (opened.st_ino != st->st_ino || opened.st_dev != st->st_dev) {
		close(sfd);
		return -ESTALE;
	}
	tfd = openat(dst->dir, dst->name,
		     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (tfd < 0) {
		r = -errno;
		close(sfd);
		return r;
	}
	r = bset_data_copy(sfd, tfd, (uint64_t)st->st_size, s->method, &res);
	close(sfd);
	if (close(tfd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		return r;
	e->sha256 = strdup(res.sha256);
	if (!e->sha256)
		return -ENOMEM;
	s->stats.bytes += (uint64_t)st->st_size;
	s->stats.data_bytes += res.bytes;
	s->stats.reflinked += res.reflinked;
	return 0;
}

/* Make the object on the target (not its metadata); 1 when hard-linked. */
static int
make_object(struct bset *s, const struct side *src, const struct side *dst,
	    const struct stat *st, struct bset_entry *e)
{
	char target[BSET_PATH_MAX];
	int tdir = dst->dir;
	const char *name = dst->name;
	ssize_t n;
	int r;

	switch (st->st_mode & S_IFMT) {
	case S_IFDIR:
		return mkdirat(tdir, name, 0700) < 0 ? -errno : 0;
	case S_IFREG:
		if (st->st_nlink > 1 &&
		    (r = link_first(s, src->volume, dst->volume, tdir, name,
				    st, e)) != 0)
			return r;
		return copy_regular(s, src, dst, st, e);
	case S_IFLNK:
		n = readlinkat(src->dir, src->name, target, sizeof(target));
		if (n < 0)
			return -errno;
		if ((size_t)n == sizeof(target))
			return -ENAMETOOLONG;
		target[n] = '\0';
		if (!n || !bset_utf8_valid(target))
			return -EILSEQ;
		e->link_target = strdup(target);
		if (!e->link_target)
			return -ENOMEM;
		return symlinkat(target, tdir, name) < 0 ? -errno : 0;
	case S_IFIFO:
		return mkfifoat(tdir, name, 0600) < 0 ? -errno : 0;
	case S_IFCHR:
	case S_IFBLK:
		return mknodat(tdir, name, (st->st_mode & S_IFMT) | 0600,
			       st->st_rdev) < 0 ? -errno : 0;
	case S_IFSOCK:
		return 0; /* recorded only: a socket has nothing to copy */
	default:
		return -EOPNOTSUPP;
	}
}

/* Owner, attributes, mode and times of a new non-directory object. */
static int
apply_metadata(struct bset *s, int tdir, const char *name,
	       const struct bset_entry *e)
{
	struct timespec ts[2] = {
		fsmeta_timespec(e->atime_ns),
		fsmeta_timespec(e->mtime_ns),
	};
	int r;

	if (fchownat(tdir, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if ((r = bset_apply_xattrs(s, tdir, name, e)) < 0)
		return r;
	if (!S_ISLNK(e->mode) &&
	    fchmodat(tdir, name, e->mode & 07777, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (utimensat(tdir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* Fill e from the source's status; the type's own fields come later. */
static int
entry_from_stat(struct bset_entry *e, size_t volume, const char *path,
		const struct stat *st)
{
	int r;

	e->volume = volume;
	e->mode = st->st_mode & (S_IFMT | 07777);
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	if ((r = time_ns(&st->st_mtim, &e->mtime_ns)) < 0 ||
	    (r = time_ns(&st->st_atim, &e->atime_ns)) < 0)
		return r;
	if (S_ISREG(st->st_mode))
		e->size = (uint64_t)st->st_size;
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		e->rdev = st->st_rdev;
	if (!fsmeta_type_name(st->st_mode))
		return -EOPNOTSUPP;
	e->path = strdup(path);
	return e->path ? 0 : -ENOMEM;
}

/* A place of an object: a volume and the path below its mount point. */
struct place {
	size_t volume;
	const char *path;
};

/*
 * Copy the object at from (a volume's shadow copy) into the set at to,
 * whose parent is in the set already, tagged with component unless
 * BSET_NO_COMPONENT.  A parent (as_parent) must be a directory: -ELOOP
 * for a symbolic link, as the path walk says it.
 */
static int
copy_one(struct bset *s, const struct place *from, const struct place *to,
	 size_t component, bool as_parent)
{
	char sparent[BSET_PATH_MAX], tparent[BSET_PATH_MAX];
	struct side src = {.volume = from->volume, .dir = -1};
	struct side dst = {.volume = to->volume, .dir = -1};
	struct bset_entry e = {0};
	struct stat st;
	int r, made = 0;
	size_t *comps = NULL;
	bool remember;

	src.name = bset_split_path(from->path, sparent);
	dst.name = bset_split_path(to->path, tparent);
	src.dir = beneath_open_dir(s->fds[src.volume].source, sparent,
					O_PATH);
	if (src.dir < 0) {
		r = src.dir;
		goto fail;
	}
	if (fstatat(src.dir, src.name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		goto fail;
	}
	if (as_parent && !S_ISDIR(st.st_mode)) {
		r = S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR;
		goto fail;
	}
	/* The volume's root in the set is a directory: data/<index>. */
	if (!*to->path && !S_ISDIR(st.st_mode)) {
		r = -ENOTDIR;
		goto fail;
	}
	dst.dir = beneath_open_dir(s->fds[dst.volume].target, tparent,
					O_PATH);
	if (dst.dir < 0) {
		r = dst.dir;
		goto fail;
	}
	if ((r = entry_from_stat(&e, dst.volume, to->path, &st)) < 0 ||
	    (r = read_xattrs(src.dir, src.name, &e)) < 0)
		goto fail;
	/* The volume's root directory is there already. */
	if (*to->path) {
		r = make_object(s, &src, &dst, &st, &e);
		if (r < 0)
			goto fail;
		made = 1 + r;
	}
	if (S_ISDIR(e.mode)) {
		/* The rest at commit; the owner now, while it is ours. */
		if (fchownat(dst.dir, dst.name, e.uid, e.gid,
			     AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
	} else if (!S_ISSOCK(e.mode) && !e.hardlink_of) {
		r = apply_metadata(s, dst.dir, dst.name, &e);
	}
	if (r < 0)
		goto fail;
	if (component != BSET_NO_COMPONENT) {
		comps = malloc(sizeof(*comps));
		if (!comps) {
			r = -ENOMEM;
			goto fail;
		}
		comps[0] = component;
		e.components = comps;
		e.component_count = 1;
	}
	/* Every line of the manifest fits the reader's limit. */
	if (bset_entry_line_max(&e) > BSET_LINE_MAX) {
		r = -E2BIG;
		goto fail;
	}
	/*
	 * Hard links are found by the source inode, remembered only once
	 * the entry is there for a later link_first() to read: the room
	 * first, so that nothing can fail after the append.
	 */
	remember = S_ISREG(e.mode) && st.st_nlink > 1 && !e.hardlink_of;
	if ((remember && (r = bset_reserve_inode(s)) < 0) ||
	    (r = bset_manifest_append(&s->m, &e)) < 0)
		goto fail;
	if (remember)
		bset_remember_inode(s, src.volume, &st, s->m.entry_count - 1);
	s->stats.files++;
	close(src.dir);
	close(dst.dir);
	return 0;
fail:
	/* Leave nothing behind that the manifest does not name. */
	if (made)
		unlinkat(dst.dir, dst.name, S_ISDIR(e.mode) ? AT_REMOVEDIR : 0);
	if (e.hardlink_of)
		s->stats.hardlinks--;
	bset_entry_release(&e);
	if (src.dir >= 0)
		close(src.dir);
	if (dst.dir >= 0)
		close(dst.dir);
	return r;
}

static int
tag(struct bset_manifest *m, struct bset_entry *e, size_t component)
{
	size_t *grown, i;
	int r;

	if (component == BSET_NO_COMPONENT)
		return 0;
	for (i = 0; i < e->component_count; i++)
		if (e->components[i] == component)
			return 0;
	/* An index is at most 20 digits and a comma on the line. */
	if (bset_entry_line_max(e) + 21 > BSET_LINE_MAX)
		return -E2BIG;
	if ((r = bset_manifest_charge(m, sizeof(*grown))) < 0)
		return r;
	grown = realloc((size_t *)e->components,
			(e->component_count + 1) * sizeof(*grown));
	if (!grown) {
		m->cost -= sizeof(*grown);
		return -ENOMEM;
	}
	grown[e->component_count++] = component;
	e->components = grown;
	return 0;
}

/* The number of elements of a relative path ("" has none). */
static size_t
depth(const char *path)
{
	size_t n = *path != '\0';

	for (; *path; path++)
		n += *path == '/';
	return n;
}

/* The first n elements of path, in buf. */
static void
prefix_of(const char *path, size_t n, char *buf, size_t size)
{
	const char *p = path;

	for (; n > 0 && *p; n--) {
		p = strchrnul(p, '/');
		if (n > 1 && *p)
			p++;
	}
	snprintf(buf, size, "%.*s", (int)(p - path), path);
}

/*
 * Put the parent directories of to into the set, the root included, with
 * their own metadata: from the same place in to's volume's shadow copy.
 * One that is not there (the normal path of an alternate-path file set
 * need not exist) is made from the directory of from's source at the
 * same distance above the object, the volume's root at most: the
 * alternate directory stands in for the normal one.
 */
static int
ensure_parents(struct bset *s, const struct place *from,
	       const struct place *to)
{
	char tpath[BSET_PATH_MAX], spath[BSET_PATH_MAX];
	size_t n = depth(to->path), up, k;
	struct place t = {to->volume, tpath}, f;
	int r;

	for (k = 0; k < n; k++) {
		prefix_of(to->path, k, tpath, sizeof(tpath));
		if (bset_manifest_find(&s->m, to->volume, tpath) != (size_t)-1)
			continue;
		r = copy_one(s, &t, &t, BSET_NO_COMPONENT, true);
		if (r == 0)
			continue;
		if (r != -ENOENT || (from->volume == to->volume &&
				     !strcmp(from->path, to->path)))
			return r;
		up = n - k;
		prefix_of(from->path,
			  depth(from->path) > up ? depth(from->path) - up : 0,
			  spath, sizeof(spath));
		f = (struct place){from->volume, spath};
		r = copy_one(s, &f, &t, BSET_NO_COMPONENT, true);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool
place_valid(const struct bset *s, const struct place *p)
{
	return p->path && p->volume < s->m.volume_count &&
	       relpath_valid(p->path);
}

/*
 * Count an object that could not be copied and record it for verify to
 * report (the first BSET_FAILURES_MAX; the rest only counted); returns
 * the error, r.  Without memory to record it, it is still counted: the
 * manifest's count is what verify reports.
 */
static int
record_failure(struct bset *s, size_t volume, const char *path, int r)
{
	struct bset_failure f = {.volume = volume};
	const char *name = vss_status_name(r);
	char reason[256];

	s->stats.failed++;
	s->m.failed++;
	if (s->m.failure_count >= BSET_FAILURES_MAX)
		return r;
	snprintf(reason, sizeof(reason), "%s: %s", name ? name : "error",
		 vss_strerror(r));
	f.path = bset_utf8_sanitize(path, BSET_PATH_MAX - 1);
	f.reason = strdup(reason);
	if (!f.path || !f.reason ||
	    bset_manifest_add_failure(&s->m, &f) < 0) {
		free(f.path);
		free(f.reason);
	}
	return r;
}

int
bset_copy_from(struct bset *s, size_t src_volume, const char *src_relpath,
	       size_t volume, const char *relpath, size_t component)
{
	const struct place from = {src_volume, src_relpath};
	const struct place to = {volume, relpath};
	size_t idx;
	int r;

	if (!s || !place_valid(s, &from) || !place_valid(s, &to) ||
	    (component != BSET_NO_COMPONENT &&
	     component >= s->m.component_count) ||
	    s->committed)
		return -EINVAL;
	if (!bset_utf8_valid(relpath))
		return record_failure(s, volume, relpath, -EILSEQ);
	idx = bset_manifest_find(&s->m, volume, relpath);
	if (idx != (size_t)-1)
		return tag(&s->m, &s->m.entries[idx], component);
	r = ensure_parents(s, &from, &to);
	if (r == 0)
		r = copy_one(s, &from, &to, component, false);
	/* A missing object fails its component (BK-141), not the set. */
	if (r < 0 && r != -ENOENT)
		return record_failure(s, volume, relpath, r);
	return r < 0 ? r : 0;
}

int
bset_copy(struct bset *s, size_t volume, const char *relpath,
	  size_t component)
{
	return bset_copy_from(s, volume, relpath, volume, relpath, component);
}
