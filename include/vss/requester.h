/*
 * vss/requester.h - the requester API (IVssBackupComponents): a backup
 * program asks vssd for a shadow copy set, with the writers told at each
 * step, and learns how each writer fared.
 *
 * The order of calls is that of the backup sequence (spec backup.md §2):
 * new, initialize_for_backup, [set_context, set_backup_state,
 * enable/disable writers], gather_writer_metadata, [examine documents,
 * add_component], start_snapshot_set, add_to_snapshot_set...,
 * [set_backup_options, set_previous_backup_stamp], prepare_for_backup,
 * do_snapshot_set, get_snapshot_properties, copy, set_backup_succeeded,
 * backup_complete, save_bcd, free.  A call out of order returns
 * VSS_E_BAD_STATE (BK-009).  The shadow copy management calls (query,
 * delete, expose, unexpose, query_providers, is_volume_snapshotted) have
 * no place in that order: they may come at any time after
 * initialize_for_backup while no long operation is under way, and change
 * no phase, so one requester can manage shadow copies without making
 * any (vssadmin, diskshadow).  Freeing the requester ends its session: vssd
 * sends BackupShutdown and releases auto-release shadow copies (BK-085,
 * BK-087); a requester that dies has the same effect.
 *
 * One requester serves one job (GEN-004) and is not thread-safe; the
 * vss_async functions may be used from any thread.
 */
#ifndef VSS_REQUESTER_H
#define VSS_REQUESTER_H

#include <vss/metadata.h>
#include <vss/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

typedef struct vss_requester vss_requester;
typedef struct vss_async vss_async;

/* ---- asynchronous operations (IVssAsync) ---------------------------- */

/*
 * Wait until the operation ends or timeout_ms passes (-1: no limit).
 * Returns 0 when it has ended (read the outcome with query_status),
 * -ETIMEDOUT otherwise (AS-001), or -errno when poll() fails.
 */
int vss_async_wait(vss_async *a, int timeout_ms);
/*
 * *ret_status: VSS_S_ASYNC_PENDING, VSS_S_ASYNC_FINISHED,
 * VSS_S_ASYNC_CANCELLED or the operation's failure status (AS-002).
 */
int vss_async_query_status(vss_async *a, int *ret_status);
/*
 * Cancel: 0 when cancelled now (the operation then completes with
 * VSS_S_ASYNC_CANCELLED), VSS_S_ASYNC_CANCELLED / VSS_S_ASYNC_FINISHED if
 * already so, or the operation's failure status (AS-003).
 */
int vss_async_cancel(vss_async *a);
/* An fd that polls readable once the operation has ended. */
int vss_async_get_fd(vss_async *a);
/* Release the handle; the operation goes on (AS-004). */
void vss_async_free(vss_async *a);

/* ---- the requester -------------------------------------------------- */

/*
 * Connect to vssd (socket_path NULL: $VSS_SOCKET or /run/vss/vssd.sock).
 * Only root or the configured group may be a requester (-EACCES).  Caller
 * owns; free with vss_requester_free().
 */
int vss_requester_new(vss_requester **ret, const char *socket_path);
void vss_requester_free(vss_requester *r);

/* InitializeForBackup; bcd_xml NULL for a new document (BK-002). */
int vss_requester_initialize_for_backup(vss_requester *r, const char *bcd_xml);
/*
 * SetContext: once, before gathering metadata (BK-003).  context is one
 * VSS_CTX_* value, OR'ed with the attribute bits a requester may set
 * (SN-001, checked by vssd when the context is first sent), or
 * VSS_CTX_ALL, which serves only the management calls below:
 * start_snapshot_set then fails with -EINVAL.
 */
int vss_requester_set_context(vss_requester *r, int32_t context);
/* SetBackupState: before prepare_for_backup (BK-004). */
int vss_requester_set_backup_state(vss_requester *r,
				   const struct vss_backup_state *state);
/*
 * Writer enable/disable (BK-005): before gather_writer_metadata; later
 * calls return 0 and have no effect, as on Windows.
 */
