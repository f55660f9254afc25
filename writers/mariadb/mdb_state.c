/*
 * writers/mariadb/mdb_state.c - the server's layout as last seen, in the
 * writer's state file (mdb_state.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wjson.h"
#include "cleanpath.h"
#include "mdb_state.h"

int
mdb_state_encode(const struct mdb_paths *p, char **ret)
{
	json_t *o;

	/* "s?" packs a NULL string as null. */
	o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}",
		      "format", MDB_STATE_FORMAT, "version", MDB_STATE_VERSION,
		      "server_version", p->version, "datadir", p->datadir,
		      "innodb_data_home_dir", p->innodb_data_home_dir,
		      "innodb_log_group_home_dir", p->innodb_log_group_home_dir,
		      "innodb_undo_directory", p->innodb_undo_directory,
		      "log_bin_basename", p->log_bin_basename, "pid_file",
		      p->pid_file, "socket", p->socket);
	return wjson_dump(o, ret);
}

/* ---- decoding ------------------------------------------------------------ */

#define bad(err, ...) wjson_bad(err, "MariaDB writer state", \
				  __VA_ARGS__)

/*
 * The string v of key into *ret (NULL for null when nullable): 1..max
 * bytes, no NUL, a clean absolute path when path.
 */
static int
get_string(json_t *v, const char *key, size_t max, bool path, bool nullable,
	   char **ret, struct vss_error *err)
{
	const char *s;
	size_t n;

	if (json_is_null(v) && nullable) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return bad(err, "'%s' is not a string", key);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n > max || strlen(s) != n)
		return bad(err, "'%s' is empty, too long or holds a NUL", key);
	if (path && !wpath_clean(s))
		return bad(err, "'%s' is not a clean absolute path", key);
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int
mdb_state_decode(const char *text, size_t len, struct mdb_paths *ret,
		 struct vss_error *err)
{
	enum {
		K_VERSION,
		K_DATADIR,
		K_DATA_HOME,
		K_LOG_HOME,
		K_UNDO,
		K_BINLOG,
		K_PID,
		K_SOCKET,
		K_COUNT
	};
	static const char *const names[K_COUNT] = {
	    "server_version",
	    "datadir",
	    "innodb_data_home_dir",
	    "innodb_log_group_home_dir",
	    "innodb_undo_directory",
	    "log_bin_basename",
	    "pid_file",
	    "socket",
	};
	struct mdb_paths p = {0};
	char **slots[K_COUNT] = {
	    &p.version,
	    &p.datadir,
	    &p.innodb_data_home_dir,
	    &p.innodb_log_group_home_dir,
	    &p.innodb_undo_directory,
	    &p.log_bin_basename,
	    &p.pid_file,
	    &p.socket,
	};
	json_t *v[K_COUNT];
	const char *format;
	json_int_t version;
	json_error_t jerr;
	json_t *o;
	int r;

	if (len > MDB_STATE_MAX)
		return bad(err, "larger than %d bytes", MDB_STATE_MAX);
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return bad(err, "not JSON: %s", jerr.text);
	r = json_unpack_ex(o, &jerr, 0,
			   "{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
			   "s:o !}",
			   "format", &format, "version", &version, names[0],
			   &v[0], names[1], &v[1], names[2], &v[2], names[3],
			   &v[3], names[4], &v[4], names[5], &v[5], names[6],
			   &v[6], names[7], &v[7]);
	if (r < 0)
		r = bad(err, "%s", jerr.text);
	else if (strcmp(format, MDB_STATE_FORMAT) != 0)
		r = bad(err, "'format' is not \"%s\"", MDB_STATE_FORMAT);
	else if (version != MDB_STATE_VERSION)
		r = bad(err, "'version' is not %d", MDB_STATE_VERSION);
	for (int k = 0; r == 0 && k < K_COUNT; k++)
		r = get_string(v[k], names[k],
			       k == K_VERSION ? MDB_STATE_MAX_VERSION
					      : MDB_STATE_MAX_PATH,
			       k != K_VERSION, k >= K_BINLOG, slots[k], err);
	json_decref(o);
	if (r < 0) {
		mdb_paths_release(&p);
		return r;
	}
	*ret = p;
	return 0;
}
