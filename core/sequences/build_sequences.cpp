#include "core/sequences/build_sequences.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "core/config/schema.h"
#include "core/data/datetime.h"
#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {

void SequenceSet::gather(const uint32_t* samples, size_t k, float* x, int32_t* cat, uint8_t* mask) const {
  const size_t T = max_len, F = features(), C = categoricals();
  std::fill(x, x + k * T * F, 0.0f);
  std::fill(cat, cat + k * T * C, 0);
  std::fill(mask, mask + k * T, uint8_t(0));
  for (size_t i = 0; i < k; ++i) {
    size_t s = samples[i], len = size_t(window_len[s]), end = size_t(window_end[s]), pad = T - len;
    for (size_t j = 0; j < len; ++j) {
      size_t ev = size_t(window_events[end - len + j]), slot = i * T + pad + j;
      std::copy(event_x.begin() + long(ev * F), event_x.begin() + long((ev + 1) * F), x + slot * F);
      std::copy(event_cat.begin() + long(ev * C), event_cat.begin() + long((ev + 1) * C), cat + slot * C);
      mask[slot] = 1;
    }
  }
}

std::vector<uint32_t> SequenceSet::samples_of(uint8_t s) const {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < n; ++i)
    if (split.empty() || split[i] == s) out.push_back(uint32_t(i));
  return out;
}

namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

// Rows grouped by entity, each group ordered by (time, row): the order events happened in.
struct EventOrder {
  std::vector<std::vector<uint32_t>> groups;
  std::vector<double> time;
};

EventOrder order_events(const Frame& f, const std::string& entity, const std::string& time_col) {
  EventOrder o;
  const Column& e = f.table.at(entity, "entity");
  o.time = time_values(f.table.at(time_col, "time"));
  std::map<double, size_t> index;  // ordered: groups come out in entity order, deterministic
  for (uint32_t r = 0; r < f.table.rows(); ++r) {
    if (e.missing(r) || std::isnan(o.time[r])) continue;
    auto [it, inserted] = index.try_emplace(e.as_double(r), o.groups.size());
    if (inserted) o.groups.emplace_back();
    o.groups[it->second].push_back(r);
  }
  for (auto& g : o.groups)
    std::stable_sort(g.begin(), g.end(), [&](uint32_t a, uint32_t b) { return o.time[a] < o.time[b]; });
  return o;
}

std::vector<double> time_gaps(const EventOrder& o, size_t rows) {
  std::vector<double> gap(rows, 0.0);
  for (const auto& g : o.groups)
    for (size_t k = 1; k < g.size(); ++k) gap[g[k]] = std::log1p(std::max(0.0, o.time[g[k]] - o.time[g[k - 1]]));
  return gap;
}

}  // namespace

json fit_sequence_preprocess(const Frame& f, const json& cfg, const std::vector<uint32_t>& fit_rows) {
  json out = {{"entity", cfg["entity"]}, {"time", cfg["time"]}, {"max_len", cfg.value("max_len", 32)},
              {"label_level", cfg.value("label_level", "event")}};
  std::vector<std::string> targets = cfg.contains("targets") ? as_strings(cfg["targets"])
                                                             : std::vector<std::string>{f.label};
  if (targets.empty() || targets[0].empty())
    throw StepError("no target: set `targets:` or the ingest label");
  for (const auto& t : targets) {
    const Column& c = f.table.at(t, "targets");
    if (c.type != ColumnType::kNumeric) throw StepError("target '" + t + "' is not numeric");
  }
  out["targets"] = targets;
  auto stats = [&](const std::vector<double>& v) {
    double sum = 0, n = 0;
    for (uint32_t r : fit_rows)
      if (!std::isnan(v[r])) sum += v[r], n += 1;
    double mean = n > 0 ? sum / n : 0, ss = 0;
    for (uint32_t r : fit_rows)
      if (!std::isnan(v[r])) ss += (v[r] - mean) * (v[r] - mean);
    double sd = n > 0 ? std::sqrt(ss / n) : 0;
    return json{{"mean", mean}, {"std", sd > 0 ? sd : 1.0}};
  };
  out["numeric"] = json::array();
  for (const auto& name : as_strings(cfg.value("features", json::array()))) {
    const Column& c = f.table.at(name, "features");
    if (c.type != ColumnType::kNumeric)
      throw StepError("feature '" + name + "' is categorical; list it under `categorical:`");
    if (std::find(targets.begin(), targets.end(), name) != targets.end())
      throw StepError("'" + name + "' is a target and cannot also be a feature");
    json s = stats(c.values());
    s["name"] = name;
    out["numeric"].push_back(s);
  }
  EventOrder order = order_events(f, cfg["entity"], cfg["time"]);
  out["gap"] = stats(time_gaps(order, f.table.rows()));
  size_t max_vocab = size_t(cfg.value("max_vocab", 10000));
  out["categorical"] = json::array();
  for (const auto& name : as_strings(cfg.value("categorical", json::array()))) {
    const Column& c = f.table.at(name, "categorical");
    std::unordered_map<std::string, size_t> counts;
    std::vector<std::string> first_seen;
    for (uint32_t r : fit_rows) {
      if (c.missing(r)) continue;
      std::string key = c.text(r);
      if (counts[key]++ == 0) first_seen.push_back(key);
    }
    std::stable_sort(first_seen.begin(), first_seen.end(),
                     [&](const std::string& a, const std::string& b) { return counts[a] > counts[b]; });
    if (first_seen.size() > max_vocab) first_seen.resize(max_vocab);
    out["categorical"].push_back({{"name", name}, {"vocab", first_seen}});
  }
  return out;
}

