#include "core/model/calibration.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

double logit(double p) {
  p = std::clamp(p, 1e-12, 1 - 1e-12);
  return std::log(p / (1 - p));
}

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

}  // namespace

const std::vector<std::string>& calibration_methods() {
  static const std::vector<std::string> m = {"isotonic", "platt"};
  return m;
}

Calibrator Calibrator::fit(const std::string& method, const std::vector<double>& y, const std::vector<double>& score,
                           const std::vector<double>& w) {
  if (std::find(calibration_methods().begin(), calibration_methods().end(), method) == calibration_methods().end())
    throw ConfigError("calibration method '" + method + "'" + did_you_mean(method, calibration_methods()) + "; use isotonic or platt");
  size_t n = y.size();
  auto weight = [&](size_t i) { return w.empty() ? 1.0 : w[i]; };
  double pos = 0, neg = 0;
  for (size_t i = 0; i < n; ++i) (y[i] > 0.5 ? pos : neg) += weight(i);
  if (pos == 0 || neg == 0) throw StepError("calibration needs both classes among the rows it is fitted on");
  Calibrator c;
  c.method_ = method;
  if (method == "platt") {
    // Newton's method on the log loss of sigmoid(a * z + b); Platt's smoothed targets keep it
    // finite when the scores separate the classes.
    double hi = (pos + 1) / (pos + 2), lo = 1 / (neg + 2);
    auto loss = [&](double a, double b) {
      double l = 0;
      for (size_t i = 0; i < n; ++i) {
        double t = y[i] > 0.5 ? hi : lo, p = std::clamp(sigmoid(a * logit(score[i]) + b), 1e-15, 1 - 1e-15);
        l -= weight(i) * (t * std::log(p) + (1 - t) * std::log(1 - p));
      }
      return l;
    };
    double a = 1, b = 0, current = loss(a, b);
    for (int it = 0; it < 100; ++it) {
      double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
      for (size_t i = 0; i < n; ++i) {
        double z = logit(score[i]), t = y[i] > 0.5 ? hi : lo, p = sigmoid(a * z + b), wi = weight(i);
        double d = wi * (p - t), h = wi * p * (1 - p);
        ga += d * z;
        gb += d;
        haa += h * z * z;
        hab += h * z;
        hbb += h;
      }
      haa += 1e-12;
      hbb += 1e-12;
      double det = haa * hbb - hab * hab;
      if (!(std::fabs(det) > 0)) break;
      double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
      double step = 1;  // backtrack until the loss does not grow
      while (step > 1e-8 && loss(a - step * da, b - step * db) > current) step /= 2;
      if (step <= 1e-8) break;
      a -= step * da;
      b -= step * db;
      current = loss(a, b);
      if (std::fabs(step * da) < 1e-10 && std::fabs(step * db) < 1e-10) break;
    }
    c.a_ = a;
    c.b_ = b;
    return c;
  }
  // Isotonic: sort by score (ties together), pool adjacent blocks that violate the order.
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t i, size_t j) { return score[i] < score[j]; });
  struct Block {
    double wsum, ysum, lo, hi;  // weight, weighted positives, lowest and highest score
  };
  std::vector<Block> blocks;
  for (size_t k = 0; k < n;) {
    Block b{0, 0, score[idx[k]], score[idx[k]]};
    size_t j = k;
    for (; j < n && score[idx[j]] == score[idx[k]]; ++j) {
      double wi = weight(idx[j]);
      b.wsum += wi;
      b.ysum += wi * (y[idx[j]] > 0.5 ? 1.0 : 0.0);
    }
    k = j;
    if (b.wsum <= 0) continue;
    blocks.push_back(b);
    while (blocks.size() > 1) {
      Block& last = blocks.back();
      Block& prev = blocks[blocks.size() - 2];
      if (prev.ysum / prev.wsum < last.ysum / last.wsum) break;
      prev.wsum += last.wsum;
      prev.ysum += last.ysum;
      prev.hi = last.hi;
      blocks.pop_back();
    }
  }
  // Each block is flat over its scores (the fitted rows get exactly their block's rate); the
  // calibration is linear between blocks and flat beyond the ends.
  for (const Block& b : blocks) {
    c.x_.push_back(b.lo);
    c.y_.push_back(b.ysum / b.wsum);
    if (b.hi > b.lo) {
      c.x_.push_back(b.hi);
      c.y_.push_back(b.ysum / b.wsum);
    }
  }
  return c;
}

double Calibrator::apply(double s) const {
  if (std::isnan(s)) return s;
  if (method_ == "platt") return sigmoid(a_ * logit(s) + b_);
  if (x_.empty()) return s;
  if (s <= x_.front()) return y_.front();
  if (s >= x_.back()) return y_.back();
  size_t i = size_t(std::upper_bound(x_.begin(), x_.end(), s) - x_.begin());  // x_[i-1] <= s < x_[i], x_ strictly increasing
  double t = (s - x_[i - 1]) / (x_[i] - x_[i - 1]);
  return y_[i - 1] + t * (y_[i] - y_[i - 1]);
}

std::vector<double> Calibrator::apply(const std::vector<double>& scores) const {
  std::vector<double> out(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) out[i] = apply(scores[i]);
  return out;
}

json Calibrator::to_json() const {
  if (method_ == "platt") return {{"method", method_}, {"a", a_}, {"b", b_}};
  return {{"method", method_}, {"x", x_}, {"y", y_}};
}

Calibrator Calibrator::from_json(const json& j) {
  Calibrator c;
  c.method_ = j.at("method").get<std::string>();
  if (c.method_ == "platt") {
    c.a_ = j.at("a").get<double>();
    c.b_ = j.at("b").get<double>();
  } else if (c.method_ == "isotonic") {
    c.x_ = j.at("x").get<std::vector<double>>();
    c.y_ = j.at("y").get<std::vector<double>>();
    bool increasing = std::adjacent_find(c.x_.begin(), c.x_.end(), std::greater_equal<double>()) == c.x_.end();
    if (c.x_.size() != c.y_.size() || !increasing)
      throw StepError("calibration: isotonic knots are not increasing pairs");
  } else {
    throw StepError("calibration: unknown method '" + c.method_ + "'");
  }
  return c;
}

}  // namespace mlpipe
