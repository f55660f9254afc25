/*
 * writers/postgresql/pg_writer.c - type = postgresql: the [postgresql]
 * keys, the event handlers, and the one connection kept from
 * prepare_snapshot to post_snapshot on which the backup is started and
 * stopped (docs/writer-postgresql.md).
 *
 * PostgreSQL 15 ties a non-exclusive backup to the session that started
 * it: pg_backup_stop must run on the connection that ran
 * pg_backup_start, and the backup is cancelled when that connection
 * closes.  A one-shot freeze script cannot do that; a resident writer
 * can.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>
#include <vss/status.h>

#include "backend.h"
#include "dbwriter.h"
#include "ini.h"
#include "pg_conn.h"
#include "pg_label.h"
#include "pg_layout.h"
#include "pg_meta.h"
#include "pg_restore.h"
#include "pg_state.h"

#define PG_DEFAULT_CONNECT_TIMEOUT 10
#define PG_DEFAULT_STATEMENT_MS 60000u

struct pg_writer {
	struct pg_config cfg;
	struct pg_layout known; /* as the last identify that reached it saw,
				 * or as the state file kept it */
	char *saved;            /* the state text last saved, or NULL */

	/* The backup: prepare_snapshot to post_snapshot. */
	PGconn *session;
	struct pg_layout layout; /* its wal_dir; tablespaces moved to meta */
	struct pg_meta meta;     /* start at prepare_snapshot, stop at freeze */
	bool started;            /* pg_backup_start ran, no stop yet */
	bool stopped;            /* pg_backup_stop returned: meta complete */
	bool left_out;           /* prepare_backup: the cluster not selected */
	bool sitting_out;        /* this backup does not include the cluster */
};

static int
pg_state_new(void **ret)
{
	struct pg_writer *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->cfg.connect_timeout = PG_DEFAULT_CONNECT_TIMEOUT;
	p->cfg.statement_ms = PG_DEFAULT_STATEMENT_MS;
	p->cfg.fast_checkpoint = true;
	*ret = p;
	return 0;
}

/* End the backup session: closing it cancels a backup still running. */
static void
end_session(struct pg_writer *p)
{
	PQfinish(p->session);
	p->session = NULL;
	p->started = false;
	p->stopped = false;
	pg_layout_release(&p->layout);
	pg_meta_release(&p->meta);
}

static void
pg_state_free(void *state)
{
	struct pg_writer *p = state;

	if (!p)
		return;
	end_session(p);
	pg_layout_release(&p->known);
	free(p->saved);
	free(p->cfg.conninfo);
	free(p->cfg.service);
	free(p);
}

static int
pg_config_key(void *state, const char *key, const char *value,
	      struct vss_error *err)
{
	struct pg_writer *p = state;

	if (strcmp(key, "conninfo") == 0)
		return wini_set_str(&p->cfg.conninfo, value);
	if (strcmp(key, "service") == 0) {
		if (!value[0]) {
			wini_seterr(err, "empty value");
			return -EINVAL;
		}
		return wini_set_str(&p->cfg.service, value);
	}
	if (strcmp(key, "connect_timeout") == 0) {
		int r = wini_unsigned(&p->cfg.connect_timeout, value, 3600,
				      err);

		if (r == 0 && p->cfg.connect_timeout == 0) {
			wini_seterr(err, "connect_timeout must be at least 1 "
					 "second");
			r = -EINVAL;
		}
		return r;
	}
	if (strcmp(key, "statement_timeout") == 0) {
		int r = wini_seconds(&p->cfg.statement_ms, value, err);

		if (r == 0 && p->cfg.statement_ms == 0) {
			wini_seterr(err, "statement_timeout must be more than "
					 "0 seconds");
			r = -EINVAL;
		}
		return r;
	}
	if (strcmp(key, "checkpoint") == 0) {
		if (strcmp(value, "fast") == 0 || strcmp(value, "spread") == 0) {
			p->cfg.fast_checkpoint = strcmp(value, "fast") == 0;
			return 0;
		}
		return wini_unknown(err, "checkpoint", value, "fast, spread");
	}
	wini_seterr(err, "unknown key");
	return -EINVAL;
}

