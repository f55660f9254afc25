/*
 * writers/common/cleanpath.h - paths the database writers take from
 * their configuration, their server or a requester's backup document:
 * is it a clean absolute path, does it lie in a directory, and its
 * directory and file name.  Pure string work: nothing is looked up on
 * disk, so a symbolic link is not noticed here (the callers that write
 * open relative to a directory fd with O_NOFOLLOW for that).
 */
#ifndef WCLEANPATH_H
#define WCLEANPATH_H

#include <stdbool.h>

/*
 * An absolute path without empty, "." or ".." elements, without a
 * trailing '/' (except "/" itself) and without control characters
 * (bytes below 0x20, 0x7f).  Length is not checked.
 */
bool wpath_clean(const char *path);

/*
 * Is path dir itself or below it (both clean)?  "/" holds every absolute
 * path; "/a/b" does not hold "/a/bc".
 */
bool wpath_within(const char *path, const char *dir);

/*
 * Does p name directory dir, trailing '/'s of p aside ("/srv/db/" names
 * "/srv/db")?  dir is clean.
 */
bool wpath_same_dir(const char *p, const char *dir);

/*
 * The directory and file name of a clean absolute path other than "/"
 * ("/a/b" -> "/a", "b"; "/b" -> "/", "b").  Caller owns both; free with
 * free().  0, -EINVAL (not absolute, or "/"), or -ENOMEM; on failure
 * nothing is written.
 */
int wpath_split(const char *path, char **ret_dir, char **ret_name);

#endif
