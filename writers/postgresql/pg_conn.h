/*
 * writers/postgresql/pg_conn.h - what the PostgreSQL writer asks the
 * server, over libpq: connect, read the cluster's layout, reserve the
 * backup's WAL, start and stop a backup.  Every statement is sent
 * asynchronously and waited for until a deadline (the event's budget);
 * past it the statement is cancelled and the caller must close the
 * connection.  Failures carry libpq's message and a writer status:
 * VSS_E_WRITERERROR_RETRYABLE when the server is not there (connection
 * refused or lost), VSS_E_WRITERERROR_TIMEOUT past the deadline, else
 * VSS_E_WRITERERROR_NONRETRYABLE (no privilege, too old a server...).
 */
#ifndef PG_CONN_H
#define PG_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <vss/metadata.h>

#include "pg_layout.h"

/* The [postgresql] section of the writer's file. */
struct pg_config {
	char *conninfo;           /* required */
	char *service;            /* NULL if none */
	unsigned connect_timeout; /* seconds */
	unsigned statement_ms;    /* budget of an event's statements */
	bool fast_checkpoint;     /* checkpoint = fast */
};

/* The time an event's statements have, all together. */
struct pg_deadline {
	int64_t at_ms;      /* CLOCK_MONOTONIC */
	unsigned budget_ms; /* for messages */
	const char *name;   /* what sets it: "statement_timeout" ... */
};

/* A deadline budget_ms from now. */
void pg_deadline_start(struct pg_deadline *d, unsigned budget_ms,
		       const char *name);

/*
 * Connect as cfg says, with TCP keepalives (a server that vanishes is
 * noticed).  Returns 0 with *ret (caller owns; PQfinish) or
 * VSS_E_WRITERERROR_RETRYABLE with err "PostgreSQL is not reachable
 * (host=H port=P): <libpq message>".
 */
int pg_conn_open(const struct pg_config *cfg, PGconn **ret,
		 struct vss_error *err);

/*
 * The layout of the cluster c serves, its paths resolved on this host
 * (pg_layout_resolve); in-place tablespaces (a location relative to the
 * data directory) are left out: they live in it.  A server older than 15
 * fails with VSS_E_WRITERERROR_NONRETRYABLE.  *ret untouched on failure.
 */
int pg_conn_layout(PGconn *c, const struct pg_deadline *d,
		   struct pg_layout *ret, struct vss_error *err);

/*
 * A temporary physical replication slot named slot, reserving WAL from
 * now on: the server keeps every WAL segment from here until the session
 * ends (the slot goes with it).  VSS_E_WRITERERROR_NONRETRYABLE when the
 * server refuses (no free slot, no REPLICATION privilege).
 */
int pg_conn_reserve_wal(PGconn *c, const struct pg_deadline *d,
			const char *slot, struct vss_error *err);

/*
 * pg_backup_start(label, fast) on c; the backup lasts as long as the
 * session.  *ret_lsn: the start LSN (caller frees).
 */
int pg_conn_backup_start(PGconn *c, const struct pg_deadline *d,
			 const char *label, bool fast, char **ret_lsn,
			 struct vss_error *err);

/*
 * pg_backup_stop(false) on the session that started the backup: the stop
 * LSN, the backup label and the tablespace map ("" without tablespaces),
 * all three caller owned, set only on success.
 */
int pg_conn_backup_stop(PGconn *c, const struct pg_deadline *d,
			char **ret_lsn, char **ret_label, char **ret_map,
			struct vss_error *err);

#endif
