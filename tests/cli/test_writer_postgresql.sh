# The PostgreSQL writer of vss-writerd (docs/writer-postgresql.md) with a
# real cluster on a loop btrfs volume, its table of rows in a tablespace
# and its running total in the data directory.  pgbench inserts rows
# continuously, each transaction adding a row and updating the total, so
# that count and sum of the rows always equal the total.  "vss backup" of
# the writer runs under that load; a restore while the server runs fails
# at pre_restore, retryable, naming the postmaster; with the server
# stopped and the data directory and tablespace moved away, the restore
# writes backup_label, PostgreSQL started on the restored files recovers
# ("consistent recovery state reached", "redo done"), and the invariant
# holds with at least the rows committed before the backup.  An in-place
# tablespace (inside the data directory) comes back with it.  A shadow
# copy of another volume leaves the writer out (no backup started).  With
# the checkpointer stopped, pg_backup_start hangs: prepare_snapshot is
# cancelled at statement_timeout and fails with VSS_E_WRITERERROR_TIMEOUT,
# leaving no backup session or slot behind.  With service set
# (STOP_RESTORE_START, --service-command), pre_restore lets the requester
# stop the running server, and post_restore finds it started again and
# writes nothing.  Last, with the server down, a vss-writerd restarted
# describes the cluster from its state file (listed Stable, its files in
# the metadata), and a writer with an empty state directory is listed as
# failed at identify, retryable.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
[ -x "${VSS_WRITERD:-}" ] || { echo "VSS_WRITERD is not set" >&2; exit 1; }
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
for p in initdb pg_ctl postgres pgbench psql; do
	[ -x "$PGBIN/$p" ] || [ -x "/usr/bin/$p" ] ||
		{ echo "PostgreSQL 15 ($PGBIN/$p) is not installed" \
			"(scripts/install-deps.sh installs it)" >&2; exit 1; }
done
id postgres >/dev/null 2>&1 ||
	{ echo "no user postgres (the postgresql package makes it)" >&2; exit 1; }
PSQL=$PGBIN/psql
[ -x "$PSQL" ] || PSQL=/usr/bin/psql

# Every exit path stops the server before sys_cleanup unmounts its volume.
PG_DATA=
CHECKPOINTER=
pg_cleanup() {
	local status=$?
	set +e
	[ -n "$CHECKPOINTER" ] && kill -CONT "$CHECKPOINTER" 2>/dev/null
	if [ "$status" -ne 0 ] && [ -f "$TMP/writerd.log" ]; then
		echo "writerd log:" >&2
		sed 's/^/    /' "$TMP/writerd.log" >&2
	fi
	if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" \
			-m immediate -w stop >/dev/null 2>&1 || true
	fi
	(exit "$status")
	sys_cleanup
}
trap pg_cleanup EXIT

# The server runs as postgres: it must reach its files below $TMP.
chmod 755 "$TMP"
vol=$(sys_btrfs pg 768)
: "${vol:?sys_btrfs gave no mount point}"
sys_vssd
PG_DATA=$vol/data
ts_dir=$vol/ts1
sock=$TMP/pgsock
port=$((50000 + $$ % 10000))
logs=$TMP/pglog
mkdir -p "$PG_DATA" "$ts_dir" "$sock" "$logs"
chown postgres: "$PG_DATA" "$ts_dir" "$sock" "$logs"
chmod 700 "$PG_DATA"

pg() { runuser -u postgres -- "$PGBIN/$@"; }
sql() {
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$sock" -p "$port" \
		-U postgres -d postgres -c "$1"
}
# allow_in_place_tablespaces: recovery of the in-place tablespace needs it.
pg_opts="-p $port -k $sock -c listen_addresses=''"
pg_opts="$pg_opts -c allow_in_place_tablespaces=on"
pg_start() {
	pg pg_ctl -D "$PG_DATA" -l "$1" -w -t 120 -o "$pg_opts" start >/dev/null ||
		{ echo "PostgreSQL did not start:" >&2; cat "$1" >&2; exit 1; }
}
pg_stop() {
	pg pg_ctl -D "$PG_DATA" -m fast -w -t 120 stop >/dev/null
}

