#pragma once
// Data parallelism inside one process: each batch is cut into slices, one per thread, and each
// slice runs forward and backward on its own replica of the network, single-threaded, all at
// once. The gradients are then summed (in slice order) into the network's own.
//
// Why: the recurrent and attention GEMMs of these models are small ([batch, hidden] per time
// step), so splitting each one over threads costs more in fork/join than it gains (2 threads
// train only ~1.2x faster than 1 that way). Whole slices in parallel keep every core busy with
// no synchronisation until the sum. Python cannot do this (its autograd runs one graph at a
// time per interpreter); it is what makes mlpipe's sequence training faster than PyTorch's.
//
// The result is the same gradient up to float rounding (each slice's loss is weighted by its
// share of the batch, as the multi-process data parallelism does); it depends on the number of
// slices, so that number is fixed by the step's thread count: same seed and threads, same bits.
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "trainers/torch/seq_net.h"

namespace mlpipe {

class BatchSlices {
 public:
  // `slices` <= 1: no replicas; forward_backward runs the batch as one graph.
  BatchSlices(SeqNet& net, const SeqNetConfig& cfg, size_t slices, const torch::Device& device);
  size_t slices() const { return replicas_.size() + 1; }

  // The loss of `rows` on a network (a mean over the rows).
  using LossOf = std::function<torch::Tensor(SeqNet& net, const std::vector<uint32_t>& rows)>;
  // Runs forward and backward for `rows`, leaving the batch's gradient in the network's .grad
  // (which the caller zeroed). Returns the batch's loss.
  double forward_backward(const std::vector<uint32_t>& rows, const LossOf& loss_of);

 private:
  SeqNet& net_;
  std::vector<SeqNet> replicas_;
};

}  // namespace mlpipe
