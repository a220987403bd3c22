# mlpipe serve --sample (issue 18): a fraction of scored rows, with their results, goes to the
# store's serve_samples table behind the requests; `models samples NAME` writes the rows back as
# CSV, which predict scores exactly as the server did and a drift step compares with the
# model's training data. The draw is seeded (the same requests in the same order take the same
# rows), the table is append only, and bad options are refused.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is needed (.ci/setup.sh installs it)"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set steps.export.register=tiny --set steps.export.promote=champion
db=.mlpipe/store.db

# The file's rows as one-row requests (numbers as JSON numbers, empty or NA cells as null).
sql rows.db ".import --csv loans.csv t"
sql rows.db "SELECT json_object('row', json_object('loan_id', CAST(loan_id AS INTEGER), 'region', nullif(region, ''),
  'income', iif(income IN ('', 'NA'), NULL, CAST(income AS REAL)), 'debt', iif(debt IN ('', 'NA'), NULL, CAST(debt AS REAL)),
  'age', iif(age IN ('', 'NA'), NULL, CAST(age AS REAL)), 'opened', opened))
  FROM t WHERE rowid % 10 = 0" >single.jsonl
post_rows() {  # post_rows: every line of single.jsonl to /v1/score
  while read -r body; do
    code=$(curl -s -o one.out -w '%{http_code}' $url/v1/score -d "$body")
    [ "$code" = 200 ] || { cat one.out; fail "score: HTTP $code"; }
  done <single.jsonl
}

# Every row: all 60 recorded, and counted in /metrics once written.
serve_start tiny@champion --sample 1
assert_contains serve.err "recording 100% of scored rows in"
post_rows
for _ in $(seq 300); do curl -s $url/metrics | grep -q 'mlpipe_samples_total{outcome="recorded"} 60' && break; sleep 0.1; done
curl -s $url/metrics >metrics.txt
assert_contains metrics.txt 'mlpipe_samples_total{outcome="recorded"} 60'
assert_contains metrics.txt 'mlpipe_samples_total{outcome="dropped"} 0'
serve_stop
assert_eq "$(sql $db "SELECT count(*), count(DISTINCT manifest_sha256), min(version), min(route) FROM serve_samples WHERE model = 'tiny'")" \
  "60|1|1|/v1/score" "recorded samples"

# Back as CSV: predict on it gives the scores the server answered, bit for bit.
expect_exit 0 "$MLPIPE" models samples tiny --scores -o live.csv
assert_contains "$ERR" "60 sampled rows of tiny written to live.csv"
assert_eq "$(head -1 live.csv)" "loan_id,region,income,debt,age,opened,sample_at,sample_version,sample_score" "header"
expect_exit 0 "$MLPIPE" predict tiny@champion live.csv -o again.csv
# (sample_score is the last column; "west, coast" is quoted, so count from the end)
tail -n +2 live.csv | awk -F, '{ printf "%s,%.17g\n", $1, $NF }' | sort >served.txt
tail -n +2 again.csv | awk -F, '{ printf "%s,%.17g\n", $1, $2 }' | sort >want.txt
cmp -s served.txt want.txt || { diff served.txt want.txt | head; fail "predict on the samples differs from what serve answered"; }
# Without --scores the file is the rows alone, which a drift step reads like new data.
expect_exit 0 "$MLPIPE" models samples tiny -o rows.csv
assert_eq "$(head -1 rows.csv)" "loan_id,region,income,debt,age,opened" "rows header"
cat >drift.yaml <<'EOF'
pipeline: live-drift
steps:
  ingest: {type: ingest, source: rows.csv, id: loan_id}
  drift: {type: drift, needs: ingest, reference: tiny@champion, psi: 5, score_psi: 5}
EOF
expect_exit 0 "$MLPIPE" run drift.yaml -q
assert_eq "$(sql $db "SELECT count(*) > 0 FROM metrics m JOIN runs r USING (run_id) WHERE r.pipeline = 'live-drift' AND m.key = 'psi.score'")" 1 "drift on the samples"
expect_exit 0 "$MLPIPE" models samples tiny --limit 5 --version v1
assert_eq "$(wc -l <"$OUT")" 6 "the latest 5 rows"

# A seeded draw: the same requests in the same order take the same rows.
for seed_run in 1 2; do
  serve_start tiny@champion --sample 0.25 --sample-seed 7
  post_rows
  serve_stop
  sql $db "SELECT row_json FROM serve_samples WHERE sample_id > 60 ORDER BY sample_id" >"draw$seed_run.txt"
  [ "$seed_run" = 1 ] && sql $db "SELECT count(*) FROM serve_samples WHERE sample_id > 60" >first_count
done
n1=$(cat first_count)
[ "$n1" -gt 5 ] && [ "$n1" -lt 30 ] || fail "a 25% sample of 60 rows took $n1"
head -n "$n1" draw2.txt >draw2a.txt
tail -n +"$((n1 + 1))" draw2.txt >draw2b.txt
cmp -s draw2a.txt draw2b.txt || fail "the same seed took other rows"

# Append only; bad options and names are refused.
sqlite3 $db "DELETE FROM serve_samples" 2>del.err && fail "samples were deleted"
assert_contains del.err "serve samples are history"
sqlite3 $db "UPDATE serve_samples SET score = 0" 2>upd.err && fail "a sample was changed"
assert_contains upd.err "serve samples are history"
expect_exit 2 "$MLPIPE" serve tiny@champion --sample 2
assert_contains "$ERR" "--sample"
expect_exit 2 "$MLPIPE" models samples tinyy
assert_contains "$ERR" "no serve samples of 'tinyy'; the store has samples of: tiny"
expect_exit 2 "$MLPIPE" models samples tiny --version x3
assert_contains "$ERR" "expected a version number"
echo "ok"
