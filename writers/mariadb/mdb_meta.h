/*
 * writers/mariadb/mdb_meta.h - the backup metadata of the MariaDB writer:
 * what it learns at freeze (binary log position, lock used) and what the
 * restore needs (data directory, pid file, InnoDB directories), stored as
 * JSON in the BCD (VSS_TEXT_BACKUP_METADATA of the component "server")
 * and read back at restore (docs/writer-mariadb.md "Backup metadata").
 */
#ifndef MDB_META_H
#define MDB_META_H

#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>

#define MDB_META_FORMAT "vss-mariadb-backup"
#define MDB_META_VERSION 1
/* The largest metadata document decoded (bytes). */
#define MDB_META_MAX (64u * 1024)

/* How writes were held across the snapshot. */
enum mdb_lock {
	MDB_LOCK_BACKUP_STAGE, /* BACKUP STAGE ... BLOCK_COMMIT */
	MDB_LOCK_FTWRL,        /* FLUSH TABLES WITH READ LOCK */
};

struct mdb_meta {
	char *server_version;            /* @@version */
	char *datadir;                   /* absolute, no trailing '/' */
	char *pid_file;                  /* absolute; "" if the server has none */
	char *innodb_data_home_dir;      /* absolute: where ibdata1 is */
	char *innodb_log_group_home_dir; /* absolute: where ib_logfile0 is */
	char *binlog_file;               /* file name only; "" without binlog */
	uint64_t binlog_position;        /* 0 without binlog */
	char *gtid_binlog_pos;           /* "" when none */
	enum mdb_lock lock;
};

/* Free the strings and zero m; m may be all zero. */
void mdb_meta_release(struct mdb_meta *m);

/* "backup_stage" or "ftwrl". */
const char *mdb_lock_name(enum mdb_lock lock);

/*
 * The JSON text of m (every string set).  Caller owns *ret_json; free
 * with free().  -EINVAL (err set) when m does not pass the decoder's
 * checks, -ENOMEM.
 */
int mdb_meta_encode(const struct mdb_meta *m, char **ret_json,
		    struct vss_error *err);

/*
 * Decode and check len bytes of JSON: an object with exactly the keys
 * mdb_meta_encode writes, format and version ours, paths absolute,
 * binlog_file a plain file name, gtid_binlog_pos of GTID characters.
 * *ret filled only on success (release with mdb_meta_release); -EINVAL
 * with err's message naming what is wrong, -ENOMEM.
 */
int mdb_meta_decode(const char *json, size_t len, struct mdb_meta *ret,
		    struct vss_error *err);

#endif
