/*
 * cli/restore_run.c - the restore sequence of spec restore.md section 1
 * with the requester library (restore.h): initialize for restore from
 * the saved BCD, give the saved WMDs (RS-003), gather (RS-002), match
 * the writers, decide who takes part, select with the options (section
 * 2, 3, 8), pre_restore, read the targets the writers set (RS-006), stop
 * services, write each unit, start services, file restore statuses
 * (RS-110) and mapping records (RS-073), post_restore, writer statuses
 * (RS-011).  A restore cannot be aborted (RS-010): from pre_restore on, a
 * stop signal ends the restore after the unit being written, with the
 * statuses set and post_restore sent.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vss/status.h>

#include "connect.h"
#include "progress.h"
#include "restore.h"

/* ---- connecting and matching -------------------------------------------- */

static bool
needs_writers(const struct restore *rs)
{
	if (rs->opts->job.no_writers)
		return false;
	for (size_t i = 0; i < rs->n_units; i++)
		if (rs->units[i].writer != RESTORE_NO_WRITER)
			return true;
	return false;
}

/* Connect and initialize for restore (RS-001), not for backup. */
static int
connect_for_restore(struct restore *rs)
{
	const char *socket_path = cli_socket_path();
	char detail[512];
	int r;

	r = vss_requester_new(&rs->r, socket_path);
	if (r < 0) {
		snprintf(detail, sizeof(detail),
			 "cannot reach vssd (is it running?): %s",
			 vss_strerror(r));
		if (rs->opts->dry_run) {
			fprintf(stderr,
				"vss: %s: note: %s: %s; writers not matched\n",
				rs->cmd->name, socket_path, detail);
			return CLI_EXIT_OK;
		}
		return cli_status_error(rs->cmd, socket_path, r, detail);
	}
	r = vss_requester_initialize_for_restore(rs->r, rs->bcd_xml);
	if (r < 0)
		return cli_status_error(rs->cmd, "initializing for restore", r,
					NULL);
	for (size_t i = 0; i < rs->n_writers; i++) {
		r = vss_requester_restore_set_writer_wmd(rs->r,
							 rs->writers[i].wmd);
		if (r < 0)
			return cli_status_error(rs->cmd, rs->writers[i].name, r,
						"giving its saved metadata");
	}
	return CLI_EXIT_OK;
}

/* RS-120: may writer w take part in the restore of its units? */
static bool
may_take_part(const struct restore *rs, const struct restore_writer *w)
{
	const struct vss_restore_method_info *m =
		vss_wmd_restore_method(w->wmd);

	if (rs->opts->job.no_writers || w->match != VSS_RWM_MATCHED)
		return false;
	/* A private restore tells only writers that can take new targets
	 * (RS-083); a custom one tells the writer as it asks. */
	return !rs->opts->to ||
	       (vss_wmd_backup_schema(w->wmd) &
		VSS_BS_WRITER_SUPPORTS_NEW_TARGET) ||
	       (m && m->method == VSS_RME_CUSTOM);
}

/* Why writer w, not taking part, cannot (for a message). */
static const char *
absent_reason(const struct restore *rs, const struct restore_writer *w)
{
	if (rs->opts->job.no_writers)
		return "is left out by --no-writers";
	if (w->match == VSS_RWM_VERSION_TOO_OLD)
		return "runs in a version too old to restore the data";
	if (w->match == VSS_RWM_MISSING)
		return "is missing (not running)";
	return "was not asked (vssd not reached)";
}

/* Does unit u stop a service, in place (not a private restore)? */
static const char *
unit_service(const struct restore *rs, const struct runit *u)
{
	const struct restore_writer *w = restore_unit_writer(rs, u);
	const struct vss_restore_method_info *m =
		w ? vss_wmd_restore_method(w->wmd) : NULL;

	if (!w || rs->opts->to || !restore_method_has_service(u->method))
		return NULL;
	return m && m->service ? m->service : "";
}

