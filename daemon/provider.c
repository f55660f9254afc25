/*
 * daemon/provider.c - the registry of compiled-in providers and the choice
 * of a provider for a volume (BK-073, PV-010).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int
octal_digit(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

/*
 * Undo the escaping of /proc/self/mountinfo in place: the kernel writes
 * space, tab, newline and backslash of a path as \ooo.
 */
static void
unescape_mountinfo(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && octal_digit(s[1]) >= 0 &&
		    octal_digit(s[2]) >= 0 && octal_digit(s[3]) >= 0) {
			*out++ =
			    (char)(octal_digit(s[1]) << 6 |
				   octal_digit(s[2]) << 3 | octal_digit(s[3]));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/*
 * Whether the canonical path is where something is mounted in our mount
 * namespace: 1, 0, or -errno.  The mount point is the fifth field of a
 * mountinfo line.
 */
static int
is_mount_point(const char *path)
{
	char *line = NULL, *field, *save;
	size_t cap = 0;
	int found = 0, i;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (!found && getline(&line, &cap, f) >= 0) {
		field = strtok_r(line, " \n", &save);
		for (i = 1; field && i < 5; i++)
			field = strtok_r(NULL, " \n", &save);
		if (!field)
			continue;
		unescape_mountinfo(field);
		found = strcmp(field, path) == 0;
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * The canonical form of a volume path in *ret (caller owns; free()).  A
 * path that does not resolve is an unknown object for the requester.
 */
static int
resolve(const char *mount, char **ret)
{
	char *path;

	path = realpath(mount, NULL);
	if (!path) {
		switch (errno) {
		case ENOENT:
		case ENOTDIR:
		case ELOOP:
		case ENAMETOOLONG:
			return VSS_E_OBJECT_NOT_FOUND;
		default:
			return -errno;
		}
	}
	*ret = path;
	return 0;
}

static const struct provider_ops *
find_provider(const vss_id *id)
{
	const struct provider_ops *const *p;

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
	char *path = NULL;
	bool supported = false;
	int r;

	if (!mount || !ret)
		return -EINVAL;
	if (requested && !vss_id_is_null(requested)) {
		chosen = find_provider(requested);
		if (!chosen)
			return VSS_E_PROVIDER_NOT_REGISTERED;
	}
	r = resolve(mount, &path);
	if (r < 0)
		return r;
	r = is_mount_point(path);
	if (r < 0)
		goto fail;
	if (r == 0) {
		r = VSS_E_OBJECT_NOT_FOUND;
		goto fail;
	}
	if (chosen) {
		r = chosen->is_volume_supported(path, &supported);
		if (r < 0)
			goto fail;
		if (!supported) {
			r = VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER;
			goto fail;
		}
	} else {
		for (p = registry; *p && !supported; p++) {
			r = (*p)->is_volume_supported(path, &supported);
			if (r < 0)
				goto fail;
			if (supported)
				chosen = *p;
		}
		if (!supported) {
			r = VSS_E_VOLUME_NOT_SUPPORTED;
			goto fail;
		}
	}
	free(path);
	*ret = chosen;
	return 0;

fail:
	free(path);
	return r;
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
