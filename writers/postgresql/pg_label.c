/*
 * writers/postgresql/pg_label.c - reading the backup label and reading and
 * writing the tablespace map, in the forms of PostgreSQL 15
 * (src/backend/access/transam/xlog.c: do_pg_backup_start writes both,
 * read_backup_label and read_tablespace_map read them at recovery).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_label.h"

#define START_WAL_LINE "START WAL LOCATION: "

__attribute__((format(printf, 2, 3))) static int
bad(struct vss_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	err->line = 0;
	return -EBADMSG;
}

static bool
is_upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Skip 1..8 upper-case hex digits; NULL if there are none or more. */
static const char *
skip_hex32(const char *s)
{
	size_t n = 0;

	while (is_upper_hex(s[n]) && n < 9)
		n++;
	return n >= 1 && n <= 8 ? s + n : NULL;
}

bool
pg_label_is_lsn(const char *text)
{
	const char *s = skip_hex32(text);

	if (!s || *s != '/')
		return false;
	s = skip_hex32(s + 1);
	return s && *s == '\0';
}

int
pg_label_start_wal_file(const char *label, char ret[PG_WAL_FILE_LEN + 1],
			struct vss_error *err)
{
	const char *line = label, *s;

	/* The line is the first of the label; find it anywhere at a line
	 * start to be lenient about order, not about form. */
	while (strncmp(line, START_WAL_LINE, strlen(START_WAL_LINE)) != 0) {
		line = strchr(line, '\n');
		if (!line)
			return bad(err, "backup label: no %s line",
				   "START WAL LOCATION");
		line++;
	}
	s = skip_hex32(line + strlen(START_WAL_LINE));
	if (s && *s == '/')
		s = skip_hex32(s + 1);
	else
		s = NULL;
	if (!s || strncmp(s, " (file ", 7) != 0)
		return bad(err, "backup label: malformed %s line",
			   "START WAL LOCATION");
	s += 7;
	for (size_t i = 0; i < PG_WAL_FILE_LEN; i++)
		if (!is_upper_hex(s[i]))
			return bad(err, "backup label: malformed %s file name",
				   "START WAL LOCATION");
	if (s[PG_WAL_FILE_LEN] != ')')
		return bad(err, "backup label: malformed %s file name",
			   "START WAL LOCATION");
	memcpy(ret, s, PG_WAL_FILE_LEN);
	ret[PG_WAL_FILE_LEN] = '\0';
	return 0;
}

void
pg_spcmap_release(struct pg_spcmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->count; i++)
		free(m->entries[i].path);
	free(m->entries);
	m->entries = NULL;
	m->count = 0;
}

/* Parse "OID " at *s; advances *s past the space. */
static int
parse_oid(const char **s, uint32_t *ret)
{
	unsigned long long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EBADMSG;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT32_MAX)
			return -EBADMSG;
		p++;
	}
	if (*p != ' ' || v == 0)
		return -EBADMSG;
	*s = p + 1;
	*ret = (uint32_t)v;
	return 0;
}

/* Unescape the path up to the end of the line; *s past the line end. */
static int
parse_path(const char **s, char **ret)
{
	const char *p = *s;
	size_t n = 0;
	char *out;

	out = malloc(strlen(p) + 1);
	if (!out)
		return -ENOMEM;
	for (;;) {
		if (*p == '\0') {
			free(out);
			return -EBADMSG; /* the line has no end */
		}
		if (*p == '\n' || (*p == '\r' && p[1] == '\n'))
			break;
		if (*p == '\r') {
			free(out);
			return -EBADMSG;
		}
		if (*p == '\\') {
			p++;
			if (*p == '\0') {
				free(out);
				return -EBADMSG;
			}
		}
		out[n++] = *p++;
	}
	*s = p + (*p == '\r' ? 2 : 1);
	out[n] = '\0';
	if (out[0] != '/') {
		free(out);
		return -EBADMSG;
	}
	*ret = out;
	return 0;
}

int
pg_spcmap_parse(const char *text, struct pg_spcmap *ret, struct vss_error *err)
{
	struct pg_spcmap m = {0};
	const char *s = text;
	int r;

	err->line = 0;
	while (*s) {
		struct pg_spcmap_entry e, *grown;

		r = parse_oid(&s, &e.oid);
		if (r == 0)
			r = parse_path(&s, &e.path);
		if (r < 0) {
			pg_spcmap_release(&m);
			if (r == -ENOMEM)
				return r;
			snprintf(err->message, sizeof(err->message),
				 "tablespace map: line %zu is malformed",
				 m.count + 1);
			return r;
		}
		for (size_t i = 0; i < m.count; i++) {
			if (m.entries[i].oid == e.oid) {
				free(e.path);
				pg_spcmap_release(&m);
				snprintf(err->message, sizeof(err->message),
					 "tablespace map: oid %u twice",
					 (unsigned)e.oid);
				return -EBADMSG;
			}
		}
		grown = reallocarray(m.entries, m.count + 1, sizeof(*grown));
		if (!grown) {
			free(e.path);
			pg_spcmap_release(&m);
			return -ENOMEM;
		}
		m.entries = grown;
		m.entries[m.count++] = e;
	}
	*ret = m;
	return 0;
}

int
pg_spcmap_format(const struct pg_spcmap *m, char **ret)
{
	size_t size = 1, n = 0;
	char *out;

	for (size_t i = 0; i < m->count; i++)
		size += 12 + 2 * strlen(m->entries[i].path) + 1;
	out = malloc(size);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < m->count; i++) {
		n += (size_t)snprintf(out + n, size - n, "%u ",
				      (unsigned)m->entries[i].oid);
		for (const char *p = m->entries[i].path; *p; p++) {
			if (*p == '\n' || *p == '\r' || *p == '\\')
				out[n++] = '\\';
			out[n++] = *p;
		}
		out[n++] = '\n';
	}
	out[n] = '\0';
	*ret = out;
	return 0;
}
