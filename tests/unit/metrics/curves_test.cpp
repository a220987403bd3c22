#include <doctest/doctest.h>

#include <random>

#include "core/metrics/curves.h"
#include "core/metrics/metrics.h"

using namespace mlpipe;

namespace {
void sample(std::vector<double>& y, std::vector<double>& s, size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  for (size_t i = 0; i < n; ++i) {
    double label = u(rng) < 0.3 ? 1 : 0;
    y.push_back(label);
    s.push_back(std::round((0.3 * label + 0.7 * u(rng)) * 50) / 50);  // many ties
  }
}
}  // namespace

TEST_CASE("the ROC curve's area is the AUC and the PR curve's step area the average precision") {
  std::vector<double> y, s;
  sample(y, s, 3000, 11);
  Curve roc = roc_curve(y, s);
  CHECK(roc.x.front() == 0);
  CHECK(roc.x.back() == doctest::Approx(1));
  CHECK(roc.y.back() == doctest::Approx(1));
  double area = 0;
  for (size_t i = 1; i < roc.x.size(); ++i) area += (roc.x[i] - roc.x[i - 1]) * (roc.y[i] + roc.y[i - 1]) / 2;
  CHECK(area == doctest::Approx(roc_auc(y, s)).epsilon(1e-12));
  Curve pr = pr_curve(y, s);
  double ap = 0, prev = 0;
  for (size_t i = 0; i < pr.x.size(); ++i) ap += (pr.x[i] - prev) * pr.y[i], prev = pr.x[i];
  CHECK(ap == doctest::Approx(pr_auc(y, s)).epsilon(1e-12));
}

TEST_CASE("calibration bins and class histograms") {
  std::vector<double> y = {0, 0, 1, 1, 1}, s = {0.05, 0.15, 0.12, 0.95, 0.91};
  std::vector<size_t> counts;
  Curve c = calibration_curve(y, s, 10, &counts);
  REQUIRE(c.x.size() == 3);
  CHECK(counts == std::vector<size_t>{1, 2, 2});
  CHECK(c.x[1] == doctest::Approx(0.135));
  CHECK(c.y[1] == doctest::Approx(0.5));
  CHECK(c.y[2] == 1);
  ClassHistogram h = score_histogram(y, s, 4);
  CHECK(h.edges.size() == 5);
  double sp = 0, sn = 0;
  for (size_t b = 0; b < 4; ++b) sp += h.positive[b], sn += h.negative[b];
  CHECK(sp == doctest::Approx(1));
  CHECK(sn == doctest::Approx(1));
  Curve long_curve;
  for (int i = 0; i < 1000; ++i) long_curve.x.push_back(i), long_curve.y.push_back(i);
  Curve t = thin(long_curve, 100);
  CHECK(t.x.size() == 100);
  CHECK(t.x.back() == 999);
}
