#include "core/report/segment_tables.h"

#include <algorithm>
#include <map>

#include "core/metrics/metrics.h"
#include "core/store/report_queries.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {

std::vector<SegmentTables> segment_tables(Db& db, int64_t run) {
  std::vector<SegmentTables> out;
  auto fixed = [](double v) { return json(format_fixed(v, 4)); };
  std::vector<SegmentMetric> all = segment_metrics(db, run);
  std::vector<std::string> steps;
  for (const auto& m : all)
    if (std::find(steps.begin(), steps.end(), m.step) == steps.end()) steps.push_back(m.step);
  for (const auto& step : steps) {
    SegmentTables st;
    st.fairness.columns = {"protected column", "adverse impact ratio", "four-fifths rule", "TPR difference", "FPR difference", "ECE difference"};
    std::vector<std::string> columns;  // segment columns, in order
    std::map<std::string, std::map<std::string, double>> measures;
    std::string split;
    for (const auto& m : all) {
      if (m.step != step) continue;
      split = m.split;
      if (m.group.empty()) measures[m.column][m.metric] = m.value;
      if (std::find(columns.begin(), columns.end(), m.column) == columns.end()) columns.push_back(m.column);
    }
    st.title = step + (split.empty() ? "" : " (" + split + ")");
    for (const auto& c : columns) {
      if (!measures.count(c)) continue;
      auto& v = measures[c];
      auto cell = [&](const char* k) { return v.count(k) ? fixed(v[k]) : json(); };
      json rule = v.count("adverse_impact_ratio") ? json(v["adverse_impact_ratio"] >= 0.8 ? "passes (>= 0.8)" : "FAILS (< 0.8)") : json();
      st.fairness.rows.push_back({c, cell("adverse_impact_ratio"), rule, cell("tpr_difference"), cell("fpr_difference"), cell("ece_difference")});
    }
    for (const auto& c : columns) {
      std::vector<std::string> metric_names, groups;
      std::map<std::string, std::map<std::string, double>> cells;  // group -> metric -> value
      for (const auto& m : all) {
        if (m.step != step || m.column != c || m.group.empty()) continue;
        if (std::find(groups.begin(), groups.end(), m.group) == groups.end()) groups.push_back(m.group);
        if (std::find(metric_names.begin(), metric_names.end(), m.metric) == metric_names.end()) metric_names.push_back(m.metric);
        cells[m.group][m.metric] = m.value;
      }
      if (groups.empty()) continue;
      // One column order for every group (a metric undefined in the first group is not last).
      std::vector<std::string> canonical = {"rows", "positives"};
      for (const auto* names : {&binary_metric_names(), &regression_metric_names(), &multiclass_metric_names()})
        for (const auto& n : *names) canonical.push_back(n);
      for (const char* n : {"favorable_rate", "tpr", "fpr", "ece"}) canonical.push_back(n);
      auto rank = [&](const std::string& n) {
        return size_t(std::find(canonical.begin(), canonical.end(), n) - canonical.begin());
      };
      std::stable_sort(metric_names.begin(), metric_names.end(), [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
      QueryResult t;
      t.columns = {c};
      for (const auto& n : metric_names) t.columns.push_back(n);
      for (const auto& g : groups) {
        std::vector<json> row = {g};
        for (const auto& n : metric_names) {
          bool has = cells[g].count(n) > 0;
          bool count = n == "rows" || n == "positives";
          row.push_back(!has ? json() : count ? json(int64_t(cells[g][n])) : fixed(cells[g][n]));
        }
        t.rows.push_back(row);
      }
      st.by_column.push_back(t);
    }
    out.push_back(st);
  }
  return out;
}

}  // namespace mlpipe
