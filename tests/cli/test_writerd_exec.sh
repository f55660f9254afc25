# The script writer (type = exec, docs/writer-exec.md) in vss-writerd
# against a real vssd, through real "vss backup" and "vss restore" runs:
# every event runs its command, in order, with its environment; a held
# freeze command holds across the shadow copy and lets go at thaw; a
# freeze command that hangs is killed at its deadline with all it
# started, the backup reports the writer's TIMEOUT failure and the abort
# command runs only after the freeze is gone; prepare_backup,
# post_snapshot and pre_restore commands that hang are killed at their
# own deadlines, and the backup or restore reports the writer's TIMEOUT
# failure at that event (a failed post_snapshot aborts nothing, a failed
# pre_restore restores nothing of the writer); exit 75 is a retryable
# failure; a held freeze lets go at abort (before the abort command),
# at vss-writerd's SIGTERM and, by itself, at its SIGKILL.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
[ -x "${VSS_WRITERD:-}" ] || { echo "VSS_WRITERD is not set" >&2; exit 1; }
vol=$(sys_btrfs vol)
: "${vol:?sys_btrfs gave no mount point}"
sys_vssd

dir=$TMP/writers.d
mkdir -p "$dir"

# writer_conf FILE NAME EXEC_KEYS...: a script writer NAME whose one
# component is $vol/FILE; restored in place, with the writer told.
writer_conf() {
	local file=$1 name=$2
	shift 2
	mkdir -p "$vol/$file"
	{
		printf '[writer]\ntype = exec\nname = %s\n' "$name"
		printf '[restore]\nmethod = RESTORE_IF_CAN_BE_REPLACED\n'
		printf 'writer_restore = always\n'
		printf '[component data]\nfiles = %s * true\n' "$vol/$file"
		printf '[exec]\n'
		printf '%s\n' "$@"
	} >"$dir/$file.conf"
}

wait_for() {
	local what=$1 i
	shift
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	fail "$what"
}

listed() {
	"$VSS" list writers 2>/dev/null | grep -qxF "  - name: $1"
}

not_listed() {
	! listed "$1"
}

# json EXPR: EXPR over the JSON of the last run (as j).
json() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$TMP/out" "$1"
}

# backed_up SET PATH: the copy in backup set SET of PATH on $vol (the
# set's only volume, data/0).
backed_up() {
	local copy=$1/data/0/${2#"$vol"/}
	[ -f "$copy" ] && echo "$copy"
	return 0
}

# reload: SIGHUP, and wait until each name after -- is listed and each
# before it is not.
reload() {
	local gone=() name
	while [ "$1" != -- ]; do
		gone+=("$1")
		shift
	done
	shift
	kill -HUP "$SYS_WRITERD_PID"
	for name in "${gone[@]}"; do
		wait_for "$name is still listed" not_listed "$name"
	done
	for name in "$@"; do
		wait_for "$name is not listed" listed "$name"
	done
}

# ---- every event, in order, with its environment -------------------------
# Every command of Events is this script (a configuration line holds at
# most 197 characters, docs/writer-exec.md).
ev=$TMP/events.log
: >"$ev"
cat >"$TMP/log-event" <<EOF
#!/bin/sh
echo "EVENT \$VSS_EVENT \$VSS_SNAPSHOT_SET_ID" >>"$ev"
case \$VSS_EVENT in
post_snapshot)
	env | grep '^VSS_' | sort >"$TMP/post_snapshot.env"
	printf '%s\n' "\$VSS_SNAPSHOT_DEVICES" >"$TMP/devices" ;;
post_restore)
	echo "RESTORE_TYPE \$VSS_RESTORE_TYPE" >>"$ev" ;;
esac
EOF
chmod +x "$TMP/log-event"
keys=()
for e in prepare_backup prepare_snapshot freeze thaw post_snapshot \
	backup_complete backup_shutdown abort pre_restore post_restore; do
	keys+=("$e = $TMP/log-event")
done
writer_conf events Events "${keys[@]}"
echo "original" >"$vol/events/data.txt"

