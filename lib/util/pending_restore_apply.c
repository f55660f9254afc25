/*
 * lib/util/pending_restore_apply.c - applying the pending restore
 * journals of a state directory (RS-043): vssd at start, and
 * `vssd --apply-pending-restores` from an early-boot unit.
 *
 * Every journal is read and checked whole first; a damaged one is renamed
 * <id>.journal.bad and nothing of it is applied, a .tmp left by a crash
 * while writing one is removed.  The good ones are applied oldest first,
 * entry after entry, each a rename(2) of its staged object into a parent
 * reached beneath the root (pending_restore_beneath.c); an entry that
 * would land elsewhere or on an object of another kind is refused and the
 * rest applied.  Then the file system is synced, the staging directory
 * removed, synced again, and the journal removed: a crash at any point
 * leaves a journal whose next apply finishes the work.
 *
 * A journal whose root cannot be opened, or whose staging directory is
 * missing while targets are missing too (a volume not mounted yet), is
 * left in place for a later start: nothing of it was lost.  So is a
 * journal staged during the running boot when vssd merely restarts
 * (PENDING_RESTORE_OTHER_BOOTS): it is meant for the next boot.
 *
 * The staged objects of refused entries are kept: the staging directory
 * is renamed <id>.refused beside the others, and the log says where.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsmeta.h"
#include "util/pending_restore_internal.h"

typedef void log_fn(int level, const char *message, void *u);

struct journal_file {
	char name[PR_ID_LEN + sizeof(PR_JOURNAL_SUFFIX)];
	struct pr_journal j;
};

struct apply {
	int dirfd;        /* <state dir>/pending-restores, locked */
	enum pending_restore_which which;
	char boot_id[PR_BOOT_ID_MAX + 1];  /* the running boot's */
	log_fn *log;
	void *u;
	struct pending_restore_result res;
	struct journal_file *files;
	size_t count;
	size_t cap;
};

/* What one journal's entries came to. */
struct counts {
	size_t applied, already, refused;
};

