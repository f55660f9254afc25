/*
 * cli/fileset.c - listing what "vss backup" copies from the shadow copies,
 * less what is excluded (fileset.h).  Reading the FilesNotToBackup
 * entries is cli/fileset_rules.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fileset.h"
#include "util/filerule.h"

/* An exclusion that applies to the objects of every volume. */
#define ANY_VOLUME ((size_t)-1)

/*
 * The inode of the empty directory that stands for a nested subvolume in
 * a btrfs snapshot (BTRFS_EMPTY_SUBVOL_DIR_OBJECTID).
 */
#define BTRFS_EMPTY_SUBVOL_INO 2
/* Where the btrfs provider keeps its shadow copies (SHADOWS_DIR there). */
#define BTRFS_SHADOWS_DIR ".vss-shadows"

struct exclusion {
	char *path;
	char *filespec;
	bool recursive;
	size_t volume; /* the only volume it applies to, or ANY_VOLUME */
};

struct fileset {
	struct fileset_volume *volumes;
	size_t n_volumes;
	int (*interrupted)(void);
	struct exclusion *excl;
	size_t n_excl;
	struct fileset_object *objs;
	size_t n_objs, cap_objs;
	uint64_t excluded;
	struct fileset_skip *skipped;
	size_t n_skipped;
	char **other_mounts; /* fileset_add_other_mount() */
	size_t n_other_mounts;
};

/* One walk of a directory tree of a volume's shadow copy. */
struct walk {
	struct fileset *fs;
	size_t volume;        /* where the objects are recorded */
	size_t src_volume;    /* where they are read */
	bool alternate;       /* read elsewhere: an alternate path */
	dev_t dev;            /* the file system of the shadow copy's root */
	const char *filespec; /* NULL: every object */
	bool recursive;
	size_t component;
	size_t matched;       /* names that matched, excluded ones too */
	int error;            /* the first error below the top */
	char *err;
	size_t errlen;
};

