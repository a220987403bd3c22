# Datetimes: an ISO column is read as a datetime (never a dictionary of 86,000 texts), a time
# split cuts at dates with a gap left out, windows and predict use the same times; declared
# formats (YYMMDD) and epoch units; errors name the file, line or YAML key.
source "$(dirname "$0")/lib.sh"
cp "$REPO/examples/card-fraud/data/transactions_2018-04_c1500.csv" tx.csv
cat >dates.yaml <<'YAML'
pipeline: fraud-dates
seed: 7
steps:
  ingest: {type: ingest, source: tx.csv, label: TX_FRAUD, id: TRANSACTION_ID,
           drop: [TX_TIME_SECONDS, TX_TIME_DAYS]}
  split:
    type: split
    needs: ingest
    method: time
    by: TX_DATETIME
    train: {from: 2018-04-09, until: 2018-04-16}
    test: {from: "2018-04-23", until: "2018-04-30 00:00:00"}
  features:
    type: features
    needs: split
    transforms:
      - {op: time_parts, time: TX_DATETIME, parts: [night]}
      - {op: window, entity: CUSTOMER_ID, time: TX_DATETIME, columns: [TX_AMOUNT], windows: [1d, 7d], aggs: [count, mean]}
      - {op: label_rate, entity: TERMINAL_ID, time: TX_DATETIME, label: TX_FRAUD, windows: [7d], delay: 7d}
  train:
    type: train
    needs: features
    trainer: xgboost
    exclude: [CUSTOMER_ID, TERMINAL_ID]
    rounds: 30
    params: {objective: "binary:logistic", eta: 0.2, max_depth: 3}
  evaluate: {type: evaluate, needs: train, on: test, metrics: [auc, gini, precision_at_k, recall_at_k, card_precision_at_k],
             k: 50, entity: CUSTOMER_ID, time: TX_DATETIME}
  export: {type: export, needs: evaluate, dir: out/bundle}
YAML
expect_exit 0 "$MLPIPE" run dates.yaml --store s
assert_contains "$ERR" "86237 rows x 6 columns (0 categorical, 1 datetime)"
# The ranges hold exactly the rows whose text dates fall in them; the rest is left out.
train=$(awk -F, 'NR > 1 && $2 >= "2018-04-09" && $2 < "2018-04-16"' tx.csv | wc -l)
test_rows=$(awk -F, 'NR > 1 && $2 >= "2018-04-23" && $2 < "2018-04-30"' tx.csv | wc -l)
total=$(($(wc -l <tx.csv) - 1))
assert_contains "$ERR" "time: train $train, valid 0, test $test_rows, left out $((total - train - test_rows))"
assert_eq "$(sql s/store.db "SELECT value FROM metrics WHERE step = 'split' AND key = 'rows_left_out'")" \
          "$((total - train - test_rows)).0" "left out"
# The datetime column is no model input (and no 86,000-entry dictionary in the bundle).
grep -q '"TX_DATETIME"' out/bundle/manifest.json && fail "the datetime column is a model input"
grep -q '"2018-04-01 00:00:31"' out/bundle/preprocess.json && fail "the datetime column was stored as categories"
grep -q '"type":"datetime"' out/bundle/preprocess.json || grep -q '"type": "datetime"' out/bundle/preprocess.json || fail "no datetime type in the bundle"
auc=$(sql s/store.db "SELECT value FROM metrics WHERE step = 'evaluate' AND key = 'auc'")
awk -v a="$auc" 'BEGIN { exit !(a > 0.75) }' || fail "test AUC $auc of the date split"
gini=$(sql s/store.db "SELECT value FROM metrics WHERE step = 'evaluate' AND key = 'gini'")
awk -v a="$auc" -v g="$gini" 'BEGIN { d = 2 * a - 1 - g; exit !(d < 1e-12 && d > -1e-12) }' || fail "gini $gini is not 2 auc - 1"
for m in precision_at_k recall_at_k card_precision_at_k lift_top_10pct; do
  v=$(sql s/store.db "SELECT value FROM metrics WHERE step = 'evaluate' AND key = '$m'")
  awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$m is '$v'"
