/*
 * lib/util/fsmeta.c - file types and times (fsmeta.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fsmeta.h"

static const struct {
	mode_t type;
	const char *name;
} type_names[] = {
	{S_IFREG, "file"}, {S_IFDIR, "dir"},  {S_IFLNK, "symlink"},
	{S_IFIFO, "fifo"}, {S_IFCHR, "chr"},  {S_IFBLK, "blk"},
	{S_IFSOCK, "socket"},
};

#define TYPE_COUNT (sizeof(type_names) / sizeof(type_names[0]))

const char *
fsmeta_type_name(mode_t mode)
{
	size_t i;

	for (i = 0; i < TYPE_COUNT; i++)
		if ((mode & S_IFMT) == type_names[i].type)
			return type_names[i].name;
	return NULL;
}

int
fsmeta_type_parse(const char *name, mode_t *ret)
{
	size_t i;

	for (i = 0; i < TYPE_COUNT; i++)
		if (strcmp(name, type_names[i].name) == 0) {
			*ret = type_names[i].type;
			return 0;
		}
	return -EINVAL;
}

struct timespec
fsmeta_timespec(int64_t ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};

	/* Before 1970 the remainder is negative; timespec wants it not. */
	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000;
	}
	return ts;
}
