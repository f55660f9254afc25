# "vss metadata FILE --json" prints one JSON object with every field of
# the model (docs/cli-json.md): the keys of each object are checked
# exactly, so a field added to the output without the schema, or lost from
# it, fails here.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

for f in "$EXAMPLES"/*.xml; do
	run metadata "$f" --json
	expect_rc 0 "vss metadata $f --json"
	expect_empty err "vss metadata $f --json"
	cp "$TMP/out" "$TMP/$(basename "$f").json"
done

python3 - "$TMP" <<'PY' || fail "json content"
import json, sys

tmp = sys.argv[1]
errors = []

def load(name):
    with open(f"{tmp}/{name}.json") as f:
        return json.load(f)

def keys(obj, want, where):
    if set(obj) != set(want):
        errors.append(f"{where}: keys {sorted(obj)} != {sorted(want)}")

def eq(got, want, where):
    if got != want:
        errors.append(f"{where}: {got!r} != {want!r}")

FILE_DESC = ["path", "filespec", "recursive", "alternate_path",
             "backup_type_mask"]
WM_COMPONENT = ["logical_path", "name", "type", "caption", "icon",
                "restore_metadata", "notify_on_backup_complete",
                "selectable", "selectable_for_restore", "flags", "files",
                "database_files", "log_files", "dependencies"]
WMD = ["type", "identity", "backup_schema", "restore_method",
       "alternate_location_mappings", "exclude_files",
       "exclude_files_from_snapshot", "components"]
IDENTITY = ["friendly_name", "class_id", "instance_id", "instance_name",
            "usage", "source", "major_version", "minor_version"]
RESTORE_METHOD = ["method", "service", "user_procedure", "writer_restore",
                  "reboot_required"]
BCD = ["type", "backup_state", "restore_type", "context",
       "snapshot_set_id", "snapshots", "writers"]
BACKUP_STATE = ["select_components", "bootable_system_state",
                "backup_type", "partial_file_support"]
BCD_WRITER = ["class_id", "instance_id", "instance_name", "backup_schema",
              "components"]
BCD_COMPONENT = ["logical_path", "name", "type", "backup_succeeded",
                 "selected_for_restore", "additional_restores",
                 "authoritative_restore", "rollforward_type",
                 "restore_target", "file_restore_status",
                 "backup_options", "restore_options", "backup_stamp",
                 "previous_backup_stamp", "received_backup_stamp",
                 "backup_metadata", "restore_metadata",
                 "prepare_backup_failure_msg", "post_snapshot_failure_msg",
                 "pre_restore_failure_msg", "post_restore_failure_msg",
                 "restore_name", "rollforward_point", "ranges_file_path",
                 "failure", "restore_subcomponents",
                 "alternate_location_mappings", "new_targets",
                 "directed_targets", "partial_files", "differenced_files"]

def check_wmd(doc, where):
    keys(doc, WMD, where)
    keys(doc["identity"], IDENTITY, where + ".identity")
    if doc["restore_method"] is not None:
        keys(doc["restore_method"], RESTORE_METHOD, where + ".restore_method")
    for lst in ("exclude_files", "exclude_files_from_snapshot"):
        for d in doc[lst]:
            keys(d, FILE_DESC, f"{where}.{lst}")
    for c in doc["components"]:
        keys(c, WM_COMPONENT, f"{where}.components[{c['name']}]")
        for lst in ("files", "database_files", "log_files"):
            for d in c[lst]:
                keys(d, FILE_DESC, f"{where}.{c['name']}.{lst}")

pg = load("postgresql-writer.wmd.xml")
check_wmd(pg, "pg")
eq(pg["type"], "wmd", "pg.type")
ident = pg["identity"]
eq(ident["friendly_name"], "PostgreSQL writer", "pg friendly_name")
eq(ident["class_id"], "956c499b-ecbc-446f-9708-d36a231d7dcf", "pg class")
eq(ident["instance_id"], "f940801c-d4ac-41a9-9644-4d8ae1b519a4", "pg inst")
eq(ident["instance_name"], "postgresql-15-main", "pg instance_name")
eq(ident["usage"], "USER_DATA", "pg usage")
eq(ident["source"], "TRANSACTION_DB", "pg source")
eq([ident["major_version"], ident["minor_version"]], [1, 0], "pg version")
eq(pg["backup_schema"], 89, "pg backup_schema")
eq(pg["restore_method"], {"method": "RESTORE_IF_CAN_BE_REPLACED",
                          "service": None, "user_procedure": None,
                          "writer_restore": "always",
                          "reboot_required": False}, "pg restore_method")
eq(pg["alternate_location_mappings"], [], "pg mappings")
eq([(d["path"], d["filespec"], d["recursive"]) for d in pg["exclude_files"]],
   [("/var/lib/postgresql/15/main", "postmaster.pid", False),
    ("/var/lib/postgresql/15/main/pg_stat_tmp", "*", True),
    ("/srv/pg-tablespaces", "pgsql_tmp*", True)], "pg exclude_files")
eq([(d["path"], d["filespec"], d["recursive"], d["alternate_path"])
    for d in pg["exclude_files_from_snapshot"]],
   [("/var/lib/postgresql/15/main/pg_replslot", "*", True, None)],
   "pg exclude_files_from_snapshot")
comps = {c["name"]: c for c in pg["components"]}
eq(sorted(comps), ["config", "main", "tablespaces"], "pg components")
main = comps["main"]
eq([main["type"], main["logical_path"], main["selectable"],
    main["selectable_for_restore"], main["notify_on_backup_complete"],
    main["icon"], main["flags"]],
   ["database", "15", True, True, True, None, 0], "pg main")
eq(main["caption"], 'PostgreSQL 15 cluster "main"', "pg main caption")
eq(len(main["database_files"]), 3, "pg main database_files")
eq([d["path"] for d in main["log_files"]],
   ["/var/lib/postgresql/15/main/pg_wal"], "pg main log_files")
eq(main["files"], [], "pg main files")
ts = comps["tablespaces"]
eq([ts["type"], ts["logical_path"], ts["selectable"]],
   ["filegroup", "15\\main", False], "pg tablespaces")
eq([(d["path"], d["recursive"]) for d in ts["files"]],
   [("/srv/pg-tablespaces/fast", True),
    ("/srv/pg-tablespaces/archive", True)], "pg tablespaces files")
eq(comps["config"]["flags"], 4, "pg config flags")

mail = load("maildir-writer.wmd.xml")
check_wmd(mail, "mail")
eq(mail["identity"]["instance_name"], None, "mail instance_name")
eq([mail["identity"]["major_version"], mail["identity"]["minor_version"]],
   [2, 1], "mail version")
eq([(c["logical_path"], c["name"], c["selectable"],
     c["selectable_for_restore"]) for c in mail["components"]],
   [(None, "index", False, False), ("index", "settings", False, False),
    (None, "store", True, True), ("store", "users", False, True),
    ("store", "archive", True, True),
    ("store\\archive", "2023", False, False)], "mail components")
eq(mail["components"][2]["files"], [], "mail store has no files")

bcd = load("backup.bcd.xml")
keys(bcd, BCD, "bcd")
eq(bcd["type"], "bcd", "bcd.type")
eq(bcd["backup_state"], {"select_components": True,
                         "bootable_system_state": False,
                         "backup_type": "full",
                         "partial_file_support": False}, "bcd backup_state")
eq(bcd["snapshot_set_id"], "6987463d-e8d6-4c13-a689-c6440aeefc9a", "set id")
eq(bcd["snapshots"], [], "bcd snapshots")
eq(bcd["context"], 0, "bcd context")
eq(len(bcd["writers"]), 2, "bcd writers")
for w in bcd["writers"]:
    keys(w, BCD_WRITER, "bcd writer")
    for c in w["components"]:
        keys(c, BCD_COMPONENT, f"bcd component {c['name']}")
pgw, mailw = bcd["writers"]
eq([pgw["class_id"], pgw["instance_id"], pgw["instance_name"],
    pgw["backup_schema"]],
   ["956c499b-ecbc-446f-9708-d36a231d7dcf",
    "f940801c-d4ac-41a9-9644-4d8ae1b519a4", "postgresql-15-main", 89],
   "bcd pg writer")
eq([(c["logical_path"], c["name"], c["type"]) for c in pgw["components"]],
   [("15", "main", "database"), ("15", "config", "filegroup")],
   "bcd pg components")
c = pgw["components"][0]
eq(c["backup_stamp"], "lsn=0/5000100;timeline=1", "bcd main backup_stamp")
eq(c["backup_metadata"], "bGFiZWw9dnNzLWRlbW87c3RhcnRfbHNuPTAvNTAwMDAyODtz"
   "dG9wX2xzbj0wLzUwMDAxMDA7dGltZWxpbmU9MQ==", "bcd main backup_metadata")
eq([c["failure"], c["restore_target"], c["backup_succeeded"],
    c["previous_backup_stamp"], c["partial_files"]],
   [None, "ORIGINAL", False, None, []], "bcd main defaults")
eq([(c["logical_path"], c["name"], c["backup_stamp"])
    for c in mailw["components"]],
   [(None, "index", None), ("index", "settings", None),
    (None, "store", "2024-05-01T02:00:00Z")], "bcd mail components")
eq(mailw["instance_name"], None, "bcd mail instance_name")

for e in errors:
    print("FAIL:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

finish
