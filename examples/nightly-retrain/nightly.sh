#!/usr/bin/env bash
# What a CI job runs every night when new data has arrived:
#   examples/nightly-retrain/nightly.sh NEW_DATA.csv
# Exit code: 0 the new model passed every check and is the champion now (or equals it);
# 3 drift or a gate failed: nothing was promoted, the champion stays; 1 a step failed;
# 2 bad config or data. The store (runs, cache and the registry) is the folder $MLPIPE_STORE,
# default .mlpipe/ beside the pipeline: keep it between nights (a CI cache or a shared disk).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mlpipe=${MLPIPE:-mlpipe}
command -v "$mlpipe" >/dev/null || mlpipe="$here/../../build/mlpipe"
[ $# -eq 1 ] || { echo "usage: $0 NEW_DATA.csv" >&2; exit 2; }
data=$(realpath "$1") || exit 2
store=${MLPIPE_STORE:-$here/.mlpipe}

"$mlpipe" run "$here/pipeline.yaml" --store "$store" --set "params.data=$data" --json >"$here/last-outcome.json"
rc=$?
run=$(sed -n 's/^  "run_id": \([0-9]*\),*$/\1/p' "$here/last-outcome.json")
case $rc in
  0) echo "nightly: run $run ok; champion now:"
     "$mlpipe" models list --store "$store" ;;
  3) echo "nightly: run $run stopped by a drift check or a gate; the champion is unchanged" >&2 ;;
  *) echo "nightly: run $run failed (exit $rc)" >&2 ;;
esac
exit $rc
