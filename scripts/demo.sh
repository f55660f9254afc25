#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine: install the
# dependencies, build, then back up an application that never stops
# writing, show that the backup holds exactly what it had written when
# it was frozen, damage the files and restore them with the application
# told before and after.
#
# The job runs in a world of its own under a temporary directory: a
# sparse image on a loop device with btrfs on it, vssd with its own
# socket, state and configuration, and vss-test-writer appending a record
# to DATA/stream every 5 ms.  It shows "vss list writers", runs
# "vss backup" of the writer's component and "vss verify" on the set,
# compares the saved stream with the writer's freeze point and the saved
# owners, modes, links, xattrs and sparse holes with the originals; then
# stops the writer, deletes and damages files, starts it again idle and
# runs "vss restore", which tells it before and after, and checks that
# every file is back as it was; and it undoes everything it made on
# every way out.
#
#   scripts/demo.sh [--no-build]
#
# Run as root or as a user with sudo: the build stays the caller's, the
# job (loop device, mount) re-runs this script through sudo with
# --no-build, which skips installing and building.
set -euo pipefail
cd "$(dirname "$0")/.."
# losetup, mkfs.btrfs and findmnt live in /usr/sbin and /sbin, which a
# PATH inherited through Debian's "su" (without "-") lacks.
PATH=$PATH:/usr/sbin:/sbin

step() {
	printf '\n==> %s\n' "$*"
}

die() {
	echo "demo: $*" >&2
	exit 1
}

case ${1:-} in
--no-build) ;;
'')
	step "installing the dependencies"
	./scripts/install-deps.sh
	step "building (meson + ninja in ./build)"
	if [ ! -f build/build.ninja ]; then
		meson setup build
	fi
	ninja -C build
	;;
*)
	echo "usage: scripts/demo.sh [--no-build]" >&2
	exit 2
	;;
esac

if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null ||
		die "the job needs root (loop device, mount) and there is no sudo"
	step "the job needs root (loop device, mount): going on through sudo"
	exec sudo -- "$PWD/scripts/demo.sh" --no-build
fi

vss=$PWD/build/cli/vss
vssd=$PWD/build/daemon/vssd
writer=$PWD/build/tools/test-writer/vss-test-writer
for p in "$vss" "$vssd" "$writer"; do
	[ -x "$p" ] || die "$p is not built; run scripts/demo.sh without --no-build"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vss-demo.XXXXXX")
img=$tmp/vol.img
mnt=$tmp/vol
data=$mnt/data
pids=()

