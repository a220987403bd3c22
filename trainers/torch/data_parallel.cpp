#include "trainers/torch/data_parallel.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <map>
#include <mutex>

#include "core/util/error.h"
#include "core/util/hash.h"

namespace mlpipe {
namespace {

constexpr auto kTimeout = std::chrono::minutes(5);  // a rank that died must not hang the others forever

// One TCP store per process and address: rank 0 serves it, and every data-parallel step of the
// run meets there under its own key prefix.
c10::intrusive_ptr<::c10d::Store> tcp_store(const TrainContext& ctx) {
  static std::mutex mu;
  static std::map<std::string, c10::intrusive_ptr<::c10d::Store>> stores;
  std::lock_guard<std::mutex> lock(mu);
  std::string key = ctx.master_addr + ":" + std::to_string(ctx.master_port);
  auto it = stores.find(key);
  if (it != stores.end()) return it->second;
  ::c10d::TCPStoreOptions opts;
  opts.port = uint16_t(ctx.master_port);
  opts.isServer = ctx.rank == 0;
  opts.numWorkers = size_t(ctx.world);
  opts.waitWorkers = false;
  opts.timeout = kTimeout;
  try {
    auto store = c10::make_intrusive<::c10d::TCPStore>(ctx.master_addr, opts);
    stores[key] = store;
    return store;
  } catch (const std::exception& e) {
    throw StepError("cannot " + std::string(ctx.rank == 0 ? "serve" : "reach") + " the rendezvous at MASTER_ADDR:MASTER_PORT " +
                    key + ": " + e.what());
  }
}

// Where Gloo listens: GLOO_SOCKET_IFNAME when set (as in PyTorch), loopback for ranks on this
// machine, else the interface the host name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const TrainContext& ctx) {
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname && *ifname) return ::c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (!ctx.master_port || ctx.master_addr == "127.0.0.1" || ctx.master_addr == "localhost")
    return ::c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return ::c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

struct DataParallel::Impl {
  c10::intrusive_ptr<::c10d::ProcessGroupGloo> gloo;
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<::c10d::ProcessGroupNCCL> nccl;
#endif
  // Runs a collective on the group that fits the tensors; CUDA tensors go through host memory
  // when only Gloo is there.
  template <typename Op>
  void run(std::vector<at::Tensor>& t, Op op) {
#ifdef USE_C10D_NCCL
    if (nccl && t[0].is_cuda()) {
      op(*nccl, t)->wait();
      return;
    }
#endif
    if (t[0].is_cuda()) {
      std::vector<at::Tensor> host = {t[0].cpu()};
      op(*gloo, host)->wait();
      t[0].copy_(host[0]);
      return;
    }
    op(*gloo, t)->wait();
  }
  void allreduce(at::Tensor& x, ::c10d::ReduceOp op) {
    std::vector<at::Tensor> t = {x};
    ::c10d::AllreduceOptions o;
    o.reduceOp = op;
    run(t, [&](auto& pg, std::vector<at::Tensor>& v) { return pg.allreduce(v, o); });
  }
  void broadcast(at::Tensor& x) {
    std::vector<at::Tensor> t = {x};
    run(t, [](auto& pg, std::vector<at::Tensor>& v) { return pg.broadcast(v); });
  }
};

DataParallel::DataParallel(const TrainContext& ctx, bool cuda)
    : impl_(std::make_unique<Impl>()), rank_(ctx.rank), world_(ctx.world) {
  c10::intrusive_ptr<::c10d::Store> base;
  if (ctx.master_port) base = tcp_store(ctx);
  else base = c10::make_intrusive<::c10d::FileStore>(ctx.rendezvous.string(), ctx.world);
  auto store = c10::make_intrusive<::c10d::PrefixStore>("mlpipe/" + ctx.rendezvous_key, base);
  auto opts = ::c10d::ProcessGroupGloo::Options::create();
  opts->timeout = kTimeout;
  opts->devices.push_back(gloo_device(ctx));
  impl_->gloo = c10::make_intrusive<::c10d::ProcessGroupGloo>(
      c10::make_intrusive<::c10d::PrefixStore>("gloo", store), rank_, world_, opts);
#ifdef USE_C10D_NCCL
  if (cuda)
    impl_->nccl = c10::make_intrusive<::c10d::ProcessGroupNCCL>(c10::make_intrusive<::c10d::PrefixStore>("nccl", store),
                                                                rank_, world_);
#else
  (void)cuda;
#endif
}

DataParallel::~DataParallel() = default;

void DataParallel::broadcast_parameters(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.parameters()) {
    at::Tensor t = p.data();
    impl_->broadcast(t);
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
    at::Tensor flat = torch::cat(parts);
    impl_->allreduce(flat, ::c10d::ReduceOp::SUM);
    if (first) total = flat[-1].item<double>();
    int64_t off = 0;
    for (size_t k = i; k < j; ++k) {
      int64_t n = grads[k].numel();
      grads[k].copy_(flat.narrow(0, off, n).view_as(grads[k]) / std::max(total, 1.0));
      off += n;
    }
    first = false;
    i = j;
  }
}

std::string DataParallel::broadcast_bytes(const std::string& on_rank0) {
  at::Tensor size = torch::full({1}, double(rank_ == 0 ? on_rank0.size() : 0), torch::kFloat64);
  impl_->broadcast(size);
  int64_t n = int64_t(size.item<double>());
  if (n == 0) return "";
  at::Tensor bytes = rank_ == 0 ? torch::from_blob(const_cast<char*>(on_rank0.data()), {n}, torch::kUInt8).clone()
                                : torch::empty({n}, torch::kUInt8);
  impl_->broadcast(bytes);
  return std::string(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), size_t(n));
}

std::vector<double> DataParallel::gather(double mine) {
  at::Tensor all = torch::zeros({world_}, torch::kFloat64);
  all[rank_] = mine;
  impl_->allreduce(all, ::c10d::ReduceOp::SUM);
  return std::vector<double>(all.data_ptr<double>(), all.data_ptr<double>() + world_);
}

bool DataParallel::identical(torch::nn::Module& m) {
  std::string bytes;
  auto add = [&](const torch::Tensor& t) {
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    bytes.append(reinterpret_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
  };
  for (const auto& p : m.parameters()) add(p);
  for (const auto& b : m.buffers()) add(b);
  // The hash in 16-bit pieces (exact in float64): the same on all ranks iff min == max.
  std::string h = hash_bytes(bytes);
  at::Tensor lo = torch::zeros({8}, torch::kFloat64);
  for (int k = 0; k < 8; ++k) lo[k] = double(std::stoul(h.substr(size_t(k) * 4, 4), nullptr, 16));
  at::Tensor hi = lo.clone();
  impl_->allreduce(lo, ::c10d::ReduceOp::MIN);
  impl_->allreduce(hi, ::c10d::ReduceOp::MAX);
  return torch::equal(lo, hi);
}

}  // namespace mlpipe
