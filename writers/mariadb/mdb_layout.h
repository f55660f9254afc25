/*
 * writers/mariadb/mdb_layout.h - where a MariaDB server keeps its files,
 * and the component "server" that covers them: the data directory, the
 * InnoDB and binary log directories outside it, without the pid file and
 * the socket (docs/writer-mariadb.md "What is backed up").
 */
#ifndef MDB_LAYOUT_H
#define MDB_LAYOUT_H

#include <stdbool.h>

#include <mysql.h>

#include <vss/metadata.h>

#define MDB_COMPONENT "server"

/*
 * The server's variables; after mdb_layout_resolve() every path is
 * absolute, normalised and without a trailing '/', NULL when unset.
 */
struct mdb_paths {
	char *version;                   /* @@version */
	char *datadir;                   /* @@datadir */
	char *innodb_data_home_dir;      /* "" in the server: datadir */
	char *innodb_log_group_home_dir; /* "./" in the server: datadir */
	char *innodb_undo_directory;     /* "./" in the server: datadir */
	char *log_bin_basename;          /* NULL without a binary log */
	char *pid_file;
	char *socket;
};

void mdb_paths_release(struct mdb_paths *p);
/* A deep copy of src into *ret; -ENOMEM. */
int mdb_paths_copy(struct mdb_paths *ret, const struct mdb_paths *src);

/* Read the variables from the server (not resolved). */
int mdb_layout_query(MYSQL *db, struct mdb_paths *ret, struct vss_error *err);

/*
 * Make the paths absolute (relative ones are relative to the data
 * directory, empty InnoDB ones are the data directory) and normalised.
 * -EINVAL with err set when the data directory is not absolute.
 */
int mdb_layout_resolve(struct mdb_paths *p, struct vss_error *err);

/*
 * Add the component "server" and the writer excludes of a resolved
 * layout to wmd.
 */
int mdb_layout_fill_wmd(const struct mdb_paths *p, vss_wmd *wmd,
			struct vss_error *err);

#endif
