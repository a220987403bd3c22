#include "core/features/window_features.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>

#include "core/data/datetime.h"
#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Groups {
  std::vector<uint32_t> order;                      // rows sorted by (entity, time, row)
  std::vector<std::pair<size_t, size_t>> ranges;    // [begin, end) of each entity in `order`
  std::vector<double> time;
};

// Rows with a missing entity or time get no aggregates (NaN) and are left out of every window.
Groups group_rows(const Table& t, const std::string& entity, const std::string& time_col,
                  const std::string& op) {
  Groups g;
  const Column& e = t.at(entity, op + ": entity");
  g.time = time_values(t.at(time_col, op + ": time"));
  for (uint32_t r = 0; r < t.rows(); ++r)
    if (!e.missing(r) && !std::isnan(g.time[r])) g.order.push_back(r);
  std::stable_sort(g.order.begin(), g.order.end(), [&](uint32_t a, uint32_t b) {
    double ea = e.as_double(a), eb = e.as_double(b);
    if (ea != eb) return ea < eb;
    return g.time[a] < g.time[b];
  });
  for (size_t p = 0; p < g.order.size();) {
    size_t q = p;
    while (q < g.order.size() && e.as_double(g.order[q]) == e.as_double(g.order[p])) ++q;
    g.ranges.emplace_back(p, q);
    p = q;
  }
  return g;
}

std::vector<double> windows_of(const json& spec) {
  std::vector<double> out;
  for (const auto& w : spec["windows"]) {
    auto d = parse_duration(w.get<std::string>());
    if (!d || *d <= 0) throw StepError("window '" + w.get<std::string>() + "' is not a duration like 7d");
    out.push_back(*d);
  }
  return out;
}

Column numeric(std::string name, size_t rows) {
  Column c;
  c.name = std::move(name);
  c.num.assign(rows, kNaN);
  return c;
}

// Computed in double, kept as the fitted spec says: float32 since `store: float32` (a spec
// fitted before that, in an older bundle, keeps doubles, so it scores as it was trained).
void store_outputs(const json& spec, std::vector<Column>& outs, Table& t) {
  for (auto& o : outs) {
    if (stores_float32(spec)) o.narrow();
    t.remove(o.name);
    t.add(std::move(o));
  }
}

}  // namespace

// (.at: validate calls these on specs not checked yet; a missing key throws, never asserts)
std::vector<std::string> window_column_names(const json& spec) {
  std::vector<std::string> out;
  std::string e = spec.at("entity").get<std::string>();
  for (const auto& w : spec.at("windows")) {
    std::string ws = w.get<std::string>();
    for (const auto& agg : spec.at("aggs")) {
      if (agg == "count") {
        out.push_back(e + "_count_" + ws);
        continue;
      }
      for (const auto& c : spec.at("columns")) out.push_back(e + "_" + c.get<std::string>() + "_" + agg.get<std::string>() + "_" + ws);
    }
  }
  return out;
}

std::vector<std::string> label_rate_column_names(const json& spec) {
  std::vector<std::string> out;
  std::string e = spec.at("entity").get<std::string>(), y = spec.at("label").get<std::string>();
  for (const auto& w : spec.at("windows")) {
    out.push_back(e + "_" + y + "_rate_" + w.get<std::string>());
    out.push_back(e + "_labelled_" + w.get<std::string>());
  }
  return out;
}

