/*
 * daemon/statefile.h - files in the state directory that must survive a
 * crash (the set records of setlog.c, the freeze journal of freeze.c):
 * written whole or not at all, through a descriptor of their directory.
 *
 * Nothing here logs or touches daemon state: the freeze path uses it
 * while file systems are frozen (PV-031).  Thread-safe as long as no two
 * callers write the same name at once.
 */
#ifndef VSSD_STATEFILE_H
#define VSSD_STATEFILE_H

/*
 * Make text the content of name in the directory open at dirfd: written
 * to ".<name>.tmp" there, fsync, rename over name, fsync of the
 * directory.  On failure the temporary file is removed and name is as it
 * was (or, when only the last fsync failed, already replaced).  0 or
 * -errno.
 */
int statefile_write(int dirfd, const char *name, const char *text);

/* Remove name from the directory open at dirfd (gone already: fine) and
 * fsync the directory.  0 or -errno. */
int statefile_remove(int dirfd, const char *name);

#endif
