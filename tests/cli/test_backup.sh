# "vss backup" on a loop-mounted btrfs volume with vss-test-writer
# processes (spec backup.md sections 2 and 14): selection by --writer, by
# --component, by plain path and with --no-writers; what the set holds
# (manifest, BCD, WMDs, the data equal to the volume); the writers'
# excluded files and FilesNotToBackup (BK-140, BK-142), $AllVolumes$ on
# two volumes; selection and usage errors; an existing --to; writers
# failing at freeze (BK-050); the JSON key sets of docs/cli-json.md.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
sys_vssd

# alpha: one component, app/db, covering $vol/db.
mkdir -p "$vol/db/sub" "$vol/db/empty" "$vol/logs/old" "$vol/plain/deep"
echo one >"$vol/db/main.db"
head -c 300000 /dev/urandom >"$vol/db/sub/big.db"
ln -s main.db "$vol/db/link"
echo log1 >"$vol/logs/a.log"
echo scratch >"$vol/logs/b.tmp"
echo scratch >"$vol/logs/old/c.tmp"
echo old >"$vol/logs/old/c.log"
echo p >"$vol/plain/file"
echo q >"$vol/plain/deep/keep.txt"
echo c >"$vol/plain/deep/drop.cache"
sys_writer alpha --component app/db="$vol/db"

# beta: component "logs" covering $vol/logs, excluding *.tmp everywhere
# below it (the writer's exclude_files).
cat >"$TMP/beta.conf" <<EOF
[writer]
name = beta
class_id = 7a0c5c1e-0b39-4bd4-9a7e-3f1e6d9a2b10
exclude = $vol/logs *.tmp true

[component logs]
files = $vol/logs * true
EOF
sys_writer beta --config "$TMP/beta.conf"

# same_tree A B: the two trees hold the same names, types, contents.
same_tree() {
	diff -r --no-dereference "$1" "$2" >"$TMP/diff" 2>&1
}

# json EXPR: evaluate a python expression on the last JSON output (j).
json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$TMP/out" "$1"
}

# ---- by --writer ------------------------------------------------------
run backup --writer alpha --to "$TMP/set1" --json
expect_rc 0 "backup --writer alpha"
cp "$TMP/out" "$TMP/set1.json"
[ -d "$TMP/set1" ] || fail "set1 was not made"
[ -e "$TMP/set1.partial" ] && fail "set1.partial was left behind"
for f in manifest.json bcd.xml; do
	[ -f "$TMP/set1/$f" ] || fail "set1 has no $f"
done
same_tree "$vol/db" "$TMP/set1/data/0/db" ||
	fail "set1: data/0/db differs from the volume: $(cat "$TMP/diff")"
[ -e "$TMP/set1/data/0/logs" ] && fail "set1 holds beta's logs"
[ "$(json "j['backup']['succeeded']")" = True ] || fail "set1 not succeeded"
[ "$(json "[w['consistency'] for w in j['backup']['writers']]")" = \
	"['application']" ] || fail "set1: writer consistency: $(json "j['backup']['writers']")"
[ "$(json "[c['name'] for c in j['backup']['components']]")" = "['db']" ] ||
	fail "set1: components $(json "j['backup']['components']")"

# The BCD loads, names alpha's component as succeeded; one WMD, alpha's.
run metadata "$TMP/set1/bcd.xml" --json
expect_rc 0 "vss metadata set1/bcd.xml"
[ "$(json "j['type']")" = bcd ] || fail "bcd.xml is not a BCD"
[ "$(json "[c['backup_succeeded'] for w in j['writers'] for c in w['components']]")" = \
	"[True]" ] || fail "bcd.xml: backup_succeeded: $(cat "$TMP/out")"
