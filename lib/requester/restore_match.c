/*
 * lib/requester/restore_match.c - which writers of a saved backup
 * components document can take part in its restore (RS-003, RS-005,
 * RS-050): each writer entry matched to a writer that answered Identify
 * now, by class id and instance name, with the version and restore
 * participation the saved writer metadata gives; and the components of
 * an entry with their restore sets, as the saved metadata defines them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "requester/requester_internal.h"

/* ---- matching saved writers to live ones (RS-003, RS-005, RS-050) ------- */

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/*
 * The instance name the entry was saved with, or NULL: of the document as
 * initialize_for_restore loaded it, else of the saved WMD.
 */
static const char *
saved_instance_name(const vss_requester *r, const struct restore_entry *e)
{
	const vss_wmd *saved = restore_saved_wmd(r, &e->class_id, &e->saved_id);
	const char *name = nonempty(e->name);

	if (name == NULL && saved != NULL)
		name = nonempty(vss_wmd_identity(saved)->instance_name);
	return name;
}

static bool
saved_never(const vss_requester *r, const struct restore_entry *e)
{
	const vss_wmd *saved = restore_saved_wmd(r, &e->class_id, &e->saved_id);
	const struct vss_restore_method_info *rm =
		saved != NULL ? vss_wmd_restore_method(saved) : NULL;

	return rm != NULL && rm->writer_restore == VSS_WRE_NEVER;
}

/* How an entry finds its live instance, in the order they are tried. */
enum match_pass {
	BY_INSTANCE_ID, /* the very instance saved: it still runs */
	BY_NAME,        /* the instance of the saved name (RS-003) */
	FIRST_FREE,     /* saved without a name: any of the class */
	PASS_COUNT,
};

static bool
name_equal(const char *live, const char *saved)
{
	return live != NULL && strcmp(live, saved) == 0;
}

/*
 * The first gathered writer of the entry's class that the pass accepts
 * and no entry took before; it is taken.
 */
static const vss_wmd *
take_live(const vss_requester *r, bool *taken, const struct restore_entry *e,
	  const char *name, enum match_pass pass)
{
	for (size_t i = 0; i < r->wmd_count; i++) {
		const struct vss_writer_identity *id =
			vss_wmd_identity(r->wmds[i]);
		bool fits = false;

		if (taken[i] || !vss_id_equal(&id->class_id, &e->class_id))
			continue;
		switch (pass) {
		case BY_INSTANCE_ID:
			fits = vss_id_equal(&id->instance_id, &e->saved_id) &&
			       (name == NULL ||
				name_equal(id->instance_name, name));
			break;
		case BY_NAME:
			fits = name != NULL &&
			       name_equal(id->instance_name, name);
			break;
		case FIRST_FREE:
			fits = name == NULL;
			break;
		case PASS_COUNT:
			break;
		}
		if (fits) {
			taken[i] = true;
			return r->wmds[i];
		}
	}
	return NULL;
}

