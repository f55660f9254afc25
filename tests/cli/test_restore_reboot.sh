# "vss restore" at reboot (spec restore.md section 4, methods 5 and 6;
# RS-043, RS-061): the files are staged on the volume
# (<mnt>/.vss-pending-restore) with a journal in vssd's state directory,
# nothing changes at restore time, and vssd puts them in place when it
# starts at the next boot with the same state directory (before it
# accepts clients), removing journal and staging; a restart within the
# boot they were staged in leaves them.  Method 6 restores in place at
# once when every file can be replaced, and stages all of it when one
# cannot (a file held open by another process).  `vssd
# --apply-pending-restores` does the same work and exits.  Targets the
# writer sets do not apply to methods 5 and 6 (RS-061); the writer is
# told NONE for staged files.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
: "${vol:?sys_btrfs gave no mount point}"
sys_vssd

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

journals="$TMP/state/pending-restores"

# writer NAME METHOD [RESTORE_LINES [COMPONENT_LINES]]: component "data"
# covering $vol/NAME.
writer() {
	mkdir -p "${vol:?}/$1/sub"
	echo "$1 a" >"${vol:?}/$1/a.txt"
	echo "$1 b" >"${vol:?}/$1/b.txt"
	echo "$1 c" >"${vol:?}/$1/sub/c.txt"
	cat >"$TMP/$1.conf" <<EOF
[writer]
class_id = $(cat /proc/sys/kernel/random/uuid)
[restore]
method = $2
writer_restore = always
${3:-}
[component data]
files = $vol/$1 * true
${4:-}
EOF
	sys_writer "$1" --config "$TMP/$1.conf"
}

damage() {
	echo "damaged" >"${vol:?}/$1/a.txt"
	rm -f "${vol:?}/$1/sub/c.txt"
}

same() {
	diff -r --no-dereference "$TMP/set/data/0/$1" "${vol:?}/$1" >"$TMP/diff" 2>&1
}

still_damaged() {
	[ "$(cat "${vol:?}/$1/a.txt")" = damaged ] && [ ! -e "${vol:?}/$1/sub/c.txt" ]
}

# journal_count: the journals pending now.
journal_count() {
	find "$journals" -maxdepth 1 -name '*.journal' 2>/dev/null | wc -l
}

# staged_count: what is below the volume's staging directory now (a
# directory per journal, the staged objects in it).
staged_count() {
	find "${vol:?}/.vss-pending-restore" -mindepth 1 2>/dev/null | wc -l
}

writer rb REPLACE_AT_REBOOT
writer rc REPLACE_AT_REBOOT_IF_CANNOT_REPLACE
writer rd REPLACE_AT_REBOOT_IF_CANNOT_REPLACE
writer rt REPLACE_AT_REBOOT_IF_CANNOT_REPLACE \
	"alternate_location = $vol/rt * true $vol/alt-rt" "restore_target = alternate"
run backup --to "$TMP/set" --json
expect_rc 0 "backup"

# ---- 6, every file replaceable: in place at once --------------------------
damage rd
run restore "$TMP/set" --component rd:data --json
expect_rc 0 "at-reboot-if-cannot-replace, replaceable"
same rd || fail "at-reboot-if-cannot-replace, replaceable: $(cat "$TMP/diff")"
[ "$(json "[(c['status'], c['journal']) for c in j['components']]")" = "[('all', None)]" ] ||
	fail "at-reboot-if-cannot-replace, replaceable: $(json "[(c['status'], c['journal']) for c in j['components']]")"
[ "$(journal_count)" -eq 0 ] || fail "an in-place restore wrote a journal"
[ "$(staged_count)" -eq 0 ] || fail "an in-place restore staged files"

# ---- 6 with a target set by the writer: ignored (RS-061) ------------------
damage rt
run restore "$TMP/set" --component rt:data --json
expect_rc 0 "at-reboot-if-cannot-replace, target alternate"
same rt || fail "at-reboot-if-cannot-replace, target alternate: $(cat "$TMP/diff")"
[ ! -e "${vol:?}/alt-rt" ] || fail "at-reboot-if-cannot-replace used the mapping of its target"
[ "$(json "[c['status'] for c in j['components']]")" = "['all']" ] ||
	fail "at-reboot-if-cannot-replace, target alternate: status $(json "[c['status'] for c in j['components']]")"
sys_detail rt post_restore mappings >/dev/null &&
	fail "at-reboot-if-cannot-replace, target alternate: post_restore names mappings"

# ---- 5 at-reboot: staged, nothing changes now ----------------------------
damage rb
run restore "$TMP/set" --component rb:data --json
expect_rc 0 "at-reboot"
still_damaged rb || fail "at-reboot changed the files at restore time"
[ "$(json "[c['status'] for c in j['components']]")" = "['staged']" ] ||
	fail "at-reboot: status $(json "[c['status'] for c in j['components']]")"
