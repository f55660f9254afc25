# The MariaDB writer of vss-writerd (docs/writer-mariadb.md) with a real
# server: a data directory made by mariadb-install-db on a loop btrfs
# volume, mariadbd on a private socket with a binary log, and one client
# committing transactions all the while, each inserting a row and adding
# it to a running total in the same transaction.  "vss backup" of the
# writer during that load; the backup metadata holds the binary log
# position; the data directory is moved away, "vss restore" puts it back,
# mariadbd recovers on it and the total matches the rows;
# DATADIR/vss-binlog-position holds the backup's position.  A restore
# while the server runs fails in pre_restore, retryable, with the
# writer's message; with the server down the writer is listed as failed
# at identify until it has seen the server, and, once it has, a
# vss-writerd restarted with the server down describes the server from
# its state file (listed Stable).  Every exit path stops mariadbd before
# the volumes go.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
MARIADBD=/usr/sbin/mariadbd
for tool in "$MARIADBD" mariadb-install-db mariadb mariadb-admin \
	mariadb-binlog; do
	if ! command -v "$tool" >/dev/null; then
		echo "$tool is not installed: run scripts/install-deps.sh" >&2
		exit 1
	fi
done
[ -x "${VSS_WRITERD:-}" ] || { echo "VSS_WRITERD is not set" >&2; exit 1; }

vol=$(sys_btrfs vol 1024)
dest=$(sys_btrfs dest 1024)
datadir=$vol/mysql
sock=$TMP/mysqld.sock
pid_file=$TMP/mysqld.pid
MDB_PID=

# sql STATEMENTS: run them as root through the socket, tab separated.
sql() {
	mariadb --no-defaults --socket="$sock" --user=root --batch \
		--skip-column-names -e "$1"
}

# mdb_start: mariadbd on $datadir, returns once it answers.
mdb_start() {
	local i
	"$MARIADBD" --no-defaults --datadir="$datadir" --socket="$sock" \
		--pid-file="$pid_file" --skip-networking --user=root \
		--log-bin="$datadir/mysql-bin" --server-id=1 \
		--innodb-log-file-size=16M --innodb-buffer-pool-size=32M \
		--log-error="$TMP/mariadbd.err" >>"$TMP/mariadbd.out" 2>&1 &
	MDB_PID=$!
	# sys_cleanup stops it (SIGTERM, waited for) before unmounting.
	SYS_PIDS+=("$MDB_PID")
	for i in $(seq 300); do
		if mariadb-admin --no-defaults --socket="$sock" --user=root \
			ping >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$MDB_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "mariadbd did not start:" >&2
	tail -30 "$TMP/mariadbd.err" >&2
	exit 1
}

mdb_stop() {
	local pid keep=()
	kill -TERM "$MDB_PID" 2>/dev/null || true
	wait "$MDB_PID" 2>/dev/null || true
	for pid in "${SYS_PIDS[@]}"; do
		[ "$pid" = "$MDB_PID" ] || keep+=("$pid")
	done
	SYS_PIDS=("${keep[@]}")
	MDB_PID=
}

