/* lib/id.c - 128-bit identifiers (GUIDs) and their text form. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <uuid/uuid.h>

#include "vss/types.h"

/* Characters of the 8-4-4-4-12 form without braces or NUL. */
#define ID_TEXT_LEN (VSS_ID_STRLEN - 1)

/* Positions of the dashes in the text form. */
static bool
is_dash_position(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

/* White space of the C locale, whatever the caller's locale is. */
static bool
is_space(char c)
{
	return c != '\0' && strchr(" \t\n\v\f\r", c) != NULL;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse exactly ID_TEXT_LEN characters of p into id; 0 or -EINVAL. */
static int
parse_bare(vss_id *id, const char *p)
{
	size_t i, n = 0;

	for (i = 0; i < ID_TEXT_LEN; i++) {
		int hi, lo;

		if (is_dash_position(i)) {
			if (p[i] != '-')
				return -EINVAL;
			continue;
		}
		/* Stops at a NUL too: hex_value('\0') is -1. */
		hi = hex_value(p[i]);
		if (hi < 0)
			return -EINVAL;
		lo = hex_value(p[++i]);
		if (lo < 0)
			return -EINVAL;
		id->bytes[n++] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
vss_id_parse(vss_id *ret, const char *text)
{
	const char *p;
	bool braced;
	vss_id id;

	if (!ret || !text)
		return -EINVAL;
	p = text;
	while (is_space(*p))
		p++;
	braced = *p == '{';
	if (braced)
		p++;
	if (parse_bare(&id, p) < 0)
		return -EINVAL;
	p += ID_TEXT_LEN;
	if (braced && *p++ != '}')
		return -EINVAL;
	while (is_space(*p))
		p++;
	if (*p != '\0')
		return -EINVAL;
	*ret = id;
	return 0;
}

void
vss_id_format(const vss_id *id, char out[VSS_ID_STRLEN])
{
	static const char digits[] = "0123456789abcdef";
	size_t i, n = 0;

	/* No status to return: a missing id formats as the empty string. */
	if (!out)
		return;
	if (!id) {
		out[0] = '\0';
		return;
	}
	for (i = 0; i < ID_TEXT_LEN; i++) {
		if (is_dash_position(i)) {
			out[i] = '-';
			continue;
		}
		out[i] = digits[id->bytes[n] >> 4];
		out[++i] = digits[id->bytes[n++] & 0xf];
	}
	out[ID_TEXT_LEN] = '\0';
}

void
vss_id_generate(vss_id *ret)
{
	if (!ret)
		return;
	/* Random, not time-based: ids must not reveal host or time. */
	uuid_generate_random(ret->bytes);
}

bool
vss_id_is_null(const vss_id *id)
{
	static const vss_id null_id;

	return !id || memcmp(id->bytes, null_id.bytes, sizeof(id->bytes)) == 0;
}

bool
vss_id_equal(const vss_id *a, const vss_id *b)
{
	if (!a || !b)
		return a == b;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}
