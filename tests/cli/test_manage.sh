# "vss status", "vss delete" in every form (SN-021; vssadmin, diskshadow
# and vshadow delete), "vss expose" and "vss unexpose" (SN-030..SN-033),
# against a real vssd on loop-mounted btrfs volumes: text and JSON (exact
# keys), exit codes for usage errors and for vssd not running; the
# auto-release shadow copy of a live "vss exec", which delete leaves alone
# without --force and expose refuses; a delete stopped part way.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"
. "$(dirname "${BASH_SOURCE[0]}")/manage.sh"

ID=12345678-1234-1234-1234-123456789abc

# ---- no vssd: every command says where it looked and exits 1 -------------
export VSS_SOCKET=$TMP/nowhere.sock
for args in "status" "status --json" "list writers" "list shadows" \
	"list volumes" "list providers" "delete --id $ID" "delete --all --yes" \
	"expose $ID" "unexpose $ID" "writer-metadata"; do
	run $args
	expect_rc 1 "vss $args without vssd"
	expect_in err "$TMP/nowhere.sock: ENOENT: cannot reach vssd (is it running?)" \
		"vss $args without vssd"
	expect_empty out "vss $args without vssd"
done

# ---- usage errors: exit 2 before anything is asked of vssd ---------------
# usage_error EXPECTED_STDERR ARGS...
usage_error() {
	local want=$1
	shift
	run "$@"
	expect_rc 2 "vss $*"
	expect_in err "$want" "vss $*"
	expect_empty out "vss $*"
}
usage_error "vss: status: unexpected argument 'x'" status x
usage_error "vss: status: unknown option '--bogus'" status --bogus
usage_error "vss: delete: what to delete: --id, --set, --volume, --all or --exposed" delete
usage_error "usage: vss delete --id ID | --set ID" delete
usage_error "vss: delete: --id, --set, --volume, --all and --exposed exclude each other" \
	delete --id "$ID" --set "$ID"
usage_error "vss: delete: --all deletes every shadow copy of every context: add --yes to confirm" \
	delete --all
usage_error "vss: delete: --oldest needs --volume" delete --id "$ID" --oldest
usage_error "vss: delete: --yes is for --all" delete --id "$ID" --yes
usage_error "vss: delete: 'nope' is not a shadow copy id" delete --id nope
usage_error "vss: delete: 'nope' is not a shadow copy set id" delete --set nope
usage_error "vss: delete: option '--volume' needs a value" delete --volume
usage_error "vss: delete: unexpected argument 'x'" delete --id "$ID" x
usage_error "vss: expose: no shadow copy ID given" expose
usage_error "vss: expose: 'nope' is not a shadow copy id" expose nope /tmp
usage_error "vss: expose: unexpected argument 'c'" expose "$ID" /tmp c
usage_error "vss: unexpose: no shadow copy ID or PATH given" unexpose
usage_error "vss: unexpose: unexpected argument 'b'" unexpose a b
usage_error "vss: unexpose: unknown option '-x'" unexpose -x "$ID"
for c in status delete expose unexpose; do
	run $c --help
	expect_rc 0 "vss $c --help"
	expect_in out "usage: vss $c " "vss $c --help"
	expect_in out "--json" "vss $c --help"
done

# ---- a real world --------------------------------------------------------
sys_require
VOL=$(sys_btrfs vol)
VOL2=$(sys_btrfs vol2)
mkdir "$VOL/data"
echo "the volume's file" >"$VOL/data/f"
sys_vssd
sys_writer w1 --component app/data="$VOL/data"

run status
expect_rc 0 "status"
expect_in out "socket: $VSS_SOCKET" "status"
expect_in out "vssd:" "status"
expect_in out "  name: btrfs" "status lists the btrfs provider"
expect_in out "state: [1] Stable" "status counts writers by state"
run status --json
expect_rc 0 "status --json"
check_schema status "status --json"
[ "$(out_json '[d["writers"]["count"], d["shadow_copies"]["count"], d["volumes"]]')" = "[1, 0, []]" ] ||
	fail "status --json on an empty vssd: $(cat "$TMP/out")"

