/*
 * cli/job.c - one shadow copy job (job.h): the requester side of the
 * backup sequence of spec backup.md section 2, step by step, and the
 * accessors.  Choosing writers and components is job_select.c's, the
 * volumes job_volumes.c's, the report job_report.c's.
 *
 * The steps keep to the order of the sequence; job->step records how far
 * the job got, so that job_free() knows whether to abort (BK-051, BK-081)
 * and job_report() what it can tell.  In contexts without writers
 * (NO_WRITERS, BK-078) nothing is gathered, no component is added and
 * neither prepare_for_backup nor backup_complete is called.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "connect.h"
#include "job_internal.h"

/* ---- job_new and job_free --------------------------------------------- */

int
job_new(struct job **ret, const struct job_options *opts)
{
	const struct vss_backup_state state = {
	    .select_components = true,
	    .backup_type = opts->backup_type,
	};
	struct job *j;
	int rc;

	*ret = NULL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return cli_status_error(opts->cmd, NULL, -ENOMEM, NULL);
	j->opts = *opts;
	j->no_writers = opts->context != VSS_CTX_ALL &&
			(opts->context & VSS_VOLSNAP_ATTR_NO_WRITERS);
	rc = mountinfo_read(&j->mounts, &j->n_mounts);
	if (rc < 0) {
		free(j);
		return cli_status_error(opts->cmd, "/proc/self/mountinfo", rc,
					NULL);
	}
	rc = cli_connect(opts->cmd, opts->context, &j->r);
	if (rc != CLI_EXIT_OK) {
		job_free(j);
		return rc;
	}
	/* Component mode: only writers with components take part (BK-011). */
	rc = vss_requester_set_backup_state(j->r, &state);
	if (rc < 0) {
		job_free(j);
		return cli_status_error(opts->cmd, "vssd", rc, NULL);
	}
	*ret = j;
	return CLI_EXIT_OK;
}

/*
 * An auto-release set goes when the session ends, but vssd notices that
 * only some time later: once the shadow copies are made, delete them now,
 * so that once the command has exited (interrupted or not) none is left.
 * Before that the abort (BK-051) undoes what DoSnapshotSet began.
 * Already gone (deleted by vss exec, or by vssd) is fine.
 */
static void
delete_auto_release_set(struct job *j)
{
	long deleted = 0;
	vss_id stopped_at;
	int rc;

	if (j->step < JOB_SNAPSHOT_DONE ||
	    (j->opts.context & VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE))
		return;
	rc = vss_requester_delete_snapshots(j->r, &j->set_id,
					    VSS_OBJECT_SNAPSHOT_SET, true,
					    &deleted, &stopped_at);
	if (rc < 0 && rc != VSS_E_OBJECT_NOT_FOUND)
		cli_status_error(j->opts.cmd, "deleting the shadow copy set",
				 rc, NULL);
}

void
job_free(struct job *j)
{
	size_t i;

	if (!j)
		return;
	/* Given up between start and completion: tell the writers (BK-051). */
	if (j->step >= JOB_STARTED && j->step < JOB_COMPLETED && !j->aborted)
		vss_requester_abort_backup(j->r);
	delete_auto_release_set(j);
	for (i = 0; i < j->n_writers; i++) {
		vss_selection_free(j->writers[i].selection);
		free(j->writers[i].copy_failed);
		free(j->writers[i].left_out);
		free(j->writers[i].message);
	}
	free(j->writers);
	for (i = 0; i < j->n_volumes; i++) {
		free(j->volumes[i].mount_point);
		free(j->volumes[i].fstype);
	}
	free(j->volumes);
	if (j->paths)
		for (i = 0; i < j->opts.n_paths; i++)
			free(j->paths[i]);
	free(j->paths);
	for (i = 0; i < j->n_exposures; i++)
		free(j->exposures[i]);
	free(j->exposures);
	free(j->excluded_classes.ids);
	free(j->excluded_instances.ids);
	mountinfo_free(j->mounts, j->n_mounts);
	/* Ends the sessions. */
	vss_requester_free(j->probe);
	vss_requester_free(j->r);
	free(j);
}

