/*
 * tests/unit/test_mountinfo.c - the mount table reader shared by vssd and
 * the vss command (lib/util/mountinfo.h): which mount holds a path, which
 * of several mounts on one point is on top, pseudo file systems, and the
 * octal escapes of /proc/self/mountinfo.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/mountinfo.h"

#define E(mp, type) {(char *)(mp), (char *)(type), (char *)"src"}

static const struct mount_entry table[] = {
	E("/", "ext4"),
	E("/srv", "btrfs"),
	E("/srv/data", "xfs"),
	E("/srv", "tmpfs"), /* mounted later over /srv */
	E("/srvx", "ext4"),
};
#define N (sizeof(table) / sizeof(table[0]))

static void
test_holding(void **state)
{
	(void)state;
	assert_string_equal(mountinfo_holding(table, N, "/")->mount_point,
			    "/");
	assert_string_equal(mountinfo_holding(table, N, "/etc/x")->fstype,
			    "ext4");
	/* Whole elements only: /srvx is not below /srv. */
	assert_ptr_equal(mountinfo_holding(table, N, "/srvx/a"), &table[4]);
	/* The later of two mounts on one point is on top. */
	assert_ptr_equal(mountinfo_holding(table, N, "/srv/a"), &table[3]);
	assert_ptr_equal(mountinfo_holding(table, N, "/srv"), &table[3]);
	assert_ptr_equal(mountinfo_holding(table, N, "/srv/data/b"),
			 &table[2]);
	assert_null(mountinfo_holding(table, N, "relative/path"));
	assert_null(mountinfo_holding(table, 0, "/"));
}

static void
test_find(void **state)
{
	(void)state;
	assert_ptr_equal(mountinfo_find(table, N, "/srv"), &table[3]);
	assert_ptr_equal(mountinfo_find(table, N, "/srv/data"), &table[2]);
	assert_null(mountinfo_find(table, N, "/srv/data/b"));
	assert_null(mountinfo_find(table, N, "/sr"));
}

static void
test_pseudo(void **state)
{
	(void)state;
	assert_true(mountinfo_is_pseudo("proc"));
	assert_true(mountinfo_is_pseudo("cgroup2"));
	assert_false(mountinfo_is_pseudo("btrfs"));
	assert_false(mountinfo_is_pseudo("tmpfs"));
	assert_false(mountinfo_is_pseudo(""));
}

/* The real table has the root, and every entry has its three fields. */
static void
test_read(void **state)
{
	struct mount_entry *e;
	size_t n;

	(void)state;
	assert_int_equal(mountinfo_read(&e, &n), 0);
	assert_true(n > 0);
	assert_non_null(mountinfo_find(e, n, "/"));
	for (size_t i = 0; i < n; i++) {
		assert_non_null(e[i].mount_point);
		assert_non_null(e[i].fstype);
		assert_non_null(e[i].source);
	}
	mountinfo_free(e, n);
}

/*
 * A mount point with a space, a tab, a newline and a backslash in its
 * name: the kernel writes them as octal escapes, the reader undoes them.
 * Needs root for a private mount namespace; skipped otherwise.
 */
static void
test_escapes(void **state)
{
	char dir[] = "/tmp/vss-mountinfo.XXXXXX", odd[256];
	const struct mount_entry *m;
	struct mount_entry *e;
	size_t n;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0) {
		skip();
		return;
	}
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(odd, sizeof(odd), "%s/a b\tc\nd\\e", dir);
	assert_int_equal(mkdir(odd, 0700), 0);
	assert_int_equal(mount("vss-test", odd, "tmpfs", 0, NULL), 0);
	assert_int_equal(mountinfo_read(&e, &n), 0);
	m = mountinfo_find(e, n, odd);
	assert_non_null(m);
	assert_string_equal(m->fstype, "tmpfs");
	assert_string_equal(m->source, "vss-test");
	mountinfo_free(e, n);
	umount(odd);
	rmdir(odd);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holding),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_pseudo),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
