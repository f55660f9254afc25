/*
 * tests/integration/test_lifecycle.c - the life of shadow copies in a
 * real vssd on loop-mounted btrfs: what each context makes and how long
 * it lives (SN-020, BK-087), what the query and the properties say
 * (SN-010, SN-011, SN-013), persistence across restarts and crashes and
 * the reconciliation with the volumes at start, the per-volume limit
 * (§15, max_shadow_copies), every kind of delete (SN-021),
 * IsVolumeSnapshotted (SN-012) and the provider query (PV-001).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <btrfsutil.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/requester.h>

#include "check.h"
#include "fixture.h"

/* The btrfs provider's id, fixed for ever (daemon/providers/btrfs.c). */
#define BTRFS_PROVIDER_ID "bbe97604-214d-4547-adc1-ca48143ab1e9"

/* The attribute bits a context stands for (spec §7). */
#define CONTEXT_BITS                                                           \
	(VSS_VOLSNAP_ATTR_PERSISTENT | VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE |    \
	 VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE | VSS_VOLSNAP_ATTR_NO_WRITERS)

/* Deletes at session end, restart and reconcile are quick; be patient. */
#define GONE_TIMEOUT_MS 10000

static struct fx *fx;
static const char *vol[2];
static char base_extra[PATH_MAX + 64];

/* ---- helpers ---------------------------------------------------------- */

static int
start_vssd(const char *extra)
{
	char text[sizeof(base_extra) + 256];
	struct fx_vssd_config cfg = {.extra = text};

	snprintf(text, sizeof(text), "%s\n%s", base_extra, extra ? extra : "");
	return fx_start_vssd(fx, &cfg);
}

/* Restart vssd cleanly with extra [vssd] keys (NULL: none). */
static void
restart_vssd(const char *extra)
{
	assert_int_equal(fx_stop_vssd(fx), 0);
	assert_ok(start_vssd(extra));
}

/* Make a set of n volumes from vol[first] on; fail with the step. */
/* Where the btrfs provider keeps shadow copy id of volume. */
static void
device_path(const char *volume, const vss_id *id, char *out, size_t size)
{
	assert_ok(fx_shadow_path(volume, id, out, size));
}

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* How many shadow copies a requester in context sees with the filters. */
static size_t
query_count(int32_t context, const vss_id *id, const vss_id *set_id,
	    const char *volume)
{
	vss_requester *r = requester_or_fail(fx, context);
	struct vss_snapshot_prop *p = NULL;
	size_t n = 0;

	assert_ok(vss_requester_query_snapshots(r, id, set_id, volume, &p,
						&n));
	vss_snapshot_props_free(p, n);
	vss_requester_free(r);
	return n;
}

static bool
listed(int32_t context, const vss_id *id)
{
	return query_count(context, id, NULL, NULL) == 1;
}

/*
 * The properties of one shadow copy as made in context on volume, in a
 * set of count (SN-011, SN-013, spec §7 and §8).
 */
static void
check_props(const struct vss_snapshot_prop *p, const vss_id *id,
	    const vss_id *set_id, long count, const char *volume,
	    int32_t context)
{
	uint32_t want = (uint32_t)context & CONTEXT_BITS;
	char device[PATH_MAX], host[256];
	vss_id btrfs;
	bool ro = false;

	assert_true(vss_id_equal(&p->snapshot_id, id));
	assert_true(vss_id_equal(&p->snapshot_set_id, set_id));
	assert_int_equal(p->snapshot_count, count);
	assert_string_equal(p->original_volume, volume);
	device_path(volume, id, device, sizeof(device));
	assert_non_null(p->device);
	assert_string_equal(p->device, device);
	assert_int_equal(btrfs_util_is_subvolume(p->device), BTRFS_UTIL_OK);
	assert_int_equal(btrfs_util_get_subvolume_read_only(p->device, &ro),
			 BTRFS_UTIL_OK);
	assert_true(ro);
	assert_ok(vss_id_parse(&btrfs, BTRFS_PROVIDER_ID));
	assert_true(vss_id_equal(&p->provider_id, &btrfs));
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	assert_non_null(p->originating_machine);
	assert_string_equal(p->originating_machine, host);
	assert_int_equal(p->state, VSS_SS_CREATED);
	assert_true(p->created > 0);
	assert_null(p->exposed_name);
	/* The context's bits, none of the other contexts', not exposed. */
	if ((p->attributes & CONTEXT_BITS) != want)
		fail_msg("attributes 0x%x, context 0x%x: want bits 0x%x of "
			 "0x%x", p->attributes, (unsigned)context, want,
			 (unsigned)CONTEXT_BITS);
	assert_int_equal(p->attributes & VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY, 0);
}

