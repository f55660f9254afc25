/*
 * cli/bset_write.c - a set being written: DIR.partial and its volumes,
 * components and documents, the commit that makes it DIR, and the removal
 * of a set that was never committed.  bset_copy.c copies the objects.
 *
 * The commit point is the rename of DIR.partial to DIR: before it every
 * byte is on disk (syncfs) and the manifest is in place (written to a
 * temporary name, fsynced, renamed), after it the parent directory is
 * fsynced, so a crash leaves either no DIR or a complete one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bset_internal.h"

/* ---- removing a partial set -------------------------------------------- */

/*
 * Remove name in dir and everything below it, never following a symbolic
 * link and never leaving the file system dev (a mount inside the set is
 * left alone: -EBUSY).
 */
static int
remove_tree(int dir, const char *name, dev_t dev)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, r = 0, r2;

	if (unlinkat(dir, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -errno;
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_dev != dev) {
		close(fd);
		return -EBUSY;
	}
	/* Our own directories may be read-only until commit made them so. */
	fchmod(fd, 0700);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r2 = remove_tree(dirfd(d), de->d_name, dev);
		if (r == 0)
			r = r2;
	}
	closedir(d);
	if (unlinkat(dir, name, AT_REMOVEDIR) < 0 && r == 0)
		r = -errno;
	return r;
}

/* ---- creating ------------------------------------------------------------ */

