/*
 * writers/postgresql/pg_meta.c - the backup metadata JSON: encode, and a
 * strict decoder for what comes back from a backup set (post_restore
 * writes files as root into the data directory it names).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wjson.h"
#include "cleanpath.h"
#include "pg_label.h"
#include "pg_meta.h"

void
pg_meta_release(struct pg_meta *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_tablespaces; i++) {
		free(m->tablespaces[i].name);
		free(m->tablespaces[i].location);
	}
	free(m->tablespaces);
	free(m->data_directory);
	free(m->wal_directory);
	free(m->start_lsn);
	free(m->stop_lsn);
	free(m->backup_label);
	free(m->tablespace_map);
	memset(m, 0, sizeof(*m));
}

int
pg_meta_encode(const struct pg_meta *m, char **ret)
{
	json_t *o, *spcs;

	spcs = json_array();
	if (!spcs)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_tablespaces; i++) {
		const struct pg_tablespace *t = &m->tablespaces[i];

		if (json_array_append_new(
			    spcs, json_pack("{s:I, s:s, s:s}", "oid",
					    (json_int_t)t->oid, "name", t->name,
					    "location", t->location)) < 0) {
			json_decref(spcs);
			return -ENOMEM;
		}
	}
	o = json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:O}",
		      "format", PG_META_FORMAT, "version", PG_META_VERSION,
		      "data_directory", m->data_directory, "wal_directory",
		      m->wal_directory, "server_version",
		      m->server_version, "start_lsn", m->start_lsn, "stop_lsn",
		      m->stop_lsn, "backup_label", m->backup_label,
		      "tablespace_map",
		      m->tablespace_map ? m->tablespace_map : "", "tablespaces",
		      spcs);
	json_decref(spcs);
	return wjson_dump(o, ret);
}

/* ---- decoding ------------------------------------------------------------ */

#define bad(err, ...) wjson_bad(err, "PostgreSQL backup metadata", \
				  __VA_ARGS__)