/* The entry of id in a query result, or a failure. */
static const struct vss_snapshot_prop *
find_prop(const struct vss_snapshot_prop *p, size_t n, const vss_id *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (vss_id_equal(&p[i].snapshot_id, id))
			return &p[i];
	fail_msg("shadow copy not in the query");
	return NULL;
}

/*
 * Wait until vssd has dealt with the requesters freed so far: a session's
 * end queues its releases in order with every other change to shadow
 * copies, so once an auto-release set made and freed after them has
 * gone, so have theirs.
 */
static void
sync_releases(void)
{
	char device[PATH_MAX];
	struct fx_backup b;

	make_set_or_fail(fx, VSS_CTX_FILE_SHARE_BACKUP, vol, 1, false, &b);
	device_path(vol[0], &b.snapshot_ids[0], device, sizeof(device));
	assert_ok(fx_wait_gone(device, GONE_TIMEOUT_MS));
}

static void
delete_one(vss_requester *r, const vss_id *id, enum vss_object_type type,
	   long want)
{
	vss_id non_deleted;
	long deleted = -1;

	assert_ok(vss_requester_delete_snapshots(r, id, type, false, &deleted,
						 &non_deleted));
	assert_int_equal(deleted, want);
	assert_true(vss_id_is_null(&non_deleted));
}

static void
delete_volume(vss_requester *r, const char *volume, bool oldest, long want)
{
	vss_id non_deleted;
	long deleted = -1;

	assert_ok(vss_requester_delete_volume_snapshots(r, volume, oldest,
							&deleted,
							&non_deleted));
	assert_int_equal(deleted, want);
	assert_true(vss_id_is_null(&non_deleted));
}

static size_t
freezes(const struct fx_writer *w)
{
	return fx_writer_count(w, "freeze");
}

/* ---- contexts --------------------------------------------------------- */

/*
 * SN-020, BK-087: backup and file share backup shadow copies are listed
 * while their requester lives and deleted when it is freed; writers take
 * part in backup only (BK-078: NO_WRITERS).
 */
static void
test_auto_release_contexts(void **state)
{
	static const struct {
		int32_t context;
		bool writers;
	} cases[] = {
		{VSS_CTX_BACKUP, true},
		{VSS_CTX_FILE_SHARE_BACKUP, false},
	};
	struct fx_writer_opts o = {.name = "ctx-auto"};
	struct vss_snapshot_prop *p = NULL, one;
	char device[PATH_MAX];
	struct fx_writer *w;
	struct fx_backup b;
	size_t i, n, f0;

	assert_ok(fx_writer_start(fx, &o, &w));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int32_t ctx = cases[i].context;

		f0 = freezes(w);
		make_set_or_fail(fx, ctx, vol, 1, true, &b);
		assert_int_equal(freezes(w), f0 + (cases[i].writers ? 1 : 0));
		device_path(vol[0], &b.snapshot_ids[0], device,
			    sizeof(device));
		assert_true(exists(device));

		/* SN-010: its own requester lists it, with every property. */
		assert_ok(vss_requester_query_snapshots(b.requester, NULL,
							NULL, NULL, &p, &n));
		assert_int_equal(n, 1);
		check_props(p, &b.snapshot_ids[0], &b.set_id, 1, vol[0], ctx);
		vss_snapshot_props_free(p, n);
		assert_ok(vss_requester_get_snapshot_properties(
			b.requester, &b.snapshot_ids[0], &one));
		check_props(&one, &b.snapshot_ids[0], &b.set_id, 1, vol[0],
			    ctx);
		assert_true(listed(VSS_CTX_ALL, &b.snapshot_ids[0]));

		vss_requester_free(b.requester);
		assert_ok(fx_wait_gone(device, GONE_TIMEOUT_MS));
		assert_false(listed(VSS_CTX_ALL, &b.snapshot_ids[0]));
	}
}

