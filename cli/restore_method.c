/*
 * cli/restore_method.c - one unit restored by its method (restore.md
 * section 4, RS-040..RS-044): where its objects go (in place, below
 * --to, to the alternate location mappings, staged for the next boot
 * of vssd, or as the writer's directed targets say), decided by probing
 * every destination first (RS-041), then written as one batch, all or
 * nothing (restore_write.h).  Parent directories an object needs are
 * made from the manifest's records when missing, and only then.
 */
#include <assert.h>
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "restore.h"
#include "restore_write.h"
#include "util/pending_restore.h"

static const char *const method_names[] = {
	[VSS_RME_UNDEFINED] = "undefined",
	[VSS_RME_RESTORE_IF_NOT_THERE] = "if-not-there",
	[VSS_RME_RESTORE_IF_CAN_REPLACE] = "if-can-replace",
	[VSS_RME_STOP_RESTORE_START] = "stop-restore-start",
	[VSS_RME_RESTORE_TO_ALTERNATE_LOCATION] = "to-alternate-location",
	[VSS_RME_RESTORE_AT_REBOOT] = "at-reboot",
	[VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE] =
		"at-reboot-if-cannot-replace",
	[VSS_RME_CUSTOM] = "custom",
	[VSS_RME_RESTORE_STOP_START] = "restore-stop-start",
};

const char *
restore_method_name(enum vss_restore_method m)
{
	if ((size_t)m >= sizeof(method_names) / sizeof(method_names[0]))
		return "undefined";
	return method_names[m];
}

int
restore_method_parse(const char *name, enum vss_restore_method *ret)
{
	/* Those --method may choose: the ones that need no writer. */
	static const enum vss_restore_method allowed[] = {
		VSS_RME_RESTORE_IF_NOT_THERE,
		VSS_RME_RESTORE_IF_CAN_REPLACE,
		VSS_RME_RESTORE_AT_REBOOT,
		VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE,
	};

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcasecmp(name, method_names[allowed[i]]) == 0) {
			*ret = allowed[i];
			return 0;
		}
	return -EINVAL;
}

bool
restore_method_has_service(enum vss_restore_method m)
{
	return m == VSS_RME_STOP_RESTORE_START ||
	       m == VSS_RME_RESTORE_STOP_START;
}

void
restore_unit_fail(struct restore *rs, struct runit *u,
		  enum runit_status status, const char *fmt, ...)
{
	struct restore_writer *w = restore_unit_writer(rs, u);
	char *what = u->component ? restore_component_text(u->component) :
				    NULL;
	va_list ap;
	char *msg;

	u->status = status;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (w)
		fprintf(stderr, "vss: %s: %s:%s: %s\n", rs->cmd->name, w->name,
			what ? what : "?", msg ? msg : fmt);
	else
		fprintf(stderr, "vss: %s: plain paths of %s: %s\n",
			rs->cmd->name,
			bset_manifest_volume(rs->m, u->volume)->mount_point,
			msg ? msg : fmt);
	free(what);
	if (!u->message)
		u->message = msg;
	else
		free(msg);
}

/* ---- where the objects go ----------------------------------------------- */

/* How the unit is written. */
enum placement {
	PLACE_ORIGINAL, /* in place, or below --to */
	PLACE_MAPPED,   /* the alternate location mappings */
	PLACE_STAGED,   /* staged for the next boot */
};

/* One unit being restored. */
struct uwrite {
	struct restore *rs;
	struct runit *u;
	enum placement how;
	enum vss_restore_target target; /* the one that applies */
	struct rplace *places;  /* per item; relpath NULL: no place */
	bool *directed;         /* per item: written by a directed target */
	void *added;            /* tsearch() set of "root:relpath" */
	struct rbatch **batches; /* per root (one unless staged) */
	struct pending_restore **pending; /* per root, staged */
	size_t n_batches;
	char *component;        /* "writer:LP/NAME" for the journal */
	char err[1024];
};

