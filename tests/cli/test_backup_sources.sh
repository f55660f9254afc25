# Where "vss backup" reads what it copies, on loop-mounted btrfs volumes
# with vss-test-writer processes: a file set with an alternate path is
# read from it, on the same volume or another one, and recorded at its
# normal path, exclusions matched on the normal path (BK-140, MD-023,
# RS-074); a nested btrfs subvolume, an empty directory in the shadow
# copy, is reported as skipped, not copied; the btrfs provider's
# .vss-shadows is left out.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
vol2=$(sys_btrfs vol2)
sys_vssd

# json EXPR: evaluate a python expression on the last JSON output (j).
json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$TMP/out" "$1"
}

# manifest SET EXPR: the same on SET's manifest.json (m; one record a
# line, m['entries'] its entries).
manifest() {
	python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; m={"entries": [e for e in r if e.get("kind") == "entry"]}; print(eval(sys.argv[2]))' \
		"$1/manifest.json" "$2"
}

# ---- alternate paths ----------------------------------------------------
# The live database in db/ keeps changing; the writer leaves a consistent
# copy in spit/ (its alternate path) on the same volume, and the files of
# "cross" in cspit/ on the second volume, for a normal directory that
# does not exist.
mkdir -p "$vol/db" "$vol/spit/sub" "$vol2/cspit"
echo live >"$vol/db/main.db"
echo live-only >"$vol/db/only-live.db"
echo spit >"$vol/spit/main.db"
echo deeper >"$vol/spit/sub/more.db"
echo skip >"$vol/spit/skip.db"
echo cross >"$vol2/cspit/c.dat"
chmod 0750 "$vol/db"
cat >"$TMP/alt.conf" <<EOF
[writer]
name = alt
class_id = 3c1d6e0a-5b7f-4f4e-8d2a-1e9b0c7d5a33
exclude = $vol/db skip.db false

[component store]
files = $vol/db *.db true alternate=$vol/spit

[component cross]
files = $vol/cross *.dat false alternate=$vol2/cspit
EOF
sys_writer alt --config "$TMP/alt.conf"

run backup --writer alt --to "$TMP/set1" --json
expect_rc 0 "backup of file sets with alternate paths"
[ "$(json "j['backup']['succeeded']")" = True ] || fail "set1 not succeeded"
[ "$(json "sorted(v['volume'] for v in j['backup']['volumes'])")" = \
	"$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$vol" "$vol2")" ] ||
	fail "set1 volumes: $(json "j['backup']['volumes']")"
i=$(json "[v['index'] for v in j['backup']['volumes'] if v['volume'] == '$vol'][0]")
d=$TMP/set1/data/$i
[ "$(cat "$d/db/main.db")" = spit ] ||
	fail "db/main.db was not read from the alternate path: $(cat "$d/db/main.db")"
[ "$(cat "$d/db/sub/more.db")" = deeper ] || fail "set1 lacks db/sub/more.db"
[ "$(cat "$d/cross/c.dat")" = cross ] ||
	fail "cross/c.dat was not read from the second volume"
[ -e "$d/db/only-live.db" ] && fail "set1 holds a file of the live normal path"
[ -e "$d/db/skip.db" ] && fail "set1 holds skip.db, excluded on the normal path"
[ -e "$d/spit" ] && fail "set1 records the alternate path"
[ "$(json "j['backup']['excluded']")" = 1 ] ||
	fail "set1: excluded $(json "j['backup']['excluded']"), expected 1"
# The normal directory keeps its own metadata.
[ "$(manifest "$TMP/set1" "[oct(e['mode']) for e in m['entries'] if e['path'] == 'db' and e['volume'] == $i]")" = \
	"['0o750']" ] || fail "db's mode was not taken from the normal path"
[ "$(manifest "$TMP/set1" "sorted(e['path'] for e in m['entries'] if e['type'] == 'file')")" = \
	"['cross/c.dat', 'db/main.db', 'db/sub/more.db']" ] ||
	fail "set1 files: $(manifest "$TMP/set1" "[e['path'] for e in m['entries']]")"
run verify "$TMP/set1"
expect_rc 0 "vss verify set1"

# Only "cross": the set holds the second volume alone, so the normal
# path has no place in it; the component fails and says why.
run backup --component alt:cross --to "$TMP/set1b" --json
expect_rc 1 "an alternate path whose normal path is on no volume of the set"
expect_in err "$vol/cross: on no volume of the shadow copy set" \
	"the normal path outside the set"
[ "$(json "[(c['name'], c['succeeded']) for c in j['backup']['components']]")" = \
	"[('cross', False)]" ] || fail "set1b: $(json "j['backup']['components']")"

# ---- nested btrfs subvolumes, and the provider's .vss-shadows -----------
btrfs -q subvolume create "$vol/nested" >/dev/null
echo inner >"$vol/nested/file"
btrfs -q subvolume create "$vol/spit/sub/inner" >/dev/null
echo x >"$vol/spit/sub/inner/x.db"

run backup --no-writers "$vol" --to "$TMP/set2" --json
expect_rc 0 "backup of a volume with a nested subvolume"
[ "$(json "sorted((s['path'], s['reason']) for s in j['backup']['skipped'])")" = \
	"[('$vol/nested', 'btrfs subvolume not in the shadow copy'), ('$vol/spit/sub/inner', 'btrfs subvolume not in the shadow copy')]" ] ||
	fail "set2 skipped: $(json "j['backup']['skipped']")"
expect_in err "warning: $vol/nested: btrfs subvolume not in the shadow copy" \
	"the nested subvolume's warning"
[ -d "$vol/.vss-shadows" ] || fail "the btrfs provider made no .vss-shadows"
for p in .vss-shadows nested spit/sub/inner; do
	[ -e "$TMP/set2/data/0/$p" ] && fail "set2 holds $p"
	[ "$(manifest "$TMP/set2" "[e['path'] for e in m['entries'] if e['path'].startswith('$p')]")" = "[]" ] ||
		fail "set2's manifest names $p"
done
[ -f "$TMP/set2/data/0/db/main.db" ] || fail "set2 lacks db/main.db"

# Text: the same in the summary; a subvolume in a component's file set.
run backup --writer alt --to "$TMP/set3"
expect_rc 0 "backup of a file set holding a nested subvolume"
expect_in out "skipped:" "the text summary"
expect_in out "path: $vol/db/sub/inner" "the text summary"
expect_in err "warning: $vol/db/sub/inner: btrfs subvolume" "the warning"
[ -e "$TMP/set3/data/$i/db/sub/inner" ] && fail "set3 holds the subvolume"
run backup --help
expect_in out "nested" "vss backup --help"

finish
