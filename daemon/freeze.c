/*
 * daemon/freeze.c - FIFREEZE and FITHAW of the file systems of a set
 * whose provider commits while they are frozen: every volume flushed and
 * still at one instant (PV-024), for no longer than a hard bound (BK-062).
 *
 * Freeze journal.  Before the first file system of a hold is frozen,
 * <state dir>/frozen.json names them all, in freeze order:
 *
 *	{"mounts": ["/srv/data", "/srv"], "pid": 1234, "frozen_at": 1700000000}
 *
 * (frozen_at in seconds since the epoch), written atomically: a temporary
 * file in the state directory, fsync, rename, fsync of the directory.  It
 * is removed once everything is thawed.  Should vssd die in between, even
 * by SIGKILL, which takes the watchdog thread with it, the next start
 * thaws every file system it names before accepting any connection
 * (freeze_recover(), called from main.c).  A journal left behind by a
 * failed thaw is retried the same way.
 *
 * Nothing after the first FIFREEZE may wait on a frozen file system: a
 * set whose file systems include the one holding the state directory is
 * refused, the mount points and the state directory are used through fds
 * opened beforehand (no path lookups), and nothing is logged (PV-031).
 *
 * The watchdog.  Each hold has a thread, all signals blocked, that sleeps
 * on a CLOCK_MONOTONIC condition variable until hold_ms after the freeze
 * began; unless freeze_thaw() stopped it first, it thaws everything and
 * marks the hold expired, so writes are never held longer than the bound
 * however long the commit takes, and freeze_thaw() then reports
 * VSS_E_HOLD_WRITES_TIMEOUT.  The hold's mutex makes each file system
 * thawed exactly once, by whichever side comes first; FIFREEZE itself
 * runs outside the mutex, so that the watchdog can thaw what is frozen
 * while a later FIFREEZE is stuck flushing.
 */
#include "freeze.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <vss/status.h>

#include "log.h"
#include "statefile.h"

#define JOURNAL "frozen.json"
#define JOURNAL_BAD JOURNAL ".bad"

struct frozen_fs {
	char *mount;
	int fd;
	dev_t dev;
	bool frozen; /* under the hold's lock once the watchdog runs */
};

struct freeze_hold {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t watchdog;
	bool watchdog_started;
	bool stop;    /* the watchdog must go without thawing */
	bool expired; /* the watchdog fired and thawed */
	uint32_t hold_ms;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	size_t count;
	struct frozen_fs fs[]; /* in freeze order */
};

/* The state directory, set by freeze_init(); the journal's path for logs. */
static int state_fd = -1;
static char *journal_path;
/* One hold at a time: there is one journal. */
static atomic_flag hold_active = ATOMIC_FLAG_INIT;

int
freeze_init(const char *state_dir)
{
	char *path;
	int fd;

	if (!state_dir)
		return -EINVAL;
	fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (asprintf(&path, "%s/" JOURNAL, state_dir) < 0) {
		close(fd);
		return -ENOMEM;
	}
	freeze_release();
	state_fd = fd;
	journal_path = path;
	return 0;
}

void
freeze_release(void)
{
	if (state_fd >= 0)
		close(state_fd);
	state_fd = -1;
	free(journal_path);
	journal_path = NULL;
}

/*
 * Describe a failure in err ("what: strerror(e)", or just "what" for e 0)
 * and return status.
 */
static int __attribute__((format(printf, 5, 6)))
report(char *err, size_t errlen, int status, int e, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	if (!err || errlen == 0)
		return status;
	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (e && n >= 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - (size_t)n, ": %s",
			 strerror_r(e, tmp, sizeof(tmp)));
	return status;
}

/* ---- the journal ----------------------------------------------------- */

static char *
journal_text(const struct freeze_hold *h)
{
	json_t *doc, *mounts;
	char *text = NULL;
	size_t i;

	mounts = json_array();
	doc = json_pack("{s:o, s:I, s:I}", "mounts", mounts, "pid",
			(json_int_t)getpid(), "frozen_at",
			(json_int_t)time(NULL));
	if (!doc)
		return NULL;
	for (i = 0; i < h->count; i++)
		if (json_array_append_new(mounts, json_string(h->fs[i].mount)) <
		    0)
			goto out;
	text = json_dumps(doc, JSON_INDENT(1));
out:
	json_decref(doc);
	return text;
}

/* The journal of h, atomically (statefile_write()). */
static int
journal_write(const struct freeze_hold *h)
{
	char *text;
	int r;

	text = journal_text(h);
	if (!text)
		return -ENOMEM;
	r = statefile_write(state_fd, JOURNAL, text);
	free(text);
	return r;
}

