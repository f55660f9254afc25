/*
 * cli/fileset.h - what "vss backup" copies: the objects of the selected
 * components' file sets and of the plain paths named on the command line,
 * listed from the shadow copies, less what is excluded (spec backup.md
 * section 14).
 *
 *   fileset_new            the volumes of the set: mount point and the
 *                          place where its shadow copy is read
 *   fileset_exclude        writers' excluded files, matched on the normal
 *                          path (BK-140)
 *   fileset_exclude_rule   a FilesNotToBackup entry (BK-142;
 *                          fileset_rules.c)
 *   fileset_add_other_mount  a mount that is no volume of the set
 *   fileset_add_file_set   expand one file set of a component
 *   fileset_add_path       a path, whole (crash consistent, BK-131)
 *
 * Objects are listed in the order they were added (BK-140: writer by
 * writer, component by component), every directory before what it holds.
 * The walk reads only the shadow copies (BK-144: shadow root + path below
 * the mount point) and follows no symbolic link.  A recursive walk that
 * meets the mount point of another volume of the set goes on in that
 * volume's shadow copy, recording what it lists there on that volume
 * (BK-143); it does not go into any other file system (see
 * fileset_skipped()).
 *
 * The FilesNotToBackup entries come from the `[files-not-to-backup]`
 * section of an INI file (fileset_rules_load()), in the entry syntax vssd
 * reads for FilesNotToSnapshot (lib/util/filerule.h).
 */
#ifndef VSS_CLI_FILESET_H
#define VSS_CLI_FILESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>
#include <vss/types.h>

#define FILESET_NO_COMPONENT ((size_t)-1)

/* A volume of the set. */
struct fileset_volume {
	const char *mount_point; /* absolute, canonical */
	const char *shadow_root; /* where its shadow copy is read */
};

/* One object to copy. */
struct fileset_object {
	/* Where the set records it: its normal path. */
	size_t volume;     /* index into the volumes of fileset_new() */
	char *path;        /* below the mount point; "" for its root */
	/*
	 * Where it is read: the same place (source_path is path), except
	 * for the objects of a file set with an alternate path (BK-140),
	 * read below the alternate path, maybe on another volume.
	 */
	size_t source_volume;
	char *source_path;
	size_t component;  /* the caller's tag, or FILESET_NO_COMPONENT */
	uint64_t size;     /* regular files: bytes; else 0 */
	/*
	 * The same object was listed before (for another component): copy
	 * it again so that it is tagged, but do not count it twice.
	 */
	bool duplicate;
};

struct fileset;

/*
 * The strings of volumes are borrowed until fileset_free().  interrupted
 * (may be NULL) is asked between objects: non-zero stops a walk with
 * -EINTR.  Caller owns *ret; free with fileset_free().
 */
int fileset_new(struct fileset **ret, const struct fileset_volume *volumes,
		size_t n, int (*interrupted)(void));
void fileset_free(struct fileset *fs);

/*
 * A file system mounted at mount_point (absolute, canonical) that is no
 * volume of the set (a pseudo file system, an exposed shadow copy, a
 * volume left out).  In a shadow copy its mount point is a directory of
 * the volume around it, or, where the shadow copy shows mounts, another
 * file system: a recursive walk that meets it lists the directory in
 * the first case (it is the outer volume's), goes no further and reports
 * it skipped (FILESET_SKIP_MOUNT) unless it is excluded.  A file mounted
 * over a file (a bind mount) that a walk takes is listed as the file the
 * shadow copy holds below it and reported the same way.  The mount
 * points of the volumes of the set are ignored.  The string is copied.
 * Returns 0, -EINVAL for a relative path, -ENOMEM.
 */
int fileset_add_other_mount(struct fileset *fs, const char *mount_point);

/*
 * Exclude the objects of a file set (path absolute; filespec with '*' and
 * '?'; recursive: in path and every directory below it) from everything
 * added after.  An excluded directory is left out with all it holds.
 * Strings are copied.  Returns 0, -EINVAL for a relative path, -ENOMEM.
 */
int fileset_exclude(struct fileset *fs, const char *path,
		    const char *filespec, bool recursive);
/*
 * Exclude a file set at relative (normalised: no leading '/', "" for the
 * root) below the mount point of each volume of the set, each for that
 * volume's objects only.  All or nothing: on failure (-ENOMEM, -EINVAL
 * for a path that does not normalise) nothing is excluded.
 */
int fileset_exclude_each_volume(struct fileset *fs, const char *relative,
				const char *filespec, bool recursive);

/*
 * List the objects of a file set of a component, tagged component: the
 * entries of directory fd->path (and, when recursive, of every directory
 * below it) whose names match fd->filespec.  In a recursive set, matching
 * directories are objects too (so that empty ones are kept); in a flat
 * one only what is not a directory.  With an alternate path (file
 * groups, MD-023) the entries are read from the alternate directory and
 * listed at the same place below fd->path, where the set records them;
 * exclusions apply to that normal path (BK-140).  Returns 0 or a
 * negative error, with err (NUL-terminated, errlen > 0) saying what is
 * wrong:
 *   -ENOENT   a file spec without wildcards names no file (BK-141);
 *   -EXDEV    the directory (or the alternate one) is on no volume of
 *             the set;
 *   -EINVAL   the directory is relative or has "." or ".." elements;
 *   -ELOOP    it goes through a symbolic link in the shadow copy;
 *   -EINTR    interrupted() became true;
 *   other -errno from reading the shadow copy.
 * What was listed before an error stays listed.
 */
