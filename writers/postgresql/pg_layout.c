/*
 * writers/postgresql/pg_layout.c - the files of a PostgreSQL cluster as
 * components and excludes.
 *
 * The component "cluster" holds the data directory (and the WAL directory
 * when pg_wal links elsewhere); each tablespace is a component below it,
 * not selectable on its own, so that selecting the cluster always takes
 * every tablespace along: a cluster without its tablespaces cannot start.
 * The excludes are those of the PostgreSQL manual ("Backup and Restore",
 * "Making a Base Backup Using the Low Level API"): files the server
 * rebuilds or that would confuse a restored server.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vss/status.h>

#include "cleanpath.h"
#include "pg_layout.h"

/* Directories whose contents the manual says to leave out. */
static const char *const excluded_contents[] = {
	"pg_dynshmem", "pg_notify",   "pg_replslot", "pg_serial",
	"pg_snapshots", "pg_stat_tmp", "pg_subtrans",
};

/* Files of the data directory itself that must not be restored. */
static const char *const excluded_files[] = {
	"postmaster.pid", /* a restored one would stop the server starting */
	"postmaster.opts",
	"backup_label",   /* post_restore writes the backup's own */
	"tablespace_map",
};

void
pg_layout_release(struct pg_layout *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_tablespaces; i++) {
		free(l->tablespaces[i].name);
		free(l->tablespaces[i].location);
	}
	free(l->tablespaces);
	free(l->data_dir);
	free(l->wal_dir);
	memset(l, 0, sizeof(*l));
}

int
pg_layout_add_tablespace(struct pg_layout *l, uint32_t oid, const char *name,
			 const char *location)
{
	struct pg_tablespace *t;

	if (oid == 0 || !name || !location)
		return -EINVAL;
	for (size_t i = 0; i < l->n_tablespaces; i++)
		if (l->tablespaces[i].oid == oid)
			return -EINVAL;
	t = reallocarray(l->tablespaces, l->n_tablespaces + 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	l->tablespaces = t;
	t = &t[l->n_tablespaces];
	t->oid = oid;
	t->name = strdup(name);
	t->location = strdup(location);
	if (!t->name || !t->location) {
		free(t->name);
		free(t->location);
		return -ENOMEM;
	}
	l->n_tablespaces++;
	return 0;
}

int
pg_layout_copy(struct pg_layout *ret, const struct pg_layout *from)
{
	struct pg_layout l = {.server_version = from->server_version};
	int r = 0;

	l.data_dir = from->data_dir ? strdup(from->data_dir) : NULL;
	l.wal_dir = from->wal_dir ? strdup(from->wal_dir) : NULL;
	if ((from->data_dir && !l.data_dir) || (from->wal_dir && !l.wal_dir))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < from->n_tablespaces; i++)
		r = pg_layout_add_tablespace(&l, from->tablespaces[i].oid,
					     from->tablespaces[i].name,
					     from->tablespaces[i].location);
	if (r < 0) {
		pg_layout_release(&l);
		return r;
	}
	*ret = l;
	return 0;
}

/* realpath() of a directory into *ret (caller frees), err set on failure. */
static int
resolve_dir(const char *what, const char *path, char **ret,
	    struct vss_error *err)
{
	struct stat st;
	char *real;

	real = realpath(path, NULL);
	if (!real) {
		int e = errno;

		snprintf(err->message, sizeof(err->message), "%s '%s': %s",
			 what, path, strerror(e));
		return e == ENOMEM ? -ENOMEM : -e;
	}
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err->message, sizeof(err->message),
			 "%s '%s' is not a directory", what, path);
		free(real);
		return -ENOTDIR;
	}
	*ret = real;
	return 0;
}

int
pg_layout_resolve(struct pg_layout *l, const char *data_dir,
		  struct vss_error *err)
{
	char *data = NULL, *wal = NULL, *pg_wal = NULL;
	int r;

	err->line = 0;
	r = resolve_dir("data directory", data_dir, &data, err);
	if (r < 0)
		return r;
	if (asprintf(&pg_wal, "%s/pg_wal", data) < 0) {
		free(data);
		return -ENOMEM;
	}
	r = resolve_dir("WAL directory", pg_wal, &wal, err);
	free(pg_wal);
	if (r < 0) {
		free(data);
		return r;
	}
	for (size_t i = 0; i < l->n_tablespaces; i++) {
		struct pg_tablespace *t = &l->tablespaces[i];
		char *loc;

		r = resolve_dir("tablespace location", t->location, &loc,
				err);
		if (r < 0) {
			free(data);
			free(wal);
			return r;
		}
		free(t->location);
		t->location = loc;
	}
	free(l->data_dir);
	free(l->wal_dir);
	l->data_dir = data;
	l->wal_dir = wal;
	return 0;
}

