/*
 * tests/unit/test_wmd.c - the Writer Metadata Document model: building a
 * WMD (IVssCreateWriterMetadata), reading it back
 * (IVssExamineWriterMetadata) and the rules of spec/metadata.md §2.
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

#include <vss/metadata.h>
#include <vss/status.h>

#include "alloc_fail.h"

/* Macros, so that the identity below is a constant initializer in C17. */
#define CLASS_ID_INIT                                                          \
	{ { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,  \
	    0xcc, 0xdd, 0xee, 0xff, 0x00 } }
#define INSTANCE_ID_INIT                                                       \
	{ { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,  \
	    0x0c, 0x0d, 0x0e, 0x0f, 0x10 } }
static const vss_id class_id = CLASS_ID_INIT;
static const vss_id instance_id = INSTANCE_ID_INIT;
static const vss_id other_writer = { { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
				       0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
				       0xac, 0xad, 0xae, 0xaf } };

static const struct vss_writer_identity identity = {
	.class_id = CLASS_ID_INIT,
	.instance_id = INSTANCE_ID_INIT,
	.instance_name = "instance 1",
	.friendly_name = "Test Writer",
	.usage = VSS_UT_USERDATA,
	.source = VSS_ST_TRANSACTEDDB,
	.major_version = 1,
	.minor_version = 2,
};

static const struct vss_restore_method_info restore_method = {
	.method = VSS_RME_RESTORE_IF_CAN_REPLACE,
	.service = "testsvc",
	.writer_restore = VSS_WRE_ALWAYS,
	.reboot_required = true,
};

static vss_wmd *
new_wmd(void)
{
	vss_wmd *wmd = NULL;

	assert_int_equal(vss_wmd_new(&wmd, &identity), 0);
	assert_non_null(wmd);
	return wmd;
}

static void
add_component(vss_wmd *wmd, enum vss_component_type type,
	      const char *logical_path, const char *name)
{
	struct vss_component_def def = {
		.type = type,
		.logical_path = logical_path,
		.name = name,
		.selectable = true,
	};

	assert_int_equal(vss_wmd_add_component(wmd, &def), 0);
}

static void
test_wmd_free_null(void **state)
{
	(void)state;
	vss_wmd_free(NULL);
}

