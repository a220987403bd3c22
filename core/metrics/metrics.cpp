#include "core/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/metrics/weighted_metrics.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {
namespace {

std::vector<size_t> order_desc(const std::vector<double>& s) {
  std::vector<size_t> idx(s.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  return idx;
}

void check_sizes(const std::vector<double>& y, const std::vector<double>& s) {
  if (y.size() != s.size()) throw StepError("metric: labels and scores differ in length");
  if (y.empty()) throw StepError("metric: no rows to evaluate");
}

// Calls f(tp, fp) after each group of tied scores, walking from the highest score down.
template <class F>
void walk_thresholds(const std::vector<double>& y, const std::vector<double>& s, F f) {
  auto idx = order_desc(s);
  double tp = 0, fp = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    if (y[idx[i]] > 0.5) tp += 1; else fp += 1;
    if (i + 1 == idx.size() || s[idx[i + 1]] != s[idx[i]]) f(tp, fp);
  }
}

std::pair<double, double> class_counts(const std::vector<double>& y) {
  double pos = 0;
  for (double v : y) pos += v > 0.5 ? 1 : 0;
  return {pos, double(y.size()) - pos};
}

}  // namespace

double roc_auc(const std::vector<double>& y, const std::vector<double>& s) {
  check_sizes(y, s);
  const auto counts = class_counts(y);
  const double pos = counts.first, neg = counts.second;
  if (pos == 0 || neg == 0) throw StepError("auc is undefined: the labels hold only one class");
  // Mann-Whitney U with average ranks for ties.
  std::vector<size_t> idx(s.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return s[a] < s[b]; });
  double rank_sum = 0;
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && s[idx[j + 1]] == s[idx[i]]) ++j;
    double avg = (double(i) + double(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k)
      if (y[idx[k]] > 0.5) rank_sum += avg;
    i = j + 1;
  }
  return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg);
}

double pr_auc(const std::vector<double>& y, const std::vector<double>& s) {
  check_sizes(y, s);
  const auto counts = class_counts(y);
  const double pos = counts.first, neg = counts.second;
  if (pos == 0) throw StepError("pr_auc is undefined: there are no positive labels");
  double ap = 0, prev_recall = 0;
  walk_thresholds(y, s, [&](double tp, double fp) {
    double recall = tp / pos, precision = tp / (tp + fp);
    ap += (recall - prev_recall) * precision;
    prev_recall = recall;
  });
  return ap;
}

double log_loss(const std::vector<double>& y, const std::vector<double>& p) {
  check_sizes(y, p);
  const double eps = 1e-15;
  double sum = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    double q = std::clamp(p[i], eps, 1 - eps);
    sum -= y[i] > 0.5 ? std::log(q) : std::log(1 - q);
  }
  return sum / double(y.size());
}

double ks_statistic(const std::vector<double>& y, const std::vector<double>& s) {
  check_sizes(y, s);
  const auto counts = class_counts(y);
  const double pos = counts.first, neg = counts.second;
  if (pos == 0 || neg == 0) throw StepError("ks is undefined: the labels hold only one class");
  double best = 0;
  walk_thresholds(y, s, [&](double tp, double fp) { best = std::max(best, std::fabs(tp / pos - fp / neg)); });
  return best;
}

double expected_calibration_error(const std::vector<double>& y, const std::vector<double>& p, const std::vector<double>* w) {
  check_sizes(y, p);
  constexpr size_t kBins = 10;
  double weight[kBins] = {}, score[kBins] = {}, positive[kBins] = {}, total = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    double wi = w ? (*w)[i] : 1.0;
    size_t b = std::min(kBins - 1, size_t(std::max(0.0, p[i]) * double(kBins)));
    weight[b] += wi;
    score[b] += wi * p[i];
    positive[b] += wi * (y[i] > 0.5 ? 1.0 : 0.0);
    total += wi;
  }
  if (!(total > 0)) throw StepError("ece: no rows (of positive weight) to evaluate");
  double ece = 0;
  for (size_t b = 0; b < kBins; ++b)
    if (weight[b] > 0) ece += weight[b] / total * std::fabs(score[b] / weight[b] - positive[b] / weight[b]);
  return ece;
}

double brier(const std::vector<double>& y, const std::vector<double>& p) {
  check_sizes(y, p);
  double sum = 0;
  for (size_t i = 0; i < y.size(); ++i) sum += (p[i] - y[i]) * (p[i] - y[i]);
  return sum / double(y.size());
}

