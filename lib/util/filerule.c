/*
 * lib/util/filerule.c - the FilesNotToSnapshot / FilesNotToBackup entry
 * syntax (filerule.h).  Nothing here logs: a refused entry is described
 * in the caller's buffer, quoted as it was written (trimmed).
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/filerule.h"

#define ALL_VOLUMES "$AllVolumes$"
#define USER_PROFILE "$UserProfile$"

/* User ids from here on are people, below are system accounts. */
#define FIRST_USER_UID 1000
/* The overflow uid, "nobody": an account, not a person. */
#define NOBODY_UID 65534

static void __attribute__((format(printf, 3, 4)))
describe(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool
filerule_is_dot_name(const char *s, size_t len)
{
	return (len == 1 && s[0] == '.') ||
	       (len == 2 && s[0] == '.' && s[1] == '.');
}

bool
filerule_filespec_valid(const char *filespec)
{
	size_t len = strlen(filespec);

	return len > 0 && !strchr(filespec, '/') &&
	       !filerule_is_dot_name(filespec, len);
}

int
filerule_normalise(const char *dir, size_t len, bool wildcards_ok,
		   char **ret, const char **ret_why)
{
	size_t i = 0, start, out = 0;
	char *norm;

	if (len == 0 || dir[0] != '/') {
		*ret_why = "not an absolute path";
		return -EINVAL;
	}
	norm = malloc(len + 2);
	if (!norm)
		return -ENOMEM;
	while (i < len) {
		while (i < len && dir[i] == '/')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && dir[i] != '/')
			i++;
		if (filerule_is_dot_name(dir + start, i - start)) {
			*ret_why = "'.' and '..' are not allowed in the path";
			goto invalid;
		}
		if (!wildcards_ok && (memchr(dir + start, '*', i - start) ||
				      memchr(dir + start, '?', i - start))) {
			*ret_why = "wildcards are allowed in the last element "
				   "only";
			goto invalid;
		}
		norm[out++] = '/';
		memcpy(norm + out, dir + start, i - start);
		out += i - start;
	}
	if (out == 0)
		norm[out++] = '/';
	norm[out] = '\0';
	*ret = norm;
	return 0;

invalid:
	free(norm);
	return -EINVAL;
}

/* ---- The list -------------------------------------------------------- */

/* Drop the entries from n on. */
static void
list_truncate(struct filerule_list *list, size_t n)
{
	struct filerule *r;

	while (list->n > n) {
		r = &list->v[--list->n];
		free(r->dir);
		free(r->filespec);
	}
}

void
filerule_list_release(struct filerule_list *list)
{
	if (!list)
		return;
	list_truncate(list, 0);
	free(list->v);
	list->v = NULL;
}

/* Append a copy of filespec with dir, which it takes ownership of. */
static int
list_add(struct filerule_list *list, enum filerule_kind kind, char *dir,
	 const char *filespec, bool recursive)
{
	struct filerule *v;
	char *copy;

	v = reallocarray(list->v, list->n + 1, sizeof(*v));
	if (v)
		list->v = v;
	copy = strdup(filespec);
	if (!v || !copy) {
		free(copy);
		free(dir);
		return -ENOMEM;
	}
	list->v[list->n++] = (struct filerule){
		.kind = kind,
		.dir = dir,
		.filespec = copy,
		.recursive = recursive,
	};
	return 0;
}

/* ---- $UserProfile$ ---------------------------------------------------- */

/* A person's account, or root's: not a system one, not nobody. */
static bool
has_profile(const struct passwd *pw)
{
	return pw->pw_uid == 0 ||
	       (pw->pw_uid >= FIRST_USER_UID && pw->pw_uid != NOBODY_UID);
}

/*
 * One file set below each home directory (below: relative, "" for the
 * home itself).  A home that is "/" (some distributions give one to
 * nobody-like accounts) would turn a recursive entry into the whole
 * system, and one that is not a plain absolute path names no directory:
 * both are skipped, as are homes shared by several accounts after the
 * first.
 */
static int
add_profiles(struct filerule_list *list, const char *below,
	     const char *filespec, bool recursive)
{
	size_t first = list->n, i;
	struct passwd *pw;
	const char *why;
	char *home, *path;
	bool seen;
	int r = 0;

	setpwent();
	while (r == 0 && (pw = getpwent())) {
		if (!has_profile(pw) || !pw->pw_dir)
			continue;
		r = filerule_normalise(pw->pw_dir, strlen(pw->pw_dir), false,
				       &home, &why);
		if (r == -EINVAL) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		if (strcmp(home, "/") == 0) {
			free(home);
			continue;
		}
		if (asprintf(&path, "%s%s%s", home, *below ? "/" : "",
			     below) < 0)
			r = -ENOMEM;
		free(home);
		if (r < 0)
			break;
		seen = false;
		for (i = first; i < list->n && !seen; i++)
			seen = strcmp(list->v[i].dir, path) == 0;
		if (seen)
			free(path);
		else
			r = list_add(list, FILERULE_PATH, path, filespec,
				     recursive);
	}
	endpwent();
	if (r < 0)
		list_truncate(list, first);
	return r;
}

