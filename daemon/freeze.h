/*
 * daemon/freeze.h - holding file systems frozen (FIFREEZE) while a
 * provider that commits on frozen file systems makes its shadow copies:
 * every volume of the set flushed and still at one instant (PV-024),
 * for no longer than a hard bound (BK-062).
 *
 * A journal in the state directory names what is frozen, so that a crash
 * of vssd never leaves a file system frozen (freeze_recover() at the next
 * start), and a watchdog thread per hold thaws everything once the bound
 * is reached, whatever the caller is doing.
 *
 * Thread safety: freeze_hold() and freeze_thaw() may be called from any
 * thread (a job's); one hold exists at a time.  freeze_init(),
 * freeze_release() and freeze_recover() run on the main thread while no
 * hold exists.
 */
#ifndef VSSD_FREEZE_H
#define VSSD_FREEZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Where the journal lives: <state_dir>/frozen.json.  The directory is
 * opened once here and used through that fd, so that no path lookup is
 * needed later.  0 or -errno.
 */
int freeze_init(const char *state_dir);
/* Close what freeze_init() opened.  No hold may exist. */
void freeze_release(void);

struct freeze_hold;

/*
 * Freeze the file systems mounted at mounts[0..n) (normalised mount points,
 * absolute) for a provider's commit.  Every mount point is opened first, and
 * the fds are kept for the thaw, which therefore does no path lookup on a
 * frozen file system.  Before the first FIFREEZE the journal names them
 * (written atomically: temp file, fsync, rename, fsync dir).  Mount points
 * of the same file system (same st_dev) are frozen once.  Nested mounts are
 * frozen inside-out (deepest mount point first) and thawed outside-in.  A
 * file system holding the state directory (same st_dev as state_dir) is
 * refused with VSS_E_VOLUME_NOT_SUPPORTED before anything is frozen: the
 * thaw path must never need to write to a frozen file system.  A watchdog
 * thread thaws everything hold_ms after the first freeze (counted from just
 * before the first FIFREEZE, whose flush holds writes already) unless
 * freeze_thaw() came first.
 *
 * On success *ret is the hold; caller owns it and must pass it to
 * freeze_thaw().  On failure whatever was frozen is thawed, the journal
 * cleared (kept when a thaw failed, so that the next start retries it),
 * *ret untouched, err says why (NUL-terminated, truncated to errlen); the
 * status is VSS_E_PROVIDER_VETO for a file system that cannot be opened or
 * frozen (not freezable: "'<mount>' cannot be frozen: ..."; frozen by
 * someone else already), VSS_E_HOLD_WRITES_TIMEOUT when the watchdog fired
 * before every file system was frozen, VSS_E_BAD_STATE without
 * freeze_init(), -EBUSY while another hold exists, -EINVAL for bad
 * arguments, or -errno (-ENOMEM, a journal that cannot be written...).
 * Blocking; never logs (PV-031).  Thread-safe against the watchdog.
 */
int freeze_hold(const char *const *mounts, size_t n, uint32_t hold_ms,
		struct freeze_hold **ret, char *err, size_t errlen);

/*
 * Thaw (outside-in), stop the watchdog, clear the journal, free h (takes
 * ownership).  0; VSS_E_HOLD_WRITES_TIMEOUT when the watchdog had already
 * thawed, or hold_ms had passed by the time of this call (BK-062: writes
 * were held too long; the commit may have missed the point in time); or
 * VSS_E_PROVIDER_VETO with err when a thaw failed (the journal is then
 * kept for freeze_recover()).  Never logs.  h NULL: 0.
 */
int freeze_thaw(struct freeze_hold *h, char *err, size_t errlen);

/*
 * At start, before any connection: FITHAW every file system the journal
 * names, outside-in (EINVAL from FITHAW = was not frozen: fine), then
 * remove the journal; logs each thaw with log_warnx.  A journal that
 * cannot be read is renamed aside (<name>.bad) with a warning, and
 * nothing is thawed from it.  Without freeze_init(): nothing.
 */
void freeze_recover(void);

/*
 * Test probe: 1 if the file system at mount is frozen now, 0 if not,
 * negative -errno on error (FIFREEZE then FITHAW at once; EBUSY means
 * frozen).  Freezes the file system for an instant when it was not.
 */
int freeze_probe(const char *mount);

#endif
