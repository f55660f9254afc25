/*
 * cli/bset_manifest.c - the strict parser of manifest.json.
 *
 * A manifest is read from a set that may have been tampered with or
 * damaged, and restore will create files from it, so nothing in it is
 * trusted: every object has exactly the documented keys, every path is a
 * clean relative path (no "." or "..", no empty element, no NUL), every
 * index is in range, a hard link names an earlier regular file of its
 * volume, every object's parent is an earlier directory, and a failure
 * says where ("entries[12].path: ...").  docs/backup-set.md is the schema.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bset_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the parser ------------------------------------------------------ */

struct parse {
	char *err;
	size_t errlen;
	char where[64]; /* "entries[12]" */
	size_t *seen;   /* per component: the entry that last listed it, + 1 */
};

__attribute__((format(printf, 3, 4))) static int
bad(struct parse *p, const char *key, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s%s%s%s%s", p->where,
			 *p->where && key ? "." : "", key ? key : "",
			 *p->where || key ? ": " : "", text);
	return -EBADMSG;
}

/* obj is an object with exactly the keys in keys[]. */
static int
check_keys(struct parse *p, json_t *obj, const char *const *keys, size_t n)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(obj))
		return bad(p, NULL, "not an object");
	json_object_foreach (obj, key, v) {
		for (i = 0; i < n && strcmp(key, keys[i]) != 0; i++)
			;
		if (i == n)
			return bad(p, NULL, "unknown key \"%.64s\"", key);
	}
	for (i = 0; i < n; i++)
		if (!json_object_get(obj, keys[i]))
			return bad(p, keys[i], "missing");
	return 0;
}

/* A string without NUL, copied into *ret; NULL for null when nullable. */
static int
get_string(struct parse *p, json_t *obj, const char *key, bool nullable,
	   char **ret)
{
	json_t *v = json_object_get(obj, key);

	if (nullable && json_is_null(v)) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return bad(p, key, nullable ? "not a string or null" :
					      "not a string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return bad(p, key, "holds a NUL character");
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

static int
get_int(struct parse *p, json_t *obj, const char *key, int64_t min,
	int64_t max, int64_t *ret)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return bad(p, key, "not an integer");
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(p, key, "%lld out of range", json_integer_value(v));
	*ret = json_integer_value(v);
	return 0;
}

static int
get_bool(struct parse *p, json_t *obj, const char *key, bool *ret)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_boolean(v))
		return bad(p, key, "not true or false");
	*ret = json_is_true(v);
	return 0;
}

/* An id; null is the null id when nullable. */
static int
get_id(struct parse *p, json_t *obj, const char *key, bool nullable,
       vss_id *ret)
{
	json_t *v = json_object_get(obj, key);

	memset(ret, 0, sizeof(*ret));
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v) || vss_id_parse(ret, json_string_value(v)) < 0)
		return bad(p, key, "not an id");
	return 0;
}

static const char *const info_keys[] = {
	"format", "version", "snapshot_set_id", "context", "backup_type",
	"created", "freeze_window_ms", "application_consistent", "volumes",
	"components", "entries",
};

static int
parse_info(struct parse *p, json_t *root, struct bset_info *info)
{
	json_t *format = json_object_get(root, "format");
	json_t *fw = json_object_get(root, "freeze_window_ms");
	const char *bt;
	int64_t v;
	int r;

	/* The format first: anything else is not worth a key-by-key error. */
	if (!json_is_object(root))
		return bad(p, NULL, "not a JSON object");
	if (!json_is_string(format) ||
	    strcmp(json_string_value(format), BSET_FORMAT) != 0)
		return bad(p, "format", "not \"%s\"", BSET_FORMAT);
	if ((r = get_int(p, root, "version", BSET_VERSION, BSET_VERSION,
			 &v)) < 0 ||
	    (r = check_keys(p, root, info_keys, ARRAY_SIZE(info_keys))) < 0 ||
	    (r = get_id(p, root, "snapshot_set_id", true,
			&info->snapshot_set_id)) < 0 ||
	    (r = get_int(p, root, "context", INT32_MIN, INT32_MAX, &v)) < 0)
		return r;
	info->context = (int32_t)v;
	bt = json_string_value(json_object_get(root, "backup_type"));
	if (!bt || vss_backup_type_parse(&info->backup_type, bt) < 0)
		return bad(p, "backup_type", "not a backup type");
	if ((r = get_int(p, root, "created", INT64_MIN, INT64_MAX, &v)) < 0)
		return r;
	info->created = v;
	if (!json_is_number(fw) || !isfinite(json_number_value(fw)) ||
	    json_number_value(fw) < 0)
		return bad(p, "freeze_window_ms", "not a number >= 0");
	info->freeze_window_ms = json_number_value(fw);
	return get_bool(p, root, "application_consistent",
			&info->application_consistent);
}

