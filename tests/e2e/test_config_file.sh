# mlpipe's config file ($MLPIPE_CONFIG, else ~/.config/mlpipe/config.yaml) names the store every
# command uses when neither --store nor $MLPIPE_STORE does; a typo in it is an error naming the
# file, line and column, with the key meant.
source "$(dirname "$0")/lib.sh"
export HOME="$WORK/home"
mkdir -p "$HOME/.config/mlpipe"
printf 'store: %s/team-store\n' "$WORK" >"$HOME/.config/mlpipe/config.yaml"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
[ -f team-store/store.db ] || fail "the config file's store was not used"
[ ! -e .mlpipe ] || fail "a store was made beside the pipeline as well"
expect_exit 0 "$MLPIPE" runs list
assert_contains "$OUT" "tiny-loans"
# --store and $MLPIPE_STORE come first.
MLPIPE_STORE=$WORK/env-store expect_exit 0 "$MLPIPE" run pipeline.yaml -q
[ -f env-store/store.db ] || fail "\$MLPIPE_STORE did not win over the config file"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --store flag-store
[ -f flag-store/store.db ] || fail "--store did not win over the config file"
# $MLPIPE_CONFIG names another file; a missing one is an error, not silently the default.
printf 'store: %s/other\n' "$WORK" >other.yaml
MLPIPE_CONFIG=$WORK/other.yaml expect_exit 0 "$MLPIPE" run pipeline.yaml -q
[ -f other/store.db ] || fail "\$MLPIPE_CONFIG was not read"
MLPIPE_CONFIG=$WORK/none.yaml expect_exit 2 "$MLPIPE" runs list
assert_contains "$ERR" "none.yaml: no such file"
# A typo: file, line, column and the key meant.
printf '# team settings\nstroe: /x\n' >"$HOME/.config/mlpipe/config.yaml"
expect_exit 2 "$MLPIPE" runs list
assert_contains "$ERR" "config.yaml:2:1: unknown key 'stroe'"
assert_contains "$ERR" "store"
printf 'store: [a, b]\n' >"$HOME/.config/mlpipe/config.yaml"
expect_exit 2 "$MLPIPE" runs list
assert_contains "$ERR" "store: expected a folder or a postgresql://"
printf 'store: [a, b\n' >"$HOME/.config/mlpipe/config.yaml"
expect_exit 2 "$MLPIPE" runs list
assert_contains "$ERR" "config.yaml:"
echo ok
