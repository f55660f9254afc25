/*
 * writers/common/cleanpath.c - clean absolute paths (see cleanpath.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanpath.h"

bool
wpath_clean(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *c = p; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	if (p[1] == '\0')
		return true;
	for (const char *e = p + 1;;) {
		const char *end = strchrnul(e, '/');
		size_t n = (size_t)(end - e);

		if (n == 0 || (n == 1 && e[0] == '.') ||
		    (n == 2 && e[0] == '.' && e[1] == '.'))
			return false;
		if (*end == '\0')
			return true;
		e = end + 1;
	}
}

bool
wpath_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

bool
wpath_same_dir(const char *p, const char *dir)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		n--;
	return strlen(dir) == n && strncmp(p, dir, n) == 0;
}

int
wpath_split(const char *path, char **ret_dir, char **ret_name)
{
	const char *slash = strrchr(path, '/');
	char *dir, *name;

	if (path[0] != '/' || slash[1] == '\0')
		return -EINVAL;
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	name = strdup(slash + 1);
	if (dir == NULL || name == NULL) {
		free(dir);
		free(name);
		return -ENOMEM;
	}
	*ret_dir = dir;
	*ret_name = name;
	return 0;
}
