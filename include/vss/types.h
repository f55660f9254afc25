/*
 * vss/types.h - identifiers, timestamps and the enumerations shared by the
 * metadata model, the requester and the writer APIs.  Numeric values are
 * those of the VSS enumerations of the same name.
 */
#ifndef VSS_TYPES_H
#define VSS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libvss is built with hidden visibility; what is declared here is exported. */
#pragma GCC visibility push(default)

/* A 128-bit identifier (GUID), bytes in the order of its text form. */
typedef struct vss_id {
	uint8_t bytes[16];
} vss_id;

/* Characters of a formatted id including the terminating NUL. */
#define VSS_ID_STRLEN 37

/*
 * Parse an id: 8-4-4-4-12 hex digits in any case, with or without braces,
 * surrounding white space ignored.  Returns 0, or -EINVAL (ret untouched).
 */
int vss_id_parse(vss_id *ret, const char *text);
/* Format lower case without braces, as Windows writes documents. */
void vss_id_format(const vss_id *id, char out[VSS_ID_STRLEN]);
/* A new random (version 4) id. */
void vss_id_generate(vss_id *ret);
bool vss_id_is_null(const vss_id *id);
bool vss_id_equal(const vss_id *a, const vss_id *b);

/* VSS_TIMESTAMP: signed count of 100 ns intervals since 1601-01-01 UTC. */
typedef int64_t vss_timestamp;
/* Seconds between 1601-01-01 and 1970-01-01. */
#define VSS_TIMESTAMP_UNIX_EPOCH_SECONDS 11644473600LL

/* VSS_USAGE_TYPE */
enum vss_usage_type {
	VSS_UT_UNDEFINED = 0,
	VSS_UT_BOOTABLESYSTEMSTATE = 1,
	VSS_UT_SYSTEMSERVICE = 2,
	VSS_UT_USERDATA = 3,
	VSS_UT_OTHER = 4,
};

/* VSS_SOURCE_TYPE */
enum vss_source_type {
	VSS_ST_UNDEFINED = 0,
	VSS_ST_TRANSACTEDDB = 1,
	VSS_ST_NONTRANSACTEDDB = 2,
	VSS_ST_OTHER = 3,
};

/* VSS_COMPONENT_TYPE */
enum vss_component_type {
	VSS_CT_UNDEFINED = 0,
	VSS_CT_DATABASE = 1,
	VSS_CT_FILEGROUP = 2,
};

/* VSS_RESTOREMETHOD_ENUM */
enum vss_restore_method {
	VSS_RME_UNDEFINED = 0,
	VSS_RME_RESTORE_IF_NOT_THERE = 1,
	VSS_RME_RESTORE_IF_CAN_REPLACE = 2,
	VSS_RME_STOP_RESTORE_START = 3,
	VSS_RME_RESTORE_TO_ALTERNATE_LOCATION = 4,
	VSS_RME_RESTORE_AT_REBOOT = 5,
	VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE = 6,
	VSS_RME_CUSTOM = 7,
	VSS_RME_RESTORE_STOP_START = 8,
};

/* VSS_WRITERRESTORE_ENUM */
enum vss_writer_restore {
	VSS_WRE_UNDEFINED = 0,
	VSS_WRE_NEVER = 1,
	VSS_WRE_IF_REPLACE_FAILS = 2,
	VSS_WRE_ALWAYS = 3,
};

/* VSS_RESTORE_TARGET (VSS_RT_NEW was removed and stays rejected) */
enum vss_restore_target {
	VSS_RT_UNDEFINED = 0,
	VSS_RT_ORIGINAL = 1,
	VSS_RT_ALTERNATE = 2,
	VSS_RT_DIRECTED = 3,
	VSS_RT_ORIGINAL_LOCATION = 4,
};

/* VSS_BACKUP_TYPE */
enum vss_backup_type {
	VSS_BT_UNDEFINED = 0,
	VSS_BT_FULL = 1,
	VSS_BT_INCREMENTAL = 2,
	VSS_BT_DIFFERENTIAL = 3,
	VSS_BT_LOG = 4,
	VSS_BT_COPY = 5,
	VSS_BT_OTHER = 6,
};

