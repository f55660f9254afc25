/*
 * daemon/provider.h - the snapshot provider interface inside vssd.
 *
 * Each provider is one file in daemon/providers/ exporting one ops table;
 * provider.c keeps the registry and picks a provider per volume (BK-073).
 * Every op may block (ioctls, commands): the coordinator calls them on its
 * provider worker thread, never on the event loop.  Ops return 0 or a
 * negative status; anything outside the provider contract is turned into
 * VSS_E_UNEXPECTED_PROVIDER_ERROR by the caller (PV-030).  Providers must
 * not log while file systems are frozen (PV-031): they return a message in
 * the set instead.
 */
#ifndef VSSD_PROVIDER_H
#define VSSD_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include <vss/types.h>

/* One shadow copy of a set, as the provider sees it. */
struct provider_snapshot {
	vss_id snapshot_id;
	char *volume;          /* mount point, normalised, no trailing '/' */
	char *device;          /* set by commit: path of the shadow copy */
	vss_timestamp created; /* set by commit */
	void *priv;            /* the provider's own state */
};

/* The snapshots of one set handled by one provider, in one call order. */
struct provider_set {
	vss_id set_id;
	int32_t context;
	struct provider_snapshot *snapshots;
	size_t count;
	char error[256]; /* why an op failed, for the log afterwards */
};

struct provider_ops {
	size_t size;  /* sizeof(struct provider_ops) */
	const char *name;
	vss_id id;    /* provider id */
	vss_id version_id;
	/*
	 * True when commit works on a file system frozen with FIFREEZE; btrfs
	 * snapshots need a transaction and block on a frozen file system, so
	 * the btrfs provider commits unfrozen while writers are frozen.
	 */
	bool commit_while_frozen;

	/* Can this provider snapshot the volume mounted at mount? 0 + *ret. */
	int (*is_volume_supported)(const char *mount, bool *ret);
	/* Call order of a set (PV-020..PV-022). Any may be NULL: no-op. */
	int (*begin_prepare)(struct provider_set *set,
			     struct provider_snapshot *snap);
	int (*end_prepare)(struct provider_set *set);
	int (*pre_commit)(struct provider_set *set);
	int (*commit)(struct provider_set *set);
	int (*post_commit)(struct provider_set *set);
	/* Discard everything of the set made so far; must not fail halfway. */
	int (*abort)(struct provider_set *set);
	/*
	 * Delete one shadow copy: device as set by commit, or NULL for where
	 * this provider would have made the shadow copy of snapshot_id on
	 * volume (a set recorded before commit may have one anyway).  One
	 * that is not there: VSS_E_OBJECT_NOT_FOUND.
	 */
	int (*delete_snapshot)(const struct provider_snapshot *snap);
};

/* providers/btrfs.c */
extern const struct provider_ops provider_btrfs;

/* provider.c */
/* All compiled-in providers, NULL-terminated, in preference order. */
const struct provider_ops *const *provider_registry(void);
/* The compiled-in provider with this id, or NULL. */
const struct provider_ops *provider_find(const vss_id *id);
/*
 * The provider for the volume mounted at mount, a mount point already
 * normalised by volume_normalise() (daemon.h): the one with id *requested
 * (else VSS_E_PROVIDER_NOT_REGISTERED, or
 * VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER), or with requested NULL the first
 * that supports it (else VSS_E_VOLUME_NOT_SUPPORTED).
 */
int provider_select(const char *mount, const vss_id *requested,
		    const struct provider_ops **ret);
/* Release the strings of a snapshot (not the struct). */
void provider_snapshot_release(struct provider_snapshot *snap);

#endif
