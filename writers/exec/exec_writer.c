/*
 * writers/exec/exec_writer.c - type = exec, the script writer
 * (docs/writer-exec.md): the components, excludes and restore method
 * come from the file; each event runs the command [exec] gives it, and
 * the command's exit status is the event's result.  A freeze with
 * freeze_hold = true keeps its command running, frozen, until thaw.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "backend.h"
#include "exec_command.h"
#include "exec_config.h"
#include "exec_env.h"
#include "exec_failure.h"
#include "exec_hold.h"
#include "ini.h"

#define EXEC_MESSAGE_MAX 512

struct exec_writer {
	struct exec_config cfg;
	struct exec_hold *hold; /* the held freeze command, or NULL */
	/*
	 * A freeze command (not held) succeeded and neither thaw nor abort
	 * has come since: release() runs the abort command to undo it.
	 */
	bool frozen;
};

/* What the line callback needs to log a command's output. */
struct exec_log_ctx {
	struct wd_writer *w;
	const char *event;
};

static int
exec_state_new(void **ret)
{
	struct exec_writer *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	exec_config_init(&x->cfg);
	*ret = x;
	return 0;
}

static void
exec_state_free(void *state)
{
	struct exec_writer *x = state;

	if (!x)
		return;
	/* release() has run before: nothing is held any more. */
	exec_config_release(&x->cfg);
	free(x);
}

static int
exec_config_key_cb(void *state, const char *key, const char *value,
		   struct vss_error *err)
{
	struct exec_writer *x = state;

	return exec_config_key(&x->cfg, key, value, err);
}

static int
exec_config_done(void *state, struct wdecl *decl, struct vss_error *err)
{
	struct exec_writer *x = state;

	if (!decl->has_restore_method) {
		wini_seterr(err, "an exec writer needs a [restore] section "
			    "(its restore method)");
		return -EINVAL;
	}
	if (decl->component_count == 0) {
		wini_seterr(err, "an exec writer needs at least one "
			    "[component NAME]");
		return -EINVAL;
	}
	return exec_config_check(&x->cfg, err);
}

static void
log_line(void *userdata, enum exec_stream stream, const char *line, bool cut)
{
	struct exec_log_ctx *ctx = userdata;

	wd_log(ctx->w, WD_LOG_INFO, "%s command %s: %s%s", ctx->event,
	       stream == EXEC_STDERR ? "stderr" : "stdout", line,
	       cut ? " [line cut]" : "");
}

/* How a command ended, for the log. */
static void
log_end(struct wd_writer *w, const char *event,
	const struct exec_command_result *r)
{
	char sig[16];

	if (r->output_cut)
		wd_log(w, WD_LOG_WARNING,
		       "%s command: output cut: its shell exited but a "
		       "process outside its process group still holds its "
		       "stdout or stderr", event);
	if (r->lines_dropped)
		wd_log(w, WD_LOG_NOTICE,
		       "%s command: %u more output lines not logged", event,
		       r->lines_dropped);
	switch (r->end) {
	case EXEC_EXITED:
		wd_log(w, WD_LOG_DEBUG, "%s command: exit status %d (%u ms)",
		       event, r->exit_status, r->elapsed_ms);
		break;
	case EXEC_SIGNALED:
		wd_log(w, WD_LOG_DEBUG, "%s command: killed by signal %s "
		       "(%u ms)", event, exec_signal_name(r->signal, sig),
		       r->elapsed_ms);
		break;
	case EXEC_TIMED_OUT:
		wd_log(w, WD_LOG_WARNING, "%s command: killed at its deadline "
		       "(%u ms)", event, r->elapsed_ms);
		break;
	}
}

/* The options of a command of this writer; env and ctx are the caller's. */
static void
command_opts(const struct exec_writer *x, const char *command,
	     const struct exec_env *env, struct exec_log_ctx *ctx,
	     struct exec_command_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->command = command;
	o->envp = exec_env_vars(env);
	o->user = x->cfg.user;
	o->working_dir = x->cfg.working_dir;
	o->on_line = log_line;
	o->userdata = ctx;
}

