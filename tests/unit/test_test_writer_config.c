/*
 * tests/unit/test_test_writer_config.c - the configuration of
 * vss-test-writer (TL-030): the INI file, the command-line flags and the
 * writer metadata document they describe, without a daemon.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vss/metadata.h>
#include <vss/status.h>

#include "config.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

/* A full configuration touching every section and key. */
static const char full_config[] =
	"; the writer of the tests\n"
	"# both comment styles\n"
	"[writer]\n"
	"class_id = {0b7a5c5e-1111-4222-8333-944455556666}\n"
	"name = db writer\n"
	"instance_name = first\n"
	"usage = system_service\n"
	"source = TRANSACTION_DB\n"
	"level = back-end\n"
	"freeze_timeout_ms = 5000\n"
	"version = 2.7\n"
	"backup_schema = differential, incremental|0x10\n"
	"exclude = /srv/db *.tmp true\n"
	"exclude = \"/srv/my data\" * no\n"
	"exclude_from_snapshot = /srv/db *.lock false\n"
	"\n"
	"[restore]\n"
	"method = RESTORE_IF_CAN_BE_REPLACED\n"
	"service = dbd\n"
	"writer_restore = always\n"
	"reboot_required = yes\n"
	"alternate_location = /srv/files * true /restore/files\n"
	"\n"
	"[component main]\n"
	"logical_path = databases/prod\n"
	"type = database\n"
	"caption = Main database\n"
	"selectable = false\n"
	"selectable_for_restore = true\n"
	"restore_metadata = on\n"
	"notify_on_backup_complete = 1\n"
	"flags = backup_recovery not_system_state\n"
	"database_files = /srv/db main.db mask=0x101\n"
	"log_files = /srv/db/log *.log\n"
	"dependency = 0b7a5c5e-aaaa-4222-8333-944455556666 other\\x\\y\n"
	"\n"
	"[component files]\n"
	"files = /srv/files * true alternate=/srv/alt mask=0xF0F\n"
	"files = /srv/files2 *.txt false\n"
	"\n"
	"[event freeze]\n"
	"fail = retryable\n"
	"count = 3\n"
	"message = busy\n"
	"stall = 1.5\n"
	"\n"
	"[event thaw]\n"
	"fail = non-retryable\n"
	"count = always\n"
	"nonfatal = true\n"
	"\n"
	"[event post-snapshot]\n"
	"stall = 2\n"
	"\n"
	"[run]\n"
	"log = /tmp/tw.log\n"
	"marker_dir = /tmp/markers\n"
	"write_every_ms = 10\n"
	"socket = /tmp/vssd.sock\n"
	"ready_file = /tmp/tw.ready\n";

static int
setup(void **state)
{
	struct tw_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg || tw_config_init(cfg) < 0)
		return -1;
	*state = cfg;
	return 0;
}

static int
teardown(void **state)
{
	tw_config_release(*state);
	free(*state);
	return 0;
}

static void
assert_id(const vss_id *id, const char *text)
{
	char buf[VSS_ID_STRLEN];

	vss_id_format(id, buf);
	assert_string_equal(buf, text);
}

/* A configuration file under /tmp; caller frees the path after unlink. */
static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/test_tw_config.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	return path;
}

/* Defaults: the test writer class, USER_DATA, OTHER, front end, 1.0. */
static void
test_defaults(void **state)
{
	struct tw_config *cfg = *state;
	struct vss_error err;
	const struct vss_writer_identity *id;
	vss_wmd *wmd;
	int e;

	assert_id(&cfg->decl.class_id, TW_DEFAULT_CLASS_ID);
	assert_string_equal(cfg->decl.name, "vss-test-writer");
	assert_null(cfg->decl.instance_name);
	assert_int_equal(cfg->decl.usage, VSS_UT_USERDATA);
	assert_int_equal(cfg->decl.source, VSS_ST_OTHER);
	assert_int_equal(cfg->decl.level, VSS_APP_FRONT_END);
	assert_int_equal(cfg->decl.freeze_timeout_ms, 0);
	for (e = 0; e < TW_EV_COUNT; e++) {
		assert_int_equal(cfg->faults[e].status, 0);
		assert_int_equal(cfg->faults[e].stall_ms, 0);
	}
	assert_int_equal(wdecl_new_wmd(&cfg->decl, &wmd, &err), 0);
	id = vss_wmd_identity(wmd);
	assert_string_equal(id->friendly_name, "vss-test-writer");
	assert_int_equal(id->major_version, 1);
	assert_int_equal(id->minor_version, 0);
	assert_true(vss_id_is_null(&id->instance_id));
	assert_int_equal(vss_wmd_component_count(wmd), 0);
	assert_null(vss_wmd_restore_method(wmd));
	vss_wmd_free(wmd);
}

