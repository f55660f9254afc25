#!/usr/bin/env bash
# The main job of this stage, end to end on a fresh machine: install the
# dependencies, build, and run "vss metadata" on the example documents:
# show them as text and JSON, re-save one and load the saved copy again.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
	printf '\n==> %s\n' "$*"
}

step "installing the build dependencies"
./scripts/install-deps.sh

step "building (meson + ninja in ./build)"
if [ ! -f build/build.ninja ]; then
	meson setup build
fi
ninja -C build

vss=build/cli/vss
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in examples/*.xml; do
	step "vss metadata $f"
	"$vss" metadata "$f"
done

step "vss metadata examples/backup.bcd.xml --json"
"$vss" metadata examples/backup.bcd.xml --json

saved=$tmp/postgresql-writer.saved.xml
step "vss metadata examples/postgresql-writer.wmd.xml --save $saved"
"$vss" metadata examples/postgresql-writer.wmd.xml --save "$saved" >/dev/null
cat "$saved"
echo

step "loading the saved copy again: vss metadata $saved"
"$vss" metadata "$saved" >/dev/null
echo "the saved copy is a valid Writer Metadata Document"

windows=../shared/testdata/windows/no_sql_WM5__SqlServerWriter.xml
if [ -f "$windows" ]; then
	step "a document Windows wrote: vss metadata $windows"
	"$vss" metadata "$windows"
fi

step "done"
