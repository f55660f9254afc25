/*
 * writers/postgresql/pg_label.h - the two files pg_backup_stop() returns:
 * the backup label (where recovery starts) and the tablespace map (which
 * tablespace oid lives where), as PostgreSQL 15 writes and reads them.
 */
#ifndef PG_LABEL_H
#define PG_LABEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>

/* A WAL segment file name: timeline, log and segment, 8 hex digits each. */
#define PG_WAL_FILE_LEN 24

/*
 * The WAL segment named by the label's "START WAL LOCATION: X/X (file
 * NAME)" line, into ret.  -EBADMSG with err set when the label has no such
 * line or it is malformed.
 */
int pg_label_start_wal_file(const char *label, char ret[PG_WAL_FILE_LEN + 1],
			    struct vss_error *err);

/* Is text an LSN as PostgreSQL prints it ("16/B374D848")? */
bool pg_label_is_lsn(const char *text);

struct pg_spcmap_entry {
	uint32_t oid;
	char *path; /* unescaped */
};

struct pg_spcmap {
	struct pg_spcmap_entry *entries;
	size_t count;
};

/*
 * Parse a tablespace map: lines "OID PATH" ended by '\n' (or "\r\n"),
 * the path's '\n', '\r' and '\' escaped with a '\'.  -EBADMSG with err set
 * on a malformed line (no oid, oid 0 or out of range, no path, a relative
 * path, a duplicate oid, a last line without its end).  Caller owns *ret;
 * free with pg_spcmap_release().
 */
int pg_spcmap_parse(const char *text, struct pg_spcmap *ret,
		    struct vss_error *err);
void pg_spcmap_release(struct pg_spcmap *m);
/* Format as PostgreSQL writes it; caller frees *ret. */
int pg_spcmap_format(const struct pg_spcmap *m, char **ret);

#endif
