# A store on read-only media (an archived audit copy; issue 21): every reader works on it as it
# is (SQLite opens it immutable, and says so once), predict NAME@ALIAS scores from it, and a
# writer is refused with a message naming the folder. The store sits on a tmpfs remounted
# read-only: needs mount (root); skips otherwise.
source "$(dirname "$0")/lib.sh"
mkdir -p fs
if ! mount -t tmpfs -o size=32m tmpfs fs 2>/dev/null; then
  echo "skipped: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)"
  exit 77
fi
trap 'umount "$WORK/fs" 2>/dev/null || true; rm -rf "$WORK"' EXIT
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store fs/st --set steps.export.register=tiny
expect_exit 0 "$MLPIPE" predict tiny@latest loans.csv -o before.csv --store fs/st
mount -o remount,ro fs
touch fs/st/probe 2>/dev/null && fail "the store is still writable"

for cmd in "runs list" "runs show 1" "metrics 1 --final" "models list" "models show tiny" "store info"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$MLPIPE" $cmd --store fs/st
done
assert_contains "$ERR" "is read-only: reading its store.db as an immutable copy"
expect_exit 0 "$MLPIPE" query "SELECT status FROM runs" --store fs/st --format csv
assert_contains "$OUT" "ok"
expect_exit 0 "$MLPIPE" report 1 --store fs/st -o report.html
expect_exit 0 "$MLPIPE" predict tiny@latest loans.csv -o after.csv --store fs/st
cmp -s before.csv after.csv || fail "scores from the read-only store differ"
expect_exit 2 "$MLPIPE" run pipeline.yaml -q --store fs/st
assert_contains "$ERR" "fs/st is read-only (a read-only file system or no write permission): this command writes to the store"
expect_exit 2 "$MLPIPE" runs tag 1 audited=yes --store fs/st
assert_contains "$ERR" "is read-only"
echo ok
