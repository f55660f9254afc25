/*
 * writers/mariadb/mdb_writer.c - type = mariadb: the [mariadb] keys, the
 * event handlers and the one session kept from prepare_snapshot to
 * post_snapshot, on which BACKUP STAGE (or FLUSH TABLES WITH READ LOCK)
 * holds commits across the freeze (docs/writer-mariadb.md).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "backend.h"
#include "dbwriter.h"
#include "ini.h"
#include "mdb_conn.h"
#include "mdb_layout.h"
#include "mdb_meta.h"
#include "mdb_restore.h"
#include "mdb_stage.h"
#include "mdb_state.h"

struct mdb_writer {
	struct mdb_conn_opts conn;
	char *service;          /* restore: STOP_RESTORE_START with it */
	bool password_warned;   /* the loose password file, said once */
	struct mdb_paths known; /* the layout of the last identify that
				 * reached the server, or as the state file
				 * kept it; datadir NULL: none */
	char *saved;            /* the state text last saved, or NULL */

	/* The backup session: prepare_snapshot to post_snapshot. */
	MYSQL *session;
	struct mdb_stage stage;
	struct mdb_paths paths;
	struct mdb_meta meta;   /* the binary log position once frozen */
	bool frozen;            /* freeze read the position */
};

static int
mdb_state_new(void **ret)
{
	struct mdb_writer *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return -ENOMEM;
	mdb_conn_opts_init(&m->conn);
	*ret = m;
	return 0;
}

static void
mdb_state_free(void *state)
{
	struct mdb_writer *m = state;

	if (m == NULL)
		return;
	/* release() has closed the session before the state goes. */
	if (m->session != NULL)
		mysql_close(m->session);
	mdb_paths_release(&m->paths);
	mdb_paths_release(&m->known);
	free(m->saved);
	mdb_meta_release(&m->meta);
	mdb_conn_opts_release(&m->conn);
	free(m->service);
	free(m);
}

/* A path key: absolute. */
static int
set_path(char **slot, const char *key, const char *value,
	 struct vss_error *err)
{
	if (value[0] != '/') {
		wini_seterr(err, "%s must be an absolute path", key);
		return -EINVAL;
	}
	return wini_set_str(slot, value);
}

static int
mdb_config_key(void *state, const char *key, const char *value,
	       struct vss_error *err)
{
	struct mdb_writer *m = state;
	struct mdb_conn_opts *o = &m->conn;

	if (strcmp(key, "socket") == 0)
		return set_path(&o->socket, key, value, err);
	if (strcmp(key, "password_file") == 0)
		return set_path(&o->password_file, key, value, err);
	if (strcmp(key, "defaults_file") == 0)
		return set_path(&o->defaults_file, key, value, err);
	if (strcmp(key, "port") == 0) {
		int r = wini_unsigned(&o->port, value, 65535, err);

		if (r == 0 && o->port == 0) {
			wini_seterr(err, "port 0 is not a port");
			r = -EINVAL;
		}
		return r;
	}
	if (strcmp(key, "connect_timeout") == 0)
		return wini_seconds(&o->connect_timeout_ms, value, err);
	if (strcmp(key, "timeout") == 0)
		return wini_seconds(&o->timeout_ms, value, err);

	char **slot = strcmp(key, "host") == 0       ? &o->host
		      : strcmp(key, "user") == 0     ? &o->user
		      : strcmp(key, "password") == 0 ? &o->password
		      : strcmp(key, "service") == 0  ? &m->service
						     : NULL;

	if (slot == NULL) {
		wini_seterr(err, "unknown key");
		return -EINVAL;
	}
	if (value[0] == '\0' && slot != &o->password) {
		wini_seterr(err, "empty value");
		return -EINVAL;
	}
	return wini_set_str(slot, value);
}

static int
mdb_config_done(void *state, struct wdecl *decl, struct vss_error *err)
{
	struct mdb_writer *m = state;
	const struct mdb_conn_opts *o = &m->conn;

	if (o->socket != NULL && (o->host != NULL || o->port != 0)) {
		wini_seterr(err, "[mariadb] socket and host/port exclude "
				 "each other");
		return -EINVAL;
	}
	if (o->password != NULL && o->password_file != NULL) {
		wini_seterr(err, "[mariadb] password and password_file "
				 "exclude each other");
		return -EINVAL;
	}
	if (o->connect_timeout_ms == 0 || o->timeout_ms < 1000) {
		wini_seterr(err, "[mariadb] connect_timeout must be above 0 "
				 "and timeout at least 1 second");
		return -EINVAL;
	}
	/* libmariadb counts its timeouts in whole seconds: the freeze's
	 * budget (half the window) must hold one. */
	if (wdb_freeze_window_ms(decl) < 2000) {
		wini_seterr(err, "[writer] freeze_timeout_ms must be at least "
				 "2000 for the MariaDB writer (its lock "
				 "wait gets half, in whole seconds)");
		return -EINVAL;
	}
	/* The server must be down while its files are replaced: a service
	 * to stop, or the administrator stops it (pre_restore checks). */
	return wdb_restore_defaults(decl, m->service);
}

