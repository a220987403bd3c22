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
// Expected calibration error: scores cut into 10 equal-width bins over [0, 1]; the bins' share of
// rows (of weight, with `w`) times |mean score - observed rate|, summed.
double expected_calibration_error(const std::vector<double>& y, const std::vector<double>& p,
                                  const std::vector<double>* w = nullptr);

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

// Top-k by score (ties broken by row order, so the result is deterministic): the share of
// positives among the k highest-scored rows (k or fewer when there are fewer rows), and the
// share of all positives they hold (0 when there are none).
double precision_at_k(const std::vector<double>& y, const std::vector<double>& score, size_t k);
double recall_at_k(const std::vector<double>& y, const std::vector<double>& score, size_t k);
// Fraud teams' daily card precision: in each period, every entity (card) scores its highest
// score and is positive when any of its rows is; the share of positives among the k
// highest-scored entities, averaged over the periods that have rows.
double entity_precision_at_k(const std::vector<double>& y, const std::vector<double>& score,
                             const std::vector<std::string>& entity, const std::vector<double>& time,
                             double period, size_t k);

// Cumulative gains by score band (10 = deciles, highest scores first).
struct GainsRow {
  size_t band = 0;         // 1 = the top band
  size_t rows = 0, positives = 0;
  double capture = 0;      // share of all positives in bands 1..band
  double lift = 0;         // capture / share of rows in bands 1..band
};
std::vector<GainsRow> gains_table(const std::vector<double>& y, const std::vector<double>& score, size_t bands = 10);

// What metrics need besides labels and scores.
struct MetricOptions {
  double threshold = 0.5;  // accuracy, precision, recall, f1
  size_t k = 100;          // *_at_k
  // card_precision_at_k: per row, its entity and time (null when not configured).
  const std::vector<std::string>* entity = nullptr;
  const std::vector<double>* time = nullptr;
  double period = 86400;
  // Row weights (null: every row counts 1); see core/metrics/weighted_metrics.h.
  const std::vector<double>* weights = nullptr;
};

// Multi-class: `probs` holds K probabilities per row (row-major), y the class index 0..K-1.
// The predicted class is the most probable (ties: the lower index).
std::vector<size_t> predicted_classes(const std::vector<double>& probs, size_t k);
// counts[true][predicted].
std::vector<std::vector<size_t>> confusion_matrix(const std::vector<double>& y, const std::vector<double>& probs, size_t k);
// mlogloss (probabilities clipped to [1e-15, 1]), accuracy, macro_auc (mean one-vs-rest AUC over
// the classes that have rows of both kinds). Throws StepError for another name.
double compute_multiclass_metric(const std::string& name, const std::vector<double>& y,
                                 const std::vector<double>& probs, size_t k);
const std::vector<std::string>& multiclass_metric_names();

// Names accepted in evaluate's `metrics:` list, by task.
const std::vector<std::string>& binary_metric_names();
const std::vector<std::string>& regression_metric_names();
// Computes one named metric; throws StepError for an unknown name.
double compute_metric(const std::string& name, const std::vector<double>& y,
                      const std::vector<double>& score, const MetricOptions& options);

}  // namespace mlpipe
