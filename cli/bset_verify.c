/* cli/bset_verify.c - placeholder until it is built. */
#include <errno.h>
#include "backupset.h"

int
bset_verify(const char *dir,
		void (*report)(const struct bset_entry *entry,
			       const char *problem, void *u),
		void *u, uint64_t *ret_checked, uint64_t *ret_bad)
{
	return -ENOSYS;
}

