# "vss exec ... -- COMMAND ARGS" against a real vssd and a vss-test-writer
# on loop-mounted btrfs volumes: tar and restic back up the exposed shadow
# copies and give back the volume; the writer is told the backup
# succeeded or failed by the command's exit status (BK-018, its
# backup_complete log line); the VSS_SHADOW_* variables and the {}/{N}
# placeholders; nothing stays exposed or shadow-copied; a signal to vss
# (passed on to the command once, also from a terminal; SIGHUP and SIGQUIT
# too) aborts the backup, as does one during DoSnapshotSet (the command never starts); a volume
# mounted inside a component's directory joins the set (BK-076); usage
# errors.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
vol2=$(sys_btrfs vol2)
sys_vssd
mkdir -p "$vol/data/sub" "$vol2/other"
echo hello >"$vol/data/f"
head -c 100000 /dev/urandom >"$vol/data/sub/random"
ln -s f "$vol/data/link"
echo two >"$vol2/other/g"
sys_writer w1 --component app/db="$vol/data"
log=$TMP/writer-w1.log

# mark: remember how far the writer's log goes, before a run.
mark() {
	mark=$(wc -l <"$log")
}
# last_complete: the detail of the backup_complete line the writer logged
# since mark (none: empty).
last_complete() {
	tail -n +"$((mark + 1))" "$log" | grep $'\tbackup_complete\t' |
		tail -n 1 | cut -f6
}

# json EXPR: a Python expression on the JSON report in $TMP/out (r).
json() {
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($1)" \
		"$TMP/out"
}
# nothing_left: no exposure and no shadow copy once vss exec is done
# (it unexposes and deletes them itself, before it exits).
nothing_left() {
	if findmnt -rn -o TARGET | grep -qF "$TMP/shadows/"; then
		fail "$1: an exposure is still mounted"
	fi
	for v in "$vol" "$vol2"; do
		if [ -n "$(find "$v/.vss-shadows" -mindepth 1 -maxdepth 1 \
			2>/dev/null)" ]; then
			fail "$1: a shadow copy of $v is still there"
		fi
	done
}
# same_tree A B: A and B hold the same files (the shadow copy's own
# .vss-shadows, a nested subvolume, shows up empty).
same_tree() {
	diff -r --no-dereference --exclude=.vss-shadows "$1" "$2" >"$TMP/diff" ||
		{ fail "$3: trees differ:"; head -20 "$TMP/diff" >&2; }
}

# ---- tar ---------------------------------------------------------------
mark
run exec --volume "$vol" -- tar -C {} -cf "$TMP/x.tar" .
expect_rc 0 "exec tar"
mkdir "$TMP/x"
tar -C "$TMP/x" -xf "$TMP/x.tar"
same_tree "$vol" "$TMP/x" "exec tar"
case "$(last_complete)" in
succeeded=app/db:1,end_ns=*) ;;
*) fail "exec tar: backup_complete detail '$(last_complete)'" ;;
esac
expect_in out "exit status: 0" "exec tar"
nothing_left "exec tar"

# ---- a failing command marks the component failed ----------------------
mark
run exec --volume "$vol" -- false
expect_rc 1 "exec false"
expect_in err "vss: exec: false: exited with status 1" "exec false"
case "$(last_complete)" in
succeeded=app/db:0,*) ;;
*) fail "exec false: backup_complete detail '$(last_complete)'" ;;
esac
nothing_left "exec false"

mark
run exec --volume "$vol" -- sh -c 'kill -TERM $$'
expect_rc 1 "exec of a command killed by a signal"
expect_in err "killed by signal 15" "exec of a killed command"
case "$(last_complete)" in
succeeded=app/db:0,*) ;;
*) fail "exec of a killed command: backup_complete detail '$(last_complete)'" ;;
esac
nothing_left "exec of a killed command"

mark
run exec --volume "$vol" -- /no/such/command
expect_rc 1 "exec of a missing command"
expect_in err "/no/such/command: ENOENT" "exec of a missing command"
case "$(last_complete)" in
succeeded=app/db:0,*) ;;
*) fail "exec of a missing command: backup_complete detail '$(last_complete)'" ;;
esac
nothing_left "exec of a missing command"

# ---- environment and placeholders, with --json --------------------------
cat >"$TMP/probe.sh" <<'EOF'
#!/bin/sh
# Writes what it was given; its stdout goes to vss's stderr with --json.
out=$1
shift
{
	printf 'arg=%s\n' "$@"
	env | grep '^VSS_SHADOW' | sort
	cat "$VSS_SHADOW_PATH_1/data/f" "$VSS_SHADOW_PATH_2/other/g"
} >"$out"
echo "noise on stdout"
EOF
chmod +x "$TMP/probe.sh"
run exec --volume "$vol" --volume "$vol2/other" --json -- \
	"$TMP/probe.sh" "$TMP/probe.out" {} {1} {2} "x{2}y" "{0}" "{x}" "{"
