# "vss list writers|providers|shadows|volumes" against a real vssd and
# writers on loop-mounted btrfs volumes (vssadmin list, diskshadow list,
# vshadow -wm; TL-003, TL-011, TL-040): text and JSON with the exact keys
# of docs/cli-json.md, filters, and usage errors.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"
. "$(dirname "${BASH_SOURCE[0]}")/manage.sh"

ID=12345678-1234-1234-1234-123456789abc

# ---- usage errors: exit 2, nothing on stdout, vssd not needed ------------
export VSS_SOCKET=$TMP/nowhere.sock
usage_error() {
	local want=$1
	shift
	run "$@"
	expect_rc 2 "vss $*"
	expect_in err "$want" "vss $*"
	expect_in err "usage: vss list writers [--verbose] [--json]" "vss $*"
	expect_in err "       vss list shadows [--id ID] [--set ID] [--volume V] [--json]" "vss $*"
	expect_empty out "vss $*"
}
usage_error "vss: list: what to list: writers, providers, shadows or volumes" list
usage_error "vss: list: cannot list 'nosuch': writers, providers, shadows or volumes" \
	list nosuch
usage_error "vss: list: unexpected argument 'extra'" list writers extra
usage_error "vss: list: --verbose is for 'list writers'" list providers --verbose
usage_error "vss: list: --id, --set and --volume are for 'list shadows'" \
	list writers --id "$ID"
usage_error "vss: list: --id, --set and --volume are for 'list shadows'" \
	list volumes --volume /
usage_error "vss: list: 'nope' is not a shadow copy id" list shadows --id nope
usage_error "vss: list: 'nope' is not a shadow copy set id" list shadows --set nope
usage_error "vss: list: option '--volume' needs a value" list shadows --volume
usage_error "vss: list: unknown option '--bogus'" list --bogus writers
run list --help
expect_rc 0 "list --help"
expect_in out "usage: vss list writers [--verbose] [--json]" "list --help"
for word in --verbose --id --set --volume --json "last error"; do
	expect_in out "$word" "list --help describes $word"
done

# ---- a real world --------------------------------------------------------
sys_require
VOL=$(sys_btrfs vol)
VOL2=$(sys_btrfs vol2)
mkdir "$VOL/data" "$VOL2/logs"
sys_vssd
sys_writer w1 --instance-name first --component app/data="$VOL/data"
sys_writer w2 --component logs="$VOL2/logs"
W1=$(cut -d' ' -f2 "$TMP/writer-w1.ready")
W2=$(cut -d' ' -f2 "$TMP/writer-w2.ready")

# ---- writers -------------------------------------------------------------
run list writers
expect_rc 0 "list writers"
expect_empty err "list writers"
for want in "  - name: w1" "    instance id: $W1" "    instance name: first" \
	"  - name: w2" "    instance id: $W2" \
	"    class id: 621fb09c-4549-4884-86d8-a750548d7c4e" \
	"    state: [1] Stable" "    last error: No error" \
	"    failure: VSS_OK" "count: 2"; do
	expect_in out "$want" "list writers"
done
expect_not_in out "metadata:" "list writers without --verbose"

run list writers --json
expect_rc 0 "list writers --json"
check_schema list_writers "list writers --json"
[ "$(out_json 'sorted((w["name"], w["instance_id"], w["instance_name"], w["state"], w["state_code"], w["last_error"], w["failure"]) for w in d["writers"])')" = \
	"[('w1', '$W1', 'first', '[1] Stable', 1, 'No error', 'VSS_OK'), ('w2', '$W2', None, '[1] Stable', 1, 'No error', 'VSS_OK')]" ] ||
	fail "list writers --json: $(cat "$TMP/out")"
[ "$(out_json '[d["count"], d["metadata"]]')" = "[2, []]" ] ||
	fail "list writers --json count and metadata: $(cat "$TMP/out")"

# --verbose: each writer's components and files (vshadow -wm2).
run list writers --verbose
expect_rc 0 "list writers --verbose"
for want in "metadata:" "      friendly name: w1" "      - logical path: app" \
	"        name: data" "          - path: $VOL/data" \
	"      - name: logs" "          - path: $VOL2/logs"; do
	expect_in out "$want" "list writers --verbose"
done
run list writers --verbose --json
check_schema list_writers "list writers --verbose --json"
[ "$(out_json 'sorted((m["identity"]["instance_id"], [(c["logical_path"], c["name"], [f["path"] for f in c["files"]]) for c in m["components"]]) for m in d["metadata"])')" = \
	"$(python3 -c 'import sys; print(sorted([(sys.argv[1], [("app", "data", [sys.argv[3]])]), (sys.argv[2], [(None, "logs", [sys.argv[4]])])]))' "$W1" "$W2" "$VOL/data" "$VOL2/logs")" ] ||
	fail "list writers --verbose --json: $(cat "$TMP/out")"

