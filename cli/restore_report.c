/*
 * cli/restore_report.c - what "vss restore" prints (restore.h): the plan
 * before anything is written (text, on a terminal or not, unless
 * --quiet), and the report at the end: per unit what was restored where
 * and how it ended, per writer how it took part, the services, and the
 * totals (docs/cli-json.md, "vss restore").
 */
#include <stdio.h>
#include <stdlib.h>

#include "connect.h"
#include "progress.h"
#include "restore.h"
#include "show_status.h"

static const char *const status_names[] = {
	[RU_PLANNED] = "planned", [RU_ALL] = "all",	  [RU_NONE] = "none",
	[RU_FAILED] = "failed",	  [RU_STAGED] = "staged",
};

static const char *
match_name(enum vss_restore_writer_match m)
{
	switch (m) {
	case VSS_RWM_MATCHED:
		return "matched";
	case VSS_RWM_MISSING:
		return "missing";
	case VSS_RWM_VERSION_TOO_OLD:
		return "version_too_old";
	case VSS_RWM_NEVER:
		return "never";
	}
	return NULL; /* not asked: no vssd, or no writer needed */
}

static const char *
target_name(const struct runit *u)
{
	if (!u->involved)
		return NULL;
	switch (u->target) {
	case VSS_RT_ORIGINAL:
		return "original";
	case VSS_RT_ALTERNATE:
		return "alternate";
	case VSS_RT_DIRECTED:
		return "directed";
	case VSS_RT_ORIGINAL_LOCATION:
		return "original_location";
	case VSS_RT_UNDEFINED:
		break;
	}
	return "undefined";
}

static const char *
volume_of(const struct restore *rs, const struct runit *u)
{
	return bset_manifest_volume(rs->m, u->volume)->mount_point;
}

/* The method for text: a writer that declares none is said to. */
static const char *
method_text(const struct runit *u, char *buf, size_t len)
{
	if (u->writer == RESTORE_NO_WRITER || u->method_declared)
		return restore_method_name(u->method);
	snprintf(buf, len, "%s (writer declares none)",
		 restore_method_name(u->method));
	return buf;
}

/* ---- the plan -------------------------------------------------------------- */

void
restore_print_plan(const struct restore *rs)
{
	char size[32], method[64];

	if (rs->opts->quiet || rs->opts->format != OUTPUT_TEXT)
		return;
	printf("restore plan for %s (%llu files verified):\n", rs->opts->set,
	       (unsigned long long)rs->verified_files);
	for (size_t i = 0; i < rs->n_units; i++) {
		const struct runit *u = &rs->units[i];
		const struct restore_writer *w = restore_unit_writer(rs, u);
		char *what = u->component ?
				     restore_component_text(u->component) :
				     NULL;

		progress_format_bytes(size, sizeof(size), (double)u->bytes);
		if (w)
			printf("  %s:%s", w->name, what ? what : "?");
		else
			printf("  plain paths of %s", volume_of(rs, u));
		printf(": %zu objects, %s, method %s, %s, %s%s\n", u->n_items,
		       size, method_text(u, method, sizeof(method)),
		       u->involved ? "with the writer" : "without a writer",
		       rs->opts->to ? "below " : "in place on ",
		       rs->opts->to ? rs->opts->to : volume_of(rs, u));
		for (size_t k = 0; k < u->n_subs; k++) {
			char *sub = restore_component_text(u->subs[k]);

			printf("    subcomponent %s\n", sub ? sub : "?");
			free(sub);
		}
		free(what);
	}
	fflush(stdout);
}

/* ---- the report ------------------------------------------------------------ */

static void
report_strings(struct output *o, const char *key, char **v, size_t n)
{
	output_begin_list(o, key);
	for (size_t i = 0; i < n; i++)
		output_string(o, NULL, v[i]);
	output_end_list(o);
}

