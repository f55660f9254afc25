/*
 * daemon/expose.h - the mount side of exposing shadow copies (SN-030..
 * SN-034): where a shadow copy may be shown, the default place for it,
 * and the read-only mount itself.  The inventory decides which shadow copy
 * goes where and records it; these only check paths and mount.
 *
 * Every call blocks (path lookups and mounts can hang on a stuck file
 * system) and so runs on a worker thread, never on the loop.  None logs:
 * err (errlen bytes; may be NULL when errlen is 0) says why a call failed,
 * and is empty after a success unless noted.  Paths handed back are
 * canonical, the form /proc/self/mountinfo shows, so that
 * expose_is_mounted() and expose_unmount() find them again.
 */
#ifndef VSSD_EXPOSE_H
#define VSSD_EXPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include <vss/types.h>

/*
 * Check path as a place to expose a shadow copy (SN-030): absolute, an
 * existing directory reached without following a symbolic link in its last
 * element, empty, not itself a mount point, and not inside (or equal to, or
 * containing) any of forbidden[0..n) (the devices and exposures of every
 * shadow copy, so that no exposure lands inside another shadow copy; NULL
 * entries are skipped).
 * *ret: the canonical path (realpath); caller owns, free().
 * VSS_E_OBJECT_NOT_FOUND when it does not exist, -ENOTDIR (not a directory
 * or a symbolic link), -ENOTEMPTY, -EBUSY (mount point), -EINVAL (relative,
 * inside a shadow copy) with err saying which.
 */
int expose_check_path(const char *path, const char *const *forbidden, size_t n,
		      char **ret, char *err, size_t errlen);

/*
 * Make <base>/<id> (base, absolute, made 0755 with its missing parents;
 * the directory 0755 whatever the umask); it must not exist yet or be an
 * empty directory that is not a mount point (-ENOTDIR, -ENOTEMPTY,
 * -EBUSY otherwise).  *ret: its canonical path; caller owns, free().
 */
int expose_default_path(const char *base, const vss_id *id, char **ret,
			char *err, size_t errlen);

/*
 * Mount the directory dir read-only (with nosuid, nodev) at path, a
 * directory reached without any symbolic link (-ELOOP otherwise): only
 * dir's own mount, not those below it (a bind, not a recursive one), and
 * of private propagation, so that mounts made under it do not spread.
 * VSS_E_OBJECT_NOT_FOUND when dir or path does not exist.
 *
 * Never a writable exposure (SN-032), not even for a moment nor in another
 * mount namespace: the mount is cloned detached (open_tree), made
 * read-only there, and only then attached to path by a file descriptor (no
 * symbolic link swapped in meanwhile can redirect it).  A bind followed by
 * a read-only remount would leave writable the copies that a shared parent
 * mount propagates to other namespaces.  If the attached mount cannot be
 * made private it is detached again.  Needs Linux 5.12.
 */
int expose_bind(const char *dir, const char *path, char *err, size_t errlen);

/*
 * Unmount the exposure at path (as expose_check_path() or
 * expose_default_path() returned it): it must be a mount point (else
 * VSS_E_OBJECT_NOT_FOUND).  umount2(path, UMOUNT_NOFOLLOW); on EBUSY it is
 * detached lazily instead (MNT_DETACH: a shell sitting in it must not keep
 * the shadow copy undeletable), which err says while 0 is returned.  With
 * remove_dir, path is removed afterwards (default exposures); if that
 * fails the exposure is still gone: 0, and err says so.
 */
int expose_unmount(const char *path, bool remove_dir, char *err, size_t errlen);

/*
 * Is path a mount point now (per /proc/self/mountinfo, exact match, with
 * mountinfo's octal escapes decoded)?  False too when mountinfo cannot be
 * read.
 */
bool expose_is_mounted(const char *path);

#endif
