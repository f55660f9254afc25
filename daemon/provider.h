/*
 * daemon/provider.h - the snapshot provider interface inside vssd.
 *
 * A provider is a struct provider: its identity, what it can do, and its
 * operations, each given the provider itself so that one implementation
 * can serve several configured instances (the exec provider: one per
 * [provider NAME] section of the configuration).  Built-in providers are
 * one file each in daemon/providers/; provider.c keeps the registry and
 * picks a provider per volume (PV-010, BK-073).
 *
 * Every op may block (ioctls, commands): vssd calls them on worker
 * threads, never on the event loop.  Ops return 0 or a negative status;
 * anything outside the provider contract is turned into
 * VSS_E_UNEXPECTED_PROVIDER_ERROR by the caller (PV-030).  Providers must
 * not log while file systems are frozen (PV-031): they describe failures
 * in the error buffer they are given and vssd logs it afterwards.
 */
#ifndef VSSD_PROVIDER_H
#define VSSD_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include <vss/types.h>

/* One shadow copy, as a provider sees it. */
struct provider_snapshot {
	vss_id snapshot_id;
	char *volume;          /* mount point, normalised, no trailing '/' */
	char *device;          /* set by commit: path of the shadow copy */
	vss_timestamp created; /* set by commit */
	void *priv;            /* the provider's own state during a set */
};

/* The snapshots of one set handled by one provider, in one call order. */
struct provider_set {
	vss_id set_id;
	int32_t context;
	/*
	 * Commit makes shadow copies that stay writable until seal (SN-004):
	 * vssd removes the files not to snapshot in between.  Only asked of
	 * providers with can_seal.
	 */
	bool writable;
	struct provider_snapshot *snapshots;
	size_t count;
	char error[256]; /* why an op failed, for the log afterwards */
};

/* What list reports: one shadow copy the provider holds. */
typedef void (*provider_list_fn)(void *arg, const vss_id *snapshot_id,
				 const char *volume, const char *device);

struct provider;

struct provider_ops {
	/* Can this provider snapshot the volume mounted at mount? 0 + *ret. */
	int (*is_volume_supported)(const struct provider *p, const char *mount,
				   bool *ret);
	/* Call order of a set (PV-020..PV-022). Any may be NULL: no-op. */
	int (*begin_prepare)(const struct provider *p, struct provider_set *set,
			     struct provider_snapshot *snap);
	int (*end_prepare)(const struct provider *p, struct provider_set *set);
	int (*pre_commit)(const struct provider *p, struct provider_set *set);
	/*
	 * With commit_while_frozen, vssd holds every volume of the provider's
	 * set frozen (FIFREEZE) from just before commit until it returns.
	 */
	int (*commit)(const struct provider *p, struct provider_set *set);
	int (*post_commit)(const struct provider *p, struct provider_set *set);
	/*
	 * PostFinalCommit of a writable set: make its shadow copies read-only
	 * (can_seal providers only).
	 */
	int (*seal)(const struct provider *p, struct provider_set *set);
	/* Discard everything of the set made so far; must not fail halfway. */
	int (*abort)(const struct provider *p, struct provider_set *set);
	/*
	 * Delete one shadow copy: device as set by commit, or NULL for where
	 * this provider would have made the shadow copy of snapshot_id on
	 * volume (a set recorded before commit may have one anyway).  One
	 * that is not there: VSS_E_OBJECT_NOT_FOUND.  err: why it failed.
	 */
	int (*delete_snapshot)(const struct provider *p,
			       const struct provider_snapshot *snap, char *err,
			       size_t errlen);
	/*
	 * Show a committed shadow copy read-only at path, an existing empty
	 * directory, and take it away again.  NULL: vssd bind-mounts the
	 * device read-only, which must then be a directory.
	 */
	int (*expose)(const struct provider *p,
		      const struct provider_snapshot *snap, const char *path,
		      char *err, size_t errlen);
	int (*unexpose)(const struct provider *p,
			const struct provider_snapshot *snap, const char *path,
			char *err, size_t errlen);
	/*
	 * Every shadow copy the provider holds on this machine, for vssd to
	 * reconcile its inventory at start; NULL when it cannot tell (vssd
	 * then checks each device still exists).
	 */
	int (*list)(const struct provider *p, provider_list_fn fn, void *arg,
		    char *err, size_t errlen);
	/* Release priv and anything else of the provider at exit. */
	void (*release)(struct provider *p);
};