int vss_requester_enable_writer_classes(vss_requester *r, const vss_id *ids,
					size_t n);
int vss_requester_disable_writer_classes(vss_requester *r, const vss_id *ids,
					 size_t n);
int vss_requester_disable_writer_instances(vss_requester *r,
					   const vss_id *ids, size_t n);

/* GatherWriterMetadata: Identify to every subscribed, enabled writer. */
int vss_requester_gather_writer_metadata(vss_requester *r, vss_async **ret);
/* The documents of the writers that answered Identify (BK-013). */
size_t vss_requester_writer_metadata_count(const vss_requester *r);
/* Borrowed: valid until the requester is freed. */
const vss_wmd *vss_requester_writer_metadata(const vss_requester *r,
					     size_t i);

/*
 * AddComponent (BK-014): after gathering, before do_snapshot_set; checked
 * against the writer's document (unknown: VSS_E_OBJECT_NOT_FOUND,
 * duplicate: VSS_E_OBJECT_ALREADY_EXISTS).
 */
int vss_requester_add_component(vss_requester *r, const vss_id *instance_id,
				const vss_id *class_id,
				enum vss_component_type type,
				const char *logical_path, const char *name);
/* SetBackupOptions / SetPreviousBackupStamp: before prepare_for_backup. */
int vss_requester_set_backup_options(vss_requester *r, const vss_id *class_id,
				     enum vss_component_type type,
				     const char *logical_path,
				     const char *name, const char *options);
int vss_requester_set_previous_backup_stamp(vss_requester *r,
					    const vss_id *class_id,
					    enum vss_component_type type,
					    const char *logical_path,
					    const char *name,
					    const char *stamp);

/* StartSnapshotSet: takes the machine-wide creation slot (BK-008). */
int vss_requester_start_snapshot_set(vss_requester *r, vss_id *ret_set_id);
/* IsVolumeSupported for a mount point; provider NULL: any. */
int vss_requester_is_volume_supported(vss_requester *r, const char *volume,
				      const vss_id *provider, bool *ret);
/* AddToSnapshotSet (BK-070..BK-073); provider NULL: chosen by vssd. */
int vss_requester_add_to_snapshot_set(vss_requester *r, const char *volume,
				      const vss_id *provider,
				      vss_id *ret_snapshot_id);

int vss_requester_prepare_for_backup(vss_requester *r, vss_async **ret);
int vss_requester_do_snapshot_set(vss_requester *r, vss_async **ret);
int vss_requester_backup_complete(vss_requester *r, vss_async **ret);
/* AbortBackup (BK-051, BK-081): no-op when nothing is under way. */
int vss_requester_abort_backup(vss_requester *r);

/* GatherWriterStatus, then the statuses it gathered (BK-040). */
int vss_requester_gather_writer_status(vss_requester *r, vss_async **ret);
struct vss_writer_status {
	vss_id instance_id;
	vss_id class_id;
	const char *name;          /* friendly name */
	const char *instance_name; /* or NULL */
	enum vss_writer_state state;
	int32_t failure;           /* 0 or the writer's failure status */
	int32_t application_failure;
	const char *message;       /* or NULL */
	/*
	 * Milliseconds from vssd sending each event of the session to the
	 * writer's answer (or to vssd giving up on it), indexed by enum
	 * vss_writer_event_kind; a negative value for an event not sent.
	 */
	double event_ms[VSS_EVENT_COUNT];
};
size_t vss_requester_writer_status_count(const vss_requester *r);
/* Borrowed: valid until the next gather. */
const struct vss_writer_status *
vss_requester_writer_status(const vss_requester *r, size_t i);

/*
 * Each writer's state in its last session, as vssadmin list writers
 * shows it (vssd's admin list_writers): the state, failure and message
 * it ended that session with, without sending it any event; a writer
 * that has had no session since it subscribed is stable.  Writers that
 * failed Identify are listed too.  Needs no requester: it connects to
 * socket_path (NULL: as vss_requester_new()) with the admin role, which
 * vssd grants to root and its group (-EACCES).  *ret (caller owns, free
 * with vss_writer_states_free()) and *ret_n are written on success only.
 */
