/*
 * cli/job_report.c - job_report() (job.h): what the job did, as far as it
 * got, in the output tree; docs/cli-json.md describes the fields.
 */
#include <stdint.h>

#include "job_internal.h"
#include "show_status.h"

/* The shadow copies were made, so consistency can be told. */
static bool
snapshot_made(const struct job *j)
{
	return j->step >= JOB_SNAPSHOT_DONE && j->have_timings;
}

static const char *
consistency(bool known, bool application)
{
	if (!known)
		return NULL;
	return application ? "application" : "crash";
}

static void
report_volumes(const struct job *j, struct output *o)
{
	output_begin_list(o, "shadow_copies");
	for (size_t i = 0; i < j->n_volumes; i++) {
		const struct jvolume *v = &j->volumes[i];

		output_begin_object(o, NULL);
		output_id(o, "snapshot_id", &v->pub.snapshot_id);
		output_string(o, "volume", v->mount_point);
		output_string(o, "fstype", v->fstype);
		output_string(o, "device", v->pub.device);
		output_id(o, "provider_id", &v->pub.provider_id);
		output_string(
		    o, "consistency",
		    consistency(snapshot_made(j) && v->pub.device != NULL,
				v->pub.application_consistent));
		output_end_object(o);
	}
	output_end_list(o);
}

static void
report_components(const struct jwriter *w, bool completed, struct output *o)
{
	size_t n =
	    w->selection ? vss_selection_explicit_count(w->selection) : 0;

	output_begin_list(o, "components");
	for (size_t i = 0; i < n; i++) {
		const struct vss_wm_component *c =
		    vss_selection_explicit(w->selection, i);

		output_begin_object(o, NULL);
		output_string(o, "logical_path", c->def.logical_path);
		output_string(o, "name", c->def.name);
		if (completed)
			output_bool(o, "backup_succeeded", !w->copy_failed[i]);
		else
			output_null(o, "backup_succeeded");
		output_end_object(o);
	}
	output_end_list(o);
}

static void
report_writer(const struct job *j, const struct jwriter *w, struct output *o)
{
	const struct vss_writer_identity *id = vss_wmd_identity(w->pub.wmd);

	output_begin_object(o, NULL);
	output_string(o, "name", id->friendly_name);
	output_id(o, "class_id", &id->class_id);
	output_id(o, "instance_id", &id->instance_id);
	output_string(o, "instance_name", id->instance_name);
	output_bool(o, "excluded", w->pub.excluded);
	output_bool(o, "took_part", w->selection != NULL);
	output_string(o, "left_out", w->left_out);
	report_components(w, j->step == JOB_COMPLETED && !j->no_writers, o);
	show_writer_state_if(o, w->have_status, w->state, w->failure,
			     w->application_failure);
	output_string(o, "message", w->message);
	output_string(
	    o, "consistency",
	    consistency(snapshot_made(j) && w->pub.on_set,
			w->pub.application_consistent));
	show_writer_event_ms(o, w->have_status ? w->event_ms : NULL);
	output_end_object(o);
}

void
job_report(const struct job *j, struct output *o)
{
	const struct vss_set_timings *t = &j->timings;

	if (j->step >= JOB_STARTED)
		output_id(o, "snapshot_set_id", &j->set_id);
	else
		output_null(o, "snapshot_set_id");
	output_hex(o, "context", (uint32_t)j->opts.context);
	output_string(o, "context_name", vss_context_str(j->opts.context));
	output_string(o, "backup_type",
		      vss_backup_type_str(j->opts.backup_type));
	report_volumes(j, o);
	output_begin_list(o, "writers");
	for (size_t i = 0; i < j->n_writers; i++)
		report_writer(j, &j->writers[i], o);
	output_end_list(o);
	if (j->have_timings) {
		output_begin_object(o, "timings_ms");
		output_double(o, "prepare_snapshot", t->prepare_snapshot_ms);
		output_double(o, "freeze", t->freeze_ms);
		output_double(o, "commit", t->commit_ms);
		output_double(o, "thaw", t->thaw_ms);
		output_double(o, "post_snapshot", t->post_snapshot_ms);
		output_double(o, "total", t->total_ms);
		output_end_object(o);
		if (job_freeze_sent(j))
			output_double(o, "freeze_window_ms",
				      t->freeze_window_ms);
		else
			output_null(o, "freeze_window_ms");
	} else {
		output_null(o, "timings_ms");
		output_null(o, "freeze_window_ms");
	}
	output_string(o, "consistency",
		      consistency(snapshot_made(j), j->app_consistent));
}
