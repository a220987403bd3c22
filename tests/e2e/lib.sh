# Shared helpers for the end-to-end tests. Each test gets a fresh temp folder with the tiny
# fixture copied in; $MLPIPE is the built binary, $REPO the source tree (set by ctest).
set -euo pipefail
: "${MLPIPE:?set by ctest}" "${REPO:?set by ctest}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mlpipe-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cp "$REPO/tests/data/tiny/loans.csv" "$REPO/tests/data/tiny/pipeline.yaml" "$WORK/"
cd "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_exit CODE CMD...: runs CMD, keeps its stdout/stderr in $OUT and $ERR.
OUT="$WORK/.stdout"
ERR="$WORK/.stderr"
expect_exit() {
  local want=$1; shift
  set +e
  "$@" >"$OUT" 2>"$ERR"
  local got=$?
  set -e
  if [ "$got" != "$want" ]; then
    echo "--- stdout"; cat "$OUT"; echo "--- stderr"; cat "$ERR"
    fail "expected exit $want, got $got: $*"
  fi
}

# sql DB "SELECT ...": one value or rows, '|'-separated.
sql() { sqlite3 -batch -noheader "$1" "$2"; }

assert_eq() { [ "$1" == "$2" ] || fail "$3: expected '$2', got '$1'"; }
assert_contains() { grep -qF -- "$2" "$1" || { cat "$1"; fail "expected '$2' in $1"; }; }

# run_dir STORE RUN: the folder of a run's own files (runs/<its global id>/ in the store).
run_dir() { echo "$1/runs/$(sql "$1/store.db" "SELECT run_uid FROM runs WHERE run_id = $2")"; }
# object_of STORE FINGERPRINT NAME: the object file that holds a cache entry's file.
object_of() {
  local h
  h=$(sql "$1/store.db" "SELECT object FROM cache_objects WHERE fingerprint = '$2' AND name = '$3'")
  [ -n "$h" ] || fail "no object $3 in cache entry $2"
  echo "$1/objects/${h:0:2}/${h:2}"
}
