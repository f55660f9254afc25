/*
 * writers/common/newtarget.h - where a requester restores a writer's
 * directories: the new targets (vss restore --to) it put on the writer's
 * components, each destination checked, and the lookup "where did
 * directory D go".  The database writers use it at restore to find the
 * restored data directory (and tablespaces, WAL directory ...).
 */
#ifndef WNEWTARGET_H
#define WNEWTARGET_H

#include <stddef.h>

#include <vss/metadata.h>

struct wtarget {
	char *from; /* the new target's path, as the requester gave it */
	char *to;   /* its destination: a clean absolute path */
};

/* Embedded; zero it (or = {0}) before the first add. */
struct wtargets {
	struct wtarget *moves;
	size_t count;
};

/*
 * Add the new targets of component c (NULL: none).  Every destination
 * must be a clean absolute path (cleanpath.h) shorter than PATH_MAX, else
 * -EINVAL with err "new target 'DEST' of 'PATH' is not a clean absolute
 * path" and nothing of c added; -ENOMEM.
 */
int wtargets_add_component(struct wtargets *t, const vss_bcd_component *c,
			   struct vss_error *err);
/* The same for every component of w (NULL: none). */
int wtargets_add_writer(struct wtargets *t, const vss_bcd_writer *w,
			struct vss_error *err);

/*
 * Where directory dir (clean) goes: the destination of the first new
 * target whose path names dir (a trailing '/' aside), else dir itself.
 * Borrowed: valid until t is released (or as dir).
 */
const char *wtargets_find(const struct wtargets *t, const char *dir);

/* Free what t holds and zero it; NULL is fine. */
void wtargets_release(struct wtargets *t);

#endif
