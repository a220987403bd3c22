# calibrate: isotonic or Platt calibration fitted on valid; evaluate records Brier and ECE before
# and after; the bundle carries the calibration and predict applies it (the same scores as
# evaluate); the step cache rebuilds the calibrated model; mistakes are config errors.
source "$(dirname "$0")/lib.sh"
# scale_pos_weight inflates the scores: a model that needs calibrating.
sed -i 's|    params: {max_depth: "${params.depth}", eta: 0.3}|    params: {max_depth: "${params.depth}", eta: 0.3, scale_pos_weight: 5}|' pipeline.yaml
sed -i 's|^  evaluate:|  calibrate:\n    type: calibrate\n    needs: train\n    method: isotonic\n  evaluate:|' pipeline.yaml
sed -i '/^  evaluate:/,/^  export:/ s/    needs: train/    needs: calibrate/' pipeline.yaml
expect_exit 0 "$MLPIPE" validate pipeline.yaml
expect_exit 0 "$MLPIPE" run pipeline.yaml
assert_contains "$ERR" "calibrate     ok"
db=.mlpipe/store.db
m() { sql $db "SELECT value FROM metrics WHERE run_id = ${3:-1} AND step = '$1' AND key = '$2'"; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# In-sample, isotonic makes each fitted block's mean score its observed rate: ECE 0.
lt "$(m calibrate ece)" 1e-12 || fail "isotonic ECE on valid is $(m calibrate ece)"
lt "$(m calibrate brier)" "$(m calibrate uncalibrated.brier)" || fail "calibration did not lower valid's Brier"
# On test: both recorded; the inflated scores are better after.
for k in brier ece uncalibrated.brier uncalibrated.ece; do [ -n "$(m evaluate $k)" ] || fail "evaluate has no $k"; done
lt "$(m evaluate brier)" "$(m evaluate uncalibrated.brier)" || fail "test Brier $(m evaluate brier) not below $(m evaluate uncalibrated.brier)"
lt "$(m evaluate ece)" "$(m evaluate uncalibrated.ece)" || fail "test ECE not lower"
preds="$(run_dir .mlpipe 1)/evaluate/predictions.csv"
assert_eq "$(head -1 "$preds")" "loan_id,defaulted,score,uncalibrated_score" "predictions header"
# Isotonic keeps the order: sorted by the uncalibrated score, the calibrated one never falls.
tail -n +2 "$preds" | sort -t, -k4,4g | awk -F, '$3 < prev - 1e-12 { bad = 1 } { prev = $3 } END { exit bad }' || fail "calibration is not monotone"
# The bundle carries it and predict applies it: evaluate's scores exactly.
[ "$(sql :memory: "SELECT json_extract(readfile('out/bundle/manifest.json'), '\$.model_config.calibration.method')")" = isotonic ] || fail "no calibration in the manifest"
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o scores.csv
awk -F, 'NR == FNR { if (FNR > 1) p[$1] = $2; next } FNR > 1 { n++; if (p[$1] != $3) { bad++; print "differs:", $1, p[$1], $3 } }
         END { exit (bad > 0 || n != 120) }' scores.csv "$preds" || fail "predict differs from evaluate"
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv --explain 2 -o why.csv   # reasons explain the base model
# The cached calibrate step rebuilds the same model: a forced evaluate gives the same scores.
expect_exit 0 "$MLPIPE" run pipeline.yaml --force evaluate
assert_contains "$ERR" "calibrate     reused"
cmp <(cut -d, -f3 "$preds") <(cut -d, -f3 "$(run_dir .mlpipe 2)/evaluate/predictions.csv") || fail "the cached calibration scores differently"
expect_exit 0 "$MLPIPE" report 1 -o report.html
assert_contains report.html "before calibration"
# Platt scaling.
expect_exit 0 "$MLPIPE" run pipeline.yaml --set steps.calibrate.method=platt
assert_contains "$ERR" "platt on valid"
lt "$(m evaluate brier 3)" "$(m evaluate uncalibrated.brier 3)" || fail "platt did not lower test Brier"

# Mistakes.
expect_exit 2 "$MLPIPE" validate pipeline.yaml --set steps.calibrate.method=isotonik
assert_contains "$ERR" "isotonik"
sed '/^  calibrate:/,/^  evaluate:/ s/needs: train/needs: split/' pipeline.yaml >nomodel.yaml
expect_exit 2 "$MLPIPE" validate nomodel.yaml
assert_contains "$ERR" "a calibrate step needs a train step among its \`needs:\`"
expect_exit 2 "$MLPIPE" run pipeline.yaml --set steps.train.params.objective=reg:squarederror --set steps.evaluate.gate={}
assert_contains "$ERR" "calibrate needs a binary model"
echo ok
