#include <doctest/doctest.h>

#include "trainers/xgboost/eval_log.h"

using namespace mlpipe;

TEST_CASE("XGBoosterEvalOneIter output becomes metric points") {
  auto pts = xgb::parse_eval_line("[4]\ttrain-logloss:0.52\ttrain-auc:0.91\tvalid-logloss:0.6\tvalid-ndcg@5-:0.7", 5);
  REQUIRE(pts.size() == 4);
  CHECK(pts[0].split == "train");
  CHECK(pts[0].key == "logloss");
  CHECK(pts[0].value == doctest::Approx(0.52));
  CHECK(*pts[0].iteration == 5);
  CHECK(pts[3].split == "valid");
  CHECK(pts[3].key == "ndcg@5-");
}

TEST_CASE("XGBoost's 'not used' warning names the unknown parameters") {
  auto names = xgb::parse_unused_parameters(
      "[10:00:00] WARNING: learner.cc:767: \nParameters: { \"max_dept\", \"colsample\" } are not used.\n");
  CHECK(names == std::vector<std::string>{"max_dept", "colsample"});
  CHECK(xgb::parse_unused_parameters("nothing here").empty());
  CHECK(xgb::metric_maximizes("auc"));
  CHECK(xgb::metric_maximizes("aucpr"));
  CHECK_FALSE(xgb::metric_maximizes("logloss"));
}
