/*
 * cli/restore_plan_dest.c - where "vss restore" puts each object
 * (restore.h): below the mount point of its volume, or below --to DIR
 * (DIR/<mount point>/<path>), or below the alternate location mapping of
 * its file set (RS-072: the file set's path replaced by the destination,
 * names and subdirectories kept), or where a directed target says.  Every
 * place is a relative path below a root that is a volume of the set or
 * the --to tree: a destination in a document that lies elsewhere, or
 * reaches there with "..", is refused, and rtarget_check() refuses
 * symbolic links and mount crossings on the way before anything is
 * written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore.h"
#include "restore_write.h"
#include "util/relpath.h"

/* ---- entries by path ---------------------------------------------------- */

static int
cmp_entries(const void *a, const void *b, void *u)
{
	const struct bset_manifest *m = u;
	const struct bset_entry *x = bset_manifest_entry(m, *(const size_t *)a);
	const struct bset_entry *y = bset_manifest_entry(m, *(const size_t *)b);

	if (x->volume != y->volume)
		return x->volume < y->volume ? -1 : 1;
	return strcmp(x->path, y->path);
}

int
restore_index_entries(struct restore *rs)
{
	size_t n = bset_manifest_entry_count(rs->m);

	rs->by_path = calloc(n + 1, sizeof(*rs->by_path));
	if (!rs->by_path)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		rs->by_path[i] = i;
	qsort_r(rs->by_path, n, sizeof(*rs->by_path), cmp_entries, rs->m);
	return 0;
}

size_t
restore_find_entry(const struct restore *rs, size_t volume, const char *path)
{
	size_t lo = 0, hi = bset_manifest_entry_count(rs->m);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct bset_entry *e =
			bset_manifest_entry(rs->m, rs->by_path[mid]);
		int c = e->volume != volume ? (e->volume < volume ? -1 : 1) :
					      strcmp(e->path, path);

		if (c == 0)
			return rs->by_path[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/* ---- paths -------------------------------------------------------------- */

/* path joined below dir ("/" + "a" is "/a"); NULL: ENOMEM. */
static char *
join(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	char *r;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	if (asprintf(&r, "%.*s%s%s", (int)n, dir,
		     n == 1 && dir[0] == '/' ? "" : (*path ? "/" : ""),
		     path) < 0)
		return NULL;
	return r;
}

char *
restore_original_path(const struct restore *rs, const struct bset_entry *e)
{
	return join(bset_manifest_volume(rs->m, e->volume)->mount_point,
		    e->path);
}

/* What of path lies below dir: "" for dir itself, NULL when not below. */
static const char *
below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) != 0 || (path[n] && path[n] != '/'))
		return NULL;
	path += n;
	while (*path == '/')
		path++;
	return path;
}

/* The root of path base, added when new; SIZE_MAX: ENOMEM. */
static size_t
root_of(struct restore *rs, const char *base, size_t volume, bool create)
{
	struct rroot *grown;

	for (size_t i = 0; i < rs->n_roots; i++)
		if (strcmp(rs->roots[i].path, base) == 0)
			return i;
	grown = realloc(rs->roots, (rs->n_roots + 1) * sizeof(*grown));
	if (!grown)
		return SIZE_MAX;
	rs->roots = grown;
	rs->roots[rs->n_roots] = (struct rroot){
		.path = strdup(base), .volume = volume, .create = create};
	if (!rs->roots[rs->n_roots].path)
		return SIZE_MAX;
	return rs->n_roots++;
}

/* rel below volume v's root (its mount point, or DIR/<mount point>). */
static int
place_on_volume(struct restore *rs, size_t v, const char *rel,
		struct rplace *ret)
{
	const char *mount = bset_manifest_volume(rs->m, v)->mount_point;
	char *base = rs->opts->to ? join(rs->opts->to, mount) : strdup(mount);
	size_t root;

	if (!base)
		return -ENOMEM;
	root = root_of(rs, base, v, rs->opts->to != NULL);
	free(base);
	if (root == SIZE_MAX)
		return -ENOMEM;
	if (!*rel)
		return -ENOENT; /* the root itself is never written */
	*ret = (struct rplace){.root = root, .relpath = strdup(rel)};
	return ret->relpath ? 0 : -ENOMEM;
}

int
restore_place_path(struct restore *rs, const char *path, struct rplace *ret,
		   char *err, size_t errlen)
{
	size_t best = SIZE_MAX, best_len = 0;

	if (!abspath_clean_dir(path)) {
		snprintf(err, errlen,
			 "\"%s\" is not a clean absolute path: refused", path);
		return -EXDEV;
	}
	/* The volume with the longest mount point holding the path. */
	for (size_t v = 0; v < bset_manifest_volume_count(rs->m); v++) {
		const char *mount = bset_manifest_volume(rs->m, v)->mount_point;

		if (below(path, mount) && strlen(mount) >= best_len) {
			best = v;
			best_len = strlen(mount);
		}
	}
	if (best == SIZE_MAX) {
		snprintf(err, errlen,
			 "\"%s\" is outside the volumes of the backup set: "
			 "refused",
			 path);
		return -EXDEV;
	}
	return place_on_volume(
		rs, best,
		below(path, bset_manifest_volume(rs->m, best)->mount_point),
		ret);
}

