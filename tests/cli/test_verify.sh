# "vss verify BACKUPSET [--json]": a set written here by hand, as
# docs/backup-set.md lays it out (manifest.json one record a line with a
# digest in its last, bcd.xml, writers/<id>.xml, data/<volume>/<path>),
# checked whole, then damaged one way at a time: a flipped byte, a
# truncated file, a missing file, objects the manifest does not name, a symbolic link or a FIFO where a file
# was, a changed link target or device number, a missing data/<i>, a
# damaged document, a changed manifest; what the backup recorded as
# failed; manifests that must be refused, a FIFO or a symbolic link
# among them (never read: each run under timeout), and big ones (bounded
# memory).  Exit 0 all good, 1 any problem, 2 usage.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WRITER=d61d61c8-d73a-4eee-8cdd-f6f9786b7125

# make_set DIR [OPTION...]: a set with a directory, two files, a hard
# link, a symbolic link and (as root) a device node, its BCD and one
# writer's WMD.  Options: path=P (the path of "d/b" in the manifest),
# failed-component, failed-object.
make_set() {
	local top=$1
	shift
	rm -rf "$top"
	mkdir -p "$top/data/0/d" "$top/writers"
	printf 'alpha\n' >"$top/data/0/a"
	printf 'bravo bravo\n' >"$top/data/0/d/b"
	ln "$top/data/0/a" "$top/data/0/d/hard"
	ln -s ../a "$top/data/0/d/sym"
	[ "$(id -u)" -ne 0 ] || mknod "$top/data/0/d/null" c 1 3
	printf '<BACKUP_COMPONENTS/>' >"$top/bcd.xml"
	printf '<WRITER_METADATA/>' >"$top/writers/$WRITER.xml"
	python3 - "$top" "$@" <<'PY'
import hashlib, json, os, sys

top = sys.argv[1]
opt = dict(o.split("=", 1) if "=" in o else (o, "") for o in sys.argv[2:])
writer = "writers/d61d61c8-d73a-4eee-8cdd-f6f9786b7125.xml"

def sha(p):
    return hashlib.sha256(open(f"{top}/{p}", "rb").read()).hexdigest()

def doc(p):
    return {"kind": "document", "path": p,
            "size": os.path.getsize(f"{top}/{p}"), "sha256": sha(p)}

def entry(path, type_, **kw):
    e = {"kind": "entry", "volume": 0, "path": path, "type": type_,
         "mode": 0o644, "uid": 0, "gid": 0, "user": "root",
         "group": "root", "mtime_ns": 1700000000123456789,
         "atime_ns": 1700000000000000000, "size": 0, "link_target": None,
         "hardlink_of": None, "rdev": 0, "sha256": None, "xattrs": {},
         "components": [0]}
    e.update(kw)
    return e

failed = "failed-component" in opt
recs = [
    {"format": "vss-backup-set", "version": 2,
     "snapshot_set_id": "0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0001",
     "context": 0, "backup_type": "full", "created": 133500000000000000,
     "freeze_window_ms": 3.5, "application_consistent": True},
    {"kind": "volume", "mount_point": "/srv", "fstype": "btrfs",
     "shadow_root": "/run/vss/x", "snapshot_id": None, "provider_id": None,
     "application_consistent": True},
    {"kind": "component", "class_id": "d61d61c8-d73a-4eee-8cdd-f6f9786b7124",
     "instance_id": "d61d61c8-d73a-4eee-8cdd-f6f9786b7125",
     "writer_name": "w", "logical_path": None, "name": "c",
     "type": "filegroup", "explicit": True,
     "result": "failed" if failed else "succeeded",
     "message": "disk full" if failed else None},
    doc("bcd.xml"), doc(writer),
    entry("", "dir", mode=0o755),
    entry("a", "file", size=6, sha256=sha("data/0/a")),
    entry("d", "dir", mode=0o755),
    entry(opt.get("path", "d/b"), "file", size=12, sha256=sha("data/0/d/b")),
    entry("d/hard", "file", size=6, hardlink_of="a"),
    entry("d/sym", "symlink", mode=0o777, link_target="../a"),
]
if os.path.exists(f"{top}/data/0/d/null"):
    recs.append(entry("d/null", "chr", mode=0o666, rdev=os.makedev(1, 3)))
if "failed-object" in opt:
    recs.append({"kind": "failed", "volume": 0, "path": "d/secret",
                 "reason": "EACCES: Permission denied"})
text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in recs)
count = lambda k: sum(r.get("kind") == k for r in recs)
end = {"kind": "end", "volumes": count("volume"),
       "components": count("component"), "documents": count("document"),
       "entries": count("entry"), "failed": count("failed"),
       "failed_total": count("failed"),
       "sha256": hashlib.sha256(text.encode()).hexdigest()}
