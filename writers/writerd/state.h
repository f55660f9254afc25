/*
 * writers/writerd/state.h - the daemon's state directory (--state-dir):
 * where each hosted writer keeps what it must remember across restarts
 * of vss-writerd, one file per instance name (wd_state_save() and
 * wd_state_load() in backend.h).
 */
#ifndef WD_STATE_H
#define WD_STATE_H

#include <stddef.h>

/*
 * Use dir (borrowed: valid for the rest of the program) from now on,
 * creating it (mode 0700, missing parents 0755) if it is not there.  A
 * failure is logged, never fatal: the writers then remember nothing
 * across restarts.  Call before any writer thread starts.
 */
void wd_state_setup(const char *dir);

/*
 * The file name of instance name in the state directory:
 * "NAME.state", with every byte of the name other than a letter, a
 * digit, '-', '_' and a '.' that is not the first written "%XX", so
 * that any instance name gives a plain file name of its own.  0,
 * -EINVAL (empty name) or -ENAMETOOLONG (it does not fit len, or its
 * escaped form is longer than WD_STATE_MAX_NAME bytes).
 */
#define WD_STATE_MAX_NAME 200
int wd_state_file_name(const char *instance_name, char *buf, size_t len);

#endif