# The held freeze: the helper takes a lock, writes its state file, says
# "frozen" and holds until its stdin ends; then it notes that in the
# event log and in its state file, which the shadow copy must not have.
hv=$TMP/hold-events.log
: >"$hv"
cat >"$TMP/hold-helper" <<EOF
#!/bin/sh
exec 9>"$TMP/hold.lock"
flock -n 9 || { echo "lock busy" >&2; exit 75; }
echo "EVENT freeze" >>"$hv"
echo "held" >"$vol/hold/state.txt"
echo frozen
cat >/dev/null
echo "HELPER stdin closed" >>"$hv"
echo "released" >"$vol/hold/state.txt"
EOF
chmod +x "$TMP/hold-helper"
writer_conf hold Hold "freeze_hold = true" "freeze = $TMP/hold-helper" \
	"thaw = flock -n $TMP/hold.lock true && echo 'EVENT thaw lock free' >>$hv" \
	"post_snapshot = echo 'EVENT post_snapshot' >>$hv"
echo "before" >"$vol/hold/state.txt"

sys_writerd "$dir"
wait_for "Events is not listed" listed Events
wait_for "Hold is not listed" listed Hold

run backup --writer Events --writer Hold --to "$TMP/set1" --json
expect_rc 0 "vss backup of Events and Hold"
set_id=$(json "j['snapshot_set_id']")
# backup_shutdown comes once vss has let the session go: wait for it.
wait_for "no backup_shutdown after the backup" \
	grep -q "^EVENT backup_shutdown" "$ev"
awk '{ print $2 }' "$ev" >"$TMP/names"
printf '%s\n' prepare_backup prepare_snapshot freeze thaw post_snapshot \
	backup_complete backup_shutdown >"$TMP/want"
cmp -s "$TMP/names" "$TMP/want" ||
	fail "events of a backup: $(tr '\n' ' ' <"$TMP/names")"
# Every event from prepare_snapshot to backup_complete names the set.
ids=$(awk '$2 != "prepare_backup" && $2 != "backup_shutdown" { print $3 }' "$ev" | sort -u)
[ "$ids" = "$set_id" ] || fail "snapshot set ids in the events: $ids, set $set_id"
grep -qxF "VSS_BACKUP_TYPE=full" "$TMP/post_snapshot.env" ||
	fail "VSS_BACKUP_TYPE: $(cat "$TMP/post_snapshot.env")"
grep -qxF "VSS_WRITER_NAME=Events" "$TMP/post_snapshot.env" ||
	fail "VSS_WRITER_NAME is not Events"
grep -qxF "VSS_INSTANCE_NAME=events" "$TMP/post_snapshot.env" ||
	fail "VSS_INSTANCE_NAME is not events"
grep -qxF "VSS_COMPONENTS=data" "$TMP/post_snapshot.env" ||
	fail "VSS_COMPONENTS is not data"
grep -qxF "VSS_VOLUMES=$vol" "$TMP/post_snapshot.env" ||
	fail "VSS_VOLUMES is not $vol: $(cat "$TMP/post_snapshot.env")"
grep -q "^$vol=/" "$TMP/devices" ||
	fail "VSS_SNAPSHOT_DEVICES has no $vol=SHADOW: $(cat "$TMP/devices")"

# The helper held from freeze to thaw: it let go before the thaw command,
# which found the lock free, and the shadow copy has what it wrote while
# holding, not what it wrote at release.
printf '%s\n' "EVENT freeze" "HELPER stdin closed" "EVENT thaw lock free" \
	"EVENT post_snapshot" >"$TMP/want"
cmp -s "$hv" "$TMP/want" ||
	fail "held freeze: $(tr '\n' '|' <"$hv")"
copy=$(backed_up "$TMP/set1" "$vol/hold/state.txt")
if [ -z "$copy" ]; then
	fail "no copy of $vol/hold/state.txt in the set"
elif [ "$(cat "$copy")" != held ]; then
	fail "the shadow copy has state '$(cat "$copy")', expected 'held'"
fi
[ "$(cat "$vol/hold/state.txt")" = released ] ||
	fail "the helper did not release"

# ---- restore: pre_restore, post_restore, and the session's end ------------
: >"$ev"
echo "changed" >"$vol/events/data.txt"
run restore "$TMP/set1" --writer Events
expect_rc 0 "vss restore of Events"
wait_for "no backup_shutdown after the restore" \
	grep -q "^EVENT backup_shutdown" "$ev"
printf '%s\n' pre_restore post_restore "RESTORE_TYPE by_copy" backup_shutdown \
	>"$TMP/want"
