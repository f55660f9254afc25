/*
 * cli/restore_write.c - a batch of objects of a backup set, staged next
 * to their places under temporary names (restore_write.h); the commit
 * is restore_write_commit.c, directed targets restore_write_ranges.c.
 *
 * A regular file is made with O_TMPFILE where the file system has it,
 * so that an interrupted copy leaves nothing behind, and linked under its
 * temporary name once its data and metadata are complete; else it is
 * made under that name at once.  Its data is read from the set without
 * following a symbolic link, only the data extents (holes stay holes),
 * hashed as it is copied (or, after a reflink, as it is read back from
 * the new file, which only we hold) and compared with the manifest's
 * SHA-256 before the object counts as staged.  What was made is
 * remembered by device and inode, so that the commit renames, and a
 * cleanup removes, only our own objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore_write_internal.h"
#include "util/pending_restore.h"

/* ---- the batch's tables ------------------------------------------------- */

struct key {
	const struct rbatch *b;
	const struct rtarget *t;  /* by_dest; NULL for by_entry */
	size_t volume;
	const char *path;
};

static bool
match_dest(size_t idx, const void *u)
{
	const struct key *k = u;
	const struct robj *o = &k->b->objs[idx];

	return o->t == k->t && strcmp(o->relpath, k->path) == 0;
}

static bool
match_entry(size_t idx, const void *u)
{
	const struct key *k = u;
	const struct robj *o = &k->b->objs[idx];

	return o->e && o->e->volume == k->volume &&
	       strcmp(o->e->path, k->path) == 0;
}

