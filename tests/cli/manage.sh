# tests/cli/manage.sh - helpers for the tests of the management commands
# (list, status, delete, expose, unexpose, writer-metadata).  Source it
# after common.sh (and sys.sh).
#
#   check_schema KIND WHAT     the last run's stdout has the exact keys of
#                              KIND (manage_schema.py)
#   out_json EXPR              print EXPR, Python with d = the last run's
#                              stdout as JSON
#   shadow_ids [CONDITION]     the ids of vssd's shadow copies (those for
#                              which CONDITION, Python on the shadow copy
#                              object s, holds), one a line
#   shadow_field ID KEY        a field of the shadow copy ID
#   make_set VOLUME...         "vss create VOLUME... --persistent"; prints
#                              the ids of the new shadow copies

check_schema() {
	python3 "$SRC/tests/cli/manage_schema.py" "$1" "$TMP/out" ||
		fail "$2: JSON keys differ from the schema"
}

out_json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$TMP/out" "$1"
}

shadow_ids() {
	"$VSS" list shadows --json | python3 -c 'import json, sys
cond = sys.argv[1] if len(sys.argv) > 1 else "True"
for st in json.load(sys.stdin)["sets"]:
    for s in st["shadow_copies"]:
        if eval(cond):
            print(s["snapshot_id"])' "$@"
}

shadow_field() {
	"$VSS" list shadows --json --id "$1" | python3 -c 'import json, sys
print(json.load(sys.stdin)["sets"][0]["shadow_copies"][0][sys.argv[1]])' "$2"
}

make_set() {
	local before
	before=$(shadow_ids)
	if ! "$VSS" create "$@" --persistent >"$TMP/create.out" 2>&1; then
		echo "vss create $* --persistent failed:" >&2
		cat "$TMP/create.out" >&2
		return 1
	fi
	comm -13 <(echo "$before" | sort) <(shadow_ids | sort)
}
