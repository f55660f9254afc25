/*
 * writers/sqlite/sqlite_writer.c - type = sqlite: SQLite databases
 * (docs/writer-sqlite.md).  One selectable file group component per
 * database; each database's write lock held from freeze to thaw
 * (sqlite_hold.h); at restore, nobody may use the database before, and
 * what the old database left beside it goes after (sqlite_restore.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vss/status.h>

#include "backend.h"
#include "cleanpath.h"
#include "dbwriter.h"
#include "ini.h"
#include "sqlite_conf.h"

static struct sqlite_state *
state_of(void *userdata)
{
	return wd_writer_state(userdata);
}

/*
 * The database's component: the database file (an exact name: it must be
 * there, BK-141) and its -wal and -journal, which come and go with the
 * application's connections and transactions: a trailing '*' makes them
 * optional ("main.db-wal*" is "main.db-wal" in practice).  The -shm is
 * excluded: it is only an index of the -wal that SQLite rebuilds.
 */
static int
add_component(vss_wmd *wmd, const struct sqlite_db *db,
	      struct vss_error *err)
{
	static const char *const suffixes[] = {"", "-wal*", "-journal*"};
	const struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.name = db->component,
		.caption = db->path,
		.selectable = true,
	};
	char *dir = NULL, *base = NULL, spec[NAME_MAX + 16];
	int r;

	r = wpath_split(db->path, &dir, &base);
	if (r == 0)
		r = vss_wmd_add_component(wmd, &def);
	for (size_t i = 0; r >= 0 && i < 3; i++) {
		snprintf(spec, sizeof(spec), "%s%s", base, suffixes[i]);
		r = vss_wmd_add_files_to_file_group(wmd, NULL, db->component,
						    dir, spec, false, NULL, 0);
	}
	if (r >= 0) {
		snprintf(spec, sizeof(spec), "%s-shm", base);
		r = vss_wmd_add_exclude_files(wmd, dir, spec, false);
	}
	free(dir);
	free(base);
	if (r < 0)
		wini_seterr(err, "component '%s': %s", db->component,
			    vss_strerror(r));
	return r;
}

static int
on_identify(vss_writer *vw, vss_wmd *wmd, void *u)
{
	struct sqlite_state *st = state_of(u);
	struct vss_error err = {0};
	struct stat sb;
	int r;

	for (size_t i = 0; i < st->count; i++) {
		const char *path = st->dbs[i].path;

		if (stat(path, &sb) < 0 && errno == ENOENT)
			return wd_identify_fail(u, vw,
						VSS_E_WRITERERROR_RETRYABLE,
						"database %s is missing", path);
		if (stat(path, &sb) < 0)
			return wd_identify_fail(u, vw,
						VSS_E_WRITERERROR_RETRYABLE,
						"database %s: %s", path,
						strerror(errno));
		if (!S_ISREG(sb.st_mode))
			return wd_identify_fail(
				u, vw, VSS_E_WRITERERROR_NONRETRYABLE,
				"database %s is not a regular file", path);
	}
	for (size_t i = 0; i < st->count; i++) {
		r = add_component(wmd, &st->dbs[i], &err);
		if (r < 0)
			goto fail;
	}
	/* After the components: alternate location mappings name them. */
	r = wdecl_fill_wmd(wd_writer_decl(u), wmd, &err);
	if (r < 0)
		goto fail;
	return 0;
fail:
	return wd_identify_fail(u, vw, VSS_E_WRITERERROR_NONRETRYABLE,
				"metadata: %s", err.message);
}

/* The writer failure of a hold status: a lock held elsewhere, or a
 * missing database, may be gone next time. */
static int
hold_failure(int r)
{
	return r == -EBUSY || r == -ENOENT ? VSS_E_WRITERERROR_RETRYABLE
					   : VSS_E_WRITERERROR_NONRETRYABLE;
}

static int
on_prepare_snapshot(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct sqlite_state *st = state_of(u);
	struct vss_error err = {0};
	int r;

	(void)vw;
	sqlite_hold_close(st->holds, st->count);
	r = sqlite_hold_open(st->holds, st->count, st->busy_ms, &err);
	if (r < 0)
		return wd_event_fail(u, ev, hold_failure(r), "%s",
				     err.message);
	return 0;
}

static int
on_freeze(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct sqlite_state *st = state_of(u);
	/* Waiting for the locks must leave time of the freeze window. */
	unsigned wait_ms = wdb_lock_wait_ms(wd_writer_decl(u), st->busy_ms);
	struct vss_error err = {0};
	int r;

	(void)vw;
	r = sqlite_hold_freeze(st->holds, st->count, wait_ms, &err);
	if (r < 0)
		return wd_event_fail(u, ev, hold_failure(r), "%s",
				     err.message);
	return 0;
}

static int
on_thaw(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct sqlite_state *st = state_of(u);
	struct vss_error err = {0};

	(void)vw;
	if (sqlite_hold_thaw(st->holds, st->count, &err) < 0)
		return wd_event_fail(u, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "%s", err.message);
	return 0;
}

