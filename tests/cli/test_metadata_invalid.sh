# Documents that do not load, and files that cannot be read: exit 1, one
# line on stderr "vss: metadata: FILE: STATUS_NAME: detail", nothing on
# stdout (MD-003).
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# invalid FILE WHAT: the document is refused as VSS_E_INVALID_XML_DOCUMENT.
invalid() {
	run metadata "$1"
	expect_rc 1 "$2"
	expect_in err "vss: metadata: $1: VSS_E_INVALID_XML_DOCUMENT: " "$2"
	expect_empty out "$2"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$2: more than one line"
	run metadata "$1" --json
	expect_rc 1 "$2 (--json)"
	expect_empty out "$2 (--json)"
}

# The line and the element at fault are named.
cat >"$TMP/bad-bool.xml" <<'XML'
<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.2">
<IDENTIFICATION writerId="01234567-89ab-4def-8123-456789abcdef" instanceId="11234567-89ab-4def-8123-456789abcdef" friendlyName="bad" usage="USER_DATA" dataSource="OTHER" majorVersion="1" minorVersion="0"/>
<RESTORE_METHOD method="RESTORE_IF_CAN_BE_REPLACED" writerRestore="never" rebootRequired="no"/>
<BACKUP_LOCATIONS><FILE_GROUP componentName="c" restoreMetadata="no" notifyOnBackupComplete="no" selectable="yes" selectableForRestore="no" componentFlags="0">
<FILE_LIST path="/srv" filespec="*" recursive="maybe" filespecBackupType="3855"/>
</FILE_GROUP></BACKUP_LOCATIONS></WRITER_METADATA>
XML
invalid "$TMP/bad-bool.xml" "bad boolean"
expect_in err "VSS_E_INVALID_XML_DOCUMENT: line 5: FILE_LIST: " \
	"bad boolean: line and element"
expect_in err "maybe" "bad boolean: the bad value"

# A BCD is checked as a BCD.
cat >"$TMP/bad-bcd.xml" <<'XML'
<?xml version="1.0"?>
<BACKUP_COMPONENTS xmlns="x-schema:#VssComponentMetadata" version="1.2" bootableSystemStateBackup="no" selectComponents="yes" backupType="sometimes" partialFileSupport="no"/>
XML
invalid "$TMP/bad-bcd.xml" "bad backup type"
expect_in err "sometimes" "bad backup type: the bad value"

printf '<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo">' \
	>"$TMP/truncated.xml"
invalid "$TMP/truncated.xml" "not well-formed"

echo '<SOMETHING_ELSE/>' >"$TMP/other-root.xml"
invalid "$TMP/other-root.xml" "unknown root element"

: >"$TMP/empty.xml"
invalid "$TMP/empty.xml" "empty file"

# Files that cannot be read: the errno by name.
run metadata "$TMP/does-not-exist.xml"
expect_rc 1 "missing file"
expect_in err "vss: metadata: $TMP/does-not-exist.xml: ENOENT: " \
	"missing file"
expect_empty out "missing file"

run metadata "$TMP"
expect_rc 1 "directory"
expect_in err "vss: metadata: $TMP: EISDIR: " "directory"

# Larger than 64 MiB: refused before reading (a sparse file) and while
# reading (a pipe, whose size is not known in advance).
truncate -s 65M "$TMP/huge.xml"
run metadata "$TMP/huge.xml"
expect_rc 1 "huge file"
expect_in err "vss: metadata: $TMP/huge.xml: EFBIG: larger than the 64 MiB limit" \
	"huge file"
rc=0
head -c $((64 * 1024 * 1024 + 1)) /dev/zero |
	"$VSS" metadata /dev/stdin >"$TMP/out" 2>"$TMP/err" || rc=$?
expect_rc 1 "huge pipe"
expect_in err "vss: metadata: /dev/stdin: EFBIG: " "huge pipe"

finish
