# vss-writerd (docs/vss-writerd.8) with script writers (type = exec)
# against a real vssd: --check and usage errors; writers start from a
# directory (NAME.conf only; a bad file is logged, the others run);
# SIGHUP adds, changes and removes writers; a changed file waits for the
# writer's running backup session to end; a writer whose identify check
# fails is listed as failed at identify (retryable, with its message)
# and left out of the gathered metadata; log_file gets the writer's
# lines and is reopened at SIGHUP; a restarted vssd gets every writer
# back, the outage logged once; SIGTERM exits 0, a held freeze helper
# thawed by its signal, a freeze command in its handler ended, nothing
# left running.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
[ -x "${VSS_WRITERD:-}" ] || { echo "VSS_WRITERD is not set" >&2; exit 1; }
vol=$(sys_btrfs vol)
: "${vol:?sys_btrfs gave no mount point}"
sys_vssd

dir=$TMP/writers.d
mkdir -p "$dir"

# writer_conf FILE NAME [EXEC_KEYS...]: an exec writer named NAME whose
# component covers $vol/FILE.
writer_conf() {
	local file=$1 name=$2
	shift 2
	mkdir -p "$vol/$file"
	echo "$file" >"$vol/$file/data.txt"
	{
		printf '[writer]\ntype = exec\nname = %s\n' "$name"
		printf '[restore]\nmethod = CUSTOM\n'
		printf '[component data]\nfiles = %s * true\n' "$vol/$file"
		printf '[exec]\n'
		printf '%s\n' "$@"
	} >"$dir/$file.conf"
}

# wait_for WHAT COMMAND...: until COMMAND succeeds, 30 s at most (a
# loaded machine, the sanitizer build); the test goes on either way.
wait_for() {
	local what=$1 i
	shift
	for i in $(seq 300); do
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

logged() {
	grep -qF -- "$1" "$TMP/writerd.log"
}

# json EXPR: EXPR over the JSON of the last run (as j).
json() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$TMP/out" "$1"
}

# ---- usage, --check ----------------------------------------------------
rc=0
"$VSS_WRITERD" --bogus >"$TMP/out" 2>"$TMP/err" || rc=$?
expect_rc 2 "vss-writerd --bogus"
expect_in err "usage: vss-writerd" "vss-writerd --bogus"
rc=0
"$VSS_WRITERD" extra >"$TMP/out" 2>"$TMP/err" || rc=$?
expect_rc 2 "vss-writerd extra"
rc=0
"$VSS_WRITERD" --help >"$TMP/out" 2>"$TMP/err" || rc=$?
expect_rc 0 "vss-writerd --help"
expect_in out "--config-dir DIR" "vss-writerd --help"

writer_conf alpha Alpha
writer_conf beta Beta
printf '[writer]\ntype = exec\n[exec]\nfrezze = true\n' >"$dir/broken.conf"
echo "not a writer" >"$dir/notes.txt"
echo "not a writer" >"$dir/.hidden.conf"
rc=0
"$VSS_WRITERD" --check --config-dir "$dir" >"$TMP/out" 2>"$TMP/err" || rc=$?
expect_rc 1 "--check with a bad file"
expect_in out "$dir/alpha.conf: type exec, name 'Alpha', instance name 'alpha'" \
	"--check"
expect_in out "$dir/broken.conf: line 4: [exec] frezze: unknown key" "--check"
expect_not_in out "notes" "--check"
expect_not_in out "hidden" "--check"
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "--check: not one line per file"

# ---- start: the good files run, the bad one is logged --------------------
sys_writerd "$dir"
wait_for "Alpha is not listed" listed Alpha
wait_for "Beta is not listed" listed Beta
wait_for "broken.conf is not logged" \
	logged "vss-writerd: $dir/broken.conf: line 4: [exec] frezze: unknown key"
rm "$dir/broken.conf"

# ---- SIGHUP: add, change, remove ---------------------------------------
# gamma holds its post_snapshot until $TMP/go exists, for the session
# below.
writer_conf gamma Gamma \
	"post_snapshot = touch $TMP/holding; while [ ! -e $TMP/go ]; do sleep 0.1; done"
writer_conf beta "Beta Two"
rm "$dir/alpha.conf"
kill -HUP "$SYS_WRITERD_PID"
wait_for "Gamma is not listed after SIGHUP" listed Gamma
wait_for "Beta Two is not listed after SIGHUP" listed "Beta Two"
wait_for "Beta is still listed after SIGHUP" not_listed Beta
wait_for "Alpha is still listed after SIGHUP" not_listed Alpha
# An unchanged file keeps its writer: the same instance id.
run list writers --json
gamma_iid=$(json '[w["instance_id"] for w in j["writers"] if w["name"] == "Gamma"][0]')
kill -HUP "$SYS_WRITERD_PID"
wait_for "second SIGHUP not logged" \
	test "$(grep -c 'SIGHUP: reloading' "$TMP/writerd.log")" -eq 2
