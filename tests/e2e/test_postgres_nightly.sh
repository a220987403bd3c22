# examples/nightly-retrain on the team's PostgreSQL store: the drift check against the champion's
# training data, the champion gate and the registry work there as on SQLite (the same three nights,
# exit codes and records as test_nightly_retrain.sh). Skips (77) without PostgreSQL.
source "$(dirname "$0")/lib.sh"
pg_start
mkdir -p examples/credit-default/data
cp -r "$REPO/examples/nightly-retrain" examples/
cp "$REPO/examples/credit-default/data/UCI_Credit_Card.csv" examples/credit-default/data/
rm -rf examples/nightly-retrain/.mlpipe examples/nightly-retrain/slices examples/nightly-retrain/out
ex=examples/nightly-retrain
export MLPIPE MLPIPE_STORE="$PG_URL?objects=$WORK/team-objects"
bash $ex/make_slices.sh >/dev/null

expect_exit 0 $ex/nightly.sh $ex/slices/night-1.csv
assert_contains "$OUT" "champion=v1"
expect_exit 0 $ex/nightly.sh $ex/slices/night-2.csv
assert_contains "$ERR" "0 of 33 features drifted"
assert_contains "$ERR" "registered credit-nightly v2, promoted to champion (was v1)"
assert_eq "$(psql_q "SELECT value FROM metrics WHERE run_id=2 AND step='evaluate' AND key='champion_version'")" 1 "against v1"
expect_exit 3 $ex/nightly.sh $ex/slices/night-3.csv
assert_contains "$ERR" "PSI of LIMIT_BAL"
assert_eq "$(psql_q "SELECT status || '|' || exit_code FROM runs WHERE run_id=3")" "gate_failed|3" "run 3 recorded"
assert_eq "$(psql_q "SELECT status FROM steps WHERE run_id=3 AND step='train'")" skipped "no training on drifted data"
expect_exit 0 "$MLPIPE" predict credit-nightly@champion $ex/slices/night-2.csv -o scores.csv
[ "$(wc -l <scores.csv)" -gt 1000 ] || fail "the champion did not score"
echo ok
