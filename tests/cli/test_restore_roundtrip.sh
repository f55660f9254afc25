# "vss restore" round trip (issue 6, spec restore.md sections 1 and 12):
# a btrfs volume with a writer's component and plain files of every kind
# (owners, modes with setuid/sticky bits, ns times, xattrs, ACLs, hard
# links, symbolic links, a sparse file, a FIFO, a read-only directory) is
# backed up, damaged and restored whole; the tree must come back byte for
# byte and metadata for metadata (RS-122: hard links re-created), with no
# temporary file left, the writer told before and after (RS-004, RS-110)
# and a JSON report of the documented shape.  --dry-run writes nothing and
# tells no writer (no pre_restore).
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
for tool in setfacl getfacl setfattr getfattr; do
	command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done
vol=$(sys_btrfs vol)
: "${vol:?sys_btrfs gave no mount point}"
# Reading the trees to compare them must not change their access times.
mount -o remount,noatime "${vol:?}"
sys_vssd

# state OUT: both trees (not the volume's root, whose times the shadow
# copies' directory changes).
state() {
	{
		sys_tree_state "${vol:?}/app" --atime
		sys_tree_state "${vol:?}/plain" --atime
	} >"$1"
}

# acls OUT: getfacl of every object of both trees, in name order.
acls() {
	(cd "${vol:?}" && find app plain ! -type l -print0 | sort -z |
		xargs -0 getfacl -P -p) >"$1" 2>/dev/null
}

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

# ---- the volume ---------------------------------------------------------
# alpha's component app/db covers $vol/app; everything under $vol/plain
# belongs to no writer.
mkdir -p "${vol:?}/app/sub" "${vol:?}/plain/dir/deeper" "${vol:?}/plain/acldir" \
	"${vol:?}/plain/sticky" "${vol:?}/plain/empty" "${vol:?}/plain/ro"
head -c 200000 /dev/urandom >"${vol:?}/app/db.dat"
head -c 5000 /dev/urandom >"${vol:?}/app/sub/idx.dat"
chown 1234:5678 "${vol:?}/app/db.dat"
chmod 0640 "${vol:?}/app/db.dat"
setfattr -n user.app -v first "${vol:?}/app/db.dat"

echo owned >"${vol:?}/plain/owned.txt"
chown 1001:1002 "${vol:?}/plain/owned.txt"
chmod 4755 "${vol:?}/plain/owned.txt"
echo setgid >"${vol:?}/plain/dir/setgid.sh"
chown 1001:1002 "${vol:?}/plain/dir/setgid.sh"
chmod 2750 "${vol:?}/plain/dir/setgid.sh"
echo times >"${vol:?}/plain/times.txt"
touch -m -d '2001-02-03 04:05:06.123456789' "${vol:?}/plain/times.txt"
touch -a -d '2002-03-04 05:06:07.987654321' "${vol:?}/plain/times.txt"
echo xattrs >"${vol:?}/plain/xattr.txt"
setfattr -n user.a -v hello "${vol:?}/plain/xattr.txt"
setfattr -n user.bin -v 0x00ff01 "${vol:?}/plain/xattr.txt"
setfattr -n trusted.t -v secret "${vol:?}/plain/xattr.txt"
echo acl >"${vol:?}/plain/acl.txt"
setfacl -m u:1234:rw-,g:5678:r-- "${vol:?}/plain/acl.txt"
setfacl -d -m u:1234:rwx "${vol:?}/plain/acldir"
echo inherited >"${vol:?}/plain/acldir/file"
echo linked >"${vol:?}/plain/hard1"
ln "${vol:?}/plain/hard1" "${vol:?}/plain/hard2"
ln "${vol:?}/plain/hard1" "${vol:?}/plain/dir/deeper/hard3"
ln -s times.txt "${vol:?}/plain/sym"
ln -s nosuch "${vol:?}/plain/dangling"
ln -s /etc/hostname "${vol:?}/plain/absolute"
truncate -s 16M "${vol:?}/plain/sparse.img"
printf 'head' | dd of="${vol:?}/plain/sparse.img" conv=notrunc status=none
printf 'middle' | dd of="${vol:?}/plain/sparse.img" bs=1 seek=8388608 \
	conv=notrunc status=none
mkfifo "${vol:?}/plain/fifo"
chmod 0620 "${vol:?}/plain/fifo"
chmod 1777 "${vol:?}/plain/sticky"
echo locked >"${vol:?}/plain/ro/file"
chmod 0555 "${vol:?}/plain/ro"
# Directories last, their contents being complete.
touch -d '2003-04-05 06:07:08.111111111' "${vol:?}/plain/dir/deeper" \
	"${vol:?}/plain/dir" "${vol:?}/plain/ro" "${vol:?}/app/sub"

