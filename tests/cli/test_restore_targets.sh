# "vss restore" destinations, selection and what reaches the writers
# (spec restore.md sections 2, 3, 6-10):
#   restore target alternate set by the writer in pre_restore: RS-060,
#     RS-071..RS-073 (the writer sees mappings= in post_restore)
#   --to with a writer of VSS_BS_WRITER_SUPPORTS_NEW_TARGET: RS-080..RS-082
#   --to with a writer without it, a private restore: RS-083
#   restore target directed with directed targets: RS-090, RS-091; one
#     outside the volumes of the set refused (a writer error)
#   partial restore of one component: RS-020, RS-004
#   a subcomponent (selectable for restore): RS-021, RS-025
#   --authoritative, --additional-restores, --restore-options: RS-030,
#     RS-032, RS-100; --authoritative refused without the schema bit
#   backup metadata into pre_restore, restore metadata from pre_restore
#     into post_restore: RS-103
#   a pre_restore failure: the component is not restored (RS-112)
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
: "${vol:?sys_btrfs gave no mount point}"
sys_vssd

# json EXPR: a python expression on the last JSON output (j); "<no JSON>"
# when there is none.
json() {
	python3 -c '
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except ValueError:
    print("<no JSON>")
    sys.exit(0)
print(eval(sys.argv[2]))' "$TMP/out" "$1"
}

# files DIR: a.txt, b.txt, sub/c.txt with contents naming DIR.
files() {
	mkdir -p "${vol:?}/$1/sub"
	echo "$1 a" >"${vol:?}/$1/a.txt"
	echo "$1 b" >"${vol:?}/$1/b.txt"
	echo "$1 c" >"${vol:?}/$1/sub/c.txt"
}

# writer NAME [WRITER_LINES] -- CONFIG_TEXT: a writer restoring if it can
# replace, always told (the component sections follow in CONFIG_TEXT).
writer() {
	local name=$1 extra=$2 body=$3
	cat >"$TMP/$name.conf" <<EOF
[writer]
class_id = $(cat /proc/sys/kernel/random/uuid)
$extra
[restore]
method = RESTORE_IF_CAN_BE_REPLACED
writer_restore = always
$body
EOF
	sys_writer "$name" --config "$TMP/$name.conf"
}

damage() {
	echo "damaged" >"${vol:?}/$1/a.txt"
	rm -f "${vol:?}/$1/sub/c.txt"
}

same() {
	diff -r --no-dereference "$TMP/set/data/0/$1" "${2:-$vol/$1}" \
		>"$TMP/diff" 2>&1
}

still_damaged() {
	[ "$(cat "${vol:?}/$1/a.txt")" = damaged ] && [ ! -e "${vol:?}/$1/sub/c.txt" ]
}

events() {
	sys_events "$1" "$2" | { grep -x 'pre_restore\|post_restore' || true; } |
		tr '\n' ' '
}

# detail NAME EVENT KEY EXPECTED: the writer's log says KEY=EXPECTED.
detail() {
	local got
	got=$(sys_detail "$1" "$2" "$3" || echo "<none>")
	[ "$got" = "$4" ] || fail "$1 $2: $3='$got', expected '$4'"
}

files ta
writer ta "" "alternate_location = $vol/ta * true $vol/alt-ta
[component data]
files = $vol/ta * true
restore_target = alternate"

files nt
writer nt "backup_schema = new_target" "[component data]
files = $vol/nt * true"

files pv
writer pv "" "[component data]
files = $vol/pv * true"

files dt
printf 'AABBCCDD' >"${vol:?}/dt/a.dat"
mkdir "${vol:?}/dirout"
printf '........' >"${vol:?}/dirout/target.bin"
writer dt "" "[component data]
files = $vol/dt * true
restore_target = directed
directed_target = $vol/dt a.dat 0:2,4:2 $vol/dirout target.bin 0:2,6:2"

files pc1
files pc2
writer pc "" "[component c1]
files = $vol/pc1 * true
[component c2]
files = $vol/pc2 * true"

files sctop
files scchild
writer sc "" "[component top]
files = $vol/sctop * true
[component child]
logical_path = top
selectable = false
selectable_for_restore = true
files = $vol/scchild * true"

