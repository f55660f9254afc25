# "vss create VOLUME..." against a real vssd and vss-test-writer writers on
# loop-mounted btrfs volumes: the job report in text and JSON (its key sets,
# docs/cli-json.md; timings are numbers, never compared), persistent and
# auto-release shadow copies, --no-writers (BK-078), --exclude-writer
# (BK-005), --component, persistence from --context, consistency by
# included component, a writer left out for files outside the set or for a
# mandatory component outside it, the component-set rules (SEL-002..004),
# a relative file set path, a writer failing in freeze (exit 1), SIGINT in
# DoSnapshotSet and a second SIGINT, and usage errors (exit 2).
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
vol2=$(sys_btrfs vol2)
sys_vssd
mkdir "$vol/data" "$vol/two" "$vol2/two"
echo hello >"$vol/data/f"
sys_writer w1 --component app/db="$vol/data"
# w2 has one component on each volume: a set of $vol alone leaves out
# its component on $vol2 (vshadow's rule).
sys_writer w2 --component a/one="$vol/two" --component a/two="$vol2/two"

# lines WRITER: the number of lines in the writer's event log.
lines() {
	wc -l <"$TMP/writer-$1.log"
}
# events_since WRITER N: the events the writer logged after line N.
events_since() {
	tail -n +"$(($2 + 1))" "$TMP/writer-$1.log" | cut -f3 | tr '\n' ' '
}
# json EXPR: evaluate a Python expression on the JSON report in $TMP/out
# (r is the report) and print the result.
json() {
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($1)" \
		"$TMP/out"
}
# shadows VOLUME: how many shadow copies the btrfs provider holds there.
shadows() {
	find "$1/.vss-shadows" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}
# wait_no_shadows VOLUME: auto-release shadow copies go once the session
# ends, which vssd finishes after vss has exited; $kept persistent ones
# stay.
kept=0
wait_no_shadows() {
	for _ in $(seq 100); do
		[ "$(shadows "$1")" -eq "$kept" ] && return 0
		sleep 0.1
	done
	fail "auto-release shadow copies of $1 are still there"
}

# ---- the report, in text -------------------------------------------------
run create "$vol"
expect_rc 0 "create (text)"
for key in "snapshot set id:" "backup type: copy" "shadow copies:" \
	"device: $vol/.vss-shadows/" "consistency: application" "writers:" \
	"name: w1" "took part: yes" "event ms:" "freeze:" "timings ms:" \
	"freeze window ms:" "persistent: no" "auto-release"; do
	expect_in out "$key" "create (text)"
done
cp "$TMP/out" "$TMP/text"
wait_no_shadows "$vol"

# ---- the report, in JSON: exact key sets --------------------------------
run create "$vol" --json
expect_rc 0 "create --json"
python3 - "$TMP/out" "$TMP/text" "$vol" "$vol2" <<'PY' || fail "create --json"
import json, re, sys

r = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
vol, vol2 = sys.argv[3], sys.argv[4]
errors = []

def keys(obj, want, where):
    if set(obj) != set(want):
        errors.append(f"{where}: keys {sorted(obj)} != {sorted(want)}")

def check(cond, what):
    if not cond:
        errors.append(what)

TOP = ["snapshot_set_id", "context", "context_name", "backup_type",
       "shadow_copies",
       "writers", "timings_ms", "freeze_window_ms", "consistency",
       "persistent"]
SHADOW = ["snapshot_id", "volume", "fstype", "device", "provider_id",
          "consistency"]
WRITER = ["name", "class_id", "instance_id", "instance_name", "excluded",
          "took_part", "left_out", "components", "state", "state_code",
          "last_error", "failure",
          "application_failure", "message", "consistency", "event_ms"]
COMPONENT = ["logical_path", "name", "backup_succeeded"]
TIMINGS = ["prepare_snapshot", "freeze", "commit", "thaw", "post_snapshot",
           "total"]
EVENTS = {"identify", "prepare_backup", "prepare_snapshot", "freeze",
          "thaw", "post_snapshot", "abort", "backup_complete",
          "backup_shutdown"}

