/*
 * lib/util/relpath.h - whether a path is clean: no element that could
 * climb out of where it is put (compiled into vssd and the vss command;
 * not part of libvss).
 */
#ifndef VSS_UTIL_RELPATH_H
#define VSS_UTIL_RELPATH_H

#include <stdbool.h>

/*
 * A relative path as the backup set and the pending restore journal keep
 * them: "" or elements joined by single '/', none empty, "." or "..",
 * none longer than NAME_MAX, the whole shorter than PATH_MAX.  NULL: false.
 */
bool relpath_valid(const char *path);
/*
 * An absolute path: "/" or '/' and a non-empty relpath_valid() path, the
 * whole shorter than PATH_MAX (so no trailing '/' but on "/").  NULL: false.
 */
bool abspath_clean(const char *path);
/* As abspath_clean(), also with one trailing '/' (a directory). */
bool abspath_clean_dir(const char *path);

#endif
