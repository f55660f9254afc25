# "vss exec ... -- COMMAND ARGS" against a real vssd and a vss-test-writer
# on loop-mounted btrfs volumes: tar and restic back up the exposed shadow
# copies and give back the volume; the writer is told the backup
# succeeded or failed by the command's exit status (BK-018, its
# backup_complete log line); the VSS_SHADOW_* variables and the {}/{N}
# placeholders; nothing stays exposed or shadow-copied; usage errors.
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

# last_complete: the detail of the writer's last backup_complete line.
last_complete() {
	grep $'\tbackup_complete\t' "$log" | tail -n 1 | cut -f6
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
run exec --volume "$vol" -- tar -C {} -cf "$TMP/x.tar" .
expect_rc 0 "exec tar"
mkdir "$TMP/x"
tar -C "$TMP/x" -xf "$TMP/x.tar"
same_tree "$vol" "$TMP/x" "exec tar"
[ "$(last_complete)" = "succeeded=app/db:1,$(last_complete | sed 's/.*,//')" ] ||
	fail "exec tar: backup_complete detail '$(last_complete)'"
expect_in out "exit status: 0" "exec tar"
nothing_left "exec tar"

# ---- a failing command marks the component failed ----------------------
run exec --volume "$vol" -- false
expect_rc 1 "exec false"
expect_in err "vss: exec: false: exited with status 1" "exec false"
case "$(last_complete)" in
succeeded=app/db:0,*) ;;
*) fail "exec false: backup_complete detail '$(last_complete)'" ;;
esac
nothing_left "exec false"

run exec --volume "$vol" -- sh -c 'kill -TERM $$'
expect_rc 1 "exec of a command killed by a signal"
expect_in err "killed by signal 15" "exec of a killed command"
nothing_left "exec of a killed command"

run exec --volume "$vol" -- /no/such/command
expect_rc 1 "exec of a missing command"
expect_in err "/no/such/command: ENOENT" "exec of a missing command"
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

# ---- restic --------------------------------------------------------------
if command -v restic >/dev/null; then
	export RESTIC_PASSWORD=vss-test
	repo=$TMP/repo
	restic init -q -r "$repo" >/dev/null
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
	echo "restic is not installed: its part is skipped"
fi

# ---- SIGTERM to vss reaches the command; vss outlives it, then aborts ---
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
	nothing_left "exec stopped by SIGTERM"
else
	fail "exec stopped by SIGTERM: the command never started"
	kill -TERM "$vss_pid" 2>/dev/null || true
	wait "$vss_pid" 2>/dev/null || true
fi

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
run exec --help
expect_rc 0 "exec --help"
expect_in out "VSS_SHADOW_PATH_<n>" "exec --help"

sys_stop_writer w1
finish
