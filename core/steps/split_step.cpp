// split: assigns every row to train / valid / test: random, stratified, by time, or by group.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>

#include "core/steps/steps.h"
#include "core/util/error.h"
#include "core/util/random.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& split_schema() {
  static const Schema s = with_common_keys({
      {"method", Kind::kString, false, {"random", "stratified", "time", "group"},
       "random (default), stratified (by label or `by`), time (ordered by `by`), group (by entity)"},
      {"by", Kind::kString, false, {}, "column: time order (time), entity (group), class (stratified)"},
      {"fractions", Kind::kMap, false, {}, "train/valid/test fractions summing to 1 (default .7/.15/.15)"},
      {"seed", Kind::kInt, false, {}, "overrides the pipeline seed for this split"},
  });
  return s;
}

std::array<double, 3> fractions_of(const json& cfg) {
  std::array<double, 3> f = {0.7, 0.15, 0.15};
  if (cfg.contains("fractions") && cfg["fractions"].is_object()) {
    f = {0, 0, 0};
    for (const auto& [k, v] : cfg["fractions"].items()) f[size_t(split_from_name(k))] = v.get<double>();
  }
  return f;
}

void check_split(const StepSpec& spec, const ConfigChecker& check, const Pipeline&) {
  check.check_object(spec.config, spec.path, split_schema());
  const json& cfg = spec.config;
  std::string method = get_string(cfg, "method", "random");
  if ((method == "time" || method == "group") && !cfg.contains("by"))
    check.fail_key(spec.path, "method '" + method + "' needs `by:` (the " +
                                  (method == "time" ? "time" : "entity") + " column)");
  if (cfg.contains("fractions") && cfg["fractions"].is_object()) {
    std::string fp = child_path(spec.path, "fractions");
    double sum = 0;
    for (const auto& [k, v] : cfg["fractions"].items()) {
      std::string p = child_path(fp, k);
      if (std::find(split_names().begin(), split_names().end(), k) == split_names().end())
        check.fail_key(p, "unknown split '" + k + "'" + did_you_mean(k, split_names()) +
                              "; splits are train, valid, test");
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
        check.fail_value(p, "fraction must be a number between 0 and 1, got " + describe(v));
      sum += v.get<double>();
    }
    if (std::fabs(sum - 1.0) > 1e-6)
      check.fail_value(fp, "fractions must sum to 1, they sum to " + format_double(sum));
    if (!cfg["fractions"].contains("train") || cfg["fractions"]["train"].get<double>() <= 0)
      check.fail_value(fp, "the train fraction must be above 0");
  }
}

// Cut points for n items: [0,a) train, [a,b) valid, [b,n) test.
std::pair<size_t, size_t> cuts(size_t n, const std::array<double, 3>& f) {
  size_t a = size_t(std::llround(f[0] * double(n)));
  size_t b = std::min(n, a + size_t(std::llround(f[1] * double(n))));
  if (f[2] == 0) b = f[1] == 0 ? a : n;
  return {std::min(a, n), b};
}

void assign_in_order(const std::vector<uint32_t>& rows, const std::array<double, 3>& f,
                     std::vector<uint8_t>& split) {
  auto [a, b] = cuts(rows.size(), f);
  for (size_t i = 0; i < rows.size(); ++i)
    split[rows[i]] = uint8_t(i < a ? Split::kTrain : i < b ? Split::kValid : Split::kTest);
}

Flow run_split(StepContext& ctx) {
  const Frame& in = require_frame(ctx);
  const json& cfg = ctx.cfg;
  std::string method = get_string(cfg, "method", "random");
  auto f = fractions_of(cfg);
  Rng rng(uint64_t(get_int(cfg, "seed", ctx.seed)));
  size_t n = in.table.rows();
  auto out = std::make_shared<Frame>(in);
  out->split.assign(n, uint8_t(Split::kTrain));
  std::vector<uint32_t> all(n);
  std::iota(all.begin(), all.end(), 0);

  if (method == "random") {
    rng.shuffle(all);
    assign_in_order(all, f, out->split);
  } else if (method == "stratified") {
    std::string by = get_string(cfg, "by", in.label);
    if (by.empty()) throw StepError("stratified split needs a label (ingest `label:`) or `by:`");
    const Column& c = in.table.at(by, "by");
    std::map<double, std::vector<uint32_t>> classes;  // ordered: deterministic
    for (uint32_t r : all) {
      double v = c.as_double(r);
      classes[std::isnan(v) ? -INFINITY : v].push_back(r);
    }
    for (auto& [cls, rows] : classes) {
      rng.shuffle(rows);
      assign_in_order(rows, f, out->split);
    }
  } else if (method == "time") {
    const Column& c = in.table.at(get_string(cfg, "by", ""), "by");
    if (c.type == ColumnType::kCategorical) {  // text times (ISO dates) order as text
      std::stable_sort(all.begin(), all.end(),
                       [&](uint32_t a, uint32_t b) { return c.text(a) < c.text(b); });
    } else {  // numbers ascending, missing last
      std::stable_sort(all.begin(), all.end(), [&](uint32_t a, uint32_t b) {
        double x = c.as_double(a), y = c.as_double(b);
        if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
        return x < y;
      });
    }
    assign_in_order(all, f, out->split);
  } else {  // group
    const Column& c = in.table.at(get_string(cfg, "by", ""), "by");
    std::map<std::string, std::vector<uint32_t>> groups;
    for (uint32_t r : all) groups[c.text(r)].push_back(r);
    std::vector<const std::vector<uint32_t>*> order;
    for (auto& [k, rows] : groups) order.push_back(&rows);
    rng.shuffle(order);
    // Whole groups go to the split whose row quota is still open, in shuffled order.
    size_t taken = 0;
    double total = double(n);
    for (const auto* rows : order) {
      double pos = double(taken) / total;
      Split s = pos < f[0] ? Split::kTrain : pos < f[0] + f[1] ? Split::kValid : Split::kTest;
      for (uint32_t r : *rows) out->split[r] = uint8_t(s);
      taken += rows->size();
    }
  }

  std::array<size_t, 3> counts{};
  std::array<double, 3> positives{};
  const Column* y = in.label.empty() ? nullptr : &in.table.at(in.label);
  for (size_t r = 0; r < n; ++r) {
    counts[out->split[r]]++;
    if (y && y->as_double(r) > 0.5) positives[out->split[r]] += 1;
  }
  std::string line;
  for (size_t s = 0; s < 3; ++s) {
    ctx.metric("rows", double(counts[s]), split_names()[s]);
    if (y && counts[s]) ctx.metric("label_mean", positives[s] / double(counts[s]), split_names()[s]);
    line += (s ? ", " : "") + split_names()[s] + " " + std::to_string(counts[s]);
  }
  if (counts[0] == 0) throw StepError("the train split is empty");
  ctx.summary(method + ": " + line);
  Flow flow;
  flow.frame = out;
  return flow;
}

}  // namespace

StepType split_step_type() {
  return {"split", "assign rows to train/valid/test: random, stratified, time-ordered or by group",
          check_split, run_split, split_schema()};
}

}  // namespace mlpipe
