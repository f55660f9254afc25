/*
 * lib/metadata/wmd_xml.c - the Writer Metadata Document as XML, in the
 * spellings Windows writes (metadata.md 6.1) and ours where Windows' are
 * unknown (MD-061); docs/xml-schema.md lists both.
 *
 * Loading builds the document through the public vss_wmd_*() functions,
 * so a loaded document obeys the same rules as a built one; a refusal
 * names the element and its line.  Unknown attributes and elements are
 * kept with the structure of the element they appeared on (MD-062).
 */
#include "metadata/model.h"
#include "metadata/xml_common.h"

#include <errno.h>

#include <vss/status.h>

#define WMD_NAMESPACE "x-schema:#VssWriterMetadataInfo"
#define WMD_VERSION   "1.2"

/* What we read of each element; anything else is kept as extra. */
static const char *const root_attrs[] = { "version", "backupSchema", NULL };
static const char *const root_children[] = {
	"IDENTIFICATION", "RESTORE_METHOD", "BACKUP_LOCATIONS",
	"ALTERNATE_LOCATION_MAPPING", "EXCLUDE_FILES",
	"EXCLUDE_FILES_FROM_SNAPSHOT", NULL,
};
static const char *const identification_attrs[] = {
	"writerId", "instanceId", "instanceName", "friendlyName", "usage",
	"dataSource", "majorVersion", "minorVersion", NULL,
};
static const char *const restore_method_attrs[] = {
	"method", "service", "userProcedure", "writerRestore",
	"rebootRequired", NULL,
};
static const char *const backup_locations_children[] = {
	"FILE_GROUP", "DATABASE", "EXCLUDE_FILES",
	"EXCLUDE_FILES_FROM_SNAPSHOT", NULL,
};
static const char *const component_attrs[] = {
	"logicalPath", "componentName", "caption", "icon", "restoreMetadata",
	"notifyOnBackupComplete", "selectable", "selectableForRestore",
	"componentFlags", NULL,
};
/*
 * Both component elements know all file-set elements: a misplaced one
 * (FILE_LIST in a DATABASE) goes to the model, which refuses it.
 */
static const char *const component_children[] = {
	"FILE_LIST", "DATABASE_FILES", "DATABASE_LOGFILES", "DEPENDENCY", NULL,
};
static const char *const file_list_attrs[] = {
	"path", "filespec", "recursive", "alternatePath",
	"filespecBackupType", NULL,
};
static const char *const database_files_attrs[] = {
	"path", "filespec", "filespecBackupType", NULL,
};
static const char *const exclude_attrs[] = {
	"path", "filespec", "recursive", NULL,
};
static const char *const dependency_attrs[] = {
	"writerId", "logicalPath", "componentName", NULL,
};

/* ---- Loading ------------------------------------------------------------ */

/* IDENTIFICATION and the root's attributes: a new document, or NULL. */
static vss_wmd *
load_identification(struct xml_in *in, xmlNode *root)
{
	struct vss_writer_identity id = { 0 };
	vss_wmd *wmd = NULL;
	uint32_t schema;
	const char *s;
	xmlNode *n;

	schema = xml_in_u32(in, root, "backupSchema", XML_OPTIONAL, 0);
	n = xml_in_single(in, root, "IDENTIFICATION", XML_REQUIRED);
	if (!n)
		return NULL;
	xml_in_id(in, n, "writerId", XML_REQUIRED, &id.class_id);
	xml_in_id(in, n, "instanceId", XML_REQUIRED, &id.instance_id);
	id.instance_name = xml_in_str(in, n, "instanceName", XML_OPTIONAL);
	id.friendly_name = xml_in_str(in, n, "friendlyName", XML_REQUIRED);
	s = xml_in_str(in, n, "usage", XML_REQUIRED);
	if (s && vss_usage_type_parse(&id.usage, s) < 0)
		xml_in_bad_value(in, n, "usage", "usage type", s);
	s = xml_in_str(in, n, "dataSource", XML_REQUIRED);
	if (s && vss_source_type_parse(&id.source, s) < 0)
		xml_in_bad_value(in, n, "dataSource", "source type", s);
	id.major_version = xml_in_u32(in, n, "majorVersion", XML_OPTIONAL, 0);
	id.minor_version = xml_in_u32(in, n, "minorVersion", XML_OPTIONAL, 0);
	if (in->status)
		return NULL;
	xml_in_model(in, n, "bad writer identity", vss_wmd_new(&wmd, &id));
	if (in->status)
		return NULL;
	vss_wmd_set_backup_schema(wmd, schema);
	wmd->identification_extra =
		xml_in_extra(in, n, identification_attrs, NULL);
	wmd->root_extra = xml_in_extra(in, root, root_attrs, root_children);
	return wmd;
}

