/*
 * writers/common/newtarget.c - a writer's new targets at restore (see
 * newtarget.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cleanpath.h"
#include "ini.h"
#include "newtarget.h"

static int
add_one(struct wtargets *t, const struct vss_location_mapping *m)
{
	struct wtarget *mv;

	mv = reallocarray(t->moves, t->count + 1, sizeof(*mv));
	if (mv == NULL)
		return -ENOMEM;
	t->moves = mv;
	mv = &mv[t->count];
	mv->from = strdup(m->path);
	mv->to = strdup(m->destination);
	if (mv->from == NULL || mv->to == NULL) {
		free(mv->from);
		free(mv->to);
		return -ENOMEM;
	}
	t->count++;
	return 0;
}

int
wtargets_add_component(struct wtargets *t, const vss_bcd_component *c,
		       struct vss_error *err)
{
	size_t n = c != NULL ? vss_bcd_component_new_target_count(c) : 0;

	/* Checked first, so that a bad one adds nothing. */
	for (size_t i = 0; i < n; i++) {
		const struct vss_location_mapping *m =
			vss_bcd_component_new_target(c, i);

		if (!wpath_clean(m->destination) ||
		    strlen(m->destination) >= PATH_MAX) {
			wini_seterr(err,
				    "new target '%.200s' of '%.200s' is not "
				    "a clean absolute path",
				    m->destination, m->path);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int r = add_one(t, vss_bcd_component_new_target(c, i));

		if (r < 0)
			return r;
	}
	return 0;
}

int
wtargets_add_writer(struct wtargets *t, const vss_bcd_writer *w,
		    struct vss_error *err)
{
	size_t n = w != NULL ? vss_bcd_writer_component_count(w) : 0;

	for (size_t i = 0; i < n; i++) {
		int r = wtargets_add_component(
			t, vss_bcd_writer_component(w, i), err);

		if (r < 0)
			return r;
	}
	return 0;
}

const char *
wtargets_find(const struct wtargets *t, const char *dir)
{
	for (size_t i = 0; i < t->count; i++)
		if (wpath_same_dir(t->moves[i].from, dir))
			return t->moves[i].to;
	return dir;
}

void
wtargets_release(struct wtargets *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->count; i++) {
		free(t->moves[i].from);
		free(t->moves[i].to);
	}
	free(t->moves);
	t->moves = NULL;
	t->count = 0;
}