static int
set_err(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
set_err(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

int
fileset_new(struct fileset **ret, const struct fileset_volume *volumes,
	    size_t n, int (*interrupted)(void))
{
	struct fileset *fs;

	*ret = NULL;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	if (n > 0) {
		fs->volumes = calloc(n, sizeof(*volumes));
		if (!fs->volumes) {
			free(fs);
			return -ENOMEM;
		}
		memcpy(fs->volumes, volumes, n * sizeof(*volumes));
	}
	fs->n_volumes = n;
	fs->interrupted = interrupted;
	*ret = fs;
	return 0;
}

static void
exclusions_truncate(struct fileset *fs, size_t n)
{
	while (fs->n_excl > n) {
		fs->n_excl--;
		free(fs->excl[fs->n_excl].path);
		free(fs->excl[fs->n_excl].filespec);
	}
}

void
fileset_free(struct fileset *fs)
{
	size_t i;

	if (!fs)
		return;
	exclusions_truncate(fs, 0);
	for (i = 0; i < fs->n_objs; i++) {
		if (fs->objs[i].source_path != fs->objs[i].path)
			free(fs->objs[i].source_path);
		free(fs->objs[i].path);
	}
	for (i = 0; i < fs->n_skipped; i++)
		free(fs->skipped[i].path);
	free(fs->skipped);
	for (i = 0; i < fs->n_other_mounts; i++)
		free(fs->other_mounts[i]);
	free(fs->other_mounts);
	free(fs->excl);
	free(fs->objs);
	free(fs->volumes);
	free(fs);
}

int
fileset_add_other_mount(struct fileset *fs, const char *mount_point)
{
	char **grown;
	size_t i;

	if (!mount_point || mount_point[0] != '/')
		return -EINVAL;
	for (i = 0; i < fs->n_volumes; i++)
		if (!strcmp(fs->volumes[i].mount_point, mount_point))
			return 0;
	/* Mounted over several times: one is enough. */
	for (i = 0; i < fs->n_other_mounts; i++)
		if (!strcmp(fs->other_mounts[i], mount_point))
			return 0;
	grown = realloc(fs->other_mounts,
			(fs->n_other_mounts + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	fs->other_mounts = grown;
	grown[fs->n_other_mounts] = strdup(mount_point);
	if (!grown[fs->n_other_mounts])
		return -ENOMEM;
	fs->n_other_mounts++;
	return 0;
}

/* Append an exclusion of volume (or ANY_VOLUME); takes ownership of path. */
static int
add_exclusion(struct fileset *fs, char *path, const char *filespec,
	      bool recursive, size_t volume)
{
	struct exclusion *e;
	char *copy;

	e = realloc(fs->excl, (fs->n_excl + 1) * sizeof(*e));
	if (e)
		fs->excl = e;
	copy = strdup(filespec);
	if (!e || !copy) {
		free(path);
		free(copy);
		return -ENOMEM;
	}
	fs->excl[fs->n_excl++] = (struct exclusion){
		.path = path,
		.filespec = copy,
		.recursive = recursive,
		.volume = volume,
	};
	return 0;
}

int
fileset_exclude(struct fileset *fs, const char *path, const char *filespec,
		bool recursive)
{
	char *copy;

	if (!path || path[0] != '/' || !filespec)
		return -EINVAL;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	return add_exclusion(fs, copy, filespec, recursive, ANY_VOLUME);
}

/*
 * Relative below the mount point of each volume, for that volume's
 * objects only, as vssd applies an $AllVolumes$ entry to each shadow
 * copy: a volume mounted inside another one is not part of it.
 */
int
fileset_exclude_each_volume(struct fileset *fs, const char *relative,
			    const char *filespec, bool recursive)
{
	size_t first = fs->n_excl, i;
	const char *why;
	char *joined, *path;
	int r = 0;

	for (i = 0; i < fs->n_volumes && r == 0; i++) {
		if (asprintf(&joined, "%s/%s", fs->volumes[i].mount_point,
			     relative) < 0)
			r = -ENOMEM;
		if (r < 0)
			break;
		r = filerule_normalise(joined, strlen(joined), true, &path,
				       &why);
		free(joined);
		if (r == 0)
			r = add_exclusion(fs, path, filespec, recursive, i);
	}
	if (r < 0)
		exclusions_truncate(fs, first);
	return r;
}

/* Is the object at normal_path, listed on volume, excluded? */
static bool
is_excluded(const struct fileset *fs, size_t volume, const char *normal_path)
{
	const struct exclusion *e;
	size_t i;

	for (i = 0; i < fs->n_excl; i++) {
		e = &fs->excl[i];
		if ((e->volume == ANY_VOLUME || e->volume == volume) &&
		    vss_file_set_contains(e->path, e->filespec, e->recursive,
					  normal_path))
			return true;
	}
	return false;
}

/*
 * The volume whose mount point is the longest leading run of whole
 * elements of path (normalized), and the rest of path below it, or -1.
 */
static long
volume_of(const struct fileset *fs, const char *path, const char **ret_rel)
{
	size_t i, len, best_len = 0;
	long best = -1;
	const char *mp;

	for (i = 0; i < fs->n_volumes; i++) {
		mp = fs->volumes[i].mount_point;
		len = strlen(mp);
		while (len > 1 && mp[len - 1] == '/')
			len--;
		if (len == 1 && mp[0] == '/')
			len = 0; /* the root holds everything */
		else if (strncmp(path, mp, len) != 0 ||
			 (path[len] != '\0' && path[len] != '/'))
			continue;
		if (best < 0 || len > best_len) {
			best = (long)i;
			best_len = len;
		}
	}
	if (best >= 0) {
		path += best_len;
		while (*path == '/')
			path++;
		*ret_rel = path;
	}
	return best;
}

/*
 * Open directory rel (below the mount point, "" the root) of a volume's
 * shadow copy, one element at a time so that no symbolic link is
 * followed; *ret_dev gets the root's file system.
 */
static int
open_shadow_dir(const struct fileset *fs, size_t volume, const char *rel,
		dev_t *ret_dev, int *ret_fd)
{
	const char *p = rel, *e;
	char name[NAME_MAX + 1];
	struct stat st;
	size_t len;
	int fd, next;

	fd = open(fs->volumes[volume].shadow_root,
		  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		goto fail;
	*ret_dev = st.st_dev;
	while (*p) {
		e = strchrnul(p, '/');
		len = (size_t)(e - p);
		if (len > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		next = openat(fd, name,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			/* A symbolic link where a directory should be. */
			if (errno == ENOTDIR &&
			    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				errno = ELOOP;
			goto fail;
		}
		close(fd);
		fd = next;
		if (fstat(fd, &st) < 0)
			goto fail;
		if (st.st_dev != *ret_dev) {
			errno = EXDEV;
			goto fail;
		}
		p = *e ? e + 1 : e;
	}
	*ret_fd = fd;
	return 0;
fail:
	next = -errno;
	close(fd);
	return next;
}

/*
 * List the object recorded at rel on volume, read at src_rel on
 * src_volume (src_rel NULL: the same place).
 */
static int
add_object(struct fileset *fs, size_t volume, const char *rel,
	   size_t src_volume, const char *src_rel, size_t component,
	   const struct stat *st)
{
	struct fileset_object *o;
	size_t cap;

	if (fs->n_objs == fs->cap_objs) {
		cap = fs->cap_objs ? fs->cap_objs * 2 : 256;
		o = realloc(fs->objs, cap * sizeof(*o));
		if (!o)
			return -ENOMEM;
		fs->objs = o;
		fs->cap_objs = cap;
	}
	o = &fs->objs[fs->n_objs];
	*o = (struct fileset_object){
		.volume = volume,
		.path = strdup(rel),
		.source_volume = src_rel ? src_volume : volume,
		.component = component,
		.size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0,
	};
	o->source_path = src_rel ? strdup(src_rel) : o->path;
	if (!o->path || !o->source_path) {
		if (o->source_path != o->path)
			free(o->source_path);
		free(o->path);
		return -ENOMEM;
	}
	fs->n_objs++;
	return 0;
}

static int
add_skipped(struct fileset *fs, size_t volume, const char *rel,
	    const char *reason)
{
	struct fileset_skip *grown;
	char *copy = strdup(rel);

	grown = realloc(fs->skipped, (fs->n_skipped + 1) * sizeof(*grown));
	if (grown)
		fs->skipped = grown;
	if (!grown || !copy) {
		free(copy);
		return -ENOMEM;
	}
	fs->skipped[fs->n_skipped++] = (struct fileset_skip){
		.volume = volume,
		.path = copy,
		.reason = reason,
	};
	return 0;
}

/*
 * Is name in dir (st its status) the empty directory that stands for a
 * nested subvolume in a btrfs snapshot?  Its inode is 2 on btrfs (an
 * ext4 mounted there has a root of inode 2 as well, hence the file
 * system check).
 */
static bool
is_subvolume_placeholder(int dir, const char *name, const struct stat *st)
{
	struct statfs sfs;
	bool yes;
	int fd;

	if (!S_ISDIR(st->st_mode) || st->st_ino != BTRFS_EMPTY_SUBVOL_INO)
		return false;
	fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	yes = fstatfs(fd, &sfs) == 0 && sfs.f_type == BTRFS_SUPER_MAGIC;
	close(fd);
	return yes;
}

/* "dir/name", or "name" when dir is "" (the root). */
static char *
join(const char *dir, const char *name)
{
	char *s;

	if (asprintf(&s, "%s%s%s", dir, *dir && strcmp(dir, "/") ? "/" : "",
		     name) < 0)
		return NULL;
	return s;
}

static void
walk_error(struct walk *w, int r, const char *normal_path)
{
	if (w->error)
		return;
	w->error = r;
	set_err(w->err, w->errlen, r, "%s: %s", normal_path, strerror(-r));
}

/*
 * A placeholder met by a walk in directory src_rel: left out, and
 * reported when the walk would have gone into it.
 */
static int
skip_placeholder(struct walk *w, const char *src_rel, const char *name,
		 const char *child_rel, const char *child_normal)
{
	if (!*src_rel && !strcmp(name, BTRFS_SHADOWS_DIR))
		return 0;
	if (!w->recursive)
		return 0;
	if (is_excluded(w->fs, w->volume, child_normal)) {
		w->fs->excluded++;
		return 0;
	}
	return add_skipped(w->fs, w->volume, child_rel,
			   FILESET_SKIP_SUBVOLUME);
}

/* Is path the place rel (not "") below the directory base? */
static bool
is_place(const char *path, const char *base, const char *rel)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return strncmp(path, base, n) == 0 && path[n] == '/' &&
	       strcmp(path + n + 1, rel) == 0;
}

/*
 * The other volume of the set mounted at src_rel below the mount point
 * of the walk's source volume, or -1.
 */
static long
volume_mounted_at(const struct walk *w, const char *src_rel)
{
	const struct fileset *fs = w->fs;
	const char *base = fs->volumes[w->src_volume].mount_point;
	size_t i;

	for (i = 0; i < fs->n_volumes; i++)
		if (i != w->src_volume &&
		    is_place(fs->volumes[i].mount_point, base, src_rel))
			return (long)i;
	return -1;
}

/* Is a file system that is no volume of the set mounted there? */
static bool
other_mount_at(const struct walk *w, const char *src_rel)
{
	const struct fileset *fs = w->fs;
	const char *base = fs->volumes[w->src_volume].mount_point;
	size_t i;

	for (i = 0; i < fs->n_other_mounts; i++)
		if (is_place(fs->other_mounts[i], base, src_rel))
			return true;
	return false;
}

static int walk_dir(struct walk *w, int fd, const char *src_rel,
		    const char *rel, const char *normal_dir);

/*
 * BK-143: volume v of the set is mounted at directory name (st its
 * status; child_* as in walk_dir()): go on in v's shadow copy, listing
 * what it holds on v (with an alternate path, at the normal path as
 * before).  A btrfs shadow copy shows the outer volume's directory under
 * the mount, listed on the outer volume; the root of v is listed too,
 * with its own owner, mode and times.  An exclusion of the normal path,
 * on either volume, takes the whole tree along.
 */
static int
cross_into(struct walk *w, size_t v, const char *name, const struct stat *st,
	   const char *child_rel, const char *child_normal)
{
	struct fileset *fs = w->fs;
	const char *rel = w->alternate ? child_rel : "";
	struct walk inner;
	struct stat root;
	bool matches;
	int fd, r;

	matches = !w->filespec || vss_filespec_match(w->filespec, name);
	if (matches)
		w->matched++;
	if (is_excluded(fs, w->volume, child_normal)) {
		fs->excluded++;
		return 0;
	}
	/* With an alternate path v's root takes this place. */
	if (matches && !w->alternate && st->st_dev == w->dev) {
		r = add_object(fs, w->volume, child_rel, w->src_volume, NULL,
			       w->component, st);
		if (r < 0)
			return r;
	}
	inner = *w;
	inner.src_volume = v;
	if (!w->alternate)
		inner.volume = v;
	r = open_shadow_dir(fs, v, "", &inner.dev, &fd);
	if (r == 0 && fstat(fd, &root) < 0) {
		r = -errno;
		close(fd);
	}
	if (r < 0) {
		walk_error(w, r, child_normal);
		return 0;
	}
	if (is_excluded(fs, inner.volume, child_normal)) {
		fs->excluded++;
		close(fd);
		return 0;
	}
	if (matches) {
		r = add_object(fs, inner.volume, rel, v,
			       w->alternate ? "" : NULL, w->component, &root);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	r = walk_dir(&inner, fd, "", rel, child_normal);
	w->matched = inner.matched;
	w->error = inner.error;
	return r;
}

/*
 * BK-143: a file system that is no volume of the set is mounted at
 * directory name (st its status): list the outer volume's directory
 * when the shadow copy shows it (btrfs), but go no further, and report
 * it unless it is excluded.  The same for a file mounted over a file
 * (a bind mount) that the walk would take: the shadow copy holds the
 * file hidden below it, which is copied, and the live one differs.
 */
static int
skip_mount(struct walk *w, const char *name, const struct stat *st,
	   const char *child_rel, const char *child_src,
	   const char *child_normal)
{
	bool matches = !w->filespec || vss_filespec_match(w->filespec, name);
	int r;

	if (matches)
		w->matched++;
	else if (!S_ISDIR(st->st_mode))
		return 0; /* not a file of the file set */
	if (is_excluded(w->fs, w->volume, child_normal)) {
		w->fs->excluded++;
		return 0;
	}
	if (matches && st->st_dev == w->dev) {
		r = add_object(w->fs, w->volume, child_rel, w->src_volume,
			       child_src, w->component, st);
		if (r < 0)
			return r;
	}
	return add_skipped(w->fs, w->volume, child_rel, FILESET_SKIP_MOUNT);
}

/*
 * List what directory fd (src_rel below the source volume's mount
 * point; rel below the recording volume's, normal_dir on the live
 * system) holds; takes ownership of fd.  Errors below the top are kept
 * in w->error and the walk goes on; the return value is for what stops
 * it (-ENOMEM, -EINTR).
 */
static int
walk_dir(struct walk *w, int fd, const char *src_rel, const char *rel,
	 const char *normal_dir)
{
	struct fileset *fs = w->fs;
	char *child_rel = NULL, *child_normal = NULL, *child_src = NULL;
	const char *here;
	struct dirent *de;
	struct stat st;
	bool matches, mount_here;
	long mounted;
	DIR *d;
	int r = 0, sub;

	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		walk_error(w, r, normal_dir);
		return 0;
	}
	for (;;) {
		if (fs->interrupted && fs->interrupted()) {
			r = -EINTR;
			break;
		}
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				walk_error(w, -errno, normal_dir);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		free(child_rel);
		free(child_normal);
		free(child_src);
		child_rel = join(rel, de->d_name);
		child_normal = join(normal_dir, de->d_name);
		child_src = w->alternate ? join(src_rel, de->d_name) : NULL;
		if (!child_rel || !child_normal ||
		    (w->alternate && !child_src)) {
			r = -ENOMEM;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0) {
			walk_error(w, -errno, child_normal);
			continue;
		}
		/* Where it is read, to find what is mounted there. */
		here = child_src ? child_src : child_rel;
		mounted = S_ISDIR(st.st_mode) && w->recursive ?
				  volume_mounted_at(w, here) :
				  -1;
		if (mounted >= 0) {
			r = cross_into(w, (size_t)mounted, de->d_name, &st,
				       child_rel, child_normal);
			if (r < 0)
				break;
			continue;
		}
		/* Before the next test: its st_dev is not the snapshot's. */
		if (is_subvolume_placeholder(dirfd(d), de->d_name, &st)) {
			r = skip_placeholder(w, src_rel, de->d_name, child_rel,
					     child_normal);
			if (r < 0)
				break;
			continue;
		}
		if (S_ISDIR(st.st_mode))
			mount_here =
			    w->recursive &&
			    (st.st_dev != w->dev || other_mount_at(w, here));
		else
			mount_here =
			    st.st_dev == w->dev && other_mount_at(w, here);
		if (mount_here) {
			r = skip_mount(w, de->d_name, &st, child_rel, child_src,
				       child_normal);
			if (r < 0)
				break;
			continue;
		}
		/* Another file system: not what the set copies. */
		if (st.st_dev != w->dev)
			continue;
		matches = !w->filespec ||
			  vss_filespec_match(w->filespec, de->d_name);
		if (matches)
			w->matched++;
		/* Exclusions win, and take a directory's contents along. */
		if (is_excluded(fs, w->volume, child_normal)) {
			fs->excluded++;
			continue;
		}
		if (matches && (!S_ISDIR(st.st_mode) || w->recursive)) {
			r = add_object(fs, w->volume, child_rel, w->src_volume,
				       child_src, w->component, &st);
			if (r < 0)
				break;
		}
		if (!S_ISDIR(st.st_mode) || !w->recursive)
			continue;
		sub = openat(dirfd(d), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			walk_error(w, -errno, child_normal);
			continue;
		}
		r = walk_dir(w, sub, child_src ? child_src : child_rel,
			     child_rel, child_normal);
		if (r < 0)
			break;
	}
	free(child_rel);
	free(child_normal);
	free(child_src);
	closedir(d);
	return r;
}

static bool
has_wildcard(const char *filespec)
{
	return strpbrk(filespec, "*?") != NULL;
}

/* BK-141: a file spec without wildcards names no file in dir. */
static int
no_such_file(char *err, size_t errlen, const char *what, const char *dir,
	     const char *filespec)
{
	return set_err(err, errlen, -ENOENT,
		       "%s%s/%s: no such file in the shadow copy", what,
		       strcmp(dir, "/") ? dir : "", filespec);
}

/*
 * Normalise path (wildcard characters in a directory are plain names
 * here) into *ret and find its volume and the rest below it; what is
 * named in messages is what.
 */
static int
place_dir(const struct fileset *fs, const char *path, const char *what,
	  char **ret, size_t *ret_volume, const char **ret_rel, char *err,
	  size_t errlen)
{
	const char *why;
	long vol;
	int r;

	*ret = NULL;
	r = filerule_normalise(path, strlen(path), true, ret, &why);
	if (r < 0)
		return set_err(err, errlen, r, "%s%s: %s", what, path,
			       r == -EINVAL ? why : strerror(-r));
	vol = volume_of(fs, *ret, ret_rel);
	if (vol < 0)
		return set_err(err, errlen, -EXDEV,
			       "%s%s: on no volume of the shadow copy set",
			       what, path);
	*ret_volume = (size_t)vol;
	return 0;
}

int
fileset_add_file_set(struct fileset *fs, const struct vss_file_desc *fd,
		     size_t component, char *err, size_t errlen)
{
	struct walk w = {
		.fs = fs,
		.filespec = fd->filespec,
		.recursive = fd->recursive,
		.component = component,
		.err = err,
		.errlen = errlen,
	};
	const char *rel, *src_rel, *src_name, *what = "";
	char *dir, *src_dir = NULL, *alt_what = NULL;
	int r, dfd;

	err[0] = '\0';
	r = place_dir(fs, fd->path, "", &dir, &w.volume, &rel, err, errlen);
	/* The set has no place to record what the alternate path holds. */
	if (r == -EXDEV && fd->alternate_path)
		set_err(err, errlen, r,
			"%s: on no volume of the shadow copy set, so the files "
			"of its alternate path %s have no place in the set",
			fd->path, fd->alternate_path);
	if (r < 0)
		goto out;
	w.src_volume = w.volume;
	src_rel = rel;
	if (fd->alternate_path) {
		/* Messages say where the files are read. */
		if (asprintf(&alt_what, "alternate path of %s: ", dir) < 0) {
			alt_what = NULL;
			r = set_err(err, errlen, -ENOMEM, "%s",
				    strerror(ENOMEM));
			goto out;
		}
		what = alt_what;
		r = place_dir(fs, fd->alternate_path, what, &src_dir,
			      &w.src_volume, &src_rel, err, errlen);
		if (r < 0)
			goto out;
		w.alternate = true;
	}
	src_name = src_dir ? src_dir : dir;
	r = open_shadow_dir(fs, w.src_volume, src_rel, &w.dev, &dfd);
	if (r == -ENOENT || r == -ENOTDIR) {
		/* A wildcard may match nothing, also in no directory. */
		if (has_wildcard(fd->filespec))
			r = 0;
		else
			r = no_such_file(err, errlen, what, src_name,
					 fd->filespec);
		goto out;
	}
	if (r < 0) {
		set_err(err, errlen, r, "%s%s: %s", what, src_name,
			r == -ELOOP ? "a symbolic link in the path" :
			r == -EXDEV ? "on another file system" :
				      strerror(-r));
		goto out;
	}
	r = walk_dir(&w, dfd, src_rel, rel, dir);
	if (r == 0 && w.error)
		r = w.error;
	if (r == 0 && w.matched == 0 && !has_wildcard(fd->filespec))
		r = no_such_file(err, errlen, what, src_name, fd->filespec);
	if (r == -EINTR || r == -ENOMEM)
		set_err(err, errlen, r, "%s", strerror(-r));
out:
	free(alt_what);
	free(src_dir);
	free(dir);
	return r;
}

int
fileset_add_path(struct fileset *fs, const char *path, size_t component,
		 char *err, size_t errlen)
{
	struct walk w = {
		.fs = fs,
		.recursive = true,
		.component = component,
		.err = err,
		.errlen = errlen,
	};
	char *norm, *parent = NULL;
	const char *rel, *name;
	struct stat st;
	int r, dfd = -1, sub;

	err[0] = '\0';
	r = place_dir(fs, path, "", &norm, &w.volume, &rel, err, errlen);
	if (r < 0)
		goto out;
	w.src_volume = w.volume;
	/* Open what holds the object, then look at the object itself. */
	name = strrchr(rel, '/');
	parent = strndup(rel, name ? (size_t)(name - rel) : 0);
	if (!parent) {
		r = set_err(err, errlen, -ENOMEM, "%s", strerror(ENOMEM));
		goto out;
	}
	name = name ? name + 1 : rel;
	r = open_shadow_dir(fs, w.volume, parent, &w.dev, &dfd);
	if (r == 0 && *name &&
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	else if (r == 0 && !*name && fstat(dfd, &st) < 0)
		r = -errno;
	if (r == 0 && *name && is_subvolume_placeholder(dfd, name, &st)) {
		r = skip_placeholder(&w, parent, name, rel, norm);
		goto out;
	}
	if (r == 0 && st.st_dev != w.dev)
		r = -EXDEV;
	if (r < 0) {
		set_err(err, errlen, r, "%s: %s", norm,
			r == -ENOENT ? "not in the shadow copy" :
			r == -ELOOP  ? "a symbolic link in the path" :
			r == -EXDEV  ? "on another file system" :
				       strerror(-r));
		goto out;
	}
	if (is_excluded(fs, w.volume, norm)) {
		fs->excluded++;
		goto out;
	}
	r = add_object(fs, w.volume, rel, w.volume, NULL, component, &st);
	if (r < 0 || !S_ISDIR(st.st_mode))
		goto out;
	if (*name) {
		sub = openat(dfd, name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			r = set_err(err, errlen, -errno, "%s: %s", norm,
				    strerror(errno));
			goto out;
		}
	} else {
		sub = dfd;
		dfd = -1;
	}
	r = walk_dir(&w, sub, rel, rel, norm);
	if (r == 0 && w.error)
		r = w.error;
	if (r == -EINTR || r == -ENOMEM)
		set_err(err, errlen, r, "%s", strerror(-r));
out:
	if (r == -ENOMEM && !err[0])
		set_err(err, errlen, r, "%s", strerror(ENOMEM));
	if (dfd >= 0)
		close(dfd);
	free(parent);
	free(norm);
	return r;
}

size_t
fileset_count(const struct fileset *fs)
{
	return fs->n_objs;
}

const struct fileset_object *
fileset_object(const struct fileset *fs, size_t i)
{
	return i < fs->n_objs ? &fs->objs[i] : NULL;
}

uint64_t
fileset_excluded(const struct fileset *fs)
{
	return fs->excluded;
}

size_t
fileset_skipped_count(const struct fileset *fs)
{
	return fs->n_skipped;
}

const struct fileset_skip *
fileset_skipped(const struct fileset *fs, size_t i)
{
	return i < fs->n_skipped ? &fs->skipped[i] : NULL;
}

/* Order by volume, then path, then the order of listing. */
static int
compare_objects(const void *a, const void *b, void *u)
{
	const struct fileset_object *objs = u;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c;

	if (objs[i].volume != objs[j].volume)
		return objs[i].volume < objs[j].volume ? -1 : 1;
	c = strcmp(objs[i].path, objs[j].path);
	if (c)
		return c;
	return i < j ? -1 : i > j;
}

void
fileset_finish(struct fileset *fs, uint64_t *ret_objects, uint64_t *ret_bytes)
{
	uint64_t objects = 0, bytes = 0;
	size_t *order, i;

	order = malloc((fs->n_objs ? fs->n_objs : 1) * sizeof(*order));
	if (order) {
		for (i = 0; i < fs->n_objs; i++)
			order[i] = i;
		qsort_r(order, fs->n_objs, sizeof(*order), compare_objects,
			fs->objs);
		for (i = 1; i < fs->n_objs; i++)
			fs->objs[order[i]].duplicate =
				fs->objs[order[i]].volume ==
					fs->objs[order[i - 1]].volume &&
				!strcmp(fs->objs[order[i]].path,
					fs->objs[order[i - 1]].path);
		free(order);
	}
	/* Without memory for the order the totals count duplicates twice. */
	for (i = 0; i < fs->n_objs; i++) {
		if (fs->objs[i].duplicate)
			continue;
		objects++;
		bytes += fs->objs[i].size;
	}
	*ret_objects = objects;
	*ret_bytes = bytes;
}
