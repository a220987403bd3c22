#pragma once
// Evaluation metrics for binary classification and regression. Ties in scores are handled
// exactly: AUC uses average ranks, curves step once per distinct score.
#include <string>
#include <vector>

namespace mlpipe {

double roc_auc(const std::vector<double>& y, const std::vector<double>& score);
// Average precision (area under the precision-recall step curve, as scikit-learn computes it).
double pr_auc(const std::vector<double>& y, const std::vector<double>& score);
double log_loss(const std::vector<double>& y, const std::vector<double>& p);
// Kolmogorov-Smirnov statistic: max |TPR - FPR| over thresholds.
double ks_statistic(const std::vector<double>& y, const std::vector<double>& score);
double brier(const std::vector<double>& y, const std::vector<double>& p);

struct Confusion {
  double tp = 0, fp = 0, tn = 0, fn = 0;
  double accuracy() const;
  double precision() const;  // 0 when nothing is predicted positive
  double recall() const;
  double f1() const;
};
// Positive when score >= threshold.
Confusion confusion_at(const std::vector<double>& y, const std::vector<double>& score,
                       double threshold);

double rmse(const std::vector<double>& y, const std::vector<double>& pred);
double mae(const std::vector<double>& y, const std::vector<double>& pred);
double r2(const std::vector<double>& y, const std::vector<double>& pred);

// Names accepted in evaluate's `metrics:` list, by task.
const std::vector<std::string>& binary_metric_names();
const std::vector<std::string>& regression_metric_names();
// Computes one named metric; throws StepError for an unknown name.
double compute_metric(const std::string& name, const std::vector<double>& y,
                      const std::vector<double>& score, double threshold);

}  // namespace mlpipe
