# mlpipe serve NAME@ALIAS with history features, when the alias moves to a version that reads
# more history (issue 18): v1 windows customers only, v2 also counts each terminal's last day.
# - v2 registered while the server runs: from then on the server keeps terminals' events too;
#   after the move, an event whose terminal day reaches back before that is scored with
#   "history_complete": false, and every other event gets exactly predict's v2 score on the file.
#   A restart (history in the store) keeps both the events and the cut.
# - A server started once v2 is registered keeps what v2 reads from the start: after the move,
#   nothing is cut and every score is predict's.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is needed (.ci/setup.sh installs it)"
cp -r "$REPO/examples/card-fraud" cf && cd cf
# v1: the customer windows only (no terminal transforms, no gate: it is a weaker model).
sed -e '/op: label_rate/,/delay: 7d}/d' -e '/entity: TERMINAL_ID, time: TX_DATETIME, windows/d' -e '/gate:/d' \
  pipeline-xgboost.yaml >v1.yaml
grep -q TERMINAL_ID_ v1.yaml && fail "v1 still has terminal features"
# v2: and each terminal's count of transactions over the last day.
sed '/op: ratio, numerator: TX_AMOUNT/i\      - {op: window, entity: TERMINAL_ID, time: TX_DATETIME, windows: [1d], aggs: [count]}' v1.yaml >v2.yaml
grep -q 'entity: TERMINAL_ID, time: TX_DATETIME, windows: \[1d\]' v2.yaml || fail "v2 has no terminal window"
expect_exit 0 "$MLPIPE" run v1.yaml -q --store st --set steps.export.register=cf
expect_exit 0 "$MLPIPE" models promote cf 1 --store st
n=$(card_fraud_test_split st)
card_fraud_events rows.db test 500 >batches.jsonl
nb=$(wc -l <batches.jsonl)
half=$((nb / 2))

# The time (epoch seconds) of the last event of batch B.
time_after_batch() { sql rows.db "SELECT CAST(strftime('%s', TX_DATETIME) AS INTEGER) FROM test ORDER BY r LIMIT 1 OFFSET $(($1 * 500 - 1))"; }
# check_scores SERVED WANT_CSV GAP RULE: the scores of SERVED (id,score[,cut]) against predict's.
# Every event not cut has predict's score. RULE exact: an event is cut exactly when its terminal
# day reaches back to GAP (the time the server began to keep terminals); RULE within: only such
# events are cut (a restart replays its log with what v2 reads, and may find them all there).
# Prints "cut,total".
check_scores() {
  sql rows.db "DROP TABLE IF EXISTS s; DROP TABLE IF EXISTS w; CREATE TABLE s(id TEXT, score TEXT, cut TEXT);
               CREATE TABLE w(id TEXT, score REAL)"
  sql rows.db ".import --csv $1 s"
  tail -n +2 "$2" | cut -d, -f1,2 >want.body
  sql rows.db ".import --csv want.body w"
  local reaches="CAST(strftime('%s', t.TX_DATETIME) AS INTEGER) - 86400 <= $3" wrong
  if [ "$4" = exact ]; then
    wrong=$(sql rows.db "SELECT count(*) FROM s JOIN test t ON t.TRANSACTION_ID = s.id WHERE (s.cut = 'cut') != ($reaches)")
  else
    wrong=$(sql rows.db "SELECT count(*) FROM s JOIN test t ON t.TRANSACTION_ID = s.id WHERE s.cut = 'cut' AND NOT ($reaches)")
  fi
  assert_eq "$wrong" 0 "events cut ($4) other than those whose terminal day reaches back to the gap"
  local differ
  differ=$(sql rows.db "SELECT count(*) FROM s JOIN w USING (id) WHERE s.cut = '' AND printf('%.17g', CAST(s.score AS REAL)) != printf('%.17g', w.score)")
  assert_eq "$differ" 0 "scores of events with their whole history that differ from predict's"
  assert_eq "$(sql rows.db "SELECT count(*) FROM s JOIN w USING (id)")" "$(wc -l <"$1")" "events of $1 predict scored"
  sql rows.db "SELECT sum(cut = 'cut') || ',' || count(*) FROM s"
}

# 1. v2 is registered while the server runs, then the alias moves to it.
serve_start cf@champion --store st --reload-every 0.2
: >first.txt
post_batches batches.jsonl 1 "$half" first.txt
expect_exit 0 "$MLPIPE" run v2.yaml -q --store st --set steps.export.register=cf
serve_wait_for "widened to what a newly registered version reads"
gap=$(time_after_batch "$half")
expect_exit 0 "$MLPIPE" models promote cf 2 --store st
serve_wait_for "moved to v2"
expect_exit 0 "$MLPIPE" predict cf@2 --store st test.csv -o want2.csv
expect_exit 0 "$MLPIPE" predict cf@1 --store st test.csv -o want1.csv
: >second.txt
post_batches batches.jsonl $((half + 1)) $((half + 4)) second.txt
cuts=$(grep -c ',cut$' second.txt || true)
curl -s $url/metrics >metrics.txt
assert_contains metrics.txt "mlpipe_history_cut_scores_total $cuts"
# A restart: the history (and its cut) comes back from the store.
serve_stop
serve_start cf@champion --store st --reload-every 0.2
assert_contains serve.err "events taken back"
: >third.txt
post_batches batches.jsonl $((half + 5)) "$nb" third.txt
serve_stop
assert_eq "$(cat first.txt second.txt third.txt | wc -l)" "$n" "every event scored"
got=$(check_scores first.txt want1.csv -1 exact)
assert_eq "$got" "0,$(wc -l <first.txt)" "v1's scores before the move"
got=$(check_scores second.txt want2.csv "$gap" exact)
[ "${got%,*}" -gt 100 ] || fail "only ${got%,*} events were cut after the move"
echo "moved with a gap: $got (cut, scored)"
got=$(check_scores third.txt want2.csv "$gap" within)
echo "after the restart: $got"

# 2. A new server for the alias, v2 already registered: it keeps terminals from the start.
expect_exit 0 "$MLPIPE" models promote cf 1 --store st
serve_start cf@champion --store st --reload-every 0.2 --history h2.jsonl
: >before.txt
post_batches batches.jsonl 1 "$half" before.txt
expect_exit 0 "$MLPIPE" models promote cf 2 --store st
serve_wait_for "moved to v2"
: >fourth.txt
post_batches batches.jsonl $((half + 1)) "$nb" fourth.txt
serve_stop
got=$(check_scores before.txt want1.csv -1 exact)
assert_eq "$got" "0,$(wc -l <before.txt)" "v1's scores before the move"
got=$(check_scores fourth.txt want2.csv -1 exact)
assert_eq "$got" "0,$(wc -l <fourth.txt)" "v2's scores after a move with every version's history kept"
echo "ok ($n events)"