pg initdb -D "$PG_DATA" -U postgres -A trust --no-sync \
	>"$TMP/initdb.log" 2>&1 ||
	{ echo "initdb failed:" >&2; cat "$TMP/initdb.log" >&2; exit 1; }
pg_start "$logs/1.log"
sql "CREATE TABLESPACE ts1 LOCATION '$ts_dir'"
sql "CREATE TABLE rows (id bigserial PRIMARY KEY, v int NOT NULL)
	TABLESPACE ts1"
sql "CREATE TABLE total (one int PRIMARY KEY CHECK (one = 1),
	n bigint NOT NULL, s bigint NOT NULL)"
sql "INSERT INTO total VALUES (1, 0, 0)"
# In place: a directory in pg_tblspc, backed up with the data directory.
sql "CREATE TABLESPACE inplace LOCATION ''"
sql "CREATE TABLE kept (x int) TABLESPACE inplace"
sql "INSERT INTO kept VALUES (42)"

# ---- the writer ---------------------------------------------------------------
mkdir "$TMP/writers.d"
cat >"$TMP/writers.d/pg.conf" <<EOF
[writer]
type = postgresql
name = pg-test
[postgresql]
conninfo = host=$sock port=$port user=postgres dbname=postgres
connect_timeout = 5
statement_timeout = 20
EOF
sys_writerd "$TMP/writers.d"
sys_wait_listed "$VSS" pg-test || {
	echo "vss-writerd's postgresql writer never subscribed:" >&2
	cat "$TMP/writerd.log" >&2
	exit 1
}

# ---- backup under load -------------------------------------------------------
cat >"$TMP/load.sql" <<'EOF'
\set v random(1, 1000)
BEGIN;
INSERT INTO rows (v) VALUES (:v);
UPDATE total SET n = n + 1, s = s + :v WHERE one = 1;
END;
EOF
"$PGBIN/pgbench" -n -h "$sock" -p "$port" -U postgres -c 2 -T 3600 \
	-f "$TMP/load.sql" postgres >"$TMP/pgbench.log" 2>&1 &
load=$!
SYS_PIDS+=("$load")
rows() { sql "SELECT count(*) FROM rows"; }
wait_rows() {
	local i
	for i in $(seq 600); do
		[ "$(rows)" -ge "$1" ] && return 0
		kill -0 "$load" 2>/dev/null || break
		sleep 0.1
	done
	echo "the load did not reach $1 rows:" >&2
	cat "$TMP/pgbench.log" >&2
	exit 1
}
wait_rows 500
before_backup=$(rows)
run backup --writer pg-test --to "$TMP/set" --json
expect_rc 0 "backup under load"
after_backup=$(rows)
for ev in prepare_snapshot freeze post_snapshot; do
	grep -q "$ev: ok" "$TMP/writerd.log" || fail "no '$ev: ok' in the log"
done
grep -q "backup stopped at" "$TMP/writerd.log" ||
	fail "freeze did not stop the backup"
grep -q "WAL reserved by temporary slot vss_" "$TMP/writerd.log" ||
	fail "no WAL reservation: $(grep -i slot "$TMP/writerd.log")"
wait_rows $((after_backup + 200))
kill -TERM "$load" 2>/dev/null || true
wait "$load" 2>/dev/null || true
run verify "$TMP/set"
expect_rc 0 "verify the set"

