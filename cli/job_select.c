/*
 * cli/job_select.c - which writers and components take part in the job
 * (job.h): the writers --exclude-writer disables before gathering (BK-005,
 * BK-006), and job_select(): the components --writer and --component
 * name, or those whose files lie on the volumes or under the paths of the
 * command line, with each writer's mandatory components, checked by the
 * component-set rules (SEL-001..SEL-009) and added to the BCD (BK-014).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "connect.h"
#include "job_internal.h"

/* ---- matching writers and components ---------------------------------- */

enum match {
	MATCH_NONE,
	MATCH_NAME,
	MATCH_CLASS,
	MATCH_INSTANCE,
};

/* How the command line's W names the writer: name, class or instance id. */
static enum match
writer_match(const vss_wmd *wmd, const char *w)
{
	const struct vss_writer_identity *id = vss_wmd_identity(wmd);
	vss_id parsed;

	if (vss_id_parse(&parsed, w) == 0) {
		if (vss_id_equal(&parsed, &id->class_id))
			return MATCH_CLASS;
		if (vss_id_equal(&parsed, &id->instance_id))
			return MATCH_INSTANCE;
	}
	return strcmp(id->friendly_name, w) == 0 ? MATCH_NAME : MATCH_NONE;
}

/* job.h */
int
spec_names_writer(const char *spec, const vss_wmd *wmd)
{
	char *w = strndup(spec, strcspn(spec, ":"));
	bool match;

	if (!w)
		return -ENOMEM;
	match = writer_match(wmd, w) != MATCH_NONE;
	free(w);
	return match;
}

/* Compare logical paths element by element, '\' and '/' alike. */
static bool
same_char(char a, char b)
{
	return a == b || ((a == '\\' || a == '/') && (b == '\\' || b == '/'));
}

/* job.h */
bool
spec_names_component(const char *spec, const struct vss_wm_component *c)
{
	const char *text = strchr(spec, ':') + 1;
	const char *lp = c->def.logical_path ? c->def.logical_path : "";
	size_t n = strlen(lp);

	if (n) {
		for (size_t i = 0; i < n; i++)
			if (!same_char(lp[i], text[i]))
				return false;
		if (text[n] != '/' && text[n] != '\\')
			return false;
		text += n + 1;
	}
	return strcmp(text, c->def.name) == 0;
}

/*
 * Does component c lie below the selectable component a (its logical
 * path starts with a's logical path and name)?
 */
static bool
is_below(const struct vss_wm_component *c, const struct vss_wm_component *a)
{
	const char *lp = c->def.logical_path ? c->def.logical_path : "";
	const char *alp = a->def.logical_path ? a->def.logical_path : "";
	size_t n = strlen(alp), m = strlen(a->def.name);

	if (n) {
		if (strncmp(lp, alp, n) != 0 || lp[n] != '\\')
			return false;
		lp += n + 1;
	}
	return strncmp(lp, a->def.name, m) == 0 &&
	       (lp[m] == '\0' || lp[m] == '\\');
}

/*
 * The components a requester may include explicitly without naming
 * them one by one: the mandatory ones and the selectable ones without a
 * selectable ancestor (SEL-002 a and b).
 */
static bool
is_root(const vss_wmd *wmd, const struct vss_wm_component *c)
{
	size_t n = vss_wmd_component_count(wmd);

	for (size_t i = 0; i < n; i++) {
		const struct vss_wm_component *a = vss_wmd_component(wmd, i);

		if (a != c && a->def.selectable && is_below(c, a))
			return false;
	}
	return true;
}

/* Does the file set of root r hold component c (SEL-001)? */
static bool
in_set_of(const struct vss_wm_component *c, const struct vss_wm_component *r)
{
	return c == r || (r->def.selectable && is_below(c, r));
}

/* ---- --exclude-writer ------------------------------------------------- */

