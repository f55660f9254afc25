/*
 * lib/metadata/enums.c - text forms of the VSS enumerations.
 *
 * One {value, name} table per enumeration.  Spellings are those Windows
 * writes in documents where known (metadata.md section 6: "USER_DATA",
 * "RESTORE_IF_CAN_BE_REPLACED", "full", "filegroup"), ours in the same
 * style otherwise.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "vss/types.h"
#include "util/array.h"

struct enum_name {
	int value;
	const char *name;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct enum_name usage_type_names[] = {
	{VSS_UT_UNDEFINED, "UNDEFINED"},
	{VSS_UT_BOOTABLESYSTEMSTATE, "BOOTABLE_SYSTEM_STATE"},
	{VSS_UT_SYSTEMSERVICE, "SYSTEM_SERVICE"},
	{VSS_UT_USERDATA, "USER_DATA"},
	{VSS_UT_OTHER, "OTHER"},
};

static const struct enum_name source_type_names[] = {
	{VSS_ST_UNDEFINED, "UNDEFINED"},
	{VSS_ST_TRANSACTEDDB, "TRANSACTION_DB"},
	{VSS_ST_NONTRANSACTEDDB, "NONTRANSACTION_DB"},
	{VSS_ST_OTHER, "OTHER"},
};

static const struct enum_name component_type_names[] = {
	{VSS_CT_UNDEFINED, "undefined"},
	{VSS_CT_DATABASE, "database"},
	{VSS_CT_FILEGROUP, "filegroup"},
};

/* Windows writes "RESTORE_IF_CAN_BE_REPLACED" and "REPLACE_AT_REBOOT...". */
static const struct enum_name restore_method_names[] = {
	{VSS_RME_UNDEFINED, "UNDEFINED"},
	{VSS_RME_RESTORE_IF_NOT_THERE, "RESTORE_IF_NOT_THERE"},
	{VSS_RME_RESTORE_IF_CAN_REPLACE, "RESTORE_IF_CAN_BE_REPLACED"},
	{VSS_RME_STOP_RESTORE_START, "STOP_RESTORE_START"},
	{VSS_RME_RESTORE_TO_ALTERNATE_LOCATION,
	 "RESTORE_TO_ALTERNATE_LOCATION"},
	{VSS_RME_RESTORE_AT_REBOOT, "REPLACE_AT_REBOOT"},
	{VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE,
	 "REPLACE_AT_REBOOT_IF_CANNOT_REPLACE"},
	{VSS_RME_CUSTOM, "CUSTOM"},
	{VSS_RME_RESTORE_STOP_START, "RESTORE_STOP_START"},
};

static const struct enum_name writer_restore_names[] = {
	{VSS_WRE_UNDEFINED, "undefined"},
	{VSS_WRE_NEVER, "never"},
	{VSS_WRE_IF_REPLACE_FAILS, "ifReplaceFails"},
	{VSS_WRE_ALWAYS, "always"},
};

static const struct enum_name restore_target_names[] = {
	{VSS_RT_UNDEFINED, "UNDEFINED"},
	{VSS_RT_ORIGINAL, "ORIGINAL"},
	{VSS_RT_ALTERNATE, "ALTERNATE"},
	{VSS_RT_DIRECTED, "DIRECTED"},
	{VSS_RT_ORIGINAL_LOCATION, "ORIGINAL_LOCATION"},
};

static const struct enum_name backup_type_names[] = {
	{VSS_BT_UNDEFINED, "undefined"},
	{VSS_BT_FULL, "full"},
	{VSS_BT_INCREMENTAL, "incremental"},
	{VSS_BT_DIFFERENTIAL, "differential"},
	{VSS_BT_LOG, "log"},
	{VSS_BT_COPY, "copy"},
	{VSS_BT_OTHER, "other"},
};

static const struct enum_name restore_type_names[] = {
	{VSS_RTYPE_UNDEFINED, "UNDEFINED"},
	{VSS_RTYPE_BY_COPY, "BY_COPY"},
	{VSS_RTYPE_IMPORT, "IMPORT"},
	{VSS_RTYPE_OTHER, "OTHER"},
};

static const struct enum_name file_restore_status_names[] = {
	{VSS_RS_UNDEFINED, "UNDEFINED"},
	{VSS_RS_NONE, "NONE"},
	{VSS_RS_ALL, "ALL"},
	{VSS_RS_FAILED, "FAILED"},
};

static const struct enum_name rollforward_type_names[] = {
	{VSS_RF_UNDEFINED, "UNDEFINED"},
	{VSS_RF_NONE, "NONE"},
	{VSS_RF_ALL, "ALL"},
	{VSS_RF_PARTIAL, "PARTIAL"},
};

