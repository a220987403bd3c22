# -o never replaces what is not a regular file: a device (as root, replacing /dev/null by a file
# broke every later command on the machine, and the tests themselves did it) or a FIFO is written
# into; "-" is standard output; a regular file is still written atomically.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$MLPIPE" run pipeline.yaml -q
# A FIFO with a reader: the scores arrive through it and it stays a FIFO.
mkfifo scores.fifo
timeout 60 cat scores.fifo >through-fifo.csv &
reader=$!
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o scores.fifo
wait "$reader"
[ -p scores.fifo ] || fail "the FIFO was replaced"
assert_eq "$(wc -l <through-fifo.csv)" "601" "rows through the FIFO"
# "-": standard output, byte for byte what a file gets.
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o scores.csv
expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o -
cmp "$OUT" scores.csv || fail "-o - differs from the file"
cmp through-fifo.csv scores.csv || fail "the FIFO got other bytes"
# The report too.
mkfifo report.fifo
timeout 60 cat report.fifo >report.html &
reader=$!
expect_exit 0 "$MLPIPE" report 1 -o report.fifo
wait "$reader"
[ -p report.fifo ] || fail "the report replaced the FIFO"
grep -q "</html>" report.html || fail "no report through the FIFO"
# A character device made here (root only: CI runs as root): it stays a device.
# (A folder mounted nodev refuses to open device nodes: then this part has nothing to test.)
if [ "$(id -u)" = 0 ] && mknod -m 666 null.dev c 1 3 2>/dev/null && (echo probe >null.dev) 2>/dev/null; then
  expect_exit 0 "$MLPIPE" predict out/bundle loans.csv -o null.dev
  [ -c null.dev ] || fail "the device node was replaced by a regular file"
  expect_exit 0 "$MLPIPE" report 1 -o null.dev
  [ -c null.dev ] || fail "the report replaced the device node"
fi
[ -c /dev/null ] || fail "/dev/null is no longer a device"
mkdir adir
expect_exit 1 "$MLPIPE" predict out/bundle loans.csv -o adir
assert_contains "$ERR" "adir: is a folder, expected a file to write"
echo ok
