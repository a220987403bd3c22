#!/usr/bin/env bash
# The team store on PostgreSQL against the SQLite store, on one machine: metric points/s into
# each (mlpipe's batches against a naive one INSERT and one commit per point), and the credit
# example's first run and no-op re-run on each, alternating, three times. The PostgreSQL server
# is a throw-away one with the server's default durability (fsync on), on a loopback port.
#   bash bench/postgres.sh     (writes bench/postgres/RESULTS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh >/dev/null
work=$(mktemp -d /tmp/mlpipe-pg-bench.XXXXXX)
chmod 755 "$work"
initdb=$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)
bin=$(dirname "$(readlink -f "$initdb")")
as=()
[ "$(id -u)" -eq 0 ] && { chown postgres "$work"; as=(runuser -u postgres --); }
trap '"${as[@]}" "$bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"${as[@]}" "$bin/initdb" -D "$work/data" -U mlpipe --auth=trust >/dev/null
port=$(bash tests/free_port.sh)
"${as[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/log" -w -o "-p $port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
url="postgresql://mlpipe@127.0.0.1:$port/postgres"
out=bench/postgres/RESULTS.md
mkdir -p bench/postgres

{
  echo "# PostgreSQL store against SQLite ($(date -u +%Y-%m-%d), $(nproc) cores)"
  echo
  echo "Metric points (1,000,000 through RunStore::add_metrics in the steps' batches; naive: one INSERT and one commit per point):"
  echo
  echo '```'
  build/mlpipe_metric_bench "$url" 1000000 2>/dev/null
  build/mlpipe_metric_bench "$work/sqlite" 1000000 2>/dev/null
  echo '```'
  echo
  echo "credit-default example (30,000 rows, 600 rounds), seconds: a first run into an empty store, then a no-op re-run:"
  echo
  echo "| try | PostgreSQL first | PostgreSQL no-op | SQLite first | SQLite no-op |"
  echo "|---|---|---|---|---|"
  for i in 1 2 3; do
    rm -rf "$work/credit"
    cp -r examples/credit-default "$work/credit"
    psql -X -q -d "$url" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
    t() { local a; a=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $a" | bc; }
    pg1=$(t build/mlpipe run "$work/credit/pipeline.yaml" -q --store "$url?objects=$work/pgobj-$i")
    pg2=$(t build/mlpipe run "$work/credit/pipeline.yaml" -q --store "$url?objects=$work/pgobj-$i")
    sq1=$(t build/mlpipe run "$work/credit/pipeline.yaml" -q --store "$work/sq-$i")
    sq2=$(t build/mlpipe run "$work/credit/pipeline.yaml" -q --store "$work/sq-$i")
    printf '| %s | %.2f | %.3f | %.2f | %.3f |\n' "$i" "$pg1" "$pg2" "$sq1" "$sq2"
  done
} | tee "$out"
