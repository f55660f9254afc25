/* lib/util/array.h - growable arrays and string copies for the library. */
#ifndef VSS_UTIL_ARRAY_H
#define VSS_UTIL_ARRAY_H

#include <stddef.h>

/*
 * Make room for one more element in *items (count used, *cap allocated,
 * elements of elem_size bytes), doubling the allocation.  Returns 0 or
 * -ENOMEM (then *items and *cap are unchanged).
 */
int array_reserve(void **items, size_t *cap, size_t count, size_t elem_size);

/* ARRAY_PUSH(items, count, cap): reserve one slot; evaluates to 0/-ENOMEM. */
#define ARRAY_RESERVE(items, count, cap)                                       \
	array_reserve((void **)&(items), &(cap), (count), sizeof(*(items)))

/*
 * Copy s into *ret (NULL stays NULL).  Returns 0 or -ENOMEM (then *ret is
 * unchanged).  The previous *ret is not freed.
 */
int str_dup_opt(char **ret, const char *s);

/* Replace *slot with a copy of s (NULL clears); 0 or -ENOMEM. */
int str_replace(char **slot, const char *s);

#endif
