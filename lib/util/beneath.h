/*
 * lib/util/beneath.h - opening directories beneath a directory without
 * following a symbolic link, for vssd and the vss command (compiled into
 * each; not part of libvss).
 *
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
 * where the kernel has it (5.6); where it does not, one openat(O_NOFOLLOW)
 * per element and, for RESOLVE_NO_XDEV, a comparison of mount ids (statx,
 * 5.8; device numbers before that).  Once a call found no openat2(), no
 * later call tries it again (one flag for the process; the tests force
 * it with beneath_force_fallback()).
 */
#ifndef VSS_UTIL_BENEATH_H
#define VSS_UTIL_BENEATH_H

#include <stdbool.h>

/*
 * openat2() of path below dir ("" for dir itself) with flags | O_DIRECTORY
 * | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS
 * and, with one_mount, RESOLVE_NO_XDEV.  Returns the fd, -errno, or
 * -ENOSYS when the kernel has no openat2(): the caller then walks path
 * one element at a time.
 */
int beneath_openat2(int dir, const char *path, int flags, bool one_mount);
/*
 * The directory path below dir (relpath_valid(), else -EINVAL; "" for dir
 * itself), opened with flags (O_PATH or O_RDONLY) | O_DIRECTORY |
 * O_CLOEXEC without following a symbolic link or leaving dir; mounts
 * below dir may be crossed.  Returns the fd or -errno: -ELOOP for a
 * symbolic link on the way, -ENOTDIR for something else not a directory.
 */
int beneath_open_dir(int dir, const char *path, int flags);
/*
 * The directory name (one element: not "", ".", ".." nor with a '/':
 * -EINVAL) in dir, opened with flags (O_PATH or O_RDONLY) | O_DIRECTORY
 * | O_CLOEXEC without following a symbolic link and without leaving dir's
 * mount (a bind mount of the same file system included).  Returns the fd,
 * or -ELOOP (a symbolic link), -EXDEV (another mount), -ENOTDIR, -ENOENT...
 */
int beneath_open_subdir(int dir, const char *name, int flags);
/* Whether the open files a and b lie on the same mount. */
bool beneath_same_mount(int a, int b);
/* For the tests: on, every call works as on a kernel without openat2(). */
void beneath_force_fallback(bool on);

#endif
