/*
 * tests/integration/check.h - assertions and set-up shared by the
 * integration tests (cmocka).  Include after <cmocka.h>.
 */
#ifndef VSS_TEST_CHECK_H
#define VSS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "fixture.h"

/* Meson's exit status for a skipped test. */
#define SKIP_STATUS 77

static inline const char *
status_text(int status)
{
	const char *name = vss_status_name(status);

	return name ? name : "?";
}

/* Compare statuses and print both by name and number when they differ. */
#define assert_status(actual, expected)                                        \
	do {                                                                   \
		int a_ = (actual), e_ = (expected);                            \
		if (a_ != e_)                                                  \
			fail_msg("%s: got %s (%d, 0x%08x), want %s (%d, "      \
				 "0x%08x)",                                    \
				 #actual, status_text(a_), a_, (unsigned)a_,   \
				 status_text(e_), e_, (unsigned)e_);           \
	} while (0)

#define assert_ok(actual) assert_status(actual, 0)

/* fx_make_set() of n volumes, failing the test with the step and status. */
static inline void
make_set_or_fail(const struct fx *fx, int32_t context,
		 const char *const *vols, size_t n, bool keep,
		 struct fx_backup *b)
{
	int rc = fx_make_set(fx, context, vols, n, keep, b);

	if (rc != 0)
		fail_msg("context 0x%x: %s failed: %s (%d)", (unsigned)context,
			 fx_step_name(b->failed_step), status_text(rc), rc);
}

/* A requester of context for management calls, or the test fails. */
static inline vss_requester *
requester_or_fail(struct fx *fx, int32_t context)
{
	vss_requester *r = NULL;

	assert_ok(fx_requester_new(fx, context, &r));
	return r;
}

/* The status of a writer by name in the last gathered statuses. */
static inline const struct vss_writer_status *
find_status(const vss_requester *r, const char *name)
{
	size_t i, n = vss_requester_writer_status_count(r);

	for (i = 0; i < n; i++) {
		const struct vss_writer_status *s =
			vss_requester_writer_status(r, i);

		if (s && s->name && strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* Gather writer status and wait for it. */
static inline int
gather_status(vss_requester *r)
{
	vss_async *a;
	int rc;

	rc = vss_requester_gather_writer_status(r, &a);
	if (rc < 0)
		return rc;
	return fx_async_finish(a, 30000);
}

#define assert_writer_state(r, name, want_state, want_failure)                 \
	do {                                                                   \
		const struct vss_writer_status *s_ = find_status(r, name);     \
		if (!s_)                                                       \
			fail_msg("writer '%s' has no status", name);           \
		if ((int)s_->state != (int)(want_state))                       \
			fail_msg("writer '%s': state %s, want %s (failure "    \
				 "%s)",                                        \
				 name, vss_writer_state_str(s_->state),        \
				 vss_writer_state_str(want_state),             \
				 status_text(s_->failure));                    \
		assert_status(s_->failure, want_failure);                      \
	} while (0)

/*
 * Skip the whole program (exit 77) with a message when the fixture cannot
 * run here; called first in main().
 */
#define SKIP_UNLESS_AVAILABLE()                                                \
	do {                                                                   \
		const char *why_ = fx_unavailable();                           \
		if (why_) {                                                    \
			printf("skipping integration tests: %s\n", why_);      \
			return SKIP_STATUS;                                    \
		}                                                              \
	} while (0)

#endif