static void
test_wmd_build_and_read(void **state)
{
	static const uint8_t icon[] = { 0, 0, 1, 0, 0xfe };
	struct vss_component_def fg = {
		.type = VSS_CT_FILEGROUP,
		.logical_path = "app\\data",
		.name = "config",
		.caption = "Config \\ files",
		.icon = icon,
		.icon_size = sizeof(icon),
		.restore_metadata = true,
		.notify_on_backup_complete = true,
		.selectable = true,
		.selectable_for_restore = true,
		.flags = VSS_CF_NOT_SYSTEM_STATE,
	};
	struct vss_component_def db = {
		.type = VSS_CT_DATABASE,
		.name = "db",
	};
	vss_wmd *wmd = new_wmd();
	const struct vss_writer_identity *id;
	const struct vss_restore_method_info *rm;
	const struct vss_wm_component *c;
	const struct vss_file_desc *f;
	const struct vss_location_mapping *m;
	const struct vss_dependency *d;

	(void)state;
	assert_int_equal(vss_wmd_set_backup_schema(wmd, VSS_BS_DIFFERENTIAL |
							 VSS_BS_COPY),
			 0);
	assert_int_equal(vss_wmd_set_restore_method(wmd, &restore_method), 0);
	assert_int_equal(vss_wmd_add_component(wmd, &fg), 0);
	assert_int_equal(vss_wmd_add_component(wmd, &db), 0);
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, "app\\data", "config", "/etc/app",
				 "*.conf", true, "/var/backup/app", 0),
			 0);
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, "app\\data", "config", "/etc/app/extra",
				 "a?.ini", false, NULL,
				 VSS_FSBT_FULL_BACKUP_REQUIRED),
			 0);
	assert_int_equal(vss_wmd_add_database_files(wmd, NULL, "db",
						    "/srv/db", "data.db", 0),
			 0);
	assert_int_equal(vss_wmd_add_database_log_files(
				 wmd, "", "db", "/srv/log", "*.log",
				 VSS_FSBT_LOG_BACKUP_REQUIRED),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files(wmd, "/etc/app", "*.tmp",
						   true),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(
				 wmd, "/srv/db", "lock", false),
			 0);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/etc/app", "*.conf", true,
				 "/restore/app"),
			 0);
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, NULL, "db", &other_writer,
				 "\\\\host\\sys", "registry"),
			 0);

	id = vss_wmd_identity(wmd);
	assert_non_null(id);
	assert_memory_equal(&id->class_id, &class_id, sizeof(class_id));
	assert_memory_equal(&id->instance_id, &instance_id,
			    sizeof(instance_id));
	assert_string_equal(id->instance_name, "instance 1");
	assert_string_equal(id->friendly_name, "Test Writer");
	assert_int_equal(id->usage, VSS_UT_USERDATA);
	assert_int_equal(id->source, VSS_ST_TRANSACTEDDB);
	assert_int_equal(id->major_version, 1);
	assert_int_equal(id->minor_version, 2);
	assert_int_equal(vss_wmd_backup_schema(wmd),
			 VSS_BS_DIFFERENTIAL | VSS_BS_COPY);

	rm = vss_wmd_restore_method(wmd);
	assert_non_null(rm);
	assert_int_equal(rm->method, VSS_RME_RESTORE_IF_CAN_REPLACE);
	assert_string_equal(rm->service, "testsvc");
	assert_ptr_not_equal(rm->service, restore_method.service);
	assert_null(rm->user_procedure);
	assert_int_equal(rm->writer_restore, VSS_WRE_ALWAYS);
	assert_true(rm->reboot_required);

	assert_int_equal(vss_wmd_component_count(wmd), 2);
	c = vss_wmd_component(wmd, 0);
	assert_non_null(c);
	assert_ptr_equal(vss_wmd_find_component(wmd, "app\\data", "config"),
			 c);
	assert_int_equal(c->def.type, VSS_CT_FILEGROUP);
	assert_string_equal(c->def.logical_path, "app\\data");
	assert_string_equal(c->def.name, "config");
	assert_string_equal(c->def.caption, "Config \\ files");
	assert_int_equal(c->def.icon_size, sizeof(icon));
	assert_memory_equal(c->def.icon, icon, sizeof(icon));
	assert_ptr_not_equal(c->def.icon, icon);
	assert_true(c->def.restore_metadata);
	assert_true(c->def.notify_on_backup_complete);
	assert_true(c->def.selectable);
	assert_true(c->def.selectable_for_restore);
	assert_int_equal(c->def.flags, VSS_CF_NOT_SYSTEM_STATE);
	assert_int_equal(c->file_count, 2);
	assert_int_equal(c->database_file_count, 0);
	assert_int_equal(c->log_file_count, 0);
	assert_int_equal(c->dependency_count, 0);
	f = &c->files[0];
	assert_string_equal(f->path, "/etc/app");
	assert_string_equal(f->filespec, "*.conf");
	assert_true(f->recursive);
	assert_string_equal(f->alternate_path, "/var/backup/app");
	assert_int_equal(f->backup_type_mask, VSS_FSBT_DEFAULT);
	f = &c->files[1];
	assert_string_equal(f->path, "/etc/app/extra");
	assert_string_equal(f->filespec, "a?.ini");
	assert_false(f->recursive);
	assert_null(f->alternate_path);
	assert_int_equal(f->backup_type_mask, VSS_FSBT_FULL_BACKUP_REQUIRED);

	c = vss_wmd_component(wmd, 1);
	assert_non_null(c);
	assert_ptr_equal(vss_wmd_find_component(wmd, NULL, "db"), c);
	assert_int_equal(c->def.type, VSS_CT_DATABASE);
	assert_null(c->def.logical_path);
	assert_null(c->def.caption);
	assert_null(c->def.icon);
	assert_int_equal(c->def.icon_size, 0);
	assert_false(c->def.selectable);
	assert_int_equal(c->file_count, 0);
	assert_int_equal(c->database_file_count, 1);
	assert_string_equal(c->database_files[0].path, "/srv/db");
	assert_string_equal(c->database_files[0].filespec, "data.db");
	assert_false(c->database_files[0].recursive);
	assert_null(c->database_files[0].alternate_path);
	assert_int_equal(c->database_files[0].backup_type_mask,
			 VSS_FSBT_DEFAULT);
	assert_int_equal(c->log_file_count, 1);
	assert_string_equal(c->log_files[0].path, "/srv/log");
	assert_string_equal(c->log_files[0].filespec, "*.log");
	assert_false(c->log_files[0].recursive);
	assert_int_equal(c->log_files[0].backup_type_mask,
			 VSS_FSBT_LOG_BACKUP_REQUIRED);
	assert_int_equal(c->dependency_count, 1);
	d = &c->dependencies[0];
	assert_memory_equal(&d->writer_id, &other_writer,
			    sizeof(other_writer));
	assert_string_equal(d->logical_path, "\\\\host\\sys");
	assert_string_equal(d->component_name, "registry");

	assert_int_equal(vss_wmd_exclude_files_count(wmd), 1);
	f = vss_wmd_exclude_files(wmd, 0);
	assert_non_null(f);
	assert_string_equal(f->path, "/etc/app");
	assert_string_equal(f->filespec, "*.tmp");
	assert_true(f->recursive);
	assert_null(f->alternate_path);
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 1);
	f = vss_wmd_exclude_from_snapshot(wmd, 0);
	assert_non_null(f);
	assert_string_equal(f->path, "/srv/db");
	assert_string_equal(f->filespec, "lock");
	assert_false(f->recursive);

	assert_int_equal(vss_wmd_alternate_location_mapping_count(wmd), 1);
	m = vss_wmd_alternate_location_mapping(wmd, 0);
	assert_non_null(m);
	assert_string_equal(m->path, "/etc/app");
	assert_string_equal(m->filespec, "*.conf");
	assert_true(m->recursive);
	assert_string_equal(m->destination, "/restore/app");
	vss_wmd_free(wmd);
}

