/*
 * writers/mariadb/mdb_meta.c - the MariaDB writer's backup metadata as
 * JSON (jansson): encoder and strict decoder.  The decoder reads what a
 * requester hands back at restore, so everything is checked: exact key
 * set, types, absolute normalised paths (the restore writes into the data
 * directory it names), a plain binary log file name.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wjson.h"
#include "cleanpath.h"
#include "ini.h"
#include "mdb_meta.h"

/* The keys of a version 1 document; the decoder wants exactly these. */
static const char *const meta_keys[] = {
	"format", "version", "server_version", "datadir", "pid_file",
	"innodb_data_home_dir", "innodb_log_group_home_dir", "binlog_file",
	"binlog_position", "gtid_binlog_pos", "lock",
};
#define META_KEY_COUNT (sizeof(meta_keys) / sizeof(meta_keys[0]))

void
mdb_meta_release(struct mdb_meta *m)
{
	if (m == NULL)
		return;
	free(m->server_version);
	free(m->datadir);
	free(m->pid_file);
	free(m->innodb_data_home_dir);
	free(m->innodb_log_group_home_dir);
	free(m->binlog_file);
	free(m->gtid_binlog_pos);
	memset(m, 0, sizeof(*m));
}

const char *
mdb_lock_name(enum mdb_lock lock)
{
	return lock == MDB_LOCK_FTWRL ? "ftwrl" : "backup_stage";
}

