#include "core/features/transforms.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/data/datetime.h"
#include "core/features/transform_kernels.h"
#include "core/features/window_features.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::map<std::string, Schema>& op_schemas() {
  static const std::map<std::string, Schema> m = {
      {"standardize", {{"op", Kind::kString, true, {}, ""}, {"columns", Kind::kStrings, true, {}, "columns or globs"}}},
      {"min_max", {{"op", Kind::kString, true, {}, ""}, {"columns", Kind::kStrings, true, {}, "columns or globs"}}},
      {"log1p",
       {{"op", Kind::kString, true, {}, ""},
        {"columns", Kind::kStrings, true, {}, "columns or globs"},
        {"signed", Kind::kBool, false, {}, "sign(x)*log1p(|x|), for values below -1"}}},
      {"clip",
       {{"op", Kind::kString, true, {}, ""},
        {"columns", Kind::kStrings, true, {}, "columns or globs"},
        {"lower", Kind::kNumber, false, {}, "fixed lower bound"},
        {"upper", Kind::kNumber, false, {}, "fixed upper bound"},
        {"lower_quantile", Kind::kNumber, false, {}, "lower bound fitted as a quantile (0-1)"},
        {"upper_quantile", Kind::kNumber, false, {}, "upper bound fitted as a quantile (0-1)"}}},
      {"fill_missing",
       {{"op", Kind::kString, true, {}, ""},
        {"columns", Kind::kStrings, true, {}, "columns or globs"},
        {"strategy", Kind::kString, false, {"mean", "median", "constant", "most_frequent"}, "default mean"},
        {"value", Kind::kNumber, false, {}, "the constant for strategy: constant"}}},
      {"one_hot",
       {{"op", Kind::kString, true, {}, ""},
        {"columns", Kind::kStrings, true, {}, "columns or globs"},
        {"max_categories", Kind::kInt, false, {}, "keep the most frequent N (default 50)"}}},
      {"ratio",
       {{"op", Kind::kString, true, {}, ""},
        {"numerator", Kind::kString, true, {}, "column"},
        {"denominator", Kind::kString, true, {}, "column"},
        {"name", Kind::kString, true, {}, "the new column"}}},
      {"drop", {{"op", Kind::kString, true, {}, ""}, {"columns", Kind::kStrings, true, {}, "columns or globs"}}},
      {"window",
       {{"op", Kind::kString, true, {}, ""},
        {"entity", Kind::kString, true, {}, "group by this column (customer, terminal)"},
        {"time", Kind::kString, true, {}, "event time: datetimes or epoch seconds"},
        {"columns", Kind::kStrings, false, {}, "numeric columns to aggregate"},
        {"windows", Kind::kStrings, true, {}, "trailing windows: 1d, 7d, 30d, 12h ..."},
        {"aggs", Kind::kStrings, false, {}, "count, sum, mean, min, max (default count, mean)"}}},
      {"time_parts",
       {{"op", Kind::kString, true, {}, ""},
        {"time", Kind::kString, true, {}, "datetime column (UTC)"},
        {"parts", Kind::kStrings, true, {}, "hour, weekday (Monday 0), weekend (0/1), night (0/1: before 6:00)"}}},
      {"label_rate",
       {{"op", Kind::kString, true, {}, ""},
        {"entity", Kind::kString, true, {}, "group by this column"},
        {"time", Kind::kString, true, {}, "event time"},
        {"label", Kind::kString, true, {}, "the 0/1 column whose rate is taken"},
        {"windows", Kind::kStrings, true, {}, "trailing windows"},
        {"delay", Kind::kString, false, {}, "labels become known this long after the event (e.g. 7d)"}}},
  };
  return m;
}