double Confusion::accuracy() const { return (tp + tn) / (tp + tn + fp + fn); }
double Confusion::precision() const { return tp + fp > 0 ? tp / (tp + fp) : 0.0; }
double Confusion::recall() const { return tp + fn > 0 ? tp / (tp + fn) : 0.0; }
double Confusion::f1() const {
  double p = precision(), r = recall();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

Confusion confusion_at(const std::vector<double>& y, const std::vector<double>& s, double t) {
  check_sizes(y, s);
  Confusion c;
  for (size_t i = 0; i < y.size(); ++i) {
    bool pred = s[i] >= t, actual = y[i] > 0.5;
    if (pred && actual) c.tp++;
    else if (pred) c.fp++;
    else if (actual) c.fn++;
    else c.tn++;
  }
  return c;
}

double rmse(const std::vector<double>& y, const std::vector<double>& p) {
  check_sizes(y, p);
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += (y[i] - p[i]) * (y[i] - p[i]);
  return std::sqrt(s / double(y.size()));
}

double mae(const std::vector<double>& y, const std::vector<double>& p) {
  check_sizes(y, p);
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += std::fabs(y[i] - p[i]);
  return s / double(y.size());
}

double r2(const std::vector<double>& y, const std::vector<double>& p) {
  check_sizes(y, p);
  double mean = std::accumulate(y.begin(), y.end(), 0.0) / double(y.size());
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    ss_res += (y[i] - p[i]) * (y[i] - p[i]);
    ss_tot += (y[i] - mean) * (y[i] - mean);
  }
  return ss_tot > 0 ? 1.0 - ss_res / ss_tot : 0.0;
}

namespace {
// Row indexes by score, highest first; ties keep row order.
std::vector<size_t> by_score_desc(const std::vector<double>& s) {
  std::vector<size_t> order(s.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  return order;
}
}  // namespace

double precision_at_k(const std::vector<double>& y, const std::vector<double>& s, size_t k) {
  std::vector<size_t> order = by_score_desc(s);
  size_t top = std::min(k, order.size());
  if (top == 0) return 0;
  double pos = 0;
  for (size_t i = 0; i < top; ++i) pos += y[order[i]] > 0.5;
  return pos / double(top);
}

double recall_at_k(const std::vector<double>& y, const std::vector<double>& s, size_t k) {
  std::vector<size_t> order = by_score_desc(s);
  double all = 0, pos = 0;
  for (double v : y) all += v > 0.5;
  if (all == 0) return 0;
  for (size_t i = 0; i < std::min(k, order.size()); ++i) pos += y[order[i]] > 0.5;
  return pos / all;
}

double entity_precision_at_k(const std::vector<double>& y, const std::vector<double>& s,
                             const std::vector<std::string>& entity, const std::vector<double>& time,
                             double period, size_t k) {
  // period -> entity -> (highest score, any positive); ordered maps: deterministic ties.
  std::map<long long, std::map<std::string, std::pair<double, bool>>> days;
  for (size_t i = 0; i < y.size(); ++i) {
    if (std::isnan(time[i])) continue;
    auto& e = days[(long long)std::floor(time[i] / period)];
    auto [it, added] = e.try_emplace(entity[i], s[i], y[i] > 0.5);
    if (!added) {
      it->second.first = std::max(it->second.first, s[i]);
      it->second.second = it->second.second || y[i] > 0.5;
    }
  }
  if (days.empty()) return 0;
  double sum = 0;
  for (const auto& [day, ents] : days) {
    std::vector<std::pair<double, bool>> v;
    for (const auto& [name, sc] : ents) v.push_back(sc);
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    size_t top = std::min(k, v.size());
    double pos = 0;
    for (size_t i = 0; i < top; ++i) pos += v[i].second;
    sum += pos / double(top);
  }
  return sum / double(days.size());
}

std::vector<GainsRow> gains_table(const std::vector<double>& y, const std::vector<double>& s, size_t bands) {
  std::vector<size_t> order = by_score_desc(s);
  double all = 0;
  for (double v : y) all += v > 0.5;
  std::vector<GainsRow> out;
  size_t n = order.size(), cum_rows = 0, cum_pos = 0;
  for (size_t b = 0; b < bands && n > 0; ++b) {
    size_t from = n * b / bands, to = n * (b + 1) / bands;
    GainsRow r;
    r.band = b + 1;
    r.rows = to - from;
    for (size_t i = from; i < to; ++i) r.positives += y[order[i]] > 0.5;
    cum_rows += r.rows;
    cum_pos += r.positives;
    r.capture = all > 0 ? double(cum_pos) / all : 0;
    r.lift = cum_rows ? r.capture / (double(cum_rows) / double(n)) : 0;
    out.push_back(r);
  }
  return out;
}

std::vector<size_t> predicted_classes(const std::vector<double>& probs, size_t k) {
  size_t n = k ? probs.size() / k : 0;
  std::vector<size_t> out(n, 0);
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 1; c < k; ++c)
      if (probs[r * k + c] > probs[r * k + out[r]]) out[r] = c;
  return out;
}

