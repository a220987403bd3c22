# One store owns every run, cache entry and model: a new store, a deleted database or a second
# store in the same folder never gives a run without records, a false "NOT reproduced", or an
# overwritten model; paths do not depend on the shell's folder; $MLPIPE_STORE is honoured by
# every command; gc keeps what is referenced; a store of the layout before stores is upgraded.
source "$(dirname "$0")/lib.sh"
sed -i 's|    dir: out/bundle|    dir: out/bundle\n    register: tiny\n    promote: champion|' pipeline.yaml
records() {  # records STORE RUN: metric, input and artifact rows of a run
  echo "$(sql $1/store.db "SELECT count(*) FROM metrics WHERE run_id = $2")/$(sql $1/store.db "SELECT count(*) FROM inputs WHERE run_id = $2")/$(sql $1/store.db "SELECT count(*) FROM artifacts WHERE run_id = $2")"
}
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
full=$(records .mlpipe 1)
[ "${full%%/*}" -gt 50 ] || fail "run 1 has too few metric rows: $full"

# A reused run has the same records as the run that computed its steps; it reproduces.
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
assert_eq "$(sql .mlpipe/store.db "SELECT group_concat(DISTINCT status) FROM steps WHERE run_id = 2")" reused "run 2 reused"
assert_eq "$(records .mlpipe 2)" "$full" "a reused run's records"
expect_exit 0 "$MLPIPE" reproduce 2
assert_contains "$OUT" "verdict: reproduced bit-identically"

# A new store beside the old one: nothing is reused from the other store's files.
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store second --set steps.export.dir=out/second
assert_eq "$(sql second/store.db "SELECT group_concat(DISTINCT status) FROM steps WHERE run_id = 1")" ok "new store runs every step"
assert_eq "$(records second 1)" "$full" "the new store's run records"
# It registers its own v1: the first store's champion keeps its bytes and still scores.
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv -o first.csv
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv --store second -o second.csv
cmp first.csv second.csv || fail "the same model scores differently in the two stores"
assert_eq "$(sql .mlpipe/store.db "SELECT count(*) FROM models")" 1 "first store's versions"

# A deleted database: the objects left behind are never reused without records.
rm .mlpipe/store.db
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
assert_eq "$(sql .mlpipe/store.db "SELECT group_concat(DISTINCT status) FROM steps WHERE run_id = 1")" ok "runs again after rm store.db"
assert_eq "$(records .mlpipe 1)" "$full" "records after rm store.db"
expect_exit 0 "$MLPIPE" reproduce 1
assert_contains "$OUT" "verdict: reproduced bit-identically"

# Paths recorded relative to the store: the README's cd workflow finds every run's files.
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set params.depth=2
mkdir elsewhere && cd elsewhere
expect_exit 0 "$MLPIPE" report 1 3 --store ../.mlpipe -o both.html
if grep -q "is gone" both.html; then fail "report lost a run's predictions"; fi
cd "$WORK"
assert_eq "$(sql .mlpipe/store.db "SELECT count(*) FROM artifacts WHERE path LIKE '/%' AND path NOT LIKE '$WORK/out/%'")" 0 "store paths relative"
run_uid=$(sql .mlpipe/store.db "SELECT run_uid FROM runs WHERE run_id = 3")
[[ $run_uid =~ ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] || fail "run uid '$run_uid' is not a UUIDv7"
[ -d ".mlpipe/runs/$run_uid/train" ] || fail "run files are not under runs/<uid>/"
# Commands take the global id (or a unique prefix of it) as well as the number.
expect_exit 0 "$MLPIPE" runs show "${run_uid:0:13}" --json
assert_contains "$OUT" "\"run_uid\": \"$run_uid\""
expect_exit 0 "$MLPIPE" runs show 3
assert_contains "$OUT" "  id         $run_uid"
# A run's recorded files are objects too (the same bytes under both names, read-only).
model=$(sql .mlpipe/store.db "SELECT path || '|' || content_hash FROM artifacts WHERE run_id = 3 AND step = 'train'")
h=${model#*|}
[ ".mlpipe/${model%|*}" -ef ".mlpipe/objects/${h:0:2}/${h:2}" ] || fail "the run's model is not its object"

# $MLPIPE_STORE is honoured by run and by readers; the retired $MLPIPE_DB is refused.
MLPIPE_STORE=$WORK/envstore expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set steps.export.dir=out/env
[ -f envstore/store.db ] || fail "run ignored MLPIPE_STORE"
MLPIPE_STORE=$WORK/envstore expect_exit 0 "$MLPIPE" runs list
assert_eq "$(grep -c tiny-loans "$OUT")" 1 "one run in the env store"
MLPIPE_DB=.mlpipe/runs.db expect_exit 2 "$MLPIPE" run pipeline.yaml -q
assert_contains "$ERR" "MLPIPE_DB (.mlpipe/runs.db) is no longer read"
expect_exit 2 "$MLPIPE" resume 1 --store nowhere
assert_contains "$ERR" "no mlpipe store here"
expect_exit 2 "$MLPIPE" reproduce 1 --store nowhere
[ ! -e nowhere ] || fail "resume or reproduce created a store where they looked"

# gc: a dry run removes nothing; gc keeps every object a registered version or a kept cache
# entry names; the champion still scores; the kept entries are still reused.
for d in 3 4; do expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set params.depth=$d; done
before=$(find .mlpipe/objects -type f | wc -l)
expect_exit 0 "$MLPIPE" gc --dry-run --keep 1 --min-age 0
assert_contains "$OUT" "would delete"
assert_eq "$(find .mlpipe/objects -type f | wc -l)" "$before" "a dry run deleted objects"
expect_exit 0 "$MLPIPE" gc --keep 1 --min-age 0 --json
[ "$(find .mlpipe/objects -type f | wc -l)" -lt "$before" ] || fail "gc deleted nothing"
missing=0
for h in $(sql .mlpipe/store.db "SELECT object FROM model_objects UNION SELECT object FROM cache_objects
                                 UNION SELECT content_hash FROM artifacts"); do
  [ -f ".mlpipe/objects/${h:0:2}/${h:2}" ] || missing=$((missing + 1))
done
assert_eq "$missing" 0 "objects still named by the store"
rm -r .mlpipe/registry
expect_exit 0 "$MLPIPE" predict tiny@champion loans.csv -o after-gc.csv
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set params.depth=4
assert_eq "$(sql .mlpipe/store.db "SELECT group_concat(DISTINCT status) FROM steps WHERE run_id = (SELECT max(run_id) FROM runs)")" reused "the newest entries survive gc"
expect_exit 0 "$MLPIPE" store info --json
assert_contains "$OUT" '"model_versions"'
echo ok
