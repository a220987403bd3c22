#include <doctest/doctest.h>

#include <cmath>

#include "core/data/csv_reader.h"
#include "core/sequences/build_sequences.h"

using namespace mlpipe;
using nlohmann::json;

namespace {
Frame events(const std::string& csv) {
  Frame f;
  f.table = parse_csv(csv, "e.csv", {});
  f.label = "y";
  return f;
}
// Every sample's window, as the trainer sees it.
struct Windows {
  std::vector<float> x;
  std::vector<int32_t> cat;
  std::vector<uint8_t> mask;
};
Windows all_windows(const SequenceSet& s) {
  std::vector<uint32_t> samples(s.n);
  for (uint32_t i = 0; i < s.n; ++i) samples[i] = i;
  Windows w{std::vector<float>(s.n * s.max_len * s.features(), -1.0f),
            std::vector<int32_t>(s.n * s.max_len * s.categoricals(), -1), std::vector<uint8_t>(s.n * s.max_len, 9)};
  s.gather(samples.data(), s.n, w.x.data(), w.cat.data(), w.mask.data());
  return w;
}
const json kCfg = {{"entity", "card"}, {"time", "t"}, {"max_len", 2}, {"features", {"amount"}},
                   {"categorical", {"merchant"}}};
}  // namespace

TEST_CASE("windows hold the entity's latest events at or before the sample, left-padded") {
  // Card A: t=1 (10, m1), t=3 (30, m2), t=5 (50, m9 unseen in fit rows). Card B: t=2 (20, m1).
  Frame f = events("card,t,amount,merchant,y\nA,5,50,m9,1\nB,2,20,m1,0\nA,1,10,m1,0\nA,3,30,m2,0\n");
  json fit = fit_sequence_preprocess(f, kCfg, {1, 2, 3});  // the t=5 event is not fitted on
  CHECK(fit["numeric"][0]["mean"].get<double>() == doctest::Approx(20));
  CHECK(fit["categorical"][0]["vocab"] == json({"m1", "m2"}));
  SequenceSet s = build_sequences(f, fit, true);
  REQUIRE(s.n == 4);
  // Samples in entity order, then time: A@1, A@3, A@5, B@2.
  CHECK(s.rows == std::vector<int32_t>{2, 3, 0, 1});
  Windows w = all_windows(s);
  CHECK(w.mask == std::vector<uint8_t>{0, 1, 1, 1, 1, 1, 0, 1});
  const size_t F = s.features();  // amount, log_time_gap
  REQUIRE(F == 2);
  double sd = fit["numeric"][0]["std"];
  CHECK(w.x[(2 * 2 + 0) * F] == doctest::Approx((30 - 20) / sd));  // A@5 window: t=3 then t=5
  CHECK(w.x[(2 * 2 + 1) * F] == doctest::Approx((50 - 20) / sd));
  CHECK(w.x[0] == 0.0f);  // A@1's padding slot
  CHECK(w.x[1] == 0.0f);
  CHECK(w.cat == std::vector<int32_t>{0, 2, 2, 3, 3, 1, 0, 2});  // 0 pad, 1 unseen, 2.. vocab
  CHECK(s.targets[0] == std::vector<float>{0, 0, 1, 0});
}

TEST_CASE("no future leakage: rewriting later events leaves earlier samples' windows unchanged") {
  std::string base = "card,t,amount,merchant,y\n";
  std::string later = base;
  for (int i = 0; i < 60; ++i) {
    std::string row = "c" + std::to_string(i % 4) + "," + std::to_string(i) + "," + std::to_string(i * 3 % 17) +
                      ",m" + std::to_string(i % 3) + "," + std::to_string(i % 5 == 0) + "\n";
    base += row;
    // After t = 40 everything changes: amounts, merchants and labels.
    later += i > 40 ? "c" + std::to_string(i % 4) + "," + std::to_string(i) + ",999,mX," + std::to_string(i % 5 != 0) + "\n" : row;
  }
  json cfg = kCfg;
  cfg["max_len"] = 8;
  Frame a = events(base), b = events(later);
  std::vector<uint32_t> fit_rows;
  for (uint32_t r = 0; r <= 40; ++r) fit_rows.push_back(r);  // statistics from the past only
  SequenceSet sa = build_sequences(a, fit_sequence_preprocess(a, cfg, fit_rows), true);
  SequenceSet sb = build_sequences(b, fit_sequence_preprocess(b, cfg, fit_rows), true);
  REQUIRE(sa.n == sb.n);
  size_t T = sa.max_len, F = sa.features(), C = sa.categoricals(), checked = 0;
  Windows wa = all_windows(sa), wb = all_windows(sb);
  for (size_t i = 0; i < sa.n; ++i) {
    if (sa.rows[i] > 40) continue;
    ++checked;
    for (size_t k = 0; k < T * F; ++k) CHECK(wa.x[i * T * F + k] == wb.x[i * T * F + k]);
    for (size_t k = 0; k < T * C; ++k) CHECK(wa.cat[i * T * C + k] == wb.cat[i * T * C + k]);
  }
  CHECK(checked == 41);
}

TEST_CASE("entity-level samples use each entity's last events") {
  Frame f = events("card,t,amount,merchant,y\nA,1,10,m1,0\nA,2,20,m1,1\nB,1,5,m2,0\n");
  json cfg = kCfg;
  cfg["label_level"] = "entity";
  SequenceSet s = build_sequences(f, fit_sequence_preprocess(f, cfg, {0, 1, 2}), true);
  CHECK(s.n == 2);
  CHECK(s.targets[0] == std::vector<float>{1, 0});
}
