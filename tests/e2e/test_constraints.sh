# Named constraints: monotone: {debt: increasing, income: decreasing} and interactions by column
# name become XGBoost's positional constraints after the transforms; the trained model's score
# never falls as debt rises (checked on a grid of debt values for every row); mistakes name the key.
source "$(dirname "$0")/lib.sh"
sed -i '/op: ratio/d' pipeline.yaml   # dti would be a second, unconstrained way for debt to act
sed -i "s/    params: {max_depth: \"\${params.depth}\", eta: 0.3}/    monotone: {debt: increasing, income: decreasing}\n    interactions: [[debt, income], [age, region]]\n    params: {max_depth: 4, eta: 0.3}/" pipeline.yaml
sed -i 's/rounds: 40, depth: 3/rounds: 60, depth: 4/' pipeline.yaml
expect_exit 0 "$MLPIPE" validate pipeline.yaml
expect_exit 0 "$MLPIPE" run pipeline.yaml
db=.mlpipe/store.db
# The positional form is recorded: features in order income, debt, age, region=... (one-hot last).
mono=$(sql :memory: "SELECT json_extract(readfile('out/bundle/manifest.json'), '\$.model_summary.monotone_constraints')")
inter=$(sql :memory: "SELECT json_extract(readfile('out/bundle/manifest.json'), '\$.model_summary.interaction_constraints')")
feats=$(sql :memory: "SELECT group_concat(value, ' ') FROM json_each(json_extract(readfile('out/bundle/manifest.json'), '\$.features'))")
assert_eq "$feats" "income debt age region=east region=west, coast region=south region=north" "features"
assert_eq "$mono" "(-1,1,0,0,0,0,0)" "monotone_constraints"
assert_eq "$inter" "[[0,1],[2,3,4,5,6]]" "interaction_constraints"
# Every row scored at 12 debt values, smallest first: the score never falls.
sqlite3 -batch :memory: >grid.csv <<'SQL'
.mode csv
.import loans.csv loans
.headers on
WITH RECURSIVE d(v) AS (SELECT 0 UNION ALL SELECT v + 1500 FROM d WHERE v < 16500)
SELECT loan_id, region, income, d.v AS debt, age, opened, defaulted FROM loans, d ORDER BY CAST(loan_id AS INTEGER), d.v;
SQL
expect_exit 0 "$MLPIPE" predict out/bundle grid.csv -o grid_scores.csv
awk -F, 'NR > 1 { id = $1; if (id == last && $2 < prev - 1e-12) { print "loan " id ": " prev " then " $2; bad = 1 }; last = id; prev = $2 }
         END { exit bad }' grid_scores.csv || fail "the score fell as debt rose"
# ... and it does move (the constraint is not a flat model).
moved=$(awk -F, 'NR > 1 { if ($1 == last && $2 > prev) n++; last = $1; prev = $2 } END { print n + 0 }' grid_scores.csv)
[ "$moved" -gt 100 ] || fail "debt barely moves the score ($moved steps up)"

# Mistakes: a typo (did you mean), a one-hot column, a bad direction, both forms at once.
cp pipeline.yaml good.yaml
sed 's/monotone: {debt: increasing/monotone: {dbet: increasing/' good.yaml >typo.yaml
expect_exit 2 "$MLPIPE" validate typo.yaml
assert_contains "$ERR" "no column 'dbet' in the data this step gets (did you mean 'debt'?)"
sed 's/monotone: {debt: increasing/monotone: {region: increasing/' good.yaml >onehot.yaml
expect_exit 2 "$MLPIPE" validate onehot.yaml
assert_contains "$ERR" "'region' is one-hot encoded; a monotone constraint needs one numeric feature"
sed 's/monotone: {debt: increasing/monotone: {debt: up/' good.yaml >dir.yaml
expect_exit 2 "$MLPIPE" validate dir.yaml
assert_contains "$ERR" "monotone direction must be increasing or decreasing, got string 'up'"
sed 's/params: {max_depth: 4, eta: 0.3}/params: {max_depth: 4, monotone_constraints: "(1,0)"}/' good.yaml >both.yaml
expect_exit 2 "$MLPIPE" validate both.yaml
assert_contains "$ERR" "give monotone constraints once"
sed 's/\[age, region\]/[age, regoin]/' good.yaml >inter.yaml
expect_exit 2 "$MLPIPE" validate inter.yaml
assert_contains "$ERR" "no column 'regoin' in the data this step gets (did you mean 'region'?)"
echo ok
