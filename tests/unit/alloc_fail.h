/*
 * tests/unit/alloc_fail.h - allocation failure injection for the unit
 * tests that check the -ENOMEM paths (alloc_fail.c).
 *
 * Linking alloc_fail.c replaces malloc, calloc, realloc and free of the
 * whole test program (glibc allows it and routes its own strdup through
 * them): the n-th allocation after alloc_fail_arm(n) fails with ENOMEM,
 * and the blocks alive are counted so that a failure path is checked for
 * leaks too.  AddressSanitizer and valgrind bring their own allocator;
 * there nothing fails and alloc_fail_require() skips the test.
 */
#ifndef VSS_TESTS_ALLOC_FAIL_H
#define VSS_TESTS_ALLOC_FAIL_H

#include <stdbool.h>

/* Make allocation number n (0 = the next one) fail, once. */
void alloc_fail_arm(long n);
/* Disarm; true when the armed failure happened. */
bool alloc_fail_disarm(void);
/* Blocks allocated through malloc and its siblings and not yet freed. */
long alloc_fail_live_blocks(void);
/*
 * Skip the calling cmocka test, with a message, unless failures can be
 * injected: built without a sanitizer allocator on glibc, and not running
 * under one (valgrind replaces even the malloc of the executable).
 */
void alloc_fail_require(void);

#endif
