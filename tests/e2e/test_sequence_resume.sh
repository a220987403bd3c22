# kill -9 during sequence training: `resume` continues from the last epoch checkpoint, ends with
# the same weights as an uninterrupted run, and the metric curve has every epoch once.
source "$(dirname "$0")/lib.sh"
if [ ! -f "$(dirname "$MLPIPE")/libmlpipe_torch.so" ]; then echo "SKIP: built without LibTorch"; exit 0; fi
cp -r "$REPO/examples/card-fraud/data" .
cp "$REPO/examples/card-fraud/pipeline-gru.yaml" gru.yaml
ARGS=(--set steps.train.epochs=6 --set steps.train.early_stopping=6 --threads 2)
DB=.mlpipe/store.db

"$MLPIPE" run gru.yaml -q "${ARGS[@]}" & pid=$!
for _ in $(seq 1 1200); do [ -f $(run_dir .mlpipe 1)/train/checkpoints/last.pt ] && break; sleep 0.05; done
[ -f $(run_dir .mlpipe 1)/train/checkpoints/last.pt ] || fail "no checkpoint appeared"
kill -9 $pid
wait $pid 2>/dev/null || true
assert_eq "$(sql $DB "PRAGMA integrity_check")" "ok" "integrity"
expect_exit 0 "$MLPIPE" resume 1
assert_contains "$ERR" "kept from before the interruption"
assert_contains "$ERR" "train: resuming training after epoch"
assert_eq "$(sql $DB "SELECT count(*), count(DISTINCT iteration) FROM metrics WHERE run_id = 1 AND step = 'train' AND key = 'loss' AND split = 'train'")" \
  "6|6" "one loss point per epoch"

expect_exit 0 "$MLPIPE" run gru.yaml -q "${ARGS[@]}" --store straight
cmp $(run_dir .mlpipe 1)/train/model.pt $(run_dir straight 1)/train/model.pt || fail "resumed weights differ from an uninterrupted run"

# The same with two data-parallel processes: the worker dies with rank 0 (no orphan left waiting
# in a collective), and resume hands rank 0's checkpoint to both ranks.
DP=(--set steps.train.processes=2 --threads 1 --set steps.train.epochs=4 --set steps.train.early_stopping=4)
"$MLPIPE" run gru.yaml -q --store dp "${DP[@]}" & pid=$!
for _ in $(seq 1 1200); do [ -f $(run_dir dp 1)/train/checkpoints/last.pt ] && break; sleep 0.05; done
[ -f $(run_dir dp 1)/train/checkpoints/last.pt ] || fail "no data-parallel checkpoint appeared"
kill -9 $pid
wait $pid 2>/dev/null || true
for _ in $(seq 1 100); do pgrep -f "_ddp-worker $WORK/dp" >/dev/null || break; sleep 0.05; done
pgrep -f "_ddp-worker $WORK/dp" >/dev/null && fail "the worker outlived rank 0"
expect_exit 0 "$MLPIPE" resume 1 --store dp
assert_contains "$ERR" "train: resuming training after epoch"
assert_eq "$(sql dp/store.db "SELECT count(DISTINCT iteration) FROM metrics WHERE step = 'train' AND key = 'loss' AND split = 'train'")" \
  "4" "one loss point per epoch"
expect_exit 0 "$MLPIPE" run gru.yaml -q --store dp-straight "${DP[@]}"
cmp $(run_dir dp 1)/train/model.pt $(run_dir dp-straight 1)/train/model.pt || fail "resumed 2-process weights differ from an uninterrupted run"
echo ok
