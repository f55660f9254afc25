/*
 * daemon/inventory_ops.c - the changes to shadow copies that touch
 * volumes: delete (SN-021), expose and unexpose (SN-030..SN-033), the
 * release of what a session held (SN-020), room for a new shadow copy.
 *
 * One change runs at a time, in the order asked (callers serialise
 * deletes, SN-021; a queue does it for them).  Each is a list of items,
 * one per shadow copy, worked through on a job with copies of what the
 * job needs; the results are applied to the inventory on the loop when
 * the job returns, then the caller hears.  A job that overruns its
 * deadline has its caller told -ETIMEDOUT at the deadline; the queue
 * waits for the job anyway, and what it did is applied when it returns.
 */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vss/status.h>

#include "expose.h"

enum item_action {
	ITEM_UNEXPOSE = 0x1,
	ITEM_DELETE = 0x2,
	ITEM_EXPOSE = 0x4,
};

/* One shadow copy of a change, as the job sees it. */
struct item {
	const struct provider *provider;
	struct provider_snapshot snap; /* id, volume, device: copies */
	char *exposed;		       /* current exposure, or NULL */
	bool exposed_default;
	unsigned actions;
	/* expose: the path asked, NULL for the default one */
	char *want_path;
	/* results */
	bool unexposed, deleted;
	char *new_exposure;
	int status;
	char err[256];
};

struct op {
	STAILQ_ENTRY(op) entry;
	const char *what; /* for the log */
	struct item *items;
	size_t count;
	bool stop_at_failure; /* SN-021: delete stops at the first failure */
	/* expose: every device and exposure, which the path must avoid */
	char **forbidden;
	size_t nforbidden;
	vss_id exposed_by; /* expose of a non-persistent shadow copy */
	inventory_done_fn done;
	void *arg;
	struct timer timer;
};

static STAILQ_HEAD(, op) queue = STAILQ_HEAD_INITIALIZER(queue);
static struct op *running;

static void op_next(void);

static void
op_free(struct op *op)
{
	size_t i;

	if (!op)
		return;
	timer_disarm(&op->timer);
	for (i = 0; i < op->count; i++) {
		provider_snapshot_release(&op->items[i].snap);
		free(op->items[i].exposed);
		free(op->items[i].want_path);
		free(op->items[i].new_exposure);
	}
	for (i = 0; i < op->nforbidden; i++)
		free(op->forbidden[i]);
	free(op->forbidden);
	free(op->items);
	free(op);
}

/* ---- on the job ------------------------------------------------------- */

static int
item_unexpose(struct item *it)
{
	return provider_unexpose(it->provider, &it->snap, it->exposed,
				 it->exposed_default, it->err,
				 sizeof(it->err));
}

static int
item_expose(struct op *op, struct item *it)
{
	char *path = NULL;
	int r;

	if (it->want_path)
		r = expose_check_path(
		    it->want_path, (const char *const *)op->forbidden,
		    op->nforbidden, &path, it->err, sizeof(it->err));
	else
		r = expose_default_path(conf->expose_dir, &it->snap.snapshot_id,
					&path, it->err, sizeof(it->err));
	if (r < 0)
		return r;
	r = provider_expose(it->provider, &it->snap, path, it->err,
			    sizeof(it->err));
	if (r < 0) {
		if (!it->want_path)
			(void)rmdir(path);
		free(path);
		return r;
	}
	it->new_exposure = path;
	return 0;
}

static int
item_run(struct op *op, struct item *it)
{
	const struct provider *p = it->provider;
	int r;

	if ((it->actions & ITEM_UNEXPOSE) && it->exposed) {
		r = item_unexpose(it);
		/* An exposure already gone is as good as unexposed. */
		if (r < 0 && r != VSS_E_OBJECT_NOT_FOUND)
			return r;
		it->unexposed = true;
	}
	if (it->actions & ITEM_DELETE) {
		r = p->ops->delete_snapshot
			? p->ops->delete_snapshot(p, &it->snap, it->err,
						  sizeof(it->err))
			: 0;
		/* Already gone counts as deleted, as in abort. */
		if (r < 0 && r != VSS_E_OBJECT_NOT_FOUND)
			return r;
		it->deleted = true;
	}
	if (it->actions & ITEM_EXPOSE)
		return item_expose(op, it);
	return 0;
}

