/*
 * tests/integration/check.h - assertions and set-up shared by the
 * integration tests (cmocka).  Include after <cmocka.h>.
 */
#ifndef VSS_TEST_CHECK_H
#define VSS_TEST_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* dir/name into out, failing the test when it does not fit. */
static inline void
join_path(char *out, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size)
		fail_msg("path too long: '%s/%s'", dir, name);
}

static inline bool
path_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	join_path(path, sizeof(path), dir, name);
	return access(path, F_OK) == 0;
}

/* Write and fsync dir/name. */
static inline void
write_file_at(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	int fd;

	join_path(path, sizeof(path), dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fail_msg("cannot create '%s': %s", path, strerror(errno));
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(close(fd), 0);
}

/* Wait up to 5 s until no subvolume is left below the volumes (BK-087). */
static inline void
assert_no_snapshots_left(const char *const *vols, size_t n)
{
	char first[PATH_MAX];
	int count = 0, tries;
	size_t i;

	for (i = 0; i < n; i++) {
		for (tries = 0; tries < 500; tries++) {
			count = fx_snapshot_count(vols[i], first,
						  sizeof(first));
			if (count <= 0)
				break;
			fx_sleep_ms(10);
		}
		if (count != 0)
			fail_msg("%d snapshot(s) left on '%s', first '%s'",
				 count, vols[i], count > 0 ? first : "?");
	}
}

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