/*
 * What makes writer unit u impossible, known before pre_restore, so that
 * the writer is not told of a restore that will not happen: then the
 * unit fails (status none, with the reason) and true.
 */
static bool
refuse_early(struct restore *rs, struct runit *u,
	     const struct restore_writer *w)
{
	const struct restore_opts *o = rs->opts;
	const struct vss_writer_identity *id = vss_wmd_identity(w->wmd);
	const char *service = unit_service(rs, u);
	char why[512];

	if (w->match == VSS_RWM_VERSION_TOO_OLD && !o->to) {
		/* RS-120: never its data in place behind its back. */
		restore_unit_fail(rs, u, RU_NONE,
				  "the running writer is older than version "
				  "%u.%u, which made the backup: its data is "
				  "not restored in place without it (--to DIR "
				  "restores it elsewhere, --no-writers "
				  "regardless of the writer)",
				  id->major_version, id->minor_version);
	} else if (u->method == VSS_RME_UNDEFINED) {
		restore_unit_fail(rs, u, RU_NONE,
				  "writer error: its restore method is "
				  "undefined");
	} else if (u->method == VSS_RME_CUSTOM && !o->to) {
		restore_unit_fail(rs, u, RU_NONE,
				  "method custom: give --to DIR for the "
				  "writer's files");
	} else if (u->method == VSS_RME_CUSTOM && !u->involved &&
		   w->match != VSS_RWM_NEVER) {
		restore_unit_fail(rs, u, RU_NONE,
				  "method custom: the writer does the restore, "
				  "and it %s",
				  absent_reason(rs, w));
	} else if (u->method == VSS_RME_RESTORE_TO_ALTERNATE_LOCATION &&
		   !o->to && !restore_unit_has_mappings(u)) {
		restore_unit_fail(rs, u, RU_NONE,
				  "writer error: method to-alternate-location, "
				  "and a file set of the component has no "
				  "alternate location mapping (RS-071)");
	} else if (service && !*service) {
		restore_unit_fail(rs, u, RU_NONE,
				  "writer error: method %s names no service",
				  restore_method_name(u->method));
	} else if (service && !restore_service_name_ok(service, why,
						       sizeof(why))) {
		restore_unit_fail(rs, u, RU_NONE,
				  "writer error: method %s: %s: refused",
				  restore_method_name(u->method), why);
	} else if (service && !restore_services_possible(o)) {
		restore_unit_fail(rs, u, RU_NONE,
				  "service \"%s\": systemd does not run: give "
				  "--service-command CMD",
				  service);
	} else {
		return false;
	}
	return true;
}

/*
 * Each unit's writer participation and method (RS-040, section 5): a
 * taking-part writer's saved method; without the writer, --method for
 * plain paths and private restores, else --method when given, else the
 * saved method, which needs no writer except custom.  A writer whose
 * saved document declares no method gives no instructions: it takes
 * part as one restoring "always" would, its files by --method (or its
 * default).
 */
static int
decide_units(struct restore *rs)
{
	const struct restore_opts *o = rs->opts;

	for (size_t i = 0; i < rs->n_units; i++) {
		struct runit *u = &rs->units[i];
		struct restore_writer *w = restore_unit_writer(rs, u);
		const struct vss_restore_method_info *m =
			w ? vss_wmd_restore_method(w->wmd) : NULL;

		u->target = VSS_RT_ORIGINAL;
		u->method_declared = m != NULL;
		u->involved = w && may_take_part(rs, w);
		if (u->involved && m) {
			u->method = m->method;
			if (o->method_given && m->method != o->method)
				return cli_usage_error(
					rs->cmd,
					"--method %s: writer \"%s\" takes part "
					"and restores by its own method, %s",
					restore_method_name(o->method), w->name,
					restore_method_name(m->method));
		} else if (!m || o->to || o->method_given) {
			u->method = m && m->method == VSS_RME_CUSTOM ?
					    m->method :
					    o->method;
		} else {
			u->method = m->method;
		}
		if (u->involved && o->authoritative &&
		    !(vss_wmd_backup_schema(w->wmd) &
		      VSS_BS_AUTHORITATIVE_RESTORE))
			return cli_usage_error(rs->cmd,
					       "--authoritative: writer \"%s\" "
					       "does not support authoritative "
					       "restores",
					       w->name);
	}
	for (size_t i = 0; i < rs->n_units; i++) {
		struct runit *u = &rs->units[i];
		struct restore_writer *w = restore_unit_writer(rs, u);

		if (w && refuse_early(rs, u, w))
			u->involved = false;
		if (u->involved)
			w->involved = true;
	}
	return CLI_EXIT_OK;
}

