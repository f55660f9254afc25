/*
 * writers/writerd/host.h - the writers of a configuration directory: one
 * per NAME.conf (hidden files and other names ignored), in name order.
 *
 * A reload reads the directory again: a file with the same bytes keeps
 * its writer untouched; a new file starts one; a removed or changed file
 * stops (and restarts) its writer, which stops only once it has no
 * session open (it decides that itself); a file that no longer parses is
 * logged and its writer keeps running exactly as it was (a change still
 * pending is dropped).  Two files may not give the same instance name: a
 * running writer keeps its name; among newcomers the earlier file wins.
 * --check decides the same way as a reload with no writer running.
 */
#ifndef WD_HOST_H
#define WD_HOST_H

#include <stdio.h>

struct wd_host;

/* dir and socket_path (NULL: the default) are copied.  Caller owns; free
 * with wd_host_free(), which stops every writer at once (SIGTERM) and
 * waits for them. */
int wd_host_new(struct wd_host **ret, const char *dir,
		const char *socket_path);
void wd_host_free(struct wd_host *h);

/*
 * The fd the main loop polls (POLLIN): a writer's thread ended, call
 * wd_host_apply().
 */
int wd_host_get_fd(const struct wd_host *h);

/*
 * Read the directory and decide what changes; wd_host_apply() does it.
 * Every writer with a log_file opens it again (it may have been
 * rotated).  -errno when the directory cannot be read (nothing changes
 * then).
 */
int wd_host_reload(struct wd_host *h);
/*
 * Make the writers follow what reload decided, never waiting: ask the
 * writers to go to stop (when idle), free those whose thread ended,
 * start those whose instance name is free.
 */
void wd_host_apply(struct wd_host *h);

/*
 * --check: parse every file of dir, print a line per writer (or its
 * error) to out.  0 when all are good, -EINVAL when one is not, -errno
 * when dir cannot be read.
 */
int wd_host_check(const char *dir, FILE *out);

#endif
