# The LibTorch sequence trainer through the real binary: GRU/LSTM/Transformer train, metrics per
# epoch, determinism, `predict` parity on the exported bundle, and clear config errors.
source "$(dirname "$0")/lib.sh"
cp "$REPO/tests/data/tiny/events.csv" "$REPO/tests/data/tiny/sequence.yaml" .
if [ ! -f "$(dirname "$MLPIPE")/libmlpipe_torch.so" ]; then
  expect_exit 1 "$MLPIPE" run sequence.yaml
  assert_contains "$ERR" "the sequence trainer needs the LibTorch plug-in libmlpipe_torch.so"
  echo "SKIP: built without LibTorch (the error above is what users see)"
  exit 0
fi
DB=.mlpipe/store.db

expect_exit 0 "$MLPIPE" run sequence.yaml --json
assert_contains "$OUT" '"status": "ok"'
assert_eq "$(sql $DB "SELECT count(DISTINCT iteration) FROM metrics WHERE step = 'train' AND split = 'valid' AND key = 'fraud.auc'")" "4" "valid auc per epoch"
assert_eq "$(sql $DB "SELECT count(*) FROM metrics WHERE step = 'train' AND split = 'train' AND key = 'loss'")" "4" "train loss per epoch"
sql $DB "SELECT value FROM metrics WHERE step = 'train' AND key = 'samples_per_s'" | grep -qE '^[0-9]' || fail "throughput"
[ -f $(run_dir .mlpipe 1)/train/checkpoints/last.pt ] || fail "no checkpoint"

# predict on the bundle reproduces evaluate's scores exactly (history rows included in the file).
expect_exit 0 "$MLPIPE" predict out/seq-bundle events.csv -o preds.csv
awk -F, 'NR == FNR { if (FNR > 1) p[$1] = $2; next }
         FNR > 1 { n++; if (p[$1] != $3) { bad++; if (bad < 5) print "differs:", $1, p[$1], $3 } }
         END { print n, "compared"; exit (bad > 0 || n == 0) }' preds.csv $(run_dir .mlpipe 1)/evaluate/predictions.csv \
  || fail "sequence predict differs from evaluate"
# Reason codes by integrated gradients (an approximation): per event, the inputs' attributions
# plus the baseline's margin come within 0.05 of the margin (32 steps), and the score is the
# logistic of the margin; evaluate records the mean |attribution| per input.
expect_exit 0 "$MLPIPE" predict out/seq-bundle events.csv --explain all -o why.csv
assert_eq "$(head -1 why.csv)" "event_id,score,contribution.amount,contribution.log_time_gap,contribution.merchant,bias,margin" "explain all header"
awk -F, 'NR > 1 && $NF != "" { n++; s = 0; for (i = 3; i < NF; ++i) s += $i; d = s - $NF; if (d < 0) d = -d; if (d > 0.05) bad++
                              e = 1 / (1 + exp(-$NF)) - $2; if (e < 0) e = -e; if (e > 1e-6) bad++ }
         END { exit (bad > 0 || n < 700) }' why.csv || fail "integrated gradients do not add up to the margin"
expect_exit 0 "$MLPIPE" predict out/seq-bundle events.csv --explain 1 -o why1.csv
assert_eq "$(head -1 why1.csv)" "event_id,score,reason_1,contribution_1" "explain 1 header"
assert_eq "$(sql $DB "SELECT count(*) FROM metrics WHERE run_id = 1 AND step = 'evaluate' AND key GLOB 'importance.contribution.*'")" 3 "importance per input"
# Python's torch.load reads the weights as a plain state dict (when PyTorch is installed).
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  n=$(/usr/bin/python3 -c "import torch; sd = torch.load('out/seq-bundle/model.pt'); print(len(sd), sorted(sd)[0])")
  assert_eq "$n" "9 embedding_0.weight" "torch.load of the state dict"
else
  echo "note: PyTorch not installed, torch.load check skipped"
fi

# Same seed, same threads: bit-identical weights.
expect_exit 0 "$MLPIPE" run sequence.yaml -q --store again --set steps.export.dir=out/again
cmp $(run_dir .mlpipe 1)/train/model.pt $(run_dir again 1)/train/model.pt || fail "sequence training is not deterministic"

