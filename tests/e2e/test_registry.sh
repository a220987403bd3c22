# Model registry: export registers versions and promotes after gates pass; gates relative to
# the champion score the champion on the same rows; models list/show/promote; predict NAME@ALIAS.
source "$(dirname "$0")/lib.sh"
sed -i 's|    dir: out/bundle|    dir: out/bundle\n    register: tiny\n    promote: champion|; s|gate: {auc: ">= 0.6"}|gate: {auc: ">= champion - 0.005", ks: "> 0.2"}|' pipeline.yaml
db=.mlpipe/store.db

# Run 1: nothing registered yet, so the champion gate passes; v1 becomes champion.
expect_exit 0 "$MLPIPE" run pipeline.yaml
assert_contains "$ERR" "no champion of 'tiny' yet"
assert_contains "$ERR" "registered tiny v1, promoted to champion"
assert_eq "$(sql $db "SELECT version FROM model_aliases WHERE name='tiny' AND alias='champion'")" 1 "v1 champion"

# Run 2: a weaker model fails the gate against the champion (exit 3) and is not registered.
expect_exit 3 "$MLPIPE" run pipeline.yaml --set params.depth=1 --set params.rounds=3
assert_contains "$ERR" "required >= champion - 0.005 = 0.8270 (champion tiny v1 has 0.8320 on the same rows)"
# The champion was scored on the run's own test rows: its value equals v1's recorded test AUC.
assert_eq "$(sql $db "SELECT value FROM metrics WHERE run_id=2 AND key='champion.auc'")" \
          "$(sql $db "SELECT value FROM metrics WHERE run_id=1 AND step='evaluate' AND key='auc'")" "champion rescored"
assert_eq "$(sql $db "SELECT count(*) FROM models")" 1 "nothing registered by a failed gate"

# Run 3: a better model passes, becomes v2 and champion.
expect_exit 0 "$MLPIPE" run pipeline.yaml --set params.depth=2
assert_contains "$ERR" "registered tiny v2, promoted to champion (was v1)"
# Run 4: the same config; evaluate re-runs (the champion changed), the same model is not registered twice.
expect_exit 0 "$MLPIPE" run pipeline.yaml --set params.depth=2
assert_contains "$ERR" "same model as tiny v2, not registered again (already champion)"
assert_eq "$(sql $db "SELECT count(*) FROM models")" 2 "two versions"

expect_exit 0 "$MLPIPE" models list --format csv
assert_contains "$OUT" "tiny,2,2,champion=v2"
expect_exit 0 "$MLPIPE" models show tiny
assert_contains "$OUT" "promote v2 as champion (was v1)  by run 3"
expect_exit 0 "$MLPIPE" models promote tiny v1 --note "roll back: v2 misbehaves"
assert_contains "$OUT" "tiny v1 is now champion (was v2)"
expect_exit 0 "$MLPIPE" models show tiny --json
assert_contains "$OUT" '"note": "roll back: v2 misbehaves"'
assert_eq "$(sql $db "SELECT count(*) FROM model_events WHERE action='promote'")" 3 "promotions logged"
expect_exit 0 "$MLPIPE" models promote tiny 2 --alias staging
assert_eq "$(sql $db "SELECT group_concat(alias || '=' || version, ' ') FROM (SELECT * FROM model_aliases ORDER BY alias)")" "champion=1 staging=2" "aliases"

# Versions are immutable, also to SQL.
set +e; sqlite3 $db "UPDATE models SET metrics='{}' WHERE version=1" 2>"$ERR"; set -e
assert_contains "$ERR" "model versions are immutable"

