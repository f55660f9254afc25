# "vss restore" of hostile or damaged backup sets (issue 6; spec
# restore.md section 12, RS-120..RS-123; docs/backup-set.md): a set edited
# by hand, with the manifest's digest computed again so that the damage is
# in the content and not in the digest, is refused whole with a clear
# error, exit 1, before any writer is told and before anything is
# written:
#   an entry path with "..", an absolute entry path, a symbolic link in
#   the target tree where the set has a directory (pointing outside),
#   a truncated data file, a data file with one byte flipped (checksum
#   mismatch), a changed bcd.xml and a changed writer metadata document
#   (document digest mismatch), a manifest changed without its digest;
#   with the digests computed again: a volume mount point with "..",
#   relative or not clean (vss verify refuses it too), one through a
#   symbolic link or missing; a writer metadata document whose mapping
#   leads outside the volumes, whose service name is no unit name
#   ("-x", "svc*": the component is refused, no command runs), or
#   whose method is undefined.
# A saved BCD with restore targets, new and directed targets and mappings
# pointing outside: ignored (the writers set targets, RS-060, RS-081).
# After each, the volume's tree (names, types, modes, owners, times,
# contents, xattrs) is what it was and the "outside" directory is empty.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
: "${vol:?sys_btrfs gave no mount point}"
sys_vssd

outside=$TMP/outside
mkdir "$outside"

mkdir -p "${vol:?}/data/sub" "${vol:?}/hw"
echo "plain a" >"${vol:?}/data/a.txt"
echo "plain b" >"${vol:?}/data/sub/b.txt"
head -c 100000 /dev/urandom >"${vol:?}/data/big.bin"
echo "hw file" >"${vol:?}/hw/w.txt"
cat >"$TMP/hw.conf" <<EOF
[writer]
class_id = $(cat /proc/sys/kernel/random/uuid)
[restore]
method = RESTORE_IF_CAN_BE_REPLACED
writer_restore = always
[component data]
files = $vol/hw * true
EOF
sys_writer hw --config "$TMP/hw.conf"

run backup --writer hw "${vol:?}/data" --to "$TMP/good" --json
expect_rc 0 "backup"
run verify "$TMP/good"
expect_rc 0 "verify the good set"

# set_edit SET WHAT ARGS...: edit the set as one who knows its format
# would, keeping every digest right (docs/backup-set.md, "manifest.json"):
#   entry OLD NEW     the entry whose path is OLD gets path NEW
#   volume MOUNT      the volume gets mount point MOUNT
#   doc DOC OLD NEW   the text OLD of document DOC (bcd.xml,
#                     writers/ID.xml) becomes NEW, and the document's
#                     record gets its new size and SHA-256
# then the end record's SHA-256 is computed again over the lines before it.
set_edit() {
	python3 - "$@" <<'PY'
import hashlib, json, sys
setdir, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
path = setdir + "/manifest.json"
lines = open(path, "rb").read().split(b"\n")
assert lines[-1] == b""
lines = lines[:-1]
if what == "doc":
    doc, old, new = args
    data = open(setdir + "/" + doc, "rb").read()
    assert data.count(old.encode()) == 1, f"{doc}: {old!r} not once"
    data = data.replace(old.encode(), new.encode())
    open(setdir + "/" + doc, "wb").write(data)
hits = 0
for i, line in enumerate(lines[:-1]):
    rec = json.loads(line)
    if what == "entry" and rec.get("kind") == "entry" and rec["path"] == args[0]:
        rec["path"] = args[1]
    elif what == "volume" and rec.get("kind") == "volume":
        rec["mount_point"] = args[0]
    elif what == "doc" and rec.get("kind") == "document" and rec["path"] == args[0]:
        rec["size"] = len(data)
        rec["sha256"] = hashlib.sha256(data).hexdigest()
    else:
        continue
    lines[i] = json.dumps(rec, separators=(",", ":")).encode()
    hits += 1
assert hits == 1, f"{what} {args}: {hits} records"
end = json.loads(lines[-1])
body = b"".join(l + b"\n" for l in lines[:-1])
end["sha256"] = hashlib.sha256(body).hexdigest()
lines[-1] = json.dumps(end, separators=(",", ":")).encode()
open(path, "wb").write(b"".join(l + b"\n" for l in lines))
PY
}

# A copy of the good set to spoil.
copy_set() {
	rm -rf "$TMP/bad"
	cp -a "$TMP/good" "$TMP/bad"
}