static void
test_event_names(void **state)
{
	enum tw_event e;
	int i;

	(void)state;
	for (i = 0; i < TW_EV_COUNT; i++) {
		assert_non_null(tw_event_name((enum tw_event)i));
		assert_int_equal(tw_event_parse(&e, tw_event_name(i)), 0);
		assert_int_equal(e, i);
	}
	assert_int_equal(tw_event_parse(&e, "Prepare-Backup"), 0);
	assert_int_equal(e, TW_EV_PREPARE_BACKUP);
	e = TW_EV_THAW;
	assert_int_equal(tw_event_parse(&e, "prepare"), -EINVAL);
	assert_int_equal(tw_event_parse(&e, ""), -EINVAL);
	assert_int_equal(e, TW_EV_THAW);
	assert_null(tw_event_name(TW_EV_COUNT));
}

static void
test_full_file(void **state)
{
	struct tw_config *cfg = *state;
	struct vss_error err;
	const struct wdecl_component *c;

	assert_int_equal(tw_config_load_string(cfg, full_config, &err), 0);
	assert_id(&cfg->decl.class_id,
		  "0b7a5c5e-1111-4222-8333-944455556666");
	assert_string_equal(cfg->decl.name, "db writer");
	assert_string_equal(cfg->decl.instance_name, "first");
	assert_int_equal(cfg->decl.usage, VSS_UT_SYSTEMSERVICE);
	assert_int_equal(cfg->decl.source, VSS_ST_TRANSACTEDDB);
	assert_int_equal(cfg->decl.level, VSS_APP_BACK_END);
	assert_int_equal(cfg->decl.freeze_timeout_ms, 5000);
	assert_int_equal(cfg->decl.major_version, 2);
	assert_int_equal(cfg->decl.minor_version, 7);
	assert_int_equal(cfg->decl.backup_schema, VSS_BS_DIFFERENTIAL |
			 VSS_BS_INCREMENTAL | VSS_BS_COPY);

	assert_int_equal(cfg->decl.excludes.count, 2);
	assert_string_equal(cfg->decl.excludes.items[0].path, "/srv/db");
	assert_string_equal(cfg->decl.excludes.items[0].filespec, "*.tmp");
	assert_true(cfg->decl.excludes.items[0].recursive);
	assert_string_equal(cfg->decl.excludes.items[1].path,
			    "/srv/my data");
	assert_false(cfg->decl.excludes.items[1].recursive);
	assert_int_equal(cfg->decl.excludes_from_snapshot.count, 1);

	assert_true(cfg->decl.has_restore_method);
	assert_int_equal(cfg->decl.restore_method,
			 VSS_RME_RESTORE_IF_CAN_REPLACE);
	assert_string_equal(cfg->decl.restore_service, "dbd");
	assert_int_equal(cfg->decl.writer_restore, VSS_WRE_ALWAYS);
	assert_true(cfg->decl.reboot_required);
	assert_int_equal(cfg->decl.mapping_count, 1);
	assert_string_equal(cfg->decl.mappings[0].destination,
			    "/restore/files");

	assert_int_equal(cfg->decl.component_count, 2);
	c = &cfg->decl.components[0];
	assert_string_equal(c->name, "main");
	/* '/' typed between elements is stored as '\'. */
	assert_string_equal(c->logical_path, "databases\\prod");
	assert_int_equal(c->type, VSS_CT_DATABASE);
	assert_string_equal(c->caption, "Main database");
	assert_false(c->selectable);
	assert_true(c->selectable_for_restore);
	assert_true(c->restore_metadata);
	assert_true(c->notify_on_backup_complete);
	assert_int_equal(c->flags,
			 VSS_CF_BACKUP_RECOVERY | VSS_CF_NOT_SYSTEM_STATE);
	assert_int_equal(c->database_files.count, 1);
	assert_int_equal(c->database_files.items[0].mask, 0x101);
	assert_int_equal(c->log_files.count, 1);
	assert_int_equal(c->dep_count, 1);
	assert_string_equal(c->deps[0].logical_path, "other\\x");
	assert_string_equal(c->deps[0].name, "y");
	c = &cfg->decl.components[1];
	assert_null(c->logical_path);
	assert_int_equal(c->type, VSS_CT_FILEGROUP);
	assert_true(c->selectable);
	assert_int_equal(c->files.count, 2);
	assert_string_equal(c->files.items[0].alternate_path, "/srv/alt");
	assert_int_equal(c->files.items[0].mask, 0xF0F);
	assert_true(c->files.items[0].recursive);
	assert_null(c->files.items[1].alternate_path);
	assert_false(c->files.items[1].recursive);

	assert_int_equal(cfg->faults[TW_EV_FREEZE].status,
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(cfg->faults[TW_EV_FREEZE].count, 3);
	assert_string_equal(cfg->faults[TW_EV_FREEZE].message, "busy");
	assert_int_equal(cfg->faults[TW_EV_FREEZE].stall_ms, 1500);
	assert_false(cfg->faults[TW_EV_FREEZE].nonfatal);
	assert_int_equal(cfg->faults[TW_EV_THAW].status,
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_int_equal(cfg->faults[TW_EV_THAW].count, -1);
	assert_true(cfg->faults[TW_EV_THAW].nonfatal);
	assert_int_equal(cfg->faults[TW_EV_POST_SNAPSHOT].status, 0);
	assert_int_equal(cfg->faults[TW_EV_POST_SNAPSHOT].stall_ms, 2000);

	assert_string_equal(cfg->log_path, "/tmp/tw.log");
	assert_string_equal(cfg->marker_dir, "/tmp/markers");
	assert_int_equal(cfg->write_every_ms, 10);
	assert_string_equal(cfg->socket_path, "/tmp/vssd.sock");
	assert_string_equal(cfg->ready_file, "/tmp/tw.ready");
}

/* The WMD of the full file, examined through the metadata API. */
static void
test_full_wmd(void **state)
{
	struct tw_config *cfg = *state;
	struct vss_error err;
	const struct vss_wm_component *c;
	const struct vss_restore_method_info *rm;
	const struct vss_writer_identity *id;
	vss_wmd *wmd;

	assert_int_equal(tw_config_load_string(cfg, full_config, &err), 0);
	assert_int_equal(wdecl_new_wmd(&cfg->decl, &wmd, &err), 0);
	id = vss_wmd_identity(wmd);
	assert_string_equal(id->friendly_name, "db writer");
	assert_string_equal(id->instance_name, "first");
	assert_int_equal(id->usage, VSS_UT_SYSTEMSERVICE);
	assert_int_equal(id->major_version, 2);
	assert_int_equal(vss_wmd_backup_schema(wmd), 0x13);
	rm = vss_wmd_restore_method(wmd);
	assert_non_null(rm);
	assert_int_equal(rm->method, VSS_RME_RESTORE_IF_CAN_REPLACE);
	assert_string_equal(rm->service, "dbd");
	assert_true(rm->reboot_required);
	assert_int_equal(vss_wmd_alternate_location_mapping_count(wmd), 1);
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 2);
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 1);
	assert_int_equal(vss_wmd_component_count(wmd), 2);
	c = vss_wmd_find_component(wmd, "databases\\prod", "main");
	assert_non_null(c);
	assert_int_equal(c->def.type, VSS_CT_DATABASE);
	assert_string_equal(c->def.caption, "Main database");
	assert_int_equal(c->database_file_count, 1);
	assert_string_equal(c->database_files[0].filespec, "main.db");
	assert_int_equal(c->database_files[0].backup_type_mask, 0x101);
	assert_int_equal(c->log_file_count, 1);
	assert_int_equal(c->dependency_count, 1);
	assert_string_equal(c->dependencies[0].component_name, "y");
	c = vss_wmd_find_component(wmd, NULL, "files");
	assert_non_null(c);
	assert_int_equal(c->file_count, 2);
	assert_string_equal(c->files[0].alternate_path, "/srv/alt");
	vss_wmd_free(wmd);
}