files au
writer au "backup_schema = authoritative" "[component data]
files = $vol/au * true
backup_metadata = stamp 42
restore_metadata_text = set in pre_restore"

# dx directs a.dat outside every volume of the set: a writer error.
files dx
printf 'AABBCCDD' >"${vol:?}/dx/a.dat"
mkdir "$TMP/dx-out"
writer dx "" "[component data]
files = $vol/dx * true
restore_target = directed
directed_target = $vol/dx a.dat 0:2 $TMP/dx-out target.bin 0:2"

files pf
writer pf "" "[component data]
files = $vol/pf * true
[event pre_restore]
fail = nonretryable
count = always
message = pf refuses the restore"

run backup --to "$TMP/set" --json
expect_rc 0 "backup"
[ -f "$TMP/set/data/0/scchild/sub/c.txt" ] || fail "the set lacks sc's child"

# ---- restore target alternate (RS-060, RS-073) ---------------------------
damage ta
m=$(($(sys_log_lines ta) + 1))
run restore "$TMP/set" --component ta:data --json
expect_rc 0 "restore target alternate"
same ta "${vol:?}/alt-ta" || fail "target alternate: $(cat "$TMP/diff")"
still_damaged ta || fail "target alternate wrote the original place"
[ "$(events ta "$m")" = "pre_restore post_restore " ] || fail "ta events '$(events ta "$m")'"
detail ta pre_restore target data:ALTERNATE
detail ta post_restore target data:ALTERNATE
detail ta post_restore mappings "data:$vol/ta|*|1>$vol/alt-ta"
detail ta post_restore file_status data:ALL

# ---- --to: a new target (RS-080..RS-082) ---------------------------------
damage nt
mkdir "$TMP/to"
m=$(($(sys_log_lines nt) + 1))
run restore "$TMP/set" --component nt:data --to "$TMP/to" --json
expect_rc 0 "--to, a writer supporting new targets"
same nt "$TMP/to/${vol#/}/nt" || fail "new target: $(cat "$TMP/diff")"
still_damaged nt || fail "new target wrote the original place"
[ "$(events nt "$m")" = "pre_restore post_restore " ] || fail "nt events '$(events nt "$m")'"
detail nt post_restore new_targets "data:$vol/nt>$TMP/to$vol/nt"
[ "$(json "[c['writer_involved'] for c in j['components']]")" = "[True]" ] ||
	fail "new target: writer_involved $(json "[c['writer_involved'] for c in j['components']]")"

# ---- --to without new-target support: private, no events (RS-083) --------
damage pv
mkdir "$TMP/to2"
m=$(($(sys_log_lines pv) + 1))
run restore "$TMP/set" --component pv:data --to "$TMP/to2" --json
expect_rc 0 "--to, a private restore"
same pv "$TMP/to2/${vol#/}/pv" || fail "private restore: $(cat "$TMP/diff")"
still_damaged pv || fail "private restore wrote the original place"
[ "$(events pv "$m")" = "" ] || fail "private restore told the writer: $(events pv "$m")"
[ "$(json "[c['writer_involved'] for c in j['components']]")" = "[False]" ] ||
	fail "private restore: writer_involved $(json "[c['writer_involved'] for c in j['components']]")"

# ---- restore target directed (RS-090, RS-091) ----------------------------
m=$(($(sys_log_lines dt) + 1))
run restore "$TMP/set" --component dt:data --json
expect_rc 0 "restore target directed"
[ "$(cat "${vol:?}/dirout/target.bin")" = 'AA....CC' ] ||
	fail "directed: target.bin holds '$(cat "${vol:?}/dirout/target.bin")', expected 'AA....CC'"
detail dt pre_restore target data:DIRECTED
detail dt post_restore directed \
	"data:$vol/dt|a.dat|0:2,4:2>$vol/dirout|target.bin|0:2,6:2"

# A directed target outside the volumes: refused, nothing written.
damage dx
run restore "$TMP/set" --component dx:data --json
expect_rc 1 "a directed target outside the volumes"
[ -z "$(ls -A "$TMP/dx-out")" ] ||
	fail "a directed target outside the volumes was written: $(ls -A "$TMP/dx-out")"
still_damaged dx || fail "a refused directed target restored the rest"
[ "$(json "[c['status'] for c in j['components']]")" = "['none']" ] ||
	fail "directed outside: status $(json "[c['status'] for c in j['components']]")"