static void
op_work(struct job *j)
{
	struct op *op = j->arg;
	size_t i;

	for (i = 0; i < op->count; i++) {
		op->items[i].status = item_run(op, &op->items[i]);
		if (op->items[i].status < 0 && op->stop_at_failure)
			break;
	}
}

/* ---- back on the loop ------------------------------------------------- */

/* Apply what the job did to the inventory; the caller's fields. */
static int
op_apply(struct op *op, json_t *fields)
{
	vss_id non_deleted = {0};
	long deleted = 0;
	int status = 0;
	size_t i;

	for (i = 0; i < op->count; i++) {
		struct item *it = &op->items[i];
		struct shadow *sh = inventory_find(&it->snap.snapshot_id);
		char text[VSS_ID_STRLEN];

		vss_id_format(&it->snap.snapshot_id, text);
		if (it->status < 0) {
			log_warnx("shadow copy %s: %s failed: %s%s%s", text,
				  op->what, vss_strerror(it->status),
				  it->err[0] ? ": " : "", it->err);
			if (status == 0) {
				status = it->status;
				non_deleted = it->snap.snapshot_id;
			}
		} else if (it->err[0]) {
			log_info("shadow copy %s: %s", text, it->err);
		}
		if (!sh)
			continue;
		if (it->unexposed) {
			log_info("shadow copy %s: unexposed from %s", text,
				 sh->exposed);
			free(sh->exposed);
			sh->exposed = NULL;
			memset(&sh->exposed_by, 0, sizeof(sh->exposed_by));
		}
		if (it->new_exposure) {
			log_info("shadow copy %s: exposed at %s", text,
				 it->new_exposure);
			sh->exposed = it->new_exposure;
			it->new_exposure = NULL;
			sh->exposed_default = !it->want_path;
			if (!shadow_persistent(sh))
				sh->exposed_by = op->exposed_by;
			if (wire_set_str(fields, WF_EXPOSED_NAME, sh->exposed) <
			    0)
				status = status ? status : -ENOMEM;
		}
		if (it->deleted) {
			vss_id set_id = sh->set_id;

			log_info("shadow copy %s of %s deleted", text,
				 sh->volume);
			deleted++;
			inventory_forget(sh);
			inventory_store_set(&set_id);
		} else if (it->unexposed || (it->actions & ITEM_EXPOSE)) {
			inventory_store_set(&sh->set_id);
		}
	}
	if (wire_set_int(fields, WF_DELETED, deleted) < 0 ||
	    (status < 0 && (op->items[0].actions & ITEM_DELETE) &&
	     wire_set_id(fields, WF_NON_DELETED_ID, &non_deleted) < 0))
		return status ? status : -ENOMEM;
	return status;
}

static void
op_finish(struct op *op, int status, json_t *fields)
{
	inventory_done_fn done = op->done;

	op->done = NULL;
	if (done)
		done(op->arg, status, fields);
}

static void
op_done(struct job *j)
{
	struct op *op = j->arg;
	json_t *fields = json_object();
	int status;

	status = fields ? op_apply(op, fields) : -ENOMEM;
	op_finish(op, status, fields);
	json_decref(fields);
	running = NULL;
	op_free(op);
	op_next();
}

static void
op_timeout(struct timer *t)
{
	struct op *op = t->arg;

	log_warnx("inventory: %s did not finish in time; its results are "
		  "applied when it does",
		  op->what);
	op_finish(op, -ETIMEDOUT, NULL);
}

/* Run op on a job, with its deadline; -ENOMEM when no job can start. */
static int
op_start(struct op *op)
{
	if (!job_start(op_work, op_done, op))
		return -ENOMEM;
	running = op;
	timer_arm(&op->timer, (uint64_t)conf->provider_timeout_ms *
				  (op->count ? op->count : 1));
	return 0;
}

/* From op_done() on the loop: the caller of each op waiting is told. */
static void
op_next(void)
{
	struct op *op;

	while (!running && (op = STAILQ_FIRST(&queue))) {
		STAILQ_REMOVE_HEAD(&queue, entry);
		if (op_start(op) < 0) {
			op_finish(op, -ENOMEM, NULL);
			op_free(op);
		}
	}
}

/* ---- building changes ------------------------------------------------- */

