/*
 * lib/metadata/bcd_xml.c - the Backup Components Document as XML, in the
 * spellings Windows writes (metadata.md 6.2) and ours where Windows' are
 * unknown (MD-061); docs/xml-schema.md lists both.
 *
 * Loading builds the document through the public vss_bcd_*() functions,
 * so a loaded document obeys the same rules as a built one; a refusal
 * names the element and its line.  Unknown attributes and elements are
 * kept with the structure of the element they appeared on (MD-062).
 */
#include "metadata/model.h"
#include "metadata/xml_common.h"

#include <errno.h>

#include <vss/status.h>

#define BCD_NAMESPACE "x-schema:#VssComponentMetadata"
#define BCD_VERSION   "1.2"

/* What we read of each element; anything else is kept as extra. */
static const char *const root_attrs[] = {
	"version", "bootableSystemStateBackup", "selectComponents",
	"backupType", "partialFileSupport", "snapshotSetId", "restoreType",
	"context", NULL,
};
static const char *const root_children[] = {
	"WRITER_COMPONENTS", "SNAPSHOT_SET_DESCRIPTION", NULL,
};
static const char *const writer_attrs[] = {
	"instanceId", "writerId", "instanceName", "backupSchema", NULL,
};
static const char *const writer_children[] = { "COMPONENT", NULL };
static const char *const component_attrs[] = {
	"logicalPath", "componentName", "componentType", "backupStamp",
	"previousBackupStamp", "receivedBackupStamp", "backupSucceeded",
	"backupOptions", "restoreOptions", "selectedForRestore",
	"additionalRestores", "restoreTarget", "fileRestoreStatus",
	"authoritativeRestore", "rollForwardType", "rollForwardPoint",
	"restoreName", "rangesFilePath", "prepareBackupFailureMsg",
	"postSnapshotFailureMsg", "preRestoreFailureMsg",
	"postRestoreFailureMsg", NULL,
};
static const char *const component_children[] = {
	"BACKUP_METADATA", "RESTORE_METADATA", "COMPONENT_FAILURE",
	"RESTORE_SUBCOMPONENT", "ALTERNATE_LOCATION_MAPPING", "NEW_TARGET",
	"DIRECTED_TARGET", "PARTIAL_FILE", "DIFFERENCED_FILE", NULL,
};
static const char *const metadata_attrs[] = { "metadata", NULL };
static const char *const failure_attrs[] = {
	"hr", "applicationHr", "message", NULL,
};
static const char *const subcomponent_attrs[] = {
	"logicalPath", "componentName", "repair", NULL,
};
static const char *const directed_attrs[] = {
	"sourcePath", "sourceFilename", "sourceRanges", "destinationPath",
	"destinationFilename", "destinationRanges", NULL,
};
static const char *const partial_attrs[] = {
	"path", "filename", "ranges", "metadata", NULL,
};
static const char *const differenced_attrs[] = {
	"path", "filespec", "recursive", "lsn", "lastModifyTime", NULL,
};
static const char *const set_desc_attrs[] = {
	"snapshotSetId", "context", NULL,
};
static const char *const set_desc_children[] = { "SNAPSHOT_DESCRIPTION", NULL };
static const char *const snapshot_attrs[] = {
	"snapshotId", "providerId", "originalVolumeName",
	"snapshotDeviceObject", "originatingMachine", "snapshotAttributes",
	"timestamp", NULL,
};

/*
 * The opaque strings written as attributes of COMPONENT, in the order we
 * write them; the two metadata strings are child elements instead.
 */
static const struct {
	enum vss_component_text field;
	const char *attr;
} text_attrs[] = {
	{ VSS_TEXT_BACKUP_STAMP, "backupStamp" },
	{ VSS_TEXT_PREVIOUS_BACKUP_STAMP, "previousBackupStamp" },
	{ VSS_TEXT_RECEIVED_BACKUP_STAMP, "receivedBackupStamp" },
	{ VSS_TEXT_BACKUP_OPTIONS, "backupOptions" },
	{ VSS_TEXT_RESTORE_OPTIONS, "restoreOptions" },
	{ VSS_TEXT_ROLLFORWARD_POINT, "rollForwardPoint" },
	{ VSS_TEXT_RESTORE_NAME, "restoreName" },
	{ VSS_TEXT_RANGES_FILE_PATH, "rangesFilePath" },
	{ VSS_TEXT_PREPARE_BACKUP_FAILURE_MSG, "prepareBackupFailureMsg" },
	{ VSS_TEXT_POST_SNAPSHOT_FAILURE_MSG, "postSnapshotFailureMsg" },
	{ VSS_TEXT_PRE_RESTORE_FAILURE_MSG, "preRestoreFailureMsg" },
	{ VSS_TEXT_POST_RESTORE_FAILURE_MSG, "postRestoreFailureMsg" },
};

