/*
 * cli/bset_model.c - the manifest in memory, shared by the set being
 * written (bset_write.c) and the set read back (bset_manifest*.c): its
 * records and their release, the memory it may take, the lookup of an
 * entry by volume and path, the path and type rules, and the accessors
 * of backupset.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bset_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What malloc() adds to each block, roughly: for the memory estimate. */
#define ALLOC_OVERHEAD 16

size_t bset_model_max = BSET_MODEL_MAX;

/* ---- release ----------------------------------------------------------- */

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
	for (i = 0; i < m->document_count; i++)
		free(m->documents[i].path);
	for (i = 0; i < m->entry_count; i++)
		bset_entry_release(&m->entries[i]);
	for (i = 0; i < m->failure_count; i++) {
		free(m->failures[i].path);
		free(m->failures[i].reason);
	}
	free(m->volumes);
	free(m->components);
	free(m->documents);
	free(m->entries);
	free(m->failures);
	bset_table_release(&m->by_path);
	memset(m, 0, sizeof(*m));
}

/* ---- memory ---------------------------------------------------------- */

int
bset_manifest_charge(struct bset_manifest *m, size_t n)
{
	if (n > bset_model_max || m->cost > bset_model_max - n)
		return -EFBIG;
	m->cost += n;
	return 0;
}

static size_t
str_cost(const char *s)
{
	return s ? strlen(s) + 1 + ALLOC_OVERHEAD : 0;
}

size_t
bset_entry_cost(const struct bset_entry *e)
{
	/* The array slot (grown by doubling) and up to 4 table slots. */
	size_t n = 2 * sizeof(*e) + 4 * 16, i;

	n += str_cost(e->path) + str_cost(e->link_target) +
	     str_cost(e->hardlink_of) + str_cost(e->sha256);
	if (e->xattr_count)
		n += e->xattr_count * (3 * sizeof(void *)) +
		     3 * ALLOC_OVERHEAD;
	for (i = 0; i < e->xattr_count; i++)
		n += str_cost(e->xattr_names[i]) + e->xattr_sizes[i] + 1 +
		     ALLOC_OVERHEAD;
	if (e->component_count)
		n += e->component_count * sizeof(size_t) + ALLOC_OVERHEAD;
	return n;
}

/*
 * Make room for one more item in *items (count, *cap), charging the
 * growth; 0, -ENOMEM or -EFBIG.
 */
static int
grow(struct bset_manifest *m, void **items, size_t size, size_t count,
     size_t *cap, size_t first)
{
	size_t n = *cap ? *cap * 2 : first;
	void *grown;
	int r;

	if (count < *cap)
		return 0;
	if ((r = bset_manifest_charge(m, (n - *cap) * size)) < 0)
		return r;
	grown = realloc(*items, n * size);
	if (!grown) {
		m->cost -= (n - *cap) * size;
		return -ENOMEM;
	}
	*items = grown;
	*cap = n;
	return 0;
}

#define GROW(m, items, count, cap, first)                                      \
	grow(m, (void **)&(items), sizeof(*(items)), count, &(cap), first)

/* ---- the records ------------------------------------------------------- */

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
	size_t cost = bset_entry_cost(e);
	int r;

	if (m->entry_count == m->entry_cap) {
		/* The entries' array is in the cost of each entry. */
		struct bset_entry *grown;
		size_t cap = m->entry_cap ? m->entry_cap * 2 : 256;

		grown = realloc(m->entries, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		m->entries = grown;
		m->entry_cap = cap;
	}
	if ((r = bset_manifest_charge(m, cost)) < 0)
		return r;
	r = bset_table_add(&m->by_path, bset_path_hash(e->volume, e->path),
			   m->entry_count);
	if (r < 0) {
		m->cost -= cost;
		return r;
	}
	m->entries[m->entry_count++] = *e;
	return 0;
}

int
bset_manifest_add_volume(struct bset_manifest *m, const struct bset_volume *v)
{
	int r;

	if ((r = GROW(m, m->volumes, m->volume_count, m->volume_cap, 4)) < 0 ||
	    (r = bset_manifest_charge(m, str_cost(v->mount_point) +
					      str_cost(v->fstype) +
					      str_cost(v->shadow_root))) < 0)
		return r;
	m->volumes[m->volume_count++] = *v;
	return 0;
}

int
bset_manifest_add_comp(struct bset_manifest *m, const struct bset_comp *c)
{
	int r;

	if ((r = GROW(m, m->components, m->component_count, m->component_cap,
		      8)) < 0 ||
	    (r = bset_manifest_charge(m, str_cost(c->c.writer_name) +
					      str_cost(c->c.logical_path) +
					      str_cost(c->c.name) +
					      str_cost(c->message))) < 0)
		return r;
	m->components[m->component_count++] = *c;
	return 0;
}

int
bset_manifest_add_document(struct bset_manifest *m,
			   const struct bset_document *d)
{
	int r;

	if ((r = GROW(m, m->documents, m->document_count, m->document_cap,
		      4)) < 0 ||
	    (r = bset_manifest_charge(m, str_cost(d->path))) < 0)
		return r;
	m->documents[m->document_count++] = *d;
	return 0;
}

/*
 * Not charged: at most BSET_FAILURES_MAX of them, and a failure must be
 * recorded even when it is the limit that made it.
 */
int
bset_manifest_add_failure(struct bset_manifest *m,
			  const struct bset_failure *f)
{
	struct bset_failure *grown;
	size_t cap;

	if (m->failure_count == m->failure_cap) {
		cap = m->failure_cap ? m->failure_cap * 2 : 16;
		grown = realloc(m->failures, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		m->failures = grown;
		m->failure_cap = cap;
	}
	m->failures[m->failure_count++] = *f;
	return 0;
}

/* ---- paths ------------------------------------------------------------ */

const char *
bset_split_path(const char *path, char parent[BSET_PATH_MAX])
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	/* Paths of the set are shorter than BSET_PATH_MAX. */
	if (n >= BSET_PATH_MAX)
		n = BSET_PATH_MAX - 1;
	memcpy(parent, path, n);
	parent[n] = '\0';
	return slash ? slash + 1 : *path ? path : ".";
}

/* ---- the accessors of backupset.h ------------------------------------- */

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
