# The SQLite writer of vss-writerd (docs/writer-sqlite.md) with real
# databases on a loop btrfs volume: a WAL-mode and a rollback-journal
# database, each written continuously by its own process (rows 1, 2, 3 ...
# each in its own transaction together with a running total), are backed
# up with "vss backup" while the inserts run.  A restore while a process
# holds a database open fails at pre_restore, retryable, naming the pid;
# with nobody holding them, the damaged databases are restored: integrity
# check ok, ids exactly 1..k (a prefix of the inserts, at least what was
# committed before the backup, at most what was committed after it) and
# the totals match.  A third, idle database in rollback-journal mode is
# backed up without a -wal; after the backup it is switched to WAL mode
# by a writer that crashes and leaves a -wal, and post_restore removes
# that -wal (logged) so its frames are not replayed onto the restored
# file.  Last, a missing database fails identify, retryable.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
[ -x "${VSS_WRITERD:-}" ] || { echo "VSS_WRITERD is not set" >&2; exit 1; }
python3 -c 'import sqlite3' 2>/dev/null ||
	{ echo "python3 has no sqlite3 module" >&2; exit 1; }

vol=$(sys_btrfs vol)
: "${vol:?sys_btrfs gave no mount point}"
sys_vssd
mkdir -p "${vol:?}/app"
wal_db=$vol/app/wal.db
journal_db=$vol/app/journal.db
stale_db=$vol/app/stale.db

# ---- the databases and their writers ---------------------------------------
# make_db PATH MODE: rows(id) and total(n, s) in journal mode MODE.
make_db() {
	python3 - "$1" "$2" <<'PY'
import sqlite3, sys
path, mode = sys.argv[1:]
con = sqlite3.connect(path, isolation_level=None)
con.execute("PRAGMA journal_mode=" + mode)
con.execute("CREATE TABLE rows(id INTEGER PRIMARY KEY)")
con.execute("CREATE TABLE total(one INTEGER PRIMARY KEY CHECK (one = 1),"
            " n INTEGER NOT NULL, s INTEGER NOT NULL)")
con.execute("INSERT INTO total VALUES (1, 0, 0)")
con.close()
PY
}

# The inserter: row i and the total in one transaction, for i = 1, 2, ...
# until killed; the last committed i in PATH.count after each commit.  A
# long busy timeout: a write waits out the freeze instead of failing.
cat >"$TMP/inserter.py" <<'PY'
import os, sqlite3, sys
path = sys.argv[1]
con = sqlite3.connect(path, isolation_level=None, timeout=60)
i = con.execute("SELECT n FROM total").fetchone()[0]
while True:
    i += 1
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO rows VALUES (?)", (i,))
    con.execute("UPDATE total SET n = ?, s = s + ?", (i, i))
    con.execute("COMMIT")
    with open(path + ".count.tmp", "w") as f:
        f.write("%d\n" % i)
    os.rename(path + ".count.tmp", path + ".count")
PY

declare -A INSERTER=()
start_inserter() {
	python3 "$TMP/inserter.py" "$1" 2>>"$TMP/inserter.err" &
	INSERTER[$1]=$!
	SYS_PIDS+=($!)
}
# stop_inserter PATH: SIGKILL, as a crash: it may leave a -wal behind.
stop_inserter() {
	kill -KILL "${INSERTER[$1]}" 2>/dev/null || true
	wait "${INSERTER[$1]}" 2>/dev/null || true
}
committed() {
	cat "$1.count" 2>/dev/null || echo 0
}
# wait_committed PATH N: until the inserter of PATH has committed row N.
wait_committed() {
	local i
	for i in $(seq 600); do
		[ "$(committed "$1")" -ge "$2" ] && return 0
		kill -0 "${INSERTER[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "the inserter of $1 did not reach row $2:" >&2
	cat "$TMP/inserter.err" >&2
	exit 1
}

make_db "$wal_db" wal
make_db "$journal_db" delete
# Rollback-journal mode and idle: the backup holds no -wal.
make_db "$stale_db" delete
mkdir "$TMP/writers.d"
cat >"$TMP/writers.d/sqlite.conf" <<EOF
[writer]
type = sqlite
name = sqlite-test
[sqlite]
database = $wal_db
database = "$journal_db" journal
database = $stale_db
busy_timeout = 5
EOF
sys_writerd "$TMP/writers.d"
sys_wait_listed "$VSS" sqlite-test || {
	echo "vss-writerd's sqlite writer never subscribed:" >&2
	cat "$TMP/writerd.log" >&2
	exit 1
}

# ---- backup while the inserts run -----------------------------------------
start_inserter "$wal_db"
start_inserter "$journal_db"
wait_committed "$wal_db" 100
wait_committed "$journal_db" 100
declare -A before_backup=() after_backup=()
for db in "$wal_db" "$journal_db"; do
	before_backup[$db]=$(committed "$db")
done
run backup --writer sqlite-test --to "$TMP/set" --json
expect_rc 0 "backup while inserting"
for db in "$wal_db" "$journal_db"; do
	after_backup[$db]=$(committed "$db")
done
grep -q 'freeze: ok' "$TMP/writerd.log" || fail "no freeze in the log"
grep -q 'thaw: ok' "$TMP/writerd.log" || fail "no thaw in the log"
# Inserts go on after the backup, so the restore has something to undo.
for db in "$wal_db" "$journal_db"; do
	wait_committed "$db" $((after_backup[$db] + 100))
	stop_inserter "$db"
