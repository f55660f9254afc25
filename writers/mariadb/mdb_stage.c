/*
 * writers/mariadb/mdb_stage.c - BACKUP STAGE (or FTWRL) on the kept
 * session, and the binary log position read while commits are blocked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysqld_error.h>

#include <vss/status.h>

#include "ini.h"
#include "mdb_conn.h"
#include "mdb_stage.h"

/* MariaDB 10.4.1 brought BACKUP STAGE. */
#define BACKUP_STAGE_SINCE 100401UL

enum mdb_lock
mdb_stage_choose(const char *server_info, unsigned long server_version)
{
	if (server_info != NULL && strstr(server_info, "MariaDB") != NULL &&
	    server_version >= BACKUP_STAGE_SINCE)
		return MDB_LOCK_BACKUP_STAGE;
	return MDB_LOCK_FTWRL;
}

bool
mdb_stage_held(const struct mdb_stage *st)
{
	return st->started || st->blocking;
}

/* Errors that say the server does not know BACKUP STAGE. */
static bool
unknown_statement(MYSQL *db)
{
	switch (mysql_errno(db)) {
	case ER_PARSE_ERROR:
	case ER_NOT_SUPPORTED_YET:
	case ER_UNKNOWN_COM_ERROR:
		return true;
	default:
		return false;
	}
}

int
mdb_stage_prepare(struct mdb_stage *st, MYSQL *db, struct vss_error *err)
{
	static const char *const stages[] = {
		"BACKUP STAGE FLUSH",
		"BACKUP STAGE BLOCK_DDL",
	};

	*st = (struct mdb_stage){
		.lock = mdb_stage_choose(mysql_get_server_info(db),
					 mysql_get_server_version(db)),
	};
	if (st->lock == MDB_LOCK_FTWRL)
		return 0;

	int r = mdb_exec(db, "BACKUP STAGE START", err);

	if (r < 0 && unknown_statement(db)) {
		snprintf(st->fallback, sizeof(st->fallback), "%s",
			 err->message);
		st->lock = MDB_LOCK_FTWRL;
		return 0;
	}
	if (r < 0)
		return r;
	st->started = true;
	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		if ((r = mdb_exec(db, stages[i], err)) < 0) {
			struct vss_error ignored;

			mdb_stage_end(st, db, &ignored);
			return r;
		}
	}
	return 0;
}

uint64_t
mdb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * The time left before the freeze's deadline, or 0 with err set (the
 * writer's TIMEOUT failure) when none is left for sql.
 */
static uint64_t
time_left(uint64_t deadline_ms, const char *sql, struct vss_error *err)
{
	uint64_t now = mdb_now_ms();

	if (now < deadline_ms)
		return deadline_ms - now;
	wini_seterr(err, "no time left of the freeze for %s", sql);
	return 0;
}

/*
 * Run sql with the time left: on MariaDB the server gives up waiting for
 * a lock (lock_wait_timeout, whole seconds, rounded down: 0 is "do not
 * wait") and running the statement (max_statement_time) by the deadline;
 * MySQL (FTWRL only) takes lock_wait_timeout for the session (at least
 * 1 s there).  The client's read timeout, set at connect from the same
 * budget, is the last resort.
 */
static int
timed_exec(MYSQL *db, uint64_t deadline_ms, const char *sql,
	   struct vss_error *err)
{
	uint64_t left = time_left(deadline_ms, sql, err);
	char buf[256];
	int r;

	if (left == 0)
		return VSS_E_WRITERERROR_TIMEOUT;
	if (strstr(mysql_get_server_info(db), "MariaDB") != NULL) {
		snprintf(buf, sizeof(buf),
			 "SET STATEMENT lock_wait_timeout = %llu, "
			 "max_statement_time = %llu.%03llu FOR %s",
			 (unsigned long long)(left / 1000),
			 (unsigned long long)(left / 1000),
			 (unsigned long long)(left % 1000), sql);
		r = mdb_exec(db, buf, err);
		if (r < 0)
			wini_seterr(err, "%s: %s", sql, mysql_error(db));
		return r;
	}
	snprintf(buf, sizeof(buf), "SET SESSION lock_wait_timeout = %llu",
		 left >= 2000 ? (unsigned long long)(left / 1000) : 1ull);
	if ((r = mdb_exec(db, buf, err)) < 0)
		return r;
	return mdb_exec(db, sql, err);
}

