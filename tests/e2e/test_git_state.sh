# The git state each run records: the commit, whether tracked files differ from it (staged or
# not; untracked files do not count) and a hash of that diff; nothing outside a repository.
source "$(dirname "$0")/lib.sh"
command -v git >/dev/null || { echo "SKIP: no git"; exit 77; }
DB=.mlpipe/store.db
state() { sql $DB "SELECT coalesce(git_commit, 'none') || ' ' || coalesce(git_dirty, 'none') || ' ' ||
                   coalesce((SELECT value FROM environment e WHERE e.run_id = r.run_id AND key = 'git.diff_hash'), '-')
                   FROM runs r ORDER BY run_id DESC LIMIT 1"; }

expect_exit 0 "$MLPIPE" run pipeline.yaml -q --no-cache
assert_eq "$(state)" "none none -" "outside a repository"

git init -q .
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --no-cache
assert_eq "$(state)" "none none -" "a repository without a commit yet"

git -c user.name=t -c user.email=t@t add loans.csv pipeline.yaml &&
  git -c user.name=t -c user.email=t@t commit -qm data
head=$(git rev-parse HEAD)
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --no-cache
assert_eq "$(state)" "$head 0 -" "clean checkout"

echo "# a comment" >> pipeline.yaml
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --no-cache
read -r commit dirty hash <<<"$(state)"
assert_eq "$commit $dirty" "$head 1" "unstaged change"
[ "$hash" != "-" ] || fail "no diff hash for a dirty tree"

git add pipeline.yaml
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --no-cache
assert_eq "$(state)" "$head 1 $hash" "the same change staged: dirty, same diff"

git checkout -q HEAD -- pipeline.yaml
echo "x" > untracked.txt
expect_exit 0 "$MLPIPE" run pipeline.yaml -q --no-cache
assert_eq "$(state)" "$head 0 -" "untracked files do not make it dirty"
echo "PASS"
