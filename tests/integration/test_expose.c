/*
 * tests/integration/test_expose.c - exposing shadow copies in a real
 * vssd on loop-mounted btrfs (SN-030..SN-033): at a directory or the
 * default place, read-only, refused where it must be, gone with the
 * session or kept and mounted again after a restart, taken away by a
 * delete; and the files not to snapshot, from vssd.conf and from a
 * writer's metadata, removed from new shadow copies before they are made
 * read-only (SN-060, SN-061, SN-004).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <btrfsutil.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/requester.h>

#include "check.h"
#include "fixture.h"

#define GONE_TIMEOUT_MS 10000

static struct fx *fx;
static const char *vol[2];
static char config_extra[2 * PATH_MAX + 128];
static const struct fx_vssd_config vssd_cfg = {.extra = config_extra};
static char expose_dir[PATH_MAX];

/* ---- helpers ---------------------------------------------------------- */

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* mkdir -p of dir/name, then the file with text. */
static void
write_at(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX], *slash;
	int fd;

	join_path(path, sizeof(path), dir, name);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void
assert_file_has(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX], buf[256];
	ssize_t n;
	int fd;

	join_path(path, sizeof(path), dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("cannot open '%s': %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

/* SN-032: nothing can be written below dir: EROFS. */
static void
assert_read_only(const char *dir, const char *existing)
{
	char path[PATH_MAX];
	int fd;

	join_path(path, sizeof(path), dir, "new-file");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EROFS);
	join_path(path, sizeof(path), dir, "new-dir");
	assert_int_equal(mkdir(path, 0755), -1);
	assert_int_equal(errno, EROFS);
	join_path(path, sizeof(path), dir, existing);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EROFS);
	assert_int_equal(unlink(path), -1);
	assert_int_equal(errno, EROFS);
}

/* A new empty directory name below the fixture's directory. */
static void
empty_dir(const char *name, char *out, size_t size)
{
	join_path(out, size, fx->dir, name);
	assert_true(mkdir(out, 0755) == 0 || errno == EEXIST);
}

static char *
expose(vss_requester *r, const vss_id *id, const char *path)
{
	char *name = NULL;

	assert_ok(vss_requester_expose_snapshot(r, id, path, &name));
	assert_non_null(name);
	return name;
}

/* The properties of id as vssd has them now (in every context). */
static struct vss_snapshot_prop *
query(const vss_id *id)
{
	vss_requester *r = requester_or_fail(fx, VSS_CTX_ALL);
	struct vss_snapshot_prop *p = NULL;
	size_t n = 0;

	assert_ok(vss_requester_query_snapshots(r, id, NULL, NULL, &p, &n));
	assert_int_equal(n, 1);
	vss_requester_free(r);
	return p;
}

/* SN-031: the exposure as query shows it; NULL: not exposed. */
static void
assert_exposed_as(const vss_id *id, const char *name)
{
	struct vss_snapshot_prop *p = query(id);

	if (name) {
		assert_non_null(p->exposed_name);
		assert_string_equal(p->exposed_name, name);
		assert_true(p->attributes & VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY);
	} else {
		assert_null(p->exposed_name);
		assert_false(p->attributes & VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY);
	}
	vss_snapshot_props_free(p, 1);
}

static void
default_path(const vss_id *id, char *out, size_t size)
{
	char text[VSS_ID_STRLEN];

	vss_id_format(id, text);
	join_path(out, size, expose_dir, text);
}

static void
device_path(const char *volume, const vss_id *id, char *out, size_t size)
{
	assert_ok(fx_shadow_path(volume, id, out, size));
}

/*
 * SN-030..SN-032: id is exposed at path, shows file with text there,
 * read-only, and query tells where.
 */
static void
assert_exposure(const vss_id *id, const char *path, const char *file,
		const char *text)
{
	assert_true(fx_is_mount_point(path));
	assert_file_has(path, file, text);
	assert_read_only(path, file);
	assert_exposed_as(id, path);
}

