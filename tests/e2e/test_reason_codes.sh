# Reason codes: predict --explain K names the columns that raised each row's score most, credited
# to the user's own columns (region, never region=east); --explain all's contributions plus the
# bias equal the margin; the export step's reason_codes give the decline-letter text; evaluate
# records the mean |contribution| per column.
source "$(dirname "$0")/lib.sh"
cat >>pipeline.yaml <<'YAML'
    reason_codes: {dti: "Debt too high for the income", region: "Region of residence"}
YAML
expect_exit 0 "$MLPIPE" run pipeline.yaml
db=.mlpipe/store.db

# Every contribution, the bias and the margin.
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv --explain all -o all.csv
head -1 all.csv | grep -q '^loan_id,score,.*contribution.region,.*bias,margin$' || fail "explain all header: $(head -1 all.csv)"
grep -q 'region=' all.csv && fail "a one-hot column named in the contributions"
head -1 all.csv | grep -q 'contribution.dti' || fail "the ratio is its own reason"
# contributions + bias = margin (1e-5), and the score is the logistic of the margin.
awk -F, 'NR > 1 { s = 0; for (i = 3; i < NF; ++i) s += $i; d = s - $NF; if (d < 0) d = -d;
                  if (d > 1e-5) { print "row " NR ": sum " s " margin " $NF; bad = 1 }
                  p = 1 / (1 + exp(-$NF)); e = p - $2; if (e < 0) e = -e; if (e > 1e-5) { print "row " NR ": score " $2 " logistic " p; bad = 1 } }
         END { exit bad }' all.csv || fail "contributions do not add up to the margin"
assert_eq "$(($(wc -l <all.csv) - 1))" 600 "one row per data row"

# The top 2 reasons: positive, largest first, and the largest contribution of the full output.
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv --explain 2 -o top.csv
assert_eq "$(head -1 top.csv)" "loan_id,score,reason_1,reason_text_1,contribution_1,reason_2,reason_text_2,contribution_2" "explain 2 header"
awk -F, 'NR > 1 && $5 != "" && ($5 <= 0 || ($8 != "" && $8 > $5)) { print "row " NR ": " $0; bad = 1 } END { exit bad }' top.csv \
  || fail "reasons out of order or not positive"
grep -q ',dti,Debt too high for the income,' top.csv || fail "the reason text of dti"
grep -q ',region,Region of residence,' top.csv || fail "the reason text of region"
# Row 1's first reason is the column with the largest contribution in the full output.
best=$(awk -F, 'NR == 1 { for (i = 3; i < NF - 1; ++i) name[i] = substr($i, 14) }
                NR == 2 { m = 0; for (i = 3; i < NF - 1; ++i) if ($i > m) { m = $i; b = name[i] } print b }' all.csv)
assert_eq "$(awk -F, 'NR == 2 { print $3 }' top.csv)" "$best" "row 1's first reason"
# The same through the registry-free CLI on standard output.
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv --explain 1
assert_eq "$(head -1 "$OUT")" "loan_id,score,reason_1,reason_text_1,contribution_1" "stdout header"

# Evaluate recorded the global importance by column.
assert_eq "$(sql $db "SELECT count(*) FROM metrics WHERE step = 'evaluate' AND key = 'importance.contribution.region'")" 1 "importance of region"
assert_eq "$(sql $db "SELECT count(*) FROM metrics WHERE key LIKE 'importance.contribution.region=%'")" 0 "no one-hot importance"
assert_eq "$(sql $db "SELECT value FROM metrics WHERE step = 'evaluate' AND key = 'importance.rows'")" 120.0 "rows explained"
expect_exit 0 "$MLPIPE" report 1 -o report.html
assert_contains report.html "mean |contribution|"

# Mistakes are config errors that say what to write.
expect_exit 2 "$MLPIPE" predict out/bundle loans.csv --explain 0
assert_contains "$ERR" "--explain takes a count of reasons (1 to 1000) or 'all', got '0'"
expect_exit 2 "$MLPIPE" predict out/bundle loans.csv --explain some
sed -i 's/region: "Region of residence"/regoin: "Region"/' pipeline.yaml
expect_exit 2 "$MLPIPE" run pipeline.yaml
assert_contains "$ERR" "reason_codes.regoin: 'regoin' is not a column the model's reasons name (did you mean 'region'?)"
sed -i 's/regoin: "Region"/region: 7/' pipeline.yaml
expect_exit 2 "$MLPIPE" validate pipeline.yaml
assert_contains "$ERR" "a reason code is the text for column 'region'"
echo ok
