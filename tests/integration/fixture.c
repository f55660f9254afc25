/*
 * tests/integration/fixture.c - temporary vssd, loop-mounted volumes and
 * test writer processes; see fixture.h.
 */
#include <assert.h>
#include <btrfsutil.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vss/status.h>

#include "fixture.h"

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 10000
#define WRITER_STOP_TIMEOUT_MS 5000
#define CLEAN_UP_TIMEOUT_MS 10000
/* The mkfs program and its options in struct fx_image, at most. */
#define MKFS_MAX_ARGS 16

/*
 * The fixture that the exit and signal handlers clean up, and the process
 * that owns it: a forked child (a requester the tests kill) inherits the
 * handlers but must not tear down its parent's mounts.
 */
static struct fx *fx_active;
static pid_t fx_owner;
static const int fx_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT};

static_assert(sizeof(((struct fx *)0)->socket) ==
		      sizeof(((struct sockaddr_un *)0)->sun_path),
	      "the socket path is copied whole into sockaddr_un");

static int
fail_errno(int err, const char *what, const char *arg)
{
	fprintf(stderr, "fixture: %s '%s': %s\n", what, arg ? arg : "",
		strerror(err));
	return -err;
}

uint64_t
fx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
fx_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool
find_program(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH");
	char dirs[4096];
	char *save = NULL, *d;

	/* Root's PATH under some runners lacks the sbin directories. */
	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin", path ? path : "");
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (*d == '\0')
			continue;
		snprintf(out, size, "%s/%s", d, name);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

const char *
fx_unavailable_with(const char *const *mkfs)
{
	static char why[128];
	char path[PATH_MAX];
	const char *v;
	size_t i;

	if (geteuid() != 0)
		return "not root: loop devices and mounts need root";
	if (access("/dev/loop-control", F_OK) < 0)
		return "no /dev/loop-control: loop devices are not available";
	for (i = 0; mkfs && mkfs[i]; i++) {
		if (!find_program(mkfs[i], path, sizeof(path))) {
			snprintf(why, sizeof(why), "no %s in PATH", mkfs[i]);
			return why;
		}
	}
	v = getenv("VSSD");
	if (!v || access(v, X_OK) < 0)
		return "$VSSD does not name the vssd program";
	v = getenv("VSS_TEST_WRITER");
	if (!v || access(v, X_OK) < 0)
		return "$VSS_TEST_WRITER does not name vss-test-writer";
	return NULL;
}

const char *
fx_unavailable(void)
{
	static const char *const mkfs[] = {"mkfs.btrfs", NULL};

	return fx_unavailable_with(mkfs);
}

/* ---- processes --------------------------------------------------------- */

/*
 * Fork and exec argv with stdout and stderr to out (NULL: ours), stdin
 * from /dev/null.  The child dies with us.  Only async-signal-safe calls
 * between fork and exec.
 */
static int
spawn(char *const argv[], const char *out, pid_t *ret_pid)
{
	pid_t parent = getpid();
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return fail_errno(errno, "cannot fork for", argv[0]);
	if (pid == 0) {
		int fd;

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		if (out) {
			fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
			if (fd < 0)
				_exit(127);
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	*ret_pid = pid;
	return 0;
}

/* Reap pid if it has exited: 1 and *ret_status, 0 if it still runs. */
static int
reap(pid_t pid, int *ret_status)
{
	int st;
	pid_t r;

	do
		r = waitpid(pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == pid) {
		*ret_status = st;
		return 1;
	}
	if (r < 0 && errno == ECHILD) {
		*ret_status = 0;
		return 1;
	}
	return 0;
}

/* Wait up to timeout_ms for pid: 1 and *ret_status, 0 if it still runs. */
static int
reap_wait(pid_t pid, int timeout_ms, int *ret_status)
{
	uint64_t end = fx_now_ns() + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		if (reap(pid, ret_status))
			return 1;
		if (fx_now_ns() >= end)
			return 0;
		fx_sleep_ms(2);
	}
}

/* SIGTERM, wait, SIGKILL: the wait status. */
static int
terminate(pid_t pid, int timeout_ms)
{
	int st;

	kill(pid, SIGTERM);
	if (reap_wait(pid, timeout_ms, &st))
		return st;
	fprintf(stderr, "fixture: pid %d ignored SIGTERM, killing it\n",
		(int)pid);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return st;
}

/* The last 2 KiB of the file at path to stderr, if there is any. */
static void
print_tail(const char *path)
{
	char buf[2048];
	ssize_t n;
	off_t size;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > (off_t)sizeof(buf) - 1 ?
		      size - (off_t)sizeof(buf) + 1 : 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		fprintf(stderr, "--- %s\n%s---\n", path, buf);
	}
}

/*
 * Run argv to the end, its output appended to the file out; 0 if it
 * exited 0, else the end of out is printed.
 */
static int
run_command(char *const argv[], const char *out)
{
	pid_t pid;
	int st, r;

	r = spawn(argv, out, &pid);
	if (r < 0)
		return r;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return fail_errno(errno, "cannot wait for", argv[0]);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "fixture: '%s' failed (wait status 0x%x)\n",
			argv[0], (unsigned int)st);
		print_tail(out);
		return -EIO;
	}
	return 0;
}

/* ---- mounts ------------------------------------------------------------ */

/* mountinfo of a machine running many tests at once fits in this. */
#define MOUNTINFO_MAX (4u << 20)

/*
 * Read /proc/self/mountinfo into buf with each newline made a NUL: its
 * length, or -1 (unreadable or larger than buf).  Async-signal-safe.
 */
static ssize_t
mountinfo_load(char *buf, size_t size)
{
	size_t len = 0, i;
	ssize_t n;
	int fd;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len == size - 1)
		return -1;
	buf[len] = '\0';
	for (i = 0; i < len; i++)
		if (buf[i] == '\n')
			buf[i] = '\0';
	return (ssize_t)len;
}