/* The string value of key, of 1..max bytes (0..max with allow_empty). */
static int
get_string(json_t *v, const char *key, size_t max, bool allow_empty,
	   char **ret, struct vss_error *err)
{
	const char *s;
	size_t n;

	if (!json_is_string(v))
		return bad(err, "'%s' is not a string", key);
	s = json_string_value(v);
	n = json_string_length(v);
	if (strlen(s) != n)
		return bad(err, "'%s' holds a NUL character", key);
	if (n > max)
		return bad(err, "'%s' is longer than %zu bytes", key, max);
	if (n == 0 && !allow_empty)
		return bad(err, "'%s' is empty", key);
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static int
get_path(json_t *v, const char *key, char **ret, struct vss_error *err)
{
	int r = get_string(v, key, PG_META_MAX_PATH, false, ret, err);

	if (r == 0 && !wpath_clean(*ret)) {
		free(*ret);
		*ret = NULL;
		return bad(err, "'%s' is not a clean absolute path", key);
	}
	return r;
}

static int
get_int(json_t *v, const char *key, long long min, long long max,
	long long *ret, struct vss_error *err)
{
	if (!json_is_integer(v))
		return bad(err, "'%s' is not an integer", key);
	*ret = json_integer_value(v);
	if (*ret < min || *ret > max)
		return bad(err, "'%s' is out of range", key);
	return 0;
}

static int
get_lsn(json_t *v, const char *key, char **ret, struct vss_error *err)
{
	int r = get_string(v, key, 17, false, ret, err);

	if (r == 0 && !pg_label_is_lsn(*ret)) {
		free(*ret);
		*ret = NULL;
		return bad(err, "'%s' is not an LSN", key);
	}
	return r;
}

static int
decode_tablespace(json_t *o, size_t index, struct pg_meta *m,
		  struct vss_error *err)
{
	struct pg_tablespace *t = &m->tablespaces[index];
	bool have_oid = false;
	const char *key;
	long long oid;
	json_t *v;
	int r = 0;

	if (!json_is_object(o))
		return bad(err, "tablespace %zu is not an object", index + 1);
	json_object_foreach(o, key, v) {
		if (strcmp(key, "oid") == 0) {
			r = get_int(v, "oid", 1, UINT32_MAX, &oid, err);
			have_oid = r == 0;
		} else if (strcmp(key, "name") == 0) {
			r = get_string(v, "name", PG_META_MAX_NAME, false,
				       &t->name, err);
		} else if (strcmp(key, "location") == 0) {
			r = get_path(v, "location", &t->location, err);
		} else {
			r = bad(err, "tablespace %zu: unknown key '%.64s'",
				index + 1, key);
		}
		if (r < 0)
			return r;
	}
	if (!have_oid || !t->name || !t->location)
		return bad(err, "tablespace %zu lacks oid, name or location",
			   index + 1);
	t->oid = (uint32_t)oid;
	for (size_t i = 0; i < index; i++)
		if (m->tablespaces[i].oid == t->oid)
			return bad(err, "tablespace oid %u twice",
				   (unsigned)t->oid);
	return 0;
}

static int
decode_tablespaces(json_t *a, struct pg_meta *m, struct vss_error *err)
{
	size_t n;
	int r;

	if (!json_is_array(a))
		return bad(err, "'tablespaces' is not an array");
	n = json_array_size(a);
	if (n > PG_META_MAX_TABLESPACES)
		return bad(err, "more than %d tablespaces",
			   PG_META_MAX_TABLESPACES);
	if (n == 0)
		return 0;
	m->tablespaces = calloc(n, sizeof(*m->tablespaces));
	if (!m->tablespaces)
		return -ENOMEM;
	m->n_tablespaces = n;
	for (size_t i = 0; i < n; i++) {
		r = decode_tablespace(json_array_get(a, i), i, m, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The keys of the object, each decoded into m; 0 when all are there. */
static int
decode_object(json_t *o, struct pg_meta *m, struct vss_error *err)
{
	enum { F_FORMAT, F_VERSION, F_DATA, F_WAL, F_SERVER, F_START, F_STOP,
	       F_LABEL, F_MAP, F_SPCS, F_COUNT };
	static const char *const names[F_COUNT] = {
		"format",    "version",      "data_directory", "wal_directory",
		"server_version", "start_lsn", "stop_lsn",
		"backup_label", "tablespace_map", "tablespaces",
	};
	bool seen[F_COUNT] = {0};
	const char *key;
	long long n = 0;
	json_t *v;
	int r;

	json_object_foreach(o, key, v) {
		int f;

		for (f = 0; f < F_COUNT && strcmp(key, names[f]) != 0; f++)
			;
		switch (f) {
		case F_FORMAT:
			if (!json_is_string(v) ||
			    strcmp(json_string_value(v), PG_META_FORMAT) != 0)
				return bad(err, "'format' is not \"%s\"",
					   PG_META_FORMAT);
			r = 0;
			break;
		case F_VERSION:
			r = get_int(v, "version", PG_META_VERSION,
				    PG_META_VERSION, &n, err);
			break;
		case F_DATA:
			r = get_path(v, "data_directory", &m->data_directory,
				     err);
			break;
		case F_WAL:
			r = get_path(v, "wal_directory", &m->wal_directory,
				     err);
			break;
		case F_SERVER:
			r = get_int(v, "server_version", PG_MIN_SERVER_VERSION,
				    9999999, &n, err);
			m->server_version = (int)n;
			break;
		case F_START:
			r = get_lsn(v, "start_lsn", &m->start_lsn, err);
			break;
		case F_STOP:
			r = get_lsn(v, "stop_lsn", &m->stop_lsn, err);
			break;
		case F_LABEL:
			r = get_string(v, "backup_label", PG_META_MAX_LABEL,
				       false, &m->backup_label, err);
			break;
		case F_MAP:
			r = get_string(v, "tablespace_map", PG_META_MAX_MAP,
				       true, &m->tablespace_map, err);
			break;
		case F_SPCS:
			r = decode_tablespaces(v, m, err);
			break;
		default:
			return bad(err, "unknown key '%.64s'", key);
		}
		if (r < 0)
			return r;
		seen[f] = true;
	}
	for (int f = 0; f < F_COUNT; f++)
		if (!seen[f])
			return bad(err, "'%s' is missing", names[f]);
	return 0;
}

/* What the two files say must be usable at restore. */
static int
check_files(const struct pg_meta *m, struct vss_error *err)
{
	char wal[PG_WAL_FILE_LEN + 1];
	struct pg_spcmap map;
	struct vss_error e;
	int r;

	if (strlen(m->backup_label) != strcspn(m->backup_label, "\r") ||
	    m->backup_label[strlen(m->backup_label) - 1] != '\n')
		return bad(err, "'backup_label' is not a label file");
	r = pg_label_start_wal_file(m->backup_label, wal, &e);
	if (r < 0)
		return r == -ENOMEM ? r : bad(err, "%s", e.message);
	r = pg_spcmap_parse(m->tablespace_map, &map, &e);
	if (r < 0)
		return r == -ENOMEM ? r : bad(err, "%s", e.message);
	/* The map lists the tablespaces the backup holds, no other: the
	 * restore writes it anew from their (checked) locations. */
	r = map.count == m->n_tablespaces ? 0 :
	    bad(err, "the tablespace map lists %zu tablespaces, "
		     "'tablespaces' %zu", map.count, m->n_tablespaces);
	for (size_t i = 0; r == 0 && i < map.count; i++) {
		size_t k = 0;

		while (k < m->n_tablespaces &&
		       m->tablespaces[k].oid != map.entries[i].oid)
			k++;
		if (k == m->n_tablespaces)
			r = bad(err, "the tablespace map names oid %u, "
				     "'tablespaces' does not",
				(unsigned)map.entries[i].oid);
	}
	pg_spcmap_release(&map);
	return r;
}

int
pg_meta_decode(const char *text, size_t len, struct pg_meta *ret,
	       struct vss_error *err)
{
	struct pg_meta m = {0};
	json_error_t jerr;
	json_t *o;
	int r;

	if (len > PG_META_MAX_SIZE)
		return bad(err, "larger than %d bytes", PG_META_MAX_SIZE);
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return bad(err, "not JSON: %s", jerr.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return bad(err, "not a JSON object");
	}
	r = decode_object(o, &m, err);
	json_decref(o);
	if (r == 0)
		r = check_files(&m, err);
	if (r < 0) {
		pg_meta_release(&m);
		return r;
	}
	*ret = m;
	return 0;
}
