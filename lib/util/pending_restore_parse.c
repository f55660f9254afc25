/*
 * lib/util/pending_restore_parse.c - the text of a pending restore
 * journal (format in pending_restore.h): checked whole, line by line, and
 * turned into a struct pr_journal.  Nothing of a journal is applied unless
 * all of it passes: the header first, entries numbered 1, 2, ... with
 * clean relative targets outside the staging directory, then the end
 * record with the entry count and the SHA-256 of every byte before it,
 * ended by a newline and followed by nothing.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fsmeta.h"
#include "util/pending_restore_internal.h"
#include "util/relpath.h"
#include "util/sha256.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *
pr_type_name(mode_t type)
{
	/* A socket is in a backup set's manifest only: never staged. */
	if ((type & S_IFMT) != type || type == S_IFSOCK)
		return NULL;
	return fsmeta_type_name(type);
}

bool
pr_target_valid(const char *path)
{
	size_t n = strlen(PENDING_STAGE_DIR);

	return path && *path && relpath_valid(path) &&
	       !(strncmp(path, PENDING_STAGE_DIR, n) == 0 &&
		 (path[n] == '\0' || path[n] == '/'));
}

bool
pr_id_valid(const char *id)
{
	size_t i;

	for (i = 0; i < PR_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return id[PR_ID_LEN] == '\0';
}

uint64_t
pr_ino(ino_t ino)
{
	return (uint64_t)ino & (uint64_t)INT64_MAX;
}

void
pr_journal_release(struct pr_journal *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->count; i++) {
		free(j->entries[i].target);
		free(j->entries[i].component);
	}
	free(j->entries);
	free(j->backup_set);
	free(j->root);
	j->entries = NULL;
	j->count = 0;
	j->backup_set = NULL;
	j->root = NULL;
}

/* ---- one line ---------------------------------------------------------------- */

struct parser {
	struct pr_journal j;
	size_t cap;        /* of j.entries */
	size_t line;       /* 1-based, for errors */
	char *err;
	size_t errlen;
};

static int
bad(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
bad(struct parser *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->errlen && p->line)
		snprintf(p->err, p->errlen, "line %zu: %s", p->line, what);
	else if (p->errlen)
		snprintf(p->err, p->errlen, "%s", what);
	return -EBADMSG;
}

/* Exactly the keys of the list, each once (duplicates: the loader). */
static int
check_keys(struct parser *p, json_t *o, const char *const *keys, size_t n)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; i < n && strcmp(keys[i], key) != 0; i++)
			;
		if (i == n)
			return bad(p, "unknown key \"%.64s\"", key);
	}
	for (i = 0; i < n; i++)
		if (!json_object_get(o, keys[i]))
			return bad(p, "no \"%s\"", keys[i]);
	return 0;
}

static int
get_uint(struct parser *p, json_t *o, const char *key, uint64_t *ret)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(p, "\"%s\" is not a number >= 0", key);
	*ret = (uint64_t)json_integer_value(v);
	return 0;
}

static int
get_int(struct parser *p, json_t *o, const char *key, int64_t *ret)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return bad(p, "\"%s\" is not a number", key);
	*ret = (int64_t)json_integer_value(v);
	return 0;
}

/* A string without NUL bytes; with null_ok, null gives NULL. */
static int
get_string(struct parser *p, json_t *o, const char *key, bool null_ok,
	   const char **ret)
{
	json_t *v = json_object_get(o, key);

	if (null_ok && json_is_null(v)) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return bad(p, "\"%s\" is not a string%s", key,
			   null_ok ? " or null" : "");
	*ret = json_string_value(v);
	return 0;
}

