/*
 * writers/common/holders.h - is an application still using its files?
 * The restore checks of the database writers: a file is replaced only
 * while no process holds it open, and a server only while it is stopped.
 */
#ifndef WHOLDERS_H
#define WHOLDERS_H

#include <stddef.h>
#include <sys/types.h>

#include <vss/metadata.h>

struct wholder {
	pid_t pid;
	char comm[32]; /* /proc/PID/comm, "" if unreadable */
};

/*
 * The processes other than this one that have path (the file itself, by
 * device and inode) open, from /proc/PID/fd: up to max into ret, the
 * total count returned (0: nobody found), or a negative errno when path
 * cannot be looked at (-ENOENT when it does not exist).  Processes that
 * vanish while scanning are skipped; those whose descriptors could not
 * be looked at (EACCES, EPERM) are counted into *ret_uninspected (when
 * not NULL): with any, "nobody found" does not mean nobody holds it, and
 * a restore check must say so rather than pass (wholders_uninspected()).
 * Threads that unshared their descriptor table are not seen (holders.c).
 */
int wholders_of_file(const char *path, struct wholder *ret, size_t max,
		     size_t *ret_uninspected);

/*
 * The restore checks' verdict on a scan that found nobody but could not
 * inspect n processes: -EACCES with err "could not inspect N processes
 * to tell whether they hold PATH open (...)"; 0 when n is 0.
 */
int wholders_uninspected(const char *path, size_t n, struct vss_error *err);

/*
 * The pid of a pid file's first line if that process is alive, 0 when
 * the file is absent or names a process that is gone, -EINVAL when the
 * file does not start with a pid, or another negative errno.
 */
int wholders_pidfile_alive(const char *path, pid_t *ret);

#endif