#define N_TEXT_ATTRS (sizeof(text_attrs) / sizeof(text_attrs[0]))

/* ---- Loading ------------------------------------------------------------ */

/* BACKUP_METADATA or RESTORE_METADATA. */
static void
load_metadata(struct xml_in *in, struct vss_bcd_component *c, xmlNode *n)
{
	enum vss_component_text field = xml_is(n, "BACKUP_METADATA") ?
						VSS_TEXT_BACKUP_METADATA :
						VSS_TEXT_RESTORE_METADATA;
	const char *metadata;

	metadata = xml_in_str(in, n, "metadata", XML_REQUIRED);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot set metadata",
		     vss_bcd_component_set_text(c, field, metadata));
	if (in->status)
		return;
	c->text_extra[field] = xml_in_extra(in, n, metadata_attrs, NULL);
}

static void
load_failure(struct xml_in *in, struct vss_bcd_component *c, xmlNode *n)
{
	struct vss_component_failure f = { 0 };

	f.status = (int32_t)xml_in_hex32(in, n, "hr", XML_REQUIRED, 0);
	f.application_status =
		(int32_t)xml_in_hex32(in, n, "applicationHr", XML_OPTIONAL, 0);
	f.message = xml_in_str(in, n, "message", XML_OPTIONAL);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot set failure",
		     vss_bcd_component_set_failure(c, &f));
	if (in->status)
		return;
	/* model.h has no slot for it: kept inside the component's extra. */
	if (xml_extra_set_child(&c->extra, "COMPONENT_FAILURE",
				xml_in_extra(in, n, failure_attrs, NULL)) < 0)
		xml_in_nomem(in);
}

static void
load_subcomponent(struct xml_in *in, struct vss_bcd_component *c,
		  xmlNode *n)
{
	const char *logical_path, *name;
	bool repair;

	logical_path = xml_in_str(in, n, "logicalPath", XML_REQUIRED);
	name = xml_in_str(in, n, "componentName", XML_REQUIRED);
	repair = xml_in_bool(in, n, "repair", XML_OPTIONAL, false);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add restore subcomponent",
		     vss_bcd_component_add_restore_subcomponent(
			     c, logical_path, name, repair));
	if (in->status)
		return;
	c->subcomponents[c->subcomponent_count - 1].extra =
		xml_in_extra(in, n, subcomponent_attrs, NULL);
}

/* ALTERNATE_LOCATION_MAPPING or NEW_TARGET. */
static void
load_mapping(struct xml_in *in, struct vss_bcd_component *c, xmlNode *n)
{
	bool new_target = xml_is(n, "NEW_TARGET");
	struct vss_location_mapping m, *stored;
	int r;

	xml_in_mapping(in, n, &m);
	if (in->status)
		return;
	if (new_target)
		r = vss_bcd_component_add_new_target(c, m.path, m.filespec,
						     m.recursive,
						     m.destination);
	else
		r = vss_bcd_component_add_alternate_location_mapping(
			c, m.path, m.filespec, m.recursive, m.destination);
	xml_in_model(in, n, "cannot add mapping", r);
	if (in->status)
		return;
	stored = new_target ? &c->new_targets[c->new_target_count - 1] :
			      &c->mappings[c->mapping_count - 1];
	stored->extra = xml_in_extra(in, n, xml_mapping_attrs, NULL);
}

