/*
 * lib/util/pending_restore.h - restores staged for the next start of
 * vssd (restore at reboot, RS-043): `vss restore` stages the files of a
 * component whose method says so and records them in a journal, with
 * the id of the boot it was staged in; `vssd --apply-pending-restores`,
 * run by an early-boot unit before the services that own the files
 * start, applies every journal, and vssd applies at its start those of
 * another boot (a start without that unit), so the originals are
 * replaced while nothing holds them.  A restart of vssd within the boot
 * the journal was staged in leaves it for the next boot.
 *
 * Layout.  Journals live in <state dir>/pending-restores/<id>.journal
 * (vssd's state directory, 0700).  The staged objects of a journal lie on
 * the file system of their targets, so that applying is a rename(2):
 * <root>/.vss-pending-restore/<id>/<n>, <root> the mount point of the
 * volume (the "root" of the journal's entries), <n> the entry's number.
 * Each staged object already has its final content and metadata (owner,
 * mode, times, xattrs); applying changes nothing but names.
 *
 * Atomicity.  A journal is written as <id>.journal.tmp, fsynced, renamed to
 * <id>.journal and the directory fsynced: a journal is there whole or not
 * at all, and a torn .tmp is removed by the next apply.  Applying renames
 * entry after entry into place; an entry whose staged object is gone and
 * whose target exists was applied before a crash and is skipped, so
 * applying again after a crash at any point finishes the work and never
 * undoes it.  After the entries, every apply sets the times the journal
 * records on the directories of its "dir" entries (renaming into them,
 * before a crash too, changed them).  Once every entry is done the file
 * system is synced, the staging directory removed (or, when entries were
 * refused, renamed <id>.refused with their staged objects, for the
 * administrator; the log says where) and the file system synced again,
 * then the journal removed.
 *
 * Safety.  Paths in a journal are relative to its root, never absolute,
 * never with "." or ".." or empty elements, never in the staging
 * directory.  The journal's format, these paths included, is checked in
 * full before anything is renamed, and its last line holds a SHA-256 of
 * the rest (as manifest.json): a damaged journal is refused whole and
 * left in place, renamed to <id>.journal.bad with its staged objects, for
 * the administrator.  Each parent is reached beneath the root one element
 * at a time, without following a symbolic link and without leaving the
 * root's mount (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_XDEV; before Linux 5.6 openat O_NOFOLLOW and mount ids),
 * missing parents made (0755): an entry that a tree changed since staging
 * would send elsewhere, or whose target is a directory where another
 * type goes (or the other way round), or whose staged object is not of
 * its type, is refused entry by entry, with the reason logged, and the
 * rest applied.  So is an entry whose staged object is not the one
 * recorded (inode number and size).  <root>/.vss-pending-restore must be
 * owned by the user staging or applying and writable by no one else:
 * else staging is refused and a journal is not applied.  A journal whose
 * root or staging directory cannot be opened (a volume not mounted yet)
 * is left for a later start.
 *
 * Format: JSON Lines.
 *   {"format":"vss-pending-restore","version":2,"id":ID,"boot_id":TEXT,
 *    "created_ns":N,"backup_set":PATH,"root":ABSPATH}
 *   {"n":N,"type":"file"|"symlink"|"dir"|"fifo"|"chr"|"blk",
 *    "target":RELPATH,"component":STRING|null,"ino":N,"size":N}
 *                                                       one per object
 *   {"end":COUNT,"sha256":HEX}
 * boot_id is /proc/sys/kernel/random/boot_id when staged ("" when it
 * could not be read: then any start of vssd applies it); ino and size
 * those of the staged object (ino's low 63 bits); a "dir" entry also has
 * "atime_ns" and "mtime_ns", the staged directory's times.  A "dir"
 * entry is a directory to create (with the staged directory's metadata)
 * when the target has none; an existing directory is kept (its times
 * set).  Entries are applied in their order, so a directory comes before
 * what goes into it.  Two entries staged as links of one inode stay one
 * inode.
 *
 * Files: pending_restore_write.c (staging), pending_restore_parse.c,
 * pending_restore_apply.c, pending_restore_beneath.c.
 */
#ifndef VSS_UTIL_PENDING_RESTORE_H
#define VSS_UTIL_PENDING_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * vssd's state directory when none is given (vssd --state-dir, vss
 * restore --state-dir or $VSS_STATE_DIR): where the journals are.
 */
#define VSS_DEFAULT_STATE_DIR "/var/lib/vss"
/* The directory below the state directory that holds the journals. */
#define PENDING_RESTORE_DIR "pending-restores"
/* The directory below a root that holds the staged objects. */
#define PENDING_STAGE_DIR ".vss-pending-restore"

struct pending_restore;

/* ---- staging (vss restore) -------------------------------------------- */

