#!/usr/bin/env bash
# Online scoring latency: mlpipe serve against a Python HTTP server with XGBoost (bench/serve/
# python_server.py), on the credit-default example's bundle (30,000 real rows, 23 columns, one
# ratio transform). Both get the same 2,000 one-row requests from one curl process over one
# keep-alive connection per 200, and 200 one-row requests with explain (mlpipe only).
#   bash bench/serve.sh        (needs python3-xgboost for the peer; writes bench/serve/RESULTS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh >/dev/null
work=$(mktemp -d /tmp/mlpipe-serve-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
csv=examples/credit-default/data/UCI_Credit_Card.csv
if [ -n "${SERVE_BUNDLE:-}" ]; then  # an existing export of the credit-default example
  bundle=$SERVE_BUNDLE
else
  cp -r examples/credit-default "$work/"
  build/mlpipe run "$work/credit-default/pipeline.yaml" -q --store "$work/store" >/dev/null
  bundle="$work/credit-default/models/credit-default"
fi
n=${SERVE_REQUESTS:-2000}

# One-row bodies, as JSON numbers (sqlite3 reads the CSV).
sqlite3 "$work/rows.db" ".import --csv $csv t"
cols=$(head -1 "$csv" | tr -d '\r' | tr ',' '\n' | grep -v '^default.payment.next.month$' | grep -v '^ID$')
obj=$(for c in $cols; do printf "'%s', CAST(\"%s\" AS REAL)," "$c" "$c"; done | sed 's/,$//')
sqlite3 -batch -noheader "$work/rows.db" "SELECT json_object('row', json_object($obj)) FROM t LIMIT $n" >"$work/bodies.jsonl"
sqlite3 -batch -noheader "$work/rows.db" "SELECT json_object('row', json_object($obj), 'explain', 4) FROM t LIMIT 200" >"$work/explain.jsonl"

# curl_config URL BODIES: one request per body, all on one connection. `next` between them:
# without it curl joins every earlier body into the next one with '&' (and repeats the headers).
curl_config() {
  local first=1
  while read -r b; do
    [ $first = 1 ] || echo next
    first=0
    printf 'url = "%s"\ndata = %s\nheader = "Content-Type: application/json"\noutput = /dev/null\nwrite-out = "%%{http_code} %%{time_total}\\n"\n' \
      "$1" "$(printf '%s' "$b" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')"
  done <"$2"
}
# measure URL BODIES: prints "mean_ms p50_ms p99_ms wall_s" of the client-observed times; fails
# unless every answer was 200. 200 requests per curl (and per connection).
measure() {
  local t0 t1
  rm -f "$work"/chunk.* "$work/times.txt"
  split -l 200 "$2" "$work/chunk."
  t0=$(date +%s.%N)
  for c in "$work"/chunk.*; do
    curl_config "$1" "$c" >"$c.cfg"
    curl -s --config "$c.cfg" >>"$work/times.txt"
  done
  t1=$(date +%s.%N)
  bad=$(awk '$1 != 200' "$work/times.txt" | wc -l)
  [ "$bad" = 0 ] || { echo "bench: $bad answers were not 200 from $1" >&2; exit 1; }
  awk '{ print $2 }' "$work/times.txt" | sort -g | awk -v wall="$(echo "$t1 - $t0" | awk '{ print $1 - $3 }')" '
    { t[NR] = $1 * 1000; s += $1 * 1000 }
    END { printf "%.3f %.3f %.3f %.2f\n", s / NR, t[int(NR * 0.5)], t[int(NR * 0.99)], wall }'
}
wait_port() { for _ in $(seq 200); do grep -q "serving" "$1" 2>/dev/null && return; sleep 0.05; done; echo "no server"; exit 1; }

build/mlpipe serve "$bundle" --port 0 --threads 2 >"$work/serve.out" 2>"$work/serve.err" &
mpid=$!
wait_port "$work/serve.out"
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/serve.out")
measure "http://127.0.0.1:$port/v1/score" "$work/bodies.jsonl" >/dev/null  # warm-up
mlpipe_plain=$(measure "http://127.0.0.1:$port/v1/score" "$work/bodies.jsonl")
mlpipe_explain=$(measure "http://127.0.0.1:$port/v1/score" "$work/explain.jsonl")
server=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^mlpipe_request_duration_seconds_(sum|count)\{route="\/v1\/score"/ { v[$1 ~ /sum/] = $2 } END { printf "%.3f", v[1] / v[0] * 1000 }')
rss_mlpipe=$(awk '/VmHWM/ { print $2 / 1024 }' /proc/$mpid/status)
kill $mpid

peer="n/a (python3-xgboost not installed)"
if /usr/bin/python3 -c "import xgboost" 2>/dev/null; then
  pport=$((port + 1))
  /usr/bin/python3 bench/serve/python_server.py "$bundle" $pport >"$work/peer.out" 2>&1 &
  ppid=$!
  wait_port "$work/peer.out"
  measure "http://127.0.0.1:$pport/" "$work/bodies.jsonl" >/dev/null
  peer=$(measure "http://127.0.0.1:$pport/" "$work/bodies.jsonl")
  rss_peer=$(awk '/VmHWM/ { print $2 / 1024 }' /proc/$ppid/status)
  kill $ppid
fi
# The same request's work without the HTTP, on one thread: mlpipe's ScoringService against the
# same steps in Python (bench/serve/python_score_bench.py), on the first body.
head -1 "$work/bodies.jsonl" >"$work/body.json"
inproc_mlpipe=$(build/mlpipe_serve_score_bench "$bundle" "$work/body.json" 20000)
inproc_peer=""
if /usr/bin/python3 -c "import xgboost" 2>/dev/null; then
  inproc_peer=$(/usr/bin/python3 bench/serve/python_score_bench.py "$bundle" "$work/body.json" 20000)
fi
field() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" <<<"$2"; }
read -r mm m50 m99 mw <<<"$mlpipe_plain"
read -r em e50 e99 ew <<<"$mlpipe_explain"
{
  echo "# Online scoring (bench/serve.sh, $(date -u +%Y-%m-%d), $(nproc) cores)"
  echo
  echo "credit-default bundle, $n one-row requests (curl, 200 per keep-alive connection), client-observed times."
  echo
  echo "| server | mean ms | p50 ms | p99 ms | peak RSS MB |"
  echo "|---|---|---|---|---|"
  echo "| mlpipe serve | $mm | $m50 | $m99 | ${rss_mlpipe} |"
  echo "| mlpipe serve, explain 4 (200 requests) | $em | $e50 | $e99 | |"
  if [ -n "${rss_peer:-}" ]; then
    read -r pm p50 p99 pw <<<"$peer"
    echo "| Python http.server + xgboost.Booster.inplace_predict | $pm | $p50 | $p99 | ${rss_peer} |"
    echo
    echo "mlpipe / Python: mean $(awk -v a=$mm -v b=$pm 'BEGIN { printf "%.2f", a / b }')x, p99 $(awk -v a=$m99 -v b=$p99 'BEGIN { printf "%.2f", a / b }')x."
  else
    echo "| Python peer | $peer | | | |"
  fi
  echo
  echo "mlpipe's own time per /v1/score request (its /metrics histogram): $server ms."
  echo
  echo "Without the HTTP (one thread, 20,000 requests: JSON body in, response JSON out):"
  echo
  echo "| | mean us | p50 us | p99 us |"
  echo "|---|---|---|---|"
  echo "| mlpipe ScoringService (transforms + XGBoost) | $(field mean_us "$inproc_mlpipe") | $(field p50_us "$inproc_mlpipe") | $(field p99_us "$inproc_mlpipe") |"
  if [ -n "$inproc_peer" ]; then
    echo "| Python json + numpy + inplace_predict (no transforms) | $(field mean_us "$inproc_peer") | $(field p50_us "$inproc_peer") | $(field p99_us "$inproc_peer") |"
    echo
    echo "Python / mlpipe mean: $(awk -v a="$(field mean_us "$inproc_peer")" -v b="$(field mean_us "$inproc_mlpipe")" 'BEGIN { printf "%.1f", a / b }')x."
  fi
} | tee bench/serve/RESULTS.md
