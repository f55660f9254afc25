/*
 * daemon/coordinator.c - the snapshot set: one created at a time on the
 * machine (BK-008), from start_snapshot_set until do_snapshot_set ends.
 *
 * do_snapshot_set runs the spec's order (providers-and-snapshots.md §4,
 * backup.md §2): the providers prepare each snapshot while the writers
 * get prepare_snapshot; then freeze by application level, front end,
 * back end, system, the writers of one level together (PV-023); then the
 * providers pre-commit, commit and post-commit; then thaw in reverse
 * order; then post_snapshot.  The btrfs provider commits while only the
 * writers are frozen (no FIFREEZE: btrfs snapshots block on a frozen file
 * system).
 *
 * Provider calls run on a job so that a stuck provider never stops the
 * loop; each job has a deadline.  The freeze window, from the first
 * freeze sent to the last thaw answered, has a hard bound: the set is
 * aborted when a writer or the provider overruns it (BK-060, BK-080).
 * No partial sets (PV-020): any failure after do_snapshot_set aborts the
 * providers' work, and a provider that answers after its deadline has
 * what it made discarded then.
 */
#include "daemon.h"
#include "freeze.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vss/status.h>

enum set_event {
	SETEV_DO_SNAPSHOT,
	SETEV_PROVIDER_DONE,
	SETEV_PROVIDER_FAILED,
	SETEV_PROVIDER_TIMEOUT,
	SETEV_WRITERS_DONE,
	SETEV_WRITER_FAILED,
	SETEV_WINDOW_EXPIRED,
	SETEV_ABORT,
	SETEV_ABORT_DONE,
};

static const char *const state_names[] = {
	[SET_ADDING] = "adding",
	[SET_PREPARING] = "preparing",
	[SET_FREEZING] = "freezing",
	[SET_COMMITTING] = "committing",
	[SET_THAWING] = "thawing",
	[SET_SEALING] = "sealing",
	[SET_POST_SNAPSHOT] = "post-snapshot",
	[SET_CREATED] = "created",
	[SET_ABORTING] = "aborting",
	[SET_ABORTED] = "aborted",
};

static const char *const event_names[] = {
	[SETEV_DO_SNAPSHOT] = "do-snapshot",
	[SETEV_PROVIDER_DONE] = "provider-done",
	[SETEV_PROVIDER_FAILED] = "provider-failed",
	[SETEV_PROVIDER_TIMEOUT] = "provider-timeout",
	[SETEV_WRITERS_DONE] = "writers-done",
	[SETEV_WRITER_FAILED] = "writer-failed",
	[SETEV_WINDOW_EXPIRED] = "window-expired",
	[SETEV_ABORT] = "abort",
	[SETEV_ABORT_DONE] = "abort-done",
};

static const enum vss_app_level freeze_order[] = {
	VSS_APP_FRONT_END, VSS_APP_BACK_END, VSS_APP_SYSTEM,
};
#define LEVELS ((int)(sizeof(freeze_order) / sizeof(freeze_order[0])))

/* The set holding the machine-wide creation slot, or NULL. */
static struct snapset *creating;

static void set_fsm(struct snapset *set, enum set_event ev);

/* ---- contexts -------------------------------------------------------- */

/* SN-001: bits a requester may add to a context. */
#define CONTEXT_MODIFIERS                                                      \
	(VSS_VOLSNAP_ATTR_TRANSPORTABLE | VSS_VOLSNAP_ATTR_DIFFERENTIAL |      \
	 VSS_VOLSNAP_ATTR_PLEX | VSS_VOLSNAP_ATTR_NO_AUTORECOVERY |            \
	 VSS_VOLSNAP_ATTR_NOT_TRANSACTED |                                     \
	 VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY | VSS_VOLSNAP_ATTR_TXF_RECOVERY)

int
context_check(int32_t context)
{
	uint32_t bits = (uint32_t)context;

	/* Only for query, delete and expose: never to make a set. */
	if (context == VSS_CTX_ALL)
		return 0;
	if ((bits & VSS_VOLSNAP_ATTR_DIFFERENTIAL) &&
	    (bits & VSS_VOLSNAP_ATTR_PLEX))
		return -EINVAL;
	switch (bits & ~(uint32_t)CONTEXT_MODIFIERS) {
	case VSS_CTX_BACKUP:
	case VSS_CTX_FILE_SHARE_BACKUP:
	case VSS_CTX_NAS_ROLLBACK:
	case VSS_CTX_APP_ROLLBACK:
	case VSS_CTX_CLIENT_ACCESSIBLE:
	case VSS_CTX_CLIENT_ACCESSIBLE_WRITERS:
		return 0;
	default:
		return -EINVAL;
	}
}

bool
context_has_writers(int32_t context)
{
	return !((uint32_t)context & VSS_VOLSNAP_ATTR_NO_WRITERS);
}

/* ---- provider work --------------------------------------------------- */

/* The snapshots of the set handled by one provider. */
struct pgroup {
	const struct provider *prov;
	struct provider_set ps;
	size_t began; /* snapshots through begin_prepare */
};

enum pwork_op { PW_PREPARE, PW_COMMIT, PW_SEAL, PW_ABORT };

static const char *const pwork_names[] = {
	[PW_PREPARE] = "prepare",
	[PW_COMMIT] = "commit",
	[PW_SEAL] = "seal",
	[PW_ABORT] = "abort",
};