static bool
has_control_char(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A binary log file name: "" or a name without '/' that is not . or ..  */
static bool
file_name_ok(const char *s)
{
	if (s[0] == '\0')
		return true;
	return strchr(s, '/') == NULL && !has_control_char(s) &&
	       strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* @@gtid_binlog_pos: "" or domain-server-seqno triples, comma separated. */
static bool
gtid_ok(const char *s)
{
	return strspn(s, "0123456789-,") == strlen(s);
}

/* The checks both directions share; err names the first bad field. */
static int
meta_check(const struct mdb_meta *m, struct vss_error *err)
{
	if (m->server_version == NULL || m->server_version[0] == '\0' ||
	    has_control_char(m->server_version)) {
		wini_seterr(err, "server_version is empty or not printable");
		return -EINVAL;
	}
	const struct {
		const char *name, *value;
		bool may_be_empty;
	} paths[] = {
		{ "datadir", m->datadir, false },
		{ "pid_file", m->pid_file, true },
		{ "innodb_data_home_dir", m->innodb_data_home_dir, false },
		{ "innodb_log_group_home_dir", m->innodb_log_group_home_dir,
		  false },
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *v = paths[i].value;

		if (v == NULL || (v[0] == '\0' && !paths[i].may_be_empty) ||
		    (v[0] != '\0' && !wpath_clean(v))) {
			wini_seterr(err,
				    "%s is not an absolute normalised path",
				    paths[i].name);
			return -EINVAL;
		}
	}
	if (m->binlog_file == NULL || !file_name_ok(m->binlog_file)) {
		wini_seterr(err, "binlog_file is not a file name");
		return -EINVAL;
	}
	if (m->binlog_file[0] == '\0' && m->binlog_position != 0) {
		wini_seterr(err, "binlog_position without binlog_file");
		return -EINVAL;
	}
	if (m->binlog_position > INT64_MAX) {
		wini_seterr(err, "binlog_position is out of range");
		return -EINVAL;
	}
	if (m->gtid_binlog_pos == NULL || !gtid_ok(m->gtid_binlog_pos)) {
		wini_seterr(err, "gtid_binlog_pos is not a GTID list");
		return -EINVAL;
	}
	if (m->lock != MDB_LOCK_BACKUP_STAGE && m->lock != MDB_LOCK_FTWRL) {
		wini_seterr(err, "lock is not backup_stage or ftwrl");
		return -EINVAL;
	}
	return 0;
}

int
mdb_meta_encode(const struct mdb_meta *m, char **ret_json,
		struct vss_error *err)
{
	int r = meta_check(m, err);

	if (r < 0)
		return r;
	json_t *o = json_pack(
		"{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}",
		"format", MDB_META_FORMAT, "version", MDB_META_VERSION,
		"server_version", m->server_version, "datadir", m->datadir,
		"pid_file", m->pid_file, "innodb_data_home_dir",
		m->innodb_data_home_dir, "innodb_log_group_home_dir",
		m->innodb_log_group_home_dir, "binlog_file", m->binlog_file,
		"binlog_position", (json_int_t)m->binlog_position,
		"gtid_binlog_pos", m->gtid_binlog_pos, "lock",
		mdb_lock_name(m->lock));
	return wjson_dump(o, ret_json);
}

/* A copy of the string member key of o into *slot. */
static int
take_string(json_t *o, const char *key, char **slot, struct vss_error *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		wini_seterr(err, "%s is not a string", key);
		return -EINVAL;
	}
	*slot = strdup(json_string_value(v));
	return *slot != NULL ? 0 : -ENOMEM;
}

static int
decode_object(json_t *o, struct mdb_meta *m, struct vss_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		size_t i = 0;

		while (i < META_KEY_COUNT && strcmp(meta_keys[i], key) != 0)
			i++;
		if (i == META_KEY_COUNT) {
			wini_seterr(err, "unknown key \"%.64s\"", key);
			return -EINVAL;
		}
	}
	if (json_object_size(o) != META_KEY_COUNT) {
		wini_seterr(err, "%zu of the %zu keys present",
			    json_object_size(o), META_KEY_COUNT);
		return -EINVAL;
	}
	v = json_object_get(o, "format");
	if (!json_is_string(v) ||
	    strcmp(json_string_value(v), MDB_META_FORMAT) != 0) {
		wini_seterr(err, "format is not \"%s\"", MDB_META_FORMAT);
		return -EINVAL;
	}
	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) != MDB_META_VERSION) {
		wini_seterr(err, "version is not %d", MDB_META_VERSION);
		return -EINVAL;
	}
	v = json_object_get(o, "binlog_position");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		wini_seterr(err, "binlog_position is not a position");
		return -EINVAL;
	}
	m->binlog_position = (uint64_t)json_integer_value(v);
	v = json_object_get(o, "lock");
	if (json_is_string(v) && strcmp(json_string_value(v), "ftwrl") == 0)
		m->lock = MDB_LOCK_FTWRL;
	else if (json_is_string(v) &&
		 strcmp(json_string_value(v), "backup_stage") == 0)
		m->lock = MDB_LOCK_BACKUP_STAGE;
	else {
		wini_seterr(err, "lock is not backup_stage or ftwrl");
		return -EINVAL;
	}

	int r;

	if ((r = take_string(o, "server_version", &m->server_version, err)) <
		    0 ||
	    (r = take_string(o, "datadir", &m->datadir, err)) < 0 ||
	    (r = take_string(o, "pid_file", &m->pid_file, err)) < 0 ||
	    (r = take_string(o, "innodb_data_home_dir",
			     &m->innodb_data_home_dir, err)) < 0 ||
	    (r = take_string(o, "innodb_log_group_home_dir",
			     &m->innodb_log_group_home_dir, err)) < 0 ||
	    (r = take_string(o, "binlog_file", &m->binlog_file, err)) < 0 ||
	    (r = take_string(o, "gtid_binlog_pos", &m->gtid_binlog_pos,
			     err)) < 0)
		return r;
	return meta_check(m, err);
}

int
mdb_meta_decode(const char *json, size_t len, struct mdb_meta *ret,
		struct vss_error *err)
{
	if (len > MDB_META_MAX) {
		wini_seterr(err, "backup metadata larger than %u bytes",
			    MDB_META_MAX);
		return -EINVAL;
	}

	json_error_t jerr;
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);

	if (o == NULL) {
		wini_seterr(err, "backup metadata is not JSON: %s (column %d)",
			    jerr.text, jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		wini_seterr(err, "backup metadata is not a JSON object");
		return -EINVAL;
	}

	struct mdb_meta m = { 0 };
	int r = decode_object(o, &m, err);

	json_decref(o);
	if (r < 0) {
		mdb_meta_release(&m);
		return r;
	}
	*ret = m;
	return 0;
}
