/*
 * cli/job_volumes.c - the volumes of the job (job.h): the command line's
 * paths made canonical and the volumes holding them, the volumes holding
 * the chosen components' files, and which volume of the set holds a path,
 * all by the mount table (lib/util/mountinfo.h) read when the job began.
 * A recursive file set also holds the files of the volumes mounted below
 * its directory (BK-076, BK-143), but for pseudo file systems and the
 * exposures of shadow copies, which vssd is asked for.  A file set path
 * that is not absolute is on no volume: resolving it against the
 * working directory of vss would pick a volume at random.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "connect.h"
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

bool
job_file_recursive(const struct vss_wm_component *c, size_t i)
{
	if (i < c->file_count)
		return c->files[i].recursive;
	if ((i -= c->file_count) < c->database_file_count)
		return c->database_files[i].recursive;
	return c->log_files[i - c->database_file_count].recursive;
}

/*
 * The mount holding path: canonical when it exists, else as written (a
 * directory a writer has not made yet).  NULL when path is relative: a
 * writer's file set is never read against our working directory.
 */
static const struct mount_entry *
mount_of(const struct job *j, const char *path)
{
	const struct mount_entry *m;
	char *real;

	if (path[0] != '/')
		return NULL;
	real = realpath(path, NULL);
	m = mountinfo_holding(j->mounts, j->n_mounts, real ? real : path);
	free(real);
	return m;
}

static bool
is_exposure(const struct job *j, const char *mount_point)
{
	for (size_t i = 0; i < j->n_exposures; i++)
		if (strcmp(j->exposures[i], mount_point) == 0)
			return true;
	return false;
}

int
job_find_exposures(struct job *j)
{
	const struct cli_command *cmd = j->opts.cmd;
	struct vss_snapshot_prop *props = NULL;
	vss_requester *r;
	size_t n = 0;
	int rc;

	/* Every context's shadow copies, not only those of the job's. */
	rc = cli_connect(cmd, VSS_CTX_ALL, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = vss_requester_query_snapshots(r, NULL, NULL, NULL, &props, &n);
	vss_requester_free(r);
	if (rc < 0)
		return cli_status_error(cmd, "vssd", rc, NULL);
	j->exposures = calloc(n + 1, sizeof(*j->exposures));
	for (size_t i = 0; j->exposures && i < n; i++) {
		if (!props[i].exposed_name)
			continue;
		j->exposures[j->n_exposures] = strdup(props[i].exposed_name);
		if (!j->exposures[j->n_exposures++])
			rc = -ENOMEM;
	}
	vss_snapshot_props_free(props, n);
	if (!j->exposures || rc < 0)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	return CLI_EXIT_OK;
}

/* Is path (canonical) below the directory dir, not dir itself? */
static bool
strictly_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/' && path[1] != '\0';
	return strncmp(path, dir, n) == 0 && path[n] == '/' &&
	       path[n + 1] != '\0';
}

/*
 * Is the i-th mount hidden: mounted over (a mount point mounted over
 * several times: its top only), or below the mount point of a later
 * mount, which hides its directory and so the whole of it?
 */
static bool
hidden(const struct job *j, size_t i)
{
	const char *mp = j->mounts[i].mount_point;

	for (size_t k = i + 1; k < j->n_mounts; k++)
		if (strcmp(j->mounts[k].mount_point, mp) == 0 ||
		    strictly_below(mp, j->mounts[k].mount_point))
			return true;
	return false;
}

/*
 * Call fn for each mount holding files of file set f of c (job_file_
 * source()): the one holding its directory and, when it is recursive,
 * every mount strictly below the canonical directory (BK-076, BK-143)
 * but pseudo file systems, shadow copies' exposures and hidden mounts
 * (hidden()), which no walk of the directory reaches.  fn returns
 * false to stop.  False when fn stopped or the path is relative (no
 * mount holds it).
 */
