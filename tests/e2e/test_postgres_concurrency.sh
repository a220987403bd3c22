# Many machines on one PostgreSQL store and one object folder: 16 runs at once from two workdirs
# with two host names (a UTS namespace each, where permitted), on a new database, record every
# run, step and metric row, migrate it once (16 processes upgrading at once), and lose or corrupt no object. A server killed in the middle of a run: the
# run fails with exit 1 after its retries (never hangs, never ok), and once the server is back it
# is shown interrupted. Skips (77) without PostgreSQL.
source "$(dirname "$0")/lib.sh"
pg_start
PG="$PG_URL?objects=$WORK/team-objects"
for m in a b; do mkdir -p $m && cp loans.csv pipeline.yaml $m/; done

as_host() {  # as_host NAME CMD...: CMD with another host name, when namespaces are allowed here
  local name=$1; shift
  if unshare -u true 2>/dev/null; then unshare -u sh -c 'hostname "$0" && exec "$@"' "$name" "$@"; else "$@"; fi
}
pids=()
for i in $(seq 1 16); do
  m=$([ $((i % 2)) -eq 0 ] && echo a || echo b)
  # Four seeds: runs of one seed write the same objects at the same time.
  if [ $m = a ]; then
    (cd a && "$MLPIPE" run pipeline.yaml -q --store "$PG" --force --threads 1 --set seed=$((i % 4)) >"../run$i.out" 2>&1) &
  else
    (cd b && as_host machine-b "$MLPIPE" run pipeline.yaml -q --store "$PG" --force --threads 1 --set seed=$((i % 4)) >"../run$i.out" 2>&1) &
  fi
  pids+=($!)
done
for i in "${!pids[@]}"; do wait "${pids[$i]}" || { cat "run$((i + 1)).out"; fail "run $((i + 1)) failed"; }; done

assert_eq "$(psql_q "SELECT count(*) = max(version) FROM schema_migrations")" t "each migration once"
assert_eq "$(psql_q "SELECT count(*) FROM runs WHERE status = 'ok'")" 16 "every run recorded ok"
assert_eq "$(psql_q "SELECT count(*) FROM steps WHERE status = 'ok'")" 96 "every step of every run"
assert_eq "$(psql_q "SELECT count(DISTINCT run_uid) FROM runs")" 16 "every run its own global id"
assert_eq "$(psql_q "SELECT max(run_id) FROM runs")" 16 "run ids 1..16, no gaps"
if unshare -u true 2>/dev/null; then
  assert_eq "$(psql_q "SELECT count(DISTINCT host) FROM runs")" 2 "two host names"
fi
# Runs of one seed have the same metric rows (same count and values), whoever ran them.
assert_eq "$(psql_q "SELECT count(DISTINCT c) FROM (SELECT r.seed, r.run_id, count(*) || ':' || sum(m.value) AS c FROM runs r JOIN metrics m USING (run_id) GROUP BY r.seed, r.run_id) x GROUP BY seed" | sort -u)" 1 "metric rows per seed"
# Every object a record names is in the folder, whole (its name is its content hash).
missing=0
while IFS= read -r h; do
  f="$WORK/team-objects/objects/${h:0:2}/${h:2}"
  [ -f "$f" ] || { echo "missing object $h"; missing=$((missing + 1)); continue; }
done < <(psql_q "SELECT DISTINCT object FROM cache_objects UNION SELECT DISTINCT object FROM model_objects")
assert_eq "$missing" 0 "objects named by the store and missing from the folder"
expect_exit 0 "$MLPIPE" store info --store "$PG"
expect_exit 0 "$MLPIPE" gc --dry-run --store "$PG"
assert_contains "$OUT" "would delete 0"
[ -z "$(ls -A "$WORK/team-objects/tmp" 2>/dev/null)" ] || fail "writes left half done in tmp/"

# The server killed while a run trains: the run fails (exit 1) after its retries, and is shown
# interrupted, not ok, when the server is back.
cp -r "$REPO/examples/credit-default" credit
export MLPIPE_STORE_RETRY_S=3
# The server goes once the run is training (a slow learning rate keeps it there for seconds).
(for _ in $(seq 600); do
   [ "$(psql_q "SELECT count(*) FROM steps s JOIN runs r USING (run_id) WHERE r.pipeline = 'credit-default' AND s.step = 'train' AND s.status = 'running'" 2>/dev/null)" = 1 ] && break
   sleep 0.05
 done
 bash "$REPO/tests/pg/pg_server.sh" kill "$PG_DIR") &
killer=$!
start=$SECONDS
expect_exit 1 "$MLPIPE" run credit/pipeline.yaml -q --store "$PG" --set steps.export.dir=out/credit \
  --set params.eta=0.002 --set params.rounds=4000
wait $killer
[ $((SECONDS - start)) -lt 120 ] || fail "the run took $((SECONDS - start)) s to give up"
assert_contains "$ERR" "PostgreSQL store"
bash "$REPO/tests/pg/pg_server.sh" restart "$PG_DIR"
expect_exit 0 "$MLPIPE" runs list --store "$PG"
assert_eq "$(psql_q "SELECT status FROM runs WHERE pipeline = 'credit-default'")" interrupted "the run the server lost"
assert_eq "$(psql_q "SELECT count(*) FROM steps s JOIN runs r USING (run_id) WHERE r.pipeline = 'credit-default' AND s.status = 'ok' AND s.step IN ('train', 'evaluate', 'export')")" 0 "no step after the loss shown ok"
echo ok
