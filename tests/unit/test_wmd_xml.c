/*
 * tests/unit/test_wmd_xml.c - the Writer Metadata Document as XML: every
 * field survives save and load (MD-062), unknown XML is kept, the forms
 * Windows writes load (MD-060, MD-061), malformed documents are refused
 * with the element and line (MD-003), nothing leaks on any failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vss/metadata.h>
#include <vss/status.h>

#include "alloc_fail.h"
#include "test_util.h"

/* A value no load returns, to see that *ret is left alone. */
static vss_wmd *const untouched = (vss_wmd *)&class_id;

/* ---- A document with every field set ---------------------------------- */

static vss_wmd *
full_wmd(void)
{
	static const uint8_t icon[] = { 0x00, 0x01, 0xff, 0xfe, '<',
					'&',  0x80, 0x7f, 0x0a, 0x3d };
	const struct vss_writer_identity id = {
		.class_id = class_id,
		.instance_id = instance_id,
		.instance_name = "inst:" ODD,
		.friendly_name = "name:" ODD,
		.usage = VSS_UT_OTHER,
		.source = VSS_ST_NONTRANSACTEDDB,
		.major_version = 7,
		.minor_version = UINT32_MAX,
	};
	const struct vss_restore_method_info rm = {
		.method = VSS_RME_RESTORE_STOP_START,
		.service = "svc:" ODD,
		.user_procedure = "",
		.writer_restore = VSS_WRE_IF_REPLACE_FAILS,
		.reboot_required = true,
	};
	const struct vss_component_def fg = {
		.type = VSS_CT_FILEGROUP,
		.logical_path = "top\\mid:" ODD,
		.name = "fg:" ODD,
		.caption = "",
		.icon = icon,
		.icon_size = sizeof(icon),
		.restore_metadata = true,
		.notify_on_backup_complete = true,
		.selectable = true,
		.selectable_for_restore = true,
		.flags = VSS_CF_BACKUP_RECOVERY | VSS_CF_APP_ROLLBACK_RECOVERY |
			 VSS_CF_NOT_SYSTEM_STATE,
	};
	const struct vss_component_def plain = {
		.type = VSS_CT_FILEGROUP,
		.name = "plain",
	};
	const struct vss_component_def db = {
		.type = VSS_CT_DATABASE,
		.logical_path = "db\\path",
		.name = "db",
		.caption = "cap:" ODD,
		.selectable = true,
	};
	vss_wmd *wmd = NULL;

	assert_int_equal(vss_wmd_new(&wmd, &id), 0);
	assert_int_equal(vss_wmd_set_backup_schema(wmd, 0x8f3ff), 0);
	assert_int_equal(vss_wmd_set_restore_method(wmd, &rm), 0);
	assert_int_equal(vss_wmd_add_component(wmd, &fg), 0);
	assert_int_equal(vss_wmd_add_component(wmd, &plain), 0);
	assert_int_equal(vss_wmd_add_component(wmd, &db), 0);
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, fg.logical_path, fg.name, "/p1:" ODD,
				 "f1:" ODD, true, "alt:" ODD,
				 VSS_FSBT_CREATED_DURING_BACKUP |
					 VSS_FSBT_LOG_BACKUP_REQUIRED),
			 0);
	assert_int_equal(vss_wmd_add_files_to_file_group(
				 wmd, fg.logical_path, fg.name, "", "", false,
				 NULL, 0),
			 0);
	assert_int_equal(vss_wmd_add_database_files(
				 wmd, "db\\path", "db", "/srv/db", "data.db",
				 VSS_FSBT_FULL_BACKUP_REQUIRED),
			 0);
	assert_int_equal(vss_wmd_add_database_files(wmd, "db\\path", "db",
						    "/srv/db2", "*.db", 0),
			 0);
	assert_int_equal(vss_wmd_add_database_log_files(
				 wmd, "db\\path", "db", "/srv/log", "*.log",
				 VSS_FSBT_ALL_SNAPSHOT_REQUIRED),
			 0);
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, fg.logical_path, fg.name, &other_id,
				 "\\\\host\\remote", "dep:" ODD),
			 0);
	assert_int_equal(vss_wmd_add_component_dependency(
				 wmd, "db\\path", "db", &other_id, NULL,
				 "top"),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files(wmd, "/ex", "*.tmp", true),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files(wmd, "/ex2:" ODD, "x",
						   false),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(wmd, "/sx",
								 "*", false),
			 0);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "/p1:" ODD, "f1:" ODD, true,
				 "dest:" ODD),
			 0);
	assert_int_equal(vss_wmd_add_alternate_location_mapping(
				 wmd, "", "", false, ""),
			 0);
	return wmd;
}

static void
assert_same_file_desc(const struct vss_file_desc *a,
		      const struct vss_file_desc *b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_same_str(a->path, b->path);
	assert_same_str(a->filespec, b->filespec);
	assert_int_equal(a->recursive, b->recursive);
	assert_same_str(a->alternate_path, b->alternate_path);
	assert_int_equal(a->backup_type_mask, b->backup_type_mask);
}

