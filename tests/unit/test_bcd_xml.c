/*
 * tests/unit/test_bcd_xml.c - the Backup Components Document as XML:
 * every field survives save and load (MD-062), unknown XML is kept, the
 * forms Windows writes load (MD-060, MD-061), malformed documents are
 * refused with the element and line (MD-003), nothing leaks on failure.
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
#include "test_util.h"

#define SID "e109943b-232e-4b52-8dc4-62b7de94761b"

static const vss_id set_id = { { 0xe1, 0x09, 0x94, 0x3b, 0x23, 0x2e, 0x4b,
				 0x52, 0x8d, 0xc4, 0x62, 0xb7, 0xde, 0x94,
				 0x76, 0x1b } };

/* A value no load returns, to see that *ret is left alone. */
static vss_bcd *const untouched = (vss_bcd *)&class_id;

/* ---- A document with every field set ------------------------------------- */

static void
fill_component(vss_bcd_component *c)
{
	static const char *const texts[VSS_TEXT_COUNT] = {
		[VSS_TEXT_BACKUP_OPTIONS] = "bo:" ODD,
		[VSS_TEXT_RESTORE_OPTIONS] = "ro:" ODD,
		[VSS_TEXT_BACKUP_STAMP] = "bs:" ODD,
		[VSS_TEXT_PREVIOUS_BACKUP_STAMP] = "pbs:" ODD,
		[VSS_TEXT_RECEIVED_BACKUP_STAMP] = "",
		[VSS_TEXT_BACKUP_METADATA] = "bm:" ODD,
		[VSS_TEXT_RESTORE_METADATA] = "rm:" ODD,
		[VSS_TEXT_PREPARE_BACKUP_FAILURE_MSG] = "pbf:" ODD,
		[VSS_TEXT_POST_SNAPSHOT_FAILURE_MSG] = "psf:" ODD,
		[VSS_TEXT_PRE_RESTORE_FAILURE_MSG] = "prf:" ODD,
		[VSS_TEXT_POST_RESTORE_FAILURE_MSG] = "porf:" ODD,
		[VSS_TEXT_RESTORE_NAME] = "rn:" ODD,
		[VSS_TEXT_ROLLFORWARD_POINT] = "rfp:" ODD,
		[VSS_TEXT_RANGES_FILE_PATH] = "rfp2:" ODD,
	};
	const struct vss_component_failure failure = {
		.status = VSS_E_WRITERERROR_RETRYABLE,
		.application_status = (int32_t)0x80070005,
		.message = "fail:" ODD,
	};
	const struct vss_directed_target t = {
		.source_path = "sp:" ODD,
		.source_file = "sf",
		.source_ranges = "0:10,20:5",
		.destination_path = "dp",
		.destination_file = "df:" ODD,
		.destination_ranges = "",
	};
	const struct vss_partial_file p1 = {
		.path = "pp:" ODD,
		.filename = "pf",
		.ranges = "0:4096",
		.metadata = "pm:" ODD,
	};
	const struct vss_partial_file p2 = {
		.path = "/p",
		.filename = "f",
		.ranges = "/ranges/file",
	};
	const struct vss_differenced_file d1 = {
		.path = "dfp:" ODD,
		.filespec = "*.log",
		.recursive = true,
		.lsn = "lsn:" ODD,
		.last_modify_time = INT64_MIN,
	};
	const struct vss_differenced_file d2 = {
		.path = "/d",
		.filespec = "x",
		.last_modify_time = INT64_MAX,
	};
	size_t i;

	assert_int_equal(vss_bcd_component_set_rollforward(c, VSS_RF_PARTIAL,
							   NULL),
			 0);
	for (i = 0; i < VSS_TEXT_COUNT; i++)
		assert_int_equal(vss_bcd_component_set_text(c, i, texts[i]), 0);
	assert_int_equal(vss_bcd_component_set_backup_succeeded(c, true), 0);
	assert_int_equal(vss_bcd_component_set_selected_for_restore(c, true),
			 0);
	assert_int_equal(vss_bcd_component_set_additional_restores(c, true),
			 0);
	assert_int_equal(vss_bcd_component_set_authoritative_restore(c, true),
			 0);
	assert_int_equal(vss_bcd_component_set_restore_target(c,
							      VSS_RT_DIRECTED),
			 0);
	assert_int_equal(vss_bcd_component_set_file_restore_status(
				 c, VSS_RS_FAILED),
			 0);
	assert_int_equal(vss_bcd_component_set_failure(c, &failure), 0);
	assert_int_equal(vss_bcd_component_add_restore_subcomponent(
				 c, "lp\\sub:" ODD, "s1:" ODD, true),
			 0);
	assert_int_equal(vss_bcd_component_add_restore_subcomponent(
				 c, "lp", "s2", false),
			 0);
	assert_int_equal(vss_bcd_component_add_alternate_location_mapping(
				 c, "mp:" ODD, "*", true, "md:" ODD),
			 0);
	assert_int_equal(vss_bcd_component_add_new_target(c, "np", "nf:" ODD,
							  false, ""),
			 0);
	assert_int_equal(vss_bcd_component_add_directed_target(c, &t), 0);
	assert_int_equal(vss_bcd_component_add_partial_file(c, &p1), 0);
	assert_int_equal(vss_bcd_component_add_partial_file(c, &p2), 0);
	assert_int_equal(vss_bcd_component_add_differenced_file(c, &d1), 0);
	assert_int_equal(vss_bcd_component_add_differenced_file(c, &d2), 0);
}