# check_invariant WHAT: the total is the sum of the rows; prints rows.
check_invariant() {
	local row n total count sum
	row=$(sql "SELECT t.n, t.total, (SELECT COUNT(*) FROM app.item),
		(SELECT COALESCE(SUM(v), 0) FROM app.item)
		FROM app.total t WHERE t.id = 1")
	read -r n total count sum <<<"$row"
	if [ "$n" != "$count" ] || [ "$total" != "$sum" ]; then
		fail "$1: total says $n rows summing to $total, the table has $count summing to $sum"
	fi
	echo "$count"
}

sys_vssd
mkdir "$TMP/writers.d"
cat >"$TMP/writers.d/mdb.conf" <<EOF
[writer]
type = mariadb
log_file = $TMP/mdb-writer.log
[mariadb]
socket = $sock
user = root
timeout = 20
EOF
sys_writerd "$TMP/writers.d"
sys_wait_listed "$VSS" MariaDB || { cat "$TMP/writerd.log" >&2; exit 1; }

# ---- no server yet: failed at identify, retryable --------------------------
# --verbose gathers (the writer identifies); the states listed next are
# those of that gather.
run list writers --verbose
expect_rc 0 "list writers --verbose with the server down"
run list writers
expect_rc 0 "list writers with the server down"
expect_in out "state: [6] Failed" "identify failure state"
expect_in out "MariaDB is not reachable (socket $sock)" "identify failure message"
expect_in out RETRYABLE "identify failure status"

mariadb-install-db --no-defaults --datadir="$datadir" --user=root \
	--auth-root-authentication-method=socket --skip-test-db \
	>"$TMP/install-db.log" 2>&1 ||
	{ echo "mariadb-install-db failed:" >&2; cat "$TMP/install-db.log" >&2; exit 1; }
mdb_start
sql "CREATE DATABASE app;
	CREATE TABLE app.item (id BIGINT AUTO_INCREMENT PRIMARY KEY,
		v BIGINT NOT NULL) ENGINE=InnoDB;
	CREATE TABLE app.total (id INT PRIMARY KEY, n BIGINT NOT NULL,
		total BIGINT NOT NULL) ENGINE=InnoDB;
	INSERT INTO app.total VALUES (1, 0, 0);"

# ---- the load: one session, one transaction after the other -------------
{
	i=0
	while [ ! -e "$TMP/stop-load" ]; do
		i=$((i + 1))
		echo "BEGIN; INSERT INTO app.item (v) VALUES ($i);
			UPDATE app.total SET n = n + 1, total = total + $i
			WHERE id = 1; COMMIT;"
	done
} | mariadb --no-defaults --socket="$sock" --user=root >"$TMP/load.out" 2>&1 &
load_pid=$!
SYS_PIDS+=("$load_pid")
for i in $(seq 300); do
	[ "$(sql 'SELECT n FROM app.total')" -ge 200 ] && break
	sleep 0.1
done

# ---- identify: the component covers the data directory -------------------
# The writer identifies at each gather; this one reaches the server.
run writer-metadata
expect_rc 0 "writer-metadata"
grep -qF "path=\"$datadir\"" "$TMP/out" ||
	fail "the WMD does not name $datadir: $(grep -i file "$TMP/out" | head -5)"

# ---- backup under load -----------------------------------------------------
run backup --writer MariaDB --to "$dest/set" --json
expect_rc 0 "backup"
cp "$TMP/out" "$TMP/backup.json"
[ -f "$dest/set/bcd.xml" ] || fail "no bcd.xml in the backup set"
rows_at_backup=$(check_invariant "live, after the backup")
[ "$(sql 'SELECT n FROM app.total')" -gt 0 ] || fail "the load wrote nothing"
grep -q "freeze: ok" "$TMP/writerd.log" ||
	fail "no 'freeze: ok' in the writerd log: $(tail -20 "$TMP/writerd.log")"
grep -q "commits blocked; binary log at mysql-bin" "$TMP/writerd.log" ||
	fail "freeze did not log the binary log position"
[ -s "$TMP/mdb-writer.log" ] || fail "log_file $TMP/mdb-writer.log is empty"

# The backup metadata, from the saved BCD through "vss metadata --json".
run metadata "$dest/set/bcd.xml" --json
expect_rc 0 "metadata of the BCD"
python3 - "$TMP/out" >"$TMP/meta.json" <<'PY' || fail "no MariaDB backup metadata in the BCD"
import json, sys
def walk(o):
    if isinstance(o, dict):
        for v in o.values():
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
    elif isinstance(o, str) and '"vss-mariadb-backup"' in o:
        yield o
found = list(walk(json.load(open(sys.argv[1]))))
if len(found) != 1:
    sys.exit(1)
print(found[0])
PY
meta() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$TMP/meta.json" "$1"
}
binlog_file=$(meta binlog_file)
binlog_position=$(meta binlog_position)
[ "$(meta lock)" = backup_stage ] || fail "lock is $(meta lock), not backup_stage"
[ "$(meta datadir)" = "$datadir" ] || fail "datadir is $(meta datadir)"
[ "$(meta pid_file)" = "$pid_file" ] || fail "pid_file is $(meta pid_file)"
case $binlog_file in
mysql-bin.[0-9]*) ;;
*) fail "binlog_file is '$binlog_file'" ;;
esac
[ "$binlog_position" -gt 0 ] || fail "binlog_position is $binlog_position"
[ -n "$(meta gtid_binlog_pos)" ] || fail "no gtid_binlog_pos"

# ---- stop the load and the server -----------------------------------------
touch "$TMP/stop-load"
wait "$load_pid" || fail "the load client failed: $(tail -5 "$TMP/load.out")"
rows_before=$(check_invariant "live, after the load")
[ "$rows_before" -ge "$rows_at_backup" ] || fail "rows went down"
mdb_stop