/* VSS_RESTORE_TYPE */
enum vss_restore_type {
	VSS_RTYPE_UNDEFINED = 0,
	VSS_RTYPE_BY_COPY = 1,
	VSS_RTYPE_IMPORT = 2,
	VSS_RTYPE_OTHER = 3,
};

/* VSS_FILE_RESTORE_STATUS */
enum vss_file_restore_status {
	VSS_RS_UNDEFINED = 0,
	VSS_RS_NONE = 1,
	VSS_RS_ALL = 2,
	VSS_RS_FAILED = 3,
};

/* VSS_ROLLFORWARD_TYPE */
enum vss_rollforward_type {
	VSS_RF_UNDEFINED = 0,
	VSS_RF_NONE = 1,
	VSS_RF_ALL = 2,
	VSS_RF_PARTIAL = 3,
};

/* VSS_BACKUP_SCHEMA bits (writer capabilities). */
enum vss_backup_schema {
	VSS_BS_UNDEFINED = 0x0,
	VSS_BS_DIFFERENTIAL = 0x1,
	VSS_BS_INCREMENTAL = 0x2,
	VSS_BS_EXCLUSIVE_INCREMENTAL_DIFFERENTIAL = 0x4,
	VSS_BS_LOG = 0x8,
	VSS_BS_COPY = 0x10,
	VSS_BS_TIMESTAMPED = 0x20,
	VSS_BS_LAST_MODIFY = 0x40,
	VSS_BS_LSN = 0x80,
	VSS_BS_WRITER_SUPPORTS_NEW_TARGET = 0x100,
	VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE = 0x200,
	VSS_BS_INDEPENDENT_SYSTEM_STATE = 0x400,
	VSS_BS_ROLLFORWARD_RESTORE = 0x1000,
	VSS_BS_RESTORE_RENAME = 0x2000,
	VSS_BS_AUTHORITATIVE_RESTORE = 0x4000,
	VSS_BS_WRITER_SUPPORTS_PARALLEL_RESTORES = 0x8000,
};

/* VSS_FILE_SPEC_BACKUP_TYPE bits. */
enum vss_file_spec_backup_type {
	VSS_FSBT_FULL_BACKUP_REQUIRED = 0x1,
	VSS_FSBT_DIFFERENTIAL_BACKUP_REQUIRED = 0x2,
	VSS_FSBT_INCREMENTAL_BACKUP_REQUIRED = 0x4,
	VSS_FSBT_LOG_BACKUP_REQUIRED = 0x8,
	VSS_FSBT_ALL_BACKUP_REQUIRED = 0xF,
	VSS_FSBT_FULL_SNAPSHOT_REQUIRED = 0x100,
	VSS_FSBT_DIFFERENTIAL_SNAPSHOT_REQUIRED = 0x200,
	VSS_FSBT_INCREMENTAL_SNAPSHOT_REQUIRED = 0x400,
	VSS_FSBT_LOG_SNAPSHOT_REQUIRED = 0x800,
	VSS_FSBT_ALL_SNAPSHOT_REQUIRED = 0xF00,
	VSS_FSBT_CREATED_DURING_BACKUP = 0x10000,
};
/* The default file-spec backup type mask, 0xF0F. */
#define VSS_FSBT_DEFAULT                                                       \
	(VSS_FSBT_ALL_BACKUP_REQUIRED | VSS_FSBT_ALL_SNAPSHOT_REQUIRED)

/* VSS_COMPONENT_FLAGS bits. */
enum vss_component_flags {
	VSS_CF_BACKUP_RECOVERY = 0x1,
	VSS_CF_APP_ROLLBACK_RECOVERY = 0x2,
	VSS_CF_NOT_SYSTEM_STATE = 0x4,
};

/* VSS_WRITER_STATE */
enum vss_writer_state {
	VSS_WS_UNKNOWN = 0,
	VSS_WS_STABLE = 1,
	VSS_WS_WAITING_FOR_FREEZE = 2,
	VSS_WS_WAITING_FOR_THAW = 3,
	VSS_WS_WAITING_FOR_POST_SNAPSHOT = 4,
	VSS_WS_WAITING_FOR_BACKUP_COMPLETE = 5,
	VSS_WS_FAILED_AT_IDENTIFY = 6,
	VSS_WS_FAILED_AT_PREPARE_BACKUP = 7,
	VSS_WS_FAILED_AT_PREPARE_SNAPSHOT = 8,
	VSS_WS_FAILED_AT_FREEZE = 9,
	VSS_WS_FAILED_AT_THAW = 10,
	VSS_WS_FAILED_AT_POST_SNAPSHOT = 11,
	VSS_WS_FAILED_AT_BACKUP_COMPLETE = 12,
	VSS_WS_FAILED_AT_PRE_RESTORE = 13,
	VSS_WS_FAILED_AT_POST_RESTORE = 14,
	VSS_WS_FAILED_AT_BACKUPSHUTDOWN = 15,
};