/* Everything the providers hold for a set; may outlive the set when a
 * provider answers after its deadline. */
struct provider_work {
	struct snapset *set; /* NULL once given up on */
	char tag[SET_TAG_LEN];
	struct pgroup *groups;
	size_t count;
	enum pwork_op op;   /* the job in flight */
	int status;         /* of that job */
	int raw_status;     /* as the provider returned it */
	const char *failed; /* the provider op that failed */
	size_t failed_group;
	vss_id set_id;
	uint32_t hold_ms;              /* FIFREEZE watchdog */
	struct exclude_list excludes;  /* files not to snapshot */
	size_t excluded;               /* files removed by seal */
	char exclude_error[256];       /* the first removal that failed */
	bool recorded; /* the set record names these shadow copies */
	bool clean;    /* an abort left none of them behind */
};

static void
provider_work_free(struct provider_work *w)
{
	size_t g, k;

	if (!w)
		return;
	/*
	 * The record goes with the last of the shadow copies; one that may
	 * remain is deleted at the next start of vssd.
	 */
	if (w->recorded && !w->clean)
		log_warnx("%s: shadow copies may remain: record kept for the "
			  "next start", w->tag);
	else if (w->recorded && setlog_remove(&w->set_id) < 0)
		log_warn("%s: set record not removed", w->tag);
	for (g = 0; g < w->count; g++) {
		struct provider_set *ps = &w->groups[g].ps;

		for (k = 0; k < ps->count; k++)
			provider_snapshot_release(&ps->snapshots[k]);
		free(ps->snapshots);
	}
	free(w->groups);
	exclude_list_release(&w->excludes);
	free(w);
}

/* PV-030: results outside the provider contract are unexpected. */
static int
provider_status(int r)
{
	switch (r) {
	case 0:
	case -ENOMEM:
	case -EINVAL:
	case -EACCES:
	case VSS_E_BAD_STATE:
	case VSS_E_OBJECT_NOT_FOUND:
	case VSS_E_INSUFFICIENT_STORAGE:
	case VSS_E_VOLUME_NOT_SUPPORTED:
	case VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER:
	case VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED:
	case VSS_E_PROVIDER_VETO:
	case VSS_E_CANNOT_REVERT_DISKID:
	case VSS_E_UNSUPPORTED_CONTEXT:
		return r;
	default:
		return VSS_E_UNEXPECTED_PROVIDER_ERROR;
	}
}

static bool
work_failed(struct provider_work *w, int r, const char *op, size_t g)
{
	if (r >= 0)
		return false;
	w->raw_status = r;
	w->status = provider_status(r);
	w->failed = op;
	w->failed_group = g;
	return true;
}

/* The calls on a provider's whole set, each optional in its ops. */
enum set_call {
	SC_END_PREPARE,
	SC_PRE_COMMIT,
	SC_COMMIT,
	SC_POST_COMMIT,
	SC_SEAL,
};

static const char *const set_call_names[] = {
	[SC_END_PREPARE] = "end_prepare",
	[SC_PRE_COMMIT] = "pre_commit",
	[SC_COMMIT] = "commit",
	[SC_POST_COMMIT] = "post_commit",
	[SC_SEAL] = "seal",
};

/* Make call c on the set of group g; false when it failed. */
static bool
group_call(struct provider_work *w, size_t g, enum set_call c)
{
	const struct provider *prov = w->groups[g].prov;
	const struct provider_ops *ops = prov->ops;
	int (*fn)(const struct provider *, struct provider_set *) = NULL;

	switch (c) {
	case SC_END_PREPARE:
		fn = ops->end_prepare;
		break;
	case SC_PRE_COMMIT:
		fn = ops->pre_commit;
		break;
	case SC_COMMIT:
		fn = ops->commit;
		break;
	case SC_POST_COMMIT:
		fn = ops->post_commit;
		break;
	case SC_SEAL:
		fn = w->groups[g].ps.writable ? ops->seal : NULL;
		break;
	}
	return !work_failed(w, fn ? fn(prov, &w->groups[g].ps) : 0,
			    set_call_names[c], g);
}

/* Make call c on every group in turn; false at the first failure. */
static bool
groups_call(struct provider_work *w, enum set_call c)
{
	size_t g;

	for (g = 0; g < w->count; g++)
		if (!group_call(w, g, c))
			return false;
	return true;
}

/*
 * Commit every group, the volumes of commit_while_frozen providers held
 * frozen around it (PV-024): flushed and still at one instant.  The
 * watchdog of freeze.c thaws them after hold_ms whatever happens here.
 */
static bool
groups_commit(struct provider_work *w)
{
	const char *vols[SET_MAX_VOLUMES];
	struct freeze_hold *hold = NULL;
	size_t g, k, n = 0, first = 0;
	bool ok;
	int r;

	for (g = w->count; g-- > 0;) {
		if (!w->groups[g].prov->commit_while_frozen)
			continue;
		first = g;
		for (k = 0; k < w->groups[g].ps.count && n < SET_MAX_VOLUMES;
		     k++)
			vols[n++] = w->groups[g].ps.snapshots[k].volume;
	}
	if (n > 0) {
		r = freeze_hold(vols, n, w->hold_ms, &hold,
				w->groups[first].ps.error,
				sizeof(w->groups[first].ps.error));
		if (work_failed(w, r, "freeze", first)) {
			/* Not the provider's doing: BK-062 as it is. */
			if (r == VSS_E_HOLD_WRITES_TIMEOUT)
				w->status = r;
			return false;
		}
	}
	ok = groups_call(w, SC_COMMIT);
	if (n > 0) {
		char err[sizeof(w->groups[first].ps.error)] = "";

		r = freeze_thaw(hold, err, sizeof(err));
		if (r < 0 && ok) {
			memcpy(w->groups[first].ps.error, err, sizeof(err));
			/* BK-062: writes were held past the limit. */
			w->status = w->raw_status = r;
			w->failed = "thaw";
			w->failed_group = first;
			ok = false;
		}
	}
	return ok;
}

