/*
 * lib/metadata/bcd.c - the Backup Components Document model: global backup
 * and restore state, writer entries, their explicitly included components
 * with the properties requester and writers annotate, and the snapshot set
 * description.  The XML form lives in bcd_xml.c.
 *
 * Every setter validates all of its arguments and makes all of its copies
 * before it touches the document, so a failed call leaves it unchanged.
 */
#include "metadata/model.h"
#include "util/array.h"

#include <vss/status.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* True when v is one of the values lo..hi of an enumeration. */
static bool
enum_in_range(int v, int lo, int hi)
{
	return v >= lo && v <= hi;
}

static void
extra_free(const struct vss_xml_extra *extra)
{
	xml_extra_free((struct vss_xml_extra *)extra);
}

/* ---- List entries: release and add, one pair per shape ---------------- */

static void
subcomponent_release(struct vss_restore_subcomponent *s)
{
	str_free(s->logical_path);
	str_free(s->name);
	extra_free(s->extra);
}

static void
directed_target_release(struct vss_directed_target *t)
{
	str_free(t->source_path);
	str_free(t->source_file);
	str_free(t->source_ranges);
	str_free(t->destination_path);
	str_free(t->destination_file);
	str_free(t->destination_ranges);
	extra_free(t->extra);
}

static void
partial_file_release(struct vss_partial_file *f)
{
	str_free(f->path);
	str_free(f->filename);
	str_free(f->ranges);
	str_free(f->metadata);
	extra_free(f->extra);
}

static void
differenced_file_release(struct vss_differenced_file *f)
{
	str_free(f->path);
	str_free(f->filespec);
	str_free(f->lsn);
	extra_free(f->extra);
}

static void
snapshot_desc_release(struct vss_snapshot_desc *d)
{
	str_free(d->original_volume);
	str_free(d->snapshot_device);
	str_free(d->originating_machine);
	extra_free(d->extra);
}

/* ---- Components ------------------------------------------------------- */

static void
component_free(struct vss_bcd_component *c)
{
	size_t i;

	if (!c)
		return;
	free(c->logical_path);
	free(c->name);
	for (i = 0; i < VSS_TEXT_COUNT; i++) {
		free(c->text[i]);
		xml_extra_free(c->text_extra[i]);
	}
	str_free(c->failure.message);
	for (i = 0; i < c->subcomponent_count; i++)
		subcomponent_release(&c->subcomponents[i]);
	free(c->subcomponents);
	for (i = 0; i < c->mapping_count; i++)
		location_mapping_release(&c->mappings[i]);
	free(c->mappings);
	for (i = 0; i < c->new_target_count; i++)
		location_mapping_release(&c->new_targets[i]);
	free(c->new_targets);
	for (i = 0; i < c->directed_count; i++)
		directed_target_release(&c->directed[i]);
	free(c->directed);
	for (i = 0; i < c->partial_count; i++)
		partial_file_release(&c->partials[i]);
	free(c->partials);
	for (i = 0; i < c->differenced_count; i++)
		differenced_file_release(&c->differenced[i]);
	free(c->differenced);
	xml_extra_free(c->extra);
	free(c);
}

static void
writer_free(struct vss_bcd_writer *w)
{
	size_t i;

	if (!w)
		return;
	free(w->instance_name);
	for (i = 0; i < w->component_count; i++)
		component_free(w->components[i]);
	free(w->components);
	xml_extra_free(w->extra);
	free(w);
}

/* ---- The document ------------------------------------------------------ */

int
vss_bcd_new(vss_bcd **ret)
{
	vss_bcd *bcd;

	if (!ret)
		return -EINVAL;
	bcd = calloc(1, sizeof(*bcd));
	if (!bcd)
		return -ENOMEM;
	/* calloc gives false flags, context 0 and the null snapshot set id. */
	bcd->state.backup_type = VSS_BT_FULL;
	bcd->restore_type = VSS_RTYPE_UNDEFINED;
	*ret = bcd;
	return 0;
}

