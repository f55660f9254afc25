/*
 * writers/exec/exec_env.h - the environment of a script writer's
 * command (docs/writer-exec.md "Environment"): vss-writerd's own, with
 * VSS_EVENT, VSS_WRITER_NAME, VSS_INSTANCE_NAME, VSS_SNAPSHOT_SET_ID,
 * VSS_BACKUP_TYPE, VSS_VOLUMES, VSS_COMPONENTS, and VSS_RESTORE_TYPE in
 * restore events, VSS_SNAPSHOT_DEVICES in post_snapshot.
 */
#ifndef EXEC_ENV_H
#define EXEC_ENV_H

#include <stddef.h>

#include <vss/writer.h>

struct exec_env {
	char **vars; /* NULL-terminated "NAME=VALUE", each owned */
	size_t count, cap;
};

/* A copy of our environment without any of the variables above. */
int exec_env_init(struct exec_env *e);
void exec_env_release(struct exec_env *e);
/* Set (replace or add) a variable; 0 or -ENOMEM. */
int exec_env_set(struct exec_env *e, const char *name, const char *value);
/* The variables, for exec_command_opts.envp; borrowed until the next
 * change. */
char *const *exec_env_vars(const struct exec_env *e);

/*
 * Set name to n items, one a line: keys[i], or with values
 * "keys[i]=values[i]" (values NULL: keys alone).  An item that holds a
 * control character (a newline would split it) is refused, and so is a
 * key holding '=' when there are values (a line is split at its first
 * '='): -EINVAL with msg naming the variable and the item (escaped),
 * nothing changed.  0, -EINVAL or -ENOMEM.
 */
int exec_env_set_list(struct exec_env *e, const char *name,
		      const char *const *keys, const char *const *values,
		      size_t n, char *msg, size_t size);

/*
 * Set what an event tells its command.  ev is NULL for identify (only
 * VSS_EVENT and the names are set).  0 or a negative errno; -EINVAL with
 * msg set when a volume, component or shadow copy path cannot be passed
 * (exec_env_set_list()): the event then fails rather than hand its
 * command a list it would misread.
 */
int exec_env_set_event(struct exec_env *e, const char *event,
		       const char *writer_name, const char *instance_name,
		       vss_writer_event *ev, char *msg, size_t size);

#endif