/*
 * A session with the server, the password read afresh; for_freeze: the
 * session that holds the lock, whose client timeouts are the freeze's
 * lock budget (dbwriter.h): the last resort should the server not end a
 * statement by the freeze's deadline (mdb_stage_freeze()).
 */
static int
writer_connect(struct wd_writer *w, bool for_freeze, MYSQL **ret,
	       struct vss_error *err)
{
	struct mdb_writer *m = wd_writer_state(w);
	struct mdb_conn_opts opts = m->conn;
	char *password = NULL;
	int r;

	/* At least 1000: config_done refuses a window under 2 s. */
	if (for_freeze)
		opts.timeout_ms =
			wdb_lock_wait_ms(wd_writer_decl(w), opts.timeout_ms);
	if (m->conn.password_file != NULL) {
		bool loose = false;

		r = mdb_read_password_file(m->conn.password_file, &password,
					   &loose, err);
		if (r < 0)
			return r == -ENOMEM ? VSS_E_WRITERERROR_OUTOFRESOURCES
					    : VSS_E_WRITERERROR_NONRETRYABLE;
		if (loose && !m->password_warned)
			wd_log(w, WD_LOG_WARNING,
			       "password_file %s is readable by group or "
			       "others",
			       m->conn.password_file);
		m->password_warned = loose;
	}
	r = mdb_connect(&opts,
			password != NULL ? password : m->conn.password, ret,
			err);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return r;
}

/* The server's layout, resolved. */
static int
query_layout(MYSQL *db, struct mdb_paths *ret, struct vss_error *err)
{
	int r = mdb_layout_query(db, ret, err);

	if (r == 0 && (r = mdb_layout_resolve(ret, err)) < 0) {
		mdb_paths_release(ret);
		r = VSS_E_WRITERERROR_NONRETRYABLE;
	}
	return r;
}

/*
 * Identify with the server down: a writer that has seen the server
 * describes it as it was then, because the server is stopped on purpose
 * for a restore (the restore method), and a writer failed at identify
 * would be left out of it: no pre_restore check, no post_restore.  What
 * it saw is kept in its state file too, so that a vss-writerd restarted
 * while the server is down (after a reboot, say) still describes it.
 * One that has neither has nothing to describe.
 */

/* Keep the layout an identify saw in the state file, if it changed. */
static void
save_layout(struct wd_writer *w, struct mdb_writer *m,
	    const struct mdb_paths *p)
{
	char *text;

	if (mdb_state_encode(p, &text) < 0) {
		wd_log(w, WD_LOG_WARNING, "cannot save the server's layout: "
					  "out of memory");
		return;
	}
	wd_state_save_changed(w, &m->saved, text);
}

/* The layout in the state file into m->known (empty before); 0 or <0. */
static int
load_layout(struct wd_writer *w, struct mdb_writer *m)
{
	struct vss_error err = { 0 };
	char *text;
	int r = wd_state_load(w, &text);

	if (r < 0)
		return r;
	r = mdb_state_decode(text, strlen(text), &m->known, &err);
	free(text);
	if (r == -EBADMSG)
		wd_log(w, WD_LOG_WARNING, "state file refused: %s",
		       err.message);
	return r;
}

