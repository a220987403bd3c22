// The LibTorch side of `trainer: sequence`, built as the plug-in libmlpipe_torch.so.
#include <torch/csrc/jit/serialization/pickle.h>
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <cmath>
#include <filesystem>

#include "core/metrics/metrics.h"
#include "core/model/model.h"
#include "core/flow/sequence_set.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/random.h"
#include "core/util/strings.h"
#include "trainers/torch/cpu_block_cache.h"
#include "trainers/torch/batch_slices.h"
#include "trainers/torch/data_parallel.h"
#include "trainers/torch/heads.h"
#include "trainers/torch/seq_net.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

// The set's targets as one tensor, and its windows gathered batch by batch: the set holds each
// event once (SequenceSet::gather), where a tensor of every window was 580 MB for the card-fraud
// simulator. Reads the SequenceSet it was made from, which must outlive it; batch() is const
// and may be called from several threads at once (the batch slices, the scoring workers).
struct Tensors {
  struct Batch {
    torch::Tensor x, cat, mask;
  };
  const SequenceSet& s;
  torch::Tensor y;
  Tensors(const SequenceSet& set, const std::vector<Head>& heads) : s(set) {
    int64_t n = int64_t(s.n);
    y = torch::empty({n, int64_t(heads.size())}, torch::kFloat32);
    auto acc = y.accessor<float, 2>();
    for (size_t h = 0; h < heads.size(); ++h)
      for (int64_t i = 0; i < n; ++i) acc[i][int64_t(h)] = s.targets[size_t(heads[h].target)][size_t(i)];
  }
  Batch batch(const std::vector<uint32_t>& samples) const {
    int64_t k = int64_t(samples.size()), T = int64_t(s.max_len), F = int64_t(s.features()), C = int64_t(s.categoricals());
    torch::Tensor x = torch::empty({k, T, F}, torch::kFloat32), cat = torch::empty({k, T, C}, torch::kInt32),
                  mask = torch::empty({k, T}, torch::kUInt8);
    s.gather(samples.data(), samples.size(), x.data_ptr<float>(), C ? cat.data_ptr<int32_t>() : nullptr,
             mask.data_ptr<uint8_t>());
    return {x, cat.to(torch::kLong), mask.to(torch::kBool)};
  }
};

torch::Tensor index_of(const std::vector<uint32_t>& idx) {
  std::vector<int64_t> v(idx.begin(), idx.end());
  return torch::tensor(v, torch::kLong);
}

// The device of this process: `local_rank` picks among the machine's GPUs (cuda, auto) or the
// listed ones (cuda:0,1: one process per listed GPU).
torch::Device pick_device(const std::string& devices, int local_rank) {
  bool cuda = torch::cuda::is_available();
  if (devices == "cpu" || (devices == "auto" && !cuda)) return torch::kCPU;
  if (!cuda)
    throw StepError("devices: " + devices + " asks for CUDA, but this LibTorch has no CUDA device or support "
                    "(Debian's LibTorch is CPU-only); use devices: cpu or auto");
  int count = int(torch::cuda::device_count());
  if (devices == "auto" || devices == "cuda") return torch::Device(torch::kCUDA, int8_t(local_rank % count));
  std::vector<std::string> list = split(devices.substr(5), ',');
  if (size_t(local_rank) >= list.size())
    throw StepError("devices: " + devices + " lists " + std::to_string(list.size()) + " GPUs, but this is local rank " +
                    std::to_string(local_rank));
  int index = std::atoi(list[size_t(local_rank)].c_str());
  if (index < 0 || index >= count)
    throw StepError("devices: " + devices + ": there is no GPU " + list[size_t(local_rank)] + " (this machine has " +
                    std::to_string(count) + ")");
  return torch::Device(torch::kCUDA, int8_t(index));
}

class TorchSeqModel : public Model {
 public:
  TorchSeqModel(SeqNetConfig cfg, std::vector<Head> heads, json summary, unsigned nthread)
      : cfg_(std::move(cfg)), heads_(std::move(heads)), net_(cfg_), summary_(std::move(summary)), nthread_(nthread) {}
  SeqNet& net() { return net_; }
  void set_summary(json s) { summary_ = std::move(s); }