int
restore_place(struct restore *rs, const struct runit *u,
	      const struct ritem *it, bool mapped, struct rplace *ret,
	      char *err, size_t errlen)
{
	const struct bset_entry *e = bset_manifest_entry(rs->m, it->entry);
	const struct rfileset *fs;
	const char *rest;
	char *orig, *dest;
	int r;

	if (!mapped)
		return place_on_volume(rs, e->volume, e->path, ret);
	if (it->file_set < 0)
		return -ENOENT;
	fs = &u->file_sets[it->file_set];
	orig = restore_original_path(rs, e);
	if (!orig)
		return -ENOMEM;
	/* RS-072: only the file set's path is replaced. */
	rest = below(orig, fs->fd->path);
	if (!rest || !*rest || !fs->mapping) {
		free(orig);
		return -ENOENT;
	}
	dest = join(fs->mapping->destination, rest);
	free(orig);
	if (!dest)
		return -ENOMEM;
	r = restore_place_path(rs, dest, ret, err, errlen);
	free(dest);
	return r;
}

/*
 * The directories of path (absolute) that do not exist, top down: what
 * rtarget_open() makes to create it.  0 or -ENOMEM.
 */
static int
missing_dirs(const char *path, char ***ret, size_t *ret_n)
{
	size_t len = strlen(path), n = 0;
	char **dirs = calloc(len + 1, sizeof(*dirs));
	bool missing = false;
	struct stat st;

	if (!dirs)
		return -ENOMEM;
	for (size_t i = 1; i <= len; i++) {
		if ((path[i] != '/' && path[i]) || path[i - 1] == '/')
			continue;
		dirs[n] = strndup(path, i);
		if (!dirs[n]) {
			restore_free_strings(dirs, n);
			return -ENOMEM;
		}
		/* Below a missing one, every one is missing. */
		if (!missing)
			missing = lstat(dirs[n], &st) < 0 && errno == ENOENT;
		if (missing)
			n++;
		else
			free(dirs[n]);
	}
	*ret = dirs;
	*ret_n = n;
	return 0;
}

int
restore_root_target(struct restore *rs, size_t i, bool make,
		    struct rtarget **ret, char *err, size_t errlen)
{
	struct rroot *root = &rs->roots[i];
	bool create = make && root->create;
	int r = 0;

	/* Once, before the first try: a failed one may have made some. */
	if (!root->t && create && !root->made &&
	    missing_dirs(root->path, &root->made, &root->n_made) < 0)
		return -ENOMEM;
	if (!root->t)
		r = rtarget_open(&root->t, root->path, create, err, errlen);
	*ret = root->t;
	return r;
}

static int
cmp_deeper_first(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return x > y ? -1 : x < y;
}

void
restore_remove_empty_roots(struct restore *rs)
{
	size_t n = 0;
	char **dirs;

	for (size_t i = 0; i < rs->n_roots; i++)
		n += rs->roots[i].n_made;
	/* Every root's, deepest first: two --to roots may share some. */
	dirs = calloc(n + 1, sizeof(*dirs));
	if (!dirs)
		return;
	n = 0;
	for (size_t i = 0; i < rs->n_roots; i++)
		for (size_t k = 0; k < rs->roots[i].n_made; k++)
			dirs[n++] = rs->roots[i].made[k];
	qsort(dirs, n, sizeof(*dirs), cmp_deeper_first);
	/*
	 * Only the empty ones go: where something was written, rmdir()
	 * fails (ENOTEMPTY), as it does (ENOENT) for one a failed open
	 * never made.
	 */
	for (size_t k = 0; k < n; k++)
		rmdir(dirs[k]);
	free(dirs);
}

/* ---- file sets ----------------------------------------------------------- */

/* Do two directory paths name the same directory (trailing '/' aside)? */
static bool
same_dir(const char *a, const char *b)
{
	const char *rest = below(a, b);

	return rest && !*rest;
}

/* RS-070, RS-072: the writer's mapping whose triple is the file set's. */
static const struct vss_location_mapping *
mapping_of(const vss_wmd *wmd, const struct vss_file_desc *fd)
{
	for (size_t i = 0; i < vss_wmd_alternate_location_mapping_count(wmd);
	     i++) {
		const struct vss_location_mapping *m =
			vss_wmd_alternate_location_mapping(wmd, i);

		if (same_dir(m->path, fd->path) &&
		    strcmp(m->filespec, fd->filespec) == 0 &&
		    m->recursive == fd->recursive)
			return m;
	}
	return NULL;
}

/*
 * Does the file set hold the object at path: a file it matches, or a
 * directory it needs (its own directory, one below it when recursive)?
 */
