# "vss backup" keeps every kind of metadata (cli/backupset.h): owners and
# groups, modes with setuid/setgid/sticky bits, nanosecond mtimes, user.*
# xattrs, POSIX ACLs (access and default), hard links, symbolic links
# (also dangling ones), sparse holes and a FIFO; the copy in DIR/data/0/
# matches the source by stat, getfacl and getfattr, and "vss verify"
# passes.  Then SIGINT and SIGTERM: in the snapshot sequence the writer is
# aborted (BK-051); during the copy the backup ends without
# backup_complete; either way neither DIR nor DIR.partial is left.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
# Dependencies (acl, attr): without them the setup is broken, not the test.
for tool in setfacl getfacl setfattr getfattr; do
	if ! command -v "$tool" >/dev/null; then
		echo "$tool is not installed: run scripts/install-deps.sh" >&2
		exit 1
	fi
done
vol=$(sys_btrfs vol 1024)
# The sets go to a volume of their own: the same kind of file system, so
# that block counts compare, but no reflinks from the source.
dest=$(sys_btrfs dest 1024)
sys_vssd

t=$vol/tree
mkdir -p "$t/sub/deep" "$t/sticky" "$t/setgid" "$t/acl" "$t/empty"
echo data >"$t/plain"
echo owned >"$t/owned"
chown 1234:5678 "$t/owned"
chown 4321:8765 "$t/sub"
echo suid >"$t/suid"
chmod 4755 "$t/suid"
chmod 1777 "$t/sticky"
chmod 2775 "$t/setgid"
echo secret >"$t/noaccess"
chmod 000 "$t/noaccess"
echo ns >"$t/sub/deep/ns"
touch -m -d '2021-03-04 05:06:07.123456789' "$t/sub/deep/ns"
echo x >"$t/xattr"
setfattr -n user.color -v blue "$t/xattr"
setfattr -n user.bin -v 0x00ff10 "$t/xattr"
setfattr -n user.dir -v yes "$t/sub"
echo acl >"$t/acl/file"
setfacl -m u:1500:rw,g:1600:r "$t/acl/file"
setfacl -d -m g:1600:rx "$t/acl"
setfacl -m u:1501:rwx "$t/acl"
echo linked >"$t/hard1"
ln "$t/hard1" "$t/hard2"
ln "$t/hard1" "$t/sub/hard3"
ln -s plain "$t/symlink"
ln -s /nonexistent/target "$t/dangling"
chown -h 2000:3000 "$t/symlink"
truncate -s 64M "$t/sparse"
printf 'begin' | dd of="$t/sparse" bs=4096 seek=0 conv=notrunc status=none
printf 'middle' | dd of="$t/sparse" bs=4096 seek=4096 conv=notrunc status=none
printf 'end' | dd of="$t/sparse" bs=4096 seek=16383 conv=notrunc status=none
mkfifo "$t/fifo"
chmod 640 "$t/fifo"
touch -m -d '2020-01-02 03:04:05.5' "$t/symlink" -h
touch -m -d '2019-05-06 07:08:09.987654321' "$t/empty" "$t/sub"
sync

sys_writer meta --component tree="$t"

# describe DIR: one line per object: type, mode, owner, group, size of
# files and links, mtime in ns, link count; and the sparse file's blocks.
describe() {
	(
		cd "$1"
		find . -printf '%P\n' | LC_ALL=C sort | while read -r p; do
			[ -n "$p" ] || p=.
			if [ -d "$p" ]; then
				stat -c '%n|%F|%a|%u|%g|-|%y' "$p"
			else
				stat -c '%n|%F|%a|%u|%g|%s|%y|%h' "$p"
			fi
		done
		stat -c 'sparse blocks %b' sparse
	)
}

run backup --writer meta --to "$dest/set" --json
expect_rc 0 "backup of the tree"
copy=$dest/set/data/0/tree
if [ ! -d "$copy" ]; then
	fail "the set has no data/0/tree"
else
	describe "$t" >"$TMP/src.stat"
	describe "$copy" >"$TMP/copy.stat"
	diff "$TMP/src.stat" "$TMP/copy.stat" >"$TMP/d" ||
		fail "stat differs (< source, > copy): $(cat "$TMP/d")"
	(cd "$t" && getfacl -R -P -p . 2>/dev/null) >"$TMP/src.acl"
	(cd "$copy" && getfacl -R -P -p . 2>/dev/null) >"$TMP/copy.acl"
	diff "$TMP/src.acl" "$TMP/copy.acl" >"$TMP/d" ||
		fail "ACLs differ: $(cat "$TMP/d")"
	grep -q 'default:group:1600:r-x' "$TMP/copy.acl" ||
		fail "the default ACL was not kept"
	(cd "$t" && getfattr -R -h -d -e hex -m '^user\.' . 2>/dev/null) \
		>"$TMP/src.xattr"
	(cd "$copy" && getfattr -R -h -d -e hex -m '^user\.' . 2>/dev/null) \
		>"$TMP/copy.xattr"
	diff "$TMP/src.xattr" "$TMP/copy.xattr" >"$TMP/d" ||
		fail "xattrs differ: $(cat "$TMP/d")"
	grep -q 'user.bin=0x00ff10' "$TMP/copy.xattr" ||
		fail "the binary xattr was not kept"
	# Contents, also of the file nobody may read and the sparse one.
	for f in plain owned suid noaccess sub/deep/ns xattr acl/file hard1 \
		sparse; do
		cmp -s "$t/$f" "$copy/$f" || fail "$f: contents differ"
	done
	# Hard links are links in the copy too, not copies.
	[ "$(stat -c %i "$copy/hard1")" = "$(stat -c %i "$copy/sub/hard3")" ] ||
		fail "hard1 and sub/hard3 are not one file in the copy"
	[ "$(readlink "$copy/dangling")" = /nonexistent/target ] ||
		fail "the dangling link's target changed"
	[ -p "$copy/fifo" ] || fail "the FIFO is not a FIFO"