static void
report_unit(struct output *o, const struct restore *rs, const struct runit *u)
{
	const struct restore_writer *w = restore_unit_writer(rs, u);
	char method[64];

	output_begin_object(o, NULL);
	output_string(o, "writer", w ? w->name : NULL);
	if (w) {
		output_id(o, "class_id", &w->class_id);
		output_id(o, "instance_id", &w->saved_instance_id);
		output_string(o, "logical_path", u->component->def.logical_path);
		output_string(o, "name", u->component->def.name);
	} else {
		output_null(o, "class_id");
		output_null(o, "instance_id");
		output_null(o, "logical_path");
		output_null(o, "name");
	}
	output_string(o, "volume", volume_of(rs, u));
	output_bool(o, "writer_involved", u->involved);
	if (rs->opts->format == OUTPUT_TEXT) {
		output_string(o, "method", method_text(u, method,
						       sizeof(method)));
	} else {
		output_string(o, "method", restore_method_name(u->method));
		if (w)
			output_bool(o, "method_declared", u->method_declared);
		else
			output_null(o, "method_declared");
	}
	output_string(o, "target", target_name(u));
	report_strings(o, "destinations", u->destinations, u->n_destinations);
	output_begin_list(o, "subcomponents");
	for (size_t k = 0; k < u->n_subs; k++) {
		char *sub = restore_component_text(u->subs[k]);

		output_string(o, NULL, sub);
		free(sub);
	}
	output_end_list(o);
	output_int(o, "files", (int64_t)u->files);
	output_int(o, "bytes", (int64_t)u->bytes);
	output_string(o, "status", status_names[u->status]);
	output_string(o, "journal", u->journal);
	output_string(o, "message", u->message);
	if (u->status == RU_FAILED)
		report_strings(o, "restored", u->restored, u->n_restored);
	else
		output_null(o, "restored");
	output_end_object(o);
}

static void
report_writer(struct output *o, const struct restore_writer *w)
{
	output_begin_object(o, NULL);
	output_string(o, "name", w->name);
	output_id(o, "class_id", &w->class_id);
	output_id(o, "saved_instance_id", &w->saved_instance_id);
	output_id(o, "instance_id", &w->live_instance_id);
	output_string(o, "match", match_name(w->match));
	output_bool(o, "involved", w->involved);
	show_writer_state_if(o, w->have_status, w->state, w->failure,
			     w->application_failure);
	output_string(o, "pre_restore_message", w->pre_restore_message);
	output_string(o, "post_restore_message", w->post_restore_message);
	show_writer_event_ms(o, w->have_status ? w->event_ms : NULL);
	output_end_object(o);
}

/* RS-044: staged files, or a writer that asks for a reboot after restore. */
static bool
reboot_required(const struct restore *rs)
{
	for (size_t i = 0; i < rs->n_units; i++) {
		const struct runit *u = &rs->units[i];
		const struct restore_writer *w = restore_unit_writer(rs, u);
		const struct vss_restore_method_info *m =
			w ? vss_wmd_restore_method(w->wmd) : NULL;

		if (u->status == RU_STAGED ||
		    (m && m->reboot_required &&
		     (u->status == RU_ALL || u->status == RU_FAILED)))
			return true;
	}
	return false;
}

int
restore_report(const struct restore *rs)
{
	uint64_t files = 0, bytes = 0, failed = 0;
	struct output *o;
	int r;

	if (rs->opts->quiet && rs->opts->format == OUTPUT_TEXT)
		return CLI_EXIT_OK;
	r = cli_output_new(rs->cmd, rs->opts->format, &o);
	if (r != CLI_EXIT_OK)
		return r;
	output_begin_object(o, NULL);
	output_string(o, "backup_set", rs->opts->set);
	output_bool(o, "dry_run", rs->opts->dry_run);
	output_begin_object(o, "verified");
	output_int(o, "files", (int64_t)rs->verified_files);
	output_int(o, "problems", (int64_t)rs->verified_problems);
	output_end_object(o);
	output_begin_list(o, "components");
	for (size_t i = 0; i < rs->n_units; i++) {
		const struct runit *u = &rs->units[i];

		report_unit(o, rs, u);
		if (u->status == RU_ALL || u->status == RU_STAGED) {
			files += u->files;
			bytes += u->bytes;
		} else if (u->status != RU_PLANNED) {
			failed++;
		}
	}
	output_end_list(o);
	output_begin_list(o, "writers");
	for (size_t i = 0; i < rs->n_writers; i++)
		if (rs->writers[i].wanted)
			report_writer(o, &rs->writers[i]);
	output_end_list(o);
	output_begin_list(o, "services");
	for (size_t i = 0; i < rs->n_services; i++) {
		const struct rservice *s = &rs->services[i];

		output_begin_object(o, NULL);
		output_string(o, "name", s->name);
		output_bool(o, "stopped", s->stopped);
		output_bool(o, "started", s->started);
		output_string(o, "message", s->message);
		output_end_object(o);
	}
	output_end_list(o);
	output_bool(o, "reboot_required", reboot_required(rs));
	output_int(o, "files", (int64_t)files);
	output_int(o, "bytes", (int64_t)bytes);
	output_int(o, "failed", (int64_t)failed);
	output_double(o, "duration_ms", cli_now_ms() - rs->start_ms);
	output_end_object(o);
	return cli_output_finish(rs->cmd, o);
}
