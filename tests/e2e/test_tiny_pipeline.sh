# A full run on the tiny fixture: every record the run store promises, and determinism.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$MLPIPE" run pipeline.yaml --json
DB=.mlpipe/store.db
assert_contains "$OUT" '"status": "ok"'
assert_contains "$OUT" '"exit_code": 0'
assert_contains "$ERR" "[6/6] export"

assert_eq "$(sql $DB "SELECT count(*), status, exit_code FROM runs")" "1|ok|0" "run row"
assert_eq "$(sql $DB "SELECT count(*) FROM steps WHERE status = 'ok'")" "6" "steps ok"
assert_eq "$(sql $DB "SELECT config_yaml = CAST(readfile('pipeline.yaml') AS TEXT) FROM runs")" "1" "yaml as written"
assert_eq "$(sql $DB "SELECT json_extract(config_json, '\$.steps.train.params.max_depth') FROM runs")" "3" "resolved config"
assert_eq "$(sql $DB "SELECT length(config_hash) FROM runs")" "32" "config hash"
assert_eq "$(sql $DB "SELECT value FROM params WHERE step = 'train' AND key = 'params.max_depth'")" "3" "param"
assert_eq "$(sql $DB "SELECT value FROM params WHERE step = '' AND key = 'params.rounds'")" "40" "pipeline param"

# Per-iteration metrics: rounds_run x valid x {logloss, auc}; train too with eval_train.
rounds=$(sql $DB "SELECT value FROM metrics WHERE step = 'train' AND key = 'rounds_run'")
rounds=${rounds%.0}
assert_eq "$(sql $DB "SELECT count(*) FROM metrics WHERE step = 'train' AND iteration IS NOT NULL")" "$((rounds * 2))" "curve points"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store both --set steps.train.eval_train=true
assert_eq "$(sql both/store.db "SELECT count(*) FROM metrics WHERE step = 'train' AND iteration IS NOT NULL")" "$((rounds * 4))" "train and valid curves"
cmp $(run_dir .mlpipe 1)/train/model.json $(run_dir both 1)/train/model.json || fail "eval_train changed the model"
assert_eq "$(sql $DB "SELECT count(DISTINCT iteration) FROM metrics WHERE step = 'train' AND split = 'valid' AND key = 'auc'")" "$rounds" "valid auc curve"
sql $DB "SELECT value FROM metrics WHERE step = 'evaluate' AND key = 'auc' AND split = 'test'" | grep -qE '^0\.[6-9]' || fail "test auc"

assert_eq "$(sql $DB "SELECT rows, cols, bytes, length(content_hash) FROM inputs WHERE step = 'ingest'")" "600|6|$(stat -c %s loans.csv)|32" "input row"
assert_eq "$(sql $DB "SELECT group_concat(name, ',') FROM (SELECT name FROM artifacts ORDER BY name)")" \
  "gains.csv,manifest.json,model.json,model.json,predictions.csv,preprocess.json,reference.json,transforms.json" "artifacts"
assert_eq "$(sql $DB "SELECT count(*) FROM environment WHERE key IN ('version.xgboost', 'version.sqlite', 'cpu.model', 'seed')")" "4" "environment"
[ -f out/bundle/manifest.json ] && [ -f out/bundle/model.json ] || fail "bundle"
ls out | grep -q tmp && fail "a temporary bundle folder was left behind"

# Same config, data and seed: bit-identical model and metrics in a second workdir.
expect_exit 0 "$MLPIPE" run pipeline.yaml --store second --set steps.export.dir=out/bundle2
cmp $(run_dir .mlpipe 1)/train/model.json $(run_dir second 1)/train/model.json || fail "models differ between identical runs"
cmp $(run_dir .mlpipe 1)/evaluate/predictions.csv $(run_dir second 1)/evaluate/predictions.csv || fail "predictions differ"
a=$(sql $DB "SELECT group_concat(value, ',') FROM (SELECT value FROM metrics WHERE run_id = 1 ORDER BY step, key, split, iteration)")
b=$(sql second/store.db "SELECT group_concat(value, ',') FROM (SELECT value FROM metrics WHERE run_id = 1 ORDER BY step, key, split, iteration)")
assert_eq "$a" "$b" "metrics of identical runs"
echo ok