int vss_list_writer_states(const char *socket_path,
			   struct vss_writer_status **ret, size_t *ret_n);
/* Free n states from vss_list_writer_states(); NULL is fine. */
void vss_writer_states_free(struct vss_writer_status *s, size_t n);

/* VSS_SNAPSHOT_PROP */
struct vss_snapshot_prop {
	vss_id snapshot_id;
	vss_id snapshot_set_id;
	long snapshot_count;
	const char *device;          /* path of the shadow copy root */
	const char *original_volume; /* mount point */
	const char *originating_machine;
	const char *service_machine;
	const char *exposed_name;    /* or NULL */
	const char *exposed_path;    /* or NULL */
	vss_id provider_id;
	uint32_t attributes;         /* enum vss_snapshot_attr bits */
	vss_timestamp created;
	int state;                   /* VSS_SNAPSHOT_STATE: 12 = created */
};
/*
 * GetSnapshotProperties (SN-011): only once the set is made; of any
 * shadow copy vssd knows, as it is now (VSS_E_OBJECT_NOT_FOUND for one
 * deleted since, SN-021).  Strings borrowed until the requester is
 * freed, also after a later call describes the shadow copy anew.
 */
int vss_requester_get_snapshot_properties(vss_requester *r,
					  const vss_id *snapshot_id,
					  struct vss_snapshot_prop *ret);

/* ---- shadow copy management ----------------------------------------- */

/*
 * These calls need initialize_for_backup and no long operation under way
 * (VSS_E_BAD_STATE otherwise); they change no phase.  Each sees the
 * shadow copies of the requester's context, every context with
 * VSS_CTX_ALL (SN-010); without set_context that is VSS_CTX_BACKUP (or
 * the context of the document given to initialize_for_backup).  A volume
 * is named by its mount point (VSS_E_OBJECT_NOT_FOUND when the path is
 * not one).  A connection lost on the way gives -ECONNRESET.
 */

/*
 * Query (SN-010): the made shadow copies of the context matching every
 * filter given (NULL: any): this shadow copy, the shadow copies of this
 * set, those of this volume.  *ret and *ret_n are written on success,
 * *ret also when no shadow copy matches.  Caller owns *ret, its strings
 * included (unlike those of get_snapshot_properties); free with
 * vss_snapshot_props_free().
 */
int vss_requester_query_snapshots(vss_requester *r, const vss_id *snapshot_id,
				  const vss_id *set_id, const char *volume,
				  struct vss_snapshot_prop **ret,
				  size_t *ret_n);
/* Free n properties from vss_requester_query_snapshots(); NULL is fine. */
void vss_snapshot_props_free(struct vss_snapshot_prop *props, size_t n);

/*
 * DeleteSnapshots (SN-021): the shadow copy id (type VSS_OBJECT_SNAPSHOT)
 * or every shadow copy of the set id (VSS_OBJECT_SNAPSHOT_SET) of the
 * context; other types -EINVAL.  vssd deletes one at a time and stops at
 * the first it cannot delete.  *ret_deleted is how many it deleted,
 * *ret_non_deleted the one it stopped at (the null id when none).  Unlike
 * other ret_ parameters, both are also written when the call fails with
 * the failure of the shadow copy vssd stopped at, since some may be gone;
 * other failures (VSS_E_OBJECT_NOT_FOUND: no such shadow copy or set of
 * the context; arguments, state, connection, -ETIMEDOUT) leave them
 * untouched.  An exposed shadow copy is unexposed first.  force asks the
 * provider to do all it can; vssd always does.
 */
int vss_requester_delete_snapshots(vss_requester *r, const vss_id *id,
				   enum vss_object_type type, bool force,
				   long *ret_deleted, vss_id *ret_non_deleted);
/*
 * vssadmin delete shadows: every shadow copy of the context on volume,
 * or only its oldest (oldest_only); with volume NULL, every shadow copy
 * of the context (/all; oldest_only then -EINVAL).  Deleting nothing is
 * a success with *ret_deleted 0.  The outputs and failures are those of
 * vss_requester_delete_snapshots().
 */
