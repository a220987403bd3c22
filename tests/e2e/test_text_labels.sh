# label: {column, positive}: a text label ("bad"/"good") or another numeric coding (1/2) trains the
# very same model as its 0/1 version; predict and the champion scoring replay the mapping; a text
# label without `positive:` gets an error that says what to write.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store plain
# The same rows with the label as text, and as German-credit style codes (2 = bad, 1 = good).
# (defaulted is the last field; earlier fields may hold quoted commas, so only the end is edited)
head -1 loans.csv | grep -q ',defaulted.$' || fail "fixture: defaulted is not the last column"
sed -E '1!{s/,1(\r?)$/,bad\1/; s/,0(\r?)$/,good\1/}' loans.csv >text.csv
sed -E '1!{s/,1(\r?)$/,2\1/; s/,0(\r?)$/,1\1/}' loans.csv >coded.csv
grep -q ',bad' text.csv || fail "no text label made"
sed 's|source: loans.csv|source: text.csv|; s|label: defaulted|label: {column: defaulted, positive: bad}|' pipeline.yaml >text.yaml
sed 's|source: loans.csv|source: coded.csv|; s|label: defaulted|label: {column: defaulted, positive: 2}|' pipeline.yaml >coded.yaml
expect_exit 0 "$MLPIPE" validate text.yaml
expect_exit 0 "$MLPIPE" run text.yaml --store text --set steps.export.dir=out/text
assert_contains "$ERR" "positive (bad)"
expect_exit 0 "$MLPIPE" run coded.yaml -q --store coded --set steps.export.dir=out/coded
cmp "$(run_dir plain 1)/train/model.json" "$(run_dir text 1)/train/model.json" || fail "a text label trained another model"
cmp "$(run_dir plain 1)/train/model.json" "$(run_dir coded 1)/train/model.json" || fail "a 1/2 label trained another model"
assert_eq "$(sql text/store.db "SELECT value FROM metrics WHERE key = 'auc' AND step = 'evaluate'")" \
          "$(sql plain/store.db "SELECT value FROM metrics WHERE key = 'auc' AND step = 'evaluate'")" "same test AUC"
assert_eq "$(sql text/store.db "SELECT value FROM metrics WHERE key = 'label_positive'")" \
          "$(grep -c ',bad.$' text.csv).0" "positive count"
# predict reads the text file (label and all) and scores as the 0/1 bundle does.
expect_exit 0 "$MLPIPE" predict out/text text.csv -o text-scores.csv
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o plain-scores.csv
cmp text-scores.csv plain-scores.csv || fail "scores differ between the text and the 0/1 label"
# Errors: a text label without positive:, a positive value that no row has, a bad shape.
sed 's|label: {column: defaulted, positive: bad}|label: defaulted|' text.yaml >nopos.yaml
expect_exit 1 "$MLPIPE" run nopos.yaml -q --store e1
assert_contains "$ERR" "label column 'defaulted' holds text (good $(grep -c ',good.$' text.csv), bad $(grep -c ',bad.$' text.csv)); say which value is the positive class: label: {column: defaulted, positive: bad}"
sed 's|positive: bad}|positive: bda}|' text.yaml >typo.yaml
expect_exit 1 "$MLPIPE" run typo.yaml -q --store e2
assert_contains "$ERR" "has no row with the positive value 'bda' (did you mean 'bad'?)"
sed 's|label: {column: defaulted, positive: bad}|label: {column: defaulted, positve: bad}|' text.yaml >key.yaml
expect_exit 2 "$MLPIPE" validate key.yaml
assert_contains "$ERR" "positve"
assert_contains "$ERR" "did you mean 'positive'"
# An unnamed first column (pandas' row number) named on the ingest step; predict replays the name.
sed -E '1s/^loan_id,/,/' text.csv >unnamed.csv
sed 's|source: text.csv|source: unnamed.csv|; s|id: loan_id|id: row_number\n    header_names: {1: row_number}|' text.yaml >unnamed.yaml
expect_exit 0 "$MLPIPE" run unnamed.yaml -q --store unnamed --set steps.export.dir=out/unnamed
cmp "$(run_dir plain 1)/train/model.json" "$(run_dir unnamed 1)/train/model.json" || fail "a named row number changed the model"
expect_exit 0 "$MLPIPE" predict out/unnamed unnamed.csv -o unnamed-scores.csv
# A binary model's labels must be 0 or 1, in every split: a 2 (or a -999 sentinel left in the test
# rows) names its row instead of training on it or scoring a Brier of 22,206.
cr=$(printf '\r')
n=$(grep -n -E ",0${cr}?\$" loans.csv | sed -n 3p | cut -d: -f1)
sed -E "${n}s/,0(\r?)$/,2\1/" loans.csv >two.csv
grep -q ',2.$' two.csv || fail "fixture: no label 2 made"
sed 's|source: loans.csv|source: two.csv|' pipeline.yaml >two.yaml
expect_exit 1 "$MLPIPE" run two.yaml -q --store e4
assert_contains "$ERR" "label 'defaulted' is 2 in row $((n - 1)) of the data; a binary model needs 0 or 1"
sed 's|label: defaulted|label: loan_id|' pipeline.yaml >same.yaml
sed -i 's|id: loan_id|id: loan_id|' same.yaml
expect_exit 2 "$MLPIPE" validate same.yaml
assert_contains "$ERR" "id and label are the same column 'loan_id'"
echo ok
