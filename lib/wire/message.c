/*
 * lib/wire/message.c - what each message of docs/protocol.md may carry,
 * checked in one place so that handlers can trust the JSON types of what
 * they read; and the field getters, setters and message constructors.
 *
 * A field that is absent or null is "not given".  Fields a message type
 * does not list are allowed and ignored, so that a newer peer can add
 * some; a listed field of the wrong type or value rejects the message.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "wire/wire.h"

/* Largest request id: every id stays exact in a JavaScript number. */
#define WIRE_ID_MAX ((int64_t)1 << 53)
/* Bytes of names and paths (PATH_MAX), and of messages for people. */
#define NAME_MAX_BYTES 4096
#define TEXT_MAX_BYTES 65536

enum field_kind {
	FK_SERIAL,  /* request id: integer 1 .. WIRE_ID_MAX */
	FK_INT32,   /* statuses, contexts */
	FK_COUNT,   /* 0 .. INT32_MAX: versions, states, timeouts */
	FK_UINT32,  /* attribute bits */
	FK_INT64,   /* timestamps */
	FK_NUMBER,  /* integer or real: milliseconds */
	FK_BOOL,
	FK_NAME,    /* string of at most NAME_MAX_BYTES */
	FK_TEXT,    /* string of at most TEXT_MAX_BYTES */
	FK_XML,     /* string bounded only by the frame */
	FK_ID,      /* string vss_id_parse() accepts */
	FK_ENUM,    /* string the field's valid() accepts */
	FK_IDS,     /* array of FK_ID */
	FK_NAMES,   /* array of FK_NAME */
	FK_NUMBERS, /* object of FK_NUMBER */
	FK_OBJECTS, /* array of objects, each checked against sub */
};

struct field {
	const char *key;
	enum field_kind kind;
	bool required;
	const char *why_bad;
	const char *why_missing;
	bool (*valid)(const char *s);   /* FK_ENUM */
	const struct field *sub;        /* FK_OBJECTS */
};

/* A field of a message or of the objects in one of its arrays (prefix). */
#define FIELD_IN(prefix, k, kd, req, fn, fields)                               \
	{                                                                      \
		.key = k, .kind = kd, .required = req,                         \
		.why_bad = "bad field \"" prefix k "\"",                       \
		.why_missing = "missing field \"" prefix k "\"", .valid = fn,  \
		.sub = fields                                                  \
	}
#define FIELD(k, kd, req) FIELD_IN("", k, kd, req, NULL, NULL)
#define ENUM_FIELD(k, req, fn) FIELD_IN("", k, FK_ENUM, req, fn, NULL)
#define OBJECTS_FIELD(k, fields) FIELD_IN("", k, FK_OBJECTS, OPT, NULL, fields)
#define OPT false
#define REQ true
#define FIELDS_END { .key = NULL }
/* Every request carries its id. */
#define REQUEST_ID FIELD(WF_ID, FK_SERIAL, REQ)

static bool
role_valid(const char *s)
{
	return strcmp(s, "requester") == 0 || strcmp(s, "writer") == 0 ||
	       strcmp(s, "admin") == 0;
}

static bool
level_valid(const char *s)
{
	return strcmp(s, "front_end") == 0 || strcmp(s, "back_end") == 0 ||
	       strcmp(s, "system") == 0;
}

static bool
consistency_valid(const char *s)
{
	return strcmp(s, "application") == 0 || strcmp(s, "crash") == 0;
}

static bool
provider_type_valid(const char *s)
{
	enum vss_provider_type v;

	return vss_provider_type_parse(&v, s) == 0;
}

static bool
event_valid(const char *s)
{
	return wire_event_parse(s) != WIRE_EV_UNKNOWN;
}

static bool
usage_valid(const char *s)
{
	enum vss_usage_type v;

	return vss_usage_type_parse(&v, s) == 0;
}

static bool
source_valid(const char *s)
{
	enum vss_source_type v;

	return vss_source_type_parse(&v, s) == 0;
}

static bool
backup_type_valid(const char *s)
{
	enum vss_backup_type v;

	return vss_backup_type_parse(&v, s) == 0;
}

static bool
restore_type_valid(const char *s)
{
	enum vss_restore_type v;

	return vss_restore_type_parse(&v, s) == 0;
}