void
vss_bcd_free(vss_bcd *bcd)
{
	size_t i;

	if (!bcd)
		return;
	for (i = 0; i < bcd->writer_count; i++)
		writer_free(bcd->writers[i]);
	free(bcd->writers);
	for (i = 0; i < bcd->snapshot_count; i++)
		snapshot_desc_release(&bcd->snapshots[i]);
	free(bcd->snapshots);
	xml_extra_free(bcd->root_extra);
	xml_extra_free(bcd->set_desc_extra);
	free(bcd);
}

int
vss_bcd_set_backup_state(vss_bcd *bcd, const struct vss_backup_state *s)
{
	if (!bcd || !s)
		return -EINVAL;
	if (!enum_in_range((int)s->backup_type, VSS_BT_FULL, VSS_BT_OTHER))
		return -EINVAL;
	bcd->state = *s;
	return 0;
}

const struct vss_backup_state *
vss_bcd_backup_state(const vss_bcd *bcd)
{
	return bcd ? &bcd->state : NULL;
}

int
vss_bcd_set_restore_type(vss_bcd *bcd, enum vss_restore_type type)
{
	if (!bcd)
		return -EINVAL;
	/* UNDEFINED is the default and is valid: writers read it as BY_COPY. */
	if (!enum_in_range((int)type, VSS_RTYPE_UNDEFINED, VSS_RTYPE_OTHER))
		return -EINVAL;
	bcd->restore_type = type;
	return 0;
}

enum vss_restore_type
vss_bcd_restore_type(const vss_bcd *bcd)
{
	return bcd ? bcd->restore_type : VSS_RTYPE_UNDEFINED;
}

int
vss_bcd_set_context(vss_bcd *bcd, int32_t context)
{
	if (!bcd)
		return -EINVAL;
	bcd->context = context;
	return 0;
}

int32_t
vss_bcd_context(const vss_bcd *bcd)
{
	return bcd ? bcd->context : 0;
}

int
vss_bcd_set_snapshot_set_id(vss_bcd *bcd, const vss_id *id)
{
	if (!bcd || !id)
		return -EINVAL;
	bcd->snapshot_set_id = *id;
	return 0;
}

const vss_id *
vss_bcd_snapshot_set_id(const vss_bcd *bcd)
{
	return bcd ? &bcd->snapshot_set_id : NULL;
}

int
vss_bcd_add_snapshot_desc(vss_bcd *bcd, const struct vss_snapshot_desc *d)
{
	struct vss_snapshot_desc copy;

	if (!bcd || !d || !d->original_volume)
		return -EINVAL;
	if (ARRAY_RESERVE(bcd->snapshots, bcd->snapshot_count,
			  bcd->snapshot_cap) < 0)
		return -ENOMEM;
	/* The caller's extra is not ours to keep: only the codec sets one. */
	copy = (struct vss_snapshot_desc){
		.snapshot_id = d->snapshot_id,
		.provider_id = d->provider_id,
		.attributes = d->attributes,
		.created = d->created,
	};
	if (str_copy(&copy.original_volume, d->original_volume) < 0 ||
	    str_copy(&copy.snapshot_device, d->snapshot_device) < 0 ||
	    str_copy(&copy.originating_machine, d->originating_machine) < 0) {
		snapshot_desc_release(&copy);
		return -ENOMEM;
	}
	bcd->snapshots[bcd->snapshot_count++] = copy;
	return 0;
}

size_t
vss_bcd_snapshot_desc_count(const vss_bcd *bcd)
{
	return bcd ? bcd->snapshot_count : 0;
}

const struct vss_snapshot_desc *
vss_bcd_snapshot_desc(const vss_bcd *bcd, size_t index)
{
	if (!bcd || index >= bcd->snapshot_count)
		return NULL;
	return &bcd->snapshots[index];
}

/* ---- Writer entries ---------------------------------------------------- */

int
vss_bcd_add_writer(vss_bcd *bcd, const vss_id *class_id,
		   const vss_id *instance_id, const char *instance_name,
		   uint32_t backup_schema, vss_bcd_writer **ret)
{
	struct vss_bcd_writer *w;

	if (!bcd || !class_id || !instance_id || !ret)
		return -EINVAL;
	w = vss_bcd_find_writer(bcd, class_id, instance_id);
	if (w) {
		*ret = w;
		return 0;
	}
	if (ARRAY_RESERVE(bcd->writers, bcd->writer_count, bcd->writer_cap) < 0)
		return -ENOMEM;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	if (str_dup_opt(&w->instance_name, instance_name) < 0) {
		free(w);
		return -ENOMEM;
	}
	w->class_id = *class_id;
	w->instance_id = *instance_id;
	w->backup_schema = backup_schema;
	bcd->writers[bcd->writer_count++] = w;
	*ret = w;
	return 0;
}

