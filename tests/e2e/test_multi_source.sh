# source: a list or a glob of files read as one table: the same model as the whole file; every
# file's content hash recorded (and in the fingerprint: a new day's file re-runs ingest); a header
# that differs names the file and column; a column text in one file and numbers in another is
# text everywhere; a glob matching nothing is a config error.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store whole
mkdir days
head -1 loans.csv >header
sed -n '2,201p' loans.csv | cat header - >days/day-1.csv
sed -n '202,401p' loans.csv | cat header - | gzip >days/day-2.csv.gz
sed -n '402,$p' loans.csv | cat header - >days/day-3.csv
sed 's|source: loans.csv|source: "days/day-*"|' pipeline.yaml >glob.yaml
expect_exit 0 "$MLPIPE" validate glob.yaml
expect_exit 0 "$MLPIPE" run glob.yaml --store parts --set steps.export.dir=out/parts
assert_contains "$ERR" "600 rows x 6 columns (1 categorical) from day-1.csv and 2 more files"
cmp "$(run_dir whole 1)/train/model.json" "$(run_dir parts 1)/train/model.json" || fail "three files trained another model"
assert_eq "$(sql parts/store.db "SELECT count(*) FROM inputs WHERE run_id = 1 AND step = 'ingest'")" 3 "each file recorded"
# A list works the same; the evaluate step's champion-free scoring and predict are unaffected.
sed 's|source: loans.csv|source: [days/day-1.csv, days/day-2.csv.gz, days/day-3.csv]|' pipeline.yaml >list.yaml
expect_exit 0 "$MLPIPE" run list.yaml -q --store list --set steps.export.dir=out/list
cmp "$(run_dir whole 1)/train/model.json" "$(run_dir list 1)/train/model.json" || fail "a list trained another model"
# A new day's file changes the fingerprint: ingest runs again.
sed -n '2,11p' loans.csv | sed 's/^\([0-9]*\),/9\1,/' | cat header - >days/day-4.csv
expect_exit 0 "$MLPIPE" run glob.yaml --store parts --set steps.export.dir=out/parts --explain -q
assert_eq "$(sql parts/store.db "SELECT status FROM steps WHERE run_id = 2 AND step = 'ingest'")" ok "ingest re-ran for a new file"
assert_eq "$(sql parts/store.db "SELECT value FROM metrics WHERE run_id = 2 AND step = 'ingest' AND key = 'rows'")" 610.0 "rows with the new day"
rm days/day-4.csv

# A header that differs: the file and the column are named; validate reads every plain file's
# first line (a config error before anything runs), a compressed one is checked when read.
cp days/day-3.csv day-3.keep
sed '1s/income/incom/' days/day-3.csv >days/day-3b.csv && mv days/day-3b.csv days/day-3.csv
expect_exit 2 "$MLPIPE" run glob.yaml -q --store bad --set steps.export.dir=out/bad
assert_contains "$ERR" "days/day-3.csv: column 3 is 'incom', but in day-1.csv (the first source file) it is 'income'; every source file needs the same header"
mv day-3.keep days/day-3.csv
gunzip -c days/day-2.csv.gz | sed '1s/income/incom/' | gzip >days/day-2b.csv.gz && mv days/day-2b.csv.gz days/day-2.csv.gz
expect_exit 1 "$MLPIPE" run glob.yaml -q --store bad2 --set steps.export.dir=out/bad
assert_contains "$ERR" "days/day-2.csv.gz: column 3 is 'incom', but in day-1.csv (the first source file) it is 'income'; every source file needs the same header"
# Nothing matches: a config error at its YAML position, before anything runs.
sed 's|source: loans.csv|source: "nights/*.csv"|' pipeline.yaml >none.yaml
expect_exit 2 "$MLPIPE" validate none.yaml
assert_contains "$ERR" "source: no file matches 'nights/*.csv'"

# Codes that look like numbers in one file and are text in another stay text, as written.
printf 'code,y\n7,1\n12,0\n' >a.csv
printf 'code,y\nA1,1\n007,0\n' >b.csv
cat >codes.yaml <<'YAML'
pipeline: codes
steps:
  ingest: {type: ingest, source: [a.csv, b.csv], label: y}
YAML
expect_exit 0 "$MLPIPE" run codes.yaml --store codes
assert_contains "$ERR" "4 rows x 2 columns (1 categorical)"
obj=$(sql codes/store.db "SELECT object FROM cache_objects WHERE name = 'frame/col_0.categories'")
# The cached dictionary: a header line, the count, then each text's length and bytes.
printf 'mlpipe-dictionary 1\n\004\0017\00212\002A1\003007' >want.dict
cmp -s codes/objects/${obj:0:2}/${obj:2} want.dict || fail "codes not kept as written: $(od -c codes/objects/${obj:0:2}/${obj:2} | head -3)"
echo ok
