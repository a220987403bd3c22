# Runs every pipeline under examples/ so none silently rots (each in a scratch copy).
source "$(dirname "$0")/lib.sh"
found=0
for pipeline in "$REPO"/examples/*/pipeline*.yaml; do
  name=$(basename "$(dirname "$pipeline")")
  if grep -q "trainer: sequence" "$pipeline" && [ ! -f "$(dirname "$MLPIPE")/libmlpipe_torch.so" ]; then
    echo "SKIP $name/$(basename "$pipeline"): built without LibTorch"
    continue
  fi
  if [ -f "$(dirname "$pipeline")/nightly.sh" ]; then
    echo "SKIP $name: driven by its nightly.sh on generated slices (tests/e2e/test_nightly_retrain.sh)"
    continue
  fi
  rm -rf "$WORK/ex"
  cp -r "$(dirname "$pipeline")" "$WORK/ex"
  rm -rf "$WORK/ex/.mlpipe" "$WORK/ex/models"
  echo "== $name/$(basename "$pipeline")"
  expect_exit 0 "$MLPIPE" run "$WORK/ex/$(basename "$pipeline")" --json
  grep -q '"status": "ok"' "$OUT" || fail "$name did not finish ok"
  found=$((found + 1))
done
[ "$found" -gt 0 ] || fail "no example pipelines found"
echo "ok ($found pipelines)"