/* ---- expose and unexpose ---------------------------------------------- */

/*
 * SN-030..SN-033: a persistent shadow copy exposed at an empty directory
 * shows its files read-only, query tells where; a second expose is
 * refused; unexpose removes the mount, keeps the directory, and a second
 * unexpose finds nothing to undo.
 */
static void
test_expose_at_directory(void **state)
{
	char at[PATH_MAX], other[PATH_MAX];
	struct fx_backup s;
	vss_requester *r;
	vss_id unknown;
	char *name, *again = NULL;

	write_at(vol[0], "data/hello.txt", "hello\n");
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &s);
	write_at(vol[0], "data/hello.txt", "changed after the snapshot\n");
	empty_dir("mnt-a", at, sizeof(at));
	empty_dir("mnt-a2", other, sizeof(other));
	r = requester_or_fail(fx, VSS_CTX_NAS_ROLLBACK);

	name = expose(r, &s.snapshot_ids[0], at);
	assert_string_equal(name, at);
	assert_exposure(&s.snapshot_ids[0], at, "data/hello.txt", "hello\n");

	assert_status(vss_requester_expose_snapshot(r, &s.snapshot_ids[0],
						    other, &again),
		      VSS_E_OBJECT_ALREADY_EXISTS);
	assert_status(vss_requester_expose_snapshot(r, &s.snapshot_ids[0],
						    NULL, &again),
		      VSS_E_OBJECT_ALREADY_EXISTS);
	assert_null(again);
	assert_false(fx_is_mount_point(other));

	assert_ok(vss_requester_unexpose_snapshot(r, &s.snapshot_ids[0]));
	assert_false(fx_is_mount_point(at));
	assert_true(exists(at));
	assert_false(path_exists(at, "data"));
	assert_exposed_as(&s.snapshot_ids[0], NULL);
	assert_status(vss_requester_unexpose_snapshot(r, &s.snapshot_ids[0]),
		      VSS_E_OBJECT_NOT_FOUND);

	vss_id_generate(&unknown);
	assert_status(vss_requester_expose_snapshot(r, &unknown, at, &again),
		      VSS_E_OBJECT_NOT_FOUND);
	assert_status(vss_requester_unexpose_snapshot(r, &unknown),
		      VSS_E_OBJECT_NOT_FOUND);
	free(name);
	vss_requester_free(r);
}

/*
 * SN-030: without a path vssd exposes at <expose_dir>/<id>, which it
 * makes and removes again.
 */
static void
test_expose_default_path(void **state)
{
	char want[PATH_MAX];
	struct fx_backup s;
	vss_requester *r;
	char *name;

	write_at(vol[0], "data/default.txt", "default\n");
	make_set_or_fail(fx, VSS_CTX_APP_ROLLBACK, vol, 1, false, &s);
	default_path(&s.snapshot_ids[0], want, sizeof(want));
	assert_false(exists(want));
	r = requester_or_fail(fx, VSS_CTX_APP_ROLLBACK);

	name = expose(r, &s.snapshot_ids[0], NULL);
	assert_string_equal(name, want);
	assert_exposure(&s.snapshot_ids[0], want, "data/default.txt",
			"default\n");

	assert_ok(vss_requester_unexpose_snapshot(r, &s.snapshot_ids[0]));
	assert_false(fx_is_mount_point(want));
	assert_false(exists(want));
	free(name);
	vss_requester_free(r);
}

/* Expose id at path must fail with want and leave nothing mounted. */
static void
assert_refused(vss_requester *r, const vss_id *id, const char *path,
	       int want)
{
	char *name = NULL;
	int rc;

	rc = vss_requester_expose_snapshot(r, id, path, &name);
	if (rc != want) {
		free(name);
		fail_msg("expose at '%s': got %s (%d), want %s (%d)", path,
			 status_text(rc), rc, status_text(want), want);
	}
	assert_null(name);
	if (path[0] == '/')
		assert_false(fx_is_mount_point(path));
	assert_exposed_as(id, NULL);
}