/* Identify must give the same document every time (BK-012). */
static void
test_fill_is_repeatable(void **state)
{
	struct tw_config *cfg = *state;
	struct vss_error err;
	vss_wmd *a, *b;
	char *xa, *xb;
	size_t la, lb;

	assert_int_equal(tw_config_load_string(cfg, full_config, &err), 0);
	assert_int_equal(wdecl_new_wmd(&cfg->decl, &a, &err), 0);
	assert_int_equal(wdecl_new_wmd(&cfg->decl, &b, &err), 0);
	assert_int_equal(vss_wmd_save_xml(a, &xa, &la), 0);
	assert_int_equal(vss_wmd_save_xml(b, &xb, &lb), 0);
	assert_int_equal(la, lb);
	assert_string_equal(xa, xb);
	free(xa);
	free(xb);
	vss_wmd_free(a);
	vss_wmd_free(b);
}

/* Each bad file: the line reported and a word of the message. */
static void
test_file_errors(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *needle;
	} cases[] = {
		{"[writer]\nname = x\n[nope]\nkey = 1\n", 4, "unknown section"},
		{"[writer]\nbogus = 1\n", 2, "[writer] bogus: unknown key"},
		{"key = 1\n", 1, "outside any section"},
		{"[writer]\nclass_id = nope\n", 2, "not an id"},
		{"[writer]\nusage = UNDEFINED\n", 2, "usage type"},
		{"[writer]\nsource = mud\n", 2, "source type"},
		{"[writer]\nlevel = top\n", 2, "unknown level"},
		{"[writer]\nversion = 1.x\n", 2, "not a version"},
		{"[writer]\nfreeze_timeout_ms = -1\n", 2, "not a number"},
		{"[writer]\nbackup_schema = fast\n", 2, "unknown name 'fast'"},
		{"[writer]\nname =\n", 2, "empty writer name"},
		{"[writer]\nexclude = /a *\n", 2, "PATH FILESPEC RECURSIVE"},
		{"[writer]\nexclude = /a * maybe\n", 2, "not a boolean"},
		{"[writer]\nexclude = /a * true mask=1\n", 2, "unexpected"},
		{"[writer]\nexclude = \"/a * true\n", 2, "unterminated quote"},
		{"[writer]\nexclude = a b c d e f g\n", 2, "more than"},
		{"\n[writer\nname = x\n", 2, "expected [section]"},
		{"[writer]\nname x\n", 2, "expected [section]"},
		{"[restore]\nmethod = UNDEFINED\n", 2, "restore method"},
		{"[restore]\nservice = x\n", 0, "method is required"},
		{"[restore]\nwriter_restore = sometimes\n", 2,
		 "writer restore"},
		{"[restore]\nalternate_location = /a * true\n", 2,
		 "DESTINATION"},
		{"[component a/b]\ntype = database\n", 2, "one element"},
		{"[component x]\ntype = blob\n", 2, "component type"},
		{"[component x]\nfiles = /a * true alternate=\n", 2,
		 "unexpected"},
		{"[component x]\ndatabase_files = /a * mask=zz\n", 2,
		 "bad mask"},
		{"[component x]\ndependency = nope a\\b\n", 2,
		 "WRITER_CLASS_ID"},
		{"[component x]\ncolor = red\n", 2, "unknown key"},
		{"[component x]\nrestore_target = new\n", 2,
		 "unknown restore target 'new'"},
		{"[component x]\nrestore_target = undefined\n", 2,
		 "restore target"},
		{"[component x]\ndirected_target = /a f 0:4 /b g\n", 2,
		 "SRCPATH SRCFILE SRCRANGES DSTPATH DSTFILE DSTRANGES"},
		{"[component x]\ndirected_target = /a f 0:4 /b g 0:4 x\n", 2,
		 "more than"},
		{"[component x]\ndirected_target = \"/a f 0:4 /b g 0:4\n", 2,
		 "unterminated quote"},
		{"[event sleep]\nfail = retryable\n", 2, "unknown event"},
		{"[event freeze]\nfail = sometimes\n", 2, "unknown failure"},
		{"[event freeze]\nfail = retryable\ncount = 0\n", 3,
		 "not a count"},
		{"[event freeze]\nstall = -2\n", 2, "seconds"},
		{"[event freeze]\nstall = 1e9\n", 2, "seconds"},
		{"[event freeze]\ncount = 2\n", 0, "need a fail key"},
		{"[event identify]\nfail = retryable\nnonfatal = yes\n", 3,
		 "non-fatally"},
		{"[run]\nwrite_every_ms = 0\n", 2, "at least 1 ms"},
	};
	struct vss_error err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tw_config cfg;

		assert_int_equal(tw_config_init(&cfg), 0);
		err.line = -1;
		if (tw_config_load_string(&cfg, cases[i].text, &err) !=
		    -EINVAL)
			fail_msg("case %zu accepted: %s", i, cases[i].text);
		if (err.line != cases[i].line ||
		    !strstr(err.message, cases[i].needle))
			fail_msg("case %zu: line %d message '%s', expected "
				 "line %d and '%s'", i, err.line, err.message,
				 cases[i].line, cases[i].needle);
		tw_config_release(&cfg);
	}
	(void)state;
}

