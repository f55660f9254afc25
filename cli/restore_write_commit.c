/*
 * cli/restore_write_commit.c - putting a batch in place, or taking back
 * what it staged.
 *
 * The commit first makes the staged data durable (syncfs() of each
 * target: one call per file system instead of an fsync() per file), so
 * that a crash after a rename never leaves an empty file under a real
 * name; then renames each object over its place in the order it was
 * added (a hard link is made as a temporary link renamed into place,
 * after its first link); then sets the directories' metadata deepest
 * first, after their contents, so that their times stay and a read-only
 * directory could be filled; then syncs again, so that the names are
 * durable too.  Before each rename the temporary is checked to be the
 * object we made (device and inode): one swapped in by another process
 * is never moved into place.
 *
 * Staging (restore at reboot, RS-043) is rbatch_stage(): each object
 * renamed within the staging directory to the name the journal gives it
 * and recorded; the targets are not touched.  The commit of a staged
 * batch then only writes the journal (pending_restore_commit(), which
 * syncs the staging directory's file system first: no syncfs() here), or
 * stages and writes it when rbatch_stage() was not called.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore_write_internal.h"
#include "util/pending_restore.h"

static int
sync_targets(struct rbatch *b, char *err, size_t errlen)
{
	size_t i;
	int r;

	for (i = 0; i < b->target_count; i++) {
		if (syncfs(b->targets[i]->fd) == 0)
			continue;
		r = -errno;
		rw_set_err(err, errlen, "cannot sync \"%s\": %s",
			b->targets[i]->root, strerror(-r));
		return r;
	}
	return 0;
}

/*
 * Rename tmp over name in dir; with no_replace (restore if not there,
 * RS-041) only when nothing is at name: renameat2(RENAME_NOREPLACE), or
 * where the file system lacks it a link(2), which never replaces, and
 * the temporary name removed.  0 or -errno (-EEXIST: something is there).
 */