awk '{ print ($1 == "EVENT") ? $2 : $0 }' "$ev" >"$TMP/names"
cmp -s "$TMP/names" "$TMP/want" ||
	fail "events of a restore: $(tr '\n' '|' <"$TMP/names")"
[ "$(cat "$vol/events/data.txt")" = original ] ||
	fail "data.txt was not restored"

# ---- a freeze command that hangs -----------------------------------------
rm "$dir/events.conf" "$dir/hold.conf"
# Its abort command notes whether the hanging freeze is still running:
# abort must come after the freeze was killed, never beside it.
cat >"$TMP/hang-abort" <<EOF
#!/bin/sh
if pgrep -f "sleep 1000.25" >/dev/null; then
	echo "EVENT abort freeze running" >>"$TMP/hang.log"
else
	echo "EVENT abort freeze gone" >>"$TMP/hang.log"
fi
EOF
chmod +x "$TMP/hang-abort"
writer_conf hang Hang "freeze_timeout = 2" \
	"freeze = echo freezing; sleep 1000.25" "abort = $TMP/hang-abort"
reload Events Hold -- Hang
run backup --writer Hang --to "$TMP/set2" --json
expect_rc 1 "vss backup with a hanging freeze"
state=$(json "[(w['state'], w['failure'], w['message']) for w in j['writers'] if w['name'] == 'Hang']")
case $state in
"[('[9] Failed', 'VSS_E_WRITERERROR_TIMEOUT', "*"freeze command timed out after 2000 ms"*) ;;
*) fail "Hang after the backup: $state" ;;
esac
grep -qF "vss-writerd[hang]: freeze: failed: VSS_E_WRITERERROR_TIMEOUT: freeze command timed out after 2000 ms" \
	"$TMP/writerd.log" || fail "the timed out freeze is not logged"
grep -qF "vss-writerd[hang]: freeze command stdout: freezing" \
	"$TMP/writerd.log" || fail "the freeze command's output is not logged"
if pgrep -f "sleep 1000.25" >/dev/null; then
	fail "the hanging freeze command is still running"
fi
wait_for "no abort after the hanging freeze" test -s "$TMP/hang.log"
[ "$(cat "$TMP/hang.log")" = "EVENT abort freeze gone" ] ||
	fail "abort of Hang: $(cat "$TMP/hang.log")"

# ---- exit 75: retryable ----------------------------------------------------
rm "$dir/hang.conf"
writer_conf retry Retry \
	"prepare_backup = echo 'another backup holds the lock' >&2; exit 75"
reload Hang -- Retry
run backup --writer Retry --to "$TMP/set3" --json
expect_rc 1 "vss backup with a retryable prepare_backup failure"
state=$(json "[(w['state'], w['failure'], w['message']) for w in j['writers'] if w['name'] == 'Retry']")
case $state in
*VSS_E_WRITERERROR_RETRYABLE*"prepare_backup command failed with exit status 75: another backup holds the lock"*) ;;
*) fail "Retry after the backup: $state" ;;
esac

# ---- the deadlines of other events ---------------------------------------
# Each writer's command of one event hangs (a sleep no other command
# runs) past that event's own deadline, which differs from the writer's
# `timeout`, so the message shows whose deadline was kept.
rm "$dir/retry.conf"
writer_conf lateprep LatePrep "timeout = 30" "prepare_backup_timeout = 1.5" \
	"prepare_backup = echo preparing; sleep 1000.75"
writer_conf latepost LatePost "timeout = 30" "post_snapshot_timeout = 1.25" \
	"post_snapshot = echo cleaning; sleep 1000.5"
writer_conf latepre LatePre "timeout = 30" "pre_restore_timeout = 1.75" \
	"pre_restore = echo stopping; sleep 1000.125"
echo "backed up" >"$vol/latepre/data.txt"
reload Retry -- LatePrep LatePost LatePre