static void
assert_same_component(const struct vss_wm_component *a,
		      const struct vss_wm_component *b)
{
	size_t i;

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->def.type, b->def.type);
	assert_same_str(a->def.logical_path, b->def.logical_path);
	assert_same_str(a->def.name, b->def.name);
	assert_same_str(a->def.caption, b->def.caption);
	assert_int_equal(a->def.icon_size, b->def.icon_size);
	if (a->def.icon_size)
		assert_memory_equal(a->def.icon, b->def.icon, a->def.icon_size);
	else
		assert_ptr_equal(b->def.icon, NULL);
	assert_int_equal(a->def.restore_metadata, b->def.restore_metadata);
	assert_int_equal(a->def.notify_on_backup_complete,
			 b->def.notify_on_backup_complete);
	assert_int_equal(a->def.selectable, b->def.selectable);
	assert_int_equal(a->def.selectable_for_restore,
			 b->def.selectable_for_restore);
	assert_int_equal(a->def.flags, b->def.flags);
	assert_int_equal(a->file_count, b->file_count);
	for (i = 0; i < a->file_count; i++)
		assert_same_file_desc(&a->files[i], &b->files[i]);
	assert_int_equal(a->database_file_count, b->database_file_count);
	for (i = 0; i < a->database_file_count; i++)
		assert_same_file_desc(&a->database_files[i],
				      &b->database_files[i]);
	assert_int_equal(a->log_file_count, b->log_file_count);
	for (i = 0; i < a->log_file_count; i++)
		assert_same_file_desc(&a->log_files[i], &b->log_files[i]);
	assert_int_equal(a->dependency_count, b->dependency_count);
	for (i = 0; i < a->dependency_count; i++) {
		assert_true(vss_id_equal(&a->dependencies[i].writer_id,
					 &b->dependencies[i].writer_id));
		assert_same_str(a->dependencies[i].logical_path,
				b->dependencies[i].logical_path);
		assert_same_str(a->dependencies[i].component_name,
				b->dependencies[i].component_name);
	}
}

/* Every field a reader can see, through the public accessors. */
static void
assert_same_wmd(const vss_wmd *a, const vss_wmd *b)
{
	const struct vss_writer_identity *ia = vss_wmd_identity(a);
	const struct vss_writer_identity *ib = vss_wmd_identity(b);
	const struct vss_restore_method_info *ra = vss_wmd_restore_method(a);
	const struct vss_restore_method_info *rb = vss_wmd_restore_method(b);
	size_t i;

	assert_true(vss_id_equal(&ia->class_id, &ib->class_id));
	assert_true(vss_id_equal(&ia->instance_id, &ib->instance_id));
	assert_same_str(ia->instance_name, ib->instance_name);
	assert_same_str(ia->friendly_name, ib->friendly_name);
	assert_int_equal(ia->usage, ib->usage);
	assert_int_equal(ia->source, ib->source);
	assert_int_equal(ia->major_version, ib->major_version);
	assert_int_equal(ia->minor_version, ib->minor_version);
	assert_int_equal(vss_wmd_backup_schema(a), vss_wmd_backup_schema(b));
	if (!ra || !rb) {
		assert_ptr_equal(ra, rb);
	} else {
		assert_int_equal(ra->method, rb->method);
		assert_same_str(ra->service, rb->service);
		assert_same_str(ra->user_procedure, rb->user_procedure);
		assert_int_equal(ra->writer_restore, rb->writer_restore);
		assert_int_equal(ra->reboot_required, rb->reboot_required);
	}
	assert_int_equal(vss_wmd_alternate_location_mapping_count(a),
			 vss_wmd_alternate_location_mapping_count(b));
	for (i = 0; i < vss_wmd_alternate_location_mapping_count(a); i++)
		assert_same_mapping(vss_wmd_alternate_location_mapping(a, i),
				    vss_wmd_alternate_location_mapping(b, i));
	assert_int_equal(vss_wmd_exclude_files_count(a),
			 vss_wmd_exclude_files_count(b));
	for (i = 0; i < vss_wmd_exclude_files_count(a); i++)
		assert_same_file_desc(vss_wmd_exclude_files(a, i),
				      vss_wmd_exclude_files(b, i));
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(a),
			 vss_wmd_exclude_from_snapshot_count(b));
	for (i = 0; i < vss_wmd_exclude_from_snapshot_count(a); i++)
		assert_same_file_desc(vss_wmd_exclude_from_snapshot(a, i),
				      vss_wmd_exclude_from_snapshot(b, i));
	assert_int_equal(vss_wmd_component_count(a),
			 vss_wmd_component_count(b));
	for (i = 0; i < vss_wmd_component_count(a); i++)
		assert_same_component(vss_wmd_component(a, i),
				      vss_wmd_component(b, i));
}

static char *
save(const vss_wmd *wmd)
{
	return save_doc(&doc_codec_wmd, wmd);
}

static vss_wmd *
load(const char *xml, size_t len)
{
	return load_doc(&doc_codec_wmd, "document", xml, len);
}

static vss_wmd *
load_str(const char *xml)
{
	return load(xml, strlen(xml));
}

/* MD-062 */
static void
test_md062_round_trip_every_field(void **state)
{
	vss_wmd *built = full_wmd(), *loaded;
	char *xml, *again;

	(void)state;
	xml = save(built);
	loaded = load_str(xml);
	assert_same_wmd(built, loaded);
	/* Saving what was loaded gives the same text. */
	again = save(loaded);
	assert_string_equal(again, xml);
	free(again);
	free(xml);
	vss_wmd_free(loaded);
	vss_wmd_free(built);
}

/* MD-062: the smallest document survives too (absent parts stay absent). */
static void
test_md062_round_trip_minimal(void **state)
{
	const struct vss_writer_identity id = {
		.class_id = class_id,
		.friendly_name = "",
		.usage = VSS_UT_BOOTABLESYSTEMSTATE,
		.source = VSS_ST_OTHER,
	};
	vss_wmd *built = NULL, *loaded;
	char *xml;

	(void)state;
	assert_int_equal(vss_wmd_new(&built, &id), 0);
	xml = save(built);
	assert_string_equal(
		xml, "<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadata"
		     "Info\" version=\"1.2\"><IDENTIFICATION writerId=\"" WID
		     "\" "
		     "instanceId=\"00000000-0000-0000-0000-000000000000\" "
		     "friendlyName=\"\" usage=\"BOOTABLE_SYSTEM_STATE\" "
		     "dataSource=\"OTHER\" majorVersion=\"0\" "
		     "minorVersion=\"0\"/><BACKUP_LOCATIONS/>"
		     "</WRITER_METADATA>");
	loaded = load_str(xml);
	assert_same_wmd(built, loaded);
	assert_null(vss_wmd_restore_method(loaded));
	assert_null(vss_wmd_identity(loaded)->instance_name);
	free(xml);
	vss_wmd_free(loaded);
	vss_wmd_free(built);
}

