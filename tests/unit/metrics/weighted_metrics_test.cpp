#include <doctest/doctest.h>

#include <random>

#include "core/metrics/metrics.h"
#include "core/metrics/weighted_metrics.h"

using namespace mlpipe;

TEST_CASE("weights of 1 give exactly the unweighted metrics") {
  std::mt19937 rng(3);
  std::vector<double> y, s, reg_y, reg_s;
  for (int i = 0; i < 500; ++i) {
    double score = double(rng() % 50) / 50;  // ties on purpose
    y.push_back((rng() % 100) / 100.0 < score ? 1 : 0);
    s.push_back(score);
    reg_y.push_back(double(rng() % 1000) / 10);
    reg_s.push_back(reg_y.back() + double(rng() % 100) / 10 - 5);
  }
  std::vector<double> ones(y.size(), 1.0);
  MetricOptions o;
  o.k = 50;
  for (const char* m : {"auc", "gini", "pr_auc", "ks", "logloss", "brier", "accuracy", "precision", "recall", "f1",
                        "precision_at_k", "recall_at_k"}) {
    INFO(m);
    CHECK(weighted_metric(m, y, s, ones, 0.5, 50) == doctest::Approx(compute_metric(m, y, s, o)).epsilon(1e-12));
  }
  for (const char* m : {"rmse", "mae", "r2"}) {
    INFO(m);
    CHECK(weighted_metric(m, reg_y, reg_s, ones, 0.5, 50) == doctest::Approx(compute_metric(m, reg_y, reg_s, o)).epsilon(1e-12));
  }
}

TEST_CASE("a weight of 2 counts a row twice") {
  std::vector<double> y = {1, 0, 1, 0, 0}, s = {.9, .7, .6, .4, .2}, w = {1, 2, 1, 1, 3};
  // The same rows with the weighted ones repeated.
  std::vector<double> yr = {1, 0, 0, 1, 0, 0, 0, 0}, sr = {.9, .7, .7, .6, .4, .2, .2, .2};
  MetricOptions o;
  for (const char* m : {"auc", "pr_auc", "ks", "logloss", "brier", "accuracy", "f1"}) {
    INFO(m);
    CHECK(weighted_metric(m, y, s, w, 0.5, 100) == doctest::Approx(compute_metric(m, yr, sr, o)).epsilon(1e-12));
  }
  std::vector<double> zero(5, 0.0);
  CHECK_THROWS(weighted_metric("auc", y, s, zero, 0.5, 100));
  std::vector<double> ym = {0, 1, 2}, probs = {.7, .2, .1, .1, .6, .3, .3, .3, .4}, wm = {1, 2, 1};
  std::vector<double> ymr = {0, 1, 1, 2}, probsr = {.7, .2, .1, .1, .6, .3, .1, .6, .3, .3, .3, .4};
  for (const char* m : {"mlogloss", "accuracy", "macro_auc"}) {
    INFO(m);
    CHECK(weighted_multiclass_metric(m, ym, probs, 3, wm) == doctest::Approx(compute_multiclass_metric(m, ymr, probsr, 3)).epsilon(1e-12));
  }
}