cat >"$TMP/alpha.conf" <<EOF
[writer]
class_id = 2b1f7e0c-8a47-4f0e-b0f4-5d8a2c6e9f11
[restore]
method = RESTORE_IF_CAN_BE_REPLACED
writer_restore = always
[component db]
logical_path = app
files = $vol/app * true
EOF
sys_writer alpha --config "$TMP/alpha.conf"

state "$TMP/before"
acls "$TMP/acl.before"

run backup --writer alpha "${vol:?}/plain" --to "$TMP/set" --json
expect_rc 0 "backup"
run verify "$TMP/set"
expect_rc 0 "verify the set"

# ---- damage -------------------------------------------------------------
head -c 200000 /dev/zero >"${vol:?}/app/db.dat"
rm "${vol:?}/app/sub/idx.dat"
chown 0:0 "${vol:?}/plain/owned.txt"
chmod 0600 "${vol:?}/plain/owned.txt"
touch "${vol:?}/plain/times.txt"
setfattr -x user.a "${vol:?}/plain/xattr.txt"
setfattr -n user.b -v added "${vol:?}/plain/xattr.txt"
setfacl -b "${vol:?}/plain/acl.txt"
setfacl -k "${vol:?}/plain/acldir"
rm "${vol:?}/plain/hard2"
echo changed >"${vol:?}/plain/hard1" # hard3 too: one inode
rm "${vol:?}/plain/sym" "${vol:?}/plain/dangling"
echo not-a-link >"${vol:?}/plain/sym"
rm "${vol:?}/plain/sparse.img" "${vol:?}/plain/fifo"
chmod 0755 "${vol:?}/plain/sticky"
rm "${vol:?}/plain/ro/file"
rmdir "${vol:?}/plain/empty"
state "$TMP/damaged"

# ---- --dry-run: the plan only ---------------------------------------------
mark=$(($(sys_log_lines alpha) + 1))
run restore "$TMP/set" --dry-run --json
expect_rc 0 "restore --dry-run"
state "$TMP/after-dry"
cmp -s "$TMP/damaged" "$TMP/after-dry" ||
	fail "--dry-run changed the volume: $(diff "$TMP/damaged" "$TMP/after-dry" | head -20)"
sys_events alpha "$mark" >"$TMP/events"
grep -qx 'pre_restore\|post_restore' "$TMP/events" &&
	fail "--dry-run told the writer: $(sys_events alpha "$mark" | tr '\n' ' ')"
[ "$(json "j['dry_run']")" = True ] || fail "--dry-run: dry_run is not true"
[ "$(json "sorted(set(c['status'] for c in j['components']))")" = "['planned']" ] ||
	fail "--dry-run: statuses $(json "[c['status'] for c in j['components']]")"
[ "$(json "[c['name'] for c in j['components'] if c['writer'] == 'alpha']")" = "['db']" ] ||
	fail "--dry-run: alpha's components $(json "j['components']")"

# ---- restore everything ---------------------------------------------------
mark=$(($(sys_log_lines alpha) + 1))
run restore "$TMP/set" --json
expect_rc 0 "restore"
cp "$TMP/out" "$TMP/restore.json"
state "$TMP/after"
cmp -s "$TMP/before" "$TMP/after" ||
	fail "the restored tree differs from the backed-up one:
$(diff "$TMP/before" "$TMP/after" | head -40)"
acls "$TMP/acl.after"
cmp -s "$TMP/acl.before" "$TMP/acl.after" ||
	fail "ACLs differ: $(diff "$TMP/acl.before" "$TMP/acl.after" | head -20)"
# Holes stay holes: 16 MiB with 10 bytes of data.
if [ -f "${vol:?}/plain/sparse.img" ]; then
	blocks=$(stat -c %b "${vol:?}/plain/sparse.img")
	[ "$blocks" -lt 2048 ] ||
		fail "sparse.img takes $blocks blocks: its holes were filled"
else
	fail "sparse.img was not restored"
fi
[ -p "${vol:?}/plain/fifo" ] || fail "the FIFO is not a FIFO"
# Written to temporary names and renamed: none is left (issue 6).
leftovers=$(find "${vol:?}" -xdev -name '.vss-restore-*' -print)
[ -z "$leftovers" ] || fail "temporary files left: $leftovers"
[ -e "${vol:?}/.vss-pending-restore" ] && fail "a plain restore staged files"

# The writer: pre_restore, then post_restore, once each (RS-004, RS-110).
events=$(sys_events alpha "$mark" | { grep -x 'pre_restore\|post_restore' || true; } |
	tr '\n' ' ')
[ "$events" = "pre_restore post_restore " ] ||
	fail "alpha's restore events: '$events'"
[ "$(sys_detail alpha pre_restore selected)" = app/db ] ||
	fail "pre_restore selected=: $(sys_detail alpha pre_restore selected || true)"