static vss_bcd *
full_bcd(void)
{
	const struct vss_backup_state state = {
		.select_components = true,
		.bootable_system_state = true,
		.backup_type = VSS_BT_LOG,
		.partial_file_support = true,
	};
	const struct vss_snapshot_desc s1 = {
		.snapshot_id = instance_id,
		.provider_id = other_id,
		.original_volume = "/mnt/" ODD,
		.snapshot_device = "/dev/" ODD,
		.originating_machine = "",
		.attributes = UINT32_MAX,
		.created = INT64_MIN,
	};
	const struct vss_snapshot_desc s2 = {
		.snapshot_id = other_id,
		.original_volume = "/",
		.created = 133000000000000000,
	};
	vss_bcd *bcd = NULL;
	vss_bcd_writer *w;
	vss_bcd_component *c;

	assert_int_equal(vss_bcd_new(&bcd), 0);
	assert_int_equal(vss_bcd_set_backup_state(bcd, &state), 0);
	assert_int_equal(vss_bcd_set_restore_type(bcd, VSS_RTYPE_IMPORT), 0);
	assert_int_equal(vss_bcd_set_context(bcd, -1), 0);
	assert_int_equal(vss_bcd_set_snapshot_set_id(bcd, &set_id), 0);
	assert_int_equal(vss_bcd_add_snapshot_desc(bcd, &s1), 0);
	assert_int_equal(vss_bcd_add_snapshot_desc(bcd, &s2), 0);
	assert_int_equal(vss_bcd_add_writer(bcd, &class_id, &instance_id,
					    "inst:" ODD, 0x371, &w),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(w, VSS_CT_FILEGROUP,
						      "lp:" ODD, "a", &c),
			 0);
	fill_component(c);
	assert_int_equal(vss_bcd_writer_add_component(w, VSS_CT_DATABASE,
						      NULL, "b", &c),
			 0);
	assert_int_equal(vss_bcd_add_writer(bcd, &other_id, &set_id, NULL, 0,
					    &w),
			 0);
	return bcd;
}

static void
assert_same_lists(const vss_bcd_component *a, const vss_bcd_component *b)
{
	size_t i, n;

	n = vss_bcd_component_restore_subcomponent_count(a);
	assert_int_equal(n, vss_bcd_component_restore_subcomponent_count(b));
	for (i = 0; i < n; i++) {
		const struct vss_restore_subcomponent *x, *y;

		x = vss_bcd_component_restore_subcomponent(a, i);
		y = vss_bcd_component_restore_subcomponent(b, i);
		assert_same_str(x->logical_path, y->logical_path);
		assert_same_str(x->name, y->name);
		assert_int_equal(x->repair, y->repair);
	}
	n = vss_bcd_component_alternate_location_mapping_count(a);
	assert_int_equal(n,
			 vss_bcd_component_alternate_location_mapping_count(b));
	for (i = 0; i < n; i++)
		assert_same_mapping(
			vss_bcd_component_alternate_location_mapping(a, i),
			vss_bcd_component_alternate_location_mapping(b, i));
	n = vss_bcd_component_new_target_count(a);
	assert_int_equal(n, vss_bcd_component_new_target_count(b));
	for (i = 0; i < n; i++)
		assert_same_mapping(vss_bcd_component_new_target(a, i),
				    vss_bcd_component_new_target(b, i));
	n = vss_bcd_component_directed_target_count(a);
	assert_int_equal(n, vss_bcd_component_directed_target_count(b));
	for (i = 0; i < n; i++) {
		const struct vss_directed_target *x, *y;

		x = vss_bcd_component_directed_target(a, i);
		y = vss_bcd_component_directed_target(b, i);
		assert_same_str(x->source_path, y->source_path);
		assert_same_str(x->source_file, y->source_file);
		assert_same_str(x->source_ranges, y->source_ranges);
		assert_same_str(x->destination_path, y->destination_path);
		assert_same_str(x->destination_file, y->destination_file);
		assert_same_str(x->destination_ranges, y->destination_ranges);
	}
	n = vss_bcd_component_partial_file_count(a);
	assert_int_equal(n, vss_bcd_component_partial_file_count(b));
	for (i = 0; i < n; i++) {
		const struct vss_partial_file *x, *y;

		x = vss_bcd_component_partial_file(a, i);
		y = vss_bcd_component_partial_file(b, i);
		assert_same_str(x->path, y->path);
		assert_same_str(x->filename, y->filename);
		assert_same_str(x->ranges, y->ranges);
		assert_same_str(x->metadata, y->metadata);
	}
	n = vss_bcd_component_differenced_file_count(a);
	assert_int_equal(n, vss_bcd_component_differenced_file_count(b));
	for (i = 0; i < n; i++) {
		const struct vss_differenced_file *x, *y;

		x = vss_bcd_component_differenced_file(a, i);
		y = vss_bcd_component_differenced_file(b, i);
		assert_same_str(x->path, y->path);
		assert_same_str(x->filespec, y->filespec);
		assert_int_equal(x->recursive, y->recursive);
		assert_same_str(x->lsn, y->lsn);
		assert_true(x->last_modify_time == y->last_modify_time);
	}
}

static void
assert_same_component(const vss_bcd_component *a, const vss_bcd_component *b)
{
	const struct vss_component_failure *fa, *fb;
	size_t i;

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(vss_bcd_component_type(a), vss_bcd_component_type(b));
	assert_same_str(vss_bcd_component_logical_path(a),
			vss_bcd_component_logical_path(b));
	assert_same_str(vss_bcd_component_name(a), vss_bcd_component_name(b));
	for (i = 0; i < VSS_TEXT_COUNT; i++)
		assert_same_str(vss_bcd_component_text(a, i),
				vss_bcd_component_text(b, i));
	assert_int_equal(vss_bcd_component_backup_succeeded(a),
			 vss_bcd_component_backup_succeeded(b));
	assert_int_equal(vss_bcd_component_selected_for_restore(a),
			 vss_bcd_component_selected_for_restore(b));
	assert_int_equal(vss_bcd_component_additional_restores(a),
			 vss_bcd_component_additional_restores(b));
	assert_int_equal(vss_bcd_component_authoritative_restore(a),
			 vss_bcd_component_authoritative_restore(b));
	assert_int_equal(vss_bcd_component_rollforward_type(a),
			 vss_bcd_component_rollforward_type(b));
	assert_int_equal(vss_bcd_component_restore_target(a),
			 vss_bcd_component_restore_target(b));
	assert_int_equal(vss_bcd_component_file_restore_status(a),
			 vss_bcd_component_file_restore_status(b));
	fa = vss_bcd_component_failure(a);
	fb = vss_bcd_component_failure(b);
	assert_int_equal(fa->status, fb->status);
	assert_int_equal(fa->application_status, fb->application_status);
	assert_same_str(fa->message, fb->message);
	assert_same_lists(a, b);
}

