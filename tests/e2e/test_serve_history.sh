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
n=$(card_fraud_test_split st)
[ "$n" -gt 20000 ] || fail "test split of $n rows"
expect_exit 0 "$MLPIPE" predict $bundle test.csv -o want.csv
card_fraud_events rows.db test 500 >batches.jsonl   # 500 events a request

serve_args="$bundle --history history.jsonl --snapshot-every 1000"  # a restart takes back its snapshot and the rest
# shellcheck disable=SC2086
serve_start $serve_args
replay_events batches.jsonl 20 10000
head -1 history.jsonl | grep -q '^{"retention":' || fail "the history file does not begin with a snapshot"
grep -q '^{"kept":' history.jsonl || fail "the snapshot holds no kept events"
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
serve_stop

# A registered model keeps its history in the store by default: a restart takes it back.
expect_exit 0 "$MLPIPE" run pipeline-xgboost.yaml -q --store st --set steps.export.register=cf
for round in 1 2; do
  serve_start cf@latest --store st
  assert_contains serve.err "history in $PWD/st/serve/cf@latest/history.jsonl: $(( (round - 1) * 500 )) events taken back"
  head -1 batches.jsonl | curl -s -o /dev/null $url/v1/events --data-binary @- || true
  serve_stop
done
echo "ok ($n events)"
