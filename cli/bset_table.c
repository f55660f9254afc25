/*
 * cli/bset_table.c - an open-addressing hash table of entry indices: the
 * backup set finds an entry by volume and path, and a first hard link by
 * device and inode, among hundreds of thousands of objects.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

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
bset_table_reserve(struct bset_table *t, size_t n)
{
	struct bset_slot *grown;
	size_t i, cap;

	/* Keep the load under one half so that probes stay short. */
	if ((t->count + n) * 2 <= t->cap)
		return 0;
	cap = t->cap ? t->cap : 64;
	while ((t->count + n) * 2 > cap)
		cap *= 2;
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
	return 0;
}

int
bset_table_add(struct bset_table *t, uint64_t hash, size_t idx)
{
	int r = bset_table_reserve(t, 1);

	if (r < 0)
		return r;
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

/* ---- SipHash-2-4 (Aumasson and Bernstein), keyed once per process ---- */

static uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void
sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13) ^ s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17) ^ s->v2;
	s->v2 = rotl(s->v2, 32);
}

static void
sip_block(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static uint64_t
load64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
bset_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = load64(key), k1 = load64(key + 8);
	struct sip s = {
		k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
		k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL,
	};
	uint8_t tail[8] = {0};
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		sip_block(&s, load64(p + i));
	memcpy(tail, p + i, len - i);
	sip_block(&s, load64(tail) | (uint64_t)(len & 0xff) << 56);
	s.v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* The key: from getrandom() at the first use; the command is one thread. */
static uint8_t key[16];
static bool keyed;

static void
make_key(void)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(key)) {
		n = getrandom(key + got, sizeof(key) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* No entropy source at all: a fixed key still hashes. */
		if (n < 0)
			break;
		got += (size_t)n;
	}
	keyed = true;
}

uint64_t
bset_path_hash(size_t volume, const char *path)
{
	uint8_t buf[8 + BSET_PATH_MAX];
	size_t len = strnlen(path, BSET_PATH_MAX), i;

	if (!keyed)
		make_key();
	/* The volume index (8 bytes, little endian), then the path. */
	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)((uint64_t)volume >> (8 * i));
	memcpy(buf + 8, path, len);
	return bset_siphash(key, buf, 8 + len);
}