/*
 * What the writer does with its components in the events: backup
 * metadata (post_snapshot), restore target, directed targets and restore
 * metadata (pre_restore); and the restore bits of the backup schema.
 */
static void
test_restore_behaviour_keys(void **state)
{
	static const char text[] =
		"[writer]\n"
		"backup_schema = new_target authoritative rollforward rename "
		"restore_with_move\n"
		"[restore]\n"
		"method = RESTORE_IF_CAN_BE_REPLACED\n"
		"writer_restore = always\n"
		"[component db]\n"
		"logical_path = app\n"
		"files = /srv/db * true\n"
		"backup_metadata = stamp 42\n"
		"restore_target = directed\n"
		"directed_target = /srv/db a.dat 0:4,8:4 /srv/db b.dat 4:4,0:4\n"
		"directed_target = \"/srv/my db\" c.dat 0:1 /srv/x d.dat 0:1\n"
		"restore_metadata_text = from pre_restore\n"
		"[component logs]\n"
		"files = /srv/logs * true\n"
		"restore_target = ORIGINAL_LOCATION\n"
		"backup_metadata = dropped\n"
		"backup_metadata =\n"; /* an empty value clears it */
	struct tw_config *cfg = *state;
	const struct wdecl_component *c;
	const struct tw_component_events *ev;
	const struct tw_directed *d;
	struct vss_error err;
	vss_wmd *wmd;

	assert_int_equal(tw_config_load_string(cfg, text, &err), 0);
	assert_int_equal(cfg->decl.backup_schema,
			 VSS_BS_WRITER_SUPPORTS_NEW_TARGET |
				 VSS_BS_AUTHORITATIVE_RESTORE |
				 VSS_BS_ROLLFORWARD_RESTORE |
				 VSS_BS_RESTORE_RENAME |
				 VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE);

	c = wdecl_find_component(&cfg->decl, "app", "db");
	assert_non_null(c);
	assert_ptr_equal(c, &cfg->decl.components[0]);
	ev = tw_config_events(cfg, c);
	assert_non_null(ev);
	assert_string_equal(ev->backup_metadata, "stamp 42");
	assert_string_equal(ev->restore_metadata_text, "from pre_restore");
	assert_int_equal(ev->restore_target, VSS_RT_DIRECTED);
	assert_int_equal(ev->directed_count, 2);
	d = &ev->directed[0];
	assert_string_equal(d->source_path, "/srv/db");
	assert_string_equal(d->source_file, "a.dat");
	assert_string_equal(d->source_ranges, "0:4,8:4");
	assert_string_equal(d->destination_path, "/srv/db");
	assert_string_equal(d->destination_file, "b.dat");
	assert_string_equal(d->destination_ranges, "4:4,0:4");
	assert_string_equal(ev->directed[1].source_path, "/srv/my db");
	assert_string_equal(ev->directed[1].destination_file, "d.dat");

	/* Top level: a NULL and an empty logical path are the same. */
	c = wdecl_find_component(&cfg->decl, NULL, "logs");
	assert_ptr_equal(c, &cfg->decl.components[1]);
	assert_ptr_equal(wdecl_find_component(&cfg->decl, "", "logs"), c);
	ev = tw_config_events(cfg, c);
	assert_non_null(ev);
	assert_int_equal(ev->restore_target, VSS_RT_ORIGINAL_LOCATION);
	assert_null(ev->backup_metadata);
	assert_null(ev->restore_metadata_text);
	assert_int_equal(ev->directed_count, 0);
	assert_null(wdecl_find_component(&cfg->decl, NULL, "db"));
	assert_null(wdecl_find_component(&cfg->decl, "app", "logs"));

	/* Behaviour, not metadata: the WMD is what it was, and loads. */
	assert_int_equal(wdecl_new_wmd(&cfg->decl, &wmd, &err), 0);
	assert_int_equal(vss_wmd_backup_schema(wmd),
			 cfg->decl.backup_schema);
	vss_wmd_free(wmd);
}

