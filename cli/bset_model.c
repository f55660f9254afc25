/*
 * cli/bset_model.c - the manifest in memory, shared by the set being
 * written (bset_write.c) and the set read back (bset_manifest.c): its
 * release, the lookup of an entry by volume and path, the path and type
 * rules, reading manifest.json and the accessors of backupset.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bset_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the model ------------------------------------------------------- */

void
bset_entry_release(struct bset_entry *e)
{
	size_t i;

	free((char *)e->path);
	free((char *)e->link_target);
	free((char *)e->hardlink_of);
	free((char *)e->sha256);
	for (i = 0; i < e->xattr_count; i++) {
		free((char *)e->xattr_names[i]);
		free((uint8_t *)e->xattr_values[i]);
	}
	free((char **)e->xattr_names);
	free((uint8_t **)e->xattr_values);
	free((size_t *)e->xattr_sizes);
	free((size_t *)e->components);
	memset(e, 0, sizeof(*e));
}

void
bset_volume_release(struct bset_volume *v)
{
	free((char *)v->mount_point);
	free((char *)v->fstype);
	free((char *)v->shadow_root);
	memset(v, 0, sizeof(*v));
}

void
bset_comp_release(struct bset_comp *c)
{
	free((char *)c->c.writer_name);
	free((char *)c->c.logical_path);
	free((char *)c->c.name);
	free(c->message);
	memset(c, 0, sizeof(*c));
}

void
bset_manifest_release(struct bset_manifest *m)
{
	size_t i;

	for (i = 0; i < m->volume_count; i++)
		bset_volume_release(&m->volumes[i]);
	for (i = 0; i < m->component_count; i++)
		bset_comp_release(&m->components[i]);
	for (i = 0; i < m->entry_count; i++)
		bset_entry_release(&m->entries[i]);
	free(m->volumes);
	free(m->components);
	free(m->entries);
	bset_table_release(&m->by_path);
	memset(m, 0, sizeof(*m));
}

struct path_key {
	const struct bset_manifest *m;
	size_t volume;
	const char *path;
};

static bool
path_match(size_t idx, const void *u)
{
	const struct path_key *k = u;
	const struct bset_entry *e = &k->m->entries[idx];

	return e->volume == k->volume && strcmp(e->path, k->path) == 0;
}

size_t
bset_manifest_find(const struct bset_manifest *m, size_t volume,
		   const char *path)
{
	struct path_key k = {m, volume, path};

	return bset_table_find(&m->by_path, bset_path_hash(volume, path),
			       path_match, &k);
}

int
bset_manifest_append(struct bset_manifest *m, const struct bset_entry *e)
{
	struct bset_entry *grown;
	size_t cap;
	int r;

	if (m->entry_count == m->entry_cap) {
		cap = m->entry_cap ? m->entry_cap * 2 : 256;
		grown = realloc(m->entries, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		m->entries = grown;
		m->entry_cap = cap;
	}
	r = bset_table_add(&m->by_path, bset_path_hash(e->volume, e->path),
			   m->entry_count);
	if (r < 0)
		return r;
	m->entries[m->entry_count++] = *e;
	return 0;
}

bool
bset_path_valid(const char *path)
{
	const char *p = path, *slash;
	size_t n;

	if (strlen(path) >= BSET_PATH_MAX)
		return false;
	if (!*path)
		return true;
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || n > BSET_NAME_MAX)
			return false;
		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

static const struct {
	mode_t type;
	const char *name;
} type_names[] = {
	{S_IFREG, "file"}, {S_IFDIR, "dir"},  {S_IFLNK, "symlink"},
	{S_IFIFO, "fifo"}, {S_IFCHR, "chr"},  {S_IFBLK, "blk"},
	{S_IFSOCK, "socket"},
};

int
bset_type_parse(const char *name, mode_t *ret)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(type_names); i++)
		if (strcmp(name, type_names[i].name) == 0) {
			*ret = type_names[i].type;
			return 0;
		}
	return -EINVAL;
}

const char *
bset_type_name(mode_t mode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(type_names); i++)
		if ((mode & S_IFMT) == type_names[i].type)
			return type_names[i].name;
	return NULL;
}

int
bset_manifest_load(struct bset_manifest **ret, const char *dir, char *err,
		   size_t errlen)
{
	char path[BSET_PATH_MAX], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, r;

	if (!ret || !dir)
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/" BSET_MANIFEST, dir) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		if (err && errlen)
			snprintf(err, errlen, BSET_MANIFEST ": %s",
				 strerror(-r));
		return r;
	}
	for (;;) {
		if (len == cap) {
			char *grown;

			cap = cap ? cap * 2 : 65536;
			if (cap > BSET_MANIFEST_MAX) {
				r = -EFBIG;
				goto out;
			}
			grown = realloc(buf, cap);
			if (!grown) {
				r = -ENOMEM;
				goto out;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	r = bset_manifest_parse(ret, buf, len, err, errlen);
out:
	if (r < 0 && r != -EBADMSG) {
		if (err && errlen)
			snprintf(err, errlen, BSET_MANIFEST ": %s",
				 strerror(-r));
	}
	free(buf);
	close(fd);
	return r;
}

void
bset_manifest_free(struct bset_manifest *m)
{
	if (!m)
		return;
	bset_manifest_release(m);
	free(m);
}

const struct bset_info *
bset_manifest_info(const struct bset_manifest *m)
{
	return &m->info;
}

size_t
bset_manifest_volume_count(const struct bset_manifest *m)
{
	return m->volume_count;
}

const struct bset_volume *
bset_manifest_volume(const struct bset_manifest *m, size_t i)
{
	return i < m->volume_count ? &m->volumes[i] : NULL;
}

size_t
bset_manifest_component_count(const struct bset_manifest *m)
{
	return m->component_count;
}

const struct bset_component *
bset_manifest_component(const struct bset_manifest *m, size_t i,
			bool *ret_ok, const char **ret_message)
{
	if (i >= m->component_count)
		return NULL;
	if (ret_ok)
		*ret_ok = m->components[i].result != BSET_RESULT_FAILED;
	if (ret_message)
		*ret_message = m->components[i].message;
	return &m->components[i].c;
}

size_t
bset_manifest_entry_count(const struct bset_manifest *m)
{
	return m->entry_count;
}

const struct bset_entry *
bset_manifest_entry(const struct bset_manifest *m, size_t i)
{
	return i < m->entry_count ? &m->entries[i] : NULL;
}