/* Every field a reader can see, through the public accessors. */
static void
assert_same_bcd(const vss_bcd *a, const vss_bcd *b)
{
	const struct vss_backup_state *sa = vss_bcd_backup_state(a);
	const struct vss_backup_state *sb = vss_bcd_backup_state(b);
	size_t i, j;

	assert_int_equal(sa->select_components, sb->select_components);
	assert_int_equal(sa->bootable_system_state, sb->bootable_system_state);
	assert_int_equal(sa->backup_type, sb->backup_type);
	assert_int_equal(sa->partial_file_support, sb->partial_file_support);
	assert_int_equal(vss_bcd_restore_type(a), vss_bcd_restore_type(b));
	assert_int_equal(vss_bcd_context(a), vss_bcd_context(b));
	assert_true(vss_id_equal(vss_bcd_snapshot_set_id(a),
				 vss_bcd_snapshot_set_id(b)));
	assert_int_equal(vss_bcd_snapshot_desc_count(a),
			 vss_bcd_snapshot_desc_count(b));
	for (i = 0; i < vss_bcd_snapshot_desc_count(a); i++) {
		const struct vss_snapshot_desc *x = vss_bcd_snapshot_desc(a, i);
		const struct vss_snapshot_desc *y = vss_bcd_snapshot_desc(b, i);

		assert_true(vss_id_equal(&x->snapshot_id, &y->snapshot_id));
		assert_true(vss_id_equal(&x->provider_id, &y->provider_id));
		assert_same_str(x->original_volume, y->original_volume);
		assert_same_str(x->snapshot_device, y->snapshot_device);
		assert_same_str(x->originating_machine,
				y->originating_machine);
		assert_int_equal(x->attributes, y->attributes);
		assert_true(x->created == y->created);
	}
	assert_int_equal(vss_bcd_writer_count(a), vss_bcd_writer_count(b));
	for (i = 0; i < vss_bcd_writer_count(a); i++) {
		vss_bcd_writer *x = vss_bcd_writer_at(a, i);
		vss_bcd_writer *y = vss_bcd_writer_at(b, i);

		assert_true(vss_id_equal(vss_bcd_writer_class_id(x),
					 vss_bcd_writer_class_id(y)));
		assert_true(vss_id_equal(vss_bcd_writer_instance_id(x),
					 vss_bcd_writer_instance_id(y)));
		assert_same_str(vss_bcd_writer_instance_name(x),
				vss_bcd_writer_instance_name(y));
		assert_int_equal(vss_bcd_writer_backup_schema(x),
				 vss_bcd_writer_backup_schema(y));
		assert_int_equal(vss_bcd_writer_component_count(x),
				 vss_bcd_writer_component_count(y));
		for (j = 0; j < vss_bcd_writer_component_count(x); j++)
			assert_same_component(vss_bcd_writer_component(x, j),
					      vss_bcd_writer_component(y, j));
	}
}

static char *
save(const vss_bcd *bcd)
{
	return save_doc(&doc_codec_bcd, bcd);
}

static vss_bcd *
load(const char *xml, size_t len)
{
	return load_doc(&doc_codec_bcd, "document", xml, len);
}

static vss_bcd *
load_str(const char *xml)
{
	return load(xml, strlen(xml));
}

/* MD-062 */
static void
test_md062_round_trip_every_field(void **state)
{
	vss_bcd *built = full_bcd(), *loaded;
	char *xml, *again;

	(void)state;
	xml = save(built);
	loaded = load_str(xml);
	assert_same_bcd(built, loaded);
	again = save(loaded);
	assert_string_equal(again, xml);
	free(again);
	free(xml);
	vss_bcd_free(loaded);
	vss_bcd_free(built);
}

/* MD-062, MD-061: defaults are left out and come back as defaults. */
static void
test_md062_defaults_left_out(void **state)
{
	vss_bcd *built = NULL, *loaded;
	vss_bcd_writer *w;
	vss_bcd_component *c;
	char *xml;

	(void)state;
	assert_int_equal(vss_bcd_new(&built), 0);
	xml = save(built);
	assert_string_equal(
		xml, "<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponent"
		     "Metadata\" version=\"1.2\" "
		     "bootableSystemStateBackup=\"no\" "
		     "selectComponents=\"no\" backupType=\"full\" "
		     "partialFileSupport=\"no\" snapshotSetId=\"00000000-0000-"
		     "0000-0000-000000000000\"/>");
	free(xml);
	assert_int_equal(vss_bcd_add_writer(built, &class_id, &instance_id,
					    NULL, 0, &w),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(w, VSS_CT_FILEGROUP,
						      NULL, "c", &c),
			 0);
	xml = save(built);
	assert_non_null(strstr(xml, "<WRITER_COMPONENTS instanceId=\"" IID
				    "\" writerId=\"" WID "\" "
				    "backupSchema=\"0\"><COMPONENT "
				    "componentName=\"c\" componentType="
				    "\"filegroup\"/></WRITER_COMPONENTS>"));
	loaded = load_str(xml);
	assert_same_bcd(built, loaded);
	c = vss_bcd_writer_component(vss_bcd_writer_at(loaded, 0), 0);
	assert_int_equal(vss_bcd_component_restore_target(c), VSS_RT_ORIGINAL);
	assert_null(vss_bcd_component_failure(c)->message);
	free(xml);
	vss_bcd_free(loaded);
	vss_bcd_free(built);
}