size_t
vss_bcd_writer_count(const vss_bcd *bcd)
{
	return bcd ? bcd->writer_count : 0;
}

vss_bcd_writer *
vss_bcd_writer_at(const vss_bcd *bcd, size_t index)
{
	if (!bcd || index >= bcd->writer_count)
		return NULL;
	return bcd->writers[index];
}

vss_bcd_writer *
vss_bcd_find_writer(const vss_bcd *bcd, const vss_id *class_id,
		    const vss_id *instance_id)
{
	struct vss_bcd_writer *w;
	size_t i;

	if (!bcd || !class_id)
		return NULL;
	for (i = 0; i < bcd->writer_count; i++) {
		w = bcd->writers[i];
		if (!vss_id_equal(&w->class_id, class_id))
			continue;
		if (!instance_id || vss_id_equal(&w->instance_id, instance_id))
			return w;
	}
	return NULL;
}

const vss_id *
vss_bcd_writer_class_id(const vss_bcd_writer *w)
{
	return w ? &w->class_id : NULL;
}

const vss_id *
vss_bcd_writer_instance_id(const vss_bcd_writer *w)
{
	return w ? &w->instance_id : NULL;
}

const char *
vss_bcd_writer_instance_name(const vss_bcd_writer *w)
{
	return w ? w->instance_name : NULL;
}

uint32_t
vss_bcd_writer_backup_schema(const vss_bcd_writer *w)
{
	return w ? w->backup_schema : 0;
}

/* The component of the entry with that (logical path, name), or NULL. */
static struct vss_bcd_component *
writer_find(const struct vss_bcd_writer *w, const char *logical_path,
	    const char *name)
{
	struct vss_bcd_component *c;
	size_t i;

	for (i = 0; i < w->component_count; i++) {
		c = w->components[i];
		if (strcmp(c->name, name) == 0 &&
		    logical_path_equal(c->logical_path, logical_path))
			return c;
	}
	return NULL;
}

int
vss_bcd_writer_add_component(vss_bcd_writer *w, enum vss_component_type type,
			     const char *logical_path, const char *name,
			     vss_bcd_component **ret)
{
	struct vss_bcd_component *c;

	if (!w || !name || !ret)
		return -EINVAL;
	/* The top level is stored as NULL, whichever way it was spelled. */
	if (logical_path && !logical_path[0])
		logical_path = NULL;
	if (type != VSS_CT_DATABASE && type != VSS_CT_FILEGROUP)
		return -EINVAL;
	if (!name[0] || strchr(name, '\\'))
		return -EINVAL;
	/* MD-011, BK-014: the pair is unique whatever the type. */
	if (writer_find(w, logical_path, name))
		return VSS_E_OBJECT_ALREADY_EXISTS;
	if (ARRAY_RESERVE(w->components, w->component_count,
			  w->component_cap) < 0)
		return -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->type = type;
	c->restore_target = VSS_RT_ORIGINAL;
	c->file_restore_status = VSS_RS_UNDEFINED;
	c->rollforward_type = VSS_RF_UNDEFINED;
	if (str_dup_opt(&c->logical_path, logical_path) < 0 ||
	    str_dup_opt(&c->name, name) < 0) {
		component_free(c);
		return -ENOMEM;
	}
	w->components[w->component_count++] = c;
	*ret = c;
	return 0;
}

size_t
vss_bcd_writer_component_count(const vss_bcd_writer *w)
{
	return w ? w->component_count : 0;
}

vss_bcd_component *
vss_bcd_writer_component(const vss_bcd_writer *w, size_t index)
{
	if (!w || index >= w->component_count)
		return NULL;
	return w->components[index];
}

vss_bcd_component *
vss_bcd_writer_find_component(const vss_bcd_writer *w,
			      enum vss_component_type type,
			      const char *logical_path, const char *name)
{
	struct vss_bcd_component *c;

	if (!w || !name)
		return NULL;
	c = writer_find(w, logical_path, name);
	return c && c->type == type ? c : NULL;
}