static bool
each_mount_of(const struct job *j, const struct vss_wm_component *c, size_t f,
	      bool (*fn)(const struct job *, const char *, void *), void *ctx)
{
	const char *src = job_file_source(c, f);
	const struct mount_entry *m = mount_of(j, src);
	bool go_on;
	char *dir;

	if (!m)
		return false;
	if (!fn(j, m->mount_point, ctx))
		return false;
	if (!job_file_recursive(c, f))
		return true;
	dir = realpath(src, NULL);
	if (!dir)
		return true; /* not there (yet): nothing is mounted below it */
	go_on = true;
	for (size_t i = 0; i < j->n_mounts && go_on; i++) {
		const struct mount_entry *e = &j->mounts[i];

		if (!strictly_below(e->mount_point, dir) || hidden(j, i) ||
		    mountinfo_is_pseudo(e->fstype) ||
		    is_exposure(j, e->mount_point))
			continue;
		go_on = fn(j, e->mount_point, ctx);
	}
	free(dir);
	return go_on;
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

/* Is the directory dir (absolute) equal to or below one of the paths? */
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

static bool
in_set(const struct job *j, const char *mount_point, void *ctx)
{
	(void)ctx;
	return find_volume(j, mount_point) != NULL;
}

bool
job_file_on_set(const struct job *j, const struct vss_wm_component *c, size_t f)
{
	const char *src = job_file_source(c, f);

	if (src[0] != '/')
		return false;
	/* Mounts below a directory under the paths are under them too. */
	if (j->opts.paths_select)
		return under_paths(j, src);
	return each_mount_of(j, c, f, in_set, NULL);
}

/* What add_mount_point() adds to, and how it went. */
struct adding {
	struct job *job;
	int rc;
};

/* Put the volume at mount_point in the set of the adding at ctx. */
static bool
add_mount_point(const struct job *j, const char *mount_point, void *ctx)
{
	struct adding *a = ctx;

	a->rc = add_volume(a->job,
			   mountinfo_find(j->mounts, j->n_mounts, mount_point));
	return a->rc == 0;
}

int
job_add_volumes_of(struct job *j, const struct jwriter *w)
{
	const struct cli_command *cmd = j->opts.cmd;
	size_t n = vss_selection_included_count(w->selection);
	struct adding adding = {.job = j};
	char detail[PATH_MAX + 64];

	for (size_t k = 0; k < n; k++) {
		const struct vss_wm_component *c =
		    vss_selection_included(w->selection, k, NULL);

		for (size_t f = 0; f < job_file_count(c); f++) {
			const char *src = job_file_source(c, f);

			if (src[0] != '/') {
				snprintf(detail, sizeof(detail),
					 "file set '%s' is not an absolute "
					 "path",
					 src);
				return cli_status_error(cmd, jwriter_name(w),
							-EINVAL, detail);
			}
			each_mount_of(j, c, f, add_mount_point, &adding);
			if (adding.rc < 0)
				return cli_status_error(cmd, NULL, adding.rc,
							NULL);
		}
	}
	return CLI_EXIT_OK;
}

/* Stop at the mount point *(const char **)ctx. */
static bool
not_there(const struct job *j, const char *mount_point, void *ctx)
{
	(void)j;
	return strcmp(mount_point, *(const char **)ctx) != 0;
}

bool
job_component_has_files_on(const struct job *j,
			   const struct vss_wm_component *c,
			   const char *mount_point)
{
	for (size_t f = 0; f < job_file_count(c); f++) {
		const char *src = job_file_source(c, f);

		/* Stopped early: there; a relative path is nowhere. */
		if (src[0] == '/' &&
		    !each_mount_of(j, c, f, not_there, &mount_point))
			return true;
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

size_t
job_mount_count(const struct job *j)
{
	return j->n_mounts;
}

const char *
job_mount_point(const struct job *j, size_t i)
{
	return i < j->n_mounts ? j->mounts[i].mount_point : NULL;
}