/* MD-061: Windows' form, our names where Windows' are unknown. */
static void
test_md061_saved_form(void **state)
{
	static const char *const expected[] = {
		"<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" "
		"version=\"1.2\" bootableSystemStateBackup=\"yes\" "
		"selectComponents=\"yes\" backupType=\"log\" "
		"partialFileSupport=\"yes\" snapshotSetId=\"" SID "\" "
		"restoreType=\"IMPORT\" context=\"4294967295\">",
		"<COMPONENT logicalPath=\"lp: line&#10;break&#13;&#10;cr&#9;"
		"tab &quot;q&quot; 'a' &lt;t&gt; &amp; &amp;amp; \xc3\xa9 ",
		"componentName=\"a\" componentType=\"filegroup\" "
		"backupStamp=\"bs:",
		"receivedBackupStamp=\"\" backupSucceeded=\"yes\" "
		"backupOptions=\"bo:",
		"selectedForRestore=\"yes\" additionalRestores=\"yes\" "
		"restoreTarget=\"DIRECTED\" fileRestoreStatus=\"FAILED\" "
		"authoritativeRestore=\"yes\" rollForwardType=\"PARTIAL\" "
		"rollForwardPoint=\"rfp:",
		"<BACKUP_METADATA xmlns=\"\" metadata=\"bm:",
		"<RESTORE_METADATA xmlns=\"\" metadata=\"rm:",
		"<COMPONENT_FAILURE hr=\"0x800423F3\" "
		"applicationHr=\"0x80070005\" message=\"fail:",
		"<RESTORE_SUBCOMPONENT logicalPath=\"lp\" componentName=\"s2\" "
		"repair=\"no\"/>",
		"<NEW_TARGET path=\"np\" filespec=\"nf:",
		"<DIRECTED_TARGET sourcePath=\"sp:",
		"destinationRanges=\"\"/>",
		"<PARTIAL_FILE path=\"/p\" filename=\"f\" "
		"ranges=\"/ranges/file\"/>",
		"<DIFFERENCED_FILE path=\"/d\" filespec=\"x\" recursive=\"no\" "
		"lastModifyTime=\"9223372036854775807\"/>",
		"lastModifyTime=\"-9223372036854775808\"/>",
		"<COMPONENT componentName=\"b\" componentType=\"database\"/>",
		"<SNAPSHOT_SET_DESCRIPTION snapshotSetId=\"" SID "\" "
		"context=\"4294967295\"><SNAPSHOT_DESCRIPTION snapshotId=\"" IID
		"\"",
		"originatingMachine=\"\" snapshotAttributes=\"4294967295\" "
		"timestamp=\"-9223372036854775808\"/>",
		"<SNAPSHOT_DESCRIPTION snapshotId=\"a65faa63-5ea8-4ebc-9dbd-"
		"a0c4db26912a\" providerId=\"00000000-0000-0000-0000-"
		"000000000000\" originalVolumeName=\"/\" "
		"snapshotAttributes=\"0\" timestamp=\"133000000000000000\"/>"
		"</SNAPSHOT_SET_DESCRIPTION></BACKUP_COMPONENTS>",
	};
	vss_bcd *bcd = full_bcd();
	char *xml;
	size_t i;

	(void)state;
	xml = save(bcd);
	assert_null(strpbrk(xml, "\n\r\t"));
	assert_true(strncmp(xml, expected[0], strlen(expected[0])) == 0);
	for (i = 1; i < sizeof(expected) / sizeof(expected[0]); i++)
		if (!strstr(xml, expected[i]))
			fail_msg("'%s' not in %s", expected[i], xml);
	free(xml);
	vss_bcd_free(bcd);
}

/* ---- Unknown XML --------------------------------------------------------- */

static const char unknown_doc[] =
	"<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" "
	"xmlns:u=\"urn:u\" version=\"1.2\" backupType=\"full\" rootAttr=\"r\">"
	"<WRITER_COMPONENTS instanceId=\"" IID "\" writerId=\"" WID "\" "
	"backupSchema=\"0\" wAttr=\"w\">"
	"<COMPONENT componentName=\"c\" componentType=\"filegroup\" "
	"componentCaption=\"ASR\" u:cAttr=\"c\">"
	"<BACKUP_METADATA xmlns=\"\" metadata=\"m\" bmAttr=\"b\"><BM_CHILD/>"
	"</BACKUP_METADATA>"
	"<RESTORE_METADATA xmlns=\"\" metadata=\"r\" rmAttr=\"r\"/>"
	"<COMPONENT_FAILURE hr=\"0\" cfAttr=\"f\"><CF_CHILD/>"
	"</COMPONENT_FAILURE>"
	"<RESTORE_SUBCOMPONENT logicalPath=\"c\" componentName=\"s\" "
	"rsAttr=\"s\"/>"
	"<ALTERNATE_LOCATION_MAPPING path=\"/a\" filespec=\"*\" "
	"destination=\"/b\" almAttr=\"a\"/>"
	"<NEW_TARGET path=\"/a\" filespec=\"*\" destination=\"/b\" "
	"ntAttr=\"n\"/>"
	"<DIRECTED_TARGET sourcePath=\"a\" sourceFilename=\"b\" "
	"sourceRanges=\"c\" destinationPath=\"d\" destinationFilename=\"e\" "
	"destinationRanges=\"f\" dtAttr=\"d\"/>"
	"<PARTIAL_FILE path=\"/p\" filename=\"f\" ranges=\"0:1\" pfAttr=\"p\"/>"
	"<DIFFERENCED_FILE path=\"/d\" filespec=\"*\" lastModifyTime=\"1\" "
	"dfAttr=\"d\"/>"
	"<C_CHILD>text</C_CHILD></COMPONENT><W_CHILD/></WRITER_COMPONENTS>"
	"<SNAPSHOT_SET_DESCRIPTION snapshotSetId=\"" SID "\" context=\"0\" "
	"ssdAttr=\"s\"><SNAPSHOT_DESCRIPTION snapshotId=\"" IID "\" "
	"providerId=\"" WID "\" originalVolumeName=\"/\" "
	"serviceMachine=\"host\"><LUN_MAPPING><DESTINATION_LUN>"
	"<LUN_INFORMATION diskSignature=\"1\"/></DESTINATION_LUN>"
	"</LUN_MAPPING></SNAPSHOT_DESCRIPTION><SSD_CHILD/>"
	"</SNAPSHOT_SET_DESCRIPTION><u:ROOT_CHILD/></BACKUP_COMPONENTS>";