  std::string trainer() const override { return "sequence"; }
  Task task() const override { return heads_[0].loss == "bce" ? Task::kBinary : Task::kRegression; }
  std::string file_name() const override { return "model.pt"; }
  json summary() const override { return summary_; }
  // Numeric inputs, then categoricals: the bundle lists both (numeric_names, categorical_names).
  size_t feature_count() const override { return size_t(cfg_.features) + cfg_.vocab_sizes.size(); }
  // Inference threads are part of the model: thread counts change how BLAS splits sums.
  json config() const override {
    return {{"net", cfg_.to_json()}, {"heads", heads_json(heads_)}, {"threads", nthread_}};
  }
  std::vector<double> predict(const FeatureMatrix&) const override {
    throw StepError("a sequence model scores sequences (a sequences step), not feature rows");
  }

  // Scores of the first head: probabilities for bce, values for mse.
  // LibTorch's RNN and attention kernels give a sample slightly different float32 results when
  // it sits in a batch's ragged last rows (~1e-7), so a score would depend on which other samples
  // are scored with it. Scoring therefore runs only full batches, in float32 on the trained
  // weights: a last batch is padded with copies of its first sample. Batches are kSmallBatch
  // samples when that many or fewer are scored (little padding for a served event), else
  // kFileBatch: with the padded steps skipped (below), 128 scored bench 3b's 120,000 windows in
  // 2.85 s (LSTM) and 2.18 s (GRU) against 3.04 s and 2.39 s at 64, the same as 256, and the
  // Transformer's alike at 64 and 128 (4.27 s). The kernels' result for a row of a full batch
  // depends neither on its slot nor on the batch size (32 to 1,024 gave the same bits) nor on
  // the thread count: `mlpipe predict` on any file and `mlpipe serve` one event at a time give
  // the evaluate step's scores exactly, for the GRU, LSTM and Transformer encoders
  // (test_sequence_trainer.sh, test_serve_history_gru.sh, which fail with ragged batches).
  // Float64 (the earlier route) was 2-3x slower than training.
  //
  // A window shorter than max_len is left-padded, and a recurrent encoder's state after its
  // padded steps depends only on how many there are (their inputs are exactly zero). So LSTM and
  // GRU batches hold windows of similar padding (score_batches), start from the state after the
  // padding they share (computed once, padded_state) and run only the steps after it: the same
  // kernels on the same inputs and state, so the same bits, for a quarter less work on bench
  // 3b's windows (60 events an entity, max_len 32). The Transformer attends over every position
  // and runs whole windows.
  static constexpr size_t kSmallBatch = 64, kFileBatch = 128;
  struct ScoreBatch {
    int64_t pad = 0;              // padded steps every window in it begins with (0: run whole windows)
    std::vector<size_t> at;       // positions in `samples`, at most the call's batch size
  };
  std::vector<double> predict_sequences(const SequenceSet& s, const std::vector<uint32_t>& samples) const override {
    if (samples.empty()) return {};
    CpuBlockCache blocks;  // every batch allocates the same tensors: reuse them (same bits)
    SeqNet& net = scoring_net();
    Tensors all(s, heads_);
    std::vector<double> out(samples.size());
    const size_t batch = samples.size() <= kSmallBatch ? kSmallBatch : kFileBatch;
    std::vector<ScoreBatch> batches = score_batches(s, samples, net->recurrent(), batch);
    auto score = [&](int64_t first, int64_t last) {
      torch::NoGradGuard no_grad;  // thread-local: each worker sets its own
      for (int64_t b = first; b < last; ++b) {
        const ScoreBatch& sb = batches[size_t(b)];
        std::vector<uint32_t> part;
        part.reserve(batch);
        for (size_t i : sb.at) part.push_back(samples[i]);
        part.resize(batch, part.front());
        Tensors::Batch in = all.batch(part);
        torch::Tensor z = sb.pad == 0 ? net->forward(in.x, in.cat, in.mask)
                                      : net->forward_from(padded_state(net, in, sb.pad), in.x, in.cat, in.mask, sb.pad);
        z = z.select(1, 0);
        if (heads_[0].loss == "bce") z = torch::sigmoid(z);
        z = z.to(torch::kFloat64).contiguous();
        const double* v = z.data_ptr<double>();
        for (size_t i = 0; i < sb.at.size(); ++i) out[sb.at[i]] = v[i];
      }
    };
    // Batches are spread over the threads, each running its batches' kernels on one thread
    // (ATen and OpenBLAS run single-threaded inside a parallel region). The kernels of one
    // batch are small ([256, hidden] per time step): splitting each of them over threads left
    // the second thread spin-waiting between ops (27 % of the time) and scored 2.2x training's
    // rate. A row's result is the same either way (see above). A few samples (a served
    // event) stay on the calling thread: waking the pool for them cost 6 ms an event, spinning.
    // Each thread takes the next batch when done with one: batches differ in length (longest
    // first), and an even split left one core idle for a tenth of the run.
    if (batches.size() == 1 || nthread_ <= 1) {
      torch::set_num_threads(1);
      score(0, int64_t(batches.size()));
    } else {
      torch::set_num_threads(int(nthread_));
      std::atomic<int64_t> next{0};
      at::parallel_for(0, int64_t(nthread_), 1, [&](int64_t, int64_t) {
        for (int64_t b; (b = next.fetch_add(1)) < int64_t(batches.size());) score(b, b + 1);
      });
    }
    return out;
  }

