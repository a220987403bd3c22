# runs list as a table of runs: params and final metrics as columns, --filter (and/or), --sort,
# --columns (globs), --only-changed, --status/--since/--tag, csv/json/markdown; run names, tags
# (an event log) and notes; mistakes name the column with a suggestion.
source "$(dirname "$0")/lib.sh"
export MLPIPE_STORE=.mlpipe
db=.mlpipe/store.db
for d in 2 3 4; do
  expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set params.depth=$d --name depth-$d --tag sweep=depth --tag owner=ci
done
expect_exit 3 "$MLPIPE" run pipeline.yaml -q --set params.depth=5 --set 'steps.evaluate.gate.auc=>= 0.999'

expect_exit 0 "$MLPIPE" runs list --format csv
head -1 "$OUT" | grep -q '^run_id,name,pipeline,status,started_at,duration_s,git,tags,params.depth,params.rounds,evaluate.auc,evaluate.brier,evaluate.f1,evaluate.ks,evaluate.logloss$' \
  || fail "default columns: $(head -1 "$OUT")"
assert_eq "$(sed -n 2p "$OUT" | cut -d, -f1,4)" "4,gate_failed" "newest first"
# Filter with and/or; sort by a metric; names in the table.
best=$(sql $db "SELECT run_id FROM metrics WHERE step = 'evaluate' AND key = 'auc' AND run_id <= 3 ORDER BY value DESC, run_id DESC LIMIT 1")
expect_exit 0 "$MLPIPE" runs list --filter "status = ok and params.depth <= 4" --sort evaluate.auc:desc --columns run_id,name,depth,evaluate.auc --format csv
assert_eq "$(sed -n 1p "$OUT")" "run_id,name,params.depth,evaluate.auc" "chosen columns (depth: the shortest column ending so)"
assert_eq "$(sed -n 2p "$OUT" | cut -d, -f1)" "$best" "best auc first"
assert_eq "$(($(wc -l <"$OUT") - 1))" 3 "three ok runs"
expect_exit 0 "$MLPIPE" runs list --filter "name = depth-2 or status = gate_failed" --columns run_id --format csv
assert_eq "$(tail -n +2 "$OUT" | tr '\n' ' ')" "4 1 " "or"
expect_exit 0 "$MLPIPE" runs list --filter "evaluate.auc > 2" --format csv
assert_eq "$(wc -l <"$OUT")" 1 "nothing above 2 (header only)"
# Only the columns that differ; markdown; JSON keeps real numbers.
expect_exit 0 "$MLPIPE" runs list --status ok --only-changed --columns 'run_id,params.*,evaluate.*' --format csv
head -1 "$OUT" | grep -q '^run_id,params.depth,evaluate' || fail "only-changed: $(head -1 "$OUT")"
head -1 "$OUT" | grep -q 'params.rounds' && fail "an unchanged column is shown"
expect_exit 0 "$MLPIPE" runs list --columns run_id,name,evaluate.auc --format markdown -n 2
assert_eq "$(sed -n 1p "$OUT")" "| run_id | name | evaluate.auc |" "markdown header"
expect_exit 0 "$MLPIPE" runs list --json --columns run_id,params.depth,evaluate.auc -n 1
[ "$(sql :memory: "SELECT json_type(json_extract(readfile('$OUT'), '\$[0].\"evaluate.auc\"'))")" = real ] || fail "auc is not a JSON number"
[ "$(sql :memory: "SELECT json_type(json_extract(readfile('$OUT'), '\$[0].run_id'))")" = integer ] || fail "run id is not a JSON number"
# --since and --status.
expect_exit 0 "$MLPIPE" runs list --since 1h --status gate_failed --columns run_id --format csv
assert_eq "$(tail -n +2 "$OUT")" 4 "since 1h, gate_failed"
expect_exit 0 "$MLPIPE" runs list --since 2099-01-01 --format csv
assert_eq "$(wc -l <"$OUT")" 1 "none since 2099"

# Names stand for runs; tags and notes are recorded with who and when, never replaced.
expect_exit 0 "$MLPIPE" runs show depth-3
assert_contains "$OUT" "name       depth-3"
assert_contains "$OUT" "tags       owner=ci  sweep=depth"
expect_exit 0 "$MLPIPE" runs tag depth-3 reviewed=yes ticket=RISK-42
expect_exit 0 "$MLPIPE" runs tag depth-3 --remove owner
expect_exit 0 "$MLPIPE" runs note depth-3 "chosen for the review"
expect_exit 0 "$MLPIPE" runs list --tag reviewed=yes --columns run_id,tags --format csv
assert_eq "$(tail -n +2 "$OUT")" "2,reviewed=yes sweep=depth ticket=RISK-42" "tag filter and the current tags"
assert_eq "$(sql $db "SELECT count(*) FROM run_tag_events WHERE run_id = 2")" 5 "every tag change is an event"
expect_exit 0 "$MLPIPE" runs show 2 --json
[ "$(sql :memory: "SELECT json_extract(readfile('$OUT'), '\$.notes[0].note')")" = "chosen for the review" ] || fail "note in runs show --json"
expect_exit 0 "$MLPIPE" metrics depth-4 --key auc --final
sqlite3 $db "UPDATE run_notes SET note = 'x'" 2>/dev/null && fail "a note was edited"

