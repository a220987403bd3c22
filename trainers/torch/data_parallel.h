#pragma once
// Data parallelism over c10d: the ranks meet through a FileStore (processes mlpipe started) or a
// TCPStore (torchrun variables), start from rank 0's weights, and average gradients in buckets,
// weighted by how many samples each rank saw, so N processes on one global batch compute what
// one process would. Gloo on CPU; NCCL for CUDA tensors when LibTorch was built with it (without
// it, CUDA gradients travel through Gloo via host memory).
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/model/model.h"

namespace mlpipe {

class DataParallel {
 public:
  // ctx: rank, world and where to meet (rendezvous file, or master_addr:master_port).
  DataParallel(const TrainContext& ctx, bool cuda);
  ~DataParallel();
  int rank() const { return rank_; }
  int world() const { return world_; }
  void broadcast_parameters(torch::nn::Module& m);
  // After backward on this rank's shard (a mean over `local_samples`): every rank ends with the
  // gradient of the mean over all ranks' samples.
  void average_gradients(torch::nn::Module& m, double local_samples);
  // Rank 0's bytes, on every rank (a checkpoint only rank 0 can read).
  std::string broadcast_bytes(const std::string& on_rank0);
  // Every rank's value, in rank order, on every rank.
  std::vector<double> gather(double mine);
  // True on every rank when all ranks hold bit-identical parameters and buffers.
  bool identical(torch::nn::Module& m);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_, world_;
};

}  // namespace mlpipe