/* An entry of "writers" (gather_writer_metadata, _status, list_writers). */
#define W(k, kd, req) FIELD_IN("writers[].", k, kd, req, NULL, NULL)
#define W_ENUM(k, fn) FIELD_IN("writers[].", k, FK_ENUM, OPT, fn, NULL)
static const struct field writer_fields[] = {
	W(WF_CLASS_ID, FK_ID, REQ),
	W(WF_INSTANCE_ID, FK_ID, REQ),
	W(WF_INSTANCE_NAME, FK_NAME, OPT),
	W(WF_FRIENDLY_NAME, FK_NAME, OPT),
	W_ENUM(WF_USAGE, usage_valid),
	W_ENUM(WF_SOURCE, source_valid),
	W_ENUM(WF_LEVEL, level_valid),
	W(WF_FREEZE_TIMEOUT_MS, FK_COUNT, OPT),
	W(WF_WMD, FK_XML, OPT),
	W(WF_STATE, FK_COUNT, OPT),
	W(WF_FAILURE, FK_INT32, OPT),
	W(WF_APP_FAILURE, FK_INT32, OPT),
	W(WF_FAILURE_MESSAGE, FK_TEXT, OPT),
	W(WF_EVENT_TIMES, FK_NUMBERS, OPT),
	FIELDS_END,
};
#undef W_ENUM
#undef W

/*
 * The properties of a shadow copy but its volume and device, all optional,
 * alike in an entry of "snapshots" and, flat, in the reply to
 * get_snapshot_properties: P(key, kind) each.  The context is the one it
 * was made in.
 */
#define SNAPSHOT_PROPS(P)                                                      \
	P(WF_SNAPSHOT_ID, FK_ID)                                               \
	P(WF_SNAPSHOT_SET_ID, FK_ID)                                           \
	P(WF_SNAPSHOT_COUNT, FK_COUNT)                                         \
	P(WF_PROVIDER_ID, FK_ID)                                               \
	P(WF_ATTRIBUTES, FK_UINT32)                                            \
	P(WF_CREATED, FK_INT64)                                                \
	P(WF_ORIGINATING_MACHINE, FK_NAME)                                     \
	P(WF_SERVICE_MACHINE, FK_NAME)                                         \
	P(WF_EXPOSED_NAME, FK_NAME)                                            \
	P(WF_EXPOSED_PATH, FK_NAME)                                            \
	P(WF_SNAPSHOT_STATE, FK_COUNT)                                         \
	P(WF_CONTEXT, FK_INT32)

/* An entry of "snapshots" (post_snapshot, do_snapshot_set, query_snapshots). */
#define S(k, kd, req) FIELD_IN("snapshots[].", k, kd, req, NULL, NULL),
#define S_OPT(k, kd) S(k, kd, OPT)
static const struct field snapshot_fields[] = {
	S(WF_VOLUME, FK_NAME, REQ)
	S(WF_DEVICE, FK_NAME, REQ)
	SNAPSHOT_PROPS(S_OPT)
	FIELDS_END,
};
#undef S_OPT
#undef S

/* An entry of "providers" (query_providers). */
#define P(k, kd, req) FIELD_IN("providers[].", k, kd, req, NULL, NULL)
static const struct field provider_fields[] = {
	P(WF_PROVIDER_ID, FK_ID, REQ),
	P(WF_NAME, FK_NAME, REQ),
	FIELD_IN("providers[].", WF_PROVIDER_TYPE, FK_ENUM, REQ,
		 provider_type_valid, NULL),
	P(WF_PROVIDER_VERSION, FK_NAME, OPT),
	P(WF_VERSION_ID, FK_ID, OPT),
	FIELDS_END,
};
#undef P

static const struct field hello_fields[] = {
	REQUEST_ID,
	ENUM_FIELD(WF_ROLE, REQ, role_valid),
	FIELD(WF_VERSION, FK_COUNT, REQ),
	FIELDS_END,
};