/* MD-061: Windows' form: no declaration, one line, escapes, spellings. */
static void
test_md061_saved_form(void **state)
{
	static const char start[] =
		"<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" "
		"version=\"1.2\" backupSchema=\"586751\"><IDENTIFICATION "
		"writerId=\"" WID "\" instanceId=\"" IID "\"";
	vss_wmd *wmd = full_wmd();
	char *xml;

	(void)state;
	xml = save(wmd);
	assert_true(strncmp(xml, start, strlen(start)) == 0);
	/* Line breaks and tabs in values are character references. */
	assert_null(strchr(xml, '\n'));
	assert_null(strchr(xml, '\r'));
	assert_null(strchr(xml, '\t'));
	assert_non_null(strstr(xml, "line&#10;break&#13;&#10;cr&#9;tab "
				    "&quot;q&quot; 'a' &lt;t&gt; &amp; "
				    "&amp;amp; \xc3\xa9 "));
	assert_non_null(strstr(xml, "usage=\"OTHER\""));
	assert_non_null(strstr(xml, "method=\"RESTORE_STOP_START\""));
	assert_non_null(strstr(xml, "rebootRequired=\"yes\""));
	assert_non_null(strstr(xml, "userProcedure=\"\""));
	assert_non_null(strstr(xml, "icon=\"AAH//jwmgH8KPQ==\""));
	assert_non_null(strstr(xml, "<FILE_LIST path=\"\" filespec=\"\" "
				    "filespecBackupType=\"3855\"/>"));
	assert_non_null(strstr(xml, "<FILE_GROUP componentName=\"plain\" "
				    "restoreMetadata=\"no\" "
				    "notifyOnBackupComplete=\"no\" "
				    "selectable=\"no\" "
				    "selectableForRestore=\"no\" "
				    "componentFlags=\"0\"/>"));
	assert_non_null(strstr(xml, "<DEPENDENCY writerId=\"" OID "\" "
				    "componentName=\"top\"/>"));
	/* Exclusions inside BACKUP_LOCATIONS, after the components. */
	assert_non_null(strstr(xml, "</DATABASE><EXCLUDE_FILES path=\"/ex\" "
				    "filespec=\"*.tmp\" recursive=\"yes\"/>"));
	assert_non_null(strstr(xml, "<EXCLUDE_FILES_FROM_SNAPSHOT "
				    "path=\"/sx\" filespec=\"*\" "
				    "recursive=\"no\"/></BACKUP_LOCATIONS>"
				    "</WRITER_METADATA>"));
	free(xml);
	vss_wmd_free(wmd);
}

/* ---- Unknown XML ------------------------------------------------------- */

static const char unknown_doc[] =
	"<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" "
	"xmlns:u=\"urn:unknown\" version=\"1.2\" rootAttr=\"r\" "
	"u:pfx=\"p&amp;\">"
	"<IDENTIFICATION writerId=\"" WID "\" instanceId=\"" IID "\" "
	"friendlyName=\"W\" usage=\"USER_DATA\" dataSource=\"OTHER\" "
	"idAttr=\"i\"><ID_CHILD a=\"1\">text &lt;x&gt;</ID_CHILD>"
	"</IDENTIFICATION>"
	"<RESTORE_METHOD method=\"REPLACE_AT_REBOOT\" writerRestore=\"never\" "
	"rmAttr=\"m\"/>"
	"<ALTERNATE_LOCATION_MAPPING path=\"/d\" filespec=\"*\" "
	"recursive=\"yes\" destination=\"/n\" mapAttr=\"x\"/>"
	"<BACKUP_LOCATIONS blAttr=\"b\">"
	"<FILE_GROUP componentName=\"c\" selectable=\"yes\" compAttr=\"c\">"
	"<FILE_LIST path=\"/d\" filespec=\"*\" recursive=\"yes\" "
	"flAttr=\"f\"><FL_CHILD/></FILE_LIST>"
	"<DEPENDENCY writerId=\"" OID "\" componentName=\"o\" depAttr=\"d\"/>"
	"<COMP_CHILD xmlns=\"\"><deep><deeper u:x=\"1\"/></deep></COMP_CHILD>"
	"</FILE_GROUP>"
	"<DATABASE componentName=\"db\" selectable=\"no\">"
	"<DATABASE_FILES path=\"/db\" filespec=\"f\" dbfAttr=\"1\"/>"
	"<DATABASE_LOGFILES path=\"/db\" filespec=\"l\" dblAttr=\"1\"/>"
	"</DATABASE>"
	"<EXCLUDE_FILES path=\"/e\" filespec=\"*\" exAttr=\"e\"/>"
	"<EXCLUDE_FILES_FROM_SNAPSHOT path=\"/s\" filespec=\"*\" sxAttr=\"s\"/>"
	"<BL_CHILD/></BACKUP_LOCATIONS>"
	"<u:ROOT_CHILD u:attr=\"v\">t</u:ROOT_CHILD>"
	"</WRITER_METADATA>";

/* The namespace URI of the first element named name in the tree, or "". */
static const char *
namespace_of(xmlNode *n, const char *name)
{
	const char *found;

	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(n->name, (const xmlChar *)name))
			return n->ns ? (const char *)n->ns->href : "";
		found = namespace_of(n->children, name);
		if (found)
			return found;
	}
	return NULL;
}