static struct op *
op_new(const char *what, size_t count, inventory_done_fn done, void *arg)
{
	struct op *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->items = calloc(count ? count : 1, sizeof(*op->items));
	if (!op->items) {
		free(op);
		return NULL;
	}
	op->what = what;
	op->done = done;
	op->arg = arg;
	timer_init(&op->timer, "inventory", op_timeout, op);
	return op;
}

static int
op_add(struct op *op, const struct shadow *sh, unsigned actions)
{
	struct item *it = &op->items[op->count];

	it->provider = sh->provider;
	it->snap.snapshot_id = sh->id;
	it->actions = actions;
	it->exposed_default = sh->exposed_default;
	if (!(it->snap.volume = strdup(sh->volume)) ||
	    !(it->snap.device = strdup(sh->device)) ||
	    (sh->exposed && !(it->exposed = strdup(sh->exposed)))) {
		provider_snapshot_release(&it->snap);
		free(it->exposed);
		it->exposed = NULL;
		return -ENOMEM;
	}
	op->count++;
	return 0;
}

/*
 * Start op now if nothing runs, else queue it behind the others.  A job
 * that cannot start fails the call itself (op freed, done never called):
 * done is never called from inside the call that asked.
 */
static int
op_queue(struct op *op)
{
	int r;

	if (running || !STAILQ_EMPTY(&queue)) {
		STAILQ_INSERT_TAIL(&queue, op, entry);
		return 0;
	}
	r = op_start(op);
	if (r < 0)
		op_free(op);
	return r;
}

/* Does sh match the selection of a delete? */
static bool
delete_matches(const struct shadow *sh, const struct inventory_select *sel)
{
	if (!inventory_context_matches(sh, sel->context))
		return false;
	switch (sel->kind) {
	case SELECT_SNAPSHOT:
		return vss_id_equal(&sh->id, &sel->id);
	case SELECT_SET:
		return vss_id_equal(&sh->set_id, &sel->id);
	case SELECT_VOLUME:
	case SELECT_OLDEST:
		return strcmp(sh->volume, sel->volume) == 0;
	case SELECT_ALL:
		return true;
	}
	return false;
}

/* The oldest shadow copy of volume that may go to make room. */
static const struct shadow *
oldest_of(const char *volume, const struct op *skip, int32_t context)
{
	const struct shadow *sh, *best = NULL;
	size_t i;
	bool taken;

	for (sh = inventory_next(NULL); sh; sh = inventory_next(sh)) {
		if (strcmp(sh->volume, volume) != 0 ||
		    !inventory_context_matches(sh, context))
			continue;
		/* Not one a live backup is still reading. */
		if (skip && inventory_owner_alive(sh))
			continue;
		taken = false;
		for (i = 0; skip && i < skip->count; i++)
			taken = taken ||
				vss_id_equal(&skip->items[i].snap.snapshot_id,
					     &sh->id);
		if (!taken && (!best || sh->created < best->created))
			best = sh;
	}
	return best;
}

int
inventory_delete(const struct inventory_select *sel, inventory_done_fn done,
		 void *arg)
{
	const struct shadow *sh;
	struct op *op;
	size_t n = 0;

	for (sh = inventory_next(NULL); sh; sh = inventory_next(sh))
		n += delete_matches(sh, sel);
	if (sel->kind == SELECT_OLDEST && n > 1)
		n = 1;
	if (n == 0 && (sel->kind == SELECT_SNAPSHOT || sel->kind == SELECT_SET))
		return VSS_E_OBJECT_NOT_FOUND;
	op = op_new("delete", n, done, arg);
	if (!op)
		return -ENOMEM;
	op->stop_at_failure = true;
	if (sel->kind == SELECT_OLDEST) {
		sh = oldest_of(sel->volume, NULL, sel->context);
		if (sh && op_add(op, sh, ITEM_UNEXPOSE | ITEM_DELETE) < 0)
			goto fail;
	} else {
		for (sh = inventory_next(NULL); sh; sh = inventory_next(sh))
			if (delete_matches(sh, sel) &&
			    op_add(op, sh, ITEM_UNEXPOSE | ITEM_DELETE) < 0)
				goto fail;
	}
	return op_queue(op);
fail:
	op_free(op);
	return -ENOMEM;
}