/* The result fields of every request, side by side. */
#define R_OPT(k, kd) FIELD(k, kd, OPT),
static const struct field reply_fields[] = {
	FIELD(WF_ID, FK_SERIAL, REQ),
	FIELD(WF_STATUS, FK_INT32, REQ),
	FIELD(WF_MESSAGE, FK_TEXT, OPT),
	FIELD(WF_SESSION_ID, FK_ID, OPT),
	OBJECTS_FIELD(WF_WRITERS, writer_fields),
	FIELD(WF_SUPPORTED, FK_BOOL, OPT),
	FIELD(WF_BCD, FK_XML, OPT),
	OBJECTS_FIELD(WF_SNAPSHOTS, snapshot_fields),
	ENUM_FIELD(WF_CONSISTENCY, OPT, consistency_valid),
	FIELD(WF_TIMINGS, FK_NUMBERS, OPT),
	FIELD(WF_FREEZE_WINDOW_MS, FK_NUMBER, OPT),
	FIELD(WF_VOLUME, FK_NAME, OPT),
	FIELD(WF_DEVICE, FK_NAME, OPT),
	SNAPSHOT_PROPS(R_OPT)
	FIELD(WF_DELETED, FK_COUNT, OPT),
	FIELD(WF_NON_DELETED_ID, FK_ID, OPT),
	OBJECTS_FIELD(WF_PROVIDERS, provider_fields),
	FIELD(WF_SNAPSHOTTED, FK_BOOL, OPT),
	FIELD(WF_COMPATIBILITY, FK_UINT32, OPT),
	FIELDS_END,
};
#undef R_OPT

/*
 * Every event may carry the backup state of its session, so one list
 * serves all of them.
 */
static const struct field event_fields[] = {
	FIELD(WF_ID, FK_SERIAL, REQ),
	ENUM_FIELD(WF_EVENT, REQ, event_valid),
	FIELD(WF_SNAPSHOT_SET_ID, FK_ID, OPT),
	FIELD(WF_CONTEXT, FK_INT32, OPT),
	ENUM_FIELD(WF_BACKUP_TYPE, OPT, backup_type_valid),
	FIELD(WF_SELECT_COMPONENTS, FK_BOOL, OPT),
	FIELD(WF_BOOTABLE, FK_BOOL, OPT),
	FIELD(WF_PARTIAL_FILES, FK_BOOL, OPT),
	FIELD(WF_VOLUMES, FK_NAMES, OPT),
	FIELD(WF_BCD, FK_XML, OPT),
	OBJECTS_FIELD(WF_SNAPSHOTS, snapshot_fields),
	ENUM_FIELD(WF_RESTORE_TYPE, OPT, restore_type_valid),
	FIELDS_END,
};

static const struct field event_reply_fields[] = {
	FIELD(WF_ID, FK_SERIAL, REQ),
	FIELD(WF_STATUS, FK_INT32, REQ),
	FIELD(WF_FAILURE, FK_INT32, OPT),
	FIELD(WF_APP_FAILURE, FK_INT32, OPT),
	FIELD(WF_FAILURE_MESSAGE, FK_TEXT, OPT),
	FIELD(WF_WMD, FK_XML, OPT),
	FIELD(WF_BCD, FK_XML, OPT),
	FIELDS_END,
};

/*
 * The daemon needs the identity; level and freeze timeout have defaults
 * (front end, BK-060's 60 s) like struct vss_writer_opts.
 */
static const struct field subscribe_fields[] = {
	REQUEST_ID,
	FIELD(WF_CLASS_ID, FK_ID, REQ),
	FIELD(WF_INSTANCE_ID, FK_ID, REQ),
	FIELD(WF_INSTANCE_NAME, FK_NAME, OPT),
	FIELD(WF_FRIENDLY_NAME, FK_NAME, REQ),
	ENUM_FIELD(WF_USAGE, REQ, usage_valid),
	ENUM_FIELD(WF_SOURCE, REQ, source_valid),
	ENUM_FIELD(WF_LEVEL, OPT, level_valid),
	FIELD(WF_FREEZE_TIMEOUT_MS, FK_COUNT, OPT),
	FIELDS_END,
};

/* unsubscribe, gather_writer_status, abort_backup, list_writers. */
static const struct field id_only_fields[] = {
	REQUEST_ID,
	FIELDS_END,
};

static const struct field gather_metadata_fields[] = {
	REQUEST_ID,
	FIELD(WF_CONTEXT, FK_INT32, OPT),
	FIELD(WF_ENABLED_CLASSES, FK_IDS, OPT),
	FIELD(WF_DISABLED_CLASSES, FK_IDS, OPT),
	FIELD(WF_DISABLED_INSTANCES, FK_IDS, OPT),
	FIELDS_END,
};

