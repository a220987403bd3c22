#!/usr/bin/env bash
# Benchmarks mlpipe against the tools it replaces and writes bench/RESULTS.md.
#   bash bench/run.sh            (BENCH_ROUNDS=N to change the 5 rounds per measure)
# Installs the peers from Debian, builds mlpipe as the README does, generates the data with fixed seeds
# (bench/data/, ~550 MB, kept between runs) and runs bench/harness.py.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
need=()
for p in python3-pandas python3-xgboost python3-sklearn python3-numpy python3-torch xgboost snakemake hyperfine; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  $sudo apt-get update -q && $sudo apt-get install -y -q "${need[@]}"
fi
bash .ci/setup.sh >/dev/null
/usr/bin/python3 bench/gen_data.py bench/data
credit=../shared/data/give-me-some-credit/cs-training.csv
[ -f "$credit" ] && [ ! -f bench/data/cs-training.csv ] && cp "$credit" bench/data/
MLPIPE="$PWD/build/mlpipe" /usr/bin/python3 bench/harness.py
# The team store on PostgreSQL (a throw-away server on loopback), appended to RESULTS.md.
bash bench/postgres.sh >/dev/null
{ echo; echo "## 8. The team store on PostgreSQL (bench/postgres.sh; also bench/postgres/RESULTS.md)"; echo; tail -n +3 bench/postgres/RESULTS.md; } >>bench/RESULTS.md
# Online scoring (mlpipe serve against FastAPI + XGBoost under wrk), appended to RESULTS.md.
bash bench/serve_load.sh >/dev/null
{ echo; echo "## Online scoring (bench/serve_load.sh; also bench/serve/LOAD.md)"; echo; tail -n +3 bench/serve/LOAD.md; } >>bench/RESULTS.md
