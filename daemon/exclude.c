/*
 * daemon/exclude.c - files not to snapshot (SN-060, SN-061).
 *
 * Two sources name them: the [files-not-to-snapshot] entries of the
 * configuration, which exclude_parse() reads in the syntax of the
 * Windows FilesNotToSnapshot value ("/dir/pattern", " /s" for recursion,
 * $AllVolumes$ and $UserProfile$ prefixes: lib/util/filerule.h, shared
 * with FilesNotToBackup in the vss command), and the exclude-from-snapshot
 * file sets of the writers taking part (exclude_add_wmd()).  vssd removes
 * them from each new shadow copy between commit and seal, while the copy
 * is still writable (SN-004).
 *
 * exclude_apply() deletes files inside a directory tree it must not
 * leave: every step down is an openat() of one element with O_NOFOLLOW,
 * checked to be on the same file system and mount as the shadow copy
 * itself, and every removal an unlinkat() relative to that directory.
 * Nothing here logs: failures are described in the caller's buffer.
 */
#include "exclude.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/filerule.h"

/*
 * Directories below the one a recursive spec names that the walk enters
 * at most: each level holds a file descriptor, and a tree deeper than
 * this is not a cache a user configured.
 */
#define MAX_DEPTH 256

/* ---- The list -------------------------------------------------------- */

static void
spec_release(struct exclude_spec *s)
{
	free(s->path);
	free(s->relative);
	free(s->filespec);
}

/* Drop the entries from n on. */
static void
list_truncate(struct exclude_list *list, size_t n)
{
	while (list->n > n)
		spec_release(&list->v[--list->n]);
}

void
exclude_list_release(struct exclude_list *list)
{
	if (!list)
		return;
	list_truncate(list, 0);
	free(list->v);
	list->v = NULL;
}

/* Append copies of the strings (path or relative may be NULL). */
static int
list_add(struct exclude_list *list, const char *path, const char *relative,
	 const char *filespec, bool recursive)
{
	struct exclude_spec s = {
		.recursive = recursive,
		.all_volumes = relative != NULL,
	};
	struct exclude_spec *v;

	v = reallocarray(list->v, list->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	list->v = v;
	s.filespec = strdup(filespec);
	if (path)
		s.path = strdup(path);
	if (relative)
		s.relative = strdup(relative);
	if (!s.filespec || (path && !s.path) || (relative && !s.relative)) {
		spec_release(&s);
		return -ENOMEM;
	}
	list->v[list->n++] = s;
	return 0;
}

/*
 * Append the file sets of rules.  $UserProfile$ sets left unexpanded
 * (DisableUserProfileExpansion) were checked and are dropped.
 */
static int
add_rules(struct exclude_list *list, const struct filerule_list *rules)
{
	const struct filerule *f;
	size_t first = list->n, i;
	int r = 0;

	for (i = 0; i < rules->n && r == 0; i++) {
		f = &rules->v[i];
		switch (f->kind) {
		case FILERULE_PATH:
			r = list_add(list, f->dir, NULL, f->filespec,
				     f->recursive);
			break;
		case FILERULE_ALL_VOLUMES:
			r = list_add(list, NULL, f->dir, f->filespec,
				     f->recursive);
			break;
		case FILERULE_PROFILE:
			break;
		}
	}
	if (r < 0)
		list_truncate(list, first);
	return r;
}

/* One entry, or with list_of a ';'-separated list of them. */
static int
parse(struct exclude_list *list, const char *s, bool list_of,
      bool expand_profiles, char *err, size_t errlen)
{
	struct filerule_list rules = {0};
	int r;

	if (!list || !s)
		return -EINVAL;
	r = list_of ? filerule_parse_list(&rules, s, expand_profiles, err,
					  errlen) :
		      filerule_parse(&rules, s, strlen(s), expand_profiles,
				     err, errlen);
	if (r == 0)
		r = add_rules(list, &rules);
	filerule_list_release(&rules);
	return r;
}

int
exclude_parse(struct exclude_list *list, const char *entry,
	      bool expand_profiles, char *err, size_t errlen)
{
	return parse(list, entry, false, expand_profiles, err, errlen);
}

int
exclude_parse_list(struct exclude_list *list, const char *entries,
		   bool expand_profiles, char *err, size_t errlen)
{
	return parse(list, entries, true, expand_profiles, err, errlen);
}

int
exclude_add_wmd(struct exclude_list *list, const vss_wmd *wmd)
{
	const struct vss_file_desc *d;
	size_t first, i, n;
	const char *why;
	char *dir;
	int r;

	if (!list || !wmd)
		return -EINVAL;
	first = list->n;
	n = vss_wmd_exclude_from_snapshot_count(wmd);
	for (i = 0; i < n; i++) {
		d = vss_wmd_exclude_from_snapshot(wmd, i);
		if (!filerule_filespec_valid(d->filespec))
			continue;
		r = filerule_normalise(d->path, strlen(d->path), false, &dir,
				       &why);
		if (r == -EINVAL)
			continue;
		if (r == 0) {
			r = list_add(list, dir, NULL, d->filespec,
				     d->recursive);
			free(dir);
		}
		if (r < 0) {
			list_truncate(list, first);
			return r;
		}
	}
	return 0;
}

int
exclude_copy(struct exclude_list *dst, const struct exclude_list *src)
{
	size_t first, i;
	int r;

	/* Appending to itself would move src->v under the loop. */
	if (!dst || !src || dst == src)
		return -EINVAL;
	first = dst->n;
	for (i = 0; i < src->n; i++) {
		r = list_add(dst, src->v[i].path, src->v[i].relative,
			     src->v[i].filespec, src->v[i].recursive);
		if (r < 0) {
			list_truncate(dst, first);
			return r;
		}
	}
	return 0;
}

/* ---- Removal ---------------------------------------------------------- */

struct walk {
	dev_t dev;       /* of the shadow copy's root */
	uint64_t mnt_id; /* of its mount; 0 if the kernel cannot tell */
	size_t removed;
	int first;       /* status of the first failure, 0 if none */
	char *err;
	size_t errlen;
	/* Where the walk is, for messages: device/relative/path. */
	char where[PATH_MAX];
};

/*
 * Record a failure with status -errnum, if it is the first: the message
 * from fmt, followed by strerror(errnum) unless plain.
 */
static void __attribute__((format(printf, 4, 5)))
walk_fail_as(struct walk *w, int errnum, bool plain, const char *fmt, ...)
{
	char msg[PATH_MAX + 64], tmp[128];
	va_list ap;

	if (w->first != 0)
		return;
	w->first = -errnum;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!w->err || w->errlen == 0)
		return;
	if (plain)
		snprintf(w->err, w->errlen, "%s", msg);
	else
		snprintf(w->err, w->errlen, "%s: %s", msg,
			 strerror_r(errnum, tmp, sizeof(tmp)));
}