static const struct field start_set_fields[] = {
	REQUEST_ID,
	FIELD(WF_CONTEXT, FK_INT32, OPT),
	FIELDS_END,
};

/* is_volume_supported, add_to_snapshot_set. */
static const struct field volume_fields[] = {
	REQUEST_ID,
	FIELD(WF_VOLUME, FK_NAME, REQ),
	FIELD(WF_PROVIDER_ID, FK_ID, OPT),
	FIELDS_END,
};

/* The BCD's own attributes say the same; the fields are a convenience. */
static const struct field prepare_fields[] = {
	REQUEST_ID,
	FIELD(WF_BCD, FK_XML, REQ),
	ENUM_FIELD(WF_BACKUP_TYPE, OPT, backup_type_valid),
	FIELD(WF_SELECT_COMPONENTS, FK_BOOL, OPT),
	FIELD(WF_BOOTABLE, FK_BOOL, OPT),
	FIELD(WF_PARTIAL_FILES, FK_BOOL, OPT),
	FIELDS_END,
};

/* do_snapshot_set, backup_complete: a snapshot-only job has no BCD. */
static const struct field bcd_fields[] = {
	REQUEST_ID,
	FIELD(WF_BCD, FK_XML, OPT),
	FIELDS_END,
};

/*
 * The restore document (restore.md §1) with the writers' live instance
 * ids; the restore type may also be given apart from it (SetRestoreState).
 */
static const struct field pre_restore_fields[] = {
	REQUEST_ID,
	FIELD(WF_BCD, FK_XML, REQ),
	ENUM_FIELD(WF_RESTORE_TYPE, OPT, restore_type_valid),
	FIELDS_END,
};

/* With the file restore statuses and the alternate mappings used. */
static const struct field post_restore_fields[] = {
	REQUEST_ID,
	FIELD(WF_BCD, FK_XML, REQ),
	FIELDS_END,
};

static const struct field snapshot_props_fields[] = {
	REQUEST_ID,
	FIELD(WF_SNAPSHOT_ID, FK_ID, REQ),
	FIELDS_END,
};

static const struct field cancel_fields[] = {
	REQUEST_ID,
	FIELD(WF_TARGET_ID, FK_SERIAL, REQ),
	FIELDS_END,
};

/*
 * The management requests (SN-010 .. SN-033) may carry the requester's
 * context, which selects the shadow copies they see (VSS_CTX_ALL: all).
 * Which shadow copies query_snapshots and delete_snapshots are about: a
 * query takes those that match every filter given.
 */
#define MANAGE_CONTEXT FIELD(WF_CONTEXT, FK_INT32, OPT)
#define SNAPSHOT_FILTERS                                                       \
	FIELD(WF_SNAPSHOT_ID, FK_ID, OPT),                                     \
	FIELD(WF_SNAPSHOT_SET_ID, FK_ID, OPT),                                 \
	FIELD(WF_VOLUME, FK_NAME, OPT)
static const struct field query_snapshots_fields[] = {
	REQUEST_ID,
	MANAGE_CONTEXT,
	SNAPSHOT_FILTERS,
	FIELDS_END,
};

/* Exactly one of the filters or all: the daemon says -EINVAL. */
static const struct field delete_snapshots_fields[] = {
	REQUEST_ID,
	MANAGE_CONTEXT,
	SNAPSHOT_FILTERS,
	FIELD(WF_OLDEST, FK_BOOL, OPT),
	FIELD(WF_ALL, FK_BOOL, OPT),
	FIELD(WF_FORCE, FK_BOOL, OPT),
	FIELDS_END,
};

static const struct field expose_fields[] = {
	REQUEST_ID,
	MANAGE_CONTEXT,
	FIELD(WF_SNAPSHOT_ID, FK_ID, REQ),
	FIELD(WF_PATH, FK_NAME, OPT),
	FIELDS_END,
};

static const struct field unexpose_fields[] = {
	REQUEST_ID,
	MANAGE_CONTEXT,
	FIELD(WF_SNAPSHOT_ID, FK_ID, REQ),
	FIELDS_END,
};

