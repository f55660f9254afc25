/*
 * writers/common/ini.h - the INI reader of writer configuration files
 * (vss-test-writer, vss-writerd) and the value parsers they share.
 *
 * Lines are handed to inih one by one, and a line inih would take other
 * than as written is refused before it sees it: one too long for its
 * buffer (it would split it), a section name or key longer than its 49
 * characters (it would cut the name), an indented line that is not a
 * comment (it would continue the previous value), text after the ']' of
 * a header (it would ignore it), a carriage return not followed by a
 * line feed.  The first problem is reported with its line and, where it
 * is a key's, "[section] key: message".
 */
#ifndef WINI_H
#define WINI_H

#include <stdbool.h>
#include <stdint.h>

#include <vss/metadata.h>

/* The largest configuration file read (bytes). */
#define WINI_MAX_FILE (1u << 20)
/* The longest duration wini_seconds() accepts: one day, in ms. */
#define WINI_MAX_MS (24u * 3600u * 1000u)

/*
 * Called for each key in file order; 0 to go on, a negative status with
 * err's message set to stop (the reader adds line, section and key).
 * section is "" for a key before the first section header.
 */
typedef int (*wini_key_fn)(void *user, const char *section, const char *key,
			   const char *value, struct vss_error *err);

/*
 * Parse text.  On failure err->line is the line (0 if none) and
 * err->message "line N: [section] key: what", "line N: expected ...", or
 * "line N: line too long (...)" and the like; the status is the
 * callback's, or -EINVAL.  Only the first problem is reported.
 */
int wini_parse_string(const char *text, wini_key_fn fn, void *user,
		      struct vss_error *err);
/*
 * Read a regular file of at most WINI_MAX_FILE bytes (no NUL bytes) and
 * parse it; every message starts with "PATH: ".  On success *ret_text,
 * when ret_text is not NULL, gets the file's bytes (caller owns; free
 * with free()), so a caller can tell a changed file.
 */
int wini_parse_file(const char *path, wini_key_fn fn, void *user,
		    char **ret_text, struct vss_error *err);

/*
 * Inside a wini_key_fn callback: the number of the section header the key
 * comes under, counting the header lines of the text from 1 (0 before the
 * first header, and outside a callback).  A section name given twice gets
 * two numbers, so a caller that is not handed every key still tells a
 * section that comes back from one that goes on.
 */
unsigned wini_section_number(void);

/* The text after "prefix " in a section name ("component db"), or NULL. */
const char *wini_section_arg(const char *section, const char *prefix);

/* Set err's message (printf style). */
void wini_seterr(struct vss_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Put "what: " (printf style) before err's message; cut to fit. */
void wini_prefix(struct vss_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "unknown WHAT 'S' (CHOICES)" in err (choices may be NULL); -EINVAL. */
int wini_unknown(struct vss_error *err, const char *what, const char *s,
		 const char *choices);
/* ASCII, case-insensitive, '-' equal to '_': names people type. */
bool wini_name_equal(const char *a, const char *b);

/*
 * A number of at most max that starts with a digit (base 0: "0x" hex too);
 * 0 or -EINVAL, no message.
 */
int wini_u64(uint64_t *ret, const char *s, int base, uint64_t max);
/* Value parsers: 0, or -EINVAL with err's message naming the value. */
int wini_bool(bool *ret, const char *s, struct vss_error *err);
int wini_unsigned(unsigned *ret, const char *s, unsigned max,
		  struct vss_error *err);
/* SECONDS with decimals ("0.25") into ms, at most WINI_MAX_MS. */
int wini_seconds(unsigned *ret_ms, const char *s, struct vss_error *err);
/* Replace *slot with a copy of s (NULL clears it); 0 or -ENOMEM. */
int wini_set_str(char **slot, const char *s);
/*
 * Split a copy of value into words (blanks between; a word in double
 * quotes may hold blanks); the words point into *ret_copy (caller owns;
 * free with free()).  Returns the number of words; -EINVAL (more than
 * max, an unterminated quote) or -ENOMEM leave *ret_copy alone.
 */
int wini_words(const char *value, char **ret_copy, char **words, int max,
	       struct vss_error *err);

#endif