/*
 * After the thaw, before the writers' post-snapshot: remove the files not
 * to snapshot from each writable shadow copy, then make it read-only
 * (SN-004, SN-060, SN-061).  A file that cannot be removed is reported,
 * not fatal (best effort, as on Windows); a copy that cannot be sealed is.
 */
static void
groups_seal(struct provider_work *w)
{
	struct provider_snapshot *snap;
	size_t g, k, removed;
	char err[sizeof(w->exclude_error)];
	int r;

	for (g = 0; g < w->count; g++) {
		if (!w->groups[g].ps.writable)
			continue;
		for (k = 0; k < w->groups[g].ps.count; k++) {
			snap = &w->groups[g].ps.snapshots[k];
			removed = 0;
			err[0] = '\0';
			r = exclude_apply(&w->excludes, snap->volume,
					  snap->device, &removed, err,
					  sizeof(err));
			w->excluded += removed;
			if (r < 0 && !w->exclude_error[0])
				snprintf(w->exclude_error,
					 sizeof(w->exclude_error), "%s: %s",
					 snap->volume, err);
		}
		if (!group_call(w, g, SC_SEAL))
			return;
	}
}

/* Runs on a job: the call order of PV-020..PV-022, one phase a job. */
static void
provider_work_run(struct job *j)
{
	struct provider_work *w = j->arg;
	struct pgroup *grp;
	size_t g, k;
	int r;

	w->status = 0;
	switch (w->op) {
	case PW_PREPARE:
		for (g = 0; g < w->count; g++) {
			grp = &w->groups[g];
			for (k = 0; k < grp->ps.count; k++) {
				grp->began = k + 1;
				r = grp->prov->ops->begin_prepare
					    ? grp->prov->ops->begin_prepare(
						      grp->prov, &grp->ps,
						      &grp->ps.snapshots[k])
					    : 0;
				if (work_failed(w, r, "begin_prepare", g))
					return;
			}
			if (!group_call(w, g, SC_END_PREPARE))
				return;
		}
		break;
	case PW_COMMIT:
		/* Every provider's commit inside one window (PV-024). */
		if (groups_call(w, SC_PRE_COMMIT) && groups_commit(w))
			(void)groups_call(w, SC_POST_COMMIT);
		break;
	case PW_SEAL:
		groups_seal(w);
		break;
	case PW_ABORT:
		/* PV-030: abort results are not translated, only logged. */
		for (g = 0; g < w->count; g++) {
			grp = &w->groups[g];
			if (grp->began == 0 || !grp->prov->ops->abort)
				continue;
			r = grp->prov->ops->abort(grp->prov, &grp->ps);
			if (r < 0 && w->status == 0) {
				w->status = w->raw_status = r;
				w->failed = "abort";
				w->failed_group = g;
			}
		}
		break;
	}
}

/* Log what a provider job ended with; providers do not log (PV-031). */
static void
provider_work_log(struct provider_work *w)
{
	const struct pgroup *grp;

	if (w->status == 0)
		return;
	grp = &w->groups[w->failed_group];
	log_warnx("%s: provider %s: %s failed: %s%s%s%s", w->tag,
		  grp->prov->name, w->failed, vss_strerror(w->raw_status),
		  w->raw_status != w->status ? " (reported as " : "",
		  w->raw_status != w->status ? vss_strerror(w->status) : "",
		  w->raw_status != w->status ? ")" : "");
	if (grp->ps.error[0])
		log_warnx("%s: provider %s: %s", w->tag, grp->prov->name,
			  grp->ps.error);
}

/* The abort of what a late provider call made has ended. */
static void
provider_work_discarded(struct job *j)
{
	struct provider_work *w = j->arg;

	provider_work_log(w);
	if (w->status == 0) {
		log_info("%s: what the late provider call made is "
			 "discarded", w->tag);
		w->clean = true;
	}
	provider_work_free(w);
}

/*
 * A job whose set gave up on it: what a late prepare or commit made is
 * discarded with abort (PV-020); then the work is freed.
 */
static void
provider_work_orphaned(struct job *j)
{
	struct provider_work *w = j->arg;

	log_warnx("%s: provider %s returned after its deadline", w->tag,
		  pwork_names[w->op]);
	provider_work_log(w);
	if (w->op != PW_ABORT) {
		w->op = PW_ABORT;
		if (job_start(provider_work_run, provider_work_discarded, w))
			return;
		log_warnx("%s: late shadow copies not discarded", w->tag);
	} else if (w->status == 0) {
		w->clean = true;
	}
	provider_work_free(w);
}

static void
provider_job_done(struct job *j)
{
	struct provider_work *w = j->arg;
	struct snapset *set = w->set;

	set->job = NULL;
	timer_disarm(&set->provider_timer);
	provider_work_log(w);
	if (w->op == PW_ABORT && w->status == 0)
		w->clean = true;
	set_fsm(set, w->status == 0 ? SETEV_PROVIDER_DONE
				    : SETEV_PROVIDER_FAILED);
}