static int
mdb_identify(vss_writer *vw, vss_wmd *wmd, void *u)
{
	struct wd_writer *w = u;
	struct mdb_writer *m = wd_writer_state(w);
	const struct wdecl *decl = wd_writer_decl(w);
	struct vss_error err = { 0 };
	struct mdb_paths paths = { 0 };
	MYSQL *db = NULL;
	int r = writer_connect(w, false, &db, &err);

	if (r == 0) {
		r = query_layout(db, &paths, &err);
		mysql_close(db);
		if (r == 0) {
			mdb_paths_release(&m->known);
			r = mdb_paths_copy(&m->known, &paths);
		}
		if (r == 0)
			save_layout(w, m, &paths);
	} else if (r == VSS_E_WRITERERROR_RETRYABLE &&
		   m->known.datadir != NULL) {
		wd_log(w, WD_LOG_NOTICE,
		       "%s; describing the server as last seen (datadir %s)",
		       err.message, m->known.datadir);
		r = mdb_paths_copy(&paths, &m->known);
	} else if (r == VSS_E_WRITERERROR_RETRYABLE &&
		   load_layout(w, m) == 0) {
		wd_log(w, WD_LOG_WARNING,
		       "%s; describing the server as the state file keeps it "
		       "(datadir %s)",
		       err.message, m->known.datadir);
		r = mdb_paths_copy(&paths, &m->known);
	}
	if (r == -ENOMEM) {
		mdb_paths_release(&paths);
		return wd_identify_fail(w, vw, VSS_E_WRITERERROR_OUTOFRESOURCES,
					"out of memory");
	}
	if (r < 0)
		return wd_identify_fail(w, vw, r, "%s", err.message);
	/* The declared restore method and excludes, then ours. */
	if ((r = wdecl_fill_wmd(decl, wmd, &err)) == 0 &&
	    (r = vss_wmd_set_backup_schema(wmd, decl->backup_schema)) == 0)
		r = mdb_layout_fill_wmd(&paths, wmd, &err);
	mdb_paths_release(&paths);
	if (r < 0)
		return wd_identify_fail(w, vw, VSS_E_WRITERERROR_NONRETRYABLE,
					"%s", err.message);
	return 0;
}

static void
mdb_release(struct wd_writer *w)
{
	struct mdb_writer *m = wd_writer_state(w);

	if (m->session != NULL) {
		struct vss_error err = { 0 };

		if (mdb_stage_held(&m->stage) &&
		    mdb_stage_end(&m->stage, m->session, &err) < 0)
			wd_log(w, WD_LOG_WARNING,
			       "ending the backup lock: %s (the server drops "
			       "it with the session)",
			       err.message);
		mysql_close(m->session);
		m->session = NULL;
	}
	m->stage = (struct mdb_stage){ 0 };
	m->frozen = false;
	mdb_paths_release(&m->paths);
	mdb_meta_release(&m->meta);
}

static int
mdb_prepare_backup(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	enum vss_backup_type t = vss_writer_event_backup_type(ev);

	if (!wdb_backup_type_ok(t))
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "MariaDB writer supports full and copy "
				     "backups, not %s",
				     vss_backup_type_str(t));
	return 0;
}

static int
mdb_prepare_snapshot(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct mdb_writer *m = wd_writer_state(w);
	struct vss_error err = { 0 };
	int r;

	mdb_release(w);
	if ((r = writer_connect(w, true, &m->session, &err)) < 0)
		return wd_event_fail(w, ev, r, "%s", err.message);
	if ((r = query_layout(m->session, &m->paths, &err)) == 0)
		r = mdb_stage_prepare(&m->stage, m->session, &err);
	if (r < 0) {
		mdb_release(w);
		return wd_event_fail(w, ev, r, "%s", err.message);
	}
	if (m->stage.fallback[0] != '\0')
		wd_log(w, WD_LOG_WARNING,
		       "BACKUP STAGE refused (%s): using FLUSH TABLES WITH "
		       "READ LOCK",
		       m->stage.fallback);
	wd_log(w, WD_LOG_INFO, "%s (server %s, datadir %s)",
	       m->stage.lock == MDB_LOCK_BACKUP_STAGE
		       ? "backup stage BLOCK_DDL"
		       : "FLUSH TABLES WITH READ LOCK at freeze",
	       m->paths.version, m->paths.datadir);
	return 0;
}

static int
mdb_freeze(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct mdb_writer *m = wd_writer_state(w);
	struct vss_error err = { 0 };

	if (m->session == NULL)
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "freeze without a MariaDB session "
				     "(prepare_snapshot did not succeed)");

	/* One deadline for all the freeze's statements (mdb_stage.h). */
	uint64_t deadline =
		mdb_now_ms() +
		wdb_lock_wait_ms(wd_writer_decl(w), m->conn.timeout_ms);
	int r = mdb_stage_freeze(&m->stage, m->session, deadline, &m->meta,
				 &err);

	if (r < 0)
		return wd_event_fail(w, ev, r, "%s", err.message);
	m->frozen = true;
	wd_log(w, WD_LOG_INFO, "commits blocked; binary log at %s:%llu%s%s",
	       m->meta.binlog_file[0] ? m->meta.binlog_file : "(none)",
	       (unsigned long long)m->meta.binlog_position,
	       m->meta.gtid_binlog_pos[0] ? ", gtid " : "",
	       m->meta.gtid_binlog_pos);
	return 0;
}

