#pragma once
// An evaluate step's `segments:` (every metric per group of rows) and `fairness:` (for protected
// columns among them: adverse impact ratio, TPR/FPR and calibration spreads), used by
// evaluate_step.cpp. Segment columns are read as they were before the feature transforms, so a
// column left out of the model, standardized or one-hot encoded still segments by its own values.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/steps/step.h"

namespace mlpipe {

const Schema& segment_keys();  // segments, fairness, favorable (added to evaluate's schema)
void check_segments(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p);
// Whether a gate key names what segments: or fairness: record (auc.SEX=1, adverse_impact_ratio.SEX).
bool is_segment_metric(const std::string& key, const nlohmann::json& cfg);

struct SegmentScores {
  const std::vector<uint32_t>* rows = nullptr;  // table rows of the scored samples
  const std::vector<double>* y = nullptr;
  const std::vector<double>* score = nullptr;  // one per row (binary, regression) or k per row
  bool binary = false;
  double threshold = 0.5;
  std::vector<std::string> metrics;  // the names evaluate records
  // Computes a metric on the samples at these positions (of rows/y), as evaluate does on all.
  std::function<double(const std::string& name, const std::vector<size_t>& positions)> metric_on;
};

// Records METRIC.COLUMN=GROUP, rows.COLUMN=GROUP and the fairness measures under split `on`,
// writes segments.csv, and returns every recorded value by key (for gates).
nlohmann::json record_segments(StepContext& ctx, const Frame& scored, const SegmentScores& s, const std::string& on);

}  // namespace mlpipe
