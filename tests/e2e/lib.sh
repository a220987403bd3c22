# Shared helpers for the end-to-end tests. Each test gets a fresh temp folder with the tiny
# fixture copied in; $MLPIPE is the built binary, $REPO the source tree (set by ctest).
set -euo pipefail
: "${MLPIPE:?set by ctest}" "${REPO:?set by ctest}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mlpipe-e2e.XXXXXX")
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
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

# wait_serving FILE PID: waits until serve's "serving ... on" line is in FILE, for as long as
# PID lives (up to 3 minutes: under ASan, with other tests on the cores, loading a model and its
# history took over 10 s); returns at once if it exits.
wait_serving() {
  for _ in $(seq 1800); do
    grep -q "serving" "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 0
    sleep 0.1
  done
}

# serve_start ARGS...: starts `mlpipe serve ARGS --port 0` in the background (its output in
# serve.out / serve.err); sets $serve_pid and $url once it listens. The EXIT trap stops it.
serve_start() {
  # The last server's files go first: the background shell truncates them only once it runs, and
  # until then wait_serving would find the old "serving" line (and its port), and an empty serve.err.
  rm -f serve.out serve.err
  "$MLPIPE" serve "$@" --port 0 >serve.out 2>serve.err &
  serve_pid=$!
  trap 'kill $serve_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
  wait_serving serve.out $serve_pid
  local port
  port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' serve.out)
  [ -n "$port" ] || { cat serve.out serve.err; fail "serve printed no port"; }
  url=http://127.0.0.1:$port
}
# serve_stop: SIGTERM, and serve must exit 0.
serve_stop() { kill -TERM $serve_pid && { wait $serve_pid || fail "serve exited $?"; }; }

# card_fraud_events DB TABLE SIZE: TABLE's card-fraud transactions, ordered by its column r, as
# JSON events typed as JSON (also in events.jsonl, one a line), SIZE to a line of {"events": [...]}.
card_fraud_events() {
  sql "$1" "SELECT json_object('TRANSACTION_ID', CAST(TRANSACTION_ID AS INTEGER), 'TX_DATETIME', TX_DATETIME,
    'CUSTOMER_ID', CAST(CUSTOMER_ID AS INTEGER), 'TERMINAL_ID', CAST(TERMINAL_ID AS INTEGER), 'TX_AMOUNT', CAST(TX_AMOUNT AS REAL),
    'TX_TIME_SECONDS', CAST(TX_TIME_SECONDS AS INTEGER), 'TX_TIME_DAYS', CAST(TX_TIME_DAYS AS INTEGER),
    'TX_FRAUD', CAST(TX_FRAUD AS INTEGER)) FROM $2 ORDER BY r" >events.jsonl
  awk -v n="$3" 'NR % n == 1 { printf "{\"events\": [" } { printf "%s%s", (NR % n == 1 ? "" : ","), $0 }
       NR % n == 0 { print "]}" } END { if (NR % n) print "]}" }' events.jsonl
}
# replay_events BATCHES RESTART_AT EXPECT: posts each line to $url/v1/events, appending
# "id,score" lines to served.txt; after batch RESTART_AT restarts the server (same arguments as
# $serve_args) and checks it took EXPECT events back from its history.
replay_events() {
  : >served.txt
  local b=0 code
  while read -r batch; do
    code=$(printf '%s' "$batch" | curl -s -o batch.out -w '%{http_code}' $url/v1/events --data-binary @-)
    [ "$code" = 200 ] || { cat batch.out; fail "events: HTTP $code"; }
    grep -o '"id":"[^"]*","score":[^,}]*' batch.out | sed 's/"id":"\([^"]*\)","score":/\1,/' >>served.txt
    b=$((b + 1))
    if [ $b = "$2" ]; then  # a restart half-way: the history comes back from its file
      serve_stop
      # shellcheck disable=SC2086
      serve_start $serve_args
      grep -q ": $3 events taken back" serve.err || { cat serve.err; fail "the restarted server did not take back $3 events"; }
    fi
  done <"$1"
}
# post_batches FILE FROM TO OUT: lines FROM..TO of FILE to $url/v1/events; "id,score,flag"
# lines to OUT (flag "cut" for a score on a cut history, "history_complete": false).
post_batches() {
  sed -n "$2,$3p" "$1" | while read -r batch; do
    code=$(printf '%s' "$batch" | curl -s -o batch.out -w '%{http_code}' $url/v1/events --data-binary @-)
    [ "$code" = 200 ] || { cat batch.out; fail "events: HTTP $code"; }
    grep -o '"id":"[^"]*","score":[^,}]*\(,"history_complete":false\)\?' batch.out |
      sed 's/"id":"\([^"]*\)","score":\([^,}]*\)/\1,\2,/; s/,,"history_complete":false/,cut/' >>"$4"
  done
}
# serve_wait_for TEXT: until serve.err says it (an alias watcher polling every 0.2 s).
serve_wait_for() {
  for _ in $(seq 600); do grep -qF "$1" serve.err && return; sleep 0.1; done
  cat serve.err; fail "serve never said: $1"
}

# card_fraud_test_split STORE: run 1's test split of the card-fraud data (in the current folder)
# as table `test` of rows.db (r: the file's order) and as test.csv; prints its row count.
card_fraud_test_split() {
  sql rows.db ".import --csv data/transactions_2018-04_c1500.csv t"
  sql rows.db ".import --csv $(run_dir "$1" 1)/evaluate/predictions.csv p"
  sql rows.db "CREATE TABLE test AS SELECT t.*, t.rowid AS r FROM t WHERE TRANSACTION_ID IN (SELECT TRANSACTION_ID FROM p) ORDER BY t.rowid"
  sqlite3 -batch -csv -header rows.db "SELECT TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT,
    TX_TIME_SECONDS, TX_TIME_DAYS, TX_FRAUD FROM test ORDER BY r" >test.csv
  sql rows.db "SELECT count(*) FROM test"
}

# pg_start: a throw-away PostgreSQL server for this test (tests/pg/pg_server.sh); sets $PG_URL
# (postgresql://...) and stops the server on exit. Skips the test (exit 77) without PostgreSQL.
pg_start() {
  chmod 755 "$WORK"  # the server runs as the postgres user when the tests run as root
  PG_DIR="$WORK/pg"
  local rc=0
  PG_URL=$(bash "$REPO/tests/pg/pg_server.sh" start "$PG_DIR") || rc=$?
  [ "$rc" -eq 0 ] || exit "$rc"
  trap 'bash "$REPO/tests/pg/pg_server.sh" stop "$PG_DIR"; rm -rf "$WORK"' EXIT
}
# psql_q "SELECT ...": one value or rows, '|'-separated, from the test's PostgreSQL store.
psql_q() { psql -X -q -A -t -d "$PG_URL" -c "$1"; }