static int
dup_string(const char *s, char **ret)
{
	if (!s) {
		*ret = NULL;
		return 0;
	}
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static const char *const header_keys[] = {
	"format", "version", "id", "boot_id", "created_ns", "backup_set",
	"root",
};

static int
parse_header(struct parser *p, json_t *o)
{
	const char *format, *id, *boot, *set, *root;
	uint64_t version;
	int r;

	if ((r = check_keys(p, o, header_keys, ARRAY_SIZE(header_keys))) < 0 ||
	    (r = get_string(p, o, "format", false, &format)) < 0)
		return r;
	if (strcmp(format, PR_FORMAT) != 0)
		return bad(p, "not a pending restore journal (format "
			   "\"%.64s\")", format);
	if ((r = get_uint(p, o, "version", &version)) < 0)
		return r;
	if (version != PR_VERSION)
		return bad(p, "version %llu, this vss reads %d",
			   (unsigned long long)version, PR_VERSION);
	if ((r = get_string(p, o, "id", false, &id)) < 0 ||
	    (r = get_string(p, o, "boot_id", false, &boot)) < 0 ||
	    (r = get_uint(p, o, "created_ns", &p->j.created_ns)) < 0 ||
	    (r = get_string(p, o, "backup_set", false, &set)) < 0 ||
	    (r = get_string(p, o, "root", false, &root)) < 0)
		return r;
	if (!pr_id_valid(id))
		return bad(p, "\"id\" is not %d lower-case hex digits",
			   PR_ID_LEN);
	if (strlen(boot) > PR_BOOT_ID_MAX)
		return bad(p, "\"boot_id\" is longer than %d bytes",
			   PR_BOOT_ID_MAX);
	if (!abspath_clean(root))
		return bad(p, "\"root\" \"%.64s\" is not a clean absolute "
			   "path", root);
	memcpy(p->j.id, id, PR_ID_LEN + 1);
	memcpy(p->j.boot_id, boot, strlen(boot) + 1);
	if (dup_string(set, &p->j.backup_set) < 0 ||
	    dup_string(root, &p->j.root) < 0)
		return -ENOMEM;
	return 0;
}

/* Every entry has these; a "dir" entry also its times. */
static const char *const entry_keys[] = {
	"n", "type", "target", "component", "ino", "size",
};
static const char *const dir_entry_keys[] = {
	"n", "type", "target", "component", "ino", "size", "atime_ns",
	"mtime_ns",
};

/* The keys of entry o, by its type (checked later). */
static int
check_entry_keys(struct parser *p, json_t *o)
{
	json_t *type = json_object_get(o, "type");

	if (json_is_string(type) && strcmp(json_string_value(type), "dir") == 0)
		return check_keys(p, o, dir_entry_keys,
				  ARRAY_SIZE(dir_entry_keys));
	return check_keys(p, o, entry_keys, ARRAY_SIZE(entry_keys));
}

static int
parse_entry(struct parser *p, json_t *o)
{
	struct pr_entry e = { 0 }, *grown;
	const char *type, *target, *component;
	uint64_t n;
	int r;

	if ((r = check_entry_keys(p, o)) < 0 ||
	    (r = get_uint(p, o, "n", &n)) < 0 ||
	    (r = get_string(p, o, "type", false, &type)) < 0 ||
	    (r = get_string(p, o, "target", false, &target)) < 0 ||
	    (r = get_string(p, o, "component", true, &component)) < 0 ||
	    (r = get_uint(p, o, "ino", &e.ino)) < 0 ||
	    (r = get_uint(p, o, "size", &e.size)) < 0)
		return r;
	if (json_object_get(o, "atime_ns") &&
	    ((r = get_int(p, o, "atime_ns", &e.atime_ns)) < 0 ||
	     (r = get_int(p, o, "mtime_ns", &e.mtime_ns)) < 0))
		return r;
	if (n != p->j.count + 1)
		return bad(p, "entry %llu where entry %zu belongs",
			   (unsigned long long)n, p->j.count + 1);
	if (fsmeta_type_parse(type, &e.type) < 0 || !pr_type_name(e.type))
		return bad(p, "unknown type \"%.32s\"", type);
	if (!pr_target_valid(target))
		return bad(p, "target \"%.64s\" is not a clean relative path "
			   "outside " PENDING_STAGE_DIR, target);
	if (p->j.count == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		grown = reallocarray(p->j.entries, p->cap, sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->j.entries = grown;
	}
	e.n = n;
	if (dup_string(target, &e.target) < 0 ||
	    dup_string(component, &e.component) < 0) {
		free(e.target);
		return -ENOMEM;
	}
	p->j.entries[p->j.count++] = e;
	return 0;
}

static const char *const end_keys[] = { "end", "sha256" };

/* The end record; text[0..before) is what its digest covers. */
static int
parse_end(struct parser *p, json_t *o, const char *text, size_t before)
{
	const char *sha;
	char hex[65];
	uint64_t count;
	int r;

	if ((r = check_keys(p, o, end_keys, ARRAY_SIZE(end_keys))) < 0 ||
	    (r = get_uint(p, o, "end", &count)) < 0 ||
	    (r = get_string(p, o, "sha256", false, &sha)) < 0)
		return r;
	if (count != p->j.count)
		return bad(p, "the end record counts %llu entries, %zu came "
			   "before", (unsigned long long)count, p->j.count);
	if ((r = sha256_buf_hex(text, before, hex)) < 0)
		return r;
	if (strcmp(hex, sha) != 0)
		return bad(p, "the journal is damaged: its lines hash to "
			   "%.12s..., the end record says %.12s...", hex, sha);
	return 0;
}

/* ---- the whole text ------------------------------------------------------- */

static int
parse_lines(struct parser *p, const char *text, size_t len)
{
	json_error_t jerr;
	const char *line, *nl;
	size_t pos = 0, n;
	bool end = false;
	json_t *o;
	int r;

	if (len == 0)
		return bad(p, "the journal is empty");
	if (len > PR_JOURNAL_MAX)
		return bad(p, "the journal is larger than %zu bytes",
			   PR_JOURNAL_MAX);
	while (pos < len) {
		p->line++;
		if (end)
			return bad(p, "text after the end record");
		line = text + pos;
		nl = memchr(line, '\n', len - pos);
		if (!nl)
			return bad(p, "no newline at the end: the journal is "
				   "truncated");
		n = (size_t)(nl - line);
		if (n > PR_LINE_MAX)
			return bad(p, "longer than %d bytes", PR_LINE_MAX);
		o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr);
		if (!o)
			return bad(p, "not JSON: %s", jerr.text);
		if (!json_is_object(o))
			r = bad(p, "not a JSON object");
		else if (p->line == 1)
			r = parse_header(p, o);
		else if (json_object_get(o, "end")) {
			r = parse_end(p, o, text, pos);
			end = true;
		} else
			r = parse_entry(p, o);
		json_decref(o);
		if (r < 0)
			return r;
		pos += n + 1;
	}
	if (!end)
		return bad(p, "no end record: the journal is truncated");
	return 0;
}

int
pr_journal_parse(const char *text, size_t len, struct pr_journal *ret,
		 char *err, size_t errlen)
{
	struct parser p = { .err = err, .errlen = errlen };
	int r;

	if (errlen)
		err[0] = '\0';
	if (!text && len)
		return -EINVAL;
	r = parse_lines(&p, text, len);
	if (r < 0) {
		pr_journal_release(&p.j);
		return r;
	}
	if (ret)
		*ret = p.j;
	else
		pr_journal_release(&p.j);
	return 0;
}

int
pending_restore_parse(const char *text, size_t len, char *err, size_t errlen)
{
	int r = pr_journal_parse(text, len, NULL, err, errlen);

	/* Only a damaged text answers -EBADMSG; memory is not its fault. */
	if (r == -ENOMEM && errlen)
		snprintf(err, errlen, "out of memory");
	return r;
}
