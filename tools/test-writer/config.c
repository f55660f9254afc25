/*
 * tools/test-writer/config.c - the test writer's configuration: the INI
 * file (read with inih), the command-line flags, and the writer metadata
 * document both describe.  The format is in docs/vss-test-writer.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include <vss/status.h>

#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A configuration file is small; refuse what is plainly not one. */
#define CONFIG_MAX_SIZE (1024 * 1024)
/* The longest stall and stream period accepted: one day. */
#define MAX_MS (24U * 3600U * 1000U)
/* Tokens of the longest value: a file set with both options. */
#define MAX_TOKENS 6

static const char *const event_names[TW_EV_COUNT] = {
	[TW_EV_IDENTIFY] = "identify",
	[TW_EV_PREPARE_BACKUP] = "prepare_backup",
	[TW_EV_PREPARE_SNAPSHOT] = "prepare_snapshot",
	[TW_EV_FREEZE] = "freeze",
	[TW_EV_THAW] = "thaw",
	[TW_EV_POST_SNAPSHOT] = "post_snapshot",
	[TW_EV_ABORT] = "abort",
	[TW_EV_BACKUP_COMPLETE] = "backup_complete",
	[TW_EV_BACKUP_SHUTDOWN] = "backup_shutdown",
	[TW_EV_PRE_RESTORE] = "pre_restore",
	[TW_EV_POST_RESTORE] = "post_restore",
};

struct name_value {
	const char *name;
	uint32_t value;
};

/* The failures SetWriterFailure accepts (BK-033). */
#define FAILURE_CHOICES                                                        \
	"retryable, nonretryable, outofresources, inconsistentsnapshot, "      \
	"timeout"
static const struct name_value failure_names[] = {
	{"retryable", (uint32_t)VSS_E_WRITERERROR_RETRYABLE},
	{"nonretryable", (uint32_t)VSS_E_WRITERERROR_NONRETRYABLE},
	{"outofresources", (uint32_t)VSS_E_WRITERERROR_OUTOFRESOURCES},
	{"inconsistentsnapshot",
	 (uint32_t)VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT},
	{"timeout", (uint32_t)VSS_E_WRITERERROR_TIMEOUT},
};

static const struct name_value level_names[] = {
	{"front_end", VSS_APP_FRONT_END},
	{"back_end", VSS_APP_BACK_END},
	{"system", VSS_APP_SYSTEM},
};

static const struct name_value schema_names[] = {
	{"differential", VSS_BS_DIFFERENTIAL},
	{"incremental", VSS_BS_INCREMENTAL},
	{"exclusive_incremental_differential",
	 VSS_BS_EXCLUSIVE_INCREMENTAL_DIFFERENTIAL},
	{"log", VSS_BS_LOG},
	{"copy", VSS_BS_COPY},
	{"timestamped", VSS_BS_TIMESTAMPED},
	{"last_modify", VSS_BS_LAST_MODIFY},
	{"lsn", VSS_BS_LSN},
	{"new_target", VSS_BS_WRITER_SUPPORTS_NEW_TARGET},
	{"restore_with_move", VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE},
	{"independent_system_state", VSS_BS_INDEPENDENT_SYSTEM_STATE},
	{"rollforward_restore", VSS_BS_ROLLFORWARD_RESTORE},
	{"restore_rename", VSS_BS_RESTORE_RENAME},
	{"authoritative_restore", VSS_BS_AUTHORITATIVE_RESTORE},
	{"parallel_restores", VSS_BS_WRITER_SUPPORTS_PARALLEL_RESTORES},
	/* Short names of the restore bits. */
	{"rollforward", VSS_BS_ROLLFORWARD_RESTORE},
	{"rename", VSS_BS_RESTORE_RENAME},
	{"authoritative", VSS_BS_AUTHORITATIVE_RESTORE},
};

static const struct name_value component_flag_names[] = {
	{"backup_recovery", VSS_CF_BACKUP_RECOVERY},
	{"app_rollback_recovery", VSS_CF_APP_ROLLBACK_RECOVERY},
	{"not_system_state", VSS_CF_NOT_SYSTEM_STATE},
};

/* ---- small helpers --------------------------------------------------- */