const char *
pg_layout_tablespace_component(const struct pg_tablespace *t, char *buf,
			       size_t len)
{
	if (t->name[0] && !strpbrk(t->name, "\\/"))
		snprintf(buf, len, "%s", t->name);
	else
		snprintf(buf, len, "tablespace-%u", (unsigned)t->oid);
	return buf;
}

static int
wmd_failed(struct vss_error *err, int r, const char *what, const char *path)
{
	snprintf(err->message, sizeof(err->message), "%s '%.200s': %s", what,
		 path, vss_strerror(r));
	return r;
}

static int
add_excludes(const struct pg_layout *l, vss_wmd *wmd, struct vss_error *err)
{
	char path[PATH_MAX + 32];
	size_t i;
	int r;

	for (i = 0; i < sizeof(excluded_files) / sizeof(*excluded_files); i++) {
		r = vss_wmd_add_exclude_files(wmd, l->data_dir,
					      excluded_files[i], false);
		if (r < 0)
			return wmd_failed(err, r, "exclude", excluded_files[i]);
	}
	for (i = 0; i < sizeof(excluded_contents) / sizeof(*excluded_contents);
	     i++) {
		snprintf(path, sizeof(path), "%s/%s", l->data_dir,
			 excluded_contents[i]);
		r = vss_wmd_add_exclude_files(wmd, path, "*", true);
		if (r < 0)
			return wmd_failed(err, r, "exclude", path);
	}
	/* Relation cache files are rebuilt at start. */
	r = vss_wmd_add_exclude_files(wmd, l->data_dir, "pg_internal.init",
				      true);
	if (r < 0)
		return wmd_failed(err, r, "exclude", "pg_internal.init");
	/* Temporary files: base/pgsql_tmp and PG_*_/pgsql_tmp of every
	 * tablespace, the directories and the pgsql_tmpPID.N files. */
	r = vss_wmd_add_exclude_files(wmd, l->data_dir, "pgsql_tmp*", true);
	for (i = 0; r == 0 && i < l->n_tablespaces; i++)
		r = vss_wmd_add_exclude_files(wmd, l->tablespaces[i].location,
					      "pgsql_tmp*", true);
	if (r < 0)
		return wmd_failed(err, r, "exclude", "pgsql_tmp*");
	return 0;
}

int
pg_layout_fill_wmd(const struct pg_layout *l, vss_wmd *wmd,
		   struct vss_error *err)
{
	struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.name = PG_CLUSTER_COMPONENT,
		.caption = "PostgreSQL cluster",
		.selectable = true,
		.selectable_for_restore = true,
		.restore_metadata = false,
	};
	char name[96], caption[128];
	int r;

	err->line = 0;
	r = vss_wmd_add_component(wmd, &def);
	if (r < 0)
		return wmd_failed(err, r, "component", PG_CLUSTER_COMPONENT);
	r = vss_wmd_add_files_to_file_group(wmd, NULL, PG_CLUSTER_COMPONENT,
					    l->data_dir, "*", true, NULL, 0);
	if (r < 0)
		return wmd_failed(err, r, "file set", l->data_dir);
	if (!wpath_within(l->wal_dir, l->data_dir)) {
		r = vss_wmd_add_files_to_file_group(wmd, NULL,
						    PG_CLUSTER_COMPONENT,
						    l->wal_dir, "*", true,
						    NULL, 0);
		if (r < 0)
			return wmd_failed(err, r, "file set", l->wal_dir);
	}
	for (size_t i = 0; i < l->n_tablespaces; i++) {
		const struct pg_tablespace *t = &l->tablespaces[i];
		struct vss_component_def ts = {
			.type = VSS_CT_FILEGROUP,
			.logical_path = PG_CLUSTER_COMPONENT,
			.name = pg_layout_tablespace_component(t, name,
							       sizeof(name)),
			.caption = caption,
		};

		snprintf(caption, sizeof(caption), "PostgreSQL tablespace %u",
			 (unsigned)t->oid);
		r = vss_wmd_add_component(wmd, &ts);
		if (r < 0)
			return wmd_failed(err, r, "component", name);
		r = vss_wmd_add_files_to_file_group(wmd, PG_CLUSTER_COMPONENT,
						    name, t->location, "*",
						    true, NULL, 0);
		if (r < 0)
			return wmd_failed(err, r, "file set", t->location);
	}
	return add_excludes(l, wmd, err);
}
