#include <doctest/doctest.h>

#include "core/util/error.h"
#include "trainers/xgboost/named_constraints.h"

using namespace mlpipe;
using nlohmann::json;

TEST_CASE("named monotone and interaction constraints become XGBoost's positional form") {
  std::vector<std::string> f = {"income", "debt", "region=east", "region=west", "age"};
  CHECK(xgb::monotone_constraints(json::parse(R"({"debt": "increasing", "age": "decreasing"})"), f) == "(0,1,0,0,-1)");
  CHECK(xgb::monotone_constraints(json::object(), f) == "(0,0,0,0,0)");
  CHECK(xgb::interaction_constraints(json::parse(R"([["age", "income"], ["region", "debt"]])"), f) == "[[0,4],[1,2,3]]");
  CHECK_THROWS_WITH_AS(xgb::monotone_constraints(json::parse(R"({"region": "increasing"})"), f),
                       doctest::Contains("one-hot encoded into 2 columns"), StepError);
  CHECK_THROWS_WITH_AS(xgb::monotone_constraints(json::parse(R"({"dbet": "increasing"})"), f),
                       doctest::Contains("did you mean 'debt'"), StepError);
  CHECK_THROWS_WITH_AS(xgb::monotone_constraints(json::parse(R"({"debt": 1})"), f),
                       doctest::Contains("must be increasing or decreasing"), StepError);
  CHECK_THROWS_AS(xgb::interaction_constraints(json::parse(R"([["nope"]])"), f), StepError);
}
