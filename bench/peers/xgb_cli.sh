#!/bin/sh
# XGBoost's own command-line tool doing what bench/pipelines/xgb.yaml does: 100 rounds of hist
# trees (depth 6, eta 0.1, 2 threads) on the first 80 % of rows, then predictions for the rest.
# The CLI cannot read a header, drop a column or split rows, so the harness hands it DIR/train.csv
# and DIR/test.csv already cut (label first, features after, no header): that preparation is not
# timed, which favours the CLI. The test AUC is computed by the harness from DIR/pred.txt.
set -e
dir=$1
cd "$dir"
common="tree_method=hist max_depth=6 eta=0.1 nthread=2 seed=0 objective=binary:logistic"
# The CLI prints every round on stderr: kept in log.txt, shown when it fails.
trap 'cat log.txt >&2' EXIT
: > empty.conf  # the CLI wants a config file; every setting is on the command line
xgboost empty.conf task=train data="train.csv?format=csv&label_column=0" num_round=100 \
  model_out=model.json $common >log.txt 2>&1
xgboost empty.conf task=pred test:data="test.csv?format=csv&label_column=0" model_in=model.json \
  name_pred=pred.txt $common >>log.txt 2>&1
trap - EXIT