/*
 * SN-020: the persistent contexts' shadow copies outlive their requester;
 * SN-010: a new requester lists them in their context or with
 * VSS_CTX_ALL, not in another; SN-011: get_snapshot_properties of another
 * requester's shadow copy; spec §7: the attributes each context implies
 * and whether writers take part.
 */
static void
test_persistent_contexts(void **state)
{
	static const struct {
		int32_t context;
		bool writers;
	} cases[] = {
		{VSS_CTX_APP_ROLLBACK, true},
		{VSS_CTX_NAS_ROLLBACK, false},
		{VSS_CTX_CLIENT_ACCESSIBLE, false},
		{VSS_CTX_CLIENT_ACCESSIBLE_WRITERS, true},
	};
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);
	struct fx_writer_opts o = {.name = "ctx-persistent"};
	struct fx_backup b[4], again;
	struct vss_snapshot_prop *p = NULL, one;
	char device[PATH_MAX];
	struct fx_writer *w;
	vss_requester *r;
	size_t i, k, n, f0;

	assert_ok(fx_writer_start(fx, &o, &w));
	for (i = 0; i < ncases; i++) {
		f0 = freezes(w);
		make_set_or_fail(fx, cases[i].context, vol, 2, false, &b[i]);
		assert_int_equal(freezes(w), f0 + (cases[i].writers ? 1 : 0));
	}
	sync_releases();

	for (i = 0; i < ncases; i++) {
		int32_t ctx = cases[i].context;

		for (k = 0; k < 2; k++) {
			device_path(vol[k], &b[i].snapshot_ids[k], device,
				    sizeof(device));
			assert_true(exists(device));
		}
		/* Exactly this set in its context, every property right. */
		r = requester_or_fail(fx, ctx);
		assert_ok(vss_requester_query_snapshots(r, NULL, NULL, NULL,
							&p, &n));
		assert_int_equal(n, 2);
		for (k = 0; k < 2; k++)
			check_props(find_prop(p, n, &b[i].snapshot_ids[k]),
				    &b[i].snapshot_ids[k], &b[i].set_id, 2,
				    vol[k], ctx);
		vss_snapshot_props_free(p, n);
		vss_requester_free(r);
		/* The filters. */
		assert_int_equal(query_count(ctx, NULL, &b[i].set_id, NULL), 2);
		assert_int_equal(query_count(ctx, NULL, NULL, vol[1]), 1);
		assert_int_equal(query_count(ctx, &b[i].snapshot_ids[1],
					     &b[i].set_id, vol[1]),
				 1);
		assert_int_equal(query_count(ctx, &b[i].snapshot_ids[1], NULL,
					     vol[0]),
				 0);
		/* Not in another context, every one with VSS_CTX_ALL. */
		assert_false(listed(VSS_CTX_BACKUP, &b[i].snapshot_ids[0]));
		assert_false(listed(cases[(i + 1) % ncases].context,
				    &b[i].snapshot_ids[0]));
		assert_true(listed(VSS_CTX_ALL, &b[i].snapshot_ids[0]));

		/* SN-011: a later requester of the context asks vssd. */
		make_set_or_fail(fx, ctx, vol + 1, 1, true, &again);
		assert_ok(vss_requester_get_snapshot_properties(
			again.requester, &b[i].snapshot_ids[0], &one));
		check_props(&one, &b[i].snapshot_ids[0], &b[i].set_id, 2,
			    vol[0], ctx);
		vss_requester_free(again.requester);
	}
	/* 4 contexts x (2 + 1): nothing was released. */
	sync_releases();
	assert_int_equal(query_count(VSS_CTX_ALL, NULL, NULL, NULL),
			 ncases * 3);
}

/* SN-001: VSS_CTX_ALL serves management, never a new set. */
static void
test_context_all_makes_no_set(void **state)
{
	vss_requester *r = requester_or_fail(fx, VSS_CTX_ALL);
	vss_async *a = NULL;
	vss_id set_id;

	assert_ok(vss_requester_gather_writer_metadata(r, &a));
	assert_ok(fx_async_finish(a, 30000));
	assert_status(vss_requester_start_snapshot_set(r, &set_id), -EINVAL);
	vss_requester_free(r);
}

/* ---- restarts --------------------------------------------------------- */

