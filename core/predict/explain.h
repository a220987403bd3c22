#pragma once
// Reason codes: a model's exact per-feature contributions (XGBoost's TreeSHAP), credited back to
// the user's own columns through the fitted transforms, so a reason names `EDUCATION`, never
// `EDUCATION=3`. Pure functions over values; thread-safe as the Model they call.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/model/model.h"

namespace mlpipe {

// For each model feature, the column its contribution is credited to: a one-hot column's is the
// column it encodes, a time part's the datetime it came from; a feature a transform named (ratio,
// window, label_rate) is its own reason, as the user named it; every other feature is itself.
std::vector<std::string> reason_columns(const nlohmann::json& transforms, const std::vector<std::string>& features);

struct Explanation {
  std::vector<std::string> columns;  // the reason columns, in the order of their first feature
  size_t rows = 0;
  std::vector<double> values;        // rows x columns, in margin units (log-odds for binary)
  std::vector<double> bias, margin;  // per row: values + bias sum to margin
};

// Explains each row of `x` (features in the model's order, `reasons` from reason_columns). A
// multi-class model is explained for the class `class_of_row[r]` of each row.
Explanation explain_rows(const Model& m, const FeatureMatrix& x, const std::vector<std::string>& reasons,
                         const std::vector<size_t>* class_of_row = nullptr);

// Explains samples of a sequence model (integrated gradients, an approximation: see
// Model::sequence_contributions); `reasons` has one column per input, numeric then categorical.
Explanation explain_sequence_samples(const Model& m, const SequenceSet& s, const std::vector<uint32_t>& samples,
                                     const std::vector<std::string>& reasons);
// A sequence set's inputs, numeric then categorical (the order of sequence_contributions).
std::vector<std::string> sequence_inputs(const SequenceSet& s);

struct Reason {
  std::string column;
  double contribution = 0;
};
// Row r's K columns that pushed its score up most, largest first; fewer when fewer pushed it up
// (an adverse-action reason is a factor that raised the risk, never one that lowered it).
std::vector<Reason> top_reasons(const Explanation& e, size_t r, size_t k);

// Mean |contribution| of each reason column over the rows: global importance in the reasons' units.
std::vector<double> mean_abs_contributions(const Explanation& e);

}  // namespace mlpipe
