# join and filter steps on the real binary: loans (the labelled rows) get each account's latest
# balance known at the loan date (as_of), a filter keeps the rows to learn from, and rewriting
# every balance after its loan date trains the very same model (the join is leak-free).
source "$(dirname "$0")/lib.sh"
awk 'BEGIN {
  srand(11); print "account_id,date,balance" > "balances.csv"; print "loan_id,account_id,loan_date,amount,defaulted" > "loans.csv"
  for (a = 1; a <= 400; a++) {
    b = 1000 + 4000 * rand()
    for (m = 1; m <= 12; m++) { b = b * (0.8 + 0.4 * rand()); printf "A%03d,2018-%02d-01,%.2f\n", a, m, b >> "balances.csv"; bal[m] = b }
    m = 2 + int(10 * rand()); d = 1 + int(27 * rand())
    p = bal[m] < 2000 ? 0.9 : 0.05
    printf "%d,A%03d,2018-%02d-%02d,%d,%d\n", a, a, m, d, 100 + int(900 * rand()), (rand() < p) >> "loans.csv"
  }
}'
printf '9999,A001,2018-05-05,500,\n' >>loans.csv   # no label yet: filtered out
cat >join.yaml <<'YAML'
pipeline: loans-join
seed: 3
steps:
  loans: {type: ingest, source: loans.csv, label: defaulted, id: loan_id}
  balances: {type: ingest, source: balances.csv}
  join:
    type: join
    needs: [loans, balances]
    on: account_id
    as_of: {time: loan_date, right_time: date}
    prefix: acct_
  labelled: {type: filter, needs: join, where: "defaulted is not null and amount > 0"}
  split: {type: split, needs: labelled, method: stratified}
  train:
    type: train
    needs: split
    trainer: xgboost
    rounds: 20
    params: {objective: "binary:logistic", max_depth: 2}
  evaluate: {type: evaluate, needs: train, on: test, metrics: [auc]}
YAML
expect_exit 0 "$MLPIPE" validate join.yaml
expect_exit 0 "$MLPIPE" run join.yaml --store s
assert_contains "$ERR" "401 rows of loans + 1 columns of balances; 401 matched as of loan_date"
assert_contains "$ERR" "kept 400 of 401 rows"
auc=$(sql s/store.db "SELECT value FROM metrics WHERE step = 'evaluate' AND key = 'auc'")
awk -v a="$auc" 'BEGIN { exit !(a > 0.7) }' || fail "the joined balance does not predict (test AUC $auc)"
# Rewrite the future: every balance after its account's loan date becomes 0.
awk -F, 'NR == FNR { if (FNR > 1) when[$2] = $3; next }
         FNR == 1 || $2 <= when[$1] { print; next } { print $1 "," $2 ",0" }' loans.csv balances.csv >future.csv
cmp -s future.csv balances.csv && fail "fixture: nothing was rewritten"
cp future.csv balances.csv
expect_exit 0 "$MLPIPE" run join.yaml --store s
assert_eq "$(sql s/store.db "SELECT status FROM steps WHERE run_id = 2 AND step = 'balances'")" "ok" "the changed file is read again"
cmp "$(run_dir s 1)/train/model.json" "$(run_dir s 2)/train/model.json" || fail "future balances changed the model: the join leaks"

# Errors at their YAML key, or at run time naming the column.
sed 's|on: account_id|on: acount_id|; s|right_time: date}|right_time: dat}|' join.yaml >badkey.yaml
expect_exit 2 "$MLPIPE" validate badkey.yaml
assert_contains "$ERR" "no column 'acount_id' in the table of step 'loans' (did you mean 'account_id'?)"
assert_contains "$ERR" "no column 'acount_id' in the table of step 'balances' (did you mean 'account_id'?)"
assert_contains "$ERR" "no column 'dat' in the table of step 'balances' (did you mean 'date'?)"
sed 's|amount > 0|amout > 0|' join.yaml >badwhere.yaml
expect_exit 2 "$MLPIPE" validate badwhere.yaml
assert_contains "$ERR" "no column 'amout' in the data this step gets (did you mean 'amount'?)"
sed 's|    prefix: acct_||' join.yaml >noprefix.yaml
sed -i 's|right_time: date}|right_time: date}\n    columns: [balance, account_id]|' noprefix.yaml
expect_exit 1 "$MLPIPE" run noprefix.yaml -q --store e2
assert_contains "$ERR" "both tables have a column 'account_id'; give the right table's columns a prefix"
sed 's|needs: \[loans, balances\]|needs: [loans]|' join.yaml >one.yaml
expect_exit 2 "$MLPIPE" validate one.yaml
assert_contains "$ERR" "a join needs two steps"
sed 's|delay: 1d||; s|right_time: date}|right_time: date, delay: soon}|' join.yaml >delay.yaml
expect_exit 2 "$MLPIPE" validate delay.yaml
assert_contains "$ERR" "delay must be a duration"
sed 's|where: "defaulted is not null and amount > 0"|where: "defaulted is not null and amount >"|' join.yaml >where.yaml
expect_exit 2 "$MLPIPE" validate where.yaml
assert_contains "$ERR" "where: 'amount >' has no value after >"
sed 's|amount > 0|amount > 10000|' join.yaml >none.yaml
expect_exit 1 "$MLPIPE" run none.yaml -q --store e3
assert_contains "$ERR" "no row meets the conditions"
# where: on ingest keeps rows as read.
sed 's|label: defaulted, id: loan_id}|label: defaulted, id: loan_id, where: "defaulted is not null"}|' join.yaml >ingest-where.yaml
expect_exit 0 "$MLPIPE" run ingest-where.yaml --store w
assert_contains "$ERR" "(401 read, where: kept 400)"
echo ok
