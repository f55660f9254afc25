/*
 * writers/mariadb/mdb_restore.h - the MariaDB writer at restore: the
 * server must be stopped before its files are replaced (pre_restore), and
 * the restored data directory gets the backup's binary log position and
 * loses a restored pid file (post_restore).  InnoDB crash recovery at the
 * next start makes the files consistent.
 */
#ifndef MDB_RESTORE_H
#define MDB_RESTORE_H

#include <stdbool.h>

#include <vss/metadata.h>

#include "mdb_meta.h"

/* The file written into the restored data directory. */
#define MDB_POSITION_FILE "vss-binlog-position"

/*
 * Where the data directory is restored, checked: m (from the requester's
 * document) must name the data directory the writer knows from its last
 * identify (known_datadir; NULL: none, refused), and every new target of
 * c (NULL: none) must go to a clean absolute path.  *ret_target is the
 * destination of the new target for the data directory, else the data
 * directory; caller owns, free with free().  -EINVAL with err set, or
 * -ENOMEM.
 */
int mdb_restore_target(const vss_bcd_component *c, const struct mdb_meta *m,
		       const char *known_datadir, char **ret_target,
		       struct vss_error *err);

/*
 * Is the server stopped?  Its pid file (m->pid_file, moved into target
 * when it lies in the data directory) names no live process, and no
 * other process has ibdata1 or ib_logfile0 open.  0 when stopped;
 * VSS_E_WRITERERROR_RETRYABLE with err "MariaDB is running (pid N) on
 * DATADIR; stop it before restoring" (or naming the process that holds a
 * file) when not; another negative status with err set when it cannot
 * tell.
 */
int mdb_restore_check_stopped(const struct mdb_meta *m, const char *target,
			      struct vss_error *err);

/*
 * The text of MDB_POSITION_FILE: comment lines, then key=value lines
 * (binlog_file, binlog_position, gtid_binlog_pos, server_version, lock).
 * Caller owns *ret; free with free().
 */
int mdb_restore_position_text(const struct mdb_meta *m, char **ret);

/*
 * After the files are back in target: with remove_pid (the server is
 * stopped), remove the restored pid file when m->pid_file lies directly
 * in the data directory (unlinkat on target's fd: no link followed, no
 * other place touched); write target/MDB_POSITION_FILE (mode 0640, owner
 * and group of target, durable: durable.h).  A negative errno with err
 * set.
 */
int mdb_restore_finish(const struct mdb_meta *m, const char *target,
		       bool remove_pid, struct vss_error *err);

#endif
