/*
 * writers/writerd/sessions.h - the backup and restore sessions a hosted
 * writer is in, as far as its events show them.
 *
 * vssd runs sessions side by side (BK-086), and each session a writer
 * took part in (had any event other than identify) ends with one
 * backup_shutdown to it.  The writer API shows no session id, only the
 * snapshot set id of each event:
 *  - backup events (prepare_backup .. backup_complete, abort) carry the
 *    set's id, which is never null once the set is started (vssd sends
 *    prepare_backup only after StartSnapshotSet);
 *  - restore events carry the set id of the backup's document (that of
 *    the restored backup, possibly null), not one of their own: two
 *    restores of one backup look the same;
 *  - backup_shutdown carries the set's id only when the set was made;
 *    after a restore, or a backup whose set was never made, it is null.
 *
 * So: each prepare_backup..backup_complete with a set id not yet open
 * opens a backup session keyed by that id; each pre_restore opens a
 * restore session (post_restore only when no restore session has its
 * id); abort opens nothing (vssd aborts only writers that took part).
 * A backup_shutdown ends exactly one session: the backup session of its
 * set id if one is open, else an unnamed one (counted, since which one
 * cannot be told).  When the count of endings reaches the count of
 * sessions opened, none is left.  The count is exact as long as vssd
 * sends one backup_shutdown per session taken part in; which key an
 * unnamed ending closed is not known, so open keys may outlive their
 * session until the last one ends.
 */
#ifndef WD_SESSIONS_H
#define WD_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <vss/types.h>

enum wd_session_event {
	WD_SESSION_BACKUP,      /* prepare_backup .. backup_complete */
	WD_SESSION_ABORT,
	WD_SESSION_PRE_RESTORE,
	WD_SESSION_POST_RESTORE,
};

struct wd_session {
	vss_id set_id;
	bool restore;
};

struct wd_sessions {
	struct wd_session *open;
	size_t count, cap;
	size_t unkeyed;        /* opened but not recorded (out of memory) */
	size_t unnamed_ends;   /* backup_shutdowns that matched no key */
};

void wd_sessions_init(struct wd_sessions *s);
void wd_sessions_release(struct wd_sessions *s);

/* An event other than identify and backup_shutdown, of set_id. */
void wd_sessions_event(struct wd_sessions *s, enum wd_session_event ev,
		       const vss_id *set_id);
/* A backup_shutdown of set_id; true when no session is left open. */
bool wd_sessions_shutdown(struct wd_sessions *s, const vss_id *set_id);
/* The sessions still open. */
size_t wd_sessions_open(const struct wd_sessions *s);
/* Forget them all (the connection to vssd is gone). */
void wd_sessions_clear(struct wd_sessions *s);

#endif