int
rbatch_target_index(struct rbatch *b, struct rtarget *t, size_t *ret)
{
	struct rtarget **grown;
	size_t i;

	for (i = 0; i < b->target_count; i++)
		if (b->targets[i] == t)
			break;
	if (i == b->target_count) {
		grown = realloc(b->targets, (i + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		b->targets = grown;
		b->targets[b->target_count++] = t;
	}
	*ret = i;
	return 0;
}

size_t
rbatch_find_dest(const struct rbatch *b, struct rtarget *t,
		 const char *relpath)
{
	struct key k = {b, t, 0, relpath};
	size_t i;

	for (i = 0; i < b->target_count; i++)
		if (b->targets[i] == t)
			return bset_table_find(&b->by_dest,
					       bset_path_hash(i, relpath),
					       match_dest, &k);
	return SIZE_MAX;
}

size_t
rbatch_find_entry(const struct rbatch *b, size_t volume, const char *path)
{
	struct key k = {b, NULL, volume, path};

	return bset_table_find(&b->by_entry, bset_path_hash(volume, path),
			       match_entry, &k);
}

int
rbatch_push(struct rbatch *b, const struct robj *o)
{
	struct robj *grown;
	size_t cap, ti;
	int r;

	if (b->count == b->cap) {
		cap = b->cap ? 2 * b->cap : 64;
		grown = realloc(b->objs, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		b->objs = grown;
		b->cap = cap;
	}
	if ((r = rbatch_target_index(b, o->t, &ti)) < 0 ||
	    (r = bset_table_reserve(&b->by_dest, 1)) < 0 ||
	    (r = bset_table_reserve(&b->by_entry, 1)) < 0)
		return r;
	/* Reserved: adding cannot fail now. */
	bset_table_add(&b->by_dest, bset_path_hash(ti, o->relpath), b->count);
	if (o->e)
		bset_table_add(&b->by_entry,
			       bset_path_hash(o->e->volume, o->e->path),
			       b->count);
	b->objs[b->count++] = *o;
	return 0;
}

int
rbatch_index_entry(struct rbatch *b, size_t idx)
{
	const struct bset_entry *e = b->objs[idx].e;

	return bset_table_add(&b->by_entry, bset_path_hash(e->volume, e->path),
			      idx);
}

void
robj_release(struct robj *o)
{
	size_t i;

	free(o->relpath);
	free(o->component);
	free(o->first_path);
	rmeta_entry_free(o->e);
	for (i = 0; i < o->range_count; i++)
		rranges_op_release(&o->ranges[i]);
	free(o->ranges);
	o->relpath = o->component = o->first_path = NULL;
	o->e = NULL;
	o->ranges = NULL;
	o->range_count = 0;
}

/* ---- where things are --------------------------------------------------- */

static int
made_dir(struct rtarget *t, const char *path, void *u)
{
	struct robj o = {
		.kind = RO_DIR,
		.t = t,
		.first = SIZE_MAX,
		.created = true,
	};
	int r;

	o.relpath = strdup(path);
	if (!o.relpath)
		return -ENOMEM;
	if ((r = rbatch_push(u, &o)) < 0)
		robj_release(&o);
	return r;
}

int
rbatch_parent(struct rbatch *b, struct rtarget *t, const char *relpath,
	      bool create, const char **ret_name, char *err, size_t errlen)
{
	char parent[BSET_PATH_MAX];

	*ret_name = bset_split_path(relpath, parent);
	return rt_cached_dir(&b->dest, t, parent, create ? made_dir : NULL, b,
			     err, errlen);
}

/* The directory the staged objects go into: the stage's, or the parent. */
static int
stage_dir(struct rbatch *b, const struct robj *o, const char **ret_name,
	  char *err, size_t errlen)
{
	char parent[BSET_PATH_MAX];

	if (!b->pending)
		return rbatch_parent(b, o->t, o->relpath, true, ret_name, err,
				     errlen);
	*ret_name = bset_split_path(o->relpath, parent);
	return pending_restore_stage_fd(b->pending);
}

int
rbatch_open_source(struct rbatch *b, const struct bset_entry *e,
		   struct stat *ret_st, char *err, size_t errlen)
{
	char dir[BSET_PATH_MAX + 32], parent[BSET_PATH_MAX];
	const char *name = bset_split_path(e->path, parent);
	int fd;

	snprintf(dir, sizeof(dir), "%zu%s%s", e->volume, *parent ? "/" : "",
		 parent);
	if (b->src.fd < 0 || strcmp(b->src.path, dir) != 0) {
		rt_cache_release(&b->src);
		fd = beneath_open_dir(b->data_fd, dir, O_PATH);
		if (fd < 0)
			goto fail;
		b->src.path = strdup(dir);
		if (!b->src.path) {
			close(fd);
			return -ENOMEM;
		}
		b->src.fd = fd;
		b->src.owner = b;
	}
	fd = bset_open_regular(b->src.fd, name, ret_st);
	if (fd >= 0)
		return fd;
fail:
	rw_set_err(err, errlen, "\"data/%zu/%s\" of the backup set: %s",
		e->volume, e->path,
		fd == -ELOOP    ? "a symbolic link is on the way: refused"
		: fd == -EINVAL ? "not a regular file"
				: strerror(-fd));
	return fd;
}

int
rbatch_check_source(int src, const struct bset_entry *e, char *err,
		    size_t errlen)
{
	char hex[65];
	int r;

	if ((r = bset_data_sha256(src, e->size, hex)) < 0)
		return r;
	if (strcmp(hex, e->sha256) == 0)
		return 0;
	rw_set_err(err, errlen,
		"\"data/%zu/%s\" of the backup set does not have the "
		"manifest's SHA-256: changed since the backup",
		e->volume, e->path);
	return -EBADMSG;
}

bool
rbatch_tmp_ours(int dir, const struct robj *o)
{
	struct stat st;

	return o->tmp[0] && fstatat(dir, o->tmp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_dev == o->tmp_dev && st.st_ino == o->tmp_ino;
}

int
rbatch_tmp_remember(int dir, struct robj *o)
{
	struct stat st;

	if (fstatat(dir, o->tmp, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	o->tmp_dev = st.st_dev;
	o->tmp_ino = st.st_ino;
	return 0;
}

void
rbatch_unstage(struct rbatch *b, struct robj *o)
{
	const char *name;
	bool dir = o->kind == RO_DIR;
	int fd;

	if (!o->tmp[0])
		return;
	fd = b->pending ? pending_restore_stage_fd(b->pending)
			: rbatch_parent(b, o->t, o->relpath, false, &name,
					NULL, 0);
	if (fd >= 0 && rbatch_tmp_ours(fd, o))
		unlinkat(fd, o->tmp, dir ? AT_REMOVEDIR : 0);
	o->tmp[0] = '\0';
}

/* ---- staging one object ------------------------------------------------- */

int
rbatch_check_place(const struct robj *o, int dir, const char *name,
		   char *err, size_t errlen)
{
	char where[BSET_PATH_MAX + 256];
	bool want_dir = o->kind == RO_DIR;
	struct statx stx;

	if (statx(dir, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0)
		return errno == ENOENT ? 0 : -errno;
	rbatch_where(o->t, o->relpath, where, sizeof(where));
	if (S_ISDIR(stx.stx_mode) && !want_dir) {
		rw_set_err(err, errlen,
			"\"%s\" is a directory: not replaced by a file", where);
		return -EISDIR;
	}
	if (!S_ISDIR(stx.stx_mode) && want_dir) {
		rw_set_err(err, errlen,
			"\"%s\" is not a directory: not replaced by one",
			where);
		return -ENOTDIR;
	}
	if (rt_stx_locked(&stx) && !want_dir) {
		rw_set_err(err, errlen, "\"%s\" is immutable or append-only",
			where);
		return -EPERM;
	}
	return 1;
}

int
rbatch_copy_data(int src, int dst, uint64_t size, char hex[65])
{
	struct bset_data_result res;
	int r;

	struct stat st;

	/*
	 * Shared extents: hash the new file, which no one else can change;
	 * the clone takes all of src, which may have grown since its size
	 * was checked: cut to size (a shorter one fails the hash).
	 */
	if (size && ioctl(dst, FICLONE, src) == 0) {
		if (fstat(dst, &st) < 0)
			return -errno;
		if ((uint64_t)st.st_size > size &&
		    ftruncate(dst, (off_t)size) < 0)
			return -errno;
		if ((uint64_t)st.st_size < size)
			return -EBADMSG;
		return bset_data_sha256(dst, size, hex);
	}
	r = bset_data_copy(src, dst, size, BSET_COPY_READ_WRITE, &res);
	if (r == 0)
		memcpy(hex, res.sha256, 65);
	return r;
}

int
rbatch_stage_file(struct rbatch *b, int dir, struct robj *o, char *err,
		  size_t errlen)
{
	const struct bset_entry *e = o->e;
	char hex[65], where[BSET_PATH_MAX + 256];
	struct stat st;
	int src, fd = -1, r, tries;
	bool named = false;

	src = rbatch_open_source(b, e, &st, err, errlen);
	if (src < 0)
		return src;
	if ((uint64_t)st.st_size != e->size) {
		rw_set_err(err, errlen,
			"\"data/%zu/%s\" of the backup set has %lld bytes, "
			"the manifest says %llu",
			e->volume, e->path, (long long)st.st_size,
			(unsigned long long)e->size);
		r = -EBADMSG;
		goto out;
	}
	fd = rmeta_tmpfile(dir, o->tmp, &named);
	if (fd < 0) {
		r = fd;
		rw_set_err(err, errlen, "cannot make a file next to \"%s\": %s",
			rbatch_where(o->t, o->relpath, where, sizeof(where)),
			strerror(-r));
		goto out;
	}
	r = rbatch_copy_data(src, fd, e->size, hex);
	if (r < 0 && r != -EBADMSG) {
		rw_set_err(err, errlen, "cannot copy \"data/%zu/%s\": %s",
			e->volume, e->path, strerror(-r));
		goto out;
	}
	if (r == -EBADMSG || strcmp(hex, e->sha256) != 0) {
		rw_set_err(err, errlen,
			"\"data/%zu/%s\" of the backup set does not have the "
			"manifest's SHA-256: changed since the backup",
			e->volume, e->path);
		r = -EBADMSG;
		goto out;
	}
	if ((r = rmeta_apply_fd(fd, e, err, errlen)) < 0)
		goto out;
	for (tries = 0; !named && tries < 100; tries++) {
		r = rmeta_link_tmpfile(fd, dir, o->tmp);
		if (r != -EEXIST)
			break;
		if ((r = rmeta_tmp_name(o->tmp)) < 0)
			break;
	}
	if (r < 0) {
		rw_set_err(err, errlen, "cannot name a file next to \"%s\": %s",
			rbatch_where(o->t, o->relpath, where, sizeof(where)),
			strerror(-r));
		goto out;
	}
	named = true;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	o->tmp_dev = st.st_dev;
	o->tmp_ino = st.st_ino;
out:
	if (r < 0 && named)
		unlinkat(dir, o->tmp, 0);
	if (r < 0)
		o->tmp[0] = '\0';
	if (fd >= 0)
		close(fd);
	close(src);
	return r;
}

/* One try at making the object of e at name in dir. */
static int
make_special(int dir, const char *name, const struct bset_entry *e)
{
	int r;

	switch (e->mode & S_IFMT) {
	case S_IFLNK:
		r = symlinkat(e->link_target, dir, name);
		break;
	case S_IFIFO:
		r = mkfifoat(dir, name, 0600);
		break;
	case S_IFDIR:
		r = mkdirat(dir, name, 0700);
		break;
	default: /* a device node */
		r = mknodat(dir, name, (e->mode & S_IFMT) | 0600, e->rdev);
		break;
	}
	return r < 0 ? -errno : 0;
}

static int
stage_special(int dir, struct robj *o, char *err, size_t errlen)
{
	char where[BSET_PATH_MAX + 256];
	int r = -EEXIST, tries;

	for (tries = 0; r == -EEXIST && tries < 100; tries++) {
		if ((r = rmeta_tmp_name(o->tmp)) < 0)
			break;
		r = make_special(dir, o->tmp, o->e);
	}
	if (r < 0) {
		o->tmp[0] = '\0';
		rw_set_err(err, errlen, "cannot make \"%s\": %s%s",
			rbatch_where(o->t, o->relpath, where, sizeof(where)),
			strerror(-r),
			r == -EPERM && !S_ISLNK(o->e->mode)
				? " (device nodes need root)"
				: "");
		return r;
	}
	r = rbatch_tmp_remember(dir, o);
	if (r == 0 && o->kind == RO_DIR) {
		/* A staged directory: its own, empty, complete now. */
		int fd = openat(dir, o->tmp, O_RDONLY | O_DIRECTORY |
						     O_NOFOLLOW | O_CLOEXEC);

		r = fd < 0 ? -errno : rmeta_apply_fd(fd, o->e, err, errlen);
		if (fd >= 0)
			close(fd);
	} else if (r == 0) {
		r = rmeta_apply_at(dir, o->tmp, o->e, err, errlen);
	}
	if (r < 0) {
		unlinkat(dir, o->tmp, o->kind == RO_DIR ? AT_REMOVEDIR : 0);
		o->tmp[0] = '\0';
	}
	return r;
}

/* A directory in place: kept when there, made (0700 until commit) if not. */
static int
stage_dir_in_place(int dir, const char *name, struct robj *o, char *err,
		   size_t errlen)
{
	char where[BSET_PATH_MAX + 256];
	int r;

	if (!*o->relpath)
		return 0; /* the target's root */
	r = rbatch_check_place(o, dir, name, err, errlen);
	if (r != 0)
		return r < 0 ? r : 0;
	if (mkdirat(dir, name, 0700) < 0) {
		r = -errno;
		if (r == -EEXIST) /* made meanwhile: check it again */
			return rbatch_check_place(o, dir, name, err, errlen) < 0 ? r
									  : 0;
		rw_set_err(err, errlen, "cannot make \"%s\": %s",
			rbatch_where(o->t, o->relpath, where, sizeof(where)),
			strerror(-r));
		return r;
	}
	o->created = true;
	return 0;
}

static enum robj_kind
kind_of(const struct bset_entry *e)
{
	switch (e->mode & S_IFMT) {
	case S_IFREG:
		return e->hardlink_of ? RO_LINK : RO_FILE;
	case S_IFDIR:
		return RO_DIR;
	default:
		return RO_SPECIAL;
	}
}

static int
stage(struct rbatch *b, struct robj *o, char *err, size_t errlen)
{
	const char *name;
	int dir, r;

	/* Resolved first: a hard link may become a full copy. */
	if (o->kind == RO_LINK && (r = rlink_resolve(b, o, err, errlen)) < 0)
		return r;
	dir = stage_dir(b, o, &name, err, errlen);
	if (dir < 0)
		return dir;
	if (!b->pending && o->kind == RO_DIR)
		return stage_dir_in_place(dir, name, o, err, errlen);
	if (!b->pending && (r = rbatch_check_place(o, dir, name, err, errlen)) < 0)
		return r;
	switch (o->kind) {
	case RO_FILE:
		return rbatch_stage_file(b, dir, o, err, errlen);
	case RO_LINK:
		return 0; /* made at commit */
	default:
		return stage_special(dir, o, err, errlen);
	}
}

/* ---- the API ------------------------------------------------------------ */

int
rbatch_new(struct rbatch **ret, const char *set_dir,
	   struct pending_restore *pending)
{
	struct rbatch *b;
	int set, r;

	if (!ret || !set_dir || (pending && pending_restore_stage_fd(pending) < 0))
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->data_fd = b->dest.fd = b->src.fd = -1;
	b->pending = pending;
	set = open(set_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (set < 0) {
		r = -errno;
		goto fail;
	}
	b->data_fd = beneath_open_dir(set, "data", O_PATH);
	close(set);
	if (b->data_fd < 0) {
		r = b->data_fd;
		goto fail;
	}
	*ret = b;
	return 0;
fail:
	rbatch_free(b);
	return r;
}

int
rbatch_set_manifest(struct rbatch *b, const struct bset_manifest *m)
{
	if (!b || !m)
		return -EINVAL;
	b->m = m;
	return 0;
}

int
rbatch_set_no_replace(struct rbatch *b, bool on)
{
	if (!b || b->committed)
		return -EINVAL;
	b->no_replace = on;
	return 0;
}

/* A directory made on the way as a parent (object k), now with e. */
static int
adopt_dir(struct rbatch *b, size_t k, const struct bset_entry *e,
	  const char *component)
{
	struct robj *o = &b->objs[k];
	char *comp = NULL;
	int r;

	if (component && !(comp = strdup(component)))
		return -ENOMEM;
	if ((r = rmeta_entry_dup(e, &o->e)) < 0 ||
	    (r = rbatch_index_entry(b, k)) < 0) {
		rmeta_entry_free(o->e);
		o->e = NULL;
		free(comp);
		return r;
	}
	o->component = comp;
	b->entries++;
	return 0;
}

/*
 * A whole file where directed targets go already (object k, RS-091):
 * its content first, then their ranges again on top, in a new temporary
 * that takes the place of theirs; the same as when the file comes first.
 */
static int
merge_file(struct rbatch *b, size_t k, const struct bset_entry *e,
	   const char *component, char *err, size_t errlen)
{
	struct robj *o = &b->objs[k];
	struct robj n = {.kind = RO_FILE, .t = o->t, .relpath = o->relpath};
	const char *name;
	char *comp = NULL;
	int dir, fd = -1, r;
	struct stat st;
	size_t i;

	if ((r = bset_table_reserve(&b->by_entry, 1)) < 0)
		return r;
	if (component && !(comp = strdup(component)))
		return -ENOMEM;
	if ((r = rmeta_entry_dup(e, &n.e)) < 0)
		goto fail;
	dir = rbatch_parent(b, o->t, o->relpath, true, &name, err, errlen);
	if (dir < 0) {
		r = dir;
		goto fail;
	}
	if ((r = rbatch_stage_file(b, dir, &n, err, errlen)) < 0)
		goto fail;
	fd = openat(dir, n.tmp, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_ino != n.tmp_ino ||
	    st.st_dev != n.tmp_dev)
		r = -ESTALE;
	for (i = 0; r == 0 && i < o->range_count; i++)
		r = rranges_write(b, dir, fd, &o->ranges[i], NULL, err,
				  errlen);
	/* Writing drops file capabilities: the file's metadata again. */
	if (r == 0)
		r = rmeta_apply_fd(fd, n.e, err, errlen);
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		rbatch_unstage(b, &n);
		goto fail;
	}
	rbatch_unstage(b, o);
	memcpy(o->tmp, n.tmp, sizeof(o->tmp));
	o->tmp_dev = n.tmp_dev;
	o->tmp_ino = n.tmp_ino;
	o->kind = RO_FILE;
	o->broken = false; /* written anew */
	o->e = n.e;
	o->component = comp;
	/* Reserved: cannot fail. */
	rbatch_index_entry(b, k);
	b->bytes += e->size;
	return 0;
fail:
	rmeta_entry_free(n.e);
	free(comp);
	return r;
}

/* Remove the directory o made, when it could not join the batch. */
static void
unmake_dir(struct rbatch *b, const struct robj *o)
{
	const char *name;
	int dir;

	if (!o->created)
		return;
	dir = rbatch_parent(b, o->t, o->relpath, false, &name, NULL, 0);
	if (dir >= 0)
		unlinkat(dir, name, AT_REMOVEDIR);
}

int
rbatch_add(struct rbatch *b, struct rtarget *t, const char *relpath,
	   const struct bset_entry *e, const char *component, char *err,
	   size_t errlen)
{
	struct robj o = {.t = t, .first = SIZE_MAX};
	char where[BSET_PATH_MAX + 256];
	struct robj *prev;
	size_t k;
	int r;

	if (!b || !t || !relpath || !e || b->committed)
		return -EINVAL;
	/* A socket is recorded in the manifest only: nothing to make. */
	if (S_ISSOCK(e->mode))
		return 0;
	/* In place, the walk to the parent checks the rest. */
	r = b->pending ? rtarget_check(t, relpath, err, errlen)
		       : rt_check_path(t, relpath, err, errlen);
	if (r < 0)
		return r;
	o.kind = kind_of(e);
	/*
	 * Staged, a directory that exists is kept as it is when the
	 * journal is applied, and the root always exists: nothing to do.
	 */
	if (!*relpath && o.kind == RO_DIR && b->pending)
		return 0;
	if (!*relpath && o.kind != RO_DIR) {
		rw_set_err(err, errlen, "\"%s\" is the root of the target: only "
			"a directory goes there", t->root);
		return -EISDIR;
	}
	k = rbatch_find_dest(b, t, relpath);
	prev = k == SIZE_MAX ? NULL : &b->objs[k];
	if (prev && prev->kind == RO_DIR && !prev->e && o.kind == RO_DIR)
		return adopt_dir(b, k, e, component);
	if (prev && prev->kind == RO_RANGES && o.kind == RO_FILE)
		return merge_file(b, k, e, component, err, errlen);
	if (prev) {
		rw_set_err(err, errlen, "\"%s\" is twice in one batch",
			rbatch_where(t, relpath, where, sizeof(where)));
		return -EEXIST;
	}
	if ((r = rmeta_entry_dup(e, &o.e)) < 0)
		return r;
	o.relpath = strdup(relpath);
	o.component = component ? strdup(component) : NULL;
	if (!o.relpath || (component && !o.component)) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = stage(b, &o, err, errlen)) < 0)
		goto fail;
	if ((r = rbatch_push(b, &o)) < 0) {
		rbatch_unstage(b, &o);
		unmake_dir(b, &o);
		goto fail;
	}
	b->entries++;
	if (o.kind == RO_FILE || o.kind == RO_LINK)
		b->bytes += o.e->size;
	return 0;
fail:
	robj_release(&o);
	return r;
}

size_t
rbatch_count(const struct rbatch *b)
{
	return b ? b->entries : 0;
}

uint64_t
rbatch_bytes(const struct rbatch *b)
{
	return b ? b->bytes : 0;
}