static void
load_directed_target(struct xml_in *in, struct vss_bcd_component *c,
		     xmlNode *n)
{
	struct vss_directed_target t = { 0 };

	t.source_path = xml_in_str(in, n, "sourcePath", XML_REQUIRED);
	t.source_file = xml_in_str(in, n, "sourceFilename", XML_REQUIRED);
	t.source_ranges = xml_in_str(in, n, "sourceRanges", XML_REQUIRED);
	t.destination_path =
		xml_in_str(in, n, "destinationPath", XML_REQUIRED);
	t.destination_file =
		xml_in_str(in, n, "destinationFilename", XML_REQUIRED);
	t.destination_ranges =
		xml_in_str(in, n, "destinationRanges", XML_REQUIRED);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add directed target",
		     vss_bcd_component_add_directed_target(c, &t));
	if (in->status)
		return;
	c->directed[c->directed_count - 1].extra =
		xml_in_extra(in, n, directed_attrs, NULL);
}

static void
load_partial_file(struct xml_in *in, struct vss_bcd_component *c,
		  xmlNode *n)
{
	struct vss_partial_file f = { 0 };

	f.path = xml_in_str(in, n, "path", XML_REQUIRED);
	f.filename = xml_in_str(in, n, "filename", XML_REQUIRED);
	f.ranges = xml_in_str(in, n, "ranges", XML_REQUIRED);
	f.metadata = xml_in_str(in, n, "metadata", XML_OPTIONAL);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add partial file",
		     vss_bcd_component_add_partial_file(c, &f));
	if (in->status)
		return;
	c->partials[c->partial_count - 1].extra =
		xml_in_extra(in, n, partial_attrs, NULL);
}

static void
load_differenced_file(struct xml_in *in, struct vss_bcd_component *c,
		      xmlNode *n)
{
	struct vss_differenced_file f = { 0 };

	f.path = xml_in_str(in, n, "path", XML_REQUIRED);
	f.filespec = xml_in_str(in, n, "filespec", XML_REQUIRED);
	f.recursive = xml_in_bool(in, n, "recursive", XML_OPTIONAL, false);
	f.lsn = xml_in_str(in, n, "lsn", XML_OPTIONAL);
	f.last_modify_time =
		xml_in_i64(in, n, "lastModifyTime", XML_REQUIRED, 0);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add differenced file",
		     vss_bcd_component_add_differenced_file(c, &f));
	if (in->status)
		return;
	c->differenced[c->differenced_count - 1].extra =
		xml_in_extra(in, n, differenced_attrs, NULL);
}

/* The attributes of COMPONENT past its identity, through the setters. */
static void
load_component_properties(struct xml_in *in, struct vss_bcd_component *c,
			  xmlNode *n)
{
	enum vss_restore_target target = VSS_RT_ORIGINAL;
	enum vss_file_restore_status status = VSS_RS_UNDEFINED;
	enum vss_rollforward_type rollforward = VSS_RF_UNDEFINED;
	bool succeeded, selected, additional, authoritative;
	const char *texts[N_TEXT_ATTRS];
	const char *s;
	size_t i;

	for (i = 0; i < N_TEXT_ATTRS; i++)
		texts[i] = xml_in_str(in, n, text_attrs[i].attr, XML_OPTIONAL);
	succeeded = xml_in_bool(in, n, "backupSucceeded", XML_OPTIONAL, false);
	selected =
		xml_in_bool(in, n, "selectedForRestore", XML_OPTIONAL, false);
	additional =
		xml_in_bool(in, n, "additionalRestores", XML_OPTIONAL, false);
	authoritative =
		xml_in_bool(in, n, "authoritativeRestore", XML_OPTIONAL, false);
	s = xml_in_str(in, n, "restoreTarget", XML_OPTIONAL);
	if (s && vss_restore_target_parse(&target, s) < 0)
		xml_in_bad_value(in, n, "restoreTarget", "restore target", s);
	s = xml_in_str(in, n, "fileRestoreStatus", XML_OPTIONAL);
	if (s && vss_file_restore_status_parse(&status, s) < 0)
		xml_in_bad_value(in, n, "fileRestoreStatus",
				 "file restore status", s);
	s = xml_in_str(in, n, "rollForwardType", XML_OPTIONAL);
	if (s && vss_rollforward_type_parse(&rollforward, s) < 0)
		xml_in_bad_value(in, n, "rollForwardType", "roll-forward type",
				 s);
	if (in->status)
		return;
	/* Before the texts: it sets the roll-forward point as well. */
	if (rollforward != VSS_RF_UNDEFINED)
		xml_in_model(in, n, "attribute 'rollForwardType'",
			     vss_bcd_component_set_rollforward(c, rollforward,
							       NULL));
	for (i = 0; i < N_TEXT_ATTRS && !in->status; i++)
		if (texts[i])
			xml_in_model(in, n, "cannot set text",
				     vss_bcd_component_set_text(
					     c, text_attrs[i].field, texts[i]));
	if (in->status)
		return;
	vss_bcd_component_set_backup_succeeded(c, succeeded);
	vss_bcd_component_set_selected_for_restore(c, selected);
	vss_bcd_component_set_additional_restores(c, additional);
	vss_bcd_component_set_authoritative_restore(c, authoritative);
	xml_in_model(in, n, "attribute 'restoreTarget'",
		     vss_bcd_component_set_restore_target(c, target));
	xml_in_model(in, n, "attribute 'fileRestoreStatus'",
		     vss_bcd_component_set_file_restore_status(c, status));
}

