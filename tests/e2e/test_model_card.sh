# mlpipe report RUN --card: the validation pack, as HTML (rendered by headless Chromium) and as
# Markdown: intended use, lineage with hashes, performance by segment, fairness, calibration,
# stability (a drift step), reason-code importance, limitations, and the registry's approvals.
source "$(dirname "$0")/lib.sh"
sed -i 's|^seed: 3|seed: 3\ndescription: "Scores loan applications for default risk; decline reasons come from predict --explain. Not for small-business loans."\nlimitations: ["Trained on 600 synthetic loans of one region mix."]|' pipeline.yaml
sed -i 's|    gate: {auc: ">= 0.6"}|    segments: [region, {column: age, bands: [30, 45]}]\n    fairness: [region]\n    gate: {auc: ">= 0.6"}|' pipeline.yaml
sed -i 's|^  evaluate:|  calibrate:\n    type: calibrate\n    needs: train\n    method: platt\n  evaluate:|' pipeline.yaml
sed -i '/^  evaluate:/,/^  export:/ s/    needs: train/    needs: calibrate/' pipeline.yaml
sed -i 's|    dir: out/bundle|    dir: out/bundle\n    register: loans\n    promote: champion\n  drift:\n    type: drift\n    needs: ingest\n    reference: loans@champion\n    on_drift: warn|' pipeline.yaml
expect_exit 0 "$MLPIPE" run pipeline.yaml
expect_exit 0 "$MLPIPE" run pipeline.yaml --set params.depth=2   # the drift step now has a reference (v1)
export MLPIPE_STORE=.mlpipe
db=.mlpipe/store.db
expect_exit 0 "$MLPIPE" models promote loans 1 --alias approved --note "reviewed by the model-risk team"

expect_exit 0 "$MLPIPE" report 2 --card -o card.md
assert_contains "$ERR" "wrote card.md"
for part in "# Model card: tiny-loans, run 2" "## Intended use" "Not for small-business loans." "## Data lineage" \
            "## Performance" "| train | valid | auc |" "By region (evaluate (test)):" "## Fairness" "| region |" "## Calibration" "uncalibrated.brier" \
            "## Stability" "Drift step drift:" "## Reason codes: global importance" "## Limitations" \
            "Trained on 600 synthetic loans of one region mix." "## Registry and approvals"; do
  assert_contains card.md "$part"
done
# Lineage: the input's content hash as recorded.
hash=$(sql $db "SELECT content_hash FROM inputs WHERE run_id = 2 AND step = 'ingest'")
assert_contains card.md "| ingest | $WORK/loans.csv | 600 |"
assert_contains card.md "$hash"
# The registry's history of the model: both versions, the promotions, who and the note.
assert_contains card.md "| register | loans | 2 |"
assert_contains card.md "| promote | loans | 1 | approved |"
assert_contains card.md "reviewed by the model-risk team"
# Limitations the data shows: a small age band.
small=$(sql $db "SELECT substr(key, 6) || ' has ' || CAST(value AS INTEGER) FROM metrics WHERE run_id = 2 AND key GLOB 'rows.age=*' AND value < 30 LIMIT 1")
[ -z "$small" ] || assert_contains card.md "Group $small row(s)"
# The adverse impact ratio as recorded, to 4 decimals.
air=$(sql $db "SELECT printf('%.4f', value) FROM metrics WHERE run_id = 2 AND key = 'adverse_impact_ratio.region'")
assert_contains card.md "| region | $air |"

expect_exit 0 "$MLPIPE" report 2 --card -o card.html
grep -qiE '<script|https?://|<link|@import|src=' card.html && fail "the card refers outside itself"
assert_contains card.html "<h2>Fairness</h2>"
assert_contains card.html "before calibration"
# Mistakes.
expect_exit 2 "$MLPIPE" report 1 2 --card
assert_contains "$ERR" "--card describes one run; got 2"
expect_exit 2 "$MLPIPE" report 1 -o report.md
assert_contains "$ERR" "Markdown is for the model card (--card)"

browser=""
for b in chromium chromium-browser google-chrome; do command -v $b >/dev/null && { browser=$b; break; }; done
if [ -z "$browser" ]; then
  [ "${CI:-}" = "true" ] && fail "CI must install chromium (see .ci/run)"
  echo "SKIP: no Chromium here: the card was checked as text only"
  exit 77
fi
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chrome" --dump-dom "file://$WORK/card.html" \
  >dom.html 2>>"$WORK/chrome.log" || { cat "$WORK/chrome.log"; fail "chromium could not load the card"; }
[ "$(grep -o '<h2>' dom.html | wc -l)" -eq 9 ] || fail "the browser's DOM lacks the card's 9 sections"
grep -q '<svg' dom.html || fail "the browser's DOM lacks the reliability chart"
echo ok
