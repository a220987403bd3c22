# Sweeps: grid and random trials as child runs, the best chosen by a named metric, the parent
# run built from it (reusing its cached steps), runs compare over the children, config checks.
source "$(dirname "$0")/lib.sh"
cp pipeline.yaml plain.yaml
sed -i 's|    params: {max_depth: "${params.depth}", eta: 0.3}|    params: {max_depth: "${params.depth}", eta: 0.3}\n    sweep:\n      parameters:\n        params.max_depth: [2, 3, 4]\n        params.eta: [0.1, 0.3]\n      parallel: 2\n      metric: train.valid_auc_best|' pipeline.yaml
db=.mlpipe/store.db
expect_exit 0 "$MLPIPE" run pipeline.yaml --json
assert_contains "$ERR" "sweep of step 'train': 6 trials (grid), 2 at a time"
assert_eq "$(sql $db "SELECT count(*) FROM runs WHERE parent_run = 7")" 6 "six child runs"
# The best child by the metric is the one the parent used.
best=$(sql $db "SELECT run_id FROM latest_metrics WHERE step='train' AND key='valid_auc_best' AND run_id < 7 ORDER BY value DESC, run_id LIMIT 1")
assert_eq "$(sql $db "SELECT value FROM params WHERE run_id=7 AND step='' AND key='sweep.best_run'")" "$best" "best run"
assert_eq "$(sql $db "SELECT reused_from_run FROM steps WHERE run_id=7 AND step='train'")" "$best" "parent reuses the best model"
assert_contains "$OUT" '"best_run": '"$best"
# Trials stop at the metric's step: no exports, no evaluation.
assert_eq "$(sql $db "SELECT group_concat(DISTINCT status) FROM steps WHERE run_id < 7 AND step IN ('evaluate', 'export')")" skipped "trials skip later steps"
grep -q "\"run_id\": 7" out/bundle/manifest.json || fail "the bundle is not the parent's"
# Every trial's values are recorded as its overrides, and compared side by side.
expect_exit 0 "$MLPIPE" runs compare --children 7 --store $(dirname $db)
grep -Eq '^config: train.params.max_depth +\* +2 +' "$OUT" || { cat "$OUT"; fail "compare over the children"; }
expect_exit 0 "$MLPIPE" runs list --store $(dirname $db) --columns run_id,parent_run --format csv
grep -q '^1,7$' "$OUT" || { cat "$OUT"; fail "runs list shows the parent"; }
# A second run of the same sweep reuses every trial's cached steps and chooses the same.
expect_exit 0 "$MLPIPE" run pipeline.yaml
assert_eq "$(sql $db "SELECT value FROM params WHERE run_id=14 AND step='' AND key='sweep.best_values'")" \
          "$(sql $db "SELECT value FROM params WHERE run_id=7 AND step='' AND key='sweep.best_values'")" "same choice"
assert_eq "$(sql $db "SELECT count(*) FROM steps WHERE run_id BETWEEN 8 AND 13 AND step = 'train' AND status = 'reused'")" 6 "trials reused"

# Random search: deterministic for a seed, inside the ranges, minimizing a loss.
sed -i '/^    sweep:/,$d' pipeline.yaml
cat >>pipeline.yaml <<'YAML'
    sweep:
      method: random
      trials: 4
      parameters:
        params.eta: {min: 0.05, max: 0.5, log: true}
        params.max_depth: {min: 2, max: 5, int: true}
        params.subsample: [0.7, 1.0]
      metric: train.valid.logloss
  evaluate:
    type: evaluate
    needs: train
YAML
expect_exit 0 "$MLPIPE" run pipeline.yaml --store w1
assert_contains "$ERR" "(lowest)"
expect_exit 0 "$MLPIPE" run pipeline.yaml --store w2
assert_eq "$(sql w1/store.db "SELECT group_concat(overrides, ';') FROM runs")" "$(sql w2/store.db "SELECT group_concat(overrides, ';') FROM runs")" "same draws"
assert_eq "$(sql w1/store.db "SELECT count(*) FROM params WHERE step='train' AND key='params.eta' AND (json_extract(value,'$') < 0.05 OR json_extract(value,'$') > 0.5)")" 0 "eta in range"
assert_eq "$(sql w1/store.db "SELECT count(*) FROM params WHERE step='train' AND key='params.max_depth' AND value NOT IN ('2','3','4','5')")" 0 "integer depths"
lowest=$(sql w1/store.db "SELECT run_id FROM latest_metrics WHERE step='train' AND split='valid' AND key='logloss' AND run_id < 5 ORDER BY value, run_id LIMIT 1")
assert_eq "$(sql w1/store.db "SELECT value FROM params WHERE run_id=5 AND step='' AND key='sweep.best_run'")" "$lowest" "lowest logloss"

# Config checks, at validate time.
bad() {  # bad 'sweep block' 'expected message'
  cp plain.yaml bad.yaml
  sed -i "s|    params: {max_depth: \"\${params.depth}\", eta: 0.3}|    params: {max_depth: \"\${params.depth}\", eta: 0.3}\n$1|" bad.yaml
  expect_exit 2 "$MLPIPE" validate bad.yaml
  assert_contains "$ERR" "$2"
}
bad '    sweep: {parameters: {params.eta: {min: 0.1, max: 0.3}}, metric: train.valid.auc}' "a grid sweep needs a list of values"
bad '    sweep: {method: random, parameters: {params.eta: [0.1]}, metric: train.valid.auc}' "a random sweep needs \`trials: N\`"
bad '    sweep: {parameters: {params.max_depth: [3, x]}, metric: train.valid.auc}' 'value "x" is not accepted'
bad '    sweep: {parameters: {params.eta: [0.1]}, metric: trian.valid.auc}' "no step named 'trian' (did you mean 'train'?)"
bad '    sweep: {parameters: {params.eta: [0.1]}, metrc: train.valid.auc}' "did you mean 'metric'"
bad '    sweep: {parameters: {params.eta: [0.1]}, metric: train.valid.auc, parallel: 0}' "parallel must be 1 or more"
echo ok
