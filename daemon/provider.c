/*
 * daemon/provider.c - the registry of compiled-in providers and the choice
 * of a provider for a volume (BK-073, PV-010).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "provider.h"
#include "vss/status.h"

/*
 * In preference order.  Only software providers exist so far; hardware
 * providers go first once there are some (PV-010).
 */
static const struct provider_ops *const registry[] = {&provider_btrfs, NULL};

const struct provider_ops *const *
provider_registry(void)
{
	return registry;
}

const struct provider_ops *
provider_find(const vss_id *id)
{
	const struct provider_ops *const *p;

	if (!id)
		return NULL;
	for (p = registry; *p; p++)
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
		const struct provider_ops **ret)
{
	const struct provider_ops *const *p;
	const struct provider_ops *chosen = NULL;
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
		r = chosen->is_volume_supported(mount, &supported);
		if (r < 0)
			return r;
		if (!supported)
			return VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER;
	} else {
		for (p = registry; *p && !supported; p++) {
			r = (*p)->is_volume_supported(mount, &supported);
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
