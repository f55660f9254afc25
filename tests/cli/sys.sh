# tests/cli/sys.sh - a real world for the CLI tests that talk to vssd:
# btrfs volumes on loop devices, a vssd and vss-test-writer processes, all
# under $TMP and all undone on every exit path.  Source it after common.sh.
#
#   sys_require                  skip (exit 77) without root, loop devices
#                                or mkfs.btrfs; call first
#   sys_btrfs NAME [MIB]         make and mount a btrfs volume (default
#                                256 MiB) at $TMP/NAME; prints the mount point
#   sys_vssd [CONFIG_LINES]      start vssd (socket $TMP/vssd.sock, exported
#                                as VSS_SOCKET; state dir $TMP/state,
#                                exported as VSS_STATE_DIR for vss
#                                restore), extra text appended to its
#                                config ([vssd] keys first, then sections)
#   sys_stop_vssd                SIGTERM vssd and wait for it; its state
#                                dir stays, for a sys_vssd that follows
#   sys_writer NAME ARGS...      start vss-test-writer --name NAME ARGS...;
#                                returns once it is subscribed; its event
#                                log is $TMP/writer-NAME.log
#   sys_stop_writer NAME         SIGTERM the writer and wait for it
#   sys_writerd CONFIG_DIR [ARGS...]
#                                start vss-writerd --config-dir CONFIG_DIR
#                                on vssd's socket, --state-dir
#                                $TMP/writerd-state unless ARGS name one
#                                (stderr and stdout to $TMP/writerd.log);
#                                returns at once
#   sys_stop_writerd             SIGTERM vss-writerd and wait for it;
#                                returns its exit status
#   sys_wait_listed VSS NAME     wait up to 10 s until "VSS list writers"
#                                names writer NAME; status 1 if it never
#                                does
#   sys_events NAME [FROM]       the events of writer NAME's log, one a
#                                line, from line FROM (default 1) on
#   sys_log_lines NAME           the number of lines of NAME's log now
#   sys_detail NAME EVENT KEY    the value of KEY in the detail field of
#                                the last EVENT line of NAME's log, %XX
#                                undone; status 1 when there is none
#   sys_tree_state DIR [--atime] [--skip NAME]...
#                                one line per object below DIR (DIR
#                                itself as "."), sorted, symbolic links
#                                not followed: path, type, mode, owner,
#                                size, mtime (and atime) in ns, the
#                                SHA-256 of a file or a link's target,
#                                the extended attributes (ACLs too) and
#                                the first path of its hard link group;
#                                NAMEs directly below DIR are left out.
#                                Stats before reading, so that with
#                                --atime on a noatime mount the reading
#                                changes nothing it reports
#
# The programs come from the test environment: VSSD, VSS_TEST_WRITER and
# VSS_WRITERD (tests/cli/meson.build sets them).  A sys_btrfs that fails prints why
# and returns 1, which ends the test ("v=$(sys_btrfs v)" under set -e and
# inherit_errexit, common.sh).

# losetup, mkfs.btrfs and findmnt live in /usr/sbin and /sbin, which a
# PATH inherited through Debian's "su" (without "-") lacks.
PATH=$PATH:/usr/sbin:/sbin

SYS_PIDS=()
SYS_VSSD_PID=
SYS_WRITERD_PID=
declare -A SYS_WRITER_PIDS=()