# Three sets: two on VOL, one on VOL2.
S1=$(make_set "$VOL")
S2=$(make_set "$VOL")
S3=$(make_set "$VOL2")
[ -n "$S1" ] && [ -n "$S2" ] && [ -n "$S3" ] || fail "make_set gave no ids"

run status --json
check_schema status "status --json with shadow copies"
[ "$(out_json '[d["shadow_copies"][k] for k in ("count", "persistent", "auto_release", "exposed")]')" = "[3, 3, 0, 0]" ] ||
	fail "status shadow copy counts: $(cat "$TMP/out")"
[ "$(out_json 'sorted((v["volume"], v["shadow_copies"]) for v in d["volumes"])')" = \
	"[('$VOL', 2), ('$VOL2', 1)]" ] || fail "status volumes: $(cat "$TMP/out")"

# ---- expose / unexpose ---------------------------------------------------
mkdir "$TMP/exp"
run expose "$S1" "$TMP/exp"
expect_rc 0 "expose at a path"
expect_in out "exposed name: $TMP/exp" "expose at a path"
[ "$(cat "$TMP/exp/data/f" 2>/dev/null)" = "the volume's file" ] ||
	fail "the exposed directory lacks the volume's file"
if touch "$TMP/exp/data/new" 2>/dev/null; then
	fail "the exposed shadow copy is writable"
fi
[ "$(shadow_field "$S1" exposed_name)" = "$TMP/exp" ] ||
	fail "list shadows does not show where S1 is exposed"

run expose "$S1" "$TMP/exp"
expect_rc 1 "expose twice"
expect_in err "vss: expose: shadow copy $S1: VSS_E_OBJECT_ALREADY_EXISTS" "expose twice"
run expose "$ID"
expect_rc 1 "expose an unknown shadow copy"
expect_in err "VSS_E_OBJECT_NOT_FOUND" "expose an unknown shadow copy"
run expose "$S2" "$TMP/no/such/dir"
expect_rc 1 "expose at a missing directory"
expect_in err "vss: expose: $TMP/no/such/dir: ENOENT" "expose at a missing directory"
# Where something is already: a clear error, not the mount's EINVAL.
run expose "$S2" "$TMP/exp"
expect_rc 1 "expose where another shadow copy is exposed"
expect_in err "vss: expose: $TMP/exp: VSS_E_OBJECT_ALREADY_EXISTS: shadow copy $S1 is exposed there" \
	"expose where another shadow copy is exposed"
mkdir "$TMP/full"
echo x >"$TMP/full/x"
run expose "$S2" "$TMP/full"
expect_rc 1 "expose at a directory that is not empty"
expect_in err "vss: expose: $TMP/full: ENOTEMPTY: the directory is not empty (it holds 'x')" \
	"expose at a directory that is not empty"
mkdir "$TMP/mnt"
mount -t tmpfs vss-test-tmpfs "$TMP/mnt"
run expose "$S2" "$TMP/mnt"
umount "$TMP/mnt"
expect_rc 1 "expose at a mount point"
expect_in err "vss: expose: $TMP/mnt: VSS_E_OBJECT_ALREADY_EXISTS: vss-test-tmpfs (tmpfs) is mounted there" \
	"expose at a mount point"

# No path: vssd picks a directory under its expose_dir.
run expose "{$S2}" --json
expect_rc 0 "expose without a path"
check_schema expose "expose --json"
exposed2=$(out_json 'd["exposed_name"]')
case $exposed2 in
"$TMP/shadows/"*) ;;
*) fail "expose without a path: exposed at '$exposed2'" ;;
esac
[ -f "$exposed2/data/f" ] || fail "expose without a path: no data/f at $exposed2"
run status --json
[ "$(out_json 'd["shadow_copies"]["exposed"]')" = 2 ] || fail "status exposed count"

