/*
 * tests/unit/fs_expect.c - times, owners, modes, contents and ACLs set
 * and checked for the backup set's and the restore writer's tests
 * (fs_expect.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs_expect.h"

int64_t
fsx_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

void
fsx_set_times(const char *path, int64_t atime_ns, int64_t mtime_ns)
{
	struct timespec ts[2] = {
		{atime_ns / 1000000000, atime_ns % 1000000000},
		{mtime_ns / 1000000000, mtime_ns % 1000000000},
	};

	assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

void
fsx_expect_meta(const char *path, mode_t mode, uid_t uid, gid_t gid,
		int64_t atime_ns, int64_t mtime_ns)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode, mode);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(fsx_ns(&st.st_atim), atime_ns);
	assert_int_equal(fsx_ns(&st.st_mtim), mtime_ns);
}

void
fsx_expect_same_content(const char *a, const char *b)
{
	char ba[65536], bb[65536];
	ssize_t na, nb;
	int fa, fb;

	fa = open(a, O_RDONLY | O_NOFOLLOW);
	fb = open(b, O_RDONLY | O_NOFOLLOW);
	assert_true(fa >= 0 && fb >= 0);
	do {
		na = read(fa, ba, sizeof(ba));
		nb = read(fb, bb, sizeof(bb));
		assert_int_equal(na, nb);
		assert_memory_equal(ba, bb, (size_t)(na > 0 ? na : 0));
	} while (na > 0);
	close(fa);
	close(fb);
}

void
fsx_set_acl(const char *path, const char *name)
{
	/* The kernel's posix_acl_xattr layout, version 2. */
	struct {
		uint32_t version;
		struct {
			uint16_t tag, perm;
			uint32_t id;
		} e[5];
	} acl = {2, {{0x01, 7, UINT32_MAX}, {0x02, 6, 4242},
		     {0x04, 5, UINT32_MAX}, {0x10, 7, UINT32_MAX},
		     {0x20, 4, UINT32_MAX}}};

	assert_int_equal(setxattr(path, name, &acl, sizeof(acl), 0), 0);
}