/* inih would split a line over its buffer: refused with its number. */
static void
test_long_line(void **state)
{
	struct tw_config *cfg = *state;
	struct vss_error err;
	char text[400];

	snprintf(text, sizeof(text), "[writer]\nname = x\ncaption = %0250d\n",
		 0);
	assert_int_equal(tw_config_load_string(cfg, text, &err), -EINVAL);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "too long"));
	/* A line that just fits is fine. */
	snprintf(text, sizeof(text), "[writer]\nname = %0189d\n", 0);
	assert_int_equal(tw_config_load_string(cfg, text, &err), 0);
	assert_int_equal(strlen(cfg->decl.name), 189);
}

/* Mistakes only the WMD rules catch, reported with the component. */
static void
test_wmd_errors(void **state)
{
	static const struct {
		const char *text;
		const char *needle;
	} cases[] = {
		{"[component a]\ntype = database\nfiles = /x * true\n",
		 "component 'a': file set '/x' '*': not allowed"},
		{"[component a]\ndatabase_files = /x *\n",
		 "component 'a': file set '/x' '*': not allowed"},
		{"[component a]\nlogical_path = p\n[writer]\nname = w\n"
		 "[component a]\nlogical_path = p\n",
		 "component 'p\\a': declared twice"},
		/* Two sections of one name in a row: two components. */
		{"[component a]\ncaption = x\n[component a]\ncaption = y\n",
		 "component 'a': declared twice"},
		{"[component a]\ncaption = x\n[restore]\n"
		 "[component a]\nbackup_metadata = m\n",
		 "component 'a': declared twice"},
		{"[restore]\nmethod = CUSTOM\n"
		 "alternate_location = /x * true /y\n",
		 "alternate location '/x' '*': no component"},
	};
	struct vss_error err;
	vss_wmd *wmd = NULL;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tw_config cfg;

		assert_int_equal(tw_config_init(&cfg), 0);
		assert_int_equal(tw_config_load_string(&cfg, cases[i].text,
						       &err), 0);
		assert_true(wdecl_new_wmd(&cfg.decl, &wmd, &err) < 0);
		if (!strstr(err.message, cases[i].needle))
			fail_msg("case %zu: '%s', expected '%s'", i,
				 err.message, cases[i].needle);
		tw_config_release(&cfg);
	}
	assert_null(wmd);
	(void)state;
}

