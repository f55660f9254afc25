# "vss restore" by restore method and writer restore setting (spec
# restore.md sections 4 and 5): one writer per case, each with one
# top-level component "data" covering $vol/NAME, all backed up in one set;
# each case damages its directory, restores that component and checks
# where the files landed, the writer's pre_restore/post_restore lines and
# the report.  Methods 5 and 6 (at reboot) are in test_restore_reboot.sh.
#   1 if-not-there: RS-040, RS-041, RS-071
#   2 if-can-replace (a busy file: held open): RS-041, RS-071, RS-073
#   3 stop-restore-start, 8 restore-stop-start: RS-042 (--service-command)
#   4 to-alternate-location: RS-071, RS-072, RS-073
#   7 custom: RS-120 (--to required)
#   writer restore never / ifReplaceFails / always: RS-050, section 5
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
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

# comp NAME FIELD: FIELD of writer NAME's component in the last report.
comp() {
	json "[c['$2'] for c in j['components'] if c['writer'] == '$1']"
}

# writer NAME METHOD WRITER_RESTORE [RESTORE_LINES]: a writer whose
# component "data" covers $vol/NAME (a.txt, b.txt, sub/c.txt).
writer() {
	local name=$1 method=$2 wre=$3 extra=${4:-}
	mkdir -p "$vol/$name/sub"
	echo "$name a" >"$vol/$name/a.txt"
	echo "$name b" >"$vol/$name/b.txt"
	echo "$name c" >"$vol/$name/sub/c.txt"
	cat >"$TMP/$name.conf" <<EOF
[writer]
class_id = $(cat /proc/sys/kernel/random/uuid)
[restore]
method = $method
writer_restore = $wre
$extra
[component data]
files = $vol/$name * true
EOF
	sys_writer "$name" --config "$TMP/$name.conf"
}

# mapping NAME: the alternate location mapping of NAME's file set.
mapping() {
	echo "alternate_location = $vol/$1 * true $vol/alt-$1"
}

# damage NAME: a.txt changed (in place: same inode), sub/c.txt gone.
damage() {
	echo "damaged" >"$vol/$1/a.txt"
	rm -f "$vol/$1/sub/c.txt"
}

# same NAME [DIR]: DIR (default $vol/NAME) holds what the set holds.
same() {
	diff -r --no-dereference "$TMP/set/data/0/$1" "${2:-$vol/$1}" \
		>"$TMP/diff" 2>&1
}

# still_damaged NAME: the damage is still there, nothing was restored.
still_damaged() {
	[ "$(cat "$vol/$1/a.txt")" = damaged ] && [ ! -e "$vol/$1/sub/c.txt" ]
}

# events NAME MARK: the restore events of NAME's log from line MARK on.
events() {
	sys_events "$1" "$2" | { grep -x 'pre_restore\|post_restore' || true; } |
		tr '\n' ' '
}

# hold FILE: keep FILE open in another process (it cannot be replaced:
# no write lease can be taken) until release.
hold() {
	sleep 600 <"$1" &
	holder=$!
	SYS_PIDS+=("$holder")
}
release() {
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
}

writer nt RESTORE_IF_NOT_THERE always
writer ntm RESTORE_IF_NOT_THERE always "$(mapping ntm)"
writer cr RESTORE_IF_CAN_BE_REPLACED always
writer crm RESTORE_IF_CAN_BE_REPLACED always "$(mapping crm)"
writer s3 STOP_RESTORE_START always "service = svc3"
writer s8 RESTORE_STOP_START always "service = svc8"
writer al RESTORE_TO_ALTERNATE_LOCATION always "$(mapping al)"
writer alx RESTORE_TO_ALTERNATE_LOCATION always
writer cu CUSTOM always
writer wn RESTORE_IF_CAN_BE_REPLACED never
writer wi RESTORE_IF_CAN_BE_REPLACED ifReplaceFails "$(mapping wi)"

run backup --to "$TMP/set" --json
expect_rc 0 "backup of every writer"
[ -f "$TMP/set/data/0/nt/sub/c.txt" ] || fail "the set lacks nt's files"

