/*
 * tests/unit/test_expose.c - the mount side of exposing shadow copies
 * (daemon/expose.c): where an exposure may go (SN-030), the default place
 * for one, the read-only mount (SN-032) and its removal (SN-033), on
 * directories of a temporary tree standing in for a shadow copy.  Needs
 * root; without it the tests skip and the program exits 77 (meson's
 * SKIP) with a message; any other setup error fails.
 *
 * The test runs in a mount namespace of its own, so its mounts go away
 * with the process however it dies.  Teardown, an atexit handler and
 * SIGINT/SIGTERM/SIGHUP kill the helper process, unmount and remove the
 * tree explicitly as well (sys_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expose.h"
#include "sys_fixture.h"
#include "vss/status.h"

#define A_TEXT "the shadow copy's a\n"
#define B_TEXT "the shadow copy's b\n"
#define SNAPSHOT_ID "5f0e9c3a-2b7d-4e61-9a84-0c1d2e3f4a5b"

/* Every path the test uses, made once. */
enum {
	P_SRC,		/* the "shadow copy": a.txt, sub/b.txt, inner */
	P_SRC_A,
	P_SRC_SUB,
	P_SRC_SUB_B,
	P_SRC_INNER,	/* a tmpfs of its own inside the shadow copy */
	P_SRC_NEW,	/* only if a write got through */
	P_SRC_NEWDIR,	/* likewise */
	P_DST,		/* an empty directory to expose at */
	P_FILE,		/* a regular file */
	P_LINK,		/* symbolic link to dst */
	P_LINKDIR,	/* symbolic link to the tree itself */
	P_FULL,		/* a directory holding x */
	P_FULL_X,
	P_MNT,		/* an empty tmpfs mount point */
	P_OUTER,	/* holds nothing, but a forbidden root is below it */
	P_RUN,		/* run/shadows: the default base, missing at first */
	P_BASE,
	P_DEFAULT,	/* run/shadows/<SNAPSHOT_ID> */
	P_DEFAULT_STRAY,
	P_SHARED,	/* a tmpfs of shared propagation */
	P_SHARED_X,
	P_COUNT
};

static const char *const names[P_COUNT] = {
	[P_SRC] = "src",
	[P_SRC_A] = "src/a.txt",
	[P_SRC_SUB] = "src/sub",
	[P_SRC_SUB_B] = "src/sub/b.txt",
	[P_SRC_INNER] = "src/inner",
	[P_SRC_NEW] = "src/new",
	[P_SRC_NEWDIR] = "src/newdir",
	[P_DST] = "dst",
	[P_FILE] = "file",
	[P_LINK] = "link",
	[P_LINKDIR] = "linkdir",
	[P_FULL] = "full",
	[P_FULL_X] = "full/x",
	[P_MNT] = "mnt",
	[P_OUTER] = "outer",
	[P_RUN] = "run",
	[P_BASE] = "run/shadows",
	[P_DEFAULT] = "run/shadows/" SNAPSHOT_ID,
	[P_DEFAULT_STRAY] = "run/shadows/" SNAPSHOT_ID "/stray",
	[P_SHARED] = "shared",
	[P_SHARED_X] = "shared/x",
};

/* Where the code under test mounts, unmounted on cleanup. */
static const int theirs[] = {P_DST, P_DEFAULT, P_SHARED_X};

static struct {
	char dir[64];
	char path[P_COUNT][192];
	pid_t child;
} env;

#define PATH(p) (env.path[p])