static int
journal_clear(void)
{
	return statefile_remove(state_fd, JOURNAL);
}

/* ---- freezing and thawing -------------------------------------------- */

/* Components of a normalised path: "/" 0, "/a" 1, "/a/b" 2. */
static size_t
path_depth(const char *path)
{
	size_t d = 0;

	for (; *path; path++)
		if (path[0] == '/' && path[1] && path[1] != '/')
			d++;
	return d;
}

/* Freeze order: deepest mount point first (inside-out). */
static int
cmp_freeze_order(const void *a, const void *b)
{
	const struct frozen_fs *x = a, *y = b;
	size_t dx = path_depth(x->mount), dy = path_depth(y->mount);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->mount, y->mount);
}

/* Thaw one file system; EINVAL means it was not frozen: done too. */
static int
thaw_one(struct frozen_fs *f)
{
	if (ioctl(f->fd, FITHAW, 0) < 0 && errno != EINVAL)
		return -errno;
	f->frozen = false;
	return 0;
}

/*
 * Thaw whatever of h is frozen, outside-in, going on past a failure.  0,
 * or the -errno of the first failure with its index in *failed.
 */
static int
thaw_all(struct freeze_hold *h, size_t *failed)
{
	size_t i;
	int r = 0, q;

	for (i = h->count; i-- > 0;) {
		if (!h->fs[i].frozen)
			continue;
		q = thaw_one(&h->fs[i]);
		if (q < 0) {
			r = q;
			*failed = i;
		}
	}
	return r;
}