struct provider {
	const char *name;
	vss_id id; /* provider id, constant across versions (PV-001) */
	vss_id version_id;
	const char *version;
	enum vss_provider_type type;
	/*
	 * True when commit works on a file system frozen with FIFREEZE; btrfs
	 * snapshots need a transaction and block on a frozen file system, so
	 * the btrfs provider commits unfrozen while writers are frozen.
	 */
	bool commit_while_frozen;
	/* Can make writable shadow copies and seal them later (SN-004). */
	bool can_seal;
	const struct provider_ops *ops;
	void *priv;
};

/* providers/btrfs.c */
extern const struct provider provider_btrfs;

/*
 * providers/exec.c: providers that run administrator-given commands,
 * one per [provider NAME] section of the configuration
 * (docs/vssd.conf.md).
 */
struct exec_conf;
/*
 * Take key = value of section [provider name] into *list (the entry is
 * made on its first key).  1: taken; 0: unknown key (the caller warns);
 * negative: bad value, already logged with path.
 */
int exec_conf_key(struct exec_conf **list, const char *name, const char *key,
		  const char *value, const char *path);
/* After the whole file: every entry complete and ids unique.  Logged. */
int exec_conf_check(const struct exec_conf *list, const char *path);
void exec_conf_free(struct exec_conf *list);
/*
 * A provider for each entry of list, in file order, into a new array of
 * *ret_n pointers (caller frees each with its ops->release, then the
 * array).
 */
int exec_providers_new(const struct exec_conf *list, struct provider ***ret,
		       size_t *ret_n);

/* provider.c */
/*
 * Build the registry: the configured exec providers (hardware ones first,
 * then software) and the built-in ones, in the order of PV-010.  Called
 * once at start; 0 or a negative error.
 */
struct config;
int provider_registry_init(const struct config *c);
void provider_registry_release(void);
/* All providers, NULL-terminated, in preference order. */
const struct provider *const *provider_registry(void);
/* The provider with this id, or NULL. */
const struct provider *provider_find(const vss_id *id);
/*
 * The provider for the volume mounted at mount, a mount point already
 * normalised by volume_normalise() (daemon.h): the one with id *requested
 * (else VSS_E_PROVIDER_NOT_REGISTERED, or
 * VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER), or with requested NULL the first
 * that supports it (else VSS_E_VOLUME_NOT_SUPPORTED).
 */
int provider_select(const char *mount, const vss_id *requested,
		    const struct provider **ret);
/* Release the strings of a snapshot (not the struct). */
void provider_snapshot_release(struct provider_snapshot *snap);
/*
 * Show the committed shadow copy snap of p read-only at path (an existing
 * empty directory): p's expose op, or else a read-only bind of its device
 * (expose_bind()).  Blocking; err says why it failed.
 */
int provider_expose(const struct provider *p,
		    const struct provider_snapshot *snap, const char *path,
		    char *err, size_t errlen);
/*
 * Take the exposure at path away: p's unexpose op, or else unmount it
 * (expose_unmount()).  remove_dir: the directory is vssd's (a default
 * exposure) and goes too once the exposure is gone.  VSS_E_OBJECT_NOT_FOUND
 * when nothing is mounted there (without an unexpose op).  Blocking.
 */
int provider_unexpose(const struct provider *p,
		      const struct provider_snapshot *snap, const char *path,
		      bool remove_dir, char *err, size_t errlen);
/*
 * For providers.  The VSS_TIMESTAMP of now, for provider_snapshot.created:
 * 100 ns intervals since 1601-01-01 UTC.
 */
vss_timestamp provider_timestamp_now(void);
/*
 * An abort of set has tried to undo snap, with status r and the reason
 * err: a shadow copy that is gone (r 0, or VSS_E_OBJECT_NOT_FOUND) is
 * forgotten, so that a second abort does nothing; the first failure of
 * the abort is kept in *first (0 until then) and err in set->error.
 */
void provider_abort_note(struct provider_set *set,
			 struct provider_snapshot *snap, int r, const char *err,
			 int *first);

#endif