  // The scoring batches of `samples`, `batch` at a time: in order for the Transformer; for a
  // recurrent encoder, ordered by padding length (stable), each batch starting after the
  // padding its windows all have (its first's). A batch's windows with more padding run their
  // extra padded steps from that state, as whole windows do. So a call never runs more steps
  // than whole windows would (a served event's window: its events' windows in one batch).
  static std::vector<ScoreBatch> score_batches(const SequenceSet& s, const std::vector<uint32_t>& samples, bool recurrent,
                                               size_t batch) {
    std::vector<size_t> order(samples.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto pad_of = [&](size_t i) { return int64_t(s.max_len) - int64_t(s.window_len[samples[i]]); };  // window_len: 1..max_len
    if (recurrent) std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return pad_of(a) < pad_of(b); });
    std::vector<ScoreBatch> out;
    for (size_t lo = 0; lo < order.size(); lo += batch) {
      size_t hi = std::min(order.size(), lo + batch);
      out.push_back({recurrent ? pad_of(order[lo]) : 0, std::vector<size_t>(order.begin() + long(lo), order.begin() + long(hi))});
    }
    return out;
  }

  // The recurrent state of a batch of windows after `pad` padded steps, computed from the first
  // batch of its size that needs it (`in`, whose windows all begin with at least `pad` padded
  // steps) and kept: every row of it is the same, whatever the batch. Thread-safe; two threads
  // may both compute a state, and they get the same bits.
  SeqNetImpl::State padded_state(SeqNet& net, const Tensors::Batch& in, int64_t pad) const {
    {
      std::lock_guard<std::mutex> lock(states_mutex_);
      auto it = padded_states_.find({pad, in.x.size(0)});
      if (it != padded_states_.end()) return it->second;
    }
    SeqNetImpl::State state = net->state_after(in.x, in.cat, in.mask, pad);
    std::lock_guard<std::mutex> lock(states_mutex_);
    return padded_states_.emplace(std::make_pair(pad, in.x.size(0)), state).first->second;
  }

  // Integrated gradients (Sundararajan et al. 2017) of the first head's margin, midpoint rule
  // in kSteps steps, in float64 (a float64 copy of the weights); see Model::sequence_contributions.
  std::vector<double> sequence_contributions(const SequenceSet& s, const std::vector<uint32_t>& samples) const override {
    constexpr int kSteps = 32;
    CpuBlockCache blocks;
    torch::set_num_threads(int(std::max(1u, nthread_)));
    SeqNet& net = inference_net();
    Tensors all(s, heads_);
    size_t F = s.features(), C = s.categoricals(), width = F + C + 2;
    std::vector<double> out(samples.size() * width);
    constexpr size_t kBatch = 256;
    const int64_t batches = int64_t((samples.size() + kBatch - 1) / kBatch);
    // One batch per thread at a time, as in predict_sequences (autograd runs CPU graphs on the
    // calling thread). A batch's result does not depend on how the batches are spread.
    auto attribute = [&](int64_t first, int64_t last) {
      for (int64_t b = first; b < last; ++b) {
        size_t lo = size_t(b) * kBatch;
        std::vector<uint32_t> part(samples.begin() + long(lo), samples.begin() + long(std::min(samples.size(), lo + kBatch)));
        Tensors::Batch in = all.batch(part);
        // float64 per batch: the whole set in float64 was 1.1 GB for the card-fraud simulator.
        torch::Tensor x = in.x.to(torch::kFloat64), cat = in.cat, mask = in.mask;
        std::vector<torch::Tensor> emb, zero_emb;
        torch::Tensor margin, bias;
        {
          torch::NoGradGuard no_grad;
          emb = net->embed(cat);
          for (auto& e : emb) zero_emb.push_back(torch::zeros_like(e));
          margin = net->forward_embedded(x, emb, mask).select(1, 0);
          bias = net->forward_embedded(torch::zeros_like(x), zero_emb, mask).select(1, 0);
        }
        torch::Tensor gx = torch::zeros_like(x);
        std::vector<torch::Tensor> ge = zero_emb;
        for (int k = 0; k < kSteps; ++k) {
          double a = (double(k) + 0.5) / double(kSteps);
          std::vector<torch::Tensor> inputs = {(x * a).detach().requires_grad_(true)};
          for (const auto& e : emb) inputs.push_back((e * a).detach().requires_grad_(true));
          std::vector<torch::Tensor> scaled(inputs.begin() + 1, inputs.end());
          torch::Tensor z = net->forward_embedded(inputs[0], scaled, mask).select(1, 0).sum();
          std::vector<torch::Tensor> g = torch::autograd::grad({z}, inputs, {}, false, false, true);
          if (g[0].defined()) gx += g[0];
          for (size_t c = 0; c < emb.size(); ++c)
            if (g[c + 1].defined()) ge[c] += g[c + 1];
        }
        torch::Tensor ax = (x * gx).sum(1) / double(kSteps);  // [B, F]
        std::vector<torch::Tensor> ae;
        for (size_t c = 0; c < emb.size(); ++c) ae.push_back((emb[c] * ge[c]).sum({1, 2}) / double(kSteps));  // [B]
        ax = ax.contiguous();
        margin = margin.contiguous();
        bias = bias.contiguous();
        for (size_t i = 0; i < part.size(); ++i) {
          const double* row = ax.data_ptr<double>() + i * F;
          double* to = out.data() + (lo + i) * width;
          to = std::copy(row, row + F, to);
          for (size_t c = 0; c < C; ++c) *to++ = ae[c][int64_t(i)].item<double>();
          *to++ = bias[int64_t(i)].item<double>();
          *to = margin[int64_t(i)].item<double>();
        }
      }
    };
    if (batches <= 1 || nthread_ <= 1) {
      torch::set_num_threads(1);
      attribute(0, batches);
    } else {
      at::parallel_for(0, batches, 1, attribute);
    }
    return out;
  }

  // A state dict in torch.save's format: Python's torch.load(path) returns {name: tensor}.
  void save(const fs::path& file) const override {
    c10::Dict<std::string, at::Tensor> dict;
    for (const auto& p : net_->named_parameters()) dict.insert(p.key(), p.value().detach().to(torch::kCPU));
    for (const auto& b : net_->named_buffers()) dict.insert(b.key(), b.value().detach().to(torch::kCPU));
    std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
    write_file_atomic(file, std::string_view(bytes.data(), bytes.size()));
  }

  void load_weights(const fs::path& file) {
    std::string bytes = read_file(file);
    c10::IValue v = torch::jit::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
    auto dict = v.toGenericDict();
    torch::NoGradGuard no_grad;
    for (auto& p : net_->named_parameters()) p.value().copy_(dict.at(p.key()).toTensor());
    for (auto& b : net_->named_buffers()) b.value().copy_(dict.at(b.key()).toTensor());
  }

 private:
  // A copy of the trained weights in evaluation mode (no dropout), float64 when asked.
  SeqNet eval_copy(bool float64) const {
    SeqNet copy(cfg_);
    torch::NoGradGuard no_grad;
    auto src = net_->named_parameters();
    for (auto& p : copy->named_parameters()) p.value().copy_(src[p.key()]);
    auto bufs = net_->named_buffers();
    for (auto& b : copy->named_buffers()) b.value().copy_(bufs[b.key()]);
    if (float64) copy->to(torch::kFloat64);
    copy->eval();
    return copy;
  }
  // Scoring's float32 copy and the attributions' float64 one, each made on first use.
  SeqNet& scoring_net() const {
    std::call_once(score_once_, [this] { score_ = eval_copy(false); });
    return score_;
  }
  SeqNet& inference_net() const {
    std::call_once(infer_once_, [this] { infer_ = eval_copy(true); });
    return infer_;
  }
  SeqNetConfig cfg_;
  std::vector<Head> heads_;
  mutable SeqNet net_;
  mutable SeqNet infer_{nullptr};
  mutable std::once_flag infer_once_;
  mutable SeqNet score_{nullptr};
  mutable std::once_flag score_once_;
  mutable std::mutex states_mutex_;
  mutable std::map<std::pair<int64_t, int64_t>, SeqNetImpl::State> padded_states_;  // scoring_net()'s, by (padding, batch size)
  json summary_;
  unsigned nthread_;
};

