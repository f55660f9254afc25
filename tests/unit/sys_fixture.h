/*
 * tests/unit/sys_fixture.h - what the unit tests that work on the real
 * system share (test_btrfs_provider.c, test_exec_provider.c,
 * test_freeze.c, test_expose.c, test_exclude.c, test_command.c): running
 * a program, a temporary tree, file systems in images on loop devices
 * mounted in a mount namespace of the test's own, taking all of that down
 * again on every exit path, skipping what cannot run here, and a few
 * checks on files and processes (sys_fixture.c).
 *
 * What a test makes through fx_mkdir(), fx_image_new(), fx_loop_attach(),
 * fx_mount() and the fx_track*() calls is registered and undone by
 * fx_cleanup(): first the hooks of fx_at_cleanup(), then every file
 * system the registry mounted is thawed (a frozen file system outlives its
 * last mount and could never be thawed), then the rest newest first, so
 * that inner mounts go before outer ones, a loop device is detached after
 * its file system is gone and a directory is removed after what is in it.
 * The registry has fixed buffers only: fx_cleanup() runs from signal
 * handlers and stays async-signal-safe.
 */
#ifndef VSS_TESTS_SYS_FIXTURE_H
#define VSS_TESTS_SYS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Run fx_cleanup() at exit and on SIGINT, SIGTERM and SIGHUP. */
void fx_init(void);
/*
 * Run fn at the start of every fx_cleanup(), before anything is thawed or
 * unmounted: to close what a test holds open on its mounts, or kill a
 * helper process.  fn must be async-signal-safe.
 */
void fx_at_cleanup(void (*fn)(void));
/* Undo what is registered; nothing is undone twice. */
void fx_cleanup(void);
/* Thaw (FITHAW) every file system fx_mount() mounted that is mounted still. */
void fx_thaw_all(void);
/* A cmocka group teardown that only calls fx_cleanup(). */
int fx_group_teardown(void **state);

/*
 * Note why the tests that need the system cannot run here, saying
 * "skipping <what>: <why>"; why NULL: they can.  why is kept: a literal,
 * or a reason from the calls below.
 */
void fx_set_skip(const char *what, const char *why);
/* Whether fx_set_skip() was given a reason. */
bool fx_skipping(void);
/* Skip the calling test if so. */
void fx_require(void);

/*
 * Run argv quietly, its stdout and stderr to /dev/null: its exit status,
 * 127 when argv[0] cannot be run, -1 when it did not exit.
 */
int fx_run(char *const argv[]);

/*
 * As root, move into a mount namespace of our own whose mounts propagate
 * nowhere, so that they go with the process however it dies: NULL, or a
 * reason to skip ("needs root", ...).
 */
const char *fx_private_namespace(void);
/*
 * A new directory /tmp/vss-<name>-XXXXXX, its canonical path into ret
 * (size bytes), removed on cleanup: 0, or -1 with errno.
 */
int fx_tempdir(const char *name, char *ret, size_t size);
/* mkdir(path, 0755), removed again on cleanup: 0, or -1 with errno. */
int fx_mkdir(const char *path);
/* Remove path on cleanup, a file or an empty directory, if it is there. */
void fx_track(const char *path);

/*
 * A sparse file of size bytes at path, removed on cleanup, with a file
 * system made by mkfs (an argv naming path; NULL: none): NULL, or a reason
 * to skip ("no mkfs.xfs" when that program is missing; valid until the
 * next call).
 */
const char *fx_image_new(const char *path, long long size, char *const mkfs[]);
/*
 * Attach image to a free loop device, its path into dev (devlen bytes),
 * which detaches itself once its file system is unmounted (autoclear) and
 * is detached on cleanup: NULL, or a reason to skip.  The device holds the
 * image open: it may be unlinked at once.
 */
const char *fx_loop_attach(const char *image, char *dev, size_t devlen);
/* mount(2), unmounted on cleanup: 0, or -1 with errno. */
int fx_mount(const char *source, const char *target, const char *type,
	     unsigned long flags, const char *data);
/*
 * Unmount whatever is mounted at path on cleanup, stacked mounts too, as
 * the code under test may leave there.
 */
void fx_track_mount(const char *path);

/* dir/name, in one of 8 static buffers used in turn; fails if too long. */
const char *fx_join(const char *dir, const char *name);
/* Replace the file at path by text; the test fails if it cannot. */
void fx_write_file(const char *path, const char *text);
/* The whole of a small file, in a static buffer; fails the test if none. */
const char *fx_read_file(const char *path);
/* Fail the test unless there is nothing at path. */
void fx_expect_absent(const char *path);
/* Reap pid, a child or one reparented to us; fail unless SIGKILL ended it. */
void fx_expect_killed(pid_t pid);

#endif
