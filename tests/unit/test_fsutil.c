/*
 * tests/unit/test_fsutil.c - the file system helpers vssd and the vss
 * command share (lib/util: relpath.h, fsmeta.h, sha256.h, mkdir_p.h,
 * beneath.h): clean relative and absolute paths, file type names and
 * times before 1970, a known SHA-256, mkdir -p with its modes and its
 * failures, and one element beneath a directory with and without
 * openat2().  Needs no root.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/beneath.h"
#include "util/fsmeta.h"
#include "util/mkdir_p.h"
#include "util/relpath.h"
#include "util/sha256.h"

static char top[64];

static const char *
at(const char *rel)
{
	static char buf[2][PATH_MAX];
	static int i;

	i = !i;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, rel);
	return buf[i];
}

static void
test_relpath(void **state)
{
	static const char *const good[] = {"", "a", "a/b", "a/.b/c..", "...",
					   ".a"};
	static const char *const bad[] = {"/", "/a", "a/", "a//b", ".", "..",
					  "a/./b", "a/../b", "../a", "a/.."};
	char longname[NAME_MAX + 2], longpath[PATH_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(relpath_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(relpath_valid(bad[i]));
	assert_false(relpath_valid(NULL));
	memset(longname, 'x', NAME_MAX);
	longname[NAME_MAX] = '\0';
	assert_true(relpath_valid(longname));
	longname[NAME_MAX] = 'x';
	longname[NAME_MAX + 1] = '\0';
	assert_false(relpath_valid(longname));
	/* Elements of 1 and '/': PATH_MAX - 1 bytes pass, PATH_MAX not. */
	for (i = 0; i < PATH_MAX; i++)
		longpath[i] = i % 2 ? '/' : 'x';
	longpath[PATH_MAX - 1] = '\0';
	assert_true(relpath_valid(longpath));
	longpath[PATH_MAX - 1] = 'x';
	longpath[PATH_MAX] = '\0';
	assert_false(relpath_valid(longpath));
}

static void
test_abspath(void **state)
{
	(void)state;
	assert_true(abspath_clean("/"));
	assert_true(abspath_clean("/srv/data"));
	assert_false(abspath_clean("/srv/"));
	assert_false(abspath_clean("srv"));
	assert_false(abspath_clean(""));
	assert_false(abspath_clean("//"));
	assert_false(abspath_clean("/srv//data"));
	assert_false(abspath_clean("/srv/../etc"));
	assert_false(abspath_clean(NULL));
	/* A directory may end in one '/'. */
	assert_true(abspath_clean_dir("/"));
	assert_true(abspath_clean_dir("/srv/"));
	assert_true(abspath_clean_dir("/srv"));
	assert_false(abspath_clean_dir("/srv//"));
	assert_false(abspath_clean_dir("//"));
	assert_false(abspath_clean_dir("/./"));
	assert_false(abspath_clean_dir("srv/"));
	assert_false(abspath_clean_dir(NULL));
}

static void
test_fsmeta(void **state)
{
	struct timespec ts;
	mode_t type = 0;

	(void)state;
	assert_string_equal(fsmeta_type_name(S_IFREG | 0644), "file");
	assert_string_equal(fsmeta_type_name(S_IFSOCK), "socket");
	assert_null(fsmeta_type_name(0));
	assert_int_equal(fsmeta_type_parse("symlink", &type), 0);
	assert_int_equal(type, S_IFLNK);
	assert_int_equal(fsmeta_type_parse("link", &type), -EINVAL);
	assert_int_equal(type, S_IFLNK);
	ts = fsmeta_timespec(1500000000987654321LL);
	assert_int_equal(ts.tv_sec, 1500000000);
	assert_int_equal(ts.tv_nsec, 987654321);
	/* Before 1970: the seconds go down, the ns stay positive. */
	ts = fsmeta_timespec(-1);
	assert_int_equal(ts.tv_sec, -1);
	assert_int_equal(ts.tv_nsec, 999999999);
}

static void
test_sha256(void **state)
{
	char hex[65];

	(void)state;
	assert_int_equal(sha256_buf_hex("abc", 3, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	return st.st_mode & 07777;
}

static void
test_mkdir_p(void **state)
{
	size_t failed = 0;
	mode_t old;
	int fd;

	(void)state;
	old = umask(022);
	/* The parents reachable (mode | 0755), path itself its mode. */
	assert_int_equal(mkdir_p(at("m/a/b//c/"), 0700, 0, NULL), 0);
	assert_int_equal(mode_of(at("m/a/b")), 0755);
	assert_int_equal(mode_of(at("m/a/b/c")), 0700);
	/* What exists is taken as it is. */
	assert_int_equal(mkdir_p(at("m/a/b/c"), 0777, 0, NULL), 0);
	assert_int_equal(mode_of(at("m/a/b/c")), 0700);
	/* The umask applies, unless MKDIR_P_EXACT_MODE. */
	assert_int_equal(mkdir_p(at("m/u/v"), 0777, 0, NULL), 0);
	assert_int_equal(mode_of(at("m/u/v")), 0755);
	umask(077);
	assert_int_equal(mkdir_p(at("m/x/y"), 0755, MKDIR_P_EXACT_MODE,
				 NULL),
			 0);
	assert_int_equal(mode_of(at("m/x")), 0755);
	assert_int_equal(mode_of(at("m/x/y")), 0755);
	umask(old);
	/* A file on the way: the part that could not be made. */
	fd = open(at("m/file"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mkdir_p(at("m/file/d/e"), 0755, 0, &failed),
			 -ENOTDIR);
	assert_int_equal(failed, strlen(at("m/file/d")));
	/* A relative path, from the working directory. */
	assert_int_equal(chdir(top), 0);
	assert_int_equal(mkdir_p("rel/a", 0755, 0, NULL), 0);
	assert_int_equal(mode_of(at("rel/a")), 0755);
	assert_int_equal(mkdir_p("/", 0755, 0, NULL), 0);
}

/* One element beneath a directory, with and without openat2(). */
static void
subdir_cases(void)
{
	int dir, fd;

	dir = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir >= 0);
	fd = beneath_open_subdir(dir, "b", O_RDONLY);
	assert_true(fd >= 0);
	assert_true(beneath_same_mount(dir, fd));
	close(fd);
	assert_int_equal(beneath_open_subdir(dir, "link", O_PATH), -ELOOP);
	assert_int_equal(beneath_open_subdir(dir, "file", O_PATH), -ENOTDIR);
	assert_int_equal(beneath_open_subdir(dir, "none", O_PATH), -ENOENT);
	assert_int_equal(beneath_open_subdir(dir, "", O_PATH), -EINVAL);
	assert_int_equal(beneath_open_subdir(dir, ".", O_PATH), -EINVAL);
	assert_int_equal(beneath_open_subdir(dir, "..", O_PATH), -EINVAL);
	assert_int_equal(beneath_open_subdir(dir, "b/c", O_PATH), -EINVAL);
	close(dir);
}

static void
test_beneath(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(mkdir(at("b"), 0755), 0);
	assert_int_equal(symlink("b", at("link")), 0);
	fd = open(at("file"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	subdir_cases();
	beneath_force_fallback(true);
	subdir_cases();
	assert_int_equal(beneath_openat2(AT_FDCWD, ".", O_PATH, true),
			 -ENOSYS);
	beneath_force_fallback(false);
}

static int
remove_one(const char *path, const struct stat *st, int flag,
	   struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/test-fsutil-XXXXXX");
	return mkdtemp(top) ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relpath),
		cmocka_unit_test(test_abspath),
		cmocka_unit_test(test_fsmeta),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_beneath),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
