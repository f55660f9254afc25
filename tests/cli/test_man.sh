# The manual page docs/vss.1 renders without a warning and cannot drift
# from the code: every command "vss --help" lists has a subsection
# '.SS "vss CMD"', every long option of "vss CMD --help" is described in
# that subsection, and every long option the subsection names is one the
# command has.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

page=$SRC/docs/vss.1
[ -f "$page" ] || { echo "no $page" >&2; exit 1; }
if ! command -v groff >/dev/null; then
	echo "SKIP: groff is not installed (scripts/install-deps.sh installs it)"
	exit 77
fi

# -ww: every warning; CHECKSTYLE: the man macros' own usage checks.
if ! LC_ALL=C.UTF-8 groff -man -ww -z -rCHECKSTYLE=3 "$page" \
	>"$TMP/groff" 2>&1; then
	fail "groff failed on $page"
fi
if [ -s "$TMP/groff" ]; then
	fail "groff warns about $page:"
	sed 's/^/    /' "$TMP/groff" >&2
fi

# The page's lines as a reader sees their words: roff's \- as -, font
# escapes, \& and \% removed.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\%//g' "$page" >"$TMP/page"

# subsection CMD: the lines of '.SS "vss CMD"', up to the next .SS or .SH.
subsection() {
	awk -v want=".SS \"vss $1\"" '
		$0 == want { on = 1; next }
		/^\.S[SH]( |$)/ { on = 0 }
		on' "$TMP/page"
}

# long_options: the distinct --options in standard input.
long_options() {
	grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

run --help
expect_rc 0 "vss --help"
commands=$(awk '/^commands:/ { on = 1; next } on && /^$/ { exit }
	on { print $1 }' "$TMP/out")
[ -n "$commands" ] || fail "no commands in 'vss --help'"

grep -qF -- '\-\-help' "$page" || fail "the page does not mention --help"

for cmd in $commands; do
	subsection "$cmd" >"$TMP/section"
	if ! grep -q . "$TMP/section"; then
		fail "the page has no subsection '.SS \"vss $cmd\"'"
		continue
	fi
	run "$cmd" --help
	expect_rc 0 "vss $cmd --help"
	# --help itself is described once, for every command.
	long_options <"$TMP/out" | grep -vx -- --help >"$TMP/code-options" || true
	long_options <"$TMP/section" >"$TMP/page-options" || true
	while read -r opt; do
		grep -qx -- "$opt" "$TMP/page-options" ||
			fail "vss $cmd: $opt is in --help but not in the page"
	done <"$TMP/code-options"
	while read -r opt; do
		[ "$opt" = --help ] && continue
		grep -qx -- "$opt" "$TMP/code-options" ||
			fail "vss $cmd: the page describes $opt, which --help lacks"
	done <"$TMP/page-options"
done

# Every subsection is a command (none left over from a removed one).
grep -oE '^\.SS "vss [^"]+"' "$TMP/page" | sed 's/^\.SS "vss \(.*\)"$/\1/' |
	while read -r cmd; do
		grep -qx -- "$cmd" <<<"$commands" ||
			echo "$cmd"
	done >"$TMP/extra"
[ -s "$TMP/extra" ] &&
	fail "subsections for commands vss does not have: $(tr '\n' ' ' <"$TMP/extra")"

finish
