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

serve_args="$bundle --history history.jsonl --snapshot-every 1000"  # the restart reads a snapshot
# shellcheck disable=SC2086
serve_start $serve_args
replay_events batches.jsonl 43 10750
grep -q '^{"window":' history.jsonl || fail "the history file holds no snapshot of the windows"
assert_eq "$(wc -l <served.txt)" "$n" "every event scored"
# predict writes nan for an event without a window; serve null.
tail -n +2 want.csv | awk -F, '{ printf "%s,%s\n", $1, ($2 == "nan" ? "null" : sprintf("%.17g", $2)) }' >want.txt
awk -F, '{ printf "%s,%s\n", $1, ($2 == "null" ? "null" : sprintf("%.17g", $2)) }' served.txt >got.txt
[ "$(grep -vc ",null$" got.txt)" -gt 20000 ] || fail "too few events had a window: $(grep -vc ",null$" got.txt)"
cmp -s want.txt got.txt || { diff want.txt got.txt | head; fail "served GRU scores differ from predict's"; }
serve_stop

# replay_with_move NAME BEFORE AFTER: NAME@champion (v1) serves the first 43 batches (scores to
# BEFORE), champion moves to v2, and v2 serves the rest (to AFTER).
replay_with_move() {
  serve_start "$1@champion" --store st --reload-every 0.2 --history none
  : >"$2"
  post_batches batches.jsonl 1 43 "$2"
  expect_exit 0 "$MLPIPE" models promote "$1" 2 --store st
  serve_wait_for "moved to v2"
  : >"$3"
  post_batches batches.jsonl 44 "$(wc -l <batches.jsonl)" "$3"
  serve_stop
}
# against_predict WANT_CSV SERVED: "cut,whole,bad": SERVED's (id,score,flag) lines cut, not cut,
# and not cut but other than WANT_CSV's predict score (nan there is null here).
against_predict() {
  awk -F, 'NR == FNR { if (FNR > 1) want[$1] = ($2 == "nan" ? "null" : sprintf("%.17g", $2)); next }
    { got = ($2 == "null" ? "null" : sprintf("%.17g", $2)) }
    $3 == "cut" { cut++; next }
    { whole++; if (got != want[$1]) { bad++; if (bad < 4) print "differs:", $1, got, want[$1] > "/dev/stderr" } }
    END { printf "%d,%d,%d", cut, whole, bad }' "$1" "$2"
}

# The alias moves to a GRU with other features (a 14-day terminal rate) and longer windows (20
# events): the kept windows' events get v2's features, recomputed from the kept events; a window
# that was full (16) is cut until it holds 20 again ("history_complete": false); every other
# score is predict's v2 score.
sed -e 's/windows: \[7d, 30d\]/windows: [7d, 14d]/' -e 's/rate_30d/rate_14d/' -e 's/max_len: 16/max_len: 20/' gru.yaml >gru2.yaml
grep -q 'max_len: 20' gru2.yaml && grep -q rate_14d gru2.yaml || fail "gru2.yaml is not v2"
expect_exit 0 "$MLPIPE" run gru.yaml -q --store st --set steps.export.register=gru
expect_exit 0 "$MLPIPE" models promote gru 1 --store st
expect_exit 0 "$MLPIPE" run gru2.yaml -q --store st --set steps.export.register=gru
expect_exit 0 "$MLPIPE" predict gru@2 --store st test.csv -o want2.csv
replay_with_move gru before.txt after.txt
assert_eq "$(cat before.txt after.txt | wc -l)" "$n" "every event scored"
# id,score lines of v1 before the move are predict's v1 scores (want.txt).
awk -F, '{ printf "%s,%s\n", $1, ($2 == "null" ? "null" : sprintf("%.17g", $2)) }' before.txt >got1.txt
head -n "$(wc -l <got1.txt)" want.txt | cmp -s - got1.txt || fail "v1's scores before the move differ from predict's"
# After: each score not cut is predict's v2 score; some windows are cut, not all.
IFS=, read -r cut whole bad <<<"$(against_predict want2.csv after.txt)"
assert_eq "$bad" 0 "v2 scores of events with whole windows that differ from predict's"
[ "$cut" -gt 0 ] && [ "$whole" -gt 5000 ] || fail "after the move: $cut cut, $whole whole"
echo "after the move to v2: $cut cut, $whole as predict"

# From XGBoost (customer and terminal windows) to the GRU: the GRU's windows start from the
# customers' kept events. The XGBoost history keeps 30 days of each customer's events, more than
# the test split, so nothing has aged out: every window is whole and every score is predict's.
expect_exit 0 "$MLPIPE" run pipeline-xgboost.yaml -q --store st --set steps.export.register=mix
expect_exit 0 "$MLPIPE" models promote mix 1 --store st
expect_exit 0 "$MLPIPE" run gru.yaml -q --store st --set steps.export.register=mix
replay_with_move mix xgb.txt gru.txt
IFS=, read -r cut whole bad <<<"$(against_predict want.csv gru.txt)"
assert_eq "$bad" 0 "GRU scores of events with whole windows (after XGBoost) that differ from predict's"
assert_eq "$cut" 0 "windows cut after the move from XGBoost (nothing aged out)"
[ "$whole" -gt 10000 ] || fail "after the move from XGBoost: only $whole scores"
echo "after the move from XGBoost to the GRU: $cut cut, $whole as predict"
echo "ok ($n events)"