static void
load_restore_method(struct xml_in *in, vss_wmd *wmd, xmlNode *n)
{
	struct vss_restore_method_info info = { 0 };
	const char *s;

	s = xml_in_str(in, n, "method", XML_REQUIRED);
	if (s && vss_restore_method_parse(&info.method, s) < 0)
		xml_in_bad_value(in, n, "method", "restore method", s);
	info.service = xml_in_str(in, n, "service", XML_OPTIONAL);
	info.user_procedure = xml_in_str(in, n, "userProcedure", XML_OPTIONAL);
	s = xml_in_str(in, n, "writerRestore", XML_REQUIRED);
	if (s && vss_writer_restore_parse(&info.writer_restore, s) < 0)
		xml_in_bad_value(in, n, "writerRestore", "writer restore", s);
	info.reboot_required =
		xml_in_bool(in, n, "rebootRequired", XML_OPTIONAL, false);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot set restore method",
		     vss_wmd_set_restore_method(wmd, &info));
	if (in->status)
		return;
	wmd->restore_method_extra =
		xml_in_extra(in, n, restore_method_attrs, NULL);
}

/* FILE_LIST, DATABASE_FILES or DATABASE_LOGFILES of component c. */
static void
load_file_set(struct xml_in *in, vss_wmd *wmd, struct wm_component *c,
	      xmlNode *n)
{
	const struct vss_wm_component *pub = &c->pub;
	const char *path, *filespec, *alternate_path = NULL;
	const char *const *attrs = database_files_attrs;
	const struct vss_file_desc *list;
	struct vss_file_desc *d;
	bool recursive = false;
	uint32_t mask;
	size_t count;
	int r;

	path = xml_in_str(in, n, "path", XML_REQUIRED);
	filespec = xml_in_str(in, n, "filespec", XML_REQUIRED);
	if (xml_is(n, "FILE_LIST")) {
		recursive = xml_in_bool(in, n, "recursive", XML_OPTIONAL,
					false);
		alternate_path =
			xml_in_str(in, n, "alternatePath", XML_OPTIONAL);
		attrs = file_list_attrs;
	}
	mask = xml_in_u32(in, n, "filespecBackupType", XML_OPTIONAL,
			  VSS_FSBT_DEFAULT);
	if (in->status)
		return;
	if (xml_is(n, "FILE_LIST"))
		r = vss_wmd_add_files_to_file_group(
			wmd, pub->def.logical_path, pub->def.name, path,
			filespec, recursive, alternate_path, mask);
	else if (xml_is(n, "DATABASE_FILES"))
		r = vss_wmd_add_database_files(wmd, pub->def.logical_path,
					       pub->def.name, path, filespec,
					       mask);
	else
		r = vss_wmd_add_database_log_files(wmd, pub->def.logical_path,
						   pub->def.name, path,
						   filespec, mask);
	xml_in_model(in, n, "cannot add file set", r);
	if (in->status)
		return;
	/* The set just added is the last of its list. */
	if (xml_is(n, "FILE_LIST")) {
		list = pub->files;
		count = pub->file_count;
	} else if (xml_is(n, "DATABASE_FILES")) {
		list = pub->database_files;
		count = pub->database_file_count;
	} else {
		list = pub->log_files;
		count = pub->log_file_count;
	}
	d = (struct vss_file_desc *)&list[count - 1];
	d->extra = xml_in_extra(in, n, attrs, NULL);
}

static void
load_dependency(struct xml_in *in, vss_wmd *wmd, struct wm_component *c,
		xmlNode *n)
{
	const char *logical_path, *name;
	struct vss_dependency *d;
	vss_id writer = { 0 };

	xml_in_id(in, n, "writerId", XML_REQUIRED, &writer);
	logical_path = xml_in_str(in, n, "logicalPath", XML_OPTIONAL);
	name = xml_in_str(in, n, "componentName", XML_REQUIRED);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add dependency",
		     vss_wmd_add_component_dependency(
			     wmd, c->pub.def.logical_path, c->pub.def.name,
			     &writer, logical_path, name));
	if (in->status)
		return;
	d = (struct vss_dependency *)&c->pub
		    .dependencies[c->pub.dependency_count - 1];
	d->extra = xml_in_extra(in, n, dependency_attrs, NULL);
}