# hostile WHAT PATTERN [ARGS...]: restore $TMP/bad (with ARGS) over a
# damaged volume: refused (exit 1), stderr matching PATTERN (grep -E,
# any case), nothing written, no writer told, no service command run.
hostile() {
	local what=$1 pattern=$2 m
	shift 2
	# Damage that a restore would repair, so that writing shows.
	echo damaged >"${vol:?}/data/a.txt"
	echo damaged >"${vol:?}/hw/w.txt"
	sys_tree_state "${vol:?}" --skip .vss-shadows >"$TMP/before"
	m=$(($(sys_log_lines hw) + 1))
	run restore "$TMP/bad" --json "$@"
	expect_rc 1 "$what"
	grep -qiE -- "$pattern" "$TMP/err" ||
		fail "$what: stderr does not match '$pattern':
$(sed 's/^/    /' "$TMP/err")"
	sys_tree_state "${vol:?}" --skip .vss-shadows >"$TMP/after"
	cmp -s "$TMP/before" "$TMP/after" ||
		fail "$what: the volume changed:
$(diff "$TMP/before" "$TMP/after" | head -20)"
	[ -z "$(ls -A "$outside")" ] || fail "$what: written outside: $(ls -A "$outside")"
	sys_events hw "$m" >"$TMP/events"
	grep -qx 'pre_restore\|post_restore' "$TMP/events" &&
		fail "$what: the writer was told"
	[ -n "$(find "${vol:?}" -xdev -name '.vss-restore-*')" ] &&
		fail "$what: temporary files left"
	[ -e "$TMP/svc.log" ] && fail "$what: a service command ran: $(cat "$TMP/svc.log")"
	return 0
}

# A service command that only says it ran.
cat >"$TMP/svc.sh" <<EOF
#!/bin/sh
echo "\$@" >>"$TMP/svc.log"
EOF
chmod +x "$TMP/svc.sh"

# ---- entry paths ----------------------------------------------------------
copy_set
set_edit "$TMP/bad" entry data/sub/b.txt data/../../outside/b.txt
hostile 'an entry path with ".."' '\.\./\.\./outside'

copy_set
set_edit "$TMP/bad" entry data/sub/b.txt "$outside/abs.txt"
hostile "an absolute entry path" "outside/abs\.txt"

# ---- a symbolic link in the target tree -----------------------------------
copy_set
mv "${vol:?}/data/sub" "$TMP/sub.saved"
ln -s "$outside" "${vol:?}/data/sub"
hostile "a symbolic link in the target tree" "symlink|symbolic link|ELOOP"
rm "${vol:?}/data/sub"
mv "$TMP/sub.saved" "${vol:?}/data/sub"

# ---- volume mount points --------------------------------------------------
# A mount point climbing out of --to DIR: DIR/../outside is $outside.
copy_set
set_edit "$TMP/bad" volume "/../outside"
run verify "$TMP/bad"
expect_rc 1 "verify: a mount point with \"..\""
grep -q "mount_point" "$TMP/out" "$TMP/err" ||
	fail "verify does not name the bad mount point: $(cat "$TMP/out" "$TMP/err")"
mkdir "$TMP/to"
hostile 'a mount point with ".." and --to' "mount_point" --to "$TMP/to"
[ -z "$(ls -A "$TMP/to")" ] || fail "a bad mount point: written below --to"

for mp in "$vol/" "$vol/." "$vol//data/.." "relative/path" ""; do
	copy_set
	set_edit "$TMP/bad" volume "$mp"
	hostile "mount point '$mp'" "mount_point"
done

# In place: the mount point must be a directory reached without a link.
ln -s "$vol" "$TMP/link"
copy_set
set_edit "$TMP/bad" volume "$TMP/link"
hostile "a mount point through a symbolic link" "symbolic link"

copy_set
set_edit "$TMP/bad" volume "$TMP/nonexistent"
hostile "a mount point that does not exist" "nonexistent.*mount point|mount point.*No such file"

