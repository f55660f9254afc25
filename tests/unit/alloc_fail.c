/*
 * tests/unit/alloc_fail.c - allocation failure injection: replaces malloc
 * and its siblings for the test program that links it (alloc_fail.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "alloc_fail.h"

/*
 * Whether this build can replace the allocator: not next to a sanitizer's
 * own, and on glibc, whose __libc_* functions the replacements call.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_FAIL_REPLACES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define ALLOC_FAIL_REPLACES 0
#endif
#endif
#if !defined(ALLOC_FAIL_REPLACES) && defined(__GLIBC__)
#define ALLOC_FAIL_REPLACES 1
#endif
#ifndef ALLOC_FAIL_REPLACES
#define ALLOC_FAIL_REPLACES 0
#endif

/*
 * Volatile: glibc declares malloc a leaf function, so the compiler may
 * otherwise assume these do not change across calls.
 */
static volatile long fail_countdown = -1; /* allocations before one fails */
static volatile bool fail_fired;
static volatile long live_blocks;

#if ALLOC_FAIL_REPLACES
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);

static bool
fail_now(void)
{
	if (fail_countdown < 0 || fail_countdown-- > 0)
		return false;
	fail_fired = true;
	errno = ENOMEM;
	return true;
}

void *
malloc(size_t size)
{
	void *p = fail_now() ? NULL : __libc_malloc(size);

	if (p)
		live_blocks++;
	return p;
}

void *
calloc(size_t n, size_t size)
{
	void *p = fail_now() ? NULL : __libc_calloc(n, size);

	if (p)
		live_blocks++;
	return p;
}

void *
realloc(void *old, size_t size)
{
	void *p = fail_now() ? NULL : __libc_realloc(old, size);

	if (p && !old)
		live_blocks++;
	return p;
}

void
free(void *p)
{
	if (p)
		live_blocks--;
	__libc_free(p);
}
#endif

void
alloc_fail_arm(long n)
{
	fail_fired = false;
	fail_countdown = n;
}

bool
alloc_fail_disarm(void)
{
	fail_countdown = -1;
	return fail_fired;
}

long
alloc_fail_live_blocks(void)
{
	return live_blocks;
}

void
alloc_fail_require(void)
{
	/* Through a pointer: a direct call could be inlined past valgrind. */
	void *(*volatile alloc)(size_t) = malloc;
	void *p;

	alloc_fail_arm(0);
	p = alloc(1);
	alloc_fail_disarm();
	if (!p)
		return;
	free(p);
	print_message("allocation failure injection needs glibc's allocator "
		      "(not under AddressSanitizer or valgrind)\n");
	skip();
}