static void
load_component(struct xml_in *in, struct vss_bcd_writer *w, xmlNode *n)
{
	enum vss_component_type type = VSS_CT_UNDEFINED;
	const char *logical_path, *name, *s;
	struct vss_bcd_component *c;
	xmlNode *child;

	logical_path = xml_in_str(in, n, "logicalPath", XML_OPTIONAL);
	name = xml_in_str(in, n, "componentName", XML_REQUIRED);
	s = xml_in_str(in, n, "componentType", XML_REQUIRED);
	if (s && vss_component_type_parse(&type, s) < 0)
		xml_in_bad_value(in, n, "componentType", "component type", s);
	/* Only for their check that there is at most one of each. */
	xml_in_single(in, n, "BACKUP_METADATA", XML_OPTIONAL);
	xml_in_single(in, n, "RESTORE_METADATA", XML_OPTIONAL);
	xml_in_single(in, n, "COMPONENT_FAILURE", XML_OPTIONAL);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add component",
		     vss_bcd_writer_add_component(w, type, logical_path, name,
						  &c));
	if (in->status)
		return;
	load_component_properties(in, c, n);
	/* First: COMPONENT_FAILURE keeps its own unknowns inside. */
	c->extra = xml_in_extra(in, n, component_attrs, component_children);
	xml_for_each_element(child, n) {
		if (in->status)
			return;
		if (xml_is(child, "BACKUP_METADATA") ||
		    xml_is(child, "RESTORE_METADATA"))
			load_metadata(in, c, child);
		else if (xml_is(child, "COMPONENT_FAILURE"))
			load_failure(in, c, child);
		else if (xml_is(child, "RESTORE_SUBCOMPONENT"))
			load_subcomponent(in, c, child);
		else if (xml_is(child, "ALTERNATE_LOCATION_MAPPING") ||
			 xml_is(child, "NEW_TARGET"))
			load_mapping(in, c, child);
		else if (xml_is(child, "DIRECTED_TARGET"))
			load_directed_target(in, c, child);
		else if (xml_is(child, "PARTIAL_FILE"))
			load_partial_file(in, c, child);
		else if (xml_is(child, "DIFFERENCED_FILE"))
			load_differenced_file(in, c, child);
	}
}

static void
load_writer(struct xml_in *in, vss_bcd *bcd, xmlNode *n)
{
	struct vss_bcd_writer *w;
	vss_id class_id = { 0 }, instance_id = { 0 };
	const char *instance_name;
	size_t before = bcd->writer_count;
	uint32_t schema;
	xmlNode *child;

	xml_in_id(in, n, "instanceId", XML_REQUIRED, &instance_id);
	xml_in_id(in, n, "writerId", XML_REQUIRED, &class_id);
	instance_name = xml_in_str(in, n, "instanceName", XML_OPTIONAL);
	schema = xml_in_u32(in, n, "backupSchema", XML_OPTIONAL, 0);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add writer",
		     vss_bcd_add_writer(bcd, &class_id, &instance_id,
					instance_name, schema, &w));
	if (in->status)
		return;
	/* vss_bcd_add_writer() returns an existing entry: refuse a repeat. */
	if (bcd->writer_count == before) {
		xml_in_fail(in, n, "duplicate writer entry");
		return;
	}
	w->extra = xml_in_extra(in, n, writer_attrs, writer_children);
	xml_for_each_element(child, n) {
		if (in->status)
			return;
		if (xml_is(child, "COMPONENT"))
			load_component(in, w, child);
	}
}