rb_journal=$(json "j['components'][0]['journal']")
[ -n "$rb_journal" ] && [ "$rb_journal" != None ] || fail "at-reboot: no journal id"
[ "$(journal_count)" -eq 1 ] || fail "at-reboot: $(journal_count) journals, expected 1"
[ "$(staged_count)" -ge 4 ] || fail "at-reboot: $(staged_count) objects staged"
[ -d "${vol:?}/.vss-pending-restore" ] || fail "at-reboot: no $vol/.vss-pending-restore"
# Nothing is in place yet: the writer hears NONE, the report why.
[ "$(sys_detail rb post_restore file_status)" = data:NONE ] ||
	fail "at-reboot: file_status=$(sys_detail rb post_restore file_status || true)"
case "$(json "[c['message'] for c in j['components']]")" in
*staged*NONE*) ;;
*) fail "at-reboot: message $(json "[c['message'] for c in j['components']]")" ;;
esac
[ "$(json "j['reboot_required']")" = True ] ||
	fail "at-reboot: reboot_required $(json "j['reboot_required']")"
# The staged files are the backed-up ones already.
grep -rqx "rb c" "${vol:?}/.vss-pending-restore" 2>/dev/null ||
	fail "at-reboot: sub/c.txt's content is not staged"

# ---- 6 with a busy file: all of it staged ---------------------------------
damage rc
sleep 600 <"${vol:?}/rc/a.txt" &
holder=$!
SYS_PIDS+=("$holder")
run restore "$TMP/set" --component rc:data --json
expect_rc 0 "at-reboot-if-cannot-replace, a busy file"
kill "$holder"
wait "$holder" 2>/dev/null || true
still_damaged rc || fail "at-reboot-if-cannot-replace, busy: something was written in place"
[ "$(json "[c['status'] for c in j['components']]")" = "['staged']" ] ||
	fail "at-reboot-if-cannot-replace, busy: status $(json "[c['status'] for c in j['components']]")"
[ "$(journal_count)" -eq 2 ] || fail "$(journal_count) journals, expected 2"

# ---- a restart of vssd within the same boot leaves them -----------------
sys_stop_vssd
still_damaged rb || fail "stopping vssd applied the restore"
sys_vssd
still_damaged rb || fail "a restart within the boot applied the restore"
[ "$(journal_count)" -eq 2 ] || fail "a restart within the boot: $(journal_count) journals"

# ---- the start of vssd at the next boot applies them ---------------------
# A reboot, as the journals see it: another boot id (lib/util/
# pending_restore.h, the digest of the lines before the end computed
# again).
sys_stop_vssd
for journal in "$journals"/*.journal; do
	python3 - "$journal" <<'PY'
import hashlib, json, sys
path = sys.argv[1]
lines = open(path, "rb").read().split(b"\n")[:-1]
head = json.loads(lines[0])
head["boot_id"] = "00000000-0000-4000-8000-000000000000"
lines[0] = json.dumps(head, separators=(",", ":")).encode()
end = json.loads(lines[-1])
end["sha256"] = hashlib.sha256(b"".join(l + b"\n" for l in lines[:-1])).hexdigest()
lines[-1] = json.dumps(end, separators=(",", ":")).encode()
open(path, "wb").write(b"".join(l + b"\n" for l in lines))
PY
done
sys_vssd
# The socket is there: the journals were applied before (RS-043).
same rb || fail "at-reboot, after vssd started: $(cat "$TMP/diff")"
same rc || fail "at-reboot-if-cannot-replace, after vssd started: $(cat "$TMP/diff")"
[ "$(journal_count)" -eq 0 ] || fail "journals left: $(ls -A "$journals")"
[ "$(staged_count)" -eq 0 ] || fail "staged files left: $(find "${vol:?}/.vss-pending-restore")"
[ -n "$(find "$journals" -mindepth 1 2>/dev/null)" ] &&
	fail "the journal directory is not empty: $(ls -A "$journals")"
leftovers=$(find "${vol:?}" -xdev -name '.vss-restore-*' -print)
[ -z "$leftovers" ] || fail "temporary files left: $leftovers"

# ---- vssd --apply-pending-restores: the same, then exit -------------------
writer re REPLACE_AT_REBOOT
run backup --component re:data --to "$TMP/set2"
expect_rc 0 "backup of re"
damage re
run restore "$TMP/set2" --component re:data
expect_rc 0 "at-reboot (2)"
still_damaged re || fail "at-reboot (2) changed the files at restore time"
[ "$(journal_count)" -eq 1 ] || fail "at-reboot (2): $(journal_count) journals"
sys_stop_vssd
rc=0
timeout 120 "$VSSD" --apply-pending-restores --state-dir "$TMP/state" >"$TMP/apply.log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "vssd --apply-pending-restores: exit $rc: $(cat "$TMP/apply.log")"
diff -r --no-dereference "$TMP/set2/data/0/re" "${vol:?}/re" >"$TMP/diff" 2>&1 ||
	fail "vssd --apply-pending-restores: $(cat "$TMP/diff")"
[ "$(journal_count)" -eq 0 ] || fail "--apply-pending-restores left journals"
[ "$(staged_count)" -eq 0 ] || fail "--apply-pending-restores left staged files"

finish
