# Exit codes and what is recorded: 2 bad config (nothing recorded), 3 failed gate, 1 failed step.
source "$(dirname "$0")/lib.sh"
DB=.mlpipe/store.db

expect_exit 2 "$MLPIPE" run pipeline.yaml --set steps.train.params.max_dept=3
assert_contains "$ERR" "--set steps.train.params.max_dept=3: step 'train': unknown xgboost parameter 'max_dept' (did you mean 'max_depth'?)"
expect_exit 2 "$MLPIPE" run pipeline.yaml --set steps.train.nthread=two
assert_contains "$ERR" "--set steps.train.nthread=two: step 'train': 'nthread' must be an integer, got string 'two'"
[ ! -f $DB ] || assert_eq "$(sql $DB "SELECT count(*) FROM runs")" "0" "bad config records no run"

printf 'pipeline: x\nsteps:\n  a: {type: ingest, source: loans.csv}\n  b: {type: split, needs: [a, c]}\n  c: {type: split, needs: [b]}\n' > cycle.yaml
expect_exit 2 "$MLPIPE" run cycle.yaml
assert_contains "$ERR" "cycle.yaml:4:20: dependency cycle: b -> c -> b"

expect_exit 2 "$MLPIPE" run missing.yaml
assert_contains "$ERR" "missing.yaml: no such pipeline file"
expect_exit 2 "$MLPIPE" run pipeline.yaml --set steps.ingest.source=nope.csv
assert_contains "$ERR" "step 'ingest': no such file: $WORK/nope.csv"

# A gate that fails: exit 3, evaluate recorded as gate_failed, export not run.
expect_exit 3 "$MLPIPE" run pipeline.yaml --set 'steps.evaluate.gate.auc=>= 0.999' --json
assert_contains "$OUT" '"status": "gate_failed"'
assert_contains "$OUT" '"auc":'
assert_eq "$(sql $DB "SELECT status, exit_code FROM runs ORDER BY run_id DESC LIMIT 1")" "gate_failed|3" "gate run"
assert_eq "$(sql $DB "SELECT status FROM steps WHERE run_id = 1 AND step = 'evaluate'")" "gate_failed" "evaluate"
assert_eq "$(sql $DB "SELECT status FROM steps WHERE run_id = 1 AND step = 'export'")" "skipped" "export"
sql $DB "SELECT error FROM runs WHERE run_id = 1" | grep -q "gate failed: auc = 0\.[0-9]* on test, required >= 0.999" || fail "gate message"
[ ! -e out/bundle ] || fail "a failed gate must not export"

# A column that is not in the file's header: a config error at its position, before anything runs.
expect_exit 2 "$MLPIPE" run pipeline.yaml --set steps.ingest.label=default
assert_contains "$ERR" "label: no column 'default' in the header of loans.csv (did you mean 'defaulted'?)"
assert_eq "$(sql $DB "SELECT count(*) FROM runs")" 1 "nothing recorded for a config error"
# A step that fails at run time: exit 1, dependents skipped, the error recorded.
expect_exit 1 "$MLPIPE" run pipeline.yaml --set steps.ingest.label=region
assert_contains "$ERR" "label column 'region' holds text"
assert_eq "$(sql $DB "SELECT status, exit_code FROM runs WHERE run_id = 2")" "failed|1" "failed run"
assert_eq "$(sql $DB "SELECT group_concat(status, ',') FROM (SELECT status FROM steps WHERE run_id = 2 ORDER BY rowid)")" \
  "failed,skipped,skipped,skipped,skipped,skipped" "steps of a failed run"

# Independent branches: one failing train does not stop the other branch.
cat > branches.yaml <<'YAML'
pipeline: branches
steps:
  ingest: {type: ingest, source: loans.csv, label: defaulted, id: loan_id, drop: [opened]}
  split: {type: split, needs: ingest}
  good: {type: train, needs: split, trainer: xgboost, rounds: 5}
  bad: {type: train, needs: split, trainer: xgboost, rounds: 5, features: [nothing*]}
  eval_good: {type: evaluate, needs: good}
  eval_bad: {type: evaluate, needs: bad}
YAML
expect_exit 1 "$MLPIPE" run branches.yaml --jobs 2
assert_eq "$(sql $DB "SELECT group_concat(step || '=' || status, ',') FROM (SELECT * FROM steps WHERE run_id = 3 ORDER BY step)")" \
  "bad=failed,eval_bad=skipped,eval_good=ok,good=ok,ingest=ok,split=ok" "branches"
assert_contains "$ERR" "features: no column matches 'nothing*'"
echo ok
