/*
 * tests/integration/test_requester_death.c - a requester that dies
 * between any two calls of a backup, or while a call runs, including
 * while the writers are frozen.  Whatever the point, vssd must leave no
 * writer frozen (writers get thaw or abort, BK-080), no snapshot behind
 * (BK-087), send backup_shutdown to the writers that took part (BK-085),
 * release the machine-wide creation slot (BK-008) and keep serving.
 *
 * The requester runs in a forked child that _exit()s at the chosen point;
 * its connection closes just as when it is killed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vss/requester.h>

#include "check.h"
#include "fixture.h"

#define CLEANUP_TIMEOUT_MS 10000

static struct fx *fx;
static const char *vol;

struct death {
	enum fx_step step;
	bool done;               /* after the call, else while it runs */
	const struct fx_writer *frozen; /* wait for its next freeze first */
	size_t freezes;          /* its freeze count before the run */
};

static int
death_hook(struct fx_backup *b, enum fx_step step, bool done,
	   vss_requester *r)
{
	const struct death *d = b->userdata;

	if (step != d->step || done != d->done)
		return 0;
	if (d->frozen &&
	    fx_writer_wait_count(d->frozen, "freeze", d->freezes + 1,
				 10000) < 0)
		_exit(3);
	_exit(0);
}

/*
 * Wait until every session vssd started has ended: a dead requester's
 * session sends its abort and backup_shutdown before it ends, and they
 * must not mix with the next backup's events.
 */
static void
wait_sessions_ended(void)
{
	int tries;

	for (tries = 0; tries < CLEANUP_TIMEOUT_MS / 10; tries++) {
		if (fx_vssd_log_count(fx, "session ", ": ended") ==
		    fx_vssd_log_count(fx, "session ", ": requester uid"))
			return;
		fx_sleep_ms(10);
	}
	fail_msg("a session of vssd has not ended after %d ms",
		 CLEANUP_TIMEOUT_MS);
}

/* Run the backup in a child that dies at d, and wait for its session. */
static void
run_dying_requester(const struct death *d)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct fx_backup b = {
			.socket = fx->socket,
			.volumes = {vol},
			.n_volumes = 1,
			.hook = death_hook,
			.userdata = (void *)d,
		};
		int rc = fx_backup_run(&b);

		fprintf(stderr, "requester child: backup ended with %s at "
			"%s, before dying\n", status_text(rc),
			fx_step_name(b.failed_step));
		_exit(rc == 0 ? 2 : 1);
	}
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("requester child did not die at %s%s (status 0x%x)",
			 fx_step_name(d->step), d->done ? "" : " (running)",
			 (unsigned)st);
	wait_sessions_ended();
}

/*
 * The events since from must read: a prefix of prepare_backup ...
 * backup_complete (identify anywhere, BK-012), then optionally abort, then
 * backup_shutdown if any backup event came.  Returns NULL when they do,
 * else why not (static).
 */
static const char *
check_order(const struct fx_event *ev, size_t n, size_t from,
	    bool *ret_settled)
{
	static const char *const order[] = {
		"prepare_backup", "prepare_snapshot", "freeze", "thaw",
		"post_snapshot", "backup_complete",
	};
	size_t next = 0, i;
	bool frozen = false, aborted = false, shutdown = false;

	*ret_settled = false;
	for (i = from; i < n; i++) {
		const char *e = ev[i].event;

		if (!strcmp(e, "identify"))
			continue;
		if (shutdown)
			return "an event after backup_shutdown";
		if (!strcmp(e, "backup_shutdown")) {
			shutdown = true;
		} else if (!strcmp(e, "abort")) {
			if (aborted)
				continue; /* BK-082: duplicates allowed */
			if (next == 0)
				return "abort before prepare_backup";
			aborted = true;
			frozen = false;
		} else if (aborted) {
			return "a backup event after abort";
		} else if (next < 6 && !strcmp(e, order[next])) {
			frozen = next == 2;
			next++;
		} else if (strcmp(e, "pre_restore") &&
			   strcmp(e, "post_restore")) {
			return "an event out of order (BK-010)";
		}
	}
	/* Settled: not frozen, and shut down if it took part. */
	*ret_settled = !frozen && (next == 0 || shutdown);
	return NULL;
}

