# The store on a real PostgreSQL server (started here on a loopback port by tests/pg/pg_server.sh):
# every command works on it as on SQLite, the same pipeline gives the same model and metrics in
# both, a step computed in one workdir is reused in another, readers create nothing, a newer
# database is refused, `query` cannot write, and a
# run killed mid-way is shown interrupted, never succeeded. Skips (77) without PostgreSQL.
source "$(dirname "$0")/lib.sh"
pg_start
sed -i 's|    dir: out/bundle|    dir: out/bundle\n    register: tiny\n    promote: champion|' pipeline.yaml
PG="$PG_URL?objects=$WORK/team-objects"

# A reader finds no store in an empty database (and makes none); the first run makes it.
expect_exit 2 "$MLPIPE" runs list --store "$PG"
assert_contains "$ERR" "no mlpipe store in this database yet"
assert_eq "$(psql_q "SELECT to_regclass('schema_migrations') IS NULL")" t "a reader made no tables"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store "$PG" --name first
assert_eq "$(psql_q "SELECT count(*) = max(version) FROM schema_migrations")" t "migrations applied once each"

# The same run on SQLite: the same model bytes and the same metrics.
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set steps.export.dir=out/sqlite
pg_model=$(psql_q "SELECT content_hash FROM artifacts WHERE run_id = 1 AND step = 'train' AND name LIKE 'model%'")
sq_model=$(sql .mlpipe/store.db "SELECT content_hash FROM artifacts WHERE run_id = 1 AND step = 'train' AND name LIKE 'model%'")
[ -n "$pg_model" ] || fail "no model artifact recorded on PostgreSQL"
assert_eq "$pg_model" "$sq_model" "model bytes on PostgreSQL and SQLite"
pg_metrics=$(psql_q "SELECT step || split || key || coalesce(iteration::text, '') || '=' || coalesce(value::text, 'null') FROM metrics WHERE run_id = 1 ORDER BY rowid" | md5sum)
sq_metrics=$(sql .mlpipe/store.db "SELECT step || split || key || coalesce(iteration, '') || '=' || coalesce(printf('%!.17g', value), 'null') FROM metrics WHERE run_id = 1 ORDER BY rowid" | md5sum)
assert_eq "$(psql_q "SELECT count(*) FROM metrics WHERE run_id = 1")" "$(sql .mlpipe/store.db "SELECT count(*) FROM metrics WHERE run_id = 1")" "metric rows in both stores"
auc_pg=$(psql_q "SELECT value FROM metrics WHERE run_id = 1 AND step = 'evaluate' AND key = 'auc'")
auc_sq=$(sql .mlpipe/store.db "SELECT printf('%!.17g', value) FROM metrics WHERE run_id = 1 AND step = 'evaluate' AND key = 'auc'")
assert_eq "$(python3 -c "print(float('$auc_pg') == float('$auc_sq'))")" True "test AUC in both stores"

# Re-run: every step reused; reproduce: bit-identical; resume of a finished run says so.
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store "$PG"
assert_eq "$(psql_q "SELECT string_agg(DISTINCT status, ',') FROM steps WHERE run_id = 2")" reused "run 2 reused"
assert_eq "$(psql_q "SELECT count(*) FROM metrics WHERE run_id = 2")" "$(psql_q "SELECT count(*) FROM metrics WHERE run_id = 1")" "a reused run's records"
expect_exit 0 "$MLPIPE" reproduce 1 --store "$PG"
assert_contains "$OUT" "verdict: reproduced bit-identically"

# Another workdir (another machine's checkout) on the same team store reuses the steps.
mkdir -p other && cp loans.csv pipeline.yaml other/
(cd other && expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store "$PG")
last=$(psql_q "SELECT max(run_id) FROM runs")
assert_eq "$(psql_q "SELECT count(*) FROM steps WHERE run_id = $last AND status = 'reused'")" 6 "steps reused from another workdir"