/*
 * SN-030, SN-031: refused are a directory that is not empty, a relative
 * or missing one, one inside another shadow copy or its exposure, one
 * holding a shadow copy, and a client-accessible shadow copy.
 */
static void
test_expose_refused(void **state)
{
	char full[PATH_MAX], at[PATH_MAX], path[PATH_MAX], dev[PATH_MAX];
	struct fx_backup s1, s2, ca;
	vss_requester *r, *rca;
	char *name;

	write_at(vol[0], "data/file.txt", "data\n");
	join_path(path, sizeof(path), vol[0], "empty");
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &s1);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &s2);
	make_set_or_fail(fx, VSS_CTX_CLIENT_ACCESSIBLE, vol, 1, false, &ca);
	r = requester_or_fail(fx, VSS_CTX_NAS_ROLLBACK);

	empty_dir("full", full, sizeof(full));
	write_at(full, "occupant", "x\n");
	assert_refused(r, &s1.snapshot_ids[0], full, -ENOTEMPTY);
	assert_refused(r, &s1.snapshot_ids[0], "relative/dir", -EINVAL);
	join_path(path, sizeof(path), fx->dir, "missing");
	assert_refused(r, &s1.snapshot_ids[0], path, VSS_E_OBJECT_NOT_FOUND);

	/* Inside the other shadow copy, even an empty directory of it. */
	device_path(vol[0], &s2.snapshot_ids[0], dev, sizeof(dev));
	join_path(path, sizeof(path), dev, "empty");
	assert_refused(r, &s1.snapshot_ids[0], path, -EINVAL);
	/* Around shadow copies: their .vss-shadows directory. */
	join_path(path, sizeof(path), vol[0], FX_SHADOWS_DIR);
	assert_refused(r, &s1.snapshot_ids[0], path, -EINVAL);

	/* Inside another exposure. */
	empty_dir("mnt-b", at, sizeof(at));
	name = expose(r, &s2.snapshot_ids[0], at);
	join_path(path, sizeof(path), at, "empty");
	assert_refused(r, &s1.snapshot_ids[0], path, -EINVAL);
	assert_ok(vss_requester_unexpose_snapshot(r, &s2.snapshot_ids[0]));
	assert_false(fx_is_mount_point(at));
	free(name);

	/* SN-031: client accessible, never exposed. */
	rca = requester_or_fail(fx, VSS_CTX_CLIENT_ACCESSIBLE);
	empty_dir("mnt-ca", at, sizeof(at));
	assert_refused(rca, &ca.snapshot_ids[0], at, -EINVAL);
	vss_requester_free(rca);
	vss_requester_free(r);
}

/*
 * The management calls see the shadow copies of the requester's context
 * only (requester.h): a backup-context requester cannot expose a NAS
 * rollback shadow copy.
 */
static void
test_expose_other_context_not_found(void **state)
{
	char at[PATH_MAX];
	struct fx_backup s;
	vss_requester *r;

	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &s);
	empty_dir("mnt-ctx", at, sizeof(at));
	r = requester_or_fail(fx, VSS_CTX_BACKUP);
	assert_refused(r, &s.snapshot_ids[0], at, VSS_E_OBJECT_NOT_FOUND);
	vss_requester_free(r);
}

/*
 * SN-031, BK-087: a session's auto-release shadow copy that it exposed is
 * unexposed and deleted when the session ends; a persistent one it
 * exposed stays exposed.
 */
