/*
 * tests/unit/sys_fixture.h - what the unit tests that work on the real
 * system share (test_btrfs_provider.c, test_exec_provider.c,
 * test_freeze.c, test_expose.c, test_exclude.c, test_command.c): a
 * temporary tree, file systems in images on loop devices mounted in a
 * mount namespace of the test's own, taking all of that down again on
 * every exit path, skipping only what this machine cannot run and failing
 * on any other setup error, and a few checks on files and processes
 * (sys_fixture.c).
 *
 * What a test makes through sfx_mkdir(), sfx_image_new(), sfx_loop_attach(),
 * sfx_mount() and the sfx_track*() calls is registered and undone by
 * sfx_cleanup(): first the hooks of sfx_at_cleanup(), then every file
 * system the registry mounted is thawed (a frozen file system outlives its
 * last mount and could never be thawed), then the rest newest first, so
 * that inner mounts go before outer ones, a loop device is detached after
 * its file system is gone and a directory is removed after what is in it.
 * The registry has fixed buffers only: sfx_cleanup() runs from signal
 * handlers and stays async-signal-safe.
 *
 * The prefix is sfx_, apart from the fx_ of the integration tests'
 * fixture (tests/integration/fixture.h), a different one.
 */
#ifndef VSS_TESTS_SYS_FIXTURE_H
#define VSS_TESTS_SYS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Run sfx_cleanup() at exit and on SIGINT, SIGTERM, SIGHUP, SIGQUIT and
 * SIGABRT, in the calling process only (not in forked children).
 */
void sfx_init(void);
/*
 * Run fn at the start of every sfx_cleanup(), before anything is thawed or
 * unmounted: to close what a test holds open on its mounts, or kill a
 * helper process.  fn must be async-signal-safe.
 */
void sfx_at_cleanup(void (*fn)(void));
/* Undo what is registered; nothing is undone twice. */
void sfx_cleanup(void);
/* Thaw (FITHAW) every file system sfx_mount() mounted that is mounted still. */
void sfx_thaw_all(void);
/* A cmocka group teardown that only calls sfx_cleanup(). */
int sfx_group_teardown(void **state);

/*
 * Setting up what the tests need: a step that cannot be done says why
 * through one of these two and returns -1.  Only what this machine lacks
 * is a reason to skip: root, loop devices, a program that is not
 * installed.  Anything else fails the setup, as a failed test would.
 */
/* Note why the tests cannot run here (the first reason is kept); -1. */
int sfx_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "setup failed: <message>" to stderr; -1. */
int sfx_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether sfx_skip() was called. */
bool sfx_skipping(void);
/* Skip the calling test if so. */
void sfx_require(void);
/*
 * What a cmocka group setup returns after its setup step returned r (0 or
 * -1): 0 when the step succeeded or the tests skip, -1 when it failed.
 */
int sfx_setup_status(int r);
/*
 * What main() returns, r being what cmocka returned: r when a test
 * failed; otherwise 77, meson's SKIP, after printing "skipping <what>:
 * <why>", when sfx_skip() was called; otherwise 0.
 */
int sfx_exit_status(int r, const char *what);
/* Whether program, a name looked up in PATH or a path, can be run. */
bool sfx_have_program(const char *program);

/*
 * As root, move into a mount namespace of our own whose mounts propagate
 * nowhere, so that they go with the process however it dies: 0, or -1
 * after sfx_skip() when not root, or sfx_fail().
 */
int sfx_private_namespace(void);
/*
 * A new directory /tmp/vss-<name>-XXXXXX, its canonical path into ret
 * (size bytes), removed on cleanup: 0, or -1 with errno.
 */
int sfx_tempdir(const char *name, char *ret, size_t size);
/* mkdir(path, 0755), removed again on cleanup: 0, or -1 with errno. */
int sfx_mkdir(const char *path);
/* Remove path on cleanup, a file or an empty directory, if it is there. */
void sfx_track(const char *path);

/*
 * A sparse file of size bytes at path, removed on cleanup, with a file
 * system made by mkfs (an argv naming path, run with its stdout to
 * /dev/null; NULL: none): 0, or -1 after sfx_skip() when mkfs[0] is not
 * installed, or sfx_fail().
 */
int sfx_image_new(const char *path, long long size, char *const mkfs[]);
/*
 * Attach image to a free loop device, its path into dev (devlen bytes),
 * which detaches itself once its file system is unmounted (autoclear) and
 * is detached on cleanup: 0, or -1 after sfx_skip() when there are no
 * loop devices or none is free, or sfx_fail().  The device holds the
 * image open: it may be unlinked at once.
 */
int sfx_loop_attach(const char *image, char *dev, size_t devlen);
/* mount(2), unmounted on cleanup: 0, or -1 with errno. */
int sfx_mount(const char *source, const char *target, const char *type,
	      unsigned long flags, const char *data);
/*
 * Unmount whatever is mounted at path on cleanup, stacked mounts too, as
 * the code under test may leave there.
 */
void sfx_track_mount(const char *path);

/* dir/name, in one of 8 static buffers used in turn; fails if too long. */
const char *sfx_join(const char *dir, const char *name);
/* Replace the file at path by text; the test fails if it cannot. */
void sfx_write_file(const char *path, const char *text);
/* The whole of a small file, in a static buffer; fails the test if none. */
const char *sfx_read_file(const char *path);
/* Fail the test unless there is nothing at path. */
void sfx_expect_absent(const char *path);
/* Reap pid, a child or one reparented to us; fail unless SIGKILL ended it. */
void sfx_expect_killed(pid_t pid);

#endif
