/*
 * writers/postgresql/pg_conn.c - the statements of the PostgreSQL writer,
 * each sent without blocking and waited for on the connection's socket
 * until the event's deadline.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vss/status.h>

#include "pg_conn.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
pg_deadline_start(struct pg_deadline *d, unsigned budget_ms, const char *name)
{
	d->at_ms = now_ms() + budget_ms;
	d->budget_ms = budget_ms;
	d->name = name;
}

/* libpq's message on one line: its newlines and tabs as spaces, no end. */
static void
one_line(char *dst, size_t len, const char *msg)
{
	size_t n = 0;

	for (; msg && *msg && n + 1 < len; msg++)
		dst[n++] = (*msg == '\n' || *msg == '\t') ? ' ' : *msg;
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

int
pg_conn_open(const struct pg_config *cfg, PGconn **ret, struct vss_error *err)
{
	char timeout[16], msg[320];
	/* Keepalives before the conninfo (which may change them), so that
	 * a server host that vanishes fails the statement instead of
	 * leaving it waiting for the deadline. */
	const char *keys[] = {"fallback_application_name", "keepalives",
			      "keepalives_idle", "keepalives_interval",
			      "keepalives_count", "dbname", "connect_timeout",
			      NULL};
	const char *values[] = {"vss-writerd", "1", "10", "5", "3",
				cfg->conninfo, timeout, NULL};
	const char *host, *port;
	PGconn *c;

	/* connect_timeout after the expanded conninfo: the key wins. */
	snprintf(timeout, sizeof(timeout), "%u", cfg->connect_timeout);
	c = PQconnectdbParams(keys, values, 1);
	if (!c) {
		snprintf(err->message, sizeof(err->message),
			 "PostgreSQL is not reachable: out of memory");
		return -ENOMEM;
	}
	if (PQstatus(c) == CONNECTION_OK) {
		*ret = c;
		return 0;
	}
	one_line(msg, sizeof(msg), PQerrorMessage(c));
	host = PQhost(c);
	port = PQport(c);
	err->line = 0;
	snprintf(err->message, sizeof(err->message),
		 "PostgreSQL is not reachable (host=%s port=%s): %s",
		 host && *host ? host : "default", port && *port ? port : "default",
		 msg);
	PQfinish(c);
	return VSS_E_WRITERERROR_RETRYABLE;
}

/*
 * A statement that failed: err says what and libpq's message; retryable
 * when the connection went, since the server is then down or restarting.
 */
static int
failed(PGconn *c, PGresult *res, const char *what, struct vss_error *err)
{
	char msg[360];

	one_line(msg, sizeof(msg),
		 res ? PQresultErrorMessage(res) : PQerrorMessage(c));
	if (!msg[0])
		one_line(msg, sizeof(msg), PQerrorMessage(c));
	PQclear(res);
	err->line = 0;
	snprintf(err->message, sizeof(err->message), "%s: %s", what, msg);
	return PQstatus(c) == CONNECTION_BAD ? VSS_E_WRITERERROR_RETRYABLE :
					       VSS_E_WRITERERROR_NONRETRYABLE;
}

/* Wait until the socket of c is ready for events; -ETIMEDOUT. */
static int
wait_socket(PGconn *c, short events, const struct pg_deadline *d)
{
	struct pollfd pfd = {.fd = PQsocket(c), .events = events};

	for (;;) {
		int64_t left = d->at_ms - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/*
 * Past the deadline: ask the server to cancel the statement (so that it
 * does not go on after we leave) and say so; the caller closes c.
 */
static int
timed_out(PGconn *c, const char *what, const struct pg_deadline *d,
	  struct vss_error *err)
{
	PGcancel *cancel = PQgetCancel(c);
	char buf[256];

	if (cancel) {
		PQcancel(cancel, buf, sizeof(buf));
		PQfreeCancel(cancel);
	}
	err->line = 0;
	snprintf(err->message, sizeof(err->message),
		 "%s timed out after %u ms (%s)", what, d->budget_ms, d->name);
	return VSS_E_WRITERERROR_TIMEOUT;
}

/*
 * Send sql with params and collect its result by the deadline: the first
 * result is kept, later ones (there are none for one statement) dropped.
 */
static int
exec_until(PGconn *c, const char *sql, int nparams,
	   const char *const *params, const struct pg_deadline *d,
	   const char *what, PGresult **ret, struct vss_error *err)
{
	PGresult *first = NULL, *res;
	int r;

	if (PQsetnonblocking(c, 1) != 0 ||
	    !PQsendQueryParams(c, sql, nparams, NULL, params, NULL, NULL, 0))
		return failed(c, NULL, what, err);
	/* libpq: while the output is not all sent, wait for either; input
	 * read meanwhile keeps the server from blocking on us. */
	while ((r = PQflush(c)) == 1) {
		r = wait_socket(c, POLLIN | POLLOUT, d);
		if (r == -ETIMEDOUT)
			return timed_out(c, what, d, err);
		if (r < 0 || !PQconsumeInput(c))
			return failed(c, NULL, what, err);
	}
	if (r < 0)
		return failed(c, NULL, what, err);
	for (;;) {
		while (PQisBusy(c)) {
			r = wait_socket(c, POLLIN, d);
			if (r == -ETIMEDOUT) {
				PQclear(first);
				return timed_out(c, what, d, err);
			}
			if (r < 0 || !PQconsumeInput(c)) {
				PQclear(first);
				return failed(c, NULL, what, err);
			}
		}
		res = PQgetResult(c);
		if (!res)
			break;
		if (first)
			PQclear(res);
		else
			first = res;
	}
	if (!first)
		return failed(c, NULL, what, err);
	*ret = first;
	return 0;
}

/* Run sql with params by the deadline; the result when it returned rows
 * (PGRES_TUPLES_OK with want_rows of them, or more when want_rows < 0). */
static int
query(PGconn *c, const struct pg_deadline *d, const char *sql, int nparams,
      const char *const *params, int want_rows, const char *what,
      PGresult **ret, struct vss_error *err)
{
	PGresult *res = NULL;
	int r;

	r = exec_until(c, sql, nparams, params, d, what, &res, err);
	if (r < 0)
		return r;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return failed(c, res, what, err);
	if (want_rows >= 0 && PQntuples(res) != want_rows) {
		snprintf(err->message, sizeof(err->message),
			 "%s: %d rows instead of %d", what, PQntuples(res),
			 want_rows);
		PQclear(res);
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}
	*ret = res;
	return 0;
}

static int
copy_value(PGresult *res, int row, int col, char **ret)
{
	const char *v = PQgetisnull(res, row, col) ? "" :
						     PQgetvalue(res, row, col);

	*ret = strdup(v);
	return *ret ? 0 : -ENOMEM;
}

static int
query_tablespaces(PGconn *c, const struct pg_deadline *d, struct pg_layout *l,
		  struct vss_error *err)
{
	PGresult *res = NULL;
	int r;

	/* pg_default and pg_global live in the data directory: their
	 * location is empty. */
	r = query(c, d,
		  "SELECT oid::text, spcname::text, pg_tablespace_location(oid)"
		  " FROM pg_catalog.pg_tablespace"
		  " WHERE pg_tablespace_location(oid) <> '' ORDER BY oid",
		  0, NULL, -1, "reading the tablespaces", &res, err);
	if (r < 0)
		return r;
	for (int i = 0; r == 0 && i < PQntuples(res); i++) {
		unsigned long oid = strtoul(PQgetvalue(res, i, 0), NULL, 10);

		/* An in-place tablespace (allow_in_place_tablespaces) is
		 * "pg_tblspc/OID", a directory in the data directory: backed
		 * up with it, and not in the tablespace map. */
		if (PQgetvalue(res, i, 2)[0] != '/')
			continue;
		r = pg_layout_add_tablespace(l, (uint32_t)oid,
					     PQgetvalue(res, i, 1),
					     PQgetvalue(res, i, 2));
		if (r == -EINVAL) {
			snprintf(err->message, sizeof(err->message),
				 "tablespace '%.64s': bad oid '%.16s'",
				 PQgetvalue(res, i, 1), PQgetvalue(res, i, 0));
			r = VSS_E_WRITERERROR_NONRETRYABLE;
		}
	}
	PQclear(res);
	return r;
}

int
pg_conn_layout(PGconn *c, const struct pg_deadline *d, struct pg_layout *ret,
	       struct vss_error *err)
{
	struct pg_layout l = {0};
	PGresult *res = NULL;
	int r;

	l.server_version = PQserverVersion(c);
	if (l.server_version < PG_MIN_SERVER_VERSION) {
		const char *v = PQparameterStatus(c, "server_version");

		snprintf(err->message, sizeof(err->message),
			 "PostgreSQL %.32s is not supported: the writer needs "
			 "15 or later (pg_backup_start and pg_backup_stop; "
			 "older servers have pg_start_backup)",
			 v ? v : "older than 15");
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}
	/* Needs superuser or pg_read_all_settings. */
	r = query(c, d, "SELECT pg_catalog.current_setting('data_directory')",
		  0, NULL, 1, "reading data_directory", &res, err);
	if (r < 0)
		return r;
	r = query_tablespaces(c, d, &l, err);
	if (r == 0) {
		r = pg_layout_resolve(&l, PQgetvalue(res, 0, 0), err);
		/* The server's files are not visible here as it says. */
		if (r < 0 && r != -ENOMEM)
			r = VSS_E_WRITERERROR_NONRETRYABLE;
	}
	PQclear(res);
	if (r < 0) {
		pg_layout_release(&l);
		return r;
	}
	*ret = l;
	return 0;
}

int
pg_conn_reserve_wal(PGconn *c, const struct pg_deadline *d, const char *slot,
		    struct vss_error *err)
{
	const char *params[] = {slot};
	PGresult *res = NULL;
	int r;

	/* immediately_reserve true, temporary true. */
	r = query(c, d,
		  "SELECT 1 FROM"
		  " pg_catalog.pg_create_physical_replication_slot($1, true,"
		  " true)",
		  1, params, 1, "creating the WAL reservation slot", &res,
		  err);
	PQclear(res);
	return r;
}

int
pg_conn_backup_start(PGconn *c, const struct pg_deadline *d,
		     const char *label, bool fast, char **ret_lsn,
		     struct vss_error *err)
{
	const char *params[] = {label, fast ? "true" : "false"};
	PGresult *res = NULL;
	int r;

	r = query(c, d, "SELECT pg_catalog.pg_backup_start($1, $2)::text", 2,
		  params, 1, "pg_backup_start", &res, err);
	if (r < 0)
		return r;
	r = copy_value(res, 0, 0, ret_lsn);
	PQclear(res);
	return r;
}

int
pg_conn_backup_stop(PGconn *c, const struct pg_deadline *d, char **ret_lsn,
		    char **ret_label, char **ret_map, struct vss_error *err)
{
	char *lsn = NULL, *label = NULL, *map = NULL;
	PGresult *res = NULL;
	int r;

	/* false: do not wait for WAL archiving; the WAL the backup needs is
	 * in the shadow copies (see pg_writer.c, freeze). */
	r = query(c, d,
		  "SELECT lsn::text, labelfile, spcmapfile"
		  " FROM pg_catalog.pg_backup_stop(false)",
		  0, NULL, 1, "pg_backup_stop", &res, err);
	if (r < 0)
		return r;
	r = copy_value(res, 0, 0, &lsn);
	if (r == 0)
		r = copy_value(res, 0, 1, &label);
	if (r == 0)
		r = copy_value(res, 0, 2, &map);
	PQclear(res);
	if (r < 0) {
		free(lsn);
		free(label);
		free(map);
		return r;
	}
	*ret_lsn = lsn;
	*ret_label = label;
	*ret_map = map;
	return 0;
}
