/*
 * lib/metadata/filespec.c - file specifications and file sets (MD-020 ..
 * MD-022, MD-027): does a file name match a pattern, does a file belong to
 * a (path, filespec, recursive) set.
 *
 * Both functions are pure string operations: nothing is looked up on disk,
 * no environment variable is expanded and no symbolic link is followed, so
 * that the answer depends only on the document.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <vss/metadata.h>

/* A UTF-8 continuation byte (10xxxxxx) never starts a character. */
static bool
is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/*
 * Match name[0..len) against spec.  Iterative, backtracking only to the
 * most recent '*': an earlier star never needs to take more, because the
 * later one can absorb anything the earlier one would have.  This keeps
 * the cost at O(len * strlen(spec)) where a recursive matcher is
 * exponential on patterns like "a*a*a*a*b".
 */
static bool
match(const char *spec, const char *name, size_t len)
{
	const char *star = NULL; /* spec just after the last '*' */
	size_t star_n = 0;       /* name offset that star has absorbed up to */
	size_t n = 0;

	while (n < len) {
		if (*spec == '*') {
			star = ++spec;
			star_n = n;
			continue;
		}
		if (*spec == '?') {
			/* One character: a lead byte and its continuations. */
			spec++;
			n++;
			while (n < len && is_continuation(name[n]))
				n++;
			continue;
		}
		if (*spec != '\0' && *spec == name[n]) {
			spec++;
			n++;
			continue;
		}
		if (star == NULL)
			return false;
		/* Let the last star absorb one more byte and retry. */
		spec = star;
		n = ++star_n;
	}
	while (*spec == '*')
		spec++;
	return *spec == '\0';
}

bool
vss_filespec_match(const char *filespec, const char *name)
{
	if (filespec == NULL || name == NULL)
		return false;
	/*
	 * name is one path element: with a '/' in it, it is not one, and
	 * no wildcard may match across a separator (MD-021).
	 */
	if (strchr(name, '/') != NULL)
		return false;
	return match(filespec, name, strlen(name));
}

/*
 * The next element of a '/'-separated path at or after *s, skipping
 * repeated separators.  Returns its start and sets *len and *s past it,
 * or returns NULL at the end.
 */
static const char *
next_element(const char **s, size_t *len)
{
	const char *p = *s;
	const char *start;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return NULL;
	start = p;
	while (*p != '\0' && *p != '/')
		p++;
	*len = (size_t)(p - start);
	*s = p;
	return start;
}

static bool
is_dot_element(const char *e, size_t len)
{
	return (len == 1 && e[0] == '.') ||
	       (len == 2 && e[0] == '.' && e[1] == '.');
}

bool
vss_file_set_contains(const char *path, const char *filespec,
		      bool recursive, const char *file)
{
	const char *pe, *fe, *last;
	size_t plen, flen, last_len, below;

	if (path == NULL || filespec == NULL || file == NULL)
		return false;
	/*
	 * Only absolute paths compare: a relative one has no meaning
	 * without a working directory.  A file ending in '/' names a
	 * directory, not a file.
	 */
	if (path[0] != '/' || file[0] != '/' || file[strlen(file) - 1] == '/')
		return false;

	/*
	 * Walk path and file element by element; repeated and trailing
	 * separators are ignored (MD-020).  "." and ".." are not resolved:
	 * whatever they would lead to, the file is not named inside path.
	 */
	while ((pe = next_element(&path, &plen)) != NULL) {
		fe = next_element(&file, &flen);
		if (fe == NULL || is_dot_element(pe, plen) ||
		    is_dot_element(fe, flen) || flen != plen ||
		    memcmp(pe, fe, plen) != 0)
			return false;
	}

	/* What is left of file lies below path: at least its name. */
	last = NULL;
	last_len = 0;
	below = 0;
	while ((fe = next_element(&file, &flen)) != NULL) {
		if (is_dot_element(fe, flen))
			return false;
		last = fe;
		last_len = flen;
		below++;
	}
	if (below == 0 || (!recursive && below != 1))
		return false;
	/* The last element ends the string: file does not end in '/'. */
	return match(filespec, last, last_len);
}