# ---- 1 if-not-there ------------------------------------------------------
# None of the files there: restored in place.
rm -rf "${vol:?}/nt/"*
m=$(($(sys_log_lines nt) + 1))
run restore "$TMP/set" --component nt:data --json
expect_rc 0 "if-not-there, nothing there"
same nt || fail "if-not-there, nothing there: $(cat "$TMP/diff")"
[ "$(events nt "$m")" = "pre_restore post_restore " ] ||
	fail "if-not-there: nt's events '$(events nt "$m")'"
[ "$(comp nt status)" = "['all']" ] || fail "if-not-there: status $(comp nt status)"
[ "$(comp nt method)" = "['if-not-there']" ] ||
	fail "if-not-there: method $(comp nt method)"

# Some there, no mapping: nothing restored (status none, exit 1).
damage nt
m=$(($(sys_log_lines nt) + 1))
run restore "$TMP/set" --component nt:data --json
expect_rc 1 "if-not-there, files there, no mapping"
still_damaged nt || fail "if-not-there wrote over existing files"
[ "$(comp nt status)" = "['none']" ] || fail "if-not-there, files there: status $(comp nt status)"
[ "$(events nt "$m")" = "pre_restore post_restore " ] ||
	fail "if-not-there, files there: events '$(events nt "$m")'"
[ "$(sys_detail nt post_restore file_status)" = data:NONE ] ||
	fail "if-not-there, files there: file_status=$(sys_detail nt post_restore file_status || true)"

# Some there, a mapping: to the alternate location, where none is yet.
damage ntm
m=$(($(sys_log_lines ntm) + 1))
run restore "$TMP/set" --component ntm:data --json
expect_rc 0 "if-not-there, files there, a mapping"
same ntm "$vol/alt-ntm" || fail "if-not-there: the alternate location: $(cat "$TMP/diff")"
still_damaged ntm || fail "if-not-there with a mapping wrote the original place"
[ "$(sys_detail ntm post_restore mappings)" = "data:$vol/ntm>$vol/alt-ntm" ] ||
	fail "if-not-there: mappings=$(sys_detail ntm post_restore mappings || true)"
case "$(comp ntm destinations)" in
*"'$vol/alt-ntm'"*) ;;
*) fail "if-not-there: destinations $(comp ntm destinations)" ;;
esac
# ... and with a version at the alternate location too: nothing.
mkdir -p "$vol/alt-ntm"
echo other >"$vol/alt-ntm/a.txt"
run restore "$TMP/set" --component ntm:data --json
expect_rc 1 "if-not-there, files in both places"
[ "$(cat "$vol/alt-ntm/a.txt")" = other ] || fail "if-not-there replaced at the alternate location"
still_damaged ntm || fail "if-not-there, files in both places: the original changed"
[ "$(comp ntm status)" = "['none']" ] || fail "if-not-there, both: status $(comp ntm status)"

# ---- 2 if-can-replace ----------------------------------------------------
damage cr
m=$(($(sys_log_lines cr) + 1))
run restore "$TMP/set" --component cr:data --json
expect_rc 0 "if-can-replace, replaceable"
same cr || fail "if-can-replace: $(cat "$TMP/diff")"
[ "$(comp cr status)" = "['all']" ] || fail "if-can-replace: status $(comp cr status)"
# writer restore "always": both events (section 5).
[ "$(events cr "$m")" = "pre_restore post_restore " ] ||
	fail "if-can-replace (always): events '$(events cr "$m")'"
[ "$(sys_detail cr post_restore file_status)" = data:ALL ] ||
	fail "if-can-replace: file_status=$(sys_detail cr post_restore file_status || true)"

# A busy file, no mapping: nothing.
damage cr
hold "$vol/cr/a.txt"
run restore "$TMP/set" --component cr:data --json
expect_rc 1 "if-can-replace, a busy file, no mapping"
release
still_damaged cr || fail "if-can-replace with a busy file wrote something"
[ "$(comp cr status)" = "['none']" ] || fail "if-can-replace, busy: status $(comp cr status)"

# A busy file and a mapping: everything to the alternate location.
damage crm
hold "$vol/crm/a.txt"
m=$(($(sys_log_lines crm) + 1))
run restore "$TMP/set" --component crm:data --json
expect_rc 0 "if-can-replace, a busy file, a mapping"
release
same crm "$vol/alt-crm" || fail "if-can-replace, busy: alternate location: $(cat "$TMP/diff")"
still_damaged crm || fail "if-can-replace, busy, mapping: the original changed"
[ "$(sys_detail crm post_restore mappings)" = "data:$vol/crm>$vol/alt-crm" ] ||
	fail "if-can-replace, busy: mappings=$(sys_detail crm post_restore mappings || true)"

