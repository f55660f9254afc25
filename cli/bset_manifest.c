/*
 * cli/bset_manifest.c - the strict parser of manifest.json, one line (one
 * record) at a time; bset_manifest_read.c feeds it the lines of a file or
 * of a text in memory.
 *
 * A manifest is read from a set that may have been tampered with or
 * damaged, and restore will create files from it, so nothing in it is
 * trusted: every record has exactly the documented keys, the records come
 * in the documented order, every path is a clean relative path (no "."
 * or "..", no empty element), every index is in range, a hard link names
 * an earlier regular file of its volume, every object's parent is an
 * earlier directory, the last line counts the records and holds the
 * SHA-256 of every byte before it, and a failure says where ("line 14:
 * entries[12].path: ...").  Memory: the line and jansson's tree of it
 * (each line is at most BSET_LINE_MAX), and the model, which is charged
 * against bset_model_max.  docs/backup-set.md is the format.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bset_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The records in the order they must come. */
enum stage {
	STAGE_NONE,
	STAGE_HEADER,
	STAGE_VOLUME,
	STAGE_COMPONENT,
	STAGE_DOCUMENT,
	STAGE_ENTRY,
	STAGE_FAILED,
	STAGE_END,
};

struct bset_parser {
	struct bset_manifest *m;
	char *err;
	size_t errlen;
	size_t line;
	char record[48]; /* "entries[12]", or "" */
	enum stage stage;
	size_t *seen;   /* per component: the entry that last listed it, + 1 */
	EVP_MD_CTX *md; /* over every line before the end record */
};

/* A bad manifest: the error says where and what; -EBADMSG. */
__attribute__((format(printf, 3, 4))) static int
bad(struct bset_parser *p, const char *key, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* "line 14: entries[12].path: ...", "line 1: format: ...". */
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "line %zu: %s%s%s%s%s", p->line,
			 p->record, *p->record && key ? "." : "",
			 key ? key : "", *p->record || key ? ": " : "", text);
	return -EBADMSG;
}