with open(f"{top}/manifest.json", "w") as f:
    f.write(text + json.dumps(end, separators=(",", ":")) + "\n")
PY
}

# vrun ARGS...: run under a timeout: verify must never hang.
vrun() {
	rc=0
	timeout 20 "$VSS" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" -ne 124 ] || fail "vss $*: still running after 20 s"
}

set=$TMP/set

# A good set.
make_set "$set"
vrun verify "$set"
expect_rc 0 "good set"
expect_in out "files checked: 2" "good set: count"
expect_in out "ok: yes" "good set: ok"
expect_empty err "good set"

vrun verify "$set" --json
expect_rc 0 "good set --json"
python3 - "$TMP/out" <<'PY' || fail "good set --json: content"
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"set", "ok", "files_checked", "problems"}, sorted(d)
assert d["ok"] is True and d["files_checked"] == 2 and d["problems"] == []
PY

# A flipped byte.
printf 'B' | dd of="$set/data/0/d/b" bs=1 seek=3 conv=notrunc status=none
vrun verify "$set"
expect_rc 1 "flipped byte"
expect_in out "path: d/b" "flipped byte: path"
expect_in out "reason: checksum mismatch" "flipped byte: reason"
vrun verify "$set" --json
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

# A truncated file, a missing file, a missing volume directory.
make_set "$set"
truncate -s 2 "$set/data/0/d/b"
vrun verify "$set"
expect_rc 1 "truncated file"
expect_in out "reason: size 2 bytes, manifest says 12" "truncated file"

make_set "$set"
rm "$set/data/0/d/b"
vrun verify "$set"
expect_rc 1 "missing file"
expect_in out "reason: missing" "missing file"

# Objects the manifest does not name are problems: a file, a directory
# (reported once, not walked), a symbolic link (not followed), and an
# extra data/<i>.
make_set "$set"
echo extra >"$set/data/0/extra"
mkdir -p "$set/data/0/d/newdir/deeper"
ln -s / "$set/data/0/d/escape"
mkdir "$set/data/7"
vrun verify "$set" --json
expect_rc 1 "objects the manifest does not name"
python3 -c '
import json, sys
ps = json.load(open(sys.argv[1]))["problems"]
got = sorted((str(p["path"]), p["reason"]) for p in ps)
want = sorted([("extra", "not in the manifest"),
               ("d/newdir", "not in the manifest"),
               ("d/escape", "not in the manifest"),
               ("None", "data/7: not in the manifest")])
sys.exit(got != want and print(got) is None)' "$TMP/out" ||
	fail "objects the manifest does not name: $(cat "$TMP/out")"

make_set "$set"
rm -r "$set/data/0"
vrun verify "$set"
expect_rc 1 "missing data/0"
expect_in out "reason: missing (its directory: No such file or directory)" \
	"missing data/0"

# A symbolic link or a FIFO where a file was is reported, never followed
# or opened.
make_set "$set"
rm "$set/data/0/d/b"
ln -s /etc/passwd "$set/data/0/d/b"
vrun verify "$set"
expect_rc 1 "symlink for a file"
expect_in out "reason: is a symlink, manifest says file" "symlink for a file"