/* MD-062: unknown attributes and elements survive load, save, load. */
static void
test_md062_unknown_xml_kept(void **state)
{
	static const char *const kept[] = {
		"backupType=\"full\" partialFileSupport=\"no\" snapshotSetId=\""
		SID "\" rootAttr=\"r\">",
		"backupSchema=\"0\" wAttr=\"w\">",
		"componentType=\"filegroup\" componentCaption=\"ASR\" "
		"u:cAttr=\"c\">",
		"metadata=\"m\" bmAttr=\"b\"><BM_CHILD/></BACKUP_METADATA>",
		"metadata=\"r\" rmAttr=\"r\"/>",
		"<COMPONENT_FAILURE hr=\"0x00000000\" "
		"applicationHr=\"0x00000000\" cfAttr=\"f\"><CF_CHILD/>"
		"</COMPONENT_FAILURE>",
		"repair=\"no\" rsAttr=\"s\"/>",
		"destination=\"/b\" almAttr=\"a\"/>",
		"destination=\"/b\" ntAttr=\"n\"/>",
		"destinationRanges=\"f\" dtAttr=\"d\"/>",
		"ranges=\"0:1\" pfAttr=\"p\"/>",
		"lastModifyTime=\"1\" dfAttr=\"d\"/>",
		"<C_CHILD>text</C_CHILD></COMPONENT><W_CHILD/>"
		"</WRITER_COMPONENTS>",
		"context=\"0\" ssdAttr=\"s\">",
		"timestamp=\"0\" serviceMachine=\"host\"><LUN_MAPPING>"
		"<DESTINATION_LUN><LUN_INFORMATION diskSignature=\"1\"/>"
		"</DESTINATION_LUN></LUN_MAPPING></SNAPSHOT_DESCRIPTION>"
		"<SSD_CHILD/></SNAPSHOT_SET_DESCRIPTION>",
		"ROOT_CHILD",
	};
	vss_bcd *first, *second;
	char *xml1, *xml2;
	size_t i;

	(void)state;
	first = load_str(unknown_doc);
	xml1 = save(first);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!strstr(xml1, kept[i]))
			fail_msg("'%s' lost in %s", kept[i], xml1);
	second = load_str(xml1);
	assert_same_bcd(first, second);
	xml2 = save(second);
	assert_string_equal(xml2, xml1);
	free(xml2);
	free(xml1);
	vss_bcd_free(second);
	vss_bcd_free(first);
}

/* ---- What Windows writes (MD-060) ---------------------------------------- */

/* As diskshadow writes it: one line, attributes absent when not set. */
static const char observed[] =
	"<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" "
	"version=\"1.2\" bootableSystemStateBackup=\"yes\" "
	"selectComponents=\"yes\" backupType=\"full\" "
	"partialFileSupport=\"no\" snapshotSetId=\"" SID "\">"
	"<WRITER_COMPONENTS instanceId=\"" IID "\" writerId=\"" WID "\" "
	"backupSchema=\"0\"><COMPONENT componentName=\"TasksStore\" "
	"componentType=\"filegroup\"/>"
	"</WRITER_COMPONENTS><WRITER_COMPONENTS instanceId=\"" WID "\" "
	"writerId=\"" IID "\" instanceName=\"SQL\" backupSchema=\"881\">"
	"<COMPONENT logicalPath=\"HOST\" componentName=\"master\" "
	"componentType=\"filegroup\" backupStamp=\"stamp\"><BACKUP_METADATA "
	"xmlns=\"\" metadata=\"AQIDBA==\"/></COMPONENT><COMPONENT "
	"componentName=\"System Files\" componentType=\"filegroup\"/>"
	"</WRITER_COMPONENTS></BACKUP_COMPONENTS>";

static void
check_observed(const vss_bcd *bcd)
{
	const struct vss_backup_state *s = vss_bcd_backup_state(bcd);
	vss_bcd_writer *w;
	vss_bcd_component *c;

	assert_true(s->bootable_system_state);
	assert_true(s->select_components);
	assert_int_equal(s->backup_type, VSS_BT_FULL);
	assert_false(s->partial_file_support);
	assert_true(vss_id_equal(vss_bcd_snapshot_set_id(bcd), &set_id));
	assert_int_equal(vss_bcd_writer_count(bcd), 2);
	w = vss_bcd_writer_at(bcd, 1);
	assert_true(vss_id_equal(vss_bcd_writer_class_id(w), &instance_id));
	assert_true(vss_id_equal(vss_bcd_writer_instance_id(w), &class_id));
	assert_string_equal(vss_bcd_writer_instance_name(w), "SQL");
	assert_int_equal(vss_bcd_writer_backup_schema(w), 881);
	assert_int_equal(vss_bcd_writer_component_count(w), 2);
	c = vss_bcd_writer_find_component(w, VSS_CT_FILEGROUP, "HOST",
					  "master");
	assert_non_null(c);
	assert_string_equal(vss_bcd_component_text(c, VSS_TEXT_BACKUP_STAMP),
			    "stamp");
	assert_string_equal(vss_bcd_component_text(c,
						   VSS_TEXT_BACKUP_METADATA),
			    "AQIDBA==");
	assert_null(vss_bcd_component_logical_path(
		vss_bcd_writer_component(w, 1)));
}

/* MD-060 */
static void
test_md060_observed_one_line(void **state)
{
	vss_bcd *bcd = load_str(observed);
	char *xml;

	(void)state;
	check_observed(bcd);
	/* What Windows wrote, we write the same way. */
	xml = save(bcd);
	assert_string_equal(xml, observed);
	free(xml);
	vss_bcd_free(bcd);
}

/* MD-060: UTF-16LE with a BOM, as vshadow saves documents. */
static void
test_md060_utf16le_bom(void **state)
{
	size_t len;
	char *utf16 = utf16le_with_bom(observed, &len);
	vss_bcd *bcd;

	(void)state;
	bcd = load(utf16, len);
	check_observed(bcd);
	vss_bcd_free(bcd);
	free(utf16);
}