/* Give up on the job in flight: it cleans up after itself when it ends. */
static void
provider_job_orphan(struct snapset *set)
{
	size_t i;

	if (!set->job)
		return;
	set->job->done = provider_work_orphaned;
	set->work->set = NULL;
	set->job = NULL;
	set->work = NULL;
	timer_disarm(&set->provider_timer);
	for (i = 0; i < set->count; i++)
		set->snapshots[i].snap = NULL;
}

static void
provider_timeout(struct timer *t)
{
	struct snapset *set = t->arg;

	log_warnx("%s: provider %s did not return in time", set->tag,
		  pwork_names[set->work->op]);
	set_fsm(set, SETEV_PROVIDER_TIMEOUT);
}

/* Start op on the set's work with a deadline; false if it cannot. */
static bool
provider_job_start(struct snapset *set, enum pwork_op op, uint32_t ms)
{
	set->work->op = op;
	set->work->set = set;
	set->job = job_start(provider_work_run, provider_job_done, set->work);
	if (!set->job)
		return false;
	timer_arm(&set->provider_timer, ms);
	return true;
}

/* The set is fixed (BK-072): group its volumes by provider. */
static int
provider_work_build(struct snapset *set)
{
	struct provider_work *w;
	struct pgroup *grp;
	size_t i, g;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	memcpy(w->tag, set->tag, sizeof(w->tag));
	w->set_id = set->id;
	w->groups = calloc(set->count ? set->count : 1, sizeof(*w->groups));
	if (!w->groups)
		goto fail;
	for (i = 0; i < set->count; i++) {
		for (g = 0; g < w->count; g++) {
			if (w->groups[g].prov == set->snapshots[i].provider)
				break;
		}
		grp = &w->groups[g];
		if (g == w->count) {
			grp->prov = set->snapshots[i].provider;
			grp->ps.set_id = set->id;
			grp->ps.context = set->context;
			grp->ps.snapshots = calloc(set->count,
						   sizeof(*grp->ps.snapshots));
			if (!grp->ps.snapshots)
				goto fail;
			w->count++;
		}
		grp->ps.snapshots[grp->ps.count].snapshot_id =
			set->snapshots[i].snapshot_id;
		grp->ps.snapshots[grp->ps.count].volume =
			strdup(set->snapshots[i].volume);
		if (!grp->ps.snapshots[grp->ps.count].volume)
			goto fail;
		set->snapshots[i].snap = &grp->ps.snapshots[grp->ps.count];
		grp->ps.count++;
	}
	set->work = w;
	return 0;
fail:
	for (i = 0; i < set->count; i++)
		set->snapshots[i].snap = NULL;
	provider_work_free(w);
	return -ENOMEM;
}

/* ---- the state machine ------------------------------------------------ */

static void
set_change_state(struct snapset *set, enum set_state to, enum set_event ev)
{
	log_debug("%s: %s -> %s on %s", set->tag, state_names[set->state],
		  state_names[to], event_names[ev]);
	set->state = to;
}

/* Leave the machine-wide slot. */
static void
set_leave_slot(struct snapset *set)
{
	if (creating == set)
		creating = NULL;
}

static void
set_writers_done(struct session *s)
{
	set_fsm(s->set, SETEV_WRITERS_DONE);
}

/* BK-080 b: a freeze or thaw failure aborts the set. */
static void
set_writer_reply(struct participant *p, int failure)
{
	struct snapset *set = p->session->set;

	if (failure == 0)
		return;
	if (set->status == 0)
		set->status = failure;
	set_fsm(set, SETEV_WRITER_FAILED);
}

static void
set_abort_writers_done(struct session *s)
{
	s->set->abort_writers_done = true;
	set_fsm(s->set, SETEV_ABORT_DONE);
}

static bool
prepare_filter(const struct participant *p)
{
	return fanout_selected(p) && p->status.state == VSS_WS_STABLE;
}

static bool
freeze_filter(const struct participant *p)
{
	return fanout_selected(p) &&
	       p->status.state == VSS_WS_WAITING_FOR_FREEZE;
}

static bool
thaw_filter(const struct participant *p)
{
	return p->status.state == VSS_WS_WAITING_FOR_THAW;
}

static bool
post_filter(const struct participant *p)
{
	return p->status.state == VSS_WS_WAITING_FOR_POST_SNAPSHOT;
}

static void
window_expired(struct timer *t)
{
	struct snapset *set = t->arg;

	log_warnx("%s: freeze window of %u ms expired", set->tag,
		  set->window_ms);
	set_fsm(set, SETEV_WINDOW_EXPIRED);
}

/* The bound of the window: ours, or a writer's own if shorter (BK-060). */
static uint32_t
window_bound(struct session *s)
{
	uint32_t ms = conf->freeze_timeout_ms;
	struct participant *p;

	TAILQ_FOREACH(p, &s->participants, entry) {
		if (freeze_filter(p) && p->freeze_timeout_ms < ms)
			ms = p->freeze_timeout_ms;
	}
	return ms;
}

/* Abort: everything stops, the writers get abort, the providers discard
 * what they made (PV-020, PV-021). */
