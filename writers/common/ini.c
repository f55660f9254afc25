/*
 * writers/common/ini.c - the INI reader of writer configuration files and
 * the value parsers they share (docs/vss-test-writer.md "Configuration
 * file").  inih does the syntax; this file feeds it line by line, keeps
 * the first error and words it.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/status.h>

#include <ini.h> /* inih; this directory's header is "ini.h" below */

#include "ini.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- messages -------------------------------------------------------- */

void
wini_seterr(struct vss_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

void
wini_prefix(struct vss_error *err, const char *fmt, ...)
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

int
wini_unknown(struct vss_error *err, const char *what, const char *s,
	     const char *choices)
{
	if (choices)
		wini_seterr(err, "unknown %s '%s' (%s)", what, s, choices);
	else
		wini_seterr(err, "unknown %s '%s'", what, s);
	return -EINVAL;
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool
wini_name_equal(const char *a, const char *b)
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

/* ---- the reader ------------------------------------------------------ */

/*
 * The longest section name and key inih keeps whole: its MAX_SECTION and
 * MAX_NAME buffers hold 50 bytes with the NUL; a longer section name is
 * cut (two long names would become one section).
 */
#define MAX_NAME 49

struct parse_ctx {
	wini_key_fn fn;
	void *user;
	struct vss_error *err;
	const char *pos;   /* what the reader has not handed out yet */
	int line;          /* the line being parsed */
	unsigned section;  /* section header lines read so far */
	int err_line;      /* the first line the callback refused */
	int err_status;    /* and its status */
	int bad_line;      /* the first line refused before inih saw it */
	char bad_why[128]; /* and why */
};

/* The parse whose lines are being read on this thread, for callbacks. */
static _Thread_local const struct parse_ctx *active_parse;

unsigned
wini_section_number(void)
{
	return active_parse ? active_parse->section : 0;
}

static int
on_ini_key(void *user, const char *section, const char *key,
	   const char *value)
{
	struct parse_ctx *ctx = user;
	int r;

	/* Only the first problem is reported; inih goes on regardless. */
	if (ctx->err_line)
		return 1;
	ctx->err->message[0] = '\0';
	r = ctx->fn(ctx->user, section, key, value, ctx->err);
	if (r == 0)
		return 1;
	if (r > 0 || !ctx->err->message[0]) {
		/* A callback that broke its contract: still an error. */
		r = r > 0 ? -EINVAL : r;
		wini_seterr(ctx->err, "%s", vss_strerror(r));
	}
	if (r == -ENOMEM)
		wini_seterr(ctx->err, "out of memory");
	if (*section)
		wini_prefix(ctx->err, "[%s] %s", section, key);
	else
		wini_prefix(ctx->err, "%s (outside any section)", key);
	ctx->err_line = ctx->line;
	ctx->err_status = r;
	return 0;
}

/* inih's isspace() less the line ends, which read_ini_line() handles. */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/*
 * Where inih ends a name: at one of chars or at an inline comment (';'
 * after a blank); s + len if neither comes.
 */
static const char *
name_end(const char *s, size_t len, const char *chars)
{
	const char *end = s + len;
	bool was_blank = false;

	for (; s < end; s++) {
		if (strchr(chars, *s) || (was_blank && *s == ';'))
			return s;
		was_blank = is_blank(*s);
	}
	return end;
}

/*
 * Why inih would take a line (len characters without its line end) other
 * than as written, or NULL: it would cut a long section name, continue
 * the previous value with an indented line, ignore text after ']'.  A
 * section header is counted.  What inih refuses itself (no ']', no '=')
 * is left to it.
 */
static const char *
check_content(struct parse_ctx *ctx, const char *s, size_t len)
{
	const char *end, *p;

	if (len && is_blank(s[0])) {
		for (p = s; p < s + len && is_blank(*p); p++)
			;
		if (p == s + len || *p == ';' || *p == '#')
			return NULL;
		return "indented line (only a comment may be indented; "
		       "a value cannot go on over lines)";
	}
	if (!len || *s == ';' || *s == '#')
		return NULL;
	if (*s == '[') {
		ctx->section++;
		end = name_end(s + 1, len - 1, "]");
		if (end == s + len || *end != ']')
			return NULL;
		if (end - (s + 1) > MAX_NAME)
			return "section name longer than 49 characters";
		for (p = end + 1; p < s + len && is_blank(*p); p++)
			;
		if (p < s + len && *p != ';')
			return "text after ']' (only a comment may follow "
			       "a section header)";
		return NULL;
	}
	end = name_end(s, len, "=:");
	if (end == s + len || (*end != '=' && *end != ':'))
		return NULL;
	while (end > s && is_blank(end[-1]))
		end--;
	if (end - s > MAX_NAME)
		return "key longer than 49 characters";
	return NULL;
}

/*
 * inih reads lines into a fixed buffer and would split a longer one into
 * two; hand it lines one by one and stop at one that does not fit or
 * that it would misread (check_content()).
 */
static char *
read_ini_line(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	const char *nl, *s, *why;
	size_t len, text_len;

	if (!*ctx->pos || ctx->bad_line)
		return NULL;
	s = ctx->pos;
	nl = strchr(s, '\n');
	len = nl ? (size_t)(nl - s) + 1 : strlen(s);
	ctx->line++;
	/* The text of the line: without "\n" or "\r\n", and a UTF-8 BOM
	 * at the start of the file, which inih skips. */
	text_len = nl ? len - 1 : len;
	if (nl && text_len && s[text_len - 1] == '\r')
		text_len--;
	if (ctx->line == 1 && text_len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
		s += 3;
		text_len -= 3;
	}
	/* Room for "\r\n\0" after the text, as inih's ini.h asks. */
	if (len >= (size_t)num) {
		ctx->bad_line = ctx->line;
		snprintf(ctx->bad_why, sizeof(ctx->bad_why),
			 "line too long (at most %d characters)", num - 3);
		return NULL;
	}
	if (memchr(s, '\r', text_len))
		why = "carriage return without a line feed (lines end with "
		      "\\n or \\r\\n)";
	else
		why = check_content(ctx, s, text_len);
	if (why) {
		ctx->bad_line = ctx->line;
		snprintf(ctx->bad_why, sizeof(ctx->bad_why), "%s", why);
		return NULL;
	}
	memcpy(str, ctx->pos, len);
	str[len] = '\0';
	ctx->pos += len;
	return str;
}

int
wini_parse_string(const char *text, wini_key_fn fn, void *user,
		  struct vss_error *err)
{
	const struct parse_ctx *outer = active_parse;
	struct parse_ctx ctx = {
		.fn = fn,
		.user = user,
		.err = err,
		.pos = text,
	};
	int r;

	err->line = 0;
	err->message[0] = '\0';
	active_parse = &ctx;
	r = ini_parse_stream(read_ini_line, &ctx, on_ini_key, &ctx);
	active_parse = outer;
	if (ctx.bad_line && (!r || r > ctx.bad_line)) {
		err->line = ctx.bad_line;
		wini_seterr(err, "line %d: %s", ctx.bad_line, ctx.bad_why);
		return -EINVAL;
	}
	if (r == -2) {
		wini_seterr(err, "out of memory");
		return -ENOMEM;
	}
	if (r > 0) {
		if (r != ctx.err_line)
			wini_seterr(err, "expected [section] or key = value");
		wini_prefix(err, "line %d", r);
		err->line = r;
		return r == ctx.err_line ? ctx.err_status : -EINVAL;
	}
	err->message[0] = '\0';
	return 0;
}

/* The whole regular file into *ret (NUL-terminated); err on failure. */
static int
read_file(const char *path, char **ret, struct vss_error *err)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		wini_seterr(err, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > WINI_MAX_FILE) {
		wini_seterr(err, "not a regular file of at most %u bytes",
			    WINI_MAX_FILE);
		r = -EINVAL;
		goto fail;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		r = -ENOMEM;
		wini_seterr(err, "out of memory");
		goto fail;
	}
	/* A file that grows while read is cut at the size fstat saw. */
	while (len < (size_t)st.st_size) {
		n = read(fd, text + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			wini_seterr(err, "%s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		wini_seterr(err, "the file holds a NUL byte");
		r = -EINVAL;
		goto fail;
	}
	close(fd);
	*ret = text;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(text);
	return r;
}

int
wini_parse_file(const char *path, wini_key_fn fn, void *user,
		char **ret_text, struct vss_error *err)
{
	char *text = NULL;
	int r;

	err->line = 0;
	err->message[0] = '\0';
	r = read_file(path, &text, err);
	if (r == 0)
		r = wini_parse_string(text, fn, user, err);
	if (r < 0) {
		wini_prefix(err, "%s", path);
		free(text);
		return r;
	}
	if (ret_text)
		*ret_text = text;
	else
		free(text);
	return 0;
}

const char *
wini_section_arg(const char *section, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(section, prefix, n) ||
	    (section[n] != ' ' && section[n] != '\t'))
		return NULL;
	section += n;
	while (*section == ' ' || *section == '\t')
		section++;
	return section;
}

/* ---- values ---------------------------------------------------------- */

int
wini_u64(uint64_t *ret, const char *s, int base, uint64_t max)
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

int
wini_unsigned(unsigned *ret, const char *s, unsigned max,
	      struct vss_error *err)
{
	uint64_t v;

	if (wini_u64(&v, s, 10, max) < 0) {
		wini_seterr(err, "'%s' is not a number from 0 to %u", s, max);
		return -EINVAL;
	}
	*ret = (unsigned)v;
	return 0;
}

int
wini_bool(bool *ret, const char *s, struct vss_error *err)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (wini_name_equal(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (wini_name_equal(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	wini_seterr(err, "'%s' is not a boolean (true, false, yes, no, on, "
		    "off, 1, 0)", s);
	return -EINVAL;
}

int
wini_seconds(unsigned *ret_ms, const char *s, struct vss_error *err)
{
	char *end;
	double v;

	errno = 0;
	v = (*s >= '0' && *s <= '9') || *s == '.' ? strtod(s, &end) : -1;
	if (v < 0 || errno || *end || !isfinite(v) || v * 1000 > WINI_MAX_MS) {
		wini_seterr(err, "'%s' is not a number of seconds from 0 to %u",
			    s, WINI_MAX_MS / 1000);
		return -EINVAL;
	}
	*ret_ms = (unsigned)lround(v * 1000);
	return 0;
}

int
wini_set_str(char **slot, const char *s)
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

/* Split s in place; see wini_words(). */
static int
split_words(char *s, char **words, int max, struct vss_error *err)
{
	int n = 0;
	char *end;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == max) {
			wini_seterr(err, "more than %d words", max);
			return -EINVAL;
		}
		if (*s == '"') {
			end = strchr(s + 1, '"');
			if (!end) {
				wini_seterr(err, "unterminated quote");
				return -EINVAL;
			}
			words[n++] = s + 1;
		} else {
			words[n++] = s;
			end = s + strcspn(s, " \t");
		}
		if (!*end)
			return n;
		*end = '\0';
		s = end + 1;
	}
}

int
wini_words(const char *value, char **ret_copy, char **words, int max,
	   struct vss_error *err)
{
	char *copy;
	int n;

	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	n = split_words(copy, words, max, err);
	if (n < 0) {
		free(copy);
		return n;
	}
	*ret_copy = copy;
	return n;
}