/* obj has exactly the keys in keys[]. */
static int
check_keys(struct bset_parser *p, json_t *obj, const char *const *keys,
	   size_t n)
{
	const char *key;
	json_t *v;
	size_t i;

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

/* A string, copied into *ret; NULL for null when nullable. */
static int
get_string(struct bset_parser *p, json_t *obj, const char *key, bool nullable,
	   char **ret)
{
	json_t *v = json_object_get(obj, key);

	*ret = NULL;
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(p, key, nullable ? "not a string or null" :
					      "not a string");
	/* jansson refuses \u0000 (no JSON_ALLOW_NUL): no NUL inside. */
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

static int
get_int(struct bset_parser *p, json_t *obj, const char *key, int64_t min,
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
get_bool(struct bset_parser *p, json_t *obj, const char *key, bool *ret)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_boolean(v))
		return bad(p, key, "not true or false");
	*ret = json_is_true(v);
	return 0;
}

/* An id; null is the null id when nullable. */
static int
get_id(struct bset_parser *p, json_t *obj, const char *key, bool nullable,
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

static bool
is_sha256(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* ---- the header and the records before the entries ------------------ */

static const char *const header_keys[] = {
	"format", "version", "snapshot_set_id", "context", "backup_type",
	"created", "freeze_window_ms", "application_consistent",
};

static int
parse_header(struct bset_parser *p, json_t *o, struct bset_info *info)
{
	json_t *format = json_object_get(o, "format");
	json_t *fw = json_object_get(o, "freeze_window_ms");
	const char *bt;
	int64_t v;
	int r;

	/* The format first: anything else is not worth a key-by-key error. */
	if (!json_is_string(format) ||
	    strcmp(json_string_value(format), BSET_FORMAT) != 0)
		return bad(p, "format", "not \"%s\"", BSET_FORMAT);
	if ((r = get_int(p, o, "version", BSET_VERSION, BSET_VERSION,
			 &v)) < 0 ||
	    (r = check_keys(p, o, header_keys, ARRAY_SIZE(header_keys))) < 0 ||
	    (r = get_id(p, o, "snapshot_set_id", true,
			&info->snapshot_set_id)) < 0 ||
	    (r = get_int(p, o, "context", INT32_MIN, INT32_MAX, &v)) < 0)
		return r;
	info->context = (int32_t)v;
	bt = json_string_value(json_object_get(o, "backup_type"));
	if (!bt || vss_backup_type_parse(&info->backup_type, bt) < 0)
		return bad(p, "backup_type", "not a backup type");
	if ((r = get_int(p, o, "created", INT64_MIN, INT64_MAX, &v)) < 0)
		return r;
	info->created = v;
	if (!json_is_number(fw) || !isfinite(json_number_value(fw)) ||
	    json_number_value(fw) < 0)
		return bad(p, "freeze_window_ms", "not a number >= 0");
	info->freeze_window_ms = json_number_value(fw);
	return get_bool(p, o, "application_consistent",
			&info->application_consistent);
}

static const char *const volume_keys[] = {
	"kind", "mount_point", "fstype", "shadow_root", "snapshot_id",
	"provider_id", "application_consistent",
};

static int
parse_volume(struct bset_parser *p, json_t *o)
{
	struct bset_volume v = {0};
	char *s;
	int r;

	if ((r = check_keys(p, o, volume_keys, ARRAY_SIZE(volume_keys))) < 0)
		return r;
	if ((r = get_string(p, o, "mount_point", false, &s)) < 0)
		goto out;
	v.mount_point = s;
	/*
	 * Where the volume's entries go back (restore): clean, so that
	 * nothing below it can climb out.
	 */
	if (!abspath_clean(s)) {
		r = bad(p, "mount_point",
			"not a clean absolute path (no empty, \".\" or "
			"\"..\" element, no trailing '/')");
		goto out;
	}
	if ((r = get_string(p, o, "fstype", true, &s)) < 0)
		goto out;
	v.fstype = s;
	if ((r = get_string(p, o, "shadow_root", true, &s)) < 0)
		goto out;
	v.shadow_root = s;
	if ((r = get_id(p, o, "snapshot_id", true, &v.snapshot_id)) < 0 ||
	    (r = get_id(p, o, "provider_id", true, &v.provider_id)) < 0 ||
	    (r = get_bool(p, o, "application_consistent",
			  &v.application_consistent)) < 0 ||
	    (r = bset_manifest_add_volume(p->m, &v)) < 0)
		goto out;
	return 0;
out:
	bset_volume_release(&v);
	return r;
}

static const char *const component_keys[] = {
	"kind", "class_id", "instance_id", "writer_name", "logical_path",
	"name", "type", "explicit", "result", "message",
};

static int
parse_component_fields(struct bset_parser *p, json_t *o, struct bset_comp *c)
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

static int
parse_component(struct bset_parser *p, json_t *o)
{
	struct bset_comp c = {0};
	int r;

	r = parse_component_fields(p, o, &c);
	if (r == 0)
		r = bset_manifest_add_comp(p->m, &c);
	if (r < 0)
		bset_comp_release(&c);
	return r;
}

static const char *const document_keys[] = {
	"kind", "path", "size", "sha256",
};

/* "bcd.xml" or "writers/<id>.xml", as bset_save_wmd() names them. */
static bool
document_path_valid(const char *path)
{
	char id[VSS_ID_STRLEN + 8];
	vss_id parsed;
	size_t n;

	if (strcmp(path, "bcd.xml") == 0)
		return true;
	if (strncmp(path, "writers/", 8) != 0)
		return false;
	n = strlen(path + 8);
	if (n < 5 || n - 4 >= sizeof(id) ||
	    strcmp(path + 8 + n - 4, ".xml") != 0)
		return false;
	memcpy(id, path + 8, n - 4);
	id[n - 4] = '\0';
	return vss_id_parse(&parsed, id) == 0 && !strchr(id, '{');
}

static int
parse_document(struct bset_parser *p, json_t *o)
{
	struct bset_document d = {0};
	char *sha = NULL;
	int64_t v;
	size_t i;
	int r;

	if (p->m->document_count >= BSET_DOCUMENTS_MAX)
		return bad(p, NULL, "more than %d documents",
			   BSET_DOCUMENTS_MAX);
	if ((r = check_keys(p, o, document_keys,
			    ARRAY_SIZE(document_keys))) < 0 ||
	    (r = get_int(p, o, "size", 0, INT64_MAX, &v)) < 0 ||
	    (r = get_string(p, o, "sha256", false, &sha)) < 0)
		return r;
	d.size = (uint64_t)v;
	if (!is_sha256(sha)) {
		free(sha);
		return bad(p, "sha256", "not 64 lower-case hex digits");
	}
	memcpy(d.sha256, sha, sizeof(d.sha256));
	free(sha);
	if ((r = get_string(p, o, "path", false, &d.path)) < 0)
		return r;
	if (!document_path_valid(d.path)) {
		r = bad(p, "path", "\"%.64s\" is not bcd.xml or "
			"writers/<id>.xml", d.path);
		goto fail;
	}
	for (i = 0; i < p->m->document_count; i++)
		if (strcmp(p->m->documents[i].path, d.path) == 0) {
			r = bad(p, "path", "\"%.64s\" twice", d.path);
			goto fail;
		}
	if ((r = bset_manifest_add_document(p->m, &d)) < 0)
		goto fail;
	return 0;
fail:
	free(d.path);
	return r;
}

/* ---- entries ----------------------------------------------------------- */

static const char *const entry_keys[] = {
	"kind", "volume", "path", "type", "mode", "uid", "gid", "user",
	"group", "mtime_ns", "atime_ns", "size", "link_target", "hardlink_of",
	"rdev", "sha256", "xattrs", "components",
};

static int
parse_type(struct bset_parser *p, json_t *o, mode_t *ret)
{
	const char *name = json_string_value(json_object_get(o, "type"));

	if (!name || fsmeta_type_parse(name, ret) < 0)
		return bad(p, "type", "not a file type");
	return 0;
}

static int
parse_xattrs(struct bset_parser *p, json_t *o, struct bset_entry *e)
{
	json_t *x = json_object_get(o, "xattrs"), *v;
	const char **names;
	const uint8_t **values;
	const char *key, *text;
	size_t *sizes, n;
	uint8_t *value;
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
	json_object_foreach (x, key, v) {
		/* jansson keys hold no NUL (no JSON_ALLOW_NUL). */
		if (!*key || strlen(key) > BSET_XATTR_NAME_MAX)
			return bad(p, "xattrs", "bad attribute name");
		text = json_string_value(v);
		if (!text)
			return bad(p, "xattrs", "\"%.64s\" is not a string",
				   key);
		r = bset_base64_decode(text, json_string_length(v), &value,
				       &sizes[e->xattr_count]);
		if (r == -EINVAL)
			return bad(p, "xattrs", "\"%.64s\" is not base64", key);
		if (r < 0)
			return r;
		values[e->xattr_count] = value;
		names[e->xattr_count] = strdup(key);
		e->xattr_count++;
		if (!names[e->xattr_count - 1])
			return -ENOMEM;
		if (sizes[e->xattr_count - 1] > BSET_XATTR_SIZE_MAX)
			return bad(p, "xattrs", "\"%.64s\" is too large", key);
	}
	return 0;
}

static int
parse_components(struct bset_parser *p, json_t *o, size_t i,
		 struct bset_entry *e)
{
	json_t *list = json_object_get(o, "components"), *v;
	const struct bset_manifest *m = p->m;
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

/* The fields that depend on the type, and the place in the tree. */
static int
check_entry(struct bset_parser *p, const struct bset_entry *e)
{
	const struct bset_manifest *m = p->m;
	const struct bset_entry *first;
	char parent[BSET_PATH_MAX];
	size_t j;

	if (!S_ISREG(e->mode) && (e->size || e->sha256 || e->hardlink_of))
		return bad(p, NULL, "size, sha256 or hardlink_of on a %s",
			   fsmeta_type_name(e->mode));
	if (S_ISLNK(e->mode) != (e->link_target != NULL))
		return bad(p, "link_target", S_ISLNK(e->mode) ?
			   "missing on a symlink" : "on a %s",
			   fsmeta_type_name(e->mode));
	if (e->link_target && (!*e->link_target ||
			       strlen(e->link_target) >= BSET_PATH_MAX))
		return bad(p, "link_target", "empty or too long");
	if (e->rdev && !S_ISCHR(e->mode) && !S_ISBLK(e->mode))
		return bad(p, "rdev", "on a %s", fsmeta_type_name(e->mode));
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
	bset_split_path(e->path, parent);
	j = bset_manifest_find(m, e->volume, parent);
	if (j == (size_t)-1 || !S_ISDIR(m->entries[j].mode))
		return bad(p, "path", "\"%.64s\" has no earlier parent directory",
			   e->path);
	return 0;
}

static int
parse_entry_fields(struct bset_parser *p, json_t *o, size_t i,
		   struct bset_entry *e)
{
	mode_t type;
	int64_t v;
	char *s;
	int r;

	if ((r = check_keys(p, o, entry_keys, ARRAY_SIZE(entry_keys))) < 0 ||
	    (r = get_int(p, o, "volume", 0, (int64_t)p->m->volume_count - 1,
			 &v)) < 0)
		return r;
	e->volume = (size_t)v;
	if ((r = get_string(p, o, "path", false, &s)) < 0)
		return r;
	e->path = s;
	if (!relpath_valid(s))
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
	if (s && !relpath_valid(s))
		return bad(p, "hardlink_of", "not a clean relative path");
	if ((r = get_int(p, o, "rdev", 0, INT64_MAX, &v)) < 0)
		return r;
	e->rdev = (dev_t)v;
	if ((r = get_string(p, o, "sha256", true, &s)) < 0)
		return r;
	e->sha256 = s;
	if ((r = parse_xattrs(p, o, e)) < 0 ||
	    (r = parse_components(p, o, i, e)) < 0)
		return r;
	return check_entry(p, e);
}

static int
parse_entry(struct bset_parser *p, json_t *o)
{
	struct bset_entry e = {0};
	int r;

	/* The components are all known now. */
	if (!p->seen) {
		p->seen = calloc(p->m->component_count + 1, sizeof(*p->seen));
		if (!p->seen)
			return -ENOMEM;
	}
	r = parse_entry_fields(p, o, p->m->entry_count, &e);
	if (r == 0)
		r = bset_manifest_append(p->m, &e);
	if (r < 0)
		bset_entry_release(&e);
	return r;
}

/* ---- objects not copied, the end ----------------------------------------- */

static const char *const failed_keys[] = {
	"kind", "volume", "path", "reason",
};

static int
parse_failed(struct bset_parser *p, json_t *o)
{
	struct bset_failure f = {0};
	int64_t v;
	int r;

	if (p->m->failure_count >= BSET_FAILURES_MAX)
		return bad(p, NULL, "more than %d failed objects",
			   BSET_FAILURES_MAX);
	if ((r = check_keys(p, o, failed_keys, ARRAY_SIZE(failed_keys))) < 0 ||
	    (r = get_int(p, o, "volume", 0, (int64_t)p->m->volume_count - 1,
			 &v)) < 0)
		return r;
	f.volume = (size_t)v;
	if ((r = get_string(p, o, "path", false, &f.path)) < 0 ||
	    (r = get_string(p, o, "reason", false, &f.reason)) < 0)
		goto fail;
	if (!relpath_valid(f.path)) {
		r = bad(p, "path", "\"%.64s\" is not a clean relative path",
			f.path);
		goto fail;
	}
	if ((r = bset_manifest_add_failure(p->m, &f)) < 0)
		goto fail;
	return 0;
fail:
	free(f.path);
	free(f.reason);
	return r;
}

static const char *const end_keys[] = {
	"kind", "volumes", "components", "documents", "entries", "failed",
	"failed_total", "sha256",
};

/* A count of the end record equal to what came. */
static int
check_count(struct bset_parser *p, json_t *o, const char *key, size_t count)
{
	int64_t v;
	int r;

	if ((r = get_int(p, o, key, 0, INT64_MAX, &v)) < 0)
		return r;
	if ((uint64_t)v != count)
		return bad(p, key, "%lld, but %zu came before", (long long)v,
			   count);
	return 0;
}

static int
parse_end(struct bset_parser *p, json_t *o)
{
	const struct bset_manifest *m = p->m;
	uint8_t md[EVP_MAX_MD_SIZE];
	const char *sha;
	char hex[65];
	int64_t v;
	int r;

	if ((r = check_keys(p, o, end_keys, ARRAY_SIZE(end_keys))) < 0 ||
	    (r = check_count(p, o, "volumes", m->volume_count)) < 0 ||
	    (r = check_count(p, o, "components", m->component_count)) < 0 ||
	    (r = check_count(p, o, "documents", m->document_count)) < 0 ||
	    (r = check_count(p, o, "entries", m->entry_count)) < 0 ||
	    (r = check_count(p, o, "failed", m->failure_count)) < 0 ||
	    (r = get_int(p, o, "failed_total", (int64_t)m->failure_count,
			 INT64_MAX, &v)) < 0)
		return r;
	p->m->failed = (uint64_t)v;
	sha = json_string_value(json_object_get(o, "sha256"));
	if (!sha || !is_sha256(sha))
		return bad(p, "sha256", "not 64 lower-case hex digits");
	if (!EVP_DigestFinal_ex(p->md, md, NULL))
		return -EIO;
	sha256_hex(md, hex);
	if (strcmp(hex, sha) != 0)
		return bad(p, "sha256", "the manifest is damaged: its lines "
			   "hash to %.12s..., the end record says %.12s...",
			   hex, sha);
	return 0;
}

/* ---- one line --------------------------------------------------------------- */

static const struct {
	const char *kind;
	enum stage stage;
	const char *list; /* the name of the records in errors */
	int (*parse)(struct bset_parser *p, json_t *o);
} kinds[] = {
	{"volume", STAGE_VOLUME, "volumes", parse_volume},
	{"component", STAGE_COMPONENT, "components", parse_component},
	{"document", STAGE_DOCUMENT, "documents", parse_document},
	{"entry", STAGE_ENTRY, "entries", parse_entry},
	{"failed", STAGE_FAILED, "failed", parse_failed},
	{"end", STAGE_END, "end", parse_end},
};

/* How many records of that stage came before this one. */
static size_t
stage_count(const struct bset_manifest *m, enum stage stage)
{
	switch (stage) {
	case STAGE_VOLUME:
		return m->volume_count;
	case STAGE_COMPONENT:
		return m->component_count;
	case STAGE_DOCUMENT:
		return m->document_count;
	case STAGE_ENTRY:
		return m->entry_count;
	case STAGE_FAILED:
		return m->failure_count;
	default:
		return 0;
	}
}

static int
parse_record(struct bset_parser *p, json_t *o)
{
	const char *kind;
	size_t i;

	if (p->stage == STAGE_NONE) {
		p->stage = STAGE_HEADER;
		return parse_header(p, o, &p->m->info);
	}
	kind = json_string_value(json_object_get(o, "kind"));
	if (!kind)
		return bad(p, "kind", "missing or not a string");
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			break;
	if (i == ARRAY_SIZE(kinds))
		return bad(p, "kind", "\"%.32s\" is not a kind of record",
			   kind);
	if (kinds[i].stage < p->stage)
		return bad(p, NULL, "a %s record after the %s records", kind,
			   kinds[p->stage - STAGE_VOLUME].list);
	p->stage = kinds[i].stage;
	if (p->stage == STAGE_END)
		snprintf(p->record, sizeof(p->record), "end");
	else
		snprintf(p->record, sizeof(p->record), "%s[%zu]",
			 kinds[i].list, stage_count(p->m, p->stage));
	return kinds[i].parse(p, o);
}

bool
bset_parser_ended(const struct bset_parser *p)
{
	return p->stage == STAGE_END;
}

int
bset_parser_line(struct bset_parser *p, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *o;
	int r;

	p->line++;
	p->record[0] = '\0';
	if (p->stage == STAGE_END)
		return bad(p, NULL, "more after the end record");
	if (len >= BSET_LINE_MAX)
		return bad(p, NULL, "longer than %zu bytes", BSET_LINE_MAX - 1);
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return bad(p, NULL, "column %d: %s", jerr.column, jerr.text);
	r = json_is_object(o) ? parse_record(p, o) :
				bad(p, NULL, "not a JSON object");
	json_decref(o);
	if (r == -ENOMEM)
		return bad(p, NULL, "out of memory"), -ENOMEM;
	if (r == -EFBIG)
		return bad(p, NULL, "the manifest needs more than %zu MiB of "
			   "memory: too large to load", bset_model_max >> 20),
		       -EFBIG;
	/* Every line before the end record is in its digest. */
	if (r == 0 && p->stage != STAGE_END &&
	    (!EVP_DigestUpdate(p->md, line, len) ||
	     !EVP_DigestUpdate(p->md, "\n", 1)))
		return -EIO;
	return r;
}

/* ---- the parser ------------------------------------------------------------- */

int
bset_parser_new(struct bset_parser **ret, char *err, size_t errlen)
{
	struct bset_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->err = err;
	p->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	p->m = calloc(1, sizeof(*p->m));
	p->md = EVP_MD_CTX_new();
	if (!p->m || !p->md ||
	    !EVP_DigestInit_ex(p->md, EVP_sha256(), NULL)) {
		bset_parser_free(p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

void
bset_parser_free(struct bset_parser *p)
{
	if (!p)
		return;
	bset_manifest_free(p->m);
	EVP_MD_CTX_free(p->md);
	free(p->seen);
	free(p);
}

int
bset_parser_finish(struct bset_parser *p, struct bset_manifest **ret)
{
	p->record[0] = '\0';
	if (p->stage == STAGE_NONE) {
		if (p->err && p->errlen)
			snprintf(p->err, p->errlen, "empty: no header line");
		return -EBADMSG;
	}
	if (p->stage != STAGE_END)
		return bad(p, NULL, "no end record: the manifest is "
			   "incomplete");
	*ret = p->m;
	p->m = NULL;
	return 0;
}