static void
test_wmd_new_copies_identity(void **state)
{
	char instance_name[] = "inst";
	char friendly_name[] = "name";
	struct vss_writer_identity in = identity;
	const struct vss_writer_identity *id;
	vss_wmd *wmd = NULL;

	(void)state;
	in.instance_name = instance_name;
	in.friendly_name = friendly_name;
	assert_int_equal(vss_wmd_new(&wmd, &in), 0);
	instance_name[0] = 'X';
	friendly_name[0] = 'X';
	id = vss_wmd_identity(wmd);
	assert_string_equal(id->instance_name, "inst");
	assert_string_equal(id->friendly_name, "name");
	assert_int_equal(vss_wmd_component_count(wmd), 0);
	assert_null(vss_wmd_restore_method(wmd));
	assert_int_equal(vss_wmd_backup_schema(wmd), VSS_BS_UNDEFINED);
	vss_wmd_free(wmd);

	in.instance_name = NULL;
	assert_int_equal(vss_wmd_new(&wmd, &in), 0);
	assert_null(vss_wmd_identity(wmd)->instance_name);
	vss_wmd_free(wmd);
}

static void
test_wmd_new_rejects_bad_identity(void **state)
{
	struct vss_writer_identity in;
	vss_wmd *wmd = NULL;

	(void)state;
	in = identity;
	in.friendly_name = NULL;
	assert_int_equal(vss_wmd_new(&wmd, &in), -EINVAL);
	in = identity;
	in.usage = VSS_UT_UNDEFINED;
	assert_int_equal(vss_wmd_new(&wmd, &in), -EINVAL);
	in = identity;
	in.source = VSS_ST_UNDEFINED;
	assert_int_equal(vss_wmd_new(&wmd, &in), -EINVAL);
	assert_null(wmd);
}

