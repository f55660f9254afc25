/*
 * cli/show_metadata.c - every field of a Writer Metadata Document or a
 * Backup Components Document through the output layer, in the schema of
 * docs/cli-json.md.  "vss metadata", "vss writer-metadata" and
 * "vss list writers --verbose" show documents this way.
 */
#include <assert.h>
#include <stdlib.h>

#include <vss/metadata.h>

#include "output.h"
#include "show_metadata.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shared pieces ---------------------------------------------------- */

/*
 * The list under key: show(o, at(obj, i)) for each of the count(obj)
 * items.  A macro because the accessors differ in type from list to list.
 */
#define SHOW_LIST(o, key, obj, count, at, show)                                \
	do {                                                                   \
		size_t n_ = count(obj);                                        \
		output_begin_list(o, key);                                     \
		for (size_t i_ = 0; i_ < n_; i_++)                             \
			show(o, at(obj, i_));                                  \
		output_end_list(o);                                            \
	} while (0)

static const struct output_flag backup_schema_names[] = {
	{VSS_BS_DIFFERENTIAL, "DIFFERENTIAL"},
	{VSS_BS_INCREMENTAL, "INCREMENTAL"},
	{VSS_BS_EXCLUSIVE_INCREMENTAL_DIFFERENTIAL,
	 "EXCLUSIVE_INCREMENTAL_DIFFERENTIAL"},
	{VSS_BS_LOG, "LOG"},
	{VSS_BS_COPY, "COPY"},
	{VSS_BS_TIMESTAMPED, "TIMESTAMPED"},
	{VSS_BS_LAST_MODIFY, "LAST_MODIFY"},
	{VSS_BS_LSN, "LSN"},
	{VSS_BS_WRITER_SUPPORTS_NEW_TARGET, "WRITER_SUPPORTS_NEW_TARGET"},
	{VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE,
	 "WRITER_SUPPORTS_RESTORE_WITH_MOVE"},
	{VSS_BS_INDEPENDENT_SYSTEM_STATE, "INDEPENDENT_SYSTEM_STATE"},
	{VSS_BS_ROLLFORWARD_RESTORE, "ROLLFORWARD_RESTORE"},
	{VSS_BS_RESTORE_RENAME, "RESTORE_RENAME"},
	{VSS_BS_AUTHORITATIVE_RESTORE, "AUTHORITATIVE_RESTORE"},
	{VSS_BS_WRITER_SUPPORTS_PARALLEL_RESTORES,
	 "WRITER_SUPPORTS_PARALLEL_RESTORES"},
	{0, NULL},
};

/* The groups first, so that the default mask reads as two names. */
static const struct output_flag file_spec_backup_type_names[] = {
	{VSS_FSBT_ALL_BACKUP_REQUIRED, "ALL_BACKUP_REQUIRED"},
	{VSS_FSBT_ALL_SNAPSHOT_REQUIRED, "ALL_SNAPSHOT_REQUIRED"},
	{VSS_FSBT_FULL_BACKUP_REQUIRED, "FULL_BACKUP_REQUIRED"},
	{VSS_FSBT_DIFFERENTIAL_BACKUP_REQUIRED,
	 "DIFFERENTIAL_BACKUP_REQUIRED"},
	{VSS_FSBT_INCREMENTAL_BACKUP_REQUIRED, "INCREMENTAL_BACKUP_REQUIRED"},
	{VSS_FSBT_LOG_BACKUP_REQUIRED, "LOG_BACKUP_REQUIRED"},
	{VSS_FSBT_FULL_SNAPSHOT_REQUIRED, "FULL_SNAPSHOT_REQUIRED"},
	{VSS_FSBT_DIFFERENTIAL_SNAPSHOT_REQUIRED,
	 "DIFFERENTIAL_SNAPSHOT_REQUIRED"},
	{VSS_FSBT_INCREMENTAL_SNAPSHOT_REQUIRED,
	 "INCREMENTAL_SNAPSHOT_REQUIRED"},
	{VSS_FSBT_LOG_SNAPSHOT_REQUIRED, "LOG_SNAPSHOT_REQUIRED"},
	{VSS_FSBT_CREATED_DURING_BACKUP, "CREATED_DURING_BACKUP"},
	{0, NULL},
};

static const struct output_flag component_flag_names[] = {
	{VSS_CF_BACKUP_RECOVERY, "BACKUP_RECOVERY"},
	{VSS_CF_APP_ROLLBACK_RECOVERY, "APP_ROLLBACK_RECOVERY"},
	{VSS_CF_NOT_SYSTEM_STATE, "NOT_SYSTEM_STATE"},
	{0, NULL},
};

