/*
 * writers/postgresql/pg_state.h - the layout of a cluster as the writer
 * last saw it, kept in vss-writerd's state directory (wd_state_save())
 * so that a writer restarted while the server is down for a restore can
 * still describe the cluster:
 *
 *   {"format": "vss-postgresql-state", "version": 1,
 *    "server_version": 150004,
 *    "data_directory": "/var/lib/postgresql/15/main",
 *    "wal_directory": "/var/lib/postgresql/15/main/pg_wal",
 *    "tablespaces": [{"oid": 16384, "name": "ts1", "location": "/srv/ts1"}]}
 *
 * Decoding is strict all the same: every key required, no other key
 * taken, paths clean and absolute.
 */
#ifndef PG_STATE_H
#define PG_STATE_H

#include <stddef.h>

#include <vss/metadata.h>

#include "pg_layout.h"

#define PG_STATE_FORMAT	 "vss-postgresql-state"
#define PG_STATE_VERSION 1

/* The JSON text of l; caller owns *ret, free with free().  -ENOMEM. */
int pg_state_encode(const struct pg_layout *l, char **ret);

/*
 * Decode len bytes of text into *ret (empty before; caller releases it
 * with pg_layout_release()).  -EBADMSG with err's message set, or
 * -ENOMEM; *ret untouched on failure.
 */
int pg_state_decode(const char *text, size_t len, struct pg_layout *ret,
		    struct vss_error *err);

#endif