/* ---- Component properties ---------------------------------------------- */

enum vss_component_type
vss_bcd_component_type(const vss_bcd_component *c)
{
	return c ? c->type : VSS_CT_UNDEFINED;
}

const char *
vss_bcd_component_logical_path(const vss_bcd_component *c)
{
	return c ? c->logical_path : NULL;
}

const char *
vss_bcd_component_name(const vss_bcd_component *c)
{
	return c ? c->name : NULL;
}

static bool
text_field_valid(enum vss_component_text field)
{
	return enum_in_range((int)field, 0, VSS_TEXT_COUNT - 1);
}

/* Replace or clear (NULL) one text field; 0 or -ENOMEM. */
static int
text_set(struct vss_bcd_component *c, enum vss_component_text field,
	 const char *value)
{
	int r;

	r = str_replace(&c->text[field], value);
	if (r < 0)
		return r;
	/*
	 * A cleared field has no element in the document any more, so the
	 * unknown XML kept with that element goes with it.
	 */
	if (!value) {
		xml_extra_free(c->text_extra[field]);
		c->text_extra[field] = NULL;
	}
	return 0;
}

int
vss_bcd_component_set_text(vss_bcd_component *c, enum vss_component_text field,
			   const char *value)
{
	if (!c || !text_field_valid(field))
		return -EINVAL;
	return text_set(c, field, value);
}

const char *
vss_bcd_component_text(const vss_bcd_component *c,
		       enum vss_component_text field)
{
	if (!c || !text_field_valid(field))
		return NULL;
	return c->text[field];
}

int
vss_bcd_component_set_backup_succeeded(vss_bcd_component *c, bool ok)
{
	if (!c)
		return -EINVAL;
	c->backup_succeeded = ok;
	return 0;
}

bool
vss_bcd_component_backup_succeeded(const vss_bcd_component *c)
{
	return c && c->backup_succeeded;
}

int
vss_bcd_component_set_selected_for_restore(vss_bcd_component *c, bool on)
{
	if (!c)
		return -EINVAL;
	c->selected_for_restore = on;
	return 0;
}

bool
vss_bcd_component_selected_for_restore(const vss_bcd_component *c)
{
	return c && c->selected_for_restore;
}

int
vss_bcd_component_set_additional_restores(vss_bcd_component *c, bool on)
{
	if (!c)
		return -EINVAL;
	c->additional_restores = on;
	return 0;
}

bool
vss_bcd_component_additional_restores(const vss_bcd_component *c)
{
	return c && c->additional_restores;
}

int
vss_bcd_component_set_authoritative_restore(vss_bcd_component *c, bool on)
{
	if (!c)
		return -EINVAL;
	c->authoritative_restore = on;
	return 0;
}

bool
vss_bcd_component_authoritative_restore(const vss_bcd_component *c)
{
	return c && c->authoritative_restore;
}

int
vss_bcd_component_set_rollforward(vss_bcd_component *c,
				  enum vss_rollforward_type type,
				  const char *point)
{
	int r;

	if (!c)
		return -EINVAL;
	if (!enum_in_range((int)type, VSS_RF_NONE, VSS_RF_PARTIAL))
		return -EINVAL;
	r = text_set(c, VSS_TEXT_ROLLFORWARD_POINT, point);
	if (r < 0)
		return r;
	c->rollforward_type = type;
	return 0;
}

enum vss_rollforward_type
vss_bcd_component_rollforward_type(const vss_bcd_component *c)
{
	return c ? c->rollforward_type : VSS_RF_UNDEFINED;
}

int
vss_bcd_component_set_restore_target(vss_bcd_component *c,
				     enum vss_restore_target target)
{
	if (!c)
		return -EINVAL;
	/* RS-062: VSS_RT_NEW is gone; only the four live targets are valid. */
	if (!enum_in_range((int)target, VSS_RT_ORIGINAL,
			   VSS_RT_ORIGINAL_LOCATION))
		return -EINVAL;
	c->restore_target = target;
	return 0;
}

enum vss_restore_target
vss_bcd_component_restore_target(const vss_bcd_component *c)
{
	return c ? c->restore_target : VSS_RT_UNDEFINED;
}