static void
load_snapshot(struct xml_in *in, vss_bcd *bcd, xmlNode *n)
{
	struct vss_snapshot_desc d = { 0 };

	xml_in_id(in, n, "snapshotId", XML_REQUIRED, &d.snapshot_id);
	xml_in_id(in, n, "providerId", XML_REQUIRED, &d.provider_id);
	d.original_volume =
		xml_in_str(in, n, "originalVolumeName", XML_REQUIRED);
	d.snapshot_device =
		xml_in_str(in, n, "snapshotDeviceObject", XML_OPTIONAL);
	d.originating_machine =
		xml_in_str(in, n, "originatingMachine", XML_OPTIONAL);
	d.attributes = xml_in_u32(in, n, "snapshotAttributes", XML_OPTIONAL, 0);
	d.created = xml_in_i64(in, n, "timestamp", XML_OPTIONAL, 0);
	if (in->status)
		return;
	xml_in_model(in, n, "cannot add snapshot description",
		     vss_bcd_add_snapshot_desc(bcd, &d));
	if (in->status)
		return;
	/* Unknown children such as LUN_MAPPING stay with the snapshot. */
	bcd->snapshots[bcd->snapshot_count - 1].extra =
		xml_in_extra(in, n, snapshot_attrs, NULL);
}

/*
 * The set id and context are in the model once: the root and
 * SNAPSHOT_SET_DESCRIPTION must agree where both give them.
 */
static void
load_set_description(struct xml_in *in, vss_bcd *bcd, xmlNode *root,
		     xmlNode *n)
{
	vss_id set_id = { 0 };
	uint32_t context;
	xmlNode *child;

	xml_in_id(in, n, "snapshotSetId", XML_OPTIONAL, &set_id);
	context = xml_in_u32(in, n, "context", XML_OPTIONAL,
			     (uint32_t)bcd->context);
	if (in->status)
		return;
	if (xml_has_attr(n, "snapshotSetId")) {
		if (xml_has_attr(root, "snapshotSetId") &&
		    !vss_id_equal(&set_id, &bcd->snapshot_set_id)) {
			xml_in_fail(in, n,
				    "attribute 'snapshotSetId': differs from "
				    "the one of BACKUP_COMPONENTS");
			return;
		}
		vss_bcd_set_snapshot_set_id(bcd, &set_id);
	}
	if (xml_has_attr(root, "context") &&
	    (int32_t)context != bcd->context) {
		xml_in_fail(in, n,
			    "attribute 'context': differs from the one of "
			    "BACKUP_COMPONENTS");
		return;
	}
	vss_bcd_set_context(bcd, (int32_t)context);
	xml_for_each_element(child, n) {
		if (in->status)
			return;
		if (xml_is(child, "SNAPSHOT_DESCRIPTION"))
			load_snapshot(in, bcd, child);
	}
	bcd->set_desc_extra =
		xml_in_extra(in, n, set_desc_attrs, set_desc_children);
}

/* BACKUP_COMPONENTS: a new document, or NULL. */
static vss_bcd *
load_root(struct xml_in *in, xmlNode *root)
{
	struct vss_backup_state state = { .backup_type = VSS_BT_FULL };
	enum vss_restore_type restore_type = VSS_RTYPE_UNDEFINED;
	vss_id set_id = { 0 };
	vss_bcd *bcd = NULL;
	uint32_t context;
	const char *s;

	state.bootable_system_state = xml_in_bool(
		in, root, "bootableSystemStateBackup", XML_OPTIONAL, false);
	state.select_components =
		xml_in_bool(in, root, "selectComponents", XML_OPTIONAL, false);
	s = xml_in_str(in, root, "backupType", XML_OPTIONAL);
	if (s && vss_backup_type_parse(&state.backup_type, s) < 0)
		xml_in_bad_value(in, root, "backupType", "backup type", s);
	state.partial_file_support = xml_in_bool(
		in, root, "partialFileSupport", XML_OPTIONAL, false);
	xml_in_id(in, root, "snapshotSetId", XML_OPTIONAL, &set_id);
	s = xml_in_str(in, root, "restoreType", XML_OPTIONAL);
	if (s && vss_restore_type_parse(&restore_type, s) < 0)
		xml_in_bad_value(in, root, "restoreType", "restore type", s);
	context = xml_in_u32(in, root, "context", XML_OPTIONAL, 0);
	if (in->status)
		return NULL;
	xml_in_model(in, root, "cannot create the document",
		     vss_bcd_new(&bcd));
	if (in->status)
		return NULL;
	xml_in_model(in, root, "attribute 'backupType'",
		     vss_bcd_set_backup_state(bcd, &state));
	xml_in_model(in, root, "attribute 'restoreType'",
		     vss_bcd_set_restore_type(bcd, restore_type));
	vss_bcd_set_context(bcd, (int32_t)context);
	vss_bcd_set_snapshot_set_id(bcd, &set_id);
	bcd->root_extra = xml_in_extra(in, root, root_attrs, root_children);
	return bcd;
}