/* FILE_GROUP or DATABASE. */
static void
load_component(struct xml_in *in, vss_wmd *wmd, xmlNode *n)
{
	struct vss_component_def def = { 0 };
	struct wm_component *c;
	xmlNode *child;

	def.type = xml_is(n, "DATABASE") ? VSS_CT_DATABASE : VSS_CT_FILEGROUP;
	def.logical_path = xml_in_str(in, n, "logicalPath", XML_OPTIONAL);
	def.name = xml_in_str(in, n, "componentName", XML_REQUIRED);
	def.caption = xml_in_str(in, n, "caption", XML_OPTIONAL);
	def.icon = xml_in_base64(in, n, "icon", XML_OPTIONAL, &def.icon_size);
	def.restore_metadata =
		xml_in_bool(in, n, "restoreMetadata", XML_OPTIONAL, false);
	def.notify_on_backup_complete = xml_in_bool(
		in, n, "notifyOnBackupComplete", XML_OPTIONAL, false);
	def.selectable = xml_in_bool(in, n, "selectable", XML_REQUIRED, false);
	def.selectable_for_restore = xml_in_bool(
		in, n, "selectableForRestore", XML_OPTIONAL, false);
	def.flags = xml_in_u32(in, n, "componentFlags", XML_OPTIONAL, 0);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add component",
		     vss_wmd_add_component(wmd, &def));
	if (in->status)
		return;
	c = wmd->components[wmd->component_count - 1];
	xml_for_each_element(child, n) {
		if (xml_is(child, "DEPENDENCY"))
			load_dependency(in, wmd, c, child);
		else if (xml_is(child, "FILE_LIST") ||
			 xml_is(child, "DATABASE_FILES") ||
			 xml_is(child, "DATABASE_LOGFILES"))
			load_file_set(in, wmd, c, child);
		if (in->status)
			return;
	}
	c->pub.extra = xml_in_extra(in, n, component_attrs, component_children);
}

/* EXCLUDE_FILES or EXCLUDE_FILES_FROM_SNAPSHOT. */
static void
load_exclude(struct xml_in *in, vss_wmd *wmd, xmlNode *n)
{
	bool snapshot = xml_is(n, "EXCLUDE_FILES_FROM_SNAPSHOT");
	const char *path, *filespec;
	struct vss_file_desc *d;
	bool recursive;
	int r;

	path = xml_in_str(in, n, "path", XML_REQUIRED);
	filespec = xml_in_str(in, n, "filespec", XML_REQUIRED);
	recursive = xml_in_bool(in, n, "recursive", XML_OPTIONAL, false);
	if (in->status)
		return;
	if (snapshot)
		r = vss_wmd_add_exclude_files_from_snapshot(wmd, path,
							    filespec,
							    recursive);
	else
		r = vss_wmd_add_exclude_files(wmd, path, filespec, recursive);
	xml_in_model(in, n, "cannot add exclusion", r);
	if (in->status)
		return;
	if (snapshot)
		d = &wmd->snapshot_excludes[wmd->snapshot_exclude_count - 1];
	else
		d = &wmd->excludes[wmd->exclude_count - 1];
	d->extra = xml_in_extra(in, n, exclude_attrs, NULL);
}

static void
load_backup_locations(struct xml_in *in, vss_wmd *wmd, xmlNode *n)
{
	xmlNode *child;

	xml_for_each_element(child, n) {
		if (xml_is(child, "FILE_GROUP") || xml_is(child, "DATABASE"))
			load_component(in, wmd, child);
		else if (xml_is(child, "EXCLUDE_FILES") ||
			 xml_is(child, "EXCLUDE_FILES_FROM_SNAPSHOT"))
			load_exclude(in, wmd, child);
		if (in->status)
			return;
	}
	wmd->backup_locations_extra =
		xml_in_extra(in, n, NULL, backup_locations_children);
}

static void
load_mapping(struct xml_in *in, vss_wmd *wmd, xmlNode *n)
{
	struct vss_location_mapping m;

	xml_in_mapping(in, n, &m);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add alternate location mapping",
		     vss_wmd_add_alternate_location_mapping(
			     wmd, m.path, m.filespec, m.recursive,
			     m.destination));
	if (in->status)
		return;
	wmd->mappings[wmd->mapping_count - 1].extra =
		xml_in_extra(in, n, xml_mapping_attrs, NULL);
}