# ---- 3 stop-restore-start and 8 restore-stop-start -----------------------
# The service command logs what it is asked, when (CLOCK_REALTIME ns, as
# the writer log's second field), and the checksum of the watched a.txt.
cat >"$TMP/service.sh" <<EOF
#!/bin/sh
case "\$2" in
svc3) f=$vol/s3/a.txt ;;
svc8) f=$vol/s8/a.txt ;;
*) f=/dev/null ;;
esac
echo "\$1 \$2 \$(date +%s%N) \$(cat "\$f" 2>/dev/null | sha256sum | cut -c1-64)" \
	>>"$TMP/service.log"
EOF
chmod +x "$TMP/service.sh"
: >"$TMP/service.log"
backed=$(sha256sum <"$TMP/set/data/0/s3/a.txt" | cut -c1-64)
damaged=$(echo damaged | sha256sum | cut -c1-64)

# Without --service-command and without systemd: the component fails
# before anything is written, saying what to give.
damage s3
if [ ! -d /run/systemd/system ]; then
	run restore "$TMP/set" --component s3:data --json
	expect_rc 1 "stop-restore-start without --service-command"
	still_damaged s3 || fail "stop-restore-start without a way to stop wrote files"
	json "[c['message'] for c in j['components']]" | grep -q -- --service-command ||
		fail "no hint at --service-command: $(json "[c['message'] for c in j['components']]")"
fi

# real_ns of the last EVENT line of writer NAME.
event_time() {
	{ grep -P "\t$2\t" "$TMP/writer-$1.log" || true; } | tail -1 | cut -f2
}
# field N of the service log's line "ACTION SERVICE".
service_field() {
	awk -v a="$1" -v s="$2" -v n="$3" '$1 == a && $2 == s { v = $n } END { print v }' \
		"$TMP/service.log"
}

run restore "$TMP/set" --component s3:data --service-command "$TMP/service.sh" --json
expect_rc 0 "stop-restore-start"
same s3 || fail "stop-restore-start: $(cat "$TMP/diff")"
pre=$(event_time s3 pre_restore)
post=$(event_time s3 post_restore)
stop=$(service_field stop svc3 3)
start=$(service_field start svc3 3)
if [ -z "$pre" ] || [ -z "$post" ] || [ -z "$stop" ] || [ -z "$start" ]; then
	fail "stop-restore-start: pre '$pre' stop '$stop' start '$start' post '$post'"
elif ! [ "$pre" -lt "$stop" ] || ! [ "$stop" -lt "$start" ] ||
	! [ "$start" -lt "$post" ]; then
	fail "stop-restore-start: order pre $pre stop $stop start $start post $post"
fi
[ "$(service_field stop svc3 4)" = "$damaged" ] ||
	fail "stop-restore-start: files were written before the stop"
[ "$(service_field start svc3 4)" = "$backed" ] ||
	fail "stop-restore-start: files were not written before the start"
[ "$(json "[(s['name'], s['stopped'], s['started']) for s in j['services']]")" = \
	"[('svc3', True, True)]" ] || fail "stop-restore-start: services $(json "j['services']")"

damage s8
backed=$(sha256sum <"$TMP/set/data/0/s8/a.txt" | cut -c1-64)
run restore "$TMP/set" --component s8:data --service-command "$TMP/service.sh" --json
expect_rc 0 "restore-stop-start"
same s8 || fail "restore-stop-start: $(cat "$TMP/diff")"
pre=$(event_time s8 pre_restore)
post=$(event_time s8 post_restore)
stop=$(service_field stop svc8 3)
start=$(service_field start svc8 3)
if [ -z "$pre" ] || [ -z "$post" ] || [ -z "$stop" ] || [ -z "$start" ]; then
	fail "restore-stop-start: pre '$pre' post '$post' stop '$stop' start '$start'"
elif ! [ "$pre" -lt "$post" ] || ! [ "$post" -lt "$stop" ] ||
	! [ "$stop" -lt "$start" ]; then
	fail "restore-stop-start: order pre $pre post $post stop $stop start $start"