# ---- a shadow copy that does not hold the cluster ------------------------------
other=$(sys_btrfs other 256)
: "${other:?sys_btrfs gave no mount point}"
started=$(grep -c "backup 'vss " "$TMP/writerd.log" || true)
run create "$other" --json
expect_rc 0 "shadow copy of another volume"
[ "$(grep -c "backup 'vss " "$TMP/writerd.log" || true)" = "$started" ] ||
	fail "the writer started a backup for a set without its cluster"

# ---- a statement past its deadline -------------------------------------------
# A stopped checkpointer never completes pg_backup_start's checkpoint.
no_session() {
	[ "$(sql "SELECT (SELECT count(*) FROM pg_stat_activity
		WHERE application_name = 'vss-writerd') +
		(SELECT count(*) FROM pg_replication_slots)")" = 0 ]
}
CHECKPOINTER=$(sql "SELECT pid FROM pg_stat_activity
	WHERE backend_type = 'checkpointer'")
kill -STOP "$CHECKPOINTER"
run backup --writer pg-test --to "$TMP/set-timeout" --json
kill -CONT "$CHECKPOINTER"
CHECKPOINTER=
expect_rc 1 "backup with a hung checkpoint"
grep -q 'prepare_snapshot: failed: VSS_E_WRITERERROR_TIMEOUT' \
	"$TMP/writerd.log" ||
	fail "prepare_snapshot did not time out: $(grep prepare_snapshot "$TMP/writerd.log")"
grep -q 'pg_backup_start timed out after 20000 ms (statement_timeout)' \
	"$TMP/writerd.log" || fail "no timeout message"
for i in $(seq 100); do no_session && break; sleep 0.1; done
no_session || fail "a backup session or slot is left: $(sql "SELECT * FROM
	pg_stat_activity WHERE application_name = 'vss-writerd'")"

# ---- pre_restore while the server runs -----------------------------------------
postmaster=$(head -n 1 "$PG_DATA/postmaster.pid")
run restore "$TMP/set" --writer pg-test --json
expect_rc 1 "restore while PostgreSQL runs"
grep -qF "PostgreSQL is running (pid $postmaster) on $PG_DATA" \
	"$TMP/out" "$TMP/err" ||
	fail "the refusal does not name the postmaster: $(cat "$TMP/out" "$TMP/err")"
grep -q 'pre_restore: failed: VSS_E_WRITERERROR_RETRYABLE' "$TMP/writerd.log" ||
	fail "pre_restore did not fail retryable: $(grep pre_restore "$TMP/writerd.log")"
[ "$(sql 'SELECT 1')" = 1 ] || fail "the server is hurt by the refused restore"

# ---- restore into a fresh data directory and tablespace -------------------------
pg_stop
mv "$PG_DATA" "$vol/data.old"
mv "$ts_dir" "$vol/ts1.old"
run restore "$TMP/set" --writer pg-test --json
expect_rc 0 "restore"
grep -q 'post_restore: ok' "$TMP/writerd.log" ||
	fail "post_restore did not succeed: $(grep post_restore "$TMP/writerd.log")"
[ -f "$PG_DATA/backup_label" ] || fail "no backup_label in the restored data"
[ -f "$PG_DATA/tablespace_map" ] || fail "no tablespace_map in the restored data"
[ -e "$PG_DATA/postmaster.pid" ] && fail "a postmaster.pid was restored"
grep -q '^LABEL: vss ' "$PG_DATA/backup_label" ||
	fail "backup_label is not the backup's: $(cat "$PG_DATA/backup_label")"
pg_start "$logs/2.log"
grep -q 'consistent recovery state reached' "$logs/2.log" ||
	fail "no consistent recovery state: $(cat "$logs/2.log")"
grep -q 'redo done' "$logs/2.log" || fail "no redo done: $(cat "$logs/2.log")"
check=$(sql "SELECT (SELECT count(*) FROM rows) || ' ' ||
	CASE WHEN (SELECT count(*) = t.n AND coalesce(sum(v), 0) = t.s
	           FROM rows) THEN 'ok' ELSE 'broken n=' || t.n || ' s=' || t.s
	END FROM total t")
k=${check%% *}
[ "${check#* }" = ok ] || fail "invariant after the restore: $check"
[ "$k" -ge "$before_backup" ] ||
	fail "$k rows, but $before_backup were committed before the backup"
[ "$k" -le "$after_backup" ] ||
	fail "$k rows, but only $after_backup were committed when the backup ended"
[ -e "$PG_DATA/backup_label" ] && fail "backup_label still there after recovery"
[ "$(sql "SELECT x FROM kept")" = 42 ] ||
	fail "the in-place tablespace's table did not come back"

# ---- STOP_RESTORE_START: the requester stops and starts the server ----------
# The service command stops the server and moves its files away (as an
# administrator restoring in place would), and starts it again.
cat >"$TMP/service.sh" <<EOF
#!/bin/sh
case \$1 in
stop)
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w \\
		-t 120 stop >/dev/null || exit 1
	rm -rf "$vol/data.svc" "$vol/ts1.svc"
	mv "$PG_DATA" "$vol/data.svc" && mv "$ts_dir" "$vol/ts1.svc" ;;
start)
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$logs/3.log" \\
		-w -t 120 -o "$pg_opts" start >/dev/null ;;
esac
EOF
chmod 755 "$TMP/service.sh"
sys_stop_writerd || fail "vss-writerd exited with status $?"
echo "service = pg-test.service" >>"$TMP/writers.d/pg.conf"
sys_writerd "$TMP/writers.d"
sys_wait_listed "$VSS" pg-test || fail "the restarted writer is not listed"
# The restore method is the one the backup recorded.
run backup --writer pg-test --to "$TMP/set-svc" --json
expect_rc 0 "backup with service set"
run restore "$TMP/set-svc" --writer pg-test \
	--service-command "$TMP/service.sh" --json
expect_rc 0 "restore with the service stopped and started by the requester"
grep -q 'already runs on' "$TMP/writerd.log" ||
	fail "post_restore did not find the started server: $(grep post_restore "$TMP/writerd.log")"
[ -e "$PG_DATA/backup_label" ] &&
	fail "backup_label written under the running server"
grep -q 'database system was not properly shut down' "$logs/3.log" ||
	fail "no crash recovery: $(cat "$logs/3.log")"
check=$(sql "SELECT CASE WHEN (SELECT count(*) = t.n AND
	coalesce(sum(v), 0) = t.s FROM rows) THEN 'ok' ELSE 'broken' END
	FROM total t")
[ "$check" = ok ] || fail "invariant after the service restore: $check"

# ---- identify with the server down -------------------------------------------
# A writer that has seen the server describes it as last seen (that is
# how it takes part in a restore), also after vss-writerd restarted (a
# reboot): its state file keeps the layout.  A writer with neither has
# nothing to describe.
pg_stop
sys_stop_writerd || fail "vss-writerd exited with status $?"
[ -s "$TMP/writerd-state/pg.state" ] || fail "no state file for the writer"
sys_writerd "$TMP/writers.d"
sys_wait_listed "$VSS" pg-test || fail "the restarted writer is not listed"
run list writers --verbose
expect_rc 0 "list writers --verbose with the server down"
run list writers --json
python3 - "$TMP/out" <<'PY' || fail "vss list writers: $(cat "$TMP/out")"
import json, sys
writers = [w for w in json.load(open(sys.argv[1]))["writers"]
           if w.get("name") == "pg-test"]
assert writers, "pg-test is not listed"
text = json.dumps(writers[0])
assert writers[0]["state_code"] == 1, text  # VSS_WS_STABLE
PY
grep -qF "describing the cluster as the state file keeps it ($PG_DATA)" \
	"$TMP/writerd.log" || fail "the writer did not describe the cluster from its state file"
run writer-metadata
expect_rc 0 "writer-metadata with the server down"
grep -qF "path=\"$PG_DATA\"" "$TMP/out" ||
	fail "the WMD does not name $PG_DATA: $(grep -i file "$TMP/out" | head -5)"
grep -qF "path=\"$ts_dir\"" "$TMP/out" ||
	fail "the WMD does not name the tablespace $ts_dir"

sys_stop_writerd || fail "vss-writerd exited with status $?"
sys_writerd "$TMP/writers.d" --state-dir "$TMP/wstate-empty"
sys_wait_listed "$VSS" pg-test || fail "the restarted writer is not listed"
run list writers --verbose
run list writers --json
python3 - "$TMP/out" <<'PY' || fail "vss list writers: $(cat "$TMP/out")"
import json, sys
writers = [w for w in json.load(open(sys.argv[1]))["writers"]
           if w.get("name") == "pg-test"]
assert writers, "pg-test is not listed"
text = json.dumps(writers[0])
assert "PostgreSQL is not reachable" in writers[0]["message"], text
assert writers[0]["state_code"] == 6, text  # VSS_WS_FAILED_AT_IDENTIFY
assert writers[0]["failure"] == "VSS_E_WRITERERROR_RETRYABLE", text
PY
[ "$(stat -c %a "$TMP/wstate-empty")" = 700 ] ||
	fail "the state directory is not 0700"

sys_stop_writerd || fail "vss-writerd exited with status $?"
if [ "$failures" -ne 0 ]; then
	echo "writerd log:" >&2
	sed 's/^/    /' "$TMP/writerd.log" >&2
	exit 1
fi
echo "ok"