void apply_window(const json& spec, Table& t) {
  Groups g = group_rows(t, spec["entity"], spec["time"], "window");
  std::vector<double> windows = windows_of(spec);
  std::vector<std::string> names = window_column_names(spec);
  std::vector<Column> outs;
  for (const auto& n : names) outs.push_back(numeric(n, t.rows()));
  std::vector<std::vector<double>> values;
  for (const auto& c : spec["columns"]) {
    const Column& col = t.at(c.get<std::string>(), "window");
    if (col.type != ColumnType::kNumeric) throw StepError("window: column '" + col.name + "' is not numeric");
    values.push_back(col.values());
  }
  size_t out_index = 0;
  for (double w : windows) {
    for (const auto& agg_json : spec["aggs"]) {
      std::string agg = agg_json;
      size_t ncols = agg == "count" ? 1 : values.size();
      for (size_t c = 0; c < ncols; ++c, ++out_index) {
        std::vector<double>& out = outs[out_index].num;
        for (auto [b, e] : g.ranges) {
          // Prefix sums over this entity's events (missing values count as 0, and are not counted).
          std::vector<double> sum(e - b + 1, 0.0), present(e - b + 1, 0.0);
          std::deque<size_t> dq;  // positions with monotonic values, for min/max
          for (size_t p = b; p < e; ++p) {
            double v = agg == "count" ? 0.0 : values[c][g.order[p]];
            bool ok = !std::isnan(v);
            sum[p - b + 1] = sum[p - b] + (ok ? v : 0.0);
            present[p - b + 1] = present[p - b] + (ok ? 1.0 : 0.0);
          }
          size_t lo = b;
          for (size_t p = b; p < e; ++p) {
            uint32_t row = g.order[p];
            double now = g.time[row];
            while (g.time[g.order[lo]] <= now - w) ++lo;
            double n = present[p - b + 1] - present[lo - b];
            if (agg == "count") {
              out[row] = double(p - lo + 1);
            } else if (agg == "sum") {
              out[row] = sum[p - b + 1] - sum[lo - b];
            } else if (agg == "mean") {
              out[row] = n > 0 ? (sum[p - b + 1] - sum[lo - b]) / n : kNaN;
            } else {  // min or max: a deque of candidates, oldest first
              bool is_max = agg == "max";
              double v = values[c][row];
              if (!std::isnan(v)) {
                while (!dq.empty() && (is_max ? values[c][g.order[dq.back()]] <= v : values[c][g.order[dq.back()]] >= v))
                  dq.pop_back();
                dq.push_back(p);
              }
              while (!dq.empty() && dq.front() < lo) dq.pop_front();
              out[row] = dq.empty() ? kNaN : values[c][g.order[dq.front()]];
            }
          }
        }
      }
    }
  }
  store_outputs(spec, outs, t);
}

void apply_label_rate(const json& spec, Table& t) {
  Groups g = group_rows(t, spec["entity"], spec["time"], "label_rate");
  const Column& y = t.at(spec["label"].get<std::string>(), "label_rate: label");
  if (y.type != ColumnType::kNumeric) throw StepError("label_rate: label '" + y.name + "' is not numeric");
  auto delay = parse_duration(spec.value("delay", "0s"));
  if (!delay) throw StepError("label_rate: delay is not a duration like 7d");
  std::vector<double> windows = windows_of(spec);
  std::vector<std::string> names = label_rate_column_names(spec);
  std::vector<Column> outs;
  for (const auto& n : names) outs.push_back(numeric(n, t.rows()));
  for (size_t k = 0; k < windows.size(); ++k) {
    std::vector<double>& rate = outs[2 * k].num;
    std::vector<double>& labelled = outs[2 * k + 1].num;
    for (auto [b, e] : g.ranges) {
      std::vector<double> known(e - b + 1, 0.0), pos(e - b + 1, 0.0);
      for (size_t p = b; p < e; ++p) {
        double v = y.value(g.order[p]);
        known[p - b + 1] = known[p - b] + (std::isnan(v) ? 0.0 : 1.0);
        pos[p - b + 1] = pos[p - b] + (!std::isnan(v) && v > 0.5 ? 1.0 : 0.0);
      }
      size_t lo = b, hi = b;  // window = positions [lo, hi), hi never past the event itself
      for (size_t p = b; p < e; ++p) {
        uint32_t row = g.order[p];
        double upper = g.time[row] - *delay, lower = upper - windows[k];
        while (hi < p && g.time[g.order[hi]] <= upper) ++hi;
        while (lo < hi && g.time[g.order[lo]] <= lower) ++lo;
        double n = known[hi - b] - known[lo - b];
        labelled[row] = n;
        rate[row] = n > 0 ? (pos[hi - b] - pos[lo - b]) / n : 0.0;
      }
    }
  }
  store_outputs(spec, outs, t);
}

bool stores_float32(const json& fitted) { return fitted.value("store", "") == "float32"; }

}  // namespace mlpipe