static void
test_md010_restore_method_once(void **state)
{
	struct vss_restore_method_info second = {
		.method = VSS_RME_CUSTOM,
		.writer_restore = VSS_WRE_NEVER,
	};
	vss_wmd *wmd = new_wmd();

	(void)state;
	assert_int_equal(vss_wmd_set_restore_method(wmd, &restore_method), 0);
	assert_int_equal(vss_wmd_set_restore_method(wmd, &second),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_int_equal(vss_wmd_restore_method(wmd)->method,
			 VSS_RME_RESTORE_IF_CAN_REPLACE);
	assert_string_equal(vss_wmd_restore_method(wmd)->service, "testsvc");
	vss_wmd_free(wmd);
}

static void
test_md010_restore_method_not_undefined(void **state)
{
	struct vss_restore_method_info info = restore_method;
	vss_wmd *wmd = new_wmd();

	(void)state;
	info.method = VSS_RME_UNDEFINED;
	assert_int_equal(vss_wmd_set_restore_method(wmd, &info), -EINVAL);
	info = restore_method;
	info.writer_restore = VSS_WRE_UNDEFINED;
	assert_int_equal(vss_wmd_set_restore_method(wmd, &info), -EINVAL);
	assert_null(vss_wmd_restore_method(wmd));
	/* The refused calls did not use up the one restore method. */
	assert_int_equal(vss_wmd_set_restore_method(wmd, &restore_method), 0);
	vss_wmd_free(wmd);
}

static void
test_md011_duplicate_component(void **state)
{
	struct vss_component_def def = {
		.type = VSS_CT_DATABASE,
		.logical_path = "",
		.name = "c",
	};
	vss_wmd *wmd = new_wmd();

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "c");
	/* NULL and "" are the same top level; the type does not matter. */
	assert_int_equal(vss_wmd_add_component(wmd, &def),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	def.logical_path = NULL;
	assert_int_equal(vss_wmd_add_component(wmd, &def),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_int_equal(vss_wmd_component_count(wmd), 1);
	assert_int_equal(vss_wmd_component(wmd, 0)->def.type,
			 VSS_CT_FILEGROUP);

	/* The same name under another path is another component. */
	def.logical_path = "c";
	assert_int_equal(vss_wmd_add_component(wmd, &def), 0);
	add_component(wmd, VSS_CT_FILEGROUP, "", "top");
	assert_null(vss_wmd_component(wmd, 2)->def.logical_path);
	assert_ptr_equal(vss_wmd_find_component(wmd, NULL, "top"),
			 vss_wmd_component(wmd, 2));
	assert_ptr_equal(vss_wmd_find_component(wmd, "", "c"),
			 vss_wmd_component(wmd, 0));
	assert_ptr_equal(vss_wmd_find_component(wmd, "c", "c"),
			 vss_wmd_component(wmd, 1));
	assert_null(vss_wmd_find_component(wmd, "x", "c"));
	vss_wmd_free(wmd);
}

static void
test_component_name_rules(void **state)
{
	struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.logical_path = "a\\b",
	};
	vss_wmd *wmd = new_wmd();

	(void)state;
	def.name = NULL;
	assert_int_equal(vss_wmd_add_component(wmd, &def), -EINVAL);
	def.name = "";
	assert_int_equal(vss_wmd_add_component(wmd, &def), -EINVAL);
	def.name = "a\\b";
	assert_int_equal(vss_wmd_add_component(wmd, &def), -EINVAL);
	assert_int_equal(vss_wmd_component_count(wmd), 0);
	/* The logical path and the caption may hold '\'. */
	def.name = "ab";
	def.caption = "a\\b";
	assert_int_equal(vss_wmd_add_component(wmd, &def), 0);
	vss_wmd_free(wmd);
}

static void
test_md030_component_type(void **state)
{
	struct vss_component_def def = { .name = "c" };
	vss_wmd *wmd = new_wmd();

	(void)state;
	def.type = VSS_CT_UNDEFINED;
	assert_int_equal(vss_wmd_add_component(wmd, &def), -EINVAL);
	def.type = (enum vss_component_type)3;
	assert_int_equal(vss_wmd_add_component(wmd, &def), -EINVAL);
	assert_int_equal(vss_wmd_component_count(wmd), 0);
	vss_wmd_free(wmd);
}

static void
test_component_icon_and_size_agree(void **state)
{
	static const uint8_t icon[] = { 1 };
	struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.name = "c",
	};
	vss_wmd *wmd = new_wmd();

	(void)state;
	def.icon_size = 1;
	assert_int_equal(vss_wmd_add_component(wmd, &def), -EINVAL);
	def.icon = icon;
	def.icon_size = 0;
	assert_int_equal(vss_wmd_add_component(wmd, &def), -EINVAL);
	assert_int_equal(vss_wmd_component_count(wmd), 0);
	vss_wmd_free(wmd);
}

static void
test_md012_empty_component(void **state)
{
	vss_wmd *wmd = new_wmd();
	const struct vss_wm_component *c;

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "set");
	add_component(wmd, VSS_CT_DATABASE, "set", "db");
	c = vss_wmd_component(wmd, 0);
	assert_int_equal(c->file_count, 0);
	assert_null(c->files);
	c = vss_wmd_component(wmd, 1);
	assert_int_equal(c->database_file_count, 0);
	assert_int_equal(c->log_file_count, 0);
	assert_int_equal(c->dependency_count, 0);
	vss_wmd_free(wmd);
}

static void
test_component_pointers_survive_growth(void **state)
{
	vss_wmd *wmd = new_wmd();
	const struct vss_wm_component *first;
	char name[16];
	int i;

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "first");
	first = vss_wmd_component(wmd, 0);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		add_component(wmd, VSS_CT_FILEGROUP, NULL, name);
	}
	assert_ptr_equal(vss_wmd_component(wmd, 0), first);
	assert_string_equal(first->def.name, "first");
	assert_string_equal(vss_wmd_component(wmd, 100)->def.name, "c99");
	vss_wmd_free(wmd);
}

/* The adds a test made were refused: no file set anywhere in the document. */
static void
assert_no_file_sets(const vss_wmd *wmd)
{
	const struct vss_wm_component *c;
	size_t i;

	for (i = 0; i < vss_wmd_component_count(wmd); i++) {
		c = vss_wmd_component(wmd, i);
		assert_int_equal(c->file_count, 0);
		assert_int_equal(c->database_file_count, 0);
		assert_int_equal(c->log_file_count, 0);
	}
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 0);
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 0);
}

static void
test_file_set_component_not_found(void **state)
{
	vss_wmd *wmd = new_wmd();

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, "p", "fg");
	add_component(wmd, VSS_CT_DATABASE, "p", "db");
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/d", "*", false, NULL, 0),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_wmd_add_database_files(wmd, "p", "nodb", "/d",
						    "*", 0),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_wmd_add_database_log_files(wmd, "q", "db", "/d",
							"*", 0),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_no_file_sets(wmd);
	vss_wmd_free(wmd);
}

