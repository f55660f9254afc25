/*
 * writers/sqlite/sqlite_hold.h - what the SQLite writer holds during a
 * backup: one connection per database from prepare_snapshot to
 * post_snapshot, and between freeze and thaw its write lock.
 *
 * BEGIN IMMEDIATE takes the database's write lock (RESERVED in rollback
 * journal mode, the WAL write lock in WAL mode) without writing anything:
 * no other connection can start a write transaction until ROLLBACK, while
 * readers go on.  A write transaction of another connection that is
 * already running finishes (commits) before the lock is granted, so the
 * files on disk hold exactly the committed transactions while it is held.
 */
#ifndef SQLITE_HOLD_H
#define SQLITE_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <vss/metadata.h>

struct sqlite_hold {
	const char *path; /* borrowed: the configured database path */
	sqlite3 *conn;    /* NULL when closed */
	bool wal;         /* journal_mode is wal */
	bool locked;      /* BEGIN IMMEDIATE taken, not yet rolled back */
	int64_t wait_until; /* CLOCK_MONOTONIC ms: when lock waits give up */
};

/* A closed hold of path (borrowed: valid while the hold is used). */
void sqlite_hold_init(struct sqlite_hold *h, const char *path);

/*
 * Open each of the n databases (read-write, never created), waiting up to
 * busy_ms for other connections' locks (tried every millisecond) at each
 * step, and, in WAL mode, checkpoint it: PASSIVE (blocks nobody), then
 * TRUNCATE waiting at most 100 ms (it blocks the application's writers
 * while it waits), so the -wal file is empty in the shadow copy unless
 * something writes before the freeze.  All or none: on failure those opened are closed again.
 * Returns 0; -EBUSY when a database stayed locked, -ENOENT when one is
 * missing, -EIO otherwise, each with err's message naming the database.
 */
int sqlite_hold_open(struct sqlite_hold *h, size_t n, unsigned busy_ms,
		     struct vss_error *err);

/*
 * BEGIN IMMEDIATE on each of the n open databases, waiting at most
 * wait_ms in all for locks other connections hold.  All or none: on
 * failure the locks taken are given back.  Returns 0, -EBUSY (a database
 * stayed locked) or -EIO with err's message naming the database.
 */
int sqlite_hold_freeze(struct sqlite_hold *h, size_t n, unsigned wait_ms,
		       struct vss_error *err);

/*
 * ROLLBACK on each database locked by sqlite_hold_freeze.  Returns 0, or
 * -EIO with err's message for the first that failed (the others are
 * still rolled back; a failed one is closed, which gives up its lock).
 */
int sqlite_hold_thaw(struct sqlite_hold *h, size_t n, struct vss_error *err);

/* Give back any lock and close each connection; idempotent. */
void sqlite_hold_close(struct sqlite_hold *h, size_t n);

#endif
