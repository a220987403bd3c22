// split: assigns every row to train / valid / test: random, stratified, by time, or by group.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>

#include "core/data/datetime.h"
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
      {"train", Kind::kMap, false, {}, "time split by dates: {from: 2018-07-25, until: 2018-08-01} (from inclusive, until exclusive)"},
      {"valid", Kind::kMap, false, {}, "time split by dates: {from: ..., until: ...}"},
      {"test", Kind::kMap, false, {}, "time split by dates: {from: ..., until: ...}; rows outside every range are left out (a gap)"},
      {"backtest", Kind::kMap, false, {}, "rolling folds, each a child run: {folds: 4, start: 2018-04-01, train: 7d, gap: 7d, test: 7d, step: 7d}"},
  });
  return s;
}

// A split's date range [from, until): either end may be open.
struct Bounds {
  double from = -INFINITY, until = INFINITY;
  bool given = false;
  bool contains(double t) const { return t >= from && t < until; }
};

std::optional<double> bound_value(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return time_bound(v.get<std::string>());
  return std::nullopt;
}

std::array<Bounds, 3> bounds_of(const json& cfg) {
  std::array<Bounds, 3> b;
  for (size_t s = 0; s < 3; ++s) {
    const std::string& name = split_names()[s];
    if (!cfg.contains(name) || !cfg[name].is_object()) continue;
    b[s].given = true;
    if (cfg[name].contains("from")) b[s].from = *bound_value(cfg[name]["from"]);
    if (cfg[name].contains("until")) b[s].until = *bound_value(cfg[name]["until"]);
  }
  return b;
}

bool present(const json& cfg, const std::string& key) { return cfg.contains(key) && !cfg[key].is_null(); }

bool has_bounds(const json& cfg) {
  for (const auto& n : split_names())
    if (present(cfg, n)) return true;
  return false;
}

void check_bounds(const StepSpec& spec, const ConfigChecker& check) {
  const json& cfg = spec.config;
  static const Schema range_keys = {
      {"from", Kind::kAny, false, {}, "first date or datetime in the split (inclusive)"},
      {"until", Kind::kAny, false, {}, "end of the split (exclusive): the first date not in it"}};
  for (const auto& name : split_names()) {
    if (!cfg.contains(name) || !cfg[name].is_object()) continue;
    std::string p = child_path(spec.path, name);
    check.check_object(cfg[name], p, range_keys);
    for (const char* end : {"from", "until"})
      if (cfg[name].contains(end) && !bound_value(cfg[name][end]))
        check.fail_value(child_path(p, end), std::string(end) + " must be a date (2018-08-01), a datetime (2018-08-01 12:00:00) or epoch seconds, got " +
                                                 describe(cfg[name][end]));
  }
  if (get_string(cfg, "method", "random") != "time")
    check.fail_key(spec.path, "train/valid/test date ranges need method: time (and by: the time column)");
  if (present(cfg, "fractions"))
    check.fail_key(child_path(spec.path, "fractions"), "give either fractions or date ranges (train/valid/test), not both");
  if (!present(cfg, "train")) check.fail_key(spec.path, "date ranges need a train range");
  // Overlapping ranges would put one row in two splits.
  std::array<Bounds, 3> b;
  try {
    b = bounds_of(cfg);
  } catch (...) {
    return;  // reported above
  }
  for (size_t i = 0; i < 3; ++i)
    for (size_t j = i + 1; j < 3; ++j)
      if (b[i].given && b[j].given && b[i].from < b[j].until && b[j].from < b[i].until)
        check.fail_value(child_path(spec.path, split_names()[j]), split_names()[j] + " overlaps " + split_names()[i] +
                                                                    ": a row would be in both; ranges are [from, until)");
}

std::array<double, 3> fractions_of(const json& cfg) {
  std::array<double, 3> f = {0.7, 0.15, 0.15};
  if (cfg.contains("fractions") && cfg["fractions"].is_object()) {
    f = {0, 0, 0};
    for (const auto& [k, v] : cfg["fractions"].items()) f[size_t(split_from_name(k))] = v.get<double>();
  }
  return f;
}

void check_split(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
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
  if (has_bounds(cfg)) check_bounds(spec, check);
  if (cfg.contains("by") && cfg["by"].is_string())
    check_columns_exist(check, columns_into(p, spec), {{child_path(spec.path, "by"), cfg["by"].get<std::string>()}},
                        "in the data this step gets");
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
  } else if (method == "time" && has_bounds(cfg)) {
    std::vector<double> t = time_values(in.table.at(get_string(cfg, "by", ""), "by"));
    std::array<Bounds, 3> b = bounds_of(cfg);
    for (size_t r = 0; r < n; ++r) {
      uint8_t s = uint8_t(Split::kOut);  // missing times and the gaps
      for (size_t k = 0; k < 3; ++k)
        if (b[k].given && b[k].contains(t[r])) s = uint8_t(k);
      out->split[r] = s;
    }
  } else if (method == "time") {
    const Column& c = in.table.at(get_string(cfg, "by", ""), "by");
    if (c.type == ColumnType::kCategorical) {
      // ISO datetimes are datetime columns; other text would order as text ("2018-4-10" before
      // "2018-4-9", or two formats mixed): refuse rather than cut at the wrong place.
      std::string example = c.dict.empty() ? "" : c.dict[0];
      for (const auto& d : c.dict)
        if (!parse_datetime(d)) {
          example = d;
          break;
        }
      throw StepError("by: column '" + c.name + "' holds text, not times (e.g. '" + example +
                      "'); a time split needs datetimes or numbers: declare its layout on the ingest step, e.g. types: {" +
                      c.name + ": {type: datetime, format: \"%d/%m/%Y\"}}");
    } else {  // numbers and datetimes ascending, missing last
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

  std::array<size_t, 4> counts{};
  std::array<double, 4> positives{};
  const Column* y = in.label.empty() ? nullptr : &in.table.at(in.label);
  for (size_t r = 0; r < n; ++r) {
    counts[out->split[r]]++;
    if (y && y->as_double(r) > 0.5) positives[out->split[r]] += 1;
  }
  std::string line;
  for (size_t s = 0; s < 3; ++s) {
    ctx.metric("rows", double(counts[s]), split_names()[s]);
    if (y && counts[s] && in.classes.empty()) ctx.metric("label_mean", positives[s] / double(counts[s]), split_names()[s]);
    line += (s ? ", " : "") + split_names()[s] + " " + std::to_string(counts[s]);
  }
  if (counts[3]) {
    ctx.metric("rows_left_out", double(counts[3]));
    line += ", left out " + std::to_string(counts[3]);
  }
  if (counts[0] == 0)
    throw StepError(has_bounds(cfg) ? "the train split is empty: no row of '" + get_string(cfg, "by", "") + "' falls in its date range"
                                    : "the train split is empty");
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