int vss_requester_delete_volume_snapshots(vss_requester *r,
					  const char *volume, bool oldest_only,
					  long *ret_deleted,
					  vss_id *ret_non_deleted);

/*
 * ExposeSnapshot, locally (SN-030, SN-031): make the shadow copy
 * readable at path, an existing empty directory, or with path NULL at a
 * directory vssd chooses.  A client-accessible shadow copy cannot be
 * exposed (-EINVAL); one already exposed gives
 * VSS_E_OBJECT_ALREADY_EXISTS, an unknown one VSS_E_OBJECT_NOT_FOUND.
 * The exposure is read-only (SN-032).  Unlike Windows, which exposes only
 * persistent shadow copies, vssd exposes auto-release ones too, so that
 * a backup can hand its shadow copies to another program.  The exposure
 * of a persistent shadow copy lasts until unexposed, that of another
 * until this requester's session ends too.  *ret_exposed_name:
 * where it is exposed; caller owns, free().
 */
int vss_requester_expose_snapshot(vss_requester *r, const vss_id *snapshot_id,
				  const char *path, char **ret_exposed_name);
/*
 * UnexposeSnapshot (SN-033): undo the exposure; VSS_E_OBJECT_NOT_FOUND
 * when the shadow copy is unknown or not exposed.
 */
int vss_requester_unexpose_snapshot(vss_requester *r,
				    const vss_id *snapshot_id);

/* VSS_PROVIDER_PROP */
struct vss_provider_prop {
	vss_id provider_id;
	char *name;
	enum vss_provider_type type;
	char *version;       /* or NULL */
	vss_id version_id;   /* the null id when the provider has none */
};
/*
 * Query of providers (SN-010): every provider vssd has.  *ret and *ret_n
 * written on success; caller owns *ret, free with
 * vss_provider_props_free().
 */
int vss_requester_query_providers(vss_requester *r,
				  struct vss_provider_prop **ret,
				  size_t *ret_n);
/* Free n properties from vss_requester_query_providers(); NULL is fine. */
void vss_provider_props_free(struct vss_provider_prop *props, size_t n);

/*
 * IsVolumeSnapshotted (SN-012): whether the volume has shadow copies, of
 * any context, and what they restrict on it: VSS_SNAPSHOT_COMPATIBILITY
 * bits (0x1 defragmentation disabled, 0x2 content indexing disabled), 0
 * when nothing.
 */
int vss_requester_is_volume_snapshotted(vss_requester *r, const char *volume,
					bool *ret_snapshotted,
					uint32_t *ret_compatibility);

/* Phase timings of the last do_snapshot_set, in milliseconds. */
struct vss_set_timings {
	double prepare_snapshot_ms;
	double freeze_ms;     /* freeze event fan-out, all levels */
	double commit_ms;     /* provider pre-commit .. post-commit */
	double thaw_ms;
	double post_snapshot_ms;
	double freeze_window_ms; /* first freeze sent .. last thaw answered */
	double total_ms;
};
int vss_requester_set_timings(const vss_requester *r,
			      struct vss_set_timings *ret);
/* True when every writer took part and none failed: application
 * consistent; false: crash consistent only (BK-130). */
bool vss_requester_application_consistent(const vss_requester *r);

/* SetBackupSucceeded (BK-018): after do_snapshot_set, before complete. */
int vss_requester_set_backup_succeeded(vss_requester *r,
				       const vss_id *instance_id,
				       const vss_id *class_id,
				       enum vss_component_type type,
				       const char *logical_path,
				       const char *name, bool succeeded);

/*
 * The backup components document (GetWriterComponents); borrowed, and
 * replaced by prepare_for_backup, do_snapshot_set and backup_complete
 * (BK-020).
 */
vss_bcd *vss_requester_bcd(vss_requester *r);
/* SaveAsXML: not before prepare_for_backup (BK-017).  Caller owns; free(). */
int vss_requester_save_bcd(vss_requester *r, char **ret_xml, size_t *ret_len);