keys(r, TOP, "report")
keys(r["timings_ms"], TIMINGS, "timings_ms")
for k, v in r["timings_ms"].items():
    check(isinstance(v, (int, float)) and v >= 0, f"timings_ms.{k}: {v!r}")
check(isinstance(r["freeze_window_ms"], (int, float)),
      f"freeze_window_ms: {r['freeze_window_ms']!r}")
check(r["backup_type"] == "copy", f"backup_type {r['backup_type']!r}")
check(r["context"] == 0, f"context {r['context']!r}")
check(r["consistency"] == "application", f"consistency {r['consistency']!r}")
check(r["persistent"] is False, "persistent")
check(len(r["shadow_copies"]) == 1, "one shadow copy")
for s in r["shadow_copies"]:
    keys(s, SHADOW, "shadow_copies[]")
    check(s["volume"] == vol, f"volume {s['volume']!r}")
    check(s["device"].startswith(vol + "/.vss-shadows/"),
          f"device {s['device']!r}")
    check(s["consistency"] == "application", "shadow copy consistency")
names = {w["name"]: w for w in r["writers"]}
check(set(names) == {"w1", "w2"}, f"writers {sorted(names)}")
for w in r["writers"]:
    keys(w, WRITER, f"writers[{w['name']}]")
    for c in w["components"]:
        keys(c, COMPONENT, f"writers[{w['name']}].components[]")
    check(set(w["event_ms"]) <= EVENTS, f"event_ms keys {sorted(w['event_ms'])}")
    for k, v in w["event_ms"].items():
        check(isinstance(v, (int, float)) and v >= 0, f"event_ms.{k}: {v!r}")
w1 = names["w1"]
check(w1["took_part"] and not w1["excluded"] and w1["left_out"] is None,
      "w1 takes part")
check(w1["failure"] == "VSS_OK", f"w1 failure {w1['failure']!r}")
check(w1["consistency"] == "application", "w1 consistency")
check(w1["components"] == [{"logical_path": "app", "name": "db",
                            "backup_succeeded": True}],
      f"w1 components {w1['components']!r}")
check({"prepare_backup", "freeze", "thaw", "backup_complete"} <=
      set(w1["event_ms"]), f"w1 events {sorted(w1['event_ms'])}")
# w2 takes part with its component on vol; the one on vol2 is left out.
w2 = names["w2"]
check(w2["took_part"], "w2 takes part")
check([c["name"] for c in w2["components"]] == ["one"],
      f"w2 components {w2['components']!r}")
check(w2["left_out"] is not None and "component a/two " in w2["left_out"] and
      vol2 in w2["left_out"], f"w2 left_out {w2['left_out']!r}")

# The text form shows the same top-level keys, '_' as ' ' (null ones left
# out: there are none here).
text_keys = set(re.findall(r"^([a-z][a-z ]*):", text, re.M))
want = {k.replace("_", " ") for k, v in r.items() if v is not None}
check(text_keys == want, f"text keys {sorted(text_keys)} != {sorted(want)}")
for e in errors:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
wait_no_shadows "$vol"

# ---- --writer brings the volumes of its files ---------------------------
run create "$vol" --writer w2 --json
expect_rc 0 "create --writer w2"
[ "$(json 'sorted(s["volume"] for s in r["shadow_copies"])')" = \
	"$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$vol" "$vol2")" ] ||
	fail "create --writer w2: the set is not both volumes"
[ "$(json '[w["name"] for w in r["writers"] if w["took_part"]]')" = \
	"['w2']" ] || fail "create --writer w2: not w2 alone takes part"
wait_no_shadows "$vol"

# ---- --no-writers: no writer hears of it (BK-078) -----------------------
before=$(lines w1)
run create "$vol" --no-writers --json
expect_rc 0 "create --no-writers"
[ "$(json 'r["writers"]')" = "[]" ] || fail "--no-writers: writers listed"
[ "$(json 'r["consistency"]')" = crash ] ||
	fail "--no-writers: the set is not crash consistent"
[ "$(json 'r["shadow_copies"][0]["device"] is not None')" = True ] ||
	fail "--no-writers: no shadow copy made"
