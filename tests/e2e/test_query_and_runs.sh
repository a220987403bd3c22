# `mlpipe query` is read-only and formats tables, CSV and JSON; `runs list/show` read the store.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
export MLPIPE_STORE=.mlpipe

expect_exit 0 "$MLPIPE" query "SELECT run_id, status FROM runs" --format csv
assert_eq "$(cat "$OUT")" "$(printf 'run_id,status\n1,ok')" "csv"
expect_exit 0 "$MLPIPE" query "SELECT run_id, pipeline FROM runs" --format json
assert_contains "$OUT" '"pipeline": "tiny-loans"'
expect_exit 0 "$MLPIPE" query "SELECT step, status FROM steps WHERE run_id = 1"
assert_contains "$OUT" "(6 rows)"

for stmt in "DROP TABLE runs" "DELETE FROM metrics" "UPDATE runs SET status='ok'" \
            "ATTACH DATABASE 'x.db' AS x" "PRAGMA user_version=5" "SELECT 1; DELETE FROM runs"; do
  expect_exit 2 "$MLPIPE" query "$stmt"
  grep -q "query: " "$ERR" || fail "no clear message for: $stmt"
done
assert_eq "$(sql .mlpipe/store.db "SELECT count(*) FROM metrics WHERE run_id = 1") -gt 0" "$(sql .mlpipe/store.db "SELECT count(*) FROM metrics WHERE run_id = 1") -gt 0" "metrics intact"
[ "$(sql .mlpipe/store.db "SELECT count(*) FROM runs")" = 1 ] || fail "runs table damaged"
expect_exit 2 "$MLPIPE" query "SELEC 1"
assert_contains "$ERR" 'query: near "SELEC": syntax error'

expect_exit 0 "$MLPIPE" runs list
assert_contains "$OUT" "tiny-loans"
expect_exit 0 "$MLPIPE" runs list --json
assert_contains "$OUT" '"status": "ok"'
expect_exit 0 "$MLPIPE" runs show latest
assert_contains "$OUT" "run 1  tiny-loans  ok"
assert_contains "$OUT" "evaluate.test.auc"
assert_contains "$OUT" "loans.csv  600 rows"
expect_exit 0 "$MLPIPE" runs show 1 --json
assert_contains "$OUT" '"key": "version.xgboost"'
expect_exit 2 "$MLPIPE" runs show 7
assert_contains "$ERR" "no run 7"
expect_exit 2 "$MLPIPE" runs list --store nowhere
assert_contains "$ERR" "/nowhere: no mlpipe store here (no store.db)"
[ ! -e nowhere ] || fail "a reader created a store where it looked"
expect_exit 2 "$MLPIPE" runs list --db .mlpipe/store.db
assert_contains "$ERR" "--db is retired"
# csv and json stream: 2,000,000 rows (over table's default of 1,000,000) come out whole.
big="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000) SELECT x FROM c"
expect_exit 0 "$MLPIPE" query "$big" --format csv --timeout 120
assert_eq "$(wc -l <"$OUT")" 2000001 "streamed csv rows"
expect_exit 2 "$MLPIPE" query "$big" --timeout 120
assert_contains "$ERR" "query: more than 1000000 rows"
expect_exit 2 "$MLPIPE" query "$big" --format json --max-rows 10
assert_contains "$ERR" "query: more than 10 rows"
echo ok
