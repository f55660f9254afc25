# "vss metadata FILE" prints a WMD or a BCD as an indented tree: every
# example loads (MD-060) and the fields show with their values.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

pg=$EXAMPLES/postgresql-writer.wmd.xml
mail=$EXAMPLES/maildir-writer.wmd.xml
bcd=$EXAMPLES/backup.bcd.xml

for f in "$EXAMPLES"/*.xml; do
	run metadata "$f"
	expect_rc 0 "vss metadata $f"
	expect_empty err "vss metadata $f"
done

run metadata "$pg"
for line in \
	"type: wmd" \
	"identity:" \
	"  friendly name: PostgreSQL writer" \
	"  class id: 956c499b-ecbc-446f-9708-d36a231d7dcf" \
	"  instance name: postgresql-15-main" \
	"  usage: USER_DATA" \
	"  source: TRANSACTION_DB" \
	"  major version: 1" \
	"backup schema: 0x59 (DIFFERENTIAL | LOG | COPY | LAST_MODIFY)" \
	"restore method:" \
	"  method: RESTORE_IF_CAN_BE_REPLACED" \
	"  writer restore: always" \
	"  reboot required: no" \
	"exclude files:" \
	"  - path: /var/lib/postgresql/15/main/pg_stat_tmp" \
	"exclude files from snapshot:" \
	"  - path: /var/lib/postgresql/15/main/pg_replslot" \
	"    recursive: yes" \
	"    backup type mask: 0xf0f (ALL_BACKUP_REQUIRED | ALL_SNAPSHOT_REQUIRED)" \
	"components:" \
	"  - logical path: 15" \
	"    name: main" \
	"    type: database" \
	'    caption: PostgreSQL 15 cluster "main"' \
	"    database files:" \
	"      - path: /var/lib/postgresql/15/main/base/16384" \
	"    log files:" \
	"      - path: /var/lib/postgresql/15/main/pg_wal" \
	"        filespec: 0000*" \
	'  - logical path: 15\main' \
	"    name: tablespaces" \
	"      - path: /srv/pg-tablespaces/fast" \
	"    flags: 0x4 (NOT_SYSTEM_STATE)"; do
	expect_in out "$line" "wmd text"
done
# Absent values and empty lists leave no line.
expect_not_in out "alternate location mappings" "wmd text"
expect_not_in out "dependencies" "wmd text"
expect_not_in out "alternate path" "wmd text"

run metadata "$mail"
expect_in out "  friendly name: Maildir writer" "nested wmd text"
expect_not_in out "instance name" "nested wmd text (no instanceName)"
expect_in out '  - logical path: store\archive' "nested wmd text"
expect_in out "    selectable for restore: yes" "nested wmd text"

run metadata "$bcd"
for line in \
	"type: bcd" \
	"backup state:" \
	"  select components: yes" \
	"  bootable system state: no" \
	"  backup type: full" \
	"snapshot set id: 6987463d-e8d6-4c13-a689-c6440aeefc9a" \
	"writers:" \
	"  - class id: 956c499b-ecbc-446f-9708-d36a231d7dcf" \
	"    instance name: postgresql-15-main" \
	"    backup schema: 0x59 (DIFFERENTIAL | LOG | COPY | LAST_MODIFY)" \
	"      - logical path: 15" \
	"        name: main" \
	"        type: database" \
	"        backup stamp: lsn=0/5000100;timeline=1" \
	"        backup metadata: bGFiZWw9dnNzLWRlbW87c3RhcnRfbHNuPTAvNTAwMDAyODtzdG9wX2xzbj0wLzUwMDAxMDA7dGltZWxpbmU9MQ==" \
	"        restore target: ORIGINAL" \
	"      - name: index" \
	"      - logical path: index" \
	"        name: settings"; do
	expect_in out "$line" "bcd text"
done
expect_not_in out "failure" "bcd text (no failure set)"

# UTF-16 with a byte-order mark reads like UTF-8, for both documents (the
# root element is found in UTF-16 too).
for f in "$pg" "$bcd"; do
	to_utf16 "$f" "$TMP/utf16.xml"
	run metadata "$f"
	cp "$TMP/out" "$TMP/utf8.txt"
	run metadata "$TMP/utf16.xml"
	expect_rc 0 "utf-16 $f"
	cmp -s "$TMP/out" "$TMP/utf8.txt" ||
		fail "utf-16 $f prints differently from utf-8"
done

# Documents written here: no declaration, one line; a value with a line
# break shows quoted, so the tree stays one value per line.
cat >"$TMP/small.xml" <<'XML'
<BACKUP_COMPONENTS xmlns="x-schema:#VssComponentMetadata" version="1.2" bootableSystemStateBackup="no" selectComponents="no" backupType="copy" partialFileSupport="yes"><WRITER_COMPONENTS instanceId="B0B0B0B0-0000-4000-8000-000000000001" writerId="{a0a0a0a0-0000-4000-8000-000000000002}" backupSchema="0"><COMPONENT componentName="two&#10;lines" componentType="filegroup" backupStamp=" padded "/></WRITER_COMPONENTS></BACKUP_COMPONENTS>
XML
run metadata "$TMP/small.xml"
expect_rc 0 "one-line bcd"
expect_in out "  backup type: copy" "one-line bcd"
expect_in out "  partial file support: yes" "one-line bcd"
expect_in out "  - class id: a0a0a0a0-0000-4000-8000-000000000002" \
	"one-line bcd: ids in braces and upper case print plain lower case"
expect_in out "    instance id: b0b0b0b0-0000-4000-8000-000000000001" \
	"one-line bcd"
expect_in out '      - name: "two\nlines"' "one-line bcd: line break"
expect_in out '        backup stamp: " padded "' "one-line bcd: blanks"
expect_not_in out "snapshot set id" "one-line bcd: no set id"

finish
