/*
 * cli/restore_write_link.c - hard links of a batch (RS-122).
 *
 * A second link is made, at commit, as a link of its first link: the
 * object of the first link when that is in the same batch, else the
 * first link already in the target, but only when its place is the same
 * tree (the link's place ends in its manifest path) and the file there
 * has the backup's content (its SHA-256 read now): a damaged or changed
 * file is never what a restored name links to.  Its inode is recorded
 * and checked again on the new link, so a file swapped in meanwhile is
 * never linked either.  Where neither works, and always when staging
 * for a restore at reboot (a journal of its own cannot link across
 * journals), the link becomes a full copy of its first link's data from
 * the set: right content and metadata, the link between the two names
 * not restored.
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

/*
 * Whether first link f is at its place in o's tree with the backup's
 * content: 1 (o->first_path and its inode recorded), 0 (not there, not a
 * regular file, another content, unreadable), or -ENOMEM.
 */
static int
first_in_target(struct rbatch *b, struct robj *o, const struct bset_entry *f)
{
	size_t plen = strlen(o->relpath), elen = strlen(o->e->path);
	const char *name;
	struct stat st;
	char hex[65];
	int dir, fd, r = 0;

	if (plen < elen || strcmp(o->relpath + plen - elen, o->e->path) != 0 ||
	    (plen != elen && o->relpath[plen - elen - 1] != '/'))
		return 0;
	if (asprintf(&o->first_path, "%.*s%s", (int)(plen - elen), o->relpath,
		     f->path) < 0) {
		o->first_path = NULL;
		return -ENOMEM;
	}
	dir = rbatch_parent(b, o->t, o->first_path, false, &name, NULL, 0);
	fd = dir < 0 ? dir : bset_open_regular(dir, name, &st);
	if (fd >= 0) {
		if ((uint64_t)st.st_size == f->size &&
		    bset_data_sha256(fd, f->size, hex) == 0 &&
		    strcmp(hex, f->sha256) == 0) {
			o->first_dev = st.st_dev;
			o->first_ino = st.st_ino;
			r = 1;
		}
		close(fd);
	}
	if (r == 0) {
		free(o->first_path);
		o->first_path = NULL;
	}
	return r;
}

int
rlink_resolve(struct rbatch *b, struct robj *o, char *err, size_t errlen)
{
	const struct bset_entry *e = o->e, *f = NULL;
	char where[BSET_PATH_MAX + 256];
	struct bset_entry *copy;
	size_t k;
	int r;

	/* In place, a link within one target (a link cannot cross). */
	k = rbatch_find_entry(b, e->volume, e->hardlink_of);
	if (k != SIZE_MAX && b->objs[k].kind == RO_FILE &&
	    (b->pending || b->objs[k].t == o->t)) {
		o->first = k;
		return 0;
	}
	k = b->m ? bset_manifest_find(b->m, e->volume, e->hardlink_of)
		 : SIZE_MAX;
	if (k != SIZE_MAX)
		f = bset_manifest_entry(b->m, k);
	if (!f || !S_ISREG(f->mode) || !f->sha256 || f->hardlink_of) {
		rw_set_err(err, errlen,
			"\"%s\" is a hard link of \"%s\", which is not in this "
			"batch and %s",
			rbatch_where(o->t, o->relpath, where, sizeof(where)),
			e->hardlink_of,
			b->m ? "not a regular file of the manifest"
			     : "unknown to it (no manifest given)");
		return -ENOENT;
	}
	if (!b->pending && (r = first_in_target(b, o, f)) != 0)
		return r < 0 ? r : 0;
	/* A full copy of the first link's data, with its entry. */
	if ((r = rmeta_entry_dup(f, &copy)) < 0)
		return r;
	rmeta_entry_free(o->e);
	o->e = copy;
	o->kind = RO_FILE;
	return 0;
}

int
rlink_make(struct rbatch *b, struct robj *o, int dir,
	   char tmp[RESTORE_TMP_SIZE], char *err, size_t errlen)
{
	char parent[BSET_PATH_MAX], where[BSET_PATH_MAX + 256];
	const struct robj *first = NULL;
	const char *path, *name;
	struct stat st;
	int fdir, r = -EEXIST, tries;

	if (o->first != SIZE_MAX) {
		first = &b->objs[o->first];
		path = first->relpath;
	} else {
		path = o->first_path;
	}
	if (b->pending && first) {
		fdir = fcntl(pending_restore_stage_fd(b->pending),
			     F_DUPFD_CLOEXEC, 0);
		if (fdir < 0)
			return -errno;
		name = first->staged;
	} else {
		name = bset_split_path(path, parent);
		fdir = rt_open_dir(first ? first->t : o->t, parent, O_PATH,
				   NULL, NULL, err, errlen);
		if (fdir < 0)
			return fdir;
	}
	for (tries = 0; r == -EEXIST && tries < 100; tries++) {
		if ((r = rmeta_tmp_name(tmp)) < 0)
			break;
		r = linkat(fdir, name, dir, tmp, 0) < 0 ? -errno : 0;
	}
	close(fdir);
	rbatch_where(o->t, o->relpath, where, sizeof(where));
	if (r < 0) {
		rw_set_err(err, errlen, "cannot link \"%s\" to \"%s\": %s", where,
			path, strerror(-r));
		return r;
	}
	/* The inode staged, or the one checked in the target: nothing else. */
	if (fstatat(dir, tmp, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_dev != (first ? first->tmp_dev : o->first_dev) ||
	    st.st_ino != (first ? first->tmp_ino : o->first_ino)) {
		unlinkat(dir, tmp, 0);
		rw_set_err(err, errlen,
			"\"%s\" was replaced since it was checked: \"%s\" is "
			"not linked to it",
			path, where);
		return -ESTALE;
	}
	return 0;
}