/*
 * SN-020: persistent shadow copies survive a clean restart and a crash
 * (kill -9) of vssd; auto-release ones whose session was alive at the
 * crash are deleted at the next start, before it accepts connections.
 */
static void
test_persistence_across_restarts(void **state)
{
	struct fx_backup p, a;
	struct vss_snapshot_prop *props = NULL;
	char pdev[PATH_MAX], adev[PATH_MAX], sid[VSS_ID_STRLEN];
	vss_requester *r;
	size_t n, removed;

	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &p);
	device_path(vol[0], &p.snapshot_ids[0], pdev, sizeof(pdev));

	/* A clean stop with a backup session open. */
	make_set_or_fail(fx, VSS_CTX_BACKUP, vol + 1, 1, true, &a);
	device_path(vol[1], &a.snapshot_ids[0], adev, sizeof(adev));
	restart_vssd(NULL);
	vss_requester_free(a.requester);
	assert_false(exists(adev));
	assert_true(exists(pdev));
	r = requester_or_fail(fx, VSS_CTX_NAS_ROLLBACK);
	assert_ok(vss_requester_query_snapshots(r, &p.snapshot_ids[0], NULL,
						NULL, &props, &n));
	assert_int_equal(n, 1);
	check_props(props, &p.snapshot_ids[0], &p.set_id, 1, vol[0],
		    VSS_CTX_NAS_ROLLBACK);
	vss_snapshot_props_free(props, n);
	vss_requester_free(r);
	assert_false(listed(VSS_CTX_ALL, &a.snapshot_ids[0]));

	/* A crash with a backup session open. */
	make_set_or_fail(fx, VSS_CTX_BACKUP, vol + 1, 1, true, &a);
	device_path(vol[1], &a.snapshot_ids[0], adev, sizeof(adev));
	vss_id_format(&a.snapshot_ids[0], sid);
	removed = fx_vssd_log_count(fx, sid, "left by a previous run");
	assert_true(fx_kill_vssd(fx) != 0);
	assert_true(exists(adev)); /* a crash cleans nothing up */
	assert_ok(start_vssd(NULL));
	vss_requester_free(a.requester);
	assert_false(exists(adev));
	assert_int_equal(fx_vssd_log_count(fx, sid, "left by a previous run"),
			 removed + 1);
	assert_false(listed(VSS_CTX_ALL, &a.snapshot_ids[0]));
	assert_true(exists(pdev));
	assert_true(listed(VSS_CTX_NAS_ROLLBACK, &p.snapshot_ids[0]));
}

/* The set record vssd keeps for set_id: does it exist? */
static bool
record_exists(const vss_id *set_id)
{
	char path[PATH_MAX + 64], text[VSS_ID_STRLEN];

	vss_id_format(set_id, text);
	snprintf(path, sizeof(path), "%s/sets/%s.json", fx->state_dir, text);
	return exists(path);
}

/*
 * A persistent shadow copy deleted behind vssd's back while it was down
 * is dropped at start, with a log line, and its record goes with it.
 */
static void
test_deleted_behind_back_dropped(void **state)
{
	char device[PATH_MAX], sid[VSS_ID_STRLEN];
	struct fx_backup b;
	size_t before;

	make_set_or_fail(fx, VSS_CTX_APP_ROLLBACK, vol, 1, false, &b);
	device_path(vol[0], &b.snapshot_ids[0], device, sizeof(device));
	vss_id_format(&b.snapshot_ids[0], sid);
	assert_true(record_exists(&b.set_id));
	before = fx_vssd_log_count(fx, sid, "behind vssd's back");

	assert_int_equal(fx_stop_vssd(fx), 0);
	assert_int_equal(btrfs_util_delete_subvolume(device, 0),
			 BTRFS_UTIL_OK);
	assert_ok(start_vssd(NULL));

	assert_int_equal(fx_vssd_log_count(fx, sid, "behind vssd's back"),
			 before + 1);
	assert_false(listed(VSS_CTX_ALL, &b.snapshot_ids[0]));
	assert_false(listed(VSS_CTX_APP_ROLLBACK, &b.snapshot_ids[0]));
	assert_false(record_exists(&b.set_id));
}

/*
 * A subvolume in .vss-shadows named like a shadow copy that no record
 * names is reported at start and left alone: not listed, not deleted,
 * not even by a delete of everything.
 */