static void
test_component_flag(void **state)
{
	struct tw_config *cfg = *state;
	char *argv[] = {
		"vss-test-writer",
		"--component", "a/b=/srv/data",
		"--component", "x\\y\\z=/srv/=odd",
		"--component", "top=/t",
		NULL,
	};
	const struct wdecl_component *c;
	struct vss_error err;
	vss_wmd *wmd;

	assert_int_equal(tw_config_parse_args(cfg, ARGC(argv), argv, &err),
			 0);
	assert_int_equal(cfg->decl.component_count, 3);
	c = &cfg->decl.components[0];
	assert_string_equal(c->logical_path, "a");
	assert_string_equal(c->name, "b");
	assert_int_equal(c->type, VSS_CT_FILEGROUP);
	assert_true(c->selectable);
	assert_int_equal(c->files.count, 1);
	assert_string_equal(c->files.items[0].path, "/srv/data");
	assert_string_equal(c->files.items[0].filespec, "*");
	assert_true(c->files.items[0].recursive);
	c = &cfg->decl.components[1];
	assert_string_equal(c->logical_path, "x\\y");
	assert_string_equal(c->name, "z");
	/* The directory is everything after the first '='. */
	assert_string_equal(c->files.items[0].path, "/srv/=odd");
	c = &cfg->decl.components[2];
	assert_null(c->logical_path);
	assert_string_equal(c->name, "top");
	assert_int_equal(wdecl_new_wmd(&cfg->decl, &wmd, &err), 0);
	assert_non_null(vss_wmd_find_component(wmd, "x\\y", "z"));
	vss_wmd_free(wmd);
}

/* SN-060: what the writer wants out of the shadow copies. */
static void
test_exclude_from_snapshot_flag(void **state)
{
	struct tw_config *cfg = *state;
	char *argv[] = {
		"vss-test-writer",
		"--exclude-from-snapshot", "/srv/scratch/*.bin",
		"--exclude-from-snapshot", "/srv/cache/*:r",
		"--exclude-from-snapshot", "/x.bin",
		NULL,
	};
	static const char *const bad[] = { "rel/x", "/dir/", "/:r", "" };
	const struct wdecl_file_set *f;
	struct vss_error err;
	vss_wmd *wmd;
	size_t i;

	assert_int_equal(tw_config_parse_args(cfg, ARGC(argv), argv, &err),
			 0);
	assert_int_equal(cfg->decl.excludes_from_snapshot.count, 3);
	f = &cfg->decl.excludes_from_snapshot.items[0];
	assert_string_equal(f->path, "/srv/scratch");
	assert_string_equal(f->filespec, "*.bin");
	assert_false(f->recursive);
	f = &cfg->decl.excludes_from_snapshot.items[1];
	assert_string_equal(f->path, "/srv/cache");
	assert_string_equal(f->filespec, "*");
	assert_true(f->recursive);
	f = &cfg->decl.excludes_from_snapshot.items[2];
	assert_string_equal(f->path, "/");
	assert_string_equal(f->filespec, "x.bin");
	assert_int_equal(wdecl_new_wmd(&cfg->decl, &wmd, &err), 0);
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 3);
	vss_wmd_free(wmd);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tw_config c;
		char *av[] = {"tw", "--exclude-from-snapshot", (char *)bad[i],
			      NULL};

		assert_int_equal(tw_config_init(&c), 0);
		if (tw_config_parse_args(&c, ARGC(av), av, &err) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(c.decl.excludes_from_snapshot.count, 0);
		tw_config_release(&c);
	}
}

static void
test_bad_component_flags(void **state)
{
	static const char *const specs[] = {
		"nodir", "=/x", "a/=/x", "/a=/x", "a//b=/x", "a=", "a\\=/x",
	};
	struct vss_error err;
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct tw_config cfg;
		char *argv[] = {"tw", "--component", (char *)specs[i], NULL};

		assert_int_equal(tw_config_init(&cfg), 0);
		if (tw_config_parse_args(&cfg, ARGC(argv), argv, &err) !=
		    -EINVAL)
			fail_msg("'%s' accepted", specs[i]);
		assert_non_null(strstr(err.message, "--component"));
		assert_non_null(strstr(err.message, "LOGICAL/PATH/NAME=DIR"));
		assert_int_equal(cfg.decl.component_count, 0);
		tw_config_release(&cfg);
	}
	(void)state;
}