/* JSON names of the opaque strings of a BCD component. */
static const char *const component_text_keys[] = {
	[VSS_TEXT_BACKUP_OPTIONS] = "backup_options",
	[VSS_TEXT_RESTORE_OPTIONS] = "restore_options",
	[VSS_TEXT_BACKUP_STAMP] = "backup_stamp",
	[VSS_TEXT_PREVIOUS_BACKUP_STAMP] = "previous_backup_stamp",
	[VSS_TEXT_RECEIVED_BACKUP_STAMP] = "received_backup_stamp",
	[VSS_TEXT_BACKUP_METADATA] = "backup_metadata",
	[VSS_TEXT_RESTORE_METADATA] = "restore_metadata",
	[VSS_TEXT_PREPARE_BACKUP_FAILURE_MSG] = "prepare_backup_failure_msg",
	[VSS_TEXT_POST_SNAPSHOT_FAILURE_MSG] = "post_snapshot_failure_msg",
	[VSS_TEXT_PRE_RESTORE_FAILURE_MSG] = "pre_restore_failure_msg",
	[VSS_TEXT_POST_RESTORE_FAILURE_MSG] = "post_restore_failure_msg",
	[VSS_TEXT_RESTORE_NAME] = "restore_name",
	[VSS_TEXT_ROLLFORWARD_POINT] = "rollforward_point",
	[VSS_TEXT_RANGES_FILE_PATH] = "ranges_file_path",
};
static_assert(ARRAY_SIZE(component_text_keys) == VSS_TEXT_COUNT,
	      "one key per enum vss_component_text value");

static void
show_file_desc(struct output *o, const struct vss_file_desc *d)
{
	output_begin_object(o, NULL);
	output_string(o, "path", d->path);
	output_string(o, "filespec", d->filespec);
	output_bool(o, "recursive", d->recursive);
	output_string(o, "alternate_path", d->alternate_path);
	output_flags(o, "backup_type_mask", d->backup_type_mask,
		     file_spec_backup_type_names);
	output_end_object(o);
}

static void
show_file_descs(struct output *o, const char *key,
		const struct vss_file_desc *d, size_t n)
{
	size_t i;

	output_begin_list(o, key);
	for (i = 0; i < n; i++)
		show_file_desc(o, &d[i]);
	output_end_list(o);
}

static void
show_mapping(struct output *o, const struct vss_location_mapping *m)
{
	output_begin_object(o, NULL);
	output_string(o, "path", m->path);
	output_string(o, "filespec", m->filespec);
	output_bool(o, "recursive", m->recursive);
	output_string(o, "destination", m->destination);
	output_end_object(o);
}

/* ---- WMD -------------------------------------------------------------- */

static void
show_identity(struct output *o, const struct vss_writer_identity *id)
{
	output_begin_object(o, "identity");
	output_string(o, "friendly_name", id->friendly_name);
	output_id(o, "class_id", &id->class_id);
	output_id(o, "instance_id", &id->instance_id);
	output_string(o, "instance_name", id->instance_name);
	output_enum(o, "usage", vss_usage_type_str(id->usage), id->usage);
	output_enum(o, "source", vss_source_type_str(id->source), id->source);
	output_int(o, "major_version", id->major_version);
	output_int(o, "minor_version", id->minor_version);
	output_end_object(o);
}

static void
show_restore_method(struct output *o, const struct vss_restore_method_info *m)
{
	if (!m) {
		output_null(o, "restore_method");
		return;
	}
	output_begin_object(o, "restore_method");
	output_enum(o, "method", vss_restore_method_str(m->method), m->method);
	output_string(o, "service", m->service);
	output_string(o, "user_procedure", m->user_procedure);
	output_enum(o, "writer_restore",
		    vss_writer_restore_str(m->writer_restore),
		    m->writer_restore);
	output_bool(o, "reboot_required", m->reboot_required);
	output_end_object(o);
}