/*
 * The events vssd sends a writer, in the order of the backup and restore
 * sequences; the numbers are those of the wire protocol.
 */
enum vss_writer_event_kind {
	VSS_EVENT_IDENTIFY = 1,
	VSS_EVENT_PREPARE_BACKUP = 2,
	VSS_EVENT_PREPARE_SNAPSHOT = 3,
	VSS_EVENT_FREEZE = 4,
	VSS_EVENT_THAW = 5,
	VSS_EVENT_POST_SNAPSHOT = 6,
	VSS_EVENT_ABORT = 7,
	VSS_EVENT_BACKUP_COMPLETE = 8,
	VSS_EVENT_BACKUP_SHUTDOWN = 9,
	VSS_EVENT_PRE_RESTORE = 10,
	VSS_EVENT_POST_RESTORE = 11,
	VSS_EVENT_COUNT /* one past the last */
};

/* VSS_APPLICATION_LEVEL: freeze order front end, back end, system. */
enum vss_app_level {
	VSS_APP_UNKNOWN = 0,
	VSS_APP_SYSTEM = 1,
	VSS_APP_BACK_END = 2,
	VSS_APP_FRONT_END = 3,
};

/* VSS_VOLUME_SNAPSHOT_ATTRIBUTES bits. */
enum vss_snapshot_attr {
	VSS_VOLSNAP_ATTR_PERSISTENT = 0x1,
	VSS_VOLSNAP_ATTR_NO_AUTORECOVERY = 0x2,
	VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE = 0x4,
	VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE = 0x8,
	VSS_VOLSNAP_ATTR_NO_WRITERS = 0x10,
	VSS_VOLSNAP_ATTR_TRANSPORTABLE = 0x20,
	VSS_VOLSNAP_ATTR_NOT_SURFACED = 0x40,
	VSS_VOLSNAP_ATTR_NOT_TRANSACTED = 0x80,
	VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED = 0x10000,
	VSS_VOLSNAP_ATTR_DIFFERENTIAL = 0x20000,
	VSS_VOLSNAP_ATTR_PLEX = 0x40000,
	VSS_VOLSNAP_ATTR_IMPORTED = 0x80000,
	VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY = 0x100000,
	VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY = 0x200000,
	VSS_VOLSNAP_ATTR_AUTORECOVER = 0x400000,
	VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY = 0x800000,
	VSS_VOLSNAP_ATTR_DELAYED_POSTSNAPSHOT = 0x1000000,
	VSS_VOLSNAP_ATTR_TXF_RECOVERY = 0x2000000,
	VSS_VOLSNAP_ATTR_FILE_SHARE = 0x4000000,
};

/* VSS_PROVIDER_TYPE */
enum vss_provider_type {
	VSS_PROV_UNKNOWN = 0,
	VSS_PROV_SYSTEM = 1,   /* built in (btrfs here) */
	VSS_PROV_SOFTWARE = 2,
	VSS_PROV_HARDWARE = 3, /* storage-level: preferred (PV-010) */
	VSS_PROV_FILESHARE = 4,
};

/* VSS_SNAPSHOT_STATE: requesters only ever see CREATED (SN-011). */
enum vss_snapshot_state {
	VSS_SS_UNKNOWN = 0,
	VSS_SS_PREPARING = 1,
	VSS_SS_PROCESSING_PREPARE = 2,
	VSS_SS_PREPARED = 3,
	VSS_SS_PROCESSING_PRECOMMIT = 4,
	VSS_SS_PRECOMMITTED = 5,
	VSS_SS_PROCESSING_COMMIT = 6,
	VSS_SS_COMMITTED = 7,
	VSS_SS_PROCESSING_POSTCOMMIT = 8,
	VSS_SS_PROCESSING_PREFINALCOMMIT = 9,
	VSS_SS_PREFINALCOMMITTED = 10,
	VSS_SS_PROCESSING_POSTFINALCOMMIT = 11,
	VSS_SS_CREATED = 12,
	VSS_SS_ABORTED = 13,
	VSS_SS_DELETED = 14,
	VSS_SS_POSTCOMMITTED = 15,
};

