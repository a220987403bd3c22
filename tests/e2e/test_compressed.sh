# gzip, xz and zstd sources (told by their first bytes) train the same model as the plain file;
# concatenated gzip members are one file; a large file decompresses whole; a truncated one is a
# clear error naming it; predict reads compressed files too.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store plain
gzip -k loans.csv && xz -k loans.csv && zstd -q loans.csv
for f in loans.csv.gz loans.csv.xz loans.csv.zst; do
  sed "s|source: loans.csv|source: $f|" pipeline.yaml >p.yaml
  expect_exit 0 "$MLPIPE" run p.yaml -q --store "s-$f" --set "steps.export.dir=out/$f"
  cmp "$(run_dir plain 1)/train/model.json" "$(run_dir "s-$f" 1)/train/model.json" || fail "$f trained another model"
  assert_eq "$(sql "s-$f/store.db" "SELECT bytes FROM inputs WHERE step = 'ingest'")" "$(stat -c %s "$f")" "the compressed file's size recorded"
done
expect_exit 0 "$MLPIPE" predict out/loans.csv.gz loans.csv.zst -o from-zst.csv
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o from-plain.csv
cmp from-zst.csv from-plain.csv || fail "scores from a compressed file differ"

# Two gzip members (a header file and a day of rows, joined with cat) read as one file.
head -301 loans.csv | gzip >part1.gz
tail -n +302 loans.csv | gzip >part2.gz
cat part1.gz part2.gz >joined.csv.gz
sed "s|source: loans.csv|source: joined.csv.gz|" pipeline.yaml >j.yaml
expect_exit 0 "$MLPIPE" run j.yaml -q --store joined --set steps.export.dir=out/joined
cmp "$(run_dir plain 1)/train/model.json" "$(run_dir joined 1)/train/model.json" || fail "joined members differ"

# A file much larger than the decoders' buffers.
awk 'BEGIN { srand(5); print "x,y"; for (i = 0; i < 300000; ++i) printf "%.6f,%d\n", rand(), rand() < 0.3 }' >big.csv
for tool in "gzip -k" "xz -k -T1" "zstd -q"; do $tool big.csv; done
cat >big.yaml <<'YAML'
pipeline: big
steps:
  ingest: {type: ingest, source: BIG, label: y}
YAML
for f in big.csv.gz big.csv.xz big.csv.zst; do
  sed "s|BIG|$f|" big.yaml >b.yaml
  expect_exit 0 "$MLPIPE" run b.yaml --store "b-$f"
  assert_contains "$ERR" "300000 rows x 2 columns"
done

# Truncated files: a clear error, exit 1, the run recorded failed.
for f in loans.csv.gz loans.csv.xz loans.csv.zst; do
  head -c 3000 "$f" >"cut-$f"
  sed "s|source: loans.csv|source: cut-$f|" pipeline.yaml >c.yaml
  expect_exit 1 "$MLPIPE" run c.yaml -q --store "c-$f"
  assert_contains "$ERR" "cut-$f: bad"
  assert_contains "$ERR" "the file is damaged or truncated"
done
echo ok