make_set "$set"
rm "$set/data/0/d/b"
mkfifo "$set/data/0/d/b"
vrun verify "$set"
expect_rc 1 "FIFO for a file"
expect_in out "reason: is a fifo, manifest says file" "FIFO for a file"

# A changed symbolic link target, a changed device number.
make_set "$set"
ln -sfn ../elsewhere "$set/data/0/d/sym"
vrun verify "$set"
expect_rc 1 "changed link target"
expect_in out "path: d/sym" "changed link target: path"
expect_in out "reason: link target differs from the manifest" \
	"changed link target"

if [ "$(id -u)" -eq 0 ]; then
	make_set "$set"
	rm "$set/data/0/d/null"
	mknod "$set/data/0/d/null" c 1 5
	vrun verify "$set"
	expect_rc 1 "changed device node"
	expect_in out "reason: device number differs from the manifest" \
		"changed device node"
fi

# A hard link that is a copy.
make_set "$set"
rm "$set/data/0/d/hard"
cp "$set/data/0/a" "$set/data/0/d/hard"
vrun verify "$set"
expect_rc 1 "hard link copied"
expect_in out "reason: not a hard link of \"a\"" "hard link copied"

# The documents restore needs (BK-019): damaged, missing, a FIFO.
make_set "$set"
printf '<BACKUP_COMPONENTS />' >"$set/bcd.xml"
rm "$set/writers/$WRITER.xml"
vrun verify "$set" --json
expect_rc 1 "damaged documents"
python3 - "$TMP/out" "$WRITER" <<'PY' || fail "damaged documents: content"
import json, sys
d = json.load(open(sys.argv[1]))
reasons = sorted(p["reason"] for p in d["problems"])
assert all(p["volume"] is None and p["path"] is None for p in d["problems"])
assert reasons == ["bcd.xml: size 21 bytes, manifest says 20",
                   f"writers/{sys.argv[2]}.xml: missing"], reasons
PY
make_set "$set"
rm "$set/bcd.xml"
mkfifo "$set/bcd.xml"
vrun verify "$set"
expect_rc 1 "FIFO for bcd.xml"
expect_in out "reason: bcd.xml: not a regular file" "FIFO for bcd.xml"

# What the backup recorded: a failed component, an object not copied.
make_set "$set" failed-component failed-object
vrun verify "$set"
expect_rc 1 "failed component and object"
expect_in out "reason: component \"c\" of writer \"w\" failed: disk full" \
	"failed component"
expect_in out "path: d/secret" "failed object: path"
expect_in out "reason: not copied: EACCES: Permission denied" \
	"failed object"

# A manifest changed after the backup: a flipped mode, uid or time.
for change in '"mode":420/"mode":436' '"uid":0,/"uid":1,' \
	'"mtime_ns":1700000000123456789/"mtime_ns":1700000000123456780'; do
	make_set "$set"
	sed -i "0,/${change%%/*}/s//${change#*/}/" "$set/manifest.json"
	vrun verify "$set"
	expect_rc 1 "changed manifest ($change)"
	expect_empty out "changed manifest ($change)"
	expect_in err "EBADMSG: line 13: end.sha256: the manifest is damaged" \
		"changed manifest ($change)"
done

# Manifests that cannot be trusted: nothing is read, exit 1.
make_set "$set" "path=../../etc/passwd"
vrun verify "$set"
expect_rc 1 "path with .."
expect_empty out "path with .."
expect_in err "vss: verify: $set: EBADMSG: line 9: entries[3].path: \"../../etc/passwd\" is not a clean relative path" "path with .."

make_set "$set" "path=/etc/passwd"
vrun verify "$set"
expect_rc 1 "absolute path"
expect_in err "is not a clean relative path" "absolute path"

make_set "$set"
head -n 5 "$set/manifest.json" >"$set/m" && mv "$set/m" "$set/manifest.json"
vrun verify "$set"
expect_rc 1 "truncated manifest"
expect_in err "EBADMSG: line 5: no end record: the manifest is incomplete" \
	"truncated manifest"

