#include <doctest/doctest.h>

#include <map>
#include <set>

#include "core/data/csv_reader.h"
#include "core/steps/steps.h"

using namespace mlpipe;

namespace {
// 1000 rows: id, entity (100 groups of 10), time (shuffled), label (20 % positives).
std::shared_ptr<Frame> frame() {
  std::string text = "id,entity,time,y\n";
  for (int i = 0; i < 1000; ++i)
    text += std::to_string(i) + ",e" + std::to_string(i % 100) + "," + std::to_string((i * 7919) % 1000) + "," +
            (i % 5 == 0 ? "1" : "0") + "\n";
  auto f = std::make_shared<Frame>();
  f->table = parse_csv(text, "t.csv", {});
  f->label = "y";
  f->id = "id";
  return f;
}

std::vector<uint8_t> run_split(const std::string& step_yaml, uint64_t seed = 1) {
  Pipeline p = parse_pipeline("pipeline: t\nseed: " + std::to_string(seed) + "\nsteps:\n  s: " + step_yaml + "\n",
                              "p.yaml", ".", {});
  Flow in;
  in.frame = frame();
  StepContext ctx(p, p.steps[0], in, "/nonexistent", "/nonexistent", nullptr, 0, 1);
  Flow out = split_step_type().run(ctx);
  return out.frame->split;
}

std::array<int, 3> counts(const std::vector<uint8_t>& s) {
  std::array<int, 3> c{};
  for (uint8_t v : s) c[v]++;
  return c;
}
}  // namespace

TEST_CASE("random split: fractions and determinism by seed") {
  auto a = run_split("{type: split, fractions: {train: 0.6, valid: 0.2, test: 0.2}}");
  CHECK(counts(a) == std::array<int, 3>{600, 200, 200});
  CHECK(a == run_split("{type: split, fractions: {train: 0.6, valid: 0.2, test: 0.2}}"));
  CHECK(a != run_split("{type: split, fractions: {train: 0.6, valid: 0.2, test: 0.2}}", 2));
}

TEST_CASE("stratified split keeps the label rate in every split") {
  auto s = run_split("{type: split, method: stratified, fractions: {train: 0.5, valid: 0.25, test: 0.25}}");
  std::array<int, 3> pos{}, all = counts(s);
  for (size_t i = 0; i < s.size(); ++i)
    if (i % 5 == 0) pos[s[i]]++;
  CHECK(all == std::array<int, 3>{500, 250, 250});
  CHECK(pos == std::array<int, 3>{100, 50, 50});
}

TEST_CASE("time split: everything in train is earlier than valid, which is earlier than test") {
  auto s = run_split("{type: split, method: time, by: time, fractions: {train: 0.7, valid: 0.1, test: 0.2}}");
  int max_train = -1, min_valid = 10000, max_valid = -1, min_test = 10000;
  for (int i = 0; i < 1000; ++i) {
    int t = (i * 7919) % 1000;
    if (s[i] == 0) max_train = std::max(max_train, t);
    if (s[i] == 1) min_valid = std::min(min_valid, t), max_valid = std::max(max_valid, t);
    if (s[i] == 2) min_test = std::min(min_test, t);
  }
  CHECK(max_train < min_valid);
  CHECK(max_valid < min_test);
  CHECK(counts(s) == std::array<int, 3>{700, 100, 200});
}

TEST_CASE("group split never puts one entity in two splits") {
  auto s = run_split("{type: split, method: group, by: entity}");
  std::map<int, std::set<int>> seen;
  for (int i = 0; i < 1000; ++i) seen[i % 100].insert(s[i]);
  for (auto& [e, splits] : seen) CHECK(splits.size() == 1);
  auto c = counts(s);
  CHECK(c[0] == doctest::Approx(700).epsilon(0.05));
}
