# Progress output: live bars and colors on a terminal (a pty from `script`), NO_COLOR, plain
# lines when stderr is not a terminal, nothing with --quiet.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { echo "SKIP: no 'script' (util-linux) to make a terminal"; exit 77; }
esc=$(printf '\033')

# On a terminal: the train step's live line (bar, iteration, metric) and colored statuses. With
# early stopping the total is the bound it implies (best round 1 + patience 10 = 11 of 40 rounds).
TERM=xterm script -qec "$MLPIPE run pipeline.yaml" /dev/null >tty.log 2>&1 || fail "run on a terminal failed: $(cat tty.log)"
grep -q "train *\[[#-]*\] [0-9]*%  iteration 1/11  valid auc" tty.log || { cat -v tty.log; fail "no live progress line"; }
grep -q "${esc}\[32mok${esc}\[0m" tty.log || { cat -v tty.log; fail "no green ok"; }
grep -q "${esc}\[1F${esc}\[J" tty.log || fail "live lines are not redrawn in place"

# NO_COLOR: still live, no colors.
NO_COLOR=1 TERM=xterm script -qec "$MLPIPE run pipeline.yaml --force train" /dev/null >nocolor.log 2>&1 || fail "NO_COLOR run failed"
grep -q "iteration 1/11" nocolor.log || { cat -v nocolor.log; fail "no live line with NO_COLOR"; }
grep -q "${esc}\[3[0-9]m" nocolor.log && { cat -v nocolor.log; fail "colors despite NO_COLOR"; }

# TERM=dumb: plain lines.
TERM=dumb script -qec "$MLPIPE run pipeline.yaml --force train" /dev/null >dumb.log 2>&1 || fail "dumb run failed"
grep -q "$esc" dumb.log && { cat -v dumb.log; fail "escape codes on a dumb terminal"; }

# Not a terminal (CI logs): plain lines only, one per step, no escape codes.
expect_exit 0 "$MLPIPE" run pipeline.yaml --force train
grep -q "$esc" "$ERR" && fail "escape codes in a log file"
assert_contains "$ERR" "[4/6] train         ok"
grep -q "iteration 1/" "$ERR" && fail "live progress in a log file"

# --quiet: nothing on stderr for a successful run.
expect_exit 0 "$MLPIPE" run pipeline.yaml --force train -q
[ ! -s "$ERR" ] || { cat "$ERR"; fail "--quiet printed something"; }
echo ok