static void
free_places(struct uwrite *w)
{
	for (size_t i = 0; w->places && i < w->u->n_items; i++)
		free(w->places[i].relpath);
	free(w->places);
	w->places = NULL;
}

/*
 * The place of every item: 0; 1 (the unit then failed) when one is
 * outside the roots, or, mapped, when a file set holding objects has no
 * mapping (a writer error, RS-071); -ENOMEM.
 */
static int
compute_places(struct uwrite *w)
{
	struct runit *u = w->u;
	bool mapped = w->how == PLACE_MAPPED;
	int r;

	free_places(w);
	w->places = calloc(u->n_items + 1, sizeof(*w->places));
	if (!w->places)
		return -ENOMEM;
	for (size_t i = 0; i < u->n_items; i++) {
		const struct ritem *it = &u->items[i];

		if (mapped && it->file_set >= 0 &&
		    !u->file_sets[it->file_set].mapping) {
			restore_unit_fail(w->rs, u, RU_NONE,
					  "writer error: file set %s/%s has no "
					  "alternate location mapping (RS-071)",
					  u->file_sets[it->file_set].fd->path,
					  u->file_sets[it->file_set]
						  .fd->filespec);
			return 1;
		}
		r = restore_place(w->rs, u, it, mapped, &w->places[i], w->err,
				  sizeof(w->err));
		if (r == -ENOENT)
			continue;
		if (r == -EXDEV) {
			restore_unit_fail(w->rs, u, RU_NONE, "%s", w->err);
			return 1;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* What the destinations hold now (RS-041). */
struct survey {
	size_t present;  /* objects other than directories there now */
	size_t blocked;  /* objects that cannot be replaced */
	char why[512];   /* the first reason */
};

static int
survey(struct uwrite *w, struct survey *s)
{
	struct restore *rs = w->rs;
	struct rtarget *t;
	enum rtarget_state st;
	char why[512];
	int r;

	*s = (struct survey){0};
	for (size_t i = 0; i < w->u->n_items; i++) {
		const struct rplace *p = &w->places[i];
		const struct bset_entry *e =
			bset_manifest_entry(rs->m, w->u->items[i].entry);

		if (!p->relpath)
			continue;
		/* A --to tree is made only when an object is added. */
		r = restore_root_target(rs, p->root, false, &t, w->err,
					sizeof(w->err));
		if (r == -ENOENT && rs->roots[p->root].create)
			continue; /* a --to tree not made yet: empty */
		if (r == 0)
			r = rtarget_probe(t, p->relpath, e->mode & S_IFMT, &st,
					  why, sizeof(why));
		if (r < 0) {
			snprintf(s->why, sizeof(s->why), "%.200s/%.200s: %.100s",
				 rs->roots[p->root].path, p->relpath, w->err);
			return r;
		}
		if (st != RT_ABSENT && !S_ISDIR(e->mode))
			s->present++;
		if (st == RT_BUSY || st == RT_LOCKED) {
			if (!s->blocked++)
				snprintf(s->why, sizeof(s->why),
					 "%.200s/%.200s: %.100s",
					 rs->roots[p->root].path, p->relpath,
					 why);
		}
	}
	return 0;
}

bool
restore_unit_has_mappings(const struct runit *u)
{
	bool any = false;

	for (size_t i = 0; i < u->n_items; i++) {
		long f = u->items[i].file_set;

		if (f < 0)
			continue;
		if (!u->file_sets[f].mapping)
			return false;
		any = true;
	}
	return any;
}

/*
 * The target that decides where the files go (section 6): none for the
 * reboot methods (RS-061: no coordinator runs then) and for custom (the
 * writer decides for itself); nor an alternate target in a restore below
 * --to, which stays below DIR (the writer got new targets instead).
 */
static enum vss_restore_target
effective_target(const struct restore *rs, const struct runit *u)
{
	switch (u->method) {
	case VSS_RME_RESTORE_AT_REBOOT:
	case VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE:
	case VSS_RME_CUSTOM:
		return VSS_RT_ORIGINAL;
	default:
		break;
	}
	if (rs->opts->to && u->target == VSS_RT_ALTERNATE)
		return VSS_RT_ORIGINAL;
	return u->target;
}

/*
 * Decide the placement by method and target (sections 4 and 6); 1 when
 * the unit is not to be written (its status says why), 0 to write, or
 * a negative error.  Methods that cannot be carried out were refused
 * before pre_restore (restore_run.c).
 */
static int
decide(struct uwrite *w)
{
	struct runit *u = w->u;
	struct survey s;
	int r;

	assert(u->method != VSS_RME_UNDEFINED);
	w->target = effective_target(w->rs, u);
	w->how = PLACE_ORIGINAL;
	if (u->method == VSS_RME_RESTORE_AT_REBOOT) {
		w->how = PLACE_STAGED;
		return compute_places(w);
	}
	/* RS-071: the mappings must be used; ORIGINAL_LOCATION and
	 * DIRECTED override method 4 (section 6). */
	if (w->target == VSS_RT_ALTERNATE ||
	    (u->method == VSS_RME_RESTORE_TO_ALTERNATE_LOCATION &&
	     w->target == VSS_RT_ORIGINAL && !w->rs->opts->to))
		w->how = PLACE_MAPPED;
	r = compute_places(w);
	if (r != 0 || w->how == PLACE_MAPPED ||
	    w->target == VSS_RT_DIRECTED ||
	    (u->method != VSS_RME_RESTORE_IF_NOT_THERE &&
	     u->method != VSS_RME_RESTORE_IF_CAN_REPLACE &&
	     u->method != VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE))
		return r;
	r = survey(w, &s);
	if (r < 0) {
		restore_unit_fail(w->rs, u, RU_NONE, "%s", s.why);
		return 1;
	}
	if (u->method == VSS_RME_RESTORE_IF_NOT_THERE ? !s.present :
							!s.blocked)
		return 0;
	if (u->method == VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE) {
		w->how = PLACE_STAGED;
		return 0;
	}
	/* RS-071: may use the mappings when the files cannot go in place
	 * (not when the writer asked for the original location). */
	if (!w->rs->opts->to && w->target == VSS_RT_ORIGINAL &&
	    restore_unit_has_mappings(u)) {
		w->how = PLACE_MAPPED;
		r = compute_places(w);
		if (r != 0 || u->method != VSS_RME_RESTORE_IF_NOT_THERE)
			return r;
		r = survey(w, &s);
		if (r == 0 && !s.present)
			return 0;
		restore_unit_fail(w->rs, u, RU_NONE,
				  "method if-not-there: files exist in place "
				  "and at the alternate location: nothing "
				  "restored");
		return 1;
	}
	if (u->method == VSS_RME_RESTORE_IF_NOT_THERE)
		restore_unit_fail(w->rs, u, RU_NONE,
				  "method if-not-there: %zu file(s) exist "
				  "already: nothing restored",
				  s.present);
	else
		restore_unit_fail(w->rs, u, RU_NONE,
				  "method if-can-replace: %zu object(s) cannot "
				  "be replaced (%s): nothing restored",
				  s.blocked, s.why);
	return 1;
}

/* ---- writing -------------------------------------------------------------- */

static int
cmp_keys(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Mark root:relpath as in the batch: 1 when it was already, 0 when new,
 * -ENOMEM.
 */
static int
mark_added(struct uwrite *w, size_t root, const char *relpath)
{
	char *key, **found;

	if (asprintf(&key, "%zu:%s", root, relpath) < 0)
		return -ENOMEM;
	found = tsearch(key, &w->added, cmp_keys);
	if (!found) {
		free(key);
		return -ENOMEM;
	}
	if (*found != key) {
		free(key);
		return 1;
	}
	return 0;
}

/* The batch for root (one for all roots unless staged). */
static int
batch_for(struct uwrite *w, size_t root, struct rbatch **ret)
{
	struct restore *rs = w->rs;
	size_t i = w->how == PLACE_STAGED ? root : 0;
	int r;

	if (i >= w->n_batches) {
		size_t n = rs->n_roots;
		struct rbatch **batches;
		struct pending_restore **pending;

		batches = realloc(w->batches, n * sizeof(*batches));
		if (batches)
			w->batches = batches;
		pending = realloc(w->pending, n * sizeof(*pending));
		if (pending)
			w->pending = pending;
		if (!batches || !pending)
			return -ENOMEM;
		for (size_t k = w->n_batches; k < n; k++) {
			w->batches[k] = NULL;
			w->pending[k] = NULL;
		}
		w->n_batches = n;
	}
	if (!w->batches[i]) {
		if (w->how == PLACE_STAGED) {
			r = pending_restore_begin(&w->pending[i],
						  rs->opts->state_dir,
						  rs->roots[root].path,
						  rs->opts->set_abs);
			if (r < 0) {
				snprintf(w->err, sizeof(w->err),
					 "staging in %s: %s",
					 rs->roots[root].path, strerror(-r));
				return r;
			}
		}
		r = rbatch_new(&w->batches[i], rs->opts->set, w->pending[i]);
		/*
		 * The manifest gives a hard link whose first link is not in
		 * the batch its content; restore if not there never replaces
		 * what appeared after the check (RS-041).
		 */
		if (r == 0)
			r = rbatch_set_manifest(w->batches[i], rs->m);
		if (r == 0 && w->how != PLACE_STAGED &&
		    w->u->method == VSS_RME_RESTORE_IF_NOT_THERE)
			r = rbatch_set_no_replace(w->batches[i], true);
		if (r < 0) {
			snprintf(w->err, sizeof(w->err), "%s", strerror(-r));
			return r;
		}
	}
	*ret = w->batches[i];
	return 0;
}

static void
count_progress(struct restore *rs, const struct bset_entry *e)
{
	rs->done_objects++;
	if (S_ISREG(e->mode))
		rs->done_bytes += e->size;
	if (rs->progress)
		progress_update(rs->progress, rs->done_objects, rs->done_bytes);
}

/*
 * The directories above relpath that are missing, made with the
 * manifest's record of the same place on the root's volume, or, where
 * the manifest has none (a mapping's destination), 0755 and owned by
 * the caller.
 */
static int
add_parents(struct uwrite *w, size_t root, struct rtarget *t,
	    const char *relpath, struct rbatch *b)
{
	struct restore *rs = w->rs;
	struct timespec now;
	enum rtarget_state st;
	char why[256];
	char *p = strdup(relpath);
	int r = 0;

	if (!p)
		return -ENOMEM;
	clock_gettime(CLOCK_REALTIME, &now);
	for (char *slash = strchr(p, '/'); slash && r >= 0;
	     slash = strchr(slash + 1, '/')) {
		struct bset_entry made;
		const struct bset_entry *e;
		size_t k;

		*slash = '\0';
		r = mark_added(w, root, p);
		if (r == 0)
			r = rtarget_probe(t, p, S_IFDIR, &st, why, sizeof(why));
		if (r == 0 && st == RT_ABSENT) {
			k = restore_find_entry(rs, rs->roots[root].volume, p);
			e = k == SIZE_MAX ? NULL : bset_manifest_entry(rs->m, k);
			if (!e || !S_ISDIR(e->mode)) {
				made = (struct bset_entry){
					.volume = rs->roots[root].volume,
					.path = p,
					.mode = S_IFDIR | 0755,
					.uid = getuid(),
					.gid = getgid(),
					.mtime_ns = now.tv_sec * 1000000000LL +
						    now.tv_nsec,
				};
				made.atime_ns = made.mtime_ns;
				e = &made;
			}
			r = rbatch_add(b, t, p, e, w->component, w->err,
				       sizeof(w->err));
		} else if (r > 0) {
			r = 0;
		}
		*slash = '/';
	}
	free(p);
	return r < 0 ? r : 0;
}

/* Add one object at its place, after the parents it needs. */
static int
add_object(struct uwrite *w, const struct rplace *p,
	   const struct bset_entry *e, const struct vss_directed_target *dt)
{
	struct restore *rs = w->rs;
	struct rtarget *t;
	struct rbatch *b = NULL;
	int r;

	r = restore_root_target(rs, p->root, true, &t, w->err,
				sizeof(w->err));
	if (r == 0)
		r = batch_for(w, p->root, &b);
	if (r == 0)
		r = add_parents(w, p->root, t, p->relpath, b);
	if (r == 0)
		r = mark_added(w, p->root, p->relpath);
	if (r == 1 && !dt)
		return 0; /* there already, as a parent */
	if (r >= 0 && dt)
		r = rbatch_add_ranges(b, t, p->relpath, e, dt->source_ranges,
				      dt->destination_ranges, w->err,
				      sizeof(w->err));
	else if (r >= 0)
		r = rbatch_add(b, t, p->relpath, e, w->component, w->err,
			       sizeof(w->err));
	if (r < 0) {
		if (!w->err[0])
			snprintf(w->err, sizeof(w->err), "%s", strerror(-r));
		restore_unit_fail(rs, w->u, RU_NONE, "%s/%s: %s: nothing "
				  "restored", rs->roots[p->root].path,
				  p->relpath, w->err);
		return r;
	}
	count_progress(rs, e);
	return 0;
}

static int
add_destination(struct runit *u, const char *path)
{
	char **grown;

	for (size_t i = 0; i < u->n_destinations; i++)
		if (strcmp(u->destinations[i], path) == 0)
			return 0;
	grown = realloc(u->destinations,
			(u->n_destinations + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	u->destinations = grown;
	u->destinations[u->n_destinations] = strdup(path);
	if (!u->destinations[u->n_destinations])
		return -ENOMEM;
	u->n_destinations++;
	return 0;
}

/*
 * RS-090, RS-091: the unit's directed targets (its target is DIRECTED):
 * each names a file of the unit and where its ranges go.
 */
static int
add_directed(struct uwrite *w, const vss_bcd_component *bc)
{
	struct restore *rs = w->rs;
	size_t n = bc ? vss_bcd_component_directed_target_count(bc) : 0;

	for (size_t i = 0; i < n; i++) {
		const struct vss_directed_target *dt =
			vss_bcd_component_directed_target(bc, i);
		char *src = NULL, *dst = NULL, *orig;
		struct rplace p = {0};
		size_t item = SIZE_MAX;
		int r = -ENOMEM;

		if (asprintf(&src, "%s/%s", dt->source_path,
			     dt->source_file) < 0 ||
		    asprintf(&dst, "%s/%s", dt->destination_path,
			     dt->destination_file) < 0)
			goto out;
		for (size_t k = 0; k < w->u->n_items && item == SIZE_MAX; k++) {
			orig = restore_original_path(
				rs, bset_manifest_entry(rs->m,
							w->u->items[k].entry));
			if (!orig)
				goto out;
			if (strcmp(orig, src) == 0)
				item = k;
			free(orig);
		}
		if (item == SIZE_MAX) {
			restore_unit_fail(rs, w->u, RU_NONE,
					  "writer error: directed target %s is "
					  "no file of the component",
					  src);
			r = 1;
			goto out;
		}
		r = restore_place_path(rs, dst, &p, w->err, sizeof(w->err));
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			restore_unit_fail(rs, w->u, RU_NONE,
					  "writer error: directed target %s: %s",
					  dst,
					  r == -ENOENT ? "the root of a volume "
							 "is no file" :
							 w->err);
			r = 1;
			goto out;
		}
		w->directed[item] = true;
		r = add_object(w, &p,
			       bset_manifest_entry(rs->m,
						   w->u->items[item].entry),
			       dt);
		if (r == 0)
			r = add_destination(w->u, rs->roots[p.root].path);
out:
		free(p.relpath);
		free(src);
		free(dst);
		if (r != 0)
			return r;
	}
	return 0;
}

/* rbatch_commit()'s report: the object is in place. */
static void
committed(const char *root, const char *relpath, void *p)
{
	struct uwrite *w = p;
	struct runit *u = w->u;
	char **grown, *path;

	if (asprintf(&path, "%s/%s", root, relpath) < 0)
		return;
	grown = realloc(u->restored, (u->n_restored + 1) * sizeof(*grown));
	if (!grown) {
		free(path);
		return;
	}
	u->restored = grown;
	u->restored[u->n_restored++] = path;
}

/*
 * What the report should say of a unit that went well but not plainly:
 * staged (the writer was told NONE: nothing is in place before the
 * next boot), or restored for a custom-method writer that was not
 * told where (it takes no new targets, RS-080).  0 or -ENOMEM.
 */
static int
note_result(struct uwrite *w)
{
	struct runit *u = w->u;
	const struct restore_writer *rw = restore_unit_writer(w->rs, u);
	int r = 0;

	if (u->message)
		return 0;
	if (u->status == RU_STAGED)
		r = asprintf(&u->message,
			     "staged: put in place at the next boot%s",
			     u->involved ? "; the writer was told nothing is "
					   "in place yet (file restore status "
					   "NONE)" :
					   "");
	else if (u->method == VSS_RME_CUSTOM && u->involved &&
		 !(vss_wmd_backup_schema(rw->wmd) &
		   VSS_BS_WRITER_SUPPORTS_NEW_TARGET))
		r = asprintf(&u->message,
			     "method custom: the files are below %s; the "
			     "writer was not told where (it takes no new "
			     "targets)",
			     w->rs->opts->to);
	if (r < 0) {
		u->message = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int
commit(struct uwrite *w)
{
	struct runit *u = w->u;

	/*
	 * A unit staged on several volumes stages them all before any
	 * journal is written: a failure there leaves nothing pending.
	 */
	for (size_t i = 0; w->how == PLACE_STAGED && i < w->n_batches; i++) {
		if (w->batches[i] &&
		    rbatch_stage(w->batches[i], w->err, sizeof(w->err)) < 0) {
			restore_unit_fail(w->rs, u, RU_NONE, "%s: nothing staged",
					  w->err);
			return 0;
		}
	}
	for (size_t i = 0; i < w->n_batches; i++) {
		int r;

		if (!w->batches[i])
			continue;
		r = rbatch_commit(w->batches[i], committed, w, w->err,
				  sizeof(w->err));
		if (r < 0 && u->journal) {
			/*
			 * Only the writing of a later journal failed: the
			 * journals written before stay pending (a journal
			 * cannot be taken back); the report names them.
			 */
			restore_unit_fail(w->rs, u, RU_FAILED,
					  "%s: %zu object(s) staged in pending "
					  "restore(s) %s, put in place at "
					  "the next boot",
					  w->err, u->n_restored, u->journal);
			return 0;
		}
		if (r < 0) {
			restore_unit_fail(w->rs, u,
					  u->n_restored ? RU_FAILED : RU_NONE,
					  "%s: %zu object(s) in place",
					  w->err, u->n_restored);
			return 0;
		}
		if (w->pending[i]) {
			char *ids;

			if (asprintf(&ids, "%s%s%s",
				     u->journal ? u->journal : "",
				     u->journal ? "," : "",
				     pending_restore_id(w->pending[i])) < 0)
				return -ENOMEM;
			free(u->journal);
			u->journal = ids;
		}
	}
	u->status = w->how == PLACE_STAGED ? RU_STAGED : RU_ALL;
	return note_result(w);
}

static int
write_unit(struct uwrite *w, const vss_bcd_component *bc)
{
	struct runit *u = w->u;
	struct restore *rs = w->rs;
	int r = 0;

	w->directed = calloc(u->n_items + 1, sizeof(*w->directed));
	if (!w->directed)
		return -ENOMEM;
	if (w->target == VSS_RT_DIRECTED && w->how == PLACE_ORIGINAL) {
		r = add_directed(w, bc);
		if (r != 0)
			return r < 0 && r != -ENOMEM ? 0 : r;
	}
	for (size_t i = 0; i < u->n_items && r == 0; i++) {
		const struct rplace *p = &w->places[i];

		if (!p->relpath || w->directed[i])
			continue;
		r = add_object(w, p, bset_manifest_entry(rs->m,
							 u->items[i].entry),
			       NULL);
		if (r == 0)
			r = add_destination(
				u, w->how == PLACE_MAPPED &&
						   u->items[i].file_set >= 0 ?
					   u->file_sets[u->items[i].file_set]
						   .mapping->destination :
					   rs->roots[p->root].path);
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0 || u->status == RU_NONE)
		return 0;
	r = commit(w);
	/* RS-073: the file sets an object went to through its mapping. */
	for (size_t i = 0; r == 0 && w->how == PLACE_MAPPED &&
			   u->status != RU_NONE && i < u->n_items;
	     i++)
		if (w->places[i].relpath && u->items[i].file_set >= 0)
			u->file_sets[u->items[i].file_set].mapped = true;
	return r;
}

/* The BCD component of the unit, as pre_restore left it (RS-006). */
static const vss_bcd_component *
bcd_component(struct restore *rs, const struct runit *u)
{
	const struct restore_writer *rw = restore_unit_writer(rs, u);
	vss_bcd *bcd = rs->r ? vss_requester_bcd(rs->r) : NULL;
	vss_bcd_writer *bw;

	if (!rw || !bcd)
		return NULL;
	bw = vss_bcd_find_writer(bcd, &rw->class_id, &rw->saved_instance_id);
	return bw ? vss_bcd_writer_find_component(bw, u->component->def.type,
						  u->component->def.logical_path,
						  u->component->def.name) :
		    NULL;
}

/* Keep a batch committed in place for restore_dirs_again(); takes *b. */
static int
keep_committed(struct restore *rs, struct rbatch **b)
{
	struct rbatch **grown;

	grown = realloc(rs->committed,
			(rs->n_committed + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	rs->committed = grown;
	rs->committed[rs->n_committed++] = *b;
	*b = NULL;
	return 0;
}

void
restore_dirs_again(struct restore *rs)
{
	for (size_t i = 0; i < rs->n_committed; i++) {
		char err[1024] = "";
		int r = rbatch_dirs_again(rs->committed[i], err, sizeof(err));

		if (r < 0)
			fprintf(stderr, "vss: %s: %s\n", rs->cmd->name,
				*err ? err : strerror(-r));
		rbatch_free(rs->committed[i]);
	}
	free(rs->committed);
	rs->committed = NULL;
	rs->n_committed = 0;
}

int
restore_unit(struct restore *rs, struct runit *u)
{
	struct restore_writer *rw = restore_unit_writer(rs, u);
	struct uwrite w = {.rs = rs, .u = u};
	char *text = NULL;
	int r;

	if (u->component) {
		text = restore_component_text(u->component);
		if (!text || asprintf(&w.component, "%s:%s", rw->name, text) < 0)
			w.component = NULL;
		free(text);
		if (!w.component)
			return -ENOMEM;
	}
	r = decide(&w);
	if (r == 0)
		r = write_unit(&w, bcd_component(rs, u));
	if (r == 1)
		r = 0;
	for (size_t i = 0; i < w.n_batches; i++) {
		if (r == 0 && !w.pending[i] && rbatch_committed(w.batches[i]))
			r = keep_committed(rs, &w.batches[i]);
		rbatch_free(w.batches[i]);
		pending_restore_free(w.pending[i]);
	}
	free(w.batches);
	free(w.pending);
	tdestroy(w.added, free);
	free_places(&w);
	free(w.directed);
	free(w.component);
	return r;
}
