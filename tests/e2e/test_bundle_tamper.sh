# A tampered bundle never scores (issue 21): every file it needs is listed with its SHA-256, names
# stay inside the folder, no links, the feature list matches the model, and --verify (or
# NAME@ALIAS) accepts only a manifest the store recorded, so an edited model whose hash was
# updated in the manifest is refused.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$MLPIPE" run pipeline.yaml --set steps.export.register=tiny
b=out/bundle
assert_eq "$(sql :memory: "SELECT json_extract(readfile('$b/manifest.json'), '$.files_hash_algorithm')")" sha256 "algorithm"
listed=$(sql :memory: "SELECT json_extract(readfile('$b/manifest.json'), '$.files.\"model.json\".sha')")
assert_eq "$listed" "$(sha256sum $b/model.json | cut -d' ' -f1)" "the manifest lists the model's SHA-256"
assert_eq "$(sql .mlpipe/store.db "SELECT count(*) FROM bundle_manifests WHERE sha256 = '$(sha256sum $b/manifest.json | cut -d' ' -f1)'")" 1 \
  "the store recorded the manifest's SHA-256"
expect_exit 0 "$MLPIPE" predict $b loans.csv -o good.csv --verify
assert_contains "$ERR" "verified: its manifest is the one tiny v1 wrote"

# Each case edits a fresh copy of the bundle; every one is refused with exit 2 and a reason.
tampered() {  # tampered NAME JSON_EXPRESSION_ON_m: writes t/NAME with manifest = expression
  rm -rf "t/$1" && mkdir -p t && cp -r $b "t/$1"
  sql :memory: "SELECT $2 FROM (SELECT readfile('$b/manifest.json') AS m)" >"t/$1/manifest.json"
}
refused() {  # refused DIR MESSAGE
  expect_exit 2 "$MLPIPE" predict "$1" loans.csv -o x.csv
  assert_contains "$ERR" "$2"
  [ ! -s x.csv ] || fail "$1 wrote scores"
}
tampered unlisted "json_remove(m, '$.files.\"model.json\"')"
refused t/unlisted "model.json is not listed in \`files\`"
tampered unlisted_pre "json_remove(m, '$.files.\"preprocess.json\"')"
refused t/unlisted_pre "preprocess.json is not listed"
tampered outside "json_set(m, '$.model_file', '../../elsewhere/model.json')"
refused t/outside "model_file '../../elsewhere/model.json' is not a file name inside the bundle"
tampered outside_file "json_set(m, '$.files.\"../loans.csv\"', json_object('sha', 'x', 'bytes', 1))"
refused t/outside_file "files '../loans.csv' is not a file name inside the bundle"
tampered short "json_remove(m, '$.features[#-1]')"
refused t/short "features but the model takes"
# An added file would go unchecked.
tampered extra "m" && echo '{}' >t/extra/extra.json
refused t/extra "extra.json is in the bundle but not listed in its manifest"
# A link could point anywhere (here, at a copy outside the bundle).
tampered link "m" && cp t/link/preprocess.json outside.json && rm t/link/preprocess.json && ln -s "$PWD/outside.json" t/link/preprocess.json
refused t/link "preprocess.json: a symbolic link"
# The model edited and its hash updated in the manifest: consistent in itself, so only the
# store can tell; --verify refuses it.
rm -rf t/forged && cp -r $b t/forged
sed -i 's/"base_score":"[^"]*"/"base_score":"9.0E-1"/' t/forged/model.json
cmp -s $b/model.json t/forged/model.json && fail "the model edit did nothing"
forged_sha=$(sha256sum t/forged/model.json | cut -d' ' -f1)
bytes=$(stat -c %s t/forged/model.json)
sql :memory: "SELECT json_set(readfile('$b/manifest.json'), '$.files.\"model.json\".sha', '$forged_sha', '$.files.\"model.json\".bytes', $bytes)" \
  >t/forged/manifest.json.new && mv t/forged/manifest.json.new t/forged/manifest.json
expect_exit 0 "$MLPIPE" predict t/forged loans.csv -o forged.csv
cmp -s good.csv forged.csv && fail "the forged model scores the same (the edit changed nothing)"
expect_exit 2 "$MLPIPE" predict t/forged loans.csv -o forged2.csv --verify
assert_contains "$ERR" "was never recorded by the store"
[ ! -e forged2.csv ] || fail "--verify wrote scores"
# A bundle from another store is not this store's record either.
expect_exit 2 "$MLPIPE" predict $b loans.csv -o y.csv --verify --store other
assert_contains "$ERR" "no mlpipe store here"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store other --set steps.export.dir=out/other
expect_exit 2 "$MLPIPE" predict $b loans.csv -o y.csv --verify --store other
assert_contains "$ERR" "was never recorded by the store"

# The registry's copy: edits to it are undone from the store's objects, and the scores stay.
view=$(sql .mlpipe/store.db "SELECT path FROM models WHERE name = 'tiny' AND version = 1")
case "$view" in /*) ;; *) view=.mlpipe/$view ;; esac
cp t/forged/model.json t/forged/manifest.json "$view/"
expect_exit 0 "$MLPIPE" predict tiny@latest loans.csv -o reg.csv
cmp -s good.csv reg.csv || fail "a forged registry copy changed the scores"
cmp -s $b/model.json "$view/model.json" || fail "the registry copy was not rebuilt"
echo ok
