/*
 * vss/status.h - status codes of the vss library, daemon and tools.
 *
 * Every public function returns an int: 0 (or a count) on success, a
 * negative value on failure.  Failures are either -errno for system
 * failures, or one of the VSS_E_* codes below, which carry the same 32-bit
 * values as the Windows HRESULTs of the same name (0x8004xxxx, negative as
 * int32_t) so that scripts and tests can compare them with Windows.  The
 * VSS_S_* codes are positive success codes.  The same number travels on the
 * wire; text comes only from vss_status_name() and vss_strerror().
 */
#ifndef VSS_STATUS_H
#define VSS_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libvss is built with hidden visibility; what is declared here is exported. */
#pragma GCC visibility push(default)

/*
 * X(name, hresult, message).  Append-only: a code once published keeps its
 * value and name.  Messages are lower case, no final period.
 */
#define VSS_STATUS_MAP(X)                                                      \
	X(VSS_S_ASYNC_PENDING, 0x00042309, "the asynchronous operation is still running") \
	X(VSS_S_ASYNC_FINISHED, 0x0004230A, "the asynchronous operation finished") \
	X(VSS_S_ASYNC_CANCELLED, 0x0004230B, "the asynchronous operation was cancelled") \
	X(VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED, 0x00042321, "some shadow copies were not imported") \
	X(VSS_E_BAD_STATE, 0x80042301, "object not initialized, or call out of sequence") \
	X(VSS_E_UNEXPECTED, 0x80042302, "unexpected internal error") \
	X(VSS_E_PROVIDER_ALREADY_REGISTERED, 0x80042303, "the provider is already registered") \
	X(VSS_E_PROVIDER_NOT_REGISTERED, 0x80042304, "the provider is not registered") \
	X(VSS_E_PROVIDER_VETO, 0x80042306, "the provider refused or failed the operation") \
	X(VSS_E_PROVIDER_IN_USE, 0x80042307, "the provider is in use") \
	X(VSS_E_OBJECT_NOT_FOUND, 0x80042308, "the object does not exist") \
	X(VSS_E_VOLUME_NOT_SUPPORTED, 0x8004230C, "no provider supports this volume") \
	X(VSS_E_OBJECT_ALREADY_EXISTS, 0x8004230D, "the object already exists") \
	X(VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER, 0x8004230E, "the provider does not support this volume") \
	X(VSS_E_UNEXPECTED_PROVIDER_ERROR, 0x8004230F, "the provider returned an unexpected error") \
	X(VSS_E_CORRUPT_XML_DOCUMENT, 0x80042310, "the stored XML document is corrupt") \
	X(VSS_E_INVALID_XML_DOCUMENT, 0x80042311, "the XML document is not valid") \
	X(VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED, 0x80042312, "the shadow copy set has the maximum number of volumes") \
	X(VSS_E_FLUSH_WRITES_TIMEOUT, 0x80042313, "timed out flushing writes") \
	X(VSS_E_HOLD_WRITES_TIMEOUT, 0x80042314, "timed out holding writes") \
	X(VSS_E_UNEXPECTED_WRITER_ERROR, 0x80042315, "unexpected error communicating with writers") \
	X(VSS_E_SNAPSHOT_SET_IN_PROGRESS, 0x80042316, "another shadow copy set is being created") \
	X(VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED, 0x80042317, "the volume has the maximum number of shadow copies") \
	X(VSS_E_WRITER_INFRASTRUCTURE, 0x80042318, "the writer infrastructure is not working") \
	X(VSS_E_WRITER_NOT_RESPONDING, 0x80042319, "a writer did not respond") \
	X(VSS_E_WRITER_ALREADY_SUBSCRIBED, 0x8004231A, "the writer is already subscribed") \
	X(VSS_E_UNSUPPORTED_CONTEXT, 0x8004231B, "the shadow copy context is not supported") \
	X(VSS_E_VOLUME_IN_USE, 0x8004231D, "the volume is in use") \
	X(VSS_E_MAXIMUM_DIFFAREA_ASSOCIATIONS_REACHED, 0x8004231E, "too many diff area associations") \
	X(VSS_E_INSUFFICIENT_STORAGE, 0x8004231F, "not enough storage for the shadow copy") \
	X(VSS_E_NO_SNAPSHOTS_IMPORTED, 0x80042320, "no shadow copies were imported") \
	X(VSS_E_SOME_SNAPSHOTS_NOT_IMPORTED, 0x80042321, "some shadow copies were not imported") \
	X(VSS_E_MAXIMUM_NUMBER_OF_REMOTE_MACHINES_REACHED, 0x80042322, "the maximum number of remote machines is reached") \
	X(VSS_E_REMOTE_SERVER_UNAVAILABLE, 0x80042323, "the remote server is unavailable") \
	X(VSS_E_REMOTE_SERVER_UNSUPPORTED, 0x80042324, "the remote server does not support shadow copies") \
	X(VSS_E_REVERT_IN_PROGRESS, 0x80042325, "a revert is already running on the volume") \
	X(VSS_E_REVERT_VOLUME_LOST, 0x80042326, "the volume was lost during revert") \
	X(VSS_E_REBOOT_REQUIRED, 0x80042327, "the provider needs a reboot") \
	X(VSS_E_TRANSACTION_FREEZE_TIMEOUT, 0x80042328, "timed out freezing transaction managers") \
	X(VSS_E_TRANSACTION_THAW_TIMEOUT, 0x80042329, "timed out thawing transaction managers") \
	X(VSS_E_UNSELECTED_VOLUME, 0x8004232A, "the destination includes a volume that was not selected") \
	X(VSS_E_SNAPSHOT_NOT_IN_SET, 0x8004232B, "the shadow copy is not in the set") \
	X(VSS_E_NESTED_VOLUME_LIMIT, 0x8004232C, "the volume is nested too deeply") \
	X(VSS_E_VOLUME_NOT_LOCAL, 0x8004232D, "the volume is not local") \
	X(VSS_E_CLUSTER_TIMEOUT, 0x8004232E, "a cluster operation timed out") \
	X(VSS_E_NOT_SUPPORTED, 0x8004232F, "the operation is not supported") \
	X(VSS_E_WRITERERROR_PARTIAL_FAILURE, 0x80042336, "the writer reported component failures") \
	X(VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT, 0x800423F0, "the shadow copy set lacks volumes the writer needs") \
	X(VSS_E_WRITERERROR_OUTOFRESOURCES, 0x800423F1, "the writer ran out of resources") \
	X(VSS_E_WRITERERROR_TIMEOUT, 0x800423F2, "the writer timed out between freeze and thaw") \
	X(VSS_E_WRITERERROR_RETRYABLE, 0x800423F3, "transient writer failure, retry") \
	X(VSS_E_WRITERERROR_NONRETRYABLE, 0x800423F4, "writer failure that will recur") \
	X(VSS_E_WRITERERROR_RECOVERY_FAILED, 0x800423F5, "the writer's recovery of the shadow copy failed") \
	X(VSS_E_BREAK_REVERT_ID_FAILED, 0x800423F6, "could not restore the original disk identities") \
	X(VSS_E_LEGACY_PROVIDER, 0x800423F7, "the provider is too old for this operation") \
	X(VSS_E_MISSING_DISK, 0x800423F8, "a disk is missing") \
	X(VSS_E_MISSING_HIDDEN_VOLUME, 0x800423F9, "a hidden volume is missing") \
	X(VSS_E_MISSING_VOLUME, 0x800423FA, "a volume is missing") \
	X(VSS_E_AUTORECOVERY_FAILED, 0x800423FB, "auto-recovery of the shadow copy failed") \
	X(VSS_E_DYNAMIC_DISK_ERROR, 0x800423FC, "dynamic disk handling failed") \
	X(VSS_E_NONTRANSPORTABLE_BCD, 0x800423FD, "the backup components document does not describe a transportable set") \
	X(VSS_E_CANNOT_REVERT_DISKID, 0x800423FE, "could not set the disk identity") \
	X(VSS_E_RESYNC_IN_PROGRESS, 0x800423FF, "another resync is running") \
	X(VSS_E_CLUSTER_ERROR, 0x80042400, "cluster error") \
	X(VSS_E_ASRERROR_DISK_ASSIGNMENT_FAILED, 0x80042401, "asr: could not assign the backed-up disks to the disks of this system") \
	X(VSS_E_ASRERROR_DISK_RECREATION_FAILED, 0x80042402, "asr: could not recreate a disk") \
	X(VSS_E_ASRERROR_NO_ARCPATH, 0x80042403, "asr: the system disk has no firmware (arc) path") \
	X(VSS_E_ASRERROR_MISSING_DYNDISK, 0x80042404, "asr: a dynamic disk needed for recovery is missing") \
	X(VSS_E_ASRERROR_SHARED_CRIDISK, 0x80042405, "asr: a critical disk is a shared cluster disk") \
	X(VSS_E_ASRERROR_DATADISK_RDISK0, 0x80042406, "asr: a data disk is the firmware boot disk") \
	X(VSS_E_ASRERROR_RDISK0_TOOSMALL, 0x80042407, "asr: the firmware boot disk is too small") \
	X(VSS_E_ASRERROR_CRITICAL_DISKS_TOO_SMALL, 0x80042408, "asr: the disks are too small for the critical disks") \
	X(VSS_E_WRITER_STATUS_NOT_AVAILABLE, 0x80042409, "writer status is not available, retry later") \
	X(VSS_E_ASRERROR_DYNAMIC_VHD_NOT_SUPPORTED, 0x8004240A, "asr: dynamic virtual hard disks are not supported") \
	X(VSS_E_CRITICAL_VOLUME_ON_INVALID_DISK, 0x80042411, "a critical volume is on an unsupported disk") \
	X(VSS_E_ASRERROR_RDISK_FOR_SYSTEM_DISK_NOT_FOUND, 0x80042412, "asr: no disk can take the system disk") \
	X(VSS_E_ASRERROR_NO_PHYSICAL_DISK_AVAILABLE, 0x80042413, "asr: no physical disk is available for recovery") \
	X(VSS_E_ASRERROR_FIXED_PHYSICAL_DISK_AVAILABLE_AFTER_DISK_EXCLUSION, 0x80042414, "asr: a fixed disk is still available after disk exclusion") \
	X(VSS_E_ASRERROR_CRITICAL_DISK_CANNOT_BE_EXCLUDED, 0x80042415, "asr: a critical disk cannot be excluded") \
	X(VSS_E_ASRERROR_SYSTEM_PARTITION_HIDDEN, 0x80042416, "asr: the system partition is hidden") \
	X(VSS_E_FSS_TIMEOUT, 0x80042417, "file share shadow copy timed out")

#define VSS_STATUS_ENUM_ENTRY(name, value, msg) name = (int32_t)(value),
/*
 * The codes.  VSS_OK is 0.  A status below 0 that is not in this list is
 * -errno.
 */
enum vss_status {
	VSS_OK = 0,
	VSS_STATUS_MAP(VSS_STATUS_ENUM_ENTRY)
};
#undef VSS_STATUS_ENUM_ENTRY

/*
 * The symbolic name of a status ("VSS_E_BAD_STATE", "ENOENT", "VSS_OK"), or
 * NULL for a value that is neither a known code nor -errno.  Borrowed: a
 * static string.
 */
const char *vss_status_name(int status);

/*
 * A one-line message for a status: the code's meaning, or strerror() for
 * -errno, or "unknown status 0x..." .  Borrowed: a static string, or a
 * thread-local buffer valid until the next call on the same thread.
 */
const char *vss_strerror(int status);

/* True when status is one of the VSS_E_* or VSS_S_* codes above. */
int vss_status_is_known(int status);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