/* MD-062: unknown attributes and elements survive load, save, load. */
static void
test_md062_unknown_xml_kept(void **state)
{
	static const char *const kept[] = {
		"xmlns:u=\"urn:unknown\"",
		" rootAttr=\"r\" u:pfx=\"p&amp;\">",
		"minorVersion=\"0\" idAttr=\"i\"><ID_CHILD a=\"1\">text "
		"&lt;x&gt;</ID_CHILD></IDENTIFICATION>",
		"rebootRequired=\"no\" rmAttr=\"m\"/>",
		"destination=\"/n\" mapAttr=\"x\"/>",
		"<BACKUP_LOCATIONS blAttr=\"b\">",
		"componentFlags=\"0\" compAttr=\"c\">",
		"filespecBackupType=\"3855\" flAttr=\"f\"><FL_CHILD/>"
		"</FILE_LIST>",
		"componentName=\"o\" depAttr=\"d\"/><COMP_CHILD xmlns=\"\"",
		"<deep><deeper u:x=\"1\"/></deep></COMP_CHILD></FILE_GROUP>",
		"dbfAttr=\"1\"/>",
		"dblAttr=\"1\"/>",
		"recursive=\"no\" exAttr=\"e\"/>",
		"recursive=\"no\" sxAttr=\"s\"/><BL_CHILD/></BACKUP_LOCATIONS>",
		"ROOT_CHILD",
	};
	vss_wmd *first, *second;
	char *xml1, *xml2;
	xmlDoc *doc;
	xmlNode *root;
	size_t i;

	(void)state;
	first = load_str(unknown_doc);
	assert_int_equal(vss_wmd_component_count(first), 2);
	assert_int_equal(vss_wmd_alternate_location_mapping_count(first), 1);
	xml1 = save(first);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!strstr(xml1, kept[i]))
			fail_msg("'%s' lost in %s", kept[i], xml1);
	second = load_str(xml1);
	assert_same_wmd(first, second);
	xml2 = save(second);
	assert_string_equal(xml2, xml1);

	/* Namespaces of the kept elements are those of the source. */
	doc = xmlReadMemory(xml2, (int)strlen(xml2), NULL, NULL, 0);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal(namespace_of(root, "ID_CHILD"),
			    "x-schema:#VssWriterMetadataInfo");
	assert_string_equal(namespace_of(root, "COMP_CHILD"), "");
	assert_string_equal(namespace_of(root, "deeper"), "");
	assert_string_equal(namespace_of(root, "ROOT_CHILD"), "urn:unknown");
	assert_non_null(xmlHasNsProp(root, (const xmlChar *)"pfx",
				     (const xmlChar *)"urn:unknown"));
	xmlFreeDoc(doc);

	free(xml2);
	free(xml1);
	vss_wmd_free(second);
	vss_wmd_free(first);
}

/* ---- What Windows writes (MD-060) -------------------------------------- */

/* One line, exclusions inside BACKUP_LOCATIONS (the Registry writer). */
static const char one_line[] =
	"<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" "
	"version=\"1.2\" backupSchema=\"881\"><IDENTIFICATION writerId=\"" WID
	"\" instanceId=\"" IID "\" instanceName=\"SQL:1\" friendlyName=\"W\" "
	"usage=\"USER_DATA\" dataSource=\"TRANSACTION_DB\" majorVersion=\"0\" "
	"minorVersion=\"0\"/><RESTORE_METHOD method=\"RESTORE_IF_CAN_BE_"
	"REPLACED\" writerRestore=\"always\" rebootRequired=\"no\"/>"
	"<BACKUP_LOCATIONS><FILE_GROUP logicalPath=\"HOST\" "
	"componentName=\"master\" restoreMetadata=\"no\" "
	"notifyOnBackupComplete=\"yes\" selectable=\"yes\" "
	"selectableForRestore=\"yes\" componentFlags=\"2\"><FILE_LIST "
	"path=\"E:\\DATA\" filespec=\"master.mdf\" "
	"filespecBackupType=\"3855\"/>"
	"</FILE_GROUP><EXCLUDE_FILES path=\"C:\\config\" "
	"filespec=\"default.LOG\" recursive=\"no\"/></BACKUP_LOCATIONS>"
	"</WRITER_METADATA>";

static void
check_one_line(const vss_wmd *wmd)
{
	const struct vss_writer_identity *id = vss_wmd_identity(wmd);
	const struct vss_wm_component *c;

	assert_true(vss_id_equal(&id->class_id, &class_id));
	assert_true(vss_id_equal(&id->instance_id, &instance_id));
	assert_string_equal(id->instance_name, "SQL:1");
	assert_int_equal(id->usage, VSS_UT_USERDATA);
	assert_int_equal(id->source, VSS_ST_TRANSACTEDDB);
	assert_int_equal(vss_wmd_backup_schema(wmd), 881);
	assert_int_equal(vss_wmd_restore_method(wmd)->method,
			 VSS_RME_RESTORE_IF_CAN_REPLACE);
	assert_int_equal(vss_wmd_restore_method(wmd)->writer_restore,
			 VSS_WRE_ALWAYS);
	assert_int_equal(vss_wmd_component_count(wmd), 1);
	c = vss_wmd_component(wmd, 0);
	assert_string_equal(c->def.logical_path, "HOST");
	assert_string_equal(c->def.name, "master");
	assert_true(c->def.notify_on_backup_complete);
	assert_int_equal(c->def.flags, VSS_CF_APP_ROLLBACK_RECOVERY);
	assert_int_equal(c->file_count, 1);
	assert_string_equal(c->files[0].path, "E:\\DATA");
	/* Missing recursive is no. */
	assert_false(c->files[0].recursive);
	assert_int_equal(c->files[0].backup_type_mask, VSS_FSBT_DEFAULT);
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 1);
	assert_string_equal(vss_wmd_exclude_files(wmd, 0)->filespec,
			    "default.LOG");
}

/* MD-060 */
static void
test_md060_one_line(void **state)
{
	vss_wmd *wmd = load_str(one_line);

	(void)state;
	check_one_line(wmd);
	vss_wmd_free(wmd);
}