static void
test_expose_ends_with_session(void **state)
{
	char mine[PATH_MAX], kept[PATH_MAX], dev[PATH_MAX];
	struct fx_backup own, p;
	vss_requester *r;
	char *name;

	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol + 1, 1, false, &p);
	make_set_or_fail(fx, VSS_CTX_BACKUP, vol, 1, true, &own);
	device_path(vol[0], &own.snapshot_ids[0], dev, sizeof(dev));
	empty_dir("mnt-own", mine, sizeof(mine));
	empty_dir("mnt-kept", kept, sizeof(kept));

	free(expose(own.requester, &own.snapshot_ids[0], mine));
	assert_true(fx_is_mount_point(mine));
	r = requester_or_fail(fx, VSS_CTX_NAS_ROLLBACK);
	name = expose(r, &p.snapshot_ids[0], kept);
	assert_true(fx_is_mount_point(kept));

	/* r goes first: its release is done once own's shadow copy is. */
	vss_requester_free(r);
	vss_requester_free(own.requester);
	assert_ok(fx_wait_gone(dev, GONE_TIMEOUT_MS));
	assert_false(fx_is_mount_point(mine));
	assert_true(fx_is_mount_point(kept));
	assert_exposed_as(&p.snapshot_ids[0], kept);
	free(name);

	r = requester_or_fail(fx, VSS_CTX_NAS_ROLLBACK);
	assert_ok(vss_requester_unexpose_snapshot(r, &p.snapshot_ids[0]));
	assert_false(fx_is_mount_point(kept));
	vss_requester_free(r);
}

/* Unmount path by hand, as a reboot or an administrator would. */
static void
unmount_by_hand(const char *path)
{
	assert_true(fx_is_mount_point(path));
	assert_int_equal(umount2(path, 0), 0);
	assert_false(fx_is_mount_point(path));
}

/*
 * SN-031: persistent exposures, at a directory and at the default place,
 * stay when vssd stops and are mounted again at its next start if they
 * are gone, after a clean stop and after a crash.
 */
static void
test_expose_survives_restart(void **state)
{
	char at[PATH_MAX], def[PATH_MAX];
	struct fx_backup p, q;
	vss_requester *r;
	char *n1, *n2;
	int round;

	write_at(vol[0], "data/persist.txt", "persist\n");
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &p);
	make_set_or_fail(fx, VSS_CTX_APP_ROLLBACK, vol + 1, 1, false, &q);
	empty_dir("mnt-persist", at, sizeof(at));
	default_path(&q.snapshot_ids[0], def, sizeof(def));
	r = requester_or_fail(fx, VSS_CTX_ALL);
	n1 = expose(r, &p.snapshot_ids[0], at);
	n2 = expose(r, &q.snapshot_ids[0], NULL);
	assert_string_equal(n2, def);
	vss_requester_free(r);

	for (round = 0; round < 2; round++) {
		if (round == 0)
			assert_int_equal(fx_stop_vssd(fx), 0);
		else
			assert_true(fx_kill_vssd(fx) != 0);
		unmount_by_hand(at);
		unmount_by_hand(def);
		assert_ok(fx_start_vssd(fx, &vssd_cfg));
		assert_exposure(&p.snapshot_ids[0], at, "data/persist.txt",
				"persist\n");
		assert_true(fx_is_mount_point(def));
		assert_exposed_as(&q.snapshot_ids[0], def);
	}

	r = requester_or_fail(fx, VSS_CTX_ALL);
	assert_ok(vss_requester_unexpose_snapshot(r, &p.snapshot_ids[0]));
	assert_ok(vss_requester_unexpose_snapshot(r, &q.snapshot_ids[0]));
	assert_false(fx_is_mount_point(at));
	assert_false(fx_is_mount_point(def));
	assert_false(exists(def));
	vss_requester_free(r);
	free(n1);
	free(n2);
}

/*
 * SN-020, BK-087: an auto-release shadow copy exposed when vssd dies
 * (kill -9) is unexposed and deleted at the next start: the exposure
 * would otherwise keep it busy for ever.
 */