static int
pg_config_done(void *state, struct wdecl *decl, struct vss_error *err)
{
	struct pg_writer *p = state;
	PQconninfoOption *opts;
	char *msg = NULL;

	if (!p->cfg.conninfo) {
		wini_seterr(err, "[postgresql] conninfo is required");
		return -EINVAL;
	}
	opts = PQconninfoParse(p->cfg.conninfo, &msg);
	if (!opts) {
		size_t n = msg ? strlen(msg) : 0;

		while (n > 0 && msg[n - 1] == '\n')
			msg[--n] = '\0';
		wini_seterr(err, "[postgresql] conninfo: %s",
			    msg ? msg : "out of memory");
		PQfreemem(msg);
		return -EINVAL;
	}
	PQconninfoFree(opts);
	return wdb_restore_defaults(decl, p->cfg.service);
}

static void
pg_release(struct wd_writer *w)
{
	struct pg_writer *p = wd_writer_state(w);

	if (p->started)
		wd_log(w, WD_LOG_NOTICE, "backup in progress cancelled "
					 "(its session closed)");
	end_session(p);
}

/* A negative status of ours as a writer failure status. */
static int
writer_status(int r)
{
	if (r == -ENOMEM)
		return VSS_E_WRITERERROR_OUTOFRESOURCES;
	if (r == VSS_E_WRITERERROR_RETRYABLE ||
	    r == VSS_E_WRITERERROR_NONRETRYABLE ||
	    r == VSS_E_WRITERERROR_OUTOFRESOURCES ||
	    r == VSS_E_WRITERERROR_TIMEOUT)
		return r;
	return VSS_E_WRITERERROR_NONRETRYABLE;
}

/* ---- identify ------------------------------------------------------------ */

/*
 * Identify with the server down: a writer that has reached the server
 * describes the cluster as it was then, because the server is stopped on
 * purpose for a restore, and a writer failed at identify would be left
 * out of it (no pre_restore check, no backup label written).  What it saw
 * is kept in its state file too, so that a vss-writerd restarted while
 * the server is down (after a reboot, say) still describes it.  One that
 * has neither has nothing to describe: it fails, retryable, saying why
 * (docs/writer-postgresql.md "Restore").
 */

/* Keep the layout an identify saw in the state file, if it changed. */
static void
save_layout(struct wd_writer *w, struct pg_writer *p,
	    const struct pg_layout *l)
{
	char *text;

	if (pg_state_encode(l, &text) < 0) {
		wd_log(w, WD_LOG_WARNING, "cannot save the cluster's layout: "
					  "out of memory");
		return;
	}
	wd_state_save_changed(w, &p->saved, text);
}

/* The layout in the state file into p->known (empty before); 0 or <0. */
static int
load_layout(struct wd_writer *w, struct pg_writer *p)
{
	struct vss_error err = {0};
	char *text;
	int r;

	r = wd_state_load(w, &text);
	if (r < 0)
		return r;
	r = pg_state_decode(text, strlen(text), &p->known, &err);
	free(text);
	if (r == -EBADMSG)
		wd_log(w, WD_LOG_WARNING, "state file refused: %s",
		       err.message);
	return r;
}