/* MD-060: UTF-16LE with a BOM, no declaration, as the express writer has. */
static void
test_md060_utf16le_bom(void **state)
{
	size_t len;
	char *utf16 = utf16le_with_bom(one_line, &len);
	vss_wmd *wmd;

	(void)state;
	wmd = load(utf16, len);
	check_one_line(wmd);
	vss_wmd_free(wmd);
	free(utf16);
}

/* MD-060: a UTF-8 BOM and a declaration are fine too. */
static void
test_md060_utf8_bom_and_declaration(void **state)
{
	static const char prefix[] =
		"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n";
	char *doc = malloc(sizeof(prefix) + sizeof(one_line));
	vss_wmd *wmd;

	(void)state;
	assert_non_null(doc);
	strcpy(doc, prefix);
	strcat(doc, one_line);
	wmd = load_str(doc);
	check_one_line(wmd);
	vss_wmd_free(wmd);
	free(doc);
}

/*
 * MD-060: CRLF and tabs between elements and attributes, attribute values
 * with line breaks, namespaces repeated, undeclared (xmlns="") or on a
 * prefix, GUIDs in braces and upper case, booleans and enumerations in any
 * case, elements in any order.
 */
static void
test_md060_windows_variants(void **state)
{
	static const char doc[] =
		"<v:WRITER_METADATA\r\n\txmlns:v=\"x-schema:#VssWriterMetadata"
		"Info\"\r\n\tversion=\"1.2\">\r\n"
		"\t<EXCLUDE_FILES xmlns=\"\" path=\"/top\" filespec=\"*\" "
		"recursive=\"YES\"/>\r\n"
		"\t<ALTERNATE_LOCATION_MAPPING path=\"/data\" "
		"filespec=\"*.db\" recursive=\"yes\" destination=\"/new\"/>"
		"\r\n"
		"\t<BACKUP_LOCATIONS xmlns=\"x-schema:#VssWriterMetadataInfo\">"
		"\r\n\t\t<FILE_GROUP componentName=\"g\" caption=\"two\r\n\t"
		"lines\" selectable=\"No\">\r\n"
		"\t\t\t<FILE_LIST path=\"/data\" filespec=\"*.db\" "
		"recursive=\"yes\"/>\r\n"
		"\t\t\t<DEPENDENCY writerId=\"{A65FAA63-5EA8-4EBC-9DBD-"
		"A0C4DB26912A}\" logicalPath=\"\" componentName=\"x\"/>\r\n"
		"\t\t</FILE_GROUP>\r\n"
		"\t\t<EXCLUDE_FILES_FROM_SNAPSHOT path=\"/s\" filespec=\"*\"/>"
		"\r\n\t</BACKUP_LOCATIONS>\r\n"
		"\t<v:RESTORE_METHOD method=\"replace_at_reboot\" "
		"writerRestore=\"NEVER\" rebootRequired=\"Yes\"/>\r\n"
		"\t<IDENTIFICATION xmlns=\"x-schema:#VssWriterMetadataInfo\" "
		"writerId=\"{D61D61C8-D73A-4EEE-8CDD-F6F9786B7124}\" "
		"instanceId=\"1BDDD48E-5052-49db-9B07-B96F96727E6B\" "
		"friendlyName=\"W\" usage=\"user_data\" dataSource=\"other\"/>"
		"\r\n</v:WRITER_METADATA>\r\n";
	const struct vss_writer_identity *id;
	const struct vss_wm_component *c;
	vss_wmd *wmd;

	(void)state;
	wmd = load_str(doc);
	id = vss_wmd_identity(wmd);
	assert_true(vss_id_equal(&id->class_id, &class_id));
	assert_true(vss_id_equal(&id->instance_id, &instance_id));
	assert_int_equal(id->usage, VSS_UT_USERDATA);
	assert_int_equal(id->major_version, 0);
	assert_null(id->instance_name);
	assert_int_equal(vss_wmd_restore_method(wmd)->method,
			 VSS_RME_RESTORE_AT_REBOOT);
	assert_true(vss_wmd_restore_method(wmd)->reboot_required);
	c = vss_wmd_component(wmd, 0);
	assert_non_null(c);
	/* The parser turns a line break in a value into spaces. */
	assert_string_equal(c->def.caption, "two  lines");
	assert_false(c->def.selectable);
	assert_int_equal(c->dependency_count, 1);
	assert_true(vss_id_equal(&c->dependencies[0].writer_id,
				 &other_id));
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 1);
	assert_true(vss_wmd_exclude_files(wmd, 0)->recursive);
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 1);
	assert_false(vss_wmd_exclude_from_snapshot(wmd, 0)->recursive);
	/* The mapping came before its file set and its restore method. */
	assert_int_equal(vss_wmd_alternate_location_mapping_count(wmd), 1);
	assert_string_equal(
		vss_wmd_alternate_location_mapping(wmd, 0)->destination,
		"/new");
	vss_wmd_free(wmd);
}

/* MD-060: the optional parts may all be missing. */
static void
test_md060_missing_optional_parts(void **state)
{
	static const char doc[] =
		"<WRITER_METADATA><IDENTIFICATION writerId=\"" WID "\" "
		"instanceId=\"" IID "\" friendlyName=\"W\" "
		"usage=\"SYSTEM_SERVICE\" dataSource=\"OTHER\"/>"
		"</WRITER_METADATA>";
	const struct vss_writer_identity *id;
	vss_wmd *wmd;

	(void)state;
	wmd = load_str(doc);
	id = vss_wmd_identity(wmd);
	assert_null(id->instance_name);
	assert_int_equal(id->major_version, 0);
	assert_int_equal(id->minor_version, 0);
	assert_int_equal(vss_wmd_backup_schema(wmd), 0);
	assert_null(vss_wmd_restore_method(wmd));
	assert_int_equal(vss_wmd_component_count(wmd), 0);
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 0);
	vss_wmd_free(wmd);
}

/* ---- Malformed documents (MD-003) -------------------------------------- */