// Expands names and globs against the table, in table order for globs.
std::vector<std::string> resolve_columns(const json& spec, const Table& t,
                                         const std::vector<std::string>& protected_cols) {
  std::vector<std::string> out;
  std::string op = spec["op"].get<std::string>();
  for (const auto& pat : as_strings(spec["columns"])) {
    bool glob = pat.find_first_of("*?") != std::string::npos;
    size_t before = out.size();
    if (!glob) {
      if (t.find(pat) < 0)
        throw StepError(op + ": no column '" + pat + "'" + did_you_mean(pat, t.names()));
      if (std::find(protected_cols.begin(), protected_cols.end(), pat) != protected_cols.end())
        throw StepError(op + ": column '" + pat + "' is the label or id and cannot be transformed");
      out.push_back(pat);
    } else {
      for (const auto& c : t.columns())
        if (glob_match(pat, c.name) &&
            std::find(protected_cols.begin(), protected_cols.end(), c.name) == protected_cols.end())
          out.push_back(c.name);
      if (out.size() == before) throw StepError(op + ": no column matches '" + pat + "'");
    }
  }
  std::vector<std::string> uniq;
  for (auto& c : out)
    if (std::find(uniq.begin(), uniq.end(), c) == uniq.end()) uniq.push_back(c);
  return uniq;
}

const Column& numeric_column(const Table& t, const std::string& name, const std::string& op) {
  const Column& c = t.at(name, op);
  if (c.type != ColumnType::kNumeric)
    throw StepError(op + ": column '" + name + "' is categorical; use one_hot or fill_missing on it");
  return c;
}

std::vector<double> fit_values(const Column& c, const std::vector<uint32_t>& rows) {
  std::vector<double> v;
  v.reserve(rows.size());
  for (uint32_t r : rows)
    if (double x = c.value(r); !std::isnan(x)) v.push_back(x);
  return v;
}