static void
set_begin_abort(struct snapset *set, enum set_event ev, int status)
{
	struct session *s = set->session;

	if (set->status == 0)
		set->status = status;
	timer_disarm(&set->window_timer);
	if (ev == SETEV_WINDOW_EXPIRED)
		fanout_window_expired(s);
	set_change_state(set, SET_ABORTING, ev);
	set->abort_writers_done = false;
	set->abort_provider_done = true;
	if (set->making_room) {
		/* The deletes go on; the abort ends after them. */
		set->abort_provider_done = false;
	} else if (set->job) {
		/* A provider in the middle of a call is not waited for. */
		provider_job_orphan(set);
	} else if (set->work) {
		/* Built by set_prepare(), never in SET_ADDING (PV-021). */
		if (provider_job_start(set, PW_ABORT,
				       conf->provider_timeout_ms))
			set->abort_provider_done = false;
		else
			log_warnx("%s: provider abort not started", set->tag);
	}
	if (fanout_abort(s, set_abort_writers_done) < 0)
		log_warnx("%s: abort not sent: out of memory", set->tag);
}

static void
set_freeze_next(struct snapset *set)
{
	struct session *s = set->session;
	int n;

	while (set->level_index < LEVELS) {
		n = fanout_start(s, WIRE_EV_FREEZE,
				 freeze_order[set->level_index++],
				 freeze_filter, set_writer_reply,
				 set_writers_done);
		if (n < 0) {
			set_begin_abort(set, SETEV_ABORT, -ENOMEM);
			return;
		}
		if (n > 0) {
			/*
			 * The window opens when the first freeze goes out,
			 * not once the whole level has been sent.
			 */
			if (set->first_freeze_ns == 0) {
				set->first_freeze_ns = s->fanout.started_ns;
				timer_arm(&set->window_timer, set->window_ms);
			}
			return;
		}
		fanout_cancel(s);
	}
	/* Every level frozen: the providers commit. */
	set->phase_ns[PH_COMMIT] = now_ns();
	set_change_state(set, SET_COMMITTING, SETEV_WRITERS_DONE);
	if (set->work->count == 0) {
		set_fsm(set, SETEV_PROVIDER_DONE);
		return;
	}
	if (!provider_job_start(set, PW_COMMIT, conf->commit_timeout_ms))
		set_begin_abort(set, SETEV_ABORT, -ENOMEM);
}

/* Does any provider of the set make writable shadow copies to seal? */
static bool
set_writable(const struct snapset *set)
{
	size_t g;

	for (g = 0; set->work && g < set->work->count; g++)
		if (set->work->groups[g].ps.writable)
			return true;
	return false;
}

static void
set_post_snapshot(struct snapset *set, enum set_event ev)
{
	struct session *s = set->session;

	set_change_state(set, SET_POST_SNAPSHOT, ev);
	if (fanout_start(s, WIRE_EV_POST_SNAPSHOT, VSS_APP_UNKNOWN,
			 post_filter, NULL, set_writers_done) < 0)
		set_begin_abort(set, SETEV_ABORT, -ENOMEM);
}

/* The files not to snapshot are gone and the shadow copies read-only. */
static void
set_sealed(struct snapset *set, enum set_event ev)
{
	struct provider_work *w = set->work;

	if (w->excluded > 0)
		log_info("%s: %zu files not to snapshot removed from the "
			 "shadow copies", set->tag, w->excluded);
	if (w->exclude_error[0])
		log_warnx("%s: files not to snapshot not all removed: %s",
			  set->tag, w->exclude_error);
	set_post_snapshot(set, ev);
}

static void
set_thaw_next(struct snapset *set)
{
	struct session *s = set->session;
	int n;

	while (set->level_index > 0) {
		n = fanout_start(s, WIRE_EV_THAW,
				 freeze_order[--set->level_index], thaw_filter,
				 set_writer_reply, set_writers_done);
		if (n < 0) {
			set_begin_abort(set, SETEV_ABORT, -ENOMEM);
			return;
		}
		if (n > 0)
			return;
		fanout_cancel(s);
	}
	/* Every level thawed: the window closes. */
	timer_disarm(&set->window_timer);
	set->phase_ns[PH_POST] = now_ns();
	if (set->first_freeze_ns)
		set->freeze_window_ms = ms_between(set->first_freeze_ns,
						   set->phase_ns[PH_POST]);
	/* The devices, once nothing is frozen; the old record still works. */
	if (set->work->recorded) {
		int r = setlog_write(set);

		if (r < 0) {
			errno = -r;
			log_warn("%s: set record not updated", set->tag);
		}
	}
	if (set_writable(set)) {
		set_change_state(set, SET_SEALING, SETEV_WRITERS_DONE);
		if (!provider_job_start(set, PW_SEAL, conf->provider_timeout_ms))
			set_begin_abort(set, SETEV_ABORT, -ENOMEM);
		return;
	}
	set_post_snapshot(set, SETEV_WRITERS_DONE);
}

/* Provider and writers both prepared: freeze. */
static void
set_prepared(struct snapset *set, enum set_event ev)
{
	if (!set->provider_prepared || !set->writers_prepared)
		return;
	set->phase_ns[PH_FREEZE] = now_ns();
	set->window_ms = window_bound(set->session);
	set->level_index = 0;
	set_change_state(set, SET_FREEZING, ev);
	set_freeze_next(set);
}

/*
 * What the providers will do for the set: the files not to snapshot, from
 * the configuration and the writers (SN-060, SN-061), make the shadow
 * copies of providers that can seal them writable until then (SN-004).
 * With NO_AUTORECOVERY nothing may be written to them.
 */
