/*
 * writers/mariadb/mdb_layout.c - the server's directories and the
 * component that covers them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "cleanpath.h"
#include "ini.h"
#include "mdb_conn.h"
#include "mdb_layout.h"

void
mdb_paths_release(struct mdb_paths *p)
{
	if (p == NULL)
		return;
	free(p->version);
	free(p->datadir);
	free(p->innodb_data_home_dir);
	free(p->innodb_log_group_home_dir);
	free(p->innodb_undo_directory);
	free(p->log_bin_basename);
	free(p->pid_file);
	free(p->socket);
	memset(p, 0, sizeof(*p));
}

/* A copy of a string that may be NULL; false on ENOMEM. */
static bool
dup_opt(char **slot, const char *s)
{
	*slot = s != NULL ? strdup(s) : NULL;
	return s == NULL || *slot != NULL;
}

int
mdb_paths_copy(struct mdb_paths *ret, const struct mdb_paths *src)
{
	struct mdb_paths p = { 0 };

	if (!dup_opt(&p.version, src->version) ||
	    !dup_opt(&p.datadir, src->datadir) ||
	    !dup_opt(&p.innodb_data_home_dir, src->innodb_data_home_dir) ||
	    !dup_opt(&p.innodb_log_group_home_dir,
		     src->innodb_log_group_home_dir) ||
	    !dup_opt(&p.innodb_undo_directory, src->innodb_undo_directory) ||
	    !dup_opt(&p.log_bin_basename, src->log_bin_basename) ||
	    !dup_opt(&p.pid_file, src->pid_file) ||
	    !dup_opt(&p.socket, src->socket)) {
		mdb_paths_release(&p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

int
mdb_layout_query(MYSQL *db, struct mdb_paths *ret, struct vss_error *err)
{
	char *v[8];
	int r = mdb_query_row(db,
			      "SELECT @@version, @@datadir, "
			      "@@innodb_data_home_dir, "
			      "@@innodb_log_group_home_dir, "
			      "@@innodb_undo_directory, @@log_bin_basename, "
			      "@@pid_file, @@socket",
			      8, v, err);

	if (r < 0)
		return r;
	*ret = (struct mdb_paths){
		.version = v[0],
		.datadir = v[1],
		.innodb_data_home_dir = v[2],
		.innodb_log_group_home_dir = v[3],
		.innodb_undo_directory = v[4],
		.log_bin_basename = v[5],
		.pid_file = v[6],
		.socket = v[7],
	};
	if (ret->version == NULL || ret->datadir == NULL) {
		mdb_paths_release(ret);
		wini_seterr(err, "the server reports no version or datadir");
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}
	return 0;
}

/*
 * p made absolute against base (absolute, normalised) and normalised:
 * no empty, "." or ".." components, no trailing '/'.  NULL on ENOMEM.
 */
static char *
path_normalise(const char *base, const char *p)
{
	size_t cap = strlen(base) + strlen(p) + 3;
	char *out = malloc(cap);

	if (out == NULL)
		return NULL;
	if (p[0] == '/')
		out[0] = '\0';
	else
		strcpy(out, base[1] == '\0' ? "" : base);

	size_t len = strlen(out);

	for (const char *c = p; *c != '\0';) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.') {
			char *slash = strrchr(out, '/');

			len = slash != NULL ? (size_t)(slash - out) : 0;
			out[len] = '\0';
		} else if (n > 0 && !(n == 1 && c[0] == '.')) {
			out[len++] = '/';
			memcpy(out + len, c, n);
			len += n;
			out[len] = '\0';
		}
		c += n;
		if (*c == '/')
			c++;
	}
	if (len == 0)
		strcpy(out, "/");
	return out;
}

/* Replace *slot by its resolved form; empty becomes dflt (or NULL). */
static int
resolve_one(char **slot, const char *datadir, const char *dflt)
{
	const char *v = *slot != NULL && (*slot)[0] != '\0' ? *slot : dflt;
	char *n = NULL;

	if (v != NULL && (n = path_normalise(datadir, v)) == NULL)
		return -ENOMEM;
	free(*slot);
	*slot = n;
	return 0;
}

int
mdb_layout_resolve(struct mdb_paths *p, struct vss_error *err)
{
	if (p->datadir == NULL || p->datadir[0] != '/') {
		wini_seterr(err, "the server's datadir \"%s\" is not absolute",
			    p->datadir != NULL ? p->datadir : "");
		return -EINVAL;
	}

	char *d = path_normalise("/", p->datadir);

	if (d == NULL)
		return -ENOMEM;
	free(p->datadir);
	p->datadir = d;
	if (resolve_one(&p->innodb_data_home_dir, d, d) < 0 ||
	    resolve_one(&p->innodb_log_group_home_dir, d, d) < 0 ||
	    resolve_one(&p->innodb_undo_directory, d, d) < 0 ||
	    resolve_one(&p->log_bin_basename, d, NULL) < 0 ||
	    resolve_one(&p->pid_file, d, NULL) < 0 ||
	    resolve_one(&p->socket, d, NULL) < 0)
		return -ENOMEM;
	return 0;
}

/* Exclude one file (the pid file, the socket) by its exact name. */
static int
exclude_file(vss_wmd *wmd, const char *path)
{
	char *dir, *name;
	int r;

	if (path == NULL || strcmp(path, "/") == 0)
		return 0;
	if ((r = wpath_split(path, &dir, &name)) < 0)
		return r;
	r = vss_wmd_add_exclude_files(wmd, dir, name, false);
	free(dir);
	free(name);
	return r;
}

/*
 * Add dir/filespec to the component unless the data directory (backed up
 * recursively) or an earlier file set of dir (the same, or "*") already
 * covers it.
 */
static int
add_outside(vss_wmd *wmd, const struct mdb_paths *p, const char *dir,
	    const char *filespec)
{
	if (wpath_within(dir, p->datadir))
		return 0;

	const struct vss_wm_component *c =
		vss_wmd_find_component(wmd, NULL, MDB_COMPONENT);

	for (size_t i = 0; c != NULL && i < c->file_count; i++)
		if (strcmp(c->files[i].path, dir) == 0 &&
		    (strcmp(c->files[i].filespec, filespec) == 0 ||
		     strcmp(c->files[i].filespec, "*") == 0))
			return 0;
	return vss_wmd_add_files_to_file_group(wmd, NULL, MDB_COMPONENT, dir,
					       filespec, false, NULL, 0);
}

int
mdb_layout_fill_wmd(const struct mdb_paths *p, vss_wmd *wmd,
		    struct vss_error *err)
{
	const struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.name = MDB_COMPONENT,
		.caption = "MariaDB server: data directory, InnoDB files and "
			   "binary logs",
		.selectable = true,
		.selectable_for_restore = true,
	};
	int r = vss_wmd_add_component(wmd, &def);

	if (r == 0)
		r = vss_wmd_add_files_to_file_group(wmd, NULL, MDB_COMPONENT,
						    p->datadir, "*", true,
						    NULL, 0);
	/* InnoDB names its files; the directories may be shared. */
	if (r == 0)
		r = add_outside(wmd, p, p->innodb_data_home_dir, "*");
	if (r == 0)
		r = add_outside(wmd, p, p->innodb_log_group_home_dir,
				"ib_logfile*");
	if (r == 0)
		r = add_outside(wmd, p, p->innodb_undo_directory, "undo*");
	if (r == 0 && p->log_bin_basename != NULL &&
	    strcmp(p->log_bin_basename, "/") != 0) {
		char *dir, *name, *spec = NULL;

		if ((r = wpath_split(p->log_bin_basename, &dir, &name)) < 0)
			return r;
		/* mysql-bin.000001 ... and mysql-bin.index */
		if (asprintf(&spec, "%s.*", name) < 0)
			r = -ENOMEM;
		else
			r = add_outside(wmd, p, dir, spec);
		free(spec);
		free(dir);
		free(name);
	}
	if (r == 0)
		r = exclude_file(wmd, p->pid_file);
	if (r == 0)
		r = exclude_file(wmd, p->socket);
	if (r == 0)
		r = vss_wmd_add_exclude_files(wmd, p->datadir, "*.sock",
					      false);
	if (r < 0)
		wini_seterr(err, "building the metadata of %s: %s", p->datadir,
			    vss_strerror(r));
	return r;
}
