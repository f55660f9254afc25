/*
 * tests/unit/test_freeze.c - FIFREEZE holds for commit_while_frozen
 * providers (PV-024, BK-062, PV-031) on real loop-mounted file systems:
 * an ext4 "a" with another ext4 "a/inner" mounted inside it, an xfs "b"
 * (left out, with a message, when mkfs.xfs is missing), "a" bound again
 * at "bind", and a tmpfs, which cannot be frozen.  The state directory
 * is on the root file system, on none of them.  Needs root, loop devices
 * and mkfs.ext4; without them the tests skip and the program exits 77
 * (meson's SKIP) with a message; any other setup error fails.
 *
 * Whether a file system is frozen is asked of the kernel (freeze_probe),
 * never guessed from timing.
 *
 * The test runs in a mount namespace of its own and its loop devices
 * detach themselves once their file system is gone.  A frozen file system
 * outlives its last mount, though, and could then never be thawed: every
 * exit path (per-test teardown, group teardown, atexit, SIGINT/SIGTERM/
 * SIGHUP) thaws all of them before it unmounts anything (sys_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "freeze.h"
#include "sys_fixture.h"
#include "vss/status.h"

#define EXT4_SIZE (64LL << 20)
/* mkfs.xfs refuses file systems under 300 MiB; the image is sparse. */
#define XFS_SIZE (320LL << 20)
#define HOLD_MS 60000

enum { IMG_A, IMG_INNER, IMG_B, IMGS };
enum { M_BIND, M_TMP, M_INNER, M_A, M_B, MOUNTS };

static struct {
	char dir[64];
	char state[96];
	char journal[128];
	char journal_bad[128];
	char journal_tmp[128];
	char image[IMGS][96];
	char path[MOUNTS][96];
	bool have_xfs;
} env;

/* The hold of the running test, thawed by the teardown if it fails. */
static struct freeze_hold *hold;
static char err[256];

/*
 * Attach image i and mount it at mount point m: 0, or -1 after sfx_skip()
 * or sfx_fail().
 */
static int
mount_image(int i, const char *type, int m)
{
	char dev[32];

	if (sfx_loop_attach(env.image[i], dev, sizeof(dev)) < 0)
		return -1;
	/* The loop device holds the file: nothing to leave behind. */
	unlink(env.image[i]);
	if (sfx_mount(dev, env.path[m], type, 0, NULL) < 0)
		return sfx_fail("cannot mount %s on %s: %m", type, env.path[m]);
	return 0;
}

static void
make_paths(void)
{
	static const char *const images[IMGS] = {
		[IMG_A] = "a.img",
		[IMG_INNER] = "inner.img",
		[IMG_B] = "b.img",
	};
	static const char *const mounts[MOUNTS] = {
		[M_A] = "a",
		[M_INNER] = "a/inner",
		[M_B] = "b",
		[M_BIND] = "bind",
		[M_TMP] = "tmp",
	};
	int i;

	for (i = 0; i < IMGS; i++)
		snprintf(env.image[i], sizeof(env.image[i]), "%s/%s", env.dir,
			 images[i]);
	for (i = 0; i < MOUNTS; i++)
		snprintf(env.path[i], sizeof(env.path[i]), "%s/%s", env.dir,
			 mounts[i]);
	snprintf(env.state, sizeof(env.state), "%s/state", env.dir);
	snprintf(env.journal, sizeof(env.journal), "%s/frozen.json",
		 env.state);
	snprintf(env.journal_bad, sizeof(env.journal_bad),
		 "%s/frozen.json.bad", env.state);
	snprintf(env.journal_tmp, sizeof(env.journal_tmp),
		 "%s/.frozen.json.tmp", env.state);
}

/*
 * The xfs part, left out with a message when mkfs.xfs is not installed:
 * 0, or -1 after sfx_skip() (no loop device) or sfx_fail().
 */
static int
prepare_xfs(void)
{
	char *mkfs[] = {"mkfs.xfs", "-q", "-f", env.image[IMG_B], NULL};

	if (!sfx_have_program(mkfs[0])) {
		printf("freeze tests without xfs: no %s\n", mkfs[0]);
		return 0;
	}
	if (sfx_image_new(env.image[IMG_B], XFS_SIZE, mkfs) < 0 ||
	    mount_image(IMG_B, "xfs", M_B) < 0)
		return -1;
	env.have_xfs = true;
	return 0;
}