static const char *const volume_keys[] = {
	"mount_point", "fstype", "shadow_root", "snapshot_id", "provider_id",
	"application_consistent",
};

static int
parse_volume(struct parse *p, json_t *o, struct bset_volume *v)
{
	char *mp = NULL, *fs = NULL, *sr = NULL;
	int r;

	if ((r = check_keys(p, o, volume_keys, ARRAY_SIZE(volume_keys))) < 0)
		return r;
	if ((r = get_string(p, o, "mount_point", false, &mp)) < 0 ||
	    (r = get_string(p, o, "fstype", true, &fs)) < 0 ||
	    (r = get_string(p, o, "shadow_root", true, &sr)) < 0)
		goto fail;
	v->mount_point = mp;
	v->fstype = fs;
	v->shadow_root = sr;
	if ((r = get_id(p, o, "snapshot_id", true, &v->snapshot_id)) < 0 ||
	    (r = get_id(p, o, "provider_id", true, &v->provider_id)) < 0 ||
	    (r = get_bool(p, o, "application_consistent",
			  &v->application_consistent)) < 0)
		return r; /* the caller releases v */
	return 0;
fail:
	free(mp);
	free(fs);
	free(sr);
	return r;
}

static const char *const component_keys[] = {
	"class_id", "instance_id", "writer_name", "logical_path", "name",
	"type", "explicit", "result", "message",
};

static int
parse_component(struct parse *p, json_t *o, struct bset_comp *c)
{
	json_t *result;
	const char *type;
	char *s;
	int r;

	if ((r = check_keys(p, o, component_keys,
			    ARRAY_SIZE(component_keys))) < 0 ||
	    (r = get_id(p, o, "class_id", false, &c->c.class_id)) < 0 ||
	    (r = get_id(p, o, "instance_id", true, &c->c.instance_id)) < 0 ||
	    (r = get_string(p, o, "writer_name", true, &s)) < 0)
		return r;
	c->c.writer_name = s;
	if ((r = get_string(p, o, "logical_path", true, &s)) < 0)
		return r;
	c->c.logical_path = s;
	if ((r = get_string(p, o, "name", false, &s)) < 0)
		return r;
	c->c.name = s;
	type = json_string_value(json_object_get(o, "type"));
	if (!type || vss_component_type_parse(&c->c.type, type) < 0)
		return bad(p, "type", "not a component type");
	if ((r = get_bool(p, o, "explicit", &c->c.explicit_)) < 0)
		return r;
	result = json_object_get(o, "result");
	if (json_is_null(result))
		c->result = BSET_RESULT_NONE;
	else if (json_is_string(result) &&
		 strcmp(json_string_value(result), "succeeded") == 0)
		c->result = BSET_RESULT_SUCCEEDED;
	else if (json_is_string(result) &&
		 strcmp(json_string_value(result), "failed") == 0)
		c->result = BSET_RESULT_FAILED;
	else
		return bad(p, "result", "not \"succeeded\", \"failed\" or null");
	return get_string(p, o, "message", true, &c->message);
}

/* ---- entries ----------------------------------------------------------- */

