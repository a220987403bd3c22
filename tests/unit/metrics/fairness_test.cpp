#include <doctest/doctest.h>

#include <cmath>

#include "core/metrics/fairness.h"
#include "core/metrics/metrics.h"

using namespace mlpipe;

TEST_CASE("bands label values with their lower edge included") {
  std::vector<double> b = {25, 35, 50};
  CHECK(band_labels(b) == std::vector<std::string>{"<25", "25-35", "35-50", "50+"});
  CHECK(band_of(24.9, b) == "<25");
  CHECK(band_of(25, b) == "25-35");
  CHECK(band_of(50, b) == "50+");
  CHECK(band_of(NAN, b) == "missing");
  CHECK(display_order({"missing", "10", "2", "b", "a"}) == std::vector<std::string>{"2", "10", "a", "b", "missing"});
}

TEST_CASE("the adverse impact ratio is the lowest favourable rate over the highest") {
  // Group a: 4 rows, 1 flagged (score >= 0.5): favourable 3/4. Group b: 4 rows, 2 flagged: 2/4.
  std::vector<std::string> g = {"a", "a", "a", "a", "b", "b", "b", "b", "missing"};
  std::vector<double> y = {1, 0, 0, 1, 1, 1, 0, 0, 1};
  std::vector<double> s = {0.9, 0.1, 0.2, 0.3, 0.8, 0.4, 0.7, 0.1, 0.0};
  FairnessSummary f = fairness_by_group(g, y, s, 0.5, false, {"b", "a"});
  REQUIRE(f.groups.size() == 3);
  CHECK(f.groups[0].group == "b");  // the order asked for, then the rest
  CHECK(f.groups[2].group == "missing");
  CHECK(f.groups[1].favorable_rate == doctest::Approx(0.75));
  CHECK(f.groups[0].favorable_rate == doctest::Approx(0.5));
  CHECK(f.adverse_impact_ratio == doctest::Approx(0.5 / 0.75));  // "missing" (rate 1) is left out
  CHECK(f.groups[1].tpr == doctest::Approx(0.5));  // a: positives at 0.9 (flagged) and 0.3
  CHECK(f.groups[0].tpr == doctest::Approx(0.5));  // b: positives at 0.8 (flagged) and 0.4
  CHECK(f.tpr_difference == doctest::Approx(0.0));
  CHECK(f.groups[0].fpr == doctest::Approx(0.5));  // b: negatives at 0.7 (flagged) and 0.1
  CHECK(f.groups[1].fpr == doctest::Approx(0.0));
  CHECK(f.fpr_difference == doctest::Approx(0.5));
  CHECK(std::isnan(f.groups[2].fpr));  // no negatives in "missing"
  // favorable high: the flagged rows are the favourable ones.
  FairnessSummary h = fairness_by_group(g, y, s, 0.5, true);
  CHECK(h.groups[0].group == "a");
  CHECK(h.groups[0].favorable_rate == doctest::Approx(0.25));
}

TEST_CASE("expected calibration error weighs each bin's gap by its share of rows") {
  // Bin [0.1, 0.2): scores 0.1, 0.1, observed 0/2 -> gap 0.1; bin [0.9, 1]: 0.9, 0.9, observed 1/2 -> gap 0.4.
  std::vector<double> y = {0, 0, 1, 0}, s = {0.1, 0.1, 0.9, 0.9};
  CHECK(expected_calibration_error(y, s) == doctest::Approx(0.5 * 0.1 + 0.5 * 0.4));
  std::vector<double> w = {1, 1, 2, 0};  // the last row does not count: bin 0.9 observes 1/1
  CHECK(expected_calibration_error(y, s, &w) == doctest::Approx(0.5 * 0.1 + 0.5 * 0.1));
}