static int
id_set_add(struct id_set *s, const vss_id *id)
{
	vss_id *grown;

	for (size_t i = 0; i < s->n; i++)
		if (vss_id_equal(&s->ids[i], id))
			return 0;
	grown = realloc(s->ids, (s->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->ids = grown;
	s->ids[s->n++] = *id;
	return 0;
}

static bool
id_set_has(const struct id_set *s, const vss_id *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (vss_id_equal(&s->ids[i], id))
			return true;
	return false;
}

bool
job_is_excluded(const struct job *j, const vss_wmd *wmd)
{
	const struct vss_writer_identity *id = vss_wmd_identity(wmd);

	return id_set_has(&j->excluded_classes, &id->class_id) ||
	       id_set_has(&j->excluded_instances, &id->instance_id);
}

/*
 * Learn the writers with the throw-away requester (BK-006), then disable
 * the classes named by class id and the instances named by name or
 * instance id (several instances of one class may run under different
 * names).
 */
int
job_exclude_writers(struct job *j)
{
	const struct cli_command *cmd = j->opts.cmd;
	struct id_set *classes = &j->excluded_classes;
	struct id_set *instances = &j->excluded_instances;
	char detail[256];
	size_t n;
	int rc;

	rc = cli_connect(cmd, j->opts.context, &j->probe);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = job_run_async(j, j->probe, vss_requester_gather_writer_metadata,
			   "gathering writer metadata");
	if (rc != CLI_EXIT_OK)
		return rc;
	n = vss_requester_writer_metadata_count(j->probe);
	for (size_t e = 0; e < j->opts.n_exclude_writers; e++) {
		const char *w = j->opts.exclude_writers[e];
		bool found = false;

		for (size_t i = 0; i < n; i++) {
			const vss_wmd *wmd =
			    vss_requester_writer_metadata(j->probe, i);
			const struct vss_writer_identity *id =
			    vss_wmd_identity(wmd);

			switch (writer_match(wmd, w)) {
			case MATCH_NONE:
				continue;
			case MATCH_CLASS:
				rc = id_set_add(classes, &id->class_id);
				break;
			case MATCH_NAME:
			case MATCH_INSTANCE:
				rc = id_set_add(instances, &id->instance_id);
				break;
			}
			if (rc < 0)
				return cli_status_error(cmd, NULL, rc, NULL);
			found = true;
		}
		if (!found) {
			snprintf(detail, sizeof(detail), "--exclude-writer %s",
				 w);
			return cli_status_error(cmd, detail,
						VSS_E_OBJECT_NOT_FOUND,
						"no writer has that name, class "
						"id or instance id");
		}
	}
	rc = 0;
	if (classes->n)
		rc = vss_requester_disable_writer_classes(j->r, classes->ids,
							  classes->n);
	if (rc == 0 && instances->n)
		rc = vss_requester_disable_writer_instances(
		    j->r, instances->ids, instances->n);
	if (rc < 0)
		return cli_status_error(cmd, "vssd", rc, NULL);
	return CLI_EXIT_OK;
}

/* ---- choosing a writer's components ----------------------------------- */

/* The components chosen for one writer, before they are checked. */
struct refs {
	struct vss_component_ref *v;
	size_t n, cap;
};

/* Add ref unless it is there already. */
static int
refs_add(struct refs *r, struct vss_component_ref ref)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, ref.name) == 0 &&
		    strcmp(r->v[i].logical_path ? r->v[i].logical_path : "",
			   ref.logical_path ? ref.logical_path : "") == 0)
			return 0;
	if (r->n == r->cap)
		return -ENOSPC; /* job_select() leaves room for each */
	r->v[r->n++] = ref;
	return 0;
}

static int
refs_add_component(struct refs *r, const struct vss_wm_component *c)
{
	return refs_add(
	    r, (struct vss_component_ref){c->def.logical_path, c->def.name});
}

/* A note on why a writer lost components or takes no part. */
static int
note_left_out(struct jwriter *w, const struct vss_wm_component *c,
	      const char *example)
{
	const char *lp = c->def.logical_path;
	char *note, *lp_text;

	if (w->left_out)
		return 0; /* the first reason is enough */
	if (asprintf(&note,
		     "component %s%s%s has files outside the "
		     "shadow copy set (%s)",
		     lp ? lp : "", lp && *lp ? "/" : "", c->def.name,
		     example) < 0)
		return -ENOMEM;
	/* The logical path with '/', as on the command line. */
	lp_text = note + strlen("component ");
	for (size_t i = 0; lp && i < strlen(lp); i++)
		if (lp_text[i] == '\\')
			lp_text[i] = '/';
	w->left_out = note;
	return 0;
}

/* Where the files of root r and its set lie, relative to the job. */
struct placement {
	size_t on_set;	     /* on a volume of the set (or under the paths) */
	size_t outside;	     /* elsewhere */
	const char *example; /* a file set path outside, borrowed */
};

static struct placement
place_set(const struct job *j, const vss_wmd *wmd,
	  const struct vss_wm_component *r)
{
	struct placement p = {0};
	size_t n = vss_wmd_component_count(wmd);

	for (size_t i = 0; i < n; i++) {
		const struct vss_wm_component *c = vss_wmd_component(wmd, i);

		if (!in_set_of(c, r))
			continue;
		for (size_t f = 0; f < job_file_count(c); f++) {
			const char *src = job_file_source(c, f);

			if (job_file_on_set(j, c, f)) {
				p.on_set++;
			} else {
				p.outside++;
				p.example = src;
			}
		}
	}
	return p;
}