static int
pg_identify(vss_writer *vw, vss_wmd *wmd, void *u)
{
	struct wd_writer *w = u;
	struct pg_writer *p = wd_writer_state(w);
	struct pg_layout l = {0};
	struct vss_error err = {0};
	struct pg_deadline d;
	PGconn *c;
	int r;

	pg_deadline_start(&d, p->cfg.statement_ms, "statement_timeout");
	r = pg_conn_open(&p->cfg, &c, &err);
	if (r == 0) {
		r = pg_conn_layout(c, &d, &l, &err);
		PQfinish(c);
		if (r == 0) {
			pg_layout_release(&p->known);
			r = pg_layout_copy(&p->known, &l);
		}
		if (r == 0)
			save_layout(w, p, &l);
	} else if (r == VSS_E_WRITERERROR_RETRYABLE && p->known.data_dir) {
		wd_log(w, WD_LOG_WARNING,
		       "%s; describing the cluster as last seen (%s)",
		       err.message, p->known.data_dir);
		r = pg_layout_copy(&l, &p->known);
	} else if (r == VSS_E_WRITERERROR_RETRYABLE && load_layout(w, p) == 0) {
		wd_log(w, WD_LOG_WARNING,
		       "%s; describing the cluster as the state file keeps it "
		       "(%s)", err.message, p->known.data_dir);
		r = pg_layout_copy(&l, &p->known);
	}
	if (r < 0) {
		pg_layout_release(&l);
		return wd_identify_fail(w, vw, writer_status(r), "%s",
					r == -ENOMEM ? "out of memory" :
						       err.message);
	}
	/* Schema, restore method and the file's own excludes first. */
	r = wdecl_fill_wmd(wd_writer_decl(w), wmd, &err);
	if (r == 0)
		r = pg_layout_fill_wmd(&l, wmd, &err);
	pg_layout_release(&l);
	if (r < 0)
		return wd_identify_fail(w, vw, writer_status(r), "%s",
					err.message);
	return 0;
}

/* ---- backup -------------------------------------------------------------- */

/*
 * A requester in component mode that did not select the cluster leaves
 * this writer's entry out of the document, or the cluster out of it; one
 * not in component mode has every writer take part.
 */
static int
pg_prepare_backup(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct pg_writer *p = wd_writer_state(u);
	enum vss_backup_type t = vss_writer_event_backup_type(ev);
	vss_bcd_writer *bw = vss_writer_event_components(ev);

	(void)vw;
	p->left_out = vss_writer_event_components_selected(ev) &&
		      (!bw || !vss_bcd_writer_find_component(
				      bw, VSS_CT_FILEGROUP, NULL,
				      PG_CLUSTER_COMPONENT));
	if (wdb_backup_type_ok(t))
		return 0;
	return wd_event_fail(u, ev, VSS_E_WRITERERROR_NONRETRYABLE,
			     "PostgreSQL writer supports full and copy backups, "
			     "not %s", vss_backup_type_str(t));
}

/*
 * The server does not stop writing while frozen: the data files of a
 * cluster spread over several file systems are consistent with the WAL
 * only when the provider takes their shadow copies at one point in time
 * (not one after the other), so say so when that is needed.
 */
static void
warn_spread(struct wd_writer *w, const struct pg_writer *p)
{
	struct stat data, other;
	size_t n = 0;

	if (stat(p->layout.data_dir, &data) < 0)
		return;
	if (stat(p->layout.wal_dir, &other) == 0 && other.st_dev != data.st_dev)
		n++;
	for (size_t i = 0; i < p->layout.n_tablespaces; i++)
		if (stat(p->layout.tablespaces[i].location, &other) == 0 &&
		    other.st_dev != data.st_dev)
			n++;
	if (n > 0)
		wd_log(w, WD_LOG_WARNING,
		       "the cluster spans %zu more file system(s) than its "
		       "data directory: the restore is consistent only if "
		       "their shadow copies are taken at one point in time",
		       n);
}

/*
 * Does this backup include the cluster?  Not when the requester did not
 * select its component (seen at prepare_backup: the events between carry
 * no backup components document), nor when its data directory is on no
 * volume of the set: then prepare_snapshot, freeze and post_snapshot do
 * nothing, and the server sees no connection.
 */
static bool
takes_part(struct wd_writer *w, const struct pg_writer *p,
	   vss_writer_event *ev)
{
	if (p->left_out) {
		wd_log(w, WD_LOG_INFO, "component '%s' is not in this backup: "
				       "nothing to do", PG_CLUSTER_COMPONENT);
		return false;
	}
	if (p->known.data_dir &&
	    !vss_writer_event_is_path_affected(ev, p->known.data_dir)) {
		wd_log(w, WD_LOG_INFO, "data directory %s is on no volume of "
				       "this backup: nothing to do",
		       p->known.data_dir);
		return false;
	}
	return true;
}