expect_rc 0 "exec probe"
expect_in err "noise on stdout" "exec --json: the command's stdout"
python3 - "$TMP/out" "$TMP/probe.out" "$vol" "$vol2" <<'PY' || fail "exec probe"
import json, sys
r = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
vol, vol2 = sys.argv[3], sys.argv[4]
args = [l[4:] for l in lines if l.startswith("arg=")]
env = dict(l.split("=", 1) for l in lines if l.startswith("VSS_SHADOW"))
data = [l for l in lines if not l.startswith(("arg=", "VSS_SHADOW"))]
p1, p2 = r["exposed_paths"]
ids = [s["snapshot_id"] for s in r["shadow_copies"]]
errors = []
def check(cond, what):
    if not cond:
        errors.append(what)
check(args == [p1, p1, p2, "x" + p2 + "y", "{0}", "{x}", "{"], f"args {args}")
check(env == {
    "VSS_SHADOW_SET": r["snapshot_set_id"],
    "VSS_SHADOW_COUNT": "2",
    "VSS_SHADOW_1": ids[0],
    "VSS_SHADOW_2": ids[1],
    "VSS_SHADOW_PATH": p1,
    "VSS_SHADOW_PATH_1": p1,
    "VSS_SHADOW_PATH_2": p2,
    "VSS_SHADOW_VOLUME_1": vol,
    "VSS_SHADOW_VOLUME_2": vol2,
}, f"environment {env}")
check(data == ["hello", "two"], f"files read {data}")
check(r["command"]["exit_status"] == 0 and r["command"]["signal"] is None,
      f"command {r['command']}")
check(r["command"]["args"][2:4] == [p1, p1], f"report args {r['command']}")
check(r["backup_type"] == "full", r["backup_type"])
for e in errors:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
nothing_left "exec probe"

# ---- restic (scripts/install-deps.sh installs it) -----------------------
if command -v restic >/dev/null; then
	export RESTIC_PASSWORD=vss-test
	repo=$TMP/repo
	restic init -q -r "$repo" >/dev/null
	mark
	run exec --volume "$vol" --json -- restic -q -r "$repo" backup {}
	expect_rc 0 "exec restic"
	exposed=$(json 'r["exposed_paths"][0]')
	restic -q -r "$repo" restore latest --target "$TMP/restored"
	same_tree "$vol" "$TMP/restored$exposed" "exec restic"
	case "$(last_complete)" in
	succeeded=app/db:1,*) ;;
	*) fail "exec restic: backup_complete detail '$(last_complete)'" ;;
	esac
	nothing_left "exec restic"
else
	fail "restic is not installed (scripts/install-deps.sh installs it)"
fi

# ---- SIGTERM to vss reaches the command; vss outlives it, then aborts ---
mark
rm -f "$TMP/child.pid" "$TMP/child.got"
"$VSS" exec --volume "$vol" -- sh -c \
	'trap "echo TERM >$0/child.got; exit 3" TERM
	 echo $$ >$0/child.pid; while :; do sleep 0.1; done' "$TMP" \
	>"$TMP/out" 2>"$TMP/err" &
vss_pid=$!
for _ in $(seq 300); do
	[ -s "$TMP/child.pid" ] && break
	sleep 0.1
done
if [ -s "$TMP/child.pid" ]; then
	kill -TERM "$vss_pid"
	rc=0
	wait "$vss_pid" || rc=$?
	expect_rc 1 "exec stopped by SIGTERM"
	[ "$(cat "$TMP/child.got" 2>/dev/null)" = TERM ] ||
		fail "exec stopped by SIGTERM: the command did not get it"
	! kill -0 "$(cat "$TMP/child.pid")" 2>/dev/null ||
		fail "exec stopped by SIGTERM: the command outlived vss"
	expect_in err "exited with status 3" "exec stopped by SIGTERM"
	[ -z "$(last_complete)" ] ||
		fail "exec stopped by SIGTERM: the backup completed"
	nothing_left "exec stopped by SIGTERM"
else
	fail "exec stopped by SIGTERM: the command never started"
	kill -TERM "$vss_pid" 2>/dev/null || true
	wait "$vss_pid" 2>/dev/null || true
fi