[ "$(sys_detail alpha pre_restore target)" = app/db:ORIGINAL ] ||
	fail "pre_restore target=: $(sys_detail alpha pre_restore target || true)"
# RS-034: vss restore copies the files back.
[ "$(sys_detail alpha pre_restore restore_type)" = BY_COPY ] ||
	fail "pre_restore restore_type=$(sys_detail alpha pre_restore restore_type || true)"
[ "$(sys_detail alpha post_restore restore_type)" = BY_COPY ] ||
	fail "post_restore restore_type=$(sys_detail alpha post_restore restore_type || true)"
[ "$(sys_detail alpha post_restore file_status)" = app/db:ALL ] ||
	fail "post_restore file_status=: $(sys_detail alpha post_restore file_status || true)"
sys_detail alpha post_restore mappings >/dev/null &&
	fail "post_restore names mappings for an in-place restore"
grep -qP '^[^\t]*\t[^\t]*\t(pre|post)_restore\t[^\t]*\t(?!ok\t)' "$TMP/writer-alpha.log" &&
	fail "alpha failed a restore event"

# ---- the report (docs/cli-json.md, "vss restore") -------------------------
python3 - "$TMP/restore.json" "${vol:?}" <<'PY' || fail "restore --json report"
import json, sys
j = json.load(open(sys.argv[1]))
vol = sys.argv[2]
errors = []

def keys(obj, want, where):
    if set(obj) != set(want):
        errors.append(f"{where}: keys {sorted(obj)} != {sorted(want)}")

keys(j, ["backup_set", "dry_run", "verified", "components", "writers",
         "services", "reboot_required", "files", "bytes", "failed",
         "duration_ms"], "report")
keys(j["verified"], ["files", "problems"], "verified")
for c in j["components"]:
    keys(c, ["writer", "class_id", "instance_id", "logical_path", "name",
             "volume", "writer_involved", "method", "method_declared",
             "target", "destinations",
             "subcomponents", "files", "bytes", "status", "journal",
             "message", "restored"], "component")
for w in j["writers"]:
    keys(w, ["name", "class_id", "saved_instance_id", "instance_id", "match",
             "involved", "state", "state_code", "last_error", "failure",
             "application_failure", "pre_restore_message",
             "post_restore_message", "event_ms"], "writer")
for s in j["services"]:
    keys(s, ["name", "stopped", "started", "message"], "service")
if j["dry_run"] is not False:
    errors.append(f"dry_run {j['dry_run']}")
if j["verified"]["problems"] != 0 or j["verified"]["files"] < 10:
    errors.append(f"verified {j['verified']}")
if j["failed"] != 0 or j["reboot_required"] is not False:
    errors.append(f"failed {j['failed']} reboot_required {j['reboot_required']}")
if j["files"] < 10 or j["bytes"] < 16 * 1024 * 1024:
    errors.append(f"files {j['files']} bytes {j['bytes']}")
db = [c for c in j["components"] if c["name"] == "db"]
plain = [c for c in j["components"] if c["name"] is None]
if len(db) != 1 or db[0]["writer"] != "alpha" or db[0]["logical_path"] != "app" \
        or db[0]["status"] != "all" or db[0]["writer_involved"] is not True \
        or db[0]["journal"] is not None or db[0]["restored"] is not None \
        or db[0]["method"] != "if-can-replace" or db[0]["target"] != "original" \
        or db[0]["method_declared"] is not True:
    errors.append(f"alpha's component: {db}")
if not plain or any(c["status"] != "all" or c["writer_involved"]
                    or c["method_declared"] is not None for c in plain):
    errors.append(f"plain paths: {plain}")
if any(c["volume"] != vol for c in j["components"]):
    errors.append(f"volumes: {[c['volume'] for c in j['components']]}")
alpha = [w for w in j["writers"] if w["name"] == "alpha"]
if len(alpha) != 1 or alpha[0]["instance_id"] is None \
        or alpha[0]["failure"] not in (None, "VSS_OK") \
        or alpha[0]["match"] != "matched" or alpha[0]["involved"] is not True \
        or not {"pre_restore", "post_restore"} <= set(alpha[0]["event_ms"] or {}):
    errors.append(f"writer alpha: {alpha}")
if j["services"] != []:
    errors.append(f"services {j['services']}")
for e in errors:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

# ---- again, with nothing to repair; then the text report ------------------
run restore "$TMP/set"
expect_rc 0 "a second restore"
expect_in out "app/db" "the text report names the component"
state "$TMP/again"
cmp -s "$TMP/before" "$TMP/again" ||
	fail "a second restore changed the tree: $(diff "$TMP/before" "$TMP/again" | head -20)"
run restore "$TMP/set" --quiet
expect_rc 0 "restore --quiet"
expect_empty out "restore --quiet"

finish