static void
show_wm_component(struct output *o, const struct vss_wm_component *c)
{
	const struct vss_component_def *def = &c->def;
	size_t i;

	output_begin_object(o, NULL);
	output_string(o, "logical_path", def->logical_path);
	output_string(o, "name", def->name);
	output_enum(o, "type", vss_component_type_str(def->type), def->type);
	output_string(o, "caption", def->caption);
	output_bytes(o, "icon", def->icon, def->icon_size);
	output_bool(o, "restore_metadata", def->restore_metadata);
	output_bool(o, "notify_on_backup_complete",
		    def->notify_on_backup_complete);
	output_bool(o, "selectable", def->selectable);
	output_bool(o, "selectable_for_restore", def->selectable_for_restore);
	output_flags(o, "flags", def->flags, component_flag_names);
	show_file_descs(o, "files", c->files, c->file_count);
	show_file_descs(o, "database_files", c->database_files,
			c->database_file_count);
	show_file_descs(o, "log_files", c->log_files, c->log_file_count);
	output_begin_list(o, "dependencies");
	for (i = 0; i < c->dependency_count; i++) {
		const struct vss_dependency *d = &c->dependencies[i];

		output_begin_object(o, NULL);
		output_id(o, "writer_id", &d->writer_id);
		output_string(o, "logical_path", d->logical_path);
		output_string(o, "component_name", d->component_name);
		output_end_object(o);
	}
	output_end_list(o);
	output_end_object(o);
}

void
show_wmd(struct output *o, const vss_wmd *wmd)
{
	output_begin_object(o, NULL);
	output_string(o, "type", "wmd");
	show_identity(o, vss_wmd_identity(wmd));
	output_flags(o, "backup_schema", vss_wmd_backup_schema(wmd),
		     backup_schema_names);
	show_restore_method(o, vss_wmd_restore_method(wmd));

	SHOW_LIST(o, "alternate_location_mappings", wmd,
		  vss_wmd_alternate_location_mapping_count,
		  vss_wmd_alternate_location_mapping, show_mapping);
	SHOW_LIST(o, "exclude_files", wmd, vss_wmd_exclude_files_count,
		  vss_wmd_exclude_files, show_file_desc);
	SHOW_LIST(o, "exclude_files_from_snapshot", wmd,
		  vss_wmd_exclude_from_snapshot_count,
		  vss_wmd_exclude_from_snapshot, show_file_desc);
	SHOW_LIST(o, "components", wmd, vss_wmd_component_count,
		  vss_wmd_component, show_wm_component);
	output_end_object(o);
}

/* ---- BCD -------------------------------------------------------------- */

static void
show_snapshot(struct output *o, const struct vss_snapshot_desc *d)
{
	output_begin_object(o, NULL);
	output_id(o, "snapshot_id", &d->snapshot_id);
	output_id(o, "provider_id", &d->provider_id);
	output_string(o, "original_volume", d->original_volume);
	output_string(o, "snapshot_device", d->snapshot_device);
	output_string(o, "originating_machine", d->originating_machine);
	output_hex(o, "attributes", d->attributes);
	output_timestamp(o, "created", d->created);
	output_end_object(o);
}

/* Null when no failure was set, so that text leaves it out. */
static void
show_failure(struct output *o, const struct vss_component_failure *f)
{
	if (f->status == 0 && f->application_status == 0 && !f->message) {
		output_null(o, "failure");
		return;
	}
	output_begin_object(o, "failure");
	output_status(o, "status", f->status);
	output_hex(o, "application_status", (uint32_t)f->application_status);
	output_string(o, "message", f->message);
	output_end_object(o);
}

static void
show_directed_target(struct output *o, const struct vss_directed_target *t)
{
	output_begin_object(o, NULL);
	output_string(o, "source_path", t->source_path);
	output_string(o, "source_file", t->source_file);
	output_string(o, "source_ranges", t->source_ranges);
	output_string(o, "destination_path", t->destination_path);
	output_string(o, "destination_file", t->destination_file);
	output_string(o, "destination_ranges", t->destination_ranges);
	output_end_object(o);
}

static void
show_partial_file(struct output *o, const struct vss_partial_file *f)
{
	output_begin_object(o, NULL);
	output_string(o, "path", f->path);
	output_string(o, "filename", f->filename);
	output_string(o, "ranges", f->ranges);
	output_string(o, "metadata", f->metadata);
	output_end_object(o);
}

static void
show_differenced_file(struct output *o, const struct vss_differenced_file *f)
{
	output_begin_object(o, NULL);
	output_string(o, "path", f->path);
	output_string(o, "filespec", f->filespec);
	output_bool(o, "recursive", f->recursive);
	output_string(o, "lsn", f->lsn);
	output_timestamp(o, "last_modify_time", f->last_modify_time);
	output_end_object(o);
}

static void
show_restore_subcomponent(struct output *o,
			  const struct vss_restore_subcomponent *s)
{
	output_begin_object(o, NULL);
	output_string(o, "logical_path", s->logical_path);
	output_string(o, "name", s->name);
	output_bool(o, "repair", s->repair);
	output_end_object(o);
}