int
restore_match_all(const vss_requester *r, struct restore_match **ret)
{
	size_t n = r->entry_count;
	struct restore_match *m;
	bool *taken, *never;

	m = calloc(n + 1, sizeof(*m));
	never = calloc(n + 1, sizeof(*never));
	taken = calloc(r->wmd_count + 1, sizeof(*taken));
	if (m == NULL || never == NULL || taken == NULL) {
		free(m);
		free(never);
		free(taken);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		never[i] = saved_never(r, &r->entries[i]);
	/*
	 * RS-050: an entry that never takes part must not take the instance
	 * another entry of its class would restore with; it gets one of
	 * those left, to show which writer it is.
	 */
	for (int last = 0; last <= 1; last++) {
		for (int pass = 0; pass < PASS_COUNT; pass++) {
			for (size_t i = 0; i < n; i++) {
				const struct restore_entry *e = &r->entries[i];

				if (m[i].live != NULL || never[i] != last)
					continue;
				m[i].live = take_live(r, taken, e,
						      saved_instance_name(r, e),
						      (enum match_pass)pass);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct restore_entry *e = &r->entries[i];
		const vss_wmd *saved =
			restore_saved_wmd(r, &e->class_id, &e->saved_id);

		if (never[i])
			m[i].match = VSS_RWM_NEVER;
		else if (m[i].live == NULL)
			m[i].match = VSS_RWM_MISSING;
		else if (saved != NULL &&
			 vss_wmd_identity(m[i].live)->major_version <
				 vss_wmd_identity(saved)->major_version)
			m[i].match = VSS_RWM_VERSION_TOO_OLD;
		else
			m[i].match = VSS_RWM_MATCHED;
		if (m[i].match == VSS_RWM_VERSION_TOO_OLD)
			m[i].live = NULL;
	}
	free(never);
	free(taken);
	*ret = m;
	return 0;
}

int
restore_match_entry(const vss_requester *r, size_t index,
		    enum vss_restore_writer_match *ret,
		    const vss_wmd **ret_live)
{
	struct restore_match *m;
	int rc;

	rc = restore_match_all(r, &m);
	if (rc < 0)
		return rc;
	*ret = m[index].match;
	if (ret_live != NULL)
		*ret_live = m[index].live;
	free(m);
	return 0;
}

/* Index of the writer entry (class id, saved instance id), or -1. */
static ssize_t
entry_index(const vss_bcd *bcd, const vss_id *class_id,
	    const vss_id *instance_id)
{
	for (size_t i = 0; i < vss_bcd_writer_count(bcd); i++) {
		vss_bcd_writer *w = vss_bcd_writer_at(bcd, i);

		if (vss_id_equal(vss_bcd_writer_class_id(w), class_id) &&
		    vss_id_equal(vss_bcd_writer_instance_id(w), instance_id))
			return (ssize_t)i;
	}
	return -1;
}

int
vss_requester_restore_writer_match(vss_requester *r, const vss_id *class_id,
				   const vss_id *saved_instance_id,
				   enum vss_restore_writer_match *ret,
				   vss_id *ret_live_instance_id)
{
	static const vss_id null_id;
	enum vss_restore_writer_match match;
	const vss_wmd *live;
	ssize_t i;
	int rc;

	if (r == NULL || class_id == NULL || saved_instance_id == NULL ||
	    ret == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_RESTORE_MATCH);
	if (rc < 0)
		goto out;
	i = entry_index(r->bcd, class_id, saved_instance_id);
	rc = -ENOENT;
	if (i < 0)
		goto out;
	rc = restore_match_entry(r, (size_t)i, &match, &live);
	if (rc < 0)
		goto out;
	*ret = match;
	if (ret_live_instance_id != NULL)
		*ret_live_instance_id =
			live != NULL ? vss_wmd_identity(live)->instance_id
				     : null_id;
out:
	requester_unlock(r);
	return rc;
}

/* ---- components --------------------------------------------------------- */

int
restore_ref_find(const vss_requester *r, const vss_id *class_id,
		 const vss_id *saved_instance_id, enum vss_component_type type,
		 const char *logical_path, const char *name,
		 struct restore_ref *ret)
{
	struct restore_ref ref;
	ssize_t i = entry_index(r->bcd, class_id, saved_instance_id);

	if (i < 0)
		return VSS_E_OBJECT_NOT_FOUND;
	ref.index = (size_t)i;
	ref.w = vss_bcd_writer_at(r->bcd, ref.index);
	ref.c = vss_bcd_writer_find_component(ref.w, type, logical_path, name);
	if (ref.c == NULL)
		return VSS_E_OBJECT_NOT_FOUND;
	ref.saved = restore_saved_wmd(r, class_id, saved_instance_id);
	*ret = ref;
	return 0;
}

uint32_t
restore_ref_schema(const struct restore_ref *ref)
{
	if (ref->saved != NULL)
		return vss_wmd_backup_schema(ref->saved);
	return vss_bcd_writer_backup_schema(ref->w);
}

static const char *
lp_or_empty(const char *logical_path)
{
	return logical_path != NULL ? logical_path : "";
}

static bool
logical_path_same(const char *a, const char *b)
{
	return strcmp(lp_or_empty(a), lp_or_empty(b)) == 0;
}

/*
 * Is the component (logical_path, name) the same as the one whose full
 * path is "a_path\a_name" or below it?  Elements are '\' separated and
 * compared as the selection rules compare them (selection.c).
 */
static bool
at_or_below(const char *a_path, const char *a_name, const char *logical_path,
	    const char *name)
{
	const char *p = lp_or_empty(logical_path);
	size_t alen = strlen(lp_or_empty(a_path)), nlen = strlen(a_name);

	if (logical_path_same(a_path, logical_path) &&
	    strcmp(a_name, name) == 0)
		return true;
	/* Below: the logical path starts with the elements of a's path. */
	if (alen > 0) {
		if (strncmp(p, a_path, alen) != 0 || p[alen] != '\\')
			return false;
		p += alen + 1;
	}
	return strncmp(p, a_name, nlen) == 0 &&
	       (p[nlen] == '\0' || p[nlen] == '\\');
}

bool
restore_ref_has_member(const struct restore_ref *ref,
		       const struct vss_wm_component *member)
{
	const char *lp = vss_bcd_component_logical_path(ref->c);
	const char *name = vss_bcd_component_name(ref->c);
	const struct vss_component_def *d = &member->def;

	if (!at_or_below(lp, name, d->logical_path, d->name))
		return false;
	if (logical_path_same(lp, d->logical_path) &&
	    strcmp(name, d->name) == 0)
		return true;
	/* An implicit member: no explicit component between the two. */
	for (size_t i = 0; i < vss_bcd_writer_component_count(ref->w); i++) {
		vss_bcd_component *x = vss_bcd_writer_component(ref->w, i);
		const char *xlp = vss_bcd_component_logical_path(x);
		const char *xname = vss_bcd_component_name(x);

		if (x == ref->c ||
		    !at_or_below(xlp, xname, d->logical_path, d->name))
			continue;
		/* x is the member itself or an ancestor nearer than ref. */
		if (at_or_below(lp, name, xlp, xname))
			return false;
	}
	return true;
}

static bool
file_set_equal(const struct vss_file_desc *d, const char *path,
	       const char *filespec, bool recursive)
{
	return strcmp(d->path, path) == 0 &&
	       strcmp(d->filespec, filespec) == 0 && d->recursive == recursive;
}

static bool
component_has_file_set(const struct vss_wm_component *c, const char *path,
		       const char *filespec, bool recursive)
{
	for (size_t i = 0; i < c->file_count; i++)
		if (file_set_equal(&c->files[i], path, filespec, recursive))
			return true;
	for (size_t i = 0; i < c->database_file_count; i++)
		if (file_set_equal(&c->database_files[i], path, filespec,
				   recursive))
			return true;
	for (size_t i = 0; i < c->log_file_count; i++)
		if (file_set_equal(&c->log_files[i], path, filespec,
				   recursive))
			return true;
	return false;
}

bool
restore_ref_has_file_set(const struct restore_ref *ref, const char *path,
			 const char *filespec, bool recursive)
{
	for (size_t i = 0; i < vss_wmd_component_count(ref->saved); i++) {
		const struct vss_wm_component *c =
			vss_wmd_component(ref->saved, i);

		if (restore_ref_has_member(ref, c) &&
		    component_has_file_set(c, path, filespec, recursive))
			return true;
	}
	return false;
}

/* Is (path, filespec, recursive) one of the saved WMD's mappings? */
