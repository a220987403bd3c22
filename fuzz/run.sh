#!/usr/bin/env bash
# Builds the fuzz targets with clang (libFuzzer + ASan + UBSan) into build-fuzz/ and runs each
# for SECONDS (default 60) on a seed corpus made from the repository's own YAML and CSV files.
# A crash leaves its input in fuzz/findings/ and fails; add it to fuzz/regressions/ once fixed
# (tests/unit/fuzz_regressions_test.cpp replays every file there in the normal test run).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
command -v clang++ >/dev/null || { echo "fuzz: clang++ is needed (apt-get install clang)"; exit 2; }
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMLPIPE_FUZZ=ON -DMLPIPE_WITH_TORCH=OFF -DMLPIPE_BUILD_TESTS=OFF >/dev/null
fi
cmake --build build-fuzz -j "$(nproc)" --target fuzz_config fuzz_csv fuzz_manifest fuzz_request

corpus=build-fuzz/corpus
rm -rf "$corpus" && mkdir -p "$corpus/config" "$corpus/csv" "$corpus/manifest" "$corpus/request" fuzz/findings
i=0
for f in configs/*.yaml examples/*/*.yaml tests/data/*/*.yaml fuzz/regressions/config/*; do
  [ -f "$f" ] && cp "$f" "$corpus/config/seed$((i++))"
done
for f in fuzz/bundle/manifest.template.json fuzz/regressions/manifest/*; do
  [ -f "$f" ] && cp "$f" "$corpus/manifest/seed$((i++))"
done
for f in fuzz/regressions/request/*; do
  [ -f "$f" ] && cp "$f" "$corpus/request/seed$((i++))"
done
for f in tests/data/*/*.csv fuzz/regressions/csv/* examples/*/data/*.csv; do
  [ -f "$f" ] && head -c 8192 "$f" >"$corpus/csv/seed$((i++))"
done
status=0
for target in config csv manifest request; do
  echo "fuzz: $target for ${seconds}s"
  # The fuzzer's own exit status decides (a pipe into grep, under pipefail and `|| true`, hid it).
  set +e
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    build-fuzz/fuzz/fuzz_$target "$corpus/$target" -max_total_time="$seconds" -max_len=16384 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix=fuzz/findings/$target- -print_final_stats=1 >"build-fuzz/fuzz-$target.log" 2>&1
  rc=$?
  set -e
  grep -E "^(#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|==[0-9]+==|SUMMARY|Test unit written|    #[0-9]+ .* in mlpipe::)" \
    "build-fuzz/fuzz-$target.log" | head -40 || true
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $rc); the input is in fuzz/findings/"
    status=1
  fi
done
exit $status
