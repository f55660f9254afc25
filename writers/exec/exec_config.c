/*
 * writers/exec/exec_config.c - the [exec] section (exec_config.h).
 */
#include "exec_config.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"

static const char *const event_names[EXEC_EV_COUNT] = {
	[EXEC_EV_IDENTIFY] = "identify",
	[EXEC_EV_PREPARE_BACKUP] = "prepare_backup",
	[EXEC_EV_PREPARE_SNAPSHOT] = "prepare_snapshot",
	[EXEC_EV_FREEZE] = "freeze",
	[EXEC_EV_THAW] = "thaw",
	[EXEC_EV_POST_SNAPSHOT] = "post_snapshot",
	[EXEC_EV_BACKUP_COMPLETE] = "backup_complete",
	[EXEC_EV_BACKUP_SHUTDOWN] = "backup_shutdown",
	[EXEC_EV_ABORT] = "abort",
	[EXEC_EV_PRE_RESTORE] = "pre_restore",
	[EXEC_EV_POST_RESTORE] = "post_restore",
};

const char *
exec_event_name(enum exec_event e)
{
	return e < EXEC_EV_COUNT ? event_names[e] : "unknown";
}

void
exec_config_init(struct exec_config *c)
{
	memset(c, 0, sizeof(*c));
	exec_failure_policy_init(&c->policy);
}

void
exec_config_release(struct exec_config *c)
{
	int e;

	for (e = 0; e < EXEC_EV_COUNT; e++)
		free(c->command[e]);
	free(c->user);
	free(c->working_dir);
	memset(c, 0, sizeof(*c));
}

/* The event whose command (or, with suffix, deadline) key this is. */
static int
event_of_key(const char *key, const char *suffix)
{
	size_t n, s = strlen(suffix);
	int e;

	for (e = 0; e < EXEC_EV_COUNT; e++) {
		n = strlen(event_names[e]);
		if (strncmp(key, event_names[e], n) == 0 &&
		    strcmp(key + n, suffix) == 0 && (s > 0 || key[n] == '\0'))
			return e;
	}
	return -1;
}

static int
positive_seconds(unsigned *ret_ms, const char *value, struct vss_error *err)
{
	unsigned ms;
	int r = wini_seconds(&ms, value, err);

	if (r < 0)
		return r;
	if (ms == 0) {
		wini_seterr(err, "a deadline must be more than 0 seconds");
		return -EINVAL;
	}
	*ret_ms = ms;
	return 0;
}

static int
retryable_exits(struct exec_failure_policy *p, const char *value,
		struct vss_error *err)
{
	char *words[EXEC_RETRYABLE_EXIT_MAX], *copy = NULL;
	int codes[EXEC_RETRYABLE_EXIT_MAX];
	unsigned status;
	int n, i, r;

	n = wini_words(value, &copy, words, EXEC_RETRYABLE_EXIT_MAX, err);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		r = wini_unsigned(&status, words[i], 255, err);
		if (r < 0) {
			free(copy);
			return r;
		}
		codes[i] = (int)status;
	}
	memcpy(p->retryable_exit, codes, (size_t)n * sizeof(codes[0]));
	p->retryable_count = (size_t)n;
	free(copy);
	return 0;
}

/*
 * A thaw signal must end a helper that does not handle it: not KILL
 * (cannot be handled), not those ignored by default (CHLD, WINCH, URG,
 * CONT), nor those that stop rather than end (STOP, TSTP, TTIN, TTOU).
 */
static bool
thaw_signal_ok(int sig)
{
	switch (sig) {
	case 0:
	case SIGKILL:
	case SIGCHLD:
	case SIGWINCH:
	case SIGURG:
	case SIGCONT:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return false;
	default:
		return true;
	}
}

int
exec_config_key(struct exec_config *c, const char *key, const char *value,
		struct vss_error *err)
{
	int e;

	if ((e = event_of_key(key, "")) >= 0) {
		if (!*value) {
			wini_seterr(err, "an empty command");
			return -EINVAL;
		}
		return wini_set_str(&c->command[e], value);
	}
	if ((e = event_of_key(key, "_timeout")) >= 0)
		return positive_seconds(&c->timeout_ms[e], value, err);
	if (strcmp(key, "timeout") == 0)
		return positive_seconds(&c->timeout_all_ms, value, err);
	if (strcmp(key, "freeze_hold") == 0)
		return wini_bool(&c->freeze_hold, value, err);
	if (strcmp(key, "thaw_signal") == 0) {
		int sig = exec_signal_parse(value);

		if (!thaw_signal_ok(sig)) {
			wini_seterr(err, "\"%s\" is not a signal a helper can "
				    "handle (TERM, USR1, HUP ...)", value);
			return -EINVAL;
		}
		c->thaw_signal = sig;
		return 0;
	}
	if (strcmp(key, "retryable_exit") == 0)
		return retryable_exits(&c->policy, value, err);
	if (strcmp(key, "failure") == 0) {
		if (strcmp(value, "retryable") == 0)
			c->policy.other_retryable = true;
		else if (strcmp(value, "nonretryable") == 0)
			c->policy.other_retryable = false;
		else {
			wini_seterr(err, "\"%s\" is not retryable or "
				    "nonretryable", value);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "user") == 0) {
		if (!*value) {
			wini_seterr(err, "an empty user name");
			return -EINVAL;
		}
		return wini_set_str(&c->user, value);
	}
	if (strcmp(key, "working_dir") == 0) {
		if (value[0] != '/') {
			wini_seterr(err, "\"%s\" is not an absolute path",
				    value);
			return -EINVAL;
		}
		return wini_set_str(&c->working_dir, value);
	}
	wini_seterr(err, "unknown key");
	return -EINVAL;
}

static bool
user_exists(const char *name)
{
	struct passwd pw, *found = NULL;
	char buf[16384];

	return getpwnam_r(name, &pw, buf, sizeof(buf), &found) == 0 && found;
}

int
exec_config_check(const struct exec_config *c, struct vss_error *err)
{
	if (c->freeze_hold && !c->command[EXEC_EV_FREEZE]) {
		wini_seterr(err, "[exec] freeze_hold needs a freeze command");
		return -EINVAL;
	}
	if (c->thaw_signal && !c->freeze_hold) {
		wini_seterr(err, "[exec] thaw_signal needs freeze_hold = true");
		return -EINVAL;
	}
	if (c->user && !user_exists(c->user)) {
		wini_seterr(err, "[exec] user \"%s\" does not exist", c->user);
		return -EINVAL;
	}
	return 0;
}

unsigned
exec_config_timeout_ms(const struct exec_config *c, enum exec_event e)
{
	if (c->timeout_ms[e])
		return c->timeout_ms[e];
	if (c->timeout_all_ms)
		return c->timeout_all_ms;
	return e == EXEC_EV_FREEZE ? EXEC_DEFAULT_FREEZE_TIMEOUT_MS
				   : EXEC_DEFAULT_TIMEOUT_MS;
}