/*
 * Paths without --writer/--component: the roots (SEL-002 a, b) whose
 * files lie on the volumes of the set (create, exec) or under the paths
 * (backup); a writer whose mandatory components have files elsewhere
 * takes no part, a selectable root with files elsewhere is left out (as
 * vshadow does).
 */
static int
select_by_place(struct job *j, struct jwriter *w, struct refs *refs)
{
	const vss_wmd *wmd = w->pub.wmd;
	size_t n = vss_wmd_component_count(wmd);
	bool wanted = false;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct vss_wm_component *c = vss_wmd_component(wmd, i);
		bool mandatory = !c->def.selectable;
		struct placement p;

		if (!is_root(wmd, c))
			continue;
		p = place_set(j, wmd, c);
		if (p.outside && !j->opts.paths_select) {
			if ((rc = note_left_out(w, c, p.example)) < 0)
				return rc;
			if (mandatory) {
				refs->n = 0;
				return 0;
			}
			continue;
		}
		if (p.on_set || mandatory)
			if ((rc = refs_add_component(refs, c)) < 0)
				return rc;
		wanted |= p.on_set > 0;
	}
	/* Mandatory components alone do not make a writer take part. */
	if (!wanted)
		refs->n = 0;
	return 0;
}

/* --writer W, and select_all: every root of the writer (SEL-002). */
static int
select_roots(struct jwriter *w, struct refs *refs)
{
	const vss_wmd *wmd = w->pub.wmd;
	size_t n = vss_wmd_component_count(wmd);
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct vss_wm_component *c = vss_wmd_component(wmd, i);

		if (is_root(wmd, c) && (rc = refs_add_component(refs, c)) < 0)
			return rc;
	}
	return 0;
}

/* Check that every --writer and --component names something. */
static int
check_named(struct job *j)
{
	const struct cli_command *cmd = j->opts.cmd;
	char detail[512];

	for (size_t i = 0; i < j->opts.n_writers; i++) {
		bool found = false;

		for (size_t k = 0; k < j->n_writers && !found; k++)
			found = !j->writers[k].pub.excluded &&
				writer_match(j->writers[k].pub.wmd,
					     j->opts.writers[i]) != MATCH_NONE;
		if (!found) {
			snprintf(detail, sizeof(detail), "--writer %s",
				 j->opts.writers[i]);
			return cli_status_error(
			    cmd, detail, VSS_E_OBJECT_NOT_FOUND,
			    "no writer (that is not excluded) has that name, "
			    "class id or instance id");
		}
	}
	for (size_t i = 0; i < j->opts.n_components; i++) {
		const char *spec = j->opts.components[i];
		bool found = false;

		for (size_t k = 0; k < j->n_writers && !found; k++) {
			const vss_wmd *wmd = j->writers[k].pub.wmd;
			size_t n = vss_wmd_component_count(wmd);
			int named;

			if (j->writers[k].pub.excluded)
				continue;
			named = spec_names_writer(spec, wmd);
			if (named < 0)
				return cli_status_error(cmd, NULL, named, NULL);
			for (size_t c = 0; c < n && named && !found; c++)
				found = spec_names_component(
				    spec, vss_wmd_component(wmd, c));
		}
		if (!found) {
			snprintf(detail, sizeof(detail), "--component %s",
				 spec);
			return cli_status_error(cmd, detail,
						VSS_E_OBJECT_NOT_FOUND,
						"no such component of a writer "
						"that is not excluded");
		}
	}
	return CLI_EXIT_OK;
}

/*
 * --writer and --component choices for writer w.  A --component below a
 * selectable root that --writer includes already comes with its set: it
 * is not added again, which SEL-004 forbids (SEL-002 c, d), and a note
 * says so.  Naming both a component and its selectable ancestor with
 * --component stays an error.
 */
