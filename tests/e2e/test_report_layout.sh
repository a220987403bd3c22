# The report a reviewer reads: the champion's ROC on the same rows, the confusion matrix at the
# threshold, calibration bins with their counts, each gate beside its condition, lineage, the
# best iteration marked, 4-decimal tables; and, rendered by headless Chromium at 1280 px, two
# runs of two pipelines side by side never make the page wider than the window.
source "$(dirname "$0")/lib.sh"
sed -i 's|    gate: {auc: ">= 0.6"}|    gate: {auc: ">= champion - 0.1", brier: "<= 0.3"}|; s|    dir: out/bundle|    dir: out/bundle\n    register: loans\n    promote: champion|' pipeline.yaml
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --set params.depth=4
export MLPIPE_STORE=.mlpipe
db=.mlpipe/store.db
expect_exit 0 "$MLPIPE" report 2 -o one.html
champ=$(sql $db "SELECT printf('%.4f', value) FROM metrics WHERE run_id = 2 AND key = 'champion.auc'")
assert_contains one.html "evaluate (test) champion  AUC $champ"
assert_contains one.html "At the threshold 0.5"
assert_contains one.html "<th>calibration bin</th><th>rows</th>"
# the bins' rows add up to the evaluated rows
rows=$(sql $db "SELECT CAST(value AS INTEGER) FROM metrics WHERE run_id = 2 AND step = 'evaluate' AND key = 'rows'")
sum=$(grep -o '<th>calibration bin</th>.*' one.html | head -1 | sed 's|</table>.*||' | grep -o '<td class="num">[0-9]*</td>' | sed 's/<[^>]*>//g' | awk '{ s += $1 } END { print s }')
assert_eq "$sum" "$rows" "calibration bin counts"
assert_contains one.html "<td>auc</td><td>&gt;= champion - 0.1</td>"
assert_contains one.html "<td>brier</td><td>&lt;= 0.3</td>"
assert_contains one.html "<h2>Lineage</h2>"
assert_contains one.html "$(sql $db "SELECT content_hash FROM inputs WHERE run_id = 2")"
assert_contains one.html "$(sql $db "SELECT content_hash FROM artifacts WHERE run_id = 2 AND step = 'train' AND name = 'model.json'")"
best=$(sql $db "SELECT CAST(value AS INTEGER) FROM metrics WHERE run_id = 2 AND step = 'train' AND key = 'best_iteration'")
assert_contains one.html ">best $best</text>"
grep -q 'class="num">0\.[0-9]\{12,\}<' one.html && fail "a table prints 16-digit floats"

# Two pipelines side by side, one with a long unbroken value in its config.
long=$(printf 'x%.0s' $(seq 300))
sed "s/^pipeline: tiny-loans/pipeline: tiny-loans-with-a-much-longer-name-for-the-comparison/; s/^params: {rounds: 40, depth: 3}/params: {rounds: 40, depth: 3, note: $long}/" pipeline.yaml >other.yaml
expect_exit 0 "$MLPIPE" run other.yaml -q --set params.depth=5
expect_exit 0 "$MLPIPE" report 2 3 -o two.html
auc3=$(sql $db "SELECT printf('%.4f', value) FROM metrics WHERE run_id = 3 AND step = 'evaluate' AND key = 'auc'")
assert_contains two.html "$auc3"

browser=""
for b in chromium chromium-browser google-chrome; do command -v $b >/dev/null && { browser=$b; break; }; done
if [ -z "$browser" ]; then
  [ "${CI:-}" = "true" ] && fail "CI must install chromium (see .ci/run)"
  echo "SKIP: no Chromium here: the layout was checked as text only"
  exit 77
fi
# A copy with a probe script (the report itself has none) writes scroll and client width into the title.
sed 's|</body>|<script>document.title = document.documentElement.scrollWidth + "x" + document.documentElement.clientWidth;</script></body>|' two.html >probe.html
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --window-size=1280,2000 --user-data-dir="$WORK/chrome" \
  --dump-dom "file://$WORK/probe.html" >dom.html 2>>"$WORK/chrome.log" || { cat "$WORK/chrome.log"; fail "chromium could not load the report"; }
size=$(grep -o '<title>[0-9]*x[0-9]*</title>' dom.html | head -1 | sed 's/<[^>]*>//g')
[ -n "$size" ] || fail "the probe did not run"
assert_eq "${size%x*}" "${size#*x}" "page scroll width against client width at 1280 px"
echo ok
