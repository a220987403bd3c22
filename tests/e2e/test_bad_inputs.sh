# Every pipeline in tests/data/bad/ fails with its stated exit code and message; nothing
# crashes, nothing is written under a final artifact name, the run store stays intact.
source "$(dirname "$0")/lib.sh"
cp -r "$REPO/tests/data/bad" "$WORK/bad"
cd "$WORK/bad"
# Too big for git: a 2 GB line (a sparse file: no disk used) and a 64 MB line of text, one field short.
printf 'a,b,y\n' >huge_line.csv && truncate -s 2G huge_line.csv
sed 's/no_entity.csv/huge_line.csv/; s/label: fraud/label: y/; /sequences:/d' sequence_event_without_entity.yaml |
  sed '1,2c\# expect-exit: 1\n# expect-error: huge_line.csv:2: binary data (a NUL byte), expected CSV or TSV text' >huge_line.yaml
{ printf 'a,b,y\n1,'; head -c 67108864 /dev/zero | tr '\0' 'x'; printf '\n'; } >long_text.csv
sed 's/no_entity.csv/long_text.csv/; s/label: fraud/label: y/; /sequences:/d' sequence_event_without_entity.yaml |
  sed '1,2c\# expect-exit: 1\n# expect-error: long_text.csv:2: expected 3 fields (as in the header), found 2' >long_text.yaml
# 10,001 steps (over the limit), generated: 430 KB is too big for git.
{ printf '# expect-exit: 2\n# expect-error: the pipeline has 10001 steps; at most 10000\npipeline: many\nsteps:\n'
  seq 0 10000 | awk '{ printf "  s%d: {type: ingest, source: no_entity.csv}\n", $1 }'; } >too_many_steps.yaml

n=0
for yaml in *.yaml; do
  want_exit=$(sed -n 's/^# expect-exit: //p' "$yaml")
  want_msg=$(sed -n 's/^# expect-error: //p' "$yaml")
  [ -n "$want_exit" ] && [ -n "$want_msg" ] || fail "$yaml: no expect-exit/expect-error header"
  set +e
  timeout 120 "$MLPIPE" run "$yaml" -q --store "wd-$yaml" >"$OUT" 2>"$ERR"
  got=$?
  set -e
  [ "$got" = "$want_exit" ] || { cat "$ERR"; fail "$yaml: exit $got, expected $want_exit"; }
  grep -qF -- "$want_msg" "$ERR" || { cat "$ERR"; fail "$yaml: expected '$want_msg'"; }
  grep -q "internal error" "$ERR" && fail "$yaml: internal error"
  [ ! -e out/bundle ] || fail "$yaml: a bundle was written"
  if [ -f "wd-$yaml/store.db" ]; then
    assert_eq "$(sql "wd-$yaml/store.db" "PRAGMA integrity_check")" ok "$yaml: integrity"
    [ "$want_exit" = 1 ] && assert_eq "$(sql "wd-$yaml/store.db" "SELECT status FROM runs")" failed "$yaml: recorded failed"
  fi
  n=$((n + 1))
done
[ "$n" -ge 18 ] || fail "only $n cases"
# A store.db that is not a database, or a truncated one: the message names the file.
mkdir -p notdb && echo "just some text" >notdb/store.db
expect_exit 1 "$MLPIPE" runs list --store notdb
assert_contains "$ERR" "notdb/store.db is not an SQLite database"
expect_exit 0 "$MLPIPE" run ../pipeline.yaml -q --store whole
mkdir -p cut && head -c $(($(stat -c %s whole/store.db) / 2)) whole/store.db >cut/store.db
expect_exit 1 "$MLPIPE" runs list --store cut
assert_contains "$ERR" "cut/store.db is damaged"
echo "ok ($n cases)"
