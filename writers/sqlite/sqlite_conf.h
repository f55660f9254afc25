/*
 * writers/sqlite/sqlite_conf.h - the SQLite writer's state: its [sqlite]
 * section (the databases, the busy timeout) and, per database, what it
 * holds in a backup and what it recorded before a restore.
 */
#ifndef SQLITE_CONF_H
#define SQLITE_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include <vss/metadata.h>

#include "decl.h"
#include "sqlite_hold.h"
#include "sqlite_restore.h"

/* Databases one writer may have. */
#define SQLITE_MAX_DATABASES 64
/* busy_timeout when the file sets none. */
#define SQLITE_DEFAULT_BUSY_MS 5000u

struct sqlite_db {
	char *path;                      /* absolute */
	char *component;                 /* its component's name */
	struct sqlite_restore_mark mark; /* from pre_restore */
};

struct sqlite_state {
	struct sqlite_db *dbs;
	struct sqlite_hold *holds; /* holds[i] is of dbs[i]; config_done */
	size_t count;
	unsigned busy_ms;
};

/* The backend's state_new, state_free, config_key and config_done. */
int sqlite_state_new(void **ret);
void sqlite_state_free(void *state);
int sqlite_config_key(void *state, const char *key, const char *value,
		      struct vss_error *err);
int sqlite_config_done(void *state, struct wdecl *decl,
		       struct vss_error *err);

#endif
