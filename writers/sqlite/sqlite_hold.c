/*
 * writers/sqlite/sqlite_hold.c - the SQLite writer's connections and write
 * locks during a backup (sqlite_hold.h).
 *
 * The database files are only ever opened through SQLite here: SQLite's
 * locks are POSIX advisory locks, which a process loses on a file when it
 * closes ANY descriptor of that file, and only SQLite's own file handling
 * knows to avoid that.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sqlite_hold.h"

void
sqlite_hold_init(struct sqlite_hold *h, const char *path)
{
	h->path = path;
	h->conn = NULL;
	h->wal = false;
	h->locked = false;
	h->wait_until = 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * SQLite's busy handler: try again every 100 us until wait_until.
 * SQLite's own busy timeout backs off to tries 100 ms apart, and against
 * an application that writes without pause (it leaves the write lock
 * free only for microseconds between its transactions) those few tries
 * may all miss: frequent tries find the gap sooner, and the freeze
 * window is what they shorten (bench/bench-writers.sh).
 */
static int
busy_retry(void *arg, int count)
{
	const struct sqlite_hold *h = arg;
	const struct timespec gap = {.tv_nsec = 100000};

	(void)count;
	if (now_ms() >= h->wait_until)
		return 0;
	nanosleep(&gap, NULL);
	return 1;
}

/* Lock waits of the next statements give up after ms. */
static void
wait_at_most(struct sqlite_hold *h, unsigned ms)
{
	h->wait_until = now_ms() + ms;
}

/* The status of a failed SQLite call rc on h's database. */
static int
status_of(const struct sqlite_hold *h, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CANTOPEN:
		return access(h->path, F_OK) < 0 && errno == ENOENT ? -ENOENT
								     : -EIO;
	default:
		return -EIO;
	}
}

/* Fail with "database PATH: what: SQLite's message". */
static int
fail(struct sqlite_hold *h, int rc, const char *what, struct vss_error *err)
{
	err->line = 0;
	snprintf(err->message, sizeof(err->message), "database %s: %s: %s",
		 h->path, what,
		 h->conn ? sqlite3_errmsg(h->conn) : sqlite3_errstr(rc));
	return status_of(h, rc);
}

/* Whether the open database is in WAL mode; 0 or an SQLite error. */
static int
read_wal_mode(struct sqlite_hold *h)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(h->conn, "PRAGMA journal_mode", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(st, 0);

		h->wal = mode && strcmp((const char *)mode, "wal") == 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * How long the TRUNCATE checkpoint may wait for other connections: while
 * it waits it holds the database's write lock, so every writer of the
 * application waits with it.
 */
#define TRUNCATE_WAIT_MS 100

/*
 * Copy the WAL into the database before the snapshot, so that the shadow
 * copy's -wal holds only what is written between now and the freeze.
 * First PASSIVE: it copies what it can without taking the write lock or
 * waiting for anyone (readers and writers go on).  Then TRUNCATE, to
 * empty the -wal: it takes the write lock and waits for readers of older
 * snapshots, blocking the application's writers meanwhile, so it gets
 * only TRUNCATE_WAIT_MS; busy then is fine (the PASSIVE pass did the
 * work).  The backup is consistent either way (the -wal is part of the
 * component), so only other errors fail.
 */
static int
checkpoint(struct sqlite_hold *h, struct vss_error *err)
{
	int rc;

	rc = sqlite3_wal_checkpoint_v2(h->conn, NULL,
				       SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		return fail(h, rc, "checkpoint failed", err);
	wait_at_most(h, TRUNCATE_WAIT_MS);
	rc = sqlite3_wal_checkpoint_v2(h->conn, NULL,
				       SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		return fail(h, rc, "checkpoint failed", err);
	return 0;
}

static int
open_one(struct sqlite_hold *h, unsigned busy_ms, struct vss_error *err)
{
	int rc;

	rc = sqlite3_open_v2(h->path, &h->conn, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(h, rc, "cannot open", err);
		sqlite3_close(h->conn);
		h->conn = NULL;
		return rc;
	}
	sqlite3_busy_handler(h->conn, busy_retry, h);
	wait_at_most(h, busy_ms);
	rc = read_wal_mode(h);
	if (rc != SQLITE_OK)
		return fail(h, rc, "cannot read the journal mode", err);
	wait_at_most(h, busy_ms);
	return h->wal ? checkpoint(h, err) : 0;
}

int
sqlite_hold_open(struct sqlite_hold *h, size_t n, unsigned busy_ms,
		 struct vss_error *err)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		r = open_one(&h[i], busy_ms, err);
		if (r < 0) {
			sqlite_hold_close(h, i + 1);
			return r;
		}
	}
	return 0;
}

/* ROLLBACK of a locked hold; a failure closes it, which also unlocks. */
static int
unlock(struct sqlite_hold *h)
{
	int rc;

	if (!h->locked)
		return SQLITE_OK;
	h->locked = false;
	rc = sqlite3_exec(h->conn, "ROLLBACK", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(h->conn);
		h->conn = NULL;
	}
	return rc;
}

int
sqlite_hold_freeze(struct sqlite_hold *h, size_t n, unsigned wait_ms,
		   struct vss_error *err)
{
	int64_t deadline = now_ms() + wait_ms;
	int rc, r;

	for (size_t i = 0; i < n; i++) {
		if (!h[i].conn) {
			err->line = 0;
			snprintf(err->message, sizeof(err->message),
				 "database %s is not open", h[i].path);
			r = -EIO;
			goto fail;
		}
		h[i].wait_until = deadline;
		rc = sqlite3_exec(h[i].conn, "BEGIN IMMEDIATE", NULL, NULL,
				  NULL);
		if (rc != SQLITE_OK) {
			r = fail(&h[i], rc, "cannot take the write lock", err);
			goto fail;
		}
		h[i].locked = true;
	}
	return 0;

fail:
	for (size_t i = 0; i < n; i++)
		unlock(&h[i]);
	return r;
}

int
sqlite_hold_thaw(struct sqlite_hold *h, size_t n, struct vss_error *err)
{
	int r = 0, rc;

	for (size_t i = 0; i < n; i++) {
		if (!h[i].locked)
			continue;
		/* The message before unlock() closes a failed connection. */
		rc = sqlite3_exec(h[i].conn, "ROLLBACK", NULL, NULL, NULL);
		h[i].locked = false;
		if (rc == SQLITE_OK)
			continue;
		if (r == 0)
			r = fail(&h[i], rc, "rollback failed", err);
		sqlite3_close(h[i].conn);
		h[i].conn = NULL;
	}
	return r < 0 ? -EIO : 0;
}

void
sqlite_hold_close(struct sqlite_hold *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unlock(&h[i]);
		sqlite3_close(h[i].conn);
		h[i].conn = NULL;
		h[i].wal = false;
	}
}
