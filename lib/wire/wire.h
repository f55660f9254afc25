/*
 * lib/wire/wire.h - the vssd wire protocol, shared by the daemon, the
 * library and the tools.  docs/protocol.md describes it in prose.
 *
 * A frame is a 4-byte big-endian length followed by that many bytes of one
 * UTF-8 JSON object.  Every object has a string "type".  Requests carry a
 * positive integer "id" and get exactly one "reply" with the same id, a
 * "status" (0 or a negative vss status) and an optional "message".  Events
 * from the daemon to a writer have type "event", an "id" and an "event"
 * name, and get exactly one "event_reply" with that id.  Documents travel
 * as XML text in string fields.
 */
#ifndef VSS_WIRE_H
#define VSS_WIRE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/types.h>

#define WIRE_PROTOCOL_VERSION 1
/* Hard ceiling of a frame; the daemon may configure a lower limit. */
#define WIRE_FRAME_MAX (64u << 20)
#define WIRE_HEADER_SIZE 4

/*
 * Message types: X(enum name, wire name, who sends it).  Append-only.
 *   C: any client, R: requester, W: writer, A: admin, D: daemon.
 */
#define WIRE_MESSAGE_MAP(X)                                                    \
	X(WIRE_HELLO, "hello", "C")                                            \
	X(WIRE_REPLY, "reply", "D")                                            \
	X(WIRE_EVENT, "event", "D")                                            \
	X(WIRE_EVENT_REPLY, "event_reply", "W")                                \
	X(WIRE_SUBSCRIBE, "subscribe", "W")                                    \
	X(WIRE_UNSUBSCRIBE, "unsubscribe", "W")                                \
	X(WIRE_GATHER_WRITER_METADATA, "gather_writer_metadata", "R")          \
	X(WIRE_GATHER_WRITER_STATUS, "gather_writer_status", "R")              \
	X(WIRE_START_SNAPSHOT_SET, "start_snapshot_set", "R")                  \
	X(WIRE_IS_VOLUME_SUPPORTED, "is_volume_supported", "R")                \
	X(WIRE_ADD_TO_SNAPSHOT_SET, "add_to_snapshot_set", "R")                \
	X(WIRE_PREPARE_FOR_BACKUP, "prepare_for_backup", "R")                  \
	X(WIRE_DO_SNAPSHOT_SET, "do_snapshot_set", "R")                        \
	X(WIRE_GET_SNAPSHOT_PROPERTIES, "get_snapshot_properties", "R")        \
	X(WIRE_BACKUP_COMPLETE, "backup_complete", "R")                        \
	X(WIRE_ABORT_BACKUP, "abort_backup", "R")                              \
	X(WIRE_CANCEL, "cancel", "R")                                          \
	X(WIRE_LIST_WRITERS, "list_writers", "A")                              \
	X(WIRE_QUERY_SNAPSHOTS, "query_snapshots", "R")                        \
	X(WIRE_DELETE_SNAPSHOTS, "delete_snapshots", "R")                      \
	X(WIRE_EXPOSE_SNAPSHOT, "expose_snapshot", "R")                        \
	X(WIRE_UNEXPOSE_SNAPSHOT, "unexpose_snapshot", "R")                    \
	X(WIRE_QUERY_PROVIDERS, "query_providers", "R")                        \
	X(WIRE_IS_VOLUME_SNAPSHOTTED, "is_volume_snapshotted", "R")           \
	X(WIRE_PRE_RESTORE, "pre_restore", "R")                                \
	X(WIRE_POST_RESTORE, "post_restore", "R")

#define WIRE_ENUM_ENTRY(e, name, who) e,
enum wire_type {
	WIRE_UNKNOWN = 0,
	WIRE_MESSAGE_MAP(WIRE_ENUM_ENTRY) WIRE_TYPE_COUNT
};
#undef WIRE_ENUM_ENTRY

/*
 * Writer events: X(enum name, wire name).  The writer states each event
 * leads to are the daemon's (daemon/fanout.c).
 */