static void
test_exposed_auto_release_after_crash(void **state)
{
	char at[PATH_MAX], def[PATH_MAX], dev[PATH_MAX];
	struct fx_backup own;
	char *n1, *n2;

	make_set_or_fail(fx, VSS_CTX_BACKUP, vol, 2, true, &own);
	device_path(vol[0], &own.snapshot_ids[0], dev, sizeof(dev));
	empty_dir("mnt-crash", at, sizeof(at));
	default_path(&own.snapshot_ids[1], def, sizeof(def));
	n1 = expose(own.requester, &own.snapshot_ids[0], at);
	n2 = expose(own.requester, &own.snapshot_ids[1], NULL);
	assert_true(fx_is_mount_point(at));
	assert_true(fx_is_mount_point(def));

	assert_true(fx_kill_vssd(fx) != 0);
	vss_requester_free(own.requester);
	assert_ok(fx_start_vssd(fx, &vssd_cfg));
	assert_false(fx_is_mount_point(at));
	assert_false(fx_is_mount_point(def));
	assert_false(exists(def));
	assert_false(exists(dev));
	assert_int_equal(fx_vssd_log_count(fx, "left by a previous run",
					   "taken away"),
			 2);
	free(n1);
	free(n2);
}

/* SN-021, SN-033: deleting an exposed shadow copy unexposes it first. */
static void
test_delete_exposed(void **state)
{
	char at[PATH_MAX], def[PATH_MAX], dev[PATH_MAX];
	struct fx_backup p, q;
	vss_requester *r;
	vss_id non_deleted;
	long deleted = -1;

	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &p);
	make_set_or_fail(fx, VSS_CTX_NAS_ROLLBACK, vol, 1, false, &q);
	empty_dir("mnt-del", at, sizeof(at));
	default_path(&q.snapshot_ids[0], def, sizeof(def));
	r = requester_or_fail(fx, VSS_CTX_NAS_ROLLBACK);
	free(expose(r, &p.snapshot_ids[0], at));
	free(expose(r, &q.snapshot_ids[0], NULL));

	assert_ok(vss_requester_delete_snapshots(r, &p.snapshot_ids[0],
						 VSS_OBJECT_SNAPSHOT, false,
						 &deleted, &non_deleted));
	assert_int_equal(deleted, 1);
	assert_false(fx_is_mount_point(at));
	device_path(vol[0], &p.snapshot_ids[0], dev, sizeof(dev));
	assert_false(exists(dev));

	assert_ok(vss_requester_delete_snapshots(r, &q.set_id,
						 VSS_OBJECT_SNAPSHOT_SET, false,
						 &deleted, &non_deleted));
	assert_int_equal(deleted, 1);
	assert_false(fx_is_mount_point(def));
	assert_false(exists(def));
	device_path(vol[0], &q.snapshot_ids[0], dev, sizeof(dev));
	assert_false(exists(dev));
	vss_requester_free(r);
}

/* ---- files not to snapshot -------------------------------------------- */

/* What the tree on vol[0] holds, and whether a shadow copy keeps it. */
static const struct {
	const char *name;
	bool removed; /* by the configuration or the writers */
} tree[] = {
	/* vssd.conf: *.tmp in <vol>/cache, " /s": below it too */
	{"cache/a.tmp", true},
	{"cache/keep.txt", false},
	{"cache/sub/b.tmp", true},
	{"cache/sub/keep.txt", false},
	{"top.tmp", false},
	/* writer exclude-scratch: *.bin in <vol>/scratch only */
	{"scratch/x.bin", true},
	{"scratch/keep.txt", false},
	{"scratch/sub/y.bin", false},
	/* writer exclude-deep: *.bin in <vol>/deep and below (":r") */
	{"deep/z.bin", true},
	{"deep/sub/w.bin", true},
	{"deep/sub/keep.txt", false},
};

/* The shadow copy of a backup in context on vol[0], checked against tree. */
static void
check_exclusions(int32_t context, bool none_removed)
{
	struct vss_snapshot_prop p;
	struct fx_backup b;
	bool ro = false;
	size_t i;

	make_set_or_fail(fx, context, vol, 1, true, &b);
	assert_ok(vss_requester_get_snapshot_properties(
		b.requester, &b.snapshot_ids[0], &p));
	for (i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
		bool want = none_removed || !tree[i].removed;

		if (path_exists(p.device, tree[i].name) != want)
			fail_msg("context 0x%x: '%s' %s in the shadow copy",
				 (unsigned)context, tree[i].name,
				 want ? "missing" : "still");
		assert_true(path_exists(vol[0], tree[i].name));
	}
	/* SN-004: sealed read-only once the files are gone. */
	assert_int_equal(btrfs_util_get_subvolume_read_only(p.device, &ro),
			 BTRFS_UTIL_OK);
	assert_true(ro);
	assert_read_only(p.device, "cache/keep.txt");
	vss_requester_free(b.requester);
}

