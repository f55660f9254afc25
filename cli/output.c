/*
 * cli/output.c - the output layer: the same calls print an indented text
 * tree or build a JSON document (jansson).
 *
 * Text is printed as it comes, in a YAML-like form: "key: value" lines,
 * two spaces of indent per level, list items starting with "- ".  The
 * header line of an object or a list ("components:") is held back until
 * its first child is printed, so that empty lists and objects whose
 * members are all absent leave no trace.  JSON is built in memory and
 * written by output_finish().
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <vss/status.h>
#include <vss/types.h>

#include "output.h"

/* Deeper than any command's data; a deeper tree is a bug in the command. */
#define OUTPUT_DEPTH_MAX 16

struct frame {
	bool is_list;
	json_t *json;    /* JSON: the container, owned by its parent */
	const char *key; /* text: header, NULL for the root and list items */
	bool header_done;
	int indent;   /* text: columns of the lines of the members */
	bool dash;    /* text: the next line at this level starts "- " */
};

struct output {
	enum output_format format;
	FILE *f;
	struct frame frames[OUTPUT_DEPTH_MAX];
	size_t depth;
	json_t *root;
	int error;
};

int
output_new(struct output **ret, enum output_format format, FILE *f)
{
	struct output *o;

	if (!ret || !f || (format != OUTPUT_TEXT && format != OUTPUT_JSON))
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->format = format;
	o->f = f;
	*ret = o;
	return 0;
}

void
output_free(struct output *o)
{
	if (!o)
		return;
	json_decref(o->root);
	free(o);
}

static struct frame *
top(struct output *o)
{
	assert(o->depth > 0);
	return &o->frames[o->depth - 1];
}

static void
set_error(struct output *o, int error)
{
	if (o->error == 0)
		o->error = error;
}

/* ---- text ------------------------------------------------------------ */

static void
text_indent(struct output *o, struct frame *fr)
{
	int n = fr->indent;

	if (fr->dash) {
		n -= 2;
		fr->dash = false;
	}
	fprintf(o->f, "%*s%s", n, "", fr->indent > n ? "- " : "");
}

/* Keys are JSON names; text shows "exclude_files" as "exclude files". */
static void
text_label(struct output *o, const char *key)
{
	for (; *key; key++)
		fputc(*key == '_' ? ' ' : *key, o->f);
	fputc(':', o->f);
}

/* Print the held-back headers of every open container, outermost first. */
static void
text_flush_headers(struct output *o)
{
	size_t i;

	for (i = 1; i < o->depth; i++) {
		struct frame *fr = &o->frames[i];

		if (fr->header_done)
			continue;
		fr->header_done = true;
		/* A list item object carries its "- " on its first line. */
		if (!fr->key)
			continue;
		text_indent(o, &o->frames[i - 1]);
		text_label(o, fr->key);
		fputc('\n', o->f);
	}
}

/* Start the line of a value: indent, "- " in a list, or the key. */
static void
text_begin_value(struct output *o, const char *key)
{
	struct frame *fr;

	text_flush_headers(o);
	fr = top(o);
	assert(!key == fr->is_list);
	text_indent(o, fr);
	if (fr->is_list)
		fputs("- ", o->f);
	else {
		text_label(o, key);
		fputc(' ', o->f);
	}
}

