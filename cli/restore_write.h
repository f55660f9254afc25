/*
 * cli/restore_write.h - putting objects of a backup set back on disk for
 * `vss restore`: never outside the trees it is given, never a
 * half-written file, metadata as the manifest records it.
 *
 * A target (struct rtarget) is a tree that objects are written into: a
 * volume's mount point, a --to directory, an alternate location mapping's
 * or new target's destination.  Every path below it is reached from its
 * root without following a symbolic link and without leaving the root's
 * mount (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
 * or one openat(O_NOFOLLOW) per element with the mount ids compared where
 * openat2 is missing): a path that escapes its root ("..", an absolute
 * path, a symbolic link among the existing parents, another file system
 * mounted on the way) is refused with -EXDEV / -ELOOP / -EINVAL and a
 * message, before anything is written.
 *
 * A batch (struct rbatch) is the objects of one component (or of the
 * plain paths of a volume), restored all or nothing as far as a file
 * system allows (RS-041): rbatch_add() writes each regular file, symbolic
 * link, FIFO or device under a temporary name (".vss-restore-XXXXXX") in
 * its target directory, with the content (holes of sparse files kept),
 * owner, group, extended attributes (POSIX ACLs included), mode and times
 * of the manifest, in that order; rbatch_commit() renames them into place
 * one after the other, makes the hard links (a link of an object of the
 * same batch, or of the first link already in the same target with the
 * backup's content; else a full copy), then sets the directories'
 * metadata, deepest first.  rbatch_free() without a
 * commit removes every temporary and the directories the batch made: a
 * batch that fails before its commit leaves the targets as they were.  A
 * failure during the commit stops it; the objects renamed so far are
 * reported through the done callback, a directory made that holds one of
 * them is kept (with the manifest's metadata, where the batch has its
 * entry), and nothing half-written remains.  Temporaries are checked to
 * be the objects the batch made (device and inode) before they are
 * renamed or removed, and every directory is reached beneath its root
 * again at commit (one moved or swapped for a symbolic link meanwhile
 * refuses the commit).  The staged data is made durable with one
 * syncfs() per target before the renames, and the names after them.
 *
 * Temporaries.  A process killed hard (SIGKILL, a crash, a power cut)
 * between rbatch_add() and the end of rbatch_commit() or rbatch_free()
 * leaves its named temporaries, ".vss-restore-" and six random
 * characters, beside their places (regular files made with O_TMPFILE
 * vanish until their data is complete); so does a batch whose directory
 * was moved or swapped meanwhile.  They are never renamed into place by
 * a later restore and may be removed by hand.
 *
 * Data is read from DIR/data/<volume>/<path> of the backup set with the
 * same no-symlink rules; its SHA-256 is computed while copying (after a
 * reflink, by reading the new file back) and compared with the
 * manifest's, and a mismatch fails the object (-EBADMSG), so a set
 * changed after it was verified cannot slip through.  Owners, modes,
 * times, link targets, device numbers and extended attributes come from
 * the manifest, never from the set's files.  Extended attributes in the
 * user, trusted and system.posix_acl name spaces that the manifest does
 * not list (an ACL inherited from a default ACL, or added to a kept
 * directory since the backup) are removed; one the target cannot hold
 * fails the object (-EOPNOTSUPP).
 *
 * Single-threaded: one batch at a time per process (the openat2 fallback
 * is process-wide state).
 */
#ifndef VSS_CLI_RESTORE_WRITE_H
#define VSS_CLI_RESTORE_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backupset.h"

struct pending_restore;
struct rtarget;
struct rbatch;

/*
 * Open the tree rooted at root, an absolute path.  create: make root
 * (and missing parents, 0755, owned by the caller) when it does not exist
 * (a --to directory); else -ENOENT.  Caller owns; rtarget_free().
 */
int rtarget_open(struct rtarget **ret, const char *root, bool create,
		 char *err, size_t errlen);
void rtarget_free(struct rtarget *t);
const char *rtarget_root(const struct rtarget *t);