/*
 * SN-061: the [files-not-to-snapshot] entries (" /s": in subdirectories
 * too) and SN-060: the exclude-from-snapshot file sets of the writers
 * taking part are missing from a new shadow copy, everything else is
 * there, the live volume keeps them all; with NO_AUTORECOVERY nothing is
 * removed (spec §7).
 */
static void
test_files_not_to_snapshot(void **state)
{
	char scratch[PATH_MAX + 16], deep[PATH_MAX + 16];
	const char *const scratch_args[] = {
		"--exclude-from-snapshot", scratch, NULL};
	const char *const deep_args[] = {
		"--exclude-from-snapshot", deep, NULL};
	struct fx_writer_opts os = {.name = "exclude-scratch",
				    .extra = scratch_args};
	struct fx_writer_opts od = {.name = "exclude-deep",
				    .extra = deep_args};
	struct fx_writer *w;
	size_t i;

	for (i = 0; i < sizeof(tree) / sizeof(tree[0]); i++)
		write_at(vol[0], tree[i].name, "content\n");
	snprintf(scratch, sizeof(scratch), "%s/scratch/*.bin", vol[0]);
	snprintf(deep, sizeof(deep), "%s/deep/*.bin:r", vol[0]);
	assert_ok(fx_writer_start(fx, &os, &w));
	assert_ok(fx_writer_start(fx, &od, &w));

	check_exclusions(VSS_CTX_BACKUP, false);
	check_exclusions(VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_NO_AUTORECOVERY,
			 true);
}

/* The daemon survived everything above. */
static void
test_daemon_still_running(void **state)
{
	assert_true(fx_vssd_alive(fx));
}

/* ---- set-up ----------------------------------------------------------- */

/* After each test: no writer, no exposure, no shadow copy. */
static int
clean_up(void **state)
{
	return fx_clean_up(fx, &vssd_cfg) < 0 ? -1 : 0;
}

static int
setup(void **state)
{
	if (fx_new(&fx) < 0 || fx_add_volumes(fx, 2, 256, vol) < 0)
		return -1;
	snprintf(expose_dir, sizeof(expose_dir), "%s/exposed", fx->dir);
	snprintf(config_extra, sizeof(config_extra),
		 "expose_dir = %s\n"
		 "[files-not-to-snapshot]\n"
		 "app = %s/cache/*.tmp /s\n",
		 expose_dir, vol[0]);
	fx->daemon_log_to_file = true;
	return fx_start_vssd(fx, &vssd_cfg) < 0 ? -1 : 0;
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
		cmocka_unit_test_teardown(test_expose_at_directory, clean_up),
		cmocka_unit_test_teardown(test_expose_default_path, clean_up),
		cmocka_unit_test_teardown(test_expose_refused, clean_up),
		cmocka_unit_test_teardown(test_expose_other_context_not_found,
					  clean_up),
		cmocka_unit_test_teardown(test_expose_ends_with_session,
					  clean_up),
		cmocka_unit_test_teardown(test_expose_survives_restart,
					  clean_up),
		cmocka_unit_test_teardown(test_exposed_auto_release_after_crash,
					  clean_up),
		cmocka_unit_test_teardown(test_delete_exposed, clean_up),
		cmocka_unit_test_teardown(test_files_not_to_snapshot,
					  clean_up),
		cmocka_unit_test(test_daemon_still_running),
	};

	SKIP_UNLESS_AVAILABLE();
	return cmocka_run_group_tests(tests, setup, teardown);
}