/*
 * Begin a journal for objects below root (an absolute path without "."
 * or ".." elements: the mount point of a volume, or a directory below
 * it) on behalf of backup_set (a path, for the record).  Creates
 * state_dir if missing (0700, not its parents), <state_dir>/pending-restores
 * (0700) and <root>/.vss-pending-restore/<id>/ (0700), id a new random id
 * of 32 hex digits.  Nothing is pending until pending_restore_commit().
 * -EINVAL for bad arguments, -EILSEQ when root or backup_set is not
 * UTF-8, -EPERM when <root>/.vss-pending-restore exists and is not the
 * caller's own (owned by the effective uid, not group/other-writable).
 * Caller owns *ret; free with pending_restore_free(), which removes what
 * was staged unless committed.
 */
int pending_restore_begin(struct pending_restore **ret, const char *state_dir,
			  const char *root, const char *backup_set);
/*
 * The directory fd of <root>/.vss-pending-restore/<id>, where the caller
 * makes the staged object of the next entry under the name
 * pending_restore_next_name() gives ("1", "2", ...; the same name until
 * pending_restore_add() takes it; NULL when len is too small).  Borrowed:
 * valid until pending_restore_free().  A staged object is made with its
 * final content and metadata; a hard link to an earlier staged object
 * (linkat within the fd) stays a link once applied.
 */
int pending_restore_stage_fd(const struct pending_restore *p);
const char *pending_restore_next_name(struct pending_restore *p, char *buf,
				      size_t len);
/*
 * Record the staged object just made under the name the last
 * pending_restore_next_name() gave: its type (S_IFREG, S_IFDIR, S_IFLNK,
 * S_IFIFO, S_IFCHR, S_IFBLK), target relative to root (checked: -EINVAL
 * for an absolute path or one with "." / ".." / empty elements), and the
 * component it belongs to (NULL for none), for the log.  -EINVAL also
 * when the target is in the staging directory, when the staged object is
 * of another type, or after commit; -EILSEQ for a target or component
 * that is not UTF-8; -ENOENT when nothing was staged under the name.
 * The staged object's inode number and size (and a directory's times)
 * are recorded now: make it complete first.  A refused call records
 * nothing.
 */
int pending_restore_add(struct pending_restore *p, mode_t type,
			const char *target, const char *component);
/*
 * Sync the staged objects' file system, then write the journal
 * atomically (above); after this it is pending.  -EINVAL when called
 * again.  Once the journal is renamed into place it is committed, even
 * when the fsync of its directory then fails (0).
 */
int pending_restore_commit(struct pending_restore *p);
/* The journal's id (for reports).  Borrowed. */
const char *pending_restore_id(const struct pending_restore *p);
void pending_restore_free(struct pending_restore *p);

/* ---- applying (vssd) --------------------------------------------------- */

/* What one apply did, for the log and the tests. */
struct pending_restore_result {
	size_t journals;      /* journals found and applied */
	size_t applied;       /* entries renamed into place now */
	size_t already;       /* entries applied before (a crash) */
	size_t refused;       /* entries refused (escape, type clash...) */
	size_t bad_journals;  /* journals refused whole (format, digest) */
	size_t deferred;      /* journals left for a later start: root or
			       * staging directory missing (a volume not
			       * mounted), unreadable, or not removed */
	size_t this_boot;     /* journals staged during the running boot,
			       * left by PENDING_RESTORE_OTHER_BOOTS */
};
/* Which journals an apply takes. */
enum pending_restore_which {
	/* All: `vssd --apply-pending-restores`, the early-boot unit. */
	PENDING_RESTORE_ALL,
	/*
	 * Those staged during another boot (or with no boot id): vssd at
	 * start, so that a restart within the boot a restore was staged
	 * in leaves it for the next boot.
	 */
	PENDING_RESTORE_OTHER_BOOTS,
};
/*
 * Apply the journals in <state_dir>/pending-restores that which takes,
 * oldest first (by created_ns, then name); stale <id>.journal.tmp files
 * are removed.
 * log(level, message, u) receives one line per journal, per refused
 * entry, per journal left for the next boot and per removed .tmp (level
 * 0 info, 1 warning; may be NULL).
 * Holds an exclusive flock(2) on the directory meanwhile, as
 * pending_restore_commit() does while it writes.  Returns 0 when the
 * directory could be read (also with refusals: see *ret, written then
 * and may be NULL), -errno when not; a missing directory is nothing to
 * do.
 */
int pending_restore_apply_all(const char *state_dir,
			      enum pending_restore_which which,
			      void (*log)(int level, const char *message,
					  void *u),
			      void *u, struct pending_restore_result *ret);

/*
 * Check a journal's text in full (format, paths, order, digest) without
 * applying it: 0, or -EBADMSG with err saying what and where.  The fuzz
 * target's entry; pending_restore_apply_all() checks each journal so.
 */
int pending_restore_parse(const char *text, size_t len, char *err,
			  size_t errlen);

#endif
