#include <doctest/doctest.h>

#include <cmath>

#include "core/predict/explain.h"
#include "trainers/xgboost/xgboost_trainer.h"

using namespace mlpipe;
using nlohmann::json;

TEST_CASE("reason columns credit one-hot and time parts to the column they came from") {
  json transforms = json::parse(R"([
    {"op": "ratio", "numerator": "debt", "denominator": "income", "name": "dti"},
    {"op": "log1p", "columns": ["income"]},
    {"op": "one_hot", "columns": [{"column": "region", "categories": ["east", "west"]}]},
    {"op": "time_parts", "time": "opened", "parts": ["hour", "weekday"]}
  ])");
  std::vector<std::string> features = {"income", "dti", "region=east", "region=west", "opened_hour", "opened_weekday", "age"};
  CHECK(reason_columns(transforms, features) ==
        std::vector<std::string>{"income", "dti", "region", "region", "opened", "opened", "age"});
  CHECK(reason_columns(json::array(), {"a=b"}) == std::vector<std::string>{"a=b"});  // not a one-hot column
}

namespace {
// Fixed contributions: row r's feature j contributes (j - 1) * (r + 1); the bias is 0.5.
class FixedModel : public Model {
 public:
  std::string trainer() const override { return "fixed"; }
  Task task() const override { return Task::kRegression; }
  std::vector<double> predict(const FeatureMatrix& x) const override { return margins(x); }
  std::vector<double> contributions(const FeatureMatrix& x) const override {
    std::vector<double> out;
    for (size_t r = 0; r < x.rows; ++r) {
      for (size_t j = 0; j < x.cols; ++j) out.push_back((double(j) - 1.0) * double(r + 1));
      out.push_back(0.5);
    }
    return out;
  }
  std::vector<double> margins(const FeatureMatrix& x) const override {
    std::vector<double> c = contributions(x), out;
    for (size_t r = 0; r < x.rows; ++r) {
      double s = 0;
      for (size_t j = 0; j <= x.cols; ++j) s += c[r * (x.cols + 1) + j];
      out.push_back(s);
    }
    return out;
  }
  bool explains() const override { return true; }
  void save(const std::filesystem::path&) const override {}
  std::string file_name() const override { return "fixed"; }
  json summary() const override { return json::object(); }
};
}  // namespace

TEST_CASE("explanations sum a column's features; the top reasons are the positive ones, largest first") {
  FixedModel m;
  FeatureMatrix x;
  x.rows = 2;
  x.cols = 4;
  x.values.assign(8, 0.f);
  // features 0..3 contribute -1, 0, 1, 2 (times r + 1); features 2 and 3 are one column "c"
  Explanation e = explain_rows(m, x, {"a", "b", "c", "c"});
  CHECK(e.columns == std::vector<std::string>{"a", "b", "c"});
  CHECK(e.values == std::vector<double>{-1, 0, 3, -2, 0, 6});
  CHECK(e.bias[1] == 0.5);
  CHECK(e.margin[1] == doctest::Approx(4.5));
  std::vector<Reason> top = top_reasons(e, 1, 3);
  REQUIRE(top.size() == 1);  // b contributes 0 and a lowers the score: neither is a reason
  CHECK(top[0].column == "c");
  CHECK(top[0].contribution == 6);
  CHECK(mean_abs_contributions(e) == std::vector<double>{1.5, 0, 4.5});
  CHECK_THROWS(explain_rows(m, x, {"a", "b"}));  // one reason column per feature
}

TEST_CASE("XGBoost's contributions plus the bias equal its margin, row by row") {
  FeatureMatrix x;
  x.rows = 200;
  x.cols = 3;
  x.names = {"f0", "f1", "f2"};
  std::vector<float> y;
  for (size_t r = 0; r < x.rows; ++r) {
    float a = float(r % 17) / 17.f, b = float((r * 7) % 11) / 11.f, c = (r % 5 == 0) ? NAN : float(r % 3);
    x.values.insert(x.values.end(), {a, b, c});
    y.push_back(a + 0.5f * b > 0.7f ? 1.f : 0.f);
  }
  auto trainer = make_xgboost_trainer();
  json step = json::parse(R"({"rounds": 20, "params": {"objective": "binary:logistic", "max_depth": 3}})");
  TrainContext ctx;
  auto model = trainer->fit(step, x, y, nullptr, nullptr, ctx);
  REQUIRE(model->explains());
  Explanation e = explain_rows(*model, x, x.names);
  std::vector<double> p = model->predict(x);
  for (size_t r = 0; r < x.rows; ++r) {
    double sum = e.bias[r];
    for (size_t j = 0; j < 3; ++j) sum += e.values[r * 3 + j];
    CHECK(sum == doctest::Approx(e.margin[r]).epsilon(1e-5));
    CHECK(1.0 / (1.0 + std::exp(-e.margin[r])) == doctest::Approx(p[r]).epsilon(1e-5));
  }
}
