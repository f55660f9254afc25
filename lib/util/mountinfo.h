/*
 * lib/util/mountinfo.h - the mount table of /proc/self/mountinfo, for
 * vssd and the vss command (compiled into each; not part of libvss).
 */
#ifndef VSS_UTIL_MOUNTINFO_H
#define VSS_UTIL_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One mount, its fields decoded (octal escapes undone). */
struct mount_entry {
	char *mount_point;
	char *fstype;
	char *source; /* the device or what stands for it ("none") */
};

/*
 * Every mount, in the order of the file: a later entry is mounted later,
 * so the last entry for a mount point is the one on top.  Caller owns
 * *ret; free with mountinfo_free().  Returns 0, -ENOMEM or -errno when
 * the file cannot be read.
 */
int mountinfo_read(struct mount_entry **ret, size_t *ret_n);
void mountinfo_free(struct mount_entry *e, size_t n);

/* The top entry mounted exactly at mount_point, or NULL. */
const struct mount_entry *mountinfo_find(const struct mount_entry *e,
					 size_t n, const char *mount_point);
/*
 * The top entry of the file system that holds path (canonical, absolute):
 * the one whose mount point is the longest leading run of whole path
 * elements, or NULL for a relative path.
 */
const struct mount_entry *mountinfo_holding(const struct mount_entry *e,
					    size_t n, const char *path);

/*
 * True for a file system with nothing to shadow-copy (proc, sysfs,
 * cgroup2, ...), which lists of volumes leave out.
 */
bool mountinfo_is_pseudo(const char *fstype);

/*
 * The mount id of the open file fd (statx STATX_MNT_ID), or 0 when the
 * kernel does not say (before 5.8): callers then compare devices.
 */
uint64_t mountinfo_mount_id(int fd);

#endif