/* post_snapshot, abort, backup_shutdown: the connections go. */
static int
on_close(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct sqlite_state *st = state_of(u);

	(void)vw;
	(void)ev;
	sqlite_hold_close(st->holds, st->count);
	return 0;
}

static void
release(struct wd_writer *w)
{
	struct sqlite_state *st = wd_writer_state(w);

	sqlite_hold_close(st->holds, st->count);
	for (size_t i = 0; i < st->count; i++)
		st->dbs[i].mark.marked = false;
}

/*
 * The component of db in the restore's document, when the restore is
 * about it; NULL otherwise.  Without a document (not in component mode)
 * every database counts, with *ret_all set.
 */
static vss_bcd_component *
restoring(vss_bcd_writer *bw, const struct sqlite_db *db, bool *ret_all)
{
	vss_bcd_component *c;

	*ret_all = !bw;
	if (!bw)
		return NULL;
	c = vss_bcd_writer_find_component(bw, VSS_CT_FILEGROUP, NULL,
					  db->component);
	return vss_bcd_component_restoring(c) ? c : NULL;
}

static int
on_pre_restore(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct sqlite_state *st = state_of(u);
	vss_bcd_writer *bw = vss_writer_event_components(ev);
	struct vss_error err = {0};
	vss_bcd_component *c;
	bool all;
	int r;

	(void)vw;
	for (size_t i = 0; i < st->count; i++) {
		struct sqlite_db *db = &st->dbs[i];

		db->mark.marked = false;
		c = restoring(bw, db, &all);
		if (!c && !all)
			continue;
		r = sqlite_restore_check_unused(db->path, &err);
		if (r < 0) {
			if (c)
				vss_bcd_component_set_text(
					c, VSS_TEXT_PRE_RESTORE_FAILURE_MSG,
					err.message);
			return wd_event_fail(
				u, ev,
				r == -EBUSY ? VSS_E_WRITERERROR_RETRYABLE
					    : VSS_E_WRITERERROR_NONRETRYABLE,
				"database %s is in use: %s", db->path,
				err.message);
		}
		sqlite_restore_mark(db->path, &db->mark);
	}
	return 0;
}

/* After the files of db were restored (or not): clean up and check. */
static int
finish_one(struct wd_writer *w, struct sqlite_db *db, vss_bcd_component *c,
	   struct vss_error *err)
{
	struct sqlite_post_report rep;
	int r;

	r = sqlite_restore_post(db->path, c, &db->mark, &rep, err);
	if (rep.notice[0])
		wd_log(w, WD_LOG_NOTICE, "%s", rep.notice);
	if (r < 0)
		return r;
	if (rep.removed & SQLITE_REMOVED_WAL)
		wd_log(w, WD_LOG_NOTICE, "removed %s-wal: not in the backup",
		       db->path);
	if (rep.removed & SQLITE_REMOVED_JOURNAL)
		wd_log(w, WD_LOG_NOTICE,
		       "removed %s-journal: not in the backup", db->path);
	if (rep.checked[0])
		wd_log(w, WD_LOG_INFO, "database %s: quick_check ok",
		       rep.checked);
	return 0;
}

static int
on_post_restore(vss_writer *vw, vss_writer_event *ev, void *u)
{
	struct sqlite_state *st = state_of(u);
	vss_bcd_writer *bw = vss_writer_event_components(ev);
	struct vss_error err = {0}, one;
	vss_bcd_component *c;
	int r = 0;
	bool all;

	(void)vw;
	/* Every database is checked; the first failure is reported. */
	for (size_t i = 0; i < st->count; i++) {
		c = restoring(bw, &st->dbs[i], &all);
		if ((c || all) && finish_one(u, &st->dbs[i], c, &one) < 0) {
			if (r == 0)
				err = one;
			else
				wd_log(u, WD_LOG_ERR, "%s", one.message);
			r = -EIO;
		}
		st->dbs[i].mark.marked = false;
	}
	if (r < 0)
		return wd_event_fail(u, ev, VSS_E_WRITERERROR_NONRETRYABLE,
				     "%s", err.message);
	return 0;
}

const struct wd_backend wd_backend_sqlite = {
	.type = "sqlite",
	.class_id = "f5427a5a-9ac6-46bd-a92b-6bce7cfd1e2f",
	.default_name = "SQLite",
	.usage = VSS_UT_USERDATA,
	.source = VSS_ST_TRANSACTEDDB,
	.decl_parts = WDECL_IDENTITY | WDECL_SCHEMA | WDECL_EXCLUDES |
		      WDECL_RESTORE,
	.state_new = sqlite_state_new,
	.state_free = sqlite_state_free,
	.config_key = sqlite_config_key,
	.config_done = sqlite_config_done,
	.release = release,
	.callbacks = {
		.size = sizeof(struct vss_writer_callbacks),
		.identify = on_identify,
		.prepare_snapshot = on_prepare_snapshot,
		.freeze = on_freeze,
		.thaw = on_thaw,
		.post_snapshot = on_close,
		.abort = on_close,
		.backup_shutdown = on_close,
		.pre_restore = on_pre_restore,
		.post_restore = on_post_restore,
	},
};
