/*
 * vss/metadata.h - the Writer Metadata Document (WMD) and the Backup
 * Components Document (BCD), their XML form, component selection and file
 * specifications.
 *
 * A writer builds its WMD with vss_wmd_new() and the vss_wmd_add_*()
 * functions (IVssCreateWriterMetadata); a requester examines it with the
 * accessors (IVssExamineWriterMetadata).  The BCD holds the state of one
 * backup or restore: the requester and the writers read and annotate it.
 * Both documents load from and save to the XML that Windows writes
 * (docs/xml-schema.md).
 *
 * Structures returned by accessors are borrowed from their document: valid
 * until the document is freed or the list they belong to grows.  Their
 * "extra" member is private (XML attributes and elements this version does
 * not model, kept so that a load/save round trip loses nothing).
 *
 * A document is not thread-safe; different documents may be used from
 * different threads.
 */
#ifndef VSS_METADATA_H
#define VSS_METADATA_H

#include <vss/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libvss is built with hidden visibility; what is declared here is exported. */
#pragma GCC visibility push(default)

struct vss_xml_extra; /* private */

/*
 * Where loading failed: the line of the offending element (0 if unknown)
 * and a message naming it, e.g. "line 3: FILE_LIST: attribute 'recursive':
 * bad boolean 'maybe'".
 */
struct vss_error {
	int line;
	char message[480];
};

/* A file set: directory, file name pattern, recursion. */
struct vss_file_desc {
	const char *path;           /* as the writer gave it, never NULL */
	const char *filespec;       /* pattern with '*' and '?', never NULL */
	bool recursive;
	const char *alternate_path; /* backup-time source, or NULL */
	uint32_t backup_type_mask;  /* enum vss_file_spec_backup_type bits */
	const struct vss_xml_extra *extra;
};

/* A writer-level alternate location mapping (restore destination). */
struct vss_location_mapping {
	const char *path;
	const char *filespec;
	bool recursive;
	const char *destination;
	const struct vss_xml_extra *extra;
};

/* A dependency of a component on a component of another writer. */
struct vss_dependency {
	vss_id writer_id;
	const char *logical_path;   /* may start with "\\host\" (remote) */
	const char *component_name;
	const struct vss_xml_extra *extra;
};

/* What a writer declares of one component (VSS_COMPONENTINFO). */
struct vss_component_def {
	enum vss_component_type type;
	const char *logical_path;   /* NULL or "" for the top level */
	const char *name;           /* required, must not contain '\' */
	const char *caption;        /* NULL if none */
	const uint8_t *icon;        /* NULL if none */
	size_t icon_size;
	bool restore_metadata;
	bool notify_on_backup_complete;
	bool selectable;
	bool selectable_for_restore;
	uint32_t flags;             /* enum vss_component_flags bits */
};

/* One component of a WMD, as read back. */
struct vss_wm_component {
	struct vss_component_def def; /* logical_path is NULL at top level */
	size_t file_count;            /* file groups: FILE_LIST */
	const struct vss_file_desc *files;
	size_t database_file_count;   /* databases: DATABASE_FILES */
	const struct vss_file_desc *database_files;
	size_t log_file_count;        /* databases: DATABASE_LOGFILES */
	const struct vss_file_desc *log_files;
	size_t dependency_count;
	const struct vss_dependency *dependencies;
	const struct vss_xml_extra *extra;
};

/* Writer identity (IDENTIFICATION). */
struct vss_writer_identity {
	vss_id class_id;
	vss_id instance_id;
	const char *instance_name; /* NULL if none */
	const char *friendly_name; /* writer name, never NULL in a document */
	enum vss_usage_type usage;
	enum vss_source_type source;
	unsigned major_version;
	unsigned minor_version;
};

/* Writer restore method (RESTORE_METHOD). */
struct vss_restore_method_info {
	enum vss_restore_method method;
	const char *service;        /* NULL if none */
	const char *user_procedure; /* reserved, normally NULL */
	enum vss_writer_restore writer_restore;
	bool reboot_required;
};

/* ---- Writer Metadata Document ---------------------------------------- */

typedef struct vss_wmd vss_wmd;