static bool
text_needs_quotes(const char *s)
{
	size_t len = strlen(s);
	const unsigned char *p;

	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' || s[0] == '"')
		return true;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/*
 * Strings are shown as they are, unless that would hide something: the
 * empty string, surrounding blanks and control characters (values with
 * line breaks) are shown quoted, with C escapes.
 */
static void
text_string(struct output *o, const char *s)
{
	const unsigned char *p;

	if (!text_needs_quotes(s)) {
		fputs(s, o->f);
		return;
	}
	fputc('"', o->f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", o->f);
			break;
		case '\\':
			fputs("\\\\", o->f);
			break;
		case '\n':
			fputs("\\n", o->f);
			break;
		case '\r':
			fputs("\\r", o->f);
			break;
		case '\t':
			fputs("\\t", o->f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(o->f, "\\x%02x", *p);
			else
				fputc(*p, o->f);
		}
	}
	fputc('"', o->f);
}

/* ---- JSON ------------------------------------------------------------ */

/* Attach v (a new reference, or NULL when making it failed) to the top. */
static void
json_add(struct output *o, const char *key, json_t *v)
{
	struct frame *fr;
	int r;

	if (!v) {
		set_error(o, -ENOMEM);
		return;
	}
	if (o->error) {
		json_decref(v);
		return;
	}
	if (o->depth == 0) {
		assert(!o->root);
		o->root = v;
		return;
	}
	fr = top(o);
	assert(!key == fr->is_list);
	/* Both steal the reference, also when they fail. */
	if (fr->is_list)
		r = json_array_append_new(fr->json, v);
	else
		r = json_object_set_new(fr->json, key, v);
	if (r < 0)
		set_error(o, -ENOMEM);
}

static void
json_add_string(struct output *o, const char *key, const char *s)
{
	json_t *v = json_string(s);

	if (!v) {
		/* jansson refuses strings that are not UTF-8. */
		v = json_string_nocheck(s);
		set_error(o, v ? -EILSEQ : -ENOMEM);
		json_decref(v);
		return;
	}
	json_add(o, key, v);
}

/* ---- the calls --------------------------------------------------------- */

static void
begin(struct output *o, const char *key, bool is_list)
{
	struct frame *fr, *parent = o->depth ? top(o) : NULL;
	json_t *container = NULL;

	assert(o->depth < OUTPUT_DEPTH_MAX);
	/* Keys name the members of objects, and only them. */
	assert(parent ? !key == parent->is_list : !key);
	if (o->format == OUTPUT_JSON) {
		container = is_list ? json_array() : json_object();
		/* Borrowed: the parent (or o->root) holds the reference. */
		json_add(o, key, container);
		if (o->error)
			container = NULL;
	}
	fr = &o->frames[o->depth++];
	*fr = (struct frame){
		.is_list = is_list,
		.json = container,
		.key = key,
		.header_done = !parent,
		.indent = parent ? parent->indent + 2 : 0,
		.dash = parent && parent->is_list,
	};
}

static void
end(struct output *o, bool is_list)
{
	assert(o->depth > 0 && top(o)->is_list == is_list);
	o->depth--;
}

void
output_begin_object(struct output *o, const char *key)
{
	begin(o, key, false);
}

void
output_end_object(struct output *o)
{
	end(o, false);
}

void
output_begin_list(struct output *o, const char *key)
{
	begin(o, key, true);
}

void
output_end_list(struct output *o)
{
	end(o, true);
}

void
output_null(struct output *o, const char *key)
{
	if (o->format == OUTPUT_JSON)
		json_add(o, key, json_null());
}

void
output_string(struct output *o, const char *key, const char *value)
{
	if (!value) {
		output_null(o, key);
		return;
	}
	if (o->format == OUTPUT_JSON) {
		json_add_string(o, key, value);
		return;
	}
	text_begin_value(o, key);
	text_string(o, value);
	fputc('\n', o->f);
}

void
output_bool(struct output *o, const char *key, bool value)
{
	if (o->format == OUTPUT_JSON) {
		json_add(o, key, json_boolean(value));
		return;
	}
	text_begin_value(o, key);
	fputs(value ? "yes\n" : "no\n", o->f);
}

void
output_int(struct output *o, const char *key, int64_t value)
{
	if (o->format == OUTPUT_JSON) {
		json_add(o, key, json_integer((json_int_t)value));
		return;
	}
	text_begin_value(o, key);
	fprintf(o->f, "%" PRId64 "\n", value);
}

void
output_double(struct output *o, const char *key, double value)
{
	if (o->format == OUTPUT_JSON) {
		json_add(o, key, json_real(value));
		return;
	}
	text_begin_value(o, key);
	fprintf(o->f, "%.3f\n", value);
}

void
output_hex(struct output *o, const char *key, uint32_t value)
{
	if (o->format == OUTPUT_JSON) {
		json_add(o, key, json_integer((json_int_t)value));
		return;
	}
	text_begin_value(o, key);
	fprintf(o->f, "0x%" PRIx32 "\n", value);
}

void
output_flags(struct output *o, const char *key, uint32_t value,
	     const struct output_flag *names)
{
	uint32_t left = value;
	const char *sep = " (";

	if (o->format == OUTPUT_JSON) {
		json_add(o, key, json_integer((json_int_t)value));
		return;
	}
	text_begin_value(o, key);
	fprintf(o->f, "0x%" PRIx32, value);
	for (; names->name; names++) {
		if (names->bits == 0 || (left & names->bits) != names->bits)
			continue;
		fprintf(o->f, "%s%s", sep, names->name);
		left &= ~names->bits;
		sep = " | ";
	}
	if (left && left != value)
		fprintf(o->f, "%s0x%" PRIx32, sep, left);
	fputs(left != value ? ")\n" : "\n", o->f);
}

void
output_enum(struct output *o, const char *key, const char *name, int value)
{
	if (name)
		output_string(o, key, name);
	else
		output_int(o, key, value);
}

void
output_status(struct output *o, const char *key, int status)
{
	const char *name = vss_status_name(status);
	char hex[16];

	if (!name) {
		snprintf(hex, sizeof(hex), "0x%08" PRIx32, (uint32_t)status);
		name = hex;
	}
	output_string(o, key, name);
}

void
output_id(struct output *o, const char *key, const vss_id *id)
{
	char text[VSS_ID_STRLEN];

	if (!id || vss_id_is_null(id)) {
		output_null(o, key);
		return;
	}
	vss_id_format(id, text);
	output_string(o, key, text);
}

void
output_timestamp(struct output *o, const char *key, vss_timestamp ts)
{
	const int64_t per_second = 10000000;
	int64_t seconds = ts / per_second, fraction = ts % per_second;
	char when[64];
	struct tm tm;
	time_t t;

	if (o->format == OUTPUT_JSON) {
		json_add(o, key, json_integer((json_int_t)ts));
		return;
	}
	text_begin_value(o, key);
	if (ts == 0) {
		fputs("not set\n", o->f);
		return;
	}
	/* Round towards the past, so that times before 1601 read right. */
	if (fraction < 0) {
		fraction += per_second;
		seconds--;
	}
	t = (time_t)(seconds - VSS_TIMESTAMP_UNIX_EPOCH_SECONDS);
	if (!gmtime_r(&t, &tm) ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		fprintf(o->f, "%" PRId64 "\n", ts);
		return;
	}
	if (fraction)
		fprintf(o->f, "%s.%07" PRId64 " UTC\n", when, fraction);
	else
		fprintf(o->f, "%s UTC\n", when);
}

static char *
base64_encode(const uint8_t *data, size_t size)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789+/";
	char *out, *p;
	size_t i;

	out = malloc((size + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	p = out;
	for (i = 0; i + 2 < size; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 |
			     (uint32_t)data[i + 1] << 8 | data[i + 2];

		*p++ = digits[v >> 18];
		*p++ = digits[(v >> 12) & 63];
		*p++ = digits[(v >> 6) & 63];
		*p++ = digits[v & 63];
	}
	if (i < size) {
		uint32_t v = (uint32_t)data[i] << 16;

		if (i + 1 < size)
			v |= (uint32_t)data[i + 1] << 8;
		*p++ = digits[v >> 18];
		*p++ = digits[(v >> 12) & 63];
		*p++ = i + 1 < size ? digits[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

void
output_bytes(struct output *o, const char *key, const uint8_t *data,
	     size_t size)
{
	char *encoded;

	if (!data) {
		output_null(o, key);
		return;
	}
	if (o->format == OUTPUT_JSON) {
		encoded = base64_encode(data, size);
		if (!encoded) {
			set_error(o, -ENOMEM);
			return;
		}
		json_add_string(o, key, encoded);
		free(encoded);
		return;
	}
	text_begin_value(o, key);
	fprintf(o->f, "%zu bytes\n", size);
}

int
output_finish(struct output *o)
{
	if (!o)
		return -EINVAL;
	if (o->depth != 0)
		set_error(o, -EINVAL);
	if (o->format == OUTPUT_JSON && !o->error && o->root) {
		if (json_dumpf(o->root, o->f, JSON_INDENT(2)) < 0)
			set_error(o, -EIO);
		else
			fputc('\n', o->f);
	}
	if (fflush(o->f) != 0 || ferror(o->f))
		set_error(o, -EIO);
	return o->error;
}
