# examples/nightly-retrain: three nights (new data, no drift, drifted data) through nightly.sh;
# checks the exit codes, the registry and what was recorded.
source "$(dirname "$0")/lib.sh"
mkdir -p examples/credit-default/data
cp -r "$REPO/examples/nightly-retrain" examples/
cp "$REPO/examples/credit-default/data/UCI_Credit_Card.csv" examples/credit-default/data/
rm -rf examples/nightly-retrain/.mlpipe examples/nightly-retrain/slices examples/nightly-retrain/out
ex=examples/nightly-retrain
export MLPIPE
bash $ex/make_slices.sh >/dev/null
db=$ex/.mlpipe/store.db

expect_exit 0 $ex/nightly.sh $ex/slices/night-1.csv
assert_contains "$OUT" "credit-nightly  1       1         champion=v1"
assert_contains "$ERR" "no reference yet"

expect_exit 0 $ex/nightly.sh $ex/slices/night-2.csv
assert_contains "$ERR" "0 of 33 features drifted"
assert_contains "$ERR" "registered credit-nightly v2, promoted to champion (was v1)"
# v2 was compared with v1 scored on night 2's own test rows.
assert_eq "$(sql $db "SELECT value > 0 FROM metrics WHERE run_id=2 AND key='champion.auc'")" 1 "champion scored"
assert_eq "$(sql $db "SELECT value FROM metrics WHERE run_id=2 AND step='evaluate' AND key='champion_version'")" 1.0 "against v1"

expect_exit 3 $ex/nightly.sh $ex/slices/night-3.csv
assert_contains "$ERR" "the champion is unchanged"
assert_contains "$ERR" "PSI of LIMIT_BAL"
assert_eq "$(sql $db "SELECT status, exit_code FROM runs WHERE run_id=3")" "gate_failed|3" "run 3 recorded"
assert_eq "$(sql $db "SELECT value > 0.2 FROM metrics WHERE run_id=3 AND key='psi.LIMIT_BAL'")" 1 "LIMIT_BAL PSI"
assert_eq "$(sql $db "SELECT status FROM steps WHERE run_id=3 AND step='train'")" skipped "no training on drifted data"

# The registry after three nights.
assert_eq "$(sql $db "SELECT version FROM model_aliases WHERE name='credit-nightly' AND alias='champion'")" 2 "champion v2"
assert_eq "$(sql $db "SELECT group_concat(action || ' v' || version, ', ') FROM model_events")" \
          "register v1, promote v1, register v2, promote v2" "events"
assert_eq "$(sql $db "SELECT count(*) FROM models")" 2 "versions"

# Night 2's file again: nothing new to register, the champion stays.
expect_exit 0 $ex/nightly.sh $ex/slices/night-2.csv
assert_eq "$(sql $db "SELECT count(*) FROM models")" 2 "not registered twice"
# The champion serves predictions by name.
expect_exit 0 "$MLPIPE" predict credit-nightly@champion $ex/slices/night-2.csv --store $(dirname $db) -o scores.csv
assert_eq "$(wc -l <scores.csv)" 15001 "scores"
echo ok