/*
 * A new, empty WMD for the given identity (strings are copied).  Usage and
 * source must not be UNDEFINED and friendly_name must be set (-EINVAL).
 * Caller owns; free with vss_wmd_free().
 */
int vss_wmd_new(vss_wmd **ret, const struct vss_writer_identity *identity);
void vss_wmd_free(vss_wmd *wmd);

/* Borrowed: valid until the document is freed. */
const struct vss_writer_identity *vss_wmd_identity(const vss_wmd *wmd);

/* Backup schema mask (enum vss_backup_schema bits), 0 by default. */
int vss_wmd_set_backup_schema(vss_wmd *wmd, uint32_t schema);
uint32_t vss_wmd_backup_schema(const vss_wmd *wmd);

/*
 * SetRestoreMethod: exactly once per writer (a second call returns
 * VSS_E_OBJECT_ALREADY_EXISTS); method and writer_restore must not be
 * UNDEFINED (-EINVAL).
 */
int vss_wmd_set_restore_method(vss_wmd *wmd,
			       const struct vss_restore_method_info *info);
/* NULL when the writer set none.  Borrowed. */
const struct vss_restore_method_info *vss_wmd_restore_method(const vss_wmd *wmd);

/*
 * AddAlternateLocationMapping: needs a restore method (VSS_E_BAD_STATE),
 * and (path, filespec, recursive) must equal a file set of a file group
 * component (VSS_E_OBJECT_NOT_FOUND).
 */
int vss_wmd_add_alternate_location_mapping(vss_wmd *wmd, const char *path,
					   const char *filespec,
					   bool recursive,
					   const char *destination);
size_t vss_wmd_alternate_location_mapping_count(const vss_wmd *wmd);
const struct vss_location_mapping *
vss_wmd_alternate_location_mapping(const vss_wmd *wmd, size_t index);

/* AddExcludeFiles: file sets excluded from every component. */
int vss_wmd_add_exclude_files(vss_wmd *wmd, const char *path,
			      const char *filespec, bool recursive);
size_t vss_wmd_exclude_files_count(const vss_wmd *wmd);
const struct vss_file_desc *vss_wmd_exclude_files(const vss_wmd *wmd,
						  size_t index);

/* AddExcludeFilesFromSnapshot: files the writer removes from the snapshot. */
int vss_wmd_add_exclude_files_from_snapshot(vss_wmd *wmd, const char *path,
					    const char *filespec,
					    bool recursive);
size_t vss_wmd_exclude_from_snapshot_count(const vss_wmd *wmd);
const struct vss_file_desc *
vss_wmd_exclude_from_snapshot(const vss_wmd *wmd, size_t index);

/*
 * AddComponent.  The (logical path, name) pair must be new
 * (VSS_E_OBJECT_ALREADY_EXISTS); type must be DATABASE or FILEGROUP and the
 * name non-empty without '\' (-EINVAL).  A NULL and an empty logical path
 * are the same.  Strings and icon are copied.
 */
int vss_wmd_add_component(vss_wmd *wmd, const struct vss_component_def *def);

/*
 * AddFilesToFileGroup: the component must exist (VSS_E_OBJECT_NOT_FOUND)
 * and be a file group (-EINVAL).  alternate_path may be NULL.  A mask of 0
 * means VSS_FSBT_DEFAULT.
 */
int vss_wmd_add_files_to_file_group(vss_wmd *wmd, const char *logical_path,
				    const char *group_name, const char *path,
				    const char *filespec, bool recursive,
				    const char *alternate_path, uint32_t mask);
/* AddDatabaseFiles / AddDatabaseLogFiles: the component must be a database. */
int vss_wmd_add_database_files(vss_wmd *wmd, const char *logical_path,
			       const char *database_name, const char *path,
			       const char *filespec, uint32_t mask);
int vss_wmd_add_database_log_files(vss_wmd *wmd, const char *logical_path,
				   const char *database_name, const char *path,
				   const char *filespec, uint32_t mask);

/*
 * AddComponentDependency: the "for" component must exist
 * (VSS_E_OBJECT_NOT_FOUND); a dependency on the same writer class is
 * refused (-EINVAL).
 */
