# mlpipe serve (issue 18): real HTTP on loopback. Every served score equals predict's for the
# same rows (one batch request, and one request per row), reasons come back, bad requests get
# a 400 naming the problem, the Prometheus text counts them, and a moved alias is picked up
# under load without a failed request.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is needed (.ci/setup.sh installs it)"

expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set steps.export.register=tiny --set steps.export.promote=champion
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv -o preds.csv

"$MLPIPE" serve tiny@champion --port 0 --reload-every 0.1 >serve.out 2>serve.err &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
wait_serving serve.out $pid
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' serve.out)
[ -n "$port" ] || { cat serve.out serve.err; fail "serve printed no port"; }
url=http://127.0.0.1:$port
assert_eq "$(curl -s $url/healthz)" '{"status":"ok"}' "healthz"
curl -s $url/readyz | grep -q '"status":"ready"' || fail "readyz"

# The file's rows as JSON, numbers as JSON numbers and empty or NA cells as null (sqlite3 reads the CSV).
sql rows.db ".import --csv loans.csv t"
sql rows.db "SELECT json_object('rows', json_group_array(json_object('loan_id', CAST(loan_id AS INTEGER), 'region',
  nullif(region, ''), 'income', iif(income IN ('', 'NA'), NULL, CAST(income AS REAL)), 'debt', iif(debt IN ('', 'NA'), NULL, CAST(debt AS REAL)),
  'age', iif(age IN ('', 'NA'), NULL, CAST(age AS REAL)), 'opened', opened))) FROM t" >batch.json
curl -s -o batch.out -w '%{http_code}' $url/v1/score --data-binary @batch.json >code
assert_eq "$(cat code)" 200 "batch status"
# Every score, as text: the served JSON number must be predict's shortest round-trip value.
# (grep, not sqlite's json_extract: that prints 15 significant digits)
grep -o '"id":"[^"]*","score":[^,}]*' batch.out | sed 's/"id":"\([^"]*\)","score":/\1,/' >served.csv
tail -n +2 preds.csv | awk -F, '{ printf "%s,%.17g\n", $1, $2 }' >want.csv
awk -F, '{ printf "%s,%.17g\n", $1, $2 }' served.csv >got.csv
assert_eq "$(wc -l <got.csv)" 600 "served rows"
cmp -s want.csv got.csv || { diff want.csv got.csv | head; fail "served scores differ from predict's"; }
# One request per row (a one-row table is read on its own: types, missing values).
sql rows.db "SELECT json_object('row', json_object('loan_id', CAST(loan_id AS INTEGER), 'region', nullif(region, ''),
  'income', iif(income IN ('', 'NA'), NULL, CAST(income AS REAL)), 'debt', iif(debt IN ('', 'NA'), NULL, CAST(debt AS REAL)), 'age', iif(age IN ('', 'NA'), NULL, CAST(age AS REAL))))
  FROM t WHERE rowid % 15 = 0" >single.jsonl
n=0
while read -r body; do
  id=$(sql :memory: "SELECT json_extract('$body', '$.row.loan_id')")
  got=$(curl -s $url/v1/score -d "$body" | sed 's/.*"score":\([^,}]*\).*/\1/')
  want=$(awk -F, -v id="$id" '$1 == id { print $2 }' preds.csv)
  [ "$(awk -v a="$got" 'BEGIN { printf "%.17g", a }')" == "$(awk -v a="$want" 'BEGIN { printf "%.17g", a }')" ] ||
    fail "row $id: served $got, predict $want"
  n=$((n + 1))
done <single.jsonl
assert_eq "$n" 40 "single-row requests"

# Reasons: the same as predict --explain for the same row.
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv --explain 2 -o why.csv
row=$(awk -F, 'NR > 1 && $3 != "" { print $1; exit }' why.csv)
body=$(sql rows.db "SELECT json_object('row', json_object('loan_id', CAST(loan_id AS INTEGER), 'region', region,
  'income', CAST(income AS REAL), 'debt', CAST(debt AS REAL), 'age', CAST(age AS REAL)), 'explain', 2) FROM t WHERE loan_id = '$row'")
curl -s $url/v1/score -d "$body" >why.out
want=$(awk -F, -v id="$row" '$1 == id { print $3 }' why.csv)
assert_eq "$(sql :memory: "SELECT json_extract(readfile('why.out'), '$.results[0].reasons[0].column')")" "$want" "first reason"

