/* lib/util/array.h - growable arrays and string copies for the library. */
#ifndef VSS_UTIL_ARRAY_H
#define VSS_UTIL_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Make room for one more element in *items (count used, *cap allocated,
 * elements of elem_size bytes), doubling the allocation.  Returns 0 or
 * -ENOMEM (then *items and *cap are unchanged).
 */
int array_reserve(void **items, size_t *cap, size_t count, size_t elem_size);

/* ARRAY_RESERVE(items, count, cap): room for one more; 0 or -ENOMEM. */
#define ARRAY_RESERVE(items, count, cap)                                       \
	array_reserve((void **)&(items), &(cap), (count), sizeof(*(items)))

/*
 * Copy s into *ret (NULL stays NULL).  Returns 0 or -ENOMEM (then *ret is
 * unchanged).  The previous *ret is not freed.
 */
int str_dup_opt(char **ret, const char *s);

/* Replace *slot with a copy of s (NULL clears); 0 or -ENOMEM. */
int str_replace(char **slot, const char *s);

/*
 * The same for the const string slots of public structures, which the
 * library owns: copy s (NULL stays NULL) into *ret, and free one.
 */
int str_copy(const char **ret, const char *s);
void str_free(const char *s);

/* Case-insensitive for ASCII only: strcasecmp() follows the locale. */
bool ascii_case_equal(const char *a, const char *b);

#endif
