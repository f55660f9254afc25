/* cli/bset_write.c - placeholder until it is built. */
#include <errno.h>
#include "backupset.h"

int
bset_create(struct bset **ret, const char *dir)
{
	return -ENOSYS;
}

void
bset_free(struct bset *s)
{

}

int
bset_add_volume(struct bset *s, const struct bset_volume *v,
		    size_t *ret_index)
{
	return -ENOSYS;
}

int
bset_add_component(struct bset *s, const struct bset_component *c,
		       size_t *ret_index)
{
	return -ENOSYS;
}

int
bset_set_component_result(struct bset *s, size_t component, bool ok,
			      const char *message)
{
	return -ENOSYS;
}

int
bset_save_bcd(struct bset *s, const char *xml, size_t len)
{
	return -ENOSYS;
}

int
bset_save_wmd(struct bset *s, const vss_wmd *wmd)
{
	return -ENOSYS;
}

void
bset_get_stats(const struct bset *s, struct bset_stats *ret)
{

}

int
bset_commit(struct bset *s, const struct bset_info *info)
{
	return -ENOSYS;
}