static int
mdb_thaw(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct mdb_writer *m = wd_writer_state(w);
	struct vss_error err = { 0 };

	if (m->session == NULL || !m->frozen)
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "thaw without a freeze on the MariaDB "
				     "session");

	/* The lock lives as long as the session: if ending it fails, the
	 * session (and the lock) may have gone before the snapshot. */
	int r = mdb_stage_end(&m->stage, m->session, &err);

	if (r < 0)
		return wd_event_fail(w, ev, r,
				     "the lock may have been lost before the "
				     "snapshot: %s",
				     err.message);
	return 0;
}

/* The component "server" of this writer in the event's BCD, or NULL. */
static vss_bcd_component *
server_component(vss_writer_event *ev)
{
	vss_bcd_writer *bw = vss_writer_event_components(ev);

	return bw != NULL ? vss_bcd_writer_find_component(
				    bw, VSS_CT_FILEGROUP, NULL, MDB_COMPONENT)
			  : NULL;
}

/* Move what the restore needs from the session into m->meta. */
static int
complete_meta(struct mdb_writer *m)
{
	const struct mdb_paths *p = &m->paths;
	struct mdb_meta *meta = &m->meta;

	meta->server_version = strdup(p->version);
	meta->datadir = strdup(p->datadir);
	meta->pid_file = strdup(p->pid_file != NULL ? p->pid_file : "");
	meta->innodb_data_home_dir = strdup(p->innodb_data_home_dir);
	meta->innodb_log_group_home_dir = strdup(p->innodb_log_group_home_dir);
	if (meta->server_version == NULL || meta->datadir == NULL ||
	    meta->pid_file == NULL || meta->innodb_data_home_dir == NULL ||
	    meta->innodb_log_group_home_dir == NULL)
		return -ENOMEM;
	return 0;
}

static int
mdb_post_snapshot(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct mdb_writer *m = wd_writer_state(w);
	struct vss_error err = { 0 };
	vss_bcd_component *c = server_component(ev);
	char *json = NULL;
	int r;

	if (!m->frozen) {
		mdb_release(w);
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "post_snapshot without a freeze");
	}
	if ((r = complete_meta(m)) == 0)
		r = mdb_meta_encode(&m->meta, &json, &err);
	mdb_release(w);
	if (r == -ENOMEM)
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_OUTOFRESOURCES,
				     "out of memory");
	if (r < 0)
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "backup metadata: %s", err.message);
	if (c == NULL) {
		/* Not in component mode, or "server" not selected: there is
		 * no place for the metadata; the files are still good. */
		wd_log(w, WD_LOG_WARNING,
		       "no component %s in the backup: binary log position "
		       "not stored",
		       MDB_COMPONENT);
		free(json);
		return 0;
	}
	r = vss_bcd_component_set_text(c, VSS_TEXT_BACKUP_METADATA, json);
	free(json);
	if (r < 0)
		return wd_event_fail(w, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "storing the backup metadata: %s",
				     vss_strerror(r));
	return 0;
}

static int
mdb_abort(vss_writer *vw, vss_writer_event *ev, void *u)
{
	mdb_release(u);
	return 0;
}

/*
 * The backup metadata of the component restored, decoded; 1 when the
 * restore is not about the component (nothing to do).
 */
static int
restore_meta(struct wd_writer *w, vss_writer_event *ev,
	     vss_bcd_component **ret_c, struct mdb_meta *ret,
	     struct vss_error *err)
{
	vss_bcd_component *c = server_component(ev);

	if (!vss_bcd_component_restoring(c))
		return 1;
	*ret_c = c;

	const char *json = vss_bcd_component_text(c, VSS_TEXT_BACKUP_METADATA);

	if (json == NULL) {
		wini_seterr(err, "the backup holds no MariaDB backup metadata "
				 "for component %s",
			    MDB_COMPONENT);
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}

	int r = mdb_meta_decode(json, strlen(json), ret, err);

	if (r == -ENOMEM)
		return VSS_E_WRITERERROR_OUTOFRESOURCES;
	return r < 0 ? VSS_E_WRITERERROR_NONRETRYABLE : 0;
}

