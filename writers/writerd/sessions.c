/*
 * writers/writerd/sessions.c - the sessions a hosted writer is in
 * (sessions.h).  Runs on the writer's thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "sessions.h"

void
wd_sessions_init(struct wd_sessions *s)
{
	memset(s, 0, sizeof(*s));
}

void
wd_sessions_release(struct wd_sessions *s)
{
	free(s->open);
	wd_sessions_init(s);
}

static struct wd_session *
find(struct wd_sessions *s, const vss_id *set_id, bool restore)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (s->open[i].restore == restore &&
		    vss_id_equal(&s->open[i].set_id, set_id))
			return &s->open[i];
	return NULL;
}

static void
add(struct wd_sessions *s, const vss_id *set_id, bool restore)
{
	struct wd_session *grown;
	size_t cap;

	if (s->count == s->cap) {
		cap = s->cap ? s->cap * 2 : 4;
		grown = reallocarray(s->open, cap, sizeof(*grown));
		if (!grown) {
			/* Still counted: it ends unnamed. */
			s->unkeyed++;
			return;
		}
		s->open = grown;
		s->cap = cap;
	}
	s->open[s->count].set_id = *set_id;
	s->open[s->count].restore = restore;
	s->count++;
}

void
wd_sessions_event(struct wd_sessions *s, enum wd_session_event ev,
		  const vss_id *set_id)
{
	switch (ev) {
	case WD_SESSION_BACKUP:
		if (!find(s, set_id, false))
			add(s, set_id, false);
		break;
	case WD_SESSION_PRE_RESTORE:
		add(s, set_id, true);
		break;
	case WD_SESSION_POST_RESTORE:
		if (!find(s, set_id, true))
			add(s, set_id, true);
		break;
	case WD_SESSION_ABORT:
		/* Only to a writer that took part: its session is open. */
		break;
	}
}

size_t
wd_sessions_open(const struct wd_sessions *s)
{
	size_t opened = s->count + s->unkeyed;

	return opened > s->unnamed_ends ? opened - s->unnamed_ends : 0;
}

bool
wd_sessions_shutdown(struct wd_sessions *s, const vss_id *set_id)
{
	struct wd_session *one = NULL;

	if (!vss_id_is_null(set_id))
		one = find(s, set_id, false);
	if (one)
		*one = s->open[--s->count];
	else
		s->unnamed_ends++;
	if (wd_sessions_open(s) > 0)
		return false;
	wd_sessions_clear(s);
	return true;
}

void
wd_sessions_clear(struct wd_sessions *s)
{
	s->count = 0;
	s->unkeyed = 0;
	s->unnamed_ends = 0;
}