/* ---- restore (restore.md §1) ----------------------------------------- */

/*
 * The restore sequence: new, initialize_for_restore(saved BCD),
 * [restore_set_writer_wmd for each saved WMD], gather_writer_metadata
 * (RS-002), restore_writer_match..., set_selected_for_restore /
 * add_restore_subcomponent and the restore options (all before
 * pre_restore, RS-020..RS-034), pre_restore, read vss_requester_bcd()
 * again (targets, directed targets, restore metadata the writers set,
 * RS-006), copy the files, set_file_restore_status for every selected
 * component (RS-110), add_alternative_location_mapping for each file set
 * restored to its mapping (RS-073), post_restore, gather_writer_status,
 * free (not before post_restore has ended, RS-009: freeing earlier
 * ends the session, and the pending operation ends with -ECONNRESET).  A
 * restore cannot be aborted (RS-010): abort_backup returns
 * VSS_E_BAD_STATE in a restore, and vss_async_cancel() on pre_restore or
 * post_restore returns -ENOTSUP.  A call out of order returns
 * VSS_E_BAD_STATE.  Components are named as in the saved document:
 * writer class id, saved instance id, type, logical path (NULL or "" for
 * the top level), name; a writer entry or component not in it is
 * VSS_E_OBJECT_NOT_FOUND.  The management calls (query, delete,
 * expose...) and gather_writer_status work in a restore as in a backup.
 * enable/disable_writer_classes and disable_writer_instances apply
 * before gather_writer_metadata as in a backup.
 */

/*
 * InitializeForRestore (RS-001): the saved backup components document;
 * one that cannot be loaded is VSS_E_INVALID_XML_DOCUMENT.  Every
 * component starts not selected for restore, with no restore options,
 * targets or statuses of an earlier restore (restore options,
 * subcomponents, additional restores, authoritative, roll forward,
 * restore name, restore target, file restore status, location mappings,
 * new and directed targets, restore metadata and failure messages of
 * restore are cleared, and the restore type is undefined).  Instead of,
 * not after, initialize_for_backup.
 */
int vss_requester_initialize_for_restore(vss_requester *r, const char *bcd_xml);
/*
 * The writer metadata document saved at backup for a writer of the
 * saved BCD (RS-003, CreateVssExamineWriterMetadata): component and file
 * information of the restore comes from it, never from the live writer.
 * Copied.  -EINVAL when its class id is in no writer entry of the
 * document; a second one for the same entry (class id and instance id)
 * replaces the first.  After initialize_for_restore, before pre_restore.
 */
int vss_requester_restore_set_writer_wmd(vss_requester *r, const vss_wmd *wmd);
/* The saved WMD given for a writer entry of the BCD, or NULL.  Borrowed. */
const vss_wmd *vss_requester_restore_writer_wmd(const vss_requester *r,
						const vss_id *class_id,
						const vss_id *saved_instance_id);

/* How a writer of the saved document stands now (RS-003, RS-005). */
enum vss_restore_writer_match {
	/* A live writer of the class (and instance name, when the saved
	 * writer had one) answered Identify with a version that can restore
	 * the data: its components may be selected. */
	VSS_RWM_MATCHED = 1,
	/* No live writer of the class and instance name: restore its files
	 * without it (RS-120); selecting its components fails with
	 * VSS_E_OBJECT_NOT_FOUND (RS-005). */
	VSS_RWM_MISSING = 2,
	/* The live writer's major version is lower than the saved one
	 * (metadata.md: a major version bump means older versions cannot
	 * restore the data): selecting its components fails as for a
	 * missing writer (VSS_E_OBJECT_NOT_FOUND), and its data should
	 * not be restored in place without it (vss restore refuses
	 * unless --to or --no-writers). */
	VSS_RWM_VERSION_TOO_OLD = 3,
	/* The saved WMD's restore method says VSS_WRE_NEVER: its
	 * components must not be selected (RS-050); files only. */
	VSS_RWM_NEVER = 4,
};
/*
 * Match the writer entry (class id, saved instance id) of the saved
 * document to the writers that answered gather_writer_metadata: same
 * class id and, when the saved entry has an instance name, the same
 * instance name (RS-003); with several live instances of a class and no
 * saved name, the first free one.  The instance names are those of the
 * document as initialize_for_restore loaded it (else of the saved WMD).
 * Each live instance serves one entry: first an instance still running
 * under the saved instance id serves its own entry, then entries with an
 * instance name choose, then those without.  VSS_RWM_NEVER when the
 * saved WMD's restore method says VSS_WRE_NEVER (the live one is not
 * asked); such entries choose last, from the instances no other entry
 * took, so they never keep one from an entry that restores with it.
 * Without a saved WMD for the entry neither the version nor NEVER can be
 * judged: a live writer of the class (and name) is MATCHED.
 * *ret_live_instance_id (may be NULL): the live instance (the null id
 * unless MATCHED or NEVER with a live instance left).  After
 * gather_writer_metadata; -ENOENT for an entry not in the document.
 */
