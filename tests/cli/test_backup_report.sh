# The consistency and freeze window that "vss backup" reports (BK-130,
# docs/cli-json.md): the set is application consistent exactly when every
# volume is, and the manifest's header says the same; a writer with no
# files on the set has no consistency (null); without writers the freeze
# window is null in JSON and absent from the text; a volume hidden by a
# later mount does not join the set.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
sys_vssd
mkdir -p "$vol/db" "$vol/logs" "$vol/other" "$TMP/elsewhere"
echo d >"$vol/db/main.db"
echo l >"$vol/logs/a.log"
echo o >"$vol/other/o.dat"
echo e >"$TMP/elsewhere/e.dat"

# alpha: app/db and app/logs, both on the volume.
sys_writer alpha --component app/db="$vol/db" --component app/logs="$vol/logs"
# far: its only component is off the volume (on the temporary directory).
sys_writer far --component f="$TMP/elsewhere"

# json EXPR: a python expression on the last JSON output (j).
json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$TMP/out" "$1"
}

# header SET: the manifest header's application_consistent.
header() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "freeze_window_ms" in r:
        print(r["application_consistent"])
        break' "$1/manifest.json"
}

# check NAME SET WANT: the set-level, volume and manifest verdicts of the
# last backup all are WANT ("application" or "crash").
check() {
	local name=$1 set=$2 want=$3 bool=False
	[ "$want" = application ] && bool=True
	[ "$(json "j['consistency']")" = "$want" ] ||
		fail "$name: set consistency $(json "j['consistency']"), expected $want"
	[ "$(json "[v['consistency'] for v in j['shadow_copies']]")" = "['$want']" ] ||
		fail "$name: volumes $(json "[v['consistency'] for v in j['shadow_copies']]")"
	[ "$(json "[v['consistency'] for v in j['backup']['volumes']]")" = "['$want']" ] ||
		fail "$name: backup.volumes $(json "j['backup']['volumes']")"
	[ "$(header "$set")" = "$bool" ] ||
		fail "$name: manifest header application_consistent $(header "$set")"
}

# A component of a writer whose other component shares the volume: the
# volume and so the set are crash consistent, although alpha took part.
run backup --component alpha:app/logs --to "$TMP/set1" --json
expect_rc 0 "backup --component alpha:app/logs"
check "component subset" "$TMP/set1" crash
[ "$(json "[w['consistency'] for w in j['writers'] if w['name'] == 'alpha']")" = \
	"['application']" ] || fail "set1: alpha is not application consistent"

# The whole writer: application consistent throughout.  far has no file
# on the set: its consistency is null, and it does not spoil the set.
run backup --writer alpha --to "$TMP/set2" --json
expect_rc 0 "backup --writer alpha"
check "whole writer" "$TMP/set2" application
[ "$(json "[w['consistency'] for w in j['writers'] if w['name'] == 'far']")" = \
	"[None]" ] || fail "set2: far (no files on the set) has a consistency"
[ "$(json "j['freeze_window_ms'] is not None")" = True ] ||
	fail "set2: no freeze window although alpha was frozen"

# --exclude-writer of a writer with no files on the set's volume leaves
# the set application consistent.
run backup --writer alpha --exclude-writer far --to "$TMP/set3" --json
expect_rc 0 "backup --exclude-writer far"
check "excluded writer elsewhere" "$TMP/set3" application
[ "$(json "[(w['excluded'], w['consistency']) for w in j['writers'] if w['name'] == 'far']")" = \
	"[(True, None)]" ] || fail "set3: far: $(json "j['writers']")"

# A path no writer covers, with --no-writers: crash consistent, and no
# writer was frozen, so there is no freeze window.
run backup --no-writers "$vol/other" --to "$TMP/set4" --json
expect_rc 0 "backup --no-writers"
check "no writers" "$TMP/set4" crash
[ "$(json "j['freeze_window_ms']")" = None ] ||
	fail "--no-writers: freeze_window_ms $(json "j['freeze_window_ms']")"
run backup --no-writers "$vol/other" --to "$TMP/set5"
expect_rc 0 "backup --no-writers (text)"
expect_in out "total" "--no-writers text summary"
expect_not_in out "freeze window" "--no-writers text summary"
sys_stop_writer alpha

# A writer failing post_snapshot without failing the set: the set is kept,
# crash consistent in the report and the manifest alike.
sys_writer beta --component b="$vol/db" --fail post_snapshot:nonfatal
run backup --writer beta --to "$TMP/set6" --json
[ -f "$TMP/set6/manifest.json" ] || fail "set6 was not committed"
check "post_snapshot failure" "$TMP/set6" crash
[ "$(json "[w['consistency'] for w in j['writers'] if w['name'] == 'beta']")" = \
	"['crash']" ] || fail "set6: beta: $(json "j['writers']")"
sys_stop_writer beta
sys_stop_writer far

# A volume hidden by a later mount above it (b at srv/b, then srv mounted
# over srv) is out of reach of the walk of srv: it does not join the set.
# srv is unmounted here, so that the cleanup finds b again.
b=$(sys_btrfs b)
mkdir -p "$TMP/srv/b"
mount --move "$b" "$TMP/srv/b"
srv=$(sys_btrfs srv)
echo s >"$srv/s.dat"
sys_writer hid --component h="$srv"
run backup --writer hid --to "$TMP/set7" --json
expect_rc 0 "backup of a directory with a hidden mount below"
[ "$(json "[v['volume'] for v in j['shadow_copies']]")" = "['$srv']" ] ||
	fail "hidden mount: volumes $(json "[v['volume'] for v in j['shadow_copies']]")"
[ -f "$TMP/set7/data/0/s.dat" ] || fail "hidden mount: s.dat not copied"
sys_stop_writer hid
umount "$srv"
finish
