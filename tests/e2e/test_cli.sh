# Every command answers --help; --version names the libraries; usage errors exit 2.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$MLPIPE" --help
for cmd in run validate graph runs query predict steps trainers "runs list" "runs show"; do
  expect_exit 0 "$MLPIPE" $cmd --help
  assert_contains "$OUT" "Usage:"
done
# Shell completion from the command tree: subcommands and options complete.
expect_exit 0 "$MLPIPE" completion bash
complete_words() { bash -c 'eval "$(cat "$1")"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mlpipe; echo "${COMPREPLY[*]}"' _ "$OUT" "$@"; }
assert_eq "$(complete_words mlpipe runs li)" list "runs li<TAB>"
assert_eq "$(complete_words mlpipe run p.yaml --js)" --json "run --js<TAB>"
assert_eq "$(complete_words mlpipe runs list --so)" --sort "runs list --so<TAB>"
expect_exit 0 "$MLPIPE" completion zsh
assert_contains "$OUT" "bashcompinit"
# Every command's help ends with an example.
for cmd in run validate graph query predict steps trainers metrics resume reproduce report gc "runs list" "runs show" \
           "runs diff" "runs compare" "runs tag" "runs note" "runs delete" "runs archive" "models list" "models show" \
           "models promote" "store info" completion; do
  expect_exit 0 "$MLPIPE" $cmd --help
  grep -q "^Example" "$OUT" || fail "mlpipe $cmd --help has no example"
done
expect_exit 0 "$MLPIPE" --version
assert_contains "$OUT" "mlpipe 0."
assert_contains "$OUT" "xgboost 1."
assert_contains "$OUT" "sqlite 3."
expect_exit 2 "$MLPIPE" frobnicate
expect_exit 2 "$MLPIPE" run
expect_exit 2 "$MLPIPE"
expect_exit 0 "$MLPIPE" validate pipeline.yaml
assert_contains "$OUT" "ok: pipeline 'tiny-loans', 6 steps: ingest -> split -> features -> train -> evaluate -> export"
expect_exit 0 "$MLPIPE" validate pipeline.yaml --json --set params.depth=5
assert_contains "$OUT" '"max_depth": 5'
expect_exit 0 "$MLPIPE" graph pipeline.yaml --format dot
assert_contains "$OUT" '"train" -> "evaluate";'
expect_exit 0 "$MLPIPE" steps
assert_contains "$OUT" "ingest: read a CSV/TSV file"
expect_exit 0 "$MLPIPE" trainers
assert_contains "$OUT" "xgboost (1."


# The annotated reference in configs/ is valid and runs.
expect_exit 0 "$MLPIPE" run "$REPO/configs/reference.yaml" --store "$WORK/ref" --set "steps.export.dir=$WORK/ref-bundle"
[ -f "$WORK/ref-bundle/manifest.json" ] || fail "reference pipeline did not export"
expect_exit 0 "$MLPIPE" validate "$REPO/configs/reference-sequence.yaml"  # run by test_sequence_trainer
# An unknown command gets a suggestion; a misspelt parameter is refused with one (it would be
# recorded as an override that changed nothing); spaces around --set's = are the shell's;
# run --json answers on stdout for a bad config too.
expect_exit 2 "$MLPIPE" rnu pipeline.yaml
assert_contains "$ERR" "mlpipe: error: unknown command 'rnu' (did you mean 'run'?)"
expect_exit 2 "$MLPIPE" runs lst
assert_contains "$ERR" "mlpipe: error: unknown command 'runs lst' (did you mean 'list'?)"
expect_exit 2 "$MLPIPE" run pipeline.yaml --jsno
assert_contains "$ERR" "mlpipe: error: unknown option '--jsno' for 'mlpipe run' (did you mean '--json'?)"
expect_exit 2 "$MLPIPE" runs list --store .mlpipe --sortt auc
assert_contains "$ERR" "unknown option '--sortt' for 'mlpipe runs list' (did you mean '--sort'?)"
# A command of subcommands, given none, or given a subcommand's option first: which to name.
expect_exit 2 "$MLPIPE" runs
assert_contains "$ERR" "mlpipe: error: 'mlpipe runs' needs a subcommand: diff, compare, list,"
expect_exit 2 "$MLPIPE" runs --store .mlpipe
assert_contains "$ERR" "'mlpipe runs' needs a subcommand before --store, e.g. 'mlpipe runs list --store ...'"
expect_exit 2 "$MLPIPE" models --store .mlpipe
assert_contains "$ERR" "e.g. 'mlpipe models list --store ...'; it takes: list, show, promote"
expect_exit 0 "$MLPIPE" runs --help
assert_contains "$OUT" "Subcommands:"
expect_exit 2 "$MLPIPE" run
assert_contains "$ERR" "mlpipe: error: pipeline is required"
expect_exit 2 "$MLPIPE" run pipeline.yaml --set params.deptth=2 -q
assert_contains "$ERR" "--set params.deptth=2: the pipeline has no parameter 'deptth' (did you mean 'depth'?); its params: depth, rounds"
expect_exit 2 "$MLPIPE" run pipeline.yaml --set params.deptth=2 --json
grep -q '"status": "config_error"' "$OUT" || { cat "$OUT"; fail "run --json printed no outcome for a bad config"; }
grep -q '"exit_code": 2' "$OUT" || fail "exit code in the JSON"
# Every command answers --json with the one error shape on stdout: kind, message, file, line, column.
printf 'pipeline: x\nsteps:\n  a: {type: ingset}\n' >typo.yaml
expect_exit 2 "$MLPIPE" validate typo.yaml --json
j() { sql :memory: "SELECT json_extract(readfile('$OUT'), '\$.$1')"; }
assert_eq "$(j error.kind)|$(j error.file)|$(j error.line)|$(j error.column)|$(j exit_code)" "config|typo.yaml|3|13|2" "error JSON of validate"
expect_exit 2 "$MLPIPE" runs show 99 --json --store spaced-none
assert_eq "$(j error.kind)" config "error JSON of runs show"
expect_exit 2 "$MLPIPE" runs list --jsno --json
assert_eq "$(j error.kind)" usage "error JSON of a usage mistake"
# Machine output of the commands around a run.
expect_exit 0 "$MLPIPE" graph pipeline.yaml --json
assert_eq "$(j 'steps[4].name')|$(j 'steps[4].needs[0]')" "evaluate|train" "graph --json"
expect_exit 0 "$MLPIPE" steps --json
assert_eq "$(sql :memory: "SELECT count(*) FROM json_each(readfile('$OUT')) WHERE json_extract(value, '\$.name') = 'calibrate'")" 1 "steps --json"
expect_exit 0 "$MLPIPE" trainers --json
assert_eq "$(sql :memory: "SELECT json_extract(readfile('$OUT'), '\$[0].name')")" xgboost "trainers --json"
expect_exit 0 "$MLPIPE" run pipeline.yaml --set 'params.depth = 2' -q --store spaced
assert_eq "$(sql spaced/store.db "SELECT value FROM params WHERE step = '' AND key = 'params.depth'")" 2 "spaced --set"
expect_exit 0 "$MLPIPE" report 1 --store spaced -o r.html --json
assert_eq "$(j output)|$(j 'runs[0]')" "r.html|1" "report --json"
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o p.csv --json
assert_eq "$(j rows)|$(j unseen_categories)" "600|0" "predict --json"
expect_exit 2 "$MLPIPE" predict out/bundle loans.csv --json
assert_eq "$(j error.kind)" config "predict --json without -o"
echo ok
