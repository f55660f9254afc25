/*
 * tests/writers/test_writerd_sessions.c - the sessions a hosted writer is
 * in (writers/writerd/sessions.c): backups side by side, a
 * backup_shutdown naming no set or another backup's set (BK-086),
 * restores, aborts, a lost connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sessions.h"

static const vss_id none;

static vss_id
set(uint8_t n)
{
	vss_id id;

	memset(&id, n, sizeof(id));
	return id;
}

/* A backup's events up to thaw, in set n. */
static void
backup(struct wd_sessions *s, uint8_t n)
{
	vss_id id = set(n);

	wd_sessions_event(s, WD_SESSION_BACKUP, &id); /* prepare_backup */
	wd_sessions_event(s, WD_SESSION_BACKUP, &id); /* prepare_snapshot */
	wd_sessions_event(s, WD_SESSION_BACKUP, &id); /* freeze */
	wd_sessions_event(s, WD_SESSION_BACKUP, &id); /* thaw */
}

static bool
shutdown_of(struct wd_sessions *s, uint8_t n)
{
	vss_id id = set(n);

	return wd_sessions_shutdown(s, &id);
}

/* Two backups: only the second shutdown leaves none. */
static void
test_backups_side_by_side(void **state)
{
	struct wd_sessions s;

	(void)state;
	wd_sessions_init(&s);
	assert_int_equal(wd_sessions_open(&s), 0);
	backup(&s, 1);
	assert_int_equal(wd_sessions_open(&s), 1);
	backup(&s, 2);
	assert_int_equal(wd_sessions_open(&s), 2);
	assert_false(shutdown_of(&s, 1));
	assert_int_equal(wd_sessions_open(&s), 1);
	/* abort opens nothing: it follows an event of its session. */
	{
		vss_id id = set(2);

		wd_sessions_event(&s, WD_SESSION_ABORT, &id);
	}
	assert_int_equal(wd_sessions_open(&s), 1);
	assert_true(shutdown_of(&s, 2));
	assert_int_equal(wd_sessions_open(&s), 0);
	wd_sessions_release(&s);
}

/*
 * A backup whose set was never made ends with no set id; a shutdown may
 * name another backup's set (BK-086): still one ending each.
 */
static void
test_unnamed_and_crossed_shutdowns(void **state)
{
	struct wd_sessions s;

	(void)state;
	wd_sessions_init(&s);
	backup(&s, 1);
	backup(&s, 2);
	backup(&s, 3);
	assert_false(wd_sessions_shutdown(&s, &none));
	assert_int_equal(wd_sessions_open(&s), 2);
	/* Set 1's crashed requester: the shutdown names set 3. */
	assert_false(shutdown_of(&s, 3));
	assert_int_equal(wd_sessions_open(&s), 1);
	/* Set 3's own shutdown now matches no key: an ending all the same. */
	assert_true(shutdown_of(&s, 3));
	assert_int_equal(wd_sessions_open(&s), 0);
	/* Over: a new backup counts from nothing. */
	backup(&s, 4);
	assert_int_equal(wd_sessions_open(&s), 1);
	assert_true(shutdown_of(&s, 4));
	wd_sessions_release(&s);
}

/* Restores of one backup side by side, and with a backup. */
static void
test_restores(void **state)
{
	struct wd_sessions s;
	vss_id doc = set(7);

	(void)state;
	wd_sessions_init(&s);
	wd_sessions_event(&s, WD_SESSION_PRE_RESTORE, &doc);
	wd_sessions_event(&s, WD_SESSION_PRE_RESTORE, &doc);
	wd_sessions_event(&s, WD_SESSION_POST_RESTORE, &doc);
	wd_sessions_event(&s, WD_SESSION_POST_RESTORE, &doc);
	assert_int_equal(wd_sessions_open(&s), 2);
	/* A restore's abort comes without the document's set id. */
	wd_sessions_event(&s, WD_SESSION_ABORT, &none);
	assert_int_equal(wd_sessions_open(&s), 2);
	backup(&s, 7);
	assert_int_equal(wd_sessions_open(&s), 3);
	assert_false(wd_sessions_shutdown(&s, &none));
	assert_false(shutdown_of(&s, 7));
	assert_true(wd_sessions_shutdown(&s, &none));
	wd_sessions_release(&s);
}

/* A lost connection ends them all; a stray shutdown leaves none. */
static void
test_clear(void **state)
{
	struct wd_sessions s;

	(void)state;
	wd_sessions_init(&s);
	backup(&s, 1);
	backup(&s, 2);
	wd_sessions_clear(&s);
	assert_int_equal(wd_sessions_open(&s), 0);
	assert_true(wd_sessions_shutdown(&s, &none));
	assert_int_equal(wd_sessions_open(&s), 0);
	backup(&s, 3);
	assert_int_equal(wd_sessions_open(&s), 1);
	wd_sessions_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backups_side_by_side),
		cmocka_unit_test(test_unnamed_and_crossed_shutdowns),
		cmocka_unit_test(test_restores),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