# Every reader and writer command works on the server store ($MLPIPE_STORE as well as --store).
export MLPIPE_STORE=$PG
expect_exit 0 "$MLPIPE" runs list
assert_contains "$OUT" "tiny-loans"
expect_exit 0 "$MLPIPE" runs show first
assert_contains "$OUT" "run 1  tiny-loans  ok"
expect_exit 0 "$MLPIPE" runs tag 1 team=risk
expect_exit 0 "$MLPIPE" runs note 1 "checked on the team store"
expect_exit 0 "$MLPIPE" runs show 1
assert_contains "$OUT" "team=risk"
expect_exit 0 "$MLPIPE" runs compare 1 2
assert_contains "$OUT" "config_hash"
expect_exit 0 "$MLPIPE" runs diff 1 2
expect_exit 0 "$MLPIPE" metrics 1
assert_contains "$OUT" "auc"
expect_exit 0 "$MLPIPE" report 1 -o report.html
assert_contains report.html "tiny-loans"
expect_exit 0 "$MLPIPE" models list
assert_contains "$OUT" "champion=v1"
expect_exit 0 "$MLPIPE" models promote tiny 1 --alias staging
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv -o pg.csv
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv --store .mlpipe -o sqlite.csv
cmp pg.csv sqlite.csv || fail "the champion scores differently from the two stores"
expect_exit 0 "$MLPIPE" store info
assert_contains "$OUT" "runs"
expect_exit 0 "$MLPIPE" gc --dry-run
# One gc per team store, whichever machine it runs on (the server's lock, not only a lock file).
psql -X -q -d "$PG_URL" -c "SELECT pg_advisory_lock(7236828203640811879); SELECT pg_sleep(3)" >/dev/null &
holder=$!
for _ in $(seq 50); do
  [ "$(psql_q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" -gt 0 ] && break
  sleep 0.1
done
expect_exit 2 "$MLPIPE" gc
assert_contains "$ERR" "another gc is running"
wait $holder
expect_exit 0 "$MLPIPE" query "SELECT run_id, status, auc FROM run_summary ORDER BY run_id"
assert_contains "$OUT" "0.83"

# runs push: a local run (and the runs it stands on) into the team store, under its global id;
# pushing again copies nothing; the pushed run reproduces there; and back out into a new folder.
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store .mlpipe --set params.depth=2 --set steps.export.dir=out/sqlite
local_uid=$(sql .mlpipe/store.db "SELECT run_uid FROM runs WHERE run_id = 2")
expect_exit 0 "$MLPIPE" runs push 2 --store .mlpipe --to "$PG"
assert_contains "$OUT" "tiny v2 is v2 there"
pushed=$(psql_q "SELECT run_id FROM runs WHERE run_uid = '$local_uid'")
[ -n "$pushed" ] || fail "the pushed run is not in the team store"
assert_eq "$(psql_q "SELECT count(*) FROM metrics WHERE run_id = $pushed")" "$(sql .mlpipe/store.db "SELECT count(*) FROM metrics WHERE run_id = 2")" "pushed metric rows"
expect_exit 0 "$MLPIPE" runs push 2 --store .mlpipe --to "$PG"
assert_contains "$OUT" "is run $pushed there already"
assert_contains "$OUT" "0 object(s) copied"
expect_exit 0 "$MLPIPE" reproduce "$pushed" --store "$PG"
assert_contains "$OUT" "verdict: reproduced bit-identically"
expect_exit 0 "$MLPIPE" runs push "$pushed" --store "$PG" --to copy-back
assert_eq "$(sql copy-back/store.db "SELECT run_uid FROM runs WHERE run_id = (SELECT max(run_id) FROM runs)")" "$local_uid" "pushed back out under its global id"

# serve NAME@ALIAS from the team store follows the alias when it moves there; --sample records
# its rows on the server.
serve_start tiny@champion --reload-every 0.2 --sample 1
curl -s "$url/v1/model" | grep -q '"version":1' || { curl -s "$url/v1/model"; fail "serving v1"; }
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/v1/score" -d '{"row": {"loan_id": 1, "region": "east", "income": 50000, "debt": 1000, "age": 40}}')" 200 "a sampled request"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/v1/score" -d '{"row": {"loan_id": 2, "region": "west, coast", "income": 20000, "debt": null, "age": 31}}')" 200 "a sampled request"
expect_exit 0 "$MLPIPE" models promote tiny 2
for _ in $(seq 300); do grep -q "moved to v2" serve.err && break; sleep 0.1; done
assert_contains serve.err "tiny@champion moved to v2"
curl -s "$url/v1/model" | grep -q '"version":2' || { curl -s "$url/v1/model"; fail "serving v2 after the promotion"; }
serve_stop
assert_eq "$(psql_q "SELECT count(*) || ',' || min(version) FROM serve_samples WHERE model = 'tiny'")" "2,1" "samples on the server"
expect_exit 0 "$MLPIPE" models samples tiny --scores
assert_contains "$OUT" '"west, coast"'
assert_eq "$(wc -l <"$OUT")" 3 "two sampled rows and the header"
trap 'bash "$REPO/tests/pg/pg_server.sh" stop "$PG_DIR"; rm -rf "$WORK"' EXIT