int vss_wmd_add_component_dependency(vss_wmd *wmd, const char *for_path,
				     const char *for_name,
				     const vss_id *on_writer,
				     const char *on_path, const char *on_name);

size_t vss_wmd_component_count(const vss_wmd *wmd);
/* Borrowed; NULL past the end. */
const struct vss_wm_component *vss_wmd_component(const vss_wmd *wmd,
						 size_t index);
/* Find by (logical path, name); NULL and "" paths are equal.  Borrowed. */
const struct vss_wm_component *
vss_wmd_find_component(const vss_wmd *wmd, const char *logical_path,
		       const char *name);

/*
 * Load a WMD from XML text (UTF-8 or UTF-16 with BOM, with or without a
 * declaration).  On failure returns VSS_E_INVALID_XML_DOCUMENT (or -ENOMEM)
 * and, when err is not NULL, fills it; nothing is allocated.  Caller owns
 * *ret; free with vss_wmd_free().
 */
int vss_wmd_load_xml(vss_wmd **ret, const char *xml, size_t len,
		     struct vss_error *err);
/*
 * Save as UTF-8 XML.  *ret_xml is NUL-terminated; caller owns it; free
 * with free().
 */
int vss_wmd_save_xml(const vss_wmd *wmd, char **ret_xml, size_t *ret_len);

/* ---- Backup Components Document -------------------------------------- */

typedef struct vss_bcd vss_bcd;
typedef struct vss_bcd_writer vss_bcd_writer;
typedef struct vss_bcd_component vss_bcd_component;

/* Global backup state (SetBackupState). */
struct vss_backup_state {
	bool select_components;
	bool bootable_system_state;
	enum vss_backup_type backup_type;
	bool partial_file_support;
};

/* Caller owns; free with vss_bcd_free().  Backup type FULL, no components. */
int vss_bcd_new(vss_bcd **ret);
void vss_bcd_free(vss_bcd *bcd);

int vss_bcd_set_backup_state(vss_bcd *bcd, const struct vss_backup_state *s);
/* Borrowed. */
const struct vss_backup_state *vss_bcd_backup_state(const vss_bcd *bcd);
int vss_bcd_set_restore_type(vss_bcd *bcd, enum vss_restore_type type);
enum vss_restore_type vss_bcd_restore_type(const vss_bcd *bcd);
/* Snapshot context (VSS_CTX_* bits), 0 (backup) by default. */
int vss_bcd_set_context(vss_bcd *bcd, int32_t context);
int32_t vss_bcd_context(const vss_bcd *bcd);
int vss_bcd_set_snapshot_set_id(vss_bcd *bcd, const vss_id *id);
/* Borrowed; the null id when none is set. */
const vss_id *vss_bcd_snapshot_set_id(const vss_bcd *bcd);

/* One shadow copy of the set, as described in the document. */
struct vss_snapshot_desc {
	vss_id snapshot_id;
	vss_id provider_id;
	const char *original_volume;  /* mount point or device, never NULL */
	const char *snapshot_device;  /* where the shadow copy is, or NULL */
	const char *originating_machine; /* NULL if unknown */
	uint32_t attributes;          /* VSS_VOLSNAP_ATTR_* bits */
	vss_timestamp created;
	const struct vss_xml_extra *extra;
};
/* Add the description of one shadow copy (strings copied). */
int vss_bcd_add_snapshot_desc(vss_bcd *bcd, const struct vss_snapshot_desc *d);
size_t vss_bcd_snapshot_desc_count(const vss_bcd *bcd);
const struct vss_snapshot_desc *vss_bcd_snapshot_desc(const vss_bcd *bcd,
						      size_t index);

/*
 * The writer entry for (class id, instance id): found, or added when
 * absent.  instance_name may be NULL.  Borrowed: valid until the document
 * is freed.
 */
int vss_bcd_add_writer(vss_bcd *bcd, const vss_id *class_id,
		       const vss_id *instance_id, const char *instance_name,
		       uint32_t backup_schema, vss_bcd_writer **ret);
size_t vss_bcd_writer_count(const vss_bcd *bcd);
vss_bcd_writer *vss_bcd_writer_at(const vss_bcd *bcd, size_t index);
/*
 * First writer entry of the class; with instance_id not NULL, of that
 * instance.  NULL if none.  Borrowed.
 */
