# What a hostile or careless pipeline file cannot do: write outside its folder with ../, replace
# a folder that is not a model bundle, run shell commands, or write through `mlpipe query`.
source "$(dirname "$0")/lib.sh"
for d in ../escaped a/../../escaped . "./"; do
  expect_exit 2 "$MLPIPE" validate pipeline.yaml --set "steps.export.dir=$d"
  grep -Eq "leaves the pipeline's folder|is the pipeline's own folder" "$ERR" || { cat "$ERR"; fail "dir '$d' accepted"; }
done
[ ! -e ../escaped ] || fail "something was written outside"

# An existing folder that is not a bundle is never replaced (replacing deletes the old one).
mkdir -p precious && echo "keep me" >precious/notes.txt
expect_exit 2 "$MLPIPE" run pipeline.yaml --set steps.export.dir=precious
assert_contains "$ERR" "precious exists and is not an mlpipe model bundle"
assert_eq "$(cat precious/notes.txt)" "keep me" "folder untouched"
# A bundle folder is replaced (the next export of the same pipeline).
expect_exit 0 "$MLPIPE" run pipeline.yaml --set steps.export.dir=models/a
expect_exit 0 "$MLPIPE" run pipeline.yaml --set steps.export.dir=models/a --set params.depth=2
grep -q '"run_id": 3' models/a/manifest.json || fail "the bundle was not replaced"

# A symbolic link inside the folder cannot lead the export out of it (no ../ needed).
outside="$WORK.outside" && mkdir -p "$outside" && ln -s "$outside" linked
expect_exit 2 "$MLPIPE" run pipeline.yaml -q --set steps.export.dir=linked/bundle
assert_contains "$ERR" "'linked/bundle' leads out of the pipeline's folder through a symbolic link"
[ -z "$(ls -A "$outside")" ] || fail "the export wrote through the link"
rmdir "$outside"

# Step names become folder names: no separators or dots.
sed 's/^  features:/  ..\/up:/; s/needs: features/needs: ..\/up/' pipeline.yaml >evil.yaml
expect_exit 2 "$MLPIPE" validate evil.yaml
assert_contains "$ERR" "step names may use letters, digits, '_' and '-' only"

# No step type runs a shell command.
expect_exit 0 "$MLPIPE" steps
grep -Eiq '^ *(command|shell|exec|script)\b' "$OUT" && fail "a step type runs commands"
sed 's/    type: ingest/    type: shell\n    run: "touch pwned"/' pipeline.yaml >shell.yaml
expect_exit 2 "$MLPIPE" validate shell.yaml
assert_contains "$ERR" "unknown step type 'shell'"
[ ! -e pwned ] || fail "a command ran"

# The query command cannot write, attach or change settings (also in test_query_and_runs).
for stmt in "DELETE FROM runs" "ATTACH DATABASE 'x.db' AS x" "PRAGMA journal_mode=DELETE" "VACUUM INTO 'copy.db'"; do
  expect_exit 2 "$MLPIPE" query "$stmt" --store .mlpipe
done
[ ! -e x.db ] && [ ! -e copy.db ] || fail "query created a file"
assert_eq "$(sql .mlpipe/store.db "SELECT count(*) FROM runs")" 4 "runs intact (3 ok, the refused link)"
# A pipeline name names folders: nothing but letters, digits, . _ -.
sed 's/^pipeline: tiny-loans/pipeline: ..\/..\/evil/' pipeline.yaml >evil.yaml
expect_exit 2 "$MLPIPE" validate evil.yaml
assert_contains "$ERR" "a pipeline name is 1 to 100 letters, digits"
# query: no native-code functions, a deadline, a row limit.
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store qs
expect_exit 2 "$MLPIPE" query "SELECT fts3_tokenizer('simple')" --store qs
assert_contains "$ERR" "not authorized to use function: fts3_tokenizer"
expect_exit 2 "$MLPIPE" query "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c" --store qs --timeout 1
assert_contains "$ERR" "query: stopped after 1 s"
expect_exit 2 "$MLPIPE" query "SELECT * FROM metrics" --store qs --max-rows 5
assert_contains "$ERR" "query: more than 5 rows"
echo ok
