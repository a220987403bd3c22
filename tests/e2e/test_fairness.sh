# Fairness by segment: segments: records every metric per group (region one-hot encoded for the
# model, age standardized: both segment by their own values), fairness: the adverse impact ratio
# (four-fifths rule), TPR/FPR/ECE spreads; gates work on them; mistakes are config errors.
source "$(dirname "$0")/lib.sh"
sed -i 's|    gate: {auc: ">= 0.6"}|    segments: [region, {column: age, bands: [30, 45]}]\n    fairness: [region, age]\n    threshold: 0.3\n    gate: {auc: ">= 0.6", adverse_impact_ratio.age: ">= 0.1"}|' pipeline.yaml
sed -i 's|    trainer: xgboost|    trainer: xgboost\n    exclude: [age]|' pipeline.yaml   # a protected column left out of the model
expect_exit 0 "$MLPIPE" validate pipeline.yaml
expect_exit 0 "$MLPIPE" run pipeline.yaml
db=.mlpipe/store.db
m() { sql $db "SELECT value FROM metrics WHERE run_id = ${2:-1} AND step = 'evaluate' AND key = '$1'"; }
assert_eq "$(sql $db "SELECT count(*) FROM metrics WHERE run_id = 1 AND key LIKE 'importance.contribution.age'")" 0 "age is not a model input"
# Every metric per group; the groups' rows add up to the evaluated rows.
assert_eq "$(sql $db "SELECT sum(value) FROM metrics WHERE run_id = 1 AND key LIKE 'rows.region=%'")" "$(m rows)" "region groups cover the rows"
assert_eq "$(sql $db "SELECT sum(value) FROM metrics WHERE run_id = 1 AND key LIKE 'rows.age=%'")" "$(m rows)" "age bands cover the rows"
assert_eq "$(sql $db "SELECT group_concat(substr(key, 10), ' ') FROM (SELECT key FROM metrics WHERE run_id = 1 AND key LIKE 'rows.age=%' ORDER BY key)")" \
          "30-45 45+ <30 missing" "age bands of the raw ages (not standardized)"
[ -n "$(m 'brier.region=west, coast')" ] || fail "no brier for region 'west, coast'"
# The favourable rate (score below the threshold) per region, from the predictions and the raw file.
preds="$(run_dir .mlpipe 1)/evaluate/predictions.csv"
sqlite3 -batch :memory: >rates.txt <<SQL
.mode csv
.import loans.csv loans
.import $preds preds
.mode list
SELECT l.region, round(avg(CAST(p.score AS REAL) < 0.3), 9) FROM preds p JOIN loans l ON l.loan_id = p.loan_id GROUP BY l.region ORDER BY l.region;
SQL
while IFS='|' read -r region rate; do
  got=$(sql $db "SELECT round(value, 9) FROM metrics WHERE run_id = 1 AND key = 'favorable_rate.region=$region'")
  assert_eq "$got" "$rate" "favourable rate of $region"
done <rates.txt
# The adverse impact ratio is the lowest rate over the highest.
want=$(sql $db "SELECT round(min(value) / max(value), 9) FROM metrics WHERE run_id = 1 AND key LIKE 'favorable_rate.region=%'")
assert_eq "$(sql $db "SELECT round(value, 9) FROM metrics WHERE run_id = 1 AND key = 'adverse_impact_ratio.region'")" "$want" "adverse impact ratio"
for k in tpr_difference.region fpr_difference.region ece_difference.region tpr_difference.age; do [ -n "$(m $k)" ] || fail "no $k"; done
grep -q '^segment,group,rows,positives,auc,logloss,ks,brier,f1,favorable_rate,tpr,fpr,ece$' "$(run_dir .mlpipe 1)/evaluate/segments.csv" || fail "segments.csv header"
assert_eq "$(sql $db "SELECT value FROM metrics WHERE run_id = 1 AND key = 'gate.adverse_impact_ratio.age'")" 1.0 "the fairness gate passed"
expect_exit 0 "$MLPIPE" report 1 -o report.html
assert_contains report.html "<td>region</td><td>"
assert_contains report.html "four-fifths rule"

# favorable: high counts the rows at or above the threshold instead.
expect_exit 0 "$MLPIPE" run pipeline.yaml --set steps.evaluate.favorable=high
low=$(m 'favorable_rate.region=east'); high=$(m 'favorable_rate.region=east' 2)
awk -v a="$low" -v b="$high" 'BEGIN { d = a + b - 1; exit !(d < 1e-12 && d > -1e-12) }' || fail "favorable high is not 1 - low ($low, $high)"

# A fairness gate that fails stops the run with exit 3 and says why.
sed 's/adverse_impact_ratio.age: ">= 0.1"/adverse_impact_ratio.age: ">= 0.999"/' pipeline.yaml >strict.yaml
expect_exit 3 "$MLPIPE" run strict.yaml
assert_contains "$ERR" "adverse_impact_ratio.age = "
# Mistakes.
sed 's/fairness: \[region, age\]/fairness: [region, income]/' pipeline.yaml >bad1.yaml
expect_exit 2 "$MLPIPE" validate bad1.yaml
assert_contains "$ERR" "fairness column 'income' is not among the segments: add it to \`segments:\`"
sed 's/segments: \[region,/segments: [regoin,/' pipeline.yaml >bad2.yaml
expect_exit 2 "$MLPIPE" validate bad2.yaml
assert_contains "$ERR" "no column 'regoin' in the data this step gets (did you mean 'region'?)"
sed 's/bands: \[30, 45\]/bands: [45, 30]/' pipeline.yaml >bad3.yaml
expect_exit 2 "$MLPIPE" validate bad3.yaml
assert_contains "$ERR" "bands are increasing numbers"
sed 's/adverse_impact_ratio.age: ">= 0.1"/adverse_impact_ratio.agee: ">= 0.1"/' pipeline.yaml >bad4.yaml
expect_exit 2 "$MLPIPE" validate bad4.yaml
assert_contains "$ERR" "gate on unknown metric 'adverse_impact_ratio.agee'"
sed 's/adverse_impact_ratio.age: ">= 0.1"/adverse_impact_ratio.age: ">= champion"/' pipeline.yaml >bad5.yaml
expect_exit 2 "$MLPIPE" validate bad5.yaml
assert_contains "$ERR" "not against the champion"
sed 's/{column: age, bands: \[30, 45\]}/{column: region, bands: [1]}/; s/fairness: \[region, age\]/fairness: [region]/; s/, adverse_impact_ratio.age: ">= 0.1"//' pipeline.yaml >bad6.yaml
expect_exit 2 "$MLPIPE" run bad6.yaml
assert_contains "$ERR" "'region' is text; bands: need a numeric column"
echo ok