# Unexpose by path (relative, resolved here) and by id.
run unexpose "$(realpath --relative-to=. "$TMP/exp")"
expect_rc 0 "unexpose by path"
expect_in out "snapshot id: $S1" "unexpose by path"
expect_in out "exposed name: $TMP/exp" "unexpose by path"
! mountpoint -q "$TMP/exp" || fail "unexpose left $TMP/exp mounted"
[ -z "$(ls -A "$TMP/exp")" ] || fail "unexpose left files in $TMP/exp"
run unexpose "$S2" --json
expect_rc 0 "unexpose by id"
check_schema expose "unexpose --json"
[ "$(out_json 'd["exposed_name"]')" = "$exposed2" ] || fail "unexpose --json: $(cat "$TMP/out")"
run unexpose "$S2"
expect_rc 1 "unexpose what is not exposed"
expect_in err "vss: unexpose: shadow copy $S2: VSS_E_OBJECT_NOT_FOUND: the shadow copy is not exposed" \
	"unexpose what is not exposed"
run unexpose "$TMP/exp"
expect_rc 1 "unexpose a path where nothing is exposed"
expect_in err "no shadow copy is exposed at $TMP/exp" "unexpose a path where nothing is exposed"
run unexpose "$ID"
expect_rc 1 "unexpose an unknown shadow copy"
expect_in err "VSS_E_OBJECT_NOT_FOUND" "unexpose an unknown shadow copy"

# ---- delete --------------------------------------------------------------
# --exposed: the shadow copy exposed at a path goes, unexposed first.
vss_abs=$(realpath "$VSS")
(cd "$TMP" && "$vss_abs" expose "$S1" exp >/dev/null) || fail "expose at a relative path"
run delete --exposed "$TMP/exp" --json
expect_rc 0 "delete --exposed"
check_schema delete "delete --json"
[ "$(out_json '[d["deleted"], d["skipped"], d["stopped_at"]]')" = "[1, 0, None]" ] ||
	fail "delete --exposed: $(cat "$TMP/out")"
! mountpoint -q "$TMP/exp" || fail "delete --exposed left $TMP/exp mounted"
[ -z "$(shadow_ids "s['snapshot_id'] == '$S1'")" ] || fail "delete --exposed left S1"
run delete --exposed "$TMP/exp"
expect_rc 1 "delete --exposed where nothing is"
expect_in err "vss: delete: $TMP/exp: VSS_E_OBJECT_NOT_FOUND: no shadow copy is exposed at $TMP/exp" \
	"delete --exposed where nothing is"

# --id, --force; an unknown id changes nothing.
run delete --id "$ID"
expect_rc 1 "delete an unknown id"
expect_in err "vss: delete: shadow copy $ID: VSS_E_OBJECT_NOT_FOUND" "delete an unknown id"
expect_empty out "delete an unknown id"
[ "$(shadow_ids | wc -l)" -eq 2 ] || fail "a failed delete changed the shadow copies"
run delete --id "$S2" --force
expect_rc 0 "delete --id --force"
expect_in out "deleted: 1" "delete --id"
[ "$(shadow_ids | sort)" = "$S3" ] || fail "delete --id: left $(shadow_ids)"

# --set: every shadow copy of a set of two volumes.
SET_PAIR=$(make_set "$VOL" "$VOL2")
[ "$(echo "$SET_PAIR" | wc -l)" -eq 2 ] || fail "a set of two volumes: $SET_PAIR"
pair_set=$(shadow_field "$(echo "$SET_PAIR" | head -1)" snapshot_set_id)
run delete --set "$pair_set"
expect_rc 0 "delete --set"
expect_in out "deleted: 2" "delete --set"
[ "$(shadow_ids | sort)" = "$S3" ] || fail "delete --set: left $(shadow_ids)"
run delete --set "$pair_set"
expect_rc 1 "delete a set that is gone"
expect_in err "vss: delete: shadow copy set $pair_set: VSS_E_OBJECT_NOT_FOUND" "delete a set that is gone"

# --volume --oldest, then --volume: only that volume's shadow copies.
OLD=$(make_set "$VOL")
NEW=$(make_set "$VOL")
run delete --volume "$VOL" --oldest
expect_rc 0 "delete --volume --oldest"
expect_in out "deleted: 1" "delete --volume --oldest"
[ "$(shadow_ids "s['volume'] == '$VOL'")" = "$NEW" ] ||
	fail "delete --oldest did not keep the newest ($NEW): $(shadow_ids)"