# writer_failure NAME: (state, failure, message) of writer NAME in the
# last run's JSON.
writer_failure() {
	json "[(w['state'], w['failure'], w['message']) for w in j['writers'] if w['name'] == '$1']"
}
# backup_components NAME: (name, succeeded) of writer NAME's components
# in the backup set of the last run's JSON.
backup_components() {
	json "[(c['name'], c['succeeded']) for c in j['backup']['components'] if c['writer'] == '$1']"
}
# timed_out WRITER EVENT MS SLEEP: the writerd log has WRITER's EVENT
# failing at its deadline of MS ms, and the command's sleep is gone.
timed_out() {
	grep -qF "vss-writerd[$1]: $2 command: killed at its deadline" \
		"$TMP/writerd.log" || fail "$1: the kill of $2 is not logged"
	grep -qF "vss-writerd[$1]: $2: failed: VSS_E_WRITERERROR_TIMEOUT: $2 command timed out after $3 ms" \
		"$TMP/writerd.log" || fail "$1: the timed out $2 is not logged"
	if pgrep -f "sleep $4" >/dev/null; then
		fail "$1: the hanging $2 command is still running"
	fi
}

# prepare_backup: the writer fails there, gets no more events of the
# backup but its end, and its component fails.
run backup --writer LatePrep --to "$TMP/set-lateprep" --json
expect_rc 1 "vss backup with a hanging prepare_backup"
case $(writer_failure LatePrep) in
"[('[7] Failed', 'VSS_E_WRITERERROR_TIMEOUT', "*"prepare_backup command timed out after 1500 ms"*) ;;
*) fail "LatePrep after the backup: $(writer_failure LatePrep)" ;;
esac
timed_out lateprep prepare_backup 1500 1000.75
grep -qF "vss-writerd[lateprep]: prepare_backup command stdout: preparing" \
	"$TMP/writerd.log" || fail "the prepare_backup command's output is not logged"
[ "$(backup_components LatePrep)" = "[('data', False)]" ] ||
	fail "LatePrep's component in the backup: $(backup_components LatePrep)"
wait_for "LatePrep: no backup_shutdown" \
	grep -qF "vss-writerd[lateprep]: backup_shutdown: ok" "$TMP/writerd.log"
grep -qE "vss-writerd\[lateprep\]: (prepare_snapshot|freeze|thaw|post_snapshot|backup_complete):" \
	"$TMP/writerd.log" && fail "LatePrep got events after its failed prepare_backup"

# post_snapshot: the set is made and kept, the writer's failure is
# reported and its component fails (crash consistent); no abort follows
# (BK-080): backup_complete and backup_shutdown do.
run backup --writer LatePost --to "$TMP/set-latepost" --json
expect_rc 1 "vss backup with a hanging post_snapshot"
case $(writer_failure LatePost) in
"[('[11] Failed', 'VSS_E_WRITERERROR_TIMEOUT', "*"post_snapshot command timed out after 1250 ms"*) ;;
*) fail "LatePost after the backup: $(writer_failure LatePost)" ;;
esac
timed_out latepost post_snapshot 1250 1000.5
[ -f "$TMP/set-latepost/manifest.json" ] ||
	fail "the set of a backup whose post_snapshot timed out was not kept"
[ "$(backup_components LatePost)" = "[('data', False)]" ] ||
	fail "LatePost's component in the backup: $(backup_components LatePost)"
wait_for "LatePost: no backup_shutdown" \
	grep -qF "vss-writerd[latepost]: backup_shutdown: ok" "$TMP/writerd.log"
grep -qF "vss-writerd[latepost]: backup_complete: ok" "$TMP/writerd.log" ||
	fail "LatePost got no backup_complete after its failed post_snapshot"
grep -qF "vss-writerd[latepost]: abort:" "$TMP/writerd.log" &&
	fail "LatePost got an abort after its failed post_snapshot"

# pre_restore: a good backup first, then a restore whose pre_restore
# hangs: the writer fails there and none of its files is written.
run backup --writer LatePre --to "$TMP/set-latepre" --json
expect_rc 0 "vss backup of LatePre"
echo "changed" >"$vol/latepre/data.txt"
run restore "$TMP/set-latepre" --writer LatePre --json
expect_rc 1 "vss restore with a hanging pre_restore"
restore_failure=$(json "[(w['state'], w['failure'], w['pre_restore_message']) for w in j['writers'] if w['name'] == 'LatePre']")
case $restore_failure in
"[('[13] Failed', 'VSS_E_WRITERERROR_TIMEOUT', "*"pre_restore command timed out after 1750 ms"*) ;;
*) fail "LatePre after the restore: $restore_failure" ;;
esac
timed_out latepre pre_restore 1750 1000.125
[ "$(json "[c['message'] for c in j['components'] if c['writer'] == 'LatePre']")" = \
	"['the writer failed pre_restore: pre_restore command timed out after 1750 ms: nothing restored']" ] ||
	fail "LatePre's component in the restore: $(json "j['components']")"
