/*
 * cli/bset_manifest_read.c - the lines of a manifest, from a text in
 * memory (bset_manifest_parse(), the fuzz target's entry) or streamed
 * from DIR/manifest.json (bset_manifest_load()), fed one at a time to the
 * parser of bset_manifest.c.  A file is read through one buffer of at
 * most BSET_LINE_MAX bytes, whatever its size, and only if it is a
 * regular file: a FIFO or a device put there never blocks verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bset_internal.h"

#define READ_SIZE ((size_t)64 << 10)

/*
 * The error of a last line without its newline: the manifest was cut
 * short, or, after the end record, something was added to it.
 */
static int
unterminated(const struct bset_parser *p, char *err, size_t errlen,
	     size_t line)
{
	if (!err || !errlen)
		return -EBADMSG;
	if (bset_parser_ended(p))
		snprintf(err, errlen, "line %zu: data after the end record",
			 line);
	else
		snprintf(err, errlen, "line %zu: no newline at the end: the "
			 "manifest is incomplete", line);
	return -EBADMSG;
}

int
bset_manifest_parse(struct bset_manifest **ret, const char *text, size_t len,
		    char *err, size_t errlen)
{
	struct bset_parser *p;
	const char *nl, *end = text + len;
	size_t lines = 0;
	int r;

	if (!ret || (!text && len))
		return -EINVAL;
	if ((r = bset_parser_new(&p, err, errlen)) < 0)
		return r;
	for (; r == 0 && text < end; text = nl + 1) {
		nl = memchr(text, '\n', (size_t)(end - text));
		if (!nl) {
			r = unterminated(p, err, errlen, lines + 1);
			break;
		}
		lines++;
		r = bset_parser_line(p, text, (size_t)(nl - text));
	}
	if (r == 0)
		r = bset_parser_finish(p, ret);
	bset_parser_free(p);
	return r;
}

/* Read more of fd after the len bytes in buf; 0 at the end, or -errno. */
static ssize_t
read_more(int fd, char *buf, size_t len, size_t cap)
{
	ssize_t n;

	do
		n = read(fd, buf + len, cap - len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Feed every line of fd to p. */
static int
feed(struct bset_parser *p, int fd, char *err, size_t errlen)
{
	size_t cap = READ_SIZE, len = 0, used, lines = 0;
	char *buf = malloc(cap), *grown, *nl;
	ssize_t n;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = read_more(fd, buf, len, cap);
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n == 0) {
			if (len)
				r = unterminated(p, err, errlen, lines + 1);
			break;
		}
		len += (size_t)n;
		/* Every whole line in the buffer, then keep the rest. */
		used = 0;
		while (r == 0 && (nl = memchr(buf + used, '\n', len - used))) {
			lines++;
			r = bset_parser_line(p, buf + used,
					     (size_t)(nl - buf - used));
			used = (size_t)(nl - buf) + 1;
		}
		if (r < 0)
			break;
		memmove(buf, buf + used, len - used);
		len -= used;
		if (len < cap)
			continue;
		/* A line longer than the buffer: grow it, to the limit. */
		if (cap >= BSET_LINE_MAX) {
			/* The parser says it: the line and its number. */
			r = bset_parser_line(p, buf, len);
			break;
		}
		cap *= 2;
		grown = realloc(buf, cap);
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		buf = grown;
	}
	free(buf);
	return r;
}

static void
say(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, BSET_MANIFEST ": %s", what);
}

int
bset_manifest_load_at(struct bset_manifest **ret, int dir, char *err,
		      size_t errlen)
{
	struct bset_parser *p = NULL;
	int fd, r;

	if (err && errlen)
		err[0] = '\0';
	fd = bset_open_regular(dir, BSET_MANIFEST, NULL);
	if (fd < 0) {
		say(err, errlen, fd == -ELOOP ? "a symbolic link, not a "
						"regular file" :
			fd == -EINVAL ? "not a regular file" :
					strerror(-fd));
		return fd;
	}
	r = bset_parser_new(&p, err, errlen);
	if (r == 0)
		r = feed(p, fd, err, errlen);
	if (r == 0)
		r = bset_parser_finish(p, ret);
	/* The parser said what is wrong with the text; say the rest. */
	if (r < 0 && err && errlen && !err[0])
		say(err, errlen, strerror(-r));
	bset_parser_free(p);
	close(fd);
	return r;
}

int
bset_manifest_load(struct bset_manifest **ret, const char *dir, char *err,
		   size_t errlen)
{
	int fd, r;

	if (!ret || !dir)
		return -EINVAL;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		say(err, errlen, strerror(-r));
		return r;
	}
	r = bset_manifest_load_at(ret, fd, err, errlen);
	close(fd);
	return r;
}
