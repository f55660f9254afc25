/*
 * cli/output.h - the output layer of the vss command line.
 *
 * It prints a tree of named values either as indented text (one
 * "key: value" line each, list items marked "- ", absent values and empty
 * lists left out) or as one JSON document (absent values as null, empty
 * lists as []).  Commands describe their data once; the format is chosen
 * when the output is made, so every command gets --json the same way.
 *
 * The emit calls never fail: the first error (allocation, a string that is
 * not UTF-8) is kept and returned by output_finish(), as stdio keeps a
 * stream's error for ferror().  Keys are NULL for the root and for the
 * items of a list, and set for the members of an object; the key of a
 * list or object is borrowed until its end call.
 */
#ifndef VSS_CLI_OUTPUT_H
#define VSS_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vss/types.h>

enum output_format {
	OUTPUT_TEXT,
	OUTPUT_JSON,
};

struct output;

/* The name of one bit (or group of bits) of a mask, for the text form. */
struct output_flag {
	uint32_t bits;
	const char *name;
};

/*
 * Write to f (borrowed: used until output_free()).  Caller owns *ret;
 * free with output_free().
 */
int output_new(struct output **ret, enum output_format format, FILE *f);
void output_free(struct output *o);

void output_begin_object(struct output *o, const char *key);
void output_end_object(struct output *o);
void output_begin_list(struct output *o, const char *key);
void output_end_list(struct output *o);

/* A string; NULL is an absent value. */
void output_string(struct output *o, const char *key, const char *value);
/* An absent value: null in JSON, nothing in text. */
void output_null(struct output *o, const char *key);
void output_bool(struct output *o, const char *key, bool value);
void output_int(struct output *o, const char *key, int64_t value);
/* A real number (milliseconds, rates); text shows three decimals. */
void output_double(struct output *o, const char *key, double value);
/* A number that text shows in hexadecimal (contexts, attribute masks). */
void output_hex(struct output *o, const char *key, uint32_t value);
/*
 * A bit mask: a number in JSON; in text, hexadecimal followed by the names
 * of its bits.  names ends with a {0, NULL} entry.  An entry whose bits
 * are all set is used and its bits consumed before later entries are
 * tried, so combined masks go first.
 */
void output_flags(struct output *o, const char *key, uint32_t value,
		  const struct output_flag *names);
/*
 * The text form of an enumeration value, or, when name is NULL (a value
 * the library has no name for), the number.
 */
void output_enum(struct output *o, const char *key, const char *name,
		 int value);
/* A status code: its name (vss_status_name()), or hexadecimal if unknown. */
void output_status(struct output *o, const char *key, int status);
/* An id, lower case; the null id is an absent value. */
void output_id(struct output *o, const char *key, const vss_id *id);
/*
 * A VSS timestamp: the count of 100 ns intervals since 1601 in JSON, the
 * UTC date and time in text, where 0 shows as "not set".
 */
void output_timestamp(struct output *o, const char *key, vss_timestamp ts);
/* Bytes: base64 in JSON, their size in text.  NULL is an absent value. */
void output_bytes(struct output *o, const char *key, const uint8_t *data,
		  size_t size);

/*
 * Write what is still buffered (the JSON document) and flush f.  Returns
 * 0, or the first error: -ENOMEM, -EILSEQ (a string that is not UTF-8),
 * -EINVAL (calls out of order) or -EIO (writing f failed).  Call once,
 * after the root is ended.
 */
int output_finish(struct output *o);

#endif
