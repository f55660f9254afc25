/*
 * writers/postgresql/pg_state.c - the cluster's layout as last seen, in
 * the writer's state file (pg_state.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "wjson.h"
#include "cleanpath.h"
#include "pg_meta.h"
#include "pg_state.h"

int
pg_state_encode(const struct pg_layout *l, char **ret)
{
	json_t *o, *spcs;

	spcs = json_array();
	if (!spcs)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_tablespaces; i++) {
		const struct pg_tablespace *t = &l->tablespaces[i];

		if (json_array_append_new(
			spcs, json_pack("{s:I, s:s, s:s}", "oid",
					(json_int_t)t->oid, "name", t->name,
					"location", t->location)) < 0) {
			json_decref(spcs);
			return -ENOMEM;
		}
	}
	o = json_pack("{s:s, s:i, s:i, s:s, s:s, s:O}", "format",
		      PG_STATE_FORMAT, "version", PG_STATE_VERSION,
		      "server_version", l->server_version, "data_directory",
		      l->data_dir, "wal_directory", l->wal_dir, "tablespaces",
		      spcs);
	json_decref(spcs);
	return wjson_dump(o, ret);
}

/* ---- decoding ------------------------------------------------------------ */

#define bad(err, ...) wjson_bad(err, "PostgreSQL writer state", \
				  __VA_ARGS__)

/* s (n bytes as jansson counts them) is a clean absolute path. */
static bool
good_path(const char *s, size_t n)
{
	return n == strlen(s) && n <= PG_META_MAX_PATH && wpath_clean(s);
}

static int
decode_tablespaces(json_t *a, struct pg_layout *l, struct vss_error *err)
{
	json_error_t jerr;
	const char *name, *location;
	size_t i, name_len, location_len;
	json_int_t oid;
	json_t *o;
	int r;

	if (!json_is_array(a))
		return bad(err, "'tablespaces' is not an array");
	if (json_array_size(a) > PG_META_MAX_TABLESPACES)
		return bad(err, "more than %d tablespaces",
			   PG_META_MAX_TABLESPACES);
	json_array_foreach(a, i, o)
	{
		if (json_unpack_ex(o, &jerr, 0, "{s:I, s:s%, s:s% !}", "oid",
				   &oid, "name", &name, &name_len, "location",
				   &location, &location_len) < 0)
			return bad(err, "tablespace %zu: %s", i + 1, jerr.text);
		if (oid < 1 || oid > UINT32_MAX)
			return bad(err, "tablespace %zu: oid out of range",
				   i + 1);
		if (name_len == 0 || name_len > PG_META_MAX_NAME ||
		    strlen(name) != name_len)
			return bad(err, "tablespace %zu: bad name", i + 1);
		if (!good_path(location, location_len))
			return bad(err,
				   "tablespace %zu: location is not a "
				   "clean absolute path",
				   i + 1);
		r = pg_layout_add_tablespace(l, (uint32_t)oid, name, location);
		if (r == -EINVAL)
			return bad(err, "tablespace oid %lld twice",
				   (long long)oid);
		if (r < 0)
			return r;
	}
	return 0;
}

int
pg_state_decode(const char *text, size_t len, struct pg_layout *ret,
		struct vss_error *err)
{
	struct pg_layout l = {0};
	const char *format, *data, *wal;
	size_t data_len, wal_len;
	json_int_t version, server_version;
	int r;
	json_error_t jerr;
	json_t *o, *spcs;

	if (len > PG_META_MAX_SIZE)
		return bad(err, "larger than %d bytes", PG_META_MAX_SIZE);
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return bad(err, "not JSON: %s", jerr.text);
	r = json_unpack_ex(o, &jerr, 0, "{s:s, s:I, s:I, s:s%, s:s%, s:o !}",
			   "format", &format, "version", &version,
			   "server_version", &server_version, "data_directory",
			   &data, &data_len, "wal_directory", &wal, &wal_len,
			   "tablespaces", &spcs);
	if (r < 0)
		r = bad(err, "%s", jerr.text);
	else if (strcmp(format, PG_STATE_FORMAT) != 0)
		r = bad(err, "'format' is not \"%s\"", PG_STATE_FORMAT);
	else if (version != PG_STATE_VERSION)
		r = bad(err, "'version' is not %d", PG_STATE_VERSION);
	else if (server_version < PG_MIN_SERVER_VERSION ||
		 server_version > 9999999)
		r = bad(err, "'server_version' is out of range");
	else if (!good_path(data, data_len) || !good_path(wal, wal_len))
		r = bad(err, "a directory is not a clean absolute path");
	else
		r = decode_tablespaces(spcs, &l, err);
	if (r == 0) {
		l.server_version = (int)server_version;
		l.data_dir = strdup(data);
		l.wal_dir = strdup(wal);
		if (!l.data_dir || !l.wal_dir)
			r = -ENOMEM;
	}
	json_decref(o);
	if (r < 0) {
		pg_layout_release(&l);
		return r;
	}
	*ret = l;
	return 0;
}