/*
 * Check, writing nothing, that an object may be written at relpath below
 * the root: relative, no "", "." or ".." elements ("" itself is the
 * root), every existing parent a directory reached without a symbolic
 * link or a mount crossing (missing parents are fine: a batch makes
 * them).  The last element may be a symbolic link: it is replaced, not
 * followed.  0, or -EINVAL / -ELOOP / -EXDEV / -ENOTDIR with err saying
 * why (the path, the element, "refused").
 */
int rtarget_check(struct rtarget *t, const char *relpath, char *err,
		  size_t errlen);

/* What is at a target path now, for the restore methods (RS-041). */
enum rtarget_state {
	RT_ABSENT,      /* nothing there */
	RT_REPLACEABLE, /* an object that can be replaced */
	RT_BUSY,        /* a regular file open in another process: a write
			 * lease (F_SETLEASE) cannot be taken on it */
	RT_LOCKED,      /* cannot be replaced: immutable or append-only,
			 * read-only file system, or a directory where a
			 * non-directory goes (or the reverse) */
};
/*
 * What is at relpath for an object of file type type (S_IFREG...); why
 * says what stops a replacement ("" otherwise).  RT_LOCKED also when the
 * directory holding a non-directory is immutable or append-only.  The
 * lease probe opens a regular file O_RDONLY | O_NONBLOCK (never a FIFO
 * or device) and lets the lease go at once; a lease break in that
 * instant is absorbed (SIGIO blocked meanwhile).  0, or the errors of
 * rtarget_check().
 */
int rtarget_probe(struct rtarget *t, const char *relpath, mode_t type,
		  enum rtarget_state *ret, char *why, size_t whylen);

/*
 * A batch reading from the backup set at set_dir.  pending non-NULL:
 * stage for the next start of vssd instead (restore at reboot, RS-043):
 * objects are written into pending_restore_stage_fd() under temporary
 * names until rbatch_stage() renames each to the name
 * pending_restore_next_name() gives and records it with
 * pending_restore_add(); the commit then writes the journal
 * (pending_restore_commit()), after staging when rbatch_stage() was not
 * called.  The targets are not touched, and the relpaths given are the
 * journal's targets, so the targets given must be rooted where pending
 * was begun.  Directories become "dir" entries (an existing one is kept
 * when applied, so the root "" is skipped); hard links are staged as
 * links of their first link's staged object when that is in the same
 * batch, else as a full copy of its data (a journal cannot link across
 * journals).  The caller owns pending and frees the batch before it.
 * Caller owns *ret; rbatch_free().
 */
int rbatch_new(struct rbatch **ret, const char *set_dir,
	       struct pending_restore *pending);
/*
 * The manifest the entries come from, where rbatch_add() looks up the
 * first link of a hard link that is not in the batch (its SHA-256, to
 * check the file already in the target, or its data for a full copy).
 * Without it such a link is refused (-ENOENT).  m is borrowed: valid
 * until the last rbatch_add().  0 or -EINVAL.
 */
int rbatch_set_manifest(struct rbatch *b, const struct bset_manifest *m);
/*
 * on: the commit never replaces anything (restore if not there,
 * RS-041): each object is renamed into place with RENAME_NOREPLACE (or
 * linked, which never replaces, where the file system lacks it), and an
 * object whose place was taken since it was checked fails the commit
 * with -EEXIST and a message (objects before it are in place, reported
 * by done).  Existing directories are kept as always.  In place only: a
 * staged restore is applied by vssd.  Before the commit; 0 or -EINVAL.
 */
int rbatch_set_no_replace(struct rbatch *b, bool on);
/*
 * Stage object e (an entry of the set's manifest) for relpath below t.
 * component names the component for the journal (may be NULL; copied).
 * e is copied (path, link target, hard link, SHA-256, extended
 * attributes): it need only be valid during the call.  t is borrowed:
 * valid until rbatch_free().  A directory that is missing is made now
 * (0700) and an existing one kept; their metadata is set at commit.
 * Missing parents that are not in the batch are made as mkdir -p would
 * (0755 less the umask).  A non-directory where a directory is (or the
 * reverse): -EISDIR / -ENOTDIR, never removed; an immutable or
 * append-only object in the way: -EPERM.  A hard link (e->hardlink_of)
 * links, at commit, the object of its first link in this batch, else the
 * first link already in t when relpath ends in e->path (the same tree)
 * and that file has the first link's SHA-256 (read now; its inode is
 * checked again at commit: -ESTALE); else it is restored as a full copy
 * of the first link's data and metadata from the set (the two names are
 * then not linked).  The first link's entry comes from
 * rbatch_set_manifest(); without it, a link whose first link is not in
 * the batch is refused (-ENOENT).  A regular file where directed targets
 * of this batch go already: the file first, their ranges again on top.
 * A socket is recorded in the manifest only: 0, nothing staged.  The
 * same relpath twice otherwise: -EEXIST.  0, or -errno with err: the
 * object is then not in the batch.
 */