static void
show_bcd_component_lists(struct output *o, const vss_bcd_component *c)
{
	SHOW_LIST(o, "restore_subcomponents", c,
		  vss_bcd_component_restore_subcomponent_count,
		  vss_bcd_component_restore_subcomponent,
		  show_restore_subcomponent);
	SHOW_LIST(o, "alternate_location_mappings", c,
		  vss_bcd_component_alternate_location_mapping_count,
		  vss_bcd_component_alternate_location_mapping, show_mapping);
	SHOW_LIST(o, "new_targets", c, vss_bcd_component_new_target_count,
		  vss_bcd_component_new_target, show_mapping);
	SHOW_LIST(o, "directed_targets", c,
		  vss_bcd_component_directed_target_count,
		  vss_bcd_component_directed_target, show_directed_target);
	SHOW_LIST(o, "partial_files", c, vss_bcd_component_partial_file_count,
		  vss_bcd_component_partial_file, show_partial_file);
	SHOW_LIST(o, "differenced_files", c,
		  vss_bcd_component_differenced_file_count,
		  vss_bcd_component_differenced_file, show_differenced_file);
}

static void
show_bcd_component(struct output *o, const vss_bcd_component *c)
{
	enum vss_component_type type = vss_bcd_component_type(c);
	enum vss_rollforward_type rf = vss_bcd_component_rollforward_type(c);
	enum vss_restore_target target = vss_bcd_component_restore_target(c);
	enum vss_file_restore_status frs =
		vss_bcd_component_file_restore_status(c);
	size_t i;

	output_begin_object(o, NULL);
	output_string(o, "logical_path", vss_bcd_component_logical_path(c));
	output_string(o, "name", vss_bcd_component_name(c));
	output_enum(o, "type", vss_component_type_str(type), type);
	output_bool(o, "backup_succeeded",
		    vss_bcd_component_backup_succeeded(c));
	output_bool(o, "selected_for_restore",
		    vss_bcd_component_selected_for_restore(c));
	output_bool(o, "additional_restores",
		    vss_bcd_component_additional_restores(c));
	output_bool(o, "authoritative_restore",
		    vss_bcd_component_authoritative_restore(c));
	output_enum(o, "rollforward_type", vss_rollforward_type_str(rf), rf);
	output_enum(o, "restore_target", vss_restore_target_str(target),
		    target);
	output_enum(o, "file_restore_status",
		    vss_file_restore_status_str(frs), frs);
	for (i = 0; i < VSS_TEXT_COUNT; i++)
		output_string(o, component_text_keys[i],
			      vss_bcd_component_text(
				      c, (enum vss_component_text)i));
	show_failure(o, vss_bcd_component_failure(c));
	show_bcd_component_lists(o, c);
	output_end_object(o);
}

static void
show_bcd_writer(struct output *o, const vss_bcd_writer *w)
{
	output_begin_object(o, NULL);
	output_id(o, "class_id", vss_bcd_writer_class_id(w));
	output_id(o, "instance_id", vss_bcd_writer_instance_id(w));
	output_string(o, "instance_name", vss_bcd_writer_instance_name(w));
	output_flags(o, "backup_schema", vss_bcd_writer_backup_schema(w),
		     backup_schema_names);
	SHOW_LIST(o, "components", w, vss_bcd_writer_component_count,
		  vss_bcd_writer_component, show_bcd_component);
	output_end_object(o);
}

void
show_bcd(struct output *o, const vss_bcd *bcd)
{
	const struct vss_backup_state *st = vss_bcd_backup_state(bcd);
	enum vss_restore_type rt = vss_bcd_restore_type(bcd);

	output_begin_object(o, NULL);
	output_string(o, "type", "bcd");
	output_begin_object(o, "backup_state");
	output_bool(o, "select_components", st->select_components);
	output_bool(o, "bootable_system_state", st->bootable_system_state);
	output_enum(o, "backup_type", vss_backup_type_str(st->backup_type),
		    st->backup_type);
	output_bool(o, "partial_file_support", st->partial_file_support);
	output_end_object(o);
	output_enum(o, "restore_type", vss_restore_type_str(rt), rt);
	output_hex(o, "context", (uint32_t)vss_bcd_context(bcd));
	output_id(o, "snapshot_set_id", vss_bcd_snapshot_set_id(bcd));

	SHOW_LIST(o, "snapshots", bcd, vss_bcd_snapshot_desc_count,
		  vss_bcd_snapshot_desc, show_snapshot);
	SHOW_LIST(o, "writers", bcd, vss_bcd_writer_count, vss_bcd_writer_at,
		  show_bcd_writer);
	output_end_object(o);
}