# ---- restore into a fresh data directory ----------------------------------
# The server is down: the writer identifies with the layout it saw last,
# so that it takes part (pre_restore checks the server is stopped).
mv "$datadir" "$vol/mysql.old"
run restore "$dest/set" --writer MariaDB --json
expect_rc 0 "restore"
[ -d "$datadir" ] || fail "the data directory was not restored"
grep -q "post_restore: ok" "$TMP/writerd.log" ||
	fail "no 'post_restore: ok' in the writerd log: $(tail -20 "$TMP/writerd.log")"
pos_file=$datadir/vss-binlog-position
if [ -f "$pos_file" ]; then
	grep -qx "binlog_file=$binlog_file" "$pos_file" ||
		fail "vss-binlog-position: $(cat "$pos_file")"
	grep -qx "binlog_position=$binlog_position" "$pos_file" ||
		fail "vss-binlog-position: $(cat "$pos_file")"
	[ "$(stat -c %a "$pos_file")" = 640 ] || fail "vss-binlog-position mode"
else
	fail "no $pos_file"
fi
[ -e "$pid_file" ] && fail "a pid file is there after the restore"

# ---- the restored server recovers, the invariant holds ---------------------
: >"$TMP/mariadbd.err"
mdb_start
rows_restored=$(check_invariant "restored")
[ "$rows_restored" -gt 0 ] || fail "no rows after the restore"
[ "$rows_restored" -le "$rows_at_backup" ] ||
	fail "restored $rows_restored rows, more than the $rows_at_backup there after the backup"
# Commits were blocked at the snapshot: the restored data holds exactly
# the transactions of the binary log before the saved position.
logged=$(mariadb-binlog --no-defaults --stop-position="$binlog_position" \
	"$datadir/$binlog_file" | grep -c "INSERT INTO app.item" || true)
[ "$logged" = "$rows_restored" ] ||
	fail "the binary log has $logged inserts before $binlog_position, the restored data $rows_restored rows"
grep -qi "crash recovery\|recovery from checkpoint\|Starting final batch" "$TMP/mariadbd.err" ||
	echo "note: mariadbd did not report a crash recovery" >&2
# The restored binary log ends at (or after) the saved position.
size=$(stat -c %s "$datadir/$binlog_file")
[ "$size" -ge "$binlog_position" ] ||
	fail "$binlog_file is $size bytes, shorter than the saved position $binlog_position"

# ---- a restore while the server runs: pre_restore fails --------------------
run restore "$dest/set" --writer MariaDB --json
[ "$rc" -ne 0 ] || fail "a restore over the running server succeeded"
grep -qF "MariaDB is running (pid $MDB_PID) on $datadir; stop it before restoring" \
	"$TMP/out" "$TMP/err" ||
	fail "the restore does not give the writer's message: $(cat "$TMP/err" | head -5)"
grep -q "pre_restore: failed: VSS_E_WRITERERROR_RETRYABLE" "$TMP/writerd.log" ||
	fail "pre_restore did not fail retryable: $(grep pre_restore "$TMP/writerd.log" | tail -3)"
[ "$(check_invariant "after the refused restore")" = "$rows_restored" ] ||
	fail "the refused restore changed the data"

# ---- the server down, vss-writerd restarted: described from its state ---
mdb_stop
sys_stop_writerd || fail "vss-writerd exited $?"
[ -s "$TMP/writerd-state/mdb.state" ] || fail "no state file for the writer"
sys_writerd "$TMP/writers.d"
sys_wait_listed "$VSS" MariaDB || fail "the restarted writer is not listed"
run list writers --verbose
expect_rc 0 "list writers --verbose with the server down, restarted"
run list writers
expect_rc 0 "list writers with the server down, restarted"
expect_in out "state: [1] Stable" "state described from the state file"
grep -qF "describing the server as the state file keeps it (datadir $datadir)" \
	"$TMP/writerd.log" || fail "the writer did not describe the server from its state file"
run writer-metadata
expect_rc 0 "writer-metadata with the server down"
grep -qF "path=\"$datadir\"" "$TMP/out" ||
	fail "the WMD does not name $datadir: $(grep -i file "$TMP/out" | head -5)"
sys_stop_writerd || fail "vss-writerd exited $?"
if [ "$failures" -ne 0 ]; then
	echo "vss-writerd's log:" >&2
	tail -40 "$TMP/writerd.log" | sed 's/^/    /' >&2
fi
finish