static void
load_body(struct xml_in *in, vss_bcd *bcd, xmlNode *root)
{
	xmlNode *n;

	/* Only for its check that there is at most one. */
	xml_in_single(in, root, "SNAPSHOT_SET_DESCRIPTION", XML_OPTIONAL);
	xml_for_each_element(n, root) {
		if (in->status)
			return;
		if (xml_is(n, "WRITER_COMPONENTS"))
			load_writer(in, bcd, n);
		else if (xml_is(n, "SNAPSHOT_SET_DESCRIPTION"))
			load_set_description(in, bcd, root, n);
	}
}

int
vss_bcd_load_xml(vss_bcd **ret, const char *xml, size_t len,
		 struct vss_error *err)
{
	struct xml_in in;
	vss_bcd *bcd = NULL;
	xmlNode *root;
	int r;

	if (!ret || !xml)
		return -EINVAL;
	if (xml_in_parse(&in, xml, len, "BACKUP_COMPONENTS") == 0) {
		root = xmlDocGetRootElement(in.doc);
		bcd = load_root(&in, root);
		if (bcd)
			load_body(&in, bcd, root);
	}
	r = xml_in_result(&in, err);
	xml_in_release(&in);
	if (r < 0) {
		vss_bcd_free(bcd);
		return r;
	}
	*ret = bcd;
	return 0;
}

/* ---- Saving ------------------------------------------------------------- */

static void
save_metadata(struct xml_out *out, xmlNode *parent, const char *element,
	      const struct vss_bcd_component *c, enum vss_component_text field)
{
	xmlNode *n;

	if (!c->text[field])
		return;
	n = xml_out_child(out, parent, element);
	/* As Windows writes BACKUP_METADATA: outside the namespace. */
	xml_out_no_namespace(out, n);
	xml_out_str(out, n, "metadata", c->text[field]);
	xml_out_extra(out, n, c->text_extra[field]);
}

static void
save_failure(struct xml_out *out, xmlNode *parent,
	     const struct vss_bcd_component *c)
{
	const struct vss_xml_extra *extra =
		xml_extra_child(c->extra, "COMPONENT_FAILURE");
	const struct vss_component_failure *f = &c->failure;
	xmlNode *n;

	if (!f->status && !f->application_status && !f->message && !extra)
		return;
	n = xml_out_child(out, parent, "COMPONENT_FAILURE");
	xml_out_hex32(out, n, "hr", (uint32_t)f->status);
	xml_out_hex32(out, n, "applicationHr",
		      (uint32_t)f->application_status);
	xml_out_str(out, n, "message", f->message);
	xml_out_extra(out, n, extra);
}