static void
hold_free(struct freeze_hold *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->count; i++) {
		if (h->fs[i].fd >= 0)
			close(h->fs[i].fd);
		free(h->fs[i].mount);
	}
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* An empty hold for n file systems, its fds -1. */
static struct freeze_hold *
hold_alloc(size_t n)
{
	pthread_condattr_t attr;
	struct freeze_hold *h;
	size_t i;
	int r;

	h = calloc(1, sizeof(*h) + n * sizeof(h->fs[0]));
	if (!h)
		return NULL;
	for (i = 0; i < n; i++)
		h->fs[i].fd = -1;
	if (pthread_condattr_init(&attr) != 0) {
		free(h);
		return NULL;
	}
	r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (r == 0)
		r = pthread_cond_init(&h->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (r != 0) {
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	return h;
}

/*
 * Open every mount point and note its file system, then put them in
 * freeze order with each file system once.
 */
static int
hold_open(struct freeze_hold *h, const char *const *mounts, size_t n,
	  char *err, size_t errlen)
{
	struct stat st;
	size_t i, j, kept;

	for (i = 0; i < n; i++) {
		struct frozen_fs *f = &h->fs[i];

		h->count = i + 1;
		f->mount = strdup(mounts[i]);
		if (!f->mount)
			return report(err, errlen, -ENOMEM, 0, "out of memory");
		f->fd = open(f->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (f->fd < 0 || fstat(f->fd, &st) < 0)
			return report(err, errlen, VSS_E_PROVIDER_VETO, errno,
				      "cannot open '%s'", f->mount);
		f->dev = st.st_dev;
	}
	qsort(h->fs, h->count, sizeof(h->fs[0]), cmp_freeze_order);
	for (i = kept = 0; i < h->count; i++) {
		for (j = 0; j < kept && h->fs[j].dev != h->fs[i].dev; j++)
			;
		if (j < kept) {
			close(h->fs[i].fd);
			free(h->fs[i].mount);
		} else {
			h->fs[kept++] = h->fs[i];
		}
	}
	h->count = kept;
	return 0;
}

/* The thaw path writes the journal's directory: never freeze its fs. */
static int
check_state_dir(const struct freeze_hold *h, char *err, size_t errlen)
{
	struct stat st;
	size_t i;

	if (fstat(state_fd, &st) < 0)
		return report(err, errlen, -errno, errno,
			      "cannot stat the state directory");
	for (i = 0; i < h->count; i++)
		if (h->fs[i].dev == st.st_dev)
			return report(err, errlen, VSS_E_VOLUME_NOT_SUPPORTED,
				      0,
				      "'%s' holds the state directory of "
				      "vssd and cannot be frozen",
				      h->fs[i].mount);
	return 0;
}

static bool
deadline_passed(const struct freeze_hold *h)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > h->deadline.tv_sec ||
	       (now.tv_sec == h->deadline.tv_sec &&
		now.tv_nsec >= h->deadline.tv_nsec);
}

static void *
watchdog_main(void *arg)
{
	struct freeze_hold *h = arg;
	size_t failed;
	int r = 0;

	pthread_mutex_lock(&h->lock);
	while (!h->stop && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&h->wake, &h->lock, &h->deadline);
	if (!h->stop) {
		/* What fails to thaw stays frozen: freeze_thaw() retries. */
		thaw_all(h, &failed);
		h->expired = true;
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* Arm the deadline, hold_ms from now, and start the watchdog. */
static int
watchdog_start(struct freeze_hold *h, uint32_t hold_ms)
{
	sigset_t all, old;
	int r;

	h->hold_ms = hold_ms;
	clock_gettime(CLOCK_MONOTONIC, &h->deadline);
	h->deadline.tv_sec += hold_ms / 1000;
	h->deadline.tv_nsec += (long)(hold_ms % 1000) * 1000000L;
	if (h->deadline.tv_nsec >= 1000000000L) {
		h->deadline.tv_sec++;
		h->deadline.tv_nsec -= 1000000000L;
	}
	/* The thread inherits the mask: signals stay with the loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&h->watchdog, NULL, watchdog_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	h->watchdog_started = true;
	return 0;
}

static void
watchdog_stop(struct freeze_hold *h)
{
	if (!h->watchdog_started)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->watchdog, NULL);
	h->watchdog_started = false;
}

static int
freeze_error(const struct frozen_fs *f, int e, char *err, size_t errlen)
{
	if (e == EOPNOTSUPP)
		return report(err, errlen, VSS_E_PROVIDER_VETO, e,
			      "'%s' cannot be frozen", f->mount);
	if (e == EBUSY)
		return report(err, errlen, VSS_E_PROVIDER_VETO, 0,
			      "'%s' is frozen already", f->mount);
	return report(err, errlen, VSS_E_PROVIDER_VETO, e,
		      "cannot freeze '%s'", f->mount);
}

/*
 * FIFREEZE each file system in turn; should the watchdog fire meanwhile,
 * it thaws what is frozen, and the hold fails.
 */
static int
freeze_all(struct freeze_hold *h, char *err, size_t errlen)
{
	struct frozen_fs *f;
	bool expired;
	size_t i;

	for (i = 0; i < h->count; i++) {
		f = &h->fs[i];
		if (ioctl(f->fd, FIFREEZE, 0) < 0)
			return freeze_error(f, errno, err, errlen);
		pthread_mutex_lock(&h->lock);
		f->frozen = true;
		expired = h->expired;
		/* The watchdog thawed the others while this one froze. */
		if (expired)
			thaw_one(f);
		pthread_mutex_unlock(&h->lock);
		if (expired)
			return report(err, errlen, VSS_E_HOLD_WRITES_TIMEOUT, 0,
				      "writes held longer than %u ms while "
				      "freezing '%s'",
				      h->hold_ms, f->mount);
	}
	return 0;
}

/* Undo a hold that failed: no watchdog, nothing frozen, no journal. */
static void
hold_abandon(struct freeze_hold *h, bool journal)
{
	size_t failed;

	watchdog_stop(h);
	if (thaw_all(h, &failed) == 0 && journal)
		journal_clear();
	hold_free(h);
}

int
freeze_hold(const char *const *mounts, size_t n, uint32_t hold_ms,
	    struct freeze_hold **ret, char *err, size_t errlen)
{
	struct freeze_hold *h;
	bool journal = false;
	size_t i;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!mounts || n == 0 || !ret)
		return report(err, errlen, -EINVAL, 0, "nothing to freeze");
	for (i = 0; i < n; i++)
		if (!mounts[i] || mounts[i][0] != '/')
			return report(err, errlen, -EINVAL, 0,
				      "mount point %zu is not absolute", i);
	if (state_fd < 0)
		return report(err, errlen, VSS_E_BAD_STATE, 0,
			      "the freeze journal is not set up");
	if (atomic_flag_test_and_set(&hold_active))
		return report(err, errlen, -EBUSY, 0,
			      "another freeze is in progress");
	h = hold_alloc(n);
	if (!h) {
		atomic_flag_clear(&hold_active);
		return report(err, errlen, -ENOMEM, 0, "out of memory");
	}
	r = hold_open(h, mounts, n, err, errlen);
	if (r == 0)
		r = check_state_dir(h, err, errlen);
	if (r < 0)
		goto fail;
	r = journal_write(h);
	if (r < 0) {
		report(err, errlen, r, -r, "cannot write the freeze journal");
		goto fail;
	}
	journal = true;
	r = watchdog_start(h, hold_ms);
	if (r < 0) {
		report(err, errlen, r, -r, "cannot start the freeze watchdog");
		goto fail;
	}
	r = freeze_all(h, err, errlen);
	if (r < 0)
		goto fail;
	*ret = h;
	return 0;

fail:
	hold_abandon(h, journal);
	atomic_flag_clear(&hold_active);
	return r;
}

int
freeze_thaw(struct freeze_hold *h, char *err, size_t errlen)
{
	size_t failed = 0;
	bool late;
	int r, e;

	if (err && errlen)
		err[0] = '\0';
	if (!h)
		return 0;
	pthread_mutex_lock(&h->lock);
	late = h->expired || deadline_passed(h);
	/* Thaw first, under the lock: the watchdog cannot thaw twice. */
	r = thaw_all(h, &failed);
	pthread_mutex_unlock(&h->lock);
	watchdog_stop(h);
	if (r < 0) {
		/* The journal stays: the next start thaws what is left. */
		e = -r;
		r = report(err, errlen, VSS_E_PROVIDER_VETO, e,
			   "cannot thaw '%s'", h->fs[failed].mount);
	} else {
		/*
		 * A journal that cannot be removed only names file systems
		 * that are thawed: FITHAW finds them not frozen at the next
		 * start.  No reason to fail a good commit for it.
		 */
		journal_clear();
		if (late)
			r = report(err, errlen, VSS_E_HOLD_WRITES_TIMEOUT, 0,
				   "writes held longer than %u ms%s",
				   h->hold_ms,
				   h->expired ? ": thawed by the watchdog"
					      : "");
	}
	hold_free(h);
	atomic_flag_clear(&hold_active);
	return r;
}

/* ---- recovery at start ----------------------------------------------- */

/* Keep a journal that cannot be read out of the way, for a human. */
static void
journal_move_aside(const char *why)
{
	if (renameat(state_fd, JOURNAL, state_fd, JOURNAL_BAD) < 0) {
		log_warn("freeze journal %s cannot be read (%s); rename to "
			 "%s.bad",
			 journal_path, why, journal_path);
		return;
	}
	log_warnx("freeze journal %s cannot be read (%s): moved aside to "
		  "%s.bad, nothing thawed",
		  journal_path, why, journal_path);
	if (fsync(state_fd) < 0)
		log_warn("fsync of the state directory");
}

/* A journal: an object with an array of absolute paths "mounts". */
static const char *
journal_check(const json_t *doc)
{
	const json_t *mounts, *m;
	const char *s;
	size_t i;

	if (!json_is_object(doc))
		return "not a JSON object";
	mounts = json_object_get(doc, "mounts");
	if (!json_is_array(mounts))
		return "no \"mounts\" array";
	json_array_foreach(mounts, i, m) {
		s = json_string_value(m);
		if (!s || s[0] != '/')
			return "a mount point is not an absolute path";
	}
	return NULL;
}

static void
recover_one(const char *mount, json_int_t pid)
{
	int fd;

	fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("freeze journal: cannot open '%s' to thaw it", mount);
		return;
	}
	if (ioctl(fd, FITHAW, 0) == 0)
		log_warnx("thawed '%s', left frozen by vssd (pid %lld)", mount,
			  (long long)pid);
	else if (errno != EINVAL)
		log_warn("freeze journal: cannot thaw '%s'", mount);
	close(fd);
}

void
freeze_recover(void)
{
	const json_t *mounts;
	json_error_t jerr;
	const char *why;
	json_int_t pid;
	json_t *doc;
	size_t i;
	int fd;

	if (state_fd < 0)
		return;
	fd = openat(state_fd, JOURNAL, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			journal_move_aside(strerror(errno));
		return;
	}
	doc = json_loadfd(fd, 0, &jerr);
	close(fd);
	why = doc ? journal_check(doc) : jerr.text;
	if (why) {
		journal_move_aside(why);
		json_decref(doc);
		return;
	}
	mounts = json_object_get(doc, "mounts");
	pid = json_integer_value(json_object_get(doc, "pid"));
	/* Written in freeze order: thaw outside-in. */
	for (i = json_array_size(mounts); i-- > 0;)
		recover_one(json_string_value(json_array_get(mounts, i)), pid);
	json_decref(doc);
	if (journal_clear() < 0)
		log_warn("cannot remove the freeze journal %s", journal_path);
}

int
freeze_probe(const char *mount)
{
	int fd, r;

	if (!mount)
		return -EINVAL;
	fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, FIFREEZE, 0) == 0)
		r = ioctl(fd, FITHAW, 0) == 0 ? 0 : -errno;
	else
		r = errno == EBUSY ? 1 : -errno;
	close(fd);
	return r;
}
