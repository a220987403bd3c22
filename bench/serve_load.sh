#!/usr/bin/env bash
# Online scoring under load: wrk (Debian) at 1, 8 and 64 connections against mlpipe serve and
# against FastAPI on uvicorn with 2 workers calling XGBoost (bench/serve/fastapi_server.py), on
# the credit-default example's bundle, one-row requests, loopback only, best of 3 runs of 5 s. wrk runs on
# the same 2 cores as the server, for both. Third: cpp-httplib alone, set up as serve sets it up and
# answering a fixed body (bench/cpp/httplib_floor_server.cpp), the transport's own ceiling here.
#   bash bench/serve_load.sh     (SERVE_BUNDLE=DIR to reuse an export; SERVE_TRIES, SERVE_SECONDS;
#                                 writes bench/serve/LOAD.md)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh >/dev/null
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
need=()
for p in wrk python3-xgboost python3-fastapi python3-uvicorn; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
[ ${#need[@]} = 0 ] || { $sudo apt-get update -q && $sudo apt-get install -y -q "${need[@]}"; }
work=$(mktemp -d /tmp/mlpipe-serve-load.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -n "${SERVE_BUNDLE:-}" ]; then
  bundle=$SERVE_BUNDLE
else
  cp -r examples/credit-default "$work/"
  build/mlpipe run "$work/credit-default/pipeline.yaml" -q --store "$work/store" >/dev/null
  bundle="$work/credit-default/models/credit-default"
fi
csv=examples/credit-default/data/UCI_Credit_Card.csv
sqlite3 "$work/rows.db" ".import --csv $csv t"
cols=$(head -1 "$csv" | tr -d '\r' | tr ',' '\n' | grep -v '^default.payment.next.month$' | grep -v '^ID$')
obj=$(for c in $cols; do printf "'%s', CAST(\"%s\" AS REAL)," "$c" "$c"; done | sed 's/,$//')
body=$(sqlite3 -batch -noheader "$work/rows.db" "SELECT json_object('row', json_object($obj)) FROM t LIMIT 1")
printf 'wrk.method = "POST"\nwrk.body = [[%s]]\nwrk.headers["Content-Type"] = "application/json"\n' "$body" >"$work/post.lua"
wait_up() { for _ in $(seq 300); do curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "$body" "$1" && return; sleep 0.1; done; echo "no server at $1"; exit 1; }
# load URL: per connection count, one line "c rps p50_ms p99_ms non2xx lowest_rps": the best of
# $tries runs of $secs s (fresh connections each: uvicorn's 2 workers share the accepted
# connections by luck, and the peer's throughput swung 2x between single runs), with the lowest.
tries=${SERVE_TRIES:-3}
secs=${SERVE_SECONDS:-5}
load() {
  for c in 1 8 64; do
    for _ in $(seq "$tries"); do
      wrk -t$((c < 2 ? 1 : 2)) -c$c -d${secs}s --latency -s "$work/post.lua" "$1" >"$work/wrk.txt"
      awk -v c=$c '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
        /Non-2xx/ { bad = $NF }
        END { printf "%d %.0f %.3f %.3f %s\n", c, rps, p50, p99, bad + 0 }' "$work/wrk.txt"
    done | sort -k2,2n | awk '{ bad += $5; if (NR == 1) low = $2; best = $0 } END { split(best, b, " "); print b[1], b[2], b[3], b[4], bad, low }'
  done
}
port=18710
build/mlpipe serve "$bundle" --port $port >"$work/serve.out" 2>&1 &
wait_up "http://127.0.0.1:$port/v1/score"
mlpipe=$(load "http://127.0.0.1:$port/v1/score")
rss_mlpipe=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' /proc/$!/status)
kill %1 2>/dev/null || true
MLPIPE_BUNDLE="$bundle" /usr/bin/python3 -m uvicorn --app-dir bench/serve fastapi_server:app --port $((port + 1)) \
  --workers 2 --log-level warning >"$work/peer.out" 2>&1 &
wait_up "http://127.0.0.1:$((port + 1))/v1/score"
peer=$(load "http://127.0.0.1:$((port + 1))/v1/score")
kill %2 2>/dev/null || true
# The transport floor: the same cpp-httplib set-up answering a fixed body, scoring nothing.
build/mlpipe_httplib_floor_server $((port + 2)) >"$work/floor.out" 2>&1 &
wait_up "http://127.0.0.1:$((port + 2))/v1/score"
floor=$(load "http://127.0.0.1:$((port + 2))/v1/score")
{
  echo "# Online scoring under load (bench/serve_load.sh, $(date -u +%Y-%m-%d), $(nproc) cores)"
  echo
  echo "credit-default bundle, one-row POST /v1/score, wrk -t2, loopback; wrk shares the cores. Each cell: the best of"
  echo "$tries runs of $secs s (fresh connections each), its latencies, and the lowest of the $tries throughputs in brackets."
  echo "Peer: FastAPI on uvicorn, 2 workers, XGBoost inplace_predict (no transforms). mlpipe peak RSS ${rss_mlpipe} MB."
  echo
  echo "Floor: cpp-httplib set up as serve sets it up, answering a fixed body of serve's size without parsing or"
  echo "scoring (bench/cpp/httplib_floor_server.cpp): the most any server on this library reaches here."
  echo
  echo "| connections | mlpipe req/s | mlpipe p50 ms | mlpipe p99 ms | peer req/s | peer p50 ms | peer p99 ms | throughput ratio | floor req/s | floor / peer | mlpipe / floor |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  paste -d' ' <(echo "$mlpipe") <(echo "$peer") <(echo "$floor") | awk '{ printf "| %d | %d (%d) | %.3f | %.3f | %d (%d) | %.3f | %.3f | %.1fx | %d (%d) | %.1fx | %.2f |\n", $1, $2, $6, $3, $4, $8, $12, $9, $10, ($8 > 0 ? $2 / $8 : 0), $14, $18, ($8 > 0 ? $14 / $8 : 0), ($14 > 0 ? $2 / $14 : 0) }'
  echo
  echo "Non-2xx answers (must be 0): mlpipe $(echo "$mlpipe" | awk '{ s += $5 } END { print s + 0 }'), peer $(echo "$peer" | awk '{ s += $5 } END { print s + 0 }'), floor $(echo "$floor" | awk '{ s += $5 } END { print s + 0 }')."
} | tee bench/serve/LOAD.md
