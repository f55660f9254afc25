/*
 * writers/mariadb/mdb_conn.h - a session with the MariaDB server: the
 * [mariadb] connection keys, connecting with bounded timeouts, running
 * statements, and turning libmariadb errors into writer failures.
 */
#ifndef MDB_CONN_H
#define MDB_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <mysql.h>

#include <vss/metadata.h>

#define MDB_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define MDB_DEFAULT_TIMEOUT_MS 30000

/* How to reach the server ([mariadb] keys). */
struct mdb_conn_opts {
	char *socket;        /* NULL: host/port, or the defaults */
	char *host;          /* NULL: localhost through the socket */
	unsigned port;       /* 0: the default */
	char *user;          /* NULL: the defaults (the daemon's user) */
	char *password;      /* inline password, NULL if none */
	char *password_file; /* first line is the password, NULL if none */
	char *defaults_file; /* option file read ([client] group), or NULL */
	unsigned connect_timeout_ms;
	unsigned timeout_ms; /* each statement's read/write and lock wait */
};

void mdb_conn_opts_init(struct mdb_conn_opts *o);
void mdb_conn_opts_release(struct mdb_conn_opts *o);

/* "socket PATH", "host H port P" or "the defaults", for messages. */
void mdb_conn_where(const struct mdb_conn_opts *o, char *buf, size_t size);

/*
 * The first line of a password file; *ret_loose true when the file is
 * readable by group or others (the caller warns).  Caller owns
 * *ret_password; free with free().  -errno with err set.
 */
int mdb_read_password_file(const char *path, char **ret_password,
			   bool *ret_loose, struct vss_error *err);

/*
 * Connect (no automatic reconnect: a lost session must be noticed, since
 * the server drops its locks with it), with the read and write timeouts
 * of o and the session's lock_wait_timeout set to match, so no statement
 * blocks longer than o->timeout_ms.  Caller owns *ret; free with
 * mysql_close().  On failure the status as mdb_status() says and err
 * "MariaDB is not reachable (WHERE): message" or "MariaDB refused the
 * connection (WHERE): message".
 */
int mdb_connect(const struct mdb_conn_opts *o, const char *password,
		MYSQL **ret, struct vss_error *err);

/*
 * The writer failure for the last error of db: the server lost or not
 * answering (client errors), a lock wait timeout or a busy server:
 * VSS_E_WRITERERROR_RETRYABLE; a statement refused:
 * VSS_E_WRITERERROR_NONRETRYABLE.
 */
int mdb_status(MYSQL *db);

/* Run a statement that returns no rows; err "SQL: message". */
int mdb_exec(MYSQL *db, const char *sql, struct vss_error *err);

/* The most columns mdb_query_row() copies. */
#define MDB_ROW_MAX 16

/*
 * Run a query and copy the first row's n (at most MDB_ROW_MAX) columns into ret (NULL for SQL
 * NULL; caller frees each).  No row: every column NULL, returns 0; a
 * row: returns 1.
 */
int mdb_query_row(MYSQL *db, const char *sql, unsigned n, char **ret,
		  struct vss_error *err);

#endif
