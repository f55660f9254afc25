/*
 * lib/util/mkdir_p.c - mkdir -p (mkdir_p.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/mkdir_p.h"

/* Make the directory path with mode; one already there is taken. */
static int
make_one(const char *path, mode_t mode, unsigned flags)
{
	if (mkdir(path, mode) < 0)
		return errno == EEXIST ? 0 : -errno;
	if ((flags & MKDIR_P_EXACT_MODE) && chmod(path, mode) < 0)
		return -errno;
	return 0;
}

int
mkdir_p(const char *path, mode_t mode, unsigned flags, size_t *ret_failed)
{
	size_t len = strlen(path), at, i;
	char *copy;
	int r = 0;

	/* Trailing slashes name the same directory: path itself ends before. */
	while (len > 1 && path[len - 1] == '/')
		len--;
	copy = strndup(path, len);
	if (!copy) {
		if (ret_failed)
			*ret_failed = len;
		return -ENOMEM;
	}
	/* Each leading run of elements in turn (from 1: "/" is none). */
	for (at = len, i = 1; i < len && r == 0; i++) {
		if (copy[i] != '/' || copy[i - 1] == '/')
			continue;
		copy[i] = '\0';
		if ((r = make_one(copy, mode | 0755, flags)) < 0)
			at = i;
		copy[i] = '/';
	}
	if (r == 0)
		r = make_one(copy, mode, flags);
	if (r < 0 && ret_failed)
		*ret_failed = at;
	free(copy);
	return r;
}