# With 2 threads each batch is cut into 2 slices trained at once on replicas (BatchSlices), the
# gradients summed: the same model as 1 thread's whole batches, within float tolerance.
expect_exit 0 "$MLPIPE" run sequence.yaml -q --set steps.train.nthread=2 --store two --set steps.export.dir=out/two
expect_exit 0 "$MLPIPE" run sequence.yaml -q --set steps.train.nthread=1 --store one --set steps.export.dir=out/one
cmp -s $(run_dir one 1)/train/model.pt $(run_dir two 1)/train/model.pt && fail "2 threads did not slice the batches"
awk -F, 'NR == FNR { if (FNR > 1) p[$1] = $3; next }
         FNR > 1 { d = p[$1] - $3; if (d < 0) d = -d; if (d > m) m = d; n++ }
         END { print n, "compared, max |diff|", m; exit (n == 0 || m > 1e-5) }' \
  $(run_dir one 1)/evaluate/predictions.csv $(run_dir two 1)/evaluate/predictions.csv || fail "sliced batches differ from whole ones"

# reproduce: a sequence run re-created from scratch matches (timings excepted).
expect_exit 0 "$MLPIPE" reproduce 1 -q
assert_contains "$OUT" "verdict: reproduced bit-identically"
assert_contains "$OUT" "timings such as samples/s not compared"

# Two data-parallel processes over Gloo: identical weights on both ranks, and the same model as
# one process on the same global batches, within float tolerance.
expect_exit 0 "$MLPIPE" run sequence.yaml -q --store dp --set steps.train.processes=2 --set steps.export.dir=out/dp
assert_eq "$(sql dp/store.db "SELECT value FROM metrics WHERE key = 'ranks_identical'")" "1.0" "ranks identical"
assert_eq "$(sql dp/store.db "SELECT count(*) FROM metrics WHERE key = 'samples_per_s' AND split IN ('rank0', 'rank1')")" "2" "per-rank throughput"
awk -F, 'NR == FNR { if (FNR > 1) p[$1] = $3; next }
         FNR > 1 { d = p[$1] - $3; if (d < 0) d = -d; if (d > m) m = d; n++ }
         END { print n, "compared, max |diff|", m; exit (n == 0 || m > 1e-5) }' \
  $(run_dir .mlpipe 1)/evaluate/predictions.csv $(run_dir dp 1)/evaluate/predictions.csv || fail "2 processes differ from 1"

# The annotated sequence reference in configs/ runs (every key of the sequences step and trainer).
expect_exit 0 "$MLPIPE" run "$REPO/configs/reference-sequence.yaml" -q --store ref --set "steps.export.dir=$WORK/ref-bundle"
[ -f ref-bundle/model.pt ] || fail "reference-sequence did not export"

# The other encoders, and a second head.
for arch in lstm transformer; do
  expect_exit 0 "$MLPIPE" run sequence.yaml -q --set steps.train.model.arch=$arch --set steps.export.dir=out/$arch
done
# A sample's score does not depend on which samples share its scoring batch, or where it sits
# in one: each encoder scores the file, the file less its first cards (every later sample moves
# up), and one card's events alone (a batch of mostly padding, on one thread), all alike.
awk -F, 'NR == 1 || $2 !~ /^c[0-3]$/' events.csv >later-cards.csv
awk -F, 'NR == 1 || $2 == "c7"' events.csv >one-card.csv
for bundle in out/seq-bundle out/lstm out/transformer; do
  expect_exit 0 "$MLPIPE" predict $bundle events.csv -o all.csv
  for part in later-cards one-card; do
    expect_exit 0 "$MLPIPE" predict $bundle $part.csv -o $part-scores.csv
    awk -F, 'NR == FNR { if (FNR > 1) p[$1] = $2; next }
             FNR > 1 { n++; if (p[$1] != $2) { bad++; if (bad < 5) print "differs:", $1, p[$1], $2 } }
             END { exit (bad > 0 || n == 0) }' all.csv $part-scores.csv || fail "$bundle: scores on $part.csv differ from the whole file's"
  done
