# Eight `mlpipe run` processes at once on one new database and one workdir: all finish, every
# run, step and metric row is there, the schema was migrated once, nothing reports a lock.
source "$(dirname "$0")/lib.sh"
db=.mlpipe/store.db
launch() {  # launch TAG ARGS...: 8 runs at once, waits for all
  local tag=$1; shift
  for i in $(seq 8); do
    ("$MLPIPE" run pipeline.yaml -q --threads 1 "$@" --set "steps.export.dir=out/$tag$i" $(eval echo "\${EXTRA_$i:-}") \
       >"$tag$i.log" 2>&1; echo "exit=$?" >>"$tag$i.log") &
  done
  wait
}
# Different configs (three depths), a database that does not exist yet.
for i in $(seq 8); do eval "EXTRA_$i='--set params.depth=$(( i % 3 + 2 ))'"; done
launch mixed
for i in $(seq 8); do
  grep -q "exit=0" mixed$i.log || { cat mixed$i.log; fail "run $i failed"; }
done
cat mixed*.log | grep -qi "locked" && fail "a database lock error"
assert_eq "$(sql $db "SELECT count(*) FROM schema_migrations")" "$(sql $db "SELECT max(version) FROM schema_migrations")" "one migration each"
assert_eq "$(sql $db "SELECT count(*), sum(status = 'ok') FROM runs")" "8|8" "runs"
assert_eq "$(sql $db "SELECT count(*) FROM steps WHERE status IN ('ok', 'reused')")" 48 "steps"
# Every run holds the full set of metric rows its config produces (the same for the same depth).
assert_eq "$(sql $db "SELECT count(DISTINCT n) FROM (SELECT json_extract(r.config_json, '$.steps.train.params.max_depth') AS depth,
                                                        count(m.run_id) AS n FROM runs r JOIN metrics m USING (run_id) GROUP BY r.run_id)
                                                  GROUP BY depth" | sort -u)" 1 "metric rows per run"
assert_eq "$(sql $db "SELECT count(*) FROM runs r WHERE NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.run_id AND m.step = 'evaluate' AND m.key = 'auc')")" 0 "every run evaluated"
assert_eq "$(sql $db "PRAGMA integrity_check")" ok "integrity"

# The same config eight times at once: they race for the same cache entries.
for i in $(seq 8); do eval "EXTRA_$i=''"; done
sql $db "DELETE FROM cache_objects; DELETE FROM cache_entries"
launch same
for i in $(seq 8); do grep -q "exit=0" same$i.log || { cat same$i.log; fail "same-config run $i failed"; }; done
assert_eq "$(sql $db "SELECT count(*), sum(status = 'ok') FROM runs")" "16|16" "runs after the second wave"
# All eight produced the same model.
assert_eq "$(for i in $(seq 8); do sha256sum <out/same$i/model.json; done | sort -u | wc -l)" 1 "one model"
assert_eq "$(sql $db "PRAGMA integrity_check")" ok "integrity after the second wave"
echo ok
