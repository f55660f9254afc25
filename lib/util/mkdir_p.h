/*
 * lib/util/mkdir_p.h - mkdir -p, for vssd and the vss command (compiled
 * into each; not part of libvss).
 */
#ifndef VSS_UTIL_MKDIR_P_H
#define VSS_UTIL_MKDIR_P_H

#include <stddef.h>
#include <sys/types.h>

/* Each directory made gets its mode by chmod(), whatever the umask. */
#define MKDIR_P_EXACT_MODE 1u

/*
 * Make path (absolute or relative) and each missing directory above it:
 * path itself with mode, those above with mode | 0755 (so that path can
 * be reached), both less the umask unless flags has MKDIR_P_EXACT_MODE.
 * Whatever exists already counts as made (EEXIST, of any type: a later
 * open says what is wrong) and keeps its mode.  0, or -errno; then
 * *ret_failed (may be NULL) is the length of the leading part of path
 * that could not be made (all of it for -ENOMEM).
 */
int mkdir_p(const char *path, mode_t mode, unsigned flags, size_t *ret_failed);

#endif
