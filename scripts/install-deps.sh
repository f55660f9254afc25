#!/usr/bin/env bash
# Install the Debian packages that building and testing vss needs.
#
# Fast when they are all there already: apt is not touched at all.  Runs
# as root (CI) or through sudo.
set -euo pipefail

packages=(
	# build
	meson ninja-build pkg-config gcc libc6-dev
	libxml2-dev libjansson-dev uuid-dev libbtrfsutil-dev libinih-dev
	libssl-dev
	# vss-writerd's database writers
	libpq-dev libmariadb-dev libsqlite3-dev
	# tests: unit tests, the CLI tests' JSON checks, fuzzers and sanitizers
	libcmocka-dev python3 clang libclang-rt-14-dev
	# integration tests and the daemon's volumes: loop-mounted btrfs; the
	# exec provider's tests: ext4 and XFS images on a reflink XFS host,
	# fsfreeze, cp --reflink
	btrfs-progs util-linux mount e2fsprogs xfsprogs coreutils
	# vss backup and exec tests: ACLs and xattrs, restic and tar as the
	# programs vss exec hands shadow copies to
	acl attr restic tar
	# the manual page's check (groff -man -ww)
	groff-base
	# the database writers' tests: real servers started on private
	# sockets under a temporary directory, and the sqlite3 shell
	postgresql mariadb-server mariadb-client sqlite3
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages are installed"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null; then
	as_root=(sudo)
else
	echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
