/*
 * tests/unit/sys_fixture.c - running programs, temporary trees and
 * loop-mounted images for the unit tests on the real system, and their
 * cleanup on every exit path (sys_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys_fixture.h"

#define MAX_ENTRIES 128
#define MAX_HOOKS   4

/* What cleanup undoes for an entry of the registry. */
enum kind {
	K_PATH,  /* remove a file or an empty directory */
	K_MOUNT, /* unmount, stacked mounts too */
	K_LOOP,  /* detach the loop device open at fd */
};

struct entry {
	enum kind kind;
	bool ours; /* K_MOUNT: fx_mount() made it; thaw it on cleanup */
	int fd;	   /* K_LOOP */
	char path[256];
};

/* Newest last; undone from the end. */
static struct entry entries[MAX_ENTRIES];
static volatile sig_atomic_t count;
static void (*hooks[MAX_HOOKS])(void);
static int nhooks;
/* Why the tests that need the system cannot run, or NULL. */
static const char *skip_reason;

/*
 * A registration that does not fit would leave something behind: stop
 * the test, through exit() so that the rest is undone.
 */
static struct entry *
add(enum kind kind, const char *path)
{
	struct entry *e;

	if (count == MAX_ENTRIES || strlen(path) >= sizeof(e->path)) {
		fprintf(stderr, "sys_fixture: cannot register '%s'\n", path);
		exit(1);
	}
	e = &entries[count];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->fd = -1;
	strcpy(e->path, path);
	count++;
	return e;
}

void
fx_thaw_all(void)
{
	int i, fd;

	for (i = 0; i < count; i++) {
		if (entries[i].kind != K_MOUNT || !entries[i].ours)
			continue;
		fd = open(entries[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ioctl(fd, FITHAW, 0);
		close(fd);
	}
}

/* Everything mounted at path, eagerly, or lazily if busy. */
static void
unmount_all(const char *path)
{
	while (umount2(path, 0) == 0 ||
	       (errno == EBUSY && umount2(path, MNT_DETACH) == 0))
		;
}

static void
undo(const struct entry *e)
{
	switch (e->kind) {
	case K_PATH:
		if (unlink(e->path) < 0)
			rmdir(e->path);
		break;
	case K_MOUNT:
		unmount_all(e->path);
		break;
	case K_LOOP:
		ioctl(e->fd, LOOP_CLR_FD);
		close(e->fd);
		break;
	}
}

void
fx_cleanup(void)
{
	int i;

	for (i = 0; i < nhooks; i++)
		hooks[i]();
	fx_thaw_all();
	while (count > 0) {
		count--;
		undo(&entries[count]);
	}
}

int
fx_group_teardown(void **state)
{
	fx_cleanup();
	return 0;
}

void
fx_set_skip(const char *what, const char *why)
{
	skip_reason = why;
	if (why)
		printf("skipping %s: %s\n", what, why);
}

bool
fx_skipping(void)
{
	return skip_reason != NULL;
}

void
fx_require(void)
{
	if (skip_reason)
		skip();
}

static void
on_signal(int sig)
{
	fx_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
fx_init(void)
{
	atexit(fx_cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
}

void
fx_at_cleanup(void (*fn)(void))
{
	if (nhooks == MAX_HOOKS) {
		fprintf(stderr, "sys_fixture: too many cleanup hooks\n");
		exit(1);
	}
	hooks[nhooks++] = fn;
}

int
fx_run(char *const argv[])
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

const char *
fx_private_namespace(void)
{
	if (geteuid() != 0)
		return "needs root";
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return "cannot make a private mount namespace";
	return NULL;
}

int
fx_tempdir(const char *name, char *ret, size_t size)
{
	char tmpl[64], *real;
	int r = -1;

	snprintf(tmpl, sizeof(tmpl), "/tmp/vss-%s-XXXXXX", name);
	if (!mkdtemp(tmpl))
		return -1;
	/* Canonical, as the code under test hands paths back. */
	real = realpath(tmpl, NULL);
	if (real && strlen(real) >= size)
		errno = ENAMETOOLONG;
	else if (real) {
		strcpy(ret, real);
		add(K_PATH, real);
		r = 0;
	}
	if (r < 0)
		rmdir(tmpl);
	free(real);
	return r;
}

int
fx_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0)
		return -1;
	add(K_PATH, path);
	return 0;
}

void
fx_track(const char *path)
{
	add(K_PATH, path);
}

const char *
fx_image_new(const char *path, long long size, char *const mkfs[])
{
	static char why[64];
	int fd, r;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return "cannot create an image";
	add(K_PATH, path);
	r = ftruncate(fd, size);
	close(fd);
	if (r < 0)
		return "cannot size an image";
	if (!mkfs)
		return NULL;
	r = fx_run(mkfs);
	if (r == 0)
		return NULL;
	snprintf(why, sizeof(why), r == 127 ? "no %s" : "%s failed", mkfs[0]);
	return why;
}

/* Configure a free loop device on backing; its fd, or -1. */
static int
loop_configure(int ctl, int backing, char *dev, size_t devlen)
{
	struct loop_config cfg;
	int fd, n, tries;

	/* Another test may take the same free device first: retry. */
	for (tries = 0; tries < 32; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			return -1;
		snprintf(dev, devlen, "/dev/loop%d", n);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -1;
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (uint32_t)backing;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
			return fd;
		close(fd);
		if (errno != EBUSY)
			return -1;
	}
	return -1;
}

const char *
fx_loop_attach(const char *image, char *dev, size_t devlen)
{
	int ctl, backing, fd;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return "no /dev/loop-control";
	backing = open(image, O_RDWR | O_CLOEXEC);
	if (backing < 0) {
		close(ctl);
		return "cannot open an image";
	}
	fd = loop_configure(ctl, backing, dev, devlen);
	close(backing);
	close(ctl);
	if (fd < 0)
		return "no free loop device";
	add(K_LOOP, dev)->fd = fd;
	return NULL;
}

int
fx_mount(const char *source, const char *target, const char *type,
	 unsigned long flags, const char *data)
{
	if (mount(source, target, type, flags, data) < 0)
		return -1;
	add(K_MOUNT, target)->ours = true;
	return 0;
}

void
fx_track_mount(const char *path)
{
	add(K_MOUNT, path);
}

const char *
fx_join(const char *dir, const char *name)
{
	static char buf[8][PATH_MAX];
	static int next;
	char *p = buf[next++ % 8];

	assert_true(snprintf(p, sizeof(buf[0]), "%s/%s", dir, name) <
		    (int)sizeof(buf[0]));
	return p;
}

void
fx_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

const char *
fx_read_file(const char *path)
{
	static char buf[8192];
	size_t n;
	FILE *f = fopen(path, "re");

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

void
fx_expect_absent(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

void
fx_expect_killed(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}