case "$(json "[c['message'] for c in j['components']]")" in
*outside*) ;;
*) fail "directed outside: message $(json "[c['message'] for c in j['components']]")" ;;
esac
detail dx post_restore file_status data:NONE

# ---- one component of two (RS-020) ---------------------------------------
damage pc1
damage pc2
m=$(($(sys_log_lines pc) + 1))
run restore "$TMP/set" --component pc:c1 --json
expect_rc 0 "one component of two"
same pc1 || fail "partial: c1: $(cat "$TMP/diff")"
still_damaged pc2 || fail "partial: c2 was restored too"
detail pc pre_restore selected c1
detail pc post_restore file_status c1:ALL
[ "$(json "[c['name'] for c in j['components']]")" = "['c1']" ] ||
	fail "partial: components $(json "[c['name'] for c in j['components']]")"

# ---- a subcomponent (RS-021, RS-025) -------------------------------------
damage sctop
damage scchild
m=$(($(sys_log_lines sc) + 1))
run restore "$TMP/set" --component sc:top/child --json
expect_rc 0 "a subcomponent"
same scchild || fail "subcomponent: $(cat "$TMP/diff")"
still_damaged sctop || fail "subcomponent: the rest of the set was restored"
detail sc pre_restore subcomponents "top>top/child"
detail sc post_restore subcomponents "top>top/child"
# RS-110: the status is set on the component holding the subcomponent.
detail sc post_restore file_status top:ALL
[ "$(json "[c['subcomponents'] for c in j['components']]")" = "[['top/child']]" ] ||
	fail "subcomponent: $(json "[(c['name'], c['subcomponents']) for c in j['components']]")"

# ---- authoritative, options, metadata (RS-030, RS-032, RS-100, RS-103) ---
damage au
m=$(($(sys_log_lines au) + 1))
run restore "$TMP/set" --component au:data --authoritative --additional-restores \
	--restore-options '"Roll Forward"="None"' --json
expect_rc 0 "--authoritative"
same au || fail "authoritative: $(cat "$TMP/diff")"
detail au pre_restore authoritative data:1
detail au pre_restore additional data:1
detail au pre_restore options 'data:"Roll Forward"="None"'
detail au pre_restore backup_metadata "data:stamp 42"
detail au post_restore backup_metadata "data:stamp 42"
detail au post_restore restore_metadata "data:set in pre_restore"

# Without VSS_BS_AUTHORITATIVE_RESTORE: a usage error, nothing happens.
damage pv
m=$(($(sys_log_lines pv) + 1))
run restore "$TMP/set" --component pv:data --authoritative
expect_rc 2 "--authoritative for a writer without the schema bit"
still_damaged pv || fail "a refused --authoritative wrote files"
[ "$(events pv "$m")" = "" ] || fail "a refused --authoritative told the writer"

# ---- a pre_restore failure (RS-112) --------------------------------------
damage pf
run restore "$TMP/set" --component pf:data --json
expect_rc 1 "a writer failing pre_restore"
still_damaged pf || fail "a component whose writer failed pre_restore was restored"
[ "$(json "[c['status'] for c in j['components']]")" = "['none']" ] ||
	fail "pre_restore failure: status $(json "[c['status'] for c in j['components']]")"
grep -q "pf refuses the restore" "$TMP/out" ||
	fail "the report lacks the failure message: $(json "j['writers']")"
python3 - "$TMP/out" <<'PY' || fail "pre_restore failure: writer pf in the report"
import json, sys
j = json.load(open(sys.argv[1]))
pf = [w for w in j["writers"] if w["name"] == "pf"]
# VSS_WS_FAILED_AT_PRE_RESTORE, as vssadmin shows it.
ok = len(pf) == 1 and pf[0]["state"] == "[13] Failed" and \
    pf[0]["failure"] not in (None, "VSS_OK") and \
    pf[0]["pre_restore_message"] == "pf refuses the restore"
sys.exit(0 if ok else 1)
PY
run restore "$TMP/set" --component pf:data
expect_rc 1 "a writer failing pre_restore (text)"
grep -q "pf refuses the restore" "$TMP/out" "$TMP/err" ||
	fail "the text report lacks the failure message"

finish
