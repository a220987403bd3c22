# Ctrl-C / SIGTERM during training: the run stops at the next boosting round, is recorded
# `interrupted` with exit code 130, nothing half-written is left, and `resume` completes it with
# the same model as an uninterrupted run.
source "$(dirname "$0")/lib.sh"
sed -i '/    early_stopping: 10/d' pipeline.yaml   # train every round: a few seconds
db=.mlpipe/store.db

wait_for_training() {  # polls the run store until the train step runs
  for _ in $(seq 200); do
    [ "$(sql $db "SELECT status FROM steps WHERE step='train' ORDER BY run_id DESC LIMIT 1" 2>/dev/null)" = running ] && return 0
    sleep 0.05
  done
  fail "training never started"
}

"$MLPIPE" run pipeline.yaml --set params.rounds=20000 >run.out 2>run.err &
pid=$!
wait_for_training
sleep 0.2   # 20000 rounds take seconds: the signal lands mid-training even on a fast machine
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
assert_eq "$rc" 130 "exit code after SIGINT"
assert_contains run.err "interrupted by SIGINT"
assert_contains run.err "continue it with: mlpipe resume 1 --store $WORK/.mlpipe"
assert_eq "$(sql $db "SELECT status, exit_code FROM runs WHERE run_id=1")" "interrupted|130" "run record"
assert_eq "$(sql $db "SELECT group_concat(step || '=' || status, ' ') FROM (SELECT * FROM steps WHERE run_id=1 AND step IN ('train','evaluate','export') ORDER BY step DESC)")" \
          "train=interrupted export=pending evaluate=pending" "step records"
assert_eq "$(sql $db "PRAGMA integrity_check")" ok "integrity"
[ ! -e out/bundle ] || fail "a bundle was written by an interrupted run"
ls $(run_dir .mlpipe 1)/train 2>/dev/null | grep -q model.json && fail "a model file left under its final name"

expect_exit 0 "$MLPIPE" resume 1
assert_eq "$(sql $db "SELECT status, exit_code FROM runs WHERE run_id=1")" "ok|0" "resumed"
# The same model as a run that was never interrupted.
expect_exit 0 "$MLPIPE" run pipeline.yaml --set params.rounds=20000 --store clean --set steps.export.dir=clean-bundle
cmp out/bundle/model.json clean-bundle/model.json || fail "resumed model differs from an uninterrupted one"

# SIGTERM (a CI job cancelled) behaves the same.
"$MLPIPE" run pipeline.yaml --set params.rounds=20001 >term.out 2>term.err &
pid=$!
wait_for_training
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
assert_eq "$rc" 130 "exit code after SIGTERM"
assert_contains term.err "interrupted by SIGTERM"
assert_eq "$(sql $db "SELECT status FROM runs ORDER BY run_id DESC LIMIT 1")" interrupted "SIGTERM recorded"

# `runs list` never shows the interrupted run as running.
expect_exit 0 "$MLPIPE" runs list --store $(dirname $db)
grep -q running "$OUT" && fail "a run is shown running"
# A reader that goes away (| head) does not kill the run: it finishes and is recorded ok.
"$MLPIPE" run pipeline.yaml --set params.rounds=300 --store piped --set steps.export.dir=piped-bundle 2>&1 | head -1 >/dev/null
for _ in $(seq 1 100); do [ "$(sql piped/store.db "SELECT status FROM runs WHERE run_id = 1" 2>/dev/null)" = ok ] && break; sleep 0.1; done
assert_eq "$(sql piped/store.db "SELECT status FROM runs WHERE run_id = 1")" ok "a run piped into head"
echo ok