/* VSS_OBJECT_TYPE: what an id names (DeleteSnapshots, Query). */
enum vss_object_type {
	VSS_OBJECT_UNKNOWN = 0,
	VSS_OBJECT_NONE = 1, /* wildcard on input */
	VSS_OBJECT_SNAPSHOT_SET = 2,
	VSS_OBJECT_SNAPSHOT = 3,
	VSS_OBJECT_PROVIDER = 4,
};

/* VSS_SNAPSHOT_CONTEXT: fixed combinations of the attribute bits. */
#define VSS_CTX_BACKUP 0x00
#define VSS_CTX_FILE_SHARE_BACKUP 0x10
#define VSS_CTX_NAS_ROLLBACK 0x19
#define VSS_CTX_APP_ROLLBACK 0x09
#define VSS_CTX_CLIENT_ACCESSIBLE 0x1D
#define VSS_CTX_CLIENT_ACCESSIBLE_WRITERS 0x0D
#define VSS_CTX_ALL ((int32_t)0xFFFFFFFF)

/* Text of a writer state as vssadmin shows it ("[1] Stable"), static. */
const char *vss_writer_state_str(enum vss_writer_state s);
/*
 * Name of an event as the wire protocol spells it ("prepare_backup"),
 * static; NULL outside the enumeration.
 */
const char *vss_writer_event_kind_str(enum vss_writer_event_kind e);

/*
 * Text forms.  Each enumeration has one spelling per value: the spelling
 * Windows writes in documents where it is known ("USER_DATA",
 * "RESTORE_IF_CAN_BE_REPLACED", "full", "filegroup"), ours otherwise
 * (docs/xml-schema.md lists both).  _str() returns a static string, or NULL
 * for a value outside the enumeration; _parse() accepts the spelling in any
 * case and returns 0, or -EINVAL leaving *ret untouched.
 */
const char *vss_usage_type_str(enum vss_usage_type v);
int vss_usage_type_parse(enum vss_usage_type *ret, const char *s);
const char *vss_source_type_str(enum vss_source_type v);
int vss_source_type_parse(enum vss_source_type *ret, const char *s);
const char *vss_component_type_str(enum vss_component_type v);
int vss_component_type_parse(enum vss_component_type *ret, const char *s);
const char *vss_restore_method_str(enum vss_restore_method v);
int vss_restore_method_parse(enum vss_restore_method *ret, const char *s);
const char *vss_writer_restore_str(enum vss_writer_restore v);
int vss_writer_restore_parse(enum vss_writer_restore *ret, const char *s);
const char *vss_restore_target_str(enum vss_restore_target v);
int vss_restore_target_parse(enum vss_restore_target *ret, const char *s);
const char *vss_backup_type_str(enum vss_backup_type v);
int vss_backup_type_parse(enum vss_backup_type *ret, const char *s);
const char *vss_restore_type_str(enum vss_restore_type v);
int vss_restore_type_parse(enum vss_restore_type *ret, const char *s);
const char *vss_file_restore_status_str(enum vss_file_restore_status v);
int vss_file_restore_status_parse(enum vss_file_restore_status *ret,
				  const char *s);
const char *vss_rollforward_type_str(enum vss_rollforward_type v);
int vss_rollforward_type_parse(enum vss_rollforward_type *ret, const char *s);
/* "system", "software", "hardware", "fileshare", "unknown". */
const char *vss_provider_type_str(enum vss_provider_type v);
int vss_provider_type_parse(enum vss_provider_type *ret, const char *s);
/*
 * Snapshot contexts by name, as diskshadow and vshadow spell them:
 * "backup", "file_share_backup", "nas_rollback", "app_rollback",
 * "client_accessible", "client_accessible_writers", "all".  NULL / -EINVAL
 * for a value that is not one context (modifier bits included).
 */
const char *vss_context_str(int32_t context);
int vss_context_parse(int32_t *ret, const char *s);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