#define HEAD "<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\">\n"
#define IDENT(attrs)                                                           \
	"<IDENTIFICATION writerId=\"" WID "\" instanceId=\"" IID "\" " attrs \
	"/>\n"
#define ID_OK                                                                  \
	IDENT("friendlyName=\"W\" usage=\"USER_DATA\" dataSource=\"OTHER\"")
#define RM_OK                                                                  \
	"<RESTORE_METHOD method=\"REPLACE_AT_REBOOT\" "                        \
	"writerRestore=\"never\"/>\n"
#define GROUP(attrs, body)                                                     \
	"<BACKUP_LOCATIONS>\n<FILE_GROUP componentName=\"c\" "                 \
	"selectable=\"yes\" " attrs ">\n" body "</FILE_GROUP>\n"              \
	"</BACKUP_LOCATIONS>\n"
#define TAIL "</WRITER_METADATA>\n"

static const struct malformed malformed[] = {
	{ HEAD ID_OK
	  "<RESTORE_METHOD method=\"REPLACE_AT_REBOOT\" "
	  "writerRestore=\"never\" rebootRequired=\"maybe\"/>\n" TAIL,
	  3,
	  "line 3: RESTORE_METHOD: attribute 'rebootRequired': bad boolean "
	  "'maybe'" },
	{ HEAD IDENT("usage=\"USER_DATA\" dataSource=\"OTHER\"") TAIL, 2,
	  "line 2: IDENTIFICATION: missing attribute 'friendlyName'" },
	{ HEAD "<IDENTIFICATION writerId=\"not-a-guid\" instanceId=\"" IID
	  "\" friendlyName=\"W\" usage=\"USER_DATA\" dataSource=\"OTHER\"/>\n"
	  TAIL,
	  2, "line 2: IDENTIFICATION: attribute 'writerId': bad guid "
	     "'not-a-guid'" },
	{ HEAD IDENT("friendlyName=\"W\" usage=\"USER_DATA\" "
		     "dataSource=\"OTHER\" majorVersion=\"4294967296\"") TAIL,
	  2, "IDENTIFICATION: attribute 'majorVersion': bad number "
	     "'4294967296'" },
	{ HEAD IDENT("friendlyName=\"W\" usage=\"USER_DATA\" "
		     "dataSource=\"OTHER\" minorVersion=\"-1\"") TAIL,
	  2, "IDENTIFICATION: attribute 'minorVersion': bad number '-1'" },
	{ HEAD IDENT("friendlyName=\"W\" usage=\"USER_DATA\" "
		     "dataSource=\"OTHER\" minorVersion=\"+1\"") TAIL,
	  2, "IDENTIFICATION: attribute 'minorVersion': bad number '+1'" },
	{ HEAD ID_OK GROUP("componentFlags=\"3x\"", "") TAIL, 4,
	  "FILE_GROUP: attribute 'componentFlags': bad number '3x'" },
	{ HEAD ID_OK GROUP("componentFlags=\" 3\"", "") TAIL, 4,
	  "FILE_GROUP: attribute 'componentFlags': bad number ' 3'" },
	{ HEAD ID_OK
	  GROUP("", "<FILE_LIST path=\"/d\" filespec=\"*\" "
		    "filespecBackupType=\"\"/>\n") TAIL,
	  5, "FILE_LIST: attribute 'filespecBackupType': bad number ''" },
	{ HEAD IDENT("friendlyName=\"W\" usage=\"SOMETIMES\" "
		     "dataSource=\"OTHER\"") TAIL,
	  2, "IDENTIFICATION: attribute 'usage': bad usage type 'SOMETIMES'" },
	{ HEAD ID_OK
	  "<RESTORE_METHOD method=\"NOW\" writerRestore=\"never\"/>\n" TAIL,
	  3, "RESTORE_METHOD: attribute 'method': bad restore method 'NOW'" },
	{ HEAD ID_OK GROUP("icon=\"@@@@\"", "") TAIL, 4,
	  "FILE_GROUP: attribute 'icon': bad base64 '@@@@'" },
	{ HEAD ID_OK GROUP("icon=\"QQ=A\"", "") TAIL, 4,
	  "FILE_GROUP: attribute 'icon': bad base64" },
	{ HEAD ID_OK "<BACKUP_LOCATIONS>\n<FILE_GROUP selectable=\"yes\"/>\n"
		     "</BACKUP_LOCATIONS>\n" TAIL,
	  4, "FILE_GROUP: missing attribute 'componentName'" },
	{ "<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\"/>", 1,
	  "line 1: BACKUP_COMPONENTS: root element is not WRITER_METADATA" },
	{ HEAD TAIL, 1,
	  "line 1: WRITER_METADATA: missing element IDENTIFICATION" },
	{ HEAD ID_OK ID_OK TAIL, 3,
	  "line 3: IDENTIFICATION: duplicate element" },
	{ HEAD ID_OK "<BACKUP_LOCATIONS/>\n<BACKUP_LOCATIONS/>\n" TAIL, 4,
	  "BACKUP_LOCATIONS: duplicate element" },
	{ HEAD ID_OK RM_OK RM_OK TAIL, 4,
	  "RESTORE_METHOD: cannot set restore method" },
	{ HEAD IDENT("friendlyName=\"W\" usage=\"UNDEFINED\" "
		     "dataSource=\"OTHER\"") TAIL,
	  2, "IDENTIFICATION: bad writer identity" },
	{ HEAD ID_OK "<BACKUP_LOCATIONS>\n<DATABASE componentName=\"d\" "
		     "selectable=\"yes\">\n<FILE_LIST path=\"/d\" "
		     "filespec=\"*\"/>\n</DATABASE>\n</BACKUP_LOCATIONS>\n"
		     TAIL,
	  5, "FILE_LIST: cannot add file set" },
	{ HEAD ID_OK GROUP("", "<FILE_LIST path=\"/d\" filespec=\"a/b\"/>\n")
		  TAIL,
	  5, "FILE_LIST: cannot add file set" },
	{ HEAD ID_OK
	  "<BACKUP_LOCATIONS>\n<FILE_GROUP componentName=\"c\" "
	  "selectable=\"yes\"/>\n<FILE_GROUP componentName=\"c\" "
	  "selectable=\"no\"/>\n</BACKUP_LOCATIONS>\n" TAIL,
	  5, "FILE_GROUP: cannot add component: the object already exists" },
	{ HEAD ID_OK RM_OK
	  GROUP("", "<FILE_LIST path=\"/d\" filespec=\"*\"/>\n")
	  "<ALTERNATE_LOCATION_MAPPING path=\"/d\" filespec=\"*\" "
	  "recursive=\"yes\" destination=\"/n\"/>\n" TAIL,
	  9, "ALTERNATE_LOCATION_MAPPING: cannot add alternate location "
	     "mapping: the object does not exist" },
	{ HEAD ID_OK GROUP("", "<DEPENDENCY writerId=\"" WID "\" "
			       "componentName=\"x\"/>\n") TAIL,
	  5, "DEPENDENCY: cannot add dependency" },
	{ HEAD ID_OK "<EXCLUDE_FILES path=\"/d*\" filespec=\"*\"/>\n" TAIL, 3,
	  "EXCLUDE_FILES: cannot add exclusion" },
	{ HEAD ID_OK "<RESTORE_METHOD method=\"REPLACE_AT_REBOOT\"/>\n" TAIL, 3,
	  "RESTORE_METHOD: missing attribute 'writerRestore'" },
	/* Not well-formed: libxml2's message names the elements. */
	{ HEAD ID_OK "<BACKUP_LOCATIONS>\n</FILE_GROUP>\n" TAIL, 4,
	  "malformed xml: Opening and ending tag mismatch: BACKUP_LOCATIONS" },
	{ HEAD "<IDENTIFICATION friendlyName=\"&unknown;\"/>\n" TAIL, 2,
	  "malformed xml: Entity 'unknown' not defined" },
	{ "", 1, "malformed xml: Document is empty" },
	{ "\x01\x02garbage", 1, "malformed xml" },
	/* libxml2 2.9 would write these back unescaped. */
	{ HEAD ID_OK "<X xmlns:p=\"a&lt;b\"/>\n" TAIL, 3,
	  "line 3: X: attribute 'xmlns:p': bad namespace 'a<b'" },
	{ HEAD ID_OK "<X xmlns=\"a&#10;b\"/>\n" TAIL, 3,
	  "line 3: X: attribute 'xmlns': bad namespace 'a?b'" },
	/* Document type declarations: entity expansion never starts. */
	{ "<!DOCTYPE WRITER_METADATA [\n<!ENTITY a \"aaaaaaaaaa\">\n"
	  "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	  "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n]>\n" HEAD
	  "<IDENTIFICATION friendlyName=\"&c;\"/>" TAIL,
	  1, "line 1: DOCTYPE: document type declarations are not allowed" },
	{ "\n<!DOCTYPE WRITER_METADATA SYSTEM \"file:///etc/passwd\">\n" HEAD
		  ID_OK TAIL,
	  2, "DOCTYPE: document type declarations are not allowed" },
};

