/*
 * lib/metadata/model.h - the in-memory form of the two documents, shared by
 * the model functions (wmd.c, bcd.c) and the XML codec (wmd_xml.c,
 * bcd_xml.c).  Public structures are embedded so that accessors can hand
 * out borrowed pointers; strings in them are owned by the document (the
 * const in the public view is dropped only here, to free them).
 */
#ifndef VSS_METADATA_MODEL_H
#define VSS_METADATA_MODEL_H

#include <vss/metadata.h>

/* xml_extra.c: unknown attributes and elements, kept for round trips. */
void xml_extra_free(struct vss_xml_extra *extra);

/* Free the strings of a file set / mapping and their extra (not the struct). */
void file_desc_release(struct vss_file_desc *d);
void location_mapping_release(struct vss_location_mapping *m);
/*
 * Append a copy of a mapping to a list (the writer's alternate location
 * mappings, a component's mappings and new targets): 0, -EINVAL when a
 * string is missing, -ENOMEM with the list unchanged but maybe grown.
 */
int location_mapping_append(struct vss_location_mapping **items, size_t *count,
			    size_t *cap, const char *path, const char *filespec,
			    bool recursive, const char *destination);

struct wm_component {
	struct vss_wm_component pub;
	size_t files_cap;
	size_t database_files_cap;
	size_t log_files_cap;
	size_t dependencies_cap;
};

struct vss_wmd {
	struct vss_writer_identity identity;
	uint32_t backup_schema;
	bool has_restore_method;
	struct vss_restore_method_info restore_method;

	struct vss_location_mapping *mappings;
	size_t mapping_count, mapping_cap;
	struct vss_file_desc *excludes;
	size_t exclude_count, exclude_cap;
	struct vss_file_desc *snapshot_excludes;
	size_t snapshot_exclude_count, snapshot_exclude_cap;
	/* Pointers, so that borrowed components survive growth. */
	struct wm_component **components;
	size_t component_count, component_cap;

	/* Unknown XML per element that has no public struct of its own. */
	struct vss_xml_extra *root_extra;             /* WRITER_METADATA */
	struct vss_xml_extra *identification_extra;   /* IDENTIFICATION */
	struct vss_xml_extra *restore_method_extra;   /* RESTORE_METHOD */
	struct vss_xml_extra *backup_locations_extra; /* BACKUP_LOCATIONS */
};

/* Component lookup shared by the model and the codec; NULL if absent. */
struct wm_component *wmd_find(const vss_wmd *wmd, const char *logical_path,
			      const char *name);

/* Logical paths: NULL and "" are the top level and compare equal. */
bool logical_path_equal(const char *a, const char *b);

struct vss_bcd_component {
	enum vss_component_type type;
	char *logical_path; /* NULL at top level */
	char *name;
	char *text[VSS_TEXT_COUNT];
	bool backup_succeeded;
	bool selected_for_restore;
	bool additional_restores;
	bool authoritative_restore;
	enum vss_rollforward_type rollforward_type;
	enum vss_restore_target restore_target;
	enum vss_file_restore_status file_restore_status;
	struct vss_component_failure failure; /* message owned */

	struct vss_restore_subcomponent *subcomponents;
	size_t subcomponent_count, subcomponent_cap;
	struct vss_location_mapping *mappings;
	size_t mapping_count, mapping_cap;
	struct vss_location_mapping *new_targets;
	size_t new_target_count, new_target_cap;
	struct vss_directed_target *directed;
	size_t directed_count, directed_cap;
	struct vss_partial_file *partials;
	size_t partial_count, partial_cap;
	struct vss_differenced_file *differenced;
	size_t differenced_count, differenced_cap;

	struct vss_xml_extra *extra; /* COMPONENT */
	/* Per text field kept as a child element (e.g. BACKUP_METADATA). */
	struct vss_xml_extra *text_extra[VSS_TEXT_COUNT];
};

struct vss_bcd_writer {
	vss_id class_id;
	vss_id instance_id;
	char *instance_name;
	uint32_t backup_schema;
	struct vss_bcd_component **components;
	size_t component_count, component_cap;
	struct vss_xml_extra *extra; /* WRITER_COMPONENTS */
};

struct vss_bcd {
	struct vss_backup_state state;
	enum vss_restore_type restore_type;
	int32_t context;
	vss_id snapshot_set_id;
	struct vss_bcd_writer **writers;
	size_t writer_count, writer_cap;
	struct vss_snapshot_desc *snapshots;
	size_t snapshot_count, snapshot_cap;

	struct vss_xml_extra *root_extra;     /* BACKUP_COMPONENTS */
	struct vss_xml_extra *set_desc_extra; /* SNAPSHOT_SET_DESCRIPTION */
};

#endif