static void
reap_child(void)
{
	if (env.child <= 0)
		return;
	kill(env.child, SIGKILL);
	waitpid(env.child, NULL, 0);
	env.child = 0;
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int r;

	if (!f)
		return -1;
	r = fputs(text, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

/*
 * The tree under env.dir and its mounts; -1 when it cannot be made.  All
 * of it is removed on cleanup, what is in a directory first (names[] has
 * parents first).
 */
static int
make_tree(void)
{
	static const int dirs[] = {P_SRC, P_SRC_SUB, P_SRC_INNER, P_DST,
				   P_FULL, P_MNT, P_OUTER, P_SHARED};
	char inner_file[256];
	size_t i;

	for (i = 0; i < P_COUNT; i++) {
		snprintf(PATH(i), sizeof(PATH(i)), "%s/%s", env.dir, names[i]);
		sfx_track(PATH(i));
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(PATH(dirs[i]), 0755) < 0)
			return -1;
	if (write_file(PATH(P_SRC_A), A_TEXT) < 0 ||
	    write_file(PATH(P_SRC_SUB_B), B_TEXT) < 0 ||
	    write_file(PATH(P_FULL_X), "x\n") < 0 ||
	    write_file(PATH(P_FILE), "f\n") < 0 ||
	    symlink(PATH(P_DST), PATH(P_LINK)) < 0 ||
	    symlink(env.dir, PATH(P_LINKDIR)) < 0)
		return -1;
	if (sfx_mount("tmpfs", PATH(P_MNT), "tmpfs", 0, "size=1m") < 0 ||
	    sfx_mount("tmpfs", PATH(P_SRC_INNER), "tmpfs", 0, "size=1m") < 0)
		return -1;
	snprintf(inner_file, sizeof(inner_file), "%s/t", PATH(P_SRC_INNER));
	if (write_file(inner_file, "t\n") < 0)
		return -1;
	/* Mounts made in here spread to the peers of other namespaces. */
	if (sfx_mount("tmpfs", PATH(P_SHARED), "tmpfs", 0, "size=1m") < 0 ||
	    mkdir(PATH(P_SHARED_X), 0755) < 0 ||
	    mount(NULL, PATH(P_SHARED), NULL, MS_SHARED, NULL) < 0)
		return -1;
	for (i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++)
		sfx_track_mount(PATH(theirs[i]));
	return 0;
}

static int
group_setup(void **state)
{
	sfx_init();
	sfx_at_cleanup(reap_child);
	if (sfx_private_namespace() < 0)
		return sfx_setup_status(-1);
	if (sfx_tempdir("expose", env.dir, sizeof(env.dir)) < 0)
		return sfx_fail("cannot make a temporary directory: %m");
	if (make_tree() < 0) {
		sfx_fail("cannot make the test tree: %m");
		sfx_cleanup();
		return -1;
	}
	return 0;
}

static bool
file_is(const char *path, const char *text)
{
	char buf[256];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

/*
 * The per-mount options of path's last mountinfo entry and its optional
 * fields ("shared:N" and such, "" when private).  The test paths need no
 * unescaping.
 */
static bool
mount_entry(const char *path, char *opts, size_t optlen, char *tags,
	    size_t taglen)
{
	char *line = NULL, mp[256], o[256], *end;
	size_t cap = 0;
	bool found = false;
	FILE *f;
	int n;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%*s %*s %*s %*s %255s %255s%n", mp, o, &n) <
			    2 ||
		    strcmp(mp, path) != 0)
			continue;
		end = strstr(line + n, " - ");
		if (!end)
			continue;
		*end = '\0';
		snprintf(opts, optlen, "%s", o);
		snprintf(tags, taglen, "%s", line + n);
		found = true;
	}
	free(line);
	fclose(f);
	return found;
}

static bool
has_option(const char *opts, const char *want)
{
	char copy[256], *save, *o;

	snprintf(copy, sizeof(copy), "%s", opts);
	for (o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (strcmp(o, want) == 0)
			return true;
	return false;
}

/* ---- a helper process, talked to over two pipes -------------------- */

static int to_child = -1, from_child = -1;

static void
tell(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(100);
}

/* The next byte, or 0 at end of file. */
static char
hear(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : 0;
}

/* Fork fn(in, out); its return value is the exit status. */
static void
child_start(int (*fn)(int in, int out))
{
	int down[2], up[2];

	reap_child();
	assert_int_equal(pipe2(down, O_CLOEXEC), 0);
	assert_int_equal(pipe2(up, O_CLOEXEC), 0);
	env.child = fork();
	assert_true(env.child >= 0);
	if (env.child == 0) {
		/* The parent's handlers would clean the parent's tree up. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		close(down[1]);
		close(up[0]);
		_exit(fn(down[0], up[1]));
	}
	close(down[0]);
	close(up[1]);
	to_child = down[1];
	from_child = up[0];
}

/* Its exit status; -1 when it did not exit by itself. */
static int
child_finish(void)
{
	int status;

	close(to_child);
	close(from_child);
	to_child = from_child = -1;
	if (waitpid(env.child, &status, 0) != env.child)
		return -1;
	env.child = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- expose_check_path ---------------------------------------------- */

/* SN-030: a refused path leaves *ret alone and says why. */
static void
expect_refused(const char *path, const char *const *forbidden, size_t n,
	       int want)
{
	char err[512] = "", *ret = (char *)"untouched";

	assert_int_equal(expose_check_path(path, forbidden, n, &ret, err,
					   sizeof(err)),
			 want);
	assert_string_equal(ret, "untouched");
	assert_true(err[0] != '\0');
}

static void
test_check_path_refusals(void **state)
{
	char with_slash[256];

	sfx_require();
	expect_refused("relative/dir", NULL, 0, -EINVAL);
	expect_refused(sfx_join(env.dir, "missing"), NULL, 0,
		       VSS_E_OBJECT_NOT_FOUND);
	expect_refused(PATH(P_FILE), NULL, 0, -ENOTDIR);
	/* A symbolic link as the last element, even written as "link/". */
	expect_refused(PATH(P_LINK), NULL, 0, -ENOTDIR);
	snprintf(with_slash, sizeof(with_slash), "%s/", PATH(P_LINK));
	expect_refused(with_slash, NULL, 0, -ENOTDIR);
	expect_refused(PATH(P_FULL), NULL, 0, -ENOTEMPTY);
	expect_refused(PATH(P_MNT), NULL, 0, -EBUSY);
}

/* SN-030: never inside, at or around another shadow copy. */
static void
test_check_path_forbidden(void **state)
{
	const char *around[] = {sfx_join(PATH(P_OUTER), "deep/")};
	const char *at[] = {sfx_join(PATH(P_LINKDIR), "dst")};
	const char *inside[] = {env.dir};

	sfx_require();
	/* Forbidden roots are compared canonical ... */
	expect_refused(PATH(P_DST), inside, 1, -EINVAL);
	expect_refused(PATH(P_DST), at, 1, -EINVAL);
	/* ... or, when they do not resolve, as written. */
	expect_refused(PATH(P_OUTER), around, 1, -EINVAL);
}

static void
test_check_path_fine(void **state)
{
	char err[512] = "", *ret = NULL, path[256];
	/* Siblings, a NULL entry, and names that only share a prefix. */
	const char *unrelated[] = {PATH(P_SRC), NULL, sfx_join(env.dir, "ds"),
				   sfx_join(env.dir, "dst2")};

	sfx_require();
	/* Symbolic links before the last element are fine; the result is
	 * canonical. */
	snprintf(path, sizeof(path), "%s/dst/", PATH(P_LINKDIR));
	assert_int_equal(expose_check_path(path, unrelated, 4, &ret, err,
					   sizeof(err)),
			 0);
	assert_string_equal(ret, PATH(P_DST));
	assert_string_equal(err, "");
	free(ret);
}

/* ---- expose_default_path ----------------------------------------------- */

static void
expect_dir_0755(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
}

static void
test_default_path(void **state)
{
	char err[512] = "", *ret = NULL;
	vss_id id;
	mode_t old;
	int r;

	sfx_require();
	assert_int_equal(vss_id_parse(&id, SNAPSHOT_ID), 0);
	assert_int_equal(expose_default_path("run/shadows", &id, &ret, err,
					     sizeof(err)),
			 -EINVAL);
	assert_null(ret);

	/* Missing base and parents are made 0755 whatever the umask. */
	old = umask(077);
	r = expose_default_path(PATH(P_BASE), &id, &ret, err, sizeof(err));
	umask(old);
	assert_int_equal(r, 0);
	assert_string_equal(err, "");
	assert_string_equal(ret, PATH(P_DEFAULT));
	free(ret);
	ret = NULL;
	expect_dir_0755(PATH(P_RUN));
	expect_dir_0755(PATH(P_BASE));
	expect_dir_0755(PATH(P_DEFAULT));

	/* An empty one left from before is taken again (a restart). */
	assert_int_equal(expose_default_path(PATH(P_BASE), &id, &ret, err,
					     sizeof(err)),
			 0);
	assert_string_equal(ret, PATH(P_DEFAULT));
	free(ret);
	ret = NULL;

	/* One holding something is not. */
	assert_int_equal(write_file(PATH(P_DEFAULT_STRAY), "s\n"), 0);
	assert_int_equal(expose_default_path(PATH(P_BASE), &id, &ret, err,
					     sizeof(err)),
			 -ENOTEMPTY);
	assert_null(ret);
	assert_non_null(strstr(err, PATH(P_DEFAULT)));
	assert_int_equal(unlink(PATH(P_DEFAULT_STRAY)), 0);
}

/* ---- expose_bind, expose_unmount, expose_is_mounted ----------------- */

/* SN-032: nothing can be written through the exposure at path. */
static void
expect_read_only(const char *path)
{
	struct statvfs sv;
	char opts[256], tags[256];
	int fd;

	fd = open(sfx_join(path, "new"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EROFS);
	fd = open(sfx_join(path, "a.txt"), O_WRONLY | O_CLOEXEC);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EROFS);
	assert_int_equal(mkdir(sfx_join(path, "newdir"), 0755), -1);
	assert_int_equal(errno, EROFS);
	assert_int_equal(statvfs(path, &sv), 0);
	assert_int_equal(sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV),
			 ST_RDONLY | ST_NOSUID | ST_NODEV);
	assert_true(mount_entry(path, opts, sizeof(opts), tags, sizeof(tags)));
	assert_true(has_option(opts, "ro"));
	assert_true(has_option(opts, "nosuid"));
	assert_true(has_option(opts, "nodev"));
	/* Private: no peer group. */
	assert_null(strstr(tags, "shared:"));
}

static void
test_bind_and_unmount(void **state)
{
	char err[512] = "", *ret = NULL;

	sfx_require();
	assert_int_equal(expose_bind(PATH(P_SRC), PATH(P_DST), err,
				     sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_true(expose_is_mounted(PATH(P_DST)));
	assert_true(file_is(sfx_join(PATH(P_DST), "a.txt"), A_TEXT));
	assert_true(file_is(sfx_join(PATH(P_DST), "sub/b.txt"), B_TEXT));
	expect_read_only(PATH(P_DST));
	/* The shadow copy's own mount only: not the tmpfs inside it. */
	assert_int_equal(access(sfx_join(PATH(P_SRC_INNER), "t"), F_OK), 0);
	assert_int_equal(access(sfx_join(PATH(P_DST), "inner/t"), F_OK), -1);
	assert_int_equal(errno, ENOENT);

	/* Taken now: a second exposure cannot land there. */
	assert_int_equal(expose_check_path(PATH(P_DST), NULL, 0, &ret, err,
					   sizeof(err)),
			 -EBUSY);

	/* SN-033. */
	assert_int_equal(expose_unmount(PATH(P_DST), false, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_false(expose_is_mounted(PATH(P_DST)));
	expect_dir_0755(PATH(P_DST));
	assert_int_equal(access(sfx_join(PATH(P_DST), "a.txt"), F_OK), -1);
	/* SN-033: not exposed (any more). */
	assert_int_equal(expose_unmount(PATH(P_DST), false, err, sizeof(err)),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_true(err[0] != '\0');
	assert_int_equal(expose_unmount(PATH(P_FULL), true, err, sizeof(err)),
			 VSS_E_OBJECT_NOT_FOUND);
	expect_dir_0755(PATH(P_FULL));
}

/* Nothing mounted where a symbolic link would have steered it, nor from
 * or onto what does not exist. */
static void
test_bind_refusals(void **state)
{
	char err[512] = "", via_link[256];

	sfx_require();
	snprintf(via_link, sizeof(via_link), "%s/dst", PATH(P_LINKDIR));
	assert_int_equal(expose_bind(PATH(P_SRC), via_link, err, sizeof(err)),
			 -ELOOP);
	assert_true(err[0] != '\0');
	assert_int_equal(expose_bind(PATH(P_SRC), PATH(P_LINK), err,
				     sizeof(err)),
			 -ELOOP);
	assert_int_equal(expose_bind(sfx_join(env.dir, "gone"), PATH(P_DST),
				     err, sizeof(err)),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(expose_bind(PATH(P_SRC), sfx_join(env.dir, "gone"),
				     err, sizeof(err)),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(expose_bind("src", PATH(P_DST), err, sizeof(err)),
			 -EINVAL);
	assert_false(expose_is_mounted(PATH(P_DST)));
	assert_false(expose_is_mounted(via_link));
}

/* Sits in the exposure until told it was unmounted, then reads on. */
static int
sitter(int in, int out)
{
	if (chdir(PATH(P_DEFAULT)) < 0)
		return 10;
	tell(out, 'r');
	if (hear(in) != 'u')
		return 11;
	/* Detached, not destroyed: still readable from in here. */
	return file_is("a.txt", A_TEXT) ? 0 : 12;
}

/* SN-033: a process sitting in the exposure does not keep it. */
static void
test_unmount_busy(void **state)
{
	char err[512] = "", *path = NULL;
	struct stat st;
	vss_id id;

	sfx_require();
	assert_int_equal(vss_id_parse(&id, SNAPSHOT_ID), 0);
	assert_int_equal(expose_default_path(PATH(P_BASE), &id, &path, err,
					     sizeof(err)),
			 0);
	assert_int_equal(expose_bind(PATH(P_SRC), path, err, sizeof(err)), 0);
	child_start(sitter);
	assert_int_equal(hear(from_child), 'r');

	assert_int_equal(expose_unmount(path, true, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "busy"));
	assert_false(expose_is_mounted(path));
	/* remove_dir: the default directory is gone too. */
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	tell(to_child, 'u');
	assert_int_equal(child_finish(), 0);
	free(path);
}

/*
 * In a namespace of its own whose copy of the shared tmpfs is a peer of
 * ours: the exposure arrives there read-only and leaves with ours.
 */
static int
peer(int in, int out)
{
	struct statvfs sv;
	int fd, bad = 0;

	if (unshare(CLONE_NEWNS) < 0)
		return 10;
	tell(out, 'r');
	if (hear(in) != 'e')
		return 11;
	if (!expose_is_mounted(PATH(P_SHARED_X)) ||
	    !file_is(sfx_join(PATH(P_SHARED_X), "a.txt"), A_TEXT))
		bad |= 1;
	if (statvfs(PATH(P_SHARED_X), &sv) < 0 || !(sv.f_flag & ST_RDONLY))
		bad |= 2;
	fd = open(sfx_join(PATH(P_SHARED_X), "new"),
		  O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 || errno != EROFS)
		bad |= 4;
	if (fd >= 0)
		close(fd);
	tell(out, 'c');
	if (hear(in) != 'u')
		return 12;
	if (expose_is_mounted(PATH(P_SHARED_X)))
		bad |= 8;
	return bad;
}

/* SN-032: read-only in every namespace the mount propagates to. */
static void
test_propagated_copy_read_only(void **state)
{
	char err[512] = "";

	sfx_require();
	child_start(peer);
	assert_int_equal(hear(from_child), 'r');
	assert_int_equal(expose_bind(PATH(P_SRC), PATH(P_SHARED_X), err,
				     sizeof(err)),
			 0);
	expect_read_only(PATH(P_SHARED_X));
	tell(to_child, 'e');
	assert_int_equal(hear(from_child), 'c');
	assert_int_equal(expose_unmount(PATH(P_SHARED_X), false, err,
					sizeof(err)),
			 0);
	assert_string_equal(err, "");
	tell(to_child, 'u');
	assert_int_equal(child_finish(), 0);
	assert_int_equal(access(PATH(P_SRC_NEW), F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_path_refusals),
		cmocka_unit_test(test_check_path_forbidden),
		cmocka_unit_test(test_check_path_fine),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_bind_and_unmount),
		cmocka_unit_test(test_bind_refusals),
		cmocka_unit_test(test_unmount_busy),
		cmocka_unit_test(test_propagated_copy_read_only),
	};

	return sfx_exit_status(cmocka_run_group_tests(tests, group_setup,
						      sfx_group_teardown),
			       "expose tests");
}
