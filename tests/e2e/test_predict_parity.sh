# `mlpipe predict` on the exported bundle reproduces the evaluate step's test scores exactly,
# and a bundle whose files do not match their manifest hashes is refused.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$MLPIPE" run pipeline.yaml
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o preds.csv
assert_contains "$ERR" "wrote 600 predictions"
assert_eq "$(head -1 preds.csv)" "loan_id,score" "header"
# Join on loan_id: every evaluated test row must have the identical score text.
awk -F, 'NR == FNR { if (FNR > 1) p[$1] = $2; next }
         FNR > 1 { n++; if (p[$1] != $3) { bad++; print "differs:", $1, p[$1], $3 } }
         END { print n, "compared"; exit (bad > 0 || n != 120) }' preds.csv $(run_dir .mlpipe 1)/evaluate/predictions.csv \
  || fail "predict differs from evaluate"

# New data has no label column: same scores.
sed -E '1s/,defaulted\r?$//; 2,$s/,[01]\r?$//' loans.csv > unlabelled.csv
expect_exit 0 "$MLPIPE" predict out/bundle unlabelled.csv -o preds2.csv
cmp preds.csv preds2.csv || fail "scores changed without the label column"

# A file missing columns the model needs is refused, naming them.
printf 'loan_id,income\n1,5\n' > partial.csv
expect_exit 1 "$MLPIPE" predict out/bundle partial.csv -o preds3.csv
assert_contains "$ERR" "partial.csv: missing columns the model needs: region, debt, age"
[ ! -e preds3.csv ] || fail "no output on error"

# A tampered bundle is refused.
echo " " >> out/bundle/model.json
expect_exit 2 "$MLPIPE" predict out/bundle loans.csv -o preds4.csv
assert_contains "$ERR" "model.json: content hash"
assert_contains "$ERR" "does not match the manifest"
expect_exit 2 "$MLPIPE" predict out loans.csv
assert_contains "$ERR" "not a model bundle (no manifest.json)"
echo ok
