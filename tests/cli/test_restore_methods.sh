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
#   4 with target original_location (in place) and directed (the
#     directed targets), section 6
#   7 custom: RS-120 (--to required)
#   a failure midway (status failed, the objects in place listed, the
#   writer told FAILED: RS-110); a writer with rebootRequired: RS-044; a writer declaring no method
#   (its files by --method); a running writer older than the backup's
#   (refused in place, RS-120); stop signals after pre_restore (RS-010)
#   writer restore never / ifReplaceFails / always: RS-050, section 5
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

# comp NAME FIELD: FIELD of writer NAME's component in the last report.
comp() {
	json "[c['$2'] for c in j['components'] if c['writer'] == '$1']"
}

# writer NAME METHOD WRITER_RESTORE [RESTORE_LINES [COMPONENT_LINES
# [WRITER_LINES]]]: a writer whose component "data" covers $vol/NAME
# (a.txt, b.txt, sub/c.txt); METHOD "-": no [restore] section (the
# writer declares no restore method).
writer() {
	local name=$1 method=$2 wre=$3 extra=${4:-} comp=${5:-} wl=${6:-}
	local restore="[restore]
method = $method
writer_restore = $wre
$extra"
	[ "$method" != - ] || restore=
	mkdir -p "${vol:?}/$name/sub"
	echo "$name a" >"${vol:?}/$name/a.txt"
	echo "$name b" >"${vol:?}/$name/b.txt"
	echo "$name c" >"${vol:?}/$name/sub/c.txt"
	cat >"$TMP/$name.conf" <<EOF
[writer]
class_id = $(cat /proc/sys/kernel/random/uuid)
$wl
$restore
[component data]
files = $vol/$name * true
$comp
EOF
	sys_writer "$name" --config "$TMP/$name.conf"
}

# mapping NAME: the alternate location mapping of NAME's file set.
mapping() {
	echo "alternate_location = $vol/$1 * true $vol/alt-$1"
}

# damage NAME: a.txt changed (in place: same inode), sub/c.txt gone.
damage() {
	echo "damaged" >"${vol:?}/$1/a.txt"
	rm -f "${vol:?}/$1/sub/c.txt"
}

# same NAME [DIR]: DIR (default $vol/NAME) holds what the set holds.
same() {
	diff -r --no-dereference "$TMP/set/data/0/$1" "${2:-$vol/$1}" \
		>"$TMP/diff" 2>&1
}

# still_damaged NAME: the damage is still there, nothing was restored.
still_damaged() {
	[ "$(cat "${vol:?}/$1/a.txt")" = damaged ] && [ ! -e "${vol:?}/$1/sub/c.txt" ]
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
writer ol RESTORE_TO_ALTERNATE_LOCATION always "$(mapping ol)" \
	"restore_target = original_location"
mkdir -p "${vol:?}/ad-out"
writer ad RESTORE_TO_ALTERNATE_LOCATION always "$(mapping ad)" \
	"restore_target = directed
directed_target = $vol/ad a.txt 0:3 $vol/ad-out out.bin 0:3"
writer rr RESTORE_IF_CAN_BE_REPLACED always "reboot_required = true"
writer pfw RESTORE_IF_NOT_THERE always
mkdir "${vol:?}/pfw/empty"
writer sg STOP_RESTORE_START always "service = sgsvc"
writer nm - -
writer vo RESTORE_IF_CAN_BE_REPLACED always "" "" "version = 2.0"

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
same ntm "${vol:?}/alt-ntm" || fail "if-not-there: the alternate location: $(cat "$TMP/diff")"
still_damaged ntm || fail "if-not-there with a mapping wrote the original place"
[ "$(sys_detail ntm post_restore mappings)" = "data:$vol/ntm|*|1>$vol/alt-ntm" ] ||
	fail "if-not-there: mappings=$(sys_detail ntm post_restore mappings || true)"
case "$(comp ntm destinations)" in
*"'$vol/alt-ntm'"*) ;;
*) fail "if-not-there: destinations $(comp ntm destinations)" ;;
esac
# ... and with a version at the alternate location too: nothing.
mkdir -p "${vol:?}/alt-ntm"
echo other >"${vol:?}/alt-ntm/a.txt"
run restore "$TMP/set" --component ntm:data --json
expect_rc 1 "if-not-there, files in both places"
[ "$(cat "${vol:?}/alt-ntm/a.txt")" = other ] || fail "if-not-there replaced at the alternate location"
still_damaged ntm || fail "if-not-there, files in both places: the original changed"
[ "$(comp ntm status)" = "['none']" ] || fail "if-not-there, both: status $(comp ntm status)"

