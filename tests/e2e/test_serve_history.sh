# mlpipe serve with history features (issue 18): the card-fraud XGBoost model's features are
# windows over each customer's and terminal's earlier transactions and the terminal's fraud rate
# with a 7-day label delay. Replaying the test split through POST /v1/events in time order gives
# every score predict gives on the same file, bit for bit, across a restart half-way (the history
# kept in a file); labels can arrive later; events out of time order are refused.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is needed (.ci/setup.sh installs it)"
cp -r "$REPO/examples/card-fraud" cf && cd cf
expect_exit 0 "$MLPIPE" run pipeline-xgboost.yaml -q --store st
bundle=models/card-fraud-xgboost

# The test split's rows, in file (time) order, as a file and as JSON events (typed as JSON).
sql rows.db ".import --csv data/transactions_2018-04_c1500.csv t"
sql rows.db ".import --csv $(run_dir st 1)/evaluate/predictions.csv p"
sql rows.db "CREATE TABLE test AS SELECT t.* FROM t WHERE TRANSACTION_ID IN (SELECT TRANSACTION_ID FROM p) ORDER BY t.rowid"
n=$(sql rows.db "SELECT count(*) FROM test")
[ "$n" -gt 20000 ] || fail "test split of $n rows"
sqlite3 -batch -csv -header rows.db "SELECT * FROM test ORDER BY rowid" >test.csv
expect_exit 0 "$MLPIPE" predict $bundle test.csv -o want.csv
sql rows.db "SELECT json_object('TRANSACTION_ID', CAST(TRANSACTION_ID AS INTEGER), 'TX_DATETIME', TX_DATETIME,
  'CUSTOMER_ID', CAST(CUSTOMER_ID AS INTEGER), 'TERMINAL_ID', CAST(TERMINAL_ID AS INTEGER), 'TX_AMOUNT', CAST(TX_AMOUNT AS REAL),
  'TX_TIME_SECONDS', CAST(TX_TIME_SECONDS AS INTEGER), 'TX_TIME_DAYS', CAST(TX_TIME_DAYS AS INTEGER),
  'TX_FRAUD', CAST(TX_FRAUD AS INTEGER)) FROM test ORDER BY rowid" >events.jsonl
# 500 events a request.
awk 'NR % 500 == 1 { printf "{\"events\": [" } { printf "%s%s", (NR % 500 == 1 ? "" : ","), $0 }
     NR % 500 == 0 { print "]}" } END { if (NR % 500) print "]}" }' events.jsonl >batches.jsonl

start_server() {  # the history is kept in history.jsonl: a restart takes it back
  "$MLPIPE" serve $bundle --port 0 --history history.jsonl >serve.out 2>serve.err &
  pid=$!
  for _ in $(seq 100); do grep -q "serving" serve.out 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' serve.out)
  [ -n "$port" ] || { cat serve.out serve.err; fail "serve printed no port"; }
  url=http://127.0.0.1:$port
}
start_server
trap 'kill $pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
: >served.txt
b=0
while read -r batch; do
  code=$(printf '%s' "$batch" | curl -s -o batch.out -w '%{http_code}' $url/v1/events --data-binary @-)
  [ "$code" = 200 ] || { cat batch.out; fail "events: HTTP $code"; }
  grep -o '"id":"[^"]*","score":[^,}]*' batch.out | sed 's/"id":"\([^"]*\)","score":/\1,/' >>served.txt
  b=$((b + 1))
  if [ $b = 20 ]; then  # a restart half-way: the history comes back from the file
    kill -TERM $pid && wait $pid
    start_server
    assert_contains serve.err "history in history.jsonl: 10000 events taken back"
  fi
done <batches.jsonl
assert_eq "$(wc -l <served.txt)" "$n" "every event scored"
tail -n +2 want.csv | awk -F, '{ printf "%s,%.17g\n", $1, $2 }' >want.txt
awk -F, '{ printf "%s,%.17g\n", $1, $2 }' served.txt >got.txt
cmp -s want.txt got.txt || { diff want.txt got.txt | head; fail "served history scores differ from predict's"; }
grep -q '"history":{"events":' batch.out || fail "no history summary"

# Labels later: an event without its label, then the label by id (kept events only).
last=$(tail -1 events.jsonl | sed 's/"TRANSACTION_ID":\([0-9]*\)/"TRANSACTION_ID":\1999/; s/,"TX_FRAUD":[0-9]*//')
code=$(curl -s -o ev.out -w '%{http_code}' $url/v1/events -d "{\"events\": [$last]}")
assert_eq "$code" 200 "an event without a label"
id=$(printf '%s' "$last" | sed 's/.*"TRANSACTION_ID":\([0-9]*\).*/\1/')
curl -s $url/v1/labels -d "{\"labels\": [{\"id\": $id, \"label\": 1}, {\"id\": 42, \"label\": 0}]}" >labels.out
assert_contains labels.out '"applied":1'
assert_contains labels.out '"not_kept":["42"]'
# Out of time order: refused, and nothing is kept from it.
first=$(head -1 events.jsonl)
code=$(curl -s -o late.out -w '%{http_code}' $url/v1/events -d "{\"events\": [$first]}")
assert_eq "$code" 400 "an event before the latest"
assert_contains late.out "is before the latest event already taken: send events in time order"
kill -TERM $pid
wait $pid || fail "serve exited $?"

# A registered model keeps its history in the store by default: a restart takes it back.
expect_exit 0 "$MLPIPE" run pipeline-xgboost.yaml -q --store st --set steps.export.register=cf
for round in 1 2; do
  "$MLPIPE" serve cf@latest --store st --port 0 >serve.out 2>serve.err &
  pid=$!
  for _ in $(seq 100); do grep -q "serving" serve.out 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' serve.out)
  assert_contains serve.err "history in $PWD/st/serve/cf@latest/history.jsonl: $(( (round - 1) * 500 )) events taken back"
  head -1 batches.jsonl | curl -s -o /dev/null http://127.0.0.1:$port/v1/events --data-binary @- || true
  kill -TERM $pid && wait $pid
done
echo "ok ($n events)"