/*
 * MD-060: CRLF and tabs, a declaration, repeated and prefixed namespaces,
 * GUIDs in braces and upper case, any case for booleans and enumerations,
 * the set id and context only in SNAPSHOT_SET_DESCRIPTION, the snapshot
 * description before the writers, optional attributes absent.
 */
static void
test_md060_windows_variants(void **state)
{
	static const char doc[] =
		"<?xml version=\"1.0\"?>\r\n"
		"<b:BACKUP_COMPONENTS xmlns:b=\"x-schema:#VssComponent"
		"Metadata\"\r\n\tselectComponents=\"YES\" "
		"backupType=\"Differential\">\r\n"
		"\t<SNAPSHOT_SET_DESCRIPTION xmlns=\"x-schema:#VssComponent"
		"Metadata\" snapshotSetId=\"{E109943B-232E-4B52-8DC4-"
		"62B7DE94761B}\" context=\"25\">\r\n"
		"\t\t<SNAPSHOT_DESCRIPTION snapshotId=\"{" IID "}\" "
		"providerId=\"" WID "\" originalVolumeName=\"/srv\"/>\r\n"
		"\t</SNAPSHOT_SET_DESCRIPTION>\r\n"
		"\t<b:WRITER_COMPONENTS writerId=\"D61D61C8-D73A-4EEE-8CDD-"
		"F6F9786B7124\" instanceId=\"" IID "\">\r\n"
		"\t\t<COMPONENT xmlns=\"\" componentName=\"c\" "
		"componentType=\"DATABASE\" backupSucceeded=\"Yes\" "
		"restoreTarget=\"alternate\">\r\n"
		"\t\t\t<COMPONENT_FAILURE hr=\"0X800423f3\"/>\r\n"
		"\t\t</COMPONENT>\r\n"
		"\t</b:WRITER_COMPONENTS>\r\n"
		"</b:BACKUP_COMPONENTS>\r\n";
	const struct vss_snapshot_desc *d;
	vss_bcd_component *c;
	vss_bcd_writer *w;
	vss_bcd *bcd;

	(void)state;
	bcd = load_str(doc);
	assert_true(vss_bcd_backup_state(bcd)->select_components);
	assert_false(vss_bcd_backup_state(bcd)->bootable_system_state);
	assert_int_equal(vss_bcd_backup_state(bcd)->backup_type,
			 VSS_BT_DIFFERENTIAL);
	assert_int_equal(vss_bcd_restore_type(bcd), VSS_RTYPE_UNDEFINED);
	assert_true(vss_id_equal(vss_bcd_snapshot_set_id(bcd), &set_id));
	assert_int_equal(vss_bcd_context(bcd), 25);
	assert_int_equal(vss_bcd_snapshot_desc_count(bcd), 1);
	d = vss_bcd_snapshot_desc(bcd, 0);
	assert_true(vss_id_equal(&d->snapshot_id, &instance_id));
	assert_string_equal(d->original_volume, "/srv");
	assert_null(d->snapshot_device);
	assert_int_equal(d->attributes, 0);
	w = vss_bcd_find_writer(bcd, &class_id, &instance_id);
	assert_non_null(w);
	assert_null(vss_bcd_writer_instance_name(w));
	assert_int_equal(vss_bcd_writer_backup_schema(w), 0);
	c = vss_bcd_writer_find_component(w, VSS_CT_DATABASE, NULL, "c");
	assert_non_null(c);
	assert_true(vss_bcd_component_backup_succeeded(c));
	assert_int_equal(vss_bcd_component_restore_target(c),
			 VSS_RT_ALTERNATE);
	assert_int_equal(vss_bcd_component_failure(c)->status,
			 VSS_E_WRITERERROR_RETRYABLE);
	assert_int_equal(vss_bcd_component_failure(c)->application_status, 0);
	vss_bcd_free(bcd);
}

/* MD-060: a bare root is a document with every default. */
static void
test_md060_missing_optional_parts(void **state)
{
	vss_bcd *bcd = load_str("<BACKUP_COMPONENTS/>"), *fresh = NULL;

	(void)state;
	assert_int_equal(vss_bcd_new(&fresh), 0);
	assert_same_bcd(fresh, bcd);
	vss_bcd_free(fresh);
	vss_bcd_free(bcd);
}

/* ---- Malformed documents (MD-003) ---------------------------------------- */

#define HEAD                                                                   \
	"<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" "        \
	"snapshotSetId=\"" SID "\">\n"
#define WRITER(attrs, body)                                                    \
	"<WRITER_COMPONENTS instanceId=\"" IID "\" writerId=\"" WID "\"" attrs \
	">\n" body "</WRITER_COMPONENTS>\n"
#define COMP(attrs, body)                                                      \
	WRITER("", "<COMPONENT componentName=\"c\" "                          \
		   "componentType=\"filegroup\"" attrs ">\n" body             \
		   "</COMPONENT>\n")
#define TAIL "</BACKUP_COMPONENTS>\n"

