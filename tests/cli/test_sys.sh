# tests/cli/sys.sh itself: it undoes what it made on every way out and
# keeps the test's exit status.  A test that skips (sys_require without
# root; as root it is run as nobody) exits 77 and leaves no $TMP.  As
# root, a sys_btrfs whose mkfs.btrfs or mount fails ends the test at the
# "v=$(sys_btrfs v)" with exit 1 and says why, and nothing stays mounted
# or attached.  The children are small tests of their own, sourcing
# copies of common.sh and sys.sh.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

here=$(dirname "${BASH_SOURCE[0]}")
# Readable and usable by nobody: the scripts, and a TMPDIR for the
# children's own $TMP, which must be empty again after each child.
chmod 755 "$TMP"
mkdir "$TMP/lib" "$TMP/tmpdir" "$TMP/fake"
chmod 1777 "$TMP/tmpdir"
cp "$here/common.sh" "$here/sys.sh" "$TMP/lib/"

# child NAME BODY: write the child test NAME (common.sh, sys.sh, then
# BODY; it prints its $TMP first).
child() {
	{
		printf '. %s/lib/common.sh\n. %s/lib/sys.sh\n' "$TMP" "$TMP"
		printf 'echo "TMP=$TMP"\n%s\n' "$2"
	} >"$TMP/lib/$1.sh"
}

# run_child NAME [PREFIX...]: run it (common.sh wants an executable as
# its argument; these children never run vss); $crc, $TMP/c.out, c.err.
run_child() {
	local name=$1
	shift
	crc=0
	TMPDIR=$TMP/tmpdir "$@" bash "$TMP/lib/$name.sh" /bin/true \
		>"$TMP/c.out" 2>"$TMP/c.err" || crc=$?
	child_tmp=$(sed -n 's/^TMP=//p' "$TMP/c.out")
}

# expect_clean WHAT: the child's $TMP is gone, and nothing is mounted or
# attached below it.
expect_clean() {
	[ -n "$child_tmp" ] || fail "$1: the child did not say its \$TMP"
	[ -z "$(ls -A "$TMP/tmpdir")" ] ||
		fail "$1: left in TMPDIR: $(ls -A "$TMP/tmpdir")"
	if findmnt -rn -o TARGET | grep -qF "$TMP/tmpdir/"; then
		fail "$1: left mounted: $(findmnt -rn -o TARGET | grep -F "$TMP/")"
	fi
	if losetup -a 2>/dev/null | grep -qF "$TMP/tmpdir/"; then
		fail "$1: left attached: $(losetup -a | grep -F "$TMP/")"
	fi
}

# ---- a skip: exit 77, nothing left ---------------------------------------
child skip 'sys_require
echo "sys_require did not skip"'
if [ "$(id -u)" -eq 0 ]; then
	run_child skip setpriv --reuid=nobody --regid=nogroup --clear-groups
else
	run_child skip
fi
[ "$crc" -eq 77 ] || fail "a skip exited $crc, expected 77: $(cat "$TMP/c.err")"
grep -q '^SKIP: ' "$TMP/c.out" || fail "a skip did not say why"
expect_clean "a skip"

# ---- a sys_btrfs that fails ends the test --------------------------------
if [ "$(id -u)" -ne 0 ]; then
	echo "not root: the sys_btrfs failures are not tried"
	finish
	exit 0
fi

# check_btrfs_failure NAME MESSAGE: the child NAME ran "v=$(sys_btrfs v)"
# with a tool that fails: exit 1, MESSAGE on stderr, nothing after it ran.
check_btrfs_failure() {
	if [ "$crc" -eq 77 ]; then
		echo "$1: skipped by sys_require: $(cat "$TMP/c.out")"
		return
	fi
	[ "$crc" -eq 1 ] || fail "$1: exit $crc, expected 1"
	grep -qF -- "$2" "$TMP/c.err" ||
		fail "$1: stderr lacks '$2': $(cat "$TMP/c.err")"
	grep -q 'went on' "$TMP/c.out" && fail "$1: the test went on"
	expect_clean "$1"
}

body='PATH=$FAKE:$PATH
sys_require
v=$(sys_btrfs v)
echo "went on with $v"'
child fail "$body"

printf '#!/bin/sh\necho "fake mkfs.btrfs: refusing $*" >&2\nexit 1\n' \
	>"$TMP/fake/mkfs.btrfs"
chmod 755 "$TMP/fake/mkfs.btrfs"
run_child fail env FAKE="$TMP/fake"
check_btrfs_failure "mkfs.btrfs fails" "fake mkfs.btrfs: refusing"
grep -qE -- 'sys_btrfs v: mkfs.btrfs /dev/loop[0-9]+ failed' "$TMP/c.err" ||
	fail "mkfs.btrfs fails: no sys_btrfs message: $(cat "$TMP/c.err")"

rm "$TMP/fake/mkfs.btrfs"
printf '#!/bin/sh\necho "fake mount: refusing $*" >&2\nexit 32\n' \
	>"$TMP/fake/mount"
chmod 755 "$TMP/fake/mount"
run_child fail env FAKE="$TMP/fake"
check_btrfs_failure "mount fails" "sys_btrfs v: cannot mount /dev/loop"

finish
