/*
 * tests/integration/test_writer_faults.c - writers that fail or hang, as
 * separate vss-test-writer processes against a real vssd: the failed
 * state and code of each event (BK-041), retryable and non-retryable
 * failures kept apart, other writers unaffected (BK-050), freeze and thaw
 * failures abort the set (BK-080), and a writer that hangs in freeze
 * times out (BK-068, VSS_E_WRITER_NOT_RESPONDING) while the daemon goes
 * on.  Failures outside the backup proper: a writer failing Identify is
 * left out of the metadata and status lists (BK-013), one failing Abort
 * or BackupShutdown disturbs no other writer, and a BackupShutdown
 * failure leaves it VSS_WS_FAILED_AT_BACKUPSHUTDOWN (backup.md §4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include <vss/requester.h>

#include "check.h"
#include "fixture.h"

/* The daemon's freeze timeout in this test (fx_vssd_config). */
#define FREEZE_TIMEOUT_MS 3000

static struct fx *fx;
static const char *vol;

struct fault_case {
	const char *test; /* the name cmocka reports */
	const char *event;
	enum vss_writer_state failed_state;
	bool aborts; /* BK-080: freeze and thaw failures abort the set */
};

/* Not const: each is the initial state of its test (FAULT_TEST). */
static struct fault_case fault_cases[] = {
	{"test_fail_prepare_backup", "prepare_backup",
	 VSS_WS_FAILED_AT_PREPARE_BACKUP, false},
	{"test_fail_prepare_snapshot", "prepare_snapshot",
	 VSS_WS_FAILED_AT_PREPARE_SNAPSHOT, false},
	{"test_fail_freeze", "freeze", VSS_WS_FAILED_AT_FREEZE, true},
	{"test_fail_thaw", "thaw", VSS_WS_FAILED_AT_THAW, true},
	{"test_fail_post_snapshot", "post_snapshot",
	 VSS_WS_FAILED_AT_POST_SNAPSHOT, false},
	{"test_fail_backup_complete", "backup_complete",
	 VSS_WS_FAILED_AT_BACKUP_COMPLETE, false},
};

/* After the first freeze of the log, the writer got abort, not thaw. */
static void
assert_aborted_after_freeze(const struct fx_writer *w, bool got_freeze)
{
	struct fx_event *ev;
	size_t n;
	long f, a;

	assert_ok(fx_writer_wait_count(w, "abort", 1, 5000));
	assert_ok(fx_writer_events(w, &ev, &n));
	f = fx_events_find(ev, n, 0, "freeze");
	a = fx_events_find(ev, n, 0, "abort");
	if (got_freeze && f < 0)
		fail_msg("writer '%s' got no freeze", w->name);
	if (f >= 0 && a < f)
		fail_msg("writer '%s': abort before freeze", w->name);
	/* BK-083: nothing of the set after abort but the shutdown. */
	assert_int_equal(fx_events_find(ev, n, (size_t)a, "post_snapshot"),
			 -1);
	assert_int_equal(fx_events_find(ev, n, (size_t)a, "backup_complete"),
			 -1);
	free(ev);
}

/*
 * One event: a writer failing it retryably, one failing it for good, and
 * two healthy writers of other levels.  The failed writers end in
 * VSS_WS_FAILED_AT_<event> with VSS_E_WRITERERROR_RETRYABLE and
 * VSS_E_WRITERERROR_NONRETRYABLE (BK-041); the healthy ones are not
 * touched (BK-050), unless freeze or thaw failed: then the set is aborted
 * and every writer gets Abort (BK-080).
 */
