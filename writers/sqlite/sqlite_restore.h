/*
 * writers/sqlite/sqlite_restore.h - the SQLite writer's part in a restore:
 * before, nobody may be using the database; after, what the restore left
 * of an older database beside the restored one goes, and the restored
 * database must pass PRAGMA quick_check.
 */
#ifndef SQLITE_RESTORE_H
#define SQLITE_RESTORE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>
#include <limits.h>

#include <vss/metadata.h>

/* One of a database's side files (-wal, -journal) as found before. */
struct sqlite_side_file {
	bool exists;
	dev_t dev;
	ino_t ino;
	struct timespec ctim; /* a reused inode number has a newer one */
	off_t size;
};

/* What a database's side files were before the restore wrote anything. */
struct sqlite_restore_mark {
	bool marked; /* sqlite_restore_mark() ran */
	struct sqlite_side_file wal, journal;
};

/* Which files sqlite_restore_finish() removed. */
enum {
	SQLITE_REMOVED_SHM = 1u << 0,
	SQLITE_REMOVED_WAL = 1u << 1,
	SQLITE_REMOVED_JOURNAL = 1u << 2,
};

/*
 * Whether any other process has the database, its -wal or its -journal
 * open: 0 when none does; -EBUSY with err's message naming the file and
 * each holder's pid and command ("... is open in pid 42 (python3)");
 * another negative errno when the processes cannot be looked at.
 */
int sqlite_restore_check_unused(const char *path, struct vss_error *err);

/* Record the side files of path as they are now, before the restore. */
void sqlite_restore_mark(const char *path, struct sqlite_restore_mark *m);

/*
 * After the restore wrote the database's files: remove a stale -shm
 * (always: nobody has the database open, so its shared-memory index is
 * rebuilt from the -wal), and a -wal or -journal the restore did not
 * write (see sqlite_restore.c); with no mark, the -wal and -journal are
 * left alone.  Then open the database and run PRAGMA quick_check.
 * Returns 0 with *ret_removed the SQLITE_REMOVED_* bits; -EIO with err's
 * message when a file cannot be removed or the check fails.
 */
int sqlite_restore_finish(const char *path,
			  const struct sqlite_restore_mark *m,
			  unsigned *ret_removed, struct vss_error *err);

/* What sqlite_restore_post() did, for the log. */
struct sqlite_post_report {
	char notice[PATH_MAX + 160]; /* what was left alone and why; "" */
	char checked[PATH_MAX];      /* the file quick_check passed; "" */
	unsigned removed;            /* SQLITE_REMOVED_* */
};

/*
 * post_restore for the database at path: c its component in the
 * restore's document (NULL: no document, every database counts), mark
 * from pre_restore (NULL or unmarked: none).  Nothing restored: nothing
 * done.  An alternate location: nothing done.  New targets: nothing
 * removed anywhere; the restored copy (path's directory moved to its new
 * target) gets quick_check, or nothing when another directory was moved.
 * In place: sqlite_restore_finish(), the -wal and -journal removal only
 * with a mark and status ALL.  rep says what happened; a negative status
 * with err set as sqlite_restore_finish(), or -ENOMEM.
 */
int sqlite_restore_post(const char *path, const vss_bcd_component *c,
			const struct sqlite_restore_mark *mark,
			struct sqlite_post_report *rep,
			struct vss_error *err);

#endif