/*
 * The environment of event (ev NULL: identify, or release() outside an
 * event): 0, or the writer failure with msg set and env released.
 */
static int
event_env(struct wd_writer *w, const char *event, vss_writer_event *ev,
	  struct exec_env *env, char *msg, size_t size)
{
	char why[EXEC_MESSAGE_MAX / 2];
	int r = exec_env_init(env);

	if (r == 0)
		r = exec_env_set_event(env, event, wd_writer_name(w),
				       wd_writer_instance_name(w), ev, why,
				       sizeof(why));
	if (r == 0)
		return 0;
	exec_env_release(env);
	if (r == -EINVAL)
		snprintf(msg, size, "%s command not run: %s", event, why);
	else
		snprintf(msg, size, "cannot run the %s command: %s", event,
			 strerror(-r));
	return VSS_E_WRITERERROR_NONRETRYABLE;
}

/*
 * Run the command of event e (if any) with the environment of ev (NULL:
 * identify, or release() outside an event).  0, or the writer failure
 * with msg set.
 */
static int
run_event_command(struct wd_writer *w, struct exec_writer *x,
		  enum exec_event e, vss_writer_event *ev, char *msg,
		  size_t size)
{
	const char *event = exec_event_name(e);
	struct exec_log_ctx ctx = {.w = w, .event = event};
	unsigned timeout = exec_config_timeout_ms(&x->cfg, e);
	struct exec_command_result res;
	struct exec_command_opts o;
	struct exec_env env;
	char what[64];
	int r;

	if (!x->cfg.command[e])
		return 0;
	snprintf(what, sizeof(what), "%s command", event);
	r = event_env(w, event, ev, &env, msg, size);
	if (r < 0)
		return r;
	command_opts(x, x->cfg.command[e], &env, &ctx, &o);
	r = exec_command_run(&o, timeout, &res);
	exec_env_release(&env);
	if (r < 0) {
		snprintf(msg, size, "cannot run the %s: %s", what,
			 r == -ENOENT && x->cfg.user ? "no such user"
						     : strerror(-r));
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}
	log_end(w, event, &res);
	return exec_failure_of(&res, &x->cfg.policy, what, timeout, msg, size);
}

/* Let the held freeze command go; 0, or the writer failure with msg. */
static int
release_hold(struct wd_writer *w, struct exec_writer *x, char *msg,
	     size_t size)
{
	struct exec_log_ctx ctx = {.w = w, .event = "freeze"};
	unsigned timeout = exec_config_timeout_ms(&x->cfg, EXEC_EV_THAW);
	struct exec_command_result res;
	bool gone;

	if (!x->hold)
		return 0;
	/* The helper's output since "frozen" is logged as the freeze's. */
	exec_hold_set_output(x->hold, log_line, &ctx);
	wd_log(w, WD_LOG_DEBUG, "thawing the held freeze command (%s)",
	       x->cfg.thaw_signal ? "thaw_signal" : "closing its stdin");
	gone = exec_hold_release(x->hold, x->cfg.thaw_signal, timeout, &res);
	x->hold = NULL;
	log_end(w, "freeze", &res);
	if (gone)
		return exec_failure_hold_gone(&res, msg, size);
	return exec_failure_of(&res, &x->cfg.policy, "held freeze command",
			       timeout, msg, size);
}

static int
exec_identify(vss_writer *vw, vss_wmd *wmd, void *userdata)
{
	struct wd_writer *w = userdata;
	struct exec_writer *x = wd_writer_state(w);
	char msg[EXEC_MESSAGE_MAX];
	struct vss_error err = {0};
	int r;

	/* A failing check means the application is down: retry later. */
	r = run_event_command(w, x, EXEC_EV_IDENTIFY, NULL, msg, sizeof(msg));
	if (r < 0)
		return wd_identify_fail(w, vw,
					r == VSS_E_WRITERERROR_TIMEOUT
						? r
						: VSS_E_WRITERERROR_RETRYABLE,
					"%s", msg);
	r = wdecl_fill_wmd(wd_writer_decl(w), wmd, &err);
	if (r < 0)
		return wd_identify_fail(w, vw, VSS_E_WRITERERROR_NONRETRYABLE,
					"cannot describe the writer: %s",
					err.message);
	return 0;
}

