#include <doctest/doctest.h>

#include <cmath>

#include "core/metrics/gate.h"
#include "core/metrics/metrics.h"

using namespace mlpipe;

TEST_CASE("auc counts ties as half") {
  // Positives 0.8, 0.4; negatives 0.4, 0.1. Pairs: (0.8>0.4)=1, (0.8>0.1)=1, (0.4=0.4)=0.5, (0.4>0.1)=1.
  std::vector<double> y = {1, 1, 0, 0}, s = {0.8, 0.4, 0.4, 0.1};
  CHECK(roc_auc(y, s) == doctest::Approx(3.5 / 4));
  CHECK(roc_auc({1, 0}, {0.5, 0.5}) == doctest::Approx(0.5));
  CHECK(roc_auc({0, 1, 0, 1}, {0.1, 0.2, 0.3, 0.4}) == doctest::Approx(0.75));
}

TEST_CASE("average precision steps once per distinct score") {
  // Sorted: 0.9(1) 0.8(0) 0.7(1) 0.6(0). AP = 1*0.5 + (2/3)*0.5.
  CHECK(pr_auc({1, 0, 1, 0}, {0.9, 0.8, 0.7, 0.6}) == doctest::Approx(0.5 + 1.0 / 3));
  // A tie between a positive and a negative at the top: precision 1/2 at recall 1.
  CHECK(pr_auc({1, 0}, {0.5, 0.5}) == doctest::Approx(0.5));
}

TEST_CASE("ks is the largest gap between the class CDFs") {
  CHECK(ks_statistic({1, 1, 0, 0}, {0.9, 0.8, 0.2, 0.1}) == doctest::Approx(1.0));
  CHECK(ks_statistic({1, 0, 1, 0}, {0.9, 0.8, 0.7, 0.6}) == doctest::Approx(0.5));
}

TEST_CASE("logloss, brier and the confusion-based metrics") {
  std::vector<double> y = {1, 0, 1, 0}, p = {0.9, 0.2, 0.4, 0.6};
  CHECK(log_loss(y, p) == doctest::Approx(-(std::log(0.9) + std::log(0.8) + std::log(0.4) + std::log(0.4)) / 4));
  CHECK(brier(y, p) == doctest::Approx((0.01 + 0.04 + 0.36 + 0.36) / 4));
  Confusion c = confusion_at(y, p, 0.5);  // predicted positive: 0.9, 0.6
  CHECK(c.tp == 1);
  CHECK(c.fp == 1);
  CHECK(c.fn == 1);
  CHECK(c.tn == 1);
  CHECK(c.precision() == doctest::Approx(0.5));
  CHECK(c.f1() == doctest::Approx(0.5));
  CHECK(confusion_at(y, p, 0.95).precision() == 0.0);
}

TEST_CASE("regression metrics") {
  std::vector<double> y = {1, 2, 3}, p = {1, 2, 5};
  CHECK(rmse(y, p) == doctest::Approx(std::sqrt(4.0 / 3)));
  CHECK(mae(y, p) == doctest::Approx(2.0 / 3));
  CHECK(r2(y, p) == doctest::Approx(1 - 4.0 / 2));
}

TEST_CASE("gate conditions") {
  auto g = parse_gate(">= 0.75");
  REQUIRE(g);
  CHECK(g->passes(0.75));
  CHECK_FALSE(g->passes(0.7499));
  CHECK(parse_gate("<0.5")->passes(0.4));
  CHECK_FALSE(parse_gate("about 0.5"));
  CHECK_FALSE(parse_gate(">= x"));
  CHECK_FALSE(parse_gate(">= inf"));
}

TEST_CASE("gate conditions relative to the champion") {
  auto g = parse_gate(">= champion - 0.005");
  REQUIRE(g);
  CHECK(g->champion);
  CHECK(g->passes(0.795, 0.80));
  CHECK_FALSE(g->passes(0.7949, 0.80));
  CHECK(g->text() == ">= champion - 0.005");
  CHECK(parse_gate("<= champion")->passes(0.3, 0.3));
  CHECK(parse_gate("> champion+0.01")->bound(0.5) == doctest::Approx(0.51));
  CHECK_FALSE(parse_gate(">= champion * 2"));
  CHECK_FALSE(parse_gate(">= champion - -1"));
  CHECK_FALSE(parse_gate(">= champion -"));
}
