/*
 * cli/progress.h - the progress line of "vss backup" on standard error:
 * objects and bytes done of the totals, the rate and the time left,
 * redrawn in place at most every PROGRESS_INTERVAL_MS.
 */
#ifndef VSS_CLI_PROGRESS_H
#define VSS_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_INTERVAL_MS 250.0

struct progress;

/*
 * Draw on f (borrowed until progress_free()) for the totals given.
 * Caller owns *ret; free with progress_free().
 */
int progress_new(struct progress **ret, FILE *f, uint64_t total_objects,
		 uint64_t total_bytes);
/* Clear the line (an unfinished one) and free.  NULL is fine. */
void progress_free(struct progress *p);

/* Redraw if the last drawing is PROGRESS_INTERVAL_MS old (or none yet). */
void progress_update(struct progress *p, uint64_t objects, uint64_t bytes);
/* Draw the final counts and end the line, which then stays. */
void progress_finish(struct progress *p, uint64_t objects, uint64_t bytes);

/*
 * The line for objects and bytes done after elapsed_ms, without a line
 * end: "1200/3400 files  1.2 GiB/3.0 GiB  85.3 MiB/s  ETA 0:21".
 */
void progress_format(char *buf, size_t size, uint64_t objects,
		     uint64_t total_objects, uint64_t bytes,
		     uint64_t total_bytes, double elapsed_ms);

/* A byte count with a binary unit: "512 B", "1.5 KiB", "3.0 GiB". */
void progress_format_bytes(char *buf, size_t size, double bytes);

#endif
