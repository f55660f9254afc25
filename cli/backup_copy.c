/*
 * cli/backup_copy.c - copying the listed objects from the shadow copies
 * into the backup set with a progress display, and each explicit
 * component's result (backup.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vss/status.h>

#include "backup.h"
#include "connect.h"
#include "progress.h"

void
backup_fail(struct backup *b, size_t i, const char *fmt, ...)
{
	struct backup_result *res = NULL;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (i != BACKUP_NO_RESULT)
		res = &b->results[i];
	fprintf(stderr, "vss: %s: %s%s%s\n", b->cmd->name,
		res ? res->component->def.name : "", res ? ": " : "",
		msg ? msg : "out of memory");
	if (!res) {
		b->other_failures++;
		free(msg);
		return;
	}
	res->failures++;
	if (!res->message)
		res->message = msg;
	else
		free(msg);
}

uint64_t
backup_failure_count(const struct backup *b)
{
	uint64_t n = b->other_failures;
	size_t i;

	for (i = 0; i < b->n_results; i++)
		n += b->results[i].failures;
	return n;
}

char *
backup_live_path(const struct backup *b, size_t v, const char *path)
{
	const char *mp = job_volume(b->job, v)->mount_point;
	char *s;

	if (asprintf(&s, "%s%s%s", mp, strcmp(mp, "/") && *path ? "/" : "",
		     path) < 0)
		return NULL;
	return s;
}

static bool
show_progress(const struct backup_opts *o)
{
	if (o->progress >= 0)
		return o->progress;
	return !o->quiet && o->format == OUTPUT_TEXT && isatty(STDERR_FILENO);
}

/*
 * Fail object o's component (or the plain paths) with error r, naming
 * where it is recorded and, for an alternate path, where it was read.
 */
static void
fail_object(struct backup *b, const struct fileset_object *o, int r)
{
	size_t seq = o->component;
	char *path = backup_live_path(b, o->volume, o->path), *from = NULL;

	if (o->source_path != o->path)
		from = backup_live_path(b, o->source_volume, o->source_path);
	backup_fail(b, seq == FILESET_NO_COMPONENT ? BACKUP_NO_RESULT :
						     b->result_of[seq],
		    "%s%s%s%s: %s: %s", path ? path : o->path,
		    from ? " (read from " : "", from ? from : "",
		    from ? ")" : "", vss_status_name(r), vss_strerror(r));
	free(path);
	free(from);
}

int
backup_copy_objects(struct backup *b)
{
	const struct fileset_object *o;
	struct progress *p = NULL;
	uint64_t done = 0, bytes = 0;
	size_t i, seq;
	int r;

	if (show_progress(b->opts) &&
	    progress_new(&p, stderr, b->listed, b->listed_bytes) < 0)
		return -ENOMEM;
	b->copy_start_ms = cli_now_ms();
	for (i = 0; i < fileset_count(b->files); i++) {
		if (cli_interrupted()) {
			progress_free(p);
			return -EINTR;
		}
		o = fileset_object(b->files, i);
		seq = o->component;
		r = bset_copy_from(b->set, b->set_volume[o->source_volume],
				   o->source_path, b->set_volume[o->volume],
				   o->path,
				   seq == FILESET_NO_COMPONENT ?
					   BSET_NO_COMPONENT :
					   b->set_component[seq]);
		if (r < 0)
			fail_object(b, o, r);
		if (!o->duplicate) {
			done++;
			bytes += o->size;
		}
		if (p)
			progress_update(p, done, bytes);
	}
	b->copy_end_ms = cli_now_ms();
	if (p)
		progress_finish(p, done, bytes);
	progress_free(p);
	return 0;
}

int
backup_record_results(struct backup *b)
{
	const struct job_writer *w;
	struct backup_result *res;
	size_t i;
	bool ok;
	int r;

	for (i = 0; i < b->n_results; i++) {
		res = &b->results[i];
		w = job_writer(b->job, res->writer);
		/* BK-050: the data is there, but only crash consistent. */
		if (!w->application_consistent && !res->message) {
			res->failures++;
			res->message = strdup("the writer failed: the copy is "
					      "only crash consistent");
		}
		ok = res->failures == 0;
		r = job_set_component_result(b->job, res->writer,
					     res->component, ok);
		if (r != CLI_EXIT_OK)
			return r;
		r = bset_set_component_result(b->set, res->set_index, ok,
					      res->message);
		if (r < 0)
			return cli_status_error(b->cmd, res->component->def.name,
						r, NULL);
	}
	return CLI_EXIT_OK;
}