vss_bcd_writer *vss_bcd_find_writer(const vss_bcd *bcd, const vss_id *class_id,
				    const vss_id *instance_id);
const vss_id *vss_bcd_writer_class_id(const vss_bcd_writer *w);
const vss_id *vss_bcd_writer_instance_id(const vss_bcd_writer *w);
const char *vss_bcd_writer_instance_name(const vss_bcd_writer *w);
uint32_t vss_bcd_writer_backup_schema(const vss_bcd_writer *w);

/*
 * AddComponent: (logical path, name) must be new for this writer entry
 * (VSS_E_OBJECT_ALREADY_EXISTS).  Borrowed: valid until the document is
 * freed.
 */
int vss_bcd_writer_add_component(vss_bcd_writer *w,
				 enum vss_component_type type,
				 const char *logical_path, const char *name,
				 vss_bcd_component **ret);
size_t vss_bcd_writer_component_count(const vss_bcd_writer *w);
vss_bcd_component *vss_bcd_writer_component(const vss_bcd_writer *w,
					    size_t index);
/* By (type, logical path, name); NULL and "" paths are equal.  Or NULL. */
vss_bcd_component *vss_bcd_writer_find_component(const vss_bcd_writer *w,
						 enum vss_component_type type,
						 const char *logical_path,
						 const char *name);

enum vss_component_type vss_bcd_component_type(const vss_bcd_component *c);
/* NULL at the top level. */
const char *vss_bcd_component_logical_path(const vss_bcd_component *c);
const char *vss_bcd_component_name(const vss_bcd_component *c);

/*
 * The opaque strings of a component (MD-052): kept byte for byte, never
 * interpreted.  Setting NULL clears one.
 */
enum vss_component_text {
	VSS_TEXT_BACKUP_OPTIONS,
	VSS_TEXT_RESTORE_OPTIONS,
	VSS_TEXT_BACKUP_STAMP,
	VSS_TEXT_PREVIOUS_BACKUP_STAMP,
	VSS_TEXT_RECEIVED_BACKUP_STAMP,
	VSS_TEXT_BACKUP_METADATA,
	VSS_TEXT_RESTORE_METADATA,
	VSS_TEXT_PREPARE_BACKUP_FAILURE_MSG,
	VSS_TEXT_POST_SNAPSHOT_FAILURE_MSG,
	VSS_TEXT_PRE_RESTORE_FAILURE_MSG,
	VSS_TEXT_POST_RESTORE_FAILURE_MSG,
	VSS_TEXT_RESTORE_NAME,
	VSS_TEXT_ROLLFORWARD_POINT,
	VSS_TEXT_RANGES_FILE_PATH,
	VSS_TEXT_COUNT
};
int vss_bcd_component_set_text(vss_bcd_component *c,
			       enum vss_component_text field,
			       const char *value);
/* Borrowed; NULL when not set. */
const char *vss_bcd_component_text(const vss_bcd_component *c,
				   enum vss_component_text field);

/* Backup succeeded (SetBackupSucceeded); false until set. */
int vss_bcd_component_set_backup_succeeded(vss_bcd_component *c, bool ok);
bool vss_bcd_component_backup_succeeded(const vss_bcd_component *c);
int vss_bcd_component_set_selected_for_restore(vss_bcd_component *c, bool on);
bool vss_bcd_component_selected_for_restore(const vss_bcd_component *c);
int vss_bcd_component_set_additional_restores(vss_bcd_component *c, bool on);
bool vss_bcd_component_additional_restores(const vss_bcd_component *c);
int vss_bcd_component_set_authoritative_restore(vss_bcd_component *c, bool on);
bool vss_bcd_component_authoritative_restore(const vss_bcd_component *c);
int vss_bcd_component_set_rollforward(vss_bcd_component *c,
				      enum vss_rollforward_type type,
				      const char *point);
enum vss_rollforward_type
vss_bcd_component_rollforward_type(const vss_bcd_component *c);
/* Restore target, VSS_RT_ORIGINAL by default; VSS_RT_UNDEFINED -EINVAL. */
int vss_bcd_component_set_restore_target(vss_bcd_component *c,
					 enum vss_restore_target target);
