/*
 * writers/exec/exec_config.h - the [exec] section of a script writer's
 * file (docs/writer-exec.md "Keys"): a command per event, deadlines, the
 * held freeze, what exit statuses mean, user and working directory.
 */
#ifndef EXEC_CONFIG_H
#define EXEC_CONFIG_H

#include <stdbool.h>

#include <vss/metadata.h>

#include "exec_failure.h"

/* The events a command can be given for, in the order of a backup. */
enum exec_event {
	EXEC_EV_IDENTIFY,
	EXEC_EV_PREPARE_BACKUP,
	EXEC_EV_PREPARE_SNAPSHOT,
	EXEC_EV_FREEZE,
	EXEC_EV_THAW,
	EXEC_EV_POST_SNAPSHOT,
	EXEC_EV_BACKUP_COMPLETE,
	EXEC_EV_BACKUP_SHUTDOWN,
	EXEC_EV_ABORT,
	EXEC_EV_PRE_RESTORE,
	EXEC_EV_POST_RESTORE,
	EXEC_EV_COUNT
};

#define EXEC_DEFAULT_TIMEOUT_MS 60000
#define EXEC_DEFAULT_FREEZE_TIMEOUT_MS 10000

struct exec_config {
	char *command[EXEC_EV_COUNT];       /* NULL: none */
	unsigned timeout_ms[EXEC_EV_COUNT]; /* <event>_timeout; 0: unset */
	unsigned timeout_all_ms;            /* timeout; 0: unset */
	bool freeze_hold;
	int thaw_signal;                    /* 0: close the helper's stdin */
	struct exec_failure_policy policy;
	char *user;                         /* NULL: the daemon's */
	char *working_dir;                  /* NULL: "/" */
};

/* The event's name, which is also its key ("prepare_backup"). */
const char *exec_event_name(enum exec_event e);

void exec_config_init(struct exec_config *c);
void exec_config_release(struct exec_config *c);
/* One key of [exec]: 0, or -EINVAL (-ENOMEM) with err's message set. */
int exec_config_key(struct exec_config *c, const char *key, const char *value,
		    struct vss_error *err);
/* After the section: what depends on several keys; -EINVAL with err. */
int exec_config_check(const struct exec_config *c, struct vss_error *err);
/* The deadline of an event's command: its own, else timeout, else the
 * default (60 s; freeze 10 s). */
unsigned exec_config_timeout_ms(const struct exec_config *c,
				enum exec_event e);

#endif
