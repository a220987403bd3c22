# The step cache: a no-op rerun reuses everything; each classic cache miss reruns exactly what
# it must, and says why; --force/--from/--only; deleted or corrupted cached outputs are recomputed.
source "$(dirname "$0")/lib.sh"
DB=.mlpipe/store.db
plan() { expect_exit 0 "$MLPIPE" run pipeline.yaml --dry-run "$@"; }
# plan_line STEP: the dry-run line of one step, spaces squeezed: "train run rounds changed 40 -> 30"
plan_line() { grep -E "^  $1 " "$OUT" | tr -s ' ' | sed 's/^ //'; }

expect_exit 0 "$MLPIPE" run pipeline.yaml -q
expect_exit 0 "$MLPIPE" run pipeline.yaml --json
assert_eq "$(sql $DB "SELECT group_concat(status || ':' || reused_from_run, ',') FROM (SELECT * FROM steps WHERE run_id = 2 ORDER BY rowid)")" \
  "reused:1,reused:1,reused:1,reused:1,reused:1,reused:1" "no-op rerun"
assert_eq "$(sql $DB "SELECT count(*) FROM metrics WHERE run_id = 2")" "$(sql $DB "SELECT count(*) FROM metrics WHERE run_id = 1")" "metrics carried over"
assert_contains "$OUT" '"reused_from_run": 1'
assert_contains "$OUT" '"auc":'

# 1. A parameter changed.
plan --set params.rounds=30
assert_eq "$(plan_line split)" "split reuse up to date (outputs of run 1)" "split"
assert_eq "$(plan_line train)" "train run rounds changed 40 -> 30" "changed param"
assert_eq "$(plan_line evaluate)" "evaluate run upstream 'train' changed" "downstream"

# 2. A parameter removed.
sed 's/, eta: 0.3}/}/' pipeline.yaml > removed.yaml
expect_exit 0 "$MLPIPE" run removed.yaml --dry-run
assert_eq "$(plan_line train)" "train run params.eta removed (was 0.3)" "removed param"

# 3. An upstream step changed.
plan --set 'steps.features.transforms=[{op: standardize, columns: [age]}]'
assert_eq "$(plan_line features | cut -c1-35)" "features run transforms changed [{\"" "features"
assert_eq "$(plan_line train)" "train run upstream 'features' changed" "upstream"

# 4. The trainer's runtime changed (threads), and the trainer key itself.
plan --set steps.train.nthread=1
assert_eq "$(plan_line train)" "train run nthread changed 2 -> 1" "trainer runtime"

# 5. The input edited with the same size and the same mtime (a stat-only cache would miss it).
cp -p loans.csv original.csv
sed -i '2s/,0\r$/,1\r/' loans.csv
touch -r original.csv loans.csv
[ "$(stat -c '%s %Y' loans.csv)" = "$(stat -c '%s %Y' original.csv)" ] || fail "edit changed size or mtime"
plan
assert_eq "$(plan_line ingest)" "ingest run input loans.csv changed" "edited input"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
assert_eq "$(sql $DB "SELECT status FROM steps WHERE run_id = 3 AND step = 'ingest'")" "ok" "ingest reran"
[ "$(sql $DB "SELECT count(DISTINCT content_hash) FROM inputs")" = 2 ] || fail "new input hash not recorded"
cp -p original.csv loans.csv   # back to the first content: the first run's outputs apply again
plan
assert_eq "$(plan_line ingest)" "ingest reuse up to date (outputs of run 1)" "restored input"

# 6. A cached output deleted, then one corrupted: detected by hash, recomputed, not trusted.
fp=$(sql $DB "SELECT fingerprint FROM steps WHERE run_id = 1 AND step = 'train'")
rm "$(object_of .mlpipe $fp model/model.json)"
expect_exit 0 "$MLPIPE" run pipeline.yaml --explain
assert_contains "$ERR" "train: cached outputs unusable: cached output model/model.json is missing (object "
assert_eq "$(sql $DB "SELECT status FROM steps WHERE run_id = 4 AND step = 'train'")" "ok" "train recomputed"
ffp=$(sql $DB "SELECT fingerprint FROM steps WHERE run_id = 1 AND step = 'features'")
# A column only the features step has (the columns it passes on unchanged are shared objects).
col=$(sql $DB "SELECT name FROM cache_objects c WHERE fingerprint = '$ffp' AND name LIKE 'frame/col_%' AND NOT EXISTS
               (SELECT 1 FROM cache_objects o WHERE o.object = c.object AND o.fingerprint != c.fingerprint) ORDER BY name LIMIT 1")
obj=$(object_of .mlpipe $ffp $col)
chmod u+w "$obj"
printf 'x' >> "$obj"
expect_exit 0 "$MLPIPE" run pipeline.yaml --explain
assert_contains "$ERR" "features: cached outputs unusable: cached output $col is corrupted (its hash changed); running it"
assert_eq "$(sql $DB "SELECT status FROM steps WHERE run_id = 5 AND step = 'features'")" "ok" "features recomputed"
cmp $(run_dir .mlpipe 1)/train/model.json $(run_dir .mlpipe 4)/train/model.json || fail "recomputed model differs"

# 7. A changed export bundle is not trusted either.
echo >> out/bundle/preprocess.json
plan
plan_line export | grep -q "^export reuse up to date" || fail "plan trusts the fingerprint"
expect_exit 0 "$MLPIPE" run pipeline.yaml --explain
assert_contains "$ERR" "export: cached outputs unusable: output $WORK/out/bundle/preprocess.json was changed or removed; running it"
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o /dev/null

# --force, --force STEP, --from STEP, --only STEP.
plan --force
assert_eq "$(grep -c ' run    forced (--force)' "$OUT")" "6" "--force"
plan --force split
assert_eq "$(plan_line split)" "split run forced (--force split)" "--force split"
plan_line features | grep -q "^features reuse up to date" || fail "--force split leaves others"
plan --from train
assert_eq "$(grep -c ' run    --from train' "$OUT")" "3" "--from"
expect_exit 0 "$MLPIPE" run pipeline.yaml --only evaluate -q --set steps.evaluate.threshold=0.4
last=$(sql $DB "SELECT max(run_id) FROM runs")
assert_eq "$(sql $DB "SELECT group_concat(step || '=' || status, ',') FROM (SELECT * FROM steps WHERE run_id = $last ORDER BY rowid)")" \
  "ingest=reused,split=reused,features=reused,train=reused,evaluate=ok,export=skipped" "--only"
expect_exit 2 "$MLPIPE" run pipeline.yaml --only evaluate --set params.rounds=7
assert_contains "$ERR" "--only evaluate: upstream step 'train' has no up-to-date cached result (rounds changed 40 -> 7); run the pipeline without --only first"
expect_exit 2 "$MLPIPE" run pipeline.yaml --from trian
assert_contains "$ERR" "--from trian: no step named 'trian' (did you mean 'train'?)"
# Without `dir:` the bundle folder is named after the pipeline: a renamed pipeline exports
# again under its new name (the cached export was reused, and no bundle appeared there).
mkdir renamed && sed '/dir: out\/bundle/d' pipeline.yaml >renamed/pipeline.yaml && cp loans.csv renamed/
expect_exit 0 "$MLPIPE" run renamed/pipeline.yaml -q --store rs
sed -i 's/^pipeline: tiny-loans/pipeline: tiny-renamed/' renamed/pipeline.yaml
expect_exit 0 "$MLPIPE" run renamed/pipeline.yaml -q --store rs
[ -f rs/models/tiny-renamed/manifest.json ] || fail "no bundle under the new pipeline name"
echo ok