/* The state directory and the journal files freeze.c may leave in it. */
static int
make_state(void)
{
	if (sfx_mkdir(env.state) < 0)
		return sfx_fail("cannot make the state directory: %m");
	sfx_track(env.journal);
	sfx_track(env.journal_bad);
	sfx_track(env.journal_tmp);
	return 0;
}

/* Everything up to the mounts: 0, or -1 after sfx_skip() or sfx_fail(). */
static int
prepare(void)
{
	char *mkfs_a[] = {"mkfs.ext4", "-q", "-F", env.image[IMG_A], NULL};
	char *mkfs_inner[] = {"mkfs.ext4", "-q", "-F", env.image[IMG_INNER],
			      NULL};
	int i, r;

	if (sfx_private_namespace() < 0)
		return -1;
	if (sfx_tempdir("freeze", env.dir, sizeof(env.dir)) < 0)
		return sfx_fail("cannot make a temporary directory: %m");
	make_paths();
	for (i = 0; i < MOUNTS; i++)
		if (i != M_INNER && sfx_mkdir(env.path[i]) < 0)
			return sfx_fail("cannot make mount points: %m");
	if (make_state() < 0 ||
	    sfx_image_new(env.image[IMG_A], EXT4_SIZE, mkfs_a) < 0 ||
	    sfx_image_new(env.image[IMG_INNER], EXT4_SIZE, mkfs_inner) < 0 ||
	    mount_image(IMG_A, "ext4", M_A) < 0)
		return -1;
	if (sfx_mkdir(env.path[M_INNER]) < 0)
		return sfx_fail("cannot make the nested mount point: %m");
	if (mount_image(IMG_INNER, "ext4", M_INNER) < 0)
		return -1;
	if (sfx_mount(env.path[M_A], env.path[M_BIND], NULL, MS_BIND, NULL) < 0)
		return sfx_fail("cannot bind mount: %m");
	if (sfx_mount("tmpfs", env.path[M_TMP], "tmpfs", 0, "size=1m") < 0)
		return sfx_fail("cannot mount tmpfs: %m");
	if (prepare_xfs() < 0)
		return -1;
	r = freeze_init(env.state);
	if (r < 0)
		return sfx_fail("freeze_init: %s", vss_strerror(r));
	return 0;
}

static int
group_setup(void **state)
{
	sfx_init();
	return sfx_setup_status(prepare());
}

static int
group_teardown(void **state)
{
	freeze_release();
	sfx_cleanup();
	return 0;
}

/*
 * After each test, even a failed one: no hold, nothing frozen, no journal,
 * the journal back in the state directory.
 */
static int
test_teardown(void **state)
{
	if (sfx_skipping())
		return 0;
	freeze_thaw(hold, err, sizeof(err));
	hold = NULL;
	sfx_thaw_all();
	unlink(env.journal);
	unlink(env.journal_bad);
	return freeze_init(env.state);
}

static void
expect_frozen(int m, bool frozen)
{
	int r = freeze_probe(env.path[m]);

	if (r != (int)frozen)
		print_error("'%s': freeze_probe %d, want %d\n", env.path[m], r,
			    (int)frozen);
	assert_int_equal(r, (int)frozen);
}

/* "a", "a/inner" and, with xfs, "b" all frozen, or none and no journal. */
static void
expect_all_frozen(bool frozen)
{
	expect_frozen(M_A, frozen);
	expect_frozen(M_INNER, frozen);
	if (env.have_xfs)
		expect_frozen(M_B, frozen);
	if (!frozen)
		sfx_expect_absent(env.journal);
}

/* The journal names want[0..n), in that order, written by pid. */
static void
expect_journal(const char *const *want, size_t n, pid_t pid)
{
	json_error_t jerr;
	json_t *doc, *mounts;
	json_int_t at;
	size_t i;

	doc = json_load_file(env.journal, 0, &jerr);
	assert_non_null(doc);
	mounts = json_object_get(doc, "mounts");
	assert_true(json_is_array(mounts));
	assert_int_equal(json_array_size(mounts), n);
	for (i = 0; i < n; i++)
		assert_string_equal(
			json_string_value(json_array_get(mounts, i)), want[i]);
	assert_int_equal(json_integer_value(json_object_get(doc, "pid")),
			 pid);
	at = json_integer_value(json_object_get(doc, "frozen_at"));
	assert_true(at > 0);
	assert_true(at <= (json_int_t)time(NULL));
	json_decref(doc);
	sfx_expect_absent(env.journal_tmp);
}