done
run verify "$TMP/set"
expect_rc 0 "verify the set"

# ---- pre_restore while a process holds the database -------------------------
python3 - "$wal_db" "$TMP/holder.ready" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1])
con.execute("SELECT count(*) FROM rows").fetchall()
open(sys.argv[2], "w").close()
time.sleep(600)
PY
holder=$!
SYS_PIDS+=("$holder")
for i in $(seq 100); do
	[ -e "$TMP/holder.ready" ] && break
	sleep 0.1
done
sum_before=$(sha256sum "$wal_db" | cut -d' ' -f1)
run restore "$TMP/set" --writer sqlite-test --json
expect_rc 1 "restore while the database is open"
grep -q "pid $holder (python3)" "$TMP/out" "$TMP/err" ||
	fail "vss restore does not name pid $holder: $(cat "$TMP/out" "$TMP/err")"
grep -q 'pre_restore: failed: VSS_E_WRITERERROR_RETRYABLE' "$TMP/writerd.log" ||
	fail "pre_restore did not fail retryable: $(grep pre_restore "$TMP/writerd.log")"
# writer_state CODE FAILURE MESSAGE: vss list writers shows sqlite-test in
# state CODE with that failure and a message holding MESSAGE.
writer_state() {
	run list writers --json
	python3 - "$TMP/out" "$@" <<'PY' || fail "vss list writers: $(cat "$TMP/out")"
import json, sys
out, code, failure, message = sys.argv[1:]
w = [w for w in json.load(open(out))["writers"] if w.get("name") == "sqlite-test"]
assert w, "sqlite-test is not listed"
w = w[0]
assert w["state_code"] == int(code), w
assert w["failure"] == failure, w
assert message in w["message"], w
PY
}
writer_state 13 VSS_E_WRITERERROR_RETRYABLE "is open in pid $holder (python3)"
[ "$(sha256sum "$wal_db" | cut -d' ' -f1)" = "$sum_before" ] ||
	fail "the refused restore changed the database"
kill -TERM "$holder"
wait "$holder" 2>/dev/null || true

# ---- damage, restore, check -----------------------------------------------
# Garbage in both (a missing one would fail identify: then the restore
# runs without the writer).  The killed inserters left a -wal and -shm,
# maybe a hot -journal: what the backup did not hold of them must go.
head -c 65536 /dev/urandom >"$wal_db"
head -c 65536 /dev/urandom >"$journal_db"
# The idle database goes to WAL mode after the backup and gets rows from
# a process that dies without closing (no checkpoint): they are only in
# its -wal.
python3 - "$stale_db" <<'PY'
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA journal_mode=wal")
con.execute("PRAGMA wal_autocheckpoint=0")
for i in range(1, 51):
    con.execute("INSERT INTO rows VALUES (?)", (i,))
os._exit(0)
PY
[ -s "$stale_db-wal" ] || fail "no -wal left behind by the crashed writer"
run restore "$TMP/set" --writer sqlite-test --json
expect_rc 0 "restore"
grep -q 'post_restore: ok' "$TMP/writerd.log" ||
	fail "post_restore did not succeed: $(grep post_restore "$TMP/writerd.log")"
grep -q "removed $stale_db-wal: not in the backup" "$TMP/writerd.log" ||
	fail "the stale -wal was not removed: $(grep -i stale "$TMP/writerd.log")"
stale_rows=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM rows").fetchone()[0])' "$stale_db")
[ "$stale_rows" = 0 ] || fail "$stale_db has $stale_rows rows: the old -wal was replayed"
for db in "$wal_db" "$journal_db"; do
	result=$(python3 - "$db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
check = con.execute("PRAGMA integrity_check").fetchall()
ids = [r[0] for r in con.execute("SELECT id FROM rows ORDER BY id")]
n, s = con.execute("SELECT n, s FROM total").fetchone()
k = len(ids)
problems = []
if check != [("ok",)]:
    problems.append("integrity_check: %r" % check[:3])
if ids != list(range(1, k + 1)):
    problems.append("ids are not 1..%d" % k)
if n != k or s != k * (k + 1) // 2:
    problems.append("total n=%d s=%d for %d rows" % (n, s, k))
print(k, "; ".join(problems) or "ok")
PY
	)
	k=${result%% *}
	[ "${result#* }" = ok ] || fail "$db after the restore: ${result#* }"
	[ "$k" -ge "${before_backup[$db]}" ] ||
		fail "$db: $k rows, but ${before_backup[$db]} were committed before the backup"
	[ "$k" -le "${after_backup[$db]}" ] ||
		fail "$db: $k rows, but only ${after_backup[$db]} were committed when the backup ended"
done

# ---- identify: a missing database -----------------------------------------
rm -f "$journal_db" "$journal_db"-journal
run list writers --verbose
# 6: failed at identify.
writer_state 6 VSS_E_WRITERERROR_RETRYABLE "database $journal_db is missing"

sys_stop_writerd || fail "vss-writerd exited with status $?"
if [ "$failures" -ne 0 ]; then
	echo "writerd log:" >&2
	sed 's/^/    /' "$TMP/writerd.log" >&2
	exit 1
fi
echo "ok"