# ---- writer metadata: mappings, service names, method ---------------------
# (the saved WMD's restore method is what the restore follows, RS-003)
wmd=$(cd "$TMP/good" && ls writers/*.xml)
method='<RESTORE_METHOD method="RESTORE_IF_CAN_BE_REPLACED"'
reboot='rebootRequired="no"/>'
for dest in "$outside" "$vol/hw/../../outside" "/etc"; do
	copy_set
	set_edit "$TMP/bad" doc "$wmd" "$method" \
		'<RESTORE_METHOD method="RESTORE_TO_ALTERNATE_LOCATION"'
	set_edit "$TMP/bad" doc "$wmd" "$reboot" \
		"$reboot<ALTERNATE_LOCATION_MAPPING path=\"$vol/hw\" filespec=\"*\" recursive=\"yes\" destination=\"$dest\"/>"
	hostile "a mapping to '$dest'" "outside the volumes|not a clean absolute path"
done

for svc in "-x" "svc*" "../svc" "a b"; do
	copy_set
	set_edit "$TMP/bad" doc "$wmd" "$method" \
		"<RESTORE_METHOD method=\"STOP_RESTORE_START\" service=\"$svc\""
	hostile "service name '$svc'" "service name" --writer hw \
		--service-command "$TMP/svc.sh"
done

# The metadata layer refuses a method declared undefined: the set with it.
copy_set
set_edit "$TMP/bad" doc "$wmd" "$method" '<RESTORE_METHOD method="UNDEFINED"'
hostile "restore method undefined" "RESTORE_METHOD"

# ---- the saved BCD: restore targets are the writers', not the set's -------
# initialize_for_restore clears targets, new and directed targets and
# mappings of the saved document: these point outside, and are ignored.
copy_set
set_edit "$TMP/bad" doc bcd.xml 'backupSucceeded="yes"/>' \
	"backupSucceeded=\"yes\" restoreTarget=\"DIRECTED\"><ALTERNATE_LOCATION_MAPPING path=\"$vol/hw\" filespec=\"*\" recursive=\"yes\" destination=\"$outside\"/><NEW_TARGET path=\"$vol/hw\" filespec=\"*\" recursive=\"yes\" destination=\"$outside\"/><DIRECTED_TARGET sourcePath=\"$vol/hw\" sourceFilename=\"w.txt\" sourceRanges=\"0:3\" destinationPath=\"$outside\" destinationFilename=\"w.txt\" destinationRanges=\"0:3\"/></COMPONENT>"
echo damaged >"${vol:?}/hw/w.txt"
run restore "$TMP/bad" --writer hw --json
expect_rc 0 "targets in the saved BCD"
[ -z "$(ls -A "$outside")" ] || fail "targets in the saved BCD: written outside: $(ls -A "$outside")"
[ "$(cat "${vol:?}/hw/w.txt")" = "hw file" ] || fail "targets in the saved BCD: w.txt not restored"
[ "$(sys_detail hw pre_restore target)" = data:ORIGINAL ] ||
	fail "targets in the saved BCD: pre_restore target=$(sys_detail hw pre_restore target || true)"
for key in directed new_targets mappings; do
	sys_detail hw pre_restore "$key" >/dev/null &&
		fail "targets in the saved BCD: pre_restore has $key=$(sys_detail hw pre_restore "$key")"
done

# ---- damaged data ---------------------------------------------------------
copy_set
truncate -s 50000 "$TMP/bad/data/0/data/big.bin"
hostile "a truncated data file" "big\.bin"

copy_set
python3 - "$TMP/bad/data/0/data/big.bin" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(1000)
    b = f.read(1)
    f.seek(1000)
    f.write(bytes([b[0] ^ 0x01]))
PY
hostile "a data file with a flipped byte" "big\.bin.*checksum|checksum.*big\.bin"

# ---- damaged documents ----------------------------------------------------
copy_set
sed -i 's/backupSucceeded="yes"/backupSucceeded="no"/' "$TMP/bad/bcd.xml"
cmp -s "$TMP/good/bcd.xml" "$TMP/bad/bcd.xml" && fail "bcd.xml was not changed"
hostile "a changed bcd.xml" "bcd\.xml"

copy_set
wmd=$(cd "$TMP/bad" && ls writers/*.xml)
sed -i 's/RESTORE_IF_CAN_BE_REPLACED/RESTORE_IF_NOT_THERE/' "$TMP/bad/$wmd"
cmp -s "$TMP/good/$wmd" "$TMP/bad/$wmd" && fail "$wmd was not changed"
hostile "a changed writer metadata document" "writers/"

# Documents reached through symbolic links: the same bytes, so only the
# links refuse them (the verification first; restore also reads the
# documents without following a link, restore_plan.c).
copy_set
mv "$TMP/bad/bcd.xml" "$TMP/bcd-copy.xml"
ln -s "$TMP/bcd-copy.xml" "$TMP/bad/bcd.xml"
hostile "bcd.xml a symbolic link" "bcd\.xml.*(symbolic link|symlink)"
copy_set
mv "$TMP/bad/writers" "$TMP/writers-copy"
ln -s "$TMP/writers-copy" "$TMP/bad/writers"
hostile "writers/ a symbolic link" "writers.*(symbolic link|symlink)"

# ---- a manifest changed without its digest --------------------------------
copy_set
sed -i 's/"mode":420/"mode":511/' "$TMP/bad/manifest.json"
cmp -s "$TMP/good/manifest.json" "$TMP/bad/manifest.json" &&
	fail "manifest.json was not changed"
hostile "a manifest with a wrong digest" "manifest"

# The good set still restores (the refusals were not about the volume).
run restore "$TMP/good"
expect_rc 0 "the good set"
[ "$(cat "${vol:?}/data/a.txt")" = "plain a" ] || fail "the good set did not restore a.txt"
[ "$(cat "${vol:?}/hw/w.txt")" = "hw file" ] || fail "the good set did not restore w.txt"

finish