static const char *const entry_keys[] = {
	"volume", "path", "type", "mode", "uid", "gid", "user", "group",
	"mtime_ns", "atime_ns", "size", "link_target", "hardlink_of", "rdev",
	"sha256", "xattrs", "components",
};

static int
parse_type(struct parse *p, json_t *o, mode_t *ret)
{
	const char *name = json_string_value(json_object_get(o, "type"));

	if (!name || bset_type_parse(name, ret) < 0)
		return bad(p, "type", "not a file type");
	return 0;
}

static int
parse_xattrs(struct parse *p, json_t *o, struct bset_entry *e)
{
	json_t *x = json_object_get(o, "xattrs");
	const char **names;
	const uint8_t **values;
	size_t *sizes, n, klen;
	const char *text;
	uint8_t *value;
	void *it;
	int r;

	if (!json_is_object(x))
		return bad(p, "xattrs", "not an object");
	n = json_object_size(x);
	if (!n)
		return 0;
	names = calloc(n, sizeof(*names));
	values = calloc(n, sizeof(*values));
	sizes = calloc(n, sizeof(*sizes));
	e->xattr_names = names;
	e->xattr_values = values;
	e->xattr_sizes = sizes;
	if (!names || !values || !sizes)
		return -ENOMEM;
	for (it = json_object_iter(x); it; it = json_object_iter_next(x, it)) {
		klen = json_object_iter_key_len(it);
		if (klen == 0 || klen > BSET_XATTR_NAME_MAX ||
		    strlen(json_object_iter_key(it)) != klen)
			return bad(p, "xattrs", "bad attribute name");
		text = json_string_value(json_object_iter_value(it));
		if (!text)
			return bad(p, "xattrs", "\"%.64s\" is not a string",
				   json_object_iter_key(it));
		r = bset_base64_decode(text, strlen(text), &value,
				       &sizes[e->xattr_count]);
		if (r == -EINVAL)
			return bad(p, "xattrs", "\"%.64s\" is not base64",
				   json_object_iter_key(it));
		if (r < 0)
			return r;
		values[e->xattr_count] = value;
		names[e->xattr_count] = strdup(json_object_iter_key(it));
		e->xattr_count++;
		if (!names[e->xattr_count - 1])
			return -ENOMEM;
		if (sizes[e->xattr_count - 1] > BSET_XATTR_SIZE_MAX)
			return bad(p, "xattrs", "\"%.64s\" is too large",
				   json_object_iter_key(it));
	}
	return 0;
}

static int
parse_components(struct parse *p, json_t *o, const struct bset_manifest *m,
		 size_t i, struct bset_entry *e)
{
	json_t *list = json_object_get(o, "components"), *v;
	size_t *comps, k;
	int64_t c;

	if (!json_is_array(list))
		return bad(p, "components", "not a list");
	if (json_array_size(list) > m->component_count)
		return bad(p, "components", "longer than the component list");
	if (!json_array_size(list))
		return 0;
	comps = calloc(json_array_size(list), sizeof(*comps));
	if (!comps)
		return -ENOMEM;
	e->components = comps;
	json_array_foreach (list, k, v) {
		if (!json_is_integer(v))
			return bad(p, "components", "not a list of indices");
		c = json_integer_value(v);
		if (c < 0 || (uint64_t)c >= m->component_count)
			return bad(p, "components", "index %lld out of range",
				   (long long)c);
		if (p->seen[c] == i + 1)
			return bad(p, "components", "index %lld twice",
				   (long long)c);
		p->seen[c] = i + 1;
		comps[e->component_count++] = (size_t)c;
	}
	return 0;
}

static bool
is_sha256(const char *s)
{
	return strlen(s) == 64 &&
	       strspn(s, "0123456789abcdef") == 64;
}

