/*
 * tests/integration/test_backup.c - whole backups against a real vssd on
 * loop-mounted btrfs: the full sequence with writers of every application
 * level (BK-010, PV-023), the snapshot content against the writers'
 * markers, and backups without writer participation (BK-130).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <btrfsutil.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/requester.h>

#include "check.h"
#include "fixture.h"

static struct fx *fx;
static const char *vol[2];

#define SEQ_WRITERS 4

/* The writers of the full sequence: two front end, back end, system. */
static const struct {
	const char *name;
	const char *level;
	int rank; /* freeze order (PV-023) */
} seq_writers[SEQ_WRITERS] = {
	{"seq-front-1", "front_end", 0},
	{"seq-front-2", "front_end", 0},
	{"seq-back", "back_end", 1},
	{"seq-system", "system", 2},
};

/* The snapshot of volume i, checked against SN-011 and the provider. */
static void
check_snapshot(vss_requester *r, const struct fx_backup *b, size_t i,
	       struct vss_snapshot_prop *ret)
{
	struct vss_snapshot_prop p;
	bool ro = false;

	assert_ok(vss_requester_get_snapshot_properties(
		r, &b->snapshot_ids[i], &p));
	assert_true(vss_id_equal(&p.snapshot_id, &b->snapshot_ids[i]));
	assert_true(vss_id_equal(&p.snapshot_set_id, &b->set_id));
	assert_string_equal(p.original_volume, b->volumes[i]);
	assert_int_equal(p.state, 12); /* VSS_SS_CREATED */
	assert_non_null(p.device);
	/* A read-only snapshot in the same file system. */
	assert_int_equal(strncmp(p.device, b->volumes[i],
				 strlen(b->volumes[i])), 0);
	assert_int_equal(btrfs_util_is_subvolume(p.device), BTRFS_UTIL_OK);
	assert_int_equal(btrfs_util_get_subvolume_read_only(p.device, &ro),
			 BTRFS_UTIL_OK);
	assert_true(ro);
	if (ret)
		*ret = p;
}

