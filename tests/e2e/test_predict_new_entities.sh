# Scoring data training never saw: new text ids are written beside their scores as they are,
# and the window features of a customer training never saw are computed from that customer's
# own events (not read as "missing customer"), so renaming every customer changes no score.
source "$(dirname "$0")/lib.sh"

# 3,000 card transactions of 40 customers with text names; the label follows large amounts.
awk 'BEGIN { srand(2); t = 0; print "tx_id,customer,ts,amount,label";
             for (i = 0; i < 3000; i++) { t += 1 + int(rand() * 100); c = 1 + int(rand() * 40);
               a = sprintf("%.2f", -50 * log(1 - rand())); y = (a > 120 && rand() < 0.6) ? 1 : 0;
               printf "tx%d,cust%d,%d,%s,%d\n", i, c, t, a, y } }' > tx.csv
cat > windows.yaml <<'EOF'
pipeline: new-entities
seed: 0
steps:
  ingest: {type: ingest, source: tx.csv, label: label, id: tx_id}
  split: {type: split, needs: ingest, method: time, by: ts, fractions: {train: 0.7, valid: 0.15, test: 0.15}}
  features:
    type: features
    needs: split
    transforms:
      - {op: window, entity: customer, time: ts, windows: [1h, 1d], aggs: [count, mean], columns: [amount]}
      - {op: drop, columns: [customer, ts]}
  train: {type: train, needs: features, trainer: xgboost, rounds: 20, params: {objective: "binary:logistic", max_depth: 3}}
  evaluate: {type: evaluate, needs: train, on: test, metrics: [auc]}
  export: {type: export, needs: evaluate, dir: out/bundle}
EOF
expect_exit 0 "$MLPIPE" run windows.yaml

# The last 500 transactions unlabelled, as seen in training, then with every id and customer renamed.
awk -F, 'NR == 1 { print "tx_id,customer,ts,amount" } NR > 2501 { print $1 "," $2 "," $3 "," $4 }' tx.csv > seen.csv
awk -F, 'NR == 1 { print; next } { print "new-" $1 ",new-" $2 "," $3 "," $4 }' seen.csv > renamed.csv
expect_exit 0 "$MLPIPE" predict out/bundle seen.csv -o seen_scores.csv
expect_exit 0 "$MLPIPE" predict out/bundle renamed.csv -o renamed_scores.csv
assert_contains "$ERR" "wrote 500 predictions"
grep -q "unseen" "$ERR" && fail "new customers and ids are not unseen categories of the model: $(cat "$ERR")"
assert_eq "$(sed -n 2p renamed_scores.csv | cut -d, -f1)" "new-tx2500" "a new id is written as it is"
assert_eq "$(cut -d, -f1 renamed_scores.csv | grep -c '^new-tx')" "500" "every id"
# Same events, other names: the same score for every transaction.
paste -d, <(cut -d, -f2 seen_scores.csv) <(cut -d, -f2 renamed_scores.csv) |
  awk -F, 'NR > 1 && $1 != $2 { bad++ } END { exit bad > 0 }' || fail "renaming customers changed scores"
# And the windows did count: the scores are not all alike.
[ "$(cut -d, -f2 seen_scores.csv | sort -u | wc -l)" -gt 20 ] || fail "the scores do not vary"

# A customer that is also a feature of the model: a new one is an unseen category to the model
# (read as missing), and said so; its window features are still its own.
sed 's/columns: \[customer, ts\]/columns: [ts]/; s#dir: out/bundle#dir: out/bundle2#' windows.yaml > with_customer.yaml
expect_exit 0 "$MLPIPE" run with_customer.yaml
expect_exit 0 "$MLPIPE" predict out/bundle2 renamed.csv -o renamed2.csv
assert_contains "$ERR" "(500 unseen category values read as missing)"
assert_eq "$(sed -n 2p renamed2.csv | cut -d, -f1)" "new-tx2500" "a new id with the customer as a feature"

# Columns nothing reads once the model is trained (ts only split the rows, customer is dropped):
# whatever a new file holds in them, the scores are the same, not an error.
cat > split_only.yaml <<'EOF'
pipeline: split-only
seed: 0
steps:
  ingest: {type: ingest, source: tx.csv, label: label, id: tx_id}
  split: {type: split, needs: ingest, method: time, by: ts, fractions: {train: 0.7, valid: 0.15, test: 0.15}}
  features: {type: features, needs: split, transforms: [{op: drop, columns: [customer, ts]}]}
  train: {type: train, needs: features, trainer: xgboost, rounds: 10, params: {objective: "binary:logistic", max_depth: 3}}
  export: {type: export, needs: train, dir: out/split_only}
EOF
expect_exit 0 "$MLPIPE" run split_only.yaml
awk -F, 'NR == 1 { print; next } { print $1 ",?" NR "," (NR % 2 ? "yesterday" : $3) "," $4 }' seen.csv > odd.csv
expect_exit 0 "$MLPIPE" predict out/split_only seen.csv -o split_seen.csv
expect_exit 0 "$MLPIPE" predict out/split_only odd.csv -o split_odd.csv
cmp split_seen.csv split_odd.csv || fail "columns the model does not read changed its scores"
grep -q "unseen" "$ERR" && fail "a column nothing reads has no unseen categories: $(cat "$ERR")"
cut -d, -f1,4 seen.csv > amount_only.csv  # and they may be left out
expect_exit 0 "$MLPIPE" predict out/split_only amount_only.csv -o split_amount.csv
cmp split_seen.csv split_amount.csv || fail "leaving out unread columns changed the scores"

# A sequence model over each customer's last events: a new customer's window is its own events
# (it was dropped as "no customer", and every new customer's score was nan).
if [ ! -f "$(dirname "$MLPIPE")/libmlpipe_torch.so" ]; then
  echo "ok (the sequence part skipped: built without LibTorch)"
  exit 0
fi
cat > gru.yaml <<'EOF'
pipeline: new-entities-gru
seed: 7
steps:
  ingest: {type: ingest, source: tx.csv, label: label, id: tx_id}
  split: {type: split, needs: ingest, method: time, by: ts, fractions: {train: 0.7, valid: 0.15, test: 0.15}}
  features: {type: features, needs: split, transforms: [{op: log1p, columns: [amount]}]}
  sequences: {type: sequences, needs: features, entity: customer, time: ts, max_len: 8, features: [amount], targets: [label]}
  train:
    type: train
    needs: sequences
    trainer: sequence
    model: {arch: gru, hidden: 8, layers: 1}
    heads: [{name: fraud, target: label, loss: bce}]
    epochs: 2
    batch_size: 128
  export: {type: export, needs: train, dir: out/gru}
EOF
expect_exit 0 "$MLPIPE" run gru.yaml
expect_exit 0 "$MLPIPE" predict out/gru seen.csv -o gru_seen.csv
expect_exit 0 "$MLPIPE" predict out/gru renamed.csv -o gru_renamed.csv
grep -q "unseen" "$ERR" && fail "new customers of a sequence model are no unseen categories: $(cat "$ERR")"
grep -qi ",nan" gru_renamed.csv && fail "a new customer has no sequence score"
paste -d, <(cut -d, -f2 gru_seen.csv) <(cut -d, -f2 gru_renamed.csv) |
  awk -F, 'NR > 1 && $1 != $2 { bad++ } END { exit bad > 0 }' || fail "renaming customers changed sequence scores"
echo ok