int
job_run_async(const struct job *j, vss_requester *r,
	      int (*start)(vss_requester *, vss_async **), const char *what)
{
	vss_async *a;
	int rc;

	rc = start(r, &a);
	if (rc < 0)
		return cli_status_error(j->opts.cmd, what, rc, NULL);
	return cli_wait(j->opts.cmd, a, what, NULL);
}

/* ---- job_gather ----------------------------------------------------- */

/*
 * The writers of the job: those that answered the job's Identify, then
 * the excluded ones as the probe saw them.
 */
static int
collect_writers(struct job *j)
{
	size_t n = vss_requester_writer_metadata_count(j->r);
	size_t np =
	    j->probe ? vss_requester_writer_metadata_count(j->probe) : 0;

	j->writers = calloc(n + np + 1, sizeof(*j->writers));
	if (!j->writers)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		j->writers[j->n_writers++].pub.wmd =
		    vss_requester_writer_metadata(j->r, i);
	for (size_t i = 0; i < np; i++) {
		const vss_wmd *wmd = vss_requester_writer_metadata(j->probe, i);

		if (!job_is_excluded(j, wmd))
			continue;
		j->writers[j->n_writers].pub.wmd = wmd;
		j->writers[j->n_writers++].pub.excluded = true;
	}
	return 0;
}

