# mlpipe serve with a sequence model on POST /v1/events (issue 18): the card-fraud GRU reads each
# customer's last 16 transactions, each with the terminal's fraud rate (7-day label delay) it had
# at its own time. Replaying the test split (21,559 transactions) in time order, with a restart
# half-way (--history), gives every score predict gives on the same file.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is needed (.ci/setup.sh installs it)"
if [ ! -f "$(dirname "$MLPIPE")/libmlpipe_torch.so" ]; then
  echo "skipped: built without LibTorch"
  exit 77
fi
cp -r "$REPO/examples/card-fraud" cf && cd cf
{ cat pipeline-gru.yaml; printf '  export:\n    type: export\n    needs: evaluate\n    dir: models/gru\n'; } >gru.yaml
expect_exit 0 "$MLPIPE" run gru.yaml -q --store st
bundle=models/gru

sql rows.db ".import --csv data/transactions_2018-04_c1500.csv t"
sql rows.db ".import --csv $(run_dir st 1)/evaluate/predictions.csv p"
sql rows.db "CREATE TABLE test AS SELECT t.*, t.rowid AS r FROM t WHERE TRANSACTION_ID IN (SELECT TRANSACTION_ID FROM p) ORDER BY t.rowid"
n=$(sql rows.db "SELECT count(*) FROM test")
[ "$n" -gt 20000 ] || fail "test split of $n rows"
sqlite3 -batch -csv -header rows.db "SELECT TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT,
  TX_TIME_SECONDS, TX_TIME_DAYS, TX_FRAUD FROM test ORDER BY r" >test.csv
expect_exit 0 "$MLPIPE" predict $bundle test.csv -o want.csv
sql rows.db "SELECT json_object('TRANSACTION_ID', CAST(TRANSACTION_ID AS INTEGER), 'TX_DATETIME', TX_DATETIME,
  'CUSTOMER_ID', CAST(CUSTOMER_ID AS INTEGER), 'TERMINAL_ID', CAST(TERMINAL_ID AS INTEGER), 'TX_AMOUNT', CAST(TX_AMOUNT AS REAL),
  'TX_TIME_SECONDS', CAST(TX_TIME_SECONDS AS INTEGER), 'TX_TIME_DAYS', CAST(TX_TIME_DAYS AS INTEGER),
  'TX_FRAUD', CAST(TX_FRAUD AS INTEGER)) FROM test ORDER BY r" >events.jsonl
awk 'NR % 250 == 1 { printf "{\"events\": [" } { printf "%s%s", (NR % 250 == 1 ? "" : ","), $0 }
     NR % 250 == 0 { print "]}" } END { if (NR % 250) print "]}" }' events.jsonl >batches.jsonl

start_server() {
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
  if [ $b = 43 ]; then
    kill -TERM $pid && wait $pid
    start_server
    assert_contains serve.err "history in history.jsonl: 10750 events taken back"
  fi
done <batches.jsonl
assert_eq "$(wc -l <served.txt)" "$n" "every event scored"
# predict writes nan for an event without a window; serve null.
tail -n +2 want.csv | awk -F, '{ printf "%s,%s\n", $1, ($2 == "nan" ? "null" : sprintf("%.17g", $2)) }' >want.txt
awk -F, '{ printf "%s,%s\n", $1, ($2 == "null" ? "null" : sprintf("%.17g", $2)) }' served.txt >got.txt
[ "$(grep -vc ",null$" got.txt)" -gt 20000 ] || fail "too few events had a window: $(grep -vc ",null$" got.txt)"
cmp -s want.txt got.txt || { diff want.txt got.txt | head; fail "served GRU scores differ from predict's"; }
kill -TERM $pid
wait $pid || fail "serve exited $?"
echo "ok ($n events)"
