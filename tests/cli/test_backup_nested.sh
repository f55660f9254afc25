# "vss backup" of trees that hold mount points (spec backup.md BK-076,
# BK-143), on loop-mounted btrfs volumes with a vss-test-writer: a btrfs
# volume mounted inside a component's recursive directory joins the set,
# and the walk goes on in its shadow copy, recording its files under its
# own index; a mount of a volume not in the set (a tmpfs, or that btrfs
# volume when only a plain path is backed up) is reported skipped and not
# gone into; the mount point itself is a directory of the outer volume
# in its btrfs shadow copy, recorded there.  Also: a leftover DIR.partial
# is found before any shadow copy is made.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
vol=$(sys_btrfs vol)
inner_src=$(sys_btrfs inner)
sys_vssd

# json EXPR: evaluate a python expression on the last JSON output (j).
json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$TMP/out" "$1"
}

# manifest SET EXPR: the same on SET's manifest.json (m['entries']).
manifest() {
	python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; m={"entries": [e for e in r if e.get("kind") == "entry"]}; print(eval(sys.argv[2]))' \
		"$1/manifest.json" "$2"
}

# index_of VOLUME: the index of VOLUME in the last JSON report.
index_of() {
	json "[v['index'] for v in j['backup']['volumes'] if v['volume'] == '$1'][0]"
}

# The second btrfs volume moves to $vol/db/inner: mounted there, inside
# alpha's recursive directory.  sys_cleanup unmounts it (innermost
# first) and detaches its loop device by the image.
mkdir -p "$vol/db/inner" "$vol/plain/tmp"
echo outer >"$vol/db/main.db"
chmod 0711 "$vol/db/inner"
dev=$(findmnt -n -o SOURCE "$inner_src")
umount "$inner_src"
mount "$dev" "$vol/db/inner"
inner=$vol/db/inner
mkdir -p "$inner/deep"
echo in >"$inner/f.db"
echo deeper >"$inner/deep/g.db"
chmod 0750 "$inner"
# A tmpfs inside a plain path: no volume of any set.
echo p >"$vol/plain/file"
mount -t tmpfs -o size=1m vss-test-tmpfs "$vol/plain/tmp"
echo hidden >"$vol/plain/tmp/t"
sys_writer alpha --component app/db="$vol/db"

# ---- a btrfs volume inside a component's recursive directory ----------
run backup --writer alpha --to "$TMP/set1" --json
expect_rc 0 "backup of a component holding a mounted volume"
[ "$(json "sorted(v['volume'] for v in j['backup']['volumes'])")" = \
	"$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$vol" "$inner")" ] ||
	fail "set1 volumes: $(json "j['backup']['volumes']")"
[ "$(json "j['backup']['skipped']")" = "[]" ] ||
	fail "set1 skipped: $(json "j['backup']['skipped']")"
io=$(index_of "$vol")
ii=$(index_of "$inner")
[ "$(cat "$TMP/set1/data/$ii/f.db")" = in ] ||
	fail "set1 lacks f.db under the inner volume's index"
[ "$(cat "$TMP/set1/data/$ii/deep/g.db")" = deeper ] ||
	fail "set1 lacks deep/g.db under the inner volume's index"
[ "$(cat "$TMP/set1/data/$io/db/main.db")" = outer ] || fail "set1 lacks db/main.db"
# The outer volume's directory under the mount: recorded, empty there.
[ -d "$TMP/set1/data/$io/db/inner" ] ||
	fail "set1 does not record the mount point on the outer volume"
[ -z "$(ls -A "$TMP/set1/data/$io/db/inner")" ] ||
	fail "set1 holds inner files under the outer volume's index"
[ "$(manifest "$TMP/set1" "sorted((e['volume'], e['path']) for e in m['entries'] if e['type'] == 'file')")" = \
	"[($io, 'db/main.db'), ($ii, 'deep/g.db'), ($ii, 'f.db')]" ] ||
	fail "set1 files: $(manifest "$TMP/set1" "[(e['volume'], e['path']) for e in m['entries']]")"
# Each directory keeps its own mode: the mounted root's, the outer one's.
[ "$(manifest "$TMP/set1" "sorted((e['volume'], e['path'], oct(e['mode'])) for e in m['entries'] if (e['volume'], e['path']) in (($io, 'db/inner'), ($ii, '')))")" = \
	"[($io, 'db/inner', '0o711'), ($ii, '', '0o750')]" ] ||
	fail "set1 mount point modes: $(manifest "$TMP/set1" "[(e['volume'], e['path'], oct(e['mode'])) for e in m['entries']]")"