# Bad requests: 400 with a message naming the problem; the server keeps serving.
check_400() {  # check_400 BODY MESSAGE
  code=$(curl -s -o bad.out -w '%{http_code}' $url/v1/score -d "$1")
  assert_eq "$code" 400 "status for $1"
  assert_contains bad.out "$2"
}
check_400 '{bad' "the body is not JSON"
check_400 '{"row": {"income": 1e400}}' "the body is not JSON"
check_400 '{"rowz": []}' "did you mean 'rows'"
check_400 '{"row": {"income": "lots", "debt": 1, "age": 3, "region": "east"}}' "column 'income' was numeric in training but holds text here"
check_400 '{"row": {"income": 1}}' "missing columns the model needs: region, debt, age"
check_400 '{"row": {"income": [1]}}' "rows[0].income: expected a number, text or null"
check_400 '{"row": {"income": 1, "debt": 1, "age": 3}, "explain": 0}' "\`explain\` takes a count"
check_400 '{"row": {"incme": 1, "debt": 1, "age": 3, "region": "east"}}' "rows[0].incme: no such column in the model's data (did you mean 'income'?)"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' $url/v2/nothing)" 404 "unknown route"
curl -s $url/v1/model >model.json
assert_eq "$(sql :memory: "SELECT json_extract(readfile('model.json'), '$.version') || ' ' || json_extract(readfile('model.json'), '$.trainer')")" "1 xgboost" "model"
assert_eq "$(sql :memory: "SELECT json_extract(readfile('model.json'), '$.manifest_sha256')")" \
  "$(sql .mlpipe/store.db "SELECT manifest_sha256 FROM models WHERE name = 'tiny' AND version = 1")" "model hash"
curl -s $url/metrics >metrics.txt
assert_contains metrics.txt 'mlpipe_requests_total{route="/v1/score",status="400"} 8'
assert_contains metrics.txt 'mlpipe_requests_total{route="/v1/score",status="200"} 42'
assert_contains metrics.txt 'mlpipe_request_duration_seconds_bucket{route="/v1/score",le="+Inf"} 50'
assert_contains metrics.txt 'mlpipe_model_info{name="tiny",version="1"'
# The 40 one-row requests of plain values took the one-row path (the batch and explain did not).
assert_contains metrics.txt 'mlpipe_score_fast_path_total 40'

# A moved alias under load: requests keep coming back 200 while champion moves to v2.
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set steps.export.register=tiny --set params.depth=2 --set steps.export.dir=out/v2
( for _ in $(seq 150); do curl -s -o /dev/null -w '%{http_code}\n' $url/v1/score -d "$body"; done ) >load.codes &
loader=$!
sleep 0.3
expect_exit 0 "$MLPIPE" models promote tiny 2 --alias champion
wait $loader
assert_eq "$(sort -u load.codes)" 200 "every request during the move answered 200"
for _ in $(seq 300); do curl -s $url/v1/model | grep -q '"version":2' && break; sleep 0.1; done
curl -s $url/v1/model | grep -q '"version":2' || { cat serve.err; fail "the moved alias was not picked up"; }
assert_contains serve.err "tiny@champion moved to v2 (was v1)"
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv -o preds2.csv
want=$(awk -F, -v id="$row" '$1 == id { printf "%.17g", $2 }' preds2.csv)
got=$(curl -s $url/v1/score -d "$body" | sed 's/.*"score":\([^,}]*\).*/\1/')
assert_eq "$(awk -v a="$got" 'BEGIN { printf "%.17g", a }')" "$want" "v2's score after the move"

# Slow and idle clients are cut off (--timeout 2: 2 s to send a request, 1 s idle between).
"$MLPIPE" serve tiny@champion --port 0 --timeout 2 >slow.out 2>slow.err &
spid=$!
wait_serving slow.out $spid
sport=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' slow.out)
exec 3<>/dev/tcp/127.0.0.1/$sport
printf 'POST /v1/score HTTP/1.1\r\nHost: x\r\n' >&3   # headers never finished
sleep 3
timeout 2 cat <&3 >/dev/null || fail "a client that never finished its request still holds a connection"
exec 3<&-
exec 3<>/dev/tcp/127.0.0.1/$sport                      # connected, never a byte
sleep 3
timeout 2 cat <&3 >/dev/null || fail "an idle connection was not closed"
exec 3<&-
assert_eq "$(curl -s http://127.0.0.1:$sport/healthz)" '{"status":"ok"}' "still serving after slow clients"
kill -TERM $spid && wait $spid

# SIGTERM stops it cleanly (exit 0).
kill -TERM $pid
wait $pid || fail "serve exited $? on SIGTERM"
assert_contains serve.err "serve stopped by SIGTERM"
echo ok