#define walk_fail(w, errnum, ...) walk_fail_as(w, errnum, false, __VA_ARGS__)

/* Append "/name" to w->where; returns the length to restore. */
static size_t
where_push(struct walk *w, const char *name)
{
	size_t len = strlen(w->where);

	snprintf(w->where + len, sizeof(w->where) - len, "/%s", name);
	return len;
}

/* Is the open directory fd still inside the shadow copy's own mount? */
static int
same_mount(const struct walk *w, int fd, bool *ret)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
		return -errno;
	*ret = makedev(stx.stx_dev_major, stx.stx_dev_minor) == w->dev &&
	       (!(stx.stx_mask & STATX_MNT_ID) || stx.stx_mnt_id == w->mnt_id);
	return 0;
}

/*
 * Open directory name below dfd for the walk: never through a symbolic
 * link, never into another file system, btrfs subvolume or mount (a
 * nested subvolume shows as an empty directory of another device in a
 * btrfs snapshot; a mount point shows the mounted file system).  *ret_fd
 * is -1 when there is no such directory to enter, which is no failure.
 */
static int
walk_open(struct walk *w, int dfd, const char *name, int *ret_fd)
{
	struct stat st;
	bool same = false;
	int fd, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) <
	    0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
		*ret_fd = -1;
		return 0;
	}
	if (!S_ISDIR(st.st_mode) || st.st_dev != w->dev) {
		*ret_fd = -1;
		return 0;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/* Replaced since the fstatat: not a directory to enter. */
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
			*ret_fd = -1;
			return 0;
		}
		return -errno;
	}
	r = same_mount(w, fd, &same);
	if (r < 0 || !same) {
		close(fd);
		fd = -1;
	}
	if (r < 0)
		return r;
	*ret_fd = fd;
	return 0;
}

/* Names of subdirectories to visit once a directory is read. */
struct names {
	char **v;
	size_t n;
};

static void
names_release(struct names *names)
{
	while (names->n > 0)
		free(names->v[--names->n]);
	free(names->v);
}

static int
names_add(struct names *names, const char *name)
{
	char **v, *copy;

	v = reallocarray(names->v, names->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	names->v = v;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	names->v[names->n++] = copy;
	return 0;
}

/*
 * One entry of a directory: remove it if it is a regular file or a
 * symbolic link whose name matches (the link, never what it points to);
 * with recursion, remember a directory for later.
 */
static void
walk_entry(struct walk *w, int dfd, const struct dirent *d,
	   const struct exclude_spec *s, struct names *subdirs)
{
	bool match = vss_filespec_match(s->filespec, d->d_name);
	struct stat st;
	size_t len;
	int r;

	/* Skip the stat when the kernel says it cannot matter. */
	if (!match && (!s->recursive ||
		       (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN)))
		return;
	len = where_push(w, d->d_name);
	if (fstatat(dfd, d->d_name, &st,
		    AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) < 0) {
		if (errno != ENOENT)
			walk_fail(w, errno, "cannot examine '%s'", w->where);
		goto out;
	}
	/* A file bind-mounted on top is another file system's file. */
	if (st.st_dev != w->dev)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		if (s->recursive && (r = names_add(subdirs, d->d_name)) < 0)
			walk_fail(w, -r, "'%s'", w->where);
	} else if (match && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
		if (unlinkat(dfd, d->d_name, 0) == 0)
			w->removed++;
		else if (errno != ENOENT)
			walk_fail(w, errno, "cannot remove '%s'", w->where);
	}
out:
	w->where[len] = '\0';
}