static void
test_md030_file_set_matches_component_type(void **state)
{
	vss_wmd *wmd = new_wmd();

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "fg");
	add_component(wmd, VSS_CT_DATABASE, NULL, "db");
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "db", "/d", "*", false, NULL, 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_files(wmd, NULL, "fg", "/d",
						    "*", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_log_files(wmd, NULL, "fg", "/d",
							"*", 0),
			 -EINVAL);
	assert_no_file_sets(wmd);
	vss_wmd_free(wmd);
}

static void
test_md025_several_file_sets(void **state)
{
	vss_wmd *wmd = new_wmd();
	const struct vss_wm_component *c;
	char path[32];
	int i;

	(void)state;
	add_component(wmd, VSS_CT_DATABASE, NULL, "db");
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/vol%d/db", i);
		assert_int_equal(vss_wmd_add_database_files(wmd, NULL, "db",
							    path, "*.mdf", 0),
				 0);
		assert_int_equal(vss_wmd_add_database_log_files(
					 wmd, NULL, "db", path, "*.ldf", 0),
				 0);
	}
	c = vss_wmd_component(wmd, 0);
	assert_int_equal(c->database_file_count, 20);
	assert_int_equal(c->log_file_count, 20);
	assert_string_equal(c->database_files[19].path, "/vol19/db");
	assert_string_equal(c->log_files[0].path, "/vol0/db");
	assert_string_equal(c->log_files[19].filespec, "*.ldf");
	vss_wmd_free(wmd);
}

static void
test_file_set_default_mask(void **state)
{
	vss_wmd *wmd = new_wmd();
	const struct vss_wm_component *c;

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "fg");
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/a", "*", false, NULL, 0),
			 0);
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/b", "*", false, NULL,
				 VSS_FSBT_ALL_SNAPSHOT_REQUIRED),
			 0);
	c = vss_wmd_component(wmd, 0);
	assert_int_equal(c->files[0].backup_type_mask, 0xF0F);
	assert_int_equal(c->files[1].backup_type_mask,
			 VSS_FSBT_ALL_SNAPSHOT_REQUIRED);
	vss_wmd_free(wmd);
}

static void
test_md020_path_without_wildcards(void **state)
{
	vss_wmd *wmd = new_wmd();

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "fg");
	add_component(wmd, VSS_CT_DATABASE, NULL, "db");
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/d/*", "x", false, NULL, 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_files(wmd, NULL, "db", "/d?",
						    "x", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_log_files(wmd, NULL, "db",
							"/*/log", "x", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files(wmd, "/tmp/*", "x", true),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(wmd, "/t?",
								 "x", false),
			 -EINVAL);
	assert_no_file_sets(wmd);
	/* Environment variables and a trailing separator are fine. */
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "%SystemRoot%/x/", "*", false,
				 NULL, 0),
			 0);
	vss_wmd_free(wmd);
}

static void
test_md021_filespec_without_separators(void **state)
{
	vss_wmd *wmd = new_wmd();

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "fg");
	add_component(wmd, VSS_CT_DATABASE, NULL, "db");
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/d", "sub/*", true, NULL, 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_files(wmd, NULL, "db", "/d",
						    "sub\\x.db", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_log_files(wmd, NULL, "db", "/d",
							"/x.log", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files(wmd, "/d", "a/b", false),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(wmd, "/d",
								 "a\\b", false),
			 -EINVAL);
	assert_no_file_sets(wmd);
	vss_wmd_free(wmd);
}

static void
test_md040_dependency_needs_component(void **state)
{
	vss_wmd *wmd = new_wmd();

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, "p", "c");
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, NULL, "c", &other_writer, NULL, "x"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_wmd_component(wmd, 0)->dependency_count, 0);
	vss_wmd_free(wmd);
}

static void
test_md040_dependency_not_on_own_writer(void **state)
{
	vss_wmd *wmd = new_wmd();

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "c");
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, NULL, "c", &class_id, NULL, "x"),
			 -EINVAL);
	/* The instance id is not the writer class: that one is allowed. */
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, NULL, "c", &instance_id, NULL, "x"),
			 0);
	assert_int_equal(vss_wmd_component(wmd, 0)->dependency_count, 1);
	vss_wmd_free(wmd);
}

static void
test_md040_several_dependencies(void **state)
{
	vss_wmd *wmd = new_wmd();
	const struct vss_wm_component *c;

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, "p", "c");
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, "p", "c", &other_writer, "", "x"),
			 0);
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, "p", "c", &other_writer, "q", "y"),
			 0);
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, "p", "c", &instance_id, NULL, "z"),
			 0);
	c = vss_wmd_component(wmd, 0);
	assert_int_equal(c->dependency_count, 3);
	assert_null(c->dependencies[0].logical_path);
	assert_string_equal(c->dependencies[0].component_name, "x");
	assert_string_equal(c->dependencies[1].logical_path, "q");
	assert_string_equal(c->dependencies[1].component_name, "y");
	assert_memory_equal(&c->dependencies[2].writer_id, &instance_id,
			    sizeof(instance_id));
	assert_string_equal(c->dependencies[2].component_name, "z");
	vss_wmd_free(wmd);
}

