# "vss metadata FILE --save OUT" writes the document in our spelling: the
# saved file loads again with the same content (MD-062), saving it again
# gives the same bytes (a fixed point), and a failed save leaves nothing.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# same_json A B WHAT: two --json outputs describe the same document.
same_json() {
	python3 - "$1" "$2" <<'PY' || fail "$3: content changed"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
}

for f in "$EXAMPLES"/*.xml; do
	name=$(basename "$f" .xml)
	run metadata "$f" --json --save "$TMP/$name.1.xml"
	expect_rc 0 "save $name"
	expect_empty err "save $name"
	cp "$TMP/out" "$TMP/$name.orig.json"
	[ -s "$TMP/$name.1.xml" ] || fail "save $name: nothing written"
	[ ! -e "$TMP/$name.1.xml.tmp" ] || fail "save $name: temp file left"

	run metadata "$TMP/$name.1.xml" --json --save "$TMP/$name.2.xml"
	expect_rc 0 "reload $name"
	same_json "$TMP/$name.orig.json" "$TMP/out" "reload $name"
	cmp -s "$TMP/$name.1.xml" "$TMP/$name.2.xml" ||
		fail "save $name: a second save differs from the first"
done

# The save replaces an existing file.
echo "old content" >"$TMP/existing.xml"
run metadata "$EXAMPLES/backup.bcd.xml" --save "$TMP/existing.xml"
expect_rc 0 "save over an existing file"
grep -q BACKUP_COMPONENTS "$TMP/existing.xml" ||
	fail "save over an existing file: not replaced"

# A directory that does not exist: exit 1, the errno named, no file.
run metadata "$EXAMPLES/backup.bcd.xml" --save "$TMP/no/such/dir/out.xml"
expect_rc 1 "save into a missing directory"
expect_in err "vss: metadata: $TMP/no/such/dir/out.xml: ENOENT: " \
	"save into a missing directory"
[ ! -e "$TMP/no" ] || fail "save into a missing directory created it"

# An invalid document is not saved.
echo "<WRITER_METADATA" >"$TMP/broken.xml"
run metadata "$TMP/broken.xml" --save "$TMP/broken.out.xml"
expect_rc 1 "save of an invalid document"
[ ! -e "$TMP/broken.out.xml" ] && [ ! -e "$TMP/broken.out.xml.tmp" ] ||
	fail "an invalid document was saved"

finish