# ---- a failure midway: status failed, what is in place listed ------------
# A commit puts the files in place first, then the directories' metadata,
# deepest first: an immutable directory of the component fails it after
# the files are in place (issue 6: the report lists them; RS-110: the
# writer is told FAILED).
if command -v chattr >/dev/null; then
	rm -f "${vol:?}/pfw/a.txt" "${vol:?}/pfw/b.txt" "${vol:?}/pfw/sub/c.txt"
	chattr +i "${vol:?}/pfw/empty"
	m=$(($(sys_log_lines pfw) + 1))
	run restore "$TMP/set" --component pfw:data --json
	chattr -i "${vol:?}/pfw/empty"
	expect_rc 1 "a failure midway"
	[ "$(comp pfw status)" = "['failed']" ] || fail "midway: status $(comp pfw status)"
	# The files, and directories whose metadata went in before the
	# failure; never the immutable one.
	[ "$(json "[{'$vol/pfw/' + f for f in ('a.txt', 'b.txt', 'sub/c.txt')} <= set(c['restored'])
		and '$vol/pfw/empty' not in c['restored'] for c in j['components']]")" = "[True]" ] ||
		fail "midway: restored $(json "[c['restored'] for c in j['components']]")"
	case "$(comp pfw message)" in
	*pfw/empty*) ;;
	*) fail "midway: message $(comp pfw message)" ;;
	esac
	[ "$(sys_detail pfw post_restore file_status)" = data:FAILED ] ||
		fail "midway: file_status=$(sys_detail pfw post_restore file_status || true)"
	[ "$(events pfw "$m")" = "pre_restore post_restore " ] ||
		fail "midway: events '$(events pfw "$m")'"
	[ -z "$(find "${vol:?}/pfw" -name '.vss-restore-*')" ] ||
		fail "midway: temporaries left: $(find "${vol:?}/pfw" -name '.vss-restore-*')"
fi

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
hold "${vol:?}/cr/a.txt"
run restore "$TMP/set" --component cr:data --json
expect_rc 1 "if-can-replace, a busy file, no mapping"
release
still_damaged cr || fail "if-can-replace with a busy file wrote something"
[ "$(comp cr status)" = "['none']" ] || fail "if-can-replace, busy: status $(comp cr status)"

# A busy file and a mapping: everything to the alternate location.
damage crm
hold "${vol:?}/crm/a.txt"
m=$(($(sys_log_lines crm) + 1))
run restore "$TMP/set" --component crm:data --json
expect_rc 0 "if-can-replace, a busy file, a mapping"
release
same crm "${vol:?}/alt-crm" || fail "if-can-replace, busy: alternate location: $(cat "$TMP/diff")"
still_damaged crm || fail "if-can-replace, busy, mapping: the original changed"
[ "$(sys_detail crm post_restore mappings)" = "data:$vol/crm|*|1>$vol/alt-crm" ] ||
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
m=$(($(sys_log_lines s3) + 1))
if [ ! -d /run/systemd/system ]; then
	run restore "$TMP/set" --component s3:data --json
	expect_rc 1 "stop-restore-start without --service-command"
	still_damaged s3 || fail "stop-restore-start without a way to stop wrote files"
	case "$(json "[c['message'] for c in j['components']]")" in
	*--service-command*) ;;
	*) fail "no hint at --service-command: $(json "[c['message'] for c in j['components']]")" ;;
	esac
	# Decided before pre_restore: the writer is not told (RS-004).
	[ "$(events s3 "$m")" = "" ] ||
		fail "stop-restore-start without a way to stop told the writer: $(events s3 "$m")"
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
same al "${vol:?}/alt-al" || fail "to-alternate-location: $(cat "$TMP/diff")"
still_damaged al || fail "to-alternate-location wrote the original place"
[ "$(sys_detail al post_restore mappings)" = "data:$vol/al|*|1>$vol/alt-al" ] ||
	fail "to-alternate-location: mappings=$(sys_detail al post_restore mappings || true)"