fi
python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["backup"]; sys.exit(b["hardlinks"] != 2)' \
	"$TMP/out" || fail "backup.hardlinks is not 2"
# bytes counts the regular files' sizes, as the progress totals do (the
# sparse file's holes included), data_bytes only the data read.
size_sum=$(find "$t" -type f -printf '%i %s\n' | sort -u -k1,1 |
	awk '{ s += $2 } END { print s }')
python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))["backup"]
sys.exit(b["bytes"] != int(sys.argv[2]) or
         not 0 < b["data_bytes"] < b["bytes"] - (60 << 20))' \
	"$TMP/out" "$size_sum" ||
	fail "backup bytes/data_bytes: $(python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["backup"]; print(b["bytes"], b["data_bytes"])' "$TMP/out"), sizes $size_sum"

run verify "$dest/set"
expect_rc 0 "vss verify of the metadata set"

# ---- interrupts ---------------------------------------------------------

# wait_for FILE PATTERN: poll (at most 60 s) until FILE has PATTERN.
wait_for() {
	local i
	for i in $(seq 600); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# In the snapshot sequence: the writer stalls in prepare_snapshot; SIGINT
# once it has answered prepare_backup.  It must be aborted.
sys_writer slow --component tree="$t" --stall prepare_snapshot:2
"$VSS" backup --writer slow --to "$dest/int1" >"$TMP/int1.out" \
	2>"$TMP/int1.err" &
pid=$!
wait_for "$TMP/writer-slow.log" $'\tprepare_backup\t' ||
	fail "the writer never got prepare_backup"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 1 ] || fail "SIGINT in the sequence: exit $rc, expected 1"
grep -q 'interrupted by signal' "$TMP/int1.err" ||
	fail "SIGINT in the sequence: no message: $(cat "$TMP/int1.err")"
[ -e "$dest/int1" ] && fail "SIGINT in the sequence left int1"
[ -e "$dest/int1.partial" ] && fail "SIGINT in the sequence left int1.partial"
wait_for "$TMP/writer-slow.log" $'\tabort\t' ||
	fail "the writer was not aborted after SIGINT"
sys_stop_writer slow

# The job deletes its auto-release set before it exits: no shadow copy
# is left for vssd to find later.
no_shadows_left() {
	run list shadows --json
	expect_rc 0 "list shadows after $1"
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["count"])' \
		"$TMP/out" || fail "$1 left shadow copies: $(cat "$TMP/out")"
}
no_shadows_left "SIGINT in the sequence"

# During the copy: a tree of some 600 MiB; SIGTERM once the progress line
# shows the copy under way.  After post_snapshot a writer gets no abort
# (BK-083): the backup ends with backup_shutdown, never backup_complete.
mkdir "$vol/big"
head -c $((1 << 20)) /dev/urandom >"$TMP/chunk"
for i in $(seq 600); do
	cat "$TMP/chunk" >"$vol/big/f$i"
done
sync
sys_writer bulk --component big="$vol/big"
"$VSS" backup --writer bulk --to "$dest/int2" --progress >"$TMP/int2.out" \
	2>"$TMP/int2.err" &
pid=$!
wait_for "$TMP/int2.err" 'files' || fail "no progress line appeared"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 1 ] || fail "SIGTERM in the copy: exit $rc, expected 1"
grep -q 'interrupted by signal' "$TMP/int2.err" ||
	fail "SIGTERM in the copy: no message: $(cat "$TMP/int2.err")"
[ -e "$dest/int2" ] && fail "SIGTERM in the copy left int2"
[ -e "$dest/int2.partial" ] && fail "SIGTERM in the copy left int2.partial"
wait_for "$TMP/writer-bulk.log" $'\tbackup_shutdown\t' ||
	fail "the writer got no backup_shutdown"
grep -q $'\tbackup_complete\t' "$TMP/writer-bulk.log" &&
	fail "an interrupted backup was completed"
grep -q $'\tpost_snapshot\t' "$TMP/writer-bulk.log" ||
	fail "SIGTERM came before the copy (no post_snapshot)"
no_shadows_left "SIGTERM in the copy"

# And SIGINT in the copy, checked at once after exit.
"$VSS" backup --writer bulk --to "$dest/int3" --progress >"$TMP/int3.out" \
	2>"$TMP/int3.err" &
pid=$!
wait_for "$TMP/int3.err" 'files' || fail "no progress line appeared"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 1 ] || fail "SIGINT in the copy: exit $rc, expected 1"
no_shadows_left "SIGINT in the copy"

finish