static void
expect_text(const char *path, const char *text)
{
	assert_string_equal(sfx_read_file(path), text);
}

/* Arguments, state and mount points that are refused before anything. */
static void
test_refused_early(void **state)
{
	const char *rel[] = {"relative"};
	const char *missing[] = {env.path[M_A], "/nonexistent/vss-freeze"};
	const char *one[] = {env.path[M_A]};
	struct freeze_hold *sentinel = (struct freeze_hold *)&err, *h;

	sfx_require();
	h = sentinel;
	assert_int_equal(freeze_hold(NULL, 1, HOLD_MS, &h, err,
				     sizeof(err)),
			 -EINVAL);
	assert_int_equal(freeze_hold(one, 0, HOLD_MS, &h, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(freeze_hold(one, 1, HOLD_MS, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(freeze_hold(rel, 1, HOLD_MS, &h, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(freeze_hold(missing, 2, HOLD_MS, &h, err,
				     sizeof(err)),
			 VSS_E_PROVIDER_VETO);
	assert_non_null(strstr(err, "cannot open '/nonexistent/vss-freeze'"));
	assert_ptr_equal(h, sentinel);
	expect_frozen(M_A, false);
	sfx_expect_absent(env.journal);

	/* No journal, no freeze. */
	freeze_release();
	assert_int_equal(freeze_hold(one, 1, HOLD_MS, &h, err, sizeof(err)),
			 VSS_E_BAD_STATE);
	assert_ptr_equal(h, sentinel);
	expect_frozen(M_A, false);
	assert_int_equal(freeze_init(env.state), 0);
	assert_int_equal(freeze_init(NULL), -EINVAL);
	assert_int_equal(freeze_init("/nonexistent/vss-freeze"), -ENOENT);

	/* err may be left out. */
	assert_int_equal(freeze_hold(rel, 1, HOLD_MS, &h, NULL, 0), -EINVAL);
	assert_ptr_equal(h, sentinel);
	assert_int_equal(freeze_thaw(NULL, err, sizeof(err)), 0);
	assert_int_equal(freeze_probe(NULL), -EINVAL);
	assert_int_equal(freeze_probe("/nonexistent/vss-freeze"), -ENOENT);
}

/*
 * PV-024: every file system of the set frozen at once, named by the
 * journal first, deepest mount point first; thawed again, journal gone.
 */
static void
test_hold_and_thaw(void **state)
{
	const char *mounts[] = {env.path[M_A], env.path[M_B],
				env.path[M_INNER]};
	const char *order[] = {env.path[M_INNER], env.path[M_A],
			       env.path[M_B]};
	size_t n = env.have_xfs ? 3 : 2;
	struct freeze_hold *other = NULL;

	sfx_require();
	if (!env.have_xfs)
		mounts[1] = env.path[M_INNER];
	assert_int_equal(freeze_hold(mounts, n, HOLD_MS, &hold, err,
				     sizeof(err)),
			 0);
	assert_non_null(hold);
	assert_string_equal(err, "");
	expect_all_frozen(true);
	expect_journal(order, n, getpid());

	/* One journal: one hold at a time. */
	assert_int_equal(freeze_hold(mounts, 1, HOLD_MS, &other, err,
				     sizeof(err)),
			 -EBUSY);
	assert_null(other);
	expect_journal(order, n, getpid());

	assert_int_equal(freeze_thaw(hold, err, sizeof(err)), 0);
	hold = NULL;
	expect_all_frozen(false);
}

/* The same file system under two mount points is frozen once. */
static void
test_same_fs_once(void **state)
{
	const char *mounts[] = {env.path[M_BIND], env.path[M_A],
				env.path[M_A]};

	sfx_require();
	assert_int_equal(freeze_hold(mounts, 3, HOLD_MS, &hold, err,
				     sizeof(err)),
			 0);
	expect_frozen(M_A, true);
	expect_frozen(M_BIND, true);
	/* Same depth: the first by name. */
	expect_journal(mounts + 1, 1, getpid());
	assert_int_equal(freeze_thaw(hold, err, sizeof(err)), 0);
	hold = NULL;
	expect_frozen(M_A, false);
	sfx_expect_absent(env.journal);
}

/* The thaw path must never write to a frozen file system. */
static void
test_state_dir_refused(void **state)
{
	const char *mounts[] = {env.path[M_INNER], env.path[M_BIND]};
	char inside[128];

	sfx_require();
	snprintf(inside, sizeof(inside), "%s/state", env.path[M_A]);
	assert_int_equal(mkdir(inside, 0700), 0);
	assert_int_equal(freeze_init(inside), 0);
	/* Through another mount point of the same file system too. */
	assert_int_equal(freeze_hold(mounts, 2, HOLD_MS, &hold, err,
				     sizeof(err)),
			 VSS_E_VOLUME_NOT_SUPPORTED);
	assert_null(hold);
	assert_non_null(strstr(err, env.path[M_BIND]));
	assert_non_null(strstr(err, "state directory"));
	expect_frozen(M_INNER, false);
	expect_frozen(M_A, false);
	assert_int_equal(rmdir(inside), 0);
}

/*
 * A file system that cannot be frozen, after others were: they are thawed,
 * the journal cleared, *ret untouched.
 */
static void
test_fails_midway(void **state)
{
	/* Freeze order: inner (deepest), a, then tmp. */
	const char *mounts[] = {env.path[M_TMP], env.path[M_A],
				env.path[M_INNER]};

	sfx_require();
	assert_int_equal(freeze_hold(mounts, 3, HOLD_MS, &hold, err,
				     sizeof(err)),
			 VSS_E_PROVIDER_VETO);
	assert_null(hold);
	assert_non_null(strstr(err, "cannot be frozen"));
	assert_non_null(strstr(err, env.path[M_TMP]));
	expect_all_frozen(false);
	/* The failure left no hold behind: the next one works. */
	assert_int_equal(freeze_hold(mounts + 1, 2, HOLD_MS, &hold, err,
				     sizeof(err)),
			 0);
	assert_int_equal(freeze_thaw(hold, err, sizeof(err)), 0);
	hold = NULL;
}

/* Fork a vssd that freezes mounts and dies without thawing (kill -9). */
static pid_t
crash_while_frozen(const char *const *mounts, size_t n)
{
	struct freeze_hold *h;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(freeze_hold(mounts, n, HOLD_MS, &h, NULL, 0) == 0 ? 0
									: 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return pid;
}

/*
 * A file system someone else froze fails the hold, and is not thawed by
 * it: that freeze is theirs.
 */
static void
test_frozen_by_another(void **state)
{
	const char *theirs[] = {env.path[M_INNER]};
	const char *ours[] = {env.path[M_A], env.path[M_INNER]};

	sfx_require();
	crash_while_frozen(theirs, 1);
	expect_frozen(M_INNER, true);
	assert_int_equal(freeze_hold(ours, 2, HOLD_MS, &hold, err,
				     sizeof(err)),
			 VSS_E_PROVIDER_VETO);
	assert_null(hold);
	assert_non_null(strstr(err, "is frozen already"));
	expect_frozen(M_INNER, true);
	expect_frozen(M_A, false);
	sfx_expect_absent(env.journal);
}

/* Poll until m is thawed; false after 30 s. */
static bool
wait_thawed(int m)
{
	int i;

	for (i = 0; i < 3000; i++) {
		if (freeze_probe(env.path[m]) == 0)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * BK-062: the watchdog thaws by itself once hold_ms have passed, and the
 * thaw then reports the timeout.
 */
static void
test_watchdog(void **state)
{
	const char *mounts[] = {env.path[M_A], env.path[M_B]};
	size_t n = env.have_xfs ? 2 : 1;
	uint32_t ms;
	int r;

	sfx_require();
	/*
	 * 200 ms, unless freezing itself takes that long here: the hold then
	 * fails with the timeout, and is tried again with more time.
	 */
	for (ms = 200;; ms *= 2) {
		r = freeze_hold(mounts, n, ms, &hold, err, sizeof(err));
		if (r != VSS_E_HOLD_WRITES_TIMEOUT || ms > 60000)
			break;
		expect_frozen(M_A, false);
	}
	assert_int_equal(r, 0);
	assert_true(wait_thawed(M_A));
	if (env.have_xfs)
		assert_true(wait_thawed(M_B));
	/* Thawed, but the hold is there till freeze_thaw. */
	expect_journal(mounts, n, getpid());
	assert_int_equal(freeze_thaw(hold, err, sizeof(err)),
			 VSS_E_HOLD_WRITES_TIMEOUT);
	hold = NULL;
	assert_non_null(strstr(err, "thawed by the watchdog"));
	expect_frozen(M_A, false);
	sfx_expect_absent(env.journal);
}

/*
 * No time at all: the watchdog fires while freezing or before the thaw;
 * either way the timeout is reported and nothing stays frozen.
 */
static void
test_zero_hold(void **state)
{
	const char *mounts[] = {env.path[M_INNER], env.path[M_A]};
	int i, r;

	sfx_require();
	for (i = 0; i < 20; i++) {
		r = freeze_hold(mounts, 2, 0, &hold, err, sizeof(err));
		if (r == 0) {
			r = freeze_thaw(hold, err, sizeof(err));
			hold = NULL;
		}
		assert_int_equal(r, VSS_E_HOLD_WRITES_TIMEOUT);
		assert_non_null(strstr(err, "writes held longer than 0 ms"));
		expect_all_frozen(false);
	}
}

/* PV-024: vssd killed while frozen; the next start thaws from the journal. */
static void
test_recover_after_crash(void **state)
{
	const char *mounts[] = {env.path[M_A], env.path[M_INNER],
				env.path[M_B]};
	const char *order[] = {env.path[M_INNER], env.path[M_A],
			       env.path[M_B]};
	size_t n = env.have_xfs ? 3 : 2;
	pid_t pid;

	sfx_require();
	pid = crash_while_frozen(mounts, n);
	expect_all_frozen(true);
	expect_journal(order, n, pid);

	freeze_recover();
	expect_all_frozen(false);
	/* Nothing to do the second time. */
	freeze_recover();
	sfx_expect_absent(env.journal_bad);
}

/*
 * A journal naming file systems that are not frozen, or gone: nothing to
 * thaw, the journal is removed all the same.
 */
static void
test_recover_nothing_frozen(void **state)
{
	char text[512];

	sfx_require();
	snprintf(text, sizeof(text),
		 "{\"mounts\": [\"%s\", \"/nonexistent/vss-freeze\"], "
		 "\"pid\": 1, \"frozen_at\": 0}",
		 env.path[M_A]);
	sfx_write_file(env.journal, text);
	freeze_recover();
	expect_frozen(M_A, false);
	sfx_expect_absent(env.journal);
	sfx_expect_absent(env.journal_bad);
}

/* A journal that cannot be read is moved aside, and nothing is thawed. */
static void
test_bad_journal(void **state)
{
	const char *theirs[] = {env.path[M_INNER]};
	char wrong_type[256];
	const char *bad[] = {
		"{\"mounts\": [\"/tmp\"", /* cut short */
		"[]",
		"{\"mounts\": \"/tmp\"}",
		"{\"pid\": 1}",
		"{\"mounts\": [\"relative\"]}",
		wrong_type,
	};
	size_t i;

	sfx_require();
	/* Frozen by someone: a bad journal naming it must not thaw it. */
	crash_while_frozen(theirs, 1);
	snprintf(wrong_type, sizeof(wrong_type), "{\"mounts\": [\"%s\", 7]}",
		 env.path[M_INNER]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sfx_write_file(env.journal, bad[i]);
		freeze_recover();
		sfx_expect_absent(env.journal);
		expect_text(env.journal_bad, bad[i]);
		expect_frozen(M_INNER, true);
	}
	assert_int_equal(unlink(env.journal_bad), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_refused_early, test_teardown),
		cmocka_unit_test_teardown(test_hold_and_thaw, test_teardown),
		cmocka_unit_test_teardown(test_same_fs_once, test_teardown),
		cmocka_unit_test_teardown(test_state_dir_refused,
					  test_teardown),
		cmocka_unit_test_teardown(test_fails_midway, test_teardown),
		cmocka_unit_test_teardown(test_frozen_by_another,
					  test_teardown),
		cmocka_unit_test_teardown(test_watchdog, test_teardown),
		cmocka_unit_test_teardown(test_zero_hold, test_teardown),
		cmocka_unit_test_teardown(test_recover_after_crash,
					  test_teardown),
		cmocka_unit_test_teardown(test_recover_nothing_frozen,
					  test_teardown),
		cmocka_unit_test_teardown(test_bad_journal, test_teardown),
	};

	return sfx_exit_status(
		cmocka_run_group_tests(tests, group_setup, group_teardown),
		"freeze tests");
}