/*
 * Remove the matches of s in the directory open at dfd (which stays
 * open, the caller's) and, for a recursive spec, below it.
 */
static void
walk_dir(struct walk *w, int dfd, const struct exclude_spec *s, int depth)
{
	struct names subdirs = {0};
	struct dirent *d;
	size_t i, len;
	DIR *dir;
	int fd, r;

	/*
	 * A stream of its own: a dup() would share the offset, which the
	 * read of this directory for an earlier spec left at the end.
	 */
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		walk_fail(w, errno, "cannot read '%s'", w->where);
		if (fd >= 0)
			close(fd);
		return;
	}
	for (;;) {
		errno = 0;
		d = readdir(dir);
		if (!d) {
			if (errno != 0)
				walk_fail(w, errno, "cannot read '%s'",
					  w->where);
			break;
		}
		if (filerule_is_dot_name(d->d_name, strlen(d->d_name)))
			continue;
		walk_entry(w, dirfd(dir), d, s, &subdirs);
	}
	closedir(dir);
	/* Below, one directory open at a time per level. */
	for (i = 0; i < subdirs.n; i++) {
		len = where_push(w, subdirs.v[i]);
		if (depth >= MAX_DEPTH) {
			walk_fail_as(w, ELOOP, true,
				     "directories nested deeper than %d "
				     "levels in '%s'",
				     MAX_DEPTH, w->where);
		} else if ((r = walk_open(w, dfd, subdirs.v[i], &fd)) < 0) {
			walk_fail(w, -r, "cannot open '%s'", w->where);
		} else if (fd >= 0) {
			walk_dir(w, fd, s, depth + 1);
			close(fd);
		}
		w->where[len] = '\0';
	}
	names_release(&subdirs);
}

/*
 * Where spec s lies on the volume mounted at volume (its length vlen,
 * without trailing '/'): the directory relative to the volume root, ""
 * for the root itself, or NULL when s is for another volume.
 */
static const char *
spec_relative(const struct exclude_spec *s, const char *volume, size_t vlen)
{
	if (s->all_volumes)
		return s->relative;
	/* The root volume: every absolute path lies on it. */
	if (vlen == 0)
		return s->path + 1;
	if (strncmp(s->path, volume, vlen) != 0)
		return NULL;
	if (s->path[vlen] == '\0')
		return "";
	if (s->path[vlen] == '/')
		return s->path + vlen + 1;
	return NULL;
}

/* Walk down from the root open at root to relative, then apply s. */
static void
apply_spec(struct walk *w, int root, const char *relative,
	   const struct exclude_spec *s)
{
	const char *p = relative, *slash;
	char name[NAME_MAX + 1];
	size_t len = strlen(w->where), n;
	int fd = root, next, r;

	while (*p) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		/* A longer element names nothing on any file system. */
		if (n > NAME_MAX)
			goto out;
		memcpy(name, p, n);
		name[n] = '\0';
		where_push(w, name);
		next = -1;
		r = walk_open(w, fd, name, &next);
		if (r < 0)
			walk_fail(w, -r, "cannot open '%s'", w->where);
		if (fd != root)
			close(fd);
		fd = next;
		if (r < 0 || fd < 0)
			goto out;
		p += n + (slash ? 1 : 0);
	}
	walk_dir(w, fd, s, 0);
	if (fd != root)
		close(fd);
out:
	w->where[len] = '\0';
}

int
exclude_apply(const struct exclude_list *list, const char *volume,
	      const char *device, size_t *ret_removed, char *err,
	      size_t errlen)
{
	struct walk w = { .err = err, .errlen = errlen };
	const char *relative;
	struct statx stx;
	size_t vlen, i;
	int root;

	if (!list || !volume || volume[0] != '/' || !device || !ret_removed)
		return -EINVAL;
	vlen = strlen(volume);
	while (vlen > 0 && volume[vlen - 1] == '/')
		vlen--;
	snprintf(w.where, sizeof(w.where), "%s", device);
	root = open(device, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		walk_fail(&w, errno, "cannot open '%s'", device);
		return w.first;
	}
	if (statx(root, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0) {
		walk_fail(&w, errno, "cannot examine '%s'", device);
		close(root);
		return w.first;
	}
	w.dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	w.mnt_id = stx.stx_mask & STATX_MNT_ID ? stx.stx_mnt_id : 0;
	for (i = 0; i < list->n; i++) {
		relative = spec_relative(&list->v[i], volume, vlen);
		if (relative)
			apply_spec(&w, root, relative, &list->v[i]);
	}
	close(root);
	*ret_removed = w.removed;
	return w.first;
}