// Linear interpolation between order statistics (numpy's default).
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  double pos = q * double(v.size() - 1);
  size_t lo = size_t(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

std::string category_key(const Column& c, size_t r) { return c.text(r); }

// ---- apply (shared by fit and predict) -------------------------------------------------------

void apply_one(const json& f, Table& t) {
  std::string op = f["op"].get<std::string>();
  if (op == "window") return apply_window(f, t);
  if (op == "label_rate") return apply_label_rate(f, t);
  if (op == "time_parts") {
    std::string col = f["time"];
    std::vector<double> secs = time_values(t.at(col, op));
    for (const auto& part_json : f["parts"]) {
      std::string part = part_json;
      Column out;
      out.name = col + "_" + part;
      out.num.resize(t.rows());
      for (size_t r = 0; r < t.rows(); ++r) {
        double s = secs[r];
        double days = std::floor(s / 86400.0);
        double hour = std::floor((s - days * 86400.0) / 3600.0);
        double weekday = std::fmod(days + 3.0, 7.0);  // 1970-01-01 was a Thursday
        if (weekday < 0) weekday += 7;
        out.num[r] = std::isnan(s) ? kNaN
                     : part == "hour"    ? hour
                     : part == "weekday" ? weekday
                     : part == "weekend" ? (weekday >= 5 ? 1.0 : 0.0)
                                         : (hour < 6 ? 1.0 : 0.0);
      }
      if (stores_float32(f)) out.narrow();
      t.remove(out.name);
      t.add(std::move(out));
    }
    return;
  }
  if (op == "drop") {
    for (const auto& c : f["columns"]) t.remove(c.get<std::string>());
    return;
  }
  if (op == "ratio") {
    const Column& a = numeric_column(t, f["numerator"], op);
    const Column& b = numeric_column(t, f["denominator"], op);
    Column out;
    out.name = f["name"].get<std::string>();
    out.num.resize(t.rows());
    for (size_t r = 0; r < t.rows(); ++r) out.num[r] = kernels::ratio(a.value(r), b.value(r));
    if (stores_float32(f)) out.narrow();
    t.remove(out.name);
    t.add(std::move(out));
    return;
  }
  if (op == "one_hot") {
    for (const auto& spec : f["columns"]) {
      std::string name = spec["column"].get<std::string>();
      const Column& c = t.at(name, op);
      std::vector<std::string> cats = spec["categories"].get<std::vector<std::string>>();
      std::map<std::string, size_t> index;
      for (size_t k = 0; k < cats.size(); ++k) index[cats[k]] = k;
      std::vector<Column> outs(cats.size());
      for (size_t k = 0; k < cats.size(); ++k) {
        outs[k].name = name + "=" + cats[k];
        outs[k].num.assign(t.rows(), 0.0);
      }
      for (size_t r = 0; r < t.rows(); ++r) {
        if (c.missing(r)) continue;
        auto it = index.find(category_key(c, r));
        if (it != index.end()) outs[it->second].num[r] = 1.0;
      }
      t.remove(name);
      for (auto& o : outs) t.add(std::move(o));
    }
    return;
  }
  const json& cols = f["columns"];
  for (size_t k = 0; k < cols.size(); ++k) {
    std::string name = cols[k].get<std::string>();
    Column& c = t.edit(name, op);
    if (op == "fill_missing" && c.type == ColumnType::kCategorical) {
      std::string fill = f["fill"][k].get<std::string>();
      auto it = std::find(c.dict.begin(), c.dict.end(), fill);
      int32_t code = int32_t(it - c.dict.begin());
      if (it == c.dict.end()) c.dict.push_back(fill);
      for (auto& v : c.codes)
        if (v < 0) v = code;
      continue;
    }
    if (c.type != ColumnType::kNumeric) numeric_column(t, name, op);  // throws
    // In double, then kept as it was kept: a narrow column stays narrow.
    bool was_narrow = c.f32;
    c.widen();
    std::vector<double>& x = c.num;
    if (op == "standardize") {
      double m = f["mean"][k], s = f["std"][k];
      for (double& v : x) v = kernels::standardize(v, m, s);
    } else if (op == "min_max") {
      double lo = f["min"][k], range = f["range"][k];
      for (double& v : x) v = kernels::min_max(v, lo, range);
    } else if (op == "log1p") {
      bool sign = f.value("signed", false);
      for (double& v : x) v = kernels::log1p(v, sign);
    } else if (op == "clip") {
      double lo = f["lower"][k].is_null() ? -INFINITY : f["lower"][k].get<double>();
      double hi = f["upper"][k].is_null() ? INFINITY : f["upper"][k].get<double>();
      for (double& v : x) v = kernels::clip(v, lo, hi);
    } else if (op == "fill_missing") {
      double fill = f["fill"][k];
      for (double& v : x) v = kernels::fill_missing(v, fill);
    }
    if (was_narrow) c.narrow();
  }
}

// ---- fit --------------------------------------------------------------------------------------

json fit_one(const json& spec, const Table& t, const std::vector<uint32_t>& rows,
             const std::vector<std::string>& protected_cols) {
  std::string op = spec["op"].get<std::string>();
  json f = {{"op", op}};
  if (op == "time_parts") {
    f = spec;
    f["parts"] = as_strings(spec["parts"]);
    f["store"] = "float32";
    return f;
  }
  if (op == "window" || op == "label_rate") {  // nothing to learn: the spec is the transform
    f = spec;
    if (op == "window") {
      f["columns"] = spec.contains("columns") ? json(resolve_columns(spec, t, protected_cols)) : json::array();
      if (!spec.contains("aggs")) f["aggs"] = {"count", "mean"};
      f["windows"] = as_strings(spec["windows"]);
      f["aggs"] = as_strings(f["aggs"]);
    } else {
      f["windows"] = as_strings(spec["windows"]);
    }
    f["store"] = "float32";
    return f;
  }
  if (op == "ratio") {
    for (const char* k : {"numerator", "denominator"}) {
      std::string c = spec[k].get<std::string>();
      numeric_column(t, c, op);
      f[k] = c;
    }
    f["name"] = spec["name"];
    f["store"] = "float32";
    return f;
  }
  std::vector<std::string> cols = resolve_columns(spec, t, protected_cols);
  if (op == "drop") {
    f["columns"] = cols;
    return f;
  }
  if (op == "one_hot") {
    size_t max_cats = size_t(spec.value("max_categories", 50));
    json out = json::array();
    for (const auto& name : cols) {
      const Column& c = t.at(name);
      std::map<std::string, size_t> counts;
      std::vector<std::string> first_seen;
      for (uint32_t r : rows) {
        if (c.missing(r)) continue;
        std::string key = category_key(c, r);
        if (counts[key]++ == 0) first_seen.push_back(key);
      }
      // Most frequent first; ties in the order first seen, so the result is deterministic.
      std::stable_sort(first_seen.begin(), first_seen.end(),
                       [&](const std::string& a, const std::string& b) { return counts[a] > counts[b]; });
      if (first_seen.size() > max_cats) first_seen.resize(max_cats);
      out.push_back({{"column", name}, {"categories", first_seen}});
    }
    f["columns"] = out;
    return f;
  }
  f["columns"] = cols;
  if (op == "log1p") {
    f["signed"] = spec.value("signed", false);
    return f;
  }
  for (const auto& name : cols) {
    const Column& c = t.at(name);
    if (op == "fill_missing" && c.type == ColumnType::kCategorical) {
      std::string strategy = spec.value("strategy", "most_frequent");
      if (strategy != "most_frequent")
        throw StepError(op + ": column '" + name + "' is categorical: use strategy most_frequent");
      std::vector<size_t> counts(c.dict.size());
      for (uint32_t r : rows)
        if (c.codes[r] >= 0) counts[c.codes[r]]++;
      size_t best = std::max_element(counts.begin(), counts.end()) - counts.begin();
      f["fill"].push_back(counts.empty() ? std::string() : c.dict[best]);
      continue;
    }
    numeric_column(t, name, op);
    std::vector<double> v = fit_values(c, rows);
    if (op == "standardize") {
      double m = mean_of(v), ss = 0;
      for (double x : v) ss += (x - m) * (x - m);
      double sd = v.empty() ? 0 : std::sqrt(ss / double(v.size()));
      f["mean"].push_back(m);
      f["std"].push_back(sd > 0 ? sd : 1.0);  // a constant column stays finite
    } else if (op == "min_max") {
      double lo = v.empty() ? 0 : *std::min_element(v.begin(), v.end());
      double hi = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
      f["min"].push_back(lo);
      f["range"].push_back(hi > lo ? hi - lo : 1.0);
    } else if (op == "clip") {
      json lo = spec.contains("lower") ? spec["lower"]
                : spec.contains("lower_quantile") ? json(quantile(v, spec["lower_quantile"])) : json();
      json hi = spec.contains("upper") ? spec["upper"]
                : spec.contains("upper_quantile") ? json(quantile(v, spec["upper_quantile"])) : json();
      f["lower"].push_back(lo);
      f["upper"].push_back(hi);
    } else if (op == "fill_missing") {
      std::string strategy = spec.value("strategy", "mean");
      double fill = strategy == "median"     ? quantile(v, 0.5)
                    : strategy == "constant" ? spec.value("value", 0.0)
                    : strategy == "most_frequent"
                        ? [&] {
                            std::map<double, size_t> cnt;
                            for (double x : v) cnt[x]++;
                            double best = 0;
                            size_t n = 0;
                            for (auto& [x, k] : cnt)
                              if (k > n) best = x, n = k;
                            return best;
                          }()
                        : mean_of(v);
      f["fill"].push_back(std::isnan(fill) ? 0.0 : fill);
    }
  }
  return f;
}

}  // namespace

