/*
 * cli/restore_plan.c - what "vss restore" reads and what it chooses
 * (restore.h): the set, checked in full first (bset_verify), its saved
 * BCD and writer metadata documents (RS-003: component and file
 * information comes from them, never from the live writers), and the
 * units the command line selects (restore.md section 2).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/status.h>

#include "connect.h"
#include "progress.h"
#include "restore.h"
#include "restore_write.h"

/* ---- loading ---------------------------------------------------------- */

static void
print_problem(const struct bset_entry *e, const char *problem, void *u)
{
	struct restore *rs = u;

	if (e)
		fprintf(stderr, "vss: %s: %s: volume %zu: %s: %s\n",
			rs->cmd->name, rs->opts->set, e->volume,
			*e->path ? e->path : ".", problem);
	else
		fprintf(stderr, "vss: %s: %s: %s\n", rs->cmd->name,
			rs->opts->set, problem);
}

/* The writer entry of (class, instance), added when new; NULL: ENOMEM. */
static struct restore_writer *
writer_of(struct restore *rs, const struct bset_component *c)
{
	struct restore_writer *w;

	for (size_t i = 0; i < rs->n_writers; i++) {
		w = &rs->writers[i];
		if (vss_id_equal(&w->class_id, &c->class_id) &&
		    vss_id_equal(&w->saved_instance_id, &c->instance_id))
			return w;
	}
	w = realloc(rs->writers, (rs->n_writers + 1) * sizeof(*w));
	if (!w)
		return NULL;
	rs->writers = w;
	w = &rs->writers[rs->n_writers++];
	*w = (struct restore_writer){
		.class_id = c->class_id,
		.saved_instance_id = c->instance_id,
		.name = c->writer_name,
	};
	return w;
}

/*
 * Read the document at relpath below the set ("bcd.xml",
 * "writers/<id>.xml"): every element opened without following a
 * symbolic link (bset_verify() checked the files there, not what a link
 * may point at), the last a regular file.  0 or -errno (-ELOOP: a
 * symbolic link).
 */
