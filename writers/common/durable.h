/*
 * writers/common/durable.h - a file that must survive a crash, written
 * into a directory the caller has open: the restore writers' files in a
 * restored data directory (backup_label, vss-binlog-position).
 */
#ifndef WDURABLE_H
#define WDURABLE_H

#include <sys/types.h>

/*
 * name (a plain file name, no '/') in the directory dfd holds len bytes
 * of data, owned by uid:gid with mode, after a crash too: a temporary
 * ".NAME.vss-tmp" is removed if left over, created with O_EXCL and
 * O_NOFOLLOW relative to dfd (so a link planted there is not followed),
 * given its owner and mode, written, fsync'd, renamed over name, and dfd
 * is fsync'd.  0 or a negative errno (-EINVAL for a bad name); on failure
 * the temporary file is gone and name is unchanged.
 */
int wdurable_write(int dfd, const char *name, const void *data, size_t len,
		   uid_t uid, gid_t gid, mode_t mode);

#endif