double lr_at(const json& step, int epoch, int epochs, double base) {
  json sch = step.value("schedule", json::object());
  int warm = sch.value("warmup_epochs", 0);
  if (epoch < warm) return base * double(epoch + 1) / double(warm + 1);
  std::string name = sch.value("name", "none");
  if (name == "cosine") return base * 0.5 * (1 + std::cos(M_PI * double(epoch - warm) / double(std::max(1, epochs - warm))));
  if (name == "step") return base * std::pow(sch.value("gamma", 0.1), double((epoch - warm) / std::max(1, sch.value("step_size", 10))));
  return base;
}

class TorchSequenceTrainer : public Trainer {
 public:
  std::string name() const override { return "sequence"; }
  std::string description() const override { return "LibTorch sequence models"; }
  std::string version() const override { return "libtorch " TORCH_VERSION; }
  const Schema& schema() const override {
    static const Schema s;
    return s;
  }
  void validate(const json&, const std::string&, const ConfigChecker&) const override {}
  Task task(const json&) const override { return Task::kBinary; }
  bool takes_sequences() const override { return true; }
  std::unique_ptr<Model> fit(const json&, FeatureMatrix, const std::vector<float>&, FeatureMatrix*,
                             const std::vector<float>*, TrainContext&) const override {
    throw StepError("the sequence trainer learns from sequences");
  }