static int
read_document(const struct restore *rs, const char *relpath, char **ret,
	      size_t *ret_len)
{
	char *rel = strdup(relpath), *el, *slash;
	int dir = open(rs->opts->set, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = -1, r = 0;
	struct stat st;

	if (!rel || dir < 0) {
		r = rel ? -errno : -ENOMEM;
		goto out;
	}
	for (el = rel; (slash = strchr(el, '/')); el = slash + 1) {
		*slash = '\0';
		fd = openat(dir, el,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dir);
		dir = fd;
		if (dir < 0) {
			r = -errno;
			goto out;
		}
	}
	/* O_NONBLOCK: a FIFO there must not hang the open. */
	fd = openat(dir, el, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = cli_read_fd(fd, ret, ret_len);
out:
	if (fd >= 0)
		close(fd);
	if (dir >= 0)
		close(dir);
	free(rel);
	return r;
}

/* Why read_document() failed, for the message. */
static const char *
document_problem(int r, const char *otherwise)
{
	if (r == -ELOOP)
		return "a symbolic link in the set: refused";
	if (r == -EINVAL)
		return "not a regular file: refused";
	return otherwise;
}

/*
 * DIR/writers/<id>.xml, as bset_save_wmd() names it (the manifest has
 * no record of its documents to take the name from).
 */
static int
load_wmd(struct restore *rs, struct restore_writer *w)
{
	const vss_id *id = vss_id_is_null(&w->saved_instance_id) ?
				   &w->class_id :
				   &w->saved_instance_id;
	char text[VSS_ID_STRLEN], rel[VSS_ID_STRLEN + 16], path[PATH_MAX];
	struct vss_error err = {0};
	char *xml;
	size_t len;
	int r;

	vss_id_format(id, text);
	snprintf(rel, sizeof(rel), "writers/%s.xml", text);
	snprintf(path, sizeof(path), "%s/%s", rs->opts->set, rel);
	r = read_document(rs, rel, &xml, &len);
	if (r < 0)
		return cli_status_error(rs->cmd, path, r,
					document_problem(
						r, "the set has no metadata "
						   "document of this writer"));
	r = vss_wmd_load_xml(&w->wmd, xml, len, &err);
	free(xml);
	if (r < 0)
		return cli_status_error(rs->cmd, path, r, err.message);
	w->name = vss_wmd_identity(w->wmd)->friendly_name;
	return CLI_EXIT_OK;
}

/*
 * The sets of the writer's explicitly included components, computed
 * from its saved WMD (SEL-007), so that each implicit component of the
 * manifest is found under the component that defines its set.
 */
static int
load_selection(struct restore *rs, struct restore_writer *w)
{
	size_t n = bset_manifest_component_count(rs->m), k = 0;
	struct vss_component_ref *refs = calloc(n + 1, sizeof(*refs));
	struct vss_error err = {0};
	int r;

	if (!refs)
		return cli_status_error(rs->cmd, NULL, -ENOMEM, NULL);
	for (size_t i = 0; i < n; i++) {
		const struct bset_component *c =
			bset_manifest_component(rs->m, i, NULL, NULL);

		if (c->explicit_ && vss_id_equal(&c->class_id, &w->class_id) &&
		    vss_id_equal(&c->instance_id, &w->saved_instance_id))
			refs[k++] = (struct vss_component_ref){
				c->logical_path, c->name};
	}
	r = vss_selection_new(&w->included, w->wmd, refs, k, &err);
	free(refs);
	if (r < 0)
		return cli_status_error(rs->cmd, w->name, r, err.message);
	return CLI_EXIT_OK;
}

static int
load_documents(struct restore *rs)
{
	struct vss_error err = {0};
	char path[PATH_MAX];
	size_t i;
	int r;

	snprintf(path, sizeof(path), "%s/bcd.xml", rs->opts->set);
	r = read_document(rs, "bcd.xml", &rs->bcd_xml, &rs->bcd_len);
	if (r < 0)
		return cli_status_error(rs->cmd, path, r,
					document_problem(r, NULL));
	r = vss_bcd_load_xml(&rs->bcd, rs->bcd_xml, rs->bcd_len, &err);
	if (r < 0)
		return cli_status_error(rs->cmd, path, r,
					err.message[0] ? err.message : NULL);
	for (i = 0; i < bset_manifest_component_count(rs->m); i++)
		if (!writer_of(rs, bset_manifest_component(rs->m, i, NULL,
							   NULL)))
			return cli_status_error(rs->cmd, NULL, -ENOMEM, NULL);
	for (i = 0; i < rs->n_writers; i++) {
		r = load_wmd(rs, &rs->writers[i]);
		if (r == CLI_EXIT_OK)
			r = load_selection(rs, &rs->writers[i]);
		if (r != CLI_EXIT_OK)
			return r;
	}
	return CLI_EXIT_OK;
}

int
restore_load(struct restore *rs)
{
	char err[512] = "";
	int r;

	r = bset_verify(rs->opts->set, print_problem, rs, &rs->verified_files,
			&rs->verified_problems);
	if (r < 0)
		return cli_status_error(rs->cmd, rs->opts->set, r, NULL);
	if (rs->verified_problems) {
		fprintf(stderr,
			"vss: %s: %s: %llu problem(s) found by verifying the "
			"set: nothing restored\n",
			rs->cmd->name, rs->opts->set,
			(unsigned long long)rs->verified_problems);
		return CLI_EXIT_FAILED;
	}
	r = bset_manifest_load(&rs->m, rs->opts->set, err, sizeof(err));
	if (r < 0)
		return cli_status_error(rs->cmd, rs->opts->set, r, err);
	r = load_documents(rs);
	if (r == CLI_EXIT_OK && restore_index_entries(rs) < 0)
		r = cli_status_error(rs->cmd, NULL, -ENOMEM, NULL);
	return r;
}

/* ---- names ------------------------------------------------------------ */

char *
restore_component_text(const struct vss_wm_component *c)
{
	const char *lp = c->def.logical_path ? c->def.logical_path : "";
	char *text;

	if (asprintf(&text, "%s%s%s", lp, *lp ? "/" : "", c->def.name) < 0)
		return NULL;
	for (char *p = text; *p; p++)
		if (*p == '\\')
			*p = '/';
	return text;
}

struct restore_writer *
restore_unit_writer(const struct restore *rs, const struct runit *u)
{
	return u->writer == RESTORE_NO_WRITER ? NULL : &rs->writers[u->writer];
}

/* Does the command line's W name saved writer w? */
static bool
names_writer(const struct restore_writer *w, const char *spec)
{
	return spec_names_writer(spec, w->wmd) > 0;
}

static bool
excluded(const struct restore *rs, const struct restore_writer *w)
{
	const struct job_options *o = &rs->opts->job.opts;

	for (size_t i = 0; i < o->n_exclude_writers; i++)
		if (names_writer(w, o->exclude_writers[i]))
			return true;
	return false;
}

/* ---- units -------------------------------------------------------------- */

/* The unit of explicit component c of writer w, added when new. */
static struct runit *
unit_of(struct restore *rs, size_t w, const struct vss_wm_component *c)
{
	struct runit *u;

	for (size_t i = 0; i < rs->n_units; i++)
		if (rs->units[i].writer == w && rs->units[i].component == c)
			return &rs->units[i];
	u = realloc(rs->units, (rs->n_units + 1) * sizeof(*u));
	if (!u)
		return NULL;
	rs->units = u;
	u = &rs->units[rs->n_units++];
	*u = (struct runit){.writer = w, .component = c};
	return u;
}

/* Add restore subcomponent s to u (RS-021), once. */
static int
unit_add_sub(struct runit *u, const struct vss_wm_component *s)
{
	const struct vss_wm_component **grown;

	for (size_t i = 0; i < u->n_subs; i++)
		if (u->subs[i] == s)
			return 0;
	grown = realloc(u->subs, (u->n_subs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	u->subs = grown;
	u->subs[u->n_subs++] = s;
	return 0;
}

/*
 * --component W:LP/NAME for writer w: the component it names, explicit
 * (selected whole) or implicit and selectable for restore (a restore
 * subcomponent of the component that defines its set, RS-021).  1 when
 * it named a component of w, 0 when not, -1 after a usage error was
 * printed, -ENOMEM.  whole[unit]: the unit's whole set was named.
 */
static int
select_component(struct restore *rs, size_t wi, const char *spec,
		 bool *whole)
{
	struct restore_writer *w = &rs->writers[wi];
	size_t n = vss_wmd_component_count(w->wmd);
	int found = 0;

	if (!names_writer(w, spec))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct vss_wm_component *c =
			vss_wmd_component(w->wmd, i);
		const struct vss_wm_component *d;
		struct runit *u;

		if (!spec_names_component(spec, c))
			continue;
		d = vss_selection_defining(w->included, c);
		if (!d) {
			cli_usage_error(rs->cmd,
					"--component %s: not in the backup set",
					spec);
			return -1;
		}
		if (d != c && !c->def.selectable_for_restore) {
			cli_usage_error(rs->cmd,
					"--component %s: restored only with "
					"its set: it is not selectable for "
					"restore (RS-023)",
					spec);
			return -1;
		}
		u = unit_of(rs, wi, d);
		if (!u)
			return -ENOMEM;
		if (d == c)
			whole[u - rs->units] = true;
		else if (unit_add_sub(u, c) < 0)
			return -ENOMEM;
		found = 1;
	}
	return found;
}

/* Every explicit component of writer wi (no selection, or --writer). */
static int
select_writer(struct restore *rs, size_t wi)
{
	struct restore_writer *w = &rs->writers[wi];

	for (size_t k = 0; k < vss_selection_explicit_count(w->included); k++)
		if (!unit_of(rs, wi, vss_selection_explicit(w->included, k)))
			return -ENOMEM;
	return 0;
}

/* Check that every --writer and --exclude-writer names a saved writer. */
static int
check_writer_names(struct restore *rs, char **names, size_t n,
		   const char *option)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t k = 0; k < rs->n_writers && !found; k++)
			found = names_writer(&rs->writers[k], names[i]);
		if (!found)
			return cli_usage_error(rs->cmd,
					       "%s %s: no writer of the backup "
					       "set has that name, class id or "
					       "instance id",
					       option, names[i]);
	}
	return CLI_EXIT_OK;
}

