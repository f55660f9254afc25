/*
 * cli/bset_manifest_write.c - manifest.json from the manifest in memory,
 * and the base64 of extended attribute values.  docs/backup-set.md is the
 * schema; bset_manifest.c reads it back.
 */
#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "bset_internal.h"

static const char b64_digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
bset_base64_encode(const uint8_t *data, size_t size)
{
	char *out, *p;
	size_t i;
	uint32_t v;

	out = malloc((size + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	p = out;
	for (i = 0; i + 2 < size; i += 3) {
		v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 |
		    data[i + 2];
		*p++ = b64_digits[v >> 18];
		*p++ = b64_digits[(v >> 12) & 63];
		*p++ = b64_digits[(v >> 6) & 63];
		*p++ = b64_digits[v & 63];
	}
	if (i < size) {
		v = (uint32_t)data[i] << 16;
		if (i + 1 < size)
			v |= (uint32_t)data[i + 1] << 8;
		*p++ = b64_digits[v >> 18];
		*p++ = b64_digits[(v >> 12) & 63];
		*p++ = i + 1 < size ? b64_digits[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

static int
b64_value(char c)
{
	const char *d = c ? strchr(b64_digits, c) : NULL;

	return d ? (int)(d - b64_digits) : -1;
}

int
bset_base64_decode(const char *text, size_t len, uint8_t **ret,
		   size_t *ret_size)
{
	size_t i, n = 0, pad = 0;
	uint8_t *out;
	uint32_t v;
	int d, k;

	if (len % 4)
		return -EINVAL;
	if (len && text[len - 1] == '=')
		pad = len >= 2 && text[len - 2] == '=' ? 2 : 1;
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < len; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			/* Padding only in the last group's last places. */
			if (i + 4 == len && k >= 4 - (int)pad) {
				v <<= 6;
				continue;
			}
			d = b64_value(text[i + k]);
			if (d < 0) {
				free(out);
				return -EINVAL;
			}
			v = v << 6 | (uint32_t)d;
		}
		out[n++] = (uint8_t)(v >> 16);
		out[n++] = (uint8_t)(v >> 8);
		out[n++] = (uint8_t)v;
	}
	*ret = out;
	*ret_size = n - pad;
	return 0;
}

/* ---- names of owners, a help for people reading the manifest ---------- */

#define NAME_CACHE 16

struct name_cache {
	struct {
		bool used;
		unsigned id;
		char name[64];
		bool found;
	} slot[NAME_CACHE];
	size_t next;
};

static const char *
lookup_name(struct name_cache *c, unsigned id, bool group)
{
	char buf[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	const char *name = NULL;
	size_t i;

	for (i = 0; i < NAME_CACHE; i++)
		if (c->slot[i].used && c->slot[i].id == id)
			return c->slot[i].found ? c->slot[i].name : NULL;
	if (group) {
		if (getgrgid_r(id, &gr, buf, sizeof(buf), &grp) == 0 && grp)
			name = grp->gr_name;
	} else {
		if (getpwuid_r(id, &pw, buf, sizeof(buf), &pwp) == 0 && pwp)
			name = pwp->pw_name;
	}
	i = c->next++ % NAME_CACHE;
	c->slot[i].used = true;
	c->slot[i].id = id;
	c->slot[i].found = name && strlen(name) < sizeof(c->slot[i].name);
	if (c->slot[i].found)
		strcpy(c->slot[i].name, name);
	return c->slot[i].found ? c->slot[i].name : NULL;
}

/* ---- JSON ---------------------------------------------------------------- */

/* json_string() of s, or json null for NULL. */
static json_t *
string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
id_or_null(const vss_id *id)
{
	char text[VSS_ID_STRLEN];

	if (vss_id_is_null(id))
		return json_null();
	vss_id_format(id, text);
	return json_string(text);
}

/*
 * Set key to value in obj, taking the reference; a NULL value (failed to
 * build) makes the whole fail.
 */
static bool
put(json_t *obj, const char *key, json_t *value)
{
	return value && json_object_set_new(obj, key, value) == 0;
}

static json_t *
dump_volume(const struct bset_volume *v)
{
	json_t *o = json_object();

	if (!o || !put(o, "mount_point", json_string(v->mount_point)) ||
	    !put(o, "fstype", string_or_null(v->fstype)) ||
	    !put(o, "shadow_root", string_or_null(v->shadow_root)) ||
	    !put(o, "snapshot_id", id_or_null(&v->snapshot_id)) ||
	    !put(o, "provider_id", id_or_null(&v->provider_id)) ||
	    !put(o, "application_consistent",
		 json_boolean(v->application_consistent))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
dump_component(const struct bset_comp *c)
{
	static const char *const results[] = {
		[BSET_RESULT_SUCCEEDED] = "succeeded",
		[BSET_RESULT_FAILED] = "failed",
	};
	json_t *o = json_object();

	if (!o || !put(o, "class_id", id_or_null(&c->c.class_id)) ||
	    !put(o, "instance_id", id_or_null(&c->c.instance_id)) ||
	    !put(o, "writer_name", string_or_null(c->c.writer_name)) ||
	    !put(o, "logical_path", string_or_null(c->c.logical_path)) ||
	    !put(o, "name", json_string(c->c.name)) ||
	    !put(o, "type", json_string(vss_component_type_str(c->c.type))) ||
	    !put(o, "explicit", json_boolean(c->c.explicit_)) ||
	    !put(o, "result", string_or_null(results[c->result])) ||
	    !put(o, "message", string_or_null(c->message))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
dump_xattrs(const struct bset_entry *e)
{
	json_t *o = json_object();
	char *text;
	size_t i;

	for (i = 0; o && i < e->xattr_count; i++) {
		text = bset_base64_encode(e->xattr_values[i], e->xattr_sizes[i]);
		if (!text || !put(o, e->xattr_names[i], json_string(text))) {
			json_decref(o);
			o = NULL;
		}
		free(text);
	}
	return o;
}

static json_t *
dump_entry(const struct bset_entry *e, struct name_cache *names)
{
	json_t *o = json_object(), *comps = json_array();
	size_t i;

	for (i = 0; comps && i < e->component_count; i++)
		if (json_array_append_new(comps,
					  json_integer((json_int_t)
							       e->components[i])))
			goto fail;
	if (!o || !comps || !put(o, "volume", json_integer((json_int_t)e->volume)) ||
	    !put(o, "path", json_string(e->path)) ||
	    !put(o, "type", json_string(bset_type_name(e->mode))) ||
	    !put(o, "mode", json_integer(e->mode & 07777)) ||
	    !put(o, "uid", json_integer(e->uid)) ||
	    !put(o, "gid", json_integer(e->gid)) ||
	    !put(o, "user", string_or_null(lookup_name(names, e->uid, false))) ||
	    !put(o, "group", string_or_null(lookup_name(names, e->gid, true))) ||
	    !put(o, "mtime_ns", json_integer(e->mtime_ns)) ||
	    !put(o, "atime_ns", json_integer(e->atime_ns)) ||
	    !put(o, "size", json_integer((json_int_t)e->size)) ||
	    !put(o, "link_target", string_or_null(e->link_target)) ||
	    !put(o, "hardlink_of", string_or_null(e->hardlink_of)) ||
	    !put(o, "rdev", json_integer((json_int_t)e->rdev)) ||
	    !put(o, "sha256", string_or_null(e->sha256)) ||
	    !put(o, "xattrs", dump_xattrs(e)))
		goto fail;
	if (!put(o, "components", comps)) {
		comps = NULL;
		goto fail;
	}
	return o;
fail:
	json_decref(comps);
	json_decref(o);
	return NULL;
}

/* Append what make(item) builds for each of n items to a new list. */
#define DUMP_LIST(list, items, n, make)                                        \
	do {                                                                   \
		size_t i_;                                                     \
		list = json_array();                                           \
		for (i_ = 0; list && i_ < (n); i_++)                           \
			if (json_array_append_new(list, make)) {               \
				json_decref(list);                             \
				list = NULL;                                   \
			}                                                      \
	} while (0)

int
bset_manifest_dump(const struct bset_manifest *m, char **ret,
		   size_t *ret_len)
{
	const struct bset_info *info = &m->info;
	struct name_cache *names;
	json_t *root, *vols, *comps, *ents;
	char *text;

	names = calloc(1, sizeof(*names));
	root = json_object();
	DUMP_LIST(vols, m->volumes, m->volume_count,
		  dump_volume(&m->volumes[i_]));
	DUMP_LIST(comps, m->components, m->component_count,
		  dump_component(&m->components[i_]));
	DUMP_LIST(ents, m->entries, m->entry_count,
		  names ? dump_entry(&m->entries[i_], names) : NULL);
	free(names);
	if (!root || !vols || !comps || !ents ||
	    !put(root, "format", json_string(BSET_FORMAT)) ||
	    !put(root, "version", json_integer(BSET_VERSION)) ||
	    !put(root, "snapshot_set_id", id_or_null(&info->snapshot_set_id)) ||
	    !put(root, "context", json_integer(info->context)) ||
	    !put(root, "backup_type",
		 json_string(vss_backup_type_str(info->backup_type))) ||
	    !put(root, "created", json_integer(info->created)) ||
	    !put(root, "freeze_window_ms", json_real(info->freeze_window_ms)) ||
	    !put(root, "application_consistent",
		 json_boolean(info->application_consistent))) {
		json_decref(root);
		json_decref(vols);
		json_decref(comps);
		json_decref(ents);
		return -ENOMEM;
	}
	/* The lists last, so that the manifest reads top down. */
	json_object_set_new(root, "volumes", vols);
	json_object_set_new(root, "components", comps);
	json_object_set_new(root, "entries", ents);
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	*ret = text;
	*ret_len = strlen(text);
	return 0;
}

bool
bset_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	int n, i;

	while (*p) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			c = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			c = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			c = *p & 0x07;
		} else {
			return false;
		}
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and past U+10FFFF. */
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
		    (n == 3 && c < 0x10000) || (c >= 0xd800 && c <= 0xdfff) ||
		    c > 0x10ffff)
			return false;
		p += n + 1;
	}
	return true;
}
