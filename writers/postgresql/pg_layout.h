/*
 * writers/postgresql/pg_layout.h - where a PostgreSQL cluster keeps its
 * files (data directory, WAL directory, tablespaces) and the components
 * and excludes of the writer metadata document that cover them
 * (docs/writer-postgresql.md "What is backed up").
 */
#ifndef PG_LAYOUT_H
#define PG_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>

/* The oldest server with pg_backup_start / pg_backup_stop. */
#define PG_MIN_SERVER_VERSION 150000

/* The component of the cluster; tablespaces sit below it. */
#define PG_CLUSTER_COMPONENT "cluster"

struct pg_tablespace {
	uint32_t oid;
	char *name;     /* pg_tablespace.spcname */
	char *location; /* absolute, symbolic links resolved */
};

struct pg_layout {
	int server_version; /* server_version_num, e.g. 150004 */
	char *data_dir;     /* absolute, symbolic links resolved */
	char *wal_dir;      /* DATA/pg_wal resolved: may lie elsewhere */
	struct pg_tablespace *tablespaces;
	size_t n_tablespaces;
};

/* Frees what the layout holds and empties it; NULL-safe. */
void pg_layout_release(struct pg_layout *l);

/* A deep copy of from into *ret (empty before); -ENOMEM. */
int pg_layout_copy(struct pg_layout *ret, const struct pg_layout *from);

/*
 * Append a tablespace as the server names it (strings copied).  Oids 0 and
 * duplicates are refused (-EINVAL).
 */
int pg_layout_add_tablespace(struct pg_layout *l, uint32_t oid,
			     const char *name, const char *location);

/*
 * Resolve the paths the server reported on this host: the data directory,
 * its pg_wal (a symbolic link when the WAL lives elsewhere) and every
 * tablespace location, each to an absolute path without symbolic links.
 * A path that does not resolve to a directory fails with err set
 * ("data directory '/x': No such file or directory").
 */
int pg_layout_resolve(struct pg_layout *l, const char *data_dir,
		      struct vss_error *err);

/*
 * The component name of a tablespace: its name, or "tablespace-OID" when
 * the name cannot be a component name (a '\' or '/' in it).  Written into
 * buf (at least 80 bytes).
 */
const char *pg_layout_tablespace_component(const struct pg_tablespace *t,
					   char *buf, size_t len);

/*
 * Add to wmd the components (cluster, one per tablespace below it) and
 * PostgreSQL's documented excludes of this layout.
 */
int pg_layout_fill_wmd(const struct pg_layout *l, vss_wmd *wmd,
		       struct vss_error *err);

#endif
