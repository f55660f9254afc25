/*
 * cli/job_volumes.c - the volumes of the job (job.h): the command line's
 * paths made canonical and the volumes holding them, the volumes holding
 * the chosen components' files, and which volume of the set holds a path,
 * all by the mount table (lib/util/mountinfo.h) read when the job began.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "job_internal.h"

size_t
job_file_count(const struct vss_wm_component *c)
{
	return c->file_count + c->database_file_count + c->log_file_count;
}

const char *
job_file_source(const struct vss_wm_component *c, size_t i)
{
	const struct vss_file_desc *f;

	if (i < c->file_count)
		f = &c->files[i];
	else if ((i -= c->file_count) < c->database_file_count)
		f = &c->database_files[i];
	else
		f = &c->log_files[i - c->database_file_count];
	return f->alternate_path ? f->alternate_path : f->path;
}

/*
 * The mount holding path: canonical when it exists, else as written (a
 * directory a writer has not made yet).  NULL when path is relative.
 */
static const struct mount_entry *
mount_of(const struct job *j, const char *path)
{
	const struct mount_entry *m;
	char *real = realpath(path, NULL);

	m = mountinfo_holding(j->mounts, j->n_mounts, real ? real : path);
	free(real);
	return m;
}

static struct jvolume *
find_volume(const struct job *j, const char *mount_point)
{
	for (size_t i = 0; i < j->n_volumes; i++)
		if (strcmp(j->volumes[i].mount_point, mount_point) == 0)
			return &j->volumes[i];
	return NULL;
}

static int
add_volume(struct job *j, const struct mount_entry *m)
{
	struct jvolume *grown, *v;

	if (find_volume(j, m->mount_point))
		return 0;
	grown = realloc(j->volumes, (j->n_volumes + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	j->volumes = grown;
	v = &j->volumes[j->n_volumes];
	*v = (struct jvolume){0};
	v->mount_point = strdup(m->mount_point);
	v->fstype = strdup(m->fstype);
	if (!v->mount_point || !v->fstype) {
		free(v->mount_point);
		free(v->fstype);
		return -ENOMEM;
	}
	j->n_volumes++;
	return 0;
}

int
job_place_paths(struct job *j)
{
	const struct cli_command *cmd = j->opts.cmd;
	const struct mount_entry *m;

	j->paths = calloc(j->opts.n_paths + 1, sizeof(*j->paths));
	if (!j->paths)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	for (size_t i = 0; i < j->opts.n_paths; i++) {
		j->paths[i] = realpath(j->opts.paths[i], NULL);
		if (!j->paths[i])
			return cli_status_error(cmd, j->opts.paths[i], -errno,
						NULL);
		m = mountinfo_holding(j->mounts, j->n_mounts, j->paths[i]);
		if (!m)
			return cli_status_error(
			    cmd, j->paths[i], VSS_E_OBJECT_NOT_FOUND,
			    "no mounted file system holds it");
		if (add_volume(j, m) < 0)
			return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	}
	return CLI_EXIT_OK;
}

/* Is the canonical directory dir equal to or below one of the paths? */
static bool
under_paths(const struct job *j, const char *dir)
{
	char *real = realpath(dir, NULL);
	const char *d = real ? real : dir;
	bool found = false;

	for (size_t i = 0; i < j->opts.n_paths && !found; i++) {
		size_t n = strlen(j->paths[i]);

		found = strncmp(d, j->paths[i], n) == 0 &&
			(d[n] == '\0' || d[n] == '/' ||
			 strcmp(j->paths[i], "/") == 0);
	}
	free(real);
	return found;
}

bool
job_on_set(const struct job *j, const char *dir)
{
	const struct mount_entry *m;

	if (j->opts.paths_select)
		return under_paths(j, dir);
	m = mount_of(j, dir);
	return m && find_volume(j, m->mount_point);
}

int
job_add_volumes_of(struct job *j, const struct jwriter *w)
{
	const struct cli_command *cmd = j->opts.cmd;
	size_t n = vss_selection_included_count(w->selection);
	char detail[PATH_MAX + 64];

	for (size_t k = 0; k < n; k++) {
		const struct vss_wm_component *c =
		    vss_selection_included(w->selection, k, NULL);

		for (size_t f = 0; f < job_file_count(c); f++) {
			const char *src = job_file_source(c, f);
			const struct mount_entry *m = mount_of(j, src);

			if (!m) {
				snprintf(detail, sizeof(detail),
					 "file set '%s' is not an absolute "
					 "path",
					 src);
				return cli_status_error(cmd, jwriter_name(w),
							-EINVAL, detail);
			}
			if (add_volume(j, m) < 0)
				return cli_status_error(cmd, NULL, -ENOMEM,
							NULL);
		}
	}
	return CLI_EXIT_OK;
}

bool
job_writer_has_files_on(const struct job *j, const vss_wmd *wmd,
			const char *mount_point)
{
	size_t n = vss_wmd_component_count(wmd);

	for (size_t i = 0; i < n; i++) {
		const struct vss_wm_component *c = vss_wmd_component(wmd, i);

		for (size_t f = 0; f < job_file_count(c); f++) {
			const struct mount_entry *m =
			    mount_of(j, job_file_source(c, f));

			if (m && strcmp(m->mount_point, mount_point) == 0)
				return true;
		}
	}
	return false;
}

const struct job_volume *
job_volume_of(const struct job *j, const char *path, const char **ret_relative)
{
	const struct mount_entry *m;
	const struct jvolume *v;
	size_t n;

	m = mountinfo_holding(j->mounts, j->n_mounts, path);
	if (!m || !(v = find_volume(j, m->mount_point)))
		return NULL;
	if (ret_relative) {
		n = strlen(v->mount_point);
		path += strcmp(v->mount_point, "/") == 0 ? 1 : n;
		*ret_relative = *path == '/' ? path + 1 : path;
	}
	return &v->pub;
}