# ---- providers -----------------------------------------------------------
run list providers
expect_rc 0 "list providers"
for want in "  - provider id: " "    name: btrfs" "    type: system" "count: "; do
	expect_in out "$want" "list providers"
done
run list providers --json
check_schema list_providers "list providers --json"
[ "$(out_json '[(p["name"], p["type"]) for p in d["providers"] if p["name"] == "btrfs"]')" = \
	"[('btrfs', 'system')]" ] || fail "list providers --json: $(cat "$TMP/out")"
[ "$(out_json 'd["count"] == len(d["providers"])')" = True ] || fail "list providers count"
BTRFS=$(out_json '[p["provider_id"] for p in d["providers"] if p["name"] == "btrfs"][0]')

# ---- shadows -------------------------------------------------------------
run list shadows
expect_rc 0 "list shadows with none"
expect_in out "count: 0" "list shadows with none"
run list shadows --json
check_schema list_shadows "list shadows --json with none"
[ "$(out_json 'd')" = "{'sets': [], 'count': 0}" ] || fail "list shadows --json with none"

# A set of both volumes, then one of VOL alone.
make_set "$VOL" "$VOL2" >/dev/null
P1=$(shadow_ids "s['volume'] == '$VOL'")
P2=$(shadow_ids "s['volume'] == '$VOL2'")
ONE=$(make_set "$VOL")
PSET=$(shadow_field "$P1" snapshot_set_id)
OSET=$(shadow_field "$ONE" snapshot_set_id)

run list shadows
expect_rc 0 "list shadows"
for want in "  - snapshot set id: $PSET" "    snapshot count: 2" \
	"      - snapshot id: $P1" "      - snapshot id: $P2" \
	"  - snapshot set id: $OSET" "      - snapshot id: $ONE" \
	"        volume: $VOL2" "        provider name: btrfs" \
	"        provider id: $BTRFS" "        persistent: yes" \
	"        device: " "count: 3"; do
	expect_in out "$want" "list shadows"
done
run list shadows --json
check_schema list_shadows "list shadows --json"
# Grouped by set (vssadmin list shadows): two sets, of 2 and 1.
[ "$(out_json 'sorted((s["snapshot_set_id"], s["snapshot_count"], sorted(c["snapshot_id"] for c in s["shadow_copies"])) for s in d["sets"])')" = \
	"$(python3 -c 'import sys; print(sorted([(sys.argv[1], 2, sorted([sys.argv[2], sys.argv[3]])), (sys.argv[4], 1, [sys.argv[5]])]))' "$PSET" "$P1" "$P2" "$OSET" "$ONE")" ] ||
	fail "list shadows --json sets: $(cat "$TMP/out")"
[ "$(out_json 'all(c["persistent"] and c["attributes"] & 1 and c["exposed_name"] is None and c["provider_name"] == "btrfs" and c["created"] > 0 for s in d["sets"] for c in s["shadow_copies"])')" = True ] ||
	fail "list shadows --json fields: $(cat "$TMP/out")"
dev=$(shadow_field "$ONE" device)
[ -d "$dev/data" ] || fail "the device of a shadow copy ($dev) does not hold the volume"

# Filters, alone and together.
run list shadows --set "{$PSET}" --json
[ "$(out_json 'sorted(c["snapshot_id"] for s in d["sets"] for c in s["shadow_copies"])')" = \
	"$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$P1" "$P2")" ] ||
	fail "list shadows --set: $(cat "$TMP/out")"
run list shadows --id "$ONE" --json
[ "$(out_json '[c["snapshot_id"] for s in d["sets"] for c in s["shadow_copies"]]')" = "['$ONE']" ] ||
	fail "list shadows --id: $(cat "$TMP/out")"
run list shadows --volume "$VOL2/"
expect_rc 0 "list shadows --volume"
expect_in out "snapshot id: $P2" "list shadows --volume"
expect_in out "count: 1" "list shadows --volume"
run list shadows --volume "$VOL" --set "$OSET" --json
[ "$(out_json 'd["count"]')" = 1 ] || fail "list shadows --volume --set: $(cat "$TMP/out")"
run list shadows --id "$ID"
expect_rc 0 "list shadows --id of no shadow copy"
expect_in out "count: 0" "list shadows --id of no shadow copy"
run list shadows --volume "$TMP/nonexistent"
expect_rc 1 "list shadows --volume of a missing path"
expect_in err "vss: list: $TMP/nonexistent: ENOENT" "list shadows --volume of a missing path"

# ---- volumes -------------------------------------------------------------
run list volumes
expect_rc 0 "list volumes"
for want in "  - volume: $VOL" "    fstype: btrfs" "    supported: yes" \
	"      - provider id: $BTRFS" "        name: btrfs" \
	"    snapshotted: yes" "    shadow copies: 2"; do
	expect_in out "$want" "list volumes"