/*
 * SHOW MASTER STATUS, or where a server refuses it as unknown (MySQL 8.4
 * renamed it) SHOW BINARY LOG STATUS: file and position, r == 1 with a
 * row (a binary log), 0 without.
 */
static int
binlog_status(MYSQL *db, char **v, struct vss_error *err)
{
	int r = mdb_query_row(db, "SHOW MASTER STATUS", 2, v, err);

	if (r < 0 && unknown_statement(db))
		r = mdb_query_row(db, "SHOW BINARY LOG STATUS", 2, v, err);
	return r;
}

/* The binary log position and GTID state, read while commits wait. */
static int
read_position(MYSQL *db, enum mdb_lock lock, uint64_t deadline_ms,
	      struct mdb_meta *m, struct vss_error *err)
{
	char *v[2];
	int r;

	if (time_left(deadline_ms, "SHOW MASTER STATUS", err) == 0)
		return VSS_E_WRITERERROR_TIMEOUT;
	if ((r = binlog_status(db, v, err)) < 0)
		return r;

	char *end = NULL;
	unsigned long long pos = 0;

	if (r == 1 && v[1] != NULL) {
		errno = 0;
		pos = strtoull(v[1], &end, 10);
	}
	if (r == 1 && (v[0] == NULL || v[1] == NULL || errno != 0 ||
		       end == v[1] || *end != '\0')) {
		wini_seterr(err, "SHOW MASTER STATUS: unusable row (%s, %s)",
			    v[0] != NULL ? v[0] : "NULL",
			    v[1] != NULL ? v[1] : "NULL");
		free(v[0]);
		free(v[1]);
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}
	free(v[1]);
	free(m->binlog_file);
	m->binlog_file = v[0] != NULL ? v[0] : strdup("");
	m->binlog_position = pos;

	char *gtid = NULL;

	/* MySQL has its own GTIDs; only MariaDB's are recorded. */
	if (lock == MDB_LOCK_BACKUP_STAGE ||
	    strstr(mysql_get_server_info(db), "MariaDB") != NULL) {
		if (time_left(deadline_ms, "SELECT @@gtid_binlog_pos", err) ==
		    0)
			return VSS_E_WRITERERROR_TIMEOUT;
		if ((r = mdb_query_row(db, "SELECT @@gtid_binlog_pos", 1,
				       &gtid, err)) < 0)
			return r;
	}
	free(m->gtid_binlog_pos);
	m->gtid_binlog_pos = gtid != NULL ? gtid : strdup("");
	if (m->binlog_file == NULL || m->gtid_binlog_pos == NULL)
		return -ENOMEM;
	return 0;
}

int
mdb_stage_freeze(struct mdb_stage *st, MYSQL *db, uint64_t deadline_ms,
		 struct mdb_meta *m, struct vss_error *err)
{
	int r;

	if (st->lock == MDB_LOCK_BACKUP_STAGE)
		r = timed_exec(db, deadline_ms, "BACKUP STAGE BLOCK_COMMIT",
			       err);
	else
		r = timed_exec(db, deadline_ms, "FLUSH TABLES WITH READ LOCK",
			       err);
	if (r < 0)
		return r;
	st->blocking = true;
	m->lock = st->lock;
	/*
	 * Every commit in the binary log up to the position read below has
	 * its InnoDB redo written, but with innodb_flush_log_at_trx_commit
	 * other than 1 not necessarily on disk: the snapshot would then hold
	 * binlogged transactions that InnoDB recovery does not know.
	 * Commits are blocked, so flushing now covers all of them.
	 */
	r = timed_exec(db, deadline_ms, "FLUSH NO_WRITE_TO_BINLOG ENGINE LOGS",
		       err);
	if (r < 0)
		return r;
	return read_position(db, st->lock, deadline_ms, m, err);
}

int
mdb_stage_end(struct mdb_stage *st, MYSQL *db, struct vss_error *err)
{
	if (!mdb_stage_held(st))
		return 0;

	const char *sql = st->started ? "BACKUP STAGE END" : "UNLOCK TABLES";

	st->started = false;
	st->blocking = false;
	return mdb_exec(db, sql, err);
}
