#pragma once
// The curves behind the metrics, for reports: ROC, precision-recall, calibration, and score
// histograms by class. One point per distinct score (ties move together), as the metrics count.
#include <cstddef>
#include <vector>

namespace mlpipe {

struct Curve {
  std::vector<double> x, y;
};

// False positive rate -> true positive rate, from (0,0) to (1,1).
Curve roc_curve(const std::vector<double>& y, const std::vector<double>& score);
// Recall -> precision, one point per threshold, highest score first.
Curve pr_curve(const std::vector<double>& y, const std::vector<double>& score);

// Scores cut into `bins` equal-width bins over [0, 1]; for each non-empty bin: the mean score
// (x) and the observed positive rate (y). `counts` gets the bins' sizes.
Curve calibration_curve(const std::vector<double>& y, const std::vector<double>& score, size_t bins,
                        std::vector<size_t>* counts = nullptr);

struct ClassHistogram {
  std::vector<double> edges;     // bins + 1 edges from the lowest to the highest score
  std::vector<double> negative;  // share of the negatives in each bin
  std::vector<double> positive;  // share of the positives in each bin
};
ClassHistogram score_histogram(const std::vector<double>& y, const std::vector<double>& score, size_t bins);

// At most `max_points` points, keeping the first and last (for plotting long curves).
Curve thin(const Curve& c, size_t max_points);

}  // namespace mlpipe