enum vss_restore_target
vss_bcd_component_restore_target(const vss_bcd_component *c);
int vss_bcd_component_set_file_restore_status(
	vss_bcd_component *c, enum vss_file_restore_status status);
enum vss_file_restore_status
vss_bcd_component_file_restore_status(const vss_bcd_component *c);

/*
 * Component failure (IVssComponentEx2::SetFailure): status is 0 or one of
 * the VSS_E_WRITERERROR_* codes (-EINVAL otherwise).
 */
struct vss_component_failure {
	int32_t status;
	int32_t application_status;
	const char *message; /* NULL if none */
};
int vss_bcd_component_set_failure(vss_bcd_component *c,
				  const struct vss_component_failure *f);
/* Borrowed; status 0 and NULL message when none was set. */
const struct vss_component_failure *
vss_bcd_component_failure(const vss_bcd_component *c);

/* Lists of a component.  Each add copies its strings. */
struct vss_restore_subcomponent {
	const char *logical_path;
	const char *name;
	bool repair;
	const struct vss_xml_extra *extra;
};
int vss_bcd_component_add_restore_subcomponent(vss_bcd_component *c,
					       const char *logical_path,
					       const char *name, bool repair);
size_t vss_bcd_component_restore_subcomponent_count(const vss_bcd_component *c);
const struct vss_restore_subcomponent *
vss_bcd_component_restore_subcomponent(const vss_bcd_component *c, size_t i);
/*
 * Whether the restore is about c: selected for restore, or holding
 * restore subcomponents (RS-021).  False for NULL.
 */
bool vss_bcd_component_restoring(const vss_bcd_component *c);

/* Alternate location mappings used (AddAlternativeLocationMapping). */
int vss_bcd_component_add_alternate_location_mapping(
	vss_bcd_component *c, const char *path, const char *filespec,
	bool recursive, const char *destination);
size_t vss_bcd_component_alternate_location_mapping_count(
	const vss_bcd_component *c);
const struct vss_location_mapping *
vss_bcd_component_alternate_location_mapping(const vss_bcd_component *c,
					     size_t i);

/* New targets (AddNewTarget): destination is the new path. */
int vss_bcd_component_add_new_target(vss_bcd_component *c, const char *path,
				     const char *filespec, bool recursive,
				     const char *destination);
size_t vss_bcd_component_new_target_count(const vss_bcd_component *c);
const struct vss_location_mapping *
vss_bcd_component_new_target(const vss_bcd_component *c, size_t i);

/* Directed targets (AddDirectedTarget); ranges in the partial-file syntax. */
struct vss_directed_target {
	const char *source_path;
	const char *source_file;
	const char *source_ranges;
	const char *destination_path;
	const char *destination_file;
	const char *destination_ranges;
	const struct vss_xml_extra *extra;
};
int vss_bcd_component_add_directed_target(vss_bcd_component *c,
					  const struct vss_directed_target *t);
size_t vss_bcd_component_directed_target_count(const vss_bcd_component *c);
const struct vss_directed_target *
vss_bcd_component_directed_target(const vss_bcd_component *c, size_t i);

/* Partial files (AddPartialFile). */
struct vss_partial_file {
	const char *path;
	const char *filename;
	const char *ranges;   /* "offset:length,..." or a ranges file path */
	const char *metadata; /* NULL if none */
	const struct vss_xml_extra *extra;
};
int vss_bcd_component_add_partial_file(vss_bcd_component *c,
				       const struct vss_partial_file *f);
size_t vss_bcd_component_partial_file_count(const vss_bcd_component *c);
const struct vss_partial_file *
vss_bcd_component_partial_file(const vss_bcd_component *c, size_t i);

/* Differenced files (AddDifferencedFilesByLastModifyTime). */
struct vss_differenced_file {
	const char *path;
	const char *filespec;
	bool recursive;
	const char *lsn;         /* reserved, normally NULL */
	vss_timestamp last_modify_time;
	const struct vss_xml_extra *extra;
};
int vss_bcd_component_add_differenced_file(vss_bcd_component *c,
					   const struct vss_differenced_file *f);
