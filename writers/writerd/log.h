/*
 * writers/writerd/log.h - the lines vss-writerd writes: each writer's as
 * "vss-writerd[INSTANCE]: message", the daemon's own as "vss-writerd:
 * message", on stderr (one write() per line, so that the lines of writers
 * on different threads never mix) and, for a writer with log_file, also
 * appended to that file, the same line with a time stamp first.  Under systemd
 * ($JOURNAL_STREAM names stderr) each line starts with its level, "<3>"
 * .. "<7>", for the journal.
 */
#ifndef WD_LOG_H
#define WD_LOG_H

#include <stdarg.h>

#include "backend.h"

/* Decide about level prefixes; call once before any thread starts. */
void wd_log_setup(void);

/*
 * Open a writer's log_file for appending (created 0640 if missing);
 * returns the fd or -errno.
 */
int wd_log_open_file(const char *path);

/*
 * Write message (split at its newlines, one line each) as name's, on
 * stderr and, when file_fd >= 0, in that file.  name NULL: the daemon's.
 */
void wd_log_vwrite(const char *name, int file_fd, enum wd_log_level level,
		   const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* The daemon's own lines ("vss-writerd: message"). */
void wd_log_main(enum wd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