fi
[ "$(service_field stop svc8 4)" = "$backed" ] ||
	fail "restore-stop-start: files were not in place before the stop"
[ "$(json "[(s['name'], s['stopped'], s['started']) for s in j['services']]")" = \
	"[('svc8', True, True)]" ] || fail "restore-stop-start: services $(json "j['services']")"

# ---- 4 to-alternate-location ---------------------------------------------
damage al
run restore "$TMP/set" --component al:data --json
expect_rc 0 "to-alternate-location"
same al "$vol/alt-al" || fail "to-alternate-location: $(cat "$TMP/diff")"
still_damaged al || fail "to-alternate-location wrote the original place"
[ "$(sys_detail al post_restore mappings)" = "data:$vol/al>$vol/alt-al" ] ||
	fail "to-alternate-location: mappings=$(sys_detail al post_restore mappings || true)"
# No mapping: a writer error, the component fails, nothing written.
damage alx
run restore "$TMP/set" --component alx:data --json
expect_rc 1 "to-alternate-location without a mapping"
still_damaged alx || fail "to-alternate-location without a mapping wrote files"
[ "$(comp alx status)" = "['none']" ] ||
	fail "to-alternate-location without a mapping: status $(comp alx status)"

# ---- 7 custom ------------------------------------------------------------
damage cu
m=$(($(sys_log_lines cu) + 1))
run restore "$TMP/set" --component cu:data --json
expect_rc 1 "custom without --to"
still_damaged cu || fail "custom without --to wrote files"
[ "$(events cu "$m")" = "" ] || fail "custom without --to told the writer: $(events cu "$m")"
mkdir "$TMP/custom"
m=$(($(sys_log_lines cu) + 1))
run restore "$TMP/set" --component cu:data --to "$TMP/custom" --json
expect_rc 0 "custom with --to"
same cu "$TMP/custom/${vol#/}/cu" || fail "custom: --to: $(cat "$TMP/diff")"
still_damaged cu || fail "custom wrote the original place"
# writer restore "always": the writer is told (section 5).
[ "$(events cu "$m")" = "pre_restore post_restore " ] ||
	fail "custom: events '$(events cu "$m")'"

# ---- writer restore never, ifReplaceFails --------------------------------
damage wn
m=$(($(sys_log_lines wn) + 1))
run restore "$TMP/set" --component wn:data --json
expect_rc 0 "writer restore never"
same wn || fail "writer restore never: $(cat "$TMP/diff")"
[ "$(events wn "$m")" = "" ] || fail "writer restore never: events '$(events wn "$m")' (RS-050)"
[ "$(comp wn writer_involved)" = "[False]" ] ||
	fail "writer restore never: writer_involved $(comp wn writer_involved)"

damage wi
m=$(($(sys_log_lines wi) + 1))
run restore "$TMP/set" --component wi:data --json
expect_rc 0 "writer restore ifReplaceFails, replaced"
same wi || fail "ifReplaceFails: $(cat "$TMP/diff")"
[ "$(events wi "$m")" = "pre_restore " ] ||
	fail "ifReplaceFails, replaced: events '$(events wi "$m")'"

damage wi
hold "$vol/wi/a.txt"
m=$(($(sys_log_lines wi) + 1))
run restore "$TMP/set" --component wi:data --json
expect_rc 0 "writer restore ifReplaceFails, not replaceable"
release
same wi "$vol/alt-wi" || fail "ifReplaceFails, busy: alternate location: $(cat "$TMP/diff")"
[ "$(events wi "$m")" = "pre_restore post_restore " ] ||
	fail "ifReplaceFails, replace failed: events '$(events wi "$m")'"

# ---- --method against a taking-part writer's own: usage (RS-040) ---------
damage cr
m=$(($(sys_log_lines cr) + 1))
run restore "$TMP/set" --component cr:data --method if-not-there
expect_rc 2 "--method other than the writer's"
grep -qE "cr.*(if-can-replace|RESTORE_IF_CAN_BE_REPLACED)|(if-can-replace|RESTORE_IF_CAN_BE_REPLACED).*cr" \
	"$TMP/err" || fail "--method other than the writer's: the message names neither the writer nor its method: $(cat "$TMP/err")"
still_damaged cr || fail "a usage error wrote files"
[ "$(events cr "$m")" = "" ] || fail "a usage error told the writer"

finish
