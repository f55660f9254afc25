/*
 * tests/unit/pset.h - snapshot sets as vssd hands them to a provider, for
 * the provider tests (test_btrfs_provider.c, test_exec_provider.c).
 */
#ifndef VSS_TESTS_PSET_H
#define VSS_TESTS_PSET_H

#include <stddef.h>
#include <stdint.h>

#include "provider.h"

/*
 * A set in context of the n snapshots snaps (the caller's), one on each
 * of volumes, with new ids; release with pset_release().
 */
void pset_init(struct provider_set *set, struct provider_snapshot *snaps,
	       const char *const *volumes, size_t n, int32_t context);
/*
 * The coordinator's calls up to commit (PV-020): begin_prepare of each
 * snapshot, then end_prepare and pre_commit where p has them.  0, or the
 * first failure.
 */
int pset_prepare(const struct provider *p, struct provider_set *set);
/*
 * Release the strings of the set's snapshots, failing the test if the
 * provider kept state of its own in one (priv) past post_commit or abort.
 */
void pset_release(struct provider_set *set);

#endif
