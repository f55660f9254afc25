/* cli/bset_manifest.c - placeholder until it is built. */
#include <errno.h>
#include "backupset.h"

int
bset_manifest_load(struct bset_manifest **ret, const char *dir,
		       char *err, size_t errlen)
{
	return -ENOSYS;
}

int
bset_manifest_parse(struct bset_manifest **ret, const char *json,
			size_t len, char *err, size_t errlen)
{
	return -ENOSYS;
}

void
bset_manifest_free(struct bset_manifest *m)
{

}

const struct bset_info *
bset_manifest_info(const struct bset_manifest *m)
{
	return NULL;
}

size_t
bset_manifest_volume_count(const struct bset_manifest *m)
{
	return 0;
}

const struct bset_volume *
bset_manifest_volume(const struct bset_manifest *m,
					       size_t i)
{
	return NULL;
}

size_t
bset_manifest_component_count(const struct bset_manifest *m)
{
	return 0;
}

const struct bset_component *
bset_manifest_component(const struct bset_manifest *m, size_t i,
			bool *ret_ok, const char **ret_message)
{
	return NULL;
}

size_t
bset_manifest_entry_count(const struct bset_manifest *m)
{
	return 0;
}

const struct bset_entry *
bset_manifest_entry(const struct bset_manifest *m,
					     size_t i)
{
	return NULL;
}

