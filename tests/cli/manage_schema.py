# tests/cli/manage_schema.py - the JSON schemas of the management commands
# (docs/cli-json.md, "Management commands"): the exact key set of every
# object, checked recursively.
#
#   python3 manage_schema.py KIND FILE
#
# KIND is one of the names in SCHEMAS.  Exits 1 naming each object whose
# keys differ from the schema.
import json
import sys

WRITER = ["name", "class_id", "instance_id", "instance_name", "state",
          "state_code", "last_error", "failure", "application_failure",
          "message"]
PROVIDER = ["provider_id", "name", "type", "version", "version_id"]
SHADOW = ["snapshot_id", "snapshot_set_id", "created", "volume",
          "device", "exposed_name", "exposed_path", "originating_machine",
          "service_machine", "provider_id", "provider_name", "context", "context_name",
          "attributes", "persistent"]
SET = ["snapshot_set_id", "created", "snapshot_count", "shadow_copies"]
VOLUME = ["volume", "fstype", "source", "providers", "supported",
          "snapshotted", "shadow_copies"]
VOLUME_PROVIDER = ["provider_id", "name"]
WMD = ["type", "identity", "backup_schema", "restore_method",
       "alternate_location_mappings", "exclude_files",
       "exclude_files_from_snapshot", "components"]
IDENTITY = ["friendly_name", "class_id", "instance_id", "instance_name",
            "usage", "source", "major_version", "minor_version"]

errors = []


def keys(obj, want, where):
    if not isinstance(obj, dict):
        errors.append(f"{where}: not an object: {obj!r}")
    elif set(obj) != set(want):
        errors.append(f"{where}: keys {sorted(obj)} != {sorted(want)}")


def each(lst, want, where):
    if not isinstance(lst, list):
        errors.append(f"{where}: not a list: {lst!r}")
        return
    for i, item in enumerate(lst):
        keys(item, want, f"{where}[{i}]")


def wmd(doc, where):
    keys(doc, WMD, where)
    keys(doc.get("identity"), IDENTITY, where + ".identity")


def list_writers(d):
    keys(d, ["writers", "count", "metadata"], "root")
    each(d["writers"], WRITER, "writers")
    for i, doc in enumerate(d["metadata"]):
        wmd(doc, f"metadata[{i}]")


def list_providers(d):
    keys(d, ["providers", "count"], "root")
    each(d["providers"], PROVIDER, "providers")


def list_shadows(d):
    keys(d, ["sets", "count"], "root")
    each(d["sets"], SET, "sets")
    for i, s in enumerate(d["sets"]):
        each(s["shadow_copies"], SHADOW, f"sets[{i}].shadow_copies")


def list_volumes(d):
    keys(d, ["volumes", "count"], "root")
    each(d["volumes"], VOLUME, "volumes")
    for i, v in enumerate(d["volumes"]):
        each(v["providers"], VOLUME_PROVIDER, f"volumes[{i}].providers")


def status(d):
    keys(d, ["vssd", "providers", "writers", "shadow_copies", "volumes"],
         "root")
    keys(d["vssd"], ["socket"], "vssd")
    each(d["providers"], PROVIDER, "providers")
    keys(d["writers"], ["count", "states", "failed"], "writers")
    each(d["writers"]["states"], ["state", "count"], "writers.states")
    each(d["writers"]["failed"], WRITER, "writers.failed")
    keys(d["shadow_copies"], ["count", "persistent", "auto_release",
                              "exposed"], "shadow_copies")
    each(d["volumes"], ["volume", "shadow_copies"], "volumes")


def delete(d):
    keys(d, ["deleted", "skipped", "stopped_at"], "root")


def expose(d):
    keys(d, ["snapshot_id", "exposed_name"], "root")


def writer_metadata(d):
    keys(d, ["writers", "count"], "root")
    if not isinstance(d.get("writers"), list):
        errors.append("writers: not a list")
        return
    for i, doc in enumerate(d["writers"]):
        wmd(doc, f"writers[{i}]")


def writer_metadata_save(d):
    keys(d, ["saved", "count"], "root")
    each(d["saved"], ["name", "instance_id", "file"], "saved")


SCHEMAS = {
    "list_writers": list_writers,
    "list_providers": list_providers,
    "list_shadows": list_shadows,
    "list_volumes": list_volumes,
    "status": status,
    "delete": delete,
    "expose": expose,
    "writer_metadata": writer_metadata,
    "writer_metadata_save": writer_metadata_save,
}

if __name__ == "__main__":
    kind, path = sys.argv[1:3]
    with open(path) as f:
        SCHEMAS[kind](json.load(f))
    for e in errors:
        print(f"FAIL: {kind}: {e}", file=sys.stderr)
    sys.exit(1 if errors else 0)