static void
run_fault_case(const struct fault_case *c)
{
	char name_r[64], name_n[64], name_f[64], name_b[64];
	char fail_r[64], fail_n[64];
	const char *extra_r[] = {"--fail", fail_r, NULL};
	const char *extra_n[] = {"--fail", fail_n, NULL};
	struct fx_writer *wr, *wn, *wf, *wb;
	struct fx_backup b = {
		.volumes = {vol},
		.n_volumes = 1,
		.keep = true,
	};
	vss_requester *r;
	int rc;

	snprintf(name_r, sizeof(name_r), "%s-retryable", c->event);
	snprintf(name_n, sizeof(name_n), "%s-nonretryable", c->event);
	snprintf(name_f, sizeof(name_f), "%s-front", c->event);
	snprintf(name_b, sizeof(name_b), "%s-back", c->event);
	snprintf(fail_r, sizeof(fail_r), "%s:retryable", c->event);
	snprintf(fail_n, sizeof(fail_n), "%s", c->event);
	{
		struct fx_writer_opts o[4] = {
			{.name = name_r, .level = "front_end",
			 .extra = extra_r},
			{.name = name_n, .level = "front_end",
			 .extra = extra_n},
			{.name = name_f, .level = "front_end"},
			{.name = name_b, .level = "back_end"},
		};

		assert_ok(fx_writer_start(fx, &o[0], &wr));
		assert_ok(fx_writer_start(fx, &o[1], &wn));
		assert_ok(fx_writer_start(fx, &o[2], &wf));
		assert_ok(fx_writer_start(fx, &o[3], &wb));
	}

	b.socket = fx->socket;
	rc = fx_backup_run(&b);
	r = b.requester;
	assert_non_null(r);
	/* The set fails in do_snapshot_set (no snapshot) or not at all. */
	if (c->aborts && (rc == 0 || b.failed_step != FX_STEP_DO_SNAPSHOT_SET))
		fail_msg("%s failure: backup ended with %s at %s, want a "
			 "do_snapshot_set failure", c->event, status_text(rc),
			 fx_step_name(b.failed_step));
	if (!c->aborts && rc != 0)
		fail_msg("%s failure: backup ended with %s at %s", c->event,
			 status_text(rc), fx_step_name(b.failed_step));
	/* BK-041: each failing writer, its state and its own code. */
	assert_ok(gather_status(r));
	assert_writer_state(r, name_r, c->failed_state,
			    VSS_E_WRITERERROR_RETRYABLE);
	assert_writer_state(r, name_n, c->failed_state,
			    VSS_E_WRITERERROR_NONRETRYABLE);
	if (c->aborts) {
		assert_status(find_status(r, name_f)->failure, 0);
		assert_status(find_status(r, name_b)->failure, 0);
		assert_ok(vss_requester_abort_backup(r));
		vss_requester_free(r);
		assert_aborted_after_freeze(wr, true);
		assert_aborted_after_freeze(wn, true);
		/* A freeze failure at the front end stops before the back
		 * end is frozen; a thaw failure comes after every freeze. */
		assert_aborted_after_freeze(wf, true);
		assert_aborted_after_freeze(wb, !strcmp(c->event, "thaw"));
	} else {
		assert_writer_state(r, name_f, VSS_WS_STABLE, 0);
		assert_writer_state(r, name_b, VSS_WS_STABLE, 0);
		/* Writers that never froze leave the set crash consistent. */
		if (c->failed_state == VSS_WS_FAILED_AT_PREPARE_BACKUP ||
		    c->failed_state == VSS_WS_FAILED_AT_PREPARE_SNAPSHOT)
			assert_false(vss_requester_application_consistent(r));
		vss_requester_free(r);
		assert_ok(fx_writer_wait_count(wf, "backup_shutdown", 1, 5000));
		assert_ok(fx_writer_wait_count(wb, "backup_shutdown", 1, 5000));
		/* BK-080: no abort for these failures. */
		assert_int_equal(fx_writer_count(wf, "abort"), 0);
		assert_int_equal(fx_writer_count(wb, "abort"), 0);
		assert_int_equal(fx_writer_count(wf, "backup_complete"), 1);
		assert_int_equal(fx_writer_count(wb, "backup_complete"), 1);
	}
	assert_no_snapshots_left(&vol, 1);
	fx_writers_stop_all(fx);
}

/* The fault case is the test's state (FAULT_TEST). */
static void
test_fault_case(void **state)
{
	run_fault_case(*state);
}

/*
 * A back end writer hangs in freeze: after the daemon's freeze timeout it
 * is VSS_E_WRITER_NOT_RESPONDING (BK-042, BK-068), the set is aborted, the
 * front end writer that was frozen and the system writer that was not
 * both get Abort (BK-080), and the daemon takes the next backup.
 */