int
inventory_expose(const vss_id *id, int32_t context, const char *path,
		 const vss_id *session_id, inventory_done_fn done, void *arg)
{
	const struct shadow *sh = inventory_find(id), *o;
	struct op *op;
	size_t n = 0;

	if (!sh || !inventory_context_matches(sh, context))
		return VSS_E_OBJECT_NOT_FOUND;
	/* SN-031: client-accessible shadow copies are never exposed. */
	if ((uint32_t)sh->context & VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE)
		return -EINVAL;
	if (sh->exposed)
		return VSS_E_OBJECT_ALREADY_EXISTS;
	op = op_new("expose", 1, done, arg);
	if (!op || op_add(op, sh, ITEM_EXPOSE) < 0)
		goto fail;
	op->exposed_by = *session_id;
	if (path && !(op->items[0].want_path = strdup(path)))
		goto fail;
	/* No exposure inside a shadow copy or another exposure. */
	for (o = inventory_next(NULL); o; o = inventory_next(o))
		n += 1 + (o->exposed != NULL);
	op->forbidden = calloc(n ? n : 1, sizeof(*op->forbidden));
	if (!op->forbidden)
		goto fail;
	for (o = inventory_next(NULL); o; o = inventory_next(o)) {
		if (!(op->forbidden[op->nforbidden++] = strdup(o->device)) ||
		    (o->exposed &&
		     !(op->forbidden[op->nforbidden++] = strdup(o->exposed))))
			goto fail;
	}
	return op_queue(op);
fail:
	op_free(op);
	return -ENOMEM;
}

int
inventory_unexpose(const vss_id *id, int32_t context, inventory_done_fn done,
		   void *arg)
{
	const struct shadow *sh = inventory_find(id);
	struct op *op;

	if (!sh || !inventory_context_matches(sh, context) || !sh->exposed)
		return VSS_E_OBJECT_NOT_FOUND; /* SN-033 */
	op = op_new("unexpose", 1, done, arg);
	if (!op || op_add(op, sh, ITEM_UNEXPOSE) < 0) {
		op_free(op);
		return -ENOMEM;
	}
	return op_queue(op);
}

int
inventory_session_gone(const vss_id *session_id, inventory_done_fn done,
		       void *arg)
{
	const struct shadow *sh;
	struct op *op;
	size_t n = 0;

	for (sh = inventory_next(NULL); sh; sh = inventory_next(sh))
		n += vss_id_equal(&sh->owner, session_id) ||
		     (sh->exposed && vss_id_equal(&sh->exposed_by, session_id));
	op = op_new("release", n, done, arg);
	if (!op)
		return -ENOMEM;
	/* BK-087, SN-020: auto-release shadow copies go with the session,
	 * and what it exposed of the others is taken away. */
	for (sh = inventory_next(NULL); sh; sh = inventory_next(sh)) {
		unsigned a = 0;

		if (vss_id_equal(&sh->owner, session_id))
			a = ITEM_UNEXPOSE | ITEM_DELETE;
		else if (sh->exposed &&
			 vss_id_equal(&sh->exposed_by, session_id))
			a = ITEM_UNEXPOSE;
		if (a && op_add(op, sh, a) < 0) {
			op_free(op);
			return -ENOMEM;
		}
	}
	return op_queue(op);
}

int
inventory_make_room(const char *const *volumes, size_t n,
		    inventory_done_fn done, void *arg)
{
	const struct shadow *sh;
	struct op *op;
	size_t i, have, victims = 0;

	for (i = 0; i < n; i++) {
		have = inventory_count_volume(volumes[i]);
		if (have >= conf->max_shadow_copies)
			victims += have - conf->max_shadow_copies + 1;
	}
	op = op_new("delete of the oldest", victims, done, arg);
	if (!op)
		return -ENOMEM;
	op->stop_at_failure = true;
	for (i = 0; i < n; i++) {
		have = inventory_count_volume(volumes[i]);
		while (have-- >= conf->max_shadow_copies) {
			sh = oldest_of(volumes[i], op, VSS_CTX_ALL);
			if (!sh) {
				op_free(op);
				return VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED;
			}
			if (op_add(op, sh, ITEM_UNEXPOSE | ITEM_DELETE) < 0) {
				op_free(op);
				return -ENOMEM;
			}
		}
	}
	return op_queue(op);
}