int
job_gather(struct job *j)
{
	const struct cli_command *cmd = j->opts.cmd;
	int rc;

	if (j->step != JOB_READY)
		return cli_status_error(cmd, NULL, VSS_E_BAD_STATE, NULL);
	/* No writer is involved: gathering is optional (BK-078). */
	if (j->no_writers) {
		j->step = JOB_GATHERED;
		return CLI_EXIT_OK;
	}
	if (j->opts.n_exclude_writers) {
		rc = job_exclude_writers(j);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	rc = job_run_async(j, j->r, vss_requester_gather_writer_metadata,
			   "gathering writer metadata");
	if (rc != CLI_EXIT_OK)
		return rc;
	if (collect_writers(j) < 0)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	j->step = JOB_GATHERED;
	return CLI_EXIT_OK;
}

/* ---- job_snapshot --------------------------------------------------- */

static bool
state_failed(enum vss_writer_state s)
{
	return s == VSS_WS_UNKNOWN || s >= VSS_WS_FAILED_AT_IDENTIFY;
}

static struct jwriter *
find_writer(struct job *j, const vss_id *instance_id)
{
	for (size_t i = 0; i < j->n_writers; i++)
		if (!j->writers[i].pub.excluded &&
		    vss_id_equal(
			&vss_wmd_identity(j->writers[i].pub.wmd)->instance_id,
			instance_id))
			return &j->writers[i];
	return NULL;
}

/*
 * GatherWriterStatus (BK-016) and keep a copy of each writer's status:
 * vssd's list is only valid until the next gather.  A writer that took
 * part and failed is marked failed for good.
 */
static int
gather_status(struct job *j)
{
	const struct cli_command *cmd = j->opts.cmd;
	char detail[512];
	size_t n;
	int rc;

	if (j->no_writers || cli_interrupted())
		return CLI_EXIT_OK;
	rc = job_run_async(j, j->r, vss_requester_gather_writer_status,
			   "gathering writer status");
	if (rc != CLI_EXIT_OK)
		return rc;
	n = vss_requester_writer_status_count(j->r);
	for (size_t i = 0; i < n; i++) {
		const struct vss_writer_status *s =
		    vss_requester_writer_status(j->r, i);
		struct jwriter *w = find_writer(j, &s->instance_id);
		char *msg = NULL;

		if (!w)
			continue;
		if (s->message && !(msg = strdup(s->message)))
			return cli_status_error(cmd, NULL, -ENOMEM, NULL);
		free(w->message);
		w->message = msg;
		w->have_status = true;
		w->state = s->state;
		w->failure = s->failure;
		w->application_failure = s->application_failure;
		memcpy(w->event_ms, s->event_ms, sizeof(w->event_ms));
		if (w->selection && !w->pub.failed &&
		    (state_failed(s->state) || s->failure)) {
			w->pub.failed = true;
			snprintf(detail, sizeof(detail),
				 "writer failed (%s)%s%s",
				 vss_writer_state_str(s->state),
				 s->message ? ": " : "",
				 s->message ? s->message : "");
			cli_status_error(
			    cmd, jwriter_name(w),
			    s->failure ? s->failure : VSS_E_UNEXPECTED, detail);
		}
	}
	return CLI_EXIT_OK;
}

/* A step that failed: what the writers say about it, then abort. */
static int
step_failed(struct job *j, int rc)
{
	gather_status(j);
	/*
	 * DoSnapshotSet may have failed after Abort: send it anyway
	 * (BK-082).
	 */
	vss_requester_abort_backup(j->r);
	j->aborted = true;
	return rc;
}

/*
 * Does the writer leave the volume at mount_point crash consistent: has
 * it files there of a component not included, or has it files there and
 * took no part or failed?
 */
static bool
spoils_volume(const struct job *j, const struct jwriter *w,
	      const char *mount_point)
{
	size_t n = vss_wmd_component_count(w->pub.wmd);

	for (size_t i = 0; i < n; i++) {
		const struct vss_wm_component *c =
		    vss_wmd_component(w->pub.wmd, i);
		bool included =
		    w->selection && vss_selection_defining(w->selection, c);

		if ((!included || !w->pub.application_consistent) &&
		    job_component_has_files_on(j, c, mount_point))
			return true;
	}
	return false;
}

/* Has w files on a volume of the set? */
static bool
has_files_on_set(const struct job *j, const struct jwriter *w)
{
	size_t n = vss_wmd_component_count(w->pub.wmd);

	for (size_t v = 0; v < j->n_volumes; v++)
		for (size_t i = 0; i < n; i++)
			if (job_component_has_files_on(
				j, vss_wmd_component(w->pub.wmd, i),
				j->volumes[v].mount_point))
				return true;
	return false;
}

/*
 * Consistency (BK-130), as job.h defines it: a writer is application
 * consistent when it took part and did not fail; a volume when writers
 * took part and no writer spoils it.
 */
static void
judge_consistency(struct job *j)
{
	for (size_t i = 0; i < j->n_writers; i++) {
		struct jwriter *w = &j->writers[i];

		w->pub.application_consistent =
		    w->selection && w->have_status && !w->pub.failed;
		w->pub.on_set = has_files_on_set(j, w);
	}
	/* The set: every volume of it (the manifest says the same). */
	j->app_consistent = j->n_volumes > 0;
	for (size_t v = 0; v < j->n_volumes; v++) {
		struct jvolume *vol = &j->volumes[v];
		bool ok = !j->no_writers;

		for (size_t i = 0; i < j->n_writers && ok; i++)
			ok =
			    !spoils_volume(j, &j->writers[i], vol->mount_point);
		vol->pub.application_consistent = ok;
		j->app_consistent = j->app_consistent && ok;
	}
}

int
job_snapshot(struct job *j)
{
	const struct cli_command *cmd = j->opts.cmd;
	struct vss_snapshot_prop prop;
	int rc;

	if (j->step != JOB_SELECTED)
		return cli_status_error(cmd, NULL, VSS_E_BAD_STATE, NULL);
	rc = vss_requester_start_snapshot_set(j->r, &j->set_id);
	if (rc < 0)
		return cli_status_error(cmd, "starting the shadow copy set", rc,
					NULL);
	j->step = JOB_STARTED;
	for (size_t i = 0; i < j->n_volumes; i++) {
		struct jvolume *v = &j->volumes[i];

		rc = vss_requester_add_to_snapshot_set(
		    j->r, v->mount_point, NULL, &v->pub.snapshot_id);
		if (rc < 0)
			return cli_status_error(cmd, v->mount_point, rc, NULL);
		v->pub.mount_point = v->mount_point;
		v->pub.fstype = v->fstype;
	}
	/* BK-015: prepare even when no component is selected. */
	if (!j->no_writers) {
		rc = job_run_async(j, j->r, vss_requester_prepare_for_backup,
				   "preparing for backup");
		if (rc != CLI_EXIT_OK)
			return step_failed(j, rc);
		rc = gather_status(j);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	rc = job_run_async(j, j->r, vss_requester_do_snapshot_set,
			   "making the shadow copies");
	j->have_timings = vss_requester_set_timings(j->r, &j->timings) == 0;
	if (rc != CLI_EXIT_OK)
		return step_failed(j, rc);
	j->step = JOB_SNAPSHOT_DONE;
	rc = gather_status(j);
	if (rc != CLI_EXIT_OK)
		return rc;
	for (size_t i = 0; i < j->n_volumes; i++) {
		struct jvolume *v = &j->volumes[i];

		rc = vss_requester_get_snapshot_properties(
		    j->r, &v->pub.snapshot_id, &prop);
		if (rc < 0)
			return cli_status_error(cmd, v->mount_point, rc, NULL);
		v->pub.device = prop.device;
		v->pub.provider_id = prop.provider_id;
	}
	judge_consistency(j);
	return CLI_EXIT_OK;
}

/* ---- job_complete --------------------------------------------------- */

int
job_set_component_result(struct job *j, size_t writer,
			 const struct vss_wm_component *component,
			 bool succeeded)
{
	struct jwriter *w;
	size_t n;

	if (writer < j->n_writers && j->writers[writer].selection) {
		w = &j->writers[writer];
		n = vss_selection_explicit_count(w->selection);
		for (size_t i = 0; i < n; i++)
			if (vss_selection_explicit(w->selection, i) ==
			    component) {
				w->copy_failed[i] = !succeeded;
				return CLI_EXIT_OK;
			}
	}
	return cli_status_error(j->opts.cmd, component->def.name,
				VSS_E_OBJECT_NOT_FOUND,
				"not an explicit component of the job");
}

int
job_complete(struct job *j)
{
	const struct cli_command *cmd = j->opts.cmd;
	int rc;

	if (j->step != JOB_SNAPSHOT_DONE)
		return cli_status_error(cmd, NULL, VSS_E_BAD_STATE, NULL);
	/* No writer took part: there is no BackupComplete (BK-078). */
	if (j->no_writers) {
		j->step = JOB_COMPLETED;
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < j->n_writers; i++) {
		struct jwriter *w = &j->writers[i];
		const struct vss_writer_identity *id;
		size_t n;

		if (!w->selection)
			continue;
		id = vss_wmd_identity(w->pub.wmd);
		n = vss_selection_explicit_count(w->selection);
		for (size_t k = 0; k < n; k++) {
			const struct vss_wm_component *c =
			    vss_selection_explicit(w->selection, k);

			rc = vss_requester_set_backup_succeeded(
			    j->r, &id->instance_id, &id->class_id, c->def.type,
			    c->def.logical_path, c->def.name,
			    !w->copy_failed[k]);
			if (rc < 0)
				return cli_status_error(cmd, jwriter_name(w),
							rc, NULL);
		}
	}
	rc = job_run_async(j, j->r, vss_requester_backup_complete,
			   "completing the backup");
	if (rc != CLI_EXIT_OK)
		return step_failed(j, rc);
	j->step = JOB_COMPLETED;
	return gather_status(j);
}

/* ---- accessors ------------------------------------------------------ */

vss_requester *
job_requester(struct job *j)
{
	return j->r;
}

bool
job_snapshot_set_id(const struct job *j, vss_id *ret)
{
	if (j->step < JOB_STARTED)
		return false;
	*ret = j->set_id;
	return true;
}

size_t
job_volume_count(const struct job *j)
{
	return j->n_volumes;
}

const struct job_volume *
job_volume(const struct job *j, size_t i)
{
	return i < j->n_volumes ? &j->volumes[i].pub : NULL;
}

size_t
job_writer_count(const struct job *j)
{
	return j->n_writers;
}

const struct job_writer *
job_writer(const struct job *j, size_t i)
{
	return i < j->n_writers ? &j->writers[i].pub : NULL;
}

bool
job_application_consistent(const struct job *j)
{
	return j->app_consistent;
}

bool
job_freeze_sent(const struct job *j)
{
	for (size_t i = 0; i < j->n_writers; i++)
		if (j->writers[i].have_status &&
		    j->writers[i].event_ms[VSS_EVENT_FREEZE] >= 0)
			return true;
	return false;
}