static void
save_lists(struct xml_out *out, xmlNode *parent,
	   const struct vss_bcd_component *c)
{
	const struct vss_restore_subcomponent *s;
	const struct vss_directed_target *t;
	const struct vss_partial_file *p;
	const struct vss_differenced_file *d;
	xmlNode *n;
	size_t i;

	for (i = 0; i < c->subcomponent_count; i++) {
		s = &c->subcomponents[i];
		n = xml_out_child(out, parent, "RESTORE_SUBCOMPONENT");
		xml_out_required(out, n, "logicalPath", s->logical_path);
		xml_out_required(out, n, "componentName", s->name);
		xml_out_bool(out, n, "repair", s->repair);
		xml_out_extra(out, n, s->extra);
	}
	for (i = 0; i < c->mapping_count; i++)
		xml_out_mapping(out, parent, "ALTERNATE_LOCATION_MAPPING",
				&c->mappings[i]);
	for (i = 0; i < c->new_target_count; i++)
		xml_out_mapping(out, parent, "NEW_TARGET",
				&c->new_targets[i]);
	for (i = 0; i < c->directed_count; i++) {
		t = &c->directed[i];
		n = xml_out_child(out, parent, "DIRECTED_TARGET");
		xml_out_required(out, n, "sourcePath", t->source_path);
		xml_out_required(out, n, "sourceFilename", t->source_file);
		xml_out_required(out, n, "sourceRanges", t->source_ranges);
		xml_out_required(out, n, "destinationPath",
				 t->destination_path);
		xml_out_required(out, n, "destinationFilename",
				 t->destination_file);
		xml_out_required(out, n, "destinationRanges",
				 t->destination_ranges);
		xml_out_extra(out, n, t->extra);
	}
	for (i = 0; i < c->partial_count; i++) {
		p = &c->partials[i];
		n = xml_out_child(out, parent, "PARTIAL_FILE");
		xml_out_required(out, n, "path", p->path);
		xml_out_required(out, n, "filename", p->filename);
		xml_out_required(out, n, "ranges", p->ranges);
		xml_out_str(out, n, "metadata", p->metadata);
		xml_out_extra(out, n, p->extra);
	}
	for (i = 0; i < c->differenced_count; i++) {
		d = &c->differenced[i];
		n = xml_out_child(out, parent, "DIFFERENCED_FILE");
		xml_out_required(out, n, "path", d->path);
		xml_out_required(out, n, "filespec", d->filespec);
		xml_out_bool(out, n, "recursive", d->recursive);
		xml_out_str(out, n, "lsn", d->lsn);
		xml_out_i64(out, n, "lastModifyTime", d->last_modify_time);
		xml_out_extra(out, n, d->extra);
	}
}

static void
save_text(struct xml_out *out, xmlNode *n, const struct vss_bcd_component *c,
	  enum vss_component_text field)
{
	size_t i;

	for (i = 0; i < N_TEXT_ATTRS; i++)
		if (text_attrs[i].field == field)
			xml_out_str(out, n, text_attrs[i].attr,
				    c->text[field]);
}

/* Properties at their default are left out, as Windows does. */
static void
save_component(struct xml_out *out, xmlNode *parent,
	       const struct vss_bcd_component *c)
{
	xmlNode *n = xml_out_child(out, parent, "COMPONENT");

	xml_out_str(out, n, "logicalPath", c->logical_path);
	xml_out_required(out, n, "componentName", c->name);
	xml_out_required(out, n, "componentType",
			 vss_component_type_str(c->type));
	save_text(out, n, c, VSS_TEXT_BACKUP_STAMP);
	save_text(out, n, c, VSS_TEXT_PREVIOUS_BACKUP_STAMP);
	save_text(out, n, c, VSS_TEXT_RECEIVED_BACKUP_STAMP);
	if (c->backup_succeeded)
		xml_out_bool(out, n, "backupSucceeded", true);
	save_text(out, n, c, VSS_TEXT_BACKUP_OPTIONS);
	save_text(out, n, c, VSS_TEXT_RESTORE_OPTIONS);
	if (c->selected_for_restore)
		xml_out_bool(out, n, "selectedForRestore", true);
	if (c->additional_restores)
		xml_out_bool(out, n, "additionalRestores", true);
	if (c->restore_target != VSS_RT_ORIGINAL)
		xml_out_required(out, n, "restoreTarget",
				 vss_restore_target_str(c->restore_target));
	if (c->file_restore_status != VSS_RS_UNDEFINED)
		xml_out_required(
			out, n, "fileRestoreStatus",
			vss_file_restore_status_str(c->file_restore_status));
	if (c->authoritative_restore)
		xml_out_bool(out, n, "authoritativeRestore", true);
	if (c->rollforward_type != VSS_RF_UNDEFINED)
		xml_out_required(
			out, n, "rollForwardType",
			vss_rollforward_type_str(c->rollforward_type));
	save_text(out, n, c, VSS_TEXT_ROLLFORWARD_POINT);
	save_text(out, n, c, VSS_TEXT_RESTORE_NAME);
	save_text(out, n, c, VSS_TEXT_RANGES_FILE_PATH);
	save_text(out, n, c, VSS_TEXT_PREPARE_BACKUP_FAILURE_MSG);
	save_text(out, n, c, VSS_TEXT_POST_SNAPSHOT_FAILURE_MSG);
	save_text(out, n, c, VSS_TEXT_PRE_RESTORE_FAILURE_MSG);
	save_text(out, n, c, VSS_TEXT_POST_RESTORE_FAILURE_MSG);
	save_metadata(out, n, "BACKUP_METADATA", c, VSS_TEXT_BACKUP_METADATA);
	save_metadata(out, n, "RESTORE_METADATA", c,
		      VSS_TEXT_RESTORE_METADATA);
	save_failure(out, n, c);
	save_lists(out, n, c);
	xml_out_extra(out, n, c->extra);
}

