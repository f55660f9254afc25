/*
 * tests/unit/pset.c - snapshot sets for the provider tests (pset.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pset.h"

void
pset_init(struct provider_set *set, struct provider_snapshot *snaps,
	  const char *const *volumes, size_t n, int32_t context)
{
	size_t i;

	memset(set, 0, sizeof(*set));
	vss_id_generate(&set->set_id);
	set->context = context;
	for (i = 0; i < n; i++) {
		memset(&snaps[i], 0, sizeof(snaps[i]));
		vss_id_generate(&snaps[i].snapshot_id);
		snaps[i].volume = strdup(volumes[i]);
		assert_non_null(snaps[i].volume);
	}
	set->snapshots = snaps;
	set->count = n;
}

int
pset_prepare(const struct provider *p, struct provider_set *set)
{
	size_t i;
	int r;

	for (i = 0; i < set->count; i++) {
		r = p->ops->begin_prepare(p, set, &set->snapshots[i]);
		if (r < 0)
			return r;
	}
	if (p->ops->end_prepare && (r = p->ops->end_prepare(p, set)) < 0)
		return r;
	if (p->ops->pre_commit && (r = p->ops->pre_commit(p, set)) < 0)
		return r;
	return 0;
}

void
pset_release(struct provider_set *set)
{
	size_t i;

	for (i = 0; i < set->count; i++) {
		assert_null(set->snapshots[i].priv);
		provider_snapshot_release(&set->snapshots[i]);
	}
}