  std::unique_ptr<Model> load(const fs::path& file, const json& config) const override {
    SeqNetConfig cfg = SeqNetConfig::from_json(config.at("net"));
    auto m = std::make_unique<TorchSeqModel>(cfg, heads_from_json(config.at("heads")), json::object(),
                                             config.value("threads", 1u));
    m->load_weights(file);
    return m;
  }

  std::unique_ptr<Model> fit_sequences(const json& step, const SequenceSet& s, const std::vector<uint32_t>& train,
                                       const std::vector<uint32_t>& valid, TrainContext& ctx) const override {
    torch::set_num_threads(int(std::max(1u, ctx.nthread)));
    torch::Device device = pick_device(step.value("devices", "auto"), ctx.local_rank);
    std::vector<Head> heads = resolve_heads(step, s);
    if (heads[0].loss == "cross_entropy") throw StepError("the first head must be bce or mse (it is what evaluate scores)");
    json m = step.value("model", json::object());
    SeqNetConfig cfg;
    cfg.arch = m.value("arch", "gru");
    cfg.features = int64_t(s.features());
    cfg.max_len = int64_t(s.max_len);
    cfg.hidden = m.value("hidden", 64);
    cfg.layers = m.value("layers", 1);
    cfg.attention_heads = m.value("attention_heads", 4);
    cfg.feedforward = m.value("feedforward", 2 * cfg.hidden);
    cfg.embedding_dim = m.value("embedding_dim", 16);
    cfg.dropout = m.value("dropout", 0.0);
    cfg.heads = int64_t(heads.size());
    cfg.head_sizes = head_sizes(heads);
    cfg.vocab_sizes.assign(s.vocab_sizes.begin(), s.vocab_sizes.end());

    torch::manual_seed(uint64_t(ctx.seed));  // the same initial weights every time
    auto model = std::make_unique<TorchSeqModel>(cfg, heads, json::object(), ctx.nthread);
    SeqNet& net = model->net();
    net->to(device);
    std::unique_ptr<DataParallel> dp;
    if (ctx.world > 1) {
      dp = std::make_unique<DataParallel>(ctx, device.is_cuda());
      dp->broadcast_parameters(*net);  // every rank starts from rank 0's weights
    }
    Tensors all(s, heads);

    json o = step.value("optimizer", json::object());
    std::string opt_name = o.value("name", "adamw");
    double lr = o.value("lr", 1e-3);
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (opt_name == "adam")
      opt = std::make_unique<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(lr).weight_decay(o.value("weight_decay", 0.0)));
    else if (opt_name == "sgd")
      opt = std::make_unique<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(lr).momentum(o.value("momentum", 0.0)).weight_decay(o.value("weight_decay", 0.0)));
    else
      opt = std::make_unique<torch::optim::AdamW>(net->parameters(), torch::optim::AdamWOptions(lr).weight_decay(o.value("weight_decay", 0.01)));

    int epochs = step.value("epochs", 10), batch = step.value("batch_size", 256);
    int patience = step.value("early_stopping", 0), log_every = step.value("log_every", 0);
    double clip = step.value("clip_grad_norm", 0.0);
    bool maximize = heads[0].loss == "bce";
    std::string monitor = heads[0].name + (maximize ? ".auc" : ".loss");
    double best = NAN;
    int best_epoch = 0, start_epoch = 0, epochs_run = 0;
    int64_t global_batch = 0;
    std::map<std::string, torch::Tensor> best_state;
    json history = json::array();  // every metric point so far: a resumed run re-records them
    auto snapshot = [&] {
      best_state.clear();
      for (const auto& p : net->named_parameters()) best_state[p.key()] = p.value().detach().clone();
      for (const auto& b : net->named_buffers()) best_state[b.key()] = b.value().detach().clone();
    };

    // Resume from the last completed epoch of an interrupted run of this very step.
    fs::path ckpt = ctx.checkpoint_dir / "last.pt";
    // Batches are cut into one slice per thread (BatchSlices) on CPU. Dropout draws from torch's
    // one global generator, which slices running at once would share in no fixed order: with
    // dropout the batch stays whole.
    size_t slices = device.is_cpu() && cfg.dropout == 0.0 ? std::max(1u, ctx.nthread) : 1;
    std::string fingerprint = json{{"cfg", cfg.to_json()}, {"step", step}, {"n", s.n}, {"world", ctx.world},
                                   {"slices", slices}}.dump();
    std::string saved_bytes;
    if (ctx.rank == 0 && !ctx.checkpoint_dir.empty() && fs::exists(ckpt)) saved_bytes = read_file(ckpt);
    if (dp) saved_bytes = dp->broadcast_bytes(saved_bytes);  // the other ranks cannot see rank 0's folder
    if (!saved_bytes.empty()) {
      torch::serialize::InputArchive in;
      in.load_from(saved_bytes.data(), saved_bytes.size(), device);
      c10::IValue meta;
      in.read("meta", meta);
      json saved = json::parse(meta.toStringRef());
      if (saved["fingerprint"] == fingerprint) {
        net->load(in);
        opt->load(in);
        torch::serialize::InputArchive best_in;
        in.read("best", best_in);
        for (const auto& p : net->named_parameters()) { torch::Tensor t; best_in.read(p.key(), t); best_state[p.key()] = t; }
        for (const auto& b : net->named_buffers()) { torch::Tensor t; best_in.read(b.key(), t, true); best_state[b.key()] = t; }
        start_epoch = saved["epoch"];
        best = saved["best"].is_null() ? NAN : saved["best"].get<double>();
        best_epoch = saved["best_epoch"];
        global_batch = saved["global_batch"];
        history = saved.value("history", json::array());
        std::vector<MetricPoint> again;
        for (const auto& p : history) again.push_back({p[0], p[1], p[2].get<int64_t>(), p[3].get<double>()});
        if (ctx.record_metrics && !again.empty() && ctx.rank == 0) ctx.record_metrics(again);
        if (ctx.log && ctx.rank == 0) ctx.log("resuming training after epoch " + std::to_string(start_epoch));
      }
    }

    // Created after a resume has loaded the weights: the replicas copy them at every batch.
    BatchSlices slicer(net, cfg, slices, device);
    auto loss_of = [&](SeqNet& n, const std::vector<uint32_t>& rows) {
      Tensors::Batch in = all.batch(rows);
      torch::Tensor logits = n->forward(in.x.to(device), in.cat.to(device), in.mask.to(device));
      return total_loss(logits, all.y.index_select(0, index_of(rows)).to(device), heads);
    };
    double train_seconds = 0;
    size_t train_samples = 0;
    for (int epoch = start_epoch; epoch < epochs; ++epoch) {
      double cur_lr = lr_at(step, epoch, epochs, lr);
      for (auto& g : opt->param_groups()) g.options().set_lr(cur_lr);
      // Order and dropout depend only on (seed, epoch): a resumed run repeats them exactly.
      torch::manual_seed(uint64_t(ctx.seed) * 1000003ULL + uint64_t(epoch));
      std::vector<uint32_t> order = train;
      Rng(uint64_t(ctx.seed) * 7919ULL + uint64_t(epoch)).shuffle(order);
      net->train();
      auto t0 = std::chrono::steady_clock::now();
      double loss_sum = 0;
      size_t batches = 0;
      std::vector<MetricPoint> points;
      for (size_t b = 0; b < order.size(); b += size_t(batch)) {
        if (ctx.check_stop) ctx.check_stop();
        std::vector<uint32_t> part(order.begin() + b, order.begin() + std::min(order.size(), b + size_t(batch)));
        // With several ranks, each takes its slice of the same global batch (same order everywhere).
        size_t lo = part.size() * size_t(ctx.rank) / size_t(ctx.world), hi = part.size() * size_t(ctx.rank + 1) / size_t(ctx.world);
        std::vector<uint32_t> mine(part.begin() + lo, part.begin() + hi);
        opt->zero_grad();
        double l = mine.empty() ? 0.0 : slicer.forward_backward(mine, loss_of);
        if (dp) dp->average_gradients(*net, double(mine.size()));
        if (clip > 0) torch::nn::utils::clip_grad_norm_(net->parameters(), clip);
        opt->step();
        train_samples += mine.size();
        loss_sum += l;
        ++batches;
        ++global_batch;
        if (log_every > 0 && global_batch % log_every == 0) points.push_back({"batch_loss", "train", global_batch, l});
      }
      train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      points.push_back({"loss", "train", epoch + 1, loss_sum / double(std::max<size_t>(1, batches))});
      points.push_back({"lr", "train", epoch + 1, cur_lr});

      double score = NAN;
      if (!valid.empty()) {
        torch::NoGradGuard no_grad;
        net->eval();
        std::vector<torch::Tensor> outs;
        for (size_t b = 0; b < valid.size(); b += 2048) {
          std::vector<uint32_t> part(valid.begin() + b, valid.begin() + std::min(valid.size(), b + 2048));
          Tensors::Batch in = all.batch(part);
          outs.push_back(net->forward(in.x.to(device), in.cat.to(device), in.mask.to(device)).to(torch::kCPU));
        }
        torch::Tensor logits = torch::cat(outs, 0);
        torch::Tensor yv = all.y.index_select(0, index_of(valid));
        points.push_back({"loss", "valid", epoch + 1, total_loss(logits, yv, heads).item<double>()});
        score = head_metrics(logits, yv, heads, epoch + 1, points);
      }
      if (ctx.record_metrics) ctx.record_metrics(points);
      for (const auto& p : points) history.push_back({p.key, p.split, *p.iteration, p.value});
      epochs_run = epoch + 1;
      bool better = !std::isnan(score) && (std::isnan(best) || (maximize ? score > best : score < best));
      if (better || valid.empty()) {
        best = score;
        best_epoch = epoch + 1;
        snapshot();
      }
      // The progress line's total: early stopping ends by best epoch + patience at the latest.
      if (patience > 0 && !valid.empty() && ctx.expect_iterations)
        ctx.expect_iterations(double(std::min(epochs, best_epoch + patience)));
      if (!ctx.checkpoint_dir.empty() && ctx.rank == 0) {
        fs::create_directories(ctx.checkpoint_dir);
        torch::serialize::OutputArchive out, best_out;
        net->save(out);
        opt->save(out);
        for (const auto& [k, t] : best_state) best_out.write(k, t);
        out.write("best", best_out);
        json meta = {{"fingerprint", fingerprint}, {"epoch", epoch + 1}, {"best_epoch", best_epoch},
                     {"best", std::isnan(best) ? json() : json(best)}, {"global_batch", global_batch},
                     {"history", history}};
        out.write("meta", c10::IValue(meta.dump()));
        fs::path tmp = temp_sibling(ckpt);
        out.save_to(tmp.string());
        fs::rename(tmp, ckpt);  // a crash mid-write never leaves a torn checkpoint
      }
      if (patience > 0 && epoch + 1 - best_epoch >= patience) break;
    }
    if (!best_state.empty()) {
      torch::NoGradGuard no_grad;
      for (auto& p : net->named_parameters()) p.value().copy_(best_state.at(p.key()));
      for (auto& b : net->named_buffers()) b.value().copy_(best_state.at(b.key()));
    }
    net->to(torch::kCPU);
    double samples_per_s = train_seconds > 0 ? double(train_samples) / train_seconds : 0.0;
    if (dp) {  // rank 0 records every rank's throughput; all ranks must hold the same weights
      std::vector<double> rates = dp->gather(samples_per_s);
      bool same = dp->identical(*net);
      std::vector<MetricPoint> points;
      for (size_t r = 0; r < rates.size(); ++r) points.push_back({"samples_per_s", "rank" + std::to_string(r), std::nullopt, rates[r]});
      points.push_back({"ranks_identical", "", std::nullopt, same ? 1.0 : 0.0});
      if (ctx.record_metrics && ctx.rank == 0) ctx.record_metrics(points);
      if (!same) throw StepError("data-parallel ranks ended with different weights");
    }
    json summary = {{"epochs_run", epochs_run}, {"best_epoch", best_epoch},
                    {"samples_per_s", samples_per_s},
                    {"device", device.str()}, {"threads", ctx.nthread}, {"processes", ctx.world}};
    if (!std::isnan(best)) summary["valid_" + monitor + "_best"] = best;
    model->set_summary(summary);
    return model;
  }
};

}  // namespace
}  // namespace mlpipe

extern "C" __attribute__((visibility("default"))) mlpipe::Trainer* mlpipe_make_torch_sequence_trainer() {
  return new mlpipe::TorchSequenceTrainer();
}
