# Documents Windows wrote (../shared/testdata/windows, outside the
# project): each loads, prints as text and JSON, and re-saves to a fixed
# point (MD-060, MD-062).
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dir=${VSS_TESTDATA:-}/windows
if [ -z "${VSS_TESTDATA:-}" ] || [ ! -d "$dir" ]; then
	echo "skipped: no Windows test documents at '$dir'"
	exit 77
fi

n=0
for f in "$dir"/*.xml; do
	n=$((n + 1))
	run metadata "$f"
	expect_rc 0 "$f"
	grep -qE '^type: (wmd|bcd)$' "$TMP/out" || fail "$f: no type line"
	run metadata "$f" --json --save "$TMP/1.xml"
	expect_rc 0 "$f --json --save"
	python3 -m json.tool "$TMP/out" >/dev/null || fail "$f: bad JSON"
	run metadata "$TMP/1.xml" --save "$TMP/2.xml"
	expect_rc 0 "$f saved"
	cmp -s "$TMP/1.xml" "$TMP/2.xml" || fail "$f: second save differs"
done
[ "$n" -gt 0 ] || fail "no documents in $dir"

# The one Backup Components Document is read as one.
run metadata "$dir/no_sql_BCDocument.xml"
expect_in out "type: bcd" "windows bcd"
expect_in out "  - class id: 75dfb225-e2e4-4d39-9ac9-ffaff65ddf06" \
	"windows bcd: writer ids print lower case"

finish
