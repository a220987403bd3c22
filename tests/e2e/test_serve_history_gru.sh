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

n=$(card_fraud_test_split st)
[ "$n" -gt 20000 ] || fail "test split of $n rows"
expect_exit 0 "$MLPIPE" predict $bundle test.csv -o want.csv
card_fraud_events rows.db test 250 >batches.jsonl

serve_args="$bundle --history history.jsonl"
# shellcheck disable=SC2086
serve_start $serve_args
replay_events batches.jsonl 43 10750
assert_eq "$(wc -l <served.txt)" "$n" "every event scored"
# predict writes nan for an event without a window; serve null.
tail -n +2 want.csv | awk -F, '{ printf "%s,%s\n", $1, ($2 == "nan" ? "null" : sprintf("%.17g", $2)) }' >want.txt
awk -F, '{ printf "%s,%s\n", $1, ($2 == "null" ? "null" : sprintf("%.17g", $2)) }' served.txt >got.txt
[ "$(grep -vc ",null$" got.txt)" -gt 20000 ] || fail "too few events had a window: $(grep -vc ",null$" got.txt)"
cmp -s want.txt got.txt || { diff want.txt got.txt | head; fail "served GRU scores differ from predict's"; }
serve_stop
echo "ok ($n events)"