# predict by alias reads the registry's copy; it equals predicting with that folder.
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv -o by_alias.csv
expect_exit 0 "$MLPIPE" predict .mlpipe/registry/tiny/v1 loans.csv -o by_dir.csv
cmp by_alias.csv by_dir.csv || fail "predict by alias differs"
expect_exit 2 "$MLPIPE" predict tiny@nightly loans.csv
assert_contains "$ERR" "no version with alias 'nightly'"
expect_exit 2 "$MLPIPE" predict tiyn@champion loans.csv
assert_contains "$ERR" "no registered model 'tiyn'"
assert_contains "$ERR" "did you mean 'tiny'"
# The readable copy is not the source of truth: changed or deleted, it is rebuilt from the
# version's objects, and the scores stay the same.
sed -i 's/"pipeline"/"pipeline" /' .mlpipe/registry/tiny/v1/manifest.json
rm .mlpipe/registry/tiny/v1/model.json
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv -o again.csv
cmp by_alias.csv again.csv || fail "scores changed after the copy was rebuilt"
expect_exit 0 "$MLPIPE" predict .mlpipe/registry/tiny/v1 loans.csv -o /dev/null
# A damaged object is refused, never scored with.
obj=$(sql $db "SELECT object FROM model_objects WHERE name = 'tiny' AND version = 1 AND file = 'model.json'")
chmod u+w .mlpipe/objects/${obj:0:2}/${obj:2}
printf ' ' >> .mlpipe/objects/${obj:0:2}/${obj:2}
rm -r .mlpipe/registry/tiny/v1
expect_exit 1 "$MLPIPE" predict tiny@champion loans.csv
assert_contains "$ERR" "is damaged (its bytes no longer have its hash)"
# Objects cannot be removed from a version, even by SQL.
set +e; sqlite3 $db "DELETE FROM model_objects WHERE version = 1" 2>"$ERR"; set -e
assert_contains "$ERR" "model versions are immutable"

expect_exit 2 "$MLPIPE" models promote tiny 9
assert_contains "$ERR" "model 'tiny' has no version 9 (versions 1 to 2)"
expect_exit 2 "$MLPIPE" models promote tiny 1 --alias 3
assert_contains "$ERR" "would be read as a version"
expect_exit 2 "$MLPIPE" models show nothing
assert_contains "$ERR" "no registered model 'nothing'"

# Config checks: promote needs register and a gated evaluate; a champion gate needs a name.
cp pipeline.yaml p2.yaml
sed -i '/    register: tiny/d; s|    metrics: \[auc|    champion: tiny\n    metrics: [auc|' p2.yaml
expect_exit 2 "$MLPIPE" validate p2.yaml
assert_contains "$ERR" "promote needs \`register: NAME\`"
cp pipeline.yaml p3.yaml
sed -i '/gate: {auc: ">= champion - 0.005", ks: "> 0.2"}/d' p3.yaml
expect_exit 2 "$MLPIPE" validate p3.yaml
assert_contains "$ERR" "promote needs an evaluate step with a \`gate:\`"
cp pipeline.yaml p4.yaml
sed -i '/    register: tiny/d; /    promote: champion/d' p4.yaml
expect_exit 2 "$MLPIPE" validate p4.yaml
assert_contains "$ERR" "a gate compares with the champion, but which registered model's?"
sed -i 's|    register: tiny|    register: "../x"|' pipeline.yaml
expect_exit 2 "$MLPIPE" validate pipeline.yaml
assert_contains "$ERR" "'../x' is not a valid name"
# Reproducing the run that registered and promoted v2 changes nothing in the registry (the
# champion stays v1 after the roll-back) and still reproduces (its model is v2, found by content).
truncate -s -1 .mlpipe/objects/${obj:0:2}/${obj:2}   # undo the damage done to v1's model above
events=$(sql $db "SELECT count(*) FROM model_events")
expect_exit 0 "$MLPIPE" reproduce 3
assert_contains "$OUT" "verdict: reproduced bit-identically"
assert_eq "$(sql $db "SELECT version FROM model_aliases WHERE name='tiny' AND alias='champion'")" 1 "champion after reproduce"
assert_eq "$(sql $db "SELECT count(*) FROM model_events")" "$events" "no registry events from reproduce"
assert_eq "$(sql $db "SELECT value FROM metrics WHERE run_id = (SELECT max(run_id) FROM runs) AND key = 'model_version'")" 2.0 "the rerun's model is v2"
echo ok
