/*
 * cli/progress.c - the progress line of "vss backup" (progress.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "progress.h"

struct progress {
	FILE *f;
	uint64_t total_objects;
	uint64_t total_bytes;
	double start_ms;
	double drawn_ms; /* when the line was last drawn; < 0: never */
	size_t width;    /* of the line drawn, to blank it out */
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
progress_new(struct progress **ret, FILE *f, uint64_t total_objects,
	     uint64_t total_bytes)
{
	struct progress *p;

	*ret = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->f = f;
	p->total_objects = total_objects;
	p->total_bytes = total_bytes;
	p->start_ms = now_ms();
	p->drawn_ms = -1;
	*ret = p;
	return 0;
}

void
progress_free(struct progress *p)
{
	if (!p)
		return;
	if (p->width > 0) {
		fprintf(p->f, "\r%*s\r", (int)p->width, "");
		fflush(p->f);
	}
	free(p);
}

void
progress_format_bytes(char *buf, size_t size, double bytes)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB",
					    "PiB"};
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%.0f B", bytes);
		return;
	}
	bytes /= 1024;
	while (bytes >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", bytes, units[u]);
}

void
progress_format(char *buf, size_t size, uint64_t objects,
		uint64_t total_objects, uint64_t bytes, uint64_t total_bytes,
		double elapsed_ms)
{
	char done[32], total[32], rate[32], eta[32] = "--:--";
	double per_s = 0, left_s;
	uint64_t s;

	progress_format_bytes(done, sizeof(done), (double)bytes);
	progress_format_bytes(total, sizeof(total), (double)total_bytes);
	if (elapsed_ms > 0)
		per_s = (double)bytes * 1e3 / elapsed_ms;
	progress_format_bytes(rate, sizeof(rate), per_s);
	if (per_s > 0 && total_bytes >= bytes) {
		left_s = (double)(total_bytes - bytes) / per_s;
		s = (uint64_t)(left_s + 0.5);
		if (s >= 3600)
			snprintf(eta, sizeof(eta), "%llu:%02llu:%02llu",
				 (unsigned long long)(s / 3600),
				 (unsigned long long)(s / 60 % 60),
				 (unsigned long long)(s % 60));
		else
			snprintf(eta, sizeof(eta), "%llu:%02llu",
				 (unsigned long long)(s / 60),
				 (unsigned long long)(s % 60));
	}
	snprintf(buf, size, "%llu/%llu files  %s/%s  %s/s  ETA %s",
		 (unsigned long long)objects,
		 (unsigned long long)total_objects, done, total, rate, eta);
}

static void
draw(struct progress *p, uint64_t objects, uint64_t bytes, double now)
{
	char line[160];
	size_t len;

	p->drawn_ms = now;
	progress_format(line, sizeof(line), objects, p->total_objects, bytes,
			p->total_bytes, now - p->start_ms);
	len = strlen(line);
	/* Blank what a longer earlier line left at the end. */
	fprintf(p->f, "\r%s%*s", line,
		p->width > len ? (int)(p->width - len) : 0, "");
	fflush(p->f);
	if (len > p->width)
		p->width = len;
}

void
progress_update(struct progress *p, uint64_t objects, uint64_t bytes)
{
	double now = now_ms();

	if (p->drawn_ms < 0 || now - p->drawn_ms >= PROGRESS_INTERVAL_MS)
		draw(p, objects, bytes, now);
}

void
progress_finish(struct progress *p, uint64_t objects, uint64_t bytes)
{
	draw(p, objects, bytes, now_ms());
	fputc('\n', p->f);
	fflush(p->f);
	p->width = 0;
}
