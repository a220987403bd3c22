# Multi-class: a text label with classes (inferred or listed) trains multi:softprob; evaluate
# records mlogloss, accuracy, macro_auc and the confusion matrix; predict writes the most probable
# class and one probability column per class, equal to evaluate's; errors say what to write.
source "$(dirname "$0")/lib.sh"
awk 'BEGIN { srand(3); print "id,a,b,region,grade"
  for (i = 1; i <= 900; i++) { a = rand() * 10; b = rand() * 10; r = (rand() < 0.5) ? "east" : "west"
    s = a + (r == "east" ? 2 : 0) + rand() * 3; g = s < 5 ? "low" : (s < 9 ? "mid" : "high")
    printf "%d,%.3f,%.3f,%s,%s\n", i, a, b, r, g } }' >grades.csv
cat >multi.yaml <<'YAML'
pipeline: grades
seed: 4
steps:
  ingest: {type: ingest, source: grades.csv, id: id, label: {column: grade, classes: auto}}
  split: {type: split, needs: ingest, method: stratified}
  train: {type: train, needs: split, trainer: xgboost, rounds: 30, early_stopping: 5,
          params: {objective: "multi:softprob", max_depth: 3}}
  evaluate: {type: evaluate, needs: train, gate: {macro_auc: ">= 0.8"}}
  export: {type: export, needs: evaluate, dir: out/bundle}
YAML
expect_exit 0 "$MLPIPE" validate multi.yaml
expect_exit 0 "$MLPIPE" run multi.yaml --store s
n_low=$(grep -c ',low$' grades.csv); n_mid=$(grep -c ',mid$' grades.csv); n_high=$(grep -c ',high$' grades.csv)
assert_contains "$ERR" "label grade: 3 classes (high $n_high, low $n_low, mid $n_mid)"
for m in mlogloss accuracy macro_auc; do
  v=$(sql s/store.db "SELECT value FROM metrics WHERE step = 'evaluate' AND key = '$m'")
  [ -n "$v" ] || fail "no $m"
done
acc=$(sql s/store.db "SELECT value FROM metrics WHERE step = 'evaluate' AND key = 'accuracy'")
awk -v a="$acc" 'BEGIN { exit !(a > 0.6) }' || fail "accuracy $acc"
test_rows=$(sql s/store.db "SELECT value FROM metrics WHERE step = 'evaluate' AND key = 'rows'")
assert_eq "$(sql s/store.db "SELECT sum(value) FROM metrics WHERE step = 'evaluate' AND key LIKE 'confusion.%'")" "$test_rows" "confusion counts"
right=$(sql s/store.db "SELECT sum(value) FROM metrics WHERE step = 'evaluate' AND key IN ('confusion.low.low', 'confusion.mid.mid', 'confusion.high.high')")
awk -v r="$right" -v n="$test_rows" -v a="$acc" 'BEGIN { d = r / n - a; exit !(d < 1e-12 && d > -1e-12) }' || fail "accuracy is not the confusion diagonal"
grep -q '^true \\ predicted,high,low,mid$' "$(run_dir s 1)/evaluate/confusion.csv" || fail "confusion.csv header"
head -1 "$(run_dir s 1)/evaluate/predictions.csv" | grep -qx 'id,grade,class,score_high,score_low,score_mid' || fail "predictions header"
grep -q '"classes"' out/bundle/manifest.json || fail "no classes in the manifest"
# predict: the same probabilities as evaluate for the test rows, and rows sum to 1.
expect_exit 0 "$MLPIPE" predict out/bundle grades.csv -o scores.csv
head -1 scores.csv | grep -qx 'id,class,score_high,score_low,score_mid' || fail "predict header: $(head -1 scores.csv)"
awk -F, 'NR == FNR { if (FNR > 1) p[$1] = $2 "," $3 "," $4 "," $5; next }
         FNR > 1 && ($1 in p) { n++; if (p[$1] != $3 "," $4 "," $5 "," $6) { print "differs: " $0; exit 1 } }
         END { if (n == 0) exit 1 }' scores.csv "$(run_dir s 1)/evaluate/predictions.csv" || fail "predict differs from evaluate"