static int
set_plan_exclusions(struct snapset *set)
{
	struct provider_work *w = set->work;
	struct participant *p;
	size_t g;
	int r;

	w->hold_ms = conf->commit_timeout_ms;
	if ((uint32_t)set->context & VSS_VOLSNAP_ATTR_NO_AUTORECOVERY)
		return 0;
	r = exclude_copy(&w->excludes, &conf->files_not_to_snapshot);
	if (r < 0)
		return r;
	TAILQ_FOREACH(p, &set->session->participants, entry) {
		if (!p->identified)
			continue;
		r = exclude_copy(&w->excludes, &p->excludes);
		if (r < 0)
			return r;
	}
	for (g = 0; g < w->count && w->excludes.n > 0; g++) {
		if (w->groups[g].prov->can_seal)
			w->groups[g].ps.writable = true;
		else
			log_info("%s: provider %s cannot remove files from its "
				 "shadow copies: files not to snapshot stay "
				 "in them", set->tag, w->groups[g].prov->name);
	}
	return 0;
}

/* Providers and writers prepare (after room was made, if it had to be). */
static void
set_prepare(struct snapset *set)
{
	struct session *s = set->session;
	int r;

	r = provider_work_build(set);
	if (r == 0)
		r = set_plan_exclusions(set);
	if (r < 0) {
		set_begin_abort(set, SETEV_ABORT, r);
		return;
	}
	set->provider_prepared = set->work->count == 0;
	/*
	 * The record names every shadow copy before a provider makes one,
	 * so that a crash of vssd leaves nothing unknown behind.
	 */
	if (!set->provider_prepared) {
		r = setlog_write(set);
		if (r < 0) {
			errno = -r;
			log_warn("%s: set record not written", set->tag);
			set_begin_abort(set, SETEV_ABORT, r);
			return;
		}
		set->work->recorded = true;
	}
	if (!set->provider_prepared &&
	    !provider_job_start(set, PW_PREPARE,
				conf->prepare_snapshot_timeout_ms)) {
		set_begin_abort(set, SETEV_ABORT, -ENOMEM);
		return;
	}
	/* PrepareForSnapshot failures do not abort by themselves (BK-080). */
	if (fanout_start(s, WIRE_EV_PREPARE_SNAPSHOT, VSS_APP_UNKNOWN,
			 prepare_filter, NULL, set_writers_done) < 0)
		set_begin_abort(set, SETEV_ABORT, -ENOMEM);
}

static void
set_room_made(void *arg, int status, json_t *fields)
{
	struct snapset *set = arg;

	(void)fields;
	set->making_room = false;
	if (set->state != SET_PREPARING) {
		/* Aborted meanwhile: the abort waited for this. */
		set_fsm(set, SETEV_PROVIDER_DONE);
		return;
	}
	if (status < 0) {
		log_warnx("%s: no room for more shadow copies: %s", set->tag,
			  vss_strerror(status));
		set_begin_abort(set, SETEV_ABORT,
				VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED);
		return;
	}
	set_prepare(set);
}

/*
 * max_shadow_copies (SN limits): at the limit a volume fails the set at
 * add_to_snapshot_set, or with delete-oldest loses its oldest shadow
 * copies here, once the set is sure to be attempted.
 */
static bool
set_make_room(struct snapset *set)
{
	const char *vols[SET_MAX_VOLUMES];
	size_t i, n = 0;
	int r;

	if (!conf->delete_oldest)
		return false;
	for (i = 0; i < set->count; i++)
		if (inventory_count_volume(set->snapshots[i].volume) >=
		    conf->max_shadow_copies)
			vols[n++] = set->snapshots[i].volume;
	if (n == 0)
		return false;
	r = inventory_make_room(vols, n, set_room_made, set);
	if (r < 0) {
		set_begin_abort(set, SETEV_ABORT,
				r == -ENOMEM ? r
					     : VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED);
		return true;
	}
	set->making_room = true;
	return true;
}

static void
set_do(struct snapset *set)
{
	set->phase_ns[PH_START] = now_ns();
	set_change_state(set, SET_PREPARING, SETEV_DO_SNAPSHOT);
	if (!set_make_room(set))
		set_prepare(set);
}

static void
set_created(struct snapset *set, enum set_event ev)
{
	set->phase_ns[PH_END] = now_ns();
	set_change_state(set, SET_CREATED, ev);
	set_leave_slot(set);
	/* From now on the inventory has the shadow copies and the record. */
	if (inventory_add_set(set, &set->session->id) < 0)
		log_warnx("%s: out of memory: the shadow copies are not "
			  "listed; the next start of vssd deletes them",
			  set->tag);
	else if (set->work)
		set->work->recorded = false;
	session_set_done(set->session, 0);
}

static void
set_aborted(struct snapset *set, enum set_event ev)
{
	set_change_state(set, SET_ABORTED, ev);
	set_leave_slot(set);
	provider_work_free(set->work);
	set->work = NULL;
	if (set->status == 0)
		set->status = VSS_E_UNEXPECTED;
	session_set_done(set->session, set->status);
}

static int
provider_failure(const struct snapset *set)
{
	return set->work ? set->work->status : VSS_E_UNEXPECTED_PROVIDER_ERROR;
}

/* A provider call that failed or ran out of time, or an abort asked for,
 * while providers work outside the freeze window: abort (PV-020). */