/* MD-003: each gives VSS_E_INVALID_XML_DOCUMENT, the line and element. */
static void
test_md003_malformed(void **state)
{
	(void)state;
	check_malformed(&doc_codec_wmd, malformed,
			sizeof(malformed) / sizeof(malformed[0]));
}

/*
 * MD-003: libxml2 would stop at a NUL and ignore the rest, so a NUL
 * anywhere is refused; in UTF-16 a NUL is a zero 16-bit unit.
 */
static void
test_md003_nul(void **state)
{
	static const char after_root[] = HEAD ID_OK TAIL "\0<x/>";
	static const char utf16[] = "\xff\xfe<\0x\0/\0>\0\n\0\0\0";
	static const char cut[] = "\xff\xfe<\0W\0";
	struct vss_error err = { 0 };
	vss_wmd *wmd = untouched;

	(void)state;
	assert_int_equal(vss_wmd_load_xml(&wmd, after_root,
					  sizeof(after_root) - 1, &err),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_string_equal(err.message,
			    "line 4: document contains a NUL character");
	assert_int_equal(vss_wmd_load_xml(&wmd, utf16, sizeof(utf16) - 1,
					  &err),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_string_equal(err.message,
			    "line 2: document contains a NUL character");
	assert_int_equal(err.line, 2);
	/* Bytes that are zero inside UTF-16 characters are no NUL. */
	assert_int_equal(vss_wmd_load_xml(&wmd, cut, sizeof(cut) - 1, &err),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_non_null(strstr(err.message, "malformed xml"));
	assert_ptr_equal(wmd, untouched);
}

/* MD-003: nesting is capped, whatever the elements are. */
static void
test_md003_depth_limit(void **state)
{
	char doc[4096];
	struct vss_error err = { 0 };
	vss_wmd *wmd = untouched;
	int depth, n = 0;

	(void)state;
	n += snprintf(doc + n, sizeof(doc) - (size_t)n, HEAD ID_OK);
	/* WRITER_METADATA is level 1: 64 more levels make 65. */
	for (depth = 0; depth < 64; depth++)
		n += snprintf(doc + n, sizeof(doc) - (size_t)n, "<x>");
	for (depth = 0; depth < 64; depth++)
		n += snprintf(doc + n, sizeof(doc) - (size_t)n, "</x>");
	snprintf(doc + n, sizeof(doc) - (size_t)n, TAIL);
	assert_int_equal(vss_wmd_load_xml(&wmd, doc, strlen(doc), &err),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_ptr_equal(wmd, untouched);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.message,
			    "line 3: x: elements nested deeper than 64");

	/* 64 levels are fine, and kept. */
	n = snprintf(doc, sizeof(doc), HEAD ID_OK);
	for (depth = 0; depth < 63; depth++)
		n += snprintf(doc + n, sizeof(doc) - (size_t)n, "<x>");
	for (depth = 0; depth < 63; depth++)
		n += snprintf(doc + n, sizeof(doc) - (size_t)n, "</x>");
	snprintf(doc + n, sizeof(doc) - (size_t)n, TAIL);
	wmd = load_str(doc);
	vss_wmd_free(wmd);
}

/* MD-003: a document over 64 MiB is refused before it is parsed. */
static void
test_md003_size_limit(void **state)
{
	size_t len = ((size_t)64 << 20) + 1;
	struct vss_error err = { 0 };
	vss_wmd *wmd = untouched;
	char *doc = malloc(len);

	(void)state;
	assert_non_null(doc);
	memset(doc, ' ', len);
	memcpy(doc, one_line, strlen(one_line));
	assert_int_equal(vss_wmd_load_xml(&wmd, doc, len, &err),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_ptr_equal(wmd, untouched);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.message, "document is larger than 64 MiB");
	free(doc);
}

/* The error structure is optional. */
static void
test_load_without_error_struct(void **state)
{
	vss_wmd *wmd = untouched;

	(void)state;
	assert_int_equal(vss_wmd_load_xml(&wmd, "<x/>", 4, NULL),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_ptr_equal(wmd, untouched);
}

/* libxml2 prints nothing, even for encoding errors. */
static void
test_no_output_on_stderr(void **state)
{
	static const char *const docs[] = {
		"<WRITER_METADATA><a></b></WRITER_METADATA>",
		"<?xml version=\"1.0\" encoding=\"UTF-16\"?><WRITER_METADATA/>",
		"<?xml version=\"1.0\" encoding=\"no-such-charset\"?><x/>",
		"<WRITER_METADATA>\xc3\x28</WRITER_METADATA>",
		"<x xmlns:a=\"u\"><b:c/></x>",
	};
	char path[] = "/tmp/test_wmd_xml.XXXXXX";
	struct vss_error err;
	vss_wmd *wmd;
	int fd, saved;
	size_t i;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		vss_wmd_load_xml(&wmd, docs[i], strlen(docs[i]), &err);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);
	close(fd);
}

/* Saving refuses strings XML 1.0 cannot carry, rather than lose them. */
static void
test_save_refuses_unencodable(void **state)
{
	static const char *const bad[] = {
		"ctl\x01", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xef\xbf\xbe",
		"\xf4\x90\x80\x80", "\xe6\x97",
	};
	struct vss_writer_identity id = {
		.class_id = class_id,
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
	};
	char *xml = (char *)untouched;
	size_t len = 42, i;
	vss_wmd *wmd;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id.friendly_name = bad[i];
		assert_int_equal(vss_wmd_new(&wmd, &id), 0);
		assert_int_equal(vss_wmd_save_xml(wmd, &xml, &len), -EINVAL);
		assert_ptr_equal(xml, untouched);
		assert_int_equal(len, 42);
		vss_wmd_free(wmd);
	}
}

static void
test_null_args(void **state)
{
	vss_wmd *wmd = full_wmd();
	char *xml;
	size_t len;

	(void)state;
	assert_int_equal(vss_wmd_load_xml(NULL, one_line, strlen(one_line),
					  NULL),
			 -EINVAL);
	assert_int_equal(vss_wmd_load_xml(&wmd, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vss_wmd_save_xml(NULL, &xml, &len), -EINVAL);
	assert_int_equal(vss_wmd_save_xml(wmd, NULL, &len), -EINVAL);
	assert_int_equal(vss_wmd_save_xml(wmd, &xml, NULL), -EINVAL);
	vss_wmd_free(wmd);
}

/* Documents are independent: loading and saving from several threads. */
static void *
load_save_loop(void *arg)
{
	const char *xml = arg;
	struct vss_error err;
	vss_wmd *wmd;
	char *out;
	size_t len;
	int i;

	for (i = 0; i < 200; i++) {
		if (vss_wmd_load_xml(&wmd, xml, strlen(xml), &err) != 0)
			return (void *)"load failed";
		if (vss_wmd_save_xml(wmd, &out, &len) != 0)
			return (void *)"save failed";
		free(out);
		vss_wmd_free(wmd);
		if (vss_wmd_load_xml(&wmd, "<a><b></a>", 10, &err) !=
		    VSS_E_INVALID_XML_DOCUMENT)
			return (void *)"malformed load did not fail";
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t threads[4];
	void *result;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&threads[i], NULL,
						load_save_loop,
						(void *)unknown_doc),
				 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], &result), 0);
		if (result)
			fail_msg("%s", (const char *)result);
	}
}