size_t vss_bcd_component_differenced_file_count(const vss_bcd_component *c);
const struct vss_differenced_file *
vss_bcd_component_differenced_file(const vss_bcd_component *c, size_t i);

/*
 * Load a BCD from XML text; as vss_wmd_load_xml().  Caller owns *ret; free
 * with vss_bcd_free().
 */
int vss_bcd_load_xml(vss_bcd **ret, const char *xml, size_t len,
		     struct vss_error *err);
/* Save as UTF-8 XML; as vss_wmd_save_xml(). */
int vss_bcd_save_xml(const vss_bcd *bcd, char **ret_xml, size_t *ret_len);

/* ---- File specifications --------------------------------------------- */

/*
 * True when name (one path element) matches a file spec with '*' (any run,
 * also empty) and '?' (one character).  Case-sensitive, with POSIX glob
 * meaning: "*.*" needs a dot (unlike Windows, where it matches every name).
 */
bool vss_filespec_match(const char *filespec, const char *name);

/*
 * True when file (an absolute path) belongs to the file set: it lies in
 * directory path (or, when recursive, below it) and its last element
 * matches filespec.  Trailing '/' on path is ignored; "." and ".."
 * elements never match.
 */
bool vss_file_set_contains(const char *path, const char *filespec,
			   bool recursive, const char *file);

/* ---- Component selection (SEL-001 .. SEL-009) ------------------------ */

typedef struct vss_selection vss_selection;

/* A component named by logical path (NULL or "" = top level) and name. */
struct vss_component_ref {
	const char *logical_path;
	const char *name;
};

/*
 * Check the components a requester explicitly includes for backup against
 * the WMD and compute the component sets (SEL-007).  Fails, with err
 * naming the component and the rule, on:
 *   VSS_E_OBJECT_NOT_FOUND       a component the WMD does not declare;
 *   VSS_E_OBJECT_ALREADY_EXISTS  a component named twice, or a component
 *                                whose selectable ancestor is also
 *                                included (SEL-004);
 *   -EINVAL                      a non-selectable component with a
 *                                selectable ancestor (SEL-002 c, BK-014),
 *                                or a selection that leaves out a
 *                                mandatory component (SEL-003).
 * An empty selection is valid (the writer takes no part).  Caller owns
 * *ret; free with vss_selection_free().
 */
int vss_selection_new(vss_selection **ret, const vss_wmd *wmd,
		      const struct vss_component_ref *refs, size_t n,
		      struct vss_error *err);
void vss_selection_free(vss_selection *sel);

/*
 * Add the mandatory components of the writer (SEL-002 a) to refs: the
 * helper a requester uses before vss_selection_new().  Writes at most
 * max refs (borrowed from the WMD) and returns the count, or -ENOSPC.
 */
int vss_wmd_mandatory_components(const vss_wmd *wmd,
				 struct vss_component_ref *out, size_t max);

/* Explicitly included components, in WMD order.  Borrowed from the WMD. */
size_t vss_selection_explicit_count(const vss_selection *sel);
const struct vss_wm_component *vss_selection_explicit(const vss_selection *sel,
						      size_t i);
/*
 * Every included component (explicit and implicit) in WMD order, with the
 * explicit component that defines its set (itself when explicit).
 */
size_t vss_selection_included_count(const vss_selection *sel);
const struct vss_wm_component *vss_selection_included(const vss_selection *sel,
						      size_t i,
						      const struct vss_wm_component **ret_defining);
/*
 * The defining (explicit) component through which set-wide properties of
 * component c are read and written (SEL-008), or NULL if c is not
 * included.
 */
const struct vss_wm_component *
vss_selection_defining(const vss_selection *sel,
		       const struct vss_wm_component *c);

/*
 * Restore selection check (SEL-006, RS-020, RS-021): component must be
 * explicitly included in the BCD writer entry (VSS_E_OBJECT_NOT_FOUND);
 * a subcomponent must be implicitly included under it and itself
 * selectable for restore (-EINVAL).
 */
int vss_selection_check_restore_subcomponent(const vss_wmd *wmd,
					     const vss_bcd_writer *w,
					     const struct vss_component_ref *component,
					     const struct vss_component_ref *sub,
					     struct vss_error *err);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
