/*
 * daemon/log.c - logging of vssd.  In the foreground every message goes
 * to stderr with a level prefix; daemonised, to syslog (the journal picks
 * it up).  Messages are lower case and name what failed first; messages
 * about a session carry its id, added by the callers (ER-010).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static bool log_foreground = true;
static bool log_verbose;

void
log_init(bool foreground, bool debug)
{
	log_foreground = foreground;
	log_verbose = debug;
	if (!foreground)
		openlog("vssd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void __attribute__((format(printf, 2, 0)))
log_vwrite(int priority, const char *fmt, va_list ap, int errnum)
{
	static const char *const prefix[] = {
		[LOG_CRIT] = "fatal: ",
		[LOG_WARNING] = "warning: ",
		[LOG_INFO] = "",
		[LOG_DEBUG] = "debug: ",
	};
	char buf[2048];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= 0 && errnum != 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s",
			 strerror(errnum));
	if (log_foreground) {
		fprintf(stderr, "vssd: %s%s\n", prefix[priority], buf);
		return;
	}
	syslog(priority, "%s", buf);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