[ "$(lines w1)" -eq "$before" ] ||
	fail "--no-writers: the writer got events: $(events_since w1 "$before")"
wait_no_shadows "$vol"

# ---- --exclude-writer: identified, then left alone (BK-005) -------------
before=$(lines w1)
run create "$vol" --exclude-writer w1 --json
expect_rc 0 "create --exclude-writer w1"
[ "$(json '[(w["excluded"], w["took_part"]) for w in r["writers"] if w["name"] == "w1"]')" = \
	"[(True, False)]" ] || fail "--exclude-writer: w1 not reported excluded"
# Only the throw-away requester's identify reaches it.
[ "$(events_since w1 "$before")" = "identify " ] ||
	fail "--exclude-writer: w1 got '$(events_since w1 "$before")'"
[ "$(json 'r["shadow_copies"][0]["consistency"]')" = crash ] ||
	fail "--exclude-writer: a volume with w1's files is application consistent"
wait_no_shadows "$vol"

run create "$vol" --exclude-writer no-such-writer
expect_rc 1 "create --exclude-writer no-such-writer"
expect_in err "vss: create: --exclude-writer no-such-writer: VSS_E_OBJECT_NOT_FOUND: " \
	"--exclude-writer no-such-writer"
run create "$TMP/no/such/path"
expect_rc 1 "create of a missing path"
expect_in err "vss: create: $TMP/no/such/path: ENOENT" "create of a missing path"

# ---- --component: that component, its volume (no paths needed) --------
run create --component w2:a/one --json
expect_rc 0 "create --component w2:a/one"
[ "$(json '[s["volume"] for s in r["shadow_copies"]]')" = "['$vol']" ] ||
	fail "create --component: the set is not $vol alone"
[ "$(json '[(w["name"], [c["name"] for c in w["components"]]) for w in r["writers"] if w["took_part"]]')" = \
	"[('w2', ['one'])]" ] || fail "create --component: not w2's one alone"
wait_no_shadows "$vol"

# ---- consistency by included component (BK-130, job.h) ----------------
# $vol2 holds w2's component two, left out: w2 takes part and is
# application consistent, but $vol2 is crash consistent.
run create "$vol2" --component w2:a/one --json
expect_rc 0 "create $vol2 --component w2:a/one"
[ "$(json '{s["volume"]: s["consistency"] for s in r["shadow_copies"]}["'"$vol2"'"]')" = crash ] ||
	fail "a volume holding a left-out component is application consistent"
[ "$(json '[w["consistency"] for w in r["writers"] if w["name"] == "w2"]')" = \
	"['application']" ] || fail "w2 is not application consistent"
wait_no_shadows "$vol"

# ---- persistence from the context (app-rollback: NO_AUTO_RELEASE) ------
run create "$vol" --context app-rollback --json
expect_rc 0 "create --context app-rollback"
[ "$(json 'r["persistent"]')" = True ] ||
	fail "--context app-rollback: not reported persistent"
rollback_id=$(json 'r["shadow_copies"][0]["snapshot_id"]')
run create "$vol" --context app-rollback
expect_not_in out "auto-release" "--context app-rollback (text)"
expect_in out "persistent: yes" "--context app-rollback (text)"
# Still there once vss has exited: the session's end released nothing.
run list shadows --json
expect_in out "$rollback_id" "--context app-rollback: the shadow copy"
run delete --all --yes
expect_rc 0 "delete the app-rollback shadow copies"

# ---- persistent: the shadow copy stays and holds the files --------------
run create "$vol" --persistent --no-writers --json
expect_rc 0 "create --persistent"
persistent_id=$(json 'r["shadow_copies"][0]["snapshot_id"]')
kept=1
device=$(json 'r["shadow_copies"][0]["device"]')
if [ -f "$device/data/f" ]; then
	[ "$(cat "$device/data/f")" = hello ] ||
		fail "persistent shadow copy: data/f holds '$(cat "$device/data/f")'"
else
	fail "persistent shadow copy: no $device/data/f"