static void
set_abort_on(struct snapset *set, enum set_event ev)
{
	switch (ev) {
	case SETEV_PROVIDER_FAILED:
		set_begin_abort(set, ev, provider_failure(set));
		break;
	case SETEV_PROVIDER_TIMEOUT:
		set_begin_abort(set, ev, VSS_E_UNEXPECTED_PROVIDER_ERROR);
		break;
	default:
		set_begin_abort(set, ev, 0);
		break;
	}
}

static void
set_fsm(struct snapset *set, enum set_event ev)
{
	switch (set->state) {
	case SET_ADDING:
		switch (ev) {
		case SETEV_DO_SNAPSHOT:
			set_do(set);
			return;
		case SETEV_ABORT:
			/* No provider was called yet (PV-021). */
			set_change_state(set, SET_ABORTED, ev);
			set_leave_slot(set);
			return;
		default:
			break;
		}
		break;
	case SET_PREPARING:
		switch (ev) {
		case SETEV_PROVIDER_DONE:
			set->provider_prepared = true;
			set_prepared(set, ev);
			return;
		case SETEV_WRITERS_DONE:
			set->writers_prepared = true;
			set_prepared(set, ev);
			return;
		case SETEV_PROVIDER_FAILED:
		case SETEV_PROVIDER_TIMEOUT:
		case SETEV_ABORT:
			set_abort_on(set, ev);
			return;
		default:
			break;
		}
		break;
	case SET_FREEZING:
	case SET_THAWING:
		switch (ev) {
		case SETEV_WRITERS_DONE:
			if (set->state == SET_FREEZING)
				set_freeze_next(set);
			else
				set_thaw_next(set);
			return;
		case SETEV_WRITER_FAILED:
		case SETEV_ABORT:
			set_begin_abort(set, ev, 0);
			return;
		case SETEV_WINDOW_EXPIRED:
			set_begin_abort(set, ev, VSS_E_WRITER_NOT_RESPONDING);
			return;
		default:
			break;
		}
		break;
	case SET_COMMITTING:
		switch (ev) {
		case SETEV_PROVIDER_DONE:
			set->phase_ns[PH_THAW] = now_ns();
			set_change_state(set, SET_THAWING, ev);
			set_thaw_next(set);
			return;
		case SETEV_PROVIDER_FAILED:
			set_begin_abort(set, ev, provider_failure(set));
			return;
		case SETEV_PROVIDER_TIMEOUT:
		case SETEV_WINDOW_EXPIRED:
			/* BK-062: writes held too long. */
			set_begin_abort(set, ev, VSS_E_HOLD_WRITES_TIMEOUT);
			return;
		case SETEV_ABORT:
			set_begin_abort(set, ev, 0);
			return;
		default:
			break;
		}
		break;
	case SET_SEALING:
		switch (ev) {
		case SETEV_PROVIDER_DONE:
			set_sealed(set, ev);
			return;
		case SETEV_PROVIDER_FAILED:
		case SETEV_PROVIDER_TIMEOUT:
		case SETEV_ABORT:
			set_abort_on(set, ev);
			return;
		default:
			break;
		}
		break;
	case SET_POST_SNAPSHOT:
		switch (ev) {
		case SETEV_WRITERS_DONE:
			set_created(set, ev);
			return;
		case SETEV_ABORT:
			set_begin_abort(set, ev, 0);
			return;
		default:
			break;
		}
		break;
	case SET_ABORTING:
		switch (ev) {
		case SETEV_PROVIDER_DONE:
		case SETEV_PROVIDER_FAILED:
			set->abort_provider_done = true;
			break;
		case SETEV_PROVIDER_TIMEOUT:
			provider_job_orphan(set);
			set->abort_provider_done = true;
			break;
		case SETEV_ABORT_DONE:
		case SETEV_ABORT:
		case SETEV_WINDOW_EXPIRED:
		case SETEV_WRITER_FAILED:
		case SETEV_WRITERS_DONE:
			break;
		default:
			log_warnx("%s: %s while aborting", set->tag,
				  event_names[ev]);
			return;
		}
		if (set->abort_writers_done && set->abort_provider_done)
			set_aborted(set, ev);
		return;
	case SET_CREATED:
	case SET_ABORTED:
		if (ev == SETEV_ABORT)
			return;
		break;
	}
	fatalx("%s: %s not handled in state %s", set->tag,
	       event_names[ev], state_names[set->state]);
}

/* ---- the interface --------------------------------------------------- */

int
coordinator_start_set(struct session *s, int32_t context,
		      struct snapset **ret)
{
	struct snapset *set;
	int r;

	r = context_check(context);
	if (r < 0)
		return r;
	if (context == VSS_CTX_ALL)
		return -EINVAL;
	if (creating) {
		log_info("session %s: start_snapshot_set refused: set %s of "
			 "session %s in progress", s->sid, creating->sid,
			 creating->session->sid);
		return VSS_E_SNAPSHOT_SET_IN_PROGRESS;
	}
	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	set->session = s;
	vss_id_generate(&set->id);
	vss_id_format(&set->id, set->sid);
	snprintf(set->tag, sizeof(set->tag), "set %s (session %s)", set->sid,
		 s->sid);
	set->context = context;
	set->state = SET_ADDING;
	timer_init(&set->provider_timer, "provider", provider_timeout, set);
	timer_init(&set->window_timer, "freeze window", window_expired, set);
	creating = set;
	log_info("session %s: snapshot set %s started (context 0x%x)", s->sid,
		 set->sid, (unsigned)context);
	*ret = set;
	return 0;
}