const std::vector<std::string>& transform_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> v;
    for (const auto& [k, s] : op_schemas()) v.push_back(k);
    return v;
  }();
  return ops;
}

void check_transforms(const json& specs, const std::string& path, const ConfigChecker& check) {
  if (!specs.is_array()) check.fail_value(path, "transforms must be a list of {op: ..., columns: ...}");
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string p = child_path(path, std::to_string(i));
    const json& s = specs[i];
    if (!s.is_object()) check.fail_value(p, "each transform must be a map with an 'op', got " + describe(s));
    if (!s.contains("op") || !s["op"].is_string())
      check.fail_value(p, "transform is missing 'op' (one of " + join(transform_ops(), ", ") + ")");
    std::string op = s["op"];
    auto it = op_schemas().find(op);
    if (it == op_schemas().end())
      check.fail_value(child_path(p, "op"), "unknown transform op '" + op + "'" +
                                                did_you_mean(op, transform_ops()) + "; known ops: " +
                                                join(transform_ops(), ", "));
    ConfigChecker inner(check.map(), "transform " + op);
    inner.check_object(s, p, it->second);
    for (const char* q : {"lower_quantile", "upper_quantile"})
      if (s.contains(q) && (s[q].get<double>() < 0 || s[q].get<double>() > 1))
        inner.fail_value(child_path(p, q), std::string(q) + " must be between 0 and 1");
    // Each category is a dense column as long as the data: 200,000 of them ran out of memory.
    if (op == "one_hot" && s.contains("max_categories") &&
        (s["max_categories"].get<long long>() < 1 || s["max_categories"].get<long long>() > 10000))
      inner.fail_value(child_path(p, "max_categories"),
                       "max_categories must be between 1 and 10000 (each category becomes a column as long as the data); "
                       "a column with more levels keeps its most frequent ones and the rest read as none");
    if (op == "fill_missing" && s.value("strategy", "") == "constant" && !s.contains("value"))
      inner.fail_key(p, "strategy constant needs `value:`");
    if (op == "time_parts") {
      std::vector<std::string> known = {"hour", "weekday", "weekend", "night"};
      for (const auto& part : as_strings(s["parts"]))
        if (std::find(known.begin(), known.end(), part) == known.end())
          inner.fail_value(child_path(p, "parts"), "unknown part '" + part + "'" + did_you_mean(part, known) +
                                                       "; use hour, weekday, weekend, night");
    }
    if (op == "window" || op == "label_rate") {
      auto windows = as_strings(s["windows"]);
      for (size_t w = 0; w < windows.size(); ++w) {
        auto d = parse_duration(windows[w]);
        if (!d || *d <= 0)
          inner.fail_value(child_path(child_path(p, "windows"), s["windows"].is_array() ? std::to_string(w) : ""),
                           "window '" + windows[w] + "' is not a duration like 30m, 12h, 7d or 2w");
      }
      if (s.contains("delay") && !parse_duration(s["delay"].get<std::string>()))
        inner.fail_value(child_path(p, "delay"), "delay must be a duration like 7d");
      std::vector<std::string> aggs = {"count", "sum", "mean", "min", "max"};
      if (s.contains("aggs"))
        for (const auto& a : as_strings(s["aggs"]))
          if (std::find(aggs.begin(), aggs.end(), a) == aggs.end())
            inner.fail_value(child_path(p, "aggs"), "unknown aggregate '" + a + "'" + did_you_mean(a, aggs) +
                                                        "; use count, sum, mean, min, max");
      if (op == "window" && !s.contains("columns") && s.contains("aggs"))
        for (const auto& a : as_strings(s["aggs"]))
          if (a != "count") inner.fail_key(p, "aggregate '" + a + "' needs `columns:`");
    }
  }
}

