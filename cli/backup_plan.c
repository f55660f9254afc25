/*
 * cli/backup_plan.c - what a backup set holds (backup.h): its volumes,
 * the writers' documents and components, and the list of objects to
 * copy from the shadow copies (spec backup.md section 14).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vss/metadata.h>

#include "backup.h"
#include "connect.h"

/* n elements of size, at least one so that no count is a NULL. */
static void *
alloc_array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

bool
backup_takes_part(const struct job_writer *w)
{
	return w->selection && !w->excluded &&
	       vss_selection_explicit_count(w->selection) > 0;
}

/* The result that the components of defining's set count towards. */
static size_t
result_for(const struct backup *b, size_t writer,
	   const struct vss_wm_component *defining)
{
	size_t e;

	for (e = 0; e < b->n_results; e++)
		if (b->results[e].writer == writer &&
		    b->results[e].component == defining)
			break;
	return e;
}

static int
add_volumes(struct backup *b)
{
	const struct job_volume *v;
	struct bset_volume bv;
	size_t i, n = job_volume_count(b->job);
	int r;

	b->set_volume = alloc_array(n, sizeof(*b->set_volume));
	if (!b->set_volume)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v = job_volume(b->job, i);
		bv = (struct bset_volume){
			.mount_point = v->mount_point,
			.fstype = v->fstype,
			.shadow_root = v->device,
			.snapshot_id = v->snapshot_id,
			.provider_id = v->provider_id,
			.application_consistent = v->application_consistent,
		};
		r = bset_add_volume(b->set, &bv, &b->set_volume[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Writer i's document, its explicit components as results and every
 * included component in the set; *seq counts the included components of
 * all writers.
 */
static int
add_writer(struct backup *b, size_t i, size_t *seq)
{
	const struct job_writer *w = job_writer(b->job, i);
	const struct vss_writer_identity *id = vss_wmd_identity(w->wmd);
	const struct vss_wm_component *c, *defining;
	struct bset_component bc;
	size_t k, idx;
	int r;

	r = bset_save_wmd(b->set, w->wmd);
	if (r < 0)
		return r;
	for (k = 0; k < vss_selection_explicit_count(w->selection); k++)
		b->results[b->n_results++] = (struct backup_result){
			.writer = i,
			.component = vss_selection_explicit(w->selection, k),
		};
	for (k = 0; k < vss_selection_included_count(w->selection);
	     k++, (*seq)++) {
		c = vss_selection_included(w->selection, k, &defining);
		bc = (struct bset_component){
			.class_id = id->class_id,
			.instance_id = id->instance_id,
			.writer_name = id->friendly_name,
			.logical_path = c->def.logical_path,
			.name = c->def.name,
			.type = c->def.type,
			.explicit_ = c == defining,
		};
		r = bset_add_component(b->set, &bc, &idx);
		if (r < 0)
			return r;
		b->set_component[*seq] = idx;
		b->result_of[*seq] = result_for(b, i, defining);
		if (b->result_of[*seq] == b->n_results)
			return -EPROTO; /* not a component of the set */
		if (c == defining)
			b->results[b->result_of[*seq]].set_index = idx;
	}
	return 0;
}

int
backup_describe_set(struct backup *b)
{
	const struct job_writer *w;
	size_t i, n = 0, n_explicit = 0, seq = 0;
	int r;

	r = add_volumes(b);
	if (r < 0)
		return r;
	for (i = 0; i < job_writer_count(b->job); i++) {
		w = job_writer(b->job, i);
		if (!backup_takes_part(w))
			continue;
		n += vss_selection_included_count(w->selection);
		n_explicit += vss_selection_explicit_count(w->selection);
	}
	b->results = alloc_array(n_explicit, sizeof(*b->results));
	b->set_component = alloc_array(n, sizeof(*b->set_component));
	b->result_of = alloc_array(n, sizeof(*b->result_of));
	if (!b->results || !b->set_component || !b->result_of)
		return -ENOMEM;
	for (i = 0; i < job_writer_count(b->job); i++) {
		if (!backup_takes_part(job_writer(b->job, i)))
			continue;
		r = add_writer(b, i, &seq);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Is a writer called name (a FilesNotToBackup key) taking part? */
static bool
writer_present(const struct backup *b, const char *name)
{
	const struct job_writer *w;
	size_t k;

	for (k = 0; k < job_writer_count(b->job); k++) {
		w = job_writer(b->job, k);
		if (backup_takes_part(w) &&
		    !strcasecmp(vss_wmd_identity(w->wmd)->friendly_name, name))
			return true;
	}
	return false;
}

/* Writers' excluded files and FilesNotToBackup (BK-140, BK-142). */
static int
add_exclusions(struct backup *b)
{
	const struct vss_file_desc *fd;
	const struct job_writer *w;
	size_t i, k;
	int r;

	for (i = 0; i < job_writer_count(b->job); i++) {
		w = job_writer(b->job, i);
		for (k = 0; k < vss_wmd_exclude_files_count(w->wmd); k++) {
			fd = vss_wmd_exclude_files(w->wmd, k);
			/* A relative path names nothing on this system. */
			if (fd->path[0] != '/')
				continue;
			r = fileset_exclude(b->files, fd->path, fd->filespec,
					    fd->recursive);
			if (r < 0)
				return r;
		}
	}
	for (i = 0; i < b->n_rules; i++) {
		/* Entries named after a writer taking part are ignored. */
		if (writer_present(b, b->rules[i].owner))
			continue;
		r = fileset_exclude_rule(b->files, &b->rules[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The file sets of one included component whose masks ask for the
 * chosen backup type (BK-092); those with an alternate path are read
 * from it and recorded at their normal path (BK-140, MD-023).  Returns
 * what stops the listing.
 */
static int
list_file_sets(struct backup *b, size_t seq, const struct vss_file_desc *fds,
	       size_t n)
{
	char err[2 * PATH_MAX + 128];
	size_t i;
	uint32_t mask;
	int r;

	for (i = 0; i < n; i++) {
		mask = fds[i].backup_type_mask ? fds[i].backup_type_mask :
						 VSS_FSBT_DEFAULT;
		/* Full and copy backups both need what a full one needs. */
		if (!(mask & VSS_FSBT_FULL_BACKUP_REQUIRED))
			continue;
		r = fileset_add_file_set(b->files, &fds[i], seq, err,
					 sizeof(err));
		if (r == -EINTR || r == -ENOMEM)
			return r;
		if (r < 0)
			backup_fail(b, b->result_of[seq], "%s", err);
	}
	return 0;
}

/* Every included component of writer i; *seq as for add_writer(). */
static int
list_writer(struct backup *b, size_t i, size_t *seq)
{
	const struct job_writer *w = job_writer(b->job, i);
	const struct vss_wm_component *c;
	size_t k;
	int r = 0;

	for (k = 0; r == 0 && k < vss_selection_included_count(w->selection);
	     k++, (*seq)++) {
		c = vss_selection_included(w->selection, k, NULL);
		r = list_file_sets(b, *seq, c->files, c->file_count);
		if (r == 0)
			r = list_file_sets(b, *seq, c->database_files,
					   c->database_file_count);
		if (r == 0)
			r = list_file_sets(b, *seq, c->log_files,
					   c->log_file_count);
	}
	return r;
}

/*
 * BK-143: the walks follow the mount points of the volumes of the set
 * only; they report those of every other mount they meet.
 */
static int
add_other_mounts(struct backup *b)
{
	size_t i;
	int r;

	for (i = 0; i < job_mount_count(b->job); i++) {
		r = fileset_add_other_mount(b->files,
					    job_mount_point(b->job, i));
		if (r < 0)
			return r;
	}
	return 0;
}

int
backup_list_objects(struct backup *b)
{
	struct fileset_volume *fv;
	char err[PATH_MAX + 128];
	size_t i, n, seq = 0;
	int r;

	n = job_volume_count(b->job);
	fv = alloc_array(n, sizeof(*fv));
	if (!fv)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		fv[i].mount_point = job_volume(b->job, i)->mount_point;
		fv[i].shadow_root = job_volume(b->job, i)->device;
	}
	r = fileset_new(&b->files, fv, n, cli_interrupted);
	free(fv);
	if (r < 0)
		return r;
	r = add_other_mounts(b);
	if (r == 0)
		r = add_exclusions(b);
	if (r < 0)
		return r;
	for (i = 0; i < job_writer_count(b->job); i++) {
		if (!backup_takes_part(job_writer(b->job, i)))
			continue;
		r = list_writer(b, i, &seq);
		if (r < 0)
			return r;
	}
	for (i = 0; i < b->opts->n_paths; i++) {
		r = fileset_add_path(b->files, b->opts->paths[i],
				     FILESET_NO_COMPONENT, err, sizeof(err));
		if (r == -EINTR || r == -ENOMEM)
			return r;
		if (r < 0)
			backup_fail(b, BACKUP_NO_RESULT, "%s", err);
	}
	fileset_finish(b->files, &b->listed, &b->listed_bytes);
	return 0;
}
