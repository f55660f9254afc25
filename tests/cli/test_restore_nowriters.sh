# "vss restore" without writers (spec restore.md section 12, RS-120, and
# RS-003/RS-005 for writers missing at restore time):
#   a set made with `vss backup --no-writers PATH` restores with the same
#   command, and no writer hears of it;
#   a writer of the set that is not running at restore time: its files
#   are restored without it (RS-005), and the report says it is missing;
#   a writer with the custom method that is missing: refused (its
#   procedure needs it), nothing written.
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

# files DIR: a.txt, sub/c.txt.
files() {
	mkdir -p "${vol:?}/$1/sub"
	echo "$1 a" >"${vol:?}/$1/a.txt"
	echo "$1 c" >"${vol:?}/$1/sub/c.txt"
}

damage() {
	echo "damaged" >"${vol:?}/$1/a.txt"
	rm -f "${vol:?}/$1/sub/c.txt"
}

still_damaged() {
	[ "$(cat "${vol:?}/$1/a.txt")" = damaged ] && [ ! -e "${vol:?}/$1/sub/c.txt" ]
}

# writer NAME METHOD: component "data" covering $vol/NAME, always told.
writer() {
	cat >"$TMP/$1.conf" <<EOF
[writer]
class_id = $(cat /proc/sys/kernel/random/uuid)
instance_name = $1-instance
[restore]
method = $2
writer_restore = always
[component data]
files = $vol/$1 * true
EOF
	sys_writer "$1" --config "$TMP/$1.conf"
}

files plain
files app
files cust
writer app RESTORE_IF_CAN_BE_REPLACED
writer cust CUSTOM

# ---- a set without writers ------------------------------------------------
run backup --no-writers "${vol:?}/plain" "${vol:?}/app" --to "$TMP/plainset" --json
expect_rc 0 "backup --no-writers"
damage plain
damage app
m=$(($(sys_log_lines app) + 1))
run restore "$TMP/plainset" --json
expect_rc 0 "restore of a --no-writers set"
diff -r --no-dereference "$TMP/plainset/data/0/plain" "${vol:?}/plain" >"$TMP/diff" ||
	fail "--no-writers set: plain: $(cat "$TMP/diff")"
diff -r --no-dereference "$TMP/plainset/data/0/app" "${vol:?}/app" >"$TMP/diff" ||
	fail "--no-writers set: app: $(cat "$TMP/diff")"
sys_events app "$m" >"$TMP/events"
grep -qx 'pre_restore\|post_restore' "$TMP/events" &&
	fail "a --no-writers set told writer app"
[ "$(json "sorted(set((c['name'], c['writer'], c['writer_involved'], c['status']) for c in j['components']))")" = \
	"[(None, None, False, 'all')]" ] ||
	fail "--no-writers set: components $(json "j['components']")"
[ "$(json "j['writers']")" = "[]" ] || fail "--no-writers set: writers $(json "j['writers']")"

# ---- a --to restore that writes nothing leaves no directory behind --------
# Staging fails (the state dir is a file) after the --to tree was made:
# the directories the restore made go again, the one that was there stays.
: >"$TMP/state-file"
mkdir "$TMP/kept"
run restore "$TMP/plainset" --to "$TMP/kept/to/deeper" --method at-reboot \
	--state-dir "$TMP/state-file" --json
expect_rc 1 "a --to restore whose staging fails"
[ "$(json "[c['status'] for c in j['components']]")" = "['none']" ] ||
	fail "staging fails: status $(json "[c['status'] for c in j['components']]")"
[ -d "$TMP/kept" ] || fail "staging fails: the existing directory was removed"
[ -z "$(find "$TMP/kept" -mindepth 1)" ] ||
	fail "staging fails: left behind: $(find "$TMP/kept" -mindepth 1)"

# ---- a writer missing at restore time (RS-005) ----------------------------
run backup --writer app --writer cust --to "$TMP/set" --json
expect_rc 0 "backup with writers"
sys_stop_writer app
damage app
run restore "$TMP/set" --component app:data --json
expect_rc 0 "restore with its writer missing"
diff -r --no-dereference "$TMP/set/data/0/app" "${vol:?}/app" >"$TMP/diff" ||
	fail "missing writer: $(cat "$TMP/diff")"
[ "$(json "[(c['writer_involved'], c['status']) for c in j['components']]")" = \
	"[(False, 'all')]" ] ||
	fail "missing writer: components $(json "j['components']")"
[ "$(json "[(w['name'], w['match'], w['instance_id']) for w in j['writers']]")" = \
	"[('app', 'missing', None)]" ] ||
	fail "missing writer: writers $(json "j['writers']")"
run restore "$TMP/set" --component app:data
expect_rc 0 "restore with its writer missing (text)"
expect_in out "missing" "the text report says the writer is missing"

# ---- a custom-method writer missing: refused -------------------------------
sys_stop_writer cust
damage cust
mkdir "$TMP/to"
run restore "$TMP/set" --component cust:data --to "$TMP/to" --json
expect_rc 1 "custom method, writer missing"
still_damaged cust || fail "custom method, writer missing: the volume changed"
[ -z "$(find "$TMP/to" -mindepth 1)" ] ||
	fail "custom method, writer missing: written under --to: $(find "$TMP/to" -mindepth 1)"
[ "$(json "[c['status'] for c in j['components']]")" = "['none']" ] ||
	fail "custom method, writer missing: status $(json "[c['status'] for c in j['components']]")"
[ "$(json "[c['message'] is not None for c in j['components']]")" = "[True]" ] ||
	fail "custom method, writer missing: no message"
[ "$(json "[(w['name'], w['match']) for w in j['writers']]")" = "[('cust', 'missing')]" ] ||
	fail "custom method, writer missing: writers $(json "j['writers']")"

finish
