# tests/cli/common.sh - helpers for the CLI tests, sourced by each test.
#
# A test is run by meson as "bash test_X.sh /path/to/vss"; VSS_SOURCE_ROOT
# and VSS_TESTDATA come from the test environment.  Exit 0 passes, 77 skips,
# anything else fails.

set -euo pipefail
# A failure inside $(...) ends the substitution with its status too, so
# that "x=$(f)" fails when any step of f fails.
shopt -s inherit_errexit

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: bash $0 PATH_TO_VSS" >&2
	exit 2
fi
VSS=$1
SRC=${VSS_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
EXAMPLES=$SRC/examples
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run ARGS...: run vss, keeping its exit code in $rc and its output in
# $TMP/out and $TMP/err.
run() {
	rc=0
	"$VSS" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}

# expect_rc CODE WHAT: the last run exited with CODE.
expect_rc() {
	if [ "$rc" -ne "$1" ]; then
		fail "$2: exit code $rc, expected $1; stderr:"
		sed 's/^/    /' "$TMP/err" >&2
	fi
}

# expect_in out|err TEXT WHAT: the output has a line containing TEXT.
expect_in() {
	if ! grep -qF -- "$2" "$TMP/$1"; then
		fail "$3: std$1 lacks '$2'; it was:"
		sed 's/^/    /' "$TMP/$1" | head -40 >&2
	fi
}

# expect_not_in out|err TEXT WHAT
expect_not_in() {
	if grep -qF -- "$2" "$TMP/$1"; then
		fail "$3: std$1 has '$2'"
	fi
}

# expect_empty out|err WHAT
expect_empty() {
	if [ -s "$TMP/$1" ]; then
		fail "$2: std$1 is not empty:"
		sed 's/^/    /' "$TMP/$1" | head -20 >&2
	fi
}

# to_utf16 IN OUT: the document as UTF-16LE with a byte-order mark.
to_utf16() {
	python3 - "$1" "$2" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
open(sys.argv[2], "wb").write(b"\xff\xfe" + text.encode("utf-16-le"))
PY
}

finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) failed" >&2
		exit 1
	fi
	echo "all checks passed"
}