done
cat > twoheads.yaml <<'YAML'
pipeline: two-heads
seed: 5
steps:
  ingest: {type: ingest, source: events.csv, label: fraud, id: event_id, types: {merchant: categorical}}
  split: {type: split, needs: ingest, method: group, by: card}
  sequences: {type: sequences, needs: split, entity: card, time: ts, max_len: 6,
              categorical: [merchant], targets: [fraud, amount]}
  train: {type: train, needs: sequences, trainer: sequence, epochs: 2,
          heads: [{name: fraud, loss: bce}, {name: size, target: amount, loss: mse, weight: 0.1}]}
  evaluate: {type: evaluate, needs: train}
YAML
expect_exit 0 "$MLPIPE" run twoheads.yaml -q
assert_eq "$(sql $DB "SELECT count(*) FROM metrics m JOIN runs r USING (run_id) WHERE r.pipeline = 'two-heads' AND key = 'size.rmse'")" "2" "aux head metrics"

# A cross-entropy head (3 amount bands, learnt from the amounts) beside a class-weighted bce head.
awk -F, -v OFS=, 'NR == 1 { print $0, "band"; next } { print $0, ($4 < 20 ? 0 : $4 < 60 ? 1 : 2) }' events.csv > banded.csv
cat > bands.yaml <<'YAML'
pipeline: bands
seed: 5
steps:
  ingest: {type: ingest, source: banded.csv, label: fraud, id: event_id, types: {merchant: categorical}}
  split: {type: split, needs: ingest, method: group, by: card}
  sequences: {type: sequences, needs: split, entity: card, time: ts, max_len: 6, features: [amount],
              categorical: [merchant], targets: [fraud, band]}
  train: {type: train, needs: sequences, trainer: sequence, epochs: 8, optimizer: {lr: 0.02},
          heads: [{name: fraud, class_weights: [1, 4]}, {name: band, loss: cross_entropy}]}
  evaluate: {type: evaluate, needs: train}
YAML
expect_exit 0 "$MLPIPE" run bands.yaml -q
BANDS="FROM metrics m JOIN runs r USING (run_id) WHERE r.pipeline = 'bands' AND m.step = 'train'"
assert_eq "$(sql $DB "SELECT count(*) $BANDS AND key = 'band.accuracy'")" "8" "accuracy per epoch"
majority=$(awk -F, 'NR > 1 { n[$7]++; t++ } END { m = 0; for (k in n) if (n[k] > m) m = n[k]; print m / t }' banded.csv)
acc=$(sql $DB "SELECT value $BANDS AND key = 'band.accuracy' AND iteration = 8")
awk -v a="$acc" -v m="$majority" 'BEGIN { exit !(a > m + 0.2) }' || fail "band accuracy $acc not above the majority class $majority"
expect_exit 2 "$MLPIPE" validate bands.yaml --set 'steps.train.heads=[{name: band, loss: cross_entropy}]'
assert_contains "$ERR" "the first head is the one evaluate and predict score"
expect_exit 1 "$MLPIPE" run bands.yaml -q --set 'steps.train.heads=[{name: fraud}, {name: band, loss: cross_entropy, class_weights: [1, 2]}]'
assert_contains "$ERR" "head 'band': class_weights has 2 values; expected 3 (one per class)"
expect_exit 1 "$MLPIPE" run bands.yaml -q --set 'steps.train.heads=[{name: fraud}, {name: amt, target: amount, loss: cross_entropy}]' \
  --set 'steps.sequences.features=[]' --set 'steps.sequences.targets=[fraud, amount]'
assert_contains "$ERR" "head 'amt' (cross_entropy): target values must be class numbers 0, 1, 2, ...; found 20.99"

expect_exit 2 "$MLPIPE" run twoheads.yaml -q --set 'steps.sequences.features=[amount]'
assert_contains "$ERR" "step 'sequences': 'amount' is a target and cannot also be a feature (the model would see the answer)"
expect_exit 2 "$MLPIPE" validate sequence.yaml --set steps.train.model.arch=rnn
assert_contains "$ERR" "'arch' must be one of lstm, gru, transformer; got 'rnn'"
expect_exit 2 "$MLPIPE" validate sequence.yaml --set steps.train.model.hiden=8
assert_contains "$ERR" "unknown key 'hiden' (did you mean 'hidden'?)"
expect_exit 1 "$MLPIPE" run sequence.yaml -q --set steps.train.devices=cuda
assert_contains "$ERR" "devices: cuda asks for CUDA, but this LibTorch has no CUDA"
echo ok