static int
select_named(struct restore *rs)
{
	const struct job_options *o = &rs->opts->job.opts;
	/* Units chosen whole by --component: at most one per component. */
	size_t room = 0;
	bool *whole;
	int r = CLI_EXIT_OK;

	for (size_t i = 0; i < rs->n_writers; i++)
		room += vss_wmd_component_count(rs->writers[i].wmd);
	whole = calloc(room + 1, sizeof(*whole));
	if (!whole)
		return cli_status_error(rs->cmd, NULL, -ENOMEM, NULL);
	for (size_t wi = 0; wi < rs->n_writers && r == CLI_EXIT_OK; wi++) {
		struct restore_writer *w = &rs->writers[wi];

		if (excluded(rs, w))
			continue;
		for (size_t i = 0; i < o->n_writers && r == CLI_EXIT_OK; i++)
			if (names_writer(w, o->writers[i]) &&
			    select_writer(rs, wi) < 0)
				r = cli_status_error(rs->cmd, NULL, -ENOMEM,
						     NULL);
	}
	/* --writer made these whole. */
	for (size_t i = 0; i < rs->n_units; i++)
		whole[i] = true;
	for (size_t i = 0; i < o->n_components && r == CLI_EXIT_OK; i++) {
		int found = 0, f;

		for (size_t wi = 0; wi < rs->n_writers; wi++) {
			if (excluded(rs, &rs->writers[wi]))
				continue;
			f = select_component(rs, wi, o->components[i], whole);
			if (f < 0) {
				r = f == -1 ? CLI_EXIT_USAGE :
					      cli_status_error(rs->cmd, NULL,
							       f, NULL);
				break;
			}
			found |= f;
		}
		if (r == CLI_EXIT_OK && !found)
			r = cli_usage_error(rs->cmd,
					    "--component %s: no such component "
					    "of a writer of the backup set "
					    "(that is not excluded)",
					    o->components[i]);
	}
	/* A set chosen whole restores every subcomponent (RS-025). */
	for (size_t i = 0; i < rs->n_units && r == CLI_EXIT_OK; i++)
		if (whole[i] && rs->units[i].n_subs) {
			fprintf(stderr,
				"vss: %s: note: subcomponents named with "
				"--component come with their whole set\n",
				rs->cmd->name);
			free(rs->units[i].subs);
			rs->units[i].subs = NULL;
			rs->units[i].n_subs = 0;
		}
	free(whole);
	return r;
}