run list writers --json
[ "$(json '[w["instance_id"] for w in j["writers"] if w["name"] == "Gamma"][0]')" = "$gamma_iid" ] ||
	fail "an unchanged file restarted its writer"

# ---- a change waits for the session to end -------------------------------
"$VSS" backup --writer Gamma --to "$TMP/set1" >"$TMP/backup.out" 2>&1 &
backup_pid=$!
wait_for "gamma's post_snapshot did not start" test -e "$TMP/holding"
writer_conf gamma "Gamma Two" "post_snapshot = true"
kill -HUP "$SYS_WRITERD_PID"
wait_for "the deferred change is not logged" \
	logged "gamma.conf: writer 'gamma' is in a session; it restarts once the session ends"
listed Gamma || fail "Gamma changed in the middle of its session"
not_listed "Gamma Two" || fail "Gamma Two started in the middle of the session"
touch "$TMP/go"
rc=0
wait "$backup_pid" || rc=$?
if [ "$rc" -ne 0 ]; then
	fail "vss backup during the reload: exit code $rc"
	sed 's/^/    /' "$TMP/backup.out" >&2
fi
wait_for "Gamma Two is not listed after the session" listed "Gamma Two"
wait_for "Gamma is still listed after the session" not_listed Gamma
logged "vss-writerd[gamma]: post_snapshot: ok (" ||
	fail "post_snapshot's result is not logged"
logged "vss-writerd[gamma]: backup_shutdown: ok (" ||
	fail "backup_shutdown's result is not logged"

# ---- an application that is down fails identify --------------------------
writer_conf delta Delta \
	"identify = test -e $TMP/delta-up || { echo 'delta service is down' >&2; exit 1; }"
kill -HUP "$SYS_WRITERD_PID"
wait_for "Delta is not listed" listed Delta
run list writers --verbose --json
expect_rc 0 "vss list writers --verbose"
[ "$(json '[m["identity"]["friendly_name"] for m in j["metadata"] if m["identity"]["friendly_name"].startswith("Delta")]')" = "[]" ] ||
	fail "Delta's metadata was gathered though its identify failed"
[ "$(json '[m["identity"]["friendly_name"] for m in j["metadata"] if m["identity"]["friendly_name"] == "Gamma Two"]')" = "['Gamma Two']" ] ||
	fail "Gamma Two's metadata is missing"
run list writers
expect_rc 0 "vss list writers"
awk '/^  - name: Delta$/ { on = 1; print; next } /^  - name:/ { on = 0 } on' \
	"$TMP/out" >"$TMP/delta"
grep -qxF "    state: [6] Failed" "$TMP/delta" ||
	fail "Delta is not failed: $(cat "$TMP/delta")"
grep -qxF "    failure: VSS_E_WRITERERROR_RETRYABLE" "$TMP/delta" ||
	fail "Delta's failure is not retryable: $(cat "$TMP/delta")"
grep -qF "    message: identify command failed" "$TMP/delta" &&
	grep -qF "delta service is down" "$TMP/delta" ||
	fail "Delta's message is not listed: $(cat "$TMP/delta")"
run list writers --json
[ "$(json '[w["state_code"] for w in j["writers"] if w["name"] == "Delta"][0]')" = 6 ] ||
	fail "Delta's state code is not 6 (failed at identify)"
logged "vss-writerd[delta]: identify: failed: VSS_E_WRITERERROR_RETRYABLE: " ||
	fail "delta's failed identify is not logged"
# Up again: the next gather has it.
touch "$TMP/delta-up"
run list writers --verbose --json
[ "$(json '[m["identity"]["friendly_name"] for m in j["metadata"] if m["identity"]["friendly_name"] == "Delta"]')" = "['Delta']" ] ||
	fail "Delta's metadata is missing once it is up"

# ---- log_file: the writer's lines, reopened at SIGHUP ---------------------
writer_conf eta Eta
printf '[writer]\nlog_file = %s\n' "$TMP/eta.log" >>"$dir/eta.conf"
kill -HUP "$SYS_WRITERD_PID"
wait_for "Eta is not listed" listed Eta
grep -qF "vss-writerd[eta]: subscribed (instance id " "$TMP/eta.log" ||
	fail "eta's log_file lacks its instance name: $(cat "$TMP/eta.log")"
mv "$TMP/eta.log" "$TMP/eta.log.1"
kill -HUP "$SYS_WRITERD_PID"
wait_for "eta's log_file is not reopened at SIGHUP" test -e "$TMP/eta.log"
"$VSS" backup --writer Eta --to "$TMP/set-eta" >"$TMP/backup-eta.out" 2>&1 ||
	fail "vss backup of Eta: $(cat "$TMP/backup-eta.out")"