/* An event that only runs its command. */
static int
simple_event(vss_writer_event *ev, void *userdata, enum exec_event e)
{
	struct wd_writer *w = userdata;
	struct exec_writer *x = wd_writer_state(w);
	char msg[EXEC_MESSAGE_MAX];
	int r = run_event_command(w, x, e, ev, msg, sizeof(msg));

	return r < 0 ? wd_event_fail(w, ev, r, "%s", msg) : 0;
}

static int
exec_prepare_backup(vss_writer *vw, vss_writer_event *ev, void *u)
{
	return simple_event(ev, u, EXEC_EV_PREPARE_BACKUP);
}

static int
exec_prepare_snapshot(vss_writer *vw, vss_writer_event *ev, void *u)
{
	return simple_event(ev, u, EXEC_EV_PREPARE_SNAPSHOT);
}

static int
exec_post_snapshot(vss_writer *vw, vss_writer_event *ev, void *u)
{
	return simple_event(ev, u, EXEC_EV_POST_SNAPSHOT);
}

static int
exec_backup_complete(vss_writer *vw, vss_writer_event *ev, void *u)
{
	return simple_event(ev, u, EXEC_EV_BACKUP_COMPLETE);
}

static int
exec_backup_shutdown(vss_writer *vw, vss_writer_event *ev, void *u)
{
	return simple_event(ev, u, EXEC_EV_BACKUP_SHUTDOWN);
}

static int
exec_pre_restore(vss_writer *vw, vss_writer_event *ev, void *u)
{
	return simple_event(ev, u, EXEC_EV_PRE_RESTORE);
}

static int
exec_post_restore(vss_writer *vw, vss_writer_event *ev, void *u)
{
	return simple_event(ev, u, EXEC_EV_POST_RESTORE);
}

/* freeze_hold: start the command and wait for its "frozen". */
static int
hold_freeze(struct wd_writer *w, struct exec_writer *x, vss_writer_event *ev,
	    char *msg, size_t size)
{
	struct exec_log_ctx ctx = {.w = w, .event = "freeze"};
	unsigned timeout = exec_config_timeout_ms(&x->cfg, EXEC_EV_FREEZE);
	struct exec_command_result res;
	struct exec_command_opts o;
	struct exec_env env;
	int r;

	if (x->hold) {
		/* A freeze without thaw before: let that one go first. */
		r = release_hold(w, x, msg, size);
		if (r < 0)
			wd_log(w, WD_LOG_WARNING, "%s", msg);
	}
	r = event_env(w, "freeze", ev, &env, msg, size);
	if (r < 0)
		return r;
	command_opts(x, x->cfg.command[EXEC_EV_FREEZE], &env, &ctx, &o);
	r = exec_hold_start(&o, timeout, &x->hold, &res);
	exec_env_release(&env);
	if (r < 0) {
		snprintf(msg, size, "cannot run the freeze command: %s",
			 r == -ENOENT && x->cfg.user ? "no such user"
						     : strerror(-r));
		return VSS_E_WRITERERROR_NONRETRYABLE;
	}
	if (r == 0) {
		wd_log(w, WD_LOG_DEBUG, "freeze command holds the freeze "
		       "(process group %d)", exec_hold_pgid(x->hold));
		return 0;
	}
	log_end(w, "freeze", &res);
	if (r == 2)
		return exec_failure_hold_gone(&res, msg, size);
	r = exec_failure_of(&res, &x->cfg.policy, "freeze command", timeout,
			    msg, size);
	if (r == 0) {
		snprintf(msg, size, "freeze command exited before printing "
			 "\"%s\"", EXEC_HOLD_FROZEN);
		r = VSS_E_WRITERERROR_NONRETRYABLE;
	}
	return r;
}