/* ---- the objects of each unit ------------------------------------------ */

static int
unit_add_item(struct runit *u, size_t entry, const struct bset_entry *e)
{
	struct ritem *grown;

	if (u->n_items && u->items[u->n_items - 1].entry == entry)
		return 0;
	grown = realloc(u->items, (u->n_items + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	u->items = grown;
	u->items[u->n_items++] = (struct ritem){.entry = entry, .file_set = -1};
	if (u->n_items == 1)
		u->volume = e->volume;
	if (S_ISREG(e->mode)) {
		u->files++;
		u->bytes += e->size;
	}
	return 0;
}

/* Is component c, in the set of u's component, one the unit restores? */
static bool
unit_restores(const struct restore *rs, const struct runit *u,
	      const struct vss_wm_component *c)
{
	const struct restore_writer *w = &rs->writers[u->writer];

	if (vss_selection_defining(w->included, c) != u->component)
		return false;
	if (!u->n_subs)
		return true;
	/* A restore subcomponent brings its descendants (RS-024). */
	for (size_t i = 0; i < u->n_subs; i++) {
		char *sub = restore_component_text(u->subs[i]);
		char *own = restore_component_text(c);
		size_t n = sub ? strlen(sub) : 0;
		bool in = sub && own && strncmp(own, sub, n) == 0 &&
			  (own[n] == '\0' || own[n] == '/');

		free(sub);
		free(own);
		if (in)
			return true;
	}
	return false;
}

/* The saved WMD's component that manifest component k records, or NULL. */
static const struct vss_wm_component *
recorded_component(const struct restore *rs, size_t k, size_t *ret_writer)
{
	const struct bset_component *c =
		bset_manifest_component(rs->m, k, NULL, NULL);

	for (size_t i = 0; i < rs->n_writers; i++) {
		const struct restore_writer *w = &rs->writers[i];

		if (vss_id_equal(&w->class_id, &c->class_id) &&
		    vss_id_equal(&w->saved_instance_id, &c->instance_id)) {
			*ret_writer = i;
			return vss_wmd_find_component(w->wmd, c->logical_path,
						      c->name);
		}
	}
	return NULL;
}

static int
assign_entry(struct restore *rs, size_t i, bool plain)
{
	const struct bset_entry *e = bset_manifest_entry(rs->m, i);
	int r;

	if (e->component_count == 0) {
		/* The volume's root is its mount point: never written. */
		if (!plain || !*e->path)
			return 0;
		for (size_t k = 0; k < rs->n_units; k++)
			if (rs->units[k].writer == RESTORE_NO_WRITER &&
			    rs->units[k].volume == e->volume)
				return unit_add_item(&rs->units[k], i, e);
		return 0;
	}
	for (size_t k = 0; k < e->component_count; k++) {
		size_t w = RESTORE_NO_WRITER;
		const struct vss_wm_component *c =
			recorded_component(rs, e->components[k], &w);

		if (!c)
			continue;
		for (size_t u = 0; u < rs->n_units; u++)
			if (rs->units[u].writer == w &&
			    unit_restores(rs, &rs->units[u], c) &&
			    (r = unit_add_item(&rs->units[u], i, e)) < 0)
				return r;
	}
	return 0;
}

/* A unit of the plain paths of each volume (no selection only). */
static int
add_plain_units(struct restore *rs)
{
	size_t n = bset_manifest_volume_count(rs->m);
	struct runit *grown;

	grown = realloc(rs->units, (rs->n_units + n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	rs->units = grown;
	for (size_t v = 0; v < n; v++)
		rs->units[rs->n_units++] = (struct runit){
			.writer = RESTORE_NO_WRITER, .volume = v};
	return 0;
}

/* The file sets of the unit's components, with their mappings (RS-072). */
static int
unit_file_sets(struct restore *rs, struct runit *u)
{
	const struct restore_writer *w = &rs->writers[u->writer];
	size_t n = vss_selection_included_count(w->included);

	for (size_t i = 0; i < n; i++) {
		const struct vss_wm_component *c =
			vss_selection_included(w->included, i, NULL);
		const struct vss_file_desc *lists[] = {
			c->files, c->database_files, c->log_files};
		const size_t counts[] = {c->file_count, c->database_file_count,
					 c->log_file_count};

		if (!unit_restores(rs, u, c))
			continue;
		for (size_t l = 0; l < 3; l++)
			for (size_t f = 0; f < counts[l]; f++) {
				struct rfileset *grown = realloc(
					u->file_sets,
					(u->n_file_sets + 1) * sizeof(*grown));

				if (!grown)
					return -ENOMEM;
				u->file_sets = grown;
				u->file_sets[u->n_file_sets++] =
					(struct rfileset){.component = c,
							  .fd = &lists[l][f]};
			}
	}
	return 0;
}

/* Drop units that hold nothing (a plain unit of a volume of writers only). */
static void
drop_empty_units(struct restore *rs)
{
	size_t k = 0;

	for (size_t i = 0; i < rs->n_units; i++) {
		if (rs->units[i].n_items == 0 &&
		    rs->units[i].writer == RESTORE_NO_WRITER) {
			free(rs->units[i].subs);
			continue;
		}
		rs->units[k++] = rs->units[i];
	}
	rs->n_units = k;
}

int
restore_select(struct restore *rs)
{
	const struct job_options *o = &rs->opts->job.opts;
	bool named = o->n_writers || o->n_components;
	int r;

	r = check_writer_names(rs, o->writers, o->n_writers, "--writer");
	if (r == CLI_EXIT_OK)
		r = check_writer_names(rs, o->exclude_writers,
				       o->n_exclude_writers,
				       "--exclude-writer");
	if (r == CLI_EXIT_OK && named)
		r = select_named(rs);
	if (r != CLI_EXIT_OK)
		return r;
	for (size_t wi = 0; !named && wi < rs->n_writers; wi++)
		if (!excluded(rs, &rs->writers[wi]) &&
		    select_writer(rs, wi) < 0)
			return cli_status_error(rs->cmd, NULL, -ENOMEM, NULL);
	if (!named && add_plain_units(rs) < 0)
		return cli_status_error(rs->cmd, NULL, -ENOMEM, NULL);
	for (size_t i = 0; i < bset_manifest_entry_count(rs->m); i++)
		if (assign_entry(rs, i, !named) < 0)
			return cli_status_error(rs->cmd, NULL, -ENOMEM, NULL);
	drop_empty_units(rs);
	for (size_t i = 0; i < rs->n_units; i++) {
		struct runit *u = &rs->units[i];

		if (u->writer == RESTORE_NO_WRITER)
			continue;
		rs->writers[u->writer].wanted = true;
		if (unit_file_sets(rs, u) < 0 ||
		    restore_assign_file_sets(rs, u) < 0)
			return cli_status_error(rs->cmd, NULL, -ENOMEM, NULL);
	}
	if (rs->n_units == 0)
		return cli_status_error(rs->cmd, rs->opts->set,
					VSS_E_OBJECT_NOT_FOUND,
					"nothing to restore: the selection "
					"holds no object of the set");
	return CLI_EXIT_OK;
}

/* ---- the end ------------------------------------------------------------ */

void
restore_free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
restore_release(struct restore *rs)
{
	restore_dirs_again(rs);
	for (size_t i = 0; i < rs->n_units; i++) {
		struct runit *u = &rs->units[i];

		free(u->subs);
		free(u->file_sets);
		free(u->items);
		free(u->message);
		free(u->journal);
		restore_free_strings(u->restored, u->n_restored);
		restore_free_strings(u->destinations, u->n_destinations);
	}
	free(rs->units);
	for (size_t i = 0; i < rs->n_writers; i++) {
		vss_selection_free(rs->writers[i].included);
		vss_wmd_free(rs->writers[i].wmd);
		free(rs->writers[i].pre_restore_message);
		free(rs->writers[i].post_restore_message);
	}
	free(rs->writers);
	for (size_t i = 0; i < rs->n_roots; i++) {
		rtarget_free(rs->roots[i].t);
		free(rs->roots[i].path);
		restore_free_strings(rs->roots[i].made, rs->roots[i].n_made);
	}
	free(rs->roots);
	for (size_t i = 0; i < rs->n_services; i++) {
		free(rs->services[i].name);
		free(rs->services[i].message);
	}
	free(rs->services);
	free(rs->by_path);
	vss_bcd_free(rs->bcd);
	free(rs->bcd_xml);
	bset_manifest_free(rs->m);
	vss_requester_free(rs->r);
	progress_free(rs->progress);
}
