/*
 * writers/mariadb/mdb_stage.h - holding writes across the snapshot on one
 * session: BACKUP STAGE START, FLUSH, BLOCK_DDL before the freeze,
 * BLOCK_COMMIT at the freeze with the binary log position read under it,
 * END at the thaw; FLUSH TABLES WITH READ LOCK ... UNLOCK TABLES where the
 * server has no BACKUP STAGE (MariaDB before 10.4.1, MySQL) or refuses it
 * as unknown.
 */
#ifndef MDB_STAGE_H
#define MDB_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <mysql.h>

#include <vss/metadata.h>

#include "mdb_meta.h"

struct mdb_stage {
	enum mdb_lock lock;     /* chosen at mdb_stage_prepare() */
	bool started;           /* BACKUP STAGE START ... until END */
	bool blocking;          /* BLOCK_COMMIT or the read lock held */
	char fallback[480];     /* why FTWRL is used although MariaDB
				 * should have BACKUP STAGE; "" if not */
};

/*
 * The lock a server offers by its version string (mysql_get_server_info)
 * and number (mysql_get_server_version: 100401 for 10.4.1).
 */
enum mdb_lock mdb_stage_choose(const char *server_info,
			       unsigned long server_version);

/*
 * Before the freeze: BACKUP STAGE START, FLUSH and BLOCK_DDL (DDL is
 * blocked from here to the thaw, DML goes on), or nothing for FTWRL.  A
 * writer failure status with err set; what was started is ended.
 */
int mdb_stage_prepare(struct mdb_stage *st, MYSQL *db, struct vss_error *err);

/* CLOCK_MONOTONIC in ms: the clock of mdb_stage_freeze()'s deadline. */
uint64_t mdb_now_ms(void);

/*
 * The freeze, all of it by deadline_ms (mdb_now_ms() clock): BACKUP STAGE
 * BLOCK_COMMIT (or FLUSH TABLES WITH READ LOCK), FLUSH NO_WRITE_TO_BINLOG
 * ENGINE LOGS (the InnoDB redo of every binlogged commit on disk), then
 * the binary log position (SHOW MASTER STATUS, or SHOW BINARY LOG STATUS
 * where that is refused as unknown; empty without a binary log) and
 * @@gtid_binlog_pos into m, with m->lock.  Each statement gets the time
 * left; VSS_E_WRITERERROR_TIMEOUT when none is.  On failure the lock may
 * still be held: mdb_stage_end() gives it up.
 */
int mdb_stage_freeze(struct mdb_stage *st, MYSQL *db, uint64_t deadline_ms,
		     struct mdb_meta *m, struct vss_error *err);

/*
 * The thaw: BACKUP STAGE END (or UNLOCK TABLES) if anything is held;
 * nothing is held afterwards whatever the result.  A failure here means
 * the session was lost, and with it the lock, maybe before the snapshot.
 */
int mdb_stage_end(struct mdb_stage *st, MYSQL *db, struct vss_error *err);

/* Is anything held that mdb_stage_end() would give up? */
bool mdb_stage_held(const struct mdb_stage *st);

#endif