static void
test_writer_hangs_in_freeze(void **state)
{
	static const char *const hang[] = {"--stall", "freeze:30", NULL};
	struct fx_writer_opts o[3] = {
		{.name = "hang-front", .level = "front_end"},
		{.name = "hang-back", .level = "back_end", .extra = hang},
		{.name = "hang-system", .level = "system"},
	};
	struct fx_backup b = {
		.volumes = {vol},
		.n_volumes = 1,
		.keep = true,
	};
	const struct vss_writer_status *s;
	struct fx_writer *w[3];
	size_t i;
	int rc;

	for (i = 0; i < 3; i++)
		assert_ok(fx_writer_start(fx, &o[i], &w[i]));
	b.socket = fx->socket;
	rc = fx_backup_run(&b);
	if (rc == 0 || b.failed_step != FX_STEP_DO_SNAPSHOT_SET)
		fail_msg("hung writer: backup ended with %s at %s",
			 status_text(rc), fx_step_name(b.failed_step));
	/*
	 * Ended by the timeout, not by the 30 s stall: the writer logs an
	 * event after its stall, and hang-back has not logged its freeze.
	 */
	assert_int_equal(fx_writer_count(w[1], "freeze"), 0);

	assert_ok(gather_status(b.requester));
	s = find_status(b.requester, "hang-back");
	assert_non_null(s);
	assert_status(s->failure, VSS_E_WRITER_NOT_RESPONDING);
	/*
	 * The time in each event: vssd waited out its freeze timeout on the
	 * hung writer; the system writer was never sent freeze; no writer
	 * was sent a restore event.
	 */
	assert_true(s->event_ms[VSS_EVENT_FREEZE] > FREEZE_TIMEOUT_MS / 2);
	assert_true(s->event_ms[VSS_EVENT_PREPARE_SNAPSHOT] >= 0);
	assert_true(s->event_ms[VSS_EVENT_PRE_RESTORE] < 0);
	s = find_status(b.requester, "hang-front");
	assert_status(s->failure, 0);
	assert_true(s->event_ms[VSS_EVENT_FREEZE] >= 0);
	s = find_status(b.requester, "hang-system");
	assert_status(s->failure, 0);
	assert_true(s->event_ms[VSS_EVENT_FREEZE] < 0);
	assert_true(s->event_ms[VSS_EVENT_PREPARE_BACKUP] >= 0);
	assert_ok(vss_requester_abort_backup(b.requester));
	vss_requester_free(b.requester);

	assert_aborted_after_freeze(w[0], true);
	assert_aborted_after_freeze(w[2], false);
	assert_int_equal(fx_writer_count(w[2], "freeze"), 0);
	assert_no_snapshots_left(&vol, 1);

	/* The daemon goes on: without the hung writer a backup works. */
	assert_ok(fx_writer_stop(w[1]));
	assert_true(fx_vssd_alive(fx));
	b.keep = false;
	assert_ok(fx_backup_run(&b));
	assert_ok(fx_writer_wait_count(w[0], "backup_complete", 1, 5000));
	assert_ok(fx_writer_wait_count(w[2], "backup_complete", 1, 5000));
	assert_no_snapshots_left(&vol, 1);
}

/*
 * BK-013: a writer that fails Identify is absent from the gathered
 * metadata and from the writer status, and gets no event of the backup;
 * the other writer backs up as usual.
 */
static void
test_fail_identify(void **state)
{
	static const char *const fail[] = {"--fail", "identify", NULL};
	struct fx_writer_opts o[2] = {
		{.name = "identify-fails", .extra = fail},
		{.name = "identify-ok"},
	};
	struct fx_backup b = {
		.volumes = {vol},
		.n_volumes = 1,
		.keep = true,
	};
	struct fx_writer *w[2];
	size_t i;

	for (i = 0; i < 2; i++)
		assert_ok(fx_writer_start(fx, &o[i], &w[i]));
	b.socket = fx->socket;
	if (fx_backup_run(&b) != 0)
		fail_msg("identify failure: backup ended with %s at %s",
			 status_text(b.status), fx_step_name(b.failed_step));
	assert_int_equal(vss_requester_writer_metadata_count(b.requester), 1);
	assert_ok(gather_status(b.requester));
	assert_int_equal(vss_requester_writer_status_count(b.requester), 1);
	assert_null(find_status(b.requester, "identify-fails"));
	assert_writer_state(b.requester, "identify-ok", VSS_WS_STABLE, 0);
	vss_requester_free(b.requester);

	assert_true(fx_writer_count(w[0], "identify") >= 1);
	assert_int_equal(fx_writer_count(w[0], "prepare_backup"), 0);
	assert_int_equal(fx_writer_count(w[0], "freeze"), 0);
	assert_ok(fx_writer_wait_count(w[1], "backup_shutdown", 1, 5000));
	assert_int_equal(fx_writer_count(w[1], "backup_complete"), 1);
	assert_no_snapshots_left(&vol, 1);
}