[ "$(cat "$vol/latepre/data.txt")" = changed ] ||
	fail "the restore wrote LatePre's data despite its failed pre_restore"

# ---- the other ends of a held freeze -------------------------------------
# Held's helper notes when it holds and when it lets go, in its state
# file and its log; its abort command notes itself in the log too.  The
# other writers are vss-test-writers at a later level (back end), so
# that they freeze once Held holds: Failer fails its freeze, Slow takes
# 3 s over it (vssd's freeze deadline is 5 s).
rm "$dir/lateprep.conf" "$dir/latepost.conf" "$dir/latepre.conf"
hl=$TMP/held.log
cat >"$TMP/held-helper" <<EOF
#!/bin/sh
echo held >"$vol/held/state.txt"
echo frozen
cat >/dev/null
echo released >"$vol/held/state.txt"
echo "HELPER released" >>"$hl"
EOF
chmod +x "$TMP/held-helper"
writer_conf held Held "freeze_hold = true" "freeze = $TMP/held-helper" \
	"abort = echo 'EVENT abort' >>$hl"
reload LatePrep LatePost LatePre -- Held
mkdir -p "$vol/failer" "$vol/slow"
sys_writer Failer --level back_end --component f="$vol/failer" \
	--fail freeze:always
sys_writer Slow --level back_end --component s="$vol/slow" --stall freeze:3

state_is() {
	[ "$(cat "$vol/held/state.txt" 2>/dev/null)" = "$1" ]
}
helper_gone() {
	! pgrep -f "$TMP/held-helper" >/dev/null
}
# released CASE: the helper let go and is gone.
released() {
	wait_for "$1: the helper did not let go" state_is released
	wait_for "$1: the helper is still running" helper_gone
}
# backup_held NAME: a backup of Held and Slow in the background,
# returning once Held's helper holds; its pid in $bg.
backup_held() {
	: >"$hl"
	echo before >"$vol/held/state.txt"
	"$VSS" backup --writer Held --writer Slow --to "$TMP/set-$1" \
		>"$TMP/backup-$1.out" 2>&1 &
	bg=$!
	wait_for "$1: the helper never held" state_is held
}

# Abort while held: the helper lets go first, then the abort command runs.
: >"$hl"
run backup --writer Held --writer Failer --to "$TMP/set4" --json
expect_rc 1 "vss backup with a writer failing its freeze"
released "abort"
wait_for "abort: no abort command" grep -q "^EVENT abort" "$hl"
printf '%s\n' "HELPER released" "EVENT abort" >"$TMP/want"
cmp -s "$hl" "$TMP/want" || fail "abort while held: $(tr '\n' '|' <"$hl")"

# SIGTERM to vss-writerd while held: released before it exits 0.
backup_held term
sys_stop_writerd || fail "vss-writerd did not exit 0 on SIGTERM while held"
state_is released || fail "SIGTERM: the helper had not let go at exit"
helper_gone || fail "SIGTERM: the helper is still running after exit"
wait "$bg" || true
grep -qF "vss-writerd[held]: thawing the held freeze command" \
	"$TMP/writerd.log" || fail "SIGTERM: no release logged"

# SIGKILL to vss-writerd while held: the helper reads the end of its
# stdin and lets go by itself.
sys_writerd "$dir"
wait_for "Held is not listed again" listed Held
backup_held kill
kill -KILL "$SYS_WRITERD_PID"
wait "$SYS_WRITERD_PID" 2>/dev/null || true
released "SIGKILL"
wait "$bg" || true

sys_writerd "$dir"
wait_for "Held is not listed after the SIGKILL" listed Held
sys_stop_writerd || fail "vss-writerd did not exit 0 on SIGTERM"
helper_gone || fail "a held freeze helper is left running"
if [ "$failures" -ne 0 ]; then
	echo "vss-writerd's log:" >&2
	sed 's/^/    /' "$TMP/writerd.log" >&2
fi
finish