wmds=("$TMP"/set1/writers/*.xml)
[ "${#wmds[@]}" -eq 1 ] || fail "set1 has ${#wmds[@]} writer documents"
run metadata "${wmds[0]}" --json
expect_rc 0 "vss metadata ${wmds[0]}"
[ "$(json "j['identity']['friendly_name']")" = alpha ] ||
	fail "the saved WMD is not alpha's"

run verify "$TMP/set1"
expect_rc 0 "vss verify set1"

# The writer saw the whole sequence, ending in backup_complete.
for ev in prepare_backup freeze thaw post_snapshot backup_complete; do
	grep -q $'\t'"$ev"$'\t' "$TMP/writer-alpha.log" ||
		fail "alpha got no $ev"
done

# ---- by --component, with the writer's excluded files -----------------
run backup --component beta:logs --to "$TMP/set2" --json
expect_rc 0 "backup --component beta:logs"
[ -f "$TMP/set2/data/0/logs/a.log" ] || fail "set2 lacks logs/a.log"
[ -f "$TMP/set2/data/0/logs/old/c.log" ] || fail "set2 lacks logs/old/c.log"
[ -e "$TMP/set2/data/0/logs/b.tmp" ] && fail "set2 holds excluded b.tmp"
[ -e "$TMP/set2/data/0/logs/old/c.tmp" ] && fail "set2 holds excluded old/c.tmp"
[ -e "$TMP/set2/data/0/db" ] && fail "set2 holds alpha's db"
[ "$(json "j['backup']['excluded']")" = 2 ] ||
	fail "set2: excluded $(json "j['backup']['excluded']"), expected 2"

# ---- by plain path: components under it, and the path whole -----------
run backup "$vol/db/" --to "$TMP/set3" --json
expect_rc 0 "backup PATH (a component's directory)"
[ "$(json "[c['name'] for c in j['backup']['components']]")" = "['db']" ] ||
	fail "set3: the path did not select alpha's component"
same_tree "$vol/db" "$TMP/set3/data/0/db" || fail "set3 differs: $(cat "$TMP/diff")"

run backup "$vol/plain" --to "$TMP/set4" --json
expect_rc 0 "backup PATH (no component)"
[ "$(json "j['backup']['components']")" = "[]" ] ||
	fail "set4: components $(json "j['backup']['components']")"
[ "$(json "[v['consistency'] for v in j['backup']['volumes']]")" = "['crash']" ] ||
	fail "set4: a path no writer covers is crash consistent"
same_tree "$vol/plain" "$TMP/set4/data/0/plain" || fail "set4 differs: $(cat "$TMP/diff")"

# ---- --no-writers: no writer hears of it (BK-130) ---------------------
before=$(grep -c $'\tprepare_backup\t' "$TMP/writer-alpha.log" || true)
run backup --no-writers "$vol/plain" "$vol/db" --to "$TMP/set5" --json
expect_rc 0 "backup --no-writers"
after=$(grep -c $'\tprepare_backup\t' "$TMP/writer-alpha.log" || true)
[ "$before" = "$after" ] || fail "--no-writers: alpha got prepare_backup"
[ "$(json "j['backup']['writers']")" = "[]" ] || fail "set5 lists writers"
[ "$(json "j['consistency']")" = crash ] || fail "set5 is not crash consistent"
same_tree "$vol/plain" "$TMP/set5/data/0/plain" || fail "set5 differs: $(cat "$TMP/diff")"
same_tree "$vol/db" "$TMP/set5/data/0/db" || fail "set5 db differs: $(cat "$TMP/diff")"

# ---- FilesNotToBackup (BK-142) ----------------------------------------
# cacher's entry removes *.cache below plain; alpha's own entry is
# ignored, as alpha takes part.
cat >"$TMP/vss.conf" <<EOF
[vssd]
freeze_timeout_ms = 5000

[files-not-to-backup]
cacher = $vol/plain/*.cache /s
alpha = $vol/db/*.db /s
EOF
run backup --writer alpha "$vol/plain" --config "$TMP/vss.conf" \
	--to "$TMP/set6" --json
expect_rc 0 "backup with FilesNotToBackup"
[ -e "$TMP/set6/data/0/plain/deep/drop.cache" ] &&
	fail "set6 holds drop.cache (FilesNotToBackup)"
[ -f "$TMP/set6/data/0/plain/deep/keep.txt" ] || fail "set6 lacks keep.txt"
[ -f "$TMP/set6/data/0/db/sub/big.db" ] ||
	fail "set6 lacks big.db: alpha's own entry must be ignored"
# Without alpha taking part, its entry applies.
run backup --no-writers "$vol/db" --config "$TMP/vss.conf" --to "$TMP/set7"
expect_rc 0 "backup --no-writers with FilesNotToBackup"
[ -e "$TMP/set7/data/0/db/main.db" ] && fail "set7 holds main.db"
[ -L "$TMP/set7/data/0/db/link" ] || fail "set7 lacks the link"
# $AllVolumes$: one rule, the same place on each volume of the backup,
# here two of them; a file of that name elsewhere stays.
vol2=$(sys_btrfs vol2)
mkdir -p "$vol/scratch" "$vol2/scratch/deep"
echo a >"$vol/scratch/a.swp"
echo k >"$vol/scratch/keep.txt"
echo b >"$vol2/scratch/b.swp"
echo c >"$vol2/scratch/deep/c.swp"
echo k >"$vol2/scratch/keep2.txt"
echo o >"$vol2/other.swp"
printf '[files-not-to-backup]\nswapper = $AllVolumes$/scratch/*.swp /s\n' \
	>"$TMP/allvol.conf"
run backup --no-writers "$vol/scratch" "$vol2/scratch" "$vol2/other.swp" \
	--config "$TMP/allvol.conf" --to "$TMP/set7a" --json
expect_rc 0 "backup with an \$AllVolumes\$ FilesNotToBackup entry"
i1=$(json "[v['index'] for v in j['backup']['volumes'] if v['volume'] == '$vol'][0]")
i2=$(json "[v['index'] for v in j['backup']['volumes'] if v['volume'] == '$vol2'][0]")
for f in "$i1/scratch/a.swp" "$i2/scratch/b.swp" "$i2/scratch/deep/c.swp"; do
	[ -e "$TMP/set7a/data/$f" ] && fail "set7a holds $f (\$AllVolumes\$)"
done
for f in "$i1/scratch/keep.txt" "$i2/scratch/keep2.txt" "$i2/other.swp"; do
	[ -f "$TMP/set7a/data/$f" ] || fail "set7a lacks $f"
done
[ "$(json "j['backup']['excluded']")" = 3 ] ||
	fail "set7a: excluded $(json "j['backup']['excluded']"), expected 3"
# A bad entry refuses the file, before anything is done.
printf '[files-not-to-backup]\nx = relative/*.c\n' >"$TMP/bad.conf"
run backup "$vol/plain" --config "$TMP/bad.conf" --to "$TMP/set8"
expect_rc 1 "a bad [files-not-to-backup] entry"
expect_in err "line 2" "a bad [files-not-to-backup] entry"
[ -e "$TMP/set8" ] && fail "set8 was made despite a bad config"
run backup "$vol/plain" --config "$TMP/nosuch.conf" --to "$TMP/set8"
expect_rc 1 "--config naming no file"

# ---- text, progress, quiet ---------------------------------------------
run backup --writer alpha --to "$TMP/set9" --progress
expect_rc 0 "backup --progress"
expect_in out "freeze window ms:" "text summary"
expect_in out "consistency: application" "text summary"
expect_in out "bytes per second:" "text summary"
expect_in err "files" "progress line"
expect_in err "ETA" "progress line"
run backup --writer alpha --to "$TMP/set10" --quiet
expect_rc 0 "backup --quiet"
expect_empty out "backup --quiet"
expect_empty err "backup --quiet"

# ---- selection and usage errors ----------------------------------------
run backup --component alpha:app/nosuch --to "$TMP/bad1"
expect_rc 1 "an unknown component"
expect_in err "vss: backup: --component alpha:app/nosuch: VSS_E_OBJECT_NOT_FOUND: " \
	"an unknown component"
[ -e "$TMP/bad1" ] && fail "an unknown component made a set"
run backup --writer nosuchwriter --to "$TMP/bad1"
expect_rc 1 "an unknown writer"
expect_in err "vss: backup: --writer nosuchwriter: VSS_E_OBJECT_NOT_FOUND: " \
	"an unknown writer"
for args in "--writer alpha" "--to $TMP/bad2 --component nocolon" \
	"--to $TMP/bad2 --component :x" "--to $TMP/bad2 --backup-type log" \
	"--to $TMP/bad2 --no-writers" \
	"--to $TMP/bad2 --no-writers --writer alpha $vol/plain" \
	"--to $TMP/bad2 --bogus" "--to"; do
	# shellcheck disable=SC2086
	run backup $args
	expect_rc 2 "usage: backup $args"
done
[ -e "$TMP/bad2" ] && fail "a usage error made a set"
run backup "$TMP/nosuch" --to "$TMP/bad2"
expect_rc 1 "a PATH that does not exist"
run backup --writer alpha --to "$TMP/nosuchdir/set"
expect_rc 1 "--to in a directory that does not exist"

# --to that exists: exit 1, and it is left as it was.
mkdir "$TMP/exists"
echo keep >"$TMP/exists/file"
find "$TMP/exists" -printf '%p %M %s %T@\n' >"$TMP/exists.before"
run backup --writer alpha --to "$TMP/exists"
expect_rc 1 "--to an existing directory"
expect_in err "EEXIST" "--to an existing directory"
find "$TMP/exists" -printf '%p %M %s %T@\n' >"$TMP/exists.after"
cmp -s "$TMP/exists.before" "$TMP/exists.after" ||
	fail "--to an existing directory changed it"

# ---- writers failing at freeze (BK-050, BK-080) ------------------------
# A fatal freeze failure fails the shadow copy set: exit 1, no set, and
# the writer is aborted.  vssd aborts the whole set (BK-080 b), so the
# requester has nothing to copy.
mkdir "$vol/gamma"
echo g >"$vol/gamma/g.dat"
sys_writer gamma --component g="$vol/gamma" --fail freeze
run backup --writer gamma --to "$TMP/set11" --json
expect_rc 1 "a writer failing at freeze"
[ -e "$TMP/set11" ] && fail "a failed freeze left a set"
[ -e "$TMP/set11.partial" ] && fail "a failed freeze left set11.partial"
grep -q $'\tabort\t' "$TMP/writer-gamma.log" || fail "gamma got no abort"
[ "$(json "j['backup']")" = None ] || fail "a failed backup reports a set"
[ "$(json "[w['state'] for w in j['writers'] if w['name'] == 'gamma']")" = \
	"['[9] Failed']" ] ||
	fail "gamma's state: $(json "[w['state'] for w in j['writers'] if w['name'] == 'gamma']")"
sys_stop_writer gamma

# A writer that sets a failure but lets the set be made is copied crash
# consistent; its component fails, the set is kept and the status is 1.
sys_writer delta --component d="$vol/gamma" --fail freeze:nonfatal
run backup --writer delta --writer alpha --to "$TMP/set12" --json
expect_rc 1 "a writer with a non-fatal freeze failure"
[ -f "$TMP/set12/data/0/gamma/g.dat" ] || fail "set12 lacks delta's data"
[ -f "$TMP/set12/manifest.json" ] || fail "set12 was not committed"
[ "$(json "sorted((c['name'], c['succeeded']) for c in j['backup']['components'])")" = \
	"[('d', False), ('db', True)]" ] ||
	fail "set12 components: $(json "j['backup']['components']")"
[ "$(json "sorted((w['name'], w['consistency']) for w in j['backup']['writers'])")" = \
	"[('alpha', 'application'), ('delta', 'crash')]" ] ||
	fail "set12 writers: $(json "j['backup']['writers']")"
cp "$TMP/out" "$TMP/set12.json"
sys_stop_writer delta

# ---- missing files (BK-141) and file-spec masks (BK-092) ---------------
# eps: "m" names a file that does not exist; "logonly" holds files only
# a log backup needs (mask 8, LOG_BACKUP_REQUIRED), so a full backup
# copies nothing of it and it still succeeds.
cat >"$TMP/eps.conf" <<EOF
[writer]
name = eps
class_id = 0f3b1b7e-4a51-4e2a-9c55-6d2b8e1f7a01

[component m]
files = $vol/db main.db false
files = $vol/db nosuch.db false

[component logonly]
files = $vol/logs *.log true mask=8
EOF
sys_writer eps --config "$TMP/eps.conf"
run backup --writer eps --to "$TMP/set13" --json
expect_rc 1 "a component naming a missing file"
expect_in err "nosuch.db" "a component naming a missing file"
[ -f "$TMP/set13/manifest.json" ] || fail "set13 was not kept"
[ -f "$TMP/set13/data/0/db/main.db" ] || fail "set13 lacks main.db"
[ -e "$TMP/set13/data/0/logs" ] && fail "set13 holds log-only files (BK-092)"
[ "$(json "sorted((c['name'], c['succeeded']) for c in j['backup']['components'])")" = \
	"[('logonly', True), ('m', False)]" ] ||
	fail "set13 components: $(json "j['backup']['components']")"
run metadata "$TMP/set13/bcd.xml" --json
[ "$(json "sorted((c['name'], c['backup_succeeded']) for w in j['writers'] for c in w['components'])")" = \
	"[('logonly', True), ('m', False)]" ] ||
	fail "set13 bcd.xml: $(cat "$TMP/out")"
sys_stop_writer eps

# ---- JSON key sets (docs/cli-json.md) ----------------------------------
python3 - "$TMP/set1.json" "$TMP/set12.json" <<'PY' || fail "json keys"
import json, sys

errors = []

def keys(obj, want, where):
    if set(obj) != set(want):
        errors.append(f"{where}: keys {sorted(obj)} != {sorted(want)}")

ROOT = ["snapshot_set_id", "context", "context_name", "backup_type", "shadow_copies",
        "writers", "timings_ms", "freeze_window_ms", "consistency",
        "backup"]
BACKUP = ["path", "succeeded", "objects", "bytes", "data_bytes", "hardlinks",
          "reflinked", "excluded", "failed", "skipped", "components",
          "writers", "volumes", "copy_ms", "bytes_per_second", "total_ms"]
COMPONENT = ["writer", "instance_id", "logical_path", "name", "succeeded",
             "failures", "message"]
WRITER = ["name", "instance_id", "consistency"]
VOLUME = ["volume", "index", "consistency"]
for path in sys.argv[1:]:
    j = json.load(open(path))
    keys(j, ROOT, path)
    b = j["backup"]
    keys(b, BACKUP, path + ": backup")
    for c in b["components"]:
        keys(c, COMPONENT, path + ": component")
    for w in b["writers"]:
        keys(w, WRITER, path + ": writer")
    for v in b["volumes"]:
        keys(v, VOLUME, path + ": volume")
    if not j["freeze_window_ms"] or j["freeze_window_ms"] < 0:
        errors.append(f"{path}: freeze_window_ms {j['freeze_window_ms']}")
    if b["objects"] < 1 or b["bytes"] < 300000:
        errors.append(f"{path}: objects {b['objects']} bytes {b['bytes']}")
for e in errors:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

finish