int
vss_bcd_component_set_file_restore_status(vss_bcd_component *c,
					  enum vss_file_restore_status status)
{
	if (!c)
		return -EINVAL;
	if (!enum_in_range((int)status, VSS_RS_UNDEFINED, VSS_RS_FAILED))
		return -EINVAL;
	c->file_restore_status = status;
	return 0;
}

enum vss_file_restore_status
vss_bcd_component_file_restore_status(const vss_bcd_component *c)
{
	return c ? c->file_restore_status : VSS_RS_UNDEFINED;
}

/* ER-012: success, or one of the writer error codes. */
static bool
failure_status_valid(int32_t status)
{
	switch (status) {
	case VSS_OK:
	case VSS_E_WRITERERROR_PARTIAL_FAILURE:
	case VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT:
	case VSS_E_WRITERERROR_OUTOFRESOURCES:
	case VSS_E_WRITERERROR_TIMEOUT:
	case VSS_E_WRITERERROR_RETRYABLE:
	case VSS_E_WRITERERROR_NONRETRYABLE:
	case VSS_E_WRITERERROR_RECOVERY_FAILED:
		return true;
	default:
		return false;
	}
}

int
vss_bcd_component_set_failure(vss_bcd_component *c,
			      const struct vss_component_failure *f)
{
	const char *message;

	if (!c || !f || !failure_status_valid(f->status))
		return -EINVAL;
	if (str_copy(&message, f->message) < 0)
		return -ENOMEM;
	str_free(c->failure.message);
	c->failure.status = f->status;
	c->failure.application_status = f->application_status;
	c->failure.message = message;
	return 0;
}

const struct vss_component_failure *
vss_bcd_component_failure(const vss_bcd_component *c)
{
	return c ? &c->failure : NULL;
}

/* ---- Component lists --------------------------------------------------- */

int
vss_bcd_component_add_restore_subcomponent(vss_bcd_component *c,
					   const char *logical_path,
					   const char *name, bool repair)
{
	struct vss_restore_subcomponent s = { .repair = repair };

	/* RS-022: a subcomponent's logical path is mandatory. */
	if (!c || !logical_path || !name)
		return -EINVAL;
	if (ARRAY_RESERVE(c->subcomponents, c->subcomponent_count,
			  c->subcomponent_cap) < 0)
		return -ENOMEM;
	if (str_copy(&s.logical_path, logical_path) < 0 ||
	    str_copy(&s.name, name) < 0) {
		subcomponent_release(&s);
		return -ENOMEM;
	}
	c->subcomponents[c->subcomponent_count++] = s;
	return 0;
}

size_t
vss_bcd_component_restore_subcomponent_count(const vss_bcd_component *c)
{
	return c ? c->subcomponent_count : 0;
}

bool
vss_bcd_component_restoring(const vss_bcd_component *c)
{
	return c && (c->selected_for_restore || c->subcomponent_count > 0);
}

const struct vss_restore_subcomponent *
vss_bcd_component_restore_subcomponent(const vss_bcd_component *c, size_t i)
{
	if (!c || i >= c->subcomponent_count)
		return NULL;
	return &c->subcomponents[i];
}

int
vss_bcd_component_add_alternate_location_mapping(vss_bcd_component *c,
						 const char *path,
						 const char *filespec,
						 bool recursive,
						 const char *destination)
{
	if (!c)
		return -EINVAL;
	return location_mapping_append(&c->mappings, &c->mapping_count,
				       &c->mapping_cap, path, filespec,
				       recursive, destination);
}

size_t
vss_bcd_component_alternate_location_mapping_count(const vss_bcd_component *c)
{
	return c ? c->mapping_count : 0;
}

const struct vss_location_mapping *
vss_bcd_component_alternate_location_mapping(const vss_bcd_component *c,
					     size_t i)
{
	if (!c || i >= c->mapping_count)
		return NULL;
	return &c->mappings[i];
}

int
vss_bcd_component_add_new_target(vss_bcd_component *c, const char *path,
				 const char *filespec, bool recursive,
				 const char *destination)
{
	if (!c)
		return -EINVAL;
	return location_mapping_append(&c->new_targets, &c->new_target_count,
				       &c->new_target_cap, path, filespec,
				       recursive, destination);
}