/*
 * Windows writes the children of WRITER_METADATA in any order (RESTORE_METHOD
 * after BACKUP_LOCATIONS in the WMI writer's document) and puts the
 * exclusions at the top level or inside BACKUP_LOCATIONS.  Everything is
 * read in document order except the mappings, which name file sets of
 * components and need the restore method: they come last.
 */
static void
load_body(struct xml_in *in, vss_wmd *wmd, xmlNode *root)
{
	xmlNode *n;

	/* Only for its check that there is at most one. */
	xml_in_single(in, root, "BACKUP_LOCATIONS", XML_OPTIONAL);
	xml_for_each_element(n, root) {
		if (in->status)
			return;
		if (xml_is(n, "RESTORE_METHOD"))
			load_restore_method(in, wmd, n);
		else if (xml_is(n, "BACKUP_LOCATIONS"))
			load_backup_locations(in, wmd, n);
		else if (xml_is(n, "EXCLUDE_FILES") ||
			 xml_is(n, "EXCLUDE_FILES_FROM_SNAPSHOT"))
			load_exclude(in, wmd, n);
	}
	xml_for_each_element(n, root) {
		if (in->status)
			return;
		if (xml_is(n, "ALTERNATE_LOCATION_MAPPING"))
			load_mapping(in, wmd, n);
	}
}

int
vss_wmd_load_xml(vss_wmd **ret, const char *xml, size_t len,
		 struct vss_error *err)
{
	struct xml_in in;
	vss_wmd *wmd = NULL;
	xmlNode *root;
	int r;

	if (!ret || !xml)
		return -EINVAL;
	if (xml_in_parse(&in, xml, len, "WRITER_METADATA") == 0) {
		root = xmlDocGetRootElement(in.doc);
		wmd = load_identification(&in, root);
		if (wmd)
			load_body(&in, wmd, root);
	}
	r = xml_in_result(&in, err);
	xml_in_release(&in);
	if (r < 0) {
		vss_wmd_free(wmd);
		return r;
	}
	*ret = wmd;
	return 0;
}

/* ---- Saving ------------------------------------------------------------- */

static void
save_identification(struct xml_out *out, xmlNode *root, const vss_wmd *wmd)
{
	const struct vss_writer_identity *id = &wmd->identity;
	xmlNode *n = xml_out_child(out, root, "IDENTIFICATION");

	xml_out_id(out, n, "writerId", &id->class_id);
	xml_out_id(out, n, "instanceId", &id->instance_id);
	xml_out_str(out, n, "instanceName", id->instance_name);
	xml_out_required(out, n, "friendlyName", id->friendly_name);
	xml_out_required(out, n, "usage", vss_usage_type_str(id->usage));
	xml_out_required(out, n, "dataSource",
			 vss_source_type_str(id->source));
	xml_out_u32(out, n, "majorVersion", id->major_version);
	xml_out_u32(out, n, "minorVersion", id->minor_version);
	xml_out_extra(out, n, wmd->identification_extra);
}

static void
save_restore_method(struct xml_out *out, xmlNode *root, const vss_wmd *wmd)
{
	const struct vss_restore_method_info *info = &wmd->restore_method;
	xmlNode *n = xml_out_child(out, root, "RESTORE_METHOD");

	xml_out_required(out, n, "method",
			 vss_restore_method_str(info->method));
	xml_out_str(out, n, "service", info->service);
	xml_out_str(out, n, "userProcedure", info->user_procedure);
	xml_out_required(out, n, "writerRestore",
			 vss_writer_restore_str(info->writer_restore));
	xml_out_bool(out, n, "rebootRequired", info->reboot_required);
	xml_out_extra(out, n, wmd->restore_method_extra);
}

/* Which attributes a file-set element carries besides path and filespec. */
enum file_set_kind {
	FILE_SET_GROUP,    /* FILE_LIST: recursion, alternate path, mask */
	FILE_SET_DATABASE, /* DATABASE_FILES, DATABASE_LOGFILES: mask */
	FILE_SET_EXCLUDE,  /* the two exclusions: recursion */
};

static void
save_file_set(struct xml_out *out, xmlNode *parent, const char *element,
	      enum file_set_kind kind, const struct vss_file_desc *d)
{
	xmlNode *n = xml_out_child(out, parent, element);