/* Every allocation of a load and of a save may fail (check_codec_enomem). */
static void
test_enomem(void **state)
{
	vss_wmd *full;

	(void)state;
	alloc_fail_require();
	full = full_wmd();
	check_codec_enomem(&doc_codec_wmd, full, unknown_doc);
	vss_wmd_free(full);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md062_round_trip_every_field),
		cmocka_unit_test(test_md062_round_trip_minimal),
		cmocka_unit_test(test_md061_saved_form),
		cmocka_unit_test(test_md062_unknown_xml_kept),
		cmocka_unit_test(test_md060_one_line),
		cmocka_unit_test(test_md060_utf16le_bom),
		cmocka_unit_test(test_md060_utf8_bom_and_declaration),
		cmocka_unit_test(test_md060_windows_variants),
		cmocka_unit_test(test_md060_missing_optional_parts),
		cmocka_unit_test(test_md003_malformed),
		cmocka_unit_test(test_md003_nul),
		cmocka_unit_test(test_md003_depth_limit),
		cmocka_unit_test(test_md003_size_limit),
		cmocka_unit_test(test_load_without_error_struct),
		cmocka_unit_test(test_no_output_on_stderr),
		cmocka_unit_test(test_save_refuses_unencodable),
		cmocka_unit_test(test_null_args),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
