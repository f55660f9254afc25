/*
 * cli/bset_table.c - an open-addressing hash table of entry indices: the
 * backup set finds an entry by volume and path, and a first hard link by
 * device and inode, among hundreds of thousands of objects.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bset_internal.h"

struct bset_slot {
	uint64_t hash;
	size_t idx_plus_1; /* 0: empty */
};

void
bset_table_release(struct bset_table *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static void
place(struct bset_slot *slots, size_t cap, uint64_t hash, size_t idx_plus_1)
{
	size_t i = (size_t)hash & (cap - 1);

	while (slots[i].idx_plus_1)
		i = (i + 1) & (cap - 1);
	slots[i].hash = hash;
	slots[i].idx_plus_1 = idx_plus_1;
}

int
bset_table_add(struct bset_table *t, uint64_t hash, size_t idx)
{
	struct bset_slot *grown;
	size_t i, cap;

	/* Keep the load under one half so that probes stay short. */
	if ((t->count + 1) * 2 > t->cap) {
		cap = t->cap ? t->cap * 2 : 64;
		grown = calloc(cap, sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		for (i = 0; i < t->cap; i++)
			if (t->slots[i].idx_plus_1)
				place(grown, cap, t->slots[i].hash,
				      t->slots[i].idx_plus_1);
		free(t->slots);
		t->slots = grown;
		t->cap = cap;
	}
	place(t->slots, t->cap, hash, idx + 1);
	t->count++;
	return 0;
}

size_t
bset_table_find(const struct bset_table *t, uint64_t hash,
		bool (*match)(size_t idx, const void *u), const void *u)
{
	size_t i;

	if (!t->cap)
		return (size_t)-1;
	for (i = (size_t)hash & (t->cap - 1); t->slots[i].idx_plus_1;
	     i = (i + 1) & (t->cap - 1))
		if (t->slots[i].hash == hash &&
		    match(t->slots[i].idx_plus_1 - 1, u))
			return t->slots[i].idx_plus_1 - 1;
	return (size_t)-1;
}

uint64_t
bset_path_hash(size_t volume, const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < sizeof(volume); i++) {
		h ^= (uint8_t)(volume >> (8 * i));
		h *= 0x100000001b3ULL;
	}
	for (; *path; path++) {
		h ^= (uint8_t)*path;
		h *= 0x100000001b3ULL;
	}
	/* Mix the low bits, which pick the slot. */
	return h ^ (h >> 29);
}
