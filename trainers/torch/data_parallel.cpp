#include "trainers/torch/data_parallel.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

namespace mlpipe {

struct DataParallel::Impl {
  c10::intrusive_ptr<::c10d::ProcessGroupGloo> pg;
};

DataParallel::DataParallel(int rank, int world, const std::filesystem::path& rendezvous)
    : impl_(std::make_unique<Impl>()), rank_(rank), world_(world) {
  auto store = c10::make_intrusive<::c10d::FileStore>(rendezvous.string(), world);
  auto opts = ::c10d::ProcessGroupGloo::Options::create();
  opts->timeout = std::chrono::minutes(5);  // a rank that died must not hang the others forever
  opts->devices.push_back(::c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  impl_->pg = c10::make_intrusive<::c10d::ProcessGroupGloo>(store, rank, world, opts);
}

DataParallel::~DataParallel() = default;

void DataParallel::broadcast_parameters(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.parameters()) {
    std::vector<at::Tensor> t = {p.data()};
    impl_->pg->broadcast(t)->wait();
  }
}

void DataParallel::average_gradients(torch::nn::Module& m, double local_samples) {
  std::vector<torch::Tensor> grads;
  for (auto& p : m.parameters()) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  // Buckets of at most ~4M values: one allreduce each instead of one per tensor. The first
  // bucket carries this rank's sample count in its last slot, to get the global count.
  constexpr int64_t kBucket = 4 << 20;
  size_t i = 0;
  bool first = true;
  double total = 0;
  while (i < grads.size()) {
    std::vector<torch::Tensor> parts;
    int64_t size = 0;
    size_t j = i;
    while (j < grads.size() && (parts.empty() || size + grads[j].numel() <= kBucket)) {
      parts.push_back(grads[j].reshape({-1}) * local_samples);
      size += grads[j].numel();
      ++j;
    }
    if (first) parts.push_back(torch::full({1}, local_samples, grads[i].options()));
    std::vector<at::Tensor> flat = {torch::cat(parts)};
    impl_->pg->allreduce(flat)->wait();
    if (first) total = flat[0][-1].item<double>();
    torch::Tensor sums = flat[0];
    int64_t off = 0;
    for (size_t k = i; k < j; ++k) {
      int64_t n = grads[k].numel();
      grads[k].copy_(sums.narrow(0, off, n).view_as(grads[k]) / std::max(total, 1.0));
      off += n;
    }
    first = false;
    i = j;
  }
}

}  // namespace mlpipe