static void
test_mapping_needs_restore_method(void **state)
{
	vss_wmd *wmd = new_wmd();

	(void)state;
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "fg");
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/d", "*", true, NULL, 0),
			 0);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/d", "*", true, "/alt"),
			 VSS_E_BAD_STATE);
	assert_int_equal(vss_wmd_alternate_location_mapping_count(wmd), 0);
	assert_int_equal(vss_wmd_set_restore_method(wmd, &restore_method), 0);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/d", "*", true, "/alt"),
			 0);
	vss_wmd_free(wmd);
}

static void
test_md026_mapping_matches_file_group_set(void **state)
{
	vss_wmd *wmd = new_wmd();

	(void)state;
	assert_int_equal(vss_wmd_set_restore_method(wmd, &restore_method), 0);
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "fg");
	add_component(wmd, VSS_CT_DATABASE, NULL, "db");
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/d", "*.x", true, NULL, 0),
			 0);
	assert_int_equal(vss_wmd_add_database_files(wmd, NULL, "db", "/db",
						    "*", 0),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files(wmd, "/e", "*", false), 0);
	/* Each element of the triple must match exactly. */
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/d/", "*.x", true, "/alt"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/d", "*.y", true, "/alt"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/d", "*.x", false, "/alt"),
			 VSS_E_OBJECT_NOT_FOUND);
	/* Database and exclude file sets do not count. */
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/db", "*", false, "/alt"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/e", "*", false, "/alt"),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(vss_wmd_alternate_location_mapping_count(wmd), 0);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/d", "*.x", true, "/alt"),
			 0);
	assert_int_equal(vss_wmd_alternate_location_mapping_count(wmd), 1);
	vss_wmd_free(wmd);
}

static void
test_null_args(void **state)
{
	struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.name = "fg",
	};
	vss_wmd *wmd = new_wmd();
	vss_wmd *out = NULL;

	(void)state;
	assert_int_equal(vss_wmd_new(NULL, &identity), -EINVAL);
	assert_int_equal(vss_wmd_new(&out, NULL), -EINVAL);
	assert_null(out);
	assert_null(vss_wmd_identity(NULL));
	assert_int_equal(vss_wmd_set_backup_schema(NULL, 1), -EINVAL);
	assert_int_equal(vss_wmd_backup_schema(NULL), 0);
	assert_int_equal(vss_wmd_set_restore_method(NULL, &restore_method),
			 -EINVAL);
	assert_int_equal(vss_wmd_set_restore_method(wmd, NULL), -EINVAL);
	assert_null(vss_wmd_restore_method(NULL));
	assert_int_equal(vss_wmd_add_component(NULL, &def), -EINVAL);
	assert_int_equal(vss_wmd_add_component(wmd, NULL), -EINVAL);
	assert_int_equal(vss_wmd_add_component(wmd, &def), 0);
	add_component(wmd, VSS_CT_DATABASE, NULL, "db");

	assert_int_equal(vss_wmd_add_files_to_file_group(
				 NULL, NULL, "fg", "/d", "*", false, NULL, 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, NULL, "/d", "*", false, NULL, 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", NULL, "*", false, NULL, 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/d", NULL, false, NULL, 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_files(NULL, NULL, "db", "/d",
						    "*", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_files(wmd, NULL, NULL, "/d",
						    "*", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_files(wmd, NULL, "db", NULL,
						    "*", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_files(wmd, NULL, "db", "/d",
						    NULL, 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_log_files(NULL, NULL, "db", "/d",
							"*", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_log_files(wmd, NULL, "db", NULL,
							"*", 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_database_log_files(wmd, NULL, "db", "/d",
							NULL, 0),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files(NULL, "/d", "*", false),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files(wmd, NULL, "*", false),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files(wmd, "/d", NULL, false),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(NULL, "/d",
								 "*", false),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(wmd, NULL,
								 "*", false),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(wmd, "/d",
								 NULL, false),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_component_dependency(
				 NULL, NULL, "fg", &other_writer, NULL, "x"),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, NULL, NULL, &other_writer, NULL, "x"),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_component_dependency(wmd, NULL, "fg",
							  NULL, NULL, "x"),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, NULL, "fg", &other_writer, NULL, NULL),
			 -EINVAL);

	assert_int_equal(vss_wmd_set_restore_method(wmd, &restore_method), 0);
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/d", "*", false, NULL, 0),
			 0);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 NULL, "/d", "*", false, "/alt"),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, NULL, "*", false, "/alt"),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/d", NULL, false, "/alt"),
			 -EINVAL);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/d", "*", false, NULL),
			 -EINVAL);

	assert_int_equal(vss_wmd_component_count(NULL), 0);
	assert_null(vss_wmd_component(NULL, 0));
	assert_null(vss_wmd_find_component(NULL, NULL, "fg"));
	assert_null(vss_wmd_find_component(wmd, NULL, NULL));
	assert_int_equal(vss_wmd_exclude_files_count(NULL), 0);
	assert_null(vss_wmd_exclude_files(NULL, 0));
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(NULL), 0);
	assert_null(vss_wmd_exclude_from_snapshot(NULL, 0));
	assert_int_equal(vss_wmd_alternate_location_mapping_count(NULL), 0);
	assert_null(vss_wmd_alternate_location_mapping(NULL, 0));

	assert_int_equal(vss_wmd_component(wmd, 0)->file_count, 1);
	assert_int_equal(vss_wmd_component(wmd, 1)->database_file_count, 0);
	assert_int_equal(vss_wmd_component(wmd, 1)->log_file_count, 0);
	assert_int_equal(vss_wmd_component(wmd, 0)->dependency_count, 0);
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 0);
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 0);
	assert_int_equal(vss_wmd_alternate_location_mapping_count(wmd), 0);
	vss_wmd_free(wmd);
}