SequenceSet build_sequences(const Frame& f, const json& fit, bool need_targets) {
  SequenceSet s;
  s.max_len = fit["max_len"].get<size_t>();
  size_t T = s.max_len;
  size_t rows = f.table.rows();
  EventOrder order = order_events(f, fit["entity"], fit["time"]);

  // Per-row event features, computed once: standardized numerics (missing -> 0, the mean), the
  // standardized log time gap, and categorical codes.
  size_t F = fit["numeric"].size() + 1, C = fit["categorical"].size();
  for (const auto& n : fit["numeric"]) s.numeric_names.push_back(n["name"]);
  s.numeric_names.push_back("log_time_gap");
  std::vector<float> feat(rows * F, 0.0f);
  for (size_t k = 0; k + 1 < F; ++k) {
    const json& n = fit["numeric"][k];
    const Column& c = f.table.at(n["name"].get<std::string>(), "features");
    double m = n["mean"], sd = n["std"];
    for (size_t r = 0; r < rows; ++r) {
      double x = c.value(r);
      feat[r * F + k] = std::isnan(x) ? 0.0f : float((x - m) / sd);
    }
  }
  std::vector<double> gap = time_gaps(order, rows);
  double gm = fit["gap"]["mean"], gs = fit["gap"]["std"];
  for (size_t r = 0; r < rows; ++r) feat[r * F + F - 1] = float((gap[r] - gm) / gs);
  std::vector<int32_t> codes(rows * C, 1);
  for (size_t k = 0; k < C; ++k) {
    const json& cj = fit["categorical"][k];
    s.categorical_names.push_back(cj["name"]);
    std::vector<std::string> vocab = cj["vocab"].get<std::vector<std::string>>();
    s.vocab_sizes.push_back(int32_t(vocab.size() + 2));
    std::unordered_map<std::string, int32_t> index;
    for (size_t v = 0; v < vocab.size(); ++v) index[vocab[v]] = int32_t(v + 2);
    const Column& c = f.table.at(cj["name"].get<std::string>(), "categorical");
    for (size_t r = 0; r < rows; ++r) {
      if (c.missing(r)) continue;
      auto it = index.find(c.text(r));
      if (it != index.end()) codes[r * C + k] = it->second;
    }
  }

  std::vector<std::string> targets = fit["targets"].get<std::vector<std::string>>();
  s.target_names = targets;
  std::vector<const Column*> tcols;
  for (const auto& t : targets) tcols.push_back(f.table.find(t) >= 0 ? &f.table.at(t) : nullptr);
  if (need_targets && !tcols[0]) throw StepError("no target column '" + targets[0] + "'");
  s.targets.assign(targets.size(), {});
  bool entity_level = fit["label_level"] == "entity";
  if (need_targets && tcols[0]) {  // a labelled event without entity or time would silently vanish
    const Column& e = f.table.at(fit["entity"].get<std::string>());
    size_t lost = 0, first = 0;
    for (uint32_t r = 0; r < rows; ++r)
      if (!std::isnan(tcols[0]->value(r)) && (e.missing(r) || std::isnan(order.time[r])))
        if (lost++ == 0) first = r;
    if (lost)
      throw StepError(std::to_string(lost) + " labelled event" + (lost > 1 ? "s have" : " has") + " no " +
                      fit["entity"].get<std::string>() + " (entity) or no " + fit["time"].get<std::string>() +
                      " (time), first at data row " + std::to_string(first + 1) +
                      ": it has no history to learn from; fill these values or drop the rows");
  }

  s.event_x = std::move(feat);
  s.event_cat = std::move(codes);
  auto add_sample = [&](size_t group_start, const std::vector<uint32_t>& g, size_t k) {
    uint32_t row = g[k];
    size_t start = k + 1 >= T ? k + 1 - T : 0;  // events at or before the sample's own: never later ones
    s.window_end.push_back(int32_t(group_start + k + 1));
    s.window_len.push_back(int32_t(k + 1 - start));
    ++s.n;
    for (size_t t = 0; t < targets.size(); ++t)
      s.targets[t].push_back(tcols[t] ? float(tcols[t]->value(row)) : kNaNf);
    s.split.push_back(f.has_split() ? f.split[row] : uint8_t(Split::kTrain));
    s.rows.push_back(int32_t(row));
  };
  for (const auto& g : order.groups) {
    size_t group_start = s.window_events.size();  // where this entity's events start
    s.window_events.insert(s.window_events.end(), g.begin(), g.end());
    if (entity_level) {
      if (!g.empty()) add_sample(group_start, g, g.size() - 1);
      continue;
    }
    for (size_t k = 0; k < g.size(); ++k) {
      bool labelled = tcols[0] && !std::isnan(tcols[0]->value(g[k]));
      if (labelled || !need_targets) add_sample(group_start, g, k);
    }
  }
  return s;
}

}  // namespace mlpipe
