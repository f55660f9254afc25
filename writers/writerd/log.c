/*
 * writers/writerd/log.c - the lines of vss-writerd and of the writers it
 * hosts (log.h).  Every line is built whole and written with a single
 * write(): stderr and log files are shared by all writer threads, and
 * O_APPEND plus one write per line keeps each line in one piece.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* The longest message kept; longer ones are cut and end in "...". */
#define MESSAGE_MAX 4096

static bool log_levels;

void
wd_log_setup(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int n = 0;

	/* "DEVICE:INODE" of the journal's stream, if stderr is still it. */
	log_levels = js && sscanf(js, "%llu:%llu%n", &dev, &ino, &n) == 2 &&
		     js[n] == '\0' && fstat(STDERR_FILENO, &st) == 0 &&
		     (unsigned long long)st.st_dev == dev &&
		     (unsigned long long)st.st_ino == ino;
}

int
wd_log_open_file(const char *path)
{
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		  0640);
	return fd < 0 ? -errno : fd;
}

static void
write_line(int fd, const char *buf, size_t len)
{
	ssize_t n;

	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
}

/* "2024-05-01T12:00:00.123+0200 " into buf. */
static void
time_stamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char zone[8];
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (strftime(zone, sizeof(zone), "%z", &tm) == 0)
		zone[0] = '\0';
	snprintf(buf + n, size - n, ".%03ld%s ", ts.tv_nsec / 1000000, zone);
}

/* head, who, text and a newline into line; returns its length. */
static size_t
build_line(char *line, size_t size, const char *head, const char *who,
	   const char *text, size_t len)
{
	size_t n = strlen(head) + strlen(who);

	memcpy(line, head, strlen(head));
	memcpy(line + strlen(head), who, strlen(who));
	if (n + len + 1 > size)
		len = size - n - 1;
	memcpy(line + n, text, len);
	line[n + len] = '\n';
	return n + len + 1;
}

static void
write_one(const char *name, int file_fd, enum wd_log_level level,
	  const char *text, size_t len)
{
	char line[MESSAGE_MAX + 256], stamp[64], who[192];

	/* A name too long is cut: the text must fit. */
	snprintf(who, sizeof(who), "vss-writerd%s%s%s: ", name ? "[" : "",
		 name ? name : "", name ? "]" : "");
	if (log_levels)
		snprintf(stamp, sizeof(stamp), "<%d>", (int)level);
	else
		stamp[0] = '\0';
	write_line(STDERR_FILENO, line,
		   build_line(line, sizeof(line), stamp, who, text, len));
	if (file_fd < 0)
		return;
	time_stamp(stamp, sizeof(stamp));
	write_line(file_fd, line,
		   build_line(line, sizeof(line), stamp, who, text, len));
}

void
wd_log_vwrite(const char *name, int file_fd, enum wd_log_level level,
	      const char *fmt, va_list ap)
{
	char msg[MESSAGE_MAX];
	const char *p, *nl;
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	for (p = msg; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (nl > p)
			write_one(name, file_fd, level, p, (size_t)(nl - p));
		if (!*nl)
			break;
	}
}

void
wd_log_main(enum wd_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wd_log_vwrite(NULL, -1, level, fmt, ap);
	va_end(ap);
}