grep -qF "vss-writerd[eta]: freeze: ok (" "$TMP/eta.log" ||
	fail "eta's events do not go to its reopened log_file"
grep -qF "freeze: ok (" "$TMP/eta.log.1" &&
	fail "eta's events still go to its rotated log_file"

# ---- vssd restarted: every writer subscribes again, the outage logged once
# While vssd is away a listener that hangs up on every connection stands
# in, counting the writers' tries; a writer added meanwhile cannot
# subscribe from the start.
# It listens before vssd goes and is renamed into vssd's place at once,
# so that no try finds no socket at all.
rm -f "$TMP/fake.sock"
python3 - "$TMP/fake.sock" "$TMP/tries" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
open(sys.argv[1] + ".ready", "w").close()
n = 0
while True:
    c, _ = s.accept()
    c.close()
    n += 1
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("%d\n" % n)
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
PY
fake_pid=$!
SYS_PIDS+=("$fake_pid")
wait_for "the stand-in socket is not listening" test -e "$TMP/fake.sock.ready"
sys_stop_vssd
mv -f "$TMP/fake.sock" "$TMP/vssd.sock"
writer_conf theta Theta
kill -HUP "$SYS_WRITERD_PID"
# Five writers: two tries each at least.
tries() {
	[ -e "$TMP/tries" ] && [ "$(cat "$TMP/tries")" -ge 10 ]
}
wait_for "the writers did not try to subscribe again" tries
kill "$fake_pid"
wait "$fake_pid" 2>/dev/null || true
keep=()
for pid in "${SYS_PIDS[@]}"; do
	[ "$pid" = "$fake_pid" ] || keep+=("$pid")
done
SYS_PIDS=("${keep[@]}")
sys_vssd "freeze_timeout_ms = 600000"
wait_for "Gamma Two did not come back" listed "Gamma Two"
wait_for "Beta Two did not come back" listed "Beta Two"
wait_for "Delta did not come back" listed Delta
wait_for "Theta did not come" listed Theta
for w in beta gamma delta eta; do
	n=$(grep -cF "vss-writerd[$w]: connection to vssd at $TMP/vssd.sock lost" \
		"$TMP/writerd.log" || true)
	[ "$n" -eq 1 ] || fail "$w: the lost connection is logged $n times"
	n=$(grep -cF "vss-writerd[$w]: cannot subscribe" "$TMP/writerd.log" || true)
	[ "$n" -eq 0 ] || fail "$w: the outage is logged again $n times"
done
n=$(grep -cF "vss-writerd[theta]: cannot subscribe to vssd at $TMP/vssd.sock: " \
	"$TMP/writerd.log" || true)
[ "$n" -eq 1 ] || fail "theta: the outage is logged $n times, not once"

# ---- SIGTERM while frozen: thawed, nothing left running, exit 0 -----------
# epsilon holds its freeze in a helper that ignores the end of its stdin
# and thaws only on SIGUSR1; zeta's freeze is a command with a deadline
# far away, so that the set stays between freeze and thaw (vssd waits as
# long) and zeta is in its handler at SIGTERM.
zeta_sleep="sleep 600.5$$"
writer_conf epsilon Epsilon "freeze_hold = true" "thaw_signal = USR1" \
	"freeze = trap 'exit 0' USR1; echo frozen; while :; do sleep 0.1; done # $TMP/epsilon-helper"
writer_conf zeta Zeta "freeze_timeout = 700" "freeze = $zeta_sleep"
kill -HUP "$SYS_WRITERD_PID"
wait_for "Epsilon is not listed" listed Epsilon
wait_for "Zeta is not listed" listed Zeta
"$VSS" backup --writer Epsilon --writer Zeta --to "$TMP/set2" \
	>"$TMP/backup2.out" 2>&1 &
backup_pid=$!
wait_for "epsilon did not freeze" logged "vss-writerd[epsilon]: freeze: ok ("
zeta_running() {
	pgrep -f -- "^$zeta_sleep\$" >/dev/null
}
wait_for "zeta's freeze command is not running" zeta_running
kill -TERM "$SYS_WRITERD_PID"
rc=0
sys_stop_writerd || rc=$?
[ "$rc" -eq 0 ] || fail "vss-writerd exited $rc on SIGTERM"
wait "$backup_pid" || true
logged "vss-writerd[epsilon]: abort: ok (" || fail "epsilon did not thaw at SIGTERM"
tail -n 1 "$TMP/writerd.log" | grep -qxF "vss-writerd: stopped" ||
	fail "vss-writerd did not log its stop last"
if pgrep -f -- "$TMP/epsilon-helper" >/dev/null; then
	fail "epsilon's held freeze helper is still running"
fi
if zeta_running; then
	fail "zeta's freeze command is still running"
fi

if [ "$failures" -ne 0 ]; then
	echo "vss-writerd's log:" >&2
	sed 's/^/    /' "$TMP/writerd.log" >&2
fi
finish