static const struct field query_providers_fields[] = {
	REQUEST_ID,
	MANAGE_CONTEXT,
	FIELDS_END,
};

static const struct field snapshotted_fields[] = {
	REQUEST_ID,
	MANAGE_CONTEXT,
	FIELD(WF_VOLUME, FK_NAME, REQ),
	FIELDS_END,
};
#undef SNAPSHOT_FILTERS
#undef MANAGE_CONTEXT

static const struct field *const message_fields[WIRE_TYPE_COUNT] = {
	[WIRE_HELLO] = hello_fields,
	[WIRE_REPLY] = reply_fields,
	[WIRE_EVENT] = event_fields,
	[WIRE_EVENT_REPLY] = event_reply_fields,
	[WIRE_SUBSCRIBE] = subscribe_fields,
	[WIRE_UNSUBSCRIBE] = id_only_fields,
	[WIRE_GATHER_WRITER_METADATA] = gather_metadata_fields,
	[WIRE_GATHER_WRITER_STATUS] = id_only_fields,
	[WIRE_START_SNAPSHOT_SET] = start_set_fields,
	[WIRE_IS_VOLUME_SUPPORTED] = volume_fields,
	[WIRE_ADD_TO_SNAPSHOT_SET] = volume_fields,
	[WIRE_PREPARE_FOR_BACKUP] = prepare_fields,
	[WIRE_DO_SNAPSHOT_SET] = bcd_fields,
	[WIRE_GET_SNAPSHOT_PROPERTIES] = snapshot_props_fields,
	[WIRE_BACKUP_COMPLETE] = bcd_fields,
	[WIRE_ABORT_BACKUP] = id_only_fields,
	[WIRE_CANCEL] = cancel_fields,
	[WIRE_LIST_WRITERS] = id_only_fields,
	[WIRE_QUERY_SNAPSHOTS] = query_snapshots_fields,
	[WIRE_DELETE_SNAPSHOTS] = delete_snapshots_fields,
	[WIRE_EXPOSE_SNAPSHOT] = expose_fields,
	[WIRE_UNEXPOSE_SNAPSHOT] = unexpose_fields,
	[WIRE_QUERY_PROVIDERS] = query_providers_fields,
	[WIRE_IS_VOLUME_SNAPSHOTTED] = snapshotted_fields,
	[WIRE_PRE_RESTORE] = pre_restore_fields,
	[WIRE_POST_RESTORE] = post_restore_fields,
};

static bool
is_given(const json_t *v)
{
	return v && !json_is_null(v);
}

/* A string without NUL (json_stringn() can make one) of at most max. */
static bool
string_ok(const json_t *v, size_t max)
{
	size_t len;

	if (!json_is_string(v))
		return false;
	len = json_string_length(v);
	return len <= max && strlen(json_string_value(v)) == len;
}

static bool
integer_in(const json_t *v, int64_t min, int64_t max)
{
	json_int_t n;

	if (!json_is_integer(v))
		return false;
	n = json_integer_value(v);
	return n >= min && n <= max;
}

static bool
id_ok(const json_t *v)
{
	vss_id id;

	return string_ok(v, NAME_MAX_BYTES) &&
	       vss_id_parse(&id, json_string_value(v)) == 0;
}

static int check_fields(json_t *obj, const struct field *fields,
			const char **why);

/* Each element of an array or value of an object passes ok(). */
static bool
all_values(json_t *v, bool (*ok)(const json_t *))
{
	const char *key;
	json_t *e;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach (v, i, e)
			if (!ok(e))
				return false;
		return true;
	}
	json_object_foreach (v, key, e)
		if (!ok(e))
			return false;
	return true;
}

static bool
name_ok(const json_t *v)
{
	return string_ok(v, NAME_MAX_BYTES);
}

static bool
number_ok(const json_t *v)
{
	return json_is_number(v);
}

