# kill -9 during training: the store stays intact, the run is found interrupted, `resume`
# finishes it with the same model as an uninterrupted run; `reproduce` and `runs diff`.
source "$(dirname "$0")/lib.sh"
cp -r "$REPO/examples/credit-default/data" credit-data
sed -e 's|data/UCI_Credit_Card.csv|credit-data/UCI_Credit_Card.csv|' "$REPO/examples/credit-default/pipeline.yaml" > credit.yaml
LONG=(--set params.rounds=400 --set steps.train.early_stopping=400 --set params.eta=0.02 --set steps.train.params.max_depth=7 --threads 1)
DB=.mlpipe/store.db

"$MLPIPE" run credit.yaml -q "${LONG[@]}" & pid=$!
for _ in $(seq 1 600); do
  [ "$(sql $DB "SELECT status FROM steps WHERE run_id = 1 AND step = 'train'" 2>/dev/null)" = running ] && break
  sleep 0.05
done
kill -9 $pid
wait $pid 2>/dev/null || true
assert_eq "$(sql $DB "PRAGMA integrity_check")" "ok" "integrity after kill -9"
expect_exit 0 "$MLPIPE" runs list
assert_contains "$OUT" "interrupted"
assert_eq "$(sql $DB "SELECT status, exit_code FROM runs WHERE run_id = 1")" "interrupted|130" "run interrupted"
assert_eq "$(sql $DB "SELECT status FROM steps WHERE run_id = 1 AND step = 'train'")" "interrupted" "train interrupted"
[ ! -e models ] || fail "no bundle may exist before export ran"

expect_exit 0 "$MLPIPE" resume 1
assert_contains "$ERR" "kept from before the interruption"
assert_eq "$(sql $DB "SELECT status, exit_code FROM runs WHERE run_id = 1")" "ok|0" "resumed run"
assert_eq "$(sql $DB "SELECT count(*) FROM steps WHERE run_id = 1 AND status = 'ok'")" "6" "all steps ok"
assert_eq "$(sql $DB "SELECT count(DISTINCT iteration) FROM metrics WHERE run_id = 1 AND step = 'train' AND split = 'valid' AND key = 'auc'")" "400" "one curve, no duplicates"
expect_exit 2 "$MLPIPE" resume 1
assert_contains "$ERR" "run 1 finished ok; there is nothing to resume"

expect_exit 0 "$MLPIPE" run credit.yaml -q "${LONG[@]}" --store straight --set steps.export.dir=straight-bundle
cmp $(run_dir .mlpipe 1)/train/model.json $(run_dir straight 1)/train/model.json || fail "resumed model differs from an uninterrupted one"
cmp models/credit-default/model.json straight-bundle/model.json || fail "bundles differ"

# reproduce: from scratch, compared with the original.
expect_exit 0 "$MLPIPE" reproduce 1 -q
assert_contains "$OUT" "verdict: reproduced bit-identically"
grep -q "environment, not compared" "$OUT" && fail "same machine and build: no environment change to show"
assert_eq "$(sql $DB "SELECT reproduces_run FROM runs WHERE run_id = 2")" "1" "reproduction recorded"
cmp models/credit-default/model.json models/credit-default/model.json
# With the data changed, it cannot reproduce, and says why.
sed -i '2s/^1,20000,/1,20001,/' credit-data/UCI_Credit_Card.csv
expect_exit 1 "$MLPIPE" reproduce 1 -q
assert_contains "$OUT" "differs: input ingest: $WORK/credit-data/UCI_Credit_Card.csv"
assert_contains "$OUT" "verdict: NOT reproduced"

expect_exit 0 "$MLPIPE" runs diff 1 2
assert_contains "$OUT" "environment: same"   # same thread count as the original
assert_contains "$OUT" "metrics: same"
assert_contains "$OUT" "export.dir"          # the reproduction exported into its own folder
[ "$(grep -c '^  ' "$OUT")" = 2 ] || fail "only export.dir and the bundle manifest may differ"
expect_exit 0 "$MLPIPE" runs diff 1 3 --json
assert_contains "$OUT" '"inputs": ['

# A run recorded by another mlpipe build: reproduce names the version it was recorded with
# (a difference may come from the code, not the data). The data is still changed: NOT reproduced.
now=$("$MLPIPE" --version | grep -o '[0-9][0-9.]*' | head -1)
sql $DB "UPDATE environment SET value = '0.0.9' WHERE run_id = 1 AND key = 'version.mlpipe'"
expect_exit 1 "$MLPIPE" reproduce 1 -q
assert_contains "$OUT" "environment, not compared (a difference may come from here; the original's -> the rerun's):"
assert_contains "$OUT" "version.mlpipe: 0.0.9 -> $now"
expect_exit 1 "$MLPIPE" reproduce 1 -q --json
assert_contains "$OUT" '"key": "version.mlpipe"'
echo ok