# ---- every signal sent to vss is passed on, once each ------------------
# The command signals vss itself, twice, each after the first came back.
mark
cat >"$TMP/twice.sh" <<'EOF'
#!/bin/sh
got=$1
trap 'echo INT >>"$got"' INT
count() { [ -f "$got" ] && wc -l <"$got" || echo 0; }
for n in 1 2; do
	kill -INT "$PPID"
	i=0
	while [ "$(count)" -lt "$n" ] && [ "$i" -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
done
exit 0
EOF
chmod +x "$TMP/twice.sh"
rm -f "$TMP/twice.got"
run exec --volume "$vol" -- "$TMP/twice.sh" "$TMP/twice.got"
expect_rc 1 "exec with two signals from a process"
[ "$(cat "$TMP/twice.got" 2>/dev/null | wc -l)" -eq 2 ] ||
	fail "exec: $(cat "$TMP/twice.got" 2>/dev/null | wc -l) of 2 SIGINTs passed on"
[ -z "$(last_complete)" ] || fail "exec with two signals: the backup completed"
nothing_left "exec with two signals"

# ---- Ctrl-C on a terminal reaches the command once, from the terminal --
mark
rm -f "$TMP/tty.got" "$TMP/tty.ready"
cat >"$TMP/tty.sh" <<'EOF'
#!/bin/sh
got=$1
trap 'echo INT >>"$got"' INT
: >"$2"
i=0
while [ ! -s "$got" ] && [ "$i" -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
# Time for a second one, passed on by vss, to arrive.
sleep 1
exit 0
EOF
chmod +x "$TMP/tty.sh"
python3 - "$VSS" "$vol" "$TMP/tty.sh" "$TMP/tty.got" "$TMP/tty.ready" <<'PY' ||
import os, pty, sys, time
vss, vol, script, got, ready = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(vss, [vss, "exec", "--volume", vol, "--", script, got, ready])
for _ in range(300):
    if os.path.exists(ready):
        break
    time.sleep(0.1)
os.write(fd, b"\x03")
# Drain the terminal until vss ends.
while True:
    try:
        if not os.read(fd, 4096):
            break
    except OSError:
        break
_, status = os.waitpid(pid, 0)
sys.exit(0 if os.waitstatus_to_exitcode(status) == 1 else 1)
PY
	fail "exec on a terminal: vss did not exit 1 after Ctrl-C"
[ "$(cat "$TMP/tty.got" 2>/dev/null | wc -l)" -eq 1 ] ||
	fail "exec on a terminal: the command got $(cat "$TMP/tty.got" 2>/dev/null | wc -l) SIGINTs"
[ -z "$(last_complete)" ] || fail "exec on a terminal: the backup completed"
nothing_left "exec on a terminal"

# ---- SIGINT during DoSnapshotSet: aborted, the command never starts ----
# A persistent context: the copies a cancelled DoSnapshotSet may have
# made are deleted by the set's id.
mkdir "$vol/slow"
sys_writer slow --component s/x="$vol/slow" --stall freeze:3
slowlog=$TMP/writer-slow.log
slowmark=$(wc -l <"$slowlog")
rm -f "$TMP/started"
"$VSS" exec --volume "$vol" --context app-rollback -- touch "$TMP/started" \
	>"$TMP/out" 2>"$TMP/err" &
vss_pid=$!
for _ in $(seq 300); do
	tail -n +"$((slowmark + 1))" "$slowlog" | grep -q $'\tprepare_snapshot\t' &&
		break
	sleep 0.1
done
kill -INT "$vss_pid"
rc=0
wait "$vss_pid" || rc=$?
expect_rc 1 "exec interrupted in DoSnapshotSet"
[ ! -e "$TMP/started" ] || fail "exec interrupted in DoSnapshotSet: the command ran"
for _ in $(seq 300); do
	tail -n +"$((slowmark + 1))" "$slowlog" | grep -q $'\tabort\t' && break
	sleep 0.1
done
tail -n +"$((slowmark + 1))" "$slowlog" | grep -q $'\tabort\t' ||
	fail "exec interrupted in DoSnapshotSet: no abort"
for _ in $(seq 100); do
	[ -z "$(find "$vol/.vss-shadows" -mindepth 1 -maxdepth 1 2>/dev/null)" ] &&
		break
	sleep 0.1
done
nothing_left "exec interrupted in DoSnapshotSet"
sys_stop_writer slow

# ---- a persistent context: the set is deleted all the same -------------
run exec --volume "$vol" --context app-rollback -- true
expect_rc 0 "exec --context app-rollback"
nothing_left "exec --context app-rollback"

# ---- SIGHUP (a dropped ssh session) and SIGQUIT to vss ------------------
# Caught like SIGTERM: passed on to the command, the backup aborted and
# the persistent set deleted, not left exposed.
for sig in HUP QUIT; do
	mark
	rm -f "$TMP/sig.pid"
	# A SIGQUIT leaves no core of the command behind.
	(ulimit -c 0; exec "$VSS" exec --volume "$vol" --context app-rollback -- \
		sh -c 'echo $$ >"$0"; exec sleep 300' "$TMP/sig.pid" \
		>"$TMP/out" 2>"$TMP/err") &
	vss_pid=$!
	for _ in $(seq 300); do
		[ -s "$TMP/sig.pid" ] && break
		sleep 0.1
	done
	[ -s "$TMP/sig.pid" ] || fail "exec with SIG$sig: the command never started"
	kill -"$sig" "$vss_pid"
	rc=0
	wait "$vss_pid" || rc=$?
	expect_rc 1 "exec stopped by SIG$sig"
	expect_in err "vss: exec: sh: killed by signal $(kill -l "$sig")" \
		"exec stopped by SIG$sig"
	! kill -0 "$(cat "$TMP/sig.pid")" 2>/dev/null ||
		fail "exec stopped by SIG$sig: the command outlived vss"
	[ -z "$(last_complete)" ] || fail "exec stopped by SIG$sig: the backup completed"
	nothing_left "exec stopped by SIG$sig"
	run list shadows --json
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["count"])' \
		"$TMP/out" || fail "exec stopped by SIG$sig left shadow copies: $(cat "$TMP/out")"
done

# ---- a failure before COMMAND: the report all the same, with --json ----
run exec --writer no-such-writer --json -- true
expect_rc 1 "exec --writer no-such-writer"
[ "$(json 'r["command"]["exit_status"], r["exposed_paths"]')" = "None []" ] ||
	fail "exec --writer no-such-writer: no report"

# ---- a vss exec inside another sees its own VSS_SHADOW_* alone ----------
run exec --volume "$vol" --volume "$vol2" -- "$VSS" exec --volume "$vol" \
	--json -- sh -c 'env | grep "^VSS_SHADOW" | sort >"$0"' "$TMP/inner.env"
expect_rc 0 "nested exec"
grep -q '^VSS_SHADOW_COUNT=1$' "$TMP/inner.env" ||
	fail "nested exec: VSS_SHADOW_COUNT is not 1"
! grep -q '^VSS_SHADOW_2=' "$TMP/inner.env" ||
	fail "nested exec: the outer VSS_SHADOW_2 is left"
nothing_left "nested exec"

# ---- a volume mounted inside a recursive file set joins it (BK-076) ----
inner=$(sys_btrfs inner)
mkdir -p "$vol2/nest/in"
mount "$(findmnt -n -o SOURCE "$inner")" "$vol2/nest/in"
echo deep >"$vol2/nest/in/deep"
echo top >"$vol2/nest/top"
sys_writer wn --component nest/data="$vol2/nest"
run exec --component wn:nest/data --json -- \
	tar -cf "$TMP/n.tar" -C {1} ./nest/top -C {2} ./deep
expect_rc 0 "exec of a component with a volume inside"
[ "$(json '[s["volume"] for s in r["shadow_copies"]]')" = \
	"['$vol2', '$vol2/nest/in']" ] ||
	fail "nested volume: the set is $(json '[s["volume"] for s in r["shadow_copies"]]')"
[ "$(tar -tf "$TMP/n.tar" | sort | tr '\n' ' ')" = "./deep ./nest/top " ] ||
	fail "nested volume: tar holds $(tar -tf "$TMP/n.tar" | tr '\n' ' ')"
nothing_left "exec of a component with a volume inside"
# By volume: the component has files outside a set of $vol2 alone.
run exec --volume "$vol2" --json -- true
expect_rc 0 "exec --volume of a component with a volume inside"
[ "$(json '[w["took_part"] for w in r["writers"] if w["name"] == "wn"]')" = \
	"[False]" ] || fail "nested volume: wn took part without its inner volume"
run exec --volume "$vol2" --volume "$vol2/nest/in" --json -- true
expect_rc 0 "exec --volume of both"
[ "$(json '[w["took_part"] for w in r["writers"] if w["name"] == "wn"]')" = \
	"[True]" ] || fail "nested volume: wn left out with both volumes"
nothing_left "exec --volume of both"
sys_stop_writer wn

# ---- usage errors ------------------------------------------------------
run exec -- true
expect_rc 2 "exec without volumes"
run exec --volume "$vol"
expect_rc 2 "exec without a command"
run exec --volume "$vol" -- echo {2}
expect_rc 2 "exec with {2} of one shadow copy"
expect_in err "{2}" "exec with {2} of one shadow copy"
nothing_left "exec with {2}"
run exec --volume "$vol" --backup-type log -- true
expect_rc 2 "exec --backup-type log"
for ctx in client-accessible client-accessible-writers; do
	run exec --volume "$vol" --context "$ctx" -- true
	expect_rc 2 "exec --context $ctx"
	expect_in err "cannot be exposed" "exec --context $ctx"
	expect_empty out "exec --context $ctx"
done
run exec --help
expect_rc 0 "exec --help"
expect_in out "VSS_SHADOW_PATH_<n>" "exec --help"

sys_stop_writer w1
finish
