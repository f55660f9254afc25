#!/bin/sh
# tests/fuzz/run.sh [SECONDS] - fuzz the WMD and BCD loaders, the wire
# frame and message decoders, vssd's configuration parser, the
# FilesNotToSnapshot/FilesNotToBackup entry parser, the backup set's
# manifest parser, the pending restore journal parser and the range
# lists of directed targets for SECONDS each (default 60) and exit
# non-zero if any crashes.
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
# The targets of tests/fuzz/meson.build; each has tests/fuzz/corpus/NAME.
targets="wmd bcd frame message config filerule manifest pending_restore ranges
	writerd_conf pg_meta mariadb_meta test_writer_config"
ninja -C "$build" $(for t in $targets; do echo "tests/fuzz/fuzz_$t"; done)

work=$(mktemp -d "${TMPDIR:-/tmp}/vss-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Stop on a signal (the EXIT trap cleans up) instead of going on.
trap 'exit 130' INT TERM

# Element and attribute names, and values worth trying, for wmd and bcd.
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

# Message types, field names and values of the wire protocol, for frame and
# message.
cat >"$work/json.dict" <<'DICT'
"\"type\":"
"\"id\":"
"\"status\":"
"\"message\":"
"\"event\":"
"\"role\":"
"\"version\":"
"\"session_id\":"
"\"target_id\":"
"\"class_id\":"
"\"instance_id\":"
"\"instance_name\":"
"\"friendly_name\":"
"\"usage\":"
"\"source\":"
"\"level\":"
"\"freeze_timeout_ms\":"
"\"writers\":"
"\"wmd\":"
"\"bcd\":"
"\"state\":"
"\"failure\":"
"\"app_failure\":"
"\"failure_message\":"
"\"event_ms\":"
"\"context\":"
"\"backup_type\":"
"\"restore_type\":"
"\"select_components\":"
"\"bootable_system_state\":"
"\"partial_file_support\":"
"\"enabled_classes\":"
"\"disabled_classes\":"
"\"disabled_instances\":"
"\"snapshot_set_id\":"
"\"snapshot_id\":"
"\"provider_id\":"
"\"volume\":"
"\"volumes\":"
"\"supported\":"
"\"snapshots\":"
"\"device\":"
"\"attributes\":"
"\"created\":"
"\"originating_machine\":"
"\"service_machine\":"
"\"consistency\":"
"\"timings_ms\":"
"\"freeze_window_ms\":"
"\"hello\""
"\"reply\""
"\"event_reply\""
"\"subscribe\""
"\"unsubscribe\""
"\"gather_writer_metadata\""
"\"gather_writer_status\""
"\"start_snapshot_set\""
"\"is_volume_supported\""
"\"add_to_snapshot_set\""
"\"prepare_for_backup\""
"\"do_snapshot_set\""
"\"get_snapshot_properties\""
"\"backup_complete\""
"\"abort_backup\""
"\"cancel\""
"\"list_writers\""
"\"identify\""
"\"prepare_backup\""
"\"prepare_snapshot\""
"\"freeze\""
"\"thaw\""
"\"post_snapshot\""
"\"abort\""
"\"backup_shutdown\""
"\"pre_restore\""
"\"post_restore\""
"\"requester\""
"\"writer\""
"\"admin\""
"\"front_end\""
"\"back_end\""
"\"system\""
"\"application\""
"\"crash\""
"\"USER_DATA\""
"\"TRANSACTION_DB\""
"\"full\""
"\"BY_COPY\""
"\"d61d61c8-d73a-4eee-8cdd-f6f9786b7124\""
"\"{D61D61C8-D73A-4EEE-8CDD-F6F9786B7124}\""
"9007199254740992"
"9007199254740993"
"2147483648"
"-2147483649"
"4294967296"
"-2147212301"
"0.5"
"1e400"
"true"
"false"
"null"
"[]"
"{}"
"\\u0000"
"\\ud800"
"\x00\x00\x00\x00"
"\x00\x00\x10\x00"
"\x00\x00\x10\x01"
"\xff\xff\xff\xff"
DICT

# Sections, keys and values of vssd's configuration, for config.
cat >"$work/ini.dict" <<'DICT'
"[vssd]"
"[provider "
"[files-not-to-snapshot]"
"id = "
"type = hardware"
"volumes = "
"freeze = no"
"commit = "
"delete = "
"expose = "
"unexpose = "
"list = "
"timeout_ms = "
"commit_timeout_ms = "
"max_shadow_copies = "
"max_shadow_copies_action = delete-oldest"
"expose_dir = "
"disable_user_profile_expansion = yes"
"$AllVolumes$"
"$UserProfile$"
" /s"
";"
"*.tmp"
"0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0001"
DICT

# Keys and values of a backup set's manifest, for manifest.
cat >"$work/manifest.dict" <<'DICT'
"{\"format\":\"vss-backup-set\",\"version\":2,"
"{\"kind\":\"volume\","
"{\"kind\":\"component\","
"{\"kind\":\"document\","
"{\"kind\":\"entry\","
"{\"kind\":\"failed\","
"{\"kind\":\"end\","
"\"failed_total\":"
"\"volume\":"
"\"path\":"
"\"type\":"
"\"mode\":"
"\"size\":"
"\"link_target\":"
"\"hardlink_of\":"
"\"rdev\":"
"\"sha256\":"
"\"xattrs\":"
"\"components\":"
"\"result\":"
"\"file\""
"\"dir\""
"\"symlink\""
"\"chr\""
"\"socket\""
"\"bcd.xml\""
"\"writers/d61d61c8-d73a-4eee-8cdd-f6f9786b7124.xml\""
"\"..\""
"\"a/../b\""
"\"/\""
"\"\\u0000\""
"\"succeeded\""
"\"failed\""
"9223372036854775807"
"-1"
"\x0a"
DICT

# Records and values of a pending restore journal, for pending_restore.
cat >"$work/pending_restore.dict" <<'DICT'
"{\"format\":\"vss-pending-restore\",\"version\":1,"
"\"id\":\"0123456789abcdef0123456789abcdef\","
"\"created_ns\":"
"\"backup_set\":"
"\"root\":"
"{\"n\":"
"\"type\":"
"\"target\":"
"\"component\":"
"{\"end\":"
"\"sha256\":"
"\"file\""
"\"dir\""
"\"symlink\""
"\"fifo\""
"\"chr\""
"\"blk\""
"\".vss-pending-restore\""
"\"..\""
"\"a/../b\""
"\"/\""
"\"a//b\""
"\"\\u0000\""
"null"
"9223372036854775807"
"-1"
"\x0a"
DICT

# UBSan reports abort, so that libFuzzer sees them as crashes.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS

status=0
for t in $targets; do
	case $t in
	wmd | bcd) dict=xml.dict ;;
	config | filerule) dict=ini.dict ;;
	manifest) dict=manifest.dict ;;
	pending_restore) dict=pending_restore.dict ;;
	*) dict=json.dict ;;
	esac
	mkdir "$work/$t"
	cp "$here/corpus/$t/"* "$work/$t/"
	echo "fuzz_$t: ${seconds}s"
	if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" \
		-max_len=65536 -rss_limit_mb=2048 -timeout=10 \
		-dict="$work/$dict" -artifact_prefix="$here/" \
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
