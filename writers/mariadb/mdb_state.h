/*
 * writers/mariadb/mdb_state.h - the server's layout as the writer last
 * saw it, kept in vss-writerd's state directory (wd_state_save()) so
 * that a writer restarted while the server is down for a restore can
 * still describe it:
 *
 *   {"format": "vss-mariadb-state", "version": 1,
 *    "server_version": "10.11.6-MariaDB-0+deb12u1",
 *    "datadir": "/var/lib/mysql",
 *    "innodb_data_home_dir": "/var/lib/mysql",
 *    "innodb_log_group_home_dir": "/var/lib/mysql",
 *    "innodb_undo_directory": "/var/lib/mysql",
 *    "log_bin_basename": null, "pid_file": "/run/mysqld/mysqld.pid",
 *    "socket": "/run/mysqld/mysqld.sock"}
 *
 * The paths as mdb_layout_resolve() made them.  Decoding is strict all
 * the same: every key required, no other key taken, paths clean and
 * absolute (null only for the last three).
 */
#ifndef MDB_STATE_H
#define MDB_STATE_H

#include <stddef.h>

#include <vss/metadata.h>

#include "mdb_layout.h"

#define MDB_STATE_FORMAT  "vss-mariadb-state"
#define MDB_STATE_VERSION 1
/* Limits of what decoding takes (bytes). */
#define MDB_STATE_MAX	      (64 * 1024)
#define MDB_STATE_MAX_PATH    4096
#define MDB_STATE_MAX_VERSION 256

/* The JSON text of p; caller owns *ret, free with free().  -ENOMEM. */
int mdb_state_encode(const struct mdb_paths *p, char **ret);

/*
 * Decode len bytes of text into *ret (caller releases it with
 * mdb_paths_release()).  -EBADMSG with err's message set, or -ENOMEM;
 * *ret untouched on failure.
 */
int mdb_state_decode(const char *text, size_t len, struct mdb_paths *ret,
		     struct vss_error *err);

#endif
