# Usage errors exit 2, say what is wrong on stderr and print nothing on
# stdout.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# usage_error EXPECTED_STDERR ARGS...
usage_error() {
	local want=$1
	shift
	run "$@"
	expect_rc 2 "vss $*"
	expect_in err "$want" "vss $*"
	expect_empty out "vss $*"
}

usage_error "usage: vss [--version] [--help] COMMAND [ARGS]"
usage_error "vss: 'nosuch' is not a vss command" nosuch
usage_error "vss: unknown option '--bogus'" --bogus
usage_error "vss: help: 'nosuch' is not a vss command" help nosuch
usage_error "vss: help: too many arguments" help metadata metadata
usage_error "vss: metadata: no FILE given" metadata
usage_error "usage: vss metadata FILE [--json] [--save OUT]" metadata
usage_error "vss: metadata: unexpected argument 'b.xml'" \
	metadata a.xml b.xml
usage_error "vss: metadata: unknown option '--bogus'" \
	metadata --bogus a.xml
usage_error "vss: metadata: unknown option '-x'" metadata -x a.xml
# Inside a cluster: the letter, not the argument before the cluster.
usage_error "vss: metadata: unknown option '-x'" metadata -xh a.xml
usage_error "vss: list: unknown option '-x'" list --json -xh
expect_not_in err "'--json'" "vss list --json -xh"
usage_error "vss: metadata: option '--save' needs a value" \
	metadata a.xml --save
# A usage error wins over the file: nothing is read or written.
usage_error "vss: metadata: unknown option '--bogus'" \
	metadata "$EXAMPLES/backup.bcd.xml" --save "$TMP/never.xml" --bogus
[ ! -e "$TMP/never.xml" ] || fail "a usage error still saved the file"
# restore: the command line is checked before the set is read.
usage_error "vss: restore: no BACKUPSET given" restore
usage_error "usage: vss restore BACKUPSET" restore
usage_error "vss: restore: unexpected argument 'b'" restore a b
usage_error "vss: restore: --method 'bogus': if-can-replace" \
	restore --method bogus "$TMP/no-set"
usage_error "vss: restore: --component 'x': give WRITER:LOGICAL/PATH/NAME" \
	restore --component x "$TMP/no-set"
usage_error "are for writers: not with --no-writers" \
	restore --no-writers --authoritative "$TMP/no-set"
usage_error "vss: restore: option '--to' needs a value" restore x --to
usage_error "vss: restore: --to: an empty directory name" \
	restore --to "" "$TMP/no-set"

finish
