/*
 * fuzz_pg_meta.c - libFuzzer target for the PostgreSQL writer's backup
 * metadata decoder (writers/postgresql/pg_meta.c), which reads what a
 * backup set hands back at restore, and through it the backup label and
 * tablespace map readers (pg_label.c).  A document accepted must keep
 * the promises post_restore relies on (a clean absolute data directory,
 * WAL directory and tablespace locations, a label naming its start WAL
 * segment, a map that parses and lists exactly the tablespaces) and must
 * encode and decode again to the same metadata; a refusal must be
 * -EBADMSG with a message.  An accepted document then goes through the
 * restore plan (pg_restore.c): refused when the writer knows no cluster,
 * and, when it knows the document's own, placed in place with a map of
 * the listed locations.  The same bytes also go to the decoder of the
 * layout vss-writerd keeps in its state directory (pg_state.c): what it
 * accepts has clean paths and encodes to text that decodes and encodes
 * to the same text again.  Anything else aborts.  See run.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "cleanpath.h"
#include "pg_label.h"
#include "pg_meta.h"
#include "pg_restore.h"
#include "pg_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "fuzz_pg_meta: %s\n", what);
	abort();
}

static void
same(const char *a, const char *b, const char *what)
{
	if (strcmp(a, b) != 0)
		die(what);
}

static void
check_accepted(const struct pg_meta *m)
{
	char wal[PG_WAL_FILE_LEN + 1];
	struct pg_meta again = {0};
	struct pg_spcmap map;
	struct vss_error err;
	char *text;

	if (!wpath_clean(m->data_directory) || !wpath_clean(m->wal_directory))
		die("data or WAL directory not clean");
	if (pg_label_start_wal_file(m->backup_label, wal, &err) != 0)
		die("label without its start WAL file");
	if (pg_spcmap_parse(m->tablespace_map, &map, &err) != 0)
		die("tablespace map does not parse");
	for (size_t i = 0; i < map.count; i++)
		if (map.entries[i].oid == 0 || map.entries[i].path[0] != '/')
			die("tablespace map entry taken");
	pg_spcmap_release(&map);
	for (size_t i = 0; i < m->n_tablespaces; i++)
		if (m->tablespaces[i].oid == 0 ||
		    !wpath_clean(m->tablespaces[i].location))
			die("tablespace taken");
	if (pg_meta_encode(m, &text) != 0)
		die("encode failed");
	if (pg_meta_decode(text, strlen(text), &again, &err) != 0)
		die("encoded metadata refused");
	same(again.data_directory, m->data_directory, "data directory");
	same(again.backup_label, m->backup_label, "label");
	same(again.tablespace_map, m->tablespace_map, "map");
	same(again.start_lsn, m->start_lsn, "start lsn");
	same(again.stop_lsn, m->stop_lsn, "stop lsn");
	if (again.server_version != m->server_version ||
	    again.n_tablespaces != m->n_tablespaces)
		die("round trip");
	for (size_t i = 0; i < m->n_tablespaces; i++) {
		if (again.tablespaces[i].oid != m->tablespaces[i].oid)
			die("tablespace oid");
		same(again.tablespaces[i].name, m->tablespaces[i].name,
		     "tablespace name");
		same(again.tablespaces[i].location,
		     m->tablespaces[i].location, "tablespace location");
	}
	free(text);
	pg_meta_release(&again);
}

/* The restore plan of text (accepted as m) for a writer that knows k. */
static int
plan_of(const char *text, const struct pg_layout *k,
	struct pg_restore_plan *ret)
{
	static const char class_id[] = "47962783-475d-423c-9f7b-2b8c7f2db622";
	vss_bcd_component *c;
	struct vss_error err = {0};
	vss_id cls, inst = {0};
	vss_bcd_writer *w;
	vss_bcd *bcd;
	int r;

	if (vss_id_parse(&cls, class_id) != 0 || vss_bcd_new(&bcd) != 0)
		die("bcd");
	if (vss_bcd_add_writer(bcd, &cls, &inst, "main", 0, &w) != 0 ||
	    vss_bcd_writer_add_component(w, VSS_CT_FILEGROUP, NULL,
					 PG_CLUSTER_COMPONENT, &c) != 0 ||
	    vss_bcd_component_set_text(c, VSS_TEXT_BACKUP_METADATA, text) != 0)
		die("bcd writer");
	r = pg_restore_plan_init(ret, w, c, k, &err);
	if (r < 0 && r != -ENOMEM && !err.message[0])
		die("plan refused without a message");
	vss_bcd_free(bcd);
	return r;
}

static void
check_plan(const struct pg_meta *m)
{
	struct pg_layout known = {0};
	struct pg_restore_plan p;
	struct vss_error err;
	struct pg_spcmap map;
	char *text;
	int r;

	if (pg_meta_encode(m, &text) != 0)
		die("encode failed");
	r = plan_of(text, &known, &p);
	if (r == 0)
		die("a cluster the writer does not know is placed");
	known.data_dir = m->data_directory;
	known.wal_dir = m->wal_directory;
	known.tablespaces = m->tablespaces;
	known.n_tablespaces = m->n_tablespaces;
	r = plan_of(text, &known, &p);
	free(text);
	if (r == -ENOMEM)
		return;
	if (r != 0)
		die("the writer's own cluster is refused");
	if (p.moved || strcmp(p.data_dir, m->data_directory) != 0)
		die("moved without a new target");
	if (pg_spcmap_parse(p.tablespace_map, &map, &err) != 0 ||
	    map.count != m->n_tablespaces)
		die("planned map");
	for (size_t i = 0; i < map.count; i++) {
		size_t k = 0;

		while (k < m->n_tablespaces &&
		       m->tablespaces[k].oid != map.entries[i].oid)
			k++;
		if (k == m->n_tablespaces ||
		    strcmp(map.entries[i].path, m->tablespaces[k].location))
			die("planned map entry");
	}
	pg_spcmap_release(&map);
	pg_restore_plan_release(&p);
}

static void
check_state(const uint8_t *data, size_t size)
{
	struct pg_layout l = {0}, again = {0};
	struct vss_error err = {0};
	char *text, *text2;
	int r;

	r = pg_state_decode((const char *)data, size, &l, &err);
	if (r != 0) {
		if (r != -ENOMEM && (r != -EBADMSG || !err.message[0]))
			die("state refused without -EBADMSG and a message");
		return;
	}
	if (!wpath_clean(l.data_dir) || !wpath_clean(l.wal_dir))
		die("state: data or WAL directory not clean");
	for (size_t i = 0; i < l.n_tablespaces; i++)
		if (!wpath_clean(l.tablespaces[i].location))
			die("state: tablespace not clean");
	if (pg_state_encode(&l, &text) != 0)
		die("state: encode failed");
	if (pg_state_decode(text, strlen(text), &again, &err) != 0)
		die("state: encoded layout refused");
	if (pg_state_encode(&again, &text2) != 0)
		die("state: encode failed");
	same(text, text2, "state round trip");
	free(text);
	free(text2);
	pg_layout_release(&l);
	pg_layout_release(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_meta m = {0};
	struct vss_error err = {0};
	int r;

	r = pg_meta_decode((const char *)data, size, &m, &err);
	if (r == 0) {
		check_accepted(&m);
		check_plan(&m);
		pg_meta_release(&m);
	} else if (r != -EBADMSG || !err.message[0]) {
		if (r != -ENOMEM)
			die("refused without -EBADMSG and a message");
	}
	check_state(data, size);
	return 0;
}
