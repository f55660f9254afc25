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
	bool ours; /* K_MOUNT: sfx_mount() made it; thaw it on cleanup */
	int fd;	   /* K_LOOP */
	char path[256];
};

/* Newest last; undone from the end. */
static struct entry entries[MAX_ENTRIES];
static volatile sig_atomic_t count;
static void (*hooks[MAX_HOOKS])(void);
static int nhooks;
/* Why the tests that need the system cannot run, or "". */
static char skip_reason[256];

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
sfx_thaw_all(void)
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
sfx_cleanup(void)
{
	int i;

	for (i = 0; i < nhooks; i++)
		hooks[i]();
	sfx_thaw_all();
	while (count > 0) {
		count--;
		undo(&entries[count]);
	}
}

int
sfx_group_teardown(void **state)
{
	sfx_cleanup();
	return 0;
}

int
sfx_skip(const char *fmt, ...)
{
	va_list ap;

	if (skip_reason[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
sfx_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("setup failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

bool
sfx_skipping(void)
{
	return skip_reason[0] != '\0';
}

void
sfx_require(void)
{
	if (sfx_skipping())
		skip();
}

int
sfx_setup_status(int r)
{
	return r < 0 && !sfx_skipping() ? -1 : 0;
}

int
sfx_exit_status(int r, const char *what)
{
	if (r != 0 || !sfx_skipping())
		return r;
	printf("skipping %s: %s\n", what, skip_reason);
	return 77;
}

bool
sfx_have_program(const char *program)
{
	const char *path = getenv("PATH");
	char file[PATH_MAX];
	size_t len;

	if (strchr(program, '/'))
		return access(program, X_OK) == 0;
	/* execvp()'s search when PATH is unset. */
	if (!path)
		path = "/bin:/usr/bin";
	while (*path) {
		len = strcspn(path, ":");
		/* An empty entry is the current directory. */
		if (snprintf(file, sizeof(file), "%.*s%s%s", (int)len, path,
			     len ? "/" : "", program) < (int)sizeof(file) &&
		    access(file, X_OK) == 0)
			return true;
		path += len;
		if (*path == ':')
			path++;
	}
	return false;
}

/* The test process: a forked child must not undo the test's tree. */
static pid_t owner;

static void
cleanup_in_owner(void)
{
	if (getpid() == owner)
		sfx_cleanup();
}

static void
on_signal(int sig)
{
	cleanup_in_owner();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
sfx_init(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT};
	size_t i;

	owner = getpid();
	atexit(cleanup_in_owner);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_signal);
}

void
sfx_at_cleanup(void (*fn)(void))
{
	if (nhooks == MAX_HOOKS) {
		fprintf(stderr, "sys_fixture: too many cleanup hooks\n");
		exit(1);
	}
	hooks[nhooks++] = fn;
}

/*
 * Run argv, its stdout to /dev/null and its stderr left to say why it
 * failed: 0, or -1 after sfx_fail().
 */
static int
run(char *const argv[])
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return sfx_fail("cannot fork for %s: %m", argv[0]);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %m\n", argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return sfx_fail("cannot wait for %s: %m", argv[0]);
	if (WIFSIGNALED(status))
		return sfx_fail("%s killed by signal %d", argv[0],
				WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return sfx_fail("%s exited with status %d", argv[0],
				WEXITSTATUS(status));
	return 0;
}

int
sfx_private_namespace(void)
{
	if (geteuid() != 0)
		return sfx_skip("needs root");
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sfx_fail("cannot make a private mount namespace: %m");
	return 0;
}

int
sfx_tempdir(const char *name, char *ret, size_t size)
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
sfx_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0)
		return -1;
	add(K_PATH, path);
	return 0;
}

void
sfx_track(const char *path)
{
	add(K_PATH, path);
}

int
sfx_image_new(const char *path, long long size, char *const mkfs[])
{
	int fd, r;

	/* Tell a missing program from one that failed before making a file. */
	if (mkfs && !sfx_have_program(mkfs[0]))
		return sfx_skip("no %s", mkfs[0]);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return sfx_fail("cannot create image %s: %m", path);
	add(K_PATH, path);
	r = ftruncate(fd, size);
	close(fd);
	if (r < 0)
		return sfx_fail("cannot size image %s: %m", path);
	return mkfs ? run(mkfs) : 0;
}

/*
 * Configure a free loop device on backing: its fd, or -1 after sfx_skip()
 * when no loop device can be had, or sfx_fail().
 */
static int
loop_configure(int ctl, int backing, char *dev, size_t devlen)
{
	struct loop_config cfg;
	int fd, n, tries, e;

	/* Another test may take the same free device first: retry. */
	for (tries = 0; tries < 32; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			return sfx_skip("no free loop device: %m");
		snprintf(dev, devlen, "/dev/loop%d", n);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		/* No device node for it, as in a container without udev. */
		if (fd < 0 && errno == ENOENT)
			return sfx_skip("no %s", dev);
		if (fd < 0)
			return sfx_fail("cannot open %s: %m", dev);
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (uint32_t)backing;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
			return fd;
		e = errno;
		close(fd);
		if (e != EBUSY)
			return sfx_fail("cannot configure %s: %s", dev,
					strerror(e));
	}
	return sfx_skip("no free loop device: all taken by others");
}

int
sfx_loop_attach(const char *image, char *dev, size_t devlen)
{
	int ctl, backing, fd;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		return sfx_skip("no /dev/loop-control");
	if (ctl < 0)
		return sfx_fail("cannot open /dev/loop-control: %m");
	backing = open(image, O_RDWR | O_CLOEXEC);
	if (backing < 0) {
		sfx_fail("cannot open image %s: %m", image);
		close(ctl);
		return -1;
	}
	fd = loop_configure(ctl, backing, dev, devlen);
	close(backing);
	close(ctl);
	if (fd < 0)
		return -1;
	add(K_LOOP, dev)->fd = fd;
	return 0;
}

int
sfx_mount(const char *source, const char *target, const char *type,
	  unsigned long flags, const char *data)
{
	if (mount(source, target, type, flags, data) < 0)
		return -1;
	add(K_MOUNT, target)->ours = true;
	return 0;
}

void
sfx_track_mount(const char *path)
{
	add(K_MOUNT, path);
}

const char *
sfx_join(const char *dir, const char *name)
{
	static char buf[8][PATH_MAX];
	static int next;
	char *p = buf[next++ % 8];

	assert_true(snprintf(p, sizeof(buf[0]), "%s/%s", dir, name) <
		    (int)sizeof(buf[0]));
	return p;
}

void
sfx_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

const char *
sfx_read_file(const char *path)
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
sfx_expect_absent(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

void
sfx_expect_killed(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}