int rbatch_add(struct rbatch *b, struct rtarget *t, const char *relpath,
	       const struct bset_entry *e, const char *component, char *err,
	       size_t errlen);
/* One byte range of a partial file or a directed target. */
struct restore_range {
	uint64_t offset;
	uint64_t length;
};
/*
 * Parse a range list "offset:length[,offset:length...]" (BK-111: each
 * number decimal, or hexadecimal after "0x"; no spaces, no empty list,
 * no sign, offset + length within 2^63 - 1).  Caller owns *ret; free
 * with free().  0, or -EINVAL (nothing returned), -ENOMEM.
 */
int restore_ranges_parse(const char *text, struct restore_range **ret,
			 size_t *ret_count);
/*
 * A directed target (RS-090, RS-091): copy the byte ranges src_ranges
 * ("offset:length,..." of the backed-up file e) into dst_ranges of the
 * file at relpath below t (created when missing, with e's owner, mode
 * and attributes; an existing one keeps its own), through a temporary
 * copy of that file made now and renamed into place at commit.  e's whole
 * data is checked against its SHA-256 as its ranges are read into a
 * private copy, and only that copy is read (-EBADMSG).  Ranges into a
 * file already in the batch go into its temporary (its metadata kept: a
 * file's from its entry, a directed target's from the file it copies);
 * a regular file added later at relpath is written first and these
 * ranges again on top.  e and the lists are copied: valid during the
 * call.  Lists that do not parse, of different length, lengths that
 * differ, or source ranges past e's size: -EINVAL; e not a regular file
 * with its own data (a hard link): -EINVAL; an existing destination with
 * more than one hard link: -EMLINK (the copy would break them); a
 * staging batch: -EOPNOTSUPP (RS-061).  A failure after the temporary
 * of an object already in the batch was written to makes that object
 * fail the commit (-EIO).
 */
int rbatch_add_ranges(struct rbatch *b, struct rtarget *t, const char *relpath,
		      const struct bset_entry *e, const char *src_ranges,
		      const char *dst_ranges, char *err, size_t errlen);
/* Objects staged so far, and the bytes of their regular files (progress). */
size_t rbatch_count(const struct rbatch *b);
uint64_t rbatch_bytes(const struct rbatch *b);
/*
 * Put everything in place (above).  done(target root, relpath, u) after
 * each object is in place (may be NULL).  0, or -errno with err: the
 * objects not reported by done were not restored.
 */
int rbatch_commit(struct rbatch *b,
		  void (*done)(const char *root, const char *relpath, void *u),
		  void *u, char *err, size_t errlen);
/*
 * A staged batch (rbatch_new() with pending) in two steps: rbatch_stage()
 * puts every object in its place of the staging directory, writing no
 * journal, so that a restore staged on several volumes can stage them
 * all before any journal is committed; rbatch_commit() then only writes
 * the journal (pending_restore_commit() syncs the file system first).
 * 0, or -errno with err (-EINVAL for a batch that is not staged, or is
 * staged or committed already).
 */
int rbatch_stage(struct rbatch *b, char *err, size_t errlen);
/* Whether rbatch_commit() succeeded. */
bool rbatch_committed(const struct rbatch *b);
/*
 * Set the metadata of a committed in-place batch's directories again,
 * deepest first: another batch committed later may have renamed objects
 * into them, which changes their modification times.  Nothing for a
 * staged or uncommitted batch.  0, or -errno with err.
 */
int rbatch_dirs_again(struct rbatch *b, char *err, size_t errlen);
/*
 * Remove the temporaries of objects not committed and, without a
 * successful commit, the directories made (above); free.  NULL is fine.
 */
void rbatch_free(struct rbatch *b);

#endif