static const struct malformed malformed[] = {
	{ HEAD COMP(" backupSucceeded=\"maybe\"", "") TAIL, 3,
	  "line 3: COMPONENT: attribute 'backupSucceeded': bad boolean "
	  "'maybe'" },
	/* libxml2 knows the line where a start tag ends. */
	{ "<BACKUP_COMPONENTS\npartialFileSupport=\"1\"/>", 2,
	  "line 2: BACKUP_COMPONENTS: attribute 'partialFileSupport': bad "
	  "boolean '1'" },
	{ HEAD WRITER("", "<COMPONENT componentType=\"filegroup\"/>\n") TAIL, 3,
	  "line 3: COMPONENT: missing attribute 'componentName'" },
	{ HEAD WRITER("", "<COMPONENT componentName=\"c\"/>\n") TAIL, 3,
	  "COMPONENT: missing attribute 'componentType'" },
	{ HEAD "<WRITER_COMPONENTS instanceId=\"" IID "\"/>\n" TAIL, 2,
	  "line 2: WRITER_COMPONENTS: missing attribute 'writerId'" },
	{ HEAD "<WRITER_COMPONENTS instanceId=\"" IID "\" writerId=\"{" WID
	  "\"/>\n" TAIL,
	  2, "WRITER_COMPONENTS: attribute 'writerId': bad guid" },
	{ "<BACKUP_COMPONENTS snapshotSetId=\"\"/>", 1,
	  "BACKUP_COMPONENTS: attribute 'snapshotSetId': bad guid ''" },
	{ HEAD WRITER(" backupSchema=\"0x10\"", "") TAIL, 2,
	  "WRITER_COMPONENTS: attribute 'backupSchema': bad number '0x10'" },
	{ HEAD WRITER("", "<COMPONENT componentName=\"c\" "
			  "componentType=\"table\"/>\n") TAIL,
	  3, "COMPONENT: attribute 'componentType': bad component type "
	     "'table'" },
	{ HEAD WRITER("", "<COMPONENT componentName=\"c\" "
			  "componentType=\"undefined\"/>\n") TAIL,
	  3, "COMPONENT: cannot add component: Invalid argument" },
	{ "<BACKUP_COMPONENTS backupType=\"sometimes\"/>", 1,
	  "BACKUP_COMPONENTS: attribute 'backupType': bad backup type" },
	{ "<BACKUP_COMPONENTS backupType=\"undefined\"/>", 1,
	  "BACKUP_COMPONENTS: attribute 'backupType': Invalid argument" },
	{ "<BACKUP_COMPONENTS restoreType=\"BY_COPY \"/>", 1,
	  "BACKUP_COMPONENTS: attribute 'restoreType': bad restore type" },
	{ HEAD COMP("", "<COMPONENT_FAILURE hr=\"0x1G\"/>\n") TAIL, 4,
	  "line 4: COMPONENT_FAILURE: attribute 'hr': bad number '0x1G'" },
	{ HEAD COMP("", "<COMPONENT_FAILURE hr=\"0x100000000\"/>\n") TAIL, 4,
	  "COMPONENT_FAILURE: attribute 'hr': bad number" },
	{ HEAD COMP("", "<COMPONENT_FAILURE hr=\"0x\"/>\n") TAIL, 4,
	  "COMPONENT_FAILURE: attribute 'hr': bad number '0x'" },
	{ HEAD COMP("", "<COMPONENT_FAILURE hr=\"0x80004005\"/>\n") TAIL, 4,
	  "COMPONENT_FAILURE: cannot set failure" },
	{ HEAD COMP("", "<COMPONENT_FAILURE/>\n") TAIL, 4,
	  "COMPONENT_FAILURE: missing attribute 'hr'" },
	{ HEAD COMP("", "<COMPONENT_FAILURE hr=\"0\"/>\n"
			"<COMPONENT_FAILURE hr=\"0\"/>\n") TAIL,
	  5, "COMPONENT_FAILURE: duplicate element" },
	{ HEAD COMP(" restoreTarget=\"UNDEFINED\"", "") TAIL, 3,
	  "COMPONENT: attribute 'restoreTarget': Invalid argument" },
	{ HEAD COMP(" restoreTarget=\"NEW\"", "") TAIL, 3,
	  "COMPONENT: attribute 'restoreTarget': bad restore target 'NEW'" },
	{ HEAD COMP(" fileRestoreStatus=\"some\"", "") TAIL, 3,
	  "attribute 'fileRestoreStatus': bad file restore status" },
	{ HEAD COMP(" rollForwardType=\"back\"", "") TAIL, 3,
	  "attribute 'rollForwardType': bad roll-forward type" },
	{ HEAD WRITER("", "") WRITER("", "") TAIL, 4,
	  "line 4: WRITER_COMPONENTS: duplicate writer entry" },
	{ HEAD WRITER("", "<COMPONENT componentName=\"c\" "
			  "componentType=\"filegroup\"/>\n<COMPONENT "
			  "componentName=\"c\" componentType=\"database\"/>\n")
		  TAIL,
	  4, "COMPONENT: cannot add component: the object already exists" },
	{ HEAD COMP("", "<BACKUP_METADATA/>\n") TAIL, 4,
	  "BACKUP_METADATA: missing attribute 'metadata'" },
	{ HEAD COMP("", "<RESTORE_METADATA metadata=\"a\"/>\n"
			"<RESTORE_METADATA metadata=\"b\"/>\n") TAIL,
	  5, "RESTORE_METADATA: duplicate element" },
	{ HEAD COMP("", "<RESTORE_SUBCOMPONENT componentName=\"s\"/>\n") TAIL,
	  4, "RESTORE_SUBCOMPONENT: missing attribute 'logicalPath'" },
	{ HEAD COMP("", "<RESTORE_SUBCOMPONENT logicalPath=\"c\" "
			"componentName=\"s\" repair=\"\"/>\n") TAIL,
	  4, "RESTORE_SUBCOMPONENT: attribute 'repair': bad boolean ''" },
	{ HEAD COMP("", "<NEW_TARGET path=\"/a\" filespec=\"*\"/>\n") TAIL, 4,
	  "NEW_TARGET: missing attribute 'destination'" },
	{ HEAD COMP("", "<ALTERNATE_LOCATION_MAPPING filespec=\"*\" "
			"destination=\"/b\"/>\n") TAIL,
	  4, "ALTERNATE_LOCATION_MAPPING: missing attribute 'path'" },
	{ HEAD COMP("", "<DIRECTED_TARGET sourcePath=\"a\" "
			"sourceFilename=\"b\" sourceRanges=\"c\" "
			"destinationPath=\"d\" destinationFilename=\"e\"/>\n")
		  TAIL,
	  4, "DIRECTED_TARGET: missing attribute 'destinationRanges'" },
	{ HEAD COMP("", "<PARTIAL_FILE path=\"/p\" filename=\"f\"/>\n") TAIL,
	  4, "PARTIAL_FILE: missing attribute 'ranges'" },
	{ HEAD COMP("", "<DIFFERENCED_FILE path=\"/d\" filespec=\"*\" "
			"lastModifyTime=\"1.5\"/>\n") TAIL,
	  4, "DIFFERENCED_FILE: attribute 'lastModifyTime': bad number '1.5'" },
	{ HEAD COMP("", "<DIFFERENCED_FILE path=\"/d\" filespec=\"*\" "
			"lastModifyTime=\"9223372036854775808\"/>\n") TAIL,
	  4, "DIFFERENCED_FILE: attribute 'lastModifyTime': bad number" },
	{ HEAD COMP("", "<DIFFERENCED_FILE path=\"/d\" filespec=\"*\" "
			"lastModifyTime=\"--1\"/>\n") TAIL,
	  4, "DIFFERENCED_FILE: attribute 'lastModifyTime': bad number" },
	{ HEAD COMP("", "<DIFFERENCED_FILE path=\"/d\" filespec=\"*\"/>\n")
		  TAIL,
	  4, "DIFFERENCED_FILE: missing attribute 'lastModifyTime'" },
	{ HEAD "<SNAPSHOT_SET_DESCRIPTION snapshotSetId=\"" WID "\"/>\n" TAIL,
	  2, "line 2: SNAPSHOT_SET_DESCRIPTION: attribute 'snapshotSetId': "
	     "differs from the one of BACKUP_COMPONENTS" },
	{ "<BACKUP_COMPONENTS context=\"1\">\n<SNAPSHOT_SET_DESCRIPTION "
	  "context=\"2\"/>\n" TAIL,
	  2, "SNAPSHOT_SET_DESCRIPTION: attribute 'context': differs" },
	{ HEAD "<SNAPSHOT_SET_DESCRIPTION/>\n<SNAPSHOT_SET_DESCRIPTION/>\n"
	  TAIL,
	  3, "SNAPSHOT_SET_DESCRIPTION: duplicate element" },
	{ HEAD "<SNAPSHOT_SET_DESCRIPTION>\n<SNAPSHOT_DESCRIPTION "
	       "snapshotId=\"" IID "\" providerId=\"" WID "\" "
	       "originalVolumeName=\"/\" timestamp=\"-9223372036854775809\"/>\n"
	       "</SNAPSHOT_SET_DESCRIPTION>\n" TAIL,
	  3, "SNAPSHOT_DESCRIPTION: attribute 'timestamp': bad number" },
	{ HEAD "<SNAPSHOT_SET_DESCRIPTION>\n<SNAPSHOT_DESCRIPTION "
	       "snapshotId=\"" IID "\" providerId=\"" WID "\"/>\n"
	       "</SNAPSHOT_SET_DESCRIPTION>\n" TAIL,
	  3, "SNAPSHOT_DESCRIPTION: missing attribute 'originalVolumeName'" },
	{ "<WRITER_METADATA/>", 1,
	  "line 1: WRITER_METADATA: root element is not BACKUP_COMPONENTS" },
	{ HEAD COMP("", "<BACKUP_METADATA metadata=\"a\">\n") TAIL, 5,
	  "malformed xml: Opening and ending tag mismatch: BACKUP_METADATA" },
	{ "<!DOCTYPE BACKUP_COMPONENTS [<!ENTITY x SYSTEM \"/etc/passwd\">]>"
	  "<BACKUP_COMPONENTS>&x;</BACKUP_COMPONENTS>",
	  1, "line 1: DOCTYPE: document type declarations are not allowed" },
};

