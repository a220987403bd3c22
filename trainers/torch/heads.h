#pragma once
// The output heads of a sequence model: which target each learns, with which loss, and the
// per-head validation metrics. A bce or mse head has one output; a cross-entropy head has one
// output per class, side by side in head order (`offset`).
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/flow/sequence_set.h"
#include "core/metrics/metric_point.h"

namespace mlpipe {

struct Head {
  std::string name, loss;  // loss: bce | mse | cross_entropy
  int target = 0;          // index into SequenceSet::targets
  int64_t outputs = 1, offset = 0;
  double weight = 1, pos_weight = 1;
  std::vector<double> class_weights;  // bce: {negative, positive}; cross-entropy: one per class
};

// From the train step's `heads:` (default: one bce head on the first target). Checks that each
// target exists and, for cross-entropy, holds class numbers 0..classes-1.
std::vector<Head> resolve_heads(const nlohmann::json& step, const SequenceSet& s);
// What a saved model needs to rebuild its heads.
nlohmann::json heads_json(const std::vector<Head>& heads);
std::vector<Head> heads_from_json(const nlohmann::json& j);
std::vector<int64_t> head_sizes(const std::vector<Head>& heads);

// Mean loss of one head over the samples whose target is known (not NaN).
// logits [B, outputs of all heads], y [B, heads].
torch::Tensor head_loss(const torch::Tensor& logits, const torch::Tensor& y, const Head& h, size_t index);
// Weighted sum of the heads' losses: what training minimizes.
torch::Tensor total_loss(const torch::Tensor& logits, const torch::Tensor& y, const std::vector<Head>& heads);

// Validation metrics of every head for one epoch: <head>.loss, and <head>.auc (bce),
// <head>.rmse (mse) or <head>.accuracy (cross-entropy). Returns the first head's metric that
// early stopping follows (AUC for bce, NaN when valid has one class; loss otherwise).
double head_metrics(const torch::Tensor& logits, const torch::Tensor& y, const std::vector<Head>& heads,
                    int64_t epoch, std::vector<MetricPoint>& points);

}  // namespace mlpipe
