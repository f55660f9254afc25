/* cli/bset_copy.c - placeholder until it is built. */
#include <errno.h>
#include "backupset.h"

int
bset_copy(struct bset *s, size_t volume, const char *relpath,
	      size_t component)
{
	return -ENOSYS;
}