int vss_requester_restore_writer_match(vss_requester *r,
				       const vss_id *class_id,
				       const vss_id *saved_instance_id,
				       enum vss_restore_writer_match *ret,
				       vss_id *ret_live_instance_id);

/*
 * SetSelectedForRestore (RS-020): a component explicitly included at
 * backup (VSS_E_OBJECT_NOT_FOUND otherwise, and for a writer that is not
 * VSS_RWM_MATCHED, RS-005; -EINVAL for a VSS_RWM_NEVER writer, RS-050).
 * The component entry is that of the saved writer (class id, saved
 * instance id).  After gather_writer_metadata, before pre_restore.
 * Deselecting also drops the component's restore subcomponents.
 */
int vss_requester_set_selected_for_restore(vss_requester *r,
					   const vss_id *class_id,
					   const vss_id *saved_instance_id,
					   enum vss_component_type type,
					   const char *logical_path,
					   const char *name, bool selected);
/*
 * AddRestoreSubcomponent (RS-021, RS-022): sub_logical_path mandatory;
 * the subcomponent must be implicitly included under the component in
 * the saved WMD and selectable for restore (-EINVAL; not declared there,
 * or no saved WMD given: VSS_E_OBJECT_NOT_FOUND), the component selected
 * first (VSS_E_BAD_STATE), and not added twice
 * (VSS_E_OBJECT_ALREADY_EXISTS).  After gather_writer_metadata, before
 * pre_restore.
 */
int vss_requester_add_restore_subcomponent(vss_requester *r,
					   const vss_id *class_id,
					   const vss_id *saved_instance_id,
					   enum vss_component_type type,
					   const char *logical_path,
					   const char *name,
					   const char *sub_logical_path,
					   const char *sub_name);
/*
 * SetRestoreOptions (RS-030): once per component (a second call
 * VSS_E_OBJECT_ALREADY_EXISTS), a writer-defined string; SetAdditional
 * Restores (RS-100); SetAuthoritativeRestore, SetRollForward,
 * SetRestoreName (RS-032: -EINVAL unless the saved WMD's backup schema
 * has VSS_BS_AUTHORITATIVE_RESTORE, VSS_BS_ROLLFORWARD_RESTORE,
 * VSS_BS_RESTORE_RENAME; VSS_RF_UNDEFINED -EINVAL; the schema is that
 * of the writer entry when no saved WMD was given).  On an explicitly
 * included component (VSS_E_OBJECT_NOT_FOUND), after
 * initialize_for_restore, before pre_restore.
 */
int vss_requester_set_restore_options(vss_requester *r, const vss_id *class_id,
				      const vss_id *saved_instance_id,
				      enum vss_component_type type,
				      const char *logical_path,
				      const char *name, const char *options);
int vss_requester_set_additional_restores(vss_requester *r,
					  const vss_id *class_id,
					  const vss_id *saved_instance_id,
					  enum vss_component_type type,
					  const char *logical_path,
					  const char *name, bool additional);