/*
 * A temporary replication slot on the backup's session keeps every WAL
 * segment from the backup's start until the snapshot (the slot goes when
 * the session ends).  Without one (no free slot, no REPLICATION
 * privilege) the backup goes on and freeze checks that the start segment
 * is still there.
 */
static int
reserve_wal(struct wd_writer *w, struct pg_writer *p,
	    const struct pg_deadline *d, const char *set_id,
	    struct vss_error *err)
{
	char slot[64];
	size_t n;
	int r;

	n = (size_t)snprintf(slot, sizeof(slot), "vss_");
	for (const char *s = set_id; *s && n + 1 < sizeof(slot); s++)
		if (isxdigit((unsigned char)*s))
			slot[n++] = (char)tolower((unsigned char)*s);
	slot[n] = '\0';
	r = pg_conn_reserve_wal(p->session, d, slot, err);
	if (r == 0)
		wd_log(w, WD_LOG_INFO, "WAL reserved by temporary slot %s",
		       slot);
	if (r == VSS_E_WRITERERROR_NONRETRYABLE) {
		wd_log(w, WD_LOG_WARNING,
		       "%s; the WAL from the backup's start is not reserved: "
		       "freeze fails if it is recycled before", err->message);
		return 0;
	}
	return r;
}

static int
pg_prepare_snapshot(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct pg_writer *p = wd_writer_state(w);
	struct vss_error err = {0};
	char id[VSS_ID_STRLEN], label[64];
	struct pg_deadline d;
	int r;

	(void)vw;
	end_session(p); /* nothing is left of an earlier backup */
	p->sitting_out = !takes_part(w, p, ev);
	if (p->sitting_out)
		return 0;
	/* One budget for the whole event, the checkpoint included. */
	pg_deadline_start(&d, p->cfg.statement_ms, "statement_timeout");
	vss_id_format(vss_writer_event_snapshot_set_id(ev), id);
	snprintf(label, sizeof(label), "vss %s", id);
	r = pg_conn_open(&p->cfg, &p->session, &err);
	if (r == 0)
		r = pg_conn_layout(p->session, &d, &p->layout, &err);
	if (r == 0)
		r = reserve_wal(w, p, &d, id, &err);
	if (r == 0)
		r = pg_conn_backup_start(p->session, &d, label,
					 p->cfg.fast_checkpoint,
					 &p->meta.start_lsn, &err);
	if (r < 0) {
		end_session(p);
		return wd_event_fail(w, ev, writer_status(r), "%s",
				     err.message);
	}
	p->started = true;
	warn_spread(w, p);
	p->meta.server_version = p->layout.server_version;
	p->meta.data_directory = p->layout.data_dir;
	p->layout.data_dir = NULL;
	p->meta.wal_directory = strdup(p->layout.wal_dir);
	p->meta.tablespaces = p->layout.tablespaces;
	p->meta.n_tablespaces = p->layout.n_tablespaces;
	p->layout.tablespaces = NULL;
	p->layout.n_tablespaces = 0;
	if (!p->meta.wal_directory) {
		end_session(p);
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_OUTOFRESOURCES,
				     "out of memory");
	}
	wd_log(w, WD_LOG_INFO, "backup '%s' started at %s (%s checkpoint)",
	       label, p->meta.start_lsn,
	       p->cfg.fast_checkpoint ? "fast" : "spread");
	return 0;
}

/*
 * The backup is stopped here, at freeze, not after the snapshot.
 * Recovery from a backup label must replay the WAL up to the backup's
 * end record, and the WAL the shadow copies hold ends where the snapshot
 * was taken: stopping before the snapshot puts the end record inside the
 * shadow copy set, so every WAL record needed for a consistent restore is
 * on the same snapshot set as the data files.  Stopped after the
 * snapshot, the end record would be in no copy, and the backup would need
 * WAL archiving to ever be consistent.  The writes between stop and
 * snapshot are harmless: the copy is taken later than the end record,
 * exactly as a file-by-file base backup is, and recovery replays them.
 */