static void
test_orphan_reported_not_deleted(void **state)
{
	char orphan[PATH_MAX], sid[VSS_ID_STRLEN];
	struct fx_backup b;
	vss_requester *r;
	vss_id id;

	/* A real one first: .vss-shadows exists and is vssd's. */
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &b);
	vss_id_generate(&id);
	vss_id_format(&id, sid);
	device_path(vol[0], &id, orphan, sizeof(orphan));

	assert_int_equal(fx_stop_vssd(fx), 0);
	assert_int_equal(btrfs_util_create_snapshot(
				 vol[0], orphan,
				 BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY, NULL,
				 NULL),
			 BTRFS_UTIL_OK);
	assert_ok(start_vssd(NULL));

	assert_int_equal(fx_vssd_log_count(fx, sid, "no record names"), 1);
	assert_int_equal(btrfs_util_is_subvolume(orphan), BTRFS_UTIL_OK);
	assert_false(listed(VSS_CTX_ALL, &id));
	assert_true(listed(VSS_CTX_ALL, &b.snapshot_ids[0]));

	r = requester_or_fail(fx, VSS_CTX_ALL);
	delete_volume(r, NULL, false, 1);
	vss_requester_free(r);
	assert_int_equal(btrfs_util_is_subvolume(orphan), BTRFS_UTIL_OK);
	assert_int_equal(btrfs_util_delete_subvolume(orphan, 0),
			 BTRFS_UTIL_OK);
}

/* ---- the limit -------------------------------------------------------- */

/*
 * Spec §15, max_shadow_copies with action fail: a volume at its limit
 * takes no new shadow copy of any context (add_to_snapshot_set fails);
 * the limit is per volume.
 */
static void
test_max_shadow_copies_fail(void **state)
{
	struct fx_backup b[2], third;
	int rc;

	restart_vssd("max_shadow_copies = 2\nmax_shadow_copies_action = fail");
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &b[0]);
	make_set_or_fail(fx, VSS_CTX_APP_ROLLBACK, vol, 1, false, &b[1]);

	rc = fx_make_set(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &third);
	assert_status(rc, VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED);
	assert_int_equal(third.failed_step, FX_STEP_ADD_VOLUMES);
	rc = fx_make_set(fx, VSS_CTX_FILE_SHARE_BACKUP, vol, 1, false, &third);
	assert_status(rc, VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED);
	assert_int_equal(third.failed_step, FX_STEP_ADD_VOLUMES);

	assert_int_equal(query_count(VSS_CTX_ALL, NULL, NULL, vol[0]), 2);
	assert_int_equal(fx_snapshot_count(vol[0], NULL, 0), 2);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol + 1, 1, false, &third);
}

/*
 * max_shadow_copies with action delete-oldest: the set is made and the
 * volume's oldest shadow copy goes; never one a live session still holds;
 * when none may go the set fails.
 */
static void
test_max_shadow_copies_delete_oldest(void **state)
{
	struct fx_backup s1, s2, s3, held, held2, more;
	char dev[PATH_MAX];
	vss_requester *r;
	int rc;

	restart_vssd("max_shadow_copies = 2\n"
		     "max_shadow_copies_action = delete-oldest");
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &s1);
	make_set_or_fail(fx, VSS_CTX_APP_ROLLBACK, vol, 1, false, &s2);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &s3);
	device_path(vol[0], &s1.snapshot_ids[0], dev, sizeof(dev));
	assert_false(exists(dev));
	assert_false(listed(VSS_CTX_ALL, &s1.snapshot_ids[0]));
	assert_true(listed(VSS_CTX_ALL, &s2.snapshot_ids[0]));
	assert_true(listed(VSS_CTX_ALL, &s3.snapshot_ids[0]));
	assert_int_equal(fx_snapshot_count(vol[0], NULL, 0), 2);

	/* The oldest is held by a live session: the next oldest goes. */
	r = requester_or_fail(fx, VSS_CTX_ALL);
	delete_volume(r, vol[0], false, 2);
	make_set_or_fail(fx, VSS_CTX_FILE_SHARE_BACKUP, vol, 1, true, &held);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &s1);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &s2);
	assert_true(listed(VSS_CTX_ALL, &held.snapshot_ids[0]));
	assert_false(listed(VSS_CTX_ALL, &s1.snapshot_ids[0]));
	assert_true(listed(VSS_CTX_ALL, &s2.snapshot_ids[0]));

	/* Both held: nothing may go, the set fails. */
	delete_one(r, &s2.snapshot_ids[0], VSS_OBJECT_SNAPSHOT, 1);
	vss_requester_free(r);
	make_set_or_fail(fx, VSS_CTX_FILE_SHARE_BACKUP, vol, 1, true, &held2);
	rc = fx_make_set(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &more);
	assert_status(rc, VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED);
	assert_true(listed(VSS_CTX_ALL, &held.snapshot_ids[0]));
	assert_true(listed(VSS_CTX_ALL, &held2.snapshot_ids[0]));
	assert_int_equal(fx_snapshot_count(vol[0], NULL, 0), 2);
	vss_requester_free(held2.requester);
	vss_requester_free(held.requester);
	device_path(vol[0], &held.snapshot_ids[0], dev, sizeof(dev));
	assert_ok(fx_wait_gone(dev, GONE_TIMEOUT_MS));
	device_path(vol[0], &held2.snapshot_ids[0], dev, sizeof(dev));
	assert_ok(fx_wait_gone(dev, GONE_TIMEOUT_MS));
}