int vss_requester_set_authoritative_restore(vss_requester *r,
					    const vss_id *class_id,
					    const vss_id *saved_instance_id,
					    enum vss_component_type type,
					    const char *logical_path,
					    const char *name, bool authoritative);
int vss_requester_set_roll_forward(vss_requester *r, const vss_id *class_id,
				   const vss_id *saved_instance_id,
				   enum vss_component_type type,
				   const char *logical_path, const char *name,
				   enum vss_rollforward_type rf,
				   const char *point);
int vss_requester_set_restore_name(vss_requester *r, const vss_id *class_id,
				   const vss_id *saved_instance_id,
				   enum vss_component_type type,
				   const char *logical_path, const char *name,
				   const char *restore_name);
/*
 * SetRestoreState (RS-034): before pre_restore; default UNDEFINED, which
 * writers treat as VSS_RTYPE_BY_COPY.  Out of range: -EINVAL.
 */
int vss_requester_set_restore_state(vss_requester *r,
				    enum vss_restore_type type);
/*
 * AddNewTarget (RS-080, RS-081): the saved WMD's backup schema must have
 * VSS_BS_WRITER_SUPPORTS_NEW_TARGET (-EINVAL) and (path, filespec,
 * recursive) equal a file set of the component or of its component set
 * in the saved WMD (VSS_E_OBJECT_NOT_FOUND, also without a saved WMD).
 * Before pre_restore.
 */
int vss_requester_add_new_target(vss_requester *r, const vss_id *class_id,
				 const vss_id *saved_instance_id,
				 enum vss_component_type type,
				 const char *logical_path, const char *name,
				 const char *path, const char *filespec,
				 bool recursive, const char *new_path);

/*
 * PreRestore: vssd sends pre_restore to the live writers with a
 * component selected for restore (RS-004), waits, and the document comes
 * back with what they set (restore target, directed targets, restore
 * metadata, pre- and post-restore failure messages, component failures;
 * vssd keeps every other field as the requester sent it, RS-008),
 * replacing the one vss_requester_bcd() returned before.  Writer failures are writer statuses
 * (gather_writer_status; RS-011, RS-112), not the operation's status;
 * a failure of the operation itself (vssd, the connection) ends the
 * restore: only gather_writer_status and free are left.
 */
int vss_requester_pre_restore(vss_requester *r, vss_async **ret);
/*
 * AddAlternativeLocationMapping (RS-073): after pre_restore, before
 * post_restore, on a component selected for restore (or holding restore
 * subcomponents); (path, filespec, recursive) must equal one of the saved
 * WMD's alternate location mappings and a file set of the component's
 * restore set (VSS_E_OBJECT_NOT_FOUND; once per file set,
 * VSS_E_OBJECT_ALREADY_EXISTS).
 */
int vss_requester_add_alternative_location_mapping(
	vss_requester *r, const vss_id *class_id,
	const vss_id *saved_instance_id, enum vss_component_type type,
	const char *logical_path, const char *name, const char *path,
	const char *filespec, bool recursive, const char *destination);
/*
 * SetFileRestoreStatus (RS-110): after pre_restore, before post_restore,
 * on a component selected for restore (or holding restore
 * subcomponents; VSS_E_OBJECT_NOT_FOUND for another), VSS_RS_UNDEFINED
 * -EINVAL.  post_restore fails with VSS_E_BAD_STATE while a selected
 * component has none.
 */
int vss_requester_set_file_restore_status(vss_requester *r,
					  const vss_id *class_id,
					  const vss_id *saved_instance_id,
					  enum vss_component_type type,
					  const char *logical_path,
					  const char *name,
					  enum vss_file_restore_status status);
/*
 * PostRestore: post_restore to the writers that had pre_restore, except
 * a VSS_WRE_IF_REPLACE_FAILS writer whose selected components all
 * restored in place (status VSS_RS_ALL and no alternate location mapping
 * used).  The document is read-only for writers from here (RS-007).
 * Once, after pre_restore; the document of the reply replaces the one
 * vss_requester_bcd() returned before.
 */
int vss_requester_post_restore(vss_requester *r, vss_async **ret);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