/*
 * The mount point (fifth field) of one mountinfo line into out, its octal
 * escapes ("\040" for a blank) undone; false if there is none or it does
 * not fit.  Async-signal-safe.
 */
static bool
mount_point_of(const char *line, char *out, size_t size)
{
	const char *p = line;
	size_t n = 0;
	int i;

	for (i = 0; i < 4; i++) {
		p = strchr(p, ' ');
		if (!p)
			return false;
		p++;
	}
	for (; *p && *p != ' '; n++) {
		if (n + 1 >= size)
			return false;
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' &&
		    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			out[n] = (char)((p[1] - '0') << 6 | (p[2] - '0') << 3 |
					(p[3] - '0'));
			p += 4;
		} else {
			out[n] = *p++;
		}
	}
	out[n] = '\0';
	return n > 0;
}

/* The line before the one at line in a buffer of NUL-ended lines. */
static const char *
line_before(const char *buf, const char *line)
{
	const char *p = line - 1;

	while (p > buf && p[-1] != '\0')
		p--;
	return p;
}

bool
fx_is_mount_point(const char *path)
{
	char mp[PATH_MAX], *buf;
	const char *line;
	ssize_t len;
	bool found = false;

	if (!path)
		return false;
	buf = malloc(MOUNTINFO_MAX);
	if (!buf)
		return false;
	len = mountinfo_load(buf, MOUNTINFO_MAX);
	for (line = buf; len > 0 && !found && line < buf + len;
	     line += strlen(line) + 1)
		found = mount_point_of(line, mp, sizeof(mp)) &&
			strcmp(mp, path) == 0;
	free(buf);
	return found;
}

/* Is mp one of the fixture's volumes? */
static bool
is_volume_mount(const struct fx *fx, const char *mp)
{
	size_t i;

	for (i = 0; i < fx->n_vols; i++)
		if (fx->vols[i].mounted && strcmp(fx->vols[i].mnt, mp) == 0)
			return true;
	return false;
}

/*
 * Lazily unmount whatever is mounted below the fixture's directory but
 * its volumes, last mounted first: exposures a test or vssd left (they
 * would keep the loop devices busy).  quiet: from a signal handler,
 * async-signal-safe; otherwise each one is reported, as a test should
 * have removed it.
 */
static void
unmount_extras(const struct fx *fx, bool quiet)
{
	static char buf[MOUNTINFO_MAX];
	size_t dlen = strlen(fx->dir);
	char mp[PATH_MAX];
	const char *line;
	ssize_t len;

	len = mountinfo_load(buf, sizeof(buf));
	if (len <= 0 || dlen == 0)
		return;
	for (line = line_before(buf, buf + len); ;
	     line = line_before(buf, line)) {
		if (mount_point_of(line, mp, sizeof(mp)) &&
		    strncmp(mp, fx->dir, dlen) == 0 && mp[dlen] == '/' &&
		    !is_volume_mount(fx, mp) && umount2(mp, MNT_DETACH) == 0 &&
		    !quiet)
			fprintf(stderr, "fixture: unmounted '%s' left "
				"mounted\n", mp);
		if (line == buf)
			break;
	}
}

/* ---- cleanup ----------------------------------------------------------- */

/*
 * Detach a loop device if it still holds our image: once unmounted it is
 * detached by autoclear and may already serve someone else.
 * Async-signal-safe.
 */
static void
loop_detach(const struct fx_volume *v)
{
	struct loop_info64 info;
	int fd;

	fd = open(v->loop, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ioctl(fd, LOOP_GET_STATUS64, &info) == 0 &&
	    info.lo_device == (uint64_t)v->image_dev &&
	    info.lo_inode == (uint64_t)v->image_ino)
		ioctl(fd, LOOP_CLR_FD, 0);
	close(fd);
}

void
fx_thaw(const char *mnt)
{
	int fd;

	if (!mnt || !mnt[0])
		return;
	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	ioctl(fd, FITHAW, 0);
	close(fd);
}

/*
 * A volume left frozen (by a vssd killed in its freeze window, or a test)
 * can be unmounted lazily but never released: thaw them all first.
 * Async-signal-safe.
 */
static void
thaw_volumes(const struct fx *fx)
{
	size_t i;

	for (i = 0; i < fx->n_vols; i++)
		if (fx->vols[i].mounted)
			fx_thaw(fx->vols[i].mnt);
}

/* Async-signal-safe: kill, thaw, unmount lazily, detach, and that is all. */
static void
emergency_cleanup(struct fx *fx)
{
	size_t i;

	for (i = 0; i < fx->n_writers; i++)
		if (fx->writers[i].pid > 0)
			kill(fx->writers[i].pid, SIGKILL);
	if (fx->vssd > 0)
		kill(fx->vssd, SIGKILL);
	thaw_volumes(fx);
	unmount_extras(fx, true);
	for (i = fx->n_vols; i-- > 0;) {
		struct fx_volume *v = &fx->vols[i];

		if (v->mounted)
			umount2(v->mnt, MNT_DETACH);
		if (v->attached)
			loop_detach(v);
		/* An inner image goes before its host, last added first. */
		unlink(v->image);
		rmdir(v->mnt);
	}
	/* Whatever else is left (logs, state) stays for a look. */
	unlink(fx->config);
	unlink(fx->socket);
	rmdir(fx->dir);
}