	xml_out_required(out, n, "path", d->path);
	xml_out_required(out, n, "filespec", d->filespec);
	/* Windows leaves out recursive="no" on FILE_LIST, not on exclusions. */
	if (kind == FILE_SET_EXCLUDE ||
	    (kind == FILE_SET_GROUP && d->recursive))
		xml_out_bool(out, n, "recursive", d->recursive);
	if (kind == FILE_SET_GROUP)
		xml_out_str(out, n, "alternatePath", d->alternate_path);
	if (kind != FILE_SET_EXCLUDE)
		xml_out_u32(out, n, "filespecBackupType", d->backup_type_mask);
	xml_out_extra(out, n, d->extra);
}

static void
save_component(struct xml_out *out, xmlNode *parent,
	       const struct vss_wm_component *c)
{
	const struct vss_component_def *def = &c->def;
	const struct vss_dependency *dep;
	xmlNode *n, *dn;
	size_t i;

	n = xml_out_child(out, parent,
			  def->type == VSS_CT_DATABASE ? "DATABASE" :
							 "FILE_GROUP");
	if (def->logical_path && *def->logical_path)
		xml_out_str(out, n, "logicalPath", def->logical_path);
	xml_out_required(out, n, "componentName", def->name);
	xml_out_str(out, n, "caption", def->caption);
	if (def->icon_size)
		xml_out_base64(out, n, "icon", def->icon, def->icon_size);
	xml_out_bool(out, n, "restoreMetadata", def->restore_metadata);
	xml_out_bool(out, n, "notifyOnBackupComplete",
		     def->notify_on_backup_complete);
	xml_out_bool(out, n, "selectable", def->selectable);
	xml_out_bool(out, n, "selectableForRestore",
		     def->selectable_for_restore);
	xml_out_u32(out, n, "componentFlags", def->flags);
	for (i = 0; i < c->file_count; i++)
		save_file_set(out, n, "FILE_LIST", FILE_SET_GROUP,
			      &c->files[i]);
	for (i = 0; i < c->database_file_count; i++)
		save_file_set(out, n, "DATABASE_FILES", FILE_SET_DATABASE,
			      &c->database_files[i]);
	for (i = 0; i < c->log_file_count; i++)
		save_file_set(out, n, "DATABASE_LOGFILES",
			      FILE_SET_DATABASE, &c->log_files[i]);
	for (i = 0; i < c->dependency_count; i++) {
		dep = &c->dependencies[i];
		dn = xml_out_child(out, n, "DEPENDENCY");
		xml_out_id(out, dn, "writerId", &dep->writer_id);
		xml_out_str(out, dn, "logicalPath", dep->logical_path);
		xml_out_required(out, dn, "componentName",
				 dep->component_name);
		xml_out_extra(out, dn, dep->extra);
	}
	xml_out_extra(out, n, c->extra);
}

int
vss_wmd_save_xml(const vss_wmd *wmd, char **ret_xml, size_t *ret_len)
{
	struct xml_out out;
	xmlNode *root, *locations;
	size_t i;

	if (!wmd || !ret_xml || !ret_len)
		return -EINVAL;
	root = xml_out_init(&out, "WRITER_METADATA", WMD_NAMESPACE);
	xml_out_str(&out, root, "version", WMD_VERSION);
	if (wmd->backup_schema)
		xml_out_u32(&out, root, "backupSchema", wmd->backup_schema);
	save_identification(&out, root, wmd);
	if (wmd->has_restore_method)
		save_restore_method(&out, root, wmd);
	for (i = 0; i < wmd->mapping_count; i++)
		xml_out_mapping(&out, root, "ALTERNATE_LOCATION_MAPPING",
				&wmd->mappings[i]);
	/* As Windows does: the exclusions after the components. */
	locations = xml_out_child(&out, root, "BACKUP_LOCATIONS");
	for (i = 0; i < wmd->component_count; i++)
		save_component(&out, locations, &wmd->components[i]->pub);
	for (i = 0; i < wmd->exclude_count; i++)
		save_file_set(&out, locations, "EXCLUDE_FILES",
			      FILE_SET_EXCLUDE, &wmd->excludes[i]);
	for (i = 0; i < wmd->snapshot_exclude_count; i++)
		save_file_set(&out, locations, "EXCLUDE_FILES_FROM_SNAPSHOT",
			      FILE_SET_EXCLUDE, &wmd->snapshot_excludes[i]);
	xml_out_extra(&out, locations, wmd->backup_locations_extra);
	xml_out_extra(&out, root, wmd->root_extra);
	return xml_out_finish(&out, ret_xml, ret_len);
}
