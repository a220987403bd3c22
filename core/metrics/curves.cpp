#include "core/metrics/curves.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/util/error.h"

namespace mlpipe {
namespace {

// Calls f(tp, fp) after each group of tied scores, from the highest score down.
template <class F>
void walk(const std::vector<double>& y, const std::vector<double>& s, F f) {
  if (y.size() != s.size()) throw StepError("curves: labels and scores differ in length");
  std::vector<size_t> idx(s.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  double tp = 0, fp = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    (y[idx[i]] > 0.5 ? tp : fp) += 1;
    if (i + 1 == idx.size() || s[idx[i + 1]] != s[idx[i]]) f(tp, fp);
  }
}

double positives(const std::vector<double>& y) {
  double p = 0;
  for (double v : y) p += v > 0.5 ? 1 : 0;
  return p;
}

}  // namespace

Curve roc_curve(const std::vector<double>& y, const std::vector<double>& s) {
  double pos = positives(y), neg = double(y.size()) - pos;
  Curve c{{0}, {0}};
  if (pos == 0 || neg == 0) return c;
  walk(y, s, [&](double tp, double fp) {
    c.x.push_back(fp / neg);
    c.y.push_back(tp / pos);
  });
  return c;
}

Curve pr_curve(const std::vector<double>& y, const std::vector<double>& s) {
  double pos = positives(y);
  Curve c;
  if (pos == 0) return c;
  walk(y, s, [&](double tp, double fp) {
    c.x.push_back(tp / pos);
    c.y.push_back(tp / (tp + fp));
  });
  return c;
}

Curve calibration_curve(const std::vector<double>& y, const std::vector<double>& s, size_t bins,
                        std::vector<size_t>* counts) {
  std::vector<double> sum_s(bins, 0), sum_y(bins, 0);
  std::vector<size_t> n(bins, 0);
  for (size_t i = 0; i < s.size(); ++i) {
    if (std::isnan(s[i])) continue;
    size_t b = std::min(bins - 1, size_t(std::max(0.0, s[i]) * double(bins)));
    sum_s[b] += s[i];
    sum_y[b] += y[i] > 0.5 ? 1 : 0;
    ++n[b];
  }
  Curve c;
  if (counts) counts->clear();
  for (size_t b = 0; b < bins; ++b)
    if (n[b]) {
      c.x.push_back(sum_s[b] / double(n[b]));
      c.y.push_back(sum_y[b] / double(n[b]));
      if (counts) counts->push_back(n[b]);
    }
  return c;
}

ClassHistogram score_histogram(const std::vector<double>& y, const std::vector<double>& s, size_t bins) {
  ClassHistogram h;
  double lo = INFINITY, hi = -INFINITY;
  for (double v : s)
    if (!std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) return h;
  if (hi == lo) hi = lo + 1;
  for (size_t b = 0; b <= bins; ++b) h.edges.push_back(lo + (hi - lo) * double(b) / double(bins));
  h.negative.assign(bins, 0);
  h.positive.assign(bins, 0);
  double pos = 0, neg = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (std::isnan(s[i])) continue;
    size_t b = std::min(bins - 1, size_t((s[i] - lo) / (hi - lo) * double(bins)));
    if (y[i] > 0.5) h.positive[b] += 1, pos += 1;
    else h.negative[b] += 1, neg += 1;
  }
  for (size_t b = 0; b < bins; ++b) {
    if (pos) h.positive[b] /= pos;
    if (neg) h.negative[b] /= neg;
  }
  return h;
}

Curve thin(const Curve& c, size_t max_points) {
  if (c.x.size() <= max_points || max_points < 2) return c;
  Curve out;
  for (size_t k = 0; k < max_points; ++k) {
    size_t i = k * (c.x.size() - 1) / (max_points - 1);
    out.x.push_back(c.x[i]);
    out.y.push_back(c.y[i]);
  }
  return out;
}

}  // namespace mlpipe
