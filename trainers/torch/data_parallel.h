#pragma once
// Data parallelism over c10d's Gloo backend: the ranks meet through a FileStore, start from
// rank 0's weights, and average gradients in buckets, weighted by how many samples each rank
// saw, so N processes on one global batch compute what one process would.
#include <torch/torch.h>

#include <filesystem>
#include <memory>

namespace mlpipe {

class DataParallel {
 public:
  DataParallel(int rank, int world, const std::filesystem::path& rendezvous);
  ~DataParallel();
  int rank() const { return rank_; }
  int world() const { return world_; }
  void broadcast_parameters(torch::nn::Module& m);
  // After backward on this rank's shard (a mean over `local_samples`): every rank ends with the
  // gradient of the mean over all ranks' samples.
  void average_gradients(torch::nn::Module& m, double local_samples);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_, world_;
};

}  // namespace mlpipe