int fileset_add_file_set(struct fileset *fs, const struct vss_file_desc *fd,
			 size_t component, char *err, size_t errlen);

/*
 * List path (absolute, canonical) and, when it is a directory, everything
 * below it, tagged component: a recursive walk, which crosses into the
 * volumes of the set mounted below it as a file set's does.  Errors as
 * above (-ENOENT: path is not in the shadow copy).
 */
int fileset_add_path(struct fileset *fs, const char *path, size_t component,
		     char *err, size_t errlen);

size_t fileset_count(const struct fileset *fs);
/* Borrowed: valid until the next add or fileset_free(). */
const struct fileset_object *fileset_object(const struct fileset *fs,
					    size_t i);
/*
 * Mark the objects listed more than once (all but the first of each) as
 * duplicates and sum the others: the totals of the progress display.
 */
void fileset_finish(struct fileset *fs, uint64_t *ret_objects,
		    uint64_t *ret_bytes);
/* Objects left out so far because an exclusion matched them. */
uint64_t fileset_excluded(const struct fileset *fs);

/*
 * Directories the walks met and could not list, which the backup must
 * report rather than pretend it copied.  A nested btrfs subvolume is not
 * part of a snapshot of its parent: in the shadow copy it is an empty
 * directory of inode 2 (BTRFS_EMPTY_SUBVOL_DIR_OBJECTID).  Such a
 * placeholder met by a recursive walk, or named as a path, is not
 * listed but recorded here, unless excluded; the btrfs provider's own
 * directory of shadow copies, the placeholder ".vss-shadows" at the root
 * of a volume (daemon/providers/btrfs.c), is left out silently.  The
 * mount point of a file system that is no volume of the set, met by a
 * recursive walk, is recorded here too (BK-143: only the volumes of the
 * set are followed): one of fileset_add_other_mount(), or a directory
 * of the shadow copy on another file system.
 */
struct fileset_skip {
	size_t volume;      /* where it would be recorded */
	char *path;         /* below the mount point */
	const char *reason; /* static text */
};

#define FILESET_SKIP_SUBVOLUME "btrfs subvolume not in the shadow copy"
#define FILESET_SKIP_MOUNT "mount point of a volume not in the shadow copy set"

size_t fileset_skipped_count(const struct fileset *fs);
/* Borrowed: valid until the next add or fileset_free(). */
const struct fileset_skip *fileset_skipped(const struct fileset *fs,
					   size_t i);

/* ---- FilesNotToBackup: cli/fileset_rules.c --------------------------- */

/* One file set of an entry: owner = [prefix]/dir/pattern [/s]. */
struct fileset_rule {
	char *owner;      /* the key: an application or writer name */
	/*
	 * The directory, normalised: absolute, or with all_volumes relative
	 * to the root of every volume ("" for the root itself).
	 */
	char *path;
	char *filespec;   /* the file name pattern, '*' and '?' */
	bool recursive;   /* " /s" */
	bool all_volumes; /* $AllVolumes$ */
};

/*
 * Read the `[files-not-to-backup]` section of the INI file config: each
 * key names an application or writer; its value is a list of entries
 * separated by ';', each an absolute directory without wildcards, '.' or
 * '..' elements, then '/' and a file name pattern, optionally followed by
 * " /s" (recursive); the directory may start with a prefix, matched in
 * any case:
 *   $AllVolumes$/tmp/x.*     the same relative place on every volume of
 *                            the backup (one rule, all_volumes)
 *   $UserProfile$/.cache/x*  the same place in every home directory:
 *                            root's and those of uid >= 1000 but nobody,
 *                            not "/", each once (one rule per home)
 * (lib/util/filerule.h; vssd reads its [files-not-to-snapshot] entries
 * the same way).  Other sections are not looked at.  A missing file is an
 * empty list when missing_ok, else -ENOENT.  A bad entry is -EINVAL with
 * err saying where and why.  Caller owns *ret (NULL when empty); free
 * with fileset_rules_free().  Not thread-safe (it reads the user
 * database).
 */
int fileset_rules_load(const char *config, bool missing_ok,
		       struct fileset_rule **ret, size_t *ret_n, char *err,
		       size_t errlen);
void fileset_rules_free(struct fileset_rule *rules, size_t n);

/*
 * Exclude what a FilesNotToBackup entry names from everything added
 * after, as fileset_exclude() does.  An $AllVolumes$ entry names the same
 * place relative to the mount point of each volume of the set, and only
 * that volume's objects there (a volume mounted inside another one is
 * not part of it).  Returns 0, -EINVAL for a relative path, -ENOMEM
 * (nothing excluded then).
 */
int fileset_exclude_rule(struct fileset *fs, const struct fileset_rule *rule);

#endif
