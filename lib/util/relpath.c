/*
 * lib/util/relpath.c - clean paths (relpath.h).
 */
#include <limits.h>
#include <string.h>

#include "util/relpath.h"

/*
 * The len bytes at p: elements joined by single '/', none empty, "." or
 * "..", none longer than NAME_MAX.
 */
static bool
elements_valid(const char *p, size_t len)
{
	const char *end = p + len, *slash;
	size_t n;

	for (;;) {
		slash = memchr(p, '/', (size_t)(end - p));
		n = slash ? (size_t)(slash - p) : (size_t)(end - p);
		if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

bool
relpath_valid(const char *path)
{
	size_t len = path ? strlen(path) : PATH_MAX;

	return len < PATH_MAX && (len == 0 || elements_valid(path, len));
}

/* An absolute path of len bytes (no NUL among them). */
static bool
abspath_len_clean(const char *path, size_t len)
{
	return len > 0 && len < PATH_MAX && path[0] == '/' &&
	       (len == 1 || elements_valid(path + 1, len - 1));
}

bool
abspath_clean(const char *path)
{
	return path && abspath_len_clean(path, strlen(path));
}

bool
abspath_clean_dir(const char *path)
{
	size_t len = path ? strlen(path) : 0;

	/* A trailing '/' after an element ("/a/", not "//") is dropped. */
	if (len > 2 && path[len - 1] == '/')
		len--;
	return path && abspath_len_clean(path, len);
}