done
assert_eq "$(wc -l <"$(run_dir s 1)/evaluate/gains.csv")" "11" "gains table lines"
sed 's|k: 50, entity: CUSTOMER_ID,|k: 50,|' dates.yaml >noentity.yaml
expect_exit 2 "$MLPIPE" validate noentity.yaml
assert_contains "$ERR" "card_precision_at_k needs \`entity:\`"
# predict reads the same file, times and all, and gives evaluate's scores on the test rows.
expect_exit 0 "$MLPIPE" predict out/bundle tx.csv -o scores.csv
assert_eq "$(($(wc -l <scores.csv) - 1))" "$total" "scored rows"
# Cached and reused as is: a second run recomputes nothing.
expect_exit 0 "$MLPIPE" run dates.yaml --store s
assert_eq "$(sql s/store.db "SELECT count(*) FROM steps WHERE run_id = 2 AND status = 'reused'")" "6" "reused steps"

# A backtest: rolling folds (7 days of training, a 7-day gap, 7 days of test, moved by 3 days),
# each a child run that stops after evaluate; the parent records each fold's metrics, their mean
# and sd, and runs show prints the fold table.
sed 's|    test: {from: "2018-04-23", until: "2018-04-30 00:00:00"}|&\n    backtest: {folds: 3, start: 2018-04-02, train: 7d, gap: 7d, test: 7d, step: 3d}|' dates.yaml >bt.yaml
expect_exit 0 "$MLPIPE" run bt.yaml --store b
assert_contains "$ERR" "backtest of step 'split': 3 folds from 2018-04-02 (train 7d, gap 7d, test 7d, step 3d)"
assert_contains "$ERR" "fold 3/3  run 3  train 2018-04-08 .. 2018-04-15  test 2018-04-22 .. 2018-04-29"
assert_eq "$(sql b/store.db "SELECT group_concat(run_id) FROM runs WHERE parent_run = 4")" "1,2,3" "fold runs"
assert_eq "$(sql b/store.db "SELECT count(*) FROM steps WHERE run_id <= 3 AND step = 'export' AND status IN ('ok', 'reused')")" "0" "folds export nothing"
for f in 1 2 3; do
  assert_eq "$(sql b/store.db "SELECT value FROM metrics WHERE run_id = 4 AND step = 'backtest' AND key = 'evaluate.test.auc' AND iteration = $f")" \
            "$(sql b/store.db "SELECT value FROM metrics WHERE run_id = $f AND step = 'evaluate' AND key = 'auc'")" "fold $f auc"
done
# The fold's test rows are exactly its dates.
fold3=$(awk -F, 'NR > 1 && $2 >= "2018-04-22" && $2 < "2018-04-29"' tx.csv | wc -l)
assert_eq "$(sql b/store.db "SELECT value FROM metrics WHERE run_id = 3 AND step = 'split' AND key = 'rows' AND split = 'test'")" "$fold3.0" "fold 3 test rows"
mean=$(sql b/store.db "SELECT avg(value) FROM metrics WHERE run_id = 4 AND step = 'backtest' AND key = 'evaluate.test.auc' AND iteration IS NOT NULL")
got=$(sql b/store.db "SELECT value FROM metrics WHERE run_id = 4 AND step = 'backtest' AND key = 'evaluate.test.auc.mean'")
awk -v a="$mean" -v b="$got" 'BEGIN { d = a - b; exit !(d < 1e-12 && d > -1e-12) }' || fail "mean $got is not $mean"
expect_exit 0 "$MLPIPE" runs show 4 --store b
assert_contains "$OUT" "backtest (3 folds, each a child run)"
assert_contains "$OUT" "2018-04-08 .. 2018-04-15  2018-04-22 .. 2018-04-29"
expect_exit 0 "$MLPIPE" report 4 --store b -o bt.html
grep -q "<h2>Backtest</h2>" bt.html || fail "no backtest table in the report"
grep -q "2018-04-22 00:00:00 .. 2018-04-29 00:00:00" bt.html || fail "no fold window in the report"
expect_exit 0 "$MLPIPE" run bt.yaml --store b --json
assert_eq "$(sql :memory: "SELECT json_array_length(json_extract(readfile('$OUT'), '$.backtest.folds'))")" "3" "json folds"
sed 's|backtest: {folds: 3,|backtest: {folds: 3, valid: 2d,|' bt.yaml >btbad.yaml
expect_exit 2 "$MLPIPE" validate btbad.yaml
assert_contains "$ERR" "unknown key 'valid'"
sed 's|gap: 7d, test: 7d|gap: 7d, test: 7 days|' bt.yaml >btbad2.yaml
expect_exit 2 "$MLPIPE" validate btbad2.yaml
assert_contains "$ERR" "test must be a duration such as 7d or 12h"

