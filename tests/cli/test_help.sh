# The help texts: "vss --help", "vss help [CMD]", "vss CMD --help",
# "vss --version".  Help asked for goes to stdout and exits 0.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

for args in "--help" "-h" "help" "help --help"; do
	run $args
	expect_rc 0 "vss $args"
	expect_in out "usage: vss [--version] [--help] COMMAND [ARGS]" \
		"vss $args"
	expect_in out "  metadata " "vss $args lists the commands"
	expect_empty err "vss $args"
done

for args in "help metadata" "metadata --help" "metadata -h" \
	"metadata examples.xml --help"; do
	run $args
	expect_rc 0 "vss $args"
	expect_in out "usage: vss metadata FILE [--json] [--save OUT]" \
		"vss $args"
	expect_in out "--json" "vss $args describes --json"
	expect_in out "--save OUT" "vss $args describes --save"
	expect_empty err "vss $args"
done

run --version
expect_rc 0 "vss --version"
grep -qE '^vss [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/out" ||
	fail "vss --version prints '$(cat "$TMP/out")'"

finish
