/*
 * writers/common/dbwriter.c - the database writers' shared policy (see
 * dbwriter.h).
 */
#include <errno.h>
#include <string.h>

#include "dbwriter.h"

int
wdb_restore_defaults(struct wdecl *decl, const char *service)
{
	if (decl->backup_schema == 0)
		decl->backup_schema =
			VSS_BS_COPY | VSS_BS_WRITER_SUPPORTS_NEW_TARGET;
	if (decl->has_restore_method)
		return 0;
	if (service != NULL) {
		char *copy = strdup(service);

		if (copy == NULL)
			return -ENOMEM;
		decl->restore_method = VSS_RME_STOP_RESTORE_START;
		decl->restore_service = copy;
	} else {
		decl->restore_method = VSS_RME_RESTORE_IF_CAN_REPLACE;
	}
	decl->has_restore_method = true;
	decl->writer_restore = VSS_WRE_ALWAYS;
	return 0;
}

bool
wdb_backup_type_ok(enum vss_backup_type t)
{
	return t == VSS_BT_FULL || t == VSS_BT_COPY || t == VSS_BT_UNDEFINED;
}

unsigned
wdb_freeze_window_ms(const struct wdecl *decl)
{
	return decl->freeze_timeout_ms != 0 ? decl->freeze_timeout_ms
					    : WDB_DEFAULT_FREEZE_MS;
}

unsigned
wdb_lock_wait_ms(const struct wdecl *decl, unsigned wanted_ms)
{
	unsigned half = wdb_freeze_window_ms(decl) / 2;

	return wanted_ms < half ? wanted_ms : half;
}