/* Wait until the writers settle and no snapshot is left, then check. */
static void
assert_cleaned_up(struct fx_writer *const *w, const size_t *from, size_t nw,
		  const struct death *d)
{
	uint64_t end = fx_now_ns() + CLEANUP_TIMEOUT_MS * 1000000ull;
	char first[PATH_MAX], seq[512];
	bool settled = false;
	int snaps = 0;
	size_t i;

	for (;;) {
		settled = true;
		for (i = 0; i < nw && settled; i++) {
			struct fx_event *ev;
			const char *why;
			size_t n;
			bool ok;

			assert_ok(fx_writer_events(w[i], &ev, &n));
			why = check_order(ev, n, from[i], &ok);
			if (why) {
				fx_events_sequence(ev, n, from[i], seq,
						   sizeof(seq));
				free(ev);
				fail_msg("died at %s%s: writer '%s': %s: '%s'",
					 fx_step_name(d->step),
					 d->done ? "" : " (running)",
					 w[i]->name, why, seq);
			}
			settled = ok;
			/* Once prepared, it took part: it must be told. */
			if (d->done && d->step >= FX_STEP_PREPARE &&
			    fx_events_find(ev, n, from[i],
					   "backup_shutdown") < 0)
				settled = false;
			free(ev);
		}
		snaps = fx_snapshot_count(vol, first, sizeof(first));
		if ((settled && snaps == 0) || fx_now_ns() >= end)
			break;
		fx_sleep_ms(10);
	}
	for (i = 0; i < nw && !settled; i++) {
		struct fx_event *ev;
		size_t n;

		assert_ok(fx_writer_events(w[i], &ev, &n));
		fx_events_sequence(ev, n, from[i], seq, sizeof(seq));
		fprintf(stderr, "writer '%s' since the death: '%s'\n",
			w[i]->name, seq);
		free(ev);
	}
	if (!settled)
		fail_msg("died at %s%s: a writer is still frozen or got no "
			 "backup_shutdown", fx_step_name(d->step),
			 d->done ? "" : " (running)");
	if (snaps != 0)
		fail_msg("died at %s%s: %d snapshot(s) left, first '%s'",
			 fx_step_name(d->step), d->done ? "" : " (running)",
			 snaps, snaps > 0 ? first : "?");
}

static size_t
event_count(const struct fx_writer *w)
{
	struct fx_event *ev;
	size_t n;

	assert_ok(fx_writer_events(w, &ev, &n));
	free(ev);
	return n;
}

/*
 * The next requester can take the slot and finish a backup (BK-008).
 * Returns once the writers have logged its backup_shutdown, so that the
 * next death starts from a quiet log.
 */
static void
assert_new_backup_works(const struct death *d, struct fx_writer *const *w,
			size_t nw)
{
	struct fx_backup b = {
		.socket = fx->socket,
		.volumes = {vol},
		.n_volumes = 1,
	};
	size_t shutdowns[2], i;
	int rc;

	assert_true(nw <= 2);
	for (i = 0; i < nw; i++)
		shutdowns[i] = fx_writer_count(w[i], "backup_shutdown");
	rc = fx_backup_run(&b);
	if (rc != 0)
		fail_msg("after a death at %s%s the next backup failed with "
			 "%s at %s", fx_step_name(d->step),
			 d->done ? "" : " (running)", status_text(rc),
			 fx_step_name(b.failed_step));
	for (i = 0; i < nw; i++)
		assert_ok(fx_writer_wait_count(w[i], "backup_shutdown",
					       shutdowns[i] + 1, 5000));
}

/* Every step of the backup, after it and (asynchronous ones) during it. */
static void
test_requester_dies_between_calls(void **state)
{
	struct fx_writer_opts o[2] = {
		{.name = "death-front", .level = "front_end"},
		{.name = "death-back", .level = "back_end"},
	};
	static const struct death points[] = {
		{FX_STEP_NEW, true, NULL, 0},
		{FX_STEP_INITIALIZE, true, NULL, 0},
		{FX_STEP_SET_STATE, true, NULL, 0},
		{FX_STEP_GATHER_METADATA, false, NULL, 0},
		{FX_STEP_GATHER_METADATA, true, NULL, 0},
		{FX_STEP_START_SET, true, NULL, 0},
		{FX_STEP_ADD_VOLUMES, true, NULL, 0},
		{FX_STEP_PREPARE, false, NULL, 0},
		{FX_STEP_PREPARE, true, NULL, 0},
		{FX_STEP_DO_SNAPSHOT_SET, false, NULL, 0},
		{FX_STEP_DO_SNAPSHOT_SET, true, NULL, 0},
		{FX_STEP_GATHER_STATUS, true, NULL, 0},
		{FX_STEP_BACKUP_COMPLETE, false, NULL, 0},
		{FX_STEP_BACKUP_COMPLETE, true, NULL, 0},
	};
	struct fx_writer *w[2];
	size_t from[2], i, j;

	for (i = 0; i < 2; i++)
		assert_ok(fx_writer_start(fx, &o[i], &w[i]));
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		for (j = 0; j < 2; j++)
			from[j] = event_count(w[j]);
		run_dying_requester(&points[i]);
		assert_cleaned_up(w, from, 2, &points[i]);
		assert_true(fx_vssd_alive(fx));
		assert_new_backup_works(&points[i], w, 2);
	}
}

