# SIGKILL at many points (fault injection through MLPIPE_CRASH_AT, and at random moments):
# afterwards the database is intact, no artifact is half-written under its final name, the run
# is found interrupted, and `resume` finishes it with the same model as an uninterrupted run.
source "$(dirname "$0")/lib.sh"
sed -i '/    early_stopping: 10/d' pipeline.yaml
sed -i 's/params: {rounds: 40, depth: 3}/params: {rounds: 300, depth: 3}/' pipeline.yaml
mkdir ref && cp pipeline.yaml loans.csv ref/
expect_exit 0 "$MLPIPE" run ref/pipeline.yaml -q
ref_model=$(sha256sum <ref/out/bundle/model.json)

check_after_kill() {  # check_after_kill DIR LABEL
  local d=$1 what=$2 db=$1/.mlpipe/store.db
  assert_eq "$(sql $db "PRAGMA integrity_check")" ok "$what: integrity"
  "$MLPIPE" runs list --store $(dirname $db) >/dev/null || fail "$what: runs list"
  assert_eq "$(sql $db "SELECT status FROM runs WHERE run_id = 1")" interrupted "$what: run found interrupted"
  # Every recorded artifact is complete under its name.
  while IFS='|' read -r path bytes; do
    case $path in /*) ;; *) path=$(dirname $db)/$path ;; esac   # relative to the store
    [ -f "$path" ] || fail "$what: recorded artifact missing: $path"
    assert_eq "$(stat -c %s "$path")" "$bytes" "$what: size of $path"
  done < <(sql $db "SELECT path, bytes FROM artifacts WHERE run_id = 1")
  # A bundle under the final name is whole: predict checks every file against the manifest.
  if [ -e "$d/out/bundle" ]; then "$MLPIPE" predict "$d/out/bundle" "$d/loans.csv" >/dev/null || fail "$what: half a bundle"; fi
  # No model file under its final name in a step folder unless recorded.
  expect_exit 0 "$MLPIPE" resume 1 --store $(dirname $db) -q
  assert_eq "$(sql $db "SELECT status FROM runs WHERE run_id = 1")" ok "$what: resumed"
  assert_eq "$(sha256sum <"$d/out/bundle/model.json")" "$ref_model" "$what: same model as uninterrupted"
  assert_eq "$(sql $db "PRAGMA integrity_check")" ok "$what: integrity after resume"
  # A staging folder the kill left beside the bundle is gone once the export ran again.
  [ -z "$(ls -A "$d/out" | grep '^\.tmp-bundle-' || true)" ] || fail "$what: staging left beside the bundle: $(ls -A "$d/out")"
}

points="ingest round@1 round@150 metrics@1 metrics@3 metrics@6 write@1 write@3 write@6 cache@1 cache@4 bundle replace@1"
for point in $points; do
  d="crash-${point//@/-}"
  mkdir "$d" && cp pipeline.yaml loans.csv "$d/"
  set +e
  MLPIPE_CRASH_AT=$point "$MLPIPE" run "$d/pipeline.yaml" -q >"$d/out.log" 2>&1
  rc=$?
  set -e
  assert_eq "$rc" 137 "$point: killed by SIGKILL (exit 137)"
  check_after_kill "$d" "$point"
done

# `query` is a reader too: a killed run shows interrupted there at once (not running until a
# writing command opened the store).
mkdir q && cp pipeline.yaml loans.csv q/
MLPIPE_CRASH_AT=round@1 "$MLPIPE" run q/pipeline.yaml -q >/dev/null 2>&1 || true
expect_exit 0 "$MLPIPE" query "SELECT status FROM runs WHERE run_id = 1" --store q/.mlpipe --format csv
assert_contains "$OUT" "interrupted"

# The export folder already holds a good bundle, and the crash hits while it is replaced.
d=crash-swap
mkdir $d && cp pipeline.yaml loans.csv $d/
expect_exit 0 "$MLPIPE" run $d/pipeline.yaml -q --set params.depth=2
good=$(sha256sum <$d/out/bundle/model.json)
set +e
MLPIPE_CRASH_AT=replace@1 "$MLPIPE" run $d/pipeline.yaml -q >/dev/null 2>&1   # the bundle's swap
rc=$?
set -e
assert_eq "$rc" 137 "swap: killed"
"$MLPIPE" predict $d/out/bundle $d/loans.csv >/dev/null || fail "swap: the bundle under its name is broken"

# Kills at random moments.
for delay in 0.05 0.15 0.3 0.45 0.6; do
  d="kill-$delay"
  mkdir "$d" && cp pipeline.yaml loans.csv "$d/"
  "$MLPIPE" run "$d/pipeline.yaml" -q >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  db=$d/.mlpipe/store.db
  [ -f $db ] || continue  # killed before the database existed: nothing to check
  if [ "$(sql $db "SELECT count(*) FROM sqlite_master WHERE name = 'runs'")" = 0 ] ||
     [ "$(sql $db "SELECT count(*) FROM runs")" = 0 ]; then
    # Killed while the database was being set up: it must still be sound and usable.
    assert_eq "$(sql $db "PRAGMA integrity_check")" ok "kill after ${delay}s: integrity of a new database"
    expect_exit 0 "$MLPIPE" run "$d/pipeline.yaml" -q
    continue
  fi
  if [ "$(sql $db "SELECT status FROM runs WHERE run_id = 1")" = ok ]; then continue; fi
  check_after_kill "$d" "kill after ${delay}s"
done
echo ok