/* Wait for a restore step: never cancelled (RS-010), signals or not. */
static int
wait_restore_step(struct restore *rs, vss_async *a, const char *what)
{
	struct pollfd pfd = {.fd = vss_async_get_fd(a), .events = POLLIN};
	int status = VSS_S_ASYNC_PENDING;

	for (;;) {
		int n = poll(&pfd, 1, 250);

		if (n < 0 && errno != EINTR) {
			status = -errno;
			break;
		}
		if (n > 0 && vss_async_wait(a, 0) == 0) {
			vss_async_query_status(a, &status);
			break;
		}
	}
	vss_async_free(a);
	if (status == VSS_S_ASYNC_FINISHED)
		status = 0;
	if (status == 0)
		return CLI_EXIT_OK;
	return cli_status_error(rs->cmd, what, status, NULL);
}

/* Start a long step and wait; before pre_restore a signal ends it. */
static int
run_step(struct restore *rs, int (*start)(vss_requester *, vss_async **),
	 const char *what, bool abortable)
{
	vss_async *a;
	int r = start(rs->r, &a);

	if (r < 0)
		return cli_status_error(rs->cmd, what, r, NULL);
	if (abortable)
		return cli_wait(rs->cmd, a, what, NULL);
	return wait_restore_step(rs, a, what);
}

int
restore_match(struct restore *rs)
{
	int r;

	if (needs_writers(rs)) {
		r = connect_for_restore(rs);
		if (r == CLI_EXIT_OK && rs->r)
			r = run_step(rs, vss_requester_gather_writer_metadata,
				     "gathering writer metadata", true);
		for (size_t i = 0; r == CLI_EXIT_OK && rs->r &&
				   i < rs->n_writers;
		     i++) {
			struct restore_writer *w = &rs->writers[i];

			if (!w->wanted)
				continue;
			r = vss_requester_restore_writer_match(
				rs->r, &w->class_id, &w->saved_instance_id,
				&w->match, &w->live_instance_id);
			if (r < 0)
				r = cli_status_error(rs->cmd, w->name, r,
						     "matching the writer");
		}
		if (r != CLI_EXIT_OK)
			return r;
	}
	return decide_units(rs);
}

/* ---- selecting (section 2, 3, 8) ------------------------------------------ */

/* The arguments every component call takes, for unit u. */
#define UNIT_ARGS(rs, u)                                                       \
	&restore_unit_writer(rs, u)->class_id,                                 \
		&restore_unit_writer(rs, u)->saved_instance_id,                \
		(u)->component->def.type, (u)->component->def.logical_path,    \
		(u)->component->def.name

