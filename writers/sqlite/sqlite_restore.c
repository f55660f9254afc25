/*
 * writers/sqlite/sqlite_restore.c - before and after a restore of an
 * SQLite database (sqlite_restore.h).
 *
 * Which -wal or -journal the backup held.  A -wal or -journal on disk
 * after the restore is either one the restore wrote (the copy the backup
 * took together with the database, consistent with it) or one left from
 * the database that was there before (which must not be applied to the
 * restored one: SQLite would replay the old WAL frames, or roll back a
 * hot journal, onto pages of another database and corrupt it).  vss
 * restore writes each file under a temporary name and renames it into
 * place (docs/vss.1), so a file the restore wrote is a new inode.  So
 * pre_restore records the device, inode, change time and size of the
 * side files present then (nobody has them open: it checked), and
 * post_restore removes a side file that is still that same file: the
 * restore did not write it, hence the backup did not hold it.  The change
 * time matters because a freed inode number is soon given to a new file:
 * the restored one may get the number of the old one it replaced.  A side file that is new was
 * restored (or, if the backup had none, there was none before either).
 * Without a record from pre_restore (vss-writerd restarted in between)
 * this cannot be told, and the side files are left alone.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cleanpath.h"
#include "holders.h"
#include "ini.h"
#include "newtarget.h"
#include "sqlite_restore.h"

/* Holders named in a message at most. */
#define SHOW_HOLDERS 4