/*
 * A set aborted by a freeze failure (BK-080) where one writer also fails
 * Abort: every writer still gets Abort, the writer failing it keeps the
 * state it had (backup.md §4 has no failed-at-abort state) and the
 * daemon takes the next backup.
 */
static void
test_fail_abort(void **state)
{
	static const char *const fail_abort[] = {"--fail", "abort", NULL};
	static const char *const fail_freeze[] = {"--fail", "freeze", NULL};
	struct fx_writer_opts o[3] = {
		{.name = "abort-fails", .extra = fail_abort},
		{.name = "abort-freeze-fails", .extra = fail_freeze},
		{.name = "abort-ok"},
	};
	struct fx_backup b = {
		.volumes = {vol},
		.n_volumes = 1,
		.keep = true,
	};
	struct fx_writer *w[3];
	size_t i;
	int rc;

	for (i = 0; i < 3; i++)
		assert_ok(fx_writer_start(fx, &o[i], &w[i]));
	b.socket = fx->socket;
	rc = fx_backup_run(&b);
	if (rc == 0 || b.failed_step != FX_STEP_DO_SNAPSHOT_SET)
		fail_msg("abort failure: backup ended with %s at %s",
			 status_text(rc), fx_step_name(b.failed_step));
	for (i = 0; i < 3; i++)
		assert_aborted_after_freeze(w[i], true);
	assert_ok(gather_status(b.requester));
	assert_writer_state(b.requester, "abort-freeze-fails",
			    VSS_WS_FAILED_AT_FREEZE,
			    VSS_E_WRITERERROR_NONRETRYABLE);
	/* Frozen when abort came, it failed to resume: failed at thaw. */
	assert_writer_state(b.requester, "abort-fails", VSS_WS_FAILED_AT_THAW,
			    VSS_E_WRITERERROR_NONRETRYABLE);
	assert_writer_state(b.requester, "abort-ok", VSS_WS_STABLE, 0);
	assert_ok(vss_requester_abort_backup(b.requester));
	vss_requester_free(b.requester);
	assert_no_snapshots_left(&vol, 1);

	/* The daemon goes on: without the freeze failure a backup works. */
	assert_ok(fx_writer_stop(w[1]));
	assert_true(fx_vssd_alive(fx));
	b.keep = false;
	assert_ok(fx_backup_run(&b));
	assert_ok(fx_writer_wait_count(w[2], "backup_complete", 1, 5000));
	assert_no_snapshots_left(&vol, 1);
}

static void
send_frame(int fd, const char *json)
{
	uint32_t len = htonl((uint32_t)strlen(json));

	assert_int_equal(send(fd, &len, sizeof(len), MSG_NOSIGNAL),
			 (int)sizeof(len));
	assert_int_equal(send(fd, json, strlen(json), MSG_NOSIGNAL),
			 (int)strlen(json));
}

/* The next frame on fd, a JSON object.  Caller owns. */
static json_t *
recv_frame(int fd)
{
	json_error_t err;
	uint32_t len;
	json_t *msg;
	char *buf;

	assert_int_equal(recv(fd, &len, sizeof(len), MSG_WAITALL),
			 (int)sizeof(len));
	len = ntohl(len);
	assert_true(len > 0 && len < (1u << 24));
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(recv(fd, buf, len, MSG_WAITALL), (int)len);
	msg = json_loadb(buf, len, 0, &err);
	free(buf);
	assert_non_null(msg);
	return msg;
}

/*
 * The state of the writer named name in its last session, from
 * list_writers (docs/protocol.md "Admin"): after BackupShutdown no
 * requester is left to gather it.
 */
