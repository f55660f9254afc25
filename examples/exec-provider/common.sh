# Shared by the scripts of the reflink-image provider; sourced, not run.
# vssd gives each script its environment (VSS_*) and nothing else.

set -eu

die() {
	echo "$*" >&2
	exit 1
}

# A snapshot id is a GUID: it becomes a file name, so nothing else will do.
check_snapshot_id() {
	case ${VSS_SNAPSHOT_ID:-} in
	????????-????-????-????-???????????? ) ;;
	*) die "bad snapshot id '${VSS_SNAPSHOT_ID:-}'" ;;
	esac
	case $VSS_SNAPSHOT_ID in
	*[!0-9a-f-]*) die "bad snapshot id '$VSS_SNAPSHOT_ID'" ;;
	esac
}

# Set image to the image file behind the loop device the volume is
# mounted from, read from sysfs with the shell's own read: commit runs
# this while the volume is frozen, and every program started there
# lengthens the freeze.
volume_image() {
	case ${VSS_VOLUME_DEVICE:-} in
	/dev/loop*) ;;
	'') die "'$VSS_VOLUME' is not mounted" ;;
	*) die "'$VSS_VOLUME' is on '$VSS_VOLUME_DEVICE', not a loop device" ;;
	esac
	backing=/sys/block/${VSS_VOLUME_DEVICE#/dev/}/loop/backing_file
	IFS= read -r image <"$backing" ||
		die "cannot find the image of '$VSS_VOLUME_DEVICE'"
	# A deleted image shows as "PATH (deleted)": not a file any more.
	[ -f "$image" ] || die "the image of '$VSS_VOLUME' is not a file: '$image'"
}

# Set dir to where the shadow copies of the images of the directory of
# image $1 go.
shadow_dir() {
	dir=${1%/*}/.vss-shadows
}

# The shadow copy named by VSS_SHADOW, which must be one of ours: with the
# volume mounted, exactly where commit puts it; otherwise at least a
# <snapshot id>.img in a .vss-shadows directory.
shadow_path() {
	if [ -n "${VSS_VOLUME_DEVICE:-}" ]; then
		volume_image
		shadow_dir "$image"
		want=$dir/$VSS_SNAPSHOT_ID.img
	else
		want=${VSS_SHADOW:-}
	fi
	case $want in
	/*/.vss-shadows/"$VSS_SNAPSHOT_ID".img) ;;
	*) die "refusing '$want': not a shadow copy of this provider" ;;
	esac
	case $want in
	*/../* | */./*) die "refusing '$want': not a plain path" ;;
	esac
	if [ -n "${VSS_SHADOW:-}" ] && [ "$VSS_SHADOW" != "$want" ]; then
		die "refusing '$VSS_SHADOW': the shadow copy of '$VSS_VOLUME' is '$want'"
	fi
	printf '%s\n' "$want"
}
