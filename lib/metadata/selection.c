/*
 * lib/metadata/selection.c - component selection: which components of a
 * writer a requester may include, and which component defines the set of
 * each included one (SEL-001 .. SEL-008); the restore subcomponent check
 * (SEL-006, RS-020, RS-021).
 *
 * Only the public accessors of the WMD and the BCD are used, so that this
 * file does not depend on how the documents are stored.  A selection keeps
 * a borrowed pointer to its WMD: the WMD must outlive it.
 *
 * Ancestry (metadata.md section 3): A is an ancestor of C when A's full
 * path, "logicalPath\name" (or "name" at the top level), is an element-wise
 * leading prefix of C's logical path.  Writers declare at most a few
 * hundred components, so ancestry is computed by comparing pairs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/metadata.h>
#include <vss/status.h>

#define NOT_INCLUDED SIZE_MAX

struct vss_selection {
	const vss_wmd *wmd;   /* borrowed */
	size_t count;         /* components in the WMD */
	bool *is_explicit;    /* [count] */
	size_t *defining;     /* [count]: index, or NOT_INCLUDED */
	size_t *explicit_idx; /* explicit components, WMD order */
	size_t explicit_count;
	size_t *included_idx; /* included components, WMD order */
	size_t included_count;
};

static const char *
lp_or_empty(const char *logical_path)
{
	return logical_path != NULL ? logical_path : "";
}

/*
 * Does s start with the element sequence of prefix?  Elements are '\'
 * separated, so "a\b" is a prefix of "a\b" and "a\b\c" but not of "a\bc".
 */
static bool
has_element_prefix(const char *s, const char *prefix, size_t len)
{
	return strncmp(s, prefix, len) == 0 &&
	       (s[len] == '\0' || s[len] == '\\');
}

static bool
is_ancestor(const struct vss_component_def *a,
	    const struct vss_component_def *c)
{
	const char *path = lp_or_empty(c->logical_path);
	const char *alp = lp_or_empty(a->logical_path);
	size_t len = strlen(alp);

	if (len > 0) {
		if (strncmp(path, alp, len) != 0 || path[len] != '\\')
			return false;
		path += len + 1;
	}
	return has_element_prefix(path, a->name, strlen(a->name));
}

/* Length of "logicalPath\name": deeper ancestors have longer ones. */
static size_t
full_path_len(const struct vss_component_def *d)
{
	size_t len = strlen(lp_or_empty(d->logical_path));

	return (len > 0 ? len + 1 : 0) + strlen(d->name);
}

static const struct vss_component_def *
def_at(const vss_wmd *wmd, size_t i)
{
	return &vss_wmd_component(wmd, i)->def;
}

/* The first selectable ancestor of component i in WMD order, or NULL. */
static const struct vss_component_def *
selectable_ancestor(const vss_wmd *wmd, size_t count, size_t i)
{
	const struct vss_component_def *c = def_at(wmd, i);

	for (size_t j = 0; j < count; j++) {
		const struct vss_component_def *a = def_at(wmd, j);

		if (j != i && a->selectable && is_ancestor(a, c))
			return a;
	}
	return NULL;
}

/* Class (a) of SEL-002: non-selectable without a selectable ancestor. */
static bool
is_mandatory(const vss_wmd *wmd, size_t count, size_t i)
{
	return !def_at(wmd, i)->selectable &&
	       selectable_ancestor(wmd, count, i) == NULL;
}

/* Index of the WMD component named by (logical path, name), or SIZE_MAX. */
static size_t
find_index(const vss_wmd *wmd, const char *logical_path, const char *name)
{
	const struct vss_wm_component *c;
	size_t count = vss_wmd_component_count(wmd);

	c = vss_wmd_find_component(wmd, logical_path, name);
	if (c == NULL)
		return SIZE_MAX;
	for (size_t i = 0; i < count; i++)
		if (vss_wmd_component(wmd, i) == c)
			return i;
	return SIZE_MAX;
}