/* path with suffix ("-wal") into buf; -ENAMETOOLONG if it does not fit. */
static int
side_path(char buf[PATH_MAX], const char *path, const char *suffix)
{
	int n = snprintf(buf, PATH_MAX, "%s%s", path, suffix);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The holders of one file in err's message; 0 when nobody holds it. */
static int
check_file(const char *file, struct vss_error *err)
{
	struct wholder h[SHOW_HOLDERS];
	size_t len;
	int n;

	size_t uninspected = 0;

	n = wholders_of_file(file, h, SHOW_HOLDERS, &uninspected);
	if (n == -ENOENT)
		return 0;
	if (n == 0)
		return wholders_uninspected(file, uninspected, err);
	if (n < 0) {
		wini_seterr(err, "cannot find the processes using %s: %s", file,
		       strerror(-n));
		return n;
	}
	wini_seterr(err, "%s is open in", file);
	for (int i = 0; i < n && i < SHOW_HOLDERS; i++) {
		len = strlen(err->message);
		snprintf(err->message + len, sizeof(err->message) - len,
			 "%s pid %d (%s)", i ? "," : "", (int)h[i].pid,
			 h[i].comm[0] ? h[i].comm : "?");
	}
	len = strlen(err->message);
	if (n > SHOW_HOLDERS)
		snprintf(err->message + len, sizeof(err->message) - len,
			 " and %d more", n - SHOW_HOLDERS);
	len = strlen(err->message);
	snprintf(err->message + len, sizeof(err->message) - len,
		 "; stop it before restoring");
	return -EBUSY;
}

int
sqlite_restore_check_unused(const char *path, struct vss_error *err)
{
	static const char *const suffixes[] = {"", "-wal", "-journal"};
	char file[PATH_MAX];
	int r;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		r = side_path(file, path, suffixes[i]);
		if (r < 0) {
			wini_seterr(err, "%s%s: %s", path, suffixes[i],
			       strerror(-r));
			return r;
		}
		r = check_file(file, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void
mark_side(const char *path, const char *suffix, struct sqlite_side_file *s)
{
	char file[PATH_MAX];
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->exists = side_path(file, path, suffix) == 0 &&
		    lstat(file, &st) == 0;
	if (!s->exists)
		return;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->ctim = st.st_ctim;
	s->size = st.st_size;
}

/* Is st still the side file recorded before the restore? */
static bool
same_side_file(const struct stat *st, const struct sqlite_side_file *s)
{
	return st->st_dev == s->dev && st->st_ino == s->ino &&
	       st->st_ctim.tv_sec == s->ctim.tv_sec &&
	       st->st_ctim.tv_nsec == s->ctim.tv_nsec && st->st_size == s->size;
}

void
sqlite_restore_mark(const char *path, struct sqlite_restore_mark *m)
{
	mark_side(path, "-wal", &m->wal);
	mark_side(path, "-journal", &m->journal);
	m->marked = true;
}

/* Remove file; 1 removed, 0 absent, -EIO with err set. */
static int
remove_file(const char *file, struct vss_error *err)
{
	if (unlink(file) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	wini_seterr(err, "cannot remove %s: %s", file, strerror(errno));
	return -EIO;
}

/* Remove a side file that is still the one recorded before the restore. */
static int
remove_stale(const char *path, const char *suffix,
	     const struct sqlite_side_file *before, struct vss_error *err)
{
	char file[PATH_MAX];
	struct stat st;

	if (!before->exists || side_path(file, path, suffix) < 0 ||
	    lstat(file, &st) < 0)
		return 0;
	/* Another inode, or the same inode number given to a new file (its
	 * change time and size tell): written by the restore. */
	if (!same_side_file(&st, before))
		return 0;
	return remove_file(file, err);
}

/* PRAGMA quick_check on the database: 0 "ok", else -EIO with the result. */
static int
quick_check(const char *path, struct vss_error *err)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	const char *text;
	int rc, r = -EIO;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st,
					NULL);
	if (rc != SQLITE_OK) {
		wini_seterr(err, "database %s: quick_check failed: %s", path,
		       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		wini_seterr(err, "database %s: quick_check failed: %s", path,
		       sqlite3_errmsg(db));
		goto out;
	}
	text = (const char *)sqlite3_column_text(st, 0);
	if (!text || strcmp(text, "ok") != 0) {
		/* The first problem found; there may be more rows. */
		wini_seterr(err, "database %s: quick_check: %s", path,
		       text ? text : "no result");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

int
sqlite_restore_finish(const char *path, const struct sqlite_restore_mark *m,
		      unsigned *ret_removed, struct vss_error *err)
{
	char file[PATH_MAX];
	unsigned removed = 0;
	int r;

	if (side_path(file, path, "-shm") < 0) {
		wini_seterr(err, "%s-shm: %s", path, strerror(ENAMETOOLONG));
		return -EIO;
	}
	r = remove_file(file, err);
	if (r < 0)
		return r;
	if (r > 0)
		removed |= SQLITE_REMOVED_SHM;
	if (m && m->marked) {
		r = remove_stale(path, "-wal", &m->wal, err);
		if (r < 0)
			return r;
		if (r > 0)
			removed |= SQLITE_REMOVED_WAL;
		r = remove_stale(path, "-journal", &m->journal, err);
		if (r < 0)
			return r;
		if (r > 0)
			removed |= SQLITE_REMOVED_JOURNAL;
	}
	r = quick_check(path, err);
	if (r < 0)
		return r;
	*ret_removed = removed;
	return 0;
}

/* Where path went under c's new targets; NULL when its directory has none. */
static char *
moved_path(const char *path, const vss_bcd_component *c,
	   struct vss_error *err, int *ret)
{
	struct wtargets t = {0};
	char *dir = NULL, *name = NULL, *out = NULL;
	const char *to;

	*ret = wtargets_add_component(&t, c, err);
	if (*ret == 0)
		*ret = wpath_split(path, &dir, &name);
	if (*ret == 0) {
		to = wtargets_find(&t, dir);
		if (to != dir &&
		    asprintf(&out, "%s%s%s", to, strcmp(to, "/") ? "/" : "",
			     name) < 0) {
			out = NULL;
			*ret = -ENOMEM;
		}
	}
	free(dir);
	free(name);
	wtargets_release(&t);
	return out;
}

int
sqlite_restore_post(const char *path, const vss_bcd_component *c,
		    const struct sqlite_restore_mark *mark,
		    struct sqlite_post_report *rep, struct vss_error *err)
{
	enum vss_file_restore_status status = VSS_RS_ALL;
	char *moved;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (!c) {
		/* Not told what was restored: the side files cannot be told
		 * apart, the database is still checked. */
		snprintf(rep->notice, sizeof(rep->notice),
			 "database %s: no component in the restore; -wal and "
			 "-journal left as they are", path);
		mark = NULL;
	} else {
		status = vss_bcd_component_file_restore_status(c);
	}
	if (status == VSS_RS_NONE) {
		snprintf(rep->notice, sizeof(rep->notice),
			 "database %s: nothing restored", path);
		return 0;
	}
	if (c && vss_bcd_component_alternate_location_mapping_count(c) > 0) {
		snprintf(rep->notice, sizeof(rep->notice),
			 "database %s restored to an alternate location; not "
			 "checked", path);
		return 0;
	}
	if (c && vss_bcd_component_new_target_count(c) > 0) {
		/* The files at path are not the restored ones: nothing is
		 * removed there; the restored copy is checked. */
		moved = moved_path(path, c, err, &r);
		if (r < 0)
			return r == -ENOMEM ? r : -EIO;
		if (!moved) {
			snprintf(rep->notice, sizeof(rep->notice),
				 "database %s restored to a new target of "
				 "another directory; not checked", path);
			return 0;
		}
		snprintf(rep->notice, sizeof(rep->notice),
			 "database %s restored as %s; -wal and -journal at "
			 "neither place touched", path, moved);
		r = quick_check(moved, err);
		if (r == 0)
			snprintf(rep->checked, sizeof(rep->checked), "%s",
				 moved);
		free(moved);
		return r;
	}
	if (c && status != VSS_RS_ALL) {
		snprintf(rep->notice, sizeof(rep->notice),
			 "database %s: restore status %s; -wal and -journal "
			 "left as they are", path,
			 vss_file_restore_status_str(status));
		mark = NULL;
	} else if (c && (!mark || !mark->marked)) {
		snprintf(rep->notice, sizeof(rep->notice),
			 "database %s: no record from pre_restore; -wal and "
			 "-journal left as they are", path);
		mark = NULL;
	}
	r = sqlite_restore_finish(path, mark, &rep->removed, err);
	if (r == 0)
		snprintf(rep->checked, sizeof(rep->checked), "%s", path);
	return r;
}