/* The fields that depend on the type, and the place in the tree. */
static int
check_entry(struct parse *p, const struct bset_manifest *m,
	    const struct bset_entry *e)
{
	const struct bset_entry *first;
	char parent[BSET_PATH_MAX];
	const char *slash;
	size_t j;

	if (!S_ISREG(e->mode) &&
	    (e->size || e->sha256 || e->hardlink_of))
		return bad(p, NULL, "size, sha256 or hardlink_of on a %s",
			   bset_type_name(e->mode));
	if (S_ISLNK(e->mode) != (e->link_target != NULL))
		return bad(p, "link_target", S_ISLNK(e->mode) ?
			   "missing on a symlink" : "on a %s",
			   bset_type_name(e->mode));
	if (e->link_target && (!*e->link_target ||
			       strlen(e->link_target) >= BSET_PATH_MAX))
		return bad(p, "link_target", "empty or too long");
	if (e->rdev && !S_ISCHR(e->mode) && !S_ISBLK(e->mode))
		return bad(p, "rdev", "on a %s", bset_type_name(e->mode));
	if (S_ISREG(e->mode) && !e->hardlink_of &&
	    (!e->sha256 || !is_sha256(e->sha256)))
		return bad(p, "sha256", "not 64 lower-case hex digits");
	if (e->hardlink_of) {
		if (e->sha256)
			return bad(p, "sha256", "on a hard link");
		j = bset_manifest_find(m, e->volume, e->hardlink_of);
		first = j == (size_t)-1 ? NULL : &m->entries[j];
		if (!first || !S_ISREG(first->mode) || first->hardlink_of)
			return bad(p, "hardlink_of", "names no earlier regular "
				   "file of the volume");
		if (first->size != e->size)
			return bad(p, "size", "differs from the first link's");
	}
	if (bset_manifest_find(m, e->volume, e->path) != (size_t)-1)
		return bad(p, "path", "\"%.64s\" twice", e->path);
	if (!*e->path)
		return S_ISDIR(e->mode) ? 0 : bad(p, "path", "the root is not "
						    "a directory");
	/* The parent comes first, so that restore can create in order. */
	slash = strrchr(e->path, '/');
	snprintf(parent, sizeof(parent), "%.*s",
		 slash ? (int)(slash - e->path) : 0, e->path);
	j = bset_manifest_find(m, e->volume, parent);
	if (j == (size_t)-1 || !S_ISDIR(m->entries[j].mode))
		return bad(p, "path", "\"%.64s\" has no earlier parent directory",
			   e->path);
	return 0;
}

static int
parse_entry_fields(struct parse *p, json_t *o, struct bset_manifest *m,
		   size_t i, struct bset_entry *e)
{
	char *s;
	mode_t type;
	int64_t v;
	int r;

	if ((r = check_keys(p, o, entry_keys, ARRAY_SIZE(entry_keys))) < 0 ||
	    (r = get_int(p, o, "volume", 0, (int64_t)m->volume_count - 1,
			 &v)) < 0)
		return r;
	e->volume = (size_t)v;
	if ((r = get_string(p, o, "path", false, &s)) < 0)
		return r;
	e->path = s;
	if (!bset_path_valid(s))
		return bad(p, "path", "\"%.64s\" is not a clean relative path",
			   s);
	if ((r = parse_type(p, o, &type)) < 0 ||
	    (r = get_int(p, o, "mode", 0, 07777, &v)) < 0)
		return r;
	e->mode = type | (mode_t)v;
	if ((r = get_int(p, o, "uid", 0, UINT32_MAX - 1, &v)) < 0)
		return r;
	e->uid = (uid_t)v;
	if ((r = get_int(p, o, "gid", 0, UINT32_MAX - 1, &v)) < 0)
		return r;
	e->gid = (gid_t)v;
	/* The names are a help for people: checked, not kept. */
	if ((r = get_string(p, o, "user", true, &s)) < 0)
		return r;
	free(s);
	if ((r = get_string(p, o, "group", true, &s)) < 0)
		return r;
	free(s);
	if ((r = get_int(p, o, "mtime_ns", INT64_MIN, INT64_MAX,
			 &e->mtime_ns)) < 0 ||
	    (r = get_int(p, o, "atime_ns", INT64_MIN, INT64_MAX,
			 &e->atime_ns)) < 0 ||
	    (r = get_int(p, o, "size", 0, INT64_MAX, &v)) < 0)
		return r;
	e->size = (uint64_t)v;
	if ((r = get_string(p, o, "link_target", true, &s)) < 0)
		return r;
	e->link_target = s;
	if ((r = get_string(p, o, "hardlink_of", true, &s)) < 0)
		return r;
	e->hardlink_of = s;
	if (s && !bset_path_valid(s))
		return bad(p, "hardlink_of", "not a clean relative path");
	if ((r = get_int(p, o, "rdev", 0, INT64_MAX, &v)) < 0)
		return r;
	e->rdev = (dev_t)v;
	if ((r = get_string(p, o, "sha256", true, &s)) < 0)
		return r;
	e->sha256 = s;
	if ((r = parse_xattrs(p, o, e)) < 0 ||
	    (r = parse_components(p, o, m, i, e)) < 0)
		return r;
	return check_entry(p, m, e);
}

