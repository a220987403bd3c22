#pragma once
// Probability calibration of a binary model's scores: isotonic regression (pool adjacent
// violators) or Platt scaling (a logistic fit on the score's log-odds), fitted on held-out rows.
// Plain values; apply() is const and thread-safe.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mlpipe {

class Calibrator {
 public:
  // Fits on labels 0/1 and the model's scores (`w`: row weights, or empty). Throws StepError
  // when the rows hold one class only.
  static Calibrator fit(const std::string& method, const std::vector<double>& y, const std::vector<double>& score,
                        const std::vector<double>& w = {});
  static Calibrator from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;

  double apply(double score) const;
  std::vector<double> apply(const std::vector<double>& scores) const;
  const std::string& method() const { return method_; }

 private:
  std::string method_;               // "isotonic" | "platt"
  std::vector<double> x_, y_;        // isotonic: increasing knots, interpolated linearly, flat outside
  double a_ = 1, b_ = 0;             // platt: 1 / (1 + exp(-(a * logit(score) + b)))
};

const std::vector<std::string>& calibration_methods();

}  // namespace mlpipe