make_set "$set"
printf '{"format": "vss-backup-set", "version": 2' >"$set/manifest.json"
vrun verify "$set"
expect_rc 1 "cut manifest"
expect_in err "EBADMSG: line 1: no newline at the end" "cut manifest"

# A FIFO (nobody writes it: an open for reading would block) or a
# symbolic link in place of the manifest.
make_set "$set"
rm "$set/manifest.json"
mkfifo "$set/manifest.json"
vrun verify "$set"
expect_rc 1 "FIFO manifest"
expect_in err "EINVAL: manifest.json: not a regular file" "FIFO manifest"

make_set "$set"
mv "$set/manifest.json" "$TMP/elsewhere.json"
ln -s "$TMP/elsewhere.json" "$set/manifest.json"
vrun verify "$set"
expect_rc 1 "symlinked manifest"
expect_in err "ELOOP: manifest.json: a symbolic link, not a regular file" \
	"symlinked manifest"

run verify "$TMP/no-such-set"
expect_rc 1 "no set"
expect_in err "vss: verify: $TMP/no-such-set: ENOENT: manifest.json:" "no set"

# Big manifests, 48 MiB each: one line of it is refused past 1 MiB; lines
# of valid records load one at a time.  Peak memory is measured (a whole
# document tree took 46 times the manifest's size).
limit=200
case $(ldd "$VSS") in
*libasan*) limit=800 ;; # AddressSanitizer: redzones, freed memory held
esac
make_set "$set"
rm -r "$set/data/0"/* # the manifests below name only the root there
python3 - "$set" "$VSS" "$limit" <<'PY' || fail "big manifests"
import hashlib, json, subprocess, sys

top, vss, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
head = ('{"format":"vss-backup-set","version":2,"snapshot_set_id":null,'
        '"context":0,"backup_type":"full","created":0,'
        '"freeze_window_ms":1,"application_consistent":true}\n'
        '{"kind":"volume","mount_point":"/","fstype":null,'
        '"shadow_root":null,"snapshot_id":null,"provider_id":null,'
        '"application_consistent":true}\n')

def entry(path, type_):
    return ('{"kind":"entry","volume":0,"path":"%s","type":"%s","mode":493,'
            '"uid":0,"gid":0,"user":null,"group":null,"mtime_ns":1,'
            '"atime_ns":1,"size":0,"link_target":null,"hardlink_of":null,'
            '"rdev":0,"sha256":null,"xattrs":{},"components":[]}\n'
            % (path, type_))

# The peak of verify alone: run by a small process of its own, as a
# fork of this one would count this one's memory too.
MEASURE = """
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
sys.stdout.write(f"{p.returncode} {rss}\\n" + p.stderr)
"""

def verify(text, what):
    with open(f"{top}/manifest.json", "w") as f:
        f.write(text)
    out = subprocess.run([sys.executable, "-c", MEASURE, vss, "verify", top],
                         capture_output=True, text=True, check=True).stdout
    status, rss = map(int, out.split("\n", 1)[0].split())
    print(f"{what}: {rss} MiB at the peak")
    assert rss < limit, f"{what}: {rss} MiB at the peak, limit {limit}"
    return status, out.split("\n", 1)[1]

# One line of 48 MiB.
status, err = verify(head + '{"kind":"entry","path":"' + "a" * (48 << 20) +
                     '"}\n', "one long line")
assert status == 1 and "line 3: longer than 1048575 bytes" in err, err
# 48 MiB of sockets (recorded only: nothing to read in data/).
lines = [head, entry("", "dir")]
size, i = len(head), 0
while size < (48 << 20):
    lines.append(entry("s%07d" % i, "socket"))
    size += len(lines[-1])
    i += 1
text = "".join(lines)
end = {"kind": "end", "volumes": 1, "components": 0, "documents": 0,
       "entries": i + 1, "failed": 0, "failed_total": 0,
       "sha256": hashlib.sha256(text.encode()).hexdigest()}
status, err = verify(text + json.dumps(end, separators=(",", ":")) + "\n",
                     f"{i + 1} entries")
assert status == 0, err
PY

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
