#!/usr/bin/env bash
# bench/bench-writers.sh - what the database writers of vss-writerd cost.
#
#   bash bench/bench-writers.sh BUILD_DIR [CYCLES]
#
# On a loop btrfs volume, with a private vssd: a PostgreSQL cluster under
# a pgbench load (2 clients, each transaction an insert and an update), a
# WAL-mode SQLite database with a process inserting rows without pause,
# vss-writerd hosting a postgresql and a sqlite writer, and, as the
# baseline of the same run, vss-test-writer (which freezes in process and
# does no database work).  CYCLES (default 10) "vss backup" runs of each
# writer's component; for each writer the median and worst of the freeze
# window vssd reports (first freeze sent .. last thaw answered), of the
# writer's own prepare_snapshot and freeze answers, and of the whole
# backup command.  Then the PostgreSQL load's commits per second over
# 10 s without backups and over 10 s of back-to-back backups of it.
# Needs root (bench/README.md).
set -euo pipefail
if [ $# -lt 1 ] || [ ! -x "$1/cli/vss" ]; then
	echo "usage: bash $0 BUILD_DIR [CYCLES]" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
cycles=${2:-10}
case $cycles in '' | *[!0-9]* | 0)
	echo "CYCLES is a number from 1" >&2
	exit 2
	;;
esac
export VSSD=$build/daemon/vssd
export VSS_TEST_WRITER=$build/tools/test-writer/vss-test-writer
export VSS_WRITERD=$build/writers/writerd/vss-writerd
here=$(cd "$(dirname "$0")" && pwd)
set -- "$build/cli/vss"
. "$here/../tests/cli/common.sh"
. "$here/../tests/cli/sys.sh"
sys_require
PGBIN=/usr/lib/postgresql/15/bin
[ -x "$PGBIN/pgbench" ] ||
	{ echo "PostgreSQL 15 is not installed (scripts/install-deps.sh)" >&2; exit 1; }

PG_DATA=
bench_cleanup() {
	local status=$?
	set +e
	if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" \
			-m immediate -w stop >/dev/null 2>&1
	fi
	(exit "$status")
	sys_cleanup
}
trap bench_cleanup EXIT

chmod 755 "$TMP"
vol=$(sys_btrfs vol 2048)
sys_vssd
PG_DATA=$vol/pg
sock=$TMP/pgsock
port=$((50000 + $$ % 10000))
mkdir -p "$PG_DATA" "$sock" "$vol/sqlite" "$vol/test"
chown postgres: "$PG_DATA" "$sock"
chmod 700 "$PG_DATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$PG_DATA" -U postgres -A trust \
	--no-sync >"$TMP/initdb.log" 2>&1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$sock/pg.log" -w \
	-o "-p $port -k $sock -c listen_addresses=''" start >/dev/null
sql() {
	"$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$sock" -p "$port" \
		-U postgres -d postgres -c "$1"
}
sql "CREATE TABLE rows (id bigserial PRIMARY KEY, v int NOT NULL)"
sql "CREATE TABLE total (one int PRIMARY KEY, n bigint, s bigint)"
sql "INSERT INTO total VALUES (1, 0, 0)"
cat >"$TMP/load.sql" <<'EOF'
\set v random(1, 1000)
BEGIN;
INSERT INTO rows (v) VALUES (:v);
UPDATE total SET n = n + 1, s = s + :v WHERE one = 1;
END;
EOF
"$PGBIN/pgbench" -n -h "$sock" -p "$port" -U postgres -c 2 -T 36000 \
	-f "$TMP/load.sql" postgres >"$TMP/pgbench.log" 2>&1 &
SYS_PIDS+=($!)

python3 - "$vol/sqlite/app.db" <<'PY' &
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v)")
i = 0
while True:
    i += 1
    db.execute("INSERT INTO t (v) VALUES (?)", (i,))
PY
SYS_PIDS+=($!)
for _ in $(seq 100); do [ -f "$vol/sqlite/app.db" ] && break; sleep 0.1; done

mkdir "$TMP/writers.d"
cat >"$TMP/writers.d/pg.conf" <<EOF
[writer]
type = postgresql
name = postgresql
[postgresql]
conninfo = host=$sock port=$port user=postgres dbname=postgres
EOF
cat >"$TMP/writers.d/sqlite.conf" <<EOF
[writer]
type = sqlite
name = sqlite
[sqlite]
database = $vol/sqlite/app.db app
EOF
sys_writerd "$TMP/writers.d"
sys_writer test-writer --component data="$vol/test"
for w in postgresql sqlite; do
	sys_wait_listed "$VSS" "$w" ||
		{ cat "$TMP/writerd.log" >&2; exit 1; }
done

# backup_once WRITER N: one backup of WRITER's components; the figures
# of its JSON report appended to $TMP/WRITER.tsv.
backup_once() {
	local start end
	start=$(date +%s%N)
	run backup --writer "$1" --to "$TMP/set-$1-$2" --json
	end=$(date +%s%N)
	[ "$rc" -eq 0 ] || { echo "backup of $1 failed:" >&2; cat "$TMP/err" >&2; exit 1; }
	python3 - "$TMP/out" "$1" "$(((end - start) / 1000))" >>"$TMP/$1.tsv" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
w = [w for w in d["writers"] if w["name"] == sys.argv[2]][0]
e = w["event_ms"]
print(d["freeze_window_ms"], e["prepare_snapshot"], e["freeze"],
      int(sys.argv[3]) / 1000.0, sep="\t")
PY
	rm -rf "$TMP/set-$1-$2"
}

summary() {
	python3 - "$@" <<'PY'
import statistics, sys
print("# writer       cycles  freeze window p50/max ms  prepare_snapshot "
      "p50 ms  freeze p50/max ms  backup command p50 ms")
for path in sys.argv[1:]:
    rows = [list(map(float, l.split())) for l in open(path)]
    col = lambda i: [r[i] for r in rows]
    name = path.rsplit("/", 1)[1][:-4]
    print(f"{name:<14} {len(rows):>6}  {statistics.median(col(0)):>10.1f} / "
          f"{max(col(0)):<8.1f}      {statistics.median(col(1)):>10.1f}"
          f"         {statistics.median(col(2)):>6.1f} / {max(col(2)):<6.1f}"
          f"      {statistics.median(col(3)):>8.0f}")
PY
}

for n in $(seq "$cycles"); do
	for w in test-writer postgresql sqlite; do
		backup_once "$w" "$n"
	done
done
summary "$TMP/test-writer.tsv" "$TMP/postgresql.tsv" "$TMP/sqlite.tsv"

# The load's commits per second, without and during backups of it.
commits() { sql "SELECT n FROM total"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(now_ms) a=$(commits)
sleep 10
t1=$(now_ms) b=$(commits)
n=0
while [ $(($(now_ms) - t1)) -lt 10000 ]; do
	n=$((n + 1))
	backup_once postgresql "load-$n"
done
t2=$(now_ms) c=$(commits)
echo "# pgbench (2 clients) commits/s: $(((b - a) * 1000 / (t1 - t0)))" \
	"without backups, $(((c - b) * 1000 / (t2 - t1))) during $n" \
	"back-to-back backups of the cluster"