/*
 * With STOP_RESTORE_START the requester stops the service after
 * pre_restore and starts it again before post_restore: the server runs
 * at both, and its pid file is its own.
 */
static bool
service_restarted(struct wd_writer *w)
{
	const struct wdecl *d = wd_writer_decl(w);

	return d->has_restore_method &&
	       d->restore_method == VSS_RME_STOP_RESTORE_START;
}

static int
mdb_pre_restore(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct mdb_writer *m = wd_writer_state(w);
	struct vss_error err = { 0 };
	struct mdb_meta meta = { 0 };
	vss_bcd_component *c = NULL;
	int r = restore_meta(w, ev, &c, &meta, &err);

	if (r == 1)
		return 0;
	if (r == 0) {
		char *target = NULL;

		r = mdb_restore_target(c, &meta, m->known.datadir, &target,
				       &err);
		if (r == -EINVAL)
			r = VSS_E_WRITERERROR_NONRETRYABLE;
		else if (r == 0 && !service_restarted(w))
			r = mdb_restore_check_stopped(&meta, target, &err);
		if (r == -ENOMEM)
			r = VSS_E_WRITERERROR_OUTOFRESOURCES;
		free(target);
	}
	mdb_meta_release(&meta);
	if (r == 0)
		return 0;
	if (c != NULL)
		vss_bcd_component_set_text(c, VSS_TEXT_PRE_RESTORE_FAILURE_MSG,
					   err.message);
	return wd_event_fail(w, ev, r, "%s", err.message);
}

static int
mdb_post_restore(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct wd_writer *w = u;
	struct mdb_writer *m = wd_writer_state(w);
	struct vss_error err = { 0 };
	struct mdb_meta meta = { 0 };
	vss_bcd_component *c = NULL;
	int r = restore_meta(w, ev, &c, &meta, &err);

	if (r == 1)
		return 0;
	if (r < 0)
		return wd_event_fail(w, ev, r, "%s", err.message);

	enum vss_file_restore_status fs =
		vss_bcd_component_file_restore_status(c);
	char *target = NULL;

	if (fs != VSS_RS_ALL) {
		wd_log(w, WD_LOG_NOTICE,
		       "files of %s not restored (%s): nothing to do",
		       MDB_COMPONENT, vss_file_restore_status_str(fs));
		mdb_meta_release(&meta);
		return 0;
	}
	r = mdb_restore_target(c, &meta, m->known.datadir, &target, &err);
	if (r == 0)
		r = mdb_restore_finish(&meta, target, !service_restarted(w),
				       &err);
	if (r == 0)
		wd_log(w, WD_LOG_INFO,
		       "%s/%s written (binary log %s:%llu); InnoDB recovers "
		       "at the next start",
		       target, MDB_POSITION_FILE,
		       meta.binlog_file[0] ? meta.binlog_file : "(none)",
		       (unsigned long long)meta.binlog_position);
	free(target);
	mdb_meta_release(&meta);
	if (r < 0)
		return wd_event_fail(w, ev,
				     r == -ENOMEM
					     ? VSS_E_WRITERERROR_OUTOFRESOURCES
					     : VSS_E_WRITERERROR_NONRETRYABLE,
				     "%s", err.message);
	return 0;
}

const struct wd_backend wd_backend_mariadb = {
	.type = "mariadb",
	.class_id = "5996bd67-9a55-4cd5-8d13-018aaa8f8d4a",
	.default_name = "MariaDB",
	.usage = VSS_UT_USERDATA,
	.source = VSS_ST_TRANSACTEDDB,
	.decl_parts = WDECL_IDENTITY | WDECL_SCHEMA | WDECL_EXCLUDES |
		      WDECL_RESTORE,
	.state_new = mdb_state_new,
	.state_free = mdb_state_free,
	.config_key = mdb_config_key,
	.config_done = mdb_config_done,
	.release = mdb_release,
	.callbacks = {
		.size = sizeof(struct vss_writer_callbacks),
		.identify = mdb_identify,
		.prepare_backup = mdb_prepare_backup,
		.prepare_snapshot = mdb_prepare_snapshot,
		.freeze = mdb_freeze,
		.thaw = mdb_thaw,
		.post_snapshot = mdb_post_snapshot,
		.abort = mdb_abort,
		.pre_restore = mdb_pre_restore,
		.post_restore = mdb_post_restore,
	},
};