# No mapping: a writer error, the component fails, nothing written; it
# is known before pre_restore, so the writer is not told.
damage alx
m=$(($(sys_log_lines alx) + 1))
run restore "$TMP/set" --component alx:data --json
expect_rc 1 "to-alternate-location without a mapping"
still_damaged alx || fail "to-alternate-location without a mapping wrote files"
[ "$(comp alx status)" = "['none']" ] ||
	fail "to-alternate-location without a mapping: status $(comp alx status)"
[ "$(events alx "$m")" = "" ] ||
	fail "to-alternate-location without a mapping told the writer: $(events alx "$m")"

# Target ORIGINAL_LOCATION overrides method 4: in place (section 6).
damage ol
run restore "$TMP/set" --component ol:data --json
expect_rc 0 "to-alternate-location, target original_location"
same ol || fail "original_location: $(cat "$TMP/diff")"
[ ! -e "${vol:?}/alt-ol" ] || fail "original_location: the mapping was used"
[ "$(comp ol target)" = "['original_location']" ] ||
	fail "original_location: target $(comp ol target)"
sys_detail ol post_restore mappings >/dev/null &&
	fail "original_location: post_restore names mappings"

# Target DIRECTED under method 4: the directed targets (RS-091), not the
# mappings.
run restore "$TMP/set" --component ad:data --json
expect_rc 0 "to-alternate-location, target directed"
[ "$(cat "${vol:?}/ad-out/out.bin")" = "ad " ] ||
	fail "directed under method 4: out.bin holds '$(cat "${vol:?}/ad-out/out.bin" 2>/dev/null)'"
[ ! -e "${vol:?}/alt-ad" ] || fail "directed under method 4: the mapping was used"

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
# It takes no new targets (RS-080): the report says where the files are.
case "$(comp cu message)" in
*"$TMP/custom"*) ;;
*) fail "custom: the report does not say where the files are: $(comp cu message)" ;;
esac

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
hold "${vol:?}/wi/a.txt"
m=$(($(sys_log_lines wi) + 1))
run restore "$TMP/set" --component wi:data --json
expect_rc 0 "writer restore ifReplaceFails, not replaceable"
release
same wi "${vol:?}/alt-wi" || fail "ifReplaceFails, busy: alternate location: $(cat "$TMP/diff")"
[ "$(events wi "$m")" = "pre_restore post_restore " ] ||
	fail "ifReplaceFails, replace failed: events '$(events wi "$m")'"

# ---- a writer that asks for a reboot (RS-044) ----------------------------
damage rr
run restore "$TMP/set" --component rr:data --json
expect_rc 0 "a writer with rebootRequired"
same rr || fail "rebootRequired: $(cat "$TMP/diff")"
[ "$(json "j['reboot_required']")" = True ] ||
	fail "rebootRequired: reboot_required $(json "j['reboot_required']")"
run restore "$TMP/set" --component rr:data
expect_rc 0 "a writer with rebootRequired (text)"
expect_in out "reboot required: yes" "rebootRequired: the text report"

# ---- a writer that declares no restore method ----------------------------
# No instructions: it takes part (as "always"), its files by --method.
damage nm
m=$(($(sys_log_lines nm) + 1))
run restore "$TMP/set" --component nm:data --json
expect_rc 0 "a writer without a restore method"
same nm || fail "no restore method: $(cat "$TMP/diff")"
[ "$(events nm "$m")" = "pre_restore post_restore " ] ||
	fail "no restore method: events '$(events nm "$m")'"
[ "$(json "[(c['method'], c['method_declared'], c['writer_involved']) for c in j['components']]")" = \
	"[('if-can-replace', False, True)]" ] ||
	fail "no restore method: $(json "j['components']")"
