# drift step: PSI/KS against the champion's training profile; exit 3, warn mode, config errors.
source "$(dirname "$0")/lib.sh"
sed -i 's|    dir: out/bundle|    dir: out/bundle\n    register: tiny\n    promote: champion|' pipeline.yaml
sed -i '/^  split:/,/needs:/ s/needs: ingest/needs: drift/' pipeline.yaml
sed -i 's|^  split:$|  drift:\n    type: drift\n    needs: ingest\n    psi: 0.2\n  split:|' pipeline.yaml
db=.mlpipe/store.db
expect_exit 0 "$MLPIPE" run pipeline.yaml
assert_contains "$ERR" "no reference yet"
assert_eq "$(sql $db "SELECT count(*) FROM metrics WHERE step='drift'")" 0 "nothing measured without a reference"
# The bundle carries the training profile, covered by the manifest's hashes.
grep -q '"reference.json"' out/bundle/manifest.json || fail "no reference.json in the manifest"

# The same data again: measured, nothing crosses.
expect_exit 0 "$MLPIPE" run pipeline.yaml --force drift
assert_contains "$ERR" "vs tiny v1: 0 of 8 features drifted"
assert_eq "$(sql $db "SELECT value < 0.05 FROM metrics WHERE run_id=2 AND key='psi.score'")" 1 "score stable"

# Incomes fall to 40%: income, the debt-to-income ratio and the score drift: exit 3, nothing trained.
# (perl-base is part of every Debian; region may be quoted with a comma inside)
perl -i -pe 'if ($. > 1) { s/^(\d+),("[^"]*"|[^,]*),([0-9.]+)/"$1,$2," . sprintf("%.2f", $3 * 0.4)/e }' loans.csv
expect_exit 3 "$MLPIPE" run pipeline.yaml
assert_contains "$ERR" "drift against tiny v1 (its training data): PSI of dti"
assert_contains "$ERR" "PSI of income"
assert_eq "$(sql $db "SELECT status FROM runs WHERE run_id=3")" gate_failed "status"
assert_eq "$(sql $db "SELECT status FROM steps WHERE run_id=3 AND step='train'")" skipped "train skipped"
art=$(sql $db "SELECT path FROM artifacts WHERE run_id=3 AND name='drift.csv'")
art=$(dirname $db)/$art   # recorded relative to the store
grep -q '^income,numeric,.*,yes$' "$art" || { cat "$art"; fail "drift.csv"; }
# The report shows the drift: PSI per feature, against which version.
expect_exit 0 "$MLPIPE" report 3 --store $(dirname $db) -o drift.html
assert_contains drift.html "<h2>Drift</h2>"
assert_contains drift.html "drift (against reference version 1)"
assert_contains drift.html ">drift: PSI<"

# on_drift: warn records and goes on.
sed -i 's/    psi: 0.2/    psi: 0.2\n    on_drift: warn/' pipeline.yaml
expect_exit 0 "$MLPIPE" run pipeline.yaml
assert_contains "$ERR" "warning: drift against tiny v1"

# The reference can be the bundle a run exported (run 4 just wrote out/bundle).
cp pipeline.yaml byrun.yaml
sed -i 's/    on_drift: warn/    on_drift: warn\n    reference: run:4/' byrun.yaml
expect_exit 0 "$MLPIPE" run byrun.yaml
assert_contains "$ERR" "vs run 4: 0 of 8 features drifted"
# Run 1's bundle is still its own: each run records its export from its own copy (in the run's
# folder), which run 4's export to out/bundle did not replace. (Incomes fell since: it drifts.)
sed -i 's/reference: run:4/reference: run:1/' byrun.yaml
expect_exit 0 "$MLPIPE" run byrun.yaml
assert_contains "$ERR" "warning: drift against run 1"
# That copy changed: refused, with the reason.
chmod -R u+w "$(run_dir .mlpipe 1)/export/bundle"
echo " " >>"$(run_dir .mlpipe 1)/export/bundle/manifest.json"
expect_exit 2 "$MLPIPE" run byrun.yaml --force drift
assert_contains "$ERR" "was changed after that run recorded it"
sed -i 's/reference: run:1/reference: run:x/' byrun.yaml
expect_exit 2 "$MLPIPE" validate byrun.yaml
assert_contains "$ERR" "expected run:ID with a run number"

# Config errors.
sed -i 's/    on_drift: warn/    on_drift: warn\n    features: [incme]/' pipeline.yaml
expect_exit 2 "$MLPIPE" run pipeline.yaml
assert_contains "$ERR" "features: 'incme' is not an input of tiny v"
assert_contains "$ERR" "did you mean 'income'"
sed -i '/    features: \[incme\]/d; /    register: tiny/d; /    promote: champion/d' pipeline.yaml
expect_exit 2 "$MLPIPE" validate pipeline.yaml
assert_contains "$ERR" "which model's training data is the reference?"
sed -i 's/    psi: 0.2/    psi: -1\n    reference: tiny/' pipeline.yaml
expect_exit 2 "$MLPIPE" validate pipeline.yaml
assert_contains "$ERR" "psi must be 0 or more"
echo ok