static int
sequence_hook(struct fx_backup *b, enum fx_step step, bool done,
	      vss_requester *r)
{
	struct vss_set_timings t;
	size_t i;

	if (!done)
		return 0;
	switch (step) {
	case FX_STEP_PREPARE:
		/* BK-016: writers are stable after PrepareForBackup. */
		assert_ok(gather_status(r));
		assert_int_equal(vss_requester_writer_status_count(r),
				 SEQ_WRITERS);
		for (i = 0; i < SEQ_WRITERS; i++)
			assert_writer_state(r, seq_writers[i].name,
					    VSS_WS_STABLE, 0);
		break;
	case FX_STEP_DO_SNAPSHOT_SET:
		for (i = 0; i < b->n_volumes; i++)
			check_snapshot(r, b, i, NULL);
		assert_true(vss_requester_application_consistent(r));
		assert_ok(vss_requester_set_timings(r, &t));
		assert_true(t.freeze_window_ms > 0);
		assert_true(t.freeze_window_ms <= t.total_ms);
		break;
	case FX_STEP_GATHER_STATUS:
		assert_int_equal(vss_requester_writer_status_count(r),
				 SEQ_WRITERS);
		for (i = 0; i < SEQ_WRITERS; i++)
			assert_writer_state(r, seq_writers[i].name,
					    VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
					    0);
		break;
	case FX_STEP_BACKUP_COMPLETE:
		assert_ok(gather_status(r));
		for (i = 0; i < SEQ_WRITERS; i++)
			assert_writer_state(r, seq_writers[i].name,
					    VSS_WS_STABLE, 0);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * BK-010: every writer sees identify, prepare_backup, prepare_snapshot,
 * freeze, thaw, post_snapshot, backup_complete, backup_shutdown in that
 * order; PV-023: front end writers are frozen before back end writers,
 * those before system writers, and all are frozen before any is thawed.
 * Both volumes are snapshotted in the set; the auto-release snapshots go
 * when the requester does (BK-085, BK-087).
 */
static void
test_full_sequence_levels(void **state)
{
	static const char *const want =
		"identify prepare_backup prepare_snapshot freeze thaw "
		"post_snapshot backup_complete backup_shutdown";
	struct fx_writer *w[SEQ_WRITERS];
	uint64_t freeze_max[3] = {0}, freeze_min[3], thaw_min = UINT64_MAX;
	uint64_t freeze_all_max = 0;
	struct fx_backup b = {
		.volumes = {vol[0], vol[1]},
		.n_volumes = 2,
		.hook = sequence_hook,
	};
	size_t i;

	for (i = 0; i < 3; i++)
		freeze_min[i] = UINT64_MAX;
	for (i = 0; i < SEQ_WRITERS; i++) {
		struct fx_writer_opts o = {
			.name = seq_writers[i].name,
			.level = seq_writers[i].level,
		};

		assert_ok(fx_writer_start(fx, &o, &w[i]));
	}
	b.socket = fx->socket;
	assert_ok(fx_backup_run(&b));

	for (i = 0; i < SEQ_WRITERS; i++) {
		struct fx_event *ev;
		char seq[512];
		vss_id id;
		size_t n;
		long f, t;
		int rank = seq_writers[i].rank;

		assert_ok(fx_writer_wait_count(w[i], "backup_shutdown", 1,
					       5000));
		assert_ok(fx_writer_events(w[i], &ev, &n));
		fx_events_sequence(ev, n, 0, seq, sizeof(seq));
		if (strcmp(seq, want) != 0)
			fail_msg("writer '%s' saw '%s', want '%s'",
				 seq_writers[i].name, seq, want);
		f = fx_events_find(ev, n, 0, "freeze");
		t = fx_events_find(ev, n, 0, "thaw");
		assert_true(f >= 0 && t > f);
		assert_ok(vss_id_parse(&id, ev[f].set_id));
		assert_true(vss_id_equal(&id, &b.set_id));
		if (ev[f].mono_ns > freeze_max[rank])
			freeze_max[rank] = ev[f].mono_ns;
		if (ev[f].mono_ns < freeze_min[rank])
			freeze_min[rank] = ev[f].mono_ns;
		if (ev[f].mono_ns > freeze_all_max)
			freeze_all_max = ev[f].mono_ns;
		if (ev[t].mono_ns < thaw_min)
			thaw_min = ev[t].mono_ns;
		free(ev);
	}
	/* PV-023: levels in order, each level's freeze after the last. */
	assert_true(freeze_max[0] < freeze_min[1]);
	assert_true(freeze_max[1] < freeze_min[2]);
	assert_true(freeze_all_max < thaw_min);
	assert_no_snapshots_left(vol, 2);
}

/*
 * TL-030 markers: what a writer wrote in its freeze handler is in the
 * snapshot, what it wrote after thaw is not; plain files written before
 * the backup are there too.
 */
static void
test_snapshot_holds_data_before_freeze(void **state)
{
	struct fx_writer_opts o = {.name = "mark", .level = "front_end"};
	struct fx_backup b = {
		.volumes = {vol[0], vol[1]},
		.n_volumes = 2,
		.keep = true,
	};
	char live[PATH_MAX], snap[PATH_MAX * 2];
	struct vss_snapshot_prop p0, p1;
	struct fx_writer *w;
	int tries;

	snprintf(live, sizeof(live), "%s/mark", vol[0]);
	assert_true(mkdir(live, 0755) == 0 || errno == EEXIST);
	assert_false(path_exists(live, "before-freeze"));
	write_file_at(vol[1], "plain", "written before the backup\n");
	o.marker_dir = live;
	assert_ok(fx_writer_start(fx, &o, &w));

	b.socket = fx->socket;
	assert_ok(fx_backup_run(&b));
	check_snapshot(b.requester, &b, 0, &p0);
	check_snapshot(b.requester, &b, 1, &p1);

	/* The live volume gets both markers. */
	assert_true(path_exists(live, "before-freeze"));
	for (tries = 0; tries < 200 && !path_exists(live, "after-thaw");
	     tries++)
		fx_sleep_ms(10);
	assert_true(path_exists(live, "after-thaw"));
	write_file_at(live, "after-backup", "too late\n");

	/* BK-144: the path in the snapshot is device + path below root. */
	snprintf(snap, sizeof(snap), "%s/mark", p0.device);
	assert_true(path_exists(snap, "before-freeze"));
	assert_false(path_exists(snap, "after-thaw"));
	assert_false(path_exists(snap, "after-backup"));
	assert_true(path_exists(p1.device, "plain"));

	vss_requester_free(b.requester);
	assert_no_snapshots_left(vol, 2);
}

/* BK-130: no writer running, the snapshot is made, crash consistent. */
static void
test_backup_without_writers(void **state)
{
	struct fx_backup b = {
		.volumes = {vol[0]},
		.n_volumes = 1,
		.keep = true,
	};
	struct vss_snapshot_prop p;

	write_file_at(vol[0], "crash-data", "no writer owns this\n");
	b.socket = fx->socket;
	assert_ok(fx_backup_run(&b));
	check_snapshot(b.requester, &b, 0, &p);
	assert_true(path_exists(p.device, "crash-data"));
	assert_false(vss_requester_application_consistent(b.requester));
	assert_ok(gather_status(b.requester));
	assert_int_equal(vss_requester_writer_status_count(b.requester), 0);
	vss_requester_free(b.requester);
	assert_no_snapshots_left(vol, 2);
}

/*
 * BK-005, BK-130: writers running but their classes disabled get no
 * backup events; the snapshot is made and reported crash consistent.
 */
static void
test_backup_with_writers_disabled(void **state)
{
	static const char *const events[] = {
		"prepare_backup", "prepare_snapshot", "freeze", "thaw",
		"post_snapshot", "backup_complete",
	};
	struct fx_writer_opts oa = {.name = "disabled-a"};
	struct fx_writer_opts ob = {.name = "disabled-b", .level = "system"};
	struct fx_backup b = {
		.volumes = {vol[0]},
		.n_volumes = 1,
		.keep = true,
	};
	struct fx_writer *wa, *wb;
	vss_id classes[2];
	size_t i;

	assert_ok(fx_writer_start(fx, &oa, &wa));
	assert_ok(fx_writer_start(fx, &ob, &wb));
	classes[0] = wa->class_id;
	classes[1] = wb->class_id;
	b.disabled_classes = classes;
	b.n_disabled = 2;
	b.socket = fx->socket;
	assert_ok(fx_backup_run(&b));
	check_snapshot(b.requester, &b, 0, NULL);
	assert_false(vss_requester_application_consistent(b.requester));
	vss_requester_free(b.requester);
	assert_no_snapshots_left(vol, 2);
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		assert_int_equal(fx_writer_count(wa, events[i]), 0);
		assert_int_equal(fx_writer_count(wb, events[i]), 0);
	}
}

/* The daemon survived everything above. */
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
	return fx_setup(&fx, 2, 256, vol, NULL) < 0 ? -1 : 0;
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
		cmocka_unit_test_teardown(test_full_sequence_levels,
					  stop_writers),
		cmocka_unit_test_teardown(
			test_snapshot_holds_data_before_freeze, stop_writers),
		cmocka_unit_test_teardown(test_backup_without_writers,
					  stop_writers),
		cmocka_unit_test_teardown(test_backup_with_writers_disabled,
					  stop_writers),
		cmocka_unit_test(test_daemon_still_running),
	};

	SKIP_UNLESS_AVAILABLE();
	return cmocka_run_group_tests(tests, setup, teardown);
}