static void seterr(struct vss_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
seterr(struct vss_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void prefix_err(struct vss_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Put "what: " in front of the message already in err; cut to fit. */
static void
prefix_err(struct vss_error *err, const char *fmt, ...)
{
	char old[sizeof(err->message)];
	size_t len, size = sizeof(err->message);
	va_list ap;

	memcpy(old, err->message, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->message, size, fmt, ap);
	va_end(ap);
	len = strlen(err->message);
	if (len + 2 < size) {
		memcpy(err->message + len, ": ", 3);
		len += 2;
	}
	memccpy(err->message + len, old, '\0', size - len);
	err->message[size - 1] = '\0';
}

static int
grow(void **items, size_t *cap, size_t count, size_t size)
{
	size_t n;
	void *p;

	if (count < *cap)
		return 0;
	n = *cap ? *cap * 2 : 4;
	p = reallocarray(*items, n, size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = n;
	return 0;
}

#define GROW(items, count, cap)                                                \
	grow((void **)&(items), &(cap), (count), sizeof(*(items)))

/* Replace *slot with a copy of s; NULL clears it. */
static int
set_str(char **slot, const char *s)
{
	char *copy = NULL;

	if (s) {
		copy = strdup(s);
		if (!copy)
			return -ENOMEM;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

/* As set_str(); an empty value (a key given as "key =") clears it. */
static int
set_opt_str(char **slot, const char *s)
{
	return set_str(slot, *s ? s : NULL);
}

/* "unknown <what> '<s>' (<choices>)" in err, choices optional; -EINVAL. */
static int
unknown_value(struct vss_error *err, const char *what, const char *s,
	      const char *choices)
{
	if (choices)
		seterr(err, "unknown %s '%s' (%s)", what, s, choices);
	else
		seterr(err, "unknown %s '%s'", what, s);
	return -EINVAL;
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ASCII, case-insensitive, '-' equal to '_': names people type. */
static bool
name_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = *a == '-' ? '_' : ascii_lower(*a);
		char y = *b == '-' ? '_' : ascii_lower(*b);

		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

/* As name_equal(), also ignoring '_' and '-': "non-retryable". */
static bool
code_equal(const char *a, const char *b)
{
	for (;;) {
		while (*a == '_' || *a == '-')
			a++;
		while (*b == '_' || *b == '-')
			b++;
		if (ascii_lower(*a) != ascii_lower(*b))
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

static int
lookup(const struct name_value *table, size_t n, const char *s,
       bool loose, uint32_t *ret)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (loose ? code_equal(table[i].name, s)
			  : name_equal(table[i].name, s)) {
			*ret = table[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

static int
parse_u64(uint64_t *ret, const char *s, int base, uint64_t max)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int
parse_unsigned(unsigned *ret, const char *s, unsigned max,
	       struct vss_error *err)
{
	uint64_t v;

	if (parse_u64(&v, s, 10, max) < 0) {
		seterr(err, "'%s' is not a number from 0 to %u", s, max);
		return -EINVAL;
	}
	*ret = (unsigned)v;
	return 0;
}

static int
parse_bool(bool *ret, const char *s, struct vss_error *err)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (name_equal(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (name_equal(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	seterr(err, "'%s' is not a boolean (true, false, yes, no, on, off, "
	       "1, 0)", s);
	return -EINVAL;
}

/* Seconds with an optional fraction ("2", "0.25") to milliseconds. */
static int
parse_seconds(unsigned *ret_ms, const char *s, struct vss_error *err)
{
	char *end;
	double v;

	errno = 0;
	v = (*s >= '0' && *s <= '9') || *s == '.' ? strtod(s, &end) : -1;
	if (v < 0 || errno || *end || !isfinite(v) || v * 1000 > MAX_MS) {
		seterr(err, "'%s' is not a number of seconds from 0 to %u", s,
		       MAX_MS / 1000);
		return -EINVAL;
	}
	*ret_ms = (unsigned)lround(v * 1000);
	return 0;
}

/*
 * A set of bits as names or numbers separated by blanks, ',' or '|':
 * "differential incremental", "0x3".
 */
static int
parse_bits(uint32_t *ret, const char *s, const struct name_value *table,
	   size_t n, struct vss_error *err)
{
	char *copy, *tok, *save = NULL;
	uint32_t bits = 0, v;
	uint64_t num;
	int r = 0;

	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " \t,|", &save); tok;
	     tok = strtok_r(NULL, " \t,|", &save)) {
		if (parse_u64(&num, tok, 0, UINT32_MAX) == 0) {
			bits |= (uint32_t)num;
		} else if (lookup(table, n, tok, false, &v) == 0) {
			bits |= v;
		} else {
			r = unknown_value(err, "name", tok, NULL);
			goto fail;
		}
	}
	*ret = bits;
fail:
	free(copy);
	return r;
}

/*
 * Split s in place into blank-separated tokens; a token in double quotes
 * may hold blanks ("My Documents").  Returns the count or -EINVAL.
 */
static int
tokenize(char *s, char **tok, size_t max, struct vss_error *err)
{
	size_t n = 0;
	char *end;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return (int)n;
		if (n == max) {
			seterr(err, "more than %zu words", max);
			return -EINVAL;
		}
		if (*s == '"') {
			end = strchr(s + 1, '"');
			if (!end) {
				seterr(err, "unterminated quote");
				return -EINVAL;
			}
			tok[n++] = s + 1;
		} else {
			tok[n++] = s;
			end = s + strcspn(s, " \t");
		}
		if (!*end)
			return (int)n;
		*end = '\0';
		s = end + 1;
	}
}

/*
 * tokenize() a copy of value, which the tokens point into: caller owns
 * *ret_copy (also on failure, when it may be NULL); free with free().
 */
static int
tokenize_copy(const char *value, char **ret_copy, char **tok, size_t max,
	      struct vss_error *err)
{
	*ret_copy = strdup(value);
	if (!*ret_copy)
		return -ENOMEM;
	return tokenize(*ret_copy, tok, max, err);
}

/*
 * A logical path as typed, with '/' or '\' between elements, to the '\'
 * form of documents; empty means the top level (NULL).
 */
static int
set_logical_path(char **slot, const char *s)
{
	char *copy, *p;

	if (!*s)
		return set_str(slot, NULL);
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	for (p = copy; *p; p++)
		if (*p == '/')
			*p = '\\';
	free(*slot);
	*slot = copy;
	return 0;
}

/* "a\b\name" or "name", for messages. */
static const char *
component_label(const struct tw_component *c, char *buf, size_t size)
{
	if (c->logical_path)
		snprintf(buf, size, "%s\\%s", c->logical_path, c->name);
	else
		snprintf(buf, size, "%s", c->name);
	return buf;
}

/* ---- lists ----------------------------------------------------------- */

static void
file_set_release(struct tw_file_set *f)
{
	free(f->path);
	free(f->filespec);
	free(f->alternate_path);
}

static void
file_sets_release(struct tw_file_sets *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		file_set_release(&l->items[i]);
	free(l->items);
}

/* Append fs, taking ownership of its strings on success. */
static int
file_sets_add(struct tw_file_sets *l, const struct tw_file_set *fs)
{
	int r;

	r = GROW(l->items, l->count, l->cap);
	if (r < 0)
		return r;
	l->items[l->count++] = *fs;
	return 0;
}

static void
mapping_release(struct tw_mapping *m)
{
	free(m->path);
	free(m->filespec);
	free(m->destination);
}

static void
dependency_release(struct tw_dependency *d)
{
	free(d->logical_path);
	free(d->name);
}

static void
directed_release(struct tw_directed *d)
{
	free(d->source_path);
	free(d->source_file);
	free(d->source_ranges);
	free(d->destination_path);
	free(d->destination_file);
	free(d->destination_ranges);
}

static void
component_release(struct tw_component *c)
{
	size_t i;

	free(c->logical_path);
	free(c->name);
	free(c->caption);
	file_sets_release(&c->files);
	file_sets_release(&c->database_files);
	file_sets_release(&c->log_files);
	for (i = 0; i < c->dep_count; i++)
		dependency_release(&c->deps[i]);
	free(c->deps);
	free(c->backup_metadata);
	free(c->restore_metadata_text);
	for (i = 0; i < c->directed_count; i++)
		directed_release(&c->directed[i]);
	free(c->directed);
}

enum file_set_kind {
	FS_GROUP,    /* PATH FILESPEC RECURSIVE [alternate=P] [mask=N] */
	FS_DATABASE, /* PATH FILESPEC [mask=N] */
	FS_EXCLUDE,  /* PATH FILESPEC RECURSIVE */
};

static int
parse_file_set(struct tw_file_sets *list, const char *value,
	       enum file_set_kind kind, struct vss_error *err)
{
	struct tw_file_set fs = {0};
	char *copy, *tok[MAX_TOKENS];
	int n, i, fixed = kind == FS_DATABASE ? 2 : 3, r;
	uint64_t mask;

	n = tokenize_copy(value, &copy, tok, ARRAY_SIZE(tok), err);
	if (n < 0) {
		r = n;
		goto fail;
	}
	if (n < fixed) {
		seterr(err, "expected %s", kind == FS_DATABASE
			       ? "PATH FILESPEC"
			       : "PATH FILESPEC RECURSIVE");
		r = -EINVAL;
		goto fail;
	}
	if (fixed == 3 && (r = parse_bool(&fs.recursive, tok[2], err)) < 0)
		goto fail;
	for (i = fixed; i < n; i++) {
		if (kind == FS_GROUP && !strncmp(tok[i], "alternate=", 10) &&
		    tok[i][10]) {
			if ((r = set_str(&fs.alternate_path, tok[i] + 10)) < 0)
				goto fail;
		} else if (kind != FS_EXCLUDE &&
			   !strncmp(tok[i], "mask=", 5)) {
			if (parse_u64(&mask, tok[i] + 5, 0, UINT32_MAX) < 0) {
				seterr(err, "bad mask '%s'", tok[i] + 5);
				r = -EINVAL;
				goto fail;
			}
			fs.mask = (uint32_t)mask;
		} else {
			seterr(err, "unexpected '%s'", tok[i]);
			r = -EINVAL;
			goto fail;
		}
	}
	if ((r = set_str(&fs.path, tok[0])) < 0 ||
	    (r = set_str(&fs.filespec, tok[1])) < 0 ||
	    (r = file_sets_add(list, &fs)) < 0)
		goto fail;
	free(copy);
	return 0;
fail:
	file_set_release(&fs);
	free(copy);
	return r;
}

/* PATH FILESPEC RECURSIVE DESTINATION */
static int
parse_mapping(struct tw_config *cfg, const char *value, struct vss_error *err)
{
	struct tw_mapping m = {0};
	char *copy, *tok[MAX_TOKENS];
	int n, r;

	n = tokenize_copy(value, &copy, tok, ARRAY_SIZE(tok), err);
	if (n < 0) {
		r = n;
		goto fail;
	}
	if (n != 4) {
		seterr(err, "expected PATH FILESPEC RECURSIVE DESTINATION");
		r = -EINVAL;
		goto fail;
	}
	if ((r = parse_bool(&m.recursive, tok[2], err)) < 0 ||
	    (r = set_str(&m.path, tok[0])) < 0 ||
	    (r = set_str(&m.filespec, tok[1])) < 0 ||
	    (r = set_str(&m.destination, tok[3])) < 0 ||
	    (r = GROW(cfg->mappings, cfg->mapping_count, cfg->mapping_cap)) < 0)
		goto fail;
	cfg->mappings[cfg->mapping_count++] = m;
	free(copy);
	return 0;
fail:
	mapping_release(&m);
	free(copy);
	return r;
}

/* WRITER_CLASS_ID LOGICAL\PATH\NAME (the last element is the name) */
static int
parse_dependency(struct tw_component *c, const char *value,
		 struct vss_error *err)
{
	struct tw_dependency d = {0};
	char *copy, *tok[MAX_TOKENS], *name;
	int n, r;

	n = tokenize_copy(value, &copy, tok, ARRAY_SIZE(tok), err);
	if (n < 0) {
		r = n;
		goto fail;
	}
	if (n != 2 || vss_id_parse(&d.writer, tok[0]) < 0) {
		seterr(err, "expected WRITER_CLASS_ID COMPONENT_PATH");
		r = -EINVAL;
		goto fail;
	}
	if ((r = set_logical_path(&d.name, tok[1])) < 0)
		goto fail;
	name = d.name ? strrchr(d.name, '\\') : NULL;
	if (name) {
		*name = '\0';
		if ((r = set_str(&d.logical_path, d.name)) < 0 ||
		    (r = set_str(&d.name, name + 1)) < 0)
			goto fail;
	}
	if (!d.name || !*d.name) {
		seterr(err, "empty component name");
		r = -EINVAL;
		goto fail;
	}
	if ((r = GROW(c->deps, c->dep_count, c->dep_cap)) < 0)
		goto fail;
	c->deps[c->dep_count++] = d;
	free(copy);
	return 0;
fail:
	dependency_release(&d);
	free(copy);
	return r;
}

/*
 * SRCPATH SRCFILE SRCRANGES DSTPATH DSTFILE DSTRANGES: a directed target
 * (AddDirectedTarget, RS-090), passed on as written; the requester checks
 * the ranges.
 */
static int
parse_directed(struct tw_component *c, const char *value,
	       struct vss_error *err)
{
	struct tw_directed d = {0};
	char *copy, *tok[MAX_TOKENS];
	int n, r;

	n = tokenize_copy(value, &copy, tok, ARRAY_SIZE(tok), err);
	if (n < 0) {
		r = n;
		goto fail;
	}
	if (n != 6) {
		seterr(err, "expected SRCPATH SRCFILE SRCRANGES DSTPATH DSTFILE "
		       "DSTRANGES");
		r = -EINVAL;
		goto fail;
	}
	if ((r = set_str(&d.source_path, tok[0])) < 0 ||
	    (r = set_str(&d.source_file, tok[1])) < 0 ||
	    (r = set_str(&d.source_ranges, tok[2])) < 0 ||
	    (r = set_str(&d.destination_path, tok[3])) < 0 ||
	    (r = set_str(&d.destination_file, tok[4])) < 0 ||
	    (r = set_str(&d.destination_ranges, tok[5])) < 0 ||
	    (r = GROW(c->directed, c->directed_count, c->directed_cap)) < 0)
		goto fail;
	c->directed[c->directed_count++] = d;
	free(copy);
	return 0;
fail:
	directed_release(&d);
	free(copy);
	return r;
}

/* A new component, selectable file group: what --component declares. */
static int
add_component(struct tw_config *cfg, const char *name,
	      struct tw_component **ret)
{
	struct tw_component *c;
	int r;

	if ((r = GROW(cfg->components, cfg->component_count,
		      cfg->component_cap)) < 0)
		return r;
	c = &cfg->components[cfg->component_count];
	memset(c, 0, sizeof(*c));
	c->type = VSS_CT_FILEGROUP;
	c->selectable = true;
	c->name = strdup(name);
	if (!c->name)
		return -ENOMEM;
	cfg->component_count++;
	*ret = c;
	return 0;
}

/* ---- values shared by the file and the flags ------------------------- */

static int
set_level(struct tw_config *cfg, const char *s, struct vss_error *err)
{
	uint32_t v;

	if (lookup(level_names, ARRAY_SIZE(level_names), s, false, &v) < 0) {
		return unknown_value(err, "level", s,
				     "front_end, back_end, system");
	}
	cfg->level = (enum vss_app_level)v;
	return 0;
}

static int
set_usage(struct tw_config *cfg, const char *s, struct vss_error *err)
{
	enum vss_usage_type v;

	if (vss_usage_type_parse(&v, s) < 0 || v == VSS_UT_UNDEFINED) {
		return unknown_value(err, "usage type", s,
				     "BOOTABLE_SYSTEM_STATE, SYSTEM_SERVICE, "
				     "USER_DATA, OTHER");
	}
	cfg->usage = v;
	return 0;
}

static int
set_source(struct tw_config *cfg, const char *s, struct vss_error *err)
{
	enum vss_source_type v;

	if (vss_source_type_parse(&v, s) < 0 || v == VSS_ST_UNDEFINED) {
		return unknown_value(err, "source type", s,
				     "TRANSACTION_DB, NONTRANSACTION_DB, "
				     "OTHER");
	}
	cfg->source = v;
	return 0;
}

static int
set_class_id(struct tw_config *cfg, const char *s, struct vss_error *err)
{
	if (vss_id_parse(&cfg->class_id, s) < 0) {
		seterr(err, "'%s' is not an id", s);
		return -EINVAL;
	}
	return 0;
}

static int
set_name(struct tw_config *cfg, const char *s, struct vss_error *err)
{
	if (!*s) {
		seterr(err, "empty writer name");
		return -EINVAL;
	}
	return set_str(&cfg->name, s);
}

static int
set_write_every(struct tw_config *cfg, const char *s, struct vss_error *err)
{
	int r;

	r = parse_unsigned(&cfg->write_every_ms, s, MAX_MS, err);
	if (r == 0 && cfg->write_every_ms == 0) {
		seterr(err, "the stream period must be at least 1 ms");
		r = -EINVAL;
	}
	return r;
}

static int
set_failure(struct tw_fault *f, const char *s, struct vss_error *err)
{
	uint32_t v;

	if (lookup(failure_names, ARRAY_SIZE(failure_names), s, true, &v) <
	    0) {
		return unknown_value(err, "failure", s, FAILURE_CHOICES);
	}
	f->status = (int)v;
	return 0;
}

static int
set_count(struct tw_fault *f, const char *s, struct vss_error *err)
{
	unsigned n;

	if (name_equal(s, "always")) {
		f->count = -1;
		return 0;
	}
	if (parse_unsigned(&n, s, INT_MAX, err) < 0 || n == 0) {
		seterr(err, "'%s' is not a count (1 or more, or always)", s);
		return -EINVAL;
	}
	f->count = (int)n;
	return 0;
}

/* ---- the INI file ---------------------------------------------------- */

struct load_ctx {
	struct tw_config *cfg;
	struct vss_error *err;
	const char *pos;      /* what the reader has not handed out yet */
	int line;             /* the line being parsed */
	int err_line;         /* the first line our handler refused */
	int long_line;        /* the first line too long for inih */
	int max_line;         /* the longest line inih takes */
	char *section;        /* the section of the previous key */
	struct tw_component *component; /* of the current [component] */
	bool event_opts[TW_EV_COUNT];   /* count/nonfatal/message seen */
};

static int
writer_key(struct load_ctx *ctx, const char *key, const char *value)
{
	struct tw_config *cfg = ctx->cfg;
	struct vss_error *err = ctx->err;
	unsigned major, minor = 0;
	char *dot;

	if (!strcmp(key, "class_id"))
		return set_class_id(cfg, value, err);
	if (!strcmp(key, "name"))
		return set_name(cfg, value, err);
	if (!strcmp(key, "instance_name"))
		return set_opt_str(&cfg->instance_name, value);
	if (!strcmp(key, "usage"))
		return set_usage(cfg, value, err);
	if (!strcmp(key, "source"))
		return set_source(cfg, value, err);
	if (!strcmp(key, "level"))
		return set_level(cfg, value, err);
	if (!strcmp(key, "freeze_timeout_ms"))
		return parse_unsigned(&cfg->freeze_timeout_ms, value, MAX_MS,
				      err);
	if (!strcmp(key, "version")) {
		char copy[32];

		snprintf(copy, sizeof(copy), "%s", value);
		dot = strchr(copy, '.');
		if (dot)
			*dot = '\0';
		if (strlen(value) >= sizeof(copy) ||
		    parse_unsigned(&major, copy, UINT_MAX, err) < 0 ||
		    (dot && parse_unsigned(&minor, dot + 1, UINT_MAX, err) <
				    0)) {
			seterr(err, "'%s' is not a version (MAJOR.MINOR)",
			       value);
			return -EINVAL;
		}
		cfg->major_version = major;
		cfg->minor_version = minor;
		return 0;
	}
	if (!strcmp(key, "backup_schema"))
		return parse_bits(&cfg->backup_schema, value, schema_names,
				  ARRAY_SIZE(schema_names), err);
	if (!strcmp(key, "exclude"))
		return parse_file_set(&cfg->excludes, value, FS_EXCLUDE, err);
	if (!strcmp(key, "exclude_from_snapshot"))
		return parse_file_set(&cfg->excludes_from_snapshot, value,
				      FS_EXCLUDE, err);
	seterr(err, "unknown key");
	return -EINVAL;
}

static int
restore_key(struct load_ctx *ctx, const char *key, const char *value)
{
	struct tw_config *cfg = ctx->cfg;
	struct vss_error *err = ctx->err;

	cfg->has_restore_method = true;
	if (!strcmp(key, "method")) {
		if (vss_restore_method_parse(&cfg->restore_method, value) < 0 ||
		    cfg->restore_method == VSS_RME_UNDEFINED) {
			return unknown_value(err, "restore method", value,
					     NULL);
		}
		return 0;
	}
	if (!strcmp(key, "service"))
		return set_opt_str(&cfg->restore_service, value);
	if (!strcmp(key, "writer_restore")) {
		if (vss_writer_restore_parse(&cfg->writer_restore, value) < 0 ||
		    cfg->writer_restore == VSS_WRE_UNDEFINED) {
			return unknown_value(err, "writer restore", value,
					     "never, ifReplaceFails, always");
		}
		return 0;
	}
	if (!strcmp(key, "reboot_required"))
		return parse_bool(&cfg->reboot_required, value, err);
	if (!strcmp(key, "alternate_location"))
		return parse_mapping(cfg, value, err);
	seterr(err, "unknown key");
	return -EINVAL;
}

static int
run_key(struct load_ctx *ctx, const char *key, const char *value)
{
	struct tw_config *cfg = ctx->cfg;

	if (!strcmp(key, "log"))
		return set_opt_str(&cfg->log_path, value);
	if (!strcmp(key, "marker_dir"))
		return set_opt_str(&cfg->marker_dir, value);
	if (!strcmp(key, "write_every_ms"))
		return set_write_every(cfg, value, ctx->err);
	if (!strcmp(key, "socket"))
		return set_opt_str(&cfg->socket_path, value);
	if (!strcmp(key, "ready_file"))
		return set_opt_str(&cfg->ready_file, value);
	seterr(ctx->err, "unknown key");
	return -EINVAL;
}

static int
component_key(struct load_ctx *ctx, const char *key, const char *value)
{
	struct tw_component *c = ctx->component;
	struct vss_error *err = ctx->err;
	enum vss_component_type type;

	if (!strcmp(key, "logical_path"))
		return set_logical_path(&c->logical_path, value);
	if (!strcmp(key, "type")) {
		if (vss_component_type_parse(&type, value) < 0 ||
		    type == VSS_CT_UNDEFINED) {
			return unknown_value(err, "component type", value,
					     "filegroup, database");
		}
		c->type = type;
		return 0;
	}
	if (!strcmp(key, "caption"))
		return set_opt_str(&c->caption, value);
	if (!strcmp(key, "selectable"))
		return parse_bool(&c->selectable, value, err);
	if (!strcmp(key, "selectable_for_restore"))
		return parse_bool(&c->selectable_for_restore, value, err);
	if (!strcmp(key, "restore_metadata"))
		return parse_bool(&c->restore_metadata, value, err);
	if (!strcmp(key, "notify_on_backup_complete"))
		return parse_bool(&c->notify_on_backup_complete, value, err);
	if (!strcmp(key, "flags"))
		return parse_bits(&c->flags, value, component_flag_names,
				  ARRAY_SIZE(component_flag_names), err);
	if (!strcmp(key, "files"))
		return parse_file_set(&c->files, value, FS_GROUP, err);
	if (!strcmp(key, "database_files"))
		return parse_file_set(&c->database_files, value, FS_DATABASE,
				      err);
	if (!strcmp(key, "log_files"))
		return parse_file_set(&c->log_files, value, FS_DATABASE, err);
	if (!strcmp(key, "dependency"))
		return parse_dependency(c, value, err);
	if (!strcmp(key, "backup_metadata"))
		return set_opt_str(&c->backup_metadata, value);
	if (!strcmp(key, "restore_metadata_text"))
		return set_opt_str(&c->restore_metadata_text, value);
	if (!strcmp(key, "restore_target")) {
		if (vss_restore_target_parse(&c->restore_target, value) < 0 ||
		    c->restore_target == VSS_RT_UNDEFINED) {
			return unknown_value(err, "restore target", value,
					     "original, alternate, directed, "
					     "original_location");
		}
		return 0;
	}
	if (!strcmp(key, "directed_target"))
		return parse_directed(c, value, err);
	seterr(err, "unknown key");
	return -EINVAL;
}

static int
event_key(struct load_ctx *ctx, enum tw_event e, const char *key,
	  const char *value)
{
	struct tw_fault *f = &ctx->cfg->faults[e];
	struct vss_error *err = ctx->err;

	if (!strcmp(key, "fail"))
		return set_failure(f, value, err);
	if (!strcmp(key, "stall"))
		return parse_seconds(&f->stall_ms, value, err);
	ctx->event_opts[e] = true;
	if (!strcmp(key, "count"))
		return set_count(f, value, err);
	if (!strcmp(key, "nonfatal")) {
		if (e == TW_EV_IDENTIFY) {
			seterr(err, "identify cannot fail non-fatally");
			return -EINVAL;
		}
		return parse_bool(&f->nonfatal, value, err);
	}
	if (!strcmp(key, "message"))
		return set_opt_str(&f->message, value);
	seterr(err, "unknown key");
	return -EINVAL;
}

/* The text after "prefix " in a section name, or NULL. */
static const char *
section_arg(const char *section, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(section, prefix, n) || (section[n] != ' ' &&
					    section[n] != '\t'))
		return NULL;
	section += n;
	while (*section == ' ' || *section == '\t')
		section++;
	return section;
}

static int
dispatch(struct load_ctx *ctx, const char *section, const char *key,
	 const char *value)
{
	bool new_section = !ctx->section || strcmp(ctx->section, section);
	const char *arg;
	enum tw_event e;
	int r;

	if (new_section) {
		ctx->component = NULL;
		if ((r = set_str(&ctx->section, section)) < 0)
			return r;
	}
	if (!strcmp(section, "writer"))
		return writer_key(ctx, key, value);
	if (!strcmp(section, "restore"))
		return restore_key(ctx, key, value);
	if (!strcmp(section, "run"))
		return run_key(ctx, key, value);
	if ((arg = section_arg(section, "component"))) {
		if (!ctx->component) {
			if (!*arg || strpbrk(arg, "\\/")) {
				seterr(ctx->err, "a component name is one "
				       "element without '\\' or '/' (the "
				       "path goes in logical_path)");
				return -EINVAL;
			}
			if ((r = add_component(ctx->cfg, arg,
					       &ctx->component)) < 0)
				return r;
		}
		return component_key(ctx, key, value);
	}
	if ((arg = section_arg(section, "event"))) {
		if (tw_event_parse(&e, arg) < 0) {
			return unknown_value(ctx->err, "event", arg, NULL);
		}
		return event_key(ctx, e, key, value);
	}
	seterr(ctx->err, "unknown section");
	return -EINVAL;
}

static int
on_ini_key(void *user, const char *section, const char *key,
	    const char *value)
{
	struct load_ctx *ctx = user;
	int r;

	/* Only the first problem is reported; inih goes on regardless. */
	if (ctx->err_line)
		return 1;
	r = dispatch(ctx, section, key, value);
	if (r == 0)
		return 1;
	if (r == -ENOMEM)
		seterr(ctx->err, "out of memory");
	if (*section)
		prefix_err(ctx->err, "[%s] %s", section, key);
	else
		prefix_err(ctx->err, "%s (outside any section)", key);
	ctx->err_line = ctx->line;
	return 0;
}

/*
 * inih reads lines into a fixed buffer and would split a longer one into
 * two; hand it lines one by one and stop at one that does not fit.
 */
static char *
read_ini_line(char *str, int num, void *stream)
{
	struct load_ctx *ctx = stream;
	const char *nl;
	size_t len;

	if (!*ctx->pos || ctx->long_line)
		return NULL;
	nl = strchr(ctx->pos, '\n');
	len = nl ? (size_t)(nl - ctx->pos) + 1 : strlen(ctx->pos);
	ctx->line++;
	/* Room for "\r\n\0" after the text, as ini.h asks. */
	ctx->max_line = num - 3;
	if (len >= (size_t)num) {
		ctx->long_line = ctx->line;
		return NULL;
	}
	memcpy(str, ctx->pos, len);
	str[len] = '\0';
	ctx->pos += len;
	return str;
}

/* What can only be checked once the whole file is read. */
static int
check_loaded(struct load_ctx *ctx)
{
	struct tw_config *cfg = ctx->cfg;
	int e;

	for (e = 0; e < TW_EV_COUNT; e++) {
		if (ctx->event_opts[e] && !cfg->faults[e].status) {
			seterr(ctx->err, "[event %s]: count, nonfatal and "
			       "message need a fail key", event_names[e]);
			return -EINVAL;
		}
	}
	if (cfg->has_restore_method &&
	    cfg->restore_method == VSS_RME_UNDEFINED) {
		seterr(ctx->err, "[restore]: method is required");
		return -EINVAL;
	}
	return 0;
}

int
tw_config_load_string(struct tw_config *cfg, const char *text,
		      struct vss_error *err)
{
	struct load_ctx ctx = {
		.cfg = cfg,
		.err = err,
		.pos = text,
	};
	int r;

	err->line = 0;
	err->message[0] = '\0';
	r = ini_parse_stream(read_ini_line, &ctx, on_ini_key, &ctx);
	free(ctx.section);
	if (ctx.long_line && (!r || r > ctx.long_line)) {
		err->line = ctx.long_line;
		seterr(err, "line %d: line too long (at most %d characters)",
		       ctx.long_line, ctx.max_line);
		return -EINVAL;
	}
	if (r == -2)
		return -ENOMEM;
	if (r > 0) {
		if (r != ctx.err_line)
			seterr(err, "expected [section] or key = value");
		prefix_err(err, "line %d", r);
		err->line = r;
		return -EINVAL;
	}
	return check_loaded(&ctx);
}

int
tw_config_load(struct tw_config *cfg, const char *path,
	       struct vss_error *err)
{
	struct stat st;
	char *text = NULL;
	ssize_t n;
	size_t len = 0;
	int fd, r;

	err->line = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		seterr(err, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_SIZE) {
		seterr(err, "not a regular file of at most %d bytes",
		       CONFIG_MAX_SIZE);
		r = -EINVAL;
		goto fail;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		r = -ENOMEM;
		seterr(err, "out of memory");
		goto fail;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, text + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			seterr(err, "%s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		seterr(err, "the file holds a NUL byte");
		r = -EINVAL;
		goto fail;
	}
	r = tw_config_load_string(cfg, text, err);
fail:
	if (fd >= 0)
		close(fd);
	free(text);
	return r;
}

/* ---- the command line ------------------------------------------------ */

enum {
	OPT_HELP = 'h',
	OPT_CONFIG = 'c',
	OPT_NAME = 256,
	OPT_INSTANCE_NAME,
	OPT_CLASS_ID,
	OPT_LEVEL,
	OPT_USAGE,
	OPT_SOURCE,
	OPT_FREEZE_TIMEOUT,
	OPT_COMPONENT,
	OPT_EXCLUDE_FROM_SNAPSHOT,
	OPT_FAIL,
	OPT_STALL,
	OPT_LOG,
	OPT_MARKER_DIR,
	OPT_WRITE_EVERY,
	OPT_SOCKET,
	OPT_READY_FILE,
	OPT_PRINT_WMD,
};

static const struct option long_options[] = {
	{"help", no_argument, NULL, OPT_HELP},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"name", required_argument, NULL, OPT_NAME},
	{"instance-name", required_argument, NULL, OPT_INSTANCE_NAME},
	{"class-id", required_argument, NULL, OPT_CLASS_ID},
	{"level", required_argument, NULL, OPT_LEVEL},
	{"usage", required_argument, NULL, OPT_USAGE},
	{"source", required_argument, NULL, OPT_SOURCE},
	{"freeze-timeout-ms", required_argument, NULL, OPT_FREEZE_TIMEOUT},
	{"component", required_argument, NULL, OPT_COMPONENT},
	{"exclude-from-snapshot", required_argument, NULL,
	 OPT_EXCLUDE_FROM_SNAPSHOT},
	{"fail", required_argument, NULL, OPT_FAIL},
	{"stall", required_argument, NULL, OPT_STALL},
	{"log", required_argument, NULL, OPT_LOG},
	{"marker-dir", required_argument, NULL, OPT_MARKER_DIR},
	{"write-every-ms", required_argument, NULL, OPT_WRITE_EVERY},
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"ready-file", required_argument, NULL, OPT_READY_FILE},
	{"print-wmd", no_argument, NULL, OPT_PRINT_WMD},
	{NULL, 0, NULL, 0},
};

/* ':' first: a missing argument is ':', not '?'. */
static const char short_options[] = ":hc:";

/*
 * --component LOGICAL/PATH/NAME=DIR: a selectable file group of every
 * file below DIR; '\' may stand for '/'.
 */
static int
parse_component_flag(struct tw_config *cfg, const char *spec,
		     struct vss_error *err)
{
	struct tw_file_set fs = {.recursive = true};
	struct tw_component *c;
	char *copy, *eq, *name, *p;
	int r;

	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	eq = strchr(copy, '=');
	if (eq) {
		*eq = '\0';
		for (p = copy; *p; p++)
			if (*p == '\\')
				*p = '/';
	}
	if (!eq || !*copy || !eq[1] || copy[0] == '/' || eq[-1] == '/' ||
	    strstr(copy, "//")) {
		seterr(err, "expected LOGICAL/PATH/NAME=DIR");
		r = -EINVAL;
		goto fail;
	}
	name = strrchr(copy, '/');
	if (name)
		*name++ = '\0';
	else
		name = copy;
	fs.path = strdup(eq + 1);
	fs.filespec = strdup("*");
	if (!fs.path || !fs.filespec) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = add_component(cfg, name, &c)) < 0 ||
	    (name != copy &&
	     (r = set_logical_path(&c->logical_path, copy)) < 0) ||
	    (r = file_sets_add(&c->files, &fs)) < 0)
		goto fail;
	free(copy);
	return 0;
fail:
	file_set_release(&fs);
	free(copy);
	return r;
}

/*
 * --exclude-from-snapshot /PATH/FILESPEC[:r]: files the writer declares
 * with AddExcludeFilesFromSnapshot (SN-060); ":r" for the directories
 * below PATH too.  PATH is everything before the last '/'.
 */
static int
parse_exclude_flag(struct tw_config *cfg, const char *spec,
		   struct vss_error *err)
{
	struct tw_file_set fs = {0};
	char *copy, *slash;
	size_t len;
	int r;

	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	len = strlen(copy);
	if (len > 2 && strcmp(copy + len - 2, ":r") == 0) {
		fs.recursive = true;
		copy[len - 2] = '\0';
	}
	slash = strrchr(copy, '/');
	if (copy[0] != '/' || !slash || !slash[1]) {
		seterr(err, "expected /PATH/FILESPEC[:r]");
		r = -EINVAL;
		goto fail;
	}
	*slash = '\0';
	if ((r = set_str(&fs.path, slash == copy ? "/" : copy)) < 0 ||
	    (r = set_str(&fs.filespec, slash + 1)) < 0 ||
	    (r = file_sets_add(&cfg->excludes_from_snapshot, &fs)) < 0)
		goto fail;
	free(copy);
	return 0;
fail:
	file_set_release(&fs);
	free(copy);
	return r;
}

/* EVENT[:retryable|nonretryable|...][:COUNT|always][:nonfatal] */
static int
parse_fail_flag(struct tw_config *cfg, const char *spec,
		struct vss_error *err)
{
	struct tw_fault f;
	char *copy, *tok, *save = NULL;
	enum tw_event e;
	uint32_t v;
	unsigned n;
	int r = 0;

	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	tok = strtok_r(copy, ":", &save);
	if (!tok || tw_event_parse(&e, tok) < 0) {
		r = unknown_value(err, "event", tok ? tok : "", NULL);
		goto fail;
	}
	f = cfg->faults[e];
	f.status = VSS_E_WRITERERROR_NONRETRYABLE;
	f.count = 1;
	f.nonfatal = false;
	while ((tok = strtok_r(NULL, ":", &save))) {
		if (lookup(failure_names, ARRAY_SIZE(failure_names), tok, true,
			   &v) == 0)
			f.status = (int)v;
		else if (name_equal(tok, "always"))
			f.count = -1;
		else if (name_equal(tok, "nonfatal"))
			f.nonfatal = true;
		else if (parse_unsigned(&n, tok, INT_MAX, err) == 0 && n > 0)
			f.count = (int)n;
		else {
			seterr(err, "unknown '%s' (" FAILURE_CHOICES ", a count, "
			       "always, nonfatal)", tok);
			r = -EINVAL;
			goto fail;
		}
	}
	if (e == TW_EV_IDENTIFY && f.nonfatal) {
		seterr(err, "identify cannot fail non-fatally");
		r = -EINVAL;
		goto fail;
	}
	cfg->faults[e] = f;
fail:
	free(copy);
	return r;
}

/* EVENT:SECONDS */
static int
parse_stall_flag(struct tw_config *cfg, const char *spec,
		 struct vss_error *err)
{
	char *copy, *colon;
	enum tw_event e;
	int r = -EINVAL;

	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	colon = strchr(copy, ':');
	if (!colon) {
		seterr(err, "expected EVENT:SECONDS");
		goto fail;
	}
	*colon = '\0';
	if (tw_event_parse(&e, copy) < 0) {
		r = unknown_value(err, "event", copy, NULL);
		goto fail;
	}
	r = parse_seconds(&cfg->faults[e].stall_ms, colon + 1, err);
fail:
	free(copy);
	return r;
}

static int
apply_flag(struct tw_config *cfg, int opt, const char *arg,
	   struct vss_error *err)
{
	switch (opt) {
	case OPT_NAME:
		return set_name(cfg, arg, err);
	case OPT_INSTANCE_NAME:
		return set_opt_str(&cfg->instance_name, arg);
	case OPT_CLASS_ID:
		return set_class_id(cfg, arg, err);
	case OPT_LEVEL:
		return set_level(cfg, arg, err);
	case OPT_USAGE:
		return set_usage(cfg, arg, err);
	case OPT_SOURCE:
		return set_source(cfg, arg, err);
	case OPT_FREEZE_TIMEOUT:
		return parse_unsigned(&cfg->freeze_timeout_ms, arg, MAX_MS,
				      err);
	case OPT_COMPONENT:
		return parse_component_flag(cfg, arg, err);
	case OPT_EXCLUDE_FROM_SNAPSHOT:
		return parse_exclude_flag(cfg, arg, err);
	case OPT_FAIL:
		return parse_fail_flag(cfg, arg, err);
	case OPT_STALL:
		return parse_stall_flag(cfg, arg, err);
	case OPT_LOG:
		return set_str(&cfg->log_path, arg);
	case OPT_MARKER_DIR:
		return set_str(&cfg->marker_dir, arg);
	case OPT_WRITE_EVERY:
		return set_write_every(cfg, arg, err);
	case OPT_SOCKET:
		return set_str(&cfg->socket_path, arg);
	case OPT_READY_FILE:
		return set_str(&cfg->ready_file, arg);
	case OPT_PRINT_WMD:
		cfg->print_wmd = true;
		return 0;
	default:
		/* getopt returned an option of long_options not handled. */
		seterr(err, "unhandled option %d", opt);
		return -EINVAL;
	}
}

/* The option as the user wrote it, for messages. */
static const char *
opt_text(char **argv, int opt)
{
	static char buf[3];

	if (opt > 0 && opt < 256 && opt != ':' && opt != '?') {
		snprintf(buf, sizeof(buf), "-%c", opt);
		return buf;
	}
	return argv[optind - 1];
}

int
tw_config_parse_args(struct tw_config *cfg, int argc, char **argv,
		     struct vss_error *err)
{
	int pass, opt, idx, r;

	err->line = 0;
	err->message[0] = '\0';
	opterr = 0;
	for (pass = 0; pass < 2; pass++) {
		/* 0 (not 1) makes glibc forget an earlier parse entirely. */
		optind = 0;
		while ((opt = getopt_long(argc, argv, short_options,
					  long_options, &idx)) != -1) {
			if (opt == '?') {
				seterr(err, "unknown option '%s'",
				       optopt ? opt_text(argv, optopt)
					      : argv[optind - 1]);
				return -EINVAL;
			}
			if (opt == ':') {
				seterr(err, "option '%s' needs an argument",
				       opt_text(argv, optopt));
				return -EINVAL;
			}
			if (opt == OPT_HELP)
				return 1;
			if (pass == 0 && opt == OPT_CONFIG) {
				r = tw_config_load(cfg, optarg, err);
				if (r < 0) {
					prefix_err(err, "%s", optarg);
					return r;
				}
			}
			/* Only long options are left for this pass. */
			if (pass == 1 && opt != OPT_CONFIG) {
				r = apply_flag(cfg, opt, optarg, err);
				if (r == -ENOMEM)
					seterr(err, "out of memory");
				if (r < 0) {
					prefix_err(err, "--%s '%s'",
						   long_options[idx].name,
						   optarg ? optarg : "");
					return r;
				}
			}
		}
		if (optind < argc) {
			seterr(err, "unexpected argument '%s'", argv[optind]);
			return -EINVAL;
		}
	}
	if (cfg->write_every_ms && !cfg->marker_dir) {
		seterr(err, "--write-every-ms needs --marker-dir");
		return -EINVAL;
	}
	return 0;
}

/* ---- the writer metadata document ------------------------------------ */

static int
fill_component(const struct tw_component *c, vss_wmd *wmd,
	       struct vss_error *err)
{
	const struct vss_component_def def = {
		.type = c->type,
		.logical_path = c->logical_path,
		.name = c->name,
		.caption = c->caption,
		.restore_metadata = c->restore_metadata,
		.notify_on_backup_complete = c->notify_on_backup_complete,
		.selectable = c->selectable,
		.selectable_for_restore = c->selectable_for_restore,
		.flags = c->flags,
	};
	const struct tw_file_set *f;
	const struct tw_dependency *d;
	size_t i;
	int r;

	r = vss_wmd_add_component(wmd, &def);
	if (r < 0) {
		seterr(err, "%s", vss_strerror(r));
		return r;
	}
	for (i = 0; i < c->files.count; i++) {
		f = &c->files.items[i];
		r = vss_wmd_add_files_to_file_group(wmd, c->logical_path,
						    c->name, f->path,
						    f->filespec, f->recursive,
						    f->alternate_path, f->mask);
		if (r < 0)
			goto fail_files;
	}
	for (i = 0; i < c->database_files.count; i++) {
		f = &c->database_files.items[i];
		r = vss_wmd_add_database_files(wmd, c->logical_path, c->name,
					       f->path, f->filespec, f->mask);
		if (r < 0)
			goto fail_files;
	}
	for (i = 0; i < c->log_files.count; i++) {
		f = &c->log_files.items[i];
		r = vss_wmd_add_database_log_files(wmd, c->logical_path,
						   c->name, f->path,
						   f->filespec, f->mask);
		if (r < 0)
			goto fail_files;
	}
	for (i = 0; i < c->dep_count; i++) {
		d = &c->deps[i];
		r = vss_wmd_add_component_dependency(wmd, c->logical_path,
						     c->name, &d->writer,
						     d->logical_path, d->name);
		if (r < 0) {
			seterr(err, "dependency on '%s': %s", d->name,
			       vss_strerror(r));
			return r;
		}
	}
	return 0;
fail_files:
	/* -EINVAL here means files of the wrong kind for the type. */
	seterr(err, "file set '%s' '%s': %s", f->path, f->filespec,
	       r == -EINVAL ? "not allowed for this component type"
			    : vss_strerror(r));
	return r;
}

int
tw_config_fill_wmd(const struct tw_config *cfg, vss_wmd *wmd,
		   struct vss_error *err)
{
	const struct tw_file_set *f;
	const struct tw_mapping *m;
	char label[256];
	size_t i;
	int r;

	err->line = 0;
	r = vss_wmd_set_backup_schema(wmd, cfg->backup_schema);
	if (r < 0) {
		seterr(err, "backup schema: %s", vss_strerror(r));
		return r;
	}
	if (cfg->has_restore_method) {
		const struct vss_restore_method_info info = {
			.method = cfg->restore_method,
			.service = cfg->restore_service,
			.writer_restore = cfg->writer_restore,
			.reboot_required = cfg->reboot_required,
		};

		r = vss_wmd_set_restore_method(wmd, &info);
		if (r < 0) {
			seterr(err, "restore method: %s", vss_strerror(r));
			return r;
		}
	}
	for (i = 0; i < cfg->component_count; i++) {
		r = fill_component(&cfg->components[i], wmd, err);
		if (r < 0) {
			prefix_err(err, "component '%s'",
				   component_label(&cfg->components[i], label,
						   sizeof(label)));
			return r;
		}
	}
	for (i = 0; i < cfg->mapping_count; i++) {
		m = &cfg->mappings[i];
		r = vss_wmd_add_alternate_location_mapping(
			wmd, m->path, m->filespec, m->recursive,
			m->destination);
		if (r < 0) {
			seterr(err, "alternate location '%s' '%s': %s",
			       m->path, m->filespec,
			       r == VSS_E_OBJECT_NOT_FOUND
				       ? "no component has this file set"
				       : vss_strerror(r));
			return r;
		}
	}
	for (i = 0; i < cfg->excludes.count; i++) {
		f = &cfg->excludes.items[i];
		r = vss_wmd_add_exclude_files(wmd, f->path, f->filespec,
					      f->recursive);
		if (r < 0) {
			seterr(err, "exclude '%s' '%s': %s", f->path,
			       f->filespec, vss_strerror(r));
			return r;
		}
	}
	for (i = 0; i < cfg->excludes_from_snapshot.count; i++) {
		f = &cfg->excludes_from_snapshot.items[i];
		r = vss_wmd_add_exclude_files_from_snapshot(
			wmd, f->path, f->filespec, f->recursive);
		if (r < 0) {
			seterr(err, "exclude from snapshot '%s' '%s': %s",
			       f->path, f->filespec, vss_strerror(r));
			return r;
		}
	}
	return 0;
}

int
tw_config_new_wmd(const struct tw_config *cfg, vss_wmd **ret,
		  struct vss_error *err)
{
	const struct vss_writer_identity id = {
		.class_id = cfg->class_id,
		.instance_name = cfg->instance_name,
		.friendly_name = cfg->name,
		.usage = cfg->usage,
		.source = cfg->source,
		.major_version = cfg->major_version,
		.minor_version = cfg->minor_version,
	};
	vss_wmd *wmd;
	int r;

	r = vss_wmd_new(&wmd, &id);
	if (r < 0) {
		seterr(err, "identity: %s", vss_strerror(r));
		return r;
	}
	r = tw_config_fill_wmd(cfg, wmd, err);
	if (r < 0) {
		vss_wmd_free(wmd);
		return r;
	}
	*ret = wmd;
	return 0;
}

/* ---- life cycle and names -------------------------------------------- */

int
tw_config_init(struct tw_config *cfg)
{
	int e;

	memset(cfg, 0, sizeof(*cfg));
	vss_id_parse(&cfg->class_id, TW_DEFAULT_CLASS_ID);
	cfg->usage = VSS_UT_USERDATA;
	cfg->source = VSS_ST_OTHER;
	cfg->level = VSS_APP_FRONT_END;
	cfg->major_version = 1;
	cfg->writer_restore = VSS_WRE_NEVER;
	for (e = 0; e < TW_EV_COUNT; e++)
		cfg->faults[e].count = 1;
	cfg->name = strdup(TW_DEFAULT_NAME);
	return cfg->name ? 0 : -ENOMEM;
}

void
tw_config_release(struct tw_config *cfg)
{
	size_t i;
	int e;

	if (!cfg)
		return;
	free(cfg->name);
	free(cfg->instance_name);
	free(cfg->restore_service);
	for (i = 0; i < cfg->mapping_count; i++)
		mapping_release(&cfg->mappings[i]);
	free(cfg->mappings);
	file_sets_release(&cfg->excludes);
	file_sets_release(&cfg->excludes_from_snapshot);
	for (i = 0; i < cfg->component_count; i++)
		component_release(&cfg->components[i]);
	free(cfg->components);
	for (e = 0; e < TW_EV_COUNT; e++)
		free(cfg->faults[e].message);
	free(cfg->log_path);
	free(cfg->marker_dir);
	free(cfg->socket_path);
	free(cfg->ready_file);
	memset(cfg, 0, sizeof(*cfg));
}

const struct tw_component *
tw_config_find_component(const struct tw_config *cfg,
			 const char *logical_path, const char *name)
{
	const struct tw_component *c;
	size_t i;

	if (!logical_path)
		logical_path = "";
	for (i = 0; i < cfg->component_count; i++) {
		c = &cfg->components[i];
		if (!strcmp(c->name, name) &&
		    !strcmp(c->logical_path ? c->logical_path : "",
			    logical_path))
			return c;
	}
	return NULL;
}

const char *
tw_event_name(enum tw_event e)
{
	return (unsigned)e < TW_EV_COUNT ? event_names[e] : NULL;
}

int
tw_event_parse(enum tw_event *ret, const char *s)
{
	int e;

	for (e = 0; e < TW_EV_COUNT; e++) {
		if (name_equal(event_names[e], s)) {
			*ret = (enum tw_event)e;
			return 0;
		}
	}
	return -EINVAL;
}