static int
put_in_place(const struct rbatch *b, int dir, const char *tmp,
	     const char *name)
{
	if (!b->no_replace)
		return renameat(dir, tmp, dir, name) < 0 ? -errno : 0;
	if (renameat2(dir, tmp, dir, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (linkat(dir, tmp, dir, name, 0) < 0)
		return -errno;
	unlinkat(dir, tmp, 0);
	return 0;
}

/* The message of a failed put_in_place(). */
static void
place_err(const struct robj *o, int r, char *err, size_t errlen)
{
	char where[BSET_PATH_MAX + 256];

	rbatch_where(o->t, o->relpath, where, sizeof(where));
	if (r == -EEXIST)
		rw_set_err(err, errlen, "\"%s\" was made by another process "
			"since it was checked: not replaced", where);
	else
		rw_set_err(err, errlen, "cannot put \"%s\" in place: %s", where,
			strerror(-r));
}

/* Whether name in dir is the inode that tmp in dir is. */
static bool
same_inode(int dir, const char *tmp, const char *name)
{
	struct stat a, b;

	return fstatat(dir, tmp, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
	       fstatat(dir, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int
place_link(struct rbatch *b, struct robj *o, char *err, size_t errlen)
{
	char tmp[RESTORE_TMP_SIZE];
	const char *name;
	int dir, r;

	dir = rbatch_parent(b, o->t, o->relpath, false, &name, err, errlen);
	if (dir < 0)
		return dir;
	if ((r = rlink_make(b, o, dir, tmp, err, errlen)) < 0)
		return r;
	/* Linked already: rename() would do nothing and keep tmp. */
	if (same_inode(dir, tmp, name)) {
		unlinkat(dir, tmp, 0);
		return 0;
	}
	if ((r = put_in_place(b, dir, tmp, name)) == 0)
		return 0;
	unlinkat(dir, tmp, 0);
	place_err(o, r, err, errlen);
	return r;
}

static int
place(struct rbatch *b, struct robj *o, char *err, size_t errlen)
{
	char where[BSET_PATH_MAX + 256];
	const char *name;
	int dir, r;

	if (o->kind == RO_LINK)
		return place_link(b, o, err, errlen);
	dir = rbatch_parent(b, o->t, o->relpath, false, &name, err, errlen);
	if (dir < 0)
		return dir;
	rbatch_where(o->t, o->relpath, where, sizeof(where));
	if (o->broken) {
		rw_set_err(err, errlen, "\"%s\" was not completely written: not "
			"put in place", where);
		return -EIO;
	}
	if (!rbatch_tmp_ours(dir, o)) {
		rw_set_err(err, errlen,
			"the temporary \"%s\" of \"%s\" was changed by another "
			"process: not put in place",
			o->tmp, where);
		return -ESTALE;
	}
	if ((r = put_in_place(b, dir, o->tmp, name)) < 0) {
		place_err(o, r, err, errlen);
		return r;
	}
	o->tmp[0] = '\0';
	return 0;
}

/* Stage o under its journal name and record it (restore at reboot). */
static int
place_staged(struct rbatch *b, struct robj *o, char *err, size_t errlen)
{
	int dir = pending_restore_stage_fd(b->pending), r;
	char where[BSET_PATH_MAX + 256];
	char tmp[RESTORE_TMP_SIZE];

	rbatch_where(o->t, o->relpath, where, sizeof(where));
	if (!pending_restore_next_name(b->pending, o->staged,
				       sizeof(o->staged))) {
		rw_set_err(err, errlen, "no name in the journal for \"%s\"",
			where);
		return -ENOMEM;
	}
	if (o->kind == RO_LINK) {
		if ((r = rlink_make(b, o, dir, tmp, err, errlen)) < 0)
			return r;
		r = renameat(dir, tmp, dir, o->staged) < 0 ? -errno : 0;
		if (r < 0)
			unlinkat(dir, tmp, 0);
	} else if (!rbatch_tmp_ours(dir, o)) {
		r = -ESTALE;
	} else {
		r = renameat(dir, o->tmp, dir, o->staged) < 0 ? -errno : 0;
		if (r == 0)
			o->tmp[0] = '\0';
	}
	if (r == 0)
		r = pending_restore_add(b->pending, o->e->mode & S_IFMT,
					o->relpath, o->component);
	if (r < 0)
		rw_set_err(err, errlen, "cannot stage \"%s\": %s", where,
			strerror(-r));
	return r;
}

static size_t
depth(const char *path)
{
	size_t n = *path != '\0';

	for (; *path; path++)
		n += *path == '/';
	return n;
}

static const struct rbatch *sorting;

/* Deepest first; in the order added among equals. */
static int
deeper_first(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	size_t di = depth(sorting->objs[i].relpath);
	size_t dj = depth(sorting->objs[j].relpath);

	if (di != dj)
		return di > dj ? -1 : 1;
	return i < j ? -1 : i > j;
}

/*
 * The directories of b that pass filter, deepest first; caller owns
 * *ret; free with free().  0 or -ENOMEM.
 */
static int
dirs_deepest_first(const struct rbatch *b,
		   bool (*filter)(const struct robj *o), size_t **ret,
		   size_t *ret_count)
{
	size_t *idx, n = 0, i;

	idx = malloc((b->count ? b->count : 1) * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < b->count; i++)
		if (b->objs[i].kind == RO_DIR && filter(&b->objs[i]))
			idx[n++] = i;
	sorting = b;
	qsort(idx, n, sizeof(*idx), deeper_first);
	*ret = idx;
	*ret_count = n;
	return 0;
}

static int
dir_metadata(struct robj *o, char *err, size_t errlen)
{
	char where[BSET_PATH_MAX + 256], why[512];
	int fd, r;

	fd = rt_open_dir(o->t, o->relpath, O_RDONLY, NULL, NULL, err, errlen);
	if (fd < 0)
		return fd;
	r = rmeta_apply_fd(fd, o->e, why, sizeof(why));
	close(fd);
	if (r < 0)
		rw_set_err(err, errlen, "\"%s\": %s",
			rbatch_where(o->t, o->relpath, where, sizeof(where)),
			why);
	return r;
}

static bool
dir_with_entry(const struct robj *o)
{
	return o->e != NULL;
}

bool
rbatch_committed(const struct rbatch *b)
{
	return b && b->committed;
}

int
rbatch_dirs_again(struct rbatch *b, char *err, size_t errlen)
{
	size_t i, n, *dirs;
	int r;

	if (!b || !b->committed || b->pending)
		return 0;
	if ((r = dirs_deepest_first(b, dir_with_entry, &dirs, &n)) < 0)
		return r;
	for (i = 0; i < n && r == 0; i++)
		r = dir_metadata(&b->objs[dirs[i]], err, errlen);
	free(dirs);
	return r;
}

static int
commit_in_place(struct rbatch *b,
		void (*done)(const char *root, const char *relpath, void *u),
		void *u, char *err, size_t errlen)
{
	size_t i, n, *dirs;
	struct robj *o;
	int r;

	for (i = 0; i < b->count; i++) {
		o = &b->objs[i];
		if (o->kind == RO_DIR)
			continue;
		if ((r = place(b, o, err, errlen)) < 0)
			return r;
		o->done = true;
		if (done)
			done(o->t->root, o->relpath, u);
	}
	if ((r = dirs_deepest_first(b, dir_with_entry, &dirs, &n)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		o = &b->objs[dirs[i]];
		if ((r = dir_metadata(o, err, errlen)) < 0)
			break;
		o->done = true;
		if (done)
			done(o->t->root, o->relpath, u);
	}
	free(dirs);
	return r;
}

/*
 * The staged objects in their places of the staging directory; not
 * synced: pending_restore_commit() does that before the journal.
 */
static int
stage_objects(struct rbatch *b, char *err, size_t errlen)
{
	size_t i;
	int r;

	for (i = 0; i < b->count; i++)
		if ((r = place_staged(b, &b->objs[i], err, errlen)) < 0)
			return r;
	return 0;
}

int
rbatch_stage(struct rbatch *b, char *err, size_t errlen)
{
	int r;

	if (!b || !b->pending || b->committed || b->staged)
		return -EINVAL;
	rt_cache_release(&b->dest);
	if ((r = stage_objects(b, err, errlen)) < 0)
		return r;
	b->staged = true;
	return 0;
}

static int
commit_staged(struct rbatch *b,
	      void (*done)(const char *root, const char *relpath, void *u),
	      void *u, char *err, size_t errlen)
{
	size_t i;
	int r;

	if (!b->staged && (r = stage_objects(b, err, errlen)) < 0)
		return r;
	b->staged = true;
	if ((r = pending_restore_commit(b->pending)) < 0) {
		rw_set_err(err, errlen, "cannot write the journal of pending "
			"restore %s: %s", pending_restore_id(b->pending),
			strerror(-r));
		return r;
	}
	for (i = 0; i < b->count; i++) {
		b->objs[i].done = true;
		if (done)
			done(b->objs[i].t->root, b->objs[i].relpath, u);
	}
	return 0;
}

int
rbatch_commit(struct rbatch *b,
	      void (*done)(const char *root, const char *relpath, void *u),
	      void *u, char *err, size_t errlen)
{
	int r;

	if (!b || b->committed)
		return -EINVAL;
	/*
	 * Every directory is reached beneath its root again: one moved or
	 * swapped for a symbolic link since rbatch_add() is not used.
	 */
	rt_cache_release(&b->dest);
	if (b->pending) {
		r = commit_staged(b, done, u, err, errlen);
	} else if ((r = sync_targets(b, err, errlen)) == 0) {
		r = commit_in_place(b, done, u, err, errlen);
		if (r == 0)
			r = sync_targets(b, err, errlen);
	}
	b->committed = r == 0;
	return r;
}

static bool
dir_made(const struct robj *o)
{
	return o->created && !o->done;
}

/*
 * A batch that did not commit: the directories it made go again when
 * empty; one that holds something now (an object committed before a
 * failure) keeps it and gets its manifest's metadata, as far as it can.
 */
static void
undo_dirs(struct rbatch *b)
{
	size_t i, n, *dirs;
	const char *name;
	struct robj *o;
	int dir;

	if (dirs_deepest_first(b, dir_made, &dirs, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		o = &b->objs[dirs[i]];
		dir = rbatch_parent(b, o->t, o->relpath, false, &name, NULL, 0);
		if (dir < 0 || unlinkat(dir, name, AT_REMOVEDIR) == 0)
			continue;
		if ((errno == ENOTEMPTY || errno == EEXIST) && o->e)
			dir_metadata(o, NULL, 0);
	}
	free(dirs);
}

void
rbatch_free(struct rbatch *b)
{
	size_t i;

	if (!b)
		return;
	for (i = b->count; i-- > 0;)
		if (!b->objs[i].done)
			rbatch_unstage(b, &b->objs[i]);
	if (!b->committed && !b->pending)
		undo_dirs(b);
	for (i = 0; i < b->count; i++)
		robj_release(&b->objs[i]);
	free(b->objs);
	free(b->targets);
	bset_table_release(&b->by_dest);
	bset_table_release(&b->by_entry);
	rt_cache_release(&b->dest);
	rt_cache_release(&b->src);
	if (b->data_fd >= 0)
		close(b->data_fd);
	free(b);
}
