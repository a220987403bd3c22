#pragma once
// What passes from step to step: the data frame, the fitted preprocessing that reproduces the
// features at prediction time, the trained model and the evaluation. A step receives the merge
// of what the steps it needs produced and passes on what it changed plus the rest.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data/table.h"
#include "core/model/model.h"
#include "core/flow/sequence_set.h"

namespace mlpipe {

// kOut: rows a split left out (outside every date bound): in no split, used by no step after it.
enum class Split : uint8_t { kTrain = 0, kValid = 1, kTest = 2, kOut = 3 };
const std::vector<std::string>& split_names();  // "train", "valid", "test"
// Throws ConfigError-free StepError for unknown names (with did-you-mean).
Split split_from_name(const std::string& name);

struct Frame {
  Table table;
  std::string label;           // "" when the data has no label role
  std::string id;              // "" when there is no id column
  std::string weight;          // "" when rows are not weighted (ingest `weight:`)
  std::vector<uint8_t> split;  // empty until a split step ran; else one Split per row
  // Inferred text columns of nearly all-distinct values (ids): not model inputs unless `types:`
  // declares them categorical (their codes would only number the rows).
  std::vector<std::string> not_features;
  // A multi-class label's class names: the label column holds their indexes 0..K-1.
  std::vector<std::string> classes;

  bool has_split() const { return !split.empty(); }
  // Row indexes of one split; all rows when there is no split yet.
  std::vector<uint32_t> rows_of(Split s) const;
  // Columns used as model inputs: everything but the label, the id, the weight, datetime columns (times are
  // used through windows and time_parts) and not_features.
  std::vector<std::string> feature_names() const;
};

struct TrainedModel {
  std::shared_ptr<const Model> model;
  std::string trainer;
  std::vector<std::string> features;
  std::string label, id;
  Task task = Task::kBinary;
  std::vector<std::string> classes;  // kMulticlass: the class of each score column, in order
  std::string model_path;  // the saved model file in the run's workdir
  bool sequence = false;   // takes SequenceSet samples instead of feature rows
  nlohmann::json summary = nlohmann::json::object();  // best iteration, rounds run, ...
};

struct Evaluation {
  std::string on;  // the split evaluated
  nlohmann::json metrics = nlohmann::json::object();
  std::string predictions_path;
};

struct Flow {
  std::shared_ptr<const Frame> frame;
  // {"ingest": {...csv schema...}, "transforms": [...fitted...]}: replayed by `mlpipe predict`.
  std::shared_ptr<const nlohmann::json> preprocess;
  std::shared_ptr<const TrainedModel> model;
  std::shared_ptr<const Evaluation> evaluation;
  std::shared_ptr<const SequenceSet> sequences;  // from a sequences step, for sequence trainers

  // Fields of `other` fill what this flow does not have yet.
  void fill_from(const Flow& other);
};

// Builds the float32 row-major matrix of `features` for the given rows.
FeatureMatrix build_matrix(const Frame& f, const std::vector<std::string>& features,
                           const std::vector<uint32_t>& rows);
// The same matrix without its values: its `fill` writes any block of them from `f`, which must
// outlive it (same floats as build_matrix).
FeatureMatrix matrix_source(const Frame& f, const std::vector<std::string>& features, std::vector<uint32_t> rows);
std::vector<float> label_values(const Frame& f, const std::vector<uint32_t>& rows);
// Throws StepError naming the first row whose label is not 0 or 1 (`where`: "train", "test").
void check_binary_labels(const Frame& f, const std::vector<uint32_t>& rows, const std::vector<float>& y,
                         const std::string& where);
// The weight of each row (empty when the frame has none); throws StepError naming the row of a
// missing, negative or infinite weight.
std::vector<double> weight_values(const Frame& f, const std::vector<uint32_t>& rows);

}  // namespace mlpipe