static int
pg_freeze(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct pg_writer *p = wd_writer_state(w);
	char wal[PG_WAL_FILE_LEN + 1], path[4200];
	struct vss_error err = {0};
	struct pg_deadline d;
	struct stat st;
	int r;

	(void)vw;
	if (p->sitting_out)
		return 0;
	if (!p->started)
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "no backup in progress to stop");
	/* At most half the freeze window: the snapshot needs the rest. */
	pg_deadline_start(&d,
			  wdb_lock_wait_ms(wd_writer_decl(w),
					   wdb_freeze_window_ms(
						   wd_writer_decl(w))),
			  "half the freeze window");
	r = pg_conn_backup_stop(p->session, &d, &p->meta.stop_lsn,
				&p->meta.backup_label, &p->meta.tablespace_map,
				&err);
	if (r < 0) {
		/* Closing the session cancels the backup; a timed out one
		 * is in no state to go on anyway. */
		end_session(p);
		return wd_event_fail(w, ev, writer_status(r), "%s",
				     err.message);
	}
	p->started = false;
	p->stopped = true;
	r = pg_label_start_wal_file(p->meta.backup_label, wal, &err);
	if (r < 0)
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "%s", err.message);
	/* Segments are removed oldest first: with the first one there, the
	 * WAL from the start to the end record is all in pg_wal. */
	snprintf(path, sizeof(path), "%s/%s", p->layout.wal_dir, wal);
	if (stat(path, &st) < 0)
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_RETRYABLE,
				     "WAL segment %s, where the backup starts, "
				     "is gone from %s (%s); try again, or keep "
				     "more WAL (wal_keep_size)",
				     wal, p->layout.wal_dir, strerror(errno));
	wd_log(w, WD_LOG_INFO, "backup stopped at %s; WAL from %s is in %s",
	       p->meta.stop_lsn, wal, p->layout.wal_dir);
	return 0;
}

static int
pg_post_snapshot(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct pg_writer *p = wd_writer_state(w);
	vss_bcd_writer *bw = vss_writer_event_components(ev);
	vss_bcd_component *c;
	char *text = NULL;
	int r;

	(void)vw;
	if (p->sitting_out)
		return 0;
	if (!p->stopped) {
		end_session(p);
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "no stopped backup to record");
	}
	if (!vss_writer_event_components_selected(ev)) {
		end_session(p);
		wd_log(w, WD_LOG_NOTICE,
		       "the requester keeps no components (not in component "
		       "mode): the backup label is not stored, a restore of "
		       "these shadow copies recovers as from a crash");
		return 0;
	}
	c = bw ? vss_bcd_writer_find_component(bw, VSS_CT_FILEGROUP, NULL,
					       PG_CLUSTER_COMPONENT) :
		 NULL;
	if (!c) {
		end_session(p);
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "the backup does not include component "
				     "'%s': the backup label has no place to "
				     "go, the copy would not be restorable",
				     PG_CLUSTER_COMPONENT);
	}
	r = pg_meta_encode(&p->meta, &text);
	if (r == 0)
		r = vss_bcd_component_set_text(c, VSS_TEXT_BACKUP_METADATA,
					       text);
	free(text);
	end_session(p);
	if (r < 0)
		return wd_event_fail(w, ev, writer_status(r),
				     "storing the backup metadata: %s",
				     vss_strerror(r));
	return 0;
}

static int
pg_abort(vss_writer *vw, vss_writer_event *ev, void *u)
{
	(void)vw;
	(void)ev;
	pg_release(u);
	return 0;
}

/* ---- restore ------------------------------------------------------------- */

/*
 * Does the requester stop the service after pre_restore and start it
 * again before post_restore (cli/restore_run.c)?  Only for a restore in
 * place; the plan tells that.
 */
static bool
requester_restarts(const struct wd_writer *w)
{
	const struct wdecl *d = wd_writer_decl(w);

	return d->has_restore_method &&
	       (d->restore_method == VSS_RME_STOP_RESTORE_START ||
		d->restore_method == VSS_RME_RESTORE_STOP_START);
}

