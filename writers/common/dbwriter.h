/*
 * writers/common/dbwriter.h - the policy the database writers of
 * vss-writerd (postgresql, mariadb, sqlite) share: their default backup
 * schema and restore method, the backup types they take, and how much of
 * the freeze window a freeze may spend waiting for the application's
 * locks.
 */
#ifndef WDBWRITER_H
#define WDBWRITER_H

#include <stdbool.h>

#include <vss/types.h>

#include "decl.h"

/* The writer library's freeze window when the writer sets none (BK-060). */
#define WDB_DEFAULT_FREEZE_MS 60000u

/*
 * The defaults of a database writer, where the configuration file set
 * none: backup schema VSS_BS_COPY | VSS_BS_WRITER_SUPPORTS_NEW_TARGET;
 * restore method STOP_RESTORE_START with service when service is not
 * NULL (the requester stops the server), else RESTORE_IF_CAN_REPLACE
 * (the administrator stops it; pre_restore checks), and writer_restore
 * ALWAYS (post_restore always has work).  0 or -ENOMEM.
 */
int wdb_restore_defaults(struct wdecl *decl, const char *service);

/*
 * Does a database writer take backup type t?  Full and copy, and
 * VSS_BT_UNDEFINED: the requester did not say, which is taken as full.
 */
bool wdb_backup_type_ok(enum vss_backup_type t);

/* decl's freeze window (freeze to thaw) in ms, the default for 0. */
unsigned wdb_freeze_window_ms(const struct wdecl *decl);

/*
 * How long a freeze may wait for the application's locks: wanted_ms, but
 * at most half the freeze window, so that a freeze stuck behind a lock
 * fails while the window still has room for the snapshot.  Never more
 * than that half, whatever wanted_ms.
 */
unsigned wdb_lock_wait_ms(const struct wdecl *decl, unsigned wanted_ms);

#endif