awk -F, 'FNR > 1 { s = $3 + $4 + $5; if (s < 0.999999 || s > 1.000001) exit 1 }' scores.csv || fail "probabilities do not sum to 1"
# Reason codes explain each row's most probable class: its contributions plus bias are its margin.
expect_exit 0 "$MLPIPE" predict out/bundle grades.csv --explain all -o why.csv
assert_eq "$(head -1 why.csv)" "id,class,score_high,score_low,score_mid,contribution.a,contribution.b,contribution.region,bias,margin" "explain all header"
awk -F, 'NR > 1 { d = $6 + $7 + $8 + $9 - $10; if (d > 1e-5 || d < -1e-5) { print "row " NR; bad = 1 } } END { exit bad }' why.csv \
  || fail "a class's contributions do not add up to its margin"
expect_exit 0 "$MLPIPE" report 1 --store s -o report.html
grep -q "Confusion matrix: evaluate (test)" report.html || fail "no confusion matrix in the report"
grep -q "predicted against actual" report.html && fail "a multi-class model charted as a regression"
# Listed classes set the column order; a value not listed is an error naming it.
sed 's|classes: auto|classes: [low, mid, high]|' multi.yaml >listed.yaml
expect_exit 0 "$MLPIPE" run listed.yaml -q --store l --set steps.export.dir=out/listed
expect_exit 0 "$MLPIPE" predict out/listed grades.csv -o listed.csv
head -1 listed.csv | grep -qx 'id,class,score_low,score_mid,score_high' || fail "listed order: $(head -1 listed.csv)"
sed 's|classes: auto|classes: [low, mid]|' multi.yaml >missing.yaml
expect_exit 1 "$MLPIPE" run missing.yaml -q --store e1
assert_contains "$ERR" "label column 'grade' holds 'high'"
assert_contains "$ERR" "which is not among classes: low, mid"
# Errors: classes with a binary objective, multi:softprob without classes, softmax, num_class.
sed 's|multi:softprob|binary:logistic|; s|macro_auc: ">= 0.8"|auc: ">= 0.5"|' multi.yaml >binary.yaml
expect_exit 1 "$MLPIPE" run binary.yaml -q --store e2
assert_contains "$ERR" "label 'grade' has 3 classes: train it with params: {objective: \"multi:softprob\"}"
# label: NAME with a multi-class objective downstream: the classes are inferred (as auto).
sed 's|label: {column: grade, classes: auto}|label: grade|' multi.yaml >inferred.yaml
expect_exit 0 "$MLPIPE" run inferred.yaml -q --store inf --set steps.export.dir=out/inferred
cmp "$(run_dir s 1)/train/model.json" "$(run_dir inf 1)/train/model.json" || fail "inferred classes trained another model"
sed 's|label: {column: grade, classes: auto}|label: {column: grade}|' multi.yaml >noclasses.yaml
expect_exit 2 "$MLPIPE" validate noclasses.yaml
assert_contains "$ERR" "say what the label means: positive: VALUE (binary) or classes: [A, B, C] / auto (multi-class)"
sed 's|multi:softprob|multi:softmax|' multi.yaml >softmax.yaml
expect_exit 2 "$MLPIPE" validate softmax.yaml
assert_contains "$ERR" "use multi:softprob"
sed 's|max_depth: 3}|max_depth: 3, num_class: 3}|' multi.yaml >numclass.yaml
expect_exit 2 "$MLPIPE" validate numclass.yaml
assert_contains "$ERR" "num_class comes from the label's classes"
sed 's|gate: {macro_auc: ">= 0.8"}|metrics: [auc]|' multi.yaml >badmetric.yaml
expect_exit 2 "$MLPIPE" run badmetric.yaml -q --store e3
assert_contains "$ERR" "metric 'auc' does not apply to a multiclass model; use mlogloss, accuracy, macro_auc"
echo ok
