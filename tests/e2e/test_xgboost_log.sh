# XGBoost's own log lines reach stderr through mlpipe's callback ("xgboost: ..."), whichever thread
# the step runs on: XGBoost 1.7 keeps that callback per thread, so a step thread that never
# registered it printed XGBoost's warnings raw.
source "$(dirname "$0")/lib.sh"
# 10 rows by time: the one valid row holds a single class, so XGBoost warns that its AUC is undefined.
printf 'id,x,y\n1,1,0\n2,2,1\n3,3,0\n4,4,1\n5,5,0\n6,6,1\n7,7,0\n8,8,1\n9,9,0\n10,10,1\n' > d.csv
cat > p.yaml <<'YAML'
pipeline: one-class-valid
steps:
  ingest: {type: ingest, source: d.csv, label: y, id: id}
  split: {type: split, needs: ingest, method: time, by: x, fractions: {train: 0.6, valid: 0.1, test: 0.3}}
  train: {type: train, needs: split, trainer: xgboost, rounds: 2}
YAML
expect_exit 0 "$MLPIPE" run p.yaml -q
grep -q "WARNING" "$ERR" || fail "XGBoost said nothing: the case no longer makes it warn"
if grep "WARNING" "$ERR" | grep -qv "^xgboost: "; then cat "$ERR"; fail "an XGBoost line reached stderr raw"; fi
echo ok