# runs diff --exit-code: 0 for the same config and data, 1 when the model changed; --rev picks
# the latest run made at a git revision; JSON values are real types.
git init -q . && git add pipeline.yaml loans.csv && git -c user.email=t@e -c user.name=t commit -qm one
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --name at-one
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --name at-one-again
expect_exit 0 "$MLPIPE" runs diff at-one at-one-again --exit-code
sed -i 's/rounds: 40, depth: 3/rounds: 40, depth: 2/' pipeline.yaml
git -c user.email=t@e -c user.name=t commit -qam two
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --name at-two
expect_exit 1 "$MLPIPE" runs diff --rev HEAD~1 at-two --exit-code
assert_contains "$OUT" "params.depth"
expect_exit 0 "$MLPIPE" runs diff --rev HEAD~1 at-two --json
[ "$(sql :memory: "SELECT json_extract(readfile('$OUT'), '\$.a')")" = "$(sql $db "SELECT run_id FROM runs WHERE name = 'at-one-again'")" ] || fail "--rev HEAD~1 is not the latest run at that commit"
[ "$(sql :memory: "SELECT json_type(json_extract(readfile('$OUT'), '\$.config[0].a'))")" = integer ] || fail "config values as text in runs diff --json"
expect_exit 2 "$MLPIPE" runs diff --rev no-such-branch at-two
assert_contains "$ERR" "git does not know this revision"

# runs delete: refused while others depend on a run; a run nobody depends on goes (records,
# folder, cache entries), a tombstone stays, gc frees its objects; runs archive hides a run.
expect_exit 2 "$MLPIPE" runs delete 1 --yes
assert_contains "$ERR" "reused its steps"
gated=$(sql $db "SELECT run_id FROM runs WHERE status = 'gate_failed'")
uid=$(sql $db "SELECT run_uid FROM runs WHERE run_id = $gated")
expect_exit 0 "$MLPIPE" runs delete $gated
assert_contains "$OUT" "would delete run $gated"
[ -d .mlpipe/runs/$uid ] || fail "a delete without --yes deleted"
expect_exit 0 "$MLPIPE" runs delete $gated --yes
assert_eq "$(sql $db "SELECT count(*) FROM runs WHERE run_id = $gated")" 0 "run deleted"
assert_eq "$(sql $db "SELECT count(*) FROM metrics WHERE run_id = $gated")" 0 "its metrics deleted"
assert_eq "$(sql $db "SELECT status || ' ' || by FROM run_deletions WHERE run_id = $gated")" "gate_failed $(id -un)" "tombstone"
[ ! -e .mlpipe/runs/$uid ] || fail "its folder is still there"
assert_eq "$(sql $db "PRAGMA foreign_key_check")" "" "foreign keys"
expect_exit 0 "$MLPIPE" gc
expect_exit 0 "$MLPIPE" runs archive depth-2
expect_exit 0 "$MLPIPE" runs list --columns run_id --format csv
grep -qx "$(sql $db "SELECT run_id FROM runs WHERE name = 'depth-2'")" "$OUT" && fail "an archived run is listed"
expect_exit 0 "$MLPIPE" runs list --archived only --columns name --format csv
assert_eq "$(tail -n +2 "$OUT")" depth-2 "archived only"
expect_exit 0 "$MLPIPE" runs archive depth-2 --undo

# metrics diff: final metrics side by side; --exit-code beyond the tolerance.
expect_exit 0 "$MLPIPE" metrics diff at-one at-one-again --exit-code
expect_exit 1 "$MLPIPE" metrics diff at-one at-two --exit-code --json
ch=$(sql :memory: "SELECT json_extract(value, '\$.change') FROM json_each(readfile('$OUT')) WHERE json_extract(value, '\$.metric') = 'evaluate.test.auc'")
want=$(sql $db "SELECT (SELECT value FROM metrics WHERE run_id = (SELECT run_id FROM runs WHERE name = 'at-two') AND step = 'evaluate' AND key = 'auc') - (SELECT value FROM metrics WHERE run_id = (SELECT run_id FROM runs WHERE name = 'at-one') AND step = 'evaluate' AND key = 'auc')")
assert_eq "$ch" "$want" "the change in auc"

# Mistakes.
expect_exit 2 "$MLPIPE" runs list --filter "evaluate.acu > 0.7"
assert_contains "$ERR" "no column 'evaluate.acu' in these runs (did you mean 'evaluate.auc'?)"
expect_exit 2 "$MLPIPE" runs list --filter "evaluate.auc >> 0.7"
assert_contains "$ERR" "--filter"
expect_exit 2 "$MLPIPE" runs list --sort auc
assert_contains "$ERR" "could be any of"
expect_exit 2 "$MLPIPE" runs list --columns 'nothing*'
assert_contains "$ERR" "no column matches 'nothing*'"
expect_exit 2 "$MLPIPE" runs list --since yesterday
assert_contains "$ERR" "--since yesterday: expected a date"
expect_exit 2 "$MLPIPE" run pipeline.yaml --name 12
assert_contains "$ERR" "a number or 'latest' already means a run"
expect_exit 2 "$MLPIPE" run pipeline.yaml --tag nokey
assert_contains "$ERR" "expected KEY=VALUE"
expect_exit 2 "$MLPIPE" runs tag 2
assert_contains "$ERR" "give KEY=VALUE to set or --remove KEY"
expect_exit 2 "$MLPIPE" runs show no-such-name
assert_contains "$ERR" "is not a run id (a number, a run's global id, a run's name, or 'latest')"
echo ok
