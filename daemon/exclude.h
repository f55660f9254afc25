/*
 * daemon/exclude.h - files not to snapshot (SN-060, SN-061): the entries
 * of [files-not-to-snapshot] and the writers' exclude-from-snapshot file
 * sets, and their removal from a new shadow copy while it is still
 * writable (SN-004).  FilesNotToBackup never comes here (SN-062).
 */
#ifndef VSSD_EXCLUDE_H
#define VSSD_EXCLUDE_H

#include <stdbool.h>
#include <stddef.h>

#include <vss/metadata.h>

/* One file set to remove from shadow copies. */
struct exclude_spec {
	/* Absolute directory, normalised, no wildcards; NULL: all_volumes. */
	char *path;
	/*
	 * With all_volumes: the directory relative to each volume root,
	 * normalised, "" for the root itself; NULL otherwise.
	 */
	char *relative;
	char *filespec;   /* file name pattern: '*' and '?' */
	bool recursive;   /* " /s": also in every directory below */
	bool all_volumes; /* $AllVolumes$: the same place on every volume */
};

/* A list of file sets; all zero is the empty list. */
struct exclude_list {
	struct exclude_spec *v;
	size_t n;
};

/*
 * Parse one FilesNotToSnapshot entry (SN-061), in the syntax of
 * lib/util/filerule.h, and append what it names to list:
 *   "/var/crash/core.*"        files matching core.* in /var/crash
 *   "/var/cache/app/t?.tmp /s" there and in every directory below
 *   "$AllVolumes$/tmp/x.* /s"  the same relative place on every volume
 *   "$UserProfile$/.cache/a*"  in every home directory: root's and those
 *                              of users with uid >= 1000 (getpwent());
 *                              with expand_profiles false, checked and
 *                              dropped.
 * Wildcards ('*', '?') only in the last element; no "." or ".." element.
 * 0, -ENOMEM, or -EINVAL with the reason in err (list unchanged).
 * Not thread-safe ($UserProfile$ walks the user database).
 */
int exclude_parse(struct exclude_list *list, const char *entry,
		  bool expand_profiles, char *err, size_t errlen);
/*
 * The same for every entry of a ';'-separated list (the value of a
 * [files-not-to-snapshot] key), skipping blank ones; the first bad entry
 * refuses the whole list (list unchanged).
 */
int exclude_parse_list(struct exclude_list *list, const char *entries,
		       bool expand_profiles, char *err, size_t errlen);
/*
 * Append the writer's exclude-from-snapshot file sets (SN-060).  File
 * sets whose path is not an absolute path without "." or ".." elements,
 * or whose filespec is "." or "..", cannot name files of a volume and are
 * skipped.  0 or -ENOMEM (list unchanged).  The caller decides whose
 * metadata is trusted with this (SEC-009).
 */
int exclude_add_wmd(struct exclude_list *list, const vss_wmd *wmd);
/*
 * Append copies of src's entries to dst (another list).  0, -EINVAL, or
 * -ENOMEM (dst unchanged).
 */
int exclude_copy(struct exclude_list *dst, const struct exclude_list *src);
/* Free the entries; the list is empty again.  NULL is fine. */
void exclude_list_release(struct exclude_list *list);

/*
 * Remove from the shadow copy at device (a directory holding the copy of
 * the volume mounted at volume, a normalised mount point) every file the
 * list names there: a spec whose path is volume or lies below it maps to
 * device plus the path relative to volume; an all_volumes spec applies to
 * every volume.  Only regular files and symbolic links are removed, never
 * directories or anything they point to.  The walk never follows a
 * symbolic link, never leaves device and never enters another file
 * system, mount or btrfs subvolume inside it.  A directory that is not
 * there matches nothing.
 *
 * Best effort: it goes on past failures.  *ret_removed counts the files
 * removed; once device is open it is set even on failure, since removals
 * before and after a failure stand.  Returns 0, or the status of the first
 * failure with its description in err.  Thread-safe; may block.
 */
int exclude_apply(const struct exclude_list *list, const char *volume,
		  const char *device, size_t *ret_removed, char *err,
		  size_t errlen);

#endif