#define WIRE_EVENT_MAP(X)                                                      \
	X(WIRE_EV_IDENTIFY, "identify")                                        \
	X(WIRE_EV_PREPARE_BACKUP, "prepare_backup")                            \
	X(WIRE_EV_PREPARE_SNAPSHOT, "prepare_snapshot")                        \
	X(WIRE_EV_FREEZE, "freeze")                                            \
	X(WIRE_EV_THAW, "thaw")                                                \
	X(WIRE_EV_POST_SNAPSHOT, "post_snapshot")                              \
	X(WIRE_EV_ABORT, "abort")                                              \
	X(WIRE_EV_BACKUP_COMPLETE, "backup_complete")                          \
	X(WIRE_EV_BACKUP_SHUTDOWN, "backup_shutdown")                          \
	X(WIRE_EV_PRE_RESTORE, "pre_restore")                                  \
	X(WIRE_EV_POST_RESTORE, "post_restore")

#define WIRE_EV_ENUM_ENTRY(e, name) e,
enum wire_event {
	WIRE_EV_UNKNOWN = 0,
	WIRE_EVENT_MAP(WIRE_EV_ENUM_ENTRY) WIRE_EV_COUNT
};
#undef WIRE_EV_ENUM_ENTRY

/*
 * Field names.  One place for every key used on the wire; docs/protocol.md
 * says which message carries which.
 */
#define WF_TYPE "type"
#define WF_ID "id"
#define WF_STATUS "status"
#define WF_MESSAGE "message"
#define WF_ROLE "role"                 /* hello: requester|writer|admin */
#define WF_VERSION "version"           /* hello: WIRE_PROTOCOL_VERSION */
#define WF_SESSION_ID "session_id"     /* hello reply */
#define WF_EVENT "event"               /* event: wire_event name */
#define WF_TARGET_ID "target_id"       /* cancel: id of the request */
/* writer identity (subscribe, writer lists) */
#define WF_CLASS_ID "class_id"
#define WF_INSTANCE_ID "instance_id"
#define WF_INSTANCE_NAME "instance_name"
#define WF_FRIENDLY_NAME "friendly_name"
#define WF_USAGE "usage"               /* vss_usage_type_str() */
#define WF_SOURCE "source"             /* vss_source_type_str() */
#define WF_LEVEL "level"               /* front_end|back_end|system */
#define WF_FREEZE_TIMEOUT_MS "freeze_timeout_ms"
#define WF_WRITERS "writers"           /* array of writer objects */
#define WF_WMD "wmd"                   /* XML text */
#define WF_BCD "bcd"                   /* XML text */
#define WF_STATE "state"               /* enum vss_writer_state number */
#define WF_FAILURE "failure"           /* writer failure status */
#define WF_APP_FAILURE "app_failure"   /* application status */
#define WF_FAILURE_MESSAGE "failure_message"
#define WF_EVENT_TIMES "event_ms"      /* object: event name -> ms */
/* backup state */
#define WF_CONTEXT "context"
#define WF_BACKUP_TYPE "backup_type"   /* vss_backup_type_str() */
#define WF_SELECT_COMPONENTS "select_components"
#define WF_BOOTABLE "bootable_system_state"
#define WF_PARTIAL_FILES "partial_file_support"
#define WF_RESTORE_TYPE "restore_type"  /* vss_restore_type_str() */
#define WF_ENABLED_CLASSES "enabled_classes"   /* array of ids */
#define WF_DISABLED_CLASSES "disabled_classes" /* array of ids */
#define WF_DISABLED_INSTANCES "disabled_instances"
/* snapshot set */
#define WF_SNAPSHOT_SET_ID "snapshot_set_id"
#define WF_SNAPSHOT_ID "snapshot_id"
#define WF_PROVIDER_ID "provider_id"
#define WF_VOLUME "volume"             /* mount point path */
#define WF_VOLUMES "volumes"           /* array of mount point paths */
#define WF_SUPPORTED "supported"
#define WF_SNAPSHOTS "snapshots"       /* array of snapshot objects */
#define WF_DEVICE "device"             /* path of the shadow copy */
#define WF_ATTRIBUTES "attributes"
#define WF_CREATED "created"           /* vss_timestamp */
#define WF_ORIGINATING_MACHINE "originating_machine"
#define WF_SERVICE_MACHINE "service_machine"
#define WF_CONSISTENCY "consistency"   /* "application" | "crash" */
#define WF_TIMINGS "timings_ms" /* object: prepare_snapshot, freeze, commit,
                                   thaw, post_snapshot, total -> ms */