static bool
file_set_holds(const struct vss_file_desc *fd, const char *path, bool dir)
{
	const char *rest;

	if (vss_file_set_contains(fd->path, fd->filespec, fd->recursive, path))
		return true;
	rest = dir ? below(path, fd->path) : NULL;
	return rest && (!*rest || fd->recursive);
}

int
restore_assign_file_sets(struct restore *rs, struct runit *u)
{
	const vss_wmd *wmd = rs->writers[u->writer].wmd;

	for (size_t f = 0; f < u->n_file_sets; f++)
		u->file_sets[f].mapping = mapping_of(wmd, u->file_sets[f].fd);
	for (size_t i = 0; i < u->n_items; i++) {
		const struct bset_entry *e =
			bset_manifest_entry(rs->m, u->items[i].entry);
		char *path = restore_original_path(rs, e);

		if (!path)
			return -ENOMEM;
		for (size_t f = 0; f < u->n_file_sets; f++)
			if (file_set_holds(u->file_sets[f].fd, path,
					   S_ISDIR(e->mode))) {
				u->items[i].file_set = (long)f;
				break;
			}
		free(path);
	}
	return 0;
}

/* ---- checking every place ----------------------------------------------- */

/*
 * A volume's mount point, written in place: an existing directory
 * reached without a symbolic link (its real path is itself; the
 * manifest's mount points are clean, bset_manifest.c).  A --to tree is
 * the user's, made below DIR.  0, or -errno with err.
 */
static int
check_root(const struct rroot *root, char *err, size_t errlen)
{
	struct stat st;
	char *real;
	int r = 0;

	if (root->create)
		return 0;
	real = realpath(root->path, NULL);
	if (!real) {
		r = -errno;
		snprintf(err, errlen, "the volume's mount point: %s",
			 strerror(-r));
		return r;
	}
	if (strcmp(real, root->path) != 0) {
		snprintf(err, errlen,
			 "the volume's mount point is reached through a "
			 "symbolic link (it is %s): refused",
			 real);
		r = -ELOOP;
	} else if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
			 "the volume's mount point is not a directory");
		r = -ENOTDIR;
	}
	free(real);
	return r;
}

/*
 * Check rel below root i: with the root there, by rtarget_check(); a
 * --to root that is not made yet holds nothing, so the path's form is
 * all there is to check (nothing is created by a check).
 */
static int
check_place(struct restore *rs, const struct rplace *p, char *err,
	    size_t errlen)
{
	struct rroot *root = &rs->roots[p->root];
	int r;

	if (root->refused) {
		*err = '\0'; /* said once, for its first object */
		return -EXDEV;
	}
	if (!root->t) {
		r = check_root(root, err, errlen);
		root->refused = r < 0;
		if (r < 0)
			return r;
		r = rtarget_open(&root->t, root->path, false, err, errlen);
		if (r == -ENOENT && root->create) {
			r = relpath_valid(p->relpath) ? 0 : -EINVAL;
			if (r < 0)
				snprintf(err, errlen,
					 "\"%s\" is not a clean relative path",
					 p->relpath);
			return r;
		}
		if (r < 0)
			return r;
	}
	return rtarget_check(root->t, p->relpath, err, errlen);
}

/*
 * Check the item's place, original and (when it has one) mapped: the
 * number refused, each printed (under a refused root only the first).
 */
static int
check_item(struct restore *rs, const struct runit *u, const struct ritem *it)
{
	struct rplace p;
	int refused = 0, r;

	for (int mapped = 0; mapped < 2; mapped++) {
		char err[1024] = "";
		bool said;

		if (mapped && (rs->opts->to || it->file_set < 0 ||
			       !u->file_sets[it->file_set].mapping))
			break;
		r = restore_place(rs, u, it, mapped, &p, err, sizeof(err));
		if (r == -ENOENT)
			continue;
		if (r == -ENOMEM)
			return r;
		if (r == 0) {
			said = rs->roots[p.root].refused;
			r = check_place(rs, &p, err, sizeof(err));
			if (r < 0 && !(said && !*err))
				fprintf(stderr, "vss: %s: %s/%s: %s\n",
					rs->cmd->name, rs->roots[p.root].path,
					p.relpath, *err ? err : strerror(-r));
			free(p.relpath);
		} else {
			fprintf(stderr, "vss: %s: %s\n", rs->cmd->name,
				*err ? err : strerror(-r));
		}
		if (r < 0)
			refused++;
	}
	return refused;
}

int
restore_check_places(struct restore *rs)
{
	size_t refused = 0;
	int r;

	for (size_t i = 0; i < rs->n_units; i++)
		for (size_t k = 0; k < rs->units[i].n_items; k++) {
			r = check_item(rs, &rs->units[i],
				       &rs->units[i].items[k]);
			if (r < 0)
				return cli_status_error(rs->cmd, NULL, r,
							NULL);
			refused += (size_t)r;
		}
	if (refused) {
		fprintf(stderr,
			"vss: %s: %s: %zu destination(s) refused: nothing "
			"restored\n",
			rs->cmd->name, rs->opts->set, refused);
		return CLI_EXIT_FAILED;
	}
	return CLI_EXIT_OK;
}
