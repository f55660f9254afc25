/*
 * lib/util/fsmeta.h - a file system object's type and times as the backup
 * set's manifest and the pending restore journal write them (compiled
 * into vssd and the vss command; not part of libvss).
 */
#ifndef VSS_UTIL_FSMETA_H
#define VSS_UTIL_FSMETA_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/*
 * The name of mode's file type: "file", "dir", "symlink", "fifo", "chr",
 * "blk" or "socket"; NULL for another.
 */
const char *fsmeta_type_name(mode_t mode);
/* The file type (S_IFREG...) of such a name: 0, or -EINVAL. */
int fsmeta_type_parse(const char *name, mode_t *ret);
/* ns since the epoch as a timespec (tv_nsec never negative). */
struct timespec fsmeta_timespec(int64_t ns);

#endif