[ "$(json "[c['succeeded'] for c in j['backup']['components']]")" = "[True]" ] ||
	fail "set1 components: $(json "j['backup']['components']")"
run verify "$TMP/set1"
expect_rc 0 "vss verify set1"

# ---- mounts of volumes not in the set, inside plain paths ---------------
run backup --no-writers "$vol/plain" --to "$TMP/set2" --json
expect_rc 0 "backup of a plain path holding a tmpfs"
[ "$(json "[(s['path'], s['reason']) for s in j['backup']['skipped']]")" = \
	"[('$vol/plain/tmp', 'mount point of a volume not in the shadow copy set')]" ] ||
	fail "set2 skipped: $(json "j['backup']['skipped']")"
expect_in err "warning: $vol/plain/tmp: mount point of a volume not in" \
	"the warning for the tmpfs"
[ "$(json "[v['volume'] for v in j['backup']['volumes']]")" = "['$vol']" ] ||
	fail "set2 volumes: $(json "j['backup']['volumes']")"
[ -d "$TMP/set2/data/0/plain/tmp" ] || fail "set2 lacks the mount point"
[ -e "$TMP/set2/data/0/plain/tmp/t" ] && fail "set2 holds the tmpfs's file"
[ "$(cat "$TMP/set2/data/0/plain/file")" = p ] || fail "set2 lacks plain/file"
run verify "$TMP/set2"
expect_rc 0 "vss verify set2"

# The whole outer volume as a plain path: the btrfs volume inside it is
# not in the set now, so it is skipped too; in text, the summary says so.
run backup --no-writers "$vol" --to "$TMP/set3"
expect_rc 0 "backup of a volume holding mounts"
expect_in out "skipped:" "the text summary"
expect_in out "path: $inner" "the text summary names the inner volume"
expect_in out "path: $vol/plain/tmp" "the text summary names the tmpfs"
[ -d "$TMP/set3/data/0/db/inner" ] || fail "set3 lacks the mount point"
[ -e "$TMP/set3/data/0/db/inner/f.db" ] && fail "set3 holds the inner volume's file"
[ -e "$TMP/set3/data/1" ] && fail "set3 has a second volume"

# Both volumes named: the walk of the outer one goes on in the inner
# one's shadow copy, as a file set's does; named twice, listed once.
run backup --no-writers "$vol" "$inner" --to "$TMP/set4" --json
expect_rc 0 "backup of two plain paths, one mounted in the other"
ii=$(index_of "$inner")
[ "$(cat "$TMP/set4/data/$ii/deep/g.db")" = deeper ] ||
	fail "set4 lacks deep/g.db under the inner volume's index"
[ "$(json "[s['path'] for s in j['backup']['skipped']]")" = "['$vol/plain/tmp']" ] ||
	fail "set4 skipped: $(json "j['backup']['skipped']")"
[ "$(manifest "$TMP/set4" "len([e for e in m['entries'] if e['volume'] == $ii and e['path'] == 'f.db'])")" = 1 ] ||
	fail "set4 records f.db more than once"
run verify "$TMP/set4"
expect_rc 0 "vss verify set4"

# ---- a DIR.partial left by an interrupted backup ----------------------
mkdir "$TMP/set9.partial"
before=$(grep -c $'\tprepare_backup\t' "$TMP/writer-alpha.log" || true)
run backup --writer alpha --to "$TMP/set9"
expect_rc 1 "backup --to DIR with a DIR.partial left"
expect_in err "vss: backup: $TMP/set9: " "the error names DIR"
expect_in err "DIR.partial is left by an interrupted backup: remove it" \
	"the error says what to do"
after=$(grep -c $'\tprepare_backup\t' "$TMP/writer-alpha.log" || true)
[ "$before" = "$after" ] ||
	fail "a DIR.partial left: alpha got prepare_backup before the check"
[ -d "$TMP/set9.partial" ] || fail "the leftover set9.partial was removed"
[ -e "$TMP/set9" ] && fail "set9 was made"
run list shadows --json
expect_rc 0 "vss list shadows"
[ "$(json "j['count']")" = 0 ] ||
	fail "a shadow copy is left: $(cat "$TMP/out")"

finish