static bool
value_ok(json_t *v, const struct field *f)
{
	switch (f->kind) {
	case FK_SERIAL:
		return integer_in(v, 1, WIRE_ID_MAX);
	case FK_INT32:
		return integer_in(v, INT32_MIN, INT32_MAX);
	case FK_COUNT:
		return integer_in(v, 0, INT32_MAX);
	case FK_UINT32:
		return integer_in(v, 0, UINT32_MAX);
	case FK_INT64:
		return json_is_integer(v);
	case FK_NUMBER:
		return json_is_number(v);
	case FK_BOOL:
		return json_is_boolean(v);
	case FK_NAME:
		return string_ok(v, NAME_MAX_BYTES);
	case FK_TEXT:
		return string_ok(v, TEXT_MAX_BYTES);
	case FK_XML:
		return string_ok(v, SIZE_MAX);
	case FK_ID:
		return id_ok(v);
	case FK_ENUM:
		return string_ok(v, NAME_MAX_BYTES) &&
		       f->valid(json_string_value(v));
	case FK_IDS:
		return json_is_array(v) && all_values(v, id_ok);
	case FK_NAMES:
		return json_is_array(v) && all_values(v, name_ok);
	case FK_NUMBERS:
		return json_is_object(v) && all_values(v, number_ok);
	case FK_OBJECTS:
		/* check_value() looks inside. */
		return json_is_array(v);
	}
	return false;
}

/* 0, or -EBADMSG with the reason of the field or of a nested field. */
static int
check_value(json_t *v, const struct field *f, const char **why)
{
	json_t *e;
	size_t i;

	if (!value_ok(v, f)) {
		*why = f->why_bad;
		return -EBADMSG;
	}
	if (f->kind != FK_OBJECTS)
		return 0;
	json_array_foreach (v, i, e) {
		if (!json_is_object(e)) {
			*why = f->why_bad;
			return -EBADMSG;
		}
		if (check_fields(e, f->sub, why) < 0)
			return -EBADMSG;
	}
	return 0;
}

static int
check_fields(json_t *obj, const struct field *fields, const char **why)
{
	const struct field *f;

	for (f = fields; f->key; f++) {
		json_t *v = json_object_get(obj, f->key);

		if (!is_given(v)) {
			if (f->required) {
				*why = f->why_missing;
				return -EBADMSG;
			}
			continue;
		}
		if (check_value(v, f, why) < 0)
			return -EBADMSG;
	}
	return 0;
}

int
wire_check(json_t *msg, const char **why)
{
	const char *reason = NULL;
	enum wire_type type;
	json_t *t;

	if (!msg)
		return -EINVAL;
	t = json_object_get(msg, WF_TYPE);
	if (!json_is_object(msg))
		reason = "message is not an object";
	else if (!string_ok(t, NAME_MAX_BYTES))
		reason = "bad field \"type\"";
	else if ((type = wire_type_parse(json_string_value(t))) ==
		 WIRE_UNKNOWN)
		reason = "unknown message type";
	else if (check_fields(msg, message_fields[type], &reason) == 0)
		return (int)type;
	if (why)
		*why = reason;
	return -EBADMSG;
}

/*
 * The value of key when ok() accepts it: -EINVAL for bad args, -ENOENT
 * when absent or null, -EBADMSG when of another kind.
 */
static int
get_value(json_t *msg, const char *key, bool (*ok)(const json_t *),
	  json_t **ret)
{
	json_t *v;

	if (!json_is_object(msg) || !key)
		return -EINVAL;
	v = json_object_get(msg, key);
	if (!is_given(v))
		return -ENOENT;
	if (!ok(v))
		return -EBADMSG;
	*ret = v;
	return 0;
}

static bool
any_string_ok(const json_t *v)
{
	return string_ok(v, SIZE_MAX);
}

static bool
integer_ok(const json_t *v)
{
	return json_is_integer(v);
}

static bool
boolean_ok(const json_t *v)
{
	return json_is_boolean(v);
}

int
wire_get_str(json_t *msg, const char *key, const char **ret)
{
	json_t *v;
	int err;

	if (!ret)
		return -EINVAL;
	err = get_value(msg, key, any_string_ok, &v);
	if (err < 0)
		return err;
	*ret = json_string_value(v);
	return 0;
}

int
wire_get_id(json_t *msg, const char *key, vss_id *ret)
{
	const char *s;
	vss_id id;
	int err;

	if (!ret)
		return -EINVAL;
	err = wire_get_str(msg, key, &s);
	if (err < 0)
		return err;
	if (vss_id_parse(&id, s) < 0)
		return -EBADMSG;
	*ret = id;
	return 0;
}