static void say(struct apply *a, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(struct apply *a, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!a->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	a->log(level, msg, a->u);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- reading and checking ------------------------------------------------ */

/* The whole regular file name below dirfd into *ret (caller frees). */
static int
read_file(int dirfd, const char *name, char **ret, size_t *ret_len)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	char *buf;
	int fd, r = 0;

	/* A FIFO must not block vssd's start: O_NONBLOCK, then the type. */
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENXIO ? -EBADMSG : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > PR_JOURNAL_MAX) {
		close(fd);
		return -EBADMSG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EBADMSG;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* Set a damaged journal aside as <name>.bad; nothing of it is applied. */
static void
set_aside(struct apply *a, const char *name, const char *why)
{
	char bad[512];

	a->res.bad_journals++;
	snprintf(bad, sizeof(bad), "%s.bad", name);
	if (renameat(a->dirfd, name, a->dirfd, bad) < 0 ||
	    fsync(a->dirfd) < 0) {
		say(a, 1, "pending restore journal '%s' is damaged (%s) and "
			  "cannot be renamed: %s", name, why, strerror(errno));
		return;
	}
	say(a, 1, "pending restore journal '%s' is damaged, nothing of it "
		  "applied, kept as '%s': %s", name, bad, why);
}

/* Read and check one <id>.journal; good ones join a->files. */
static int
load_journal(struct apply *a, const char *name)
{
	struct journal_file *f, *grown;
	char err[300], *text = NULL;
	size_t len = 0;
	int r;

	if (strlen(name) != PR_ID_LEN + strlen(PR_JOURNAL_SUFFIX)) {
		set_aside(a, name, "its name is not <id>.journal");
		return 0;
	}
	r = read_file(a->dirfd, name, &text, &len);
	if (r == -EBADMSG || r == -ELOOP) {
		set_aside(a, name, "not a regular file or too large");
		return 0;
	}
	if (r < 0) {
		say(a, 1, "pending restore journal '%s' cannot be read, left "
			  "for a later start: %s", name, strerror(-r));
		a->res.deferred++;
		return r == -ENOMEM ? r : 0;
	}
	if (a->count == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 8;
		grown = reallocarray(a->files, a->cap, sizeof(*grown));
		if (!grown) {
			free(text);
			return -ENOMEM;
		}
		a->files = grown;
	}
	f = &a->files[a->count];
	memcpy(f->name, name, sizeof(f->name));
	r = pr_journal_parse(text, len, &f->j, err, sizeof(err));
	free(text);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		set_aside(a, name, err);
		return 0;
	}
	if (strncmp(f->j.id, name, PR_ID_LEN) != 0) {
		pr_journal_release(&f->j);
		set_aside(a, name, "its id is not the one of its name");
		return 0;
	}
	a->count++;
	return 0;
}

/* Every journal of the directory; stale .tmp files removed. */
static int
load_all(struct apply *a)
{
	struct dirent *de;
	int fd, r = 0;
	DIR *d;

	fd = openat(a->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (has_suffix(de->d_name, PR_TMP_SUFFIX)) {
			if (unlinkat(a->dirfd, de->d_name, 0) == 0)
				say(a, 0, "removed the unfinished pending "
					  "restore journal '%s'", de->d_name);
		} else if (has_suffix(de->d_name, PR_JOURNAL_SUFFIX))
			r = load_journal(a, de->d_name);
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	return r;
}

static int
oldest_first(const void *x, const void *y)
{
	const struct journal_file *a = x, *b = y;

	if (a->j.created_ns != b->j.created_ns)
		return a->j.created_ns < b->j.created_ns ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* ---- one entry ------------------------------------------------------------- */

static const char *
kind(mode_t mode)
{
	const char *name = pr_type_name(mode & S_IFMT);

	return S_ISDIR(mode) ? "directory" : name ? name : "socket";
}

/* Why a parent could not be reached, for the log. */
static const char *
reach_error(int r)
{
	switch (r) {
	case -ELOOP:
		return "a symbolic link is on the way to its parent";
	case -EXDEV:
		return "another file system is mounted on the way to its "
		       "parent";
	case -ENOTDIR:
		return "an element of its parent is not a directory";
	default:
		return strerror(-r);
	}
}

static void
refuse(struct apply *a, const struct journal_file *f,
       const struct pr_entry *e, struct counts *c, const char *why)
{
	c->refused++;
	say(a, 1, "pending restore %s: entry %llu '%s' refused: %s", f->j.id,
	    (unsigned long long)e->n, e->target, why);
}

/* Whether the staged object st is the one the journal recorded for e. */
static bool
staged_matches(const struct pr_entry *e, const struct stat *st)
{
	if (pr_ino(st->st_ino) != e->ino)
		return false;
	/* A directory's size is the file system's business. */
	return S_ISDIR(st->st_mode) || (uint64_t)st->st_size == e->size;
}

/*
 * Put the staged object of e in place.  staged_fd is the staging
 * directory, or -1 when it is gone.
 */
static void
apply_entry(struct apply *a, const struct journal_file *f, int root,
	    int staged_fd, const struct pr_entry *e, struct counts *c)
{
	char name[32], why[128];
	struct stat sst, tst;
	bool staged, target;
	const char *base;
	int parent;

	snprintf(name, sizeof(name), "%llu", (unsigned long long)e->n);
	staged = staged_fd >= 0 &&
		 fstatat(staged_fd, name, &sst, AT_SYMLINK_NOFOLLOW) == 0;
	if (staged && (sst.st_mode & S_IFMT) != e->type) {
		snprintf(why, sizeof(why), "the staged object is a %s, the "
			 "journal says %s", kind(sst.st_mode),
			 pr_type_name(e->type));
		refuse(a, f, e, c, why);
		return;
	}
	if (staged && !staged_matches(e, &sst)) {
		refuse(a, f, e, c, "the staged object is not the one staged "
				   "(its inode or size changed)");
		return;
	}
	/* Parents are made only for an object there is to put in place. */
	parent = pr_open_parent(root, e->target, staged, &base);
	if (parent < 0 && (staged || parent != -ENOENT)) {
		refuse(a, f, e, c, reach_error(parent));
		return;
	}
	target = parent >= 0 &&
		 fstatat(parent, base, &tst, AT_SYMLINK_NOFOLLOW) == 0;
	if (!staged) {
		if (target)
			c->already++;
		else
			refuse(a, f, e, c, "its staged object is gone and "
					   "nothing is at the target");
	} else if (target && S_ISDIR(tst.st_mode) != (e->type == S_IFDIR)) {
		snprintf(why, sizeof(why), "a %s is where a %s goes",
			 kind(tst.st_mode), kind(e->type));
		refuse(a, f, e, c, why);
	} else if (target && e->type == S_IFDIR) {
		/* An existing directory is kept as it is (its times aside). */
		c->applied++;
	} else if (renameat(staged_fd, name, parent, base) < 0) {
		refuse(a, f, e, c, strerror(errno));
	} else {
		c->applied++;
	}
	if (parent >= 0)
		close(parent);
}

/*
 * Renaming into a directory changes its times, and an apply cut short by
 * a crash may have renamed into it before: once everything is in, on
 * every apply, each directory of a "dir" entry gets the journal's times.
 */
static void
restore_dir_times(int root, const struct pr_journal *j)
{
	const struct pr_entry *e;
	struct timespec ts[2];
	const char *base;
	struct stat st;
	size_t i;
	int parent;

	for (i = 0; i < j->count; i++) {
		e = &j->entries[i];
		if (e->type != S_IFDIR)
			continue;
		parent = pr_open_parent(root, e->target, false, &base);
		if (parent < 0)
			continue;
		ts[0] = fsmeta_timespec(e->atime_ns);
		ts[1] = fsmeta_timespec(e->mtime_ns);
		if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			utimensat(parent, base, ts, AT_SYMLINK_NOFOLLOW);
		close(parent);
	}
}

/* ---- one journal ------------------------------------------------------------ */

/* Whether every target of j is there (a journal applied but not removed). */
static bool
all_targets_present(int root, const struct pr_journal *j)
{
	const char *base;
	struct stat st;
	size_t i;
	bool ok;
	int parent;

	for (i = 0; i < j->count; i++) {
		parent = pr_open_parent(root, j->entries[i].target, false,
					&base);
		if (parent < 0)
			return false;
		ok = fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
		close(parent);
		if (!ok)
			return false;
	}
	return true;
}

/*
 * The staging directory of j below root: O_PATH fd, or a negative errno;
 * -EPERM when .vss-pending-restore is another user's or others may
 * write in it (its objects could have been swapped).
 */
static int
open_stage(int root, const struct pr_journal *j, int *ret_parent)
{
	struct stat st;
	int parent, fd;

	parent = pr_open_step(root, PENDING_STAGE_DIR, false);
	if (parent < 0)
		return parent;
	if (fstat(parent, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		close(parent);
		return -EPERM;
	}
	fd = pr_open_step(parent, j->id, false);
	if (fd < 0) {
		close(parent);
		return fd;
	}
	*ret_parent = parent;
	return fd;
}

/* Whether <id>.refused is there: an apply that kept refused objects. */
static bool
refused_kept(int root, const struct pr_journal *j)
{
	char name[PR_ID_LEN + sizeof(PR_REFUSED_SUFFIX)];
	struct stat st;
	bool there;
	int parent;

	parent = pr_open_step(root, PENDING_STAGE_DIR, false);
	if (parent < 0)
		return false;
	snprintf(name, sizeof(name), "%s%s", j->id, PR_REFUSED_SUFFIX);
	there = fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		S_ISDIR(st.st_mode);
	close(parent);
	return there;
}

/*
 * What is left in the staging directory: removed, or, with refused
 * entries, kept as <id>.refused for the administrator.
 */
static int
clear_stage(struct apply *a, const struct journal_file *f, int root,
	    int stage_parent, bool keep)
{
	char kept[PR_ID_LEN + sizeof(PR_REFUSED_SUFFIX)];
	int r;

	if (keep) {
		snprintf(kept, sizeof(kept), "%s%s", f->j.id,
			 PR_REFUSED_SUFFIX);
		if (renameat(stage_parent, f->j.id, stage_parent, kept) == 0)
			say(a, 1, "pending restore %s: the staged objects of "
				  "the refused entries are kept in '%s/%s/%s'",
			    f->j.id, f->j.root, PENDING_STAGE_DIR, kept);
		else
			say(a, 1, "pending restore %s: the staged objects of "
				  "the refused entries are kept in '%s/%s/%s' "
				  "(not renamed: %s)", f->j.id, f->j.root,
			    PENDING_STAGE_DIR, f->j.id, strerror(errno));
		return 0;
	}
	r = pr_remove_tree(stage_parent, f->j.id);
	if (r < 0)
		say(a, 1, "pending restore %s: staging directory '%s/%s/%s' "
			  "not removed: %s", f->j.id, f->j.root,
		    PENDING_STAGE_DIR, f->j.id, strerror(-r));
	/* Other journals may be staged there: then it stays. */
	unlinkat(root, PENDING_STAGE_DIR, AT_REMOVEDIR);
	return 0;
}

/* Journal done: the staging directory, then the journal itself. */
static int
finish(struct apply *a, const struct journal_file *f, int root,
       int stage_parent, bool keep)
{
	/* What was renamed is on disk before its journal goes. */
	if (syncfs(root) < 0)
		return -errno;
	if (stage_parent >= 0) {
		clear_stage(a, f, root, stage_parent, keep);
		if (syncfs(root) < 0)
			return -errno;
	}
	if (unlinkat(a->dirfd, f->name, 0) < 0 || fsync(a->dirfd) < 0)
		return -errno;
	return 0;
}

static void
apply_journal(struct apply *a, const struct journal_file *f)
{
	const struct pr_journal *j = &f->j;
	struct counts c = { 0 };
	int root, stage = -1, stage_parent = -1, r;
	size_t i;

	/* Not O_PATH: syncfs() needs a file it can read. */
	root = open(j->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		a->res.deferred++;
		say(a, 1, "pending restore %s: root '%s' cannot be opened, "
			  "left for a later start: %s", j->id, j->root,
		    strerror(errno));
		return;
	}
	stage = open_stage(root, j, &stage_parent);
	if (stage == -EPERM) {
		a->res.deferred++;
		say(a, 1, "pending restore %s: '%s/%s' is not owned by this "
			  "user or others may write in it: nothing applied, "
			  "left for the administrator", j->id, j->root,
		    PENDING_STAGE_DIR);
		goto out;
	}
	/* Gone: applied before a crash, or a volume not mounted yet. */
	if (stage < 0 && !(stage == -ENOENT && (all_targets_present(root, j) ||
						refused_kept(root, j)))) {
		a->res.deferred++;
		say(a, 1, "pending restore %s: staging directory '%s/%s/%s' "
			  "cannot be opened (is the volume mounted?), left "
			  "for a later start: %s", j->id, j->root,
		    PENDING_STAGE_DIR, j->id, strerror(-stage));
		goto out;
	}
	for (i = 0; i < j->count; i++)
		apply_entry(a, f, root, stage, &j->entries[i], &c);
	restore_dir_times(root, j);
	a->res.applied += c.applied;
	a->res.already += c.already;
	a->res.refused += c.refused;
	r = finish(a, f, root, stage_parent, c.refused > 0);
	if (r < 0) {
		a->res.deferred++;
		say(a, 1, "pending restore %s: journal '%s' not removed, the "
			  "next start goes through it again: %s", j->id,
		    f->name, strerror(-r));
		goto out;
	}
	a->res.journals++;
	say(a, c.refused ? 1 : 0, "pending restore %s of backup set '%s' "
				  "below '%s': %zu applied, %zu applied "
				  "before, %zu refused", j->id, j->backup_set,
	    j->root, c.applied, c.already, c.refused);
out:
	if (stage >= 0)
		close(stage);
	if (stage_parent >= 0)
		close(stage_parent);
	close(root);
}

/* Whether j is for a later boot than this one (which: vssd restarted). */
static bool
for_next_boot(const struct apply *a, const struct pr_journal *j)
{
	return a->which == PENDING_RESTORE_OTHER_BOOTS && a->boot_id[0] &&
	       strcmp(a->boot_id, j->boot_id) == 0;
}

int
pending_restore_apply_all(const char *state_dir,
			  enum pending_restore_which which, log_fn *log,
			  void *u, struct pending_restore_result *ret)
{
	struct apply a = { .dirfd = -1, .which = which, .log = log, .u = u };
	char *path;
	size_t i;
	int r;

	if (!state_dir || (which != PENDING_RESTORE_ALL &&
			   which != PENDING_RESTORE_OTHER_BOOTS))
		return -EINVAL;
	pr_boot_id(a.boot_id);
	if (asprintf(&path, "%s/%s", state_dir, PENDING_RESTORE_DIR) < 0)
		return -ENOMEM;
	a.dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = a.dirfd < 0 ? -errno : 0;
	free(path);
	if (r == -ENOENT) {
		r = 0;
		goto out;
	}
	if (r < 0)
		return r;
	/* One apply at a time, and no journal half written meanwhile. */
	if (flock(a.dirfd, LOCK_EX) < 0) {
		r = -errno;
		goto out;
	}
	r = load_all(&a);
	if (r < 0)
		goto out;
	if (a.count > 1)
		qsort(a.files, a.count, sizeof(*a.files), oldest_first);
	for (i = 0; i < a.count; i++) {
		if (!for_next_boot(&a, &a.files[i].j)) {
			apply_journal(&a, &a.files[i]);
			continue;
		}
		a.res.this_boot++;
		say(&a, 0, "pending restore %s was staged during this boot: "
			   "left for the next boot (vssd "
			   "--apply-pending-restores applies it now)",
		    a.files[i].j.id);
	}
out:
	for (i = 0; i < a.count; i++)
		pr_journal_release(&a.files[i].j);
	free(a.files);
	if (a.dirfd >= 0)
		close(a.dirfd);
	if (r == 0 && ret)
		*ret = a.res;
	return r;
}
