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
  CHECK(t.at("a").value(3) == doctest::Approx((100 - 2.0) / std::sqrt(2.0 / 3)));
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
  CHECK(fit.at("b").value(1) == doctest::Approx(std::log1p(30.0)));  // median of 10, 30, 40
  CHECK(fit.names() == std::vector<std::string>{"y", "a", "b", "ab", "c=x", "c=y", "c=z"});
  CHECK(fit.at("c=x").values() == std::vector<double>{1, 0, 1, 0});
}

TEST_CASE("one_hot leaves unseen categories all zero") {
  Table t = table();
  json fitted = fit_transforms(json::parse(R"([{"op": "one_hot", "columns": ["c"]}])"), t, {0, 1}, {"y"});
  CHECK(fitted[0]["columns"][0]["categories"] == json({"x", "y"}));
  CHECK(t.at("c=x").value(3) == 0);
  CHECK(t.at("c=y").value(3) == 0);
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

TEST_CASE("derived columns are float32, computed in double; a fitted list from before keeps doubles") {
  Table t = parse_csv("who,t,v\na,0,1\na,10,2\nb,20,3\na,30,10\n", "t.csv", {});
  json specs = json::parse(R"([
    {"op": "window", "entity": "who", "time": "t", "columns": ["v"], "windows": ["100s"], "aggs": ["mean"]},
    {"op": "ratio", "numerator": "v", "denominator": "who_v_mean_100s", "name": "v_vs_mean"},
    {"op": "standardize", "columns": ["v_vs_mean"]}
  ])");
  Table wide = t;
  json fitted = fit_transforms(specs, t, {0, 1, 2, 3}, {});
  CHECK(fitted[0]["store"] == "float32");
  CHECK(fitted[1]["store"] == "float32");
  const Column& mean = t.at("who_v_mean_100s");
  REQUIRE(mean.f32);
  CHECK(mean.num.empty());
  CHECK(mean.value(3) == double(float(13.0 / 3)));  // the mean of 1, 2, 10, rounded once
  CHECK(mean.text(3) == "4.3333335");                // the float's shortest text
  CHECK(t.at("v").f32 == false);                     // an input column keeps its doubles
  const Column& ratio = t.at("v_vs_mean");
  CHECK(ratio.f32);                                  // standardized in double, kept narrow
  double stored_ratio = double(float(10 / double(float(13.0 / 3))));
  CHECK(ratio.value(3) ==
        double(float((stored_ratio - fitted[2]["mean"][0].get<double>()) / fitted[2]["std"][0].get<double>())));
  // Replaying the fitted list gives the same bits; the list without `store` (a bundle exported
  // before float32) keeps doubles, so an old model scores as it was trained.
  Table again = wide;
  apply_transforms(fitted, again);
  for (size_t c = 0; c < t.cols(); ++c)
    for (size_t r = 0; r < t.rows(); ++r) CHECK(again.col(c).as_double(r) == t.col(c).as_double(r));
  json old = fitted;
  for (auto& f : old) f.erase("store");
  Table before = wide;
  apply_transforms(old, before);
  CHECK_FALSE(before.at("who_v_mean_100s").f32);
  CHECK(before.at("who_v_mean_100s").num[3] == 13.0 / 3);
  // Taking rows keeps a narrow column narrow.
  Table some = t.take({3, 0});
  CHECK(some.at("who_v_mean_100s").f32);
  CHECK(some.at("who_v_mean_100s").value(0) == mean.value(3));
}