done
expect_not_in out "fstype: proc" "list volumes leaves out proc"
expect_not_in out "fstype: sysfs" "list volumes leaves out sysfs"
run list volumes --json
check_schema list_volumes "list volumes --json"
[ "$(out_json 'sorted((v["volume"], v["supported"], [p["name"] for p in v["providers"]], v["snapshotted"], v["shadow_copies"]) for v in d["volumes"] if v["volume"] in ("'"$VOL"'", "'"$VOL2"'"))')" = \
	"[('$VOL', True, ['btrfs'], True, 2), ('$VOL2', True, ['btrfs'], True, 1)]" ] ||
	fail "list volumes --json: $(cat "$TMP/out")"
[ "$(out_json '[v["fstype"] for v in d["volumes"] if v["fstype"] in ("proc", "sysfs", "cgroup2", "devpts", "mqueue")]')" = "[]" ] ||
	fail "list volumes shows pseudo file systems"
[ "$(out_json 'd["count"] == len(d["volumes"])')" = True ] || fail "list volumes count"
# A file system no provider takes is listed as unsupported.
mkdir "$TMP/tmpfs"
mount -t tmpfs tmpfs "$TMP/tmpfs"
run list volumes --json
umount "$TMP/tmpfs"
[ "$(out_json '[(v["supported"], v["providers"], v["snapshotted"]) for v in d["volumes"] if v["volume"] == "'"$TMP/tmpfs"'"]')" = \
	"[(False, [], False)]" ] || fail "list volumes: tmpfs: $(cat "$TMP/out")"

# An exposed shadow copy is not a volume of its own.
mkdir "$TMP/exp"
"$VSS" expose "$ONE" "$TMP/exp" >/dev/null || fail "expose"
run list volumes --json
[ "$(out_json '[v for v in d["volumes"] if v["volume"] == "'"$TMP/exp"'"]')" = "[]" ] ||
	fail "list volumes lists an exposure"
run list shadows --id "$ONE"
expect_in out "exposed name: $TMP/exp" "list shadows shows the exposure"
"$VSS" delete --all --yes >/dev/null || fail "delete --all"

# ---- writers' last sessions (vssadmin list writers) ----------------------
# A writer that failed Freeze in the last backup shows that state and
# error afterwards, and one that fails Identify is listed too; listing
# sends no event, so a second listing shows the same (vss status too).
sys_writer w3 --fail freeze:retryable:always \
	--component w3data="$VOL/data"
sys_writer w4 --fail identify:always
W3=$(cut -d' ' -f2 "$TMP/writer-w3.ready")
W4=$(cut -d' ' -f2 "$TMP/writer-w4.ready")
run create "$VOL"
expect_rc 1 "create with a writer that fails Freeze"
expect_in err "w3: VSS_E_WRITERERROR_RETRYABLE" "create names the failed writer"
for pass in 1 2; do
	run list writers --json
	expect_rc 0 "list writers after a failed backup ($pass)"
	check_schema list_writers "list writers --json after a failed backup"
	[ "$(out_json 'sorted((w["instance_id"], w["state_code"], w["last_error"], w["failure"]) for w in d["writers"] if w["name"] in ("w3", "w4"))')" = \
		"$(python3 -c 'import sys; print(sorted([(sys.argv[1], 9, "Retryable error", "VSS_E_WRITERERROR_RETRYABLE"), (sys.argv[2], 6, "Non-retryable error", "VSS_E_WRITERERROR_NONRETRYABLE")]))' "$W3" "$W4")" ] ||
		fail "list writers after a failed backup ($pass): $(cat "$TMP/out")"
	[ "$(out_json '[(w["state"], w["failure"]) for w in d["writers"] if w["name"] == "w1"]')" = \
		"[('[1] Stable', 'VSS_OK')]" ] ||
		fail "list writers: w1 after a backup it did well in: $(cat "$TMP/out")"
done
# A metadata gather (an Identify) is no backup: the states stay (BK-012).
run list writers --verbose --json
expect_rc 0 "list writers --verbose after a failed backup"
[ "$(out_json '[(w["state_code"], w["last_error"]) for w in d["writers"] if w["name"] == "w3"]')" = \
	"[(9, 'Retryable error')]" ] ||
	fail "list writers --verbose: w3 after a failed backup: $(cat "$TMP/out")"
run list writers
for want in "  - name: w3" "    state: [9] Failed" \
	"    last error: Retryable error" "  - name: w4" "count: 4"; do
	expect_in out "$want" "list writers after a failed backup"
done
run status --json
expect_rc 0 "status after a failed backup"
[ "$(out_json 'sorted(w["name"] for w in d["writers"]["failed"])')" = \
	"['w3', 'w4']" ] || fail "status failed writers: $(cat "$TMP/out")"
[ "$(out_json 'd["writers"]["count"]')" = 4 ] || fail "status writer count: $(cat "$TMP/out")"
run status
expect_in out "last error: Retryable error" "status shows w3's last error"

finish