/* MD-003: each gives VSS_E_INVALID_XML_DOCUMENT, the line and element. */
static void
test_md003_malformed(void **state)
{
	(void)state;
	check_malformed(&doc_codec_bcd, malformed,
			sizeof(malformed) / sizeof(malformed[0]));
}

/* Saving refuses strings XML 1.0 cannot carry, rather than lose them. */
static void
test_save_refuses_unencodable(void **state)
{
	vss_bcd *bcd = full_bcd();
	vss_bcd_component *c;
	char *xml = (char *)untouched;
	size_t len = 42;

	(void)state;
	c = vss_bcd_writer_component(vss_bcd_writer_at(bcd, 0), 1);
	assert_int_equal(vss_bcd_component_set_text(c, VSS_TEXT_BACKUP_METADATA,
						    "bin\x02"),
			 0);
	assert_int_equal(vss_bcd_save_xml(bcd, &xml, &len), -EINVAL);
	assert_ptr_equal(xml, untouched);
	assert_int_equal(len, 42);
	assert_int_equal(vss_bcd_component_set_text(c, VSS_TEXT_BACKUP_METADATA,
						    "\xc3"),
			 0);
	assert_int_equal(vss_bcd_save_xml(bcd, &xml, &len), -EINVAL);
	vss_bcd_free(bcd);
}

static void
test_null_args(void **state)
{
	vss_bcd *bcd = full_bcd();
	char *xml;
	size_t len;

	(void)state;
	assert_int_equal(vss_bcd_load_xml(NULL, observed, strlen(observed),
					  NULL),
			 -EINVAL);
	assert_int_equal(vss_bcd_load_xml(&bcd, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vss_bcd_save_xml(NULL, &xml, &len), -EINVAL);
	assert_int_equal(vss_bcd_save_xml(bcd, NULL, &len), -EINVAL);
	assert_int_equal(vss_bcd_save_xml(bcd, &xml, NULL), -EINVAL);
	vss_bcd_free(bcd);
}

/* Every allocation of a load and of a save may fail (check_codec_enomem). */
static void
test_enomem(void **state)
{
	vss_bcd *full;

	(void)state;
	alloc_fail_require();
	full = full_bcd();
	check_codec_enomem(&doc_codec_bcd, full, unknown_doc);
	vss_bcd_free(full);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md062_round_trip_every_field),
		cmocka_unit_test(test_md062_defaults_left_out),
		cmocka_unit_test(test_md061_saved_form),
		cmocka_unit_test(test_md062_unknown_xml_kept),
		cmocka_unit_test(test_md060_observed_one_line),
		cmocka_unit_test(test_md060_utf16le_bom),
		cmocka_unit_test(test_md060_windows_variants),
		cmocka_unit_test(test_md060_missing_optional_parts),
		cmocka_unit_test(test_md003_malformed),
		cmocka_unit_test(test_save_refuses_unencodable),
		cmocka_unit_test(test_null_args),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