/* ---- delete ----------------------------------------------------------- */

/* get_snapshot_properties of a deleted shadow copy: not found (SN-021). */
#define assert_props_gone(r, id)                                               \
	do {                                                                   \
		struct vss_snapshot_prop p_;                                   \
		assert_status(vss_requester_get_snapshot_properties(r, id,     \
								    &p_),      \
			      VSS_E_OBJECT_NOT_FOUND);                         \
	} while (0)

/*
 * Shadow copy id of volume is there (its subvolume, and vssd lists it) or
 * gone from both.
 */
static void
assert_present(const char *volume, const vss_id *id, bool there)
{
	char dev[PATH_MAX];

	device_path(volume, id, dev, sizeof(dev));
	if (exists(dev) != there)
		fail_msg("'%s' %s", dev,
			 there ? "is missing" : "is still there");
	if (listed(VSS_CTX_ALL, id) != there)
		fail_msg("'%s' %s vssd's list", dev,
			 there ? "is missing from" : "is still in");
}

static void
assert_gone(const char *volume, const vss_id *id)
{
	assert_present(volume, id, false);
}

static void
assert_there(const char *volume, const vss_id *id)
{
	assert_present(volume, id, true);
}

/*
 * SN-021: delete by shadow copy id, by set id, the oldest of a volume,
 * all of a volume, all of the context, all with VSS_CTX_ALL; the counts;
 * unknown ids and other contexts' shadow copies are not found; deleted
 * shadow copies are gone from the volume and from the properties.
 */