size_t
vss_bcd_component_new_target_count(const vss_bcd_component *c)
{
	return c ? c->new_target_count : 0;
}

const struct vss_location_mapping *
vss_bcd_component_new_target(const vss_bcd_component *c, size_t i)
{
	if (!c || i >= c->new_target_count)
		return NULL;
	return &c->new_targets[i];
}

int
vss_bcd_component_add_directed_target(vss_bcd_component *c,
				      const struct vss_directed_target *t)
{
	struct vss_directed_target copy = { 0 };

	if (!c || !t || !t->source_path || !t->source_file ||
	    !t->source_ranges || !t->destination_path ||
	    !t->destination_file || !t->destination_ranges)
		return -EINVAL;
	if (ARRAY_RESERVE(c->directed, c->directed_count, c->directed_cap) < 0)
		return -ENOMEM;
	if (str_copy(&copy.source_path, t->source_path) < 0 ||
	    str_copy(&copy.source_file, t->source_file) < 0 ||
	    str_copy(&copy.source_ranges, t->source_ranges) < 0 ||
	    str_copy(&copy.destination_path, t->destination_path) < 0 ||
	    str_copy(&copy.destination_file, t->destination_file) < 0 ||
	    str_copy(&copy.destination_ranges, t->destination_ranges) < 0) {
		directed_target_release(&copy);
		return -ENOMEM;
	}
	c->directed[c->directed_count++] = copy;
	return 0;
}

size_t
vss_bcd_component_directed_target_count(const vss_bcd_component *c)
{
	return c ? c->directed_count : 0;
}

const struct vss_directed_target *
vss_bcd_component_directed_target(const vss_bcd_component *c, size_t i)
{
	if (!c || i >= c->directed_count)
		return NULL;
	return &c->directed[i];
}

int
vss_bcd_component_add_partial_file(vss_bcd_component *c,
				   const struct vss_partial_file *f)
{
	struct vss_partial_file copy = { 0 };

	if (!c || !f || !f->path || !f->filename || !f->ranges)
		return -EINVAL;
	if (ARRAY_RESERVE(c->partials, c->partial_count, c->partial_cap) < 0)
		return -ENOMEM;
	if (str_copy(&copy.path, f->path) < 0 ||
	    str_copy(&copy.filename, f->filename) < 0 ||
	    str_copy(&copy.ranges, f->ranges) < 0 ||
	    str_copy(&copy.metadata, f->metadata) < 0) {
		partial_file_release(&copy);
		return -ENOMEM;
	}
	c->partials[c->partial_count++] = copy;
	return 0;
}

size_t
vss_bcd_component_partial_file_count(const vss_bcd_component *c)
{
	return c ? c->partial_count : 0;
}

const struct vss_partial_file *
vss_bcd_component_partial_file(const vss_bcd_component *c, size_t i)
{
	if (!c || i >= c->partial_count)
		return NULL;
	return &c->partials[i];
}

int
vss_bcd_component_add_differenced_file(vss_bcd_component *c,
				       const struct vss_differenced_file *f)
{
	struct vss_differenced_file copy;

	if (!c || !f || !f->path || !f->filespec)
		return -EINVAL;
	if (ARRAY_RESERVE(c->differenced, c->differenced_count,
			  c->differenced_cap) < 0)
		return -ENOMEM;
	copy = (struct vss_differenced_file){
		.recursive = f->recursive,
		.last_modify_time = f->last_modify_time,
	};
	if (str_copy(&copy.path, f->path) < 0 ||
	    str_copy(&copy.filespec, f->filespec) < 0 ||
	    str_copy(&copy.lsn, f->lsn) < 0) {
		differenced_file_release(&copy);
		return -ENOMEM;
	}
	c->differenced[c->differenced_count++] = copy;
	return 0;
}

size_t
vss_bcd_component_differenced_file_count(const vss_bcd_component *c)
{
	return c ? c->differenced_count : 0;
}

const struct vss_differenced_file *
vss_bcd_component_differenced_file(const vss_bcd_component *c, size_t i)
{
	if (!c || i >= c->differenced_count)
		return NULL;
	return &c->differenced[i];
}
