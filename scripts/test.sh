#!/usr/bin/env bash
# The whole test suite: install the dependencies, then
#   (a) build with -Werror and run every meson test,
#   (b) the same under AddressSanitizer and UndefinedBehaviorSanitizer,
#   (c) each fuzzer for a short, bounded time,
# and end with one line "tests: N passed, M failed, K skipped" counted over
# the meson tests of (a) and (b); a stage that fails before its tests run
# (setup, build, fuzzers) counts as one failure.  Exits non-zero on any
# failure.  Build directories are reused, reconfigured each time.
set -euo pipefail
cd "$(dirname "$0")/.."
# The root tests run mkfs.*, losetup and fsfreeze from /usr/sbin and
# /sbin, which a PATH inherited through Debian's "su" (without "-") lacks.
PATH=$PATH:/usr/sbin:/sbin

./scripts/install-deps.sh

status=0
stage_failures=0
testlogs=()

# setup DIR OPTIONS...: configure DIR, reusing it when it holds a build.
setup() {
	local dir=$1
	shift
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$dir" "$@"
	else
		meson setup "$dir" "$@"
	fi
}

# suite DIR OPTIONS... : setup, build and test one configuration.  The
# environment for the tests is given by the caller.
suite() {
	local dir=$1
	shift
	echo "==> $dir: meson setup $*"
	rm -f "$dir/meson-logs/testlog.json"
	if ! setup "$dir" "$@" || ! ninja -C "$dir"; then
		echo "==> $dir: build FAILED" >&2
		stage_failures=$((stage_failures + 1))
		status=1
		return
	fi
	echo "==> $dir: meson test"
	meson test -C "$dir" --print-errorlogs || status=1
	testlogs+=("$dir/meson-logs/testlog.json")
}

suite build-ci -Dwerror=true
ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	suite build-asan -Dwerror=true -Db_sanitize=address,undefined \
	-Db_lundef=false

echo "==> fuzzers: tests/fuzz/run.sh 30"
if [ -x tests/fuzz/run.sh ]; then
	if ! tests/fuzz/run.sh 30; then
		echo "==> fuzzers FAILED" >&2
		stage_failures=$((stage_failures + 1))
		status=1
	fi
else
	echo "==> fuzzers FAILED: tests/fuzz/run.sh is missing or not" \
		"executable" >&2
	stage_failures=$((stage_failures + 1))
	status=1
fi

python3 - "$stage_failures" "${testlogs[@]}" <<'PY'
import json, sys

passed = skipped = 0
failed = int(sys.argv[1])
for path in sys.argv[2:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        # meson test stopped before writing its log: count it as failed.
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
