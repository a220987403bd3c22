# Numbers written with a thousands separator ("41,190", as spreadsheets export them): ingest
# reads them as numbers when told (`thousands: ","`), the bundle remembers it, and predict and
# serve read new files and requests the same way.
source "$(dirname "$0")/lib.sh"

awk 'BEGIN { srand(5); print "loan,income,owner,defaulted";
             for (i = 0; i < 400; i++) { inc = 10000 + int(rand() * 80000); y = (inc < 30000 && rand() < 0.8) ? 1 : 0;
               printf "L%d,\"%d,%03d\",%s,%d\n", i, int(inc / 1000), inc % 1000, (rand() < 0.5 ? "Y" : "N"), y } }' > loans.csv
cat > grouped.yaml <<'EOF'
pipeline: grouped
seed: 0
steps:
  ingest: {type: ingest, source: loans.csv, label: defaulted, id: loan, thousands: ","}
  split: {type: split, needs: ingest, method: random, fractions: {train: 0.7, valid: 0.15, test: 0.15}}
  train: {type: train, needs: split, trainer: xgboost, rounds: 20, params: {objective: "binary:logistic", max_depth: 3}}
  evaluate: {type: evaluate, needs: train, on: test, metrics: [auc]}
  export: {type: export, needs: evaluate, dir: out/bundle}
EOF
expect_exit 0 "$MLPIPE" run grouped.yaml
assert_contains "$ERR" "2 categorical"  # loan and owner: income is a number
auc=$(sql .mlpipe/store.db "SELECT value FROM metrics WHERE key = 'auc'")
awk -v a="$auc" 'BEGIN { exit !(a > 0.8) }' || fail "income was not used (test AUC $auc)"

# Without the option the column is text: said, and left out of the model.
sed 's/, thousands: ","//' grouped.yaml > plain.yaml
expect_exit 0 "$MLPIPE" run plain.yaml
assert_contains "$ERR" "income is text with nearly one value per row"

# predict: the same rows written with and without separators score alike.
awk -F'"' 'NR == 1 { print; next } { gsub(",", "", $2); print $1 $2 $3 }' loans.csv > ungrouped.csv
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o a.csv
expect_exit 0 "$MLPIPE" predict out/bundle ungrouped.csv -o b.csv
cmp a.csv b.csv || fail "grouped and plain numbers score differently"

# serve_alike BUNDLE ROW1 ROW2: serve scores the two rows (ids n1 and n2) alike.
serve_alike() {
  serve_start "$1"
  local answer s1 s2
  answer=$(curl -s -X POST -d "{\"rows\": [$2, $3]}" "$url/v1/score")
  s1=$(echo "$answer" | sed 's/.*"id":"n1","score":\([^}]*\)}.*/\1/')
  s2=$(echo "$answer" | sed 's/.*"id":"n2","score":\([^}]*\)}.*/\1/')
  [ -n "$s1" ] && [ "$s1" = "$s2" ] || fail "serve scored $2 otherwise than $3: $answer"
  serve_stop
}
# serve: "21,000" as text is the number 21000.
serve_alike out/bundle '{"loan": "n1", "income": "21,000", "owner": "Y"}' '{"loan": "n2", "income": 21000, "owner": "Y"}'

# A separator that is the decimal point is refused.
sed 's/thousands: ","/thousands: "."/' grouped.yaml > dot.yaml
expect_exit 2 "$MLPIPE" validate dot.yaml
assert_contains "$ERR" "thousands: '.' is the decimal point unless decimal: ',' is set too"
sed 's/thousands: ","/thousands: ",", decimal: ","/' grouped.yaml > same.yaml
expect_exit 2 "$MLPIPE" validate same.yaml
assert_contains "$ERR" "thousands and decimal are both ','"

# A European export: ';' between fields, a decimal comma, '.' between thousands.
awk -F'"' 'NR == 1 { print "loan;income;owner;rate;defaulted"; next }
           { split($3, r, ","); n = split($1, l, ","); gsub(",", ".", $2);
             printf "%s;%s;%s;%d,%02d;%s\n", l[1], $2, r[2], NR % 7, NR % 100, r[3] }' loans.csv > eu.csv
cat > eu.yaml <<'EOF'
pipeline: european
seed: 0
steps:
  ingest: {type: ingest, source: eu.csv, label: defaulted, id: loan, thousands: ".", decimal: ","}
  split: {type: split, needs: ingest, method: random, fractions: {train: 0.7, valid: 0.15, test: 0.15}}
  train: {type: train, needs: split, trainer: xgboost, rounds: 20, params: {objective: "binary:logistic", max_depth: 3}}
  export: {type: export, needs: train, dir: out/eu}
EOF
expect_exit 0 "$MLPIPE" run eu.yaml
assert_contains "$ERR" "2 categorical"  # loan and owner: income and rate are numbers
# The same rows in the C locale's notation, through a bundle trained on them, score alike.
sed 's/eu.csv/c.csv/; s/, thousands: ".", decimal: ","//; s#out/eu#out/c#; s/european/c-locale/' eu.yaml > c.yaml
awk -F';' 'NR == 1 { print "loan,income,owner,rate,defaulted"; next } { gsub("[.]", "", $2); sub(",", ".", $4); print $1 "," $2 "," $3 "," $4 "," $5 }' eu.csv > c.csv
expect_exit 0 "$MLPIPE" run c.yaml
expect_exit 0 "$MLPIPE" predict out/eu eu.csv -o eu_scores.csv
expect_exit 0 "$MLPIPE" predict out/c c.csv -o c_scores.csv
cmp eu_scores.csv c_scores.csv || fail "the European notation read other numbers than the C locale's"
# serve: a JSON number and the file's own text for the same value.
serve_alike out/eu '{"loan": "n1", "income": "21.000", "owner": "Y", "rate": "3,25"}' \
  '{"loan": "n2", "income": 21000, "owner": "Y", "rate": 3.25}'
echo ok
