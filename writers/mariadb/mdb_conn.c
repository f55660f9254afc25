/*
 * writers/mariadb/mdb_conn.c - connecting to MariaDB with bounded
 * timeouts, running statements, and classifying errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include <vss/status.h>

#include "ini.h"
#include "mdb_conn.h"

/* The longest password file line read. */
#define PASSWORD_MAX 1024

void
mdb_conn_opts_init(struct mdb_conn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = MDB_DEFAULT_CONNECT_TIMEOUT_MS;
	o->timeout_ms = MDB_DEFAULT_TIMEOUT_MS;
}

void
mdb_conn_opts_release(struct mdb_conn_opts *o)
{
	if (o == NULL)
		return;
	free(o->socket);
	free(o->host);
	free(o->user);
	if (o->password != NULL)
		explicit_bzero(o->password, strlen(o->password));
	free(o->password);
	free(o->password_file);
	free(o->defaults_file);
	memset(o, 0, sizeof(*o));
}

void
mdb_conn_where(const struct mdb_conn_opts *o, char *buf, size_t size)
{
	if (o->socket != NULL)
		snprintf(buf, size, "socket %s", o->socket);
	else if (o->host != NULL && o->port != 0)
		snprintf(buf, size, "host %s port %u", o->host, o->port);
	else if (o->host != NULL)
		snprintf(buf, size, "host %s", o->host);
	else if (o->defaults_file != NULL)
		snprintf(buf, size, "as %s says", o->defaults_file);
	else
		snprintf(buf, size, "the default socket");
}

int
mdb_read_password_file(const char *path, char **ret_password,
		       bool *ret_loose, struct vss_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		int e = errno;

		wini_seterr(err, "password_file %s: %s", path, strerror(e));
		return -e;
	}

	struct stat st;
	char buf[PASSWORD_MAX + 1];
	ssize_t n = 0;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(fd, buf, PASSWORD_MAX);
	else
		errno = EINVAL;
	int e = errno;

	close(fd);
	if (n < 0 || !S_ISREG(st.st_mode)) {
		wini_seterr(err, "password_file %s: %s", path,
			    n < 0 ? strerror(e) : "not a regular file");
		return n < 0 ? -e : -EINVAL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	*ret_password = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (*ret_password == NULL)
		return -ENOMEM;
	*ret_loose = (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
	return 0;
}

static void
library_init(void)
{
	/* Not thread-safe, and mysql_init() would run it lazily on each of
	 * the hosted writers' threads at once. */
	mysql_library_init(0, NULL, NULL);
}

int
mdb_status(MYSQL *db)
{
	unsigned e = mysql_errno(db);

	if (e >= CR_MIN_ERROR && e <= CR_MAX_ERROR)
		return VSS_E_WRITERERROR_RETRYABLE;
	switch (e) {
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_CON_COUNT_ERROR:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
		return VSS_E_WRITERERROR_RETRYABLE;
	default:
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}
}

/* The read/write timeout and connect timeout of o, in whole seconds. */
static void
timeouts_s(const struct mdb_conn_opts *o, unsigned *ret_connect,
	   unsigned *ret_io)
{
	*ret_connect = (o->connect_timeout_ms + 999) / 1000;
	*ret_io = (o->timeout_ms + 999) / 1000;
}

static void
set_options(MYSQL *db, const struct mdb_conn_opts *o)
{
	unsigned connect_s, io_s;
	my_bool reconnect = 0;

	timeouts_s(o, &connect_s, &io_s);
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
	mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &io_s);
	mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &io_s);
	mysql_options(db, MYSQL_OPT_RECONNECT, &reconnect);
	mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (o->defaults_file != NULL)
		mysql_options(db, MYSQL_READ_DEFAULT_FILE, o->defaults_file);
}

/*
 * libmariadb reads the defaults file inside mysql_real_connect(), after
 * set_options(), and its values win: "reconnect" would let a lost
 * session (and with it the server's backup lock) come back silently,
 * and the timeouts would no longer be [mariadb]'s.  Reconnect is turned
 * off again; a timeout the file changed is refused.
 */
static int
enforce_options(MYSQL *db, const struct mdb_conn_opts *o,
		struct vss_error *err)
{
	static const struct {
		enum mysql_option opt;
		const char *key;
	} timeouts[] = {
		{ MYSQL_OPT_CONNECT_TIMEOUT, "connect-timeout" },
		{ MYSQL_OPT_READ_TIMEOUT, "read-timeout" },
		{ MYSQL_OPT_WRITE_TIMEOUT, "write-timeout" },
	};
	unsigned want[3], got;
	my_bool reconnect = 0;

