#pragma once
// Parses the string XGBoosterEvalOneIter returns: "[3]\ttrain-auc:0.91\tvalid-auc:0.86".
#include <string>
#include <vector>

#include "core/metrics/metric_point.h"

namespace mlpipe::xgb {

// One MetricPoint per "<data>-<metric>:<value>" token, iteration as given.
std::vector<MetricPoint> parse_eval_line(const std::string& line, int64_t iteration);

// Names inside XGBoost's warning 'Parameters: { "a", "b" } are not used.'; empty if none.
std::vector<std::string> parse_unused_parameters(const std::string& log_text);

// Whether a larger value of this eval metric is better (auc, aucpr, map, ndcg, pre).
bool metric_maximizes(const std::string& metric);

}  // namespace mlpipe::xgb
