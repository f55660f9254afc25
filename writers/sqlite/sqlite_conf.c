/*
 * writers/sqlite/sqlite_conf.c - the [sqlite] section of a vss-writerd
 * file (docs/writer-sqlite.md):
 *
 *   database = PATH [COMPONENT]   ; repeatable; COMPONENT default: the
 *                                 ; file name of PATH
 *   busy_timeout = SECONDS        ; default 5
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cleanpath.h"
#include "ini.h"
#include "sqlite_conf.h"

int
sqlite_state_new(void **ret)
{
	struct sqlite_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->busy_ms = SQLITE_DEFAULT_BUSY_MS;
	*ret = st;
	return 0;
}

void
sqlite_state_free(void *state)
{
	struct sqlite_state *st = state;

	if (!st)
		return;
	if (st->holds)
		sqlite_hold_close(st->holds, st->count);
	for (size_t i = 0; i < st->count; i++) {
		free(st->dbs[i].path);
		free(st->dbs[i].component);
	}
	free(st->dbs);
	free(st->holds);
	free(st);
}

/* A clean absolute path short enough for "-journal" to be added. */
static bool
good_path(const char *p)
{
	return wpath_clean(p) && strcmp(p, "/") != 0 &&
	       strlen(p) + sizeof("-journal") <= PATH_MAX;
}

static int
add_database(struct sqlite_state *st, const char *value,
	     struct vss_error *err)
{
	char *copy = NULL, *word[2];
	const char *path, *name;
	struct sqlite_db *dbs, *db;
	int n, r = -EINVAL;

	n = wini_words(value, &copy, word, 2, err);
	if (n < 0)
		return n;
	if (n == 0) {
		wini_seterr(err, "expected PATH [COMPONENT]");
		goto out;
	}
	path = word[0];
	if (!good_path(path)) {
		wini_seterr(err, "'%s' is not a clean absolute path", path);
		goto out;
	}
	/* The file name is the file spec of the database's file set. */
	if (strpbrk(strrchr(path, '/'), "*?")) {
		wini_seterr(err, "'%s': a file name with '*' or '?'", path);
		goto out;
	}
	name = n == 2 ? word[1] : strrchr(path, '/') + 1;
	if (strpbrk(name, "\\/")) {
		wini_seterr(err, "component name '%s' has '\\' or '/'", name);
		goto out;
	}
	for (size_t i = 0; i < st->count; i++) {
		if (!strcmp(st->dbs[i].path, path)) {
			wini_seterr(err, "database %s is already listed",
				    path);
			goto out;
		}
		if (!strcmp(st->dbs[i].component, name)) {
			wini_seterr(err, "component '%s' is already %s", name,
				    st->dbs[i].path);
			goto out;
		}
	}
	if (st->count == SQLITE_MAX_DATABASES) {
		wini_seterr(err, "more than %d databases",
			    SQLITE_MAX_DATABASES);
		goto out;
	}
	r = -ENOMEM;
	dbs = realloc(st->dbs, (st->count + 1) * sizeof(*dbs));
	if (!dbs)
		goto out;
	st->dbs = dbs;
	db = &dbs[st->count];
	memset(db, 0, sizeof(*db));
	db->path = strdup(path);
	db->component = strdup(name);
	if (!db->path || !db->component) {
		free(db->path);
		free(db->component);
		goto out;
	}
	st->count++;
	r = 0;
out:
	free(copy);
	return r;
}

int
sqlite_config_key(void *state, const char *key, const char *value,
		  struct vss_error *err)
{
	struct sqlite_state *st = state;

	if (!strcmp(key, "database"))
		return add_database(st, value, err);
	if (!strcmp(key, "busy_timeout"))
		return wini_seconds(&st->busy_ms, value, err);
	return wini_unknown(err, "key", key, "database, busy_timeout");
}

int
sqlite_config_done(void *state, struct wdecl *decl, struct vss_error *err)
{
	struct sqlite_state *st = state;

	if (st->count == 0) {
		wini_seterr(err, "[sqlite] lists no database");
		return -EINVAL;
	}
	/* There is no service to stop and start: the application keeps
	 * its connections, and the restore would replace files under them. */
	if (decl->has_restore_method &&
	    (decl->restore_method == VSS_RME_STOP_RESTORE_START ||
	     decl->restore_method == VSS_RME_RESTORE_STOP_START)) {
		wini_seterr(err, "[restore] method %s: the SQLite writer "
				 "cannot use a service restore method (the "
				 "databases' applications are not services "
				 "it knows); use restore_if_can_replace",
			    vss_restore_method_str(decl->restore_method));
		return -EINVAL;
	}
	/* No other connection can be open on a database restored in place
	 * (pre_restore checks), and post_restore must always run: it removes
	 * what is left of the old database and checks the new one. */
	if (!decl->has_restore_method) {
		decl->has_restore_method = true;
		decl->restore_method = VSS_RME_RESTORE_IF_CAN_REPLACE;
		decl->writer_restore = VSS_WRE_ALWAYS;
	}
	st->holds = calloc(st->count, sizeof(*st->holds));
	if (!st->holds)
		return -ENOMEM;
	for (size_t i = 0; i < st->count; i++)
		sqlite_hold_init(&st->holds[i], st->dbs[i].path);
	return 0;
}
