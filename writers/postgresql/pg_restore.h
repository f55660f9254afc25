/*
 * writers/postgresql/pg_restore.h - the PostgreSQL writer at restore:
 * where the backup's cluster goes, the check that no server runs on it
 * (pre_restore), and what recovery needs written into the restored data
 * directory (post_restore): docs/writer-postgresql.md "Restore".
 *
 * The backup metadata comes from a backup set: the paths it names are
 * used only when they are those of the cluster the writer serves (its
 * layout at the last identify, which always runs before a restore) or
 * when the requester gave them new targets.
 */
#ifndef PG_RESTORE_H
#define PG_RESTORE_H

#include <stdbool.h>
#include <sys/types.h>

#include <vss/metadata.h>

#include "newtarget.h"
#include "pg_layout.h"
#include "pg_meta.h"

/* Directories the restore recreates (empty, 0700) when missing. */
extern const char *const pg_restore_dirs[];

struct pg_restore_plan {
	struct pg_meta meta;      /* the backup metadata of the cluster */
	struct wtargets targets;  /* the requester's new targets */
	char *data_dir;           /* where the data directory is restored */
	char *wal_dir;            /* where the WAL directory is */
	bool wal_outside;         /* not in the data directory: pg_wal links */
	bool moved;               /* data_dir is not the cluster's own */
	char **locations;         /* per meta.tablespaces: where each goes */
	char *tablespace_map;     /* the map with those locations; "" if none */
};

/*
 * The cluster component of the writer's entry when it is being restored
 * (vss_bcd_component_restoring()), else NULL.  Borrowed from w.
 */
vss_bcd_component *pg_restore_cluster(vss_bcd_writer *w);

/*
 * The plan of the restore of cluster: its backup metadata decoded, and
 * the data directory, WAL directory and tablespace locations moved where
 * the new targets of w's components (the requester's, matched by file
 * set path) say.  A directory that is not moved (its new target, if any,
 * resolves to where it is) must be the same directory of known (the
 * layout of the last identify); when the data directory moves, the WAL
 * directory outside it and every tablespace must move too (a copy must
 * not overwrite the files of the cluster in place).  Returns 0 or
 * VSS_E_WRITERERROR_NONRETRYABLE (-ENOMEM) with err set.  Release with
 * pg_restore_plan_release().
 */
int pg_restore_plan_init(struct pg_restore_plan *p, vss_bcd_writer *w,
			 const vss_bcd_component *cluster,
			 const struct pg_layout *known, struct vss_error *err);
void pg_restore_plan_release(struct pg_restore_plan *p);

/*
 * pre_restore: is a server running on the plan's data directory?  0 when
 * not (no postmaster.pid, or its process is gone), and when
 * requester_stops (restore method STOP_RESTORE_START: the requester
 * stops the service after pre_restore) and the restore is in place;
 * VSS_E_WRITERERROR_RETRYABLE with err "PostgreSQL is running (pid N) on
 * DIR; stop it before restoring"; VSS_E_WRITERERROR_NONRETRYABLE when the
 * pid file cannot be read.
 */
int pg_restore_check_stopped(const struct pg_restore_plan *p,
			     bool requester_stops, struct vss_error *err);

/*
 * post_restore: make the restored data directory recover to the backup's
 * consistent point at the next start: the mode of the data directory
 * (and of the tablespace locations) 0700 when they have the owner of its
 * PG_VERSION; pg_wal linked to a WAL directory outside; the directories
 * of pg_restore_dirs made when missing (never through a symbolic link);
 * postmaster.pid removed; backup_label and tablespace_map (or none)
 * written, 0600, durably.  Nothing is written or removed while a server
 * runs there: when requester_restarts (STOP_RESTORE_START: the requester
 * has started the service again) and the restore is in place, that
 * returns 1 with *ret_pid its pid, else
 * VSS_E_WRITERERROR_RETRYABLE with err set.  0 when written;
 * VSS_E_WRITERERROR_NONRETRYABLE (-ENOMEM) with err set on failure.
 */
int pg_restore_write(const struct pg_restore_plan *p, bool requester_restarts,
		     pid_t *ret_pid, struct vss_error *err);

#endif