[ -n "$OLD" ] || fail "make_set gave no id"
make_set "$VOL" >/dev/null
run delete --volume "$VOL/" --json
expect_rc 0 "delete --volume"
[ "$(out_json 'd["deleted"]')" = 2 ] || fail "delete --volume: $(cat "$TMP/out")"
[ "$(shadow_ids)" = "$S3" ] || fail "delete --volume touched another volume: $(shadow_ids)"
run delete --volume "$VOL"
expect_rc 0 "delete --volume with none left"
expect_in out "deleted: 0" "delete --volume with none left"
run delete --volume "$TMP/nonexistent"
expect_rc 1 "delete --volume of a missing path"
expect_in err "vss: delete: $TMP/nonexistent: ENOENT" "delete --volume of a missing path"

# --all --yes: every shadow copy of every context.
make_set "$VOL" >/dev/null
run delete --all --yes
expect_rc 0 "delete --all --yes"
expect_in out "deleted: 2" "delete --all --yes"
[ -z "$(shadow_ids)" ] || fail "delete --all left $(shadow_ids)"
run status --json
[ "$(out_json 'd["shadow_copies"]["count"]')" = 0 ] || fail "status after delete --all"

# ---- auto-release shadow copies: a live session's ---------------------
# A "vss exec" holds an auto-release shadow copy of VOL, exposed, while
# its command runs; the command says which and where, then waits for
# $TMP/exec.go.  vss delete leaves it alone without --force (vssadmin and
# vshadow -da/-do delete only their own kind) and vss expose refuses it
# (SN-031: only persistent shadow copies can be exposed).
"$VSS" exec --volume "$VOL" -- sh -c \
	'echo "$VSS_SHADOW_1 $VSS_SHADOW_PATH" >"$1.tmp" && mv "$1.tmp" "$1"
	while [ ! -e "$2" ]; do sleep 0.1; done' \
	sh "$TMP/exec.ready" "$TMP/exec.go" >"$TMP/exec.out" 2>&1 &
exec_pid=$!
for _ in $(seq 600); do
	[ -e "$TMP/exec.ready" ] || ! kill -0 "$exec_pid" 2>/dev/null && break
	sleep 0.1
done
if [ ! -e "$TMP/exec.ready" ]; then
	fail "vss exec did not run its command:"
	cat "$TMP/exec.out" >&2
	finish
fi
read -r AUTO AUTO_PATH <"$TMP/exec.ready"
AUTO_SET=$(shadow_field "$AUTO" snapshot_set_id)
[ "$(shadow_field "$AUTO" persistent)" = False ] || fail "vss exec made a persistent shadow copy"
# Two persistent ones, newer than the auto-release one.
P1=$(make_set "$VOL")
P2=$(make_set "$VOL")
run status --json
[ "$(out_json '[d["shadow_copies"][k] for k in ("count", "persistent", "auto_release", "exposed")]')" = "[3, 2, 1, 1]" ] ||
	fail "status counts with vss exec running: $(cat "$TMP/out")"

mkdir -p "$TMP/exp"
run expose "$AUTO" "$TMP/exp"
expect_rc 1 "expose an auto-release shadow copy"
expect_in err "vss: expose: shadow copy $AUTO: EINVAL: only persistent shadow copies can be exposed" \
	"expose an auto-release shadow copy"
expect_in err "'vss exec'" "expose an auto-release shadow copy points to vss exec"
expect_empty out "expose an auto-release shadow copy"
! mountpoint -q "$TMP/exp" || fail "a refused expose left $TMP/exp mounted"