std::vector<std::vector<size_t>> confusion_matrix(const std::vector<double>& y, const std::vector<double>& probs, size_t k) {
  std::vector<std::vector<size_t>> m(k, std::vector<size_t>(k, 0));
  std::vector<size_t> pred = predicted_classes(probs, k);
  for (size_t r = 0; r < pred.size(); ++r) {
    size_t t = size_t(y[r]);
    if (t < k) ++m[t][pred[r]];
  }
  return m;
}

const std::vector<std::string>& multiclass_metric_names() {
  static const std::vector<std::string> n = {"mlogloss", "accuracy", "macro_auc"};
  return n;
}

double compute_multiclass_metric(const std::string& name, const std::vector<double>& y, const std::vector<double>& probs,
                                 size_t k) {
  size_t n = y.size();
  if (n == 0) return std::nan("");
  if (name == "mlogloss") {
    double sum = 0;
    for (size_t r = 0; r < n; ++r) sum -= std::log(std::clamp(probs[r * k + size_t(y[r])], 1e-15, 1.0));
    return sum / double(n);
  }
  if (name == "accuracy") {
    std::vector<size_t> pred = predicted_classes(probs, k);
    size_t right = 0;
    for (size_t r = 0; r < n; ++r) right += pred[r] == size_t(y[r]);
    return double(right) / double(n);
  }
  if (name == "macro_auc") {
    double sum = 0;
    size_t used = 0;
    for (size_t c = 0; c < k; ++c) {
      std::vector<double> yc(n), sc(n);
      size_t pos = 0;
      for (size_t r = 0; r < n; ++r) {
        yc[r] = size_t(y[r]) == c;
        pos += size_t(y[r]) == c;
        sc[r] = probs[r * k + c];
      }
      if (pos == 0 || pos == n) continue;
      sum += roc_auc(yc, sc);
      ++used;
    }
    return used ? sum / double(used) : std::nan("");
  }
  throw StepError("unknown multi-class metric '" + name + "'" + did_you_mean(name, multiclass_metric_names()) +
                  "; multi-class metrics: " + join(multiclass_metric_names(), ", "));
}

const std::vector<std::string>& binary_metric_names() {
  static const std::vector<std::string> n = {"auc", "pr_auc", "logloss", "ks", "brier", "ece",
                                             "accuracy", "precision", "recall", "f1", "gini",
                                             "precision_at_k", "recall_at_k", "card_precision_at_k"};
  return n;
}
const std::vector<std::string>& regression_metric_names() {
  static const std::vector<std::string> n = {"rmse", "mae", "r2"};
  return n;
}

double compute_metric(const std::string& name, const std::vector<double>& y,
                      const std::vector<double>& s, const MetricOptions& o) {
  if (o.weights) return weighted_metric(name, y, s, *o.weights, o.threshold, o.k);
  const double threshold = o.threshold;
  if (name == "gini") return 2 * roc_auc(y, s) - 1;
  if (name == "precision_at_k") return precision_at_k(y, s, o.k);
  if (name == "recall_at_k") return recall_at_k(y, s, o.k);
  if (name == "card_precision_at_k") {
    if (!o.entity || !o.time)
      throw StepError("card_precision_at_k needs the entity and time columns: add entity: and time: to the evaluate step");
    return entity_precision_at_k(y, s, *o.entity, *o.time, o.period, o.k);
  }
  if (name == "auc") return roc_auc(y, s);
  if (name == "pr_auc") return pr_auc(y, s);
  if (name == "logloss") return log_loss(y, s);
  if (name == "ks") return ks_statistic(y, s);
  if (name == "brier") return brier(y, s);
  if (name == "ece") return expected_calibration_error(y, s);
  if (name == "accuracy") return confusion_at(y, s, threshold).accuracy();
  if (name == "precision") return confusion_at(y, s, threshold).precision();
  if (name == "recall") return confusion_at(y, s, threshold).recall();
  if (name == "f1") return confusion_at(y, s, threshold).f1();
  if (name == "rmse") return rmse(y, s);
  if (name == "mae") return mae(y, s);
  if (name == "r2") return r2(y, s);
  std::vector<std::string> all = binary_metric_names();
  for (const auto& r : regression_metric_names()) all.push_back(r);
  throw StepError("unknown metric '" + name + "'" + did_you_mean(name, all));
}

}  // namespace mlpipe