json fit_transforms(const json& specs, Table& t, const std::vector<uint32_t>& fit_rows,
                    const std::vector<std::string>& protected_cols) {
  json fitted = json::array();
  for (const auto& spec : specs) {
    json f = fit_one(spec, t, fit_rows, protected_cols);
    // A new column under the label's (id's, weight's) name would replace it: the model would
    // learn from a transform of its inputs, silently.
    std::vector<std::string> made;
    std::string op = f.value("op", "");
    if (op == "ratio") made.push_back(f["name"].get<std::string>());
    if (op == "time_parts")
      for (const auto& part : f["parts"]) made.push_back(f["time"].get<std::string>() + "_" + part.get<std::string>());
    if (op == "window") made = window_column_names(f);
    if (op == "label_rate") made = label_rate_column_names(f);
    for (const auto& m : made)
      if (std::find(protected_cols.begin(), protected_cols.end(), m) != protected_cols.end())
        throw ConfigError("transform " + op + " would write a column named '" + m +
                          "', which is the label, id or weight column: give the new column another name");
    apply_one(f, t);
    fitted.push_back(std::move(f));
  }
  return fitted;
}

void apply_transforms(const json& fitted, Table& t) {
  for (const auto& f : fitted) apply_one(f, t);
}

}  // namespace mlpipe
