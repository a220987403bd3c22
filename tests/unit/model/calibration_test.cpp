#include <doctest/doctest.h>

#include <cmath>

#include "core/model/calibration.h"
#include "core/util/error.h"

using namespace mlpipe;

TEST_CASE("isotonic calibration is monotone and gives each fitted row its block's rate") {
  std::vector<double> s = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
  std::vector<double> y = {0, 1, 0, 0, 1, 0, 1, 1};
  Calibrator c = Calibrator::fit("isotonic", y, s);
  // PAV: [0] 0, [0.2..0.4] pooled 1/3, [0.5, 0.6] 1/2, [0.7, 0.8] 1.
  CHECK(c.apply(0.1) == doctest::Approx(0.0));
  CHECK(c.apply(0.2) == doctest::Approx(1.0 / 3));
  CHECK(c.apply(0.4) == doctest::Approx(1.0 / 3));
  CHECK(c.apply(0.55) == doctest::Approx(0.5));
  CHECK(c.apply(0.8) == doctest::Approx(1.0));
  CHECK(c.apply(0.0) == doctest::Approx(0.0));   // flat beyond the ends
  CHECK(c.apply(0.99) == doctest::Approx(1.0));
  CHECK(c.apply(0.45) == doctest::Approx((1.0 / 3 + 0.5) / 2));  // linear between blocks
  for (double v = 0; v < 1; v += 0.01) CHECK(c.apply(v) <= c.apply(v + 0.01) + 1e-15);
  Calibrator back = Calibrator::from_json(c.to_json());
  CHECK(back.apply(0.45) == c.apply(0.45));
  CHECK(std::isnan(c.apply(NAN)));
}

TEST_CASE("Platt scaling recovers a logistic distortion of the scores") {
  // True probability sigmoid(2 * logit(s) - 1): many rows at each score, labels in that proportion.
  std::vector<double> s, y;
  for (int k = 1; k < 20; ++k) {
    double score = k / 20.0, z = std::log(score / (1 - score)), p = 1 / (1 + std::exp(-(2 * z - 1)));
    int pos = int(std::lround(p * 1000));
    for (int i = 0; i < 1000; ++i) {
      s.push_back(score);
      y.push_back(i < pos ? 1 : 0);
    }
  }
  Calibrator c = Calibrator::fit("platt", y, s);
  CHECK(c.to_json()["a"].get<double>() == doctest::Approx(2.0).epsilon(0.01));
  CHECK(c.to_json()["b"].get<double>() == doctest::Approx(-1.0).epsilon(0.01));
}

TEST_CASE("calibration refuses one class and unknown methods") {
  CHECK_THROWS_AS(Calibrator::fit("isotonic", {1, 1}, {0.2, 0.4}), StepError);
  CHECK_THROWS_WITH_AS(Calibrator::fit("isotonik", {0, 1}, {0.2, 0.4}), doctest::Contains("did you mean 'isotonic'"), ConfigError);
  CHECK_THROWS_AS(Calibrator::from_json(nlohmann::json::parse(R"({"method": "isotonic", "x": [0.5, 0.2], "y": [0, 1]})")), StepError);
}