/* RS-081: each file set goes to DIR + its path. */
static int
add_new_targets(struct restore *rs, const struct runit *u)
{
	for (size_t f = 0; f < u->n_file_sets; f++) {
		const struct vss_file_desc *fd = u->file_sets[f].fd;
		char *to;
		int r;

		if (asprintf(&to, "%s%s%s", rs->opts->to,
			     fd->path[0] == '/' ? "" : "/", fd->path) < 0)
			return -ENOMEM;
		r = vss_requester_add_new_target(rs->r, UNIT_ARGS(rs, u),
						 fd->path, fd->filespec,
						 fd->recursive, to);
		free(to);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
select_unit(struct restore *rs, const struct runit *u)
{
	const struct restore_opts *o = rs->opts;
	const struct restore_writer *w = restore_unit_writer(rs, u);
	int r;

	r = vss_requester_set_selected_for_restore(rs->r, UNIT_ARGS(rs, u),
						   true);
	for (size_t i = 0; r == 0 && i < u->n_subs; i++)
		r = vss_requester_add_restore_subcomponent(
			rs->r, UNIT_ARGS(rs, u),
			u->subs[i]->def.logical_path ?
				u->subs[i]->def.logical_path :
				"",
			u->subs[i]->def.name);
	if (r == 0 && o->restore_options)
		r = vss_requester_set_restore_options(rs->r, UNIT_ARGS(rs, u),
						      o->restore_options);
	if (r == 0 && o->authoritative)
		r = vss_requester_set_authoritative_restore(
			rs->r, UNIT_ARGS(rs, u), true);
	if (r == 0 && o->additional_restores)
		r = vss_requester_set_additional_restores(
			rs->r, UNIT_ARGS(rs, u), true);
	if (r == 0 && o->to &&
	    (vss_wmd_backup_schema(w->wmd) & VSS_BS_WRITER_SUPPORTS_NEW_TARGET))
		r = add_new_targets(rs, u);
	return r;
}

/* ---- writer statuses (RS-011, RS-112) ----------------------------------- */

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/*
 * The failure messages the writer's components carry (field), the
 * first one; RS-008 lets writers set them during the restore.
 */
static char *
component_message(struct restore *rs, const struct restore_writer *w,
		  enum vss_component_text field)
{
	vss_bcd *bcd = vss_requester_bcd(rs->r);
	vss_bcd_writer *bw =
		bcd ? vss_bcd_find_writer(bcd, &w->class_id,
					  &w->saved_instance_id) :
		      NULL;

	for (size_t i = 0; bw && i < vss_bcd_writer_component_count(bw); i++) {
		const char *msg = vss_bcd_component_text(
			vss_bcd_writer_component(bw, i), field);

		if (msg)
			return strdup(msg);
	}
	return NULL;
}

static int
gather_statuses(struct restore *rs)
{
	int r = run_step(rs, vss_requester_gather_writer_status,
			 "gathering writer status", false);

	for (size_t i = 0; r == CLI_EXIT_OK &&
			   i < vss_requester_writer_status_count(rs->r);
	     i++) {
		const struct vss_writer_status *st =
			vss_requester_writer_status(rs->r, i);

		for (size_t k = 0; k < rs->n_writers; k++) {
			struct restore_writer *w = &rs->writers[k];

			if (!w->involved ||
			    !vss_id_equal(&w->live_instance_id,
					  &st->instance_id))
				continue;
			w->have_status = true;
			w->state = st->state;
			w->failure = st->failure;
			w->application_failure = st->application_failure;
			memcpy(w->event_ms, st->event_ms, sizeof(w->event_ms));
			if (!w->post_restore_message &&
			    st->state == VSS_WS_FAILED_AT_POST_RESTORE)
				w->post_restore_message =
					dup_or_null(st->message);
			if (!w->pre_restore_message &&
			    st->state == VSS_WS_FAILED_AT_PRE_RESTORE)
				w->pre_restore_message =
					dup_or_null(st->message);
		}
	}
	return r;
}

static bool
writer_failed(const struct restore_writer *w)
{
	return w->involved && w->have_status &&
	       (w->state == VSS_WS_FAILED_AT_PRE_RESTORE ||
		w->state == VSS_WS_FAILED_AT_POST_RESTORE || w->failure != 0);
}

/* RS-006: what pre_restore left: targets, failures. */
static void
read_pre_restore(struct restore *rs)
{
	vss_bcd *bcd = vss_requester_bcd(rs->r);

	for (size_t k = 0; k < rs->n_writers; k++) {
		struct restore_writer *w = &rs->writers[k];
		char *msg;

		if (!w->involved)
			continue;
		msg = component_message(rs, w, VSS_TEXT_PRE_RESTORE_FAILURE_MSG);
		if (msg) {
			free(w->pre_restore_message);
			w->pre_restore_message = msg;
		}
	}
	for (size_t i = 0; bcd && i < rs->n_units; i++) {
		struct runit *u = &rs->units[i];
		struct restore_writer *w = restore_unit_writer(rs, u);
		vss_bcd_writer *bw;
		vss_bcd_component *bc;

		if (!u->involved)
			continue;
		bw = vss_bcd_find_writer(bcd, &w->class_id,
					 &w->saved_instance_id);
		bc = bw ? vss_bcd_writer_find_component(
				  bw, u->component->def.type,
				  u->component->def.logical_path,
				  u->component->def.name) :
			  NULL;
		if (bc)
			u->target = vss_bcd_component_restore_target(bc);
		if (writer_failed(w) && u->status == RU_PLANNED)
			restore_unit_fail(rs, u, RU_NONE,
					  "the writer failed pre_restore%s%s: "
					  "nothing restored",
					  w->pre_restore_message ? ": " : "",
					  w->pre_restore_message ?
						  w->pre_restore_message :
						  "");
		else if (u->target == VSS_RT_UNDEFINED &&
			 u->status == RU_PLANNED)
			restore_unit_fail(rs, u, RU_NONE,
					  "writer error: restore target "
					  "undefined");
	}
}

/* ---- services (RS-042) ------------------------------------------------------ */

static void
service_step(struct restore *rs, struct rservice *s, const char *verb)
{
	char err[512];
	int r = restore_service(rs->opts, verb, s->name, err, sizeof(err));
	char *msg;

	if (strcmp(verb, "stop") == 0) {
		s->stop_tried = true;
		s->stopped = r == 0;
	} else {
		s->started = r == 0;
	}
	if (r == 0)
		return;
	fprintf(stderr, "vss: %s: service %s: %s\n", rs->cmd->name, s->name,
		err);
	if (!s->message && (msg = strdup(err)))
		s->message = msg;
}

/*
 * Before writing: the services of method 3 stopped (a unit whose service
 * cannot be stopped is not written), those of method 8 only checked.
 */
static int
stop_services(struct restore *rs)
{
	for (size_t i = 0; i < rs->n_units; i++) {
		struct runit *u = &rs->units[i];
		const char *name = unit_service(rs, u);
		struct rservice *s;

		/* Names and the means to stop were checked (refuse_early). */
		if (!name || u->status != RU_PLANNED)
			continue;
		s = restore_service_find(rs, name);
		if (!s)
			return -ENOMEM;
		if (u->method == VSS_RME_RESTORE_STOP_START) {
			s->after_post_restore = true;
			continue;
		}
		if (!s->stop_tried)
			service_step(rs, s, "stop");
		if (!s->stopped)
			restore_unit_fail(rs, u, RU_NONE,
					  "service \"%s\" could not be "
					  "stopped: nothing restored",
					  name);
	}
	return 0;
}

/* Method 3: start after the restore; method 8: stop and start now. */
static void
start_services(struct restore *rs, bool after_post_restore)
{
	for (size_t i = 0; i < rs->n_services; i++) {
		struct rservice *s = &rs->services[i];

		if (s->after_post_restore != after_post_restore)
			continue;
		if (after_post_restore)
			service_step(rs, s, "stop");
		if (s->stop_tried)
			service_step(rs, s, "start");
	}
}

/* ---- the sequence ------------------------------------------------------------ */

/*
 * RS-110.  Staged (RS-043): nothing is in place before the next boot,
 * so the writer must not take the files for restored: NONE, and
 * the report says staged.
 */
static enum vss_file_restore_status
file_restore_status(const struct runit *u)
{
	switch (u->status) {
	case RU_ALL:
		return VSS_RS_ALL;
	case RU_FAILED:
		return VSS_RS_FAILED;
	default:
		return VSS_RS_NONE;
	}
}

/*
 * RS-110: the unit's file restore status.  post_restore is refused
 * while a selected component has none (VSS_E_BAD_STATE), so a status
 * the library refuses is given again as FAILED; when that is refused
 * too, the unit's message says post_restore will be.  0 when the first
 * status was taken, else the first refusal.
 */
static int
record_status(struct restore *rs, struct runit *u)
{
	enum vss_file_restore_status st = file_restore_status(u);
	int r, again;

	r = vss_requester_set_file_restore_status(rs->r, UNIT_ARGS(rs, u), st);
	if (r == 0)
		return 0;
	again = st == VSS_RS_FAILED ?
			r :
			vss_requester_set_file_restore_status(
				rs->r, UNIT_ARGS(rs, u), VSS_RS_FAILED);
	rs->record_failed = true;
	restore_unit_fail(rs, u, u->status,
			  "telling the writer its file restore status failed: "
			  "%s; %s",
			  vss_strerror(r),
			  again == 0 ? "told FAILED instead" :
				       "post_restore will be refused for want "
				       "of a status (RS-110)");
	return r;
}

/*
 * RS-110, RS-073 (only the file sets restored through their mapping):
 * between the writing and post_restore.  A record the library refuses is
 * noted on its unit and the rest go on; post_restore is attempted all
 * the same (RS-009), and works when every selected component has a
 * status (record_status()).
 */
static void
record_results(struct restore *rs)
{
	for (size_t i = 0; i < rs->n_units; i++) {
		struct runit *u = &rs->units[i];
		int r = 0;

		if (!u->involved || record_status(rs, u) < 0)
			continue;
		for (size_t f = 0; r == 0 && f < u->n_file_sets; f++) {
			const struct vss_location_mapping *m =
				u->file_sets[f].mapping;

			if (!u->file_sets[f].mapped)
				continue;
			r = vss_requester_add_alternative_location_mapping(
				rs->r, UNIT_ARGS(rs, u), m->path, m->filespec,
				m->recursive, m->destination);
		}
		if (r < 0) {
			rs->record_failed = true;
			restore_unit_fail(rs, u, u->status,
					  "telling the writer an alternate "
					  "location mapping it used failed: %s",
					  vss_strerror(r));
		}
	}
}

static int
write_units(struct restore *rs)
{
	bool show = rs->opts->progress >= 0 ?
			    rs->opts->progress :
			    !rs->opts->quiet && rs->opts->format == OUTPUT_TEXT &&
				    isatty(STDERR_FILENO);
	int r = 0;

	for (size_t i = 0; i < rs->n_units; i++)
		if (rs->units[i].status == RU_PLANNED)
			rs->total_files += rs->units[i].n_items,
				rs->total_bytes += rs->units[i].bytes;
	if (show && progress_new(&rs->progress, stderr, rs->total_files,
				 rs->total_bytes) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n_units && r == 0; i++) {
		struct runit *u = &rs->units[i];

		if (u->status != RU_PLANNED)
			continue;
		if (cli_interrupted())
			restore_unit_fail(rs, u, RU_NONE,
					  "interrupted by signal %d: nothing "
					  "restored",
					  cli_interrupted());
		else
			r = restore_unit(rs, u);
	}
	restore_dirs_again(rs);
	if (rs->progress)
		progress_finish(rs->progress, rs->done_objects, rs->done_bytes);
	return r;
}

static bool
any_involved(const struct restore *rs)
{
	for (size_t i = 0; i < rs->n_units; i++)
		if (rs->units[i].involved)
			return true;
	return false;
}

/* Select and pre_restore; an exit code (nothing written yet). */
static int
prepare(struct restore *rs)
{
	int r;

	for (size_t i = 0; i < rs->n_units; i++) {
		struct runit *u = &rs->units[i];

		if (!u->involved)
			continue;
		r = select_unit(rs, u);
		if (r < 0) {
			char *what = restore_component_text(u->component);

			r = cli_status_error(rs->cmd, what ? what : "selecting",
					     r, "selecting for restore");
			free(what);
			return r;
		}
	}
	/* RS-034: the files are copied back. */
	r = vss_requester_set_restore_state(rs->r, VSS_RTYPE_BY_COPY);
	if (r < 0)
		return cli_status_error(rs->cmd, "setting the restore type", r,
					NULL);
	if (cli_interrupted()) {
		fprintf(stderr, "vss: %s: interrupted by signal %d: nothing "
				"restored\n",
			rs->cmd->name, cli_interrupted());
		return CLI_EXIT_FAILED;
	}
	/* From here on the restore runs to its end (RS-010). */
	cli_hold_signals(true);
	rs->pre_restore_sent = true;
	r = run_step(rs, vss_requester_pre_restore, "pre_restore", false);
	if (r == CLI_EXIT_OK)
		r = gather_statuses(rs);
	if (r == CLI_EXIT_OK)
		read_pre_restore(rs);
	return r;
}

/* Statuses, post_restore, the writers' statuses. */
static int
finish(struct restore *rs)
{
	int r;

	record_results(rs);
	r = run_step(rs, vss_requester_post_restore, "post_restore", false);
	if (r == CLI_EXIT_OK)
		r = gather_statuses(rs);
	for (size_t k = 0; k < rs->n_writers; k++) {
		struct restore_writer *w = &rs->writers[k];
		char *msg;

		if (!w->involved)
			continue;
		msg = component_message(rs, w,
					VSS_TEXT_POST_RESTORE_FAILURE_MSG);
		if (msg) {
			free(w->post_restore_message);
			w->post_restore_message = msg;
		}
	}
	return r;
}

/* The steps from pre_restore to the writer statuses; an exit code. */
static int
run_steps(struct restore *rs)
{
	bool writers = rs->r && any_involved(rs);
	int r = CLI_EXIT_OK, w;

	if (writers) {
		r = prepare(rs);
		if (r != CLI_EXIT_OK && !rs->pre_restore_sent)
			return r;
		/* pre_restore failed as a whole: nothing to write. */
		for (size_t i = 0; r != CLI_EXIT_OK && i < rs->n_units; i++)
			if (rs->units[i].status == RU_PLANNED)
				restore_unit_fail(rs, &rs->units[i], RU_NONE,
						  "pre_restore failed: nothing "
						  "restored");
	}
	/* Services are stopped even without a writer (one missing). */
	cli_hold_signals(true);
	if (stop_services(rs) < 0 || write_units(rs) < 0)
		r = cli_status_error(rs->cmd, NULL, -ENOMEM, NULL);
	start_services(rs, false);
	if (writers && (w = finish(rs)) != CLI_EXIT_OK)
		r = w;
	start_services(rs, true);
	if (r != CLI_EXIT_OK)
		return r;
	for (size_t i = 0; i < rs->n_units; i++)
		if (rs->units[i].status != RU_ALL &&
		    rs->units[i].status != RU_STAGED)
			return CLI_EXIT_FAILED;
	for (size_t k = 0; k < rs->n_writers; k++)
		if (writer_failed(&rs->writers[k]))
			return CLI_EXIT_FAILED;
	for (size_t i = 0; i < rs->n_services; i++)
		if (rs->services[i].message)
			return CLI_EXIT_FAILED;
	return rs->record_failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

int
restore_run(struct restore *rs)
{
	int r = run_steps(rs);

	restore_remove_empty_roots(rs);
	cli_hold_signals(false);
	/* Stopped before a unit's turn (a signal, a failed selection). */
	for (size_t i = 0; i < rs->n_units; i++) {
		if (rs->units[i].status != RU_PLANNED)
			continue;
		if (cli_interrupted())
			restore_unit_fail(rs, &rs->units[i], RU_NONE,
					  "interrupted by signal %d before its "
					  "turn: nothing restored",
					  cli_interrupted());
		else
			restore_unit_fail(rs, &rs->units[i], RU_NONE,
					  "the restore ended before its turn: "
					  "nothing restored");
	}
	return r;
}
