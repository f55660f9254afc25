/*
 * cli/bset_manifest_write.c - manifest.json from the manifest in memory,
 * one line per record (JSON Lines), with the SHA-256 of all of it in the
 * last line; the base64 of extended attribute values; UTF-8 checks.
 * docs/backup-set.md is the format; bset_manifest.c reads it back.
 *
 * Each line is made by hand into one buffer, which is hashed and written
 * whenever it passes 64 KiB: memory stays at one buffer whatever the
 * number of objects, where a JSON tree of the whole manifest took tens
 * of times its size.  Every string is UTF-8 (checked as it is written)
 * and escaped as RFC 8259 says.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
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
#define NAME_LEN 64

/* Recent names by (kind, id): a uid and a gid of the same number differ. */
struct name_cache {
	struct {
		bool used;
		bool group;
		unsigned id;
		char name[NAME_LEN];
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
		if (c->slot[i].used && c->slot[i].group == group &&
		    c->slot[i].id == id)
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
	c->slot[i].group = group;
	c->slot[i].id = id;
	/* Only a name the manifest can hold: UTF-8, short. */
	c->slot[i].found = name && strlen(name) < NAME_LEN &&
			   bset_utf8_valid(name);
	if (c->slot[i].found)
		strcpy(c->slot[i].name, name);
	return c->slot[i].found ? c->slot[i].name : NULL;
}

/* ---- the lines ------------------------------------------------------------ */

#define FLUSH_AT ((size_t)64 << 10)

struct out {
	char *buf;
	size_t len, cap;
	size_t line_start; /* where in buf the line being made begins */
	EVP_MD_CTX *md;     /* over every byte before the end record */
	int (*write)(void *u, const void *data, size_t len);
	void *u;
	int err;            /* the first error; nothing more is done */
	struct name_cache names;
};

static bool
reserve(struct out *o, size_t n)
{
	size_t cap;
	char *grown;

	if (o->err)
		return false;
	if (o->cap - o->len >= n)
		return true;
	cap = o->cap ? o->cap : FLUSH_AT;
	while (cap - o->len < n)
		cap *= 2;
	grown = realloc(o->buf, cap);
	if (!grown) {
		o->err = -ENOMEM;
		return false;
	}
	o->buf = grown;
	o->cap = cap;
	return true;
}

static void
put_raw(struct out *o, const char *s, size_t n)
{
	if (!reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

__attribute__((format(printf, 2, 3))) static void
put_fmt(struct out *o, const char *fmt, ...)
{
	char text[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	put_raw(o, text, (size_t)n);
}

/* A JSON string, or null for NULL. */
static void
put_str(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char *d;

	if (!s) {
		put_raw(o, "null", 4);
		return;
	}
	if (!bset_utf8_valid(s)) {
		if (!o->err)
			o->err = -EILSEQ;
		return;
	}
	/* At most 6 bytes for each byte in, and the quotes. */
	if (!reserve(o, 6 * strlen(s) + 2))
		return;
	d = o->buf + o->len;
	*d++ = '"';
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			*d++ = '\\';
			*d++ = (char)*p;
		} else if (*p < 0x20) {
			memcpy(d, "\\u00", 4);
			d[4] = hex[*p >> 4];
			d[5] = hex[*p & 15];
			d += 6;
		} else {
			*d++ = (char)*p;
		}
	}
	*d++ = '"';
	o->len = (size_t)(d - o->buf);
}

/* ,"key": (the first key of a record opens it instead) */
static void
put_key(struct out *o, const char *key)
{
	put_raw(o, ",\"", 2);
	put_raw(o, key, strlen(key));
	put_raw(o, "\":", 2);
}

static void
put_kind(struct out *o, const char *kind)
{
	put_raw(o, "{\"kind\":\"", 9);
	put_raw(o, kind, strlen(kind));
	put_raw(o, "\"", 1);
}

static void
key_str(struct out *o, const char *key, const char *s)
{
	put_key(o, key);
	put_str(o, s);
}

static void
key_int(struct out *o, const char *key, int64_t v)
{
	put_key(o, key);
	put_fmt(o, "%" PRId64, v);
}

static void
key_uint(struct out *o, const char *key, uint64_t v)
{
	put_key(o, key);
	put_fmt(o, "%" PRIu64, v);
}

static void
key_bool(struct out *o, const char *key, bool v)
{
	put_key(o, key);
	put_raw(o, v ? "true" : "false", v ? 4 : 5);
}

static void
key_id(struct out *o, const char *key, const vss_id *id)
{
	char text[VSS_ID_STRLEN];

	if (vss_id_is_null(id)) {
		key_str(o, key, NULL);
		return;
	}
	vss_id_format(id, text);
	key_str(o, key, text);
}

/* Hash and write what is buffered. */
static void
flush(struct out *o)
{
	int r;

	if (o->err || !o->len)
		return;
	if (!EVP_DigestUpdate(o->md, o->buf, o->len)) {
		o->err = -EIO;
		return;
	}
	if ((r = o->write(o->u, o->buf, o->len)) < 0)
		o->err = r;
	o->len = 0;
}

/*
 * The end of a record: its line, flushed past FLUSH_AT.  A line the
 * reader would refuse (BSET_LINE_MAX with its newline) fails the write:
 * any record may hold strings from writers (names, logical paths).
 */
static void
end_line(struct out *o)
{
	put_raw(o, "}\n", 2);
	if (!o->err && o->len - o->line_start > BSET_LINE_MAX)
		o->err = -E2BIG;
	if (o->len >= FLUSH_AT)
		flush(o);
	o->line_start = o->len;
}

/* ---- the records ------------------------------------------------------------ */

static void
put_header(struct out *o, const struct bset_info *info)
{
	put_raw(o, "{\"format\":", 10);
	put_str(o, BSET_FORMAT);
	key_int(o, "version", BSET_VERSION);
	key_id(o, "snapshot_set_id", &info->snapshot_set_id);
	key_int(o, "context", info->context);
	key_str(o, "backup_type", vss_backup_type_str(info->backup_type));
	key_int(o, "created", info->created);
	put_key(o, "freeze_window_ms");
	/* Enough digits to read back the same double; finite (commit). */
	put_fmt(o, "%.17g", info->freeze_window_ms);
	key_bool(o, "application_consistent", info->application_consistent);
	end_line(o);
}

static void
put_volume(struct out *o, const struct bset_volume *v)
{
	put_kind(o, "volume");
	key_str(o, "mount_point", v->mount_point);
	key_str(o, "fstype", v->fstype);
	key_str(o, "shadow_root", v->shadow_root);
	key_id(o, "snapshot_id", &v->snapshot_id);
	key_id(o, "provider_id", &v->provider_id);
	key_bool(o, "application_consistent", v->application_consistent);
	end_line(o);
}

static void
put_component(struct out *o, const struct bset_comp *c)
{
	static const char *const results[] = {
		[BSET_RESULT_SUCCEEDED] = "succeeded",
		[BSET_RESULT_FAILED] = "failed",
	};

	put_kind(o, "component");
	key_id(o, "class_id", &c->c.class_id);
	key_id(o, "instance_id", &c->c.instance_id);
	key_str(o, "writer_name", c->c.writer_name);
	key_str(o, "logical_path", c->c.logical_path);
	key_str(o, "name", c->c.name);
	key_str(o, "type", vss_component_type_str(c->c.type));
	key_bool(o, "explicit", c->c.explicit_);
	key_str(o, "result", results[c->result]);
	key_str(o, "message", c->message);
	end_line(o);
}

static void
put_document(struct out *o, const struct bset_document *d)
{
	put_kind(o, "document");
	key_str(o, "path", d->path);
	key_uint(o, "size", d->size);
	key_str(o, "sha256", d->sha256);
	end_line(o);
}

static void
put_xattrs(struct out *o, const struct bset_entry *e)
{
	char *text;
	size_t i;

	put_key(o, "xattrs");
	put_raw(o, "{", 1);
	for (i = 0; i < e->xattr_count; i++) {
		if (i)
			put_raw(o, ",", 1);
		put_str(o, e->xattr_names[i]);
		put_raw(o, ":", 1);
		text = bset_base64_encode(e->xattr_values[i], e->xattr_sizes[i]);
		if (!text) {
			if (!o->err)
				o->err = -ENOMEM;
			return;
		}
		put_str(o, text);
		free(text);
	}
	put_raw(o, "}", 1);
}

static void
put_entry(struct out *o, const struct bset_entry *e)
{
	size_t i;

	put_kind(o, "entry");
	key_uint(o, "volume", e->volume);
	key_str(o, "path", e->path);
	key_str(o, "type", fsmeta_type_name(e->mode));
	key_uint(o, "mode", e->mode & 07777);
	key_uint(o, "uid", e->uid);
	key_uint(o, "gid", e->gid);
	key_str(o, "user", lookup_name(&o->names, e->uid, false));
	key_str(o, "group", lookup_name(&o->names, e->gid, true));
	key_int(o, "mtime_ns", e->mtime_ns);
	key_int(o, "atime_ns", e->atime_ns);
	key_uint(o, "size", e->size);
	key_str(o, "link_target", e->link_target);
	key_str(o, "hardlink_of", e->hardlink_of);
	key_uint(o, "rdev", e->rdev);
	key_str(o, "sha256", e->sha256);
	put_xattrs(o, e);
	put_key(o, "components");
	put_raw(o, "[", 1);
	for (i = 0; i < e->component_count; i++)
		put_fmt(o, i ? ",%zu" : "%zu", e->components[i]);
	put_raw(o, "]", 1);
	end_line(o);
}

static void
put_failure(struct out *o, const struct bset_failure *f)
{
	put_kind(o, "failed");
	key_uint(o, "volume", f->volume);
	key_str(o, "path", f->path);
	key_str(o, "reason", f->reason);
	end_line(o);
}

/* The last line: the counts, and the SHA-256 of every byte before it. */
static void
put_end(struct out *o, const struct bset_manifest *m)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	char hex[65];

	flush(o);
	if (o->err)
		return;
	if (!EVP_DigestFinal_ex(o->md, md, NULL)) {
		o->err = -EIO;
		return;
	}
	sha256_hex(md, hex);
	put_kind(o, "end");
	key_uint(o, "volumes", m->volume_count);
	key_uint(o, "components", m->component_count);
	key_uint(o, "documents", m->document_count);
	key_uint(o, "entries", m->entry_count);
	key_uint(o, "failed", m->failure_count);
	key_uint(o, "failed_total", m->failed);
	key_str(o, "sha256", hex);
	put_raw(o, "}\n", 2);
	if (!o->err && (o->err = o->write(o->u, o->buf, o->len)) == 0)
		o->len = 0;
}

int
bset_manifest_write(const struct bset_manifest *m,
		    int (*write)(void *u, const void *data, size_t len),
		    void *u)
{
	struct out o = {.write = write, .u = u};
	size_t i;

	o.md = EVP_MD_CTX_new();
	if (!o.md)
		return -ENOMEM;
	if (!EVP_DigestInit_ex(o.md, EVP_sha256(), NULL))
		o.err = -EIO;
	put_header(&o, &m->info);
	for (i = 0; !o.err && i < m->volume_count; i++)
		put_volume(&o, &m->volumes[i]);
	for (i = 0; !o.err && i < m->component_count; i++)
		put_component(&o, &m->components[i]);
	for (i = 0; !o.err && i < m->document_count; i++)
		put_document(&o, &m->documents[i]);
	for (i = 0; !o.err && i < m->entry_count; i++)
		put_entry(&o, &m->entries[i]);
	for (i = 0; !o.err && i < m->failure_count; i++)
		put_failure(&o, &m->failures[i]);
	put_end(&o, m);
	EVP_MD_CTX_free(o.md);
	free(o.buf);
	return o.err;
}

/* A JSON string of s written by put_str(): at most 6 bytes a byte. */
static size_t
str_max(const char *s)
{
	return s ? 6 * strlen(s) + 2 : 4;
}

size_t
bset_entry_line_max(const struct bset_entry *e)
{
	/* Keys, punctuation, numbers, names of owners (NAME_LEN each). */
	size_t n = 1024 + 2 * 6 * NAME_LEN, i;

	n += str_max(e->path) + str_max(e->link_target) +
	     str_max(e->hardlink_of) + str_max(e->sha256);
	for (i = 0; i < e->xattr_count; i++)
		n += str_max(e->xattr_names[i]) + 2 +
		     (e->xattr_sizes[i] + 2) / 3 * 4 + 2;
	return n + 21 * e->component_count;
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

char *
bset_utf8_sanitize(const char *s, size_t max)
{
	size_t n = 0, k, len = strlen(s);
	char *out = malloc((len < max ? len : max) + 1), c[5];

	if (!out)
		return NULL;
	while (*s) {
		/* One character: 1 to 4 bytes, kept whole or as '?'. */
		k = 1;
		if ((unsigned char)*s >= 0x80)
			for (k = 2; k <= strnlen(s, 4); k++) {
				memcpy(c, s, k);
				c[k] = '\0';
				if (bset_utf8_valid(c))
					break;
			}
		if (k > strnlen(s, 4)) {
			if (n + 1 > max)
				break;
			out[n++] = '?';
			s++;
			continue;
		}
		if (n + k > max)
			break;
		memcpy(out + n, s, k);
		n += k;
		s += k;
	}
	out[n] = '\0';
	return out;
}
