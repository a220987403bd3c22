# A store of the layout before stores (runs.db, cache/, runs/N/, registry/NAME/vN/, made by an
# earlier mlpipe: tests/data/legacy-store.tar.gz) is upgraded once and answers as before: the same
# runs, records and registry; the champion still scores; its old cache is never reused; gc removes it.
source "$(dirname "$0")/lib.sh"
tar xzf "$REPO/tests/data/legacy-store.tar.gz"
sed -i 's|    dir: out/bundle|    dir: out/bundle\n    register: tiny\n    promote: champion|' pipeline.yaml
[ -f .mlpipe/runs.db ] && [ ! -e .mlpipe/store.db ] || fail "fixture is not a legacy store"
rows_before=$(sql .mlpipe/runs.db "SELECT (SELECT count(*) FROM runs) || '/' || (SELECT count(*) FROM metrics) || '/' || (SELECT count(*) FROM artifacts) || '/' || (SELECT count(*) FROM models)")

# Two readers at once: one upgrades, the other waits for it; both answer.
# (the runs table has more columns now: compare the ones the old listing had)
"$MLPIPE" runs list --columns run_id,pipeline,status,started_at,duration_s --format csv >list1.txt 2>up1.txt & a=$!
"$MLPIPE" runs list --columns run_id,pipeline,status,started_at,duration_s --format csv >list2.txt 2>up2.txt & b=$!
wait $a || fail "first reader"; wait $b || fail "second reader"
assert_eq "$(cat up1.txt up2.txt | grep -c 'upgraded')" 1 "upgraded once"
grep -h upgraded up1.txt up2.txt | grep -q "2 registered version(s) copied into objects/" || { cat up1.txt up2.txt; fail "upgrade message"; }
[ -f .mlpipe/store.db ] && [ ! -e .mlpipe/runs.db ] || fail "runs.db was not renamed store.db"
awk 'NR > 2 && NF >= 5 { print $1 "," $2 "," $3 "," $4 "," $5 }' expected/list.txt >expected-list.csv
assert_eq "$(wc -l <expected-list.csv)" 3 "the three runs of the old listing"
tail -n +2 list1.txt | sed 's/\r$//' >list1-rows.csv
cmp list1-rows.csv expected-list.csv || { diff list1-rows.csv expected-list.csv; fail "runs list differs after the upgrade"; }
cmp list1.txt list2.txt || fail "second reader's runs list differs"
assert_eq "$(sql .mlpipe/store.db "SELECT (SELECT count(*) FROM runs) || '/' || (SELECT count(*) FROM metrics) || '/' || (SELECT count(*) FROM artifacts) || '/' || (SELECT count(*) FROM models)")" "$rows_before" "rows kept"

# runs show answers as before: the same text up to the artifacts, whose in-store paths are now
# relative to the store (they were relative to the shell's folder of the time).
expect_exit 0 "$MLPIPE" runs show 3
sed '/^artifacts/,$d; /^  id  /d' "$OUT" >now.txt   # the global id is new
sed '/^artifacts/,$d' expected/show3.txt >then.txt
diff then.txt now.txt || fail "runs show 3 differs after the upgrade"
assert_contains "$OUT" "evaluate  predictions.csv  3060 bytes  runs/3/evaluate/predictions.csv"
[ -f .mlpipe/runs/3/evaluate/predictions.csv ] || fail "the artifact path does not lead to its file"
expect_exit 0 "$MLPIPE" models show tiny
grep -v '^      /' "$OUT" >now.txt
grep -v '^      /' expected/models.txt >then.txt
diff then.txt now.txt || fail "models show differs after the upgrade"

# The champion (v2) scores from its objects, even with the old registry folder gone.
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv -o before.csv
rm -r .mlpipe/registry
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv -o after.csv
cmp before.csv after.csv || fail "scores changed"

# The old cache has no records: a run after the upgrade computes every step, in full.
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
assert_eq "$(sql .mlpipe/store.db "SELECT group_concat(DISTINCT status) FROM steps WHERE run_id = 4")" ok "old cache not reused"
# (The same curves, point for point; this mlpipe records some final values the old one did not.)
assert_eq "$(sql .mlpipe/store.db "SELECT count(*) FROM metrics WHERE run_id = 4 AND iteration IS NOT NULL")" \
          "$(sql .mlpipe/store.db "SELECT count(*) FROM metrics WHERE run_id = 1 AND iteration IS NOT NULL")" "records of the first run after the upgrade"
# This mlpipe keeps derived feature columns as float32 (`store: float32` in preprocess.json), so
# the bundle differs from v1's (the same config) and is registered as v3; its scores are v1's, bit
# for bit (XGBoost rounded the ratio to float32 before too).
assert_eq "$(sql .mlpipe/store.db "SELECT count(*) FROM models")" 3 "one new version, for the new preprocess.json"
expect_exit 0 "$MLPIPE" predict tiny@v1 loans.csv -o v1.csv
expect_exit 0 "$MLPIPE" predict tiny@v3 loans.csv -o v3.csv
cmp v1.csv v3.csv || fail "v3 scores differently from v1"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
assert_eq "$(sql .mlpipe/store.db "SELECT group_concat(DISTINCT status) FROM steps WHERE run_id = 5")" reused "reused after"
expect_exit 0 "$MLPIPE" store info
assert_contains "$OUT" "old cache/"
expect_exit 0 "$MLPIPE" gc
assert_contains "$OUT" "remove the cache of the layout before stores"
[ ! -e .mlpipe/cache ] || fail "gc left the old cache"
expect_exit 0 "$MLPIPE" predict tiny@v1 loans.csv -o /dev/null
echo ok