static void
save_writer(struct xml_out *out, xmlNode *root, const struct vss_bcd_writer *w)
{
	xmlNode *n = xml_out_child(out, root, "WRITER_COMPONENTS");
	size_t i;

	xml_out_id(out, n, "instanceId", &w->instance_id);
	xml_out_id(out, n, "writerId", &w->class_id);
	xml_out_str(out, n, "instanceName", w->instance_name);
	xml_out_u32(out, n, "backupSchema", w->backup_schema);
	for (i = 0; i < w->component_count; i++)
		save_component(out, n, w->components[i]);
	xml_out_extra(out, n, w->extra);
}

static void
save_set_description(struct xml_out *out, xmlNode *root, const vss_bcd *bcd)
{
	const struct vss_snapshot_desc *d;
	xmlNode *n, *sn;
	size_t i;

	if (!bcd->snapshot_count && !bcd->set_desc_extra)
		return;
	n = xml_out_child(out, root, "SNAPSHOT_SET_DESCRIPTION");
	xml_out_id(out, n, "snapshotSetId", &bcd->snapshot_set_id);
	xml_out_u32(out, n, "context", (uint32_t)bcd->context);
	for (i = 0; i < bcd->snapshot_count; i++) {
		d = &bcd->snapshots[i];
		sn = xml_out_child(out, n, "SNAPSHOT_DESCRIPTION");
		xml_out_id(out, sn, "snapshotId", &d->snapshot_id);
		xml_out_id(out, sn, "providerId", &d->provider_id);
		xml_out_required(out, sn, "originalVolumeName",
				 d->original_volume);
		xml_out_str(out, sn, "snapshotDeviceObject",
			    d->snapshot_device);
		xml_out_str(out, sn, "originatingMachine",
			    d->originating_machine);
		xml_out_u32(out, sn, "snapshotAttributes", d->attributes);
		xml_out_i64(out, sn, "timestamp", d->created);
		xml_out_extra(out, sn, d->extra);
	}
	xml_out_extra(out, n, bcd->set_desc_extra);
}

int
vss_bcd_save_xml(const vss_bcd *bcd, char **ret_xml, size_t *ret_len)
{
	const struct vss_backup_state *s;
	struct xml_out out;
	xmlNode *root;
	size_t i;

	if (!bcd || !ret_xml || !ret_len)
		return -EINVAL;
	s = &bcd->state;
	root = xml_out_init(&out, "BACKUP_COMPONENTS", BCD_NAMESPACE);
	xml_out_str(&out, root, "version", BCD_VERSION);
	xml_out_bool(&out, root, "bootableSystemStateBackup",
		     s->bootable_system_state);
	xml_out_bool(&out, root, "selectComponents", s->select_components);
	xml_out_required(&out, root, "backupType",
			 vss_backup_type_str(s->backup_type));
	xml_out_bool(&out, root, "partialFileSupport",
		     s->partial_file_support);
	xml_out_id(&out, root, "snapshotSetId", &bcd->snapshot_set_id);
	if (bcd->restore_type != VSS_RTYPE_UNDEFINED)
		xml_out_required(&out, root, "restoreType",
				 vss_restore_type_str(bcd->restore_type));
	if (bcd->context)
		xml_out_u32(&out, root, "context", (uint32_t)bcd->context);
	for (i = 0; i < bcd->writer_count; i++)
		save_writer(&out, root, bcd->writers[i]);
	save_set_description(&out, root, bcd);
	xml_out_extra(&out, root, bcd->root_extra);
	return xml_out_finish(&out, ret_xml, ret_len);
}
