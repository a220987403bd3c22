#include "core/metrics/weighted_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/metrics/metrics.h"
#include "core/util/error.h"

namespace mlpipe {
namespace {

std::vector<size_t> order(const std::vector<double>& s, bool descending) {
  std::vector<size_t> idx(s.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return descending ? s[a] > s[b] : s[a] < s[b]; });
  return idx;
}

// f(tp, fp) after each group of tied scores, from the highest score down, in weights.
template <class F>
void walk(const std::vector<double>& y, const std::vector<double>& s, const std::vector<double>& w, F f) {
  auto idx = order(s, true);
  double tp = 0, fp = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    (y[idx[i]] > 0.5 ? tp : fp) += w[idx[i]];
    if (i + 1 == idx.size() || s[idx[i + 1]] != s[idx[i]]) f(tp, fp);
  }
}

std::pair<double, double> totals(const std::vector<double>& y, const std::vector<double>& w) {
  double pos = 0, neg = 0;
  for (size_t i = 0; i < y.size(); ++i) (y[i] > 0.5 ? pos : neg) += w[i];
  return {pos, neg};
}

double sum(const std::vector<double>& w) { return std::accumulate(w.begin(), w.end(), 0.0); }

}  // namespace

double weighted_roc_auc(const std::vector<double>& y, const std::vector<double>& s, const std::vector<double>& w) {
  auto [pos, neg] = totals(y, w);
  if (pos == 0 || neg == 0) throw StepError("auc is undefined: the labels hold only one class (of positive weight)");
  // Pairs (positive, negative): a positive above a negative counts w+ * w-, a tie half of it.
  auto idx = order(s, false);
  double below = 0, num = 0;
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    double gp = 0, gn = 0;
    for (; j < idx.size() && s[idx[j]] == s[idx[i]]; ++j) (y[idx[j]] > 0.5 ? gp : gn) += w[idx[j]];
    num += gp * (below + 0.5 * gn);
    below += gn;
    i = j;
  }
  return num / (pos * neg);
}

double weighted_metric(const std::string& name, const std::vector<double>& y, const std::vector<double>& s,
                       const std::vector<double>& w, double threshold, size_t k) {
  if (y.empty()) throw StepError("metric: no rows to evaluate");
  double W = sum(w);
  if (!(W > 0)) throw StepError("metric: the weights of the evaluated rows sum to 0");
  const std::pair<double, double> t = totals(y, w);
  const double pos = t.first, neg = t.second;  // (not a structured binding: lambdas capture these)
  if (name == "auc") return weighted_roc_auc(y, s, w);
  if (name == "gini") return 2 * weighted_roc_auc(y, s, w) - 1;
  if (name == "pr_auc") {
    if (pos == 0) throw StepError("pr_auc is undefined: there are no positive labels (of positive weight)");
    double ap = 0, prev = 0;
    walk(y, s, w, [&](double tp, double fp) {
      double recall = tp / pos;
      if (tp + fp > 0) ap += (recall - prev) * (tp / (tp + fp));
      prev = recall;
    });
    return ap;
  }
  if (name == "ks") {
    if (pos == 0 || neg == 0) throw StepError("ks is undefined: the labels hold only one class");
    double best = 0;
    walk(y, s, w, [&](double tp, double fp) { best = std::max(best, std::fabs(tp / pos - fp / neg)); });
    return best;
  }
  if (name == "ece") return expected_calibration_error(y, s, &w);
  if (name == "logloss" || name == "brier" || name == "rmse" || name == "mae") {
    double acc = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      double v;
      if (name == "logloss") {
        double q = std::clamp(s[i], 1e-15, 1 - 1e-15);
        v = y[i] > 0.5 ? -std::log(q) : -std::log(1 - q);
      } else if (name == "mae") {
        v = std::fabs(y[i] - s[i]);
      } else {
        v = (s[i] - y[i]) * (s[i] - y[i]);
      }
      acc += w[i] * v;
    }
    return name == "rmse" ? std::sqrt(acc / W) : acc / W;
  }
  if (name == "r2") {
    double mean = 0;
    for (size_t i = 0; i < y.size(); ++i) mean += w[i] * y[i];
    mean /= W;
    double res = 0, tot = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      res += w[i] * (y[i] - s[i]) * (y[i] - s[i]);
      tot += w[i] * (y[i] - mean) * (y[i] - mean);
    }
    return tot > 0 ? 1.0 - res / tot : 0.0;
  }
  if (name == "accuracy" || name == "precision" || name == "recall" || name == "f1") {
    Confusion c;
    for (size_t i = 0; i < y.size(); ++i) {
      bool p = s[i] >= threshold, a = y[i] > 0.5;
      (p && a ? c.tp : p ? c.fp : a ? c.fn : c.tn) += w[i];
    }
    return name == "accuracy" ? c.accuracy() : name == "precision" ? c.precision() : name == "recall" ? c.recall() : c.f1();
  }
  if (name == "precision_at_k" || name == "recall_at_k") {
    auto idx = order(s, true);
    double top = 0, top_pos = 0;
    for (size_t i = 0; i < std::min(k, idx.size()); ++i) {
      top += w[idx[i]];
      if (y[idx[i]] > 0.5) top_pos += w[idx[i]];
    }
    if (name == "recall_at_k") return pos > 0 ? top_pos / pos : 0;
    return top > 0 ? top_pos / top : 0;
  }
  if (name == "card_precision_at_k")
    throw StepError("card_precision_at_k counts entities and takes no weights; leave it out or drop weight:");
  throw StepError("unknown metric '" + name + "'");
}

double weighted_multiclass_metric(const std::string& name, const std::vector<double>& y, const std::vector<double>& probs,
                                  size_t k, const std::vector<double>& w) {
  double W = sum(w);
  if (!(W > 0)) throw StepError("metric: the weights of the evaluated rows sum to 0");
  size_t n = y.size();
  if (name == "mlogloss") {
    double acc = 0;
    for (size_t r = 0; r < n; ++r) acc -= w[r] * std::log(std::clamp(probs[r * k + size_t(y[r])], 1e-15, 1.0));
    return acc / W;
  }
  if (name == "accuracy") {
    std::vector<size_t> pred = predicted_classes(probs, k);
    double right = 0;
    for (size_t r = 0; r < n; ++r)
      if (pred[r] == size_t(y[r])) right += w[r];
    return right / W;
  }
  if (name == "macro_auc") {
    double total = 0;
    size_t used = 0;
    for (size_t c = 0; c < k; ++c) {
      std::vector<double> yc(n), sc(n);
      double pw = 0, nw = 0;
      for (size_t r = 0; r < n; ++r) {
        yc[r] = size_t(y[r]) == c;
        (yc[r] > 0.5 ? pw : nw) += w[r];
        sc[r] = probs[r * k + c];
      }
      if (pw == 0 || nw == 0) continue;
      total += weighted_roc_auc(yc, sc, w);
      ++used;
    }
    return used ? total / double(used) : std::nan("");
  }
  return compute_multiclass_metric(name, y, probs, k);  // throws for an unknown name
}

}  // namespace mlpipe