static int
exec_freeze(vss_writer *vw, vss_writer_event *ev, void *userdata)
{
	struct wd_writer *w = userdata;
	struct exec_writer *x = wd_writer_state(w);
	char msg[EXEC_MESSAGE_MAX];
	int r;

	if (x->cfg.freeze_hold) {
		r = hold_freeze(w, x, ev, msg, sizeof(msg));
	} else {
		r = run_event_command(w, x, EXEC_EV_FREEZE, ev, msg,
				      sizeof(msg));
		/* Even a failed freeze may have stopped something. */
		x->frozen = x->cfg.command[EXEC_EV_FREEZE] != NULL;
	}
	return r < 0 ? wd_event_fail(w, ev, r, "%s", msg) : 0;
}

/*
 * Thaw and abort: let the held freeze go, then run the event's own
 * command; the first failure is the event's.
 */
static int
unfreeze_event(vss_writer_event *ev, void *userdata, enum exec_event e)
{
	struct wd_writer *w = userdata;
	struct exec_writer *x = wd_writer_state(w);
	char msg[EXEC_MESSAGE_MAX], msg2[EXEC_MESSAGE_MAX];
	int r, r2;

	r = release_hold(w, x, msg, sizeof(msg));
	x->frozen = false;
	r2 = run_event_command(w, x, e, ev, msg2, sizeof(msg2));
	if (r < 0 && r2 < 0)
		wd_log(w, WD_LOG_WARNING, "%s", msg2);
	if (r < 0)
		return wd_event_fail(w, ev, r, "%s", msg);
	return r2 < 0 ? wd_event_fail(w, ev, r2, "%s", msg2) : 0;
}

static int
exec_thaw(vss_writer *vw, vss_writer_event *ev, void *u)
{
	return unfreeze_event(ev, u, EXEC_EV_THAW);
}

static int
exec_abort(vss_writer *vw, vss_writer_event *ev, void *u)
{
	return unfreeze_event(ev, u, EXEC_EV_ABORT);
}

/*
 * Stop, connection lost, after backup_shutdown: thaw what is still
 * frozen.  A held command is let go; a plain freeze that no thaw or
 * abort followed is undone by the abort command.
 */
static void
exec_release(struct wd_writer *w)
{
	struct exec_writer *x = wd_writer_state(w);
	char msg[EXEC_MESSAGE_MAX];

	if (x->hold && release_hold(w, x, msg, sizeof(msg)) < 0)
		wd_log(w, WD_LOG_WARNING, "release: %s", msg);
	if (x->frozen) {
		x->frozen = false;
		wd_log(w, WD_LOG_NOTICE, "release: still frozen, running the "
		       "abort command");
		if (run_event_command(w, x, EXEC_EV_ABORT, NULL, msg,
				      sizeof(msg)) < 0)
			wd_log(w, WD_LOG_WARNING, "release: %s", msg);
	}
}

const struct wd_backend wd_backend_exec = {
	.type = "exec",
	.class_id = "9d68032d-26b3-4fee-86b8-e9a532af0d0d",
	.default_name = "script writer",
	.usage = VSS_UT_USERDATA,
	.source = VSS_ST_OTHER,
	.decl_parts = WDECL_ALL,
	.state_new = exec_state_new,
	.state_free = exec_state_free,
	.config_key = exec_config_key_cb,
	.config_done = exec_config_done,
	.release = exec_release,
	.callbacks = {
		.size = sizeof(struct vss_writer_callbacks),
		.identify = exec_identify,
		.prepare_backup = exec_prepare_backup,
		.prepare_snapshot = exec_prepare_snapshot,
		.freeze = exec_freeze,
		.thaw = exec_thaw,
		.post_snapshot = exec_post_snapshot,
		.abort = exec_abort,
		.backup_complete = exec_backup_complete,
		.backup_shutdown = exec_backup_shutdown,
		.pre_restore = exec_pre_restore,
		.post_restore = exec_post_restore,
	},
};
