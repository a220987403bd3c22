# Analyst views: run_summary, latest_metrics, metric_history; `mlpipe metrics`; `runs compare`.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set params.depth=2
export MLPIPE_STORE=.mlpipe
db=.mlpipe/store.db

# run_summary: one row per run, the evaluate step's metrics as columns.
assert_eq "$(sql $db "SELECT count(*) FROM run_summary")" 2 "run_summary rows"
for run in 1 2; do
  want=$(sql $db "SELECT value FROM metrics WHERE run_id=$run AND step='evaluate' AND key='auc'")
  assert_eq "$(sql $db "SELECT auc FROM run_summary WHERE run_id=$run")" "$want" "run_summary.auc of run $run"
  want=$(sql $db "SELECT value FROM metrics WHERE run_id=$run AND step='evaluate' AND key='ks'")
  assert_eq "$(sql $db "SELECT json_extract(metrics, '\$.\"evaluate.test.ks\"') FROM run_summary WHERE run_id=$run")" "$want" "metrics json"
done
assert_eq "$(sql $db "SELECT evaluate_step, evaluated_on, status, steps_total FROM run_summary WHERE run_id=2")" "evaluate|test|ok|6" "summary columns"

# latest_metrics: every final value, else the last point of a curve. An early-stopped model's
# final valid auc is the one of its best round (the round the model is cut to), not the last run.
best=$(sql $db "SELECT CAST(value AS INTEGER) FROM metrics WHERE run_id=1 AND step='train' AND key='best_iteration'")
rounds=$(sql $db "SELECT CAST(value AS INTEGER) FROM metrics WHERE run_id=1 AND step='train' AND key='rounds_run'")
[ "$best" -lt "$rounds" ] || fail "fixture: the tiny pipeline no longer stops early ($best of $rounds)"
at_best=$(sql $db "SELECT value FROM metrics WHERE run_id=1 AND step='train' AND split='valid' AND key='auc' AND iteration=$best")
assert_eq "$(sql $db "SELECT value FROM latest_metrics WHERE run_id=1 AND step='train' AND split='valid' AND key='auc'")" "$at_best" "latest valid auc"
assert_eq "$(sql $db "SELECT iteration IS NULL FROM latest_metrics WHERE run_id=1 AND step='train' AND split='valid' AND key='auc'")" "1" "a final value"
dup=$(sql $db "SELECT count(*) FROM (SELECT run_id, step, split, key FROM latest_metrics GROUP BY 1,2,3,4 HAVING count(*) > 1)")
assert_eq "$dup" 0 "one latest value per series"
# metric_history: exactly the per-iteration points.
assert_eq "$(sql $db "SELECT count(*) FROM metric_history")" "$(sql $db "SELECT count(*) FROM metrics WHERE iteration IS NOT NULL")" "history points"

# The views work through `mlpipe query` (read-only connection).
expect_exit 0 "$MLPIPE" query "SELECT run_id, auc FROM run_summary ORDER BY auc DESC LIMIT 1" --format csv
assert_contains "$OUT" "run_id,auc"

# mlpipe metrics
expect_exit 0 "$MLPIPE" metrics 1 --step train --split valid --key auc --format csv
rounds=$(sql $db "SELECT count(*) FROM metrics WHERE run_id=1 AND step='train' AND split='valid' AND key='auc'")
assert_eq "$(($(wc -l <"$OUT") - 1))" "$rounds" "one line per round"
expect_exit 0 "$MLPIPE" metrics latest --final --step 'eval*' --format json
assert_contains "$OUT" '"key": "auc"'
[ "$(grep -c '"step": "evaluate"' "$OUT")" -ge 5 ] || fail "evaluate metrics missing"
expect_exit 0 "$MLPIPE" metrics 2 --key nothing-like-this
assert_contains "$ERR" "no metrics matching"
expect_exit 2 "$MLPIPE" metrics 9
assert_contains "$ERR" "no run 9"

# runs compare: differing config values are shown and marked, equal ones hidden unless --all.
expect_exit 0 "$MLPIPE" runs compare 1 latest
assert_contains "$OUT" "run 1"
assert_contains "$OUT" "run 2"
grep -E '^config: params\.depth +\* +3 +2' "$OUT" >/dev/null || { cat "$OUT"; fail "depth difference not shown"; }
grep -q '^config: seed' "$OUT" && fail "equal config values shown without --all"
assert_contains "$OUT" "evaluate.test.auc"
expect_exit 0 "$MLPIPE" runs compare 1 2 --all --format csv
assert_contains "$OUT" "config: seed,,3,3"
expect_exit 2 "$MLPIPE" runs compare 1
expect_exit 2 "$MLPIPE" runs compare 1 5
assert_contains "$ERR" "no run 5"
echo ok
