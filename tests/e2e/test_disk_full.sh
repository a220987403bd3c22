# A store whose disk fills mid-run (issue 21): exit 1 with "no space left on ..." naming the
# store, never SIGABRT (a store write that threw while step threads were running aborted the
# process); when space returns the run shows interrupted, `resume` finishes it, and the database
# passes integrity_check. The store sits on a small tmpfs: needs mount (root); skips otherwise.
source "$(dirname "$0")/lib.sh"
mkdir -p fs
if ! mount -t tmpfs -o size=1m tmpfs fs 2>/dev/null; then
  echo "skipped: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)"
  exit 77
fi
trap 'umount "$WORK/fs" 2>/dev/null || true; rm -rf "$WORK"' EXIT
umount fs
mid_run=0
for kb in 1500 1800 2100 2400 2700 3000 3400 3800; do
  mount -t tmpfs -o size=${kb}k tmpfs fs
  set +e
  "$MLPIPE" run pipeline.yaml -q --store fs/st >out.txt 2>err.txt
  rc=$?
  set -e
  if [ $rc = 0 ]; then umount fs; continue; fi
  [ $rc = 1 ] || { cat err.txt; fail "$kb KB: exit $rc (want 1)"; }
  assert_contains err.txt "no space left on the device holding $WORK/fs/st/store.db"
  grep -q "terminate called" err.txt && fail "$kb KB: aborted"
  if [ "$(sql fs/st/store.db "SELECT count(*) FROM runs" 2>/dev/null || echo 0)" = 1 ]; then
    mid_run=$((mid_run + 1))
    # Space returns: the run is found dead (or failed, if that could be written) and resumes.
    mount -o remount,size=64m fs
    expect_exit 0 "$MLPIPE" runs list --store fs/st
    grep -Eq " (interrupted|failed) " "$OUT" || { cat "$OUT"; fail "$kb KB: the run is not interrupted or failed"; }
    expect_exit 0 "$MLPIPE" resume 1 --store fs/st
    assert_eq "$(sql fs/st/store.db "SELECT status FROM runs WHERE run_id = 1")" ok "$kb KB: resumed"
    assert_eq "$(sql fs/st/store.db "PRAGMA integrity_check")" ok "$kb KB: integrity"
  fi
  umount fs
done
[ $mid_run -ge 3 ] || fail "only $mid_run sizes filled the disk mid-run; adjust the sizes"
echo "ok ($mid_run sizes filled the disk mid-run)"