static int
admin_writer_state(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	json_t *msg, *list, *o;
	int fd, state = -1;
	size_t i;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fx->socket);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	send_frame(fd, "{\"type\":\"hello\",\"id\":1,\"role\":\"admin\","
		       "\"version\":1}");
	json_decref(recv_frame(fd));
	send_frame(fd, "{\"type\":\"list_writers\",\"id\":2}");
	msg = recv_frame(fd);
	close(fd);
	list = json_object_get(msg, "writers");
	assert_true(json_is_array(list));
	json_array_foreach(list, i, o) {
		const char *n = json_string_value(
			json_object_get(o, "friendly_name"));

		if (n && strcmp(n, name) == 0)
			state = (int)json_integer_value(
				json_object_get(o, "state"));
	}
	json_decref(msg);
	if (state < 0)
		fail_msg("list_writers has no writer '%s'", name);
	return state;
}

/*
 * A writer that fails BackupShutdown ends that session in
 * VSS_WS_FAILED_AT_BACKUPSHUTDOWN (backup.md §4); the other writer got
 * its BackupShutdown and stays stable, and the next backup works for
 * both.
 */
static void
test_fail_backup_shutdown(void **state)
{
	static const char *const fail[] = {"--fail", "backup_shutdown",
					   NULL};
	struct fx_writer_opts o[2] = {
		{.name = "shutdown-fails", .extra = fail},
		{.name = "shutdown-ok"},
	};
	struct fx_backup b = {
		.volumes = {vol},
		.n_volumes = 1,
	};
	struct fx_writer *w[2];
	size_t i;

	for (i = 0; i < 2; i++)
		assert_ok(fx_writer_start(fx, &o[i], &w[i]));
	b.socket = fx->socket;
	assert_ok(fx_backup_run(&b));
	for (i = 0; i < 2; i++)
		assert_ok(fx_writer_wait_count(w[i], "backup_shutdown", 1,
					       5000));
	/* The reply is recorded once it is in: poll for it briefly. */
	for (i = 0; i < 500; i++) {
		if (admin_writer_state("shutdown-fails") ==
		    VSS_WS_FAILED_AT_BACKUPSHUTDOWN)
			break;
		fx_sleep_ms(10);
	}
	assert_int_equal(admin_writer_state("shutdown-fails"),
			 VSS_WS_FAILED_AT_BACKUPSHUTDOWN);
	assert_int_equal(admin_writer_state("shutdown-ok"), VSS_WS_STABLE);
	assert_int_equal(fx_writer_count(w[1], "abort"), 0);

	/* A new session starts from stable: both take part again. */
	assert_ok(fx_backup_run(&b));
	for (i = 0; i < 2; i++)
		assert_ok(fx_writer_wait_count(w[i], "backup_complete", 2,
					       5000));
	assert_no_snapshots_left(&vol, 1);
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

static int
setup(void **state)
{
	struct fx_vssd_config cfg = {
		.event_timeout_ms = 2000,
		.freeze_timeout_ms = FREEZE_TIMEOUT_MS,
	};

	return fx_setup(&fx, 1, 256, &vol, &cfg) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	int r = fx_teardown(fx);

	fx = NULL;
	return r < 0 ? -1 : 0;
}

/* cmocka_unit_test_teardown() with the case's name and state. */
#define FAULT_TEST(i)                                                          \
	{                                                                      \
		.name = fault_cases[i].test, .test_func = test_fault_case,     \
		.teardown_func = stop_writers,                                 \
		.initial_state = &fault_cases[i],                              \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FAULT_TEST(0),
		FAULT_TEST(1),
		FAULT_TEST(2),
		FAULT_TEST(3),
		FAULT_TEST(4),
		FAULT_TEST(5),
		cmocka_unit_test_teardown(test_writer_hangs_in_freeze,
					  stop_writers),
		cmocka_unit_test_teardown(test_fail_identify, stop_writers),
		cmocka_unit_test_teardown(test_fail_abort, stop_writers),
		cmocka_unit_test_teardown(test_fail_backup_shutdown,
					  stop_writers),
		cmocka_unit_test(test_daemon_still_running),
	};

	SKIP_UNLESS_AVAILABLE();
	return cmocka_run_group_tests(tests, setup, teardown);
}