static void
test_accessors_out_of_range(void **state)
{
	vss_wmd *wmd = new_wmd();

	(void)state;
	assert_null(vss_wmd_component(wmd, 0));
	assert_null(vss_wmd_exclude_files(wmd, 0));
	assert_null(vss_wmd_exclude_from_snapshot(wmd, 0));
	assert_null(vss_wmd_alternate_location_mapping(wmd, 0));
	assert_int_equal(vss_wmd_set_restore_method(wmd, &restore_method), 0);
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "fg");
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/d", "*", false, NULL, 0),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files(wmd, "/d", "*", false), 0);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(wmd, "/d",
								 "*", false),
			 0);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/d", "*", false, "/alt"),
			 0);
	assert_non_null(vss_wmd_component(wmd, 0));
	assert_null(vss_wmd_component(wmd, 1));
	assert_null(vss_wmd_component(wmd, SIZE_MAX));
	assert_non_null(vss_wmd_exclude_files(wmd, 0));
	assert_null(vss_wmd_exclude_files(wmd, 1));
	assert_non_null(vss_wmd_exclude_from_snapshot(wmd, 0));
	assert_null(vss_wmd_exclude_from_snapshot(wmd, 1));
	assert_non_null(vss_wmd_alternate_location_mapping(wmd, 0));
	assert_null(vss_wmd_alternate_location_mapping(wmd, 1));
	vss_wmd_free(wmd);
}

/* ---- -ENOMEM: every allocation of every add fails once ---------------- */

/* One line of every count in the document, to see that it did not change. */
static void
summary(const vss_wmd *wmd, char *buf, size_t size)
{
	size_t i, n;

	n = (size_t)snprintf(buf, size, "rm=%d map=%zu ex=%zu sx=%zu c=%zu",
			     vss_wmd_restore_method(wmd) != NULL,
			     vss_wmd_alternate_location_mapping_count(wmd),
			     vss_wmd_exclude_files_count(wmd),
			     vss_wmd_exclude_from_snapshot_count(wmd),
			     vss_wmd_component_count(wmd));
	for (i = 0; i < vss_wmd_component_count(wmd) && n < size; i++) {
		const struct vss_wm_component *c = vss_wmd_component(wmd, i);

		n += (size_t)snprintf(buf + n, size - n, " [%zu %zu %zu %zu]",
				      c->file_count, c->database_file_count,
				      c->log_file_count, c->dependency_count);
	}
}

static int
op_restore_method(vss_wmd *wmd)
{
	struct vss_restore_method_info info = restore_method;

	/* Reserved, but set here so that both copies can fail. */
	info.user_procedure = "procedure";
	return vss_wmd_set_restore_method(wmd, &info);
}

static int
op_component(vss_wmd *wmd)
{
	static const uint8_t icon[] = { 1, 2, 3 };
	struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.logical_path = "a\\b",
		.name = "new",
		.caption = "caption",
		.icon = icon,
		.icon_size = sizeof(icon),
	};

	return vss_wmd_add_component(wmd, &def);
}

static int
op_files(vss_wmd *wmd)
{
	return vss_wmd_add_files_to_file_group(wmd, NULL, "fg", "/n", "*",
					       true, "/alt", 0);
}

static int
op_database_files(vss_wmd *wmd)
{
	return vss_wmd_add_database_files(wmd, NULL, "db", "/n", "*", 0);
}