# validate reads the headers and reports every misspelt column (and other errors) at once.
sed 's/by: TX_DATETIME/by: TX_DATETIM/; s/entity: CUSTOMER_ID, time: TX_DATETIME, columns/entity: CUSTOMERID, time: TX_DATETIME, columns/; s/label: TX_FRAUD, id/label: TX_FRAD, id/; s/rounds: 30/rounds: 30x/' dates.yaml >multi.yaml
expect_exit 2 "$MLPIPE" validate multi.yaml
assert_contains "$ERR" "label: no column 'TX_FRAD' in the header of tx.csv (did you mean 'TX_FRAUD'?)"
assert_contains "$ERR" "multi.yaml:10:9: step 'split': no column 'TX_DATETIM' in the data this step gets (did you mean 'TX_DATETIME'?)"
assert_contains "$ERR" "step 'features': no column 'CUSTOMERID' in the data this transform gets (did you mean 'CUSTOMER_ID'?)"
assert_contains "$ERR" "'rounds' must be an integer"
assert_contains "$ERR" "4 errors in multi.yaml"
# A transform's columns are checked against the input plus what earlier transforms made.
sed 's/columns: \[TX_AMOUNT\]/columns: [TX_AMOUNTT]/' dates.yaml >cols.yaml
expect_exit 2 "$MLPIPE" validate cols.yaml
assert_contains "$ERR" "no column 'TX_AMOUNTT' in the data this transform gets (did you mean 'TX_AMOUNT'?)"

# Bad ranges are config errors at their YAML key (exit 2), before anything runs.
sed 's|test: {from: "2018-04-23"|test: {from: "2018-04-12"|' dates.yaml >overlap.yaml
expect_exit 2 "$MLPIPE" validate overlap.yaml
assert_contains "$ERR" "overlap.yaml:12:11: step 'split': test overlaps train"
assert_contains "$ERR" "test overlaps train"
sed 's|train: {from: 2018-04-09|train: {from: 2018-04-31|' dates.yaml >baddate.yaml
expect_exit 2 "$MLPIPE" validate baddate.yaml
assert_contains "$ERR" "baddate.yaml:11:"
assert_contains "$ERR" "must be a date"
sed 's|train: {from: 2018-04-09|train: {form: 2018-04-09|' dates.yaml >typo.yaml
expect_exit 2 "$MLPIPE" validate typo.yaml
assert_contains "$ERR" "did you mean 'from'"
sed 's|method: time|method: random|' dates.yaml >random.yaml
expect_exit 2 "$MLPIPE" validate random.yaml
assert_contains "$ERR" "date ranges need method: time"
sed 's|train: {from: 2018-04-09, until: 2018-04-16}|train: {from: 2019-01-01}|; s|test: {from: "2018-04-23", until: "2018-04-30 00:00:00"}|test: {from: 2018-04-01, until: 2018-04-02}|' dates.yaml >empty.yaml
expect_exit 1 "$MLPIPE" run empty.yaml -q --store e1
assert_contains "$ERR" "the train split is empty: no row of 'TX_DATETIME' falls in its date range"

# Declared formats: YYMMDD text and epoch milliseconds; a value that does not fit names its line.
printf 'id,opened,seen_ms,y\n1,930105,1522540831000,0\n2,991231,1522540832000,1\n3,000229,,0\n' >fmt.csv
cat >fmt.yaml <<'YAML'
pipeline: formats
steps:
  ingest:
    type: ingest
    source: fmt.csv
    id: id
    types: {opened: {type: datetime, format: "%y%m%d"}, seen_ms: {type: datetime, unit: ms}}
YAML
expect_exit 0 "$MLPIPE" run fmt.yaml --store f
assert_contains "$ERR" "3 rows x 4 columns (0 categorical, 2 datetime)"
printf '4,991332,5,0\n' >>fmt.csv
expect_exit 1 "$MLPIPE" run fmt.yaml -q --store f2
assert_contains "$ERR" "fmt.csv:5: column 2: '991332' is not a datetime in the format \"%y%m%d\""
sed 's|format: "%y%m%d"|format: "%y%q%d"|' fmt.yaml >badfmt.yaml
expect_exit 2 "$MLPIPE" validate badfmt.yaml
assert_contains "$ERR" "unknown directive %q"
sed 's|{type: datetime, unit: ms}|datetme|' fmt.yaml >badtype.yaml
expect_exit 2 "$MLPIPE" validate badtype.yaml
assert_contains "$ERR" "did you mean 'datetime'"