sys_cleanup() {
	local status=$? pid mnt loop img
	# Nothing here may end the trap early: under set -e a step that
	# fails (grep finding nothing mounted) would turn a skip (77) into
	# a failure and leave the rest in place.  The test's own status is
	# kept; a second signal must not cut the cleanup short.
	set +e
	trap '' INT TERM HUP
	for pid in "${SYS_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${SYS_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# Everything mounted under $TMP, innermost first: our volumes and
	# what vssd left mounted in them.  sys_btrfs mostly runs in $(...), a
	# subshell that cannot tell us, so the mount table decides.
	findmnt -rn -o TARGET | grep -F "$TMP/" | sort -r |
		while read -r mnt; do
			umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
		done
	# The loop devices, found by their images for the same reason.
	for img in "$TMP"/*.img; do
		[ -e "$img" ] || continue
		for loop in $(losetup -n -O NAME -j "$img"); do
			losetup -d "$loop" 2>/dev/null
		done
	done
	rm -rf "$TMP"
	exit "$status"
}
trap sys_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

sys_skip() {
	echo "SKIP: $*"
	exit 77
}

sys_require() {
	[ "$(id -u)" -eq 0 ] || sys_skip "needs root (loop devices, mounts)"
	[ -e /dev/loop-control ] || sys_skip "no /dev/loop-control"
	command -v mkfs.btrfs >/dev/null || sys_skip "mkfs.btrfs not installed"
	losetup -f >/dev/null 2>&1 || sys_skip "no free loop device"
	[ -x "${VSSD:-}" ] || { echo "VSSD is not set to vssd" >&2; exit 1; }
	[ -x "${VSS_TEST_WRITER:-}" ] ||
		{ echo "VSS_TEST_WRITER is not set" >&2; exit 1; }
}

sys_btrfs() {
	local name=$1 mib=${2:-256} img loop
	img=$TMP/$name.img
	# On failure the loop device stays attached to the image for
	# sys_cleanup, which finds it by the image.
	if ! truncate -s "${mib}M" "$img"; then
		echo "sys_btrfs $name: cannot make the image $img" >&2
		return 1
	fi
	if ! loop=$(losetup --show -f "$img"); then
		echo "sys_btrfs $name: losetup of $img failed" >&2
		return 1
	fi
	if ! mkfs.btrfs -q -f "$loop" >"$TMP/mkfs-$name.log" 2>&1; then
		echo "sys_btrfs $name: mkfs.btrfs $loop failed:" >&2
		sed 's/^/    /' "$TMP/mkfs-$name.log" >&2
		return 1
	fi
	if ! mkdir -p "$TMP/$name" || ! mount "$loop" "$TMP/$name"; then
		echo "sys_btrfs $name: cannot mount $loop on $TMP/$name" >&2
		return 1
	fi
	echo "$TMP/$name"
}

sys_vssd() {
	local i
	mkdir -p "$TMP/state"
	{
		printf '[vssd]\nfreeze_timeout_ms = 5000\nthaw_timeout_ms = 5000\n'
		printf 'expose_dir = %s/shadows\n' "$TMP"
		printf '%s\n' "${1:-}"
	} >"$TMP/vssd.conf"
	# A socket left by a vssd stopped before must not pass for this one.
	rm -f "$TMP/vssd.sock"
	"$VSSD" --foreground --socket "$TMP/vssd.sock" --state-dir "$TMP/state" \
		--config "$TMP/vssd.conf" >>"$TMP/vssd.log" 2>&1 &
	SYS_VSSD_PID=$!
	SYS_PIDS+=($!)
	export VSS_SOCKET=$TMP/vssd.sock
	export VSS_STATE_DIR=$TMP/state
	for i in $(seq 100); do
		[ -S "$VSS_SOCKET" ] && return 0
		kill -0 "${SYS_PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "vssd did not start:" >&2
	cat "$TMP/vssd.log" >&2
	exit 1
}

sys_writer() {
	local name=$1 i pid
	shift
	rm -f "$TMP/writer-$name.ready"
	"$VSS_TEST_WRITER" --name "$name" --socket "$VSS_SOCKET" \
		--log "$TMP/writer-$name.log" \
		--ready-file "$TMP/writer-$name.ready" "$@" \
		>"$TMP/writer-$name.out" 2>&1 &
	pid=$!
	SYS_PIDS+=("$pid")
	SYS_WRITER_PIDS[$name]=$pid
	for i in $(seq 100); do
		[ -f "$TMP/writer-$name.ready" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "writer $name did not start:" >&2
	cat "$TMP/writer-$name.out" >&2
	exit 1
}

sys_stop_writer() {
	local pid=${SYS_WRITER_PIDS[$1]}
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

sys_writerd() {
	local dir=$1 arg state=(--state-dir "$TMP/writerd-state")
	shift
	# Nothing of a test goes to /var/lib: a state directory under $TMP
	# unless the caller names one.
	for arg in "$@"; do
		case $arg in --state-dir | --state-dir=*) state=() ;; esac
	done
	"$VSS_WRITERD" --config-dir "$dir" --socket "$VSS_SOCKET" \
		"${state[@]}" "$@" >>"$TMP/writerd.log" 2>&1 &
	SYS_WRITERD_PID=$!
	SYS_PIDS+=($!)
}

sys_stop_writerd() {
	local status=0
	kill -TERM "$SYS_WRITERD_PID" 2>/dev/null || true
	wait "$SYS_WRITERD_PID" 2>/dev/null || status=$?
	return "$status"
}

sys_wait_listed() {
	local vss=$1 name=$2 i
	for i in $(seq 100); do
		"$vss" list writers 2>/dev/null | grep -qxF "  - name: $name" && return 0
		sleep 0.1
	done
	return 1
}

sys_stop_vssd() {
	local pid keep=()
	kill -TERM "$SYS_VSSD_PID" 2>/dev/null || true
	wait "$SYS_VSSD_PID" 2>/dev/null || true
	# The cleanup must not signal whatever gets the pid next.
	for pid in "${SYS_PIDS[@]}"; do
		[ "$pid" = "$SYS_VSSD_PID" ] || keep+=("$pid")
	done
	SYS_PIDS=("${keep[@]}")
}

sys_events() {
	tail -n +"${2:-1}" "$TMP/writer-$1.log" | cut -f3
}

sys_log_lines() {
	if [ -f "$TMP/writer-$1.log" ]; then
		wc -l <"$TMP/writer-$1.log"
	else
		echo 0
	fi
}

sys_detail() {
	python3 - "$TMP/writer-$1.log" "$2" "$3" <<'PY'
import sys, urllib.parse
log, event, key = sys.argv[1:]
last = None
for line in open(log, encoding="utf-8", errors="replace"):
    f = line.rstrip("\n").split("\t")
    if len(f) >= 6 and f[2] == event:
        last = f[5]
if last is None:
    sys.exit(1)
for pair in last.split(","):
    k, _, v = pair.partition("=")
    if k == key:
        print(urllib.parse.unquote(v))
        sys.exit(0)
sys.exit(1)
PY
}

sys_tree_state() {
	python3 - "$@" <<'PY'
import hashlib, os, stat, sys
root, args = sys.argv[1], sys.argv[2:]
atime = "--atime" in args
skip = {args[i + 1] for i, a in enumerate(args) if a == "--skip"}
first = {}
out = []

def kind(m):
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"),
                       (stat.S_ISLNK, "symlink"), (stat.S_ISFIFO, "fifo"),
                       (stat.S_ISCHR, "chr"), (stat.S_ISBLK, "blk"),
                       (stat.S_ISSOCK, "socket")):
        if test(m):
            return name
    return "?"

def visit(rel):
    path = os.path.join(root, rel) if rel != "." else root
    st = os.lstat(path)
    k = kind(st.st_mode)
    fields = [rel, k, "%o" % stat.S_IMODE(st.st_mode),
              "%d:%d" % (st.st_uid, st.st_gid), str(st.st_mtime_ns)]
    if atime:
        fields.append(str(st.st_atime_ns))
    if k == "file":
        fields.append(str(st.st_size))
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        fields.append(h.hexdigest())
        key = (st.st_dev, st.st_ino)
        fields.append("links=" + first.setdefault(key, rel))
    elif k == "symlink":
        fields.append("-> " + os.readlink(path))
    elif k in ("chr", "blk"):
        fields.append("rdev=%d" % st.st_rdev)
    if k != "symlink":
        xattrs = []
        for name in sorted(os.listxattr(path, follow_symlinks=False)):
            value = os.getxattr(path, name, follow_symlinks=False)
            xattrs.append(name + "=" + value.hex())
        fields.append("xattrs=" + ",".join(xattrs))
    out.append(" ".join(fields))
    if k == "dir":
        for name in sorted(os.listdir(path)):
            if rel == "." and name in skip:
                continue
            visit(name if rel == "." else rel + "/" + name)

visit(".")
print("\n".join(out))
PY
}