# A sweep's trials are child runs there too; a run killed while training resumes to the same model.
cp pipeline.yaml sweep.yaml
sed -i 's|    params: {max_depth: "${params.depth}", eta: 0.3}|    params: {max_depth: "${params.depth}", eta: 0.3}\n    sweep:\n      parameters:\n        params.max_depth: [2, 3]\n      parallel: 2\n      metric: train.valid_auc_best|' sweep.yaml
expect_exit 0 "$MLPIPE" run sweep.yaml -q --set steps.export.dir=out/sweep
parent=$(psql_q "SELECT max(run_id) FROM runs")
assert_eq "$(psql_q "SELECT count(*) FROM runs WHERE parent_run = $parent")" 2 "two trials as child runs"
MLPIPE_CRASH_AT=round@5 "$MLPIPE" run pipeline.yaml -q --force --set steps.export.dir=out/resumed >/dev/null 2>&1 && fail "the crash point did not fire"
killed=$(psql_q "SELECT max(run_id) FROM runs")
expect_exit 0 "$MLPIPE" resume "$killed"
assert_eq "$(psql_q "SELECT status FROM runs WHERE run_id = $killed")" ok "resumed run"
assert_eq "$(psql_q "SELECT content_hash FROM artifacts WHERE run_id = $killed AND step = 'train' AND name LIKE 'model%'")" "$pg_model" "resumed model"

# query is read-only on PostgreSQL too: writes, several statements and settings are refused.
expect_exit 2 "$MLPIPE" query "DELETE FROM runs"
assert_contains "$ERR" "read-only"
expect_exit 2 "$MLPIPE" query "WITH d AS (DELETE FROM runs RETURNING 1) SELECT * FROM d"
assert_contains "$ERR" "read-only"
expect_exit 2 "$MLPIPE" query "SELECT 1; DROP TABLE runs"
assert_contains "$ERR" "one statement"
expect_exit 2 "$MLPIPE" query "SELECT pg_sleep(5)" --timeout 0.5
assert_contains "$ERR" "stopped after"
assert_eq "$(psql_q "SELECT count(*) > 0 FROM runs")" t "runs still there"

# A run killed in the middle (its metrics half written) is interrupted, never ok.
MLPIPE_CRASH_AT=metrics "$MLPIPE" run pipeline.yaml -q --force >/dev/null 2>&1 && fail "the crash point did not fire"
killed=$(psql_q "SELECT max(run_id) FROM runs")
expect_exit 0 "$MLPIPE" runs list
assert_eq "$(psql_q "SELECT status FROM runs WHERE run_id = $killed")" interrupted "killed run"
assert_eq "$(psql_q "SELECT count(*) FROM steps WHERE run_id = $killed AND status = 'ok' AND step = 'train'")" 0 "no half-recorded step shown ok"

# A database from a newer mlpipe is refused, with what to do.
psql_q "INSERT INTO schema_migrations VALUES (99, 'later')" >/dev/null
expect_exit 2 "$MLPIPE" run pipeline.yaml -q
assert_contains "$ERR" "newer than this mlpipe understands"
psql_q "DELETE FROM schema_migrations WHERE version = 99" >/dev/null

# Bad addresses say what is wrong.
unset MLPIPE_STORE
expect_exit 2 "$MLPIPE" runs list --store "$PG_URL"
assert_contains "$ERR" "?objects=FOLDER"
expect_exit 2 "$MLPIPE" runs list --store "$PG_URL?objects=$WORK/not-mounted"
assert_contains "$ERR" "mount the store's shared folder on this machine"
expect_exit 2 "$MLPIPE" runs list --store "?objects=$WORK/o"   # an empty $URL before it
assert_contains "$ERR" "not a folder, and not a store address either"
[ ! -e "?objects=" ] || fail "a folder named after the address was made"
expect_exit 2 "$MLPIPE" runs list --store "postgresql://mlpipe@127.0.0.1:1/none?objects=$WORK/o"
assert_contains "$ERR" "cannot connect to the PostgreSQL store postgresql://mlpipe@127.0.0.1:1/none"
echo "ok"
