# Data-parallel sequence training started by an outside launcher through the torchrun variables
# (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), as Slurm or Kubernetes would: every
# rank runs the same `mlpipe run`; only rank 0 writes the shared run store and the export, and the
# model is the one `processes: 2` trains (the same shards of the same global batches).
source "$(dirname "$0")/lib.sh"
if [ ! -f "$(dirname "$MLPIPE")/libmlpipe_torch.so" ]; then echo "SKIP: built without LibTorch"; exit 0; fi
cp "$REPO/tests/data/tiny/events.csv" "$REPO/tests/data/tiny/sequence.yaml" .
DB=.mlpipe/store.db
port=$(bash "$REPO/tests/free_port.sh") || fail "no free port"
launch() {  # launch RANK: one rank of a 2-process job, as torchrun would start it
  env RANK=$1 LOCAL_RANK=$1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
    "$MLPIPE" run sequence.yaml --threads 1 >rank$1.out 2>rank$1.err
}
launch 1 & r1=$!
launch 0 & r0=$!
wait $r0 || { cat rank0.err; fail "rank 0 failed"; }
wait $r1 || { cat rank1.err; fail "rank 1 failed"; }
assert_contains rank1.err "rank 1 of 2 (torchrun variables): working in"
assert_eq "$(sql $DB "SELECT count(*) FROM runs")" "1" "one run recorded, by rank 0"
assert_eq "$(sql $DB "SELECT value FROM metrics WHERE key = 'ranks_identical'")" "1.0" "ranks identical"
assert_eq "$(sql $DB "SELECT count(*) FROM metrics WHERE key = 'samples_per_s' AND split IN ('rank0', 'rank1')")" "2" "per-rank throughput"
sql $DB "SELECT value FROM environment WHERE key = 'launch'" | grep -q "rank 0 of 2, master 127.0.0.1:$port" || fail "launch not recorded"
[ -f out/seq-bundle/manifest.json ] || fail "rank 0 exported nothing"
[ -f .mlpipe/ranks/1/exports/export/manifest.json ] || fail "rank 1's export is not in its own folder"

# The same job with mlpipe starting the second process itself: bit-identical weights.
expect_exit 0 "$MLPIPE" run sequence.yaml -q --threads 1 --store own --set steps.train.processes=2 --set steps.export.dir=out/own
cmp $(run_dir .mlpipe 1)/train/model.pt $(run_dir own 1)/train/model.pt || fail "torchrun-launched ranks differ from processes: 2"

# Incomplete or malformed variables: a clear error before anything runs.
expect_exit 2 env WORLD_SIZE=2 MASTER_PORT=$port "$MLPIPE" run sequence.yaml -q
assert_contains "$ERR" "launched with WORLD_SIZE > 1 but RANK is not set"
expect_exit 2 env WORLD_SIZE=2 RANK=2 MASTER_PORT=$port "$MLPIPE" run sequence.yaml -q
assert_contains "$ERR" "environment variable RANK='2': expected a whole number from 0 to 1"
echo ok