busy="EBUSY: an auto-release shadow copy belongs to the session that made it"
run delete --id "$AUTO"
expect_rc 1 "delete --id of an auto-release shadow copy"
expect_in err "vss: delete: shadow copy $AUTO: $busy" "delete --id of an auto-release shadow copy"
expect_in err "--force deletes it anyway" "delete --id of an auto-release shadow copy"
expect_empty out "delete --id of an auto-release shadow copy"
run delete --set "$AUTO_SET" --json
expect_rc 1 "delete --set of an auto-release set"
expect_in err "vss: delete: shadow copy set $AUTO_SET: $busy" "delete --set of an auto-release set"
expect_empty out "delete --set of an auto-release set"
run delete --exposed "$AUTO_PATH"
expect_rc 1 "delete --exposed of an auto-release shadow copy"
expect_in err "vss: delete: shadow copy $AUTO: $busy" "delete --exposed of an auto-release shadow copy"
[ "$(shadow_ids | sort)" = "$(printf '%s\n' "$AUTO" "$P1" "$P2" | sort)" ] ||
	fail "a refused delete changed the shadow copies: $(shadow_ids)"

# --volume --oldest: the oldest persistent one, though the auto-release
# one is older; --all: the other persistent one.  Both say how many
# they skipped.
run delete --volume "$VOL" --oldest --json
expect_rc 0 "delete --volume --oldest beside an auto-release one"
check_schema delete "delete --volume --oldest --json"
[ "$(out_json '[d["deleted"], d["skipped"], d["stopped_at"]]')" = "[1, 1, None]" ] ||
	fail "delete --volume --oldest: $(cat "$TMP/out")"
expect_in err "vss: delete: left 1 auto-release shadow copy alone (--force deletes them too)" \
	"delete --volume --oldest"
[ "$(shadow_ids | sort)" = "$(printf '%s\n' "$AUTO" "$P2" | sort)" ] ||
	fail "delete --volume --oldest left $(shadow_ids)"
run delete --all --yes
expect_rc 0 "delete --all beside an auto-release one"
expect_in out "deleted: 1" "delete --all beside an auto-release one"
expect_in out "skipped: 1" "delete --all beside an auto-release one"
[ "$(shadow_ids)" = "$AUTO" ] || fail "delete --all: left $(shadow_ids)"
[ -d "$AUTO_PATH" ] && mountpoint -q "$AUTO_PATH" ||
	fail "delete --all took the exposure of vss exec's shadow copy"

# --force deletes it (and its exposure) all the same.
run delete --all --yes --force --json
expect_rc 0 "delete --all --force"
[ "$(out_json '[d["deleted"], d["skipped"], d["stopped_at"]]')" = "[1, 0, None]" ] ||
	fail "delete --all --force: $(cat "$TMP/out")"
[ -z "$(shadow_ids)" ] || fail "delete --all --force left $(shadow_ids)"
touch "$TMP/exec.go"
# vss exec's own cleanup finds its shadow copy gone; only that it ends
# matters here.
wait "$exec_pid" || true

# ---- a partial delete: the first shadow copy that cannot go stops it ----
# The btrfs provider deletes a shadow copy by deleting its subvolume in
# VOLUME/.vss-shadows; made immutable, that directory refuses (EPERM).
FIRST=$(make_set "$VOL2")
STUCK=$(make_set "$VOL")
chattr +i "$VOL/.vss-shadows"
run delete --all --yes --json
chattr -i "$VOL/.vss-shadows"
expect_rc 1 "delete --all with an undeletable shadow copy"
check_schema delete "delete --all --json, stopped part way"
[ "$(out_json '[d["deleted"], d["skipped"], d["stopped_at"]]')" = "[1, 0, '$STUCK']" ] ||
	fail "delete --all stopped part way: $(cat "$TMP/out")"
expect_in err "vss: delete: stopped at shadow copy $STUCK: " "delete --all stopped part way"
[ "$(shadow_ids)" = "$STUCK" ] || fail "delete --all stopped part way left $(shadow_ids)"
[ -n "$FIRST" ] || fail "make_set gave no id"
run delete --id "$STUCK"
expect_rc 0 "delete once the shadow copy can go"
[ -z "$(shadow_ids)" ] || fail "delete left $(shadow_ids)"

# vssd stopped: status says so.
kill -TERM "${SYS_PIDS[0]}"
wait "${SYS_PIDS[0]}" 2>/dev/null || true
run status
expect_rc 1 "status with vssd stopped"
expect_in err "vss: status: $VSS_SOCKET: " "status with vssd stopped"
expect_in err "cannot reach vssd (is it running?)" "status with vssd stopped"

finish
