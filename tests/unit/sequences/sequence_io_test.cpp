#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/data/csv_reader.h"
#include "core/data/npy.h"
#include "core/sequences/build_sequences.h"
#include "core/sequences/sequence_io.h"
#include "core/util/atomic_file.h"
#include "tests/unit/temp_dir.h"

using namespace mlpipe;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
SequenceSet sample_set() {
  Frame f;
  f.table = parse_csv("card,t,amount,merchant,y\nA,5,50,m9,1\nB,2,20,m1,0\nA,1,10,m1,0\nA,3,30,m2,0\nA,7,70,m2,1\nB,9,5,m3,1\n",
                      "e.csv", {});
  f.label = "y";
  json cfg = {{"entity", "card"}, {"time", "t"}, {"max_len", 3}, {"features", {"amount"}}, {"categorical", {"merchant"}}};
  return build_sequences(f, fit_sequence_preprocess(f, cfg, {0, 1, 2, 3, 4, 5}), true);
}
struct Windows {
  std::vector<float> x;
  std::vector<int32_t> cat;
  std::vector<uint8_t> mask;
  bool operator==(const Windows& o) const { return x == o.x && cat == o.cat && mask == o.mask; }
};
Windows windows(const SequenceSet& s) {
  std::vector<uint32_t> all(s.n);
  for (uint32_t i = 0; i < s.n; ++i) all[i] = i;
  Windows w{std::vector<float>(s.n * s.max_len * s.features()), std::vector<int32_t>(s.n * s.max_len * s.categoricals()),
            std::vector<uint8_t>(s.n * s.max_len)};
  s.gather(all.data(), s.n, w.x.data(), w.cat.data(), w.mask.data());
  return w;
}
}  // namespace

TEST_CASE("a saved sequence set loads with the same windows, targets and rows") {
  TempDir dir;
  SequenceSet s = sample_set();
  REQUIRE(s.n == 6);
  save_sequences(s, dir.path / "seq");
  auto back = load_sequences(dir.path / "seq");
  CHECK(back->n == s.n);
  CHECK(back->event_x.size() == 6 * s.features());  // each event once, not once per window
  CHECK(windows(*back) == windows(s));
  CHECK(back->targets == s.targets);
  CHECK(back->rows == s.rows);
  CHECK(back->split == s.split);
}

TEST_CASE("a sequence set cached by an older mlpipe (every window copied: x, cat, mask) loads with the same windows") {
  TempDir dir;
  SequenceSet s = sample_set();
  fs::path old = dir.path / "old";
  save_sequences(s, old);
  Windows w = windows(s);
  write_npy(old / "x.npy", w.x);
  write_npy(old / "cat.npy", w.cat);
  write_npy(old / "mask.npy", w.mask);
  for (const char* f : {"event_x.npy", "event_cat.npy", "window_events.npy", "window_end.npy", "window_len.npy"})
    fs::remove(old / f);
  json meta = json::parse(read_file(old / "sequences.json"));
  meta.erase("format");
  write_file_atomic(old / "sequences.json", meta.dump());
  auto back = load_sequences(old);
  CHECK(windows(*back) == w);
  CHECK(back->targets == s.targets);
  // Gathering a subset in another order gives those samples' windows.
  std::vector<uint32_t> some = {4, 1};
  size_t T = s.max_len, F = s.features();
  std::vector<float> x(2 * T * F);
  std::vector<int32_t> cat(2 * T);
  std::vector<uint8_t> mask(2 * T);
  back->gather(some.data(), 2, x.data(), cat.data(), mask.data());
  CHECK(std::equal(x.begin(), x.begin() + long(T * F), w.x.begin() + long(4 * T * F)));
  CHECK(std::equal(mask.begin() + long(T), mask.end(), w.mask.begin() + long(T)));
}
