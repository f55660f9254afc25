# "vss writer-metadata" against real writers (vshadow -wm3): every
# writer's document as XML, as JSON with the exact keys of
# docs/cli-json.md, and saved one file per instance with --save, which
# "vss metadata" reads back to the same content; a standard output that
# cannot be written fails it.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"
. "$(dirname "${BASH_SOURCE[0]}")/manage.sh"

export VSS_SOCKET=$TMP/nowhere.sock
run writer-metadata extra
expect_rc 2 "writer-metadata with an operand"
expect_in err "vss: writer-metadata: unexpected argument 'extra'" "writer-metadata extra"
expect_in err "usage: vss writer-metadata [--save DIR] [--json]" "writer-metadata extra"
run writer-metadata --save
expect_rc 2 "writer-metadata --save without DIR"
expect_in err "vss: writer-metadata: option '--save' needs a value" "--save without DIR"
run writer-metadata --save ""
expect_rc 2 "writer-metadata --save ''"
expect_in err "vss: writer-metadata: --save needs a directory" "--save ''"
run writer-metadata --help
expect_rc 0 "writer-metadata --help"
expect_in out "usage: vss writer-metadata [--save DIR] [--json]" "writer-metadata --help"
expect_in out "DIR/INSTANCE_ID.xml" "writer-metadata --help describes --save"
expect_in out "should two documents still share one, nothing is" \
	"writer-metadata --help says instance ids cannot collide"
run writer-metadata --save "$TMP/never"
expect_rc 1 "writer-metadata without vssd"
expect_in err "$TMP/nowhere.sock: ENOENT: cannot reach vssd" "writer-metadata without vssd"
[ ! -e "$TMP/never" ] || fail "writer-metadata without vssd made the directory"

sys_require
VOL=$(sys_btrfs vol)
mkdir -p "$VOL/db" "$VOL/logs" "$VOL/cache"
sys_vssd
sys_writer w1 --instance-name first --component app/db="$VOL/db" \
	--component app/logs="$VOL/logs"
sys_writer w2 --usage SYSTEM_SERVICE --exclude-from-snapshot "$VOL/cache/*.tmp:r"
W1=$(cut -d' ' -f2 "$TMP/writer-w1.ready")
W2=$(cut -d' ' -f2 "$TMP/writer-w2.ready")

# XML: one document per writer, each after its header line.
run writer-metadata
expect_rc 0 "writer-metadata"
expect_empty err "writer-metadata"
expect_in out "# writer w1, instance $W1" "writer-metadata"
expect_in out "# writer w2, instance $W2" "writer-metadata"
python3 - "$TMP/out" "$W1" "$W2" <<'PY' || fail "writer-metadata XML documents"
import re, sys
import xml.etree.ElementTree as ET
text = open(sys.argv[1]).read()
parts = re.split(r"^# writer (\S+), instance (\S+)\n", text, flags=re.M)
assert parts[0] == "", parts[0]
docs = {}
for name, inst, xml in zip(parts[1::3], parts[2::3], parts[3::3]):
    root = ET.fromstring(xml)
    assert root.tag.endswith("WRITER_METADATA"), root.tag
    ident = root.find("{*}IDENTIFICATION")
    assert ident.get("instanceId") == inst and ident.get("friendlyName") == name
    docs[name] = inst
assert docs == {"w1": sys.argv[2], "w2": sys.argv[3]}, docs
PY

# Standard output that cannot be written fails the command (exit 1),
# in text and in JSON.
for args in "" "--json"; do
	rc=0
	"$VSS" writer-metadata $args >/dev/full 2>"$TMP/err" || rc=$?
	expect_rc 1 "writer-metadata $args >/dev/full"
	expect_in err "vss: writer-metadata: standard output: EIO" \
		"writer-metadata $args >/dev/full"
done

# JSON: {"writers": [...], "count": N}, the documents in the schema of
# "vss metadata --json".
run writer-metadata --json
expect_rc 0 "writer-metadata --json"
check_schema writer_metadata "writer-metadata --json"
cp "$TMP/out" "$TMP/all.json"
[ "$(out_json 'd["count"]')" = 2 ] || fail "writer-metadata --json count"
[ "$(out_json 'sorted((m["identity"]["friendly_name"], m["identity"]["instance_id"], m["identity"]["instance_name"], m["identity"]["usage"], [(c["logical_path"], c["name"]) for c in m["components"]], [f["path"] for f in m["exclude_files_from_snapshot"]]) for m in d["writers"])')" = \
	"[('w1', '$W1', 'first', 'USER_DATA', [('app', 'db'), ('app', 'logs')], []), ('w2', '$W2', None, 'SYSTEM_SERVICE', [], ['$VOL/cache'])]" ] ||
	fail "writer-metadata --json: $(cat "$TMP/out")"

# --save DIR: DIR and its parents made; one file per instance, listed.
run writer-metadata --save "$TMP/saved/wm"
expect_rc 0 "writer-metadata --save"
expect_in out "file: $TMP/saved/wm/$W1.xml" "writer-metadata --save"
expect_in out "file: $TMP/saved/wm/$W2.xml" "writer-metadata --save"
expect_in out "count: 2" "writer-metadata --save"
[ "$(ls "$TMP/saved/wm" | sort)" = "$(printf '%s.xml\n' "$W1" "$W2" | sort)" ] ||
	fail "writer-metadata --save wrote: $(ls "$TMP/saved/wm")"
run writer-metadata --save "$TMP/saved/wm" --json
expect_rc 0 "writer-metadata --save --json (again, over the files)"
check_schema writer_metadata_save "writer-metadata --save --json"
[ "$(out_json 'sorted((s["name"], s["instance_id"], s["file"]) for s in d["saved"])')" = \
	"[('w1', '$W1', '$TMP/saved/wm/$W1.xml'), ('w2', '$W2', '$TMP/saved/wm/$W2.xml')]" ] ||
	fail "writer-metadata --save --json: $(cat "$TMP/out")"

# Round trip: each saved file reads back as the document gathered.
for w in "$W1" "$W2"; do
	run metadata "$TMP/saved/wm/$w.xml" --json
	expect_rc 0 "vss metadata on the saved $w.xml"
	python3 - "$TMP/all.json" "$TMP/out" "$w" <<'PY' || fail "round trip of $w.xml"
import json, sys
gathered = [m for m in json.load(open(sys.argv[1]))["writers"]
            if m["identity"]["instance_id"] == sys.argv[3]]
sys.exit(0 if gathered == [json.load(open(sys.argv[2]))] else 1)
PY
done

# A DIR that cannot be made fails and writes nothing.
touch "$TMP/file"
run writer-metadata --save "$TMP/file/sub"
expect_rc 1 "writer-metadata --save under a file"
expect_in err "vss: writer-metadata: $TMP/file/sub: ENOTDIR" "--save under a file"
expect_empty out "writer-metadata --save under a file"

finish