fi
[ "$(json 'r["persistent"]')" = True ] || fail "persistent: not reported"
echo changed >"$vol/data/f"
[ "$(cat "$device/data/f" 2>/dev/null)" = hello ] ||
	fail "persistent shadow copy changed with the volume"

# ---- a writer failing in freeze: exit 1, the failure in the report -----
mkdir "$vol/bad"
sys_writer bad --component bad/x="$vol/bad" --fail freeze:always
run create "$vol" --json
expect_rc 1 "create with a writer failing freeze"
expect_in err "bad" "create with a writer failing freeze"
python3 - "$TMP/out" <<'PY' || fail "failing writer report"
import json, sys
r = json.load(open(sys.argv[1]))
bad = [w for w in r["writers"] if w["name"] == "bad"]
assert len(bad) == 1, r["writers"]
bad = bad[0]
assert bad["took_part"], bad
assert bad["failure"] != "VSS_OK", bad
assert "Failed" in bad["state"], bad
assert bad["consistency"] != "application", bad
PY
sys_stop_writer bad
rm -rf "$vol/bad"

# ---- component choice by the rules (SEL-002..SEL-004) ------------------
mkdir -p "$vol/sel/c" "$vol/sel/s" "$vol/mand" "$vol2/must"
cat >"$TMP/sel.conf" <<CONF
[restore]
method = RESTORE_IF_CAN_BE_REPLACED
[component top]
files = $vol/sel * true
[component child]
logical_path = top
selectable = false
files = $vol/sel/c * true
[component sub]
logical_path = top
files = $vol/sel/s * true
CONF
sys_writer sel --config "$TMP/sel.conf"
# Class (c): non-selectable below a selectable one, never named alone.
run create --component sel:top/child
expect_rc 1 "create --component of a class-(c) component"
expect_in err "vss: create: sel:" "create --component of a class-(c) component"
# SEL-004: a component and its selectable ancestor, both named.
run create --component sel:top --component sel:top/sub
expect_rc 1 "create --component top and top/sub"
expect_in err "VSS_E_OBJECT_ALREADY_EXISTS" "create --component top and top/sub"
# --writer includes top, and top/sub with it: the --component is noted.
run create --writer sel --component sel:top/sub --json
expect_rc 0 "create --writer sel --component sel:top/sub"
expect_in err "note: --component 'sel:top/sub' is included" \
	"create --writer sel --component sel:top/sub"
[ "$(json '[[c["name"] for c in w["components"]] for w in r["writers"] if w["name"] == "sel"]')" = \
	"[['top']]" ] || fail "--writer sel --component sel:top/sub: not top alone"
wait_no_shadows "$vol"
sys_stop_writer sel

# A writer whose mandatory component lies elsewhere takes no part.
cat >"$TMP/mand.conf" <<CONF
[restore]
method = RESTORE_IF_CAN_BE_REPLACED
[component must]
selectable = false
files = $vol2/must * true
[component here]
files = $vol/mand * true
CONF
sys_writer mand --config "$TMP/mand.conf"
run create "$vol" --json
expect_rc 0 "create with mand's mandatory component elsewhere"
python3 - "$TMP/out" "$vol2" <<'PY' || fail "mand is not left out"
import json, sys
r = json.load(open(sys.argv[1]))
m = [w for w in r["writers"] if w["name"] == "mand"][0]
assert not m["took_part"] and m["components"] == [], m
assert "must" in m["left_out"] and sys.argv[2] in m["left_out"], m
PY
wait_no_shadows "$vol"
sys_stop_writer mand

# A relative file set path names no place: never our working directory.
mkdir -p "$vol/relative/dir"
sys_writer rel --component r/x=relative/dir
vss_path=$(realpath "$VSS")
rc=0
(cd "$vol" && "$vss_path" create --writer rel >"$TMP/out" 2>"$TMP/err") || rc=$?
expect_rc 1 "create --writer with a relative file set"
expect_in err "file set 'relative/dir' is not an absolute path" \
	"create --writer with a relative file set"
