#include "util/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
array_reserve(void **items, size_t *cap, size_t count, size_t elem_size)
{
	size_t ncap;
	void *p;

	if (count < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	if (ncap < *cap || ncap > SIZE_MAX / elem_size)
		return -ENOMEM;
	p = realloc(*items, ncap * elem_size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = ncap;
	return 0;
}

int
str_dup_opt(char **ret, const char *s)
{
	char *copy;

	if (!s) {
		*ret = NULL;
		return 0;
	}
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	return 0;
}

int
str_replace(char **slot, const char *s)
{
	char *copy;
	int r;

	r = str_dup_opt(&copy, s);
	if (r < 0)
		return r;
	free(*slot);
	*slot = copy;
	return 0;
}

int
str_copy(const char **ret, const char *s)
{
	char *copy;
	int r;

	r = str_dup_opt(&copy, s);
	if (r < 0)
		return r;
	*ret = copy;
	return 0;
}

void
str_free(const char *s)
{
	free((char *)s);
}

bool
ascii_case_equal(const char *a, const char *b)
{
	char x, y;

	for (;; a++, b++) {
		x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}