static int
pg_pre_restore(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct pg_writer *p = wd_writer_state(w);
	vss_bcd_writer *bw = vss_writer_event_components(ev);
	vss_bcd_component *c = pg_restore_cluster(bw);
	struct pg_restore_plan plan;
	struct vss_error err = {0};
	int r;

	(void)vw;
	if (!c)
		return 0;
	r = pg_restore_plan_init(&plan, bw, c, &p->known, &err);
	if (r == 0) {
		r = pg_restore_check_stopped(&plan, requester_restarts(w),
					     &err);
		pg_restore_plan_release(&plan);
	}
	if (r == 0)
		return 0;
	r = writer_status(r);
	vss_bcd_component_set_text(c, VSS_TEXT_PRE_RESTORE_FAILURE_MSG,
				   r == VSS_E_WRITERERROR_OUTOFRESOURCES ?
					   "out of memory" : err.message);
	return wd_event_fail(w, ev, r, "%s",
			     r == VSS_E_WRITERERROR_OUTOFRESOURCES ?
				     "out of memory" : err.message);
}

static int
pg_post_restore(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct pg_writer *p = wd_writer_state(w);
	vss_bcd_writer *bw = vss_writer_event_components(ev);
	vss_bcd_component *c = pg_restore_cluster(bw);
	enum vss_file_restore_status st;
	struct pg_restore_plan plan;
	struct vss_error err = {0};
	pid_t pid;
	int r;

	(void)vw;
	if (!c)
		return 0;
	st = vss_bcd_component_file_restore_status(c);
	if (st != VSS_RS_ALL) {
		wd_log(w, WD_LOG_NOTICE, "component '%s' not restored (%s): "
					 "no backup label written",
		       PG_CLUSTER_COMPONENT, vss_file_restore_status_str(st));
		return 0;
	}
	r = pg_restore_plan_init(&plan, bw, c, &p->known, &err);
	if (r < 0)
		return wd_event_fail(w, ev, writer_status(r), "%s",
				     r == -ENOMEM ? "out of memory" :
						    err.message);
	r = pg_restore_write(&plan, requester_restarts(w), &pid, &err);
	if (r == 1)
		wd_log(w, WD_LOG_WARNING,
		       "PostgreSQL (pid %d) already runs on %s, started by "
		       "the requester (service %s): it recovered from the "
		       "restored files by crash recovery, without the backup "
		       "label; that is consistent only if the cluster's "
		       "shadow copies were taken at one point in time (see "
		       "the warning at backup when it spans file systems); "
		       "nothing written",
		       (int)pid, plan.data_dir,
		       wd_writer_decl(w)->restore_service ?
			       wd_writer_decl(w)->restore_service : "?");
	else if (r == 0)
		wd_log(w, WD_LOG_INFO,
		       "%s: backup_label%s written; PostgreSQL recovers to %s "
		       "when started there",
		       plan.data_dir,
		       plan.tablespace_map[0] ? " and tablespace_map" : "",
		       plan.meta.stop_lsn);
	pg_restore_plan_release(&plan);
	if (r < 0)
		return wd_event_fail(w, ev, writer_status(r), "%s",
				     r == -ENOMEM ? "out of memory" :
						    err.message);
	return 0;
}

const struct wd_backend wd_backend_postgresql = {
	.type = "postgresql",
	.class_id = "47962783-475d-423c-9f7b-2b8c7f2db622",
	.default_name = "PostgreSQL",
	.usage = VSS_UT_USERDATA,
	.source = VSS_ST_TRANSACTEDDB,
	.decl_parts = WDECL_IDENTITY | WDECL_SCHEMA | WDECL_EXCLUDES |
		      WDECL_RESTORE,
	.state_new = pg_state_new,
	.state_free = pg_state_free,
	.config_key = pg_config_key,
	.config_done = pg_config_done,
	.release = pg_release,
	.callbacks = {
		.size = sizeof(struct vss_writer_callbacks),
		.identify = pg_identify,
		.prepare_backup = pg_prepare_backup,
		.prepare_snapshot = pg_prepare_snapshot,
		.freeze = pg_freeze,
		.post_snapshot = pg_post_snapshot,
		.abort = pg_abort,
		.pre_restore = pg_pre_restore,
		.post_restore = pg_post_restore,
	},
};
