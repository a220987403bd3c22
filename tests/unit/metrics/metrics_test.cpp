#include <doctest/doctest.h>

#include <cmath>

#include "core/metrics/gate.h"
#include "core/metrics/metrics.h"
#include "core/util/error.h"

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

TEST_CASE("top-k metrics, gini and the gains table") {
  std::vector<double> y = {1, 0, 1, 0, 0, 1, 0, 0, 0, 0};
  std::vector<double> s = {.9, .8, .7, .6, .5, .4, .3, .2, .1, .05};
  CHECK(precision_at_k(y, s, 2) == doctest::Approx(0.5));
  CHECK(precision_at_k(y, s, 3) == doctest::Approx(2.0 / 3));
  CHECK(precision_at_k(y, s, 100) == doctest::Approx(0.3));  // fewer rows than k
  CHECK(recall_at_k(y, s, 3) == doctest::Approx(2.0 / 3));
  CHECK(recall_at_k(std::vector<double>(3, 0), {.1, .2, .3}, 2) == 0);
  // Ties at the cut are broken by row order: deterministic.
  CHECK(precision_at_k({0, 1}, {.5, .5}, 1) == 0);
  MetricOptions o;
  CHECK(compute_metric("gini", y, s, o) == doctest::Approx(2 * roc_auc(y, s) - 1));
  std::vector<GainsRow> g = gains_table(y, s, 5);
  REQUIRE(g.size() == 5);
  CHECK(g[0].rows == 2);
  CHECK(g[0].positives == 1);
  CHECK(g[0].capture == doctest::Approx(1.0 / 3));
  CHECK(g[0].lift == doctest::Approx((1.0 / 3) / 0.2));
  CHECK(g[4].capture == doctest::Approx(1.0));
  CHECK(g[4].lift == doctest::Approx(1.0));
}

TEST_CASE("card precision at k: per day, each card's highest score, compromised if any fraud") {
  // Day 0: card a (fraud on one of its two rows), b and c clean. Day 1: d fraud, e clean.
  std::vector<double> y = {0, 1, 0, 0, 1, 0};
  std::vector<double> s = {.9, .1, .8, .2, .3, .7};
  std::vector<std::string> card = {"a", "a", "b", "c", "d", "e"};
  std::vector<double> t = {10, 20, 30, 40, 86400 + 5, 86400 + 6};
  // k = 1: day 0's top card is a (0.9; compromised) -> 1; day 1's is e (0.7) -> 0. Mean 0.5.
  CHECK(entity_precision_at_k(y, s, card, t, 86400, 1) == doctest::Approx(0.5));
  // k = 2: day 0 a, b -> 1/2; day 1 e, d -> 1/2.
  CHECK(entity_precision_at_k(y, s, card, t, 86400, 2) == doctest::Approx(0.5));
  MetricOptions o;
  o.k = 1;
  CHECK_THROWS_WITH_AS(compute_metric("card_precision_at_k", y, s, o), doctest::Contains("needs the entity and time"), StepError);
  o.entity = &card;
  o.time = &t;
  CHECK(compute_metric("card_precision_at_k", y, s, o) == doctest::Approx(0.5));
}
