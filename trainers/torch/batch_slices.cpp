#include "trainers/torch/batch_slices.h"

#include <ATen/Parallel.h>

namespace mlpipe {

BatchSlices::BatchSlices(SeqNet& net, const SeqNetConfig& cfg, size_t slices, const torch::Device& device)
    : net_(net) {
  for (size_t k = 1; k < slices; ++k) {
    SeqNet r(cfg);
    r->to(device);
    r->train();
    replicas_.push_back(r);
  }
}

double BatchSlices::forward_backward(const std::vector<uint32_t>& rows, const LossOf& loss_of) {
  size_t n = rows.size(), s = std::min(slices(), n);
  if (s <= 1) {
    torch::Tensor loss = loss_of(net_, rows);
    loss.backward();
    return loss.item<double>();
  }
  std::vector<torch::Tensor> params = net_->parameters();
  {  // the replicas start from the network's current weights, with no gradient
    torch::NoGradGuard no_grad;
    for (size_t k = 0; k + 1 < s; ++k) {
      std::vector<torch::Tensor> mine = replicas_[k]->parameters();
      for (size_t i = 0; i < params.size(); ++i) {
        mine[i].copy_(params[i]);
        if (mine[i].grad().defined()) mine[i].mutable_grad().zero_();
      }
    }
  }
  std::vector<double> losses(s, 0.0);
  // One slice per thread. Inside the parallel region torch's own parallel_for and OpenBLAS both
  // run single-threaded, which is the point.
  at::parallel_for(0, int64_t(s), 1, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      size_t lo = n * size_t(k) / s, hi = n * size_t(k + 1) / s;
      std::vector<uint32_t> part(rows.begin() + lo, rows.begin() + hi);
      SeqNet& net = k == 0 ? net_ : replicas_[size_t(k) - 1];
      torch::Tensor loss = loss_of(net, part) * (double(hi - lo) / double(n));
      loss.backward();
      losses[size_t(k)] = loss.item<double>();
    }
  });
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k + 1 < s; ++k) {  // in slice order: the sum is the same every time
    std::vector<torch::Tensor> mine = replicas_[k]->parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      if (!mine[i].grad().defined()) continue;
      if (params[i].grad().defined()) params[i].mutable_grad().add_(mine[i].grad());
      else params[i].mutable_grad() = mine[i].grad().clone();
    }
  }
  double total = 0;
  for (double l : losses) total += l;
  return total;
}

}  // namespace mlpipe
