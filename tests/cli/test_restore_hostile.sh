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
#   (document digest mismatch), a manifest changed without its digest.
# After each, the volume's tree (names, types, modes, owners, times,
# contents, xattrs) is what it was and the "outside" directory is empty.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
sys_vssd

outside=$TMP/outside
mkdir "$outside"

mkdir -p "$vol/data/sub" "$vol/hw"
echo "plain a" >"$vol/data/a.txt"
echo "plain b" >"$vol/data/sub/b.txt"
head -c 100000 /dev/urandom >"$vol/data/big.bin"
echo "hw file" >"$vol/hw/w.txt"
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

run backup --writer hw "$vol/data" --to "$TMP/good" --json
expect_rc 0 "backup"
run verify "$TMP/good"
expect_rc 0 "verify the good set"

# manifest_edit SET OLD NEW: the entry whose path is OLD gets path NEW;
# then the end record's SHA-256 is computed again over the bytes before
# it (docs/backup-set.md, "manifest.json").
manifest_edit() {
	python3 - "$@" <<'PY'
import hashlib, json, sys
setdir, old, new = sys.argv[1:]
path = setdir + "/manifest.json"
lines = open(path, "rb").read().split(b"\n")
assert lines[-1] == b""
lines = lines[:-1]
hits = 0
for i, line in enumerate(lines[:-1]):
    rec = json.loads(line)
    if rec.get("kind") == "entry" and rec["path"] == old:
        rec["path"] = new
        lines[i] = json.dumps(rec, separators=(",", ":")).encode()
        hits += 1
assert hits == 1, f"{old}: {hits} entries"
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

# hostile WHAT PATTERN: restore $TMP/bad over a damaged volume: refused
# (exit 1), stderr matching PATTERN (grep -E, any case), nothing written,
# no writer told.
hostile() {
	local what=$1 pattern=$2 m
	# Damage that a restore would repair, so that writing shows.
	echo damaged >"$vol/data/a.txt"
	echo damaged >"$vol/hw/w.txt"
	sys_tree_state "$vol" --skip .vss-shadows >"$TMP/before"
	m=$(($(sys_log_lines hw) + 1))
	run restore "$TMP/bad" --json
	expect_rc 1 "$what"
	grep -qiE -- "$pattern" "$TMP/err" ||
		fail "$what: stderr does not match '$pattern':
$(sed 's/^/    /' "$TMP/err")"
	sys_tree_state "$vol" --skip .vss-shadows >"$TMP/after"
	cmp -s "$TMP/before" "$TMP/after" ||
		fail "$what: the volume changed:
$(diff "$TMP/before" "$TMP/after" | head -20)"
	[ -z "$(ls -A "$outside")" ] || fail "$what: written outside: $(ls -A "$outside")"
	sys_events hw "$m" | grep -qx 'pre_restore\|post_restore' &&
		fail "$what: the writer was told"
	find "$vol" -xdev -name '.vss-restore-*' | grep -q . &&
		fail "$what: temporary files left"
	return 0
}

# ---- entry paths ----------------------------------------------------------
copy_set
manifest_edit "$TMP/bad" data/sub/b.txt data/../../outside/b.txt
hostile 'an entry path with ".."' '\.\./\.\./outside'

copy_set
manifest_edit "$TMP/bad" data/sub/b.txt "$outside/abs.txt"
hostile "an absolute entry path" "outside/abs\.txt"

# ---- a symbolic link in the target tree -----------------------------------
copy_set
mv "$vol/data/sub" "$TMP/sub.saved"
ln -s "$outside" "$vol/data/sub"
hostile "a symbolic link in the target tree" "symlink|symbolic link|ELOOP"
rm "$vol/data/sub"
mv "$TMP/sub.saved" "$vol/data/sub"

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

# ---- a manifest changed without its digest --------------------------------
copy_set
sed -i 's/"mode":420/"mode":511/' "$TMP/bad/manifest.json"
cmp -s "$TMP/good/manifest.json" "$TMP/bad/manifest.json" &&
	fail "manifest.json was not changed"
hostile "a manifest with a wrong digest" "manifest"

# The good set still restores (the refusals were not about the volume).
run restore "$TMP/good"
expect_rc 0 "the good set"
[ "$(cat "$vol/data/a.txt")" = "plain a" ] || fail "the good set did not restore a.txt"
[ "$(cat "$vol/hw/w.txt")" = "hw file" ] || fail "the good set did not restore w.txt"

finish
