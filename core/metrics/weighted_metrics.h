#pragma once
// Metrics with a weight per row (`weight:` on the ingest step): every row counts as its weight
// in the sums, counts and pairs the unweighted metrics use; with all weights 1 each equals its
// unweighted version exactly (a unit test checks it). Pure functions.
#include <string>
#include <vector>

namespace mlpipe {

double weighted_roc_auc(const std::vector<double>& y, const std::vector<double>& s, const std::vector<double>& w);

// Binary and regression metrics by name (auc, pr_auc, logloss, ks, brier, accuracy, precision,
// recall, f1, gini, precision_at_k, recall_at_k, rmse, mae, r2). Throws StepError for a metric
// that takes no weights (card_precision_at_k counts entities) or an unknown name.
double weighted_metric(const std::string& name, const std::vector<double>& y, const std::vector<double>& s,
                       const std::vector<double>& w, double threshold, size_t k);

// Multi-class: mlogloss, accuracy, macro_auc; `probs` holds k probabilities per row.
double weighted_multiclass_metric(const std::string& name, const std::vector<double>& y,
                                  const std::vector<double>& probs, size_t k, const std::vector<double>& w);

}  // namespace mlpipe