# Undo everything, newest first; keeps the exit status.  A second signal
# is ignored rather than allowed to cut the cleanup short.
cleanup() {
	local status=$? i sub log dev
	set +e
	trap - EXIT
	trap '' INT TERM HUP
	# The writer first, so that it unsubscribes while vssd still runs.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null
		wait "${pids[i]}" 2>/dev/null
	done
	if [ "$status" -ne 0 ]; then
		for log in "$tmp/vssd.log" "$tmp/writer.out"; do
			[ -s "$log" ] || continue
			echo "demo: the end of $log:" >&2
			tail -n 20 "$log" >&2
		done
	fi
	# The volume and anything mounted below the temporary directory
	# (exposures vssd left), innermost first.
	findmnt -rn -o TARGET | grep -F "$tmp/" | sort -r |
		while read -r sub; do umount "$sub" || umount -l "$sub"; done
	# The loop device, found by its image: a signal during
	# "loop=$(losetup ...)" may have attached it before $loop was set.
	if [ -e "$img" ]; then
		for dev in $(losetup -n -O NAME -j "$img"); do
			losetup -d "$dev"
		done
	fi
	rm -rf "$tmp"
	if [ "$status" -eq 0 ]; then
		step "done: everything the demo made is gone"
	else
		echo "demo: FAILED (exit $status); everything it made is gone" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# wait_for WHAT PID FILE LOG: until FILE exists, while PID lives (at most
# 10 s).
wait_for() {
	local i
	for i in $(seq 100); do
		[ -e "$3" ] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "demo: $1 did not start; its output:" >&2
	cat "$4" >&2
	exit 1
}

step "a btrfs volume of its own: a 512 MiB sparse image on a loop device"
truncate -s 512M "$img"
loop=$(losetup --show -f "$img")
mkfs.btrfs -q -f "$loop" >"$tmp/mkfs.log" 2>&1 ||
	{ cat "$tmp/mkfs.log" >&2; die "mkfs.btrfs $loop failed"; }
mkdir "$mnt"
mount "$loop" "$mnt"
echo "$loop on $mnt (image $img)"

step "starting vssd (socket, state and configuration in $tmp)"
export VSS_SOCKET=$tmp/vssd.sock
cat >"$tmp/vssd.conf" <<EOF
[vssd]
freeze_timeout_ms = 10000
thaw_timeout_ms = 10000
expose_dir = $tmp/shadows
EOF
mkdir "$tmp/state"
"$vssd" --foreground --socket "$VSS_SOCKET" --state-dir "$tmp/state" \
	--config "$tmp/vssd.conf" >"$tmp/vssd.log" 2>&1 &
pids+=($!)
wait_for vssd "${pids[-1]}" "$VSS_SOCKET" "$tmp/vssd.log"
echo "vssd is running (pid ${pids[-1]}), listening on $VSS_SOCKET"

step "files to back up in $data (links, an owner, an xattr, holes)"
mkdir -p "$data/docs" "$data/images"
for i in $(seq 1 50); do
	printf 'note %d: the quick brown fox\n' "$i" >"$data/docs/note-$i.txt"
done
head -c 4M /dev/urandom >"$data/images/photo.raw"
truncate -s 64M "$data/images/sparse.img"
printf 'the middle of a sparse file\n' |
	dd of="$data/images/sparse.img" bs=1M seek=32 conv=notrunc status=none
ln "$data/docs/note-1.txt" "$data/docs/note-1.hardlink"
ln -s docs/note-2.txt "$data/latest-note"
chmod 600 "$data/docs/note-3.txt"
chown 1000:1000 "$data/docs/note-4.txt"
setfattr -n user.demo -v "kept in the backup" "$data/docs/note-5.txt"
find "$data" | wc -l | xargs printf '%s objects, '
du -sh --apparent-size "$data" | cut -f1 | xargs printf '%s apparent size\n'

# The writer declares how its files are restored: in place when they can
# be replaced, with it told before and after (restore.md sections 4, 5);
# the backup saves that with its metadata for the restore.
step "starting the sample writer: a record to $data/stream every 5 ms"
printf '[restore]\nmethod = %s\nwriter_restore = always\n' \
	RESTORE_IF_CAN_BE_REPLACED >"$tmp/writer.conf"
"$writer" --config "$tmp/writer.conf" --name demo-writer \
	--socket "$VSS_SOCKET" \
	--component demo/data="$data" --marker-dir "$data" \
	--write-every-ms 5 --log "$tmp/writer.log" \
	--ready-file "$tmp/writer.ready" >"$tmp/writer.out" 2>&1 &
pids+=($!)
wait_for vss-test-writer "${pids[-1]}" "$tmp/writer.ready" "$tmp/writer.out"
# Let the stream grow a little before the backup: 100 records (at most
# 10 s, whatever the machine's speed).
for _ in $(seq 100); do
	[ "$(wc -l <"$data/stream")" -ge 100 ] && break
	sleep 0.1
done
echo "the stream has $(wc -l <"$data/stream") records so far"

step "vss list writers"
"$vss" list writers

# The demo's own configuration, not the host's /etc/vss/vss.conf, whose
# [files-not-to-backup] could leave files out.
step "vss backup --writer demo-writer --to $tmp/backup --config $tmp/vssd.conf"
"$vss" backup --writer demo-writer --to "$tmp/backup" --config "$tmp/vssd.conf"

step "the backup set: documents, manifest, data by volume and path"
(cd "$tmp/backup" && find . -maxdepth 3 | sort)

step "vss verify $tmp/backup"
"$vss" verify "$tmp/backup"

step "the backup holds the stream as it was at the freeze instant"
# The writer's freeze line: "mono real freeze set ok ...stream_seq=S,..."
freeze=$(awk -F'\t' '$3 == "freeze" && $5 == "ok"' "$tmp/writer.log")
[ "$(printf '%s\n' "$freeze" | grep -c .)" -eq 1 ] ||
	die "expected one successful freeze in the writer's log, found: $freeze"
seq=$(printf '%s\n' "$freeze" | grep -o 'stream_seq=[0-9]*' | cut -d= -f2 ||
	true)
[ -n "$seq" ] || die "the freeze line has no stream_seq: $freeze"
saved=$tmp/backup/data/0/data/stream # volume 0, path below the mount point
[ -f "$saved" ] || die "the backup set has no $saved"
saved_n=$(wc -l <"$saved")
# The writer goes on after the thaw: wait (at most 10 s) until the live
# stream is past the freeze point.
for _ in $(seq 100); do
	[ "$(wc -l <"$data/stream")" -gt "$seq" ] && break
	sleep 0.1
done
live_n=$(wc -l <"$data/stream")
echo "writer's log, freeze:      last record written stream_seq=$seq"
echo "backed-up stream:          $saved_n records, last '$(tail -n 1 "$saved")'"
echo "live stream now:           $live_n records"
[ "$saved_n" -eq "$seq" ] ||
	die "the backup holds $saved_n records, the freeze was at $seq"
head -n "$seq" "$data/stream" | cmp -s - "$saved" ||
	die "the backed-up stream differs from the live stream's first $seq records"
[ "$live_n" -gt "$seq" ] ||
	die "the live stream did not go on growing after the thaw"
echo "ok: the backup equals the live stream's first $seq records, the" \
	"$((live_n - seq)) written since are not in it"

step "the backup kept owners, modes, times, links, xattrs and holes"
copy=$tmp/backup/data/0/data
kept=(docs/note-1.txt docs/note-1.hardlink docs/note-3.txt docs/note-4.txt
	docs/note-5.txt latest-note images/sparse.img)
# describe DIR: what the backup must keep of each file in kept.
describe() {
	(
		cd "$1"
		stat -c '%n: %F, mode %a, owner %u:%g, %s bytes, %h links, %y' \
			"${kept[@]}"
		echo "latest-note -> $(readlink latest-note)"
		echo "docs/note-5.txt: user.demo=$(getfattr --only-values \
			-n user.demo docs/note-5.txt)"
	)
}
describe "$data" >"$tmp/kept.live"
describe "$copy" >"$tmp/kept.backup"
cat "$tmp/kept.backup"
diff "$tmp/kept.live" "$tmp/kept.backup" >"$tmp/kept.diff" ||
	die "the backup differs from the originals (< live, > backup):
$(cat "$tmp/kept.diff")"
[ "$(stat -c %i "$copy/docs/note-1.txt")" = \
	"$(stat -c %i "$copy/docs/note-1.hardlink")" ] ||
	die "docs/note-1.txt and docs/note-1.hardlink are two files in the backup"
# 64 MiB with one block written: the holes are kept if the copy has
# under 1 MiB allocated (the file systems' block sizes may differ).
sparse_kib=$(du -k "$copy/images/sparse.img" | cut -f1)
[ "$sparse_kib" -lt 1024 ] ||
	die "images/sparse.img has $sparse_kib KiB allocated in the backup"
echo "ok: the same in the live volume; note-1.txt and note-1.hardlink are"
echo "one file in the backup; images/sparse.img (64 MiB) takes" \
	"$sparse_kib KiB there"

step "disaster: the application stops, docs/ is deleted, files are damaged"
kill -TERM "${pids[-1]}"
wait "${pids[-1]}" || true
unset 'pids[-1]'
rm -rf "$data/docs" "$data/latest-note"
head -c 1M /dev/zero >"$data/images/photo.raw"
truncate -s 100 "$data/stream"
echo "docs/ and latest-note gone, images/photo.raw zeroed, the stream cut" \
	"to 100 bytes"

# The application comes back idle (it no longer writes), so that its
# files can be replaced; the backup's copy of its metadata says how.
step "the application is back, idle; its restore method as saved"
rm -f "$tmp/writer.ready"
"$writer" --config "$tmp/writer.conf" --name demo-writer \
	--socket "$VSS_SOCKET" --component demo/data="$data" \
	--log "$tmp/writer.log" --ready-file "$tmp/writer.ready" \
	>"$tmp/writer.out" 2>&1 &
pids+=($!)
wait_for vss-test-writer "${pids[-1]}" "$tmp/writer.ready" "$tmp/writer.out"
grep -o '<RESTORE_METHOD[^>]*>' "$tmp"/backup/writers/*.xml

step "vss restore --dry-run $tmp/backup: what would go where"
"$vss" restore --dry-run "$tmp/backup"

step "vss restore $tmp/backup"
"$vss" restore "$tmp/backup"

step "the writer was told before and after (its event log)"
awk -F'\t' '$3 == "pre_restore" || $3 == "post_restore" { print $3, $5, $6 }' \
	"$tmp/writer.log"
for ev in pre_restore post_restore; do
	[ "$(awk -F'\t' -v ev="$ev" '$3 == ev && $5 == "ok"' "$tmp/writer.log" |
		grep -c .)" -eq 1 ] || die "the writer did not get one $ev"
done

step "the volume holds again what the backup holds"
describe "$data" >"$tmp/kept.restored"
diff "$tmp/kept.live" "$tmp/kept.restored" >"$tmp/kept.diff" ||
	die "the restored files differ from the originals (< live, > restored):
$(cat "$tmp/kept.diff")"
cmp "$copy/images/photo.raw" "$data/images/photo.raw" ||
	die "images/photo.raw is not the backed-up one"
cmp "$saved" "$data/stream" || die "the stream is not the backed-up one"
[ "$(stat -c %i "$data/docs/note-1.txt")" = \
	"$(stat -c %i "$data/docs/note-1.hardlink")" ] ||
	die "docs/note-1.txt and docs/note-1.hardlink are two files again"
sparse_kib=$(du -k "$data/images/sparse.img" | cut -f1)
[ "$sparse_kib" -lt 1024 ] ||
	die "images/sparse.img has $sparse_kib KiB allocated after the restore"
[ -z "$(find "$data" -name '.vss-restore-*')" ] ||
	die "the restore left temporary files"
echo "ok: owners, modes, times, links, the xattr and the holes are back;"
echo "the stream holds the $seq records of the freeze instant again"

step "stopping the writer and vssd, unmounting, detaching $loop"
