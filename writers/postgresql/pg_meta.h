/*
 * writers/postgresql/pg_meta.h - the backup metadata the PostgreSQL writer
 * stores on the cluster component at backup (VSS_TEXT_BACKUP_METADATA)
 * and reads back at restore: a JSON object
 *
 *   {"format": "vss-postgresql-backup", "version": 1,
 *    "data_directory": "/var/lib/postgresql/15/main",
 *    "wal_directory": "/var/lib/postgresql/15/main/pg_wal",
 *    "server_version": 150004,
 *    "start_lsn": "0/2000028", "stop_lsn": "0/2000100",
 *    "backup_label": "START WAL LOCATION: ...", "tablespace_map": "",
 *    "tablespaces": [{"oid": 16384, "name": "ts1", "location": "/srv/ts1"}]}
 *
 * The paths are those of the backup's host, resolved (no symbolic links).
 * It comes back from a backup set, so decoding trusts nothing: every key
 * is required, no other key is taken, every value is checked (paths
 * clean and absolute: cleanpath.h).
 */
#ifndef PG_META_H
#define PG_META_H

#include <stdbool.h>
#include <stddef.h>

#include <vss/metadata.h>

#include "pg_layout.h"

#define PG_META_FORMAT "vss-postgresql-backup"
#define PG_META_VERSION 1

/* Limits of what decoding accepts. */
#define PG_META_MAX_SIZE (1024 * 1024)  /* the whole document */
#define PG_META_MAX_LABEL (64 * 1024)   /* backup_label */
#define PG_META_MAX_MAP (512 * 1024)    /* tablespace_map */
#define PG_META_MAX_PATH 4096
#define PG_META_MAX_NAME 63             /* NAMEDATALEN - 1 */
#define PG_META_MAX_TABLESPACES 1024

struct pg_meta {
	char *data_directory;
	char *wal_directory; /* data_directory/pg_wal, or where it links */
	int server_version;
	char *start_lsn;
	char *stop_lsn;
	char *backup_label;
	char *tablespace_map; /* "" without tablespaces */
	struct pg_tablespace *tablespaces;
	size_t n_tablespaces;
};

/* Frees what m holds and empties it; NULL-safe. */
void pg_meta_release(struct pg_meta *m);

/* The JSON text of m; caller owns *ret, free with free(). */
int pg_meta_encode(const struct pg_meta *m, char **ret);

/*
 * Decode len bytes of text.  On success *ret holds the metadata (caller
 * releases it with pg_meta_release()); on failure -EBADMSG (or -ENOMEM)
 * with err's message saying what is wrong, and *ret untouched.
 */
int pg_meta_decode(const char *text, size_t len, struct pg_meta *ret,
		   struct vss_error *err);

#endif
