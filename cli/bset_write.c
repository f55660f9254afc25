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
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bset_internal.h"

/* ---- removing a partial set -------------------------------------------- */

/*
 * Remove name in dir and everything below it, never following a symbolic
 * link and never leaving the mount of dir: a mount inside the set, a bind
 * mount of the same file system included, is left alone (-EBUSY).  A
 * directory the copy made read-only (or mode 000) is made writable first,
 * through the fd that holds it, so that this works without root too.
 */
static int
remove_tree(int dir, const char *name)
{
	char proc[64];
	struct dirent *de;
	DIR *d;
	int fd, rfd, r = 0, r2;

	if (unlinkat(dir, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -errno;
	fd = beneath_open_subdir(dir, name, O_PATH);
	if (fd < 0)
		return fd == -EXDEV ? -EBUSY : fd;
	/* Writable, through the fd that holds the directory itself. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	r = chmod(proc, 0700) < 0 ? -errno : 0;
	rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r2 = rfd < 0 ? -errno : 0;
	close(fd);
	/* When both failed, the chmod says why (EPERM). */
	if (rfd < 0)
		return r ? r : r2;
	r = 0;
	d = fdopendir(rfd);
	if (!d) {
		r = -errno;
		close(rfd);
		return r;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r2 = remove_tree(dirfd(d), de->d_name);
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
	/* A DIR.partial left by a crash is not ours to remove: -EBUSY. */
	if (mkdirat(s->parent_fd, s->partial_name, 0700) < 0) {
		r = errno == EEXIST ? -EBUSY : -errno;
		goto fail;
	}
	s->partial_fd = openat(s->parent_fd, s->partial_name,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->partial_fd < 0) {
		r = -errno;
		goto fail_remove;
	}
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
		remove_tree(s->parent_fd, s->partial_name);
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

/*
 * *ret = a copy of s (NULL for NULL): 0, -ENOMEM, -EILSEQ when s is not
 * UTF-8 (the manifest is JSON), -ENAMETOOLONG past max bytes.
 */
static int
dup_opt(const char **ret, const char *s, size_t max)
{
	*ret = NULL;
	if (!s)
		return 0;
	if (strlen(s) > max)
		return -ENAMETOOLONG;
	if (!bset_utf8_valid(s))
		return -EILSEQ;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int
bset_add_volume(struct bset *s, const struct bset_volume *v,
		size_t *ret_index)
{
	struct bset_volume copy = *v;
	struct bset_volume_fds fds = {-1, -1}, *grown;
	size_t i;
	char name[32];
	int r;

	if (!s || !v || !v->mount_point || !v->shadow_root || s->committed)
		return -EINVAL;
	/* Nothing borrowed in copy: a failure below frees only copies. */
	copy.mount_point = copy.fstype = copy.shadow_root = NULL;
	if ((r = dup_opt(&copy.mount_point, v->mount_point,
			 BSET_PATH_MAX - 1)) < 0 ||
	    (r = dup_opt(&copy.fstype, v->fstype, BSET_NAME_MAX)) < 0 ||
	    (r = dup_opt(&copy.shadow_root, v->shadow_root,
			 BSET_PATH_MAX - 1)) < 0) {
		bset_volume_release(&copy);
		return r;
	}
	i = s->m.volume_count;
	grown = realloc(s->fds, (i + 1) * sizeof(*grown));
	if (!grown) {
		bset_volume_release(&copy);
		return -ENOMEM;
	}
	s->fds = grown;
	fds.source = open(v->shadow_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fds.source < 0) {
		r = -errno;
		bset_volume_release(&copy);
		return r;
	}
	snprintf(name, sizeof(name), "data/%zu", i);
	if (mkdirat(s->partial_fd, name, 0700) < 0 ||
	    (fds.target = openat(s->partial_fd, name,
				 O_PATH | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC)) < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = bset_manifest_add_volume(&s->m, &copy)) < 0)
		goto fail;
	s->fds[i] = fds;
	if (ret_index)
		*ret_index = i;
	return 0;
fail:
	bset_volume_release(&copy);
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
	int r;

	if (!s || !c || !c->name || vss_id_is_null(&c->class_id) ||
	    s->committed)
		return -EINVAL;
	/* Nothing borrowed in copy: a failure below frees only copies. */
	copy.c.writer_name = copy.c.logical_path = copy.c.name = NULL;
	if ((r = dup_opt(&copy.c.writer_name, c->writer_name,
			 BSET_MESSAGE_MAX)) < 0 ||
	    (r = dup_opt(&copy.c.logical_path, c->logical_path,
			 BSET_MESSAGE_MAX)) < 0 ||
	    (r = dup_opt(&copy.c.name, c->name, BSET_MESSAGE_MAX)) < 0 ||
	    (r = bset_manifest_add_comp(&s->m, &copy)) < 0) {
		bset_comp_release(&copy);
		return r;
	}
	if (ret_index)
		*ret_index = s->m.component_count - 1;
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
	/* For people: a path that is not UTF-8 in it must not stop a set. */
	if (message && !(copy = bset_utf8_sanitize(message, BSET_MESSAGE_MAX)))
		return -ENOMEM;
	c = &s->m.components[component];
	free(c->message);
	c->message = copy;
	c->result = ok ? BSET_RESULT_SUCCEEDED : BSET_RESULT_FAILED;
	return 0;
}

/* write() all of data to fd; 0 or -errno. */
static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A document of the set (BK-019), written to path below DIR.partial and
 * recorded with its SHA-256 for verify; saved again, it replaces the
 * first.
 */
static int
save_document(struct bset *s, const char *path, const char *data,
	      size_t len)
{
	struct bset_document d = {.size = len};
	size_t i;
	int fd, r;

	if ((r = sha256_buf_hex(data, len, d.sha256)) < 0)
		return r;
	fd = openat(s->partial_fd, path,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	for (i = 0; r == 0 && i < s->m.document_count; i++)
		if (strcmp(s->m.documents[i].path, path) == 0) {
			s->m.documents[i].size = d.size;
			memcpy(s->m.documents[i].sha256, d.sha256,
			       sizeof(d.sha256));
			return 0;
		}
	if (r == 0 && s->m.document_count >= BSET_DOCUMENTS_MAX)
		r = -E2BIG;
	if (r == 0 && !(d.path = strdup(path)))
		r = -ENOMEM;
	if (r == 0 && (r = bset_manifest_add_document(&s->m, &d)) < 0)
		free(d.path);
	if (r < 0)
		unlinkat(s->partial_fd, path, 0);
	return r;
}

int
bset_save_bcd(struct bset *s, const char *xml, size_t len)
{
	if (!s || !xml || s->committed)
		return -EINVAL;
	return save_document(s, "bcd.xml", xml, len);
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
	r = save_document(s, name, xml, len);
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
bset_reserve_inode(struct bset *s)
{
	struct bset_inode *grown;
	size_t cap;

	if (s->inode_count == s->inode_cap) {
		cap = s->inode_cap ? s->inode_cap * 2 : 64;
		grown = realloc(s->inodes, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->inodes = grown;
		s->inode_cap = cap;
	}
	return bset_table_reserve(&s->by_inode, 1);
}

void
bset_remember_inode(struct bset *s, size_t volume, const struct stat *st,
		    size_t idx)
{
	int r;

	assert(s->inode_count < s->inode_cap);
	r = bset_table_add(&s->by_inode, inode_hash(volume, st),
			   s->inode_count);
	/* bset_reserve_inode() made the room. */
	assert(r == 0);
	(void)r;
	s->inodes[s->inode_count++] = (struct bset_inode){
		volume, st->st_dev, st->st_ino, idx};
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
	char parent[BSET_PATH_MAX];
	const char *name = bset_split_path(e->path, parent);
	struct timespec ts[2] = {
		fsmeta_timespec(e->atime_ns),
		fsmeta_timespec(e->mtime_ns),
	};
	int dir, r;

	dir = beneath_open_dir(s->fds[e->volume].target, parent, O_PATH);
	if (dir < 0)
		return dir;
	r = bset_apply_xattrs(s, dir, name, e);
	if (r == 0 && fchmodat(dir, name, e->mode & 07777, 0) < 0)
		r = -errno;
	if (r == 0 && utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	close(dir);
	return r;
}

static int
write_to_fd(void *u, const void *data, size_t len)
{
	return write_all(*(int *)u, data, len);
}

/* The manifest as manifest.json.tmp, fsynced, renamed to manifest.json. */
static int
write_manifest(struct bset *s)
{
	int fd, r;

	fd = openat(s->partial_fd, BSET_MANIFEST ".tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = bset_manifest_write(&s->m, write_to_fd, &fd);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && (renameat(s->partial_fd, BSET_MANIFEST ".tmp",
				s->partial_fd, BSET_MANIFEST) < 0 ||
		       fsync(s->partial_fd) < 0))
		r = -errno;
	if (r < 0)
		unlinkat(s->partial_fd, BSET_MANIFEST ".tmp", 0);
	return r;
}

int
bset_commit(struct bset *s, const struct bset_info *info)
{
	size_t i;
	int r;

	if (!s || !info || s->committed || !isfinite(info->freeze_window_ms) ||
	    info->freeze_window_ms < 0)
		return -EINVAL;
	s->m.info = *info;
	for (i = s->m.entry_count; i-- > 0;)
		if (S_ISDIR(s->m.entries[i].mode) &&
		    (r = finish_dir(s, &s->m.entries[i])) < 0)
			return r;
	/* The data on disk before the manifest that vouches for it. */
	if (syncfs(s->partial_fd) < 0)
		return -errno;
	if ((r = write_manifest(s)) < 0)
		return r;
	if (renameat2(s->parent_fd, s->partial_name, s->parent_fd, s->name,
		      RENAME_NOREPLACE) < 0)
		return -errno;
	s->committed = true;
	/* Renamed: the set is DIR now, whatever the last fsync says. */
	return fsync(s->parent_fd) < 0 ? -errno : 0;
}