static void
test_delete_variants(void **state)
{
	struct fx_backup a, b, c, d, e, f, g, h, keeper;
	vss_requester *nas, *all;
	vss_id unknown, non_deleted;
	long deleted = -1;

	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 2, false, &a);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &b);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &c);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol + 1, 1, false, &d);
	make_set_or_fail(fx, VSS_CTX_CLIENT_ACCESSIBLE, vol + 1, 1, false, &e);
	/* A requester of the context that made a set: properties allowed. */
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol + 1, 1, true, &keeper);
	nas = requester_or_fail(fx, VSS_CTX_NAS_ROLLBACK);

	/* By shadow copy id. */
	delete_one(nas, &b.snapshot_ids[0], VSS_OBJECT_SNAPSHOT, 1);
	assert_gone(vol[0], &b.snapshot_ids[0]);
	assert_props_gone(keeper.requester, &b.snapshot_ids[0]);

	/* Unknown, or of another context: not found, nothing deleted. */
	vss_id_generate(&unknown);
	assert_status(vss_requester_delete_snapshots(nas, &unknown,
						     VSS_OBJECT_SNAPSHOT, false,
						     &deleted, &non_deleted),
		      VSS_E_OBJECT_NOT_FOUND);
	assert_status(vss_requester_delete_snapshots(
			      nas, &unknown, VSS_OBJECT_SNAPSHOT_SET, false,
			      &deleted, &non_deleted),
		      VSS_E_OBJECT_NOT_FOUND);
	assert_status(vss_requester_delete_snapshots(
			      nas, &e.snapshot_ids[0], VSS_OBJECT_SNAPSHOT,
			      false, &deleted, &non_deleted),
		      VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(deleted, -1);
	assert_there(vol[1], &e.snapshot_ids[0]);
	assert_status(vss_requester_delete_snapshots(
			      nas, &a.set_id, VSS_OBJECT_PROVIDER, false,
			      &deleted, &non_deleted),
		      -EINVAL);

	/* By set id: both volumes of the set. */
	delete_one(nas, &a.set_id, VSS_OBJECT_SNAPSHOT_SET, 2);
	assert_gone(vol[0], &a.snapshot_ids[0]);
	assert_gone(vol[1], &a.snapshot_ids[1]);

	/* The oldest of a volume: c, then f and g stay. */
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &f);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &g);
	delete_volume(nas, vol[0], true, 1);
	assert_gone(vol[0], &c.snapshot_ids[0]);
	assert_there(vol[0], &f.snapshot_ids[0]);
	assert_there(vol[0], &g.snapshot_ids[0]);

	/* All of a volume; then nothing left there is no failure. */
	delete_volume(nas, vol[0], false, 2);
	assert_gone(vol[0], &f.snapshot_ids[0]);
	assert_gone(vol[0], &g.snapshot_ids[0]);
	delete_volume(nas, vol[0], false, 0);
	delete_volume(nas, vol[0], true, 0);
	assert_status(vss_requester_delete_volume_snapshots(
			      nas, NULL, true, &deleted, &non_deleted),
		      -EINVAL);

	/* All of the context: d and keeper's, not the client accessible e. */
	delete_volume(nas, NULL, false, 2);
	assert_gone(vol[1], &d.snapshot_ids[0]);
	assert_gone(vol[1], &keeper.snapshot_ids[0]);
	assert_there(vol[1], &e.snapshot_ids[0]);
	vss_requester_free(keeper.requester);

	/* All with VSS_CTX_ALL, an auto-release one of a live session too. */
	make_set_or_fail(fx, VSS_CTX_FILE_SHARE_BACKUP, vol + 1, 1, true, &h);
	all = requester_or_fail(fx, VSS_CTX_ALL);
	delete_volume(all, NULL, false, 2);
	assert_gone(vol[1], &e.snapshot_ids[0]);
	assert_gone(vol[1], &h.snapshot_ids[0]);
	vss_requester_free(h.requester);
	vss_requester_free(all);
	vss_requester_free(nas);
	assert_int_equal(fx_snapshot_count(vol[0], NULL, 0), 0);
	assert_int_equal(fx_snapshot_count(vol[1], NULL, 0), 0);
}

/*
 * SN-021: a deleted shadow copy never becomes accessible again, also not
 * to a requester that has seen its properties before: the one that made
 * it and one that looked it up.
 */
static void
test_deleted_props_not_found(void **state)
{
	struct fx_backup maker, other;
	struct vss_snapshot_prop p;
	vss_requester *m;

	make_set_or_fail(fx, VSS_CTX_APP_ROLLBACK, vol, 1, true, &maker);
	make_set_or_fail(fx, VSS_CTX_APP_ROLLBACK, vol + 1, 1, true, &other);
	assert_ok(vss_requester_get_snapshot_properties(
		maker.requester, &maker.snapshot_ids[0], &p));
	assert_ok(vss_requester_get_snapshot_properties(
		other.requester, &maker.snapshot_ids[0], &p));

	m = requester_or_fail(fx, VSS_CTX_APP_ROLLBACK);
	delete_one(m, &maker.set_id, VSS_OBJECT_SNAPSHOT_SET, 1);
	vss_requester_free(m);
	assert_gone(vol[0], &maker.snapshot_ids[0]);
	assert_props_gone(maker.requester, &maker.snapshot_ids[0]);
	assert_props_gone(other.requester, &maker.snapshot_ids[0]);
	vss_requester_free(maker.requester);
	vss_requester_free(other.requester);
}

/* ---- volumes and providers ------------------------------------------- */

/*
 * SN-012: IsVolumeSnapshotted is true while a volume has a shadow copy
 * of any context, nothing is restricted (compatibility 0); a path that is
 * no mount point is no volume.
 */