rc=0
(cd "$vol" && "$vss_path" create "$vol" --json >"$TMP/out" 2>"$TMP/err") || rc=$?
expect_rc 0 "create with a relative file set"
[ "$(json '[w["took_part"] for w in r["writers"] if w["name"] == "rel"]')" = \
	"[False]" ] || fail "a writer with a relative file set took part"
wait_no_shadows "$vol"
sys_stop_writer rel

# ---- SIGINT during DoSnapshotSet: aborted, nothing left -----------------
mkdir "$vol/slow"
sys_writer slow --component s/x="$vol/slow" --stall freeze:3
mark=$(lines slow)
"$VSS" create "$vol" >"$TMP/out" 2>"$TMP/err" &
vss_pid=$!
# prepare_snapshot is logged when it is answered, before the freeze.
for _ in $(seq 300); do
	events_since slow "$mark" | grep -qw prepare_snapshot && break
	sleep 0.1
done
kill -INT "$vss_pid"
rc=0
wait "$vss_pid" || rc=$?
expect_rc 1 "create interrupted in DoSnapshotSet"
expect_in err "interrupted by signal 2" "create interrupted in DoSnapshotSet"
expect_not_in err "deleting the shadow copy set" \
	"create interrupted in DoSnapshotSet"
for _ in $(seq 300); do
	events_since slow "$mark" | grep -qw abort && break
	sleep 0.1
done
case " $(events_since slow "$mark")" in
*" abort "*) ;;
*) fail "create interrupted: slow got '$(events_since slow "$mark")'" ;;
esac
case " $(events_since slow "$mark")" in
*" backup_complete "*) fail "create interrupted: the backup completed" ;;
esac
wait_no_shadows "$vol"
sys_stop_writer slow

# ---- a second SIGINT ends vss at once -----------------------------------
# A socket that accepts and never answers keeps vss waiting for vssd.
python3 - "$TMP/stub.sock" "$TMP/stub.ready" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
open(sys.argv[2], "w").close()
while c.recv(4096):
    pass
PY
stub_pid=$!
SYS_PIDS+=("$stub_pid")
for _ in $(seq 300); do
	[ -S "$TMP/stub.sock" ] && break
	sleep 0.1
done
VSS_SOCKET=$TMP/stub.sock "$VSS" create "$vol" >"$TMP/out" 2>"$TMP/err" &
vss_pid=$!
for _ in $(seq 300); do
	[ -e "$TMP/stub.ready" ] && break
	sleep 0.1
done
# int_pending PID: a SIGINT waits to be handled by the process.
int_pending() {
	python3 - "$1" <<'PY'
import sys
pending = 0
for line in open(f"/proc/{sys.argv[1]}/status"):
    if line.startswith(("SigPnd:", "ShdPnd:")):
        pending |= int(line.split()[1], 16)
sys.exit(0 if pending & 2 else 1)
PY
}
kill -INT "$vss_pid"
for _ in $(seq 300); do
	int_pending "$vss_pid" || break
	sleep 0.1
done
kill -INT "$vss_pid"
rc=0
wait "$vss_pid" || rc=$?
expect_rc 130 "create after a second SIGINT"
kill "$stub_pid" 2>/dev/null || true

# ---- usage errors ------------------------------------------------------
for args in "" "$vol --backup-type log" "$vol --bogus" \
	"$vol --no-writers --writer w1" "$vol --component nocolon" \
	"$vol --component w1:" "$vol --context nonsense" "$vol --writer"; do
	# shellcheck disable=SC2086
	run create $args
	expect_rc 2 "create $args"
	expect_in err "usage: vss create" "create $args"
	expect_empty out "create $args"
done
run create --help
expect_rc 0 "create --help"
expect_in out "auto-release" "create --help"

# ---- the persistent shadow copy goes with vss delete --id ---------------
run delete --id "$persistent_id"
expect_rc 0 "delete --id of the persistent shadow copy"
[ "$(shadows "$vol")" -eq 0 ] || fail "delete --id: a shadow copy is left"
run list shadows --json
expect_not_in out "$persistent_id" "delete --id: still listed"

sys_stop_writer w1
sys_stop_writer w2
finish
