/*
 * lib/util/filerule.h - the entry syntax of the Windows FilesNotToSnapshot
 * and FilesNotToBackup values, which the [files-not-to-snapshot] section
 * read by vssd (SN-061) and the [files-not-to-backup] section read by
 * "vss backup" (BK-142) share.  Compiled into each; not part of libvss.
 *
 * An entry names a file set: a directory, a file name pattern and
 * whether it applies below the directory too:
 *
 *   /var/crash/core.*           files matching core.* in /var/crash
 *   /var/cache/app/t?.tmp /s    there and in every directory below
 *   $AllVolumes$/tmp/x.* /s     the same place relative to the root of
 *                               every volume (Windows: "\tmp\x.*")
 *   $UserProfile$/.cache/a*     the same place in every home directory:
 *                               root's and those of users with uid 1000
 *                               or above but nobody (65534)
 *
 * Blanks around an entry are trimmed; " /s" (or " /S") after a blank at
 * the end makes it recursive; the prefixes are matched in any case.  The
 * directory is absolute (after the prefix), is written in one spelling
 * (single separators, no trailing one) and has no "." or ".." element
 * and no wildcard: '*' and '?' are for the file name pattern, which must
 * name files (not empty, not "." or "..", no '/').  A list of entries is
 * separated by ';'; blank entries in it are skipped.
 */
#ifndef VSS_UTIL_FILERULE_H
#define VSS_UTIL_FILERULE_H

#include <stdbool.h>
#include <stddef.h>

/* Where an entry's directory lies. */
enum filerule_kind {
	FILERULE_PATH,        /* dir is absolute */
	FILERULE_ALL_VOLUMES, /* dir is relative to every volume root */
	FILERULE_PROFILE,     /* dir is relative to every home directory */
};

/* One file set. */
struct filerule {
	enum filerule_kind kind;
	/*
	 * FILERULE_PATH: absolute and normalised, "/" for the root.  The
	 * others: normalised without the leading '/', "" for the volume
	 * root or the home directory itself.
	 */
	char *dir;
	char *filespec; /* file name pattern with '*' and '?' */
	bool recursive; /* " /s": also in every directory below dir */
};

/* A list of file sets; all zero is the empty list. */
struct filerule_list {
	struct filerule *v;
	size_t n;
};

/*
 * Parse the entry of len bytes at entry (no NUL needed) and append the
 * file sets it names to list.  With expand_profiles, a $UserProfile$
 * entry becomes one FILERULE_PATH set per home directory of the user
 * database (getpwent()): root's and those of uid >= 1000 except nobody;
 * homes that are "/" (a recursive entry would take the whole system) or
 * not absolute paths without "." or ".." are skipped, and a home shared
 * by several accounts counts once.  Without expand_profiles it stays one
 * FILERULE_PROFILE set.  A blank entry is refused ("empty entry"), and
 * so is one holding a NUL.
 *
 * Returns 0 (also when no home qualifies: nothing is appended), -ENOMEM,
 * or -EINVAL with the reason and the entry in err (may be NULL); the list
 * is unchanged on failure.  Not thread-safe with expand_profiles (it
 * walks the user database).
 */
int filerule_parse(struct filerule_list *list, const char *entry, size_t len,
		   bool expand_profiles, char *err, size_t errlen);

/*
 * Parse every entry of the ';'-separated list entries (NUL-terminated),
 * skipping blank ones, as filerule_parse() does.  Stops at the first bad
 * entry: the list is then unchanged.  Returns 0, -ENOMEM or -EINVAL
 * (reason in err).
 */
int filerule_parse_list(struct filerule_list *list, const char *entries,
			bool expand_profiles, char *err, size_t errlen);

/* Free the entries; the list is empty again.  NULL is fine. */
void filerule_list_release(struct filerule_list *list);

/*
 * dir (len bytes, no NUL needed) in its one spelling: single separators,
 * no trailing one, "/" for the root.  A relative path, an element "." or
 * ".." (such a path could leave the place it seems to name) and, unless
 * wildcards_ok, a '*' or '?' (which names more than one directory) are
 * -EINVAL with the reason in *ret_why (a static string).  Caller owns
 * *ret; free().  Returns 0, -EINVAL or -ENOMEM.
 */
int filerule_normalise(const char *dir, size_t len, bool wildcards_ok,
		       char **ret, const char **ret_why);

/* Can filespec name a file: not empty, not "." or "..", no '/'? */
bool filerule_filespec_valid(const char *filespec);

/* Is the name of len bytes at s "." or ".."? */
bool filerule_is_dot_name(const char *s, size_t len);

#endif