static void
test_is_volume_snapshotted(void **state)
{
	vss_requester *r = requester_or_fail(fx, VSS_CTX_BACKUP);
	uint32_t compat = 99;
	struct fx_backup b;
	bool snap = true;

	assert_ok(vss_requester_is_volume_snapshotted(r, vol[0], &snap,
						      &compat));
	assert_false(snap);
	assert_int_equal(compat, 0);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &b);
	assert_ok(vss_requester_is_volume_snapshotted(r, vol[0], &snap,
						      &compat));
	assert_true(snap);
	assert_int_equal(compat, 0);
	assert_ok(vss_requester_is_volume_snapshotted(r, vol[1], &snap,
						      &compat));
	assert_false(snap);
	assert_status(vss_requester_is_volume_snapshotted(r, fx->state_dir,
							  &snap, &compat),
		      VSS_E_OBJECT_NOT_FOUND);
	vss_requester_free(r);
}

/* PV-001, PV-010: the built-in btrfs provider is listed, type system. */
static void
test_query_providers(void **state)
{
	vss_requester *r = requester_or_fail(fx, VSS_CTX_BACKUP);
	struct vss_provider_prop *p = NULL;
	const struct vss_provider_prop *btrfs = NULL;
	vss_id want;
	size_t i, n = 0;

	assert_ok(vss_requester_query_providers(r, &p, &n));
	for (i = 0; i < n; i++)
		if (p[i].name && strcmp(p[i].name, "btrfs") == 0)
			btrfs = &p[i];
	assert_non_null(btrfs);
	assert_int_equal(btrfs->type, VSS_PROV_SYSTEM);
	assert_ok(vss_id_parse(&want, BTRFS_PROVIDER_ID));
	assert_true(vss_id_equal(&btrfs->provider_id, &want));
	assert_non_null(btrfs->version);
	assert_false(vss_id_is_null(&btrfs->version_id));
	vss_provider_props_free(p, n);
	vss_requester_free(r);
}

/* The daemon survived everything above. */
static void
test_daemon_still_running(void **state)
{
	assert_true(fx_vssd_alive(fx));
}

/* ---- set-up ----------------------------------------------------------- */

/*
 * After each test: no writer, vssd running (with the base configuration
 * if it was down), no shadow copy.
 */
static int
clean_up(void **state)
{
	const struct fx_vssd_config cfg = {.extra = base_extra};

	return fx_clean_up(fx, &cfg) < 0 ? -1 : 0;
}

/* Each test that changes the configuration sets it back here. */
static int
restore_config(void **state)
{
	if (clean_up(state) < 0 || fx_stop_vssd(fx) != 0 ||
	    start_vssd(NULL) < 0)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	if (fx_new(&fx) < 0 || fx_add_volumes(fx, 2, 256, vol) < 0)
		return -1;
	snprintf(base_extra, sizeof(base_extra), "expose_dir = %s/exposed",
		 fx->dir);
	/* The start-up reconciliation is checked in the log. */
	fx->daemon_log_to_file = true;
	return start_vssd(NULL) < 0 ? -1 : 0;
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
		cmocka_unit_test_teardown(test_auto_release_contexts,
					  clean_up),
		cmocka_unit_test_teardown(test_persistent_contexts, clean_up),
		cmocka_unit_test_teardown(test_context_all_makes_no_set,
					  clean_up),
		cmocka_unit_test_teardown(test_persistence_across_restarts,
					  clean_up),
		cmocka_unit_test_teardown(test_deleted_behind_back_dropped,
					  clean_up),
		cmocka_unit_test_teardown(test_orphan_reported_not_deleted,
					  clean_up),
		cmocka_unit_test_teardown(test_max_shadow_copies_fail,
					  restore_config),
		cmocka_unit_test_teardown(test_max_shadow_copies_delete_oldest,
					  restore_config),
		cmocka_unit_test_teardown(test_delete_variants, clean_up),
		cmocka_unit_test_teardown(test_deleted_props_not_found,
					  clean_up),
		cmocka_unit_test_teardown(test_is_volume_snapshotted,
					  clean_up),
		cmocka_unit_test_teardown(test_query_providers, clean_up),
		cmocka_unit_test(test_daemon_still_running),
	};

	SKIP_UNLESS_AVAILABLE();
	return cmocka_run_group_tests(tests, setup, teardown);
}