static const struct enum_name provider_type_names[] = {
	{VSS_PROV_UNKNOWN, "unknown"},
	{VSS_PROV_SYSTEM, "system"},
	{VSS_PROV_SOFTWARE, "software"},
	{VSS_PROV_HARDWARE, "hardware"},
	{VSS_PROV_FILESHARE, "fileshare"},
};

static const struct enum_name context_names[] = {
	{VSS_CTX_BACKUP, "backup"},
	{VSS_CTX_FILE_SHARE_BACKUP, "file_share_backup"},
	{VSS_CTX_NAS_ROLLBACK, "nas_rollback"},
	{VSS_CTX_APP_ROLLBACK, "app_rollback"},
	{VSS_CTX_CLIENT_ACCESSIBLE, "client_accessible"},
	{VSS_CTX_CLIENT_ACCESSIBLE_WRITERS, "client_accessible_writers"},
	{VSS_CTX_ALL, "all"},
};

static const char *
enum_str(const struct enum_name *table, size_t n, int value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i].value == value)
			return table[i].name;
	return NULL;
}

static int
enum_parse(const struct enum_name *table, size_t n, const char *s,
	   int *ret_value)
{
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (ascii_case_equal(table[i].name, s)) {
			*ret_value = table[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

/* vss_<x>_str() and vss_<x>_parse() for enum vss_<x> over <x>_names[]. */
#define ENUM_TEXT(x)                                                           \
	const char *                                                           \
	vss_##x##_str(enum vss_##x v)                                          \
	{                                                                      \
		return enum_str(x##_names, ARRAY_SIZE(x##_names), (int)v);     \
	}                                                                      \
                                                                               \
	int                                                                    \
	vss_##x##_parse(enum vss_##x *ret, const char *s)                      \
	{                                                                      \
		int v, r;                                                      \
                                                                               \
		if (!ret)                                                      \
			return -EINVAL;                                        \
		r = enum_parse(x##_names, ARRAY_SIZE(x##_names), s, &v);       \
		if (r < 0)                                                     \
			return r;                                              \
		*ret = (enum vss_##x)v;                                        \
		return 0;                                                      \
	}

ENUM_TEXT(usage_type)
ENUM_TEXT(source_type)
ENUM_TEXT(component_type)
ENUM_TEXT(restore_method)
ENUM_TEXT(writer_restore)
ENUM_TEXT(restore_target)
ENUM_TEXT(backup_type)
ENUM_TEXT(restore_type)
ENUM_TEXT(file_restore_status)
ENUM_TEXT(rollforward_type)
ENUM_TEXT(provider_type)

const char *
vss_context_str(int32_t context)
{
	return enum_str(context_names, ARRAY_SIZE(context_names), context);
}

int
vss_context_parse(int32_t *ret, const char *s)
{
	int v, r;

	if (!ret)
		return -EINVAL;
	r = enum_parse(context_names, ARRAY_SIZE(context_names), s, &v);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

/*
 * vssadmin's form: the number, then one of the six coarse states tools
 * show (backup.md section 4).
 */
static const struct enum_name writer_state_names[] = {
	{VSS_WS_UNKNOWN, "[0] Unknown"},
	{VSS_WS_STABLE, "[1] Stable"},
	{VSS_WS_WAITING_FOR_FREEZE, "[2] Waiting for freeze"},
	{VSS_WS_WAITING_FOR_THAW, "[3] Frozen"},
	{VSS_WS_WAITING_FOR_POST_SNAPSHOT, "[4] Waiting for completion"},
	{VSS_WS_WAITING_FOR_BACKUP_COMPLETE, "[5] Waiting for completion"},
	{VSS_WS_FAILED_AT_IDENTIFY, "[6] Failed"},
	{VSS_WS_FAILED_AT_PREPARE_BACKUP, "[7] Failed"},
	{VSS_WS_FAILED_AT_PREPARE_SNAPSHOT, "[8] Failed"},
	{VSS_WS_FAILED_AT_FREEZE, "[9] Failed"},
	{VSS_WS_FAILED_AT_THAW, "[10] Failed"},
	{VSS_WS_FAILED_AT_POST_SNAPSHOT, "[11] Failed"},
	{VSS_WS_FAILED_AT_BACKUP_COMPLETE, "[12] Failed"},
	{VSS_WS_FAILED_AT_PRE_RESTORE, "[13] Failed"},
	{VSS_WS_FAILED_AT_POST_RESTORE, "[14] Failed"},
	{VSS_WS_FAILED_AT_BACKUPSHUTDOWN, "[15] Failed"},
};

const char *
vss_writer_state_str(enum vss_writer_state s)
{
	return enum_str(writer_state_names, ARRAY_SIZE(writer_state_names),
			(int)s);
}