int
wire_get_int(json_t *msg, const char *key, int64_t *ret)
{
	json_t *v;
	int err;

	if (!ret)
		return -EINVAL;
	err = get_value(msg, key, integer_ok, &v);
	if (err < 0)
		return err;
	*ret = json_integer_value(v);
	return 0;
}

int
wire_get_bool(json_t *msg, const char *key, bool *ret)
{
	json_t *v;
	int err;

	if (!ret)
		return -EINVAL;
	err = get_value(msg, key, boolean_ok, &v);
	if (err < 0)
		return err;
	*ret = json_is_true(v);
	return 0;
}

/* Takes ownership of v, also on failure. */
static int
set_value(json_t *msg, const char *key, json_t *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_set_new(msg, key, v) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * Well-formed UTF-8 (RFC 3629: shortest forms, no surrogates, at most
 * U+10FFFF), the test jansson makes; checked first so that a NULL from
 * json_string() can only mean no memory.
 */
static bool
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned char c = *p++;
		uint32_t cp;
		int more, i;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (i = 0; i < more; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

/* A NULL value removes the key: optional strings need no special case. */
int
wire_set_str(json_t *msg, const char *key, const char *value)
{
	if (!json_is_object(msg) || !key)
		return -EINVAL;
	if (!value) {
		json_object_del(msg, key);
		return 0;
	}
	if (!utf8_valid(value))
		return -EINVAL;
	return set_value(msg, key, json_string(value));
}

int
wire_set_id(json_t *msg, const char *key, const vss_id *value)
{
	char text[VSS_ID_STRLEN];

	if (!json_is_object(msg) || !key || !value)
		return -EINVAL;
	vss_id_format(value, text);
	return set_value(msg, key, json_string(text));
}

int
wire_set_int(json_t *msg, const char *key, int64_t value)
{
	if (!json_is_object(msg) || !key)
		return -EINVAL;
	return set_value(msg, key, json_integer(value));
}

int
wire_set_bool(json_t *msg, const char *key, bool value)
{
	if (!json_is_object(msg) || !key)
		return -EINVAL;
	return set_value(msg, key, json_boolean(value));
}

/* {"type": type, "id": id}; NULL with errno EINVAL or ENOMEM. */
static json_t *
message_new(const char *type, uint64_t id)
{
	json_t *msg;

	if (!type || id == 0 || id > (uint64_t)WIRE_ID_MAX) {
		errno = EINVAL;
		return NULL;
	}
	msg = json_pack("{s:s, s:I}", WF_TYPE, type, WF_ID, (json_int_t)id);
	if (!msg)
		errno = ENOMEM;
	return msg;
}

json_t *
wire_request_new(enum wire_type type, uint64_t id)
{
	if (type == WIRE_REPLY || type == WIRE_EVENT ||
	    type == WIRE_EVENT_REPLY) {
		errno = EINVAL;
		return NULL;
	}
	return message_new(wire_type_name(type), id);
}

/* {"type": type, "id": id, "status": status}. */
static json_t *
status_message_new(enum wire_type type, uint64_t id, int status)
{
	json_t *msg = message_new(wire_type_name(type), id);

	if (msg && wire_set_int(msg, WF_STATUS, status) < 0) {
		json_decref(msg);
		errno = ENOMEM;
		return NULL;
	}
	return msg;
}

json_t *
wire_reply_new(uint64_t id, int status, const char *message)
{
	json_t *msg = status_message_new(WIRE_REPLY, id, status);
	int err;

	if (!msg)
		return NULL;
	err = wire_set_str(msg, WF_MESSAGE, message);
	if (err < 0) {
		json_decref(msg);
		errno = -err;
		return NULL;
	}
	return msg;
}

json_t *
wire_event_new(enum wire_event ev, uint64_t id)
{
	const char *name = wire_event_name(ev);
	json_t *msg;

	if (!name) {
		errno = EINVAL;
		return NULL;
	}
	msg = message_new(wire_type_name(WIRE_EVENT), id);
	if (msg && wire_set_str(msg, WF_EVENT, name) < 0) {
		json_decref(msg);
		errno = ENOMEM;
		return NULL;
	}
	return msg;
}

json_t *
wire_event_reply_new(uint64_t id, int status)
{
	return status_message_new(WIRE_EVENT_REPLY, id, status);
}