static int
select_named(struct job *j, struct jwriter *w, struct refs *refs)
{
	const vss_wmd *wmd = w->pub.wmd;
	size_t n = vss_wmd_component_count(wmd);
	bool whole = false;
	int rc;

	for (size_t i = 0; i < j->opts.n_writers; i++)
		if (writer_match(wmd, j->opts.writers[i]) != MATCH_NONE)
			whole = true;
	if (whole && (rc = select_roots(w, refs)) < 0)
		return rc;
	for (size_t i = 0; i < j->opts.n_components; i++) {
		const char *spec = j->opts.components[i];
		int named = spec_names_writer(spec, wmd);

		if (named < 0)
			return named;
		for (size_t c = 0; c < n && named; c++) {
			const struct vss_wm_component *comp =
			    vss_wmd_component(wmd, c);

			if (!spec_names_component(spec, comp))
				continue;
			if (whole && !is_root(wmd, comp)) {
				fprintf(stderr,
					"vss: %s: %s: note: --component '%s' "
					"is included with its selectable "
					"ancestor (--writer)\n",
					j->opts.cmd->name, jwriter_name(w),
					spec);
				continue;
			}
			if ((rc = refs_add_component(refs, comp)) < 0)
				return rc;
		}
	}
	return 0;
}

/*
 * Check writer w's choice with its mandatory components (SEL-002..SEL-004,
 * SEL-007), add its explicit components to the BCD (BK-014), and put the
 * volumes of its included components' files in the set.
 */
static int
commit_selection(struct job *j, struct jwriter *w, struct refs *refs)
{
	const struct cli_command *cmd = j->opts.cmd;
	const struct vss_writer_identity *id = vss_wmd_identity(w->pub.wmd);
	struct vss_error err = {0};
	size_t n, k;
	int m, rc;

	/* The writer's mandatory components, listed above the chosen ones, */
	m = vss_wmd_mandatory_components(w->pub.wmd, refs->v + refs->n,
					 refs->cap - refs->n);
	if (m < 0)
		return cli_status_error(cmd, jwriter_name(w), m, NULL);
	/* join them, each once (SEL-003). */
	n = refs->n;
	for (int i = 0; i < m; i++)
		if ((rc = refs_add(refs, refs->v[n + (size_t)i])) < 0)
			return cli_status_error(cmd, NULL, rc, NULL);
	rc = vss_selection_new(&w->selection, w->pub.wmd, refs->v, refs->n,
			       &err);
	if (rc < 0)
		return cli_status_error(cmd, jwriter_name(w), rc, err.message);
	w->pub.selection = w->selection;
	n = vss_selection_explicit_count(w->selection);
	w->copy_failed = calloc(n + 1, sizeof(*w->copy_failed));
	if (!w->copy_failed)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	for (k = 0; k < n; k++) {
		const struct vss_wm_component *c =
		    vss_selection_explicit(w->selection, k);

		rc = vss_requester_add_component(
		    j->r, &id->instance_id, &id->class_id, c->def.type,
		    c->def.logical_path, c->def.name);
		if (rc < 0)
			return cli_status_error(cmd, jwriter_name(w), rc, NULL);
	}
	return job_add_volumes_of(j, w);
}

int
job_select(struct job *j)
{
	const struct cli_command *cmd = j->opts.cmd;
	bool named = j->opts.n_writers || j->opts.n_components;
	struct refs refs = {0};
	int rc;

	if (j->step != JOB_GATHERED)
		return cli_status_error(cmd, NULL, VSS_E_BAD_STATE, NULL);
	rc = job_place_paths(j);
	if (rc == CLI_EXIT_OK && named)
		rc = check_named(j);
	/* Only writers' file sets can hold an exposure. */
	if (rc == CLI_EXIT_OK && j->n_writers)
		rc = job_find_exposures(j);
	for (size_t i = 0; i < j->n_writers && rc == CLI_EXIT_OK; i++) {
		struct jwriter *w = &j->writers[i];
		size_t n = vss_wmd_component_count(w->pub.wmd);

		if (w->pub.excluded)
			continue;
		/*
		 * Room for every component (cap n: each is chosen once at
		 * most), and above them for the mandatory ones again
		 * (commit_selection()).
		 */
		free(refs.v);
		refs = (struct refs){.v = calloc(2 * n + 1, sizeof(*refs.v)),
				     .cap = n};
		if (!refs.v) {
			rc = cli_status_error(cmd, NULL, -ENOMEM, NULL);
			break;
		}
		if (named)
			rc = select_named(j, w, &refs);
		else if (j->opts.n_paths)
			rc = select_by_place(j, w, &refs);
		else if (j->opts.select_all)
			rc = select_roots(w, &refs);
		if (rc < 0) {
			rc = cli_status_error(cmd, NULL, rc, NULL);
			break;
		}
		refs.cap = 2 * n;
		if (refs.n)
			rc = commit_selection(j, w, &refs);
	}
	free(refs.v);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (j->n_volumes == 0)
		return cli_status_error(cmd, NULL, VSS_E_OBJECT_NOT_FOUND,
					"nothing to shadow-copy: no volume "
					"holds the chosen paths or components");
	j->step = JOB_SELECTED;
	return CLI_EXIT_OK;
}