	timeouts_s(o, &want[0], &want[1]);
	want[2] = want[1];
	for (size_t i = 0; i < 3; i++) {
		got = want[i];
		if (mysql_get_option(db, timeouts[i].opt, &got) == 0 &&
		    got != want[i]) {
			wini_seterr(err,
				    "defaults_file %s sets %s (%u s): the "
				    "[mariadb] timeouts govern the writer's "
				    "session; remove it from that file",
				    o->defaults_file, timeouts[i].key, got);
			return VSS_E_WRITERERROR_NONRETRYABLE;
		}
	}
	if (mysql_options(db, MYSQL_OPT_RECONNECT, &reconnect) != 0 ||
	    mysql_get_option(db, MYSQL_OPT_RECONNECT, &reconnect) != 0 ||
	    reconnect) {
		wini_seterr(err, "cannot turn off automatic reconnection");
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}
	return 0;
}

int
mdb_connect(const struct mdb_conn_opts *o, const char *password,
	    MYSQL **ret, struct vss_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	char where[300];

	pthread_once(&once, library_init);
	mdb_conn_where(o, where, sizeof(where));

	MYSQL *db = mysql_init(NULL);

	if (db == NULL) {
		wini_seterr(err, "MariaDB client: out of memory");
		return VSS_E_WRITERERROR_OUTOFRESOURCES;
	}
	set_options(db, o);
	int status;

	if (mysql_real_connect(db, o->host, o->user, password, NULL, o->port,
			       o->socket, 0) == NULL) {
		unsigned e = mysql_errno(db);

		status = mdb_status(db);

		wini_seterr(err, "MariaDB %s (%s): %s",
			    e >= CR_MIN_ERROR ? "is not reachable"
					      : "refused the connection",
			    where, mysql_error(db));
		mysql_close(db);
		return status;
	}
	if ((status = enforce_options(db, o, err)) < 0) {
		mysql_close(db);
		return status;
	}

	/* The server gives up waiting for a lock (BACKUP STAGE, FLUSH
	 * TABLES) before the client gives up reading the answer. */
	char sql[64];

	snprintf(sql, sizeof(sql), "SET SESSION lock_wait_timeout = %u",
		 o->timeout_ms / 1000 > 1 ? o->timeout_ms / 1000 - 1 : 1);
	int r = mdb_exec(db, sql, err);

	if (r < 0) {
		mysql_close(db);
		return r;
	}
	*ret = db;
	return 0;
}

int
mdb_exec(MYSQL *db, const char *sql, struct vss_error *err)
{
	if (mysql_query(db, sql) != 0) {
		wini_seterr(err, "%s: %s", sql, mysql_error(db));
		return mdb_status(db);
	}

	/* Statements that return rows anyway (SHOW ...) are drained. */
	MYSQL_RES *res = mysql_store_result(db);

	if (res != NULL)
		mysql_free_result(res);
	else if (mysql_field_count(db) != 0) {
		wini_seterr(err, "%s: %s", sql, mysql_error(db));
		return mdb_status(db);
	}
	return 0;
}

int
mdb_query_row(MYSQL *db, const char *sql, unsigned n, char **ret,
	      struct vss_error *err)
{
	char *vals[MDB_ROW_MAX] = { 0 };

	if (n > MDB_ROW_MAX)
		return -EINVAL;
	if (mysql_query(db, sql) != 0) {
		wini_seterr(err, "%s: %s", sql, mysql_error(db));
		return mdb_status(db);
	}

	MYSQL_RES *res = mysql_store_result(db);

	if (res == NULL) {
		bool no_rows = mysql_field_count(db) == 0;

		wini_seterr(err, "%s: %s", sql,
			    no_rows ? "returned no result" : mysql_error(db));
		return no_rows ? VSS_E_WRITERERROR_NONRETRYABLE
			       : mdb_status(db);
	}

	MYSQL_ROW row = mysql_fetch_row(res);
	unsigned long *lengths = row != NULL ? mysql_fetch_lengths(res) : NULL;
	int r = row != NULL ? 1 : 0;

	if (mysql_num_fields(res) < n) {
		wini_seterr(err, "%s: fewer than %u columns", sql, n);
		r = VSS_E_WRITERERROR_NONRETRYABLE;
	}
	for (unsigned i = 0; r == 1 && i < n; i++) {
		if (row[i] == NULL)
			continue;
		/* Values are text: a NUL byte inside is not a name or path. */
		if (memchr(row[i], '\0', lengths[i]) != NULL) {
			wini_seterr(err, "%s: column %u holds a NUL byte", sql,
				    i + 1);
			r = VSS_E_WRITERERROR_NONRETRYABLE;
		} else if ((vals[i] = strndup(row[i], lengths[i])) == NULL)
			r = -ENOMEM;
	}
	mysql_free_result(res);
	if (r < 0) {
		for (unsigned i = 0; i < n; i++)
			free(vals[i]);
		return r;
	}
	memcpy(ret, vals, n * sizeof(*ret));
	return r;
}