/* ---- Entries ---------------------------------------------------------- */

/* The entry without its prefix, and which prefix it had. */
static const char *
entry_prefix(const char *s, size_t len, enum filerule_kind *ret)
{
	if (len >= strlen(ALL_VOLUMES) &&
	    strncasecmp(s, ALL_VOLUMES, strlen(ALL_VOLUMES)) == 0) {
		*ret = FILERULE_ALL_VOLUMES;
		return s + strlen(ALL_VOLUMES);
	}
	if (len >= strlen(USER_PROFILE) &&
	    strncasecmp(s, USER_PROFILE, strlen(USER_PROFILE)) == 0) {
		*ret = FILERULE_PROFILE;
		return s + strlen(USER_PROFILE);
	}
	*ret = FILERULE_PATH;
	return s;
}

/*
 * Split the trimmed entry [start, end), without its " /s", into its
 * directory (normalised, absolute) and file name pattern; kind says which
 * prefix it had.  Messages quote the qlen bytes at start: the whole entry.
 */
static int
entry_split(const char *start, const char *end, int qlen,
	    enum filerule_kind *kind, char **ret_dir, char **ret_filespec,
	    char *err, size_t errlen)
{
	const char *p, *slash, *why;
	char *dir, *filespec;
	int r;

	p = entry_prefix(start, (size_t)(end - start), kind);
	slash = memrchr(p, '/', (size_t)(end - p));
	if (!slash) {
		describe(err, errlen, "'%.*s': not an absolute path", qlen,
			 start);
		return -EINVAL;
	}
	/* "/name": a file name right after the root or the prefix. */
	if (slash == p)
		r = (dir = strdup("/")) ? 0 : -ENOMEM;
	else
		r = filerule_normalise(p, (size_t)(slash - p), false, &dir,
				       &why);
	if (r == -EINVAL)
		describe(err, errlen, "'%.*s': %s", qlen, start, why);
	if (r < 0)
		return r;
	filespec = strndup(slash + 1, (size_t)(end - slash - 1));
	if (!filespec) {
		free(dir);
		return -ENOMEM;
	}
	if (!filerule_filespec_valid(filespec)) {
		describe(err, errlen, "'%.*s': names no file", qlen, start);
		free(dir);
		free(filespec);
		return -EINVAL;
	}
	*ret_dir = dir;
	*ret_filespec = filespec;
	return 0;
}

int
filerule_parse(struct filerule_list *list, const char *entry, size_t len,
	       bool expand_profiles, char *err, size_t errlen)
{
	const char *start = entry, *end = entry + len;
	enum filerule_kind kind;
	char *dir, *filespec, *relative;
	bool recursive = false;
	int qlen, r;

	if (!list || !entry)
		return -EINVAL;
	while (start < end && is_blank(*start))
		start++;
	while (end > start && is_blank(end[-1]))
		end--;
	qlen = (int)(end - start);
	if (memchr(start, '\0', (size_t)(end - start))) {
		describe(err, errlen, "'%s': holds a NUL character", start);
		return -EINVAL;
	}
	/* " /s" (or " /S") at the end: recursive. */
	if (end - start > 3 && (end[-1] == 's' || end[-1] == 'S') &&
	    end[-2] == '/' && is_blank(end[-3])) {
		recursive = true;
		end -= 3;
		while (end > start && is_blank(end[-1]))
			end--;
	}
	if (end == start) {
		describe(err, errlen, "empty entry");
		return -EINVAL;
	}
	r = entry_split(start, end, qlen, &kind, &dir, &filespec, err,
			errlen);
	if (r < 0)
		return r;
	if (kind == FILERULE_PROFILE && expand_profiles) {
		r = add_profiles(list, dir + 1, filespec, recursive);
		free(dir);
	} else if (kind == FILERULE_PATH) {
		r = list_add(list, kind, dir, filespec, recursive);
	} else {
		/* Relative to each volume root or home: no leading '/'. */
		relative = strdup(dir + 1);
		free(dir);
		r = relative ? list_add(list, kind, relative, filespec,
					recursive) :
			       -ENOMEM;
	}
	free(filespec);
	return r;
}

int
filerule_parse_list(struct filerule_list *list, const char *entries,
		    bool expand_profiles, char *err, size_t errlen)
{
	const char *s = entries, *end;
	size_t first;
	int r = 0;

	if (!list || !entries)
		return -EINVAL;
	first = list->n;
	while (r == 0 && *s) {
		end = strchrnul(s, ';');
		if (s + strspn(s, " \t") < end)
			r = filerule_parse(list, s, (size_t)(end - s),
					   expand_profiles, err, errlen);
		s = *end ? end + 1 : end;
	}
	if (r < 0)
		list_truncate(list, first);
	return r;
}
