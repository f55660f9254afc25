/*
 * tests/unit/fs_expect.h - setting and checking what a file carries
 * besides its name, shared by the backup set's and the restore writer's
 * tests (test_backupset.c, test_restore_write.c): times in ns, owner and
 * mode, contents, an access or default ACL (fs_expect.c).  Each check
 * fails the calling cmocka test.
 */
#ifndef VSS_TESTS_FS_EXPECT_H
#define VSS_TESTS_FS_EXPECT_H

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* A time as ns since the epoch. */
int64_t fsx_ns(const struct timespec *ts);
/* Set path's access and modification times (ns), not following a link. */
void fsx_set_times(const char *path, int64_t atime_ns, int64_t mtime_ns);
/* path (not followed) has this mode with its type, owner and times. */
void fsx_expect_meta(const char *path, mode_t mode, uid_t uid, gid_t gid,
		     int64_t atime_ns, int64_t mtime_ns);
/* The files at a and b (links not followed) have the same bytes. */
void fsx_expect_same_content(const char *a, const char *b);
/*
 * An ACL in the attribute name ("system.posix_acl_access" or
 * "system.posix_acl_default"): owner rwx, user 4242 rw-, group r-x,
 * mask rwx, other r--.
 */
void fsx_set_acl(const char *path, const char *name);

#endif