int
bset_create(struct bset **ret, const char *dir)
{
	char *copy1 = NULL, *copy2 = NULL;
	struct bset *s;
	struct stat st;
	int r;

	if (!ret || !dir || !*dir)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->parent_fd = s->partial_fd = -1;
	copy1 = strdup(dir);
	copy2 = strdup(dir);
	if (!copy1 || !copy2) {
		r = -ENOMEM;
		goto fail;
	}
	s->name = strdup(basename(copy1));
	if (!s->name || asprintf(&s->partial_name, "%s.partial", s->name) < 0) {
		s->partial_name = NULL;
		r = -ENOMEM;
		goto fail;
	}
	if (!strcmp(s->name, "/") || !strcmp(s->name, ".") ||
	    !strcmp(s->name, "..")) {
		r = -EINVAL;
		goto fail;
	}
	s->parent_fd = open(dirname(copy2), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->parent_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (fstatat(s->parent_fd, s->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		r = -EEXIST;
		goto fail;
	}
	/* A DIR.partial left by a crash is not ours to remove: -EEXIST. */
	if (mkdirat(s->parent_fd, s->partial_name, 0700) < 0) {
		r = -errno;
		goto fail;
	}
	s->partial_fd = openat(s->parent_fd, s->partial_name,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->partial_fd < 0 || fstat(s->partial_fd, &st) < 0) {
		r = -errno;
		goto fail_remove;
	}
	s->partial_dev = st.st_dev;
	if (mkdirat(s->partial_fd, "data", 0700) < 0 ||
	    mkdirat(s->partial_fd, "writers", 0700) < 0) {
		r = -errno;
		goto fail_remove;
	}
	free(copy1);
	free(copy2);
	*ret = s;
	return 0;
fail_remove:
	/* bset_free() removes the tree once partial_fd is open. */
	if (s->partial_fd < 0)
		unlinkat(s->parent_fd, s->partial_name, AT_REMOVEDIR);
fail:
	free(copy1);
	free(copy2);
	bset_free(s);
	return r;
}

void
bset_free(struct bset *s)
{
	size_t i;

	if (!s)
		return;
	if (!s->committed && s->partial_fd >= 0)
		remove_tree(s->parent_fd, s->partial_name, s->partial_dev);
	for (i = 0; i < s->m.volume_count; i++) {
		if (s->fds[i].source >= 0)
			close(s->fds[i].source);
		if (s->fds[i].target >= 0)
			close(s->fds[i].target);
	}
	if (s->partial_fd >= 0)
		close(s->partial_fd);
	if (s->parent_fd >= 0)
		close(s->parent_fd);
	bset_manifest_release(&s->m);
	bset_table_release(&s->by_inode);
	free(s->fds);
	free(s->inodes);
	free(s->name);
	free(s->partial_name);
	free(s);
}

int
bset_set_copy_method(struct bset *s, enum bset_copy_method method)
{
	if (!s || (method != BSET_COPY_AUTO && method != BSET_COPY_RANGE &&
		   method != BSET_COPY_READ_WRITE))
		return -EINVAL;
	s->method = method;
	return 0;
}

void
bset_get_stats(const struct bset *s, struct bset_stats *ret)
{
	*ret = s->stats;
}

/* ---- volumes, components, documents ------------------------------------ */

static int
dup_opt(const char **ret, const char *s)
{
	*ret = NULL;
	if (s && !(*ret = strdup(s)))
		return -ENOMEM;
	return 0;
}

int
bset_add_volume(struct bset *s, const struct bset_volume *v,
		size_t *ret_index)
{
	struct bset_volume copy = *v, *vols;
	struct bset_volume_fds fds = {-1, -1}, *grown;
	size_t i, cap;
	char name[32];
	int r;

	if (!s || !v || !v->mount_point || !v->shadow_root || s->committed)
		return -EINVAL;
	i = s->m.volume_count;
	if (i == s->m.volume_cap) {
		cap = i ? i * 2 : 4;
		vols = realloc(s->m.volumes, cap * sizeof(*vols));
		if (vols)
			s->m.volumes = vols;
		grown = realloc(s->fds, cap * sizeof(*grown));
		if (grown)
			s->fds = grown;
		if (!vols || !grown)
			return -ENOMEM;
		s->m.volume_cap = cap;
	}
	fds.source = open(v->shadow_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fds.source < 0)
		return -errno;
	snprintf(name, sizeof(name), "data/%zu", i);
	if (mkdirat(s->partial_fd, name, 0700) < 0 ||
	    (fds.target = openat(s->partial_fd, name,
				 O_PATH | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC)) < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = dup_opt(&copy.mount_point, v->mount_point)) < 0 ||
	    (r = dup_opt(&copy.fstype, v->fstype)) < 0 ||
	    (r = dup_opt(&copy.shadow_root, v->shadow_root)) < 0) {
		bset_volume_release(&copy);
		goto fail;
	}
	s->m.volumes[i] = copy;
	s->fds[i] = fds;
	s->m.volume_count++;
	if (ret_index)
		*ret_index = i;
	return 0;
fail:
	close(fds.source);
	if (fds.target >= 0) {
		close(fds.target);
		unlinkat(s->partial_fd, name, AT_REMOVEDIR);
	}
	return r;
}

int
bset_add_component(struct bset *s, const struct bset_component *c,
		   size_t *ret_index)
{
	struct bset_comp copy = {.c = *c};
	struct bset_comp *grown;
	size_t cap;
	int r;

	if (!s || !c || !c->name || vss_id_is_null(&c->class_id) ||
	    s->committed)
		return -EINVAL;
	if (s->m.component_count == s->m.component_cap) {
		cap = s->m.component_cap ? s->m.component_cap * 2 : 8;
		grown = realloc(s->m.components, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->m.components = grown;
		s->m.component_cap = cap;
	}
	if ((r = dup_opt(&copy.c.writer_name, c->writer_name)) < 0 ||
	    (r = dup_opt(&copy.c.logical_path, c->logical_path)) < 0 ||
	    (r = dup_opt(&copy.c.name, c->name)) < 0) {
		bset_comp_release(&copy);
		return r;
	}
	if (ret_index)
		*ret_index = s->m.component_count;
	s->m.components[s->m.component_count++] = copy;
	return 0;
}

int
bset_set_component_result(struct bset *s, size_t component, bool ok,
			  const char *message)
{
	struct bset_comp *c;
	char *copy = NULL;

	if (!s || component >= s->m.component_count || s->committed)
		return -EINVAL;
	if (message && !(copy = strdup(message)))
		return -ENOMEM;
	c = &s->m.components[component];
	free(c->message);
	c->message = copy;
	c->result = ok ? BSET_RESULT_SUCCEEDED : BSET_RESULT_FAILED;
	return 0;
}

/* Write a whole file name in dir, fsynced when sync is set. */
static int
write_file_at(int dir, const char *name, const char *data, size_t len,
	      bool sync)
{
	ssize_t n;
	int fd, r = 0;

	fd = openat(dir, name,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (len) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (r == 0 && sync && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		unlinkat(dir, name, 0);
	return r;
}

int
bset_save_bcd(struct bset *s, const char *xml, size_t len)
{
	if (!s || !xml || s->committed)
		return -EINVAL;
	return write_file_at(s->partial_fd, "bcd.xml", xml, len, false);
}

int
bset_save_wmd(struct bset *s, const vss_wmd *wmd)
{
	const struct vss_writer_identity *id;
	char name[sizeof("writers/.xml") + VSS_ID_STRLEN], text[VSS_ID_STRLEN];
	char *xml;
	size_t len;
	int r;

	if (!s || !wmd || s->committed)
		return -EINVAL;
	id = vss_wmd_identity(wmd);
	/* A writer without an instance id is named by its class. */
	vss_id_format(vss_id_is_null(&id->instance_id) ? &id->class_id :
							 &id->instance_id,
		      text);
	snprintf(name, sizeof(name), "writers/%s.xml", text);
	r = vss_wmd_save_xml(wmd, &xml, &len);
	if (r < 0)
		return r;
	r = write_file_at(s->partial_fd, name, xml, len, false);
	free(xml);
	return r;
}

/* ---- hard links ---------------------------------------------------------- */

static uint64_t
inode_hash(size_t volume, const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_ino * 0x9e3779b97f4a7c15ULL;

	h ^= ((uint64_t)st->st_dev + volume) * 0xc2b2ae3d27d4eb4fULL;
	return h ^ (h >> 31);
}

struct inode_key {
	const struct bset *s;
	size_t volume;
	const struct stat *st;
};

static bool
inode_match(size_t idx, const void *u)
{
	const struct inode_key *k = u;
	const struct bset_inode *in = &k->s->inodes[idx];

	return in->volume == k->volume && in->dev == k->st->st_dev &&
	       in->ino == k->st->st_ino;
}

int
bset_remember_inode(struct bset *s, size_t volume, const struct stat *st,
		    size_t idx)
{
	struct bset_inode *grown;
	size_t cap;
	int r;

	if (s->inode_count == s->inode_cap) {
		cap = s->inode_cap ? s->inode_cap * 2 : 64;
		grown = realloc(s->inodes, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->inodes = grown;
		s->inode_cap = cap;
	}
	r = bset_table_add(&s->by_inode, inode_hash(volume, st),
			   s->inode_count);
	if (r < 0)
		return r;
	s->inodes[s->inode_count++] = (struct bset_inode){
		volume, st->st_dev, st->st_ino, idx};
	return 0;
}

size_t
bset_find_inode(const struct bset *s, size_t volume, const struct stat *st)
{
	struct inode_key k = {s, volume, st};
	size_t i;

	i = bset_table_find(&s->by_inode, inode_hash(volume, st), inode_match,
			    &k);
	return i == (size_t)-1 ? i : s->inodes[i].entry;
}

/* ---- commit ---------------------------------------------------------------- */

/* Attributes, mode and times of directory e, now that it is filled. */
static int
finish_dir(struct bset *s, const struct bset_entry *e)
{
	const char *slash = strrchr(e->path, '/');
	const char *name = slash ? slash + 1 : *e->path ? e->path : ".";
	char parent[BSET_PATH_MAX];
	struct timespec ts[2];
	int dir, r;

	snprintf(parent, sizeof(parent), "%.*s",
		 slash ? (int)(slash - e->path) : 0, e->path);
	dir = bset_open_dir_beneath(s->fds[e->volume].target, parent, O_PATH);
	if (dir < 0)
		return dir;
	ts[0].tv_sec = e->atime_ns / 1000000000;
	ts[0].tv_nsec = e->atime_ns % 1000000000;
	ts[1].tv_sec = e->mtime_ns / 1000000000;
	ts[1].tv_nsec = e->mtime_ns % 1000000000;
	for (r = 0; r < 2; r++)
		if (ts[r].tv_nsec < 0) {
			ts[r].tv_sec--;
			ts[r].tv_nsec += 1000000000;
		}
	r = bset_apply_xattrs(s, dir, name, e);
	if (r == 0 && fchmodat(dir, name, e->mode & 07777, 0) < 0)
		r = -errno;
	if (r == 0 && utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	close(dir);
	return r;
}

int
bset_commit(struct bset *s, const struct bset_info *info)
{
	char *json = NULL;
	size_t i, len;
	int r;

	if (!s || !info || s->committed)
		return -EINVAL;
	s->m.info = *info;
	for (i = s->m.entry_count; i-- > 0;)
		if (S_ISDIR(s->m.entries[i].mode) &&
		    (r = finish_dir(s, &s->m.entries[i])) < 0)
			return r;
	/* The data on disk before the manifest that vouches for it. */
	if (syncfs(s->partial_fd) < 0)
		return -errno;
	if ((r = bset_manifest_dump(&s->m, &json, &len)) < 0)
		return r;
	r = write_file_at(s->partial_fd, BSET_MANIFEST ".tmp", json, len, true);
	free(json);
	if (r < 0)
		return r;
	if (renameat(s->partial_fd, BSET_MANIFEST ".tmp", s->partial_fd,
		     BSET_MANIFEST) < 0 ||
	    fsync(s->partial_fd) < 0) {
		r = -errno;
		unlinkat(s->partial_fd, BSET_MANIFEST ".tmp", 0);
		return r;
	}
	if (renameat2(s->parent_fd, s->partial_name, s->parent_fd, s->name,
		      RENAME_NOREPLACE) < 0)
		return -errno;
	s->committed = true;
	/* Renamed: the set is DIR now, whatever the last fsync says. */
	return fsync(s->parent_fd) < 0 ? -errno : 0;
}