rm -rf "${vol:?}/nm/"*
run restore "$TMP/set" --component nm:data --method if-not-there
expect_rc 0 "a writer without a restore method, --method if-not-there"
same nm || fail "no restore method, --method: $(cat "$TMP/diff")"
expect_in out "if-not-there (writer declares none)" "no restore method: the text report"

# ---- a running writer older than the backup's ----------------------------
# Its data is not restored in place without it (RS-120), but --to may.
sed 's/^version = 2.0$/version = 1.0/' "$TMP/vo.conf" >"$TMP/vo-old.conf"
sys_stop_writer vo
sys_writer vo --config "$TMP/vo-old.conf"
damage vo
m=$(($(sys_log_lines vo) + 1))
run restore "$TMP/set" --component vo:data --json
expect_rc 1 "a writer older than the backup's"
still_damaged vo || fail "an older writer's data was written in place"
[ "$(comp vo status)" = "['none']" ] || fail "older writer: status $(comp vo status)"
case "$(comp vo message)" in
*older*2.0*) ;;
*) fail "older writer: message $(comp vo message)" ;;
esac
[ "$(json "[w['match'] for w in j['writers']]")" = "['version_too_old']" ] ||
	fail "older writer: match $(json "[w['match'] for w in j['writers']]")"
[ "$(events vo "$m")" = "" ] || fail "older writer: told $(events vo "$m")"
mkdir "$TMP/vo-to"
run restore "$TMP/set" --component vo:data --to "$TMP/vo-to" --json
expect_rc 0 "a writer older than the backup's, --to"
same vo "$TMP/vo-to/${vol#/}/vo" || fail "older writer, --to: $(cat "$TMP/diff")"

# ---- stop signals once pre_restore is sent (RS-010) ----------------------
# SIGINT to vss's process group (as a terminal's Ctrl-C), then to vss,
# while the service stops: the stop finishes (the command, in a session
# of its own, never gets it), the service is started again and the
# writer gets post_restore; nothing is written after the signal, exit 1.
cat >"$TMP/slow.sh" <<EOF
#!/bin/sh
echo "\$1 \$2 begin" >>"$TMP/slow.log"
if [ "\$1" = stop ]; then
	while [ ! -e "$TMP/slow.go" ]; do sleep 0.05; done
fi
echo "\$1 \$2 end" >>"$TMP/slow.log"
EOF
chmod +x "$TMP/slow.sh"
damage sg
m=$(($(sys_log_lines sg) + 1))
# setsid: vss leads a process group of its own (the command is not in it).
setsid "$VSS" restore "$TMP/set" --component sg:data \
	--service-command "$TMP/slow.sh" --json >"$TMP/out" 2>"$TMP/err" &
pid=$!
for _ in $(seq 600); do
	grep -qx "stop sgsvc begin" "$TMP/slow.log" 2>/dev/null && break
	sleep 0.1
done
grep -qx "stop sgsvc begin" "$TMP/slow.log" || fail "signals: the service was never stopped"
kill -INT -- "-$pid"
sleep 0.2
kill -INT "$pid"
touch "$TMP/slow.go"
rc=0
wait "$pid" || rc=$?
expect_rc 1 "signals during the service stop"
[ "$(tr '\n' ' ' <"$TMP/slow.log")" = \
	"stop sgsvc begin stop sgsvc end start sgsvc begin start sgsvc end " ] ||
	fail "signals: the service command ran: $(tr '\n' ' ' <"$TMP/slow.log")"
[ "$(events sg "$m")" = "pre_restore post_restore " ] ||
	fail "signals: events '$(events sg "$m")'"
[ "$(sys_detail sg post_restore file_status)" = data:NONE ] ||
	fail "signals: file_status=$(sys_detail sg post_restore file_status || true)"
still_damaged sg || fail "signals: files were written after the signal"
[ "$(comp sg status)" = "['none']" ] || fail "signals: status $(comp sg status)"
[ "$(json "[(s['stopped'], s['started']) for s in j['services']]")" = "[(True, True)]" ] ||
	fail "signals: services $(json "j['services']")"

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