# A time split on text that is not ISO datetimes would cut at the wrong place: an error that says
# how to declare the layout.
printf 'd,x,y\n9/4/2018,1,0\n10/4/2018,2,1\n11/4/2018,3,0\n' >dmy.csv
cat >dmy.yaml <<'YAML'
pipeline: dmy
steps:
  ingest: {type: ingest, source: dmy.csv, label: y}
  split: {type: split, needs: ingest, method: time, by: d, fractions: {train: 0.67, test: 0.33}}
YAML
expect_exit 1 "$MLPIPE" run dmy.yaml -q --store d1
assert_contains "$ERR" "by: column 'd' holds text, not times (e.g. '9/4/2018')"
sed 's|label: y}|label: y, types: {d: {type: datetime, format: "%d/%m/%Y"}}}|' dmy.yaml >dmy2.yaml
expect_exit 0 "$MLPIPE" run dmy2.yaml --store d2
assert_contains "$ERR" "time: train 2, valid 0, test 1"

# A numeric sentinel in na_values is missing, however the number is spelt: the same model as
# with empty cells.
awk 'BEGIN { srand(5); print "x,z,y"; for (i = 0; i < 400; i++) { x = int(100 * rand()); s = (i % 7 == 0); z = s ? "-999" : int(50 * rand()); print x "," z "," ((x > 50 || s || z > 40) ? 1 : 0) } }' >sent.csv
sed 's/,-999,/,,/' sent.csv >empty.csv
grep -q -- '-999' empty.csv && fail "fixture: sentinels left"
sed -i '0,/,-999,/s//,-999.0,/' sent.csv
cat >sent.yaml <<'YAML'
pipeline: sentinel
seed: 1
steps:
  ingest: {type: ingest, source: sent.csv, label: y, na_values: ["", "-999"]}
  train: {type: train, needs: ingest, trainer: xgboost, rounds: 5, params: {objective: "binary:logistic"}}
YAML
sed 's/sent.csv/empty.csv/' sent.yaml >empty.yaml
expect_exit 0 "$MLPIPE" run sent.yaml -q --store n1
expect_exit 0 "$MLPIPE" run empty.yaml -q --store n2
cmp "$(run_dir n1 1)/train/model.json" "$(run_dir n2 1)/train/model.json" || fail "the -999 sentinel was used as a value"

# Text with one value per row (a transaction reference) is not silently a feature: the summary
# names it, and types: {ref: categorical} makes it one.
awk 'BEGIN { print "ref,x,y"; for (i = 0; i < 300; i++) printf "tx-%05d,%d,%d\n", i, i % 17, ((i % 17) > 8 ? 1 : 0) }' >ids.csv
cat >ids.yaml <<'YAML'
pipeline: ids
steps:
  ingest: {type: ingest, source: ids.csv, label: y}
  train: {type: train, needs: ingest, trainer: xgboost, rounds: 3, params: {objective: "binary:logistic"}}
YAML
expect_exit 0 "$MLPIPE" run ids.yaml --store i
assert_contains "$ERR" "warning: ref is text with nearly one value per row (an id?): left out of the model inputs"
assert_contains "$ERR" "not inputs (id-like text): ref"
assert_contains "$ERR" "300 rows x 1 features"
# predict needs the columns the model uses, not every column training read.
sed 's|params: {objective: "binary:logistic"}}|params: {objective: "binary:logistic"}}\n  export: {type: export, needs: train, dir: out/ids}|' ids.yaml >ids-export.yaml
expect_exit 0 "$MLPIPE" run ids-export.yaml -q --store i3
cut -d, -f2,3 ids.csv >no-ref.csv
expect_exit 0 "$MLPIPE" predict out/ids no-ref.csv -o no-ref-scores.csv
cut -d, -f1,3 ids.csv >no-x.csv
expect_exit 1 "$MLPIPE" predict out/ids no-x.csv -o no-x-scores.csv
assert_contains "$ERR" "missing columns the model needs: x"
sed 's|label: y}|label: y, types: {ref: categorical}}|' ids.yaml >ids2.yaml
expect_exit 0 "$MLPIPE" run ids2.yaml --store i
assert_contains "$ERR" "300 rows x 2 features"
echo ok