static int
parse_entry(struct parse *p, json_t *o, struct bset_manifest *m, size_t i)
{
	struct bset_entry e = {0};
	int r;

	r = parse_entry_fields(p, o, m, i, &e);
	if (r == 0)
		r = bset_manifest_append(m, &e);
	if (r < 0)
		bset_entry_release(&e);
	return r;
}

/* ---- the whole ---------------------------------------------------------- */

static int
parse_list(struct parse *p, json_t *root, const char *key, json_t **ret)
{
	*ret = json_object_get(root, key);
	if (!json_is_array(*ret))
		return bad(p, key, "not a list");
	return 0;
}

static int
parse_all(struct parse *p, json_t *root, struct bset_manifest *m)
{
	json_t *vols, *comps, *ents, *v;
	size_t i;
	int r;

	if ((r = parse_info(p, root, &m->info)) < 0 ||
	    (r = parse_list(p, root, "volumes", &vols)) < 0 ||
	    (r = parse_list(p, root, "components", &comps)) < 0 ||
	    (r = parse_list(p, root, "entries", &ents)) < 0)
		return r;
	m->volumes = calloc(json_array_size(vols) + 1, sizeof(*m->volumes));
	m->components = calloc(json_array_size(comps) + 1,
			       sizeof(*m->components));
	p->seen = calloc(json_array_size(comps) + 1, sizeof(*p->seen));
	if (!m->volumes || !m->components || !p->seen)
		return -ENOMEM;
	json_array_foreach (vols, i, v) {
		snprintf(p->where, sizeof(p->where), "volumes[%zu]", i);
		m->volume_count++;
		if ((r = parse_volume(p, v, &m->volumes[i])) < 0)
			return r;
	}
	json_array_foreach (comps, i, v) {
		snprintf(p->where, sizeof(p->where), "components[%zu]", i);
		m->component_count++;
		if ((r = parse_component(p, v, &m->components[i])) < 0)
			return r;
	}
	json_array_foreach (ents, i, v) {
		snprintf(p->where, sizeof(p->where), "entries[%zu]", i);
		if ((r = parse_entry(p, v, m, i)) < 0)
			return r;
	}
	return 0;
}

int
bset_manifest_parse(struct bset_manifest **ret, const char *json,
		    size_t len, char *err, size_t errlen)
{
	struct parse p = {.err = err, .errlen = errlen};
	struct bset_manifest *m;
	json_error_t jerr;
	json_t *root;
	int r;

	if (!ret || (!json && len))
		return -EINVAL;
	if (err && errlen)
		err[0] = '\0';
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return bad(&p, NULL, "line %d column %d: %s", jerr.line,
			   jerr.column, jerr.text);
	m = calloc(1, sizeof(*m));
	if (!m) {
		json_decref(root);
		return -ENOMEM;
	}
	r = parse_all(&p, root, m);
	free(p.seen);
	json_decref(root);
	if (r < 0) {
		if (r == -ENOMEM)
			bad(&p, NULL, "out of memory");
		bset_manifest_free(m);
		return r;
	}
	*ret = m;
	return 0;
}