/*
 * The requester dies inside do_snapshot_set while a front end writer is
 * frozen and a back end writer is still in its (slow) freeze handler:
 * both must end with abort, no snapshot may remain (BK-080, BK-087).
 */
static void
test_requester_dies_while_frozen(void **state)
{
	static const char *const slow[] = {"--stall", "freeze:1", NULL};
	struct fx_writer_opts o[2] = {
		{.name = "frozen-front", .level = "front_end"},
		{.name = "frozen-back", .level = "back_end", .extra = slow},
	};
	struct death d = {FX_STEP_DO_SNAPSHOT_SET, false, NULL, 0};
	struct fx_writer *w[2];
	size_t from[2], i;

	for (i = 0; i < 2; i++)
		assert_ok(fx_writer_start(fx, &o[i], &w[i]));
	for (i = 0; i < 2; i++)
		from[i] = event_count(w[i]);
	d.frozen = w[0];
	d.freezes = fx_writer_count(w[0], "freeze");
	run_dying_requester(&d);
	assert_cleaned_up(w, from, 2, &d);
	for (i = 0; i < 2; i++) {
		struct fx_event *ev;
		size_t n;

		assert_ok(fx_writer_events(w[i], &ev, &n));
		assert_true(fx_events_find(ev, n, from[i], "abort") >= 0);
		assert_true(fx_events_find(ev, n, from[i], "backup_shutdown") >=
			    0);
		assert_int_equal(fx_events_find(ev, n, from[i],
						"post_snapshot"), -1);
		free(ev);
	}
	assert_new_backup_works(&d, w, 2);
}

/*
 * The requester dies after prepare_for_backup and a writer dies too while
 * it handles the abort that follows: the other writer still gets abort
 * and backup_shutdown, vssd keeps running and takes the next backup.
 */
static void
test_writer_dies_during_abort(void **state)
{
	static const char *const slow[] = {"--stall", "abort:5", NULL};
	struct fx_writer_opts o[2] = {
		{.name = "gone-front", .level = "front_end", .extra = slow},
		{.name = "gone-back", .level = "back_end"},
	};
	struct death d = {FX_STEP_PREPARE, true, NULL, 0};
	struct fx_writer *w[2];
	size_t from;
	int st;

	assert_ok(fx_writer_start(fx, &o[0], &w[0]));
	assert_ok(fx_writer_start(fx, &o[1], &w[1]));
	from = event_count(w[1]);
	run_dying_requester(&d);
	/* gone-front is inside its abort handler for 5 s: kill it there. */
	assert_ok(fx_writer_wait_count(w[1], "abort", 1, 5000));
	kill(w[0]->pid, SIGKILL);
	assert_int_equal(waitpid(w[0]->pid, &st, 0), w[0]->pid);
	w[0]->pid = 0;
	assert_cleaned_up(&w[1], &from, 1, &d);
	assert_true(fx_vssd_alive(fx));
	assert_new_backup_works(&d, &w[1], 1);
}

static void
test_daemon_still_running(void **state)
{
	assert_true(fx_vssd_alive(fx));
}

static int
stop_writers(void **state)
{
	fx_writers_stop_all(fx);
	return 0;
}

/* fx_setup() with vssd's log in a file, for wait_sessions_ended(). */
static int
setup(void **state)
{
	if (fx_new(&fx) < 0)
		return -1;
	fx->daemon_log_to_file = true;
	if (fx_add_volume(fx, 256, &vol) < 0 || fx_start_vssd(fx, NULL) < 0) {
		fx_free(fx);
		fx = NULL;
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	int r = fx_teardown(fx);

	fx = NULL;
	return r < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_requester_dies_between_calls,
					  stop_writers),
		cmocka_unit_test_teardown(test_requester_dies_while_frozen,
					  stop_writers),
		cmocka_unit_test_teardown(test_writer_dies_during_abort,
					  stop_writers),
		cmocka_unit_test(test_daemon_still_running),
	};

	SKIP_UNLESS_AVAILABLE();
	return cmocka_run_group_tests(tests, setup, teardown);
}
