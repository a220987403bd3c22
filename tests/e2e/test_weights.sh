# weight: a row of weight 2 counts as two rows, in training and in every metric: the weighted file
# trains the model the same file with those rows repeated trains, with the same metrics; bad
# weights name their row; predict does not need the weight column.
source "$(dirname "$0")/lib.sh"
awk 'BEGIN { srand(9); print "id,x,z,y"; for (i = 1; i <= 300; i++) { x = rand() * 10; z = rand() * 10
  printf "%d,%.3f,%.3f,%d\n", i, x, z, (x + 2 * rand() > 6) ? 1 : 0 } }' >base.csv
awk -F, 'NR == 1 { print $0 ",w"; next } { print $0 "," ($1 % 3 == 0 ? 2 : 1) }' base.csv >weighted.csv
awk -F, 'NR == 1 { print; next } { print; if ($1 % 3 == 0) print }' base.csv >repeated.csv
cat >w.yaml <<'YAML'
pipeline: weighted
seed: 2
steps:
  ingest: {type: ingest, source: weighted.csv, label: y, id: id, weight: w}
  train: {type: train, needs: ingest, trainer: xgboost, rounds: 10, params: {objective: "binary:logistic", max_depth: 2}}
  evaluate: {type: evaluate, needs: train, metrics: [auc, logloss, brier, accuracy, pr_auc]}
  export: {type: export, needs: evaluate, dir: out/w}
YAML
sed 's|source: weighted.csv, label: y, id: id, weight: w|source: repeated.csv, label: y, id: id|; s|out/w|out/r|' w.yaml >r.yaml
expect_exit 0 "$MLPIPE" run w.yaml --store w
assert_contains "$ERR" "weight w: sum 400.00"
expect_exit 0 "$MLPIPE" run r.yaml -q --store r
cmp "$(run_dir w 1)/train/model.json" "$(run_dir r 1)/train/model.json" || fail "weight 2 did not train as a repeated row"
for m in auc logloss brier accuracy pr_auc; do
  assert_eq "$(sql w/store.db "SELECT printf('%.12f', value) FROM metrics WHERE step = 'evaluate' AND key = '$m'")" \
            "$(sql r/store.db "SELECT printf('%.12f', value) FROM metrics WHERE step = 'evaluate' AND key = '$m'")" "weighted $m"
done
grep -q '"w"' out/w/manifest.json && grep -A3 '"features"' out/w/manifest.json | grep -q '"w"' && fail "the weight is a feature"
expect_exit 0 "$MLPIPE" predict out/w base.csv -o scores.csv
# Bad weights: missing, negative, text; each names its row.
sed '5s/,1$/,/; 5s/,2$/,/' weighted.csv >gap.csv
sed 's|weighted.csv|gap.csv|' w.yaml >gap.yaml
expect_exit 1 "$MLPIPE" run gap.yaml -q --store e1
assert_contains "$ERR" "weight 'w' is missing in row 4 of the data; weights must be numbers >= 0"
sed '7s/,1$/,-1/; 7s/,2$/,-1/' weighted.csv >neg.csv
sed 's|weighted.csv|neg.csv|' w.yaml >neg.yaml
expect_exit 1 "$MLPIPE" run neg.yaml -q --store e2
assert_contains "$ERR" "weight 'w' is '-1' in row 6 of the data"
sed 's|weight: w|weight: ww|' w.yaml >typo.yaml
expect_exit 2 "$MLPIPE" validate typo.yaml
assert_contains "$ERR" "weight: no column 'ww' in the header of weighted.csv (did you mean 'w'?)"
echo ok