#define WF_FREEZE_WINDOW_MS "freeze_window_ms"
/* shadow copy inventory (query, delete, expose) */
#define WF_SNAPSHOT_COUNT "snapshot_count" /* snapshots in the set at creation */
#define WF_EXPOSED_NAME "exposed_name"     /* path the shadow copy is at */
#define WF_EXPOSED_PATH "exposed_path"     /* shared sub-path (unused) */
#define WF_SNAPSHOT_STATE "snapshot_state" /* enum vss_snapshot_state */
#define WF_PATH "path"                     /* expose: where; absent: default */
#define WF_OLDEST "oldest"                 /* delete: the oldest of volume */
#define WF_ALL "all"                       /* delete: every shadow copy */
#define WF_FORCE "force"
#define WF_DELETED "deleted"               /* delete reply: count */
#define WF_NON_DELETED_ID "non_deleted_id" /* delete reply: first failure */
#define WF_PROVIDERS "providers"           /* array of provider objects */
#define WF_NAME "name"
#define WF_PROVIDER_TYPE "provider_type"   /* vss_provider_type_str() */
#define WF_PROVIDER_VERSION "provider_version"
#define WF_VERSION_ID "version_id"
#define WF_SNAPSHOTTED "snapshotted"
#define WF_COMPATIBILITY "compatibility"   /* VSS_SNAPSHOT_COMPATIBILITY bits */

/* Name <-> enum of message types and events; NULL / *_UNKNOWN if none. */
const char *wire_type_name(enum wire_type t);
enum wire_type wire_type_parse(const char *name);
const char *wire_event_name(enum wire_event e);
enum wire_event wire_event_parse(const char *name);

/* ---- frames (frame.c) ------------------------------------------------- */

/*
 * Incremental frame reader over a non-blocking fd.  Buffers at most one
 * frame of max_frame bytes.
 */
struct wire_reader {
	uint8_t *buf;
	size_t len, cap;
	size_t max_frame;
	size_t off;  /* start of the bytes not yet taken by _next() */
};
void wire_reader_init(struct wire_reader *r, size_t max_frame);
void wire_reader_release(struct wire_reader *r);
/*
 * Append bytes read from the peer (the caller reads into a stack buffer).
 * Returns 0, or -EMSGSIZE when a frame announces a length over max_frame,
 * -ENOMEM.
 */
int wire_reader_feed(struct wire_reader *r, const void *data, size_t n);
/*
 * Take the next complete frame as a JSON object: 1 and *ret (caller owns;
 * json_decref()), 0 when no complete frame is buffered, -EBADMSG when the
 * frame is not one JSON object with a string "type" (the reader is then
 * unusable: close the connection), -EMSGSIZE, -ENOMEM.
 */
int wire_reader_next(struct wire_reader *r, json_t **ret);

/*
 * Encode obj as a frame into a new buffer (caller owns; free()).  Returns
 * 0, -EMSGSIZE over max_frame, -ENOMEM.
 */
int wire_encode(json_t *obj, size_t max_frame, uint8_t **ret, size_t *ret_len);

/* Decode one whole frame payload (no header); for tests and fuzzing. */
int wire_decode_payload(const void *data, size_t len, json_t **ret);

/* ---- message checks (message.c) --------------------------------------- */

/*
 * Validate a decoded message against the table: its type is known, its id
 * is a positive integer where one is required, and each field present has
 * the expected JSON type (strings are valid UTF-8 without NUL, ids parse
 * as GUIDs, numbers are in range).  Returns the type, or -EBADMSG with a
 * reason in why (static string).
 */
int wire_check(json_t *msg, const char **why);

/* Field getters: return 0 and write *ret, -ENOENT if absent, -EBADMSG if
 * the wrong type or bad value.  Strings are borrowed from msg. */
int wire_get_str(json_t *msg, const char *key, const char **ret);
int wire_get_id(json_t *msg, const char *key, vss_id *ret);
int wire_get_int(json_t *msg, const char *key, int64_t *ret);
int wire_get_bool(json_t *msg, const char *key, bool *ret);
/* Setters: 0 or -ENOMEM. */
int wire_set_str(json_t *msg, const char *key, const char *value);
int wire_set_id(json_t *msg, const char *key, const vss_id *value);
int wire_set_int(json_t *msg, const char *key, int64_t value);
int wire_set_bool(json_t *msg, const char *key, bool value);

/* New message objects; NULL on ENOMEM.  Caller owns (json_decref()). */
json_t *wire_request_new(enum wire_type type, uint64_t id);
json_t *wire_reply_new(uint64_t id, int status, const char *message);
json_t *wire_event_new(enum wire_event ev, uint64_t id);
json_t *wire_event_reply_new(uint64_t id, int status);

#endif
