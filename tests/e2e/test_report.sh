# mlpipe report: one self-contained HTML file with inline SVG charts, rendered by a real browser
# (headless Chromium) to a PNG. Without Chromium the browser part is skipped (exit 77) with a
# message, except in CI, which installs it.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set params.depth=2
export MLPIPE_STORE=.mlpipe

expect_exit 0 "$MLPIPE" report latest -o one.html
assert_contains "$ERR" "wrote one.html"
for part in "mlpipe report: tiny-loans, run 2" ">ROC<" ">precision-recall<" ">calibration (10 bins)<" \
            ">score by class: evaluate (test)<" ">train: auc<" ">train: logloss<" ">train: gain<" \
            "evaluate.test.auc" "pipeline: tiny-loans" "version.xgboost"; do
  assert_contains one.html "$part"
done
[ "$(grep -o '<svg' one.html | wc -l)" -ge 7 ] || fail "expected at least 7 charts"
# Self-contained: no scripts, nothing fetched.
grep -qiE '<script|https?://|<link|@import|src=' one.html && fail "the report refers outside itself"
# The AUC in the ROC legend is the recorded one.
auc=$(sql $MLPIPE_STORE/store.db "SELECT printf('%.4f', value) FROM metrics WHERE run_id=2 AND step='evaluate' AND key='auc'")
assert_contains one.html "AUC $auc"

expect_exit 0 "$MLPIPE" report 1 2 -o two.html
assert_contains two.html "mlpipe report: runs 1, 2"
assert_contains two.html "run 1 valid"
assert_contains two.html "run 2 valid"
grep -q 'class="differs"><td>config: params.depth' two.html || fail "the differing depth is not highlighted"
expect_exit 0 "$MLPIPE" report 1
[ -f report-1.html ] || fail "default output name"
expect_exit 2 "$MLPIPE" report 9
assert_contains "$ERR" "no run 9"
# A predictions file changed after the run is not plotted, and the report says why.
pred=$(sql $MLPIPE_STORE/store.db "SELECT path FROM artifacts WHERE run_id=1 AND name='predictions.csv'")
chmod u+w "$MLPIPE_STORE/$pred"   # recorded files are read-only
echo "tampered" >>"$MLPIPE_STORE/$pred"
expect_exit 0 "$MLPIPE" report 1 -o tampered.html
assert_contains tampered.html "its predictions file changed since the run"

browser=""
for b in chromium chromium-browser google-chrome; do command -v $b >/dev/null && { browser=$b; break; }; done
if [ -z "$browser" ]; then
  [ "${CI:-}" = "true" ] && fail "CI must install chromium (see .ci/run)"
  echo "SKIP: no Chromium here: the report was checked as text only (apt-get install chromium to render it)"
  exit 77
fi
render() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$WORK/chrome" \
    --window-size=1400,2400 "$@" 2>>"$WORK/chrome.log"
}
render --screenshot="$WORK/one.png" "file://$WORK/one.html" >/dev/null || { cat "$WORK/chrome.log"; fail "chromium could not render"; }
[ "$(head -c 8 one.png | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "not a PNG"
# A blank page compresses to a few KiB; seven charts do not.
[ "$(stat -c %s one.png)" -gt 60000 ] || fail "the rendered page looks empty ($(stat -c %s one.png) bytes)"
# The browser's own DOM holds the charts: it parsed the SVG.
render --dump-dom "file://$WORK/one.html" >dom.html || fail "chromium --dump-dom failed"
[ "$(grep -o '<svg' dom.html | wc -l)" -ge 7 ] || fail "the browser's DOM lacks the charts"
echo ok
