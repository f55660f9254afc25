/*
 * daemon/log.h - logging of vssd: stderr in the foreground, syslog when
 * daemonised (relayd's log.h).  Nothing here writes to a file, so logging
 * can never block on a frozen file system.
 */
#ifndef VSSD_LOG_H
#define VSSD_LOG_H

#include <stdbool.h>

/* Where messages go: stderr when foreground, else syslog; debug on/off. */
void log_init(bool foreground, bool debug);

/* A warning with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning without errno. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Our own broken invariants and start-up failures only: log and exit 1. */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