static void
on_signal(int sig)
{
	if (getpid() != fx_owner)
		_exit(128 + sig);
	if (fx_active) {
		static const char msg[] = "fixture: signal: unmounted and "
					  "detached; logs left in ";
		struct iovec iov[3] = {
			{(void *)msg, sizeof(msg) - 1},
			{fx_active->dir, strlen(fx_active->dir)},
			{"\n", 1},
		};

		emergency_cleanup(fx_active);
		fx_active = NULL;
		if (writev(2, iov, 3) < 0)
			_exit(128 + sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
on_exit_cleanup(void)
{
	if (fx_active && getpid() == fx_owner)
		fx_free(fx_active);
}

static void
install_handlers(void)
{
	static bool installed;
	struct sigaction sa;
	size_t i;

	if (installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fx_signals) / sizeof(fx_signals[0]); i++)
		sigaction(fx_signals[i], &sa, NULL);
	atexit(on_exit_cleanup);
	installed = true;
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
	     struct FTW *ftw)
{
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
fx_remove_tree(const char *path)
{
	if (path)
		nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static void
volume_release(struct fx_volume *v)
{
	int i, rc = 0;

	if (v->mounted) {
		/* vssd may still be deleting a snapshot when stopped late. */
		for (i = 0;; i++) {
			rc = umount2(v->mnt, 0);
			if (rc == 0 || errno != EBUSY || i == 50)
				break;
			fx_sleep_ms(50);
		}
		if (rc < 0) {
			fprintf(stderr, "fixture: cannot unmount '%s' (%s), "
				"detaching it\n", v->mnt, strerror(errno));
			umount2(v->mnt, MNT_DETACH);
		}
		v->mounted = false;
	}
	if (v->attached) {
		loop_detach(v);
		v->attached = false;
	}
}

void
fx_free(struct fx *fx)
{
	size_t i;

	if (!fx)
		return;
	fx_writers_stop_all(fx);
	if (fx->vssd > 0)
		fx_stop_vssd(fx);
	thaw_volumes(fx);
	if (fx->dir[0])
		unmount_extras(fx, false);
	for (i = fx->n_vols; i-- > 0;)
		volume_release(&fx->vols[i]);
	if (fx->dir[0]) {
		if (getenv("VSS_TEST_KEEP"))
			fprintf(stderr, "fixture: kept '%s'\n", fx->dir);
		else
			fx_remove_tree(fx->dir);
	}
	if (fx_active == fx)
		fx_active = NULL;
	free(fx->writers);
	free(fx);
}

int
fx_new(struct fx **ret)
{
	const char *tmp = getenv("TMPDIR");
	struct fx *fx;

	if (!ret)
		return -EINVAL;
	if (fx_active)
		return -EBUSY;
	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -ENOMEM;
	fx->writers = calloc(FX_MAX_WRITERS, sizeof(*fx->writers));
	if (!fx->writers) {
		free(fx);
		return -ENOMEM;
	}
	if ((size_t)snprintf(fx->dir, sizeof(fx->dir), "%s/vss-integ.XXXXXX",
			     tmp && *tmp ? tmp : "/tmp") >= sizeof(fx->dir)) {
		fx->dir[0] = '\0';
		fx_free(fx);
		return fail_errno(ENAMETOOLONG, "$TMPDIR too long", tmp);
	}
	if (!mkdtemp(fx->dir)) {
		int r = fail_errno(errno, "cannot create", fx->dir);

		fx->dir[0] = '\0';
		fx_free(fx);
		return r;
	}
	/* Traversable by others: the non-root requester test needs it. */
	chmod(fx->dir, 0755);
	snprintf(fx->socket, sizeof(fx->socket), "%s/vssd.sock", fx->dir);
	snprintf(fx->state_dir, sizeof(fx->state_dir), "%s/state", fx->dir);
	snprintf(fx->config, sizeof(fx->config), "%s/vssd.conf", fx->dir);
	snprintf(fx->vssd_log, sizeof(fx->vssd_log), "%s/vssd.log", fx->dir);
	fx_owner = getpid();
	fx_active = fx;
	install_handlers();
	*ret = fx;
	return 0;
}

/* ---- volumes ----------------------------------------------------------- */

/* Attach image to a free loop device, autoclear on last close. */
static int
loop_attach(struct fx_volume *v, int image_fd, int *ret_fd)
{
	struct loop_config cfg;
	int ctl, tries, err = EBUSY;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return fail_errno(errno, "cannot open", "/dev/loop-control");
	for (tries = 0; tries < 20; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		int fd;

		if (n < 0) {
			int r = fail_errno(errno, "no free loop device", "");

			close(ctl);
			return r;
		}
		snprintf(v->loop, sizeof(v->loop), "/dev/loop%d", n);
		fd = open(v->loop, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			continue;
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (uint32_t)image_fd;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0) {
			close(ctl);
			v->attached = true;
			*ret_fd = fd;
			return 0;
		}
		/* Someone else took it between GET_FREE and CONFIGURE. */
		err = errno;
		close(fd);
		if (err != EBUSY)
			break;
	}
	close(ctl);
	return fail_errno(err, "cannot attach a loop device to", v->image);
}

/* mkfs (struct fx_image) on dev, its output to <dir>/mkfs.log. */
static int
make_fs(const struct fx *fx, const char *const *mkfs, const char *dev)
{
	char *argv[MKFS_MAX_ARGS + 2];
	char prog[PATH_MAX], log[sizeof(fx->dir) + 16];
	size_t n;

	if (!find_program(mkfs[0], prog, sizeof(prog)))
		return fail_errno(ENOENT, "cannot find", mkfs[0]);
	argv[0] = prog;
	for (n = 1; mkfs[n]; n++) {
		if (n == MKFS_MAX_ARGS)
			return fail_errno(E2BIG, "too many options for",
					  mkfs[0]);
		argv[n] = (char *)mkfs[n];
	}
	argv[n++] = (char *)dev;
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/mkfs.log", fx->dir);
	return run_command(argv, log);
}

/* path, or <dir>/vol<index><suffix> when it is NULL, into out. */
static int
volume_path(char *out, size_t size, const char *path, const char *dir,
	    size_t index, const char *suffix)
{
	int n;

	if (path)
		n = snprintf(out, size, "%s", path);
	else
		n = snprintf(out, size, "%s/vol%zu%s", dir, index, suffix);
	if (n < 0 || (size_t)n >= size)
		return fail_errno(ENAMETOOLONG, "path too long",
				  path ? path : dir);
	return 0;
}

int
fx_add_image(struct fx *fx, const struct fx_image *img,
	     struct fx_volume **ret)
{
	char dir[sizeof(fx->dir)];
	struct fx_volume *v;
	struct stat st;
	int image_fd = -1, loop_fd = -1, r;

	if (!fx || !img || !ret || fx->n_vols == FX_MAX_VOLUMES ||
	    img->size_mb == 0 || !img->fstype || !img->mkfs || !img->mkfs[0])
		return -EINVAL;
	/* A copy: GCC cannot tell fx->dir from *v for -Wrestrict. */
	snprintf(dir, sizeof(dir), "%s", fx->dir);
	v = &fx->vols[fx->n_vols];
	memset(v, 0, sizeof(*v));
	r = volume_path(v->image, sizeof(v->image), img->image, dir,
			fx->n_vols, ".img");
	if (r == 0)
		r = volume_path(v->mnt, sizeof(v->mnt), img->mnt, dir,
				fx->n_vols, "");
	if (r == 0 && (size_t)snprintf(v->fstype, sizeof(v->fstype), "%s",
				       img->fstype) >= sizeof(v->fstype))
		r = fail_errno(ENAMETOOLONG, "file system type too long",
			       img->fstype);
	if (r < 0)
		return r;

	image_fd = open(v->image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (image_fd < 0)
		return fail_errno(errno, "cannot create", v->image);
	/* Counted once the image is ours: a failure below is undone too. */
	fx->n_vols++;
	if (fstat(image_fd, &st) < 0 ||
	    ftruncate(image_fd, (off_t)img->size_mb << 20) < 0) {
		r = fail_errno(errno, "cannot size", v->image);
		goto fail;
	}
	v->image_dev = st.st_dev;
	v->image_ino = st.st_ino;
	r = loop_attach(v, image_fd, &loop_fd);
	if (r < 0)
		goto fail;
	r = make_fs(fx, img->mkfs, v->loop);
	if (r < 0)
		goto fail;
	if (mkdir(v->mnt, 0755) < 0) {
		r = fail_errno(errno, "cannot create", v->mnt);
		goto fail;
	}
	if (mount(v->loop, v->mnt, v->fstype, 0, NULL) < 0) {
		r = fail_errno(errno, "cannot mount", v->loop);
		goto fail;
	}
	v->mounted = true;
	close(loop_fd);
	close(image_fd);
	*ret = v;
	return 0;
fail:
	if (loop_fd >= 0)
		close(loop_fd);
	close(image_fd);
	return r;
}

int
fx_add_volume(struct fx *fx, unsigned size_mb, const char **ret_mnt)
{
	static const char *const mkfs[] = {"mkfs.btrfs", "-q", "-f", NULL};
	const struct fx_image img = {
		.size_mb = size_mb,
		.fstype = "btrfs",
		.mkfs = mkfs,
	};
	struct fx_volume *v;
	int r;

	if (!ret_mnt)
		return -EINVAL;
	r = fx_add_image(fx, &img, &v);
	if (r < 0)
		return r;
	*ret_mnt = v->mnt;
	return 0;
}

int
fx_add_volumes(struct fx *fx, size_t n, unsigned size_mb,
	       const char **ret_mnts)
{
	size_t i;
	int r;

	if (n > 0 && !ret_mnts)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		r = fx_add_volume(fx, size_mb, &ret_mnts[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int
fx_shadow_path(const char *volume, const vss_id *id, char *out, size_t size)
{
	char text[VSS_ID_STRLEN];
	int n;

	if (!volume || !id || !out)
		return -EINVAL;
	vss_id_format(id, text);
	n = snprintf(out, size, "%s/" FX_SHADOWS_DIR "/%s", volume, text);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int
fx_snapshot_count(const char *mnt, char *first, size_t size)
{
	struct btrfs_util_subvolume_iterator *it;
	enum btrfs_util_error e;
	int n = 0;

	if (!mnt)
		return -EINVAL;
	if (first && size)
		first[0] = '\0';
	e = btrfs_util_create_subvolume_iterator(mnt, 0, 0, &it);
	if (e != BTRFS_UTIL_OK) {
		fprintf(stderr, "fixture: cannot list subvolumes of '%s': %s\n",
			mnt, btrfs_util_strerror(e));
		return -EIO;
	}
	for (;;) {
		char *path = NULL;
		uint64_t id;

		e = btrfs_util_subvolume_iterator_next(it, &path, &id);
		if (e != BTRFS_UTIL_OK)
			break;
		if (strcmp(path, FX_SHADOWS_DIR) == 0) {
			free(path);
			continue;
		}
		if (n == 0 && first && size)
			snprintf(first, size, "%s", path);
		free(path);
		n++;
	}
	btrfs_util_destroy_subvolume_iterator(it);
	if (e != BTRFS_UTIL_ERROR_STOP_ITERATION)
		return -EIO;
	return n;
}

int
fx_wait_gone(const char *path, int timeout_ms)
{
	uint64_t end = fx_now_ns() + (uint64_t)timeout_ms * 1000000u;

	if (!path)
		return -EINVAL;
	while (access(path, F_OK) == 0) {
		if (fx_now_ns() >= end)
			return -ETIMEDOUT;
		fx_sleep_ms(5);
	}
	return 0;
}

/* ---- vssd -------------------------------------------------------------- */

size_t
fx_vssd_log_count(const struct fx *fx, const char *text, const char *also)
{
	char *line = NULL;
	size_t cap = 0, n = 0;
	FILE *f;

	if (!fx || !text)
		return 0;
	f = fopen(fx->vssd_log, "re");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0)
		n += strstr(line, text) && (!also || strstr(line, also));
	free(line);
	fclose(f);
	return n;
}

static int
write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	bool ok;
	FILE *f;

	f = fopen(path, "we");
	if (!f)
		return fail_errno(errno, "cannot create", path);
	ok = fwrite(text, 1, len, f) == len;
	if (fclose(f) != 0 || !ok)
		return fail_errno(EIO, "cannot write", path);
	return 0;
}

static bool
socket_accepts(const struct fx *fx)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	bool ok;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	memcpy(sa.sun_path, fx->socket, sizeof(sa.sun_path));
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

bool
fx_vssd_alive(struct fx *fx)
{
	if (!fx || fx->vssd <= 0)
		return false;
	if (reap(fx->vssd, &fx->vssd_exit_status)) {
		fx->vssd = 0;
		return false;
	}
	return true;
}

/* vssd.conf for cfg: one [vssd] section (daemon/config.c). */
static int
config_text(const struct fx_vssd_config *cfg, char *buf, size_t size)
{
	static const char *const event_keys[] = {
		"identify_timeout_ms", "prepare_backup_timeout_ms",
		"prepare_snapshot_timeout_ms", "post_snapshot_timeout_ms",
		"abort_timeout_ms", "backup_complete_timeout_ms",
		"backup_shutdown_timeout_ms",
	};
	static const struct fx_vssd_config none;
	unsigned event_ms, freeze_ms;
	size_t len, i;

	if (!cfg)
		cfg = &none;
	event_ms = cfg->event_timeout_ms ? cfg->event_timeout_ms : 2000;
	freeze_ms = cfg->freeze_timeout_ms ? cfg->freeze_timeout_ms : 3000;
	len = (size_t)snprintf(buf, size,
			       "[vssd]\nfreeze_timeout_ms = %u\n"
			       "thaw_timeout_ms = %u\n",
			       freeze_ms, freeze_ms);
	for (i = 0; i < sizeof(event_keys) / sizeof(event_keys[0]); i++)
		if (len < size)
			len += (size_t)snprintf(buf + len, size - len,
						"%s = %u\n", event_keys[i],
						event_ms);
	if (len < size && cfg->max_writers)
		len += (size_t)snprintf(buf + len, size - len,
					"max_writers = %u\n", cfg->max_writers);
	if (len < size && cfg->max_connections)
		len += (size_t)snprintf(buf + len, size - len,
					"max_connections = %u\n",
					cfg->max_connections);
	if (len < size && cfg->max_frame)
		len += (size_t)snprintf(buf + len, size - len,
					"max_frame = %u\n", cfg->max_frame);
	/* More of [vssd], then whole sections of the test's own. */
	if (len < size && cfg->extra)
		len += (size_t)snprintf(buf + len, size - len, "%s\n",
					cfg->extra);
	return len < size ? 0 : -ENOBUFS;
}

int
fx_start_vssd(struct fx *fx, const struct fx_vssd_config *cfg)
{
	char config[16384];
	char *argv[] = {
		(char *)getenv("VSSD"), "--foreground",
		"--socket", fx->socket,
		"--state-dir", fx->state_dir,
		"--config", fx->config, NULL,
	};
	uint64_t end;
	int r;

	if (!fx || fx->vssd > 0 || !argv[0])
		return -EINVAL;
	r = config_text(cfg, config, sizeof(config));
	if (r < 0)
		return r;
	r = write_file(fx->config, config);
	if (r < 0)
		return r;
	r = spawn(argv, fx->daemon_log_to_file ? fx->vssd_log : NULL,
		  &fx->vssd);
	if (r < 0)
		return r;
	end = fx_now_ns() + START_TIMEOUT_MS * 1000000ull;
	while (!socket_accepts(fx)) {
		if (!fx_vssd_alive(fx)) {
			fprintf(stderr, "fixture: vssd exited at start (wait "
				"status 0x%x)\n",
				(unsigned int)fx->vssd_exit_status);
			return -ECHILD;
		}
		if (fx_now_ns() >= end) {
			fprintf(stderr, "fixture: vssd socket '%s' did not "
				"appear\n", fx->socket);
			return -ETIMEDOUT;
		}
		fx_sleep_ms(5);
	}
	return 0;
}

int
fx_stop_vssd(struct fx *fx)
{
	int st;

	if (!fx)
		return -EINVAL;
	if (!fx_vssd_alive(fx))
		return fx->vssd_exit_status;
	st = terminate(fx->vssd, STOP_TIMEOUT_MS);
	fx->vssd = 0;
	fx->vssd_exit_status = st;
	return st;
}

int
fx_kill_vssd(struct fx *fx)
{
	int st;

	if (!fx)
		return -EINVAL;
	if (!fx_vssd_alive(fx))
		return fx->vssd_exit_status;
	kill(fx->vssd, SIGKILL);
	while (waitpid(fx->vssd, &st, 0) < 0)
		if (errno != EINTR)
			return fail_errno(errno, "cannot wait for", "vssd");
	fx->vssd = 0;
	fx->vssd_exit_status = st;
	return st;
}

int
fx_setup(struct fx **ret, size_t n_vols, unsigned size_mb,
	 const char **ret_mnts, const struct fx_vssd_config *cfg)
{
	struct fx *fx = NULL;
	int r;

	if (!ret || n_vols > FX_MAX_VOLUMES || (n_vols > 0 && !ret_mnts))
		return -EINVAL;
	r = fx_new(&fx);
	if (r == 0)
		r = fx_add_volumes(fx, n_vols, size_mb, ret_mnts);
	if (r == 0)
		r = fx_start_vssd(fx, cfg);
	if (r < 0) {
		fx_free(fx);
		return r;
	}
	*ret = fx;
	return 0;
}

int
fx_teardown(struct fx *fx)
{
	int st = fx_stop_vssd(fx);

	fx_free(fx);
	if (st != 0) {
		fprintf(stderr, "fixture: vssd did not exit cleanly (wait "
			"status 0x%x)\n", (unsigned)st);
		return st < 0 ? st : -ECHILD;
	}
	return 0;
}

/* Do the btrfs volumes hold no shadow copy (fx_snapshot_count())? */
static bool
no_shadow_copies(const struct fx *fx)
{
	size_t i;

	for (i = 0; i < fx->n_vols; i++)
		if (fx->vols[i].mounted &&
		    strcmp(fx->vols[i].fstype, "btrfs") == 0 &&
		    fx_snapshot_count(fx->vols[i].mnt, NULL, 0) != 0)
			return false;
	return true;
}

int
fx_clean_up(struct fx *fx, const struct fx_vssd_config *cfg)
{
	vss_requester *r = NULL;
	vss_id non_deleted;
	long deleted;
	uint64_t end;
	int rc;

	if (!fx)
		return -EINVAL;
	fx_writers_stop_all(fx);
	if (!fx_vssd_alive(fx)) {
		rc = fx_start_vssd(fx, cfg);
		if (rc < 0)
			return rc;
	}
	/* A delete unexposes first. */
	rc = fx_requester_new(fx, VSS_CTX_ALL, &r);
	if (rc == 0)
		rc = vss_requester_delete_volume_snapshots(r, NULL, false,
							   &deleted,
							   &non_deleted);
	vss_requester_free(r);
	if (rc < 0) {
		fprintf(stderr, "fixture: clean-up: delete of everything "
			"failed: %s\n", vss_strerror(rc));
		return rc;
	}
	/* Releases of sessions the test ended may still be on their way. */
	end = fx_now_ns() + CLEAN_UP_TIMEOUT_MS * 1000000ull;
	while (!no_shadow_copies(fx)) {
		if (fx_now_ns() >= end) {
			fprintf(stderr, "fixture: clean-up: shadow copies left "
				"on the volumes\n");
			return -EBUSY;
		}
		fx_sleep_ms(10);
	}
	return 0;
}

/* ---- writers ----------------------------------------------------------- */

#define WRITER_MAX_ARGS 64

int
fx_writer_wait_ready(struct fx_writer *w, int timeout_ms)
{
	uint64_t end = fx_now_ns() + (uint64_t)timeout_ms * 1000000u;

	if (!w)
		return -EINVAL;
	while (access(w->ready, F_OK) < 0) {
		char out[PATH_MAX + 8];

		snprintf(out, sizeof(out), "%s.out", w->log);
		if (w->pid <= 0 || reap(w->pid, &w->exit_status)) {
			w->pid = 0;
			fprintf(stderr, "fixture: writer '%s' exited before "
				"it was ready (wait status 0x%x)\n", w->name,
				(unsigned int)w->exit_status);
			print_tail(out);
			return -ECHILD;
		}
		if (fx_now_ns() >= end) {
			fprintf(stderr, "fixture: writer '%s' not ready\n",
				w->name);
			print_tail(out);
			return -ETIMEDOUT;
		}
		fx_sleep_ms(2);
	}
	return 0;
}

int
fx_writer_start(struct fx *fx, const struct fx_writer_opts *o,
		struct fx_writer **ret)
{
	char *argv[WRITER_MAX_ARGS];
	char class_id[VSS_ID_STRLEN];
	char out[PATH_MAX + 8];
	struct fx_writer *w;
	size_t n = 0, i;
	int r;

	if (!fx || !o || !o->name || !ret || fx->n_writers == FX_MAX_WRITERS)
		return -EINVAL;
	w = &fx->writers[fx->n_writers];
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", o->name);
	vss_id_generate(&w->class_id);
	vss_id_format(&w->class_id, class_id);
	snprintf(w->log, sizeof(w->log), "%s/writer-%s.log", fx->dir,
		 o->name);
	snprintf(w->ready, sizeof(w->ready), "%s/writer-%s.ready", fx->dir,
		 o->name);
	snprintf(out, sizeof(out), "%s.out", w->log);

	argv[n++] = (char *)getenv("VSS_TEST_WRITER");
	argv[n++] = "--name";
	argv[n++] = w->name;
	argv[n++] = "--class-id";
	argv[n++] = class_id;
	argv[n++] = "--socket";
	argv[n++] = fx->socket;
	argv[n++] = "--log";
	argv[n++] = w->log;
	argv[n++] = "--ready-file";
	argv[n++] = w->ready;
	if (o->level) {
		argv[n++] = "--level";
		argv[n++] = (char *)o->level;
	}
	if (o->component) {
		argv[n++] = "--component";
		argv[n++] = (char *)o->component;
	}
	if (o->marker_dir) {
		argv[n++] = "--marker-dir";
		argv[n++] = (char *)o->marker_dir;
	}
	for (i = 0; o->extra && o->extra[i]; i++) {
		if (n == WRITER_MAX_ARGS - 1)
			return -E2BIG;
		argv[n++] = (char *)o->extra[i];
	}
	argv[n] = NULL;
	if (!argv[0])
		return -EINVAL;

	r = spawn(argv, out, &w->pid);
	if (r < 0)
		return r;
	fx->n_writers++;
	if (!o->no_wait) {
		r = fx_writer_wait_ready(w, START_TIMEOUT_MS);
		if (r < 0)
			return r;
	}
	*ret = w;
	return 0;
}

int
fx_writer_stop(struct fx_writer *w)
{
	if (!w)
		return -EINVAL;
	if (w->pid > 0) {
		w->exit_status = terminate(w->pid, WRITER_STOP_TIMEOUT_MS);
		w->pid = 0;
	}
	return 0;
}

void
fx_writers_stop_all(struct fx *fx)
{
	size_t i;

	if (!fx)
		return;
	/* Signal all first: 256 writers stop in parallel. */
	for (i = 0; i < fx->n_writers; i++)
		if (fx->writers[i].pid > 0)
			kill(fx->writers[i].pid, SIGTERM);
	for (i = 0; i < fx->n_writers; i++)
		fx_writer_stop(&fx->writers[i]);
	/* The next test reuses the slots; logs keep distinct names. */
	fx->n_writers = 0;
}

/* ---- writer logs ------------------------------------------------------- */

static bool
parse_line(char *line, struct fx_event *ev)
{
	char *field[6] = {NULL};
	char *save = NULL, *end;
	size_t n = 0;
	char *p;

	/* The sixth field, details, is not needed here. */
	for (p = strtok_r(line, "\t", &save); p && n < 6;
	     p = strtok_r(NULL, "\t", &save))
		field[n++] = p;
	if (n < 3)
		return false;
	memset(ev, 0, sizeof(*ev));
	errno = 0;
	ev->mono_ns = strtoull(field[0], &end, 10);
	if (errno || *end)
		return false;
	ev->real_ns = strtoull(field[1], &end, 10);
	if (errno || *end)
		return false;
	snprintf(ev->event, sizeof(ev->event), "%s", field[2]);
	if (field[3])
		snprintf(ev->set_id, sizeof(ev->set_id), "%s", field[3]);
	if (field[4])
		snprintf(ev->result, sizeof(ev->result), "%s", field[4]);
	return true;
}

int
fx_writer_events(const struct fx_writer *w, struct fx_event **ret,
		 size_t *ret_n)
{
	struct fx_event *ev = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t linecap = 0;
	ssize_t len;
	FILE *f;

	if (!w || !ret || !ret_n)
		return -EINVAL;
	f = fopen(w->log, "re");
	if (!f) {
		if (errno != ENOENT)
			return -errno;
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((len = getline(&line, &linecap, f)) > 0) {
		struct fx_event e;

		/* A line still being written has no newline yet. */
		if (line[len - 1] != '\n')
			break;
		line[len - 1] = '\0';
		if (!parse_line(line, &e))
			continue;
		if (n == cap) {
			struct fx_event *grown;

			cap = cap ? cap * 2 : 32;
			grown = realloc(ev, cap * sizeof(*ev));
			if (!grown) {
				free(ev);
				free(line);
				fclose(f);
				return -ENOMEM;
			}
			ev = grown;
		}
		ev[n++] = e;
	}
	free(line);
	fclose(f);
	*ret = ev;
	*ret_n = n;
	return 0;
}

long
fx_events_find(const struct fx_event *ev, size_t n, size_t from,
	       const char *name)
{
	size_t i;

	for (i = from; i < n; i++)
		if (strcmp(ev[i].event, name) == 0)
			return (long)i;
	return -1;
}

size_t
fx_writer_count(const struct fx_writer *w, const char *name)
{
	struct fx_event *ev;
	size_t n, i, count = 0;

	if (fx_writer_events(w, &ev, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(ev[i].event, name) == 0)
			count++;
	free(ev);
	return count;
}

int
fx_writer_wait_count(const struct fx_writer *w, const char *name,
		     size_t count, int timeout_ms)
{
	uint64_t end = fx_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (fx_writer_count(w, name) < count) {
		if (fx_now_ns() >= end)
			return -ETIMEDOUT;
		fx_sleep_ms(5);
	}
	return 0;
}

void
fx_events_sequence(const struct fx_event *ev, size_t n, size_t from,
		   char *buf, size_t size)
{
	static const char *const backup_events[] = {
		"identify", "prepare_backup", "prepare_snapshot", "freeze",
		"thaw", "post_snapshot", "abort", "backup_complete",
		"backup_shutdown",
	};
	size_t i, j, len = 0;

	if (size)
		buf[0] = '\0';
	for (i = from; i < n; i++) {
		for (j = 0; j < sizeof(backup_events) / sizeof(*backup_events);
		     j++)
			if (strcmp(ev[i].event, backup_events[j]) == 0)
				break;
		if (j == sizeof(backup_events) / sizeof(*backup_events))
			continue;
		if (len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len ? " " : "", ev[i].event);
	}
}

/* ---- a backup ---------------------------------------------------------- */

const char *
fx_step_name(enum fx_step s)
{
	static const char *const names[FX_STEP_COUNT] = {
		[FX_STEP_NEW] = "new",
		[FX_STEP_INITIALIZE] = "initialize_for_backup",
		[FX_STEP_SET_CONTEXT] = "set_context",
		[FX_STEP_SET_STATE] = "set_backup_state",
		[FX_STEP_DISABLE] = "disable_writer_classes",
		[FX_STEP_GATHER_METADATA] = "gather_writer_metadata",
		[FX_STEP_START_SET] = "start_snapshot_set",
		[FX_STEP_ADD_VOLUMES] = "add_to_snapshot_set",
		[FX_STEP_PREPARE] = "prepare_for_backup",
		[FX_STEP_DO_SNAPSHOT_SET] = "do_snapshot_set",
		[FX_STEP_GATHER_STATUS] = "gather_writer_status",
		[FX_STEP_BACKUP_COMPLETE] = "backup_complete",
		[FX_STEP_FREE] = "free",
	};

	return (unsigned)s < FX_STEP_COUNT ? names[s] : "?";
}

int
fx_async_finish(vss_async *a, int timeout_ms)
{
	int st, r;

	r = vss_async_wait(a, timeout_ms);
	if (r < 0) {
		vss_async_free(a);
		return r;
	}
	r = vss_async_query_status(a, &st);
	vss_async_free(a);
	if (r < 0)
		return r;
	return st == VSS_S_ASYNC_FINISHED ? 0 : st;
}

/* Is step s left out of b's run? */
static bool
backup_skips(const struct fx_backup *b, enum fx_step s)
{
	bool no_writers = (uint32_t)b->context & VSS_VOLSNAP_ATTR_NO_WRITERS;

	switch (s) {
	case FX_STEP_SET_CONTEXT:
		return b->context == VSS_CTX_BACKUP;
	case FX_STEP_DISABLE:
		return b->n_disabled == 0;
	case FX_STEP_GATHER_METADATA:
	case FX_STEP_PREPARE:
	case FX_STEP_GATHER_STATUS:
	case FX_STEP_BACKUP_COMPLETE:
		return no_writers;
	default:
		return false;
	}
}

/* Make the call of one step; *ret_async for the asynchronous ones. */
static int
backup_step(struct fx_backup *b, enum fx_step s, vss_requester **r,
	    vss_async **ret_async)
{
	static const struct vss_backup_state state = {
		.select_components = false,
		.backup_type = VSS_BT_FULL,
	};
	size_t i;
	int rc;

	switch (s) {
	case FX_STEP_NEW:
		return vss_requester_new(r, b->socket);
	case FX_STEP_INITIALIZE:
		return vss_requester_initialize_for_backup(*r, NULL);
	case FX_STEP_SET_CONTEXT:
		return vss_requester_set_context(*r, b->context);
	case FX_STEP_SET_STATE:
		return vss_requester_set_backup_state(*r, &state);
	case FX_STEP_DISABLE:
		return vss_requester_disable_writer_classes(
			*r, b->disabled_classes, b->n_disabled);
	case FX_STEP_GATHER_METADATA:
		return vss_requester_gather_writer_metadata(*r, ret_async);
	case FX_STEP_START_SET:
		return vss_requester_start_snapshot_set(*r, &b->set_id);
	case FX_STEP_ADD_VOLUMES:
		for (i = 0; i < b->n_volumes; i++) {
			rc = vss_requester_add_to_snapshot_set(
				*r, b->volumes[i], NULL, &b->snapshot_ids[i]);
			if (rc < 0)
				return rc;
		}
		return 0;
	case FX_STEP_PREPARE:
		return vss_requester_prepare_for_backup(*r, ret_async);
	case FX_STEP_DO_SNAPSHOT_SET:
		return vss_requester_do_snapshot_set(*r, ret_async);
	case FX_STEP_GATHER_STATUS:
		return vss_requester_gather_writer_status(*r, ret_async);
	case FX_STEP_BACKUP_COMPLETE:
		return vss_requester_backup_complete(*r, ret_async);
	case FX_STEP_FREE:
		vss_requester_free(*r);
		*r = NULL;
		return 0;
	case FX_STEP_COUNT:
		break;
	}
	return -EINVAL;
}

int
fx_backup_run(struct fx_backup *b)
{
	int timeout_ms = b && b->async_timeout_ms ? b->async_timeout_ms :
						    60000;
	vss_requester *r = NULL;
	enum fx_step s;
	int rc = 0;

	if (!b || b->n_volumes > FX_MAX_VOLUMES)
		return -EINVAL;
	b->status = 0;
	b->failed_step = FX_STEP_COUNT;
	b->requester = NULL;
	memset(b->step_ns, 0, sizeof(b->step_ns));
	for (s = 0; s < FX_STEP_COUNT; s++) {
		vss_async *a = NULL;
		uint64_t t0;

		if (backup_skips(b, s))
			continue;
		if (s == FX_STEP_FREE && b->keep) {
			b->requester = r;
			return 0;
		}
		t0 = fx_now_ns();
		rc = backup_step(b, s, &r, &a);
		if (rc == 0 && a) {
			if (b->hook) {
				int h = b->hook(b, s, false, r);

				if (h != 0) {
					vss_async_free(a);
					rc = h;
					goto stop;
				}
			}
			rc = fx_async_finish(a, timeout_ms);
		}
		b->step_ns[s] = fx_now_ns() - t0;
		if (rc != 0) {
			b->failed_step = s;
			b->status = rc;
			/* BK-082: abort anyway once a set was started. */
			if (r && s >= FX_STEP_START_SET && !b->keep)
				vss_requester_abort_backup(r);
			goto stop;
		}
		if (b->hook) {
			rc = b->hook(b, s, true, r);
			if (rc != 0)
				goto stop;
		}
	}
	return 0;
stop:
	if (b->keep)
		b->requester = r;
	else
		vss_requester_free(r);
	return rc;
}

int
fx_make_set(const struct fx *fx, int32_t context, const char *const *volumes,
	    size_t n, bool keep, struct fx_backup *b)
{
	size_t i;

	if (!fx || !b || n > FX_MAX_VOLUMES || (n > 0 && !volumes))
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	b->socket = fx->socket;
	b->context = context;
	b->keep = keep;
	for (i = 0; i < n; i++)
		b->volumes[i] = volumes[i];
	b->n_volumes = n;
	return fx_backup_run(b);
}

int
fx_requester_new(const struct fx *fx, int32_t context, vss_requester **ret)
{
	vss_requester *r = NULL;
	int rc;

	if (!fx || !ret)
		return -EINVAL;
	rc = vss_requester_new(&r, fx->socket);
	if (rc == 0)
		rc = vss_requester_initialize_for_backup(r, NULL);
	if (rc == 0 && context != VSS_CTX_BACKUP)
		rc = vss_requester_set_context(r, context);
	if (rc < 0) {
		vss_requester_free(r);
		return rc;
	}
	*ret = r;
	return 0;
}
