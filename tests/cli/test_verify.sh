# "vss verify BACKUPSET [--json]": a set written here by hand, as
# docs/backup-set.md lays it out (manifest.json, data/<volume>/<path>),
# checked whole, then damaged one way at a time: a flipped byte, a
# truncated file, a missing file, a symbolic link where a file was; and
# manifests that must be refused.  Exit 0 all good, 1 any problem, 2 usage.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# make_set DIR [PATH_OVERRIDE]: a set with a directory, two files, a hard
# link and a symbolic link; PATH_OVERRIDE replaces the path of "d/b".
make_set() {
	rm -rf "$1"
	mkdir -p "$1/data/0/d"
	printf 'alpha\n' >"$1/data/0/a"
	printf 'bravo bravo\n' >"$1/data/0/d/b"
	ln "$1/data/0/a" "$1/data/0/d/hard"
	ln -s ../a "$1/data/0/d/sym"
	python3 - "$1" "${2:-d/b}" <<'PY'
import hashlib, json, sys

top, bpath = sys.argv[1], sys.argv[2]

def sha(p):
    return hashlib.sha256(open(f"{top}/data/0/{p}", "rb").read()).hexdigest()

def entry(path, type_, **kw):
    e = {"volume": 0, "path": path, "type": type_, "mode": 0o644,
         "uid": 0, "gid": 0, "user": "root", "group": "root",
         "mtime_ns": 1700000000123456789, "atime_ns": 1700000000000000000,
         "size": 0, "link_target": None, "hardlink_of": None, "rdev": 0,
         "sha256": None, "xattrs": {}, "components": [0]}
    e.update(kw)
    return e

m = {"format": "vss-backup-set", "version": 1,
     "snapshot_set_id": "0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0001",
     "context": 0, "backup_type": "full", "created": 133500000000000000,
     "freeze_window_ms": 3.5, "application_consistent": True,
     "volumes": [{"mount_point": "/srv", "fstype": "btrfs",
                  "shadow_root": "/run/vss/x", "snapshot_id": None,
                  "provider_id": None, "application_consistent": True}],
     "components": [{"class_id": "d61d61c8-d73a-4eee-8cdd-f6f9786b7124",
                     "instance_id": None, "writer_name": "w",
                     "logical_path": None, "name": "c",
                     "type": "filegroup", "explicit": True,
                     "result": "succeeded", "message": None}],
     "entries": [entry("", "dir", mode=0o755),
                 entry("a", "file", size=6, sha256=sha("a")),
                 entry("d", "dir", mode=0o755),
                 entry(bpath, "file", size=12, sha256=sha("d/b")),
                 entry("d/hard", "file", size=6, hardlink_of="a"),
                 entry("d/sym", "symlink", mode=0o777, link_target="../a")]}
json.dump(m, open(f"{top}/manifest.json", "w"), indent=1)
PY
}

set=$TMP/set

# A good set.
make_set "$set"
run verify "$set"
expect_rc 0 "good set"
expect_in out "files checked: 2" "good set: count"
expect_in out "ok: yes" "good set: ok"
expect_empty err "good set"

run verify "$set" --json
expect_rc 0 "good set --json"
python3 - "$TMP/out" <<'PY' || fail "good set --json: content"
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"set", "ok", "files_checked", "problems"}, sorted(d)
assert d["ok"] is True and d["files_checked"] == 2 and d["problems"] == []
PY

# A flipped byte.
printf 'B' | dd of="$set/data/0/d/b" bs=1 seek=3 conv=notrunc status=none
run verify "$set"
expect_rc 1 "flipped byte"
expect_in out "path: d/b" "flipped byte: path"
expect_in out "reason: checksum mismatch" "flipped byte: reason"
run verify "$set" --json
expect_rc 1 "flipped byte --json"
python3 - "$TMP/out" <<'PY' || fail "flipped byte --json: content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and len(d["problems"]) == 1, d
p = d["problems"][0]
assert set(p) == {"volume", "path", "reason"}, sorted(p)
assert p["volume"] == 0 and p["path"] == "d/b", p
assert p["reason"].startswith("checksum mismatch"), p
PY

# A truncated file, a missing file.
make_set "$set"
truncate -s 2 "$set/data/0/d/b"
run verify "$set"
expect_rc 1 "truncated file"
expect_in out "reason: size 2 bytes, manifest says 12" "truncated file"

make_set "$set"
rm "$set/data/0/d/b"
run verify "$set"
expect_rc 1 "missing file"
expect_in out "reason: missing" "missing file"

# A symbolic link where a file was is reported, never followed.
make_set "$set"
rm "$set/data/0/d/b"
ln -s /etc/passwd "$set/data/0/d/b"
run verify "$set"
expect_rc 1 "symlink for a file"
expect_in out "reason: is a symlink, manifest says file" "symlink for a file"

# A hard link that is a copy.
make_set "$set"
rm "$set/data/0/d/hard"
cp "$set/data/0/a" "$set/data/0/d/hard"
run verify "$set"
expect_rc 1 "hard link copied"
expect_in out "reason: not a hard link of \"a\"" "hard link copied"

# Manifests that cannot be trusted: nothing is read, exit 1.
make_set "$set" "../../etc/passwd"
run verify "$set"
expect_rc 1 "path with .."
expect_empty out "path with .."
expect_in err "vss: verify: $set: EBADMSG: entries[3].path: \"../../etc/passwd\" is not a clean relative path" "path with .."

make_set "$set" "/etc/passwd"
run verify "$set"
expect_rc 1 "absolute path"
expect_in err "is not a clean relative path" "absolute path"

make_set "$set"
printf '{"format": "vss-backup-set", "version": 1' >"$set/manifest.json"
run verify "$set"
expect_rc 1 "truncated manifest"
expect_in err "EBADMSG: line 1" "truncated manifest"

run verify "$TMP/no-such-set"
expect_rc 1 "no set"
expect_in err "vss: verify: $TMP/no-such-set: ENOENT: manifest.json:" "no set"

# Usage.
run verify
expect_rc 2 "no argument"
expect_in err "no BACKUPSET given" "no argument"
run verify "$set" extra
expect_rc 2 "extra argument"
run verify --bogus "$set"
expect_rc 2 "unknown option"
run verify --help
expect_rc 0 "--help"
expect_in out "BACKUPSET [--json]" "--help"

finish
