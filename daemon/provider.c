/*
 * daemon/provider.c - the registry of providers and the choice of a
 * provider for a volume (BK-073, PV-010); and what the providers share.
 */
#include "daemon.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <vss/status.h>

#include "expose.h"

/* NULL-terminated, in preference order; built by provider_registry_init. */
static const struct provider **registry;
/* The configured exec providers, owned here. */
static struct provider **exec_providers;
static size_t exec_count;

static const struct provider *const builtin[] = {&provider_btrfs};

int
provider_registry_init(const struct config *c)
{
	static const enum vss_provider_type order[] = {
		VSS_PROV_HARDWARE, VSS_PROV_SOFTWARE, VSS_PROV_FILESHARE,
	};
	size_t nb = sizeof(builtin) / sizeof(builtin[0]);
	size_t i, k, n = 0;
	int r;

	provider_registry_release();
	r = exec_providers_new(c ? c->exec_providers : NULL, &exec_providers,
			       &exec_count);
	if (r < 0)
		return r;
	registry = calloc(exec_count + nb + 1, sizeof(*registry));
	if (!registry) {
		provider_registry_release();
		return -ENOMEM;
	}
	/*
	 * PV-010: hardware providers first, then software ones, then the
	 * built-in system provider; configuration order within a kind.
	 */
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; i < exec_count; i++)
			if (exec_providers[i]->type == order[k])
				registry[n++] = exec_providers[i];
	for (i = 0; i < nb; i++)
		registry[n++] = builtin[i];
	registry[n] = NULL;
	return 0;
}

void
provider_registry_release(void)
{
	size_t i;

	free(registry);
	registry = NULL;
	for (i = 0; i < exec_count; i++)
		if (exec_providers[i]->ops->release)
			exec_providers[i]->ops->release(exec_providers[i]);
	free(exec_providers);
	exec_providers = NULL;
	exec_count = 0;
}

const struct provider *const *
provider_registry(void)
{
	static const struct provider *const none[] = {NULL};

	return registry ? registry : none;
}

const struct provider *
provider_find(const vss_id *id)
{
	const struct provider *const *p;

	if (!id)
		return NULL;
	for (p = provider_registry(); *p; p++)
		if (vss_id_equal(&(*p)->id, id))
			return *p;
	return NULL;
}

/*
 * A null id counts as no request: GUID_NULL is how a requester asks for
 * automatic selection (PV-010).
 */
int
provider_select(const char *mount, const vss_id *requested,
		const struct provider **ret)
{
	const struct provider *const *p;
	const struct provider *chosen = NULL;
	bool supported = false;
	int r;

	if (!mount || !ret)
		return -EINVAL;
	if (requested && !vss_id_is_null(requested)) {
		chosen = provider_find(requested);
		if (!chosen)
			return VSS_E_PROVIDER_NOT_REGISTERED;
	}
	if (chosen) {
		r = chosen->ops->is_volume_supported(chosen, mount, &supported);
		if (r < 0)
			return r;
		if (!supported)
			return VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER;
	} else {
		for (p = provider_registry(); *p && !supported; p++) {
			r = (*p)->ops->is_volume_supported(*p, mount,
							   &supported);
			if (r < 0)
				return r;
			if (supported)
				chosen = *p;
		}
		if (!supported)
			return VSS_E_VOLUME_NOT_SUPPORTED;
	}
	*ret = chosen;
	return 0;
}

void
provider_snapshot_release(struct provider_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->volume);
	snap->volume = NULL;
	free(snap->device);
	snap->device = NULL;
}

int
provider_expose(const struct provider *p,
		const struct provider_snapshot *snap, const char *path,
		char *err, size_t errlen)
{
	if (p->ops->expose)
		return p->ops->expose(p, snap, path, err, errlen);
	return expose_bind(snap->device, path, err, errlen);
}

int
provider_unexpose(const struct provider *p,
		  const struct provider_snapshot *snap, const char *path,
		  bool remove_dir, char *err, size_t errlen)
{
	int r;

	if (!p->ops->unexpose)
		return expose_unmount(path, remove_dir, err, errlen);
	r = p->ops->unexpose(p, snap, path, err, errlen);
	/* The provider's mount is gone; a default directory goes too. */
	if (r == 0 && remove_dir)
		(void)rmdir(path);
	return r;
}

vss_timestamp
provider_timestamp_now(void)
{
	struct timespec ts;
	vss_timestamp secs;

	clock_gettime(CLOCK_REALTIME, &ts);
	secs = (vss_timestamp)ts.tv_sec + VSS_TIMESTAMP_UNIX_EPOCH_SECONDS;
	return secs * 10000000 + ts.tv_nsec / 100;
}

void
provider_abort_note(struct provider_set *set, struct provider_snapshot *snap,
		    int r, const char *err, int *first)
{
	if (r == 0 || r == VSS_E_OBJECT_NOT_FOUND) {
		free(snap->device);
		snap->device = NULL;
		snap->created = 0;
	} else if (*first == 0) {
		*first = r;
		snprintf(set->error, sizeof(set->error), "%s", err);
	}
}