/* "logicalPath\name", or "name" at the top level, for messages. */
static void
format_name(char *buf, size_t size, const char *logical_path,
	    const char *name)
{
	const char *lp = lp_or_empty(logical_path);

	if (*lp != '\0')
		snprintf(buf, size, "%s\\%s", lp, name);
	else
		snprintf(buf, size, "%s", name);
}

/*
 * Fill err (when not NULL) with "component 'X': <why>".  Returns status so
 * that a failure is decided and described in one statement.
 */
static int
fail_with(struct vss_error *err, int status, const char *logical_path,
	  const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
fail_with(struct vss_error *err, int status, const char *logical_path,
	  const char *name, const char *fmt, ...)
{
	char who[160];
	char why[300];
	va_list ap;

	if (err == NULL)
		return status;
	format_name(who, sizeof(who), logical_path, name);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	err->line = 0;
	snprintf(err->message, sizeof(err->message), "component '%s': %s",
		 who, why);
	return status;
}

/* fail_with() for a message that names a second component. */
static int
fail_other(struct vss_error *err, int status,
	   const struct vss_component_def *c,
	   const struct vss_component_def *other, const char *what,
	   const char *rule)
{
	char name[160];

	format_name(name, sizeof(name), other->logical_path, other->name);
	return fail_with(err, status, c->logical_path, c->name,
			 "%s '%s' (%s)", what, name, rule);
}

void
vss_selection_free(vss_selection *sel)
{
	if (sel == NULL)
		return;
	free(sel->is_explicit);
	free(sel->defining);
	free(sel->explicit_idx);
	free(sel->included_idx);
	free(sel);
}

/*
 * Mark the explicit components named by refs, refusing unknown,
 * duplicate and class (c) components (SEL-002).
 */
static int
mark_explicit(vss_selection *sel, const struct vss_component_ref *refs,
	      size_t n, struct vss_error *err)
{
	const struct vss_component_def *anc;

	for (size_t k = 0; k < n; k++) {
		size_t i = find_index(sel->wmd, refs[k].logical_path,
				      refs[k].name);

		if (i == SIZE_MAX)
			return fail_with(err, VSS_E_OBJECT_NOT_FOUND,
					 refs[k].logical_path, refs[k].name,
					 "not declared by the writer");
		if (sel->is_explicit[i])
			return fail_with(err, VSS_E_OBJECT_ALREADY_EXISTS,
					 refs[k].logical_path, refs[k].name,
					 "included twice (BK-014)");
		anc = selectable_ancestor(sel->wmd, sel->count, i);
		if (!def_at(sel->wmd, i)->selectable && anc != NULL)
			return fail_other(err, -EINVAL, def_at(sel->wmd, i),
					  anc,
					  "not selectable and has selectable "
					  "ancestor",
					  "SEL-002");
		sel->is_explicit[i] = true;
	}
	return 0;
}

/*
 * The nearest explicitly included selectable ancestor of component i: the
 * component that defines its set when i is implicit (SEL-007).  Returns
 * NOT_INCLUDED when there is none.
 */
static size_t
nearest_explicit_ancestor(const vss_selection *sel, size_t i)
{
	const struct vss_component_def *c = def_at(sel->wmd, i);
	size_t best = NOT_INCLUDED, best_len = 0;

	for (size_t j = 0; j < sel->count; j++) {
		const struct vss_component_def *a = def_at(sel->wmd, j);

		if (j == i || !sel->is_explicit[j] || !a->selectable ||
		    !is_ancestor(a, c))
			continue;
		if (best == NOT_INCLUDED || full_path_len(a) > best_len) {
			best = j;
			best_len = full_path_len(a);
		}
	}
	return best;
}

/*
 * SEL-004 for every explicit component, then SEL-003 when anything is
 * selected, then the defining component of each component.
 */
static int
compute_sets(vss_selection *sel, size_t n, struct vss_error *err)
{
	for (size_t i = 0; i < sel->count; i++) {
		size_t anc;

		if (!sel->is_explicit[i])
			continue;
		anc = nearest_explicit_ancestor(sel, i);
		if (anc != NOT_INCLUDED)
			return fail_other(err, VSS_E_OBJECT_ALREADY_EXISTS,
					  def_at(sel->wmd, i),
					  def_at(sel->wmd, anc),
					  "also included through its "
					  "selectable ancestor",
					  "SEL-004");
	}
	for (size_t i = 0; n > 0 && i < sel->count; i++) {
		const struct vss_component_def *d = def_at(sel->wmd, i);

		if (!sel->is_explicit[i] &&
		    is_mandatory(sel->wmd, sel->count, i))
			return fail_with(err, -EINVAL, d->logical_path,
					 d->name,
					 "mandatory but not included "
					 "(SEL-003)");
	}
	for (size_t i = 0; i < sel->count; i++) {
		if (sel->is_explicit[i]) {
			sel->defining[i] = i;
			sel->explicit_idx[sel->explicit_count++] = i;
		} else {
			sel->defining[i] = nearest_explicit_ancestor(sel, i);
		}
		if (sel->defining[i] != NOT_INCLUDED)
			sel->included_idx[sel->included_count++] = i;
	}
	return 0;
}

int
vss_selection_new(vss_selection **ret, const vss_wmd *wmd,
		  const struct vss_component_ref *refs, size_t n,
		  struct vss_error *err)
{
	vss_selection *sel;
	size_t count;
	int r;

	if (ret == NULL || wmd == NULL || (refs == NULL && n > 0))
		return -EINVAL;
	for (size_t k = 0; k < n; k++)
		if (refs[k].name == NULL)
			return -EINVAL;

	r = -ENOMEM;
	sel = calloc(1, sizeof(*sel));
	if (sel == NULL)
		goto fail;
	count = vss_wmd_component_count(wmd);
	sel->wmd = wmd;
	sel->count = count;
	/* One extra element, so that a WMD without components allocates. */
	sel->is_explicit = calloc(count + 1, sizeof(*sel->is_explicit));
	sel->defining = calloc(count + 1, sizeof(*sel->defining));
	sel->explicit_idx = calloc(count + 1, sizeof(*sel->explicit_idx));
	sel->included_idx = calloc(count + 1, sizeof(*sel->included_idx));
	if (sel->is_explicit == NULL || sel->defining == NULL ||
	    sel->explicit_idx == NULL || sel->included_idx == NULL)
		goto fail;

	r = mark_explicit(sel, refs, n, err);
	if (r < 0)
		goto fail;
	r = compute_sets(sel, n, err);
	if (r < 0)
		goto fail;
	*ret = sel;
	return 0;

fail:
	if (r == -ENOMEM && err != NULL) {
		err->line = 0;
		snprintf(err->message, sizeof(err->message), "out of memory");
	}
	vss_selection_free(sel);
	return r;
}

int
vss_wmd_mandatory_components(const vss_wmd *wmd,
			     struct vss_component_ref *out, size_t max)
{
	size_t count, found = 0;

	if (wmd == NULL || (out == NULL && max > 0))
		return -EINVAL;
	count = vss_wmd_component_count(wmd);
	/* Count first: out is written only when everything fits. */
	for (size_t i = 0; i < count; i++)
		if (is_mandatory(wmd, count, i))
			found++;
	if (found > max)
		return -ENOSPC;
	found = 0;
	for (size_t i = 0; i < count; i++) {
		const struct vss_component_def *d = def_at(wmd, i);

		if (!is_mandatory(wmd, count, i))
			continue;
		out[found].logical_path = d->logical_path;
		out[found].name = d->name;
		found++;
	}
	return (int)found;
}

size_t
vss_selection_explicit_count(const vss_selection *sel)
{
	return sel != NULL ? sel->explicit_count : 0;
}

const struct vss_wm_component *
vss_selection_explicit(const vss_selection *sel, size_t i)
{
	if (sel == NULL || i >= sel->explicit_count)
		return NULL;
	return vss_wmd_component(sel->wmd, sel->explicit_idx[i]);
}

size_t
vss_selection_included_count(const vss_selection *sel)
{
	return sel != NULL ? sel->included_count : 0;
}

const struct vss_wm_component *
vss_selection_included(const vss_selection *sel, size_t i,
		       const struct vss_wm_component **ret_defining)
{
	size_t idx;

	if (sel == NULL || i >= sel->included_count)
		return NULL;
	idx = sel->included_idx[i];
	if (ret_defining != NULL)
		*ret_defining = vss_wmd_component(sel->wmd,
						  sel->defining[idx]);
	return vss_wmd_component(sel->wmd, idx);
}

const struct vss_wm_component *
vss_selection_defining(const vss_selection *sel,
		       const struct vss_wm_component *c)
{
	size_t idx;

	if (sel == NULL || c == NULL)
		return NULL;
	/*
	 * By (logical path, name) rather than by pointer, so that c may
	 * also come from another copy of the same writer's metadata.
	 */
	idx = find_index(sel->wmd, c->def.logical_path, c->def.name);
	if (idx == SIZE_MAX || sel->defining[idx] == NOT_INCLUDED)
		return NULL;
	return vss_wmd_component(sel->wmd, sel->defining[idx]);
}

/* Is WMD component i explicitly included in the BCD writer entry? */
static bool
in_bcd(const vss_wmd *wmd, const vss_bcd_writer *w, size_t i)
{
	const struct vss_component_def *d = def_at(wmd, i);

	return vss_bcd_writer_find_component(w, d->type, d->logical_path,
					     d->name) != NULL;
}

/*
 * The component that defines the backup set of sub in this BCD: its
 * nearest selectable ancestor that the BCD includes explicitly, or
 * SIZE_MAX.
 */
static size_t
bcd_defining(const vss_wmd *wmd, const vss_bcd_writer *w, size_t sub)
{
	const struct vss_component_def *s = def_at(wmd, sub);
	size_t count = vss_wmd_component_count(wmd);
	size_t best = SIZE_MAX, best_len = 0;

	for (size_t j = 0; j < count; j++) {
		const struct vss_component_def *a = def_at(wmd, j);

		if (j == sub || !a->selectable || !is_ancestor(a, s) ||
		    !in_bcd(wmd, w, j))
			continue;
		if (best == SIZE_MAX || full_path_len(a) > best_len) {
			best = j;
			best_len = full_path_len(a);
		}
	}
	return best;
}

int
vss_selection_check_restore_subcomponent(
	const vss_wmd *wmd, const vss_bcd_writer *w,
	const struct vss_component_ref *component,
	const struct vss_component_ref *sub, struct vss_error *err)
{
	size_t comp, s;

	if (wmd == NULL || w == NULL || component == NULL || sub == NULL ||
	    component->name == NULL || sub->name == NULL)
		return -EINVAL;

	comp = find_index(wmd, component->logical_path, component->name);
	if (comp == SIZE_MAX)
		return fail_with(err, VSS_E_OBJECT_NOT_FOUND,
				 component->logical_path, component->name,
				 "not declared by the writer");
	if (!in_bcd(wmd, w, comp))
		return fail_with(err, VSS_E_OBJECT_NOT_FOUND,
				 component->logical_path, component->name,
				 "not explicitly included in the backup "
				 "(RS-020)");
	s = find_index(wmd, sub->logical_path, sub->name);
	if (s == SIZE_MAX)
		return fail_with(err, VSS_E_OBJECT_NOT_FOUND,
				 sub->logical_path, sub->name,
				 "not declared by the writer");
	/*
	 * An explicit component is restored with SetSelectedForRestore;
	 * only an implicit member of comp's set is a subcomponent.
	 */
	if (s == comp || in_bcd(wmd, w, s) || bcd_defining(wmd, w, s) != comp)
		return fail_other(err, -EINVAL, def_at(wmd, s),
				  def_at(wmd, comp),
				  "not implicitly included under", "SEL-006");
	/*
	 * Only a component that is itself selectable for restore can be
	 * restored alone (SEL-006); its own descendants come back with it
	 * (RS-024), but are not restorable alone through it.
	 */
	if (!def_at(wmd, s)->selectable_for_restore)
		return fail_with(err, -EINVAL, sub->logical_path, sub->name,
				 "not selectable for restore (SEL-006, RS-021)");
	return 0;
}
