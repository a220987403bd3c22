#include "core/metrics/fairness.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "core/metrics/metrics.h"
#include "core/util/strings.h"

namespace mlpipe {

std::vector<std::string> band_labels(const std::vector<double>& bands) {
  std::vector<std::string> out;
  if (bands.empty()) return out;
  out.push_back("<" + format_double(bands.front()));
  for (size_t i = 0; i + 1 < bands.size(); ++i) out.push_back(format_double(bands[i]) + "-" + format_double(bands[i + 1]));
  out.push_back(format_double(bands.back()) + "+");
  return out;
}

std::string band_of(double v, const std::vector<double>& bands) {
  if (std::isnan(v)) return "missing";
  size_t i = size_t(std::upper_bound(bands.begin(), bands.end(), v) - bands.begin());
  return band_labels(bands)[i];
}

std::vector<std::string> display_order(std::vector<std::string> labels) {
  auto number = [](const std::string& s, double& v) {
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    return !s.empty() && end && *end == 0;
  };
  std::sort(labels.begin(), labels.end(), [&](const std::string& a, const std::string& b) {
    if ((a == "missing") != (b == "missing")) return b == "missing";
    double x, y;
    bool na = number(a, x), nb = number(b, y);
    if (na != nb) return na;
    if (na && x != y) return x < y;
    return a < b;
  });
  return labels;
}

std::vector<std::pair<std::string, std::vector<size_t>>> groups_in_order(const std::vector<std::string>& group,
                                                                         const std::vector<std::string>& order) {
  std::map<std::string, std::vector<size_t>> by_label;
  for (size_t i = 0; i < group.size(); ++i) by_label[group[i]].push_back(i);
  std::vector<std::string> labels;
  for (const auto& o : order)
    if (by_label.count(o) && std::find(labels.begin(), labels.end(), o) == labels.end()) labels.push_back(o);
  std::vector<std::string> rest;
  for (const auto& entry : by_label)
    if (std::find(labels.begin(), labels.end(), entry.first) == labels.end()) rest.push_back(entry.first);
  for (const auto& l : display_order(rest)) labels.push_back(l);
  std::vector<std::pair<std::string, std::vector<size_t>>> out;
  for (const auto& l : labels) out.emplace_back(l, std::move(by_label[l]));
  return out;
}

FairnessSummary fairness_by_group(const std::vector<std::string>& group, const std::vector<double>& y,
                                  const std::vector<double>& score, double threshold, bool favorable_high,
                                  const std::vector<std::string>& order) {
  FairnessSummary out;
  std::vector<std::vector<size_t>> members;
  for (auto& [label, at] : groups_in_order(group, order)) {
    out.groups.emplace_back();
    out.groups.back().group = label;
    members.push_back(std::move(at));
  }
  double lo_rate = INFINITY, hi_rate = -INFINITY;
  std::vector<double> tprs, fprs, eces;
  for (size_t g = 0; g < members.size(); ++g) {
    GroupOutcome& o = out.groups[g];
    size_t favorable = 0, tp = 0, fp = 0, negatives = 0;
    std::vector<double> gy, gs;
    for (size_t i : members[g]) {
      bool flagged = score[i] >= threshold, positive = y[i] > 0.5;
      if (flagged == favorable_high) ++favorable;
      positive ? ++o.positives : ++negatives;
      if (flagged) positive ? ++tp : ++fp;
      gy.push_back(y[i]);
      gs.push_back(score[i]);
    }
    o.rows = members[g].size();
    o.favorable_rate = double(favorable) / double(o.rows);
    o.tpr = o.positives ? double(tp) / double(o.positives) : std::nan("");
    o.fpr = negatives ? double(fp) / double(negatives) : std::nan("");
    o.ece = expected_calibration_error(gy, gs);
    if (o.group == "missing") continue;
    lo_rate = std::min(lo_rate, o.favorable_rate);
    hi_rate = std::max(hi_rate, o.favorable_rate);
    if (!std::isnan(o.tpr)) tprs.push_back(o.tpr);
    if (!std::isnan(o.fpr)) fprs.push_back(o.fpr);
    eces.push_back(o.ece);
  }
  auto spread = [](const std::vector<double>& v) {
    return v.empty() ? std::nan("") : *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
  };
  out.adverse_impact_ratio = hi_rate > 0 ? lo_rate / hi_rate : std::nan("");
  out.tpr_difference = spread(tprs);
  out.fpr_difference = spread(fprs);
  out.ece_difference = spread(eces);
  return out;
}

}  // namespace mlpipe