static void
test_fail_and_stall_flags(void **state)
{
	struct tw_config *cfg = *state;
	char *argv[] = {
		"tw",
		"--fail", "freeze",
		"--fail", "thaw:retryable:3",
		"--fail", "prepare-snapshot:always:out_of_resources",
		"--fail", "post_snapshot:nonfatal:timeout",
		"--fail", "IDENTIFY:2",
		"--stall", "freeze:0.25",
		"--stall", "abort:7",
		NULL,
	};
	const struct tw_fault *f = cfg->faults;
	struct vss_error err;

	assert_int_equal(tw_config_parse_args(cfg, ARGC(argv), argv, &err),
			 0);
	assert_int_equal(f[TW_EV_FREEZE].status,
			 VSS_E_WRITERERROR_NONRETRYABLE);
	assert_int_equal(f[TW_EV_FREEZE].count, 1);
	assert_false(f[TW_EV_FREEZE].nonfatal);
	assert_int_equal(f[TW_EV_FREEZE].stall_ms, 250);
	assert_int_equal(f[TW_EV_THAW].status, VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(f[TW_EV_THAW].count, 3);
	assert_int_equal(f[TW_EV_PREPARE_SNAPSHOT].status,
			 VSS_E_WRITERERROR_OUTOFRESOURCES);
	assert_int_equal(f[TW_EV_PREPARE_SNAPSHOT].count, -1);
	assert_int_equal(f[TW_EV_POST_SNAPSHOT].status,
			 VSS_E_WRITERERROR_TIMEOUT);
	assert_true(f[TW_EV_POST_SNAPSHOT].nonfatal);
	assert_int_equal(f[TW_EV_IDENTIFY].count, 2);
	assert_int_equal(f[TW_EV_ABORT].status, 0);
	assert_int_equal(f[TW_EV_ABORT].stall_ms, 7000);
	assert_int_equal(f[TW_EV_BACKUP_COMPLETE].status, 0);
}

/* Each bad flag is a usage error naming the flag and the problem. */
static void
test_bad_flags(void **state)
{
	static const struct {
		const char *args[4];
		const char *needle;
	} cases[] = {
		{{"--fail", "sleep"}, "--fail 'sleep': unknown event"},
		{{"--fail", "freeze:often"}, "unknown 'often'"},
		{{"--fail", "freeze:0"}, "unknown '0'"},
		{{"--fail", "identify:nonfatal"}, "non-fatally"},
		{{"--stall", "freeze"}, "EVENT:SECONDS"},
		{{"--stall", "nap:1"}, "unknown event 'nap'"},
		{{"--stall", "freeze:soon"}, "seconds"},
		{{"--level", "middle"}, "unknown level"},
		{{"--class-id", "1234"}, "not an id"},
		{{"--usage", "fun"}, "usage type"},
		{{"--source", "x"}, "source type"},
		{{"--name", ""}, "empty writer name"},
		{{"--freeze-timeout-ms", "10s"}, "not a number"},
		{{"--write-every-ms", "0"}, "at least 1 ms"},
		{{"--write-every-ms", "5"}, "needs --marker-dir"},
		{{"--bogus"}, "unknown option '--bogus'"},
		{{"-x"}, "unknown option '-x'"},
		{{"--name"}, "option '--name' needs an argument"},
		{{"-c"}, "option '-c' needs an argument"},
		{{"stray"}, "unexpected argument 'stray'"},
		{{"--config", "/nonexistent/tw.conf"},
		 "/nonexistent/tw.conf: No such file"},
	};
	struct vss_error err;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tw_config cfg;
		char *argv[6] = {"tw"};

		for (n = 0; n < 4 && cases[i].args[n]; n++)
			argv[n + 1] = (char *)cases[i].args[n];
		assert_int_equal(tw_config_init(&cfg), 0);
		if (tw_config_parse_args(&cfg, (int)n + 1, argv, &err) >= 0)
			fail_msg("case %zu accepted", i);
		if (!strstr(err.message, cases[i].needle))
			fail_msg("case %zu: '%s', expected '%s'", i,
				 err.message, cases[i].needle);
		tw_config_release(&cfg);
	}
	(void)state;
}