static int
op_log_files(vss_wmd *wmd)
{
	return vss_wmd_add_database_log_files(wmd, NULL, "db", "/n", "*", 0);
}

static int
op_exclude(vss_wmd *wmd)
{
	return vss_wmd_add_exclude_files(wmd, "/n", "*", true);
}

static int
op_snapshot_exclude(vss_wmd *wmd)
{
	return vss_wmd_add_exclude_files_from_snapshot(wmd, "/n", "*", true);
}

static int
op_mapping(vss_wmd *wmd)
{
	return vss_wmd_add_alternate_location_mapping(wmd, "/d", "*", false,
						      "/alt");
}

static int
op_dependency(vss_wmd *wmd)
{
	return vss_wmd_add_component_dependency(wmd, NULL, "db",
						&other_writer, "p", "x");
}

/*
 * A document with one of everything.  Lists start empty so that the op's
 * first append allocates, and the restore method is left out for the op
 * that sets it.
 */
static vss_wmd *
base_wmd(bool with_restore_method)
{
	vss_wmd *wmd = new_wmd();

	if (with_restore_method)
		assert_int_equal(vss_wmd_set_restore_method(wmd,
							    &restore_method),
				 0);
	add_component(wmd, VSS_CT_FILEGROUP, NULL, "fg");
	add_component(wmd, VSS_CT_DATABASE, NULL, "db");
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, NULL, "fg", "/d", "*", false, NULL, 0),
			 0);
	return wmd;
}

static void
test_enomem_leaves_document_unchanged(void **state)
{
	static const struct {
		int (*op)(vss_wmd *wmd);
		bool with_restore_method;
	} ops[] = {
		{ op_restore_method, false }, { op_component, true },
		{ op_files, true },	      { op_database_files, true },
		{ op_log_files, true },	      { op_exclude, true },
		{ op_snapshot_exclude, true }, { op_mapping, true },
		{ op_dependency, true },
	};
	char before[512], after[512];
	size_t i;
	long n, blocks;
	vss_wmd *wmd;
	int r;

	(void)state;
	alloc_fail_require();
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (n = 0;; n++) {
			blocks = alloc_fail_live_blocks();
			wmd = base_wmd(ops[i].with_restore_method);
			summary(wmd, before, sizeof(before));
			alloc_fail_arm(n);
			r = ops[i].op(wmd);
			alloc_fail_disarm();
			summary(wmd, after, sizeof(after));
			vss_wmd_free(wmd);
			assert_int_equal(alloc_fail_live_blocks(), blocks);
			if (r == 0)
				break;
			assert_int_equal(r, -ENOMEM);
			assert_string_equal(after, before);
		}
		/* Every op allocates, so some failure was injected. */
		assert_true(n >= 1);
	}

	for (n = 0;; n++) {
		blocks = alloc_fail_live_blocks();
		wmd = NULL;
		alloc_fail_arm(n);
		r = vss_wmd_new(&wmd, &identity);
		alloc_fail_disarm();
		vss_wmd_free(wmd);
		assert_int_equal(alloc_fail_live_blocks(), blocks);
		if (r == 0)
			break;
		assert_int_equal(r, -ENOMEM);
		assert_null(wmd);
	}
	/* The document and its two names. */
	assert_true(n >= 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wmd_free_null),
		cmocka_unit_test(test_wmd_build_and_read),
		cmocka_unit_test(test_wmd_new_copies_identity),
		cmocka_unit_test(test_wmd_new_rejects_bad_identity),
		cmocka_unit_test(test_md010_restore_method_once),
		cmocka_unit_test(test_md010_restore_method_not_undefined),
		cmocka_unit_test(test_md011_duplicate_component),
		cmocka_unit_test(test_component_name_rules),
		cmocka_unit_test(test_md030_component_type),
		cmocka_unit_test(test_component_icon_and_size_agree),
		cmocka_unit_test(test_md012_empty_component),
		cmocka_unit_test(test_component_pointers_survive_growth),
		cmocka_unit_test(test_file_set_component_not_found),
		cmocka_unit_test(test_md030_file_set_matches_component_type),
		cmocka_unit_test(test_md025_several_file_sets),
		cmocka_unit_test(test_file_set_default_mask),
		cmocka_unit_test(test_md020_path_without_wildcards),
		cmocka_unit_test(test_md021_filespec_without_separators),
		cmocka_unit_test(test_md040_dependency_needs_component),
		cmocka_unit_test(test_md040_dependency_not_on_own_writer),
		cmocka_unit_test(test_md040_several_dependencies),
		cmocka_unit_test(test_mapping_needs_restore_method),
		cmocka_unit_test(test_md026_mapping_matches_file_group_set),
		cmocka_unit_test(test_null_args),
		cmocka_unit_test(test_accessors_out_of_range),
		cmocka_unit_test(test_enomem_leaves_document_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
