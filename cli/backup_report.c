/*
 * cli/backup_report.c - what "vss backup" prints: the job's report
 * (job.h) and the "backup" object of docs/cli-json.md, and warnings for
 * what the walks could not copy (backup.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "backup.h"
#include "connect.h"

static const char *
consistency(bool application_consistent)
{
	return application_consistent ? "application" : "crash";
}

void
backup_warn_skipped(const struct backup *b)
{
	const struct fileset_skip *sk;
	char *path;
	size_t i;

	for (i = 0; i < fileset_skipped_count(b->files); i++) {
		sk = fileset_skipped(b->files, i);
		path = backup_live_path(b, sk->volume, sk->path);
		fprintf(stderr, "vss: %s: warning: %s: %s; not copied\n",
			b->cmd->name, path ? path : sk->path, sk->reason);
		free(path);
	}
}

static void
report_components(struct output *o, const struct backup *b)
{
	const struct vss_writer_identity *id;
	const struct backup_result *res;
	size_t i;

	output_begin_list(o, "components");
	for (i = 0; i < b->n_results; i++) {
		res = &b->results[i];
		id = vss_wmd_identity(job_writer(b->job, res->writer)->wmd);
		output_begin_object(o, NULL);
		output_string(o, "writer", id->friendly_name);
		output_id(o, "instance_id", &id->instance_id);
		output_string(o, "logical_path",
			      res->component->def.logical_path);
		output_string(o, "name", res->component->def.name);
		output_bool(o, "succeeded", res->failures == 0);
		output_int(o, "failures", (int64_t)res->failures);
		output_string(o, "message", res->message);
		output_end_object(o);
	}
	output_end_list(o);
}

/* Per writer and per volume: application or crash consistent. */
static void
report_consistency(struct output *o, const struct backup *b)
{
	const struct vss_writer_identity *id;
	const struct job_writer *w;
	const struct job_volume *v;
	size_t i;

	output_begin_list(o, "writers");
	for (i = 0; i < job_writer_count(b->job); i++) {
		w = job_writer(b->job, i);
		if (!backup_takes_part(w))
			continue;
		id = vss_wmd_identity(w->wmd);
		output_begin_object(o, NULL);
		output_string(o, "name", id->friendly_name);
		output_id(o, "instance_id", &id->instance_id);
		if (w->on_set)
			output_string(o, "consistency",
				      consistency(w->application_consistent));
		else
			output_null(o, "consistency");
		output_end_object(o);
	}
	output_end_list(o);
	output_begin_list(o, "volumes");
	for (i = 0; i < job_volume_count(b->job); i++) {
		v = job_volume(b->job, i);
		output_begin_object(o, NULL);
		output_string(o, "volume", v->mount_point);
		output_int(o, "index", (int64_t)b->set_volume[i]);
		output_string(o, "consistency",
			      consistency(v->application_consistent));
		output_end_object(o);
	}
	output_end_list(o);
}

/* What the walks left out and why (fileset_skipped()). */
static void
report_skipped(struct output *o, const struct backup *b)
{
	const struct fileset_skip *sk;
	char *path;
	size_t i;

	output_begin_list(o, "skipped");
	for (i = 0; i < fileset_skipped_count(b->files); i++) {
		sk = fileset_skipped(b->files, i);
		path = backup_live_path(b, sk->volume, sk->path);
		output_begin_object(o, NULL);
		output_string(o, "path", path ? path : sk->path);
		output_string(o, "reason", sk->reason);
		output_end_object(o);
		free(path);
	}
	output_end_list(o);
}

static void
report_backup(struct output *o, const struct backup *b)
{
	struct bset_stats st;
	double copy_ms;

	bset_get_stats(b->set, &st);
	copy_ms = b->copy_end_ms - b->copy_start_ms;
	output_begin_object(o, "backup");
	output_string(o, "path", b->opts->to);
	output_bool(o, "succeeded", backup_failure_count(b) == 0);
	output_int(o, "objects", (int64_t)st.files);
	output_int(o, "bytes", (int64_t)st.bytes);
	output_int(o, "data_bytes", (int64_t)st.data_bytes);
	output_int(o, "hardlinks", (int64_t)st.hardlinks);
	output_int(o, "reflinked", (int64_t)st.reflinked);
	output_int(o, "excluded", (int64_t)fileset_excluded(b->files));
	output_int(o, "failed", (int64_t)backup_failure_count(b));
	report_skipped(o, b);
	report_components(o, b);
	report_consistency(o, b);
	output_double(o, "copy_ms", copy_ms);
	output_double(o, "bytes_per_second",
		      copy_ms > 0 ? (double)st.bytes * 1e3 / copy_ms : 0);
	output_double(o, "total_ms", cli_now_ms() - b->start_ms);
	output_end_object(o);
}

int
backup_report(const struct backup *b)
{
	struct output *o = NULL;
	int r;

	if (b->opts->quiet && b->opts->format == OUTPUT_TEXT)
		return CLI_EXIT_OK;
	r = output_new(&o, b->opts->format, stdout);
	if (r < 0)
		return cli_status_error(b->cmd, NULL, r, NULL);
	output_begin_object(o, NULL);
	job_report(b->job, o);
	if (b->committed)
		report_backup(o, b);
	else
		output_null(o, "backup");
	output_end_object(o);
	r = output_finish(o);
	output_free(o);
	if (r < 0)
		return cli_status_error(b->cmd, "standard output", r, NULL);
	return CLI_EXIT_OK;
}
