#!/bin/sh
# tests/fuzz/run.sh [SECONDS] - fuzz the WMD and BCD loaders for SECONDS
# each (default 60) and exit non-zero if either crashes.
#
# Needs clang with libFuzzer.  The build directory (build-fuzz at the top
# of the tree, or $VSS_FUZZ_BUILD) is configured when missing, as:
#
#   CC=clang meson setup build-fuzz -Dfuzz=true \
#       -Db_sanitize=address,undefined -Db_lundef=false \
#       -Dc_args=-fsanitize=fuzzer-no-link
#
# -fsanitize=fuzzer-no-link instruments libvss itself for coverage; the
# targets add -fsanitize=fuzzer,address,undefined (tests/fuzz/meson.build).
# Each target runs on a copy of its seed corpus (tests/fuzz/corpus/wmd,
# .../bcd) in a temporary directory, so the seeds in the tree stay as they
# are; inputs that crash are written to tests/fuzz/crash-* (ignored by git)
# and can be replayed with: build-fuzz/tests/fuzz/fuzz_wmd crash-...
# "meson test -C build-fuzz --suite fuzz" runs the seeds once, no fuzzing.
set -eu

seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS]" >&2
	exit 2
	;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${VSS_FUZZ_BUILD:-$root/build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$build" tests/fuzz/fuzz_wmd tests/fuzz/fuzz_bcd

work=$(mktemp -d "${TMPDIR:-/tmp}/vss-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Element and attribute names, and values worth trying, for both targets.
cat >"$work/xml.dict" <<'DICT'
"<WRITER_METADATA"
"</WRITER_METADATA>"
"<IDENTIFICATION"
"</IDENTIFICATION>"
"<RESTORE_METHOD"
"</RESTORE_METHOD>"
"<BACKUP_LOCATIONS"
"</BACKUP_LOCATIONS>"
"<ALTERNATE_LOCATION_MAPPING"
"</ALTERNATE_LOCATION_MAPPING>"
"<EXCLUDE_FILES"
"</EXCLUDE_FILES>"
"<EXCLUDE_FILES_FROM_SNAPSHOT"
"</EXCLUDE_FILES_FROM_SNAPSHOT>"
"<FILE_GROUP"
"</FILE_GROUP>"
"<DATABASE"
"</DATABASE>"
"<FILE_LIST"
"</FILE_LIST>"
"<DATABASE_FILES"
"</DATABASE_FILES>"
"<DATABASE_LOGFILES"
"</DATABASE_LOGFILES>"
"<DEPENDENCY"
"</DEPENDENCY>"
"<BACKUP_COMPONENTS"
"</BACKUP_COMPONENTS>"
"<WRITER_COMPONENTS"
"</WRITER_COMPONENTS>"
"<COMPONENT"
"</COMPONENT>"
"<BACKUP_METADATA"
"</BACKUP_METADATA>"
"<RESTORE_METADATA"
"</RESTORE_METADATA>"
"<COMPONENT_FAILURE"
"</COMPONENT_FAILURE>"
"<RESTORE_SUBCOMPONENT"
"</RESTORE_SUBCOMPONENT>"
"<NEW_TARGET"
"</NEW_TARGET>"
"<DIRECTED_TARGET"
"</DIRECTED_TARGET>"
"<PARTIAL_FILE"
"</PARTIAL_FILE>"
"<DIFFERENCED_FILE"
"</DIFFERENCED_FILE>"
"<SNAPSHOT_SET_DESCRIPTION"
"</SNAPSHOT_SET_DESCRIPTION>"
"<SNAPSHOT_DESCRIPTION"
"</SNAPSHOT_DESCRIPTION>"
"version=\""
"backupSchema=\""
"writerId=\""
"instanceId=\""
"instanceName=\""
"friendlyName=\""
"usage=\""
"dataSource=\""
"majorVersion=\""
"minorVersion=\""
"method=\""
"service=\""
"userProcedure=\""
"writerRestore=\""
"rebootRequired=\""
"path=\""
"filespec=\""
"recursive=\""
"destination=\""
"alternatePath=\""
"filespecBackupType=\""
"logicalPath=\""
"componentName=\""
"componentType=\""
"caption=\""
"icon=\""
"restoreMetadata=\""
"notifyOnBackupComplete=\""
"selectable=\""
"selectableForRestore=\""
"componentFlags=\""
"bootableSystemStateBackup=\""
"selectComponents=\""
"backupType=\""
"partialFileSupport=\""
"snapshotSetId=\""
"restoreType=\""
"context=\""
"backupStamp=\""
"previousBackupStamp=\""
"receivedBackupStamp=\""
"backupSucceeded=\""
"backupOptions=\""
"restoreOptions=\""
"selectedForRestore=\""
"additionalRestores=\""
"restoreTarget=\""
"fileRestoreStatus=\""
"authoritativeRestore=\""
"rollForwardType=\""
"rollForwardPoint=\""
"restoreName=\""
"rangesFilePath=\""
"prepareBackupFailureMsg=\""
"postSnapshotFailureMsg=\""
"preRestoreFailureMsg=\""
"postRestoreFailureMsg=\""
"metadata=\""
"hr=\""
"applicationHr=\""
"message=\""
"repair=\""
"sourcePath=\""
"sourceFilename=\""
"sourceRanges=\""
"destinationPath=\""
"destinationFilename=\""
"destinationRanges=\""
"filename=\""
"ranges=\""
"lsn=\""
"lastModifyTime=\""
"snapshotId=\""
"providerId=\""
"originalVolumeName=\""
"snapshotDeviceObject=\""
"originatingMachine=\""
"snapshotAttributes=\""
"timestamp=\""
"\"yes\""
"\"no\""
"\"USER_DATA\""
"\"BOOTABLE_SYSTEM_STATE\""
"\"SYSTEM_SERVICE\""
"\"TRANSACTION_DB\""
"\"OTHER\""
"\"RESTORE_IF_CAN_BE_REPLACED\""
"\"REPLACE_AT_REBOOT\""
"\"REPLACE_AT_REBOOT_IF_CANNOT_REPLACE\""
"\"RESTORE_STOP_START\""
"\"always\""
"\"never\""
"\"ifReplaceFails\""
"\"full\""
"\"differential\""
"\"incremental\""
"\"filegroup\""
"\"database\""
"\"DIRECTED\""
"\"FAILED\""
"\"PARTIAL\""
"\"BY_COPY\""
"\"3855\""
"\"4294967295\""
"\"0x800423F3\""
"\"-9223372036854775808\""
"\"d61d61c8-d73a-4eee-8cdd-f6f9786b7124\""
"\"{D61D61C8-D73A-4EEE-8CDD-F6F9786B7124}\""
"\"\\\\host\\\""
"xmlns=\"x-schema:#VssWriterMetadataInfo\""
"xmlns=\"x-schema:#VssComponentMetadata\""
"xmlns=\"\""
"&amp;"
"&#10;"
"&#x0;"
"<![CDATA["
"]]>"
"<!--"
"-->"
"<!DOCTYPE"
"<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
"\xff\xfe"
"\xef\xbb\xbf"
"\x0d\x0a"
"\x00"
DICT

# UBSan reports abort, so that libFuzzer sees them as crashes.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS

status=0
for t in wmd bcd; do
	mkdir "$work/$t"
	cp "$here/corpus/$t/"* "$work/$t/"
	echo "fuzz_$t: ${seconds}s"
	if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" \
		-max_len=65536 -rss_limit_mb=2048 -timeout=10 \
		-dict="$work/xml.dict" -artifact_prefix="$here/" \
		-print_final_stats=1 "$work/$t" 2>"$work/$t.log"; then
		tail -n 60 "$work/$t.log" >&2
		echo "fuzz_$t: FAILED; inputs in $here/crash-* etc." >&2
		status=1
	else
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' \
			"$work/$t.log" || true
	fi
done
exit $status
