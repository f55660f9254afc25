# The manual pages docs/vss.1, docs/vssd.8 and docs/vss-writerd.8 render
# without a warning and cannot drift from the code.  vss.1: every command
# "vss --help" lists has a subsection '.SS "vss CMD"', every long option of
# "vss CMD --help" is described in that subsection, and every long option
# the subsection names is one the command has.  vssd.8: its long options
# are exactly those of "vssd --help", and each option of daemon/main.c's
# table is described with its short form ("-f, --foreground").
# vss-writerd.8: its long options are exactly those of "vss-writerd
# --help".
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

page=$SRC/docs/vss.1
[ -f "$page" ] || { echo "no $page" >&2; exit 1; }
[ -f "$SRC/docs/vssd.8" ] || { echo "no $SRC/docs/vssd.8" >&2; exit 1; }
[ -x "${VSSD:-}" ] || { echo "VSSD is not set to vssd" >&2; exit 1; }
# groff is a dependency (groff-base): without it the setup is broken.
if ! command -v groff >/dev/null; then
	echo "groff is not installed: run scripts/install-deps.sh" >&2
	exit 1
fi

# render PAGE: groff renders it without a warning (-ww: every warning;
# CHECKSTYLE: the man macros' own usage checks).
render() {
	if ! LC_ALL=C.UTF-8 groff -man -ww -z -rCHECKSTYLE=3 "$1" \
		>"$TMP/groff" 2>&1; then
		fail "groff failed on $1"
	fi
	if [ -s "$TMP/groff" ]; then
		fail "groff warns about $1:"
		sed 's/^/    /' "$TMP/groff" >&2
	fi
}

# as_read PAGE: its lines as a reader sees their words: roff's \- as -,
# font escapes, \& and \% removed.
as_read() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\%//g' "$1"
}

render "$page"
as_read "$page" >"$TMP/page"

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

# ---- vssd.8 -------------------------------------------------------------
render "$SRC/docs/vssd.8"
as_read "$SRC/docs/vssd.8" >"$TMP/vssd-page"
rc=0
"$VSSD" --help >"$TMP/out" 2>"$TMP/err" || rc=$?
expect_rc 0 "vssd --help"
long_options <"$TMP/out" >"$TMP/code-options" || true
long_options <"$TMP/vssd-page" >"$TMP/page-options" || true
[ -s "$TMP/code-options" ] || fail "no options in 'vssd --help'"
while read -r opt; do
	grep -qx -- "$opt" "$TMP/page-options" ||
		fail "vssd: $opt is in --help but not in vssd.8"
done <"$TMP/code-options"
while read -r opt; do
	[ "$opt" = --help ] && continue
	grep -qx -- "$opt" "$TMP/code-options" ||
		fail "vssd.8 describes $opt, which 'vssd --help' lacks"
done <"$TMP/page-options"
# The option table, { "foreground", no_argument, NULL, 'f' }: "f foreground".
grep -oE "\{ \"[a-z-]+\", [a-z_]+, NULL, '.' \}" "$SRC/daemon/main.c" |
	tr -d "{}\",'" | awk '{ print $4, $1 }' >"$TMP/table" || true
[ -s "$TMP/table" ] || fail "no option table in daemon/main.c"
while read -r short long; do
	grep -qF -- "-$short \", \" --$long" "$TMP/vssd-page" ||
		fail "vssd.8 does not describe -$short, --$long"
done <"$TMP/table"

# ---- vss-writerd.8 ------------------------------------------------------
# Its long options are exactly those of "vss-writerd --help".
[ -x "${VSS_WRITERD:-}" ] || { echo "VSS_WRITERD is not set" >&2; exit 1; }
render "$SRC/docs/vss-writerd.8"
as_read "$SRC/docs/vss-writerd.8" >"$TMP/writerd-page"
rc=0
"$VSS_WRITERD" --help >"$TMP/out" 2>"$TMP/err" || rc=$?
expect_rc 0 "vss-writerd --help"
long_options <"$TMP/out" >"$TMP/code-options" || true
long_options <"$TMP/writerd-page" >"$TMP/page-options" || true
[ -s "$TMP/code-options" ] || fail "no options in 'vss-writerd --help'"
while read -r opt; do
	grep -qx -- "$opt" "$TMP/page-options" ||
		fail "vss-writerd: $opt is in --help but not in vss-writerd.8"
done <"$TMP/code-options"
while read -r opt; do
	grep -qx -- "$opt" "$TMP/code-options" ||
		fail "vss-writerd.8 describes $opt, which 'vss-writerd --help' lacks"
done <"$TMP/page-options"

finish