/* Flags win over the file wherever --config stands. */
static void
test_flags_override_file(void **state)
{
	struct tw_config *cfg = *state;
	char *path = write_temp("[writer]\nname = from file\n"
				"level = system\n"
				"[component c]\nfiles = /c * true\n"
				"[event freeze]\nfail = retryable\n"
				"count = 4\n");
	char *argv[] = {
		"tw", "--name", "from flag", "--component", "d=/d",
		"--config", path, "--fail", "freeze:timeout",
		"--log", "/tmp/l", "--marker-dir", "/tmp/m",
		"--write-every-ms", "3", "--socket", "/tmp/s",
		"--ready-file", "/tmp/r", "--instance-name", "i2",
		"--freeze-timeout-ms", "1500", "--print-wmd", NULL,
	};
	struct vss_error err;

	assert_int_equal(tw_config_parse_args(cfg, ARGC(argv), argv, &err),
			 0);
	unlink(path);
	free(path);
	assert_string_equal(cfg->decl.name, "from flag");
	assert_int_equal(cfg->decl.level, VSS_APP_SYSTEM);
	/* Components add up: the file's first, then the flags'. */
	assert_int_equal(cfg->decl.component_count, 2);
	assert_string_equal(cfg->decl.components[0].name, "c");
	assert_string_equal(cfg->decl.components[1].name, "d");
	assert_int_equal(cfg->faults[TW_EV_FREEZE].status,
			 VSS_E_WRITERERROR_TIMEOUT);
	assert_int_equal(cfg->faults[TW_EV_FREEZE].count, 1);
	assert_string_equal(cfg->log_path, "/tmp/l");
	assert_string_equal(cfg->marker_dir, "/tmp/m");
	assert_int_equal(cfg->write_every_ms, 3);
	assert_string_equal(cfg->socket_path, "/tmp/s");
	assert_string_equal(cfg->ready_file, "/tmp/r");
	assert_string_equal(cfg->decl.instance_name, "i2");
	assert_int_equal(cfg->decl.freeze_timeout_ms, 1500);
	assert_true(cfg->print_wmd);
}

/* A bad file through --config: the path and the line in the message. */
static void
test_config_flag_error(void **state)
{
	struct tw_config *cfg = *state;
	char *path = write_temp("[writer]\n\nlevel = sideways\n");
	char *argv[] = {"tw", "--config", path, NULL};
	struct vss_error err;
	char expect[128];

	assert_int_equal(tw_config_parse_args(cfg, ARGC(argv), argv, &err),
			 -EINVAL);
	snprintf(expect, sizeof(expect), "%s: line 3: [writer] level: ",
		 path);
	unlink(path);
	free(path);
	assert_non_null(strstr(err.message, expect));
	assert_int_equal(err.line, 3);
}

/*
 * Each --config is read on its own: a file's first [component a] is a new
 * component even when the file before ended in [component a].
 */
static void
test_config_twice(void **state)
{
	struct tw_config *cfg = *state;
	char *first = write_temp("[component a]\nfiles = /x * true\n");
	char *second = write_temp("[component a]\nbackup_metadata = m\n");
	char *argv[] = {"tw", "--config", first, "--config", second, NULL};
	const struct tw_component_events *ev;
	struct vss_error err;
	vss_wmd *wmd = NULL;

	assert_int_equal(tw_config_parse_args(cfg, ARGC(argv), argv, &err),
			 0);
	unlink(first);
	unlink(second);
	free(first);
	free(second);
	assert_int_equal(cfg->decl.component_count, 2);
	assert_int_equal(cfg->decl.components[0].files.count, 1);
	assert_int_equal(cfg->decl.components[1].files.count, 0);
	ev = tw_config_events(cfg, &cfg->decl.components[0]);
	assert_true(!ev || !ev->backup_metadata);
	ev = tw_config_events(cfg, &cfg->decl.components[1]);
	assert_non_null(ev);
	assert_string_equal(ev->backup_metadata, "m");
	assert_true(wdecl_new_wmd(&cfg->decl, &wmd, &err) < 0);
	assert_null(wmd);
	assert_string_equal(err.message, "component 'a': declared twice "
			    "(each [component NAME] section is a component of "
			    "its own)");
}

static void
test_help(void **state)
{
	struct tw_config *cfg = *state;
	char *argv[] = {"tw", "--name", "x", "--help", NULL};
	char *argv2[] = {"tw", "-h", NULL};
	struct vss_error err;

	assert_int_equal(tw_config_parse_args(cfg, ARGC(argv), argv, &err),
			 1);
	/* Nothing is applied when help is asked for. */
	assert_string_equal(cfg->decl.name, "vss-test-writer");
	assert_int_equal(tw_config_parse_args(cfg, ARGC(argv2), argv2, &err),
			 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test_setup_teardown(test_full_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full_wmd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_is_repeatable, setup,
						teardown),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test_setup_teardown(test_restore_behaviour_keys,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup,
						teardown),
		cmocka_unit_test(test_wmd_errors),
		cmocka_unit_test_setup_teardown(test_exclude_from_snapshot_flag,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_component_flag, setup,
						teardown),
		cmocka_unit_test(test_bad_component_flags),
		cmocka_unit_test_setup_teardown(test_fail_and_stall_flags,
						setup, teardown),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test_setup_teardown(test_flags_override_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_flag_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_twice, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