int
set_add_volume(struct snapset *set, const char *volume,
	       const struct provider *provider, vss_id *ret_snapshot_id)
{
	struct set_snapshot *ss;
	size_t i;

	if (set->state != SET_ADDING)
		return VSS_E_BAD_STATE;
	for (i = 0; i < set->count; i++) {
		if (strcmp(set->snapshots[i].volume, volume) == 0)
			return VSS_E_OBJECT_ALREADY_EXISTS;
	}
	if (set->count >= SET_MAX_VOLUMES)
		return VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED;
	ss = &set->snapshots[set->count];
	ss->volume = strdup(volume);
	if (!ss->volume)
		return -ENOMEM;
	vss_id_generate(&ss->snapshot_id);
	ss->provider = provider;
	set->count++;
	*ret_snapshot_id = ss->snapshot_id;
	return 0;
}

void
set_do_snapshot(struct snapset *set)
{
	log_info("%s: do_snapshot_set, %zu volumes", set->tag, set->count);
	set_fsm(set, SETEV_DO_SNAPSHOT);
}

void
set_abort(struct snapset *set, int status)
{
	if (set->state == SET_CREATED || set->state == SET_ABORTED ||
	    set->state == SET_ABORTING)
		return;
	log_info("%s: abort in state %s (%s)", set->tag,
		 state_names[set->state],
		 vss_strerror(status));
	if (set->status == 0)
		set->status = status;
	set_fsm(set, SETEV_ABORT);
}

bool
set_busy(const struct snapset *set)
{
	return set->state > SET_ADDING && set->state != SET_CREATED &&
	       set->state != SET_ABORTED;
}

static void
set_free(struct snapset *set)
{
	size_t i;

	timer_disarm(&set->provider_timer);
	timer_disarm(&set->window_timer);
	defer_cancel(&set->released);
	set_leave_slot(set);
	for (i = 0; i < set->count; i++)
		free(set->snapshots[i].volume);
	provider_work_free(set->work);
	free(set);
}

static void
set_released(void *arg)
{
	struct snapset *set = arg;
	struct session *s = set->session;

	set_free(set);
	session_released(s);
}

void
set_release(struct snapset *set)
{
	/*
	 * A created set's shadow copies belong to the inventory, which
	 * releases the auto-release ones with the session (BK-087).
	 */
	defer_init(&set->released, set_released, set);
	defer_queue(&set->released);
}

uint32_t
set_attributes(const struct snapset *set, const struct provider *provider)
{
	/*
	 * Copy-on-write snapshots, read-only by the time writers see them:
	 * no writer can auto-recover.
	 */
	uint32_t a = (uint32_t)set->context | VSS_VOLSNAP_ATTR_DIFFERENTIAL |
		     VSS_VOLSNAP_ATTR_NO_AUTORECOVERY;

	if (provider->type == VSS_PROV_HARDWARE)
		a |= VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED;
	return a;
}

json_t *
set_volumes_json(const struct snapset *set)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < set->count; i++) {
		json_t *v = json_string(set->snapshots[i].volume);

		if (json_array_append_new(a, v) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *
set_snapshots_json(const struct snapset *set, bool full)
{
	const struct set_snapshot *ss;
	json_t *a, *o;
	size_t i;

	a = json_array();
	for (i = 0; a && i < set->count; i++) {
		ss = &set->snapshots[i];
		o = json_object();
		if (!o || json_array_append_new(a, o) < 0 ||
		    wire_set_str(o, WF_VOLUME, ss->volume) < 0 ||
		    (ss->snap && ss->snap->device &&
		     wire_set_str(o, WF_DEVICE, ss->snap->device) < 0))
			goto fail;
		if (full &&
		    (wire_set_id(o, WF_SNAPSHOT_ID, &ss->snapshot_id) < 0 ||
		     wire_set_id(o, WF_PROVIDER_ID, &ss->provider->id) < 0 ||
		     wire_set_int(o, WF_CREATED,
				  ss->snap ? ss->snap->created : 0) < 0 ||
		     wire_set_int(o, WF_ATTRIBUTES, set_attributes(set, ss->provider)) < 0))
			goto fail;
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

int
set_timings_json(const struct snapset *set, json_t *reply)
{
	static const char *const names[] = {
		"prepare_snapshot", "freeze", "commit", "thaw",
		"post_snapshot",
	};
	const uint64_t *ph = set->phase_ns;
	json_t *t;
	int i;

	t = json_object();
	if (!t)
		return -ENOMEM;
	for (i = 0; i < PH_END; i++) {
		if (json_object_set_new(t, names[i],
					json_real(ms_between(ph[i],
							     ph[i + 1]))) < 0)
			goto fail;
	}
	if (json_object_set_new(t, "total",
				json_real(ms_between(ph[PH_START],
						     ph[PH_END]))) < 0)
		goto fail;
	if (json_object_set_new(reply, WF_TIMINGS, t) < 0)
		return -ENOMEM;
	if (json_object_set_new(reply, WF_FREEZE_WINDOW_MS,
				json_real(set->freeze_window_ms)) < 0)
		return -ENOMEM;
	return 0;
fail:
	json_decref(t);
	return -ENOMEM;
}

void
coordinator_shutdown(void)
{
	if (creating)
		set_abort(creating, -ESHUTDOWN);
}
