#include <doctest/doctest.h>

#include <cmath>

#include "core/data/csv_reader.h"
#include "core/features/transforms.h"
#include "core/util/error.h"

using namespace mlpipe;
using nlohmann::json;

namespace {
Table table() {
  return parse_csv("y,a,b,c\n0,1,10,x\n1,2,,y\n0,3,30,x\n1,100,40,z\n", "t.csv", {});
}
}  // namespace

TEST_CASE("transforms are fitted on the fit rows only") {
  Table t = table();
  json specs = json::parse(R"([{"op": "standardize", "columns": ["a"]}])");
  json fitted = fit_transforms(specs, t, {0, 1, 2}, {"y"});  // row 3 (a=100) is not fitted on
  CHECK(fitted[0]["mean"][0].get<double>() == doctest::Approx(2.0));
  CHECK(fitted[0]["std"][0].get<double>() == doctest::Approx(std::sqrt(2.0 / 3)));
  CHECK(t.at("a").num[3] == doctest::Approx((100 - 2.0) / std::sqrt(2.0 / 3)));
}

TEST_CASE("replaying the fitted list gives bit-identical columns") {
  json specs = json::parse(R"([
    {"op": "fill_missing", "columns": ["b"], "strategy": "median"},
    {"op": "ratio", "numerator": "a", "denominator": "b", "name": "ab"},
    {"op": "log1p", "columns": ["b"]},
    {"op": "clip", "columns": ["a"], "upper_quantile": 0.5},
    {"op": "min_max", "columns": ["ab"]},
    {"op": "one_hot", "columns": ["c"]}
  ])");
  Table fit = table(), replay = table();
  json fitted = fit_transforms(specs, fit, {0, 1, 2, 3}, {"y"});
  apply_transforms(json::parse(fitted.dump()), replay);  // through text, as predict does
  REQUIRE(fit.names() == replay.names());
  for (size_t c = 0; c < fit.cols(); ++c) {
    CAPTURE(fit.col(c).name);
    for (size_t r = 0; r < fit.rows(); ++r) CHECK(fit.col(c).as_double(r) == replay.col(c).as_double(r));
  }
  CHECK(fit.at("b").num[1] == doctest::Approx(std::log1p(30.0)));  // median of 10, 30, 40
  CHECK(fit.names() == std::vector<std::string>{"y", "a", "b", "ab", "c=x", "c=y", "c=z"});
  CHECK(fit.at("c=x").num == std::vector<double>{1, 0, 1, 0});
}

TEST_CASE("one_hot leaves unseen categories all zero") {
  Table t = table();
  json fitted = fit_transforms(json::parse(R"([{"op": "one_hot", "columns": ["c"]}])"), t, {0, 1}, {"y"});
  CHECK(fitted[0]["columns"][0]["categories"] == json({"x", "y"}));
  CHECK(t.at("c=x").num[3] == 0);
  CHECK(t.at("c=y").num[3] == 0);
}

TEST_CASE("globs, protected columns and clear errors") {
  Table t = table();
  CHECK_THROWS_WITH_AS(fit_transforms(json::parse(R"([{"op": "standardize", "columns": ["aa"]}])"), t, {0}, {"y"}),
                       "standardize: no column 'aa' (did you mean 'a'?)", StepError);
  CHECK_THROWS_WITH_AS(fit_transforms(json::parse(R"([{"op": "standardize", "columns": ["y"]}])"), t, {0}, {"y"}),
                       "standardize: column 'y' is the label or id and cannot be transformed", StepError);
  CHECK_THROWS_WITH_AS(fit_transforms(json::parse(R"([{"op": "standardize", "columns": ["c"]}])"), t, {0}, {"y"}),
                       "standardize: column 'c' is categorical; use one_hot or fill_missing on it", StepError);
  json f = fit_transforms(json::parse(R"([{"op": "drop", "columns": ["*"]}])"), t, {0}, {"y"});
  CHECK(t.names() == std::vector<std::string>{"y"});  // the glob skipped the label
}
