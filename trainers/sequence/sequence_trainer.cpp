#include "trainers/sequence/sequence_trainer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "trainers/sequence/ddp_worker.h"
#include "core/platform/launch_env.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& model_schema() {
  static const Schema s = {
      {"arch", Kind::kString, false, {"lstm", "gru", "transformer"}, "encoder (default gru)"},
      {"hidden", Kind::kInt, false, {}, "hidden size / d_model (default 64)"},
      {"layers", Kind::kInt, false, {}, "encoder layers (default 1)"},
      {"attention_heads", Kind::kInt, false, {}, "transformer attention heads (default 4)"},
      {"feedforward", Kind::kInt, false, {}, "transformer feed-forward size (default 2 x hidden)"},
      {"embedding_dim", Kind::kInt, false, {}, "size of each categorical embedding (default 16)"},
      {"dropout", Kind::kNumber, false, {}, "dropout (default 0)"},
  };
  return s;
}
const Schema& head_schema() {
  static const Schema s = {
      {"name", Kind::kString, true, {}, "the head's name, used in metric keys"},
      {"target", Kind::kString, false, {}, "a target of the sequences step (default: the head's name)"},
      {"loss", Kind::kString, false, {"bce", "mse", "cross_entropy"},
       "bce (binary), mse (regression) or cross_entropy (classes 0..K-1); default bce"},
      {"classes", Kind::kInt, false, {}, "cross_entropy: number of classes (default: largest class + 1)"},
      {"weight", Kind::kNumber, false, {}, "weight of this head's loss (default 1)"},
      {"pos_weight", Kind::kNumber, false, {}, "bce only: weight of positives, for rare events"},
      {"class_weights", Kind::kList, false, {}, "loss weight per class: [negative, positive] for bce, one per class for cross_entropy"},
  };
  return s;
}
const Schema& optimizer_schema() {
  static const Schema s = {
      {"name", Kind::kString, false, {"adamw", "adam", "sgd"}, "default adamw"},
      {"lr", Kind::kNumber, false, {}, "learning rate (default 1e-3)"},
      {"weight_decay", Kind::kNumber, false, {}, "default 0.01 for adamw, 0 otherwise"},
      {"momentum", Kind::kNumber, false, {}, "sgd only"},
  };
  return s;
}
const Schema& schedule_schema() {
  static const Schema s = {
      {"name", Kind::kString, false, {"none", "cosine", "step"}, "learning-rate schedule over epochs"},
      {"warmup_epochs", Kind::kInt, false, {}, "linear warm-up epochs"},
      {"step_size", Kind::kInt, false, {}, "step: epochs between decays"},
      {"gamma", Kind::kNumber, false, {}, "step: decay factor"},
  };
  return s;
}

// "cuda:0,1" lists 2 GPUs; cpu, auto and cuda list none.
size_t listed_gpus(const std::string& devices) {
  if (!starts_with(devices, "cuda:")) return 0;
  return size_t(std::count(devices.begin(), devices.end(), ',')) + 1;
}

class SequenceTrainer : public Trainer {
 public:
  std::string name() const override { return "sequence"; }
  std::string description() const override {
    return "LSTM / GRU / Transformer encoder over event sequences, multi-task heads (LibTorch plug-in)";
  }
  std::string version() const override {
    // Known without loading LibTorch: the version it was built against.
#ifdef MLPIPE_TORCH_VERSION
    return std::string("libtorch ") + MLPIPE_TORCH_VERSION;
#else
    return "libtorch (not built)";
#endif
  }
  const Schema& schema() const override {
    static const Schema s = {
        {"model", Kind::kMap, false, {}, "arch, hidden, layers, attention_heads, feedforward, embedding_dim, dropout"},
        {"heads", Kind::kList, false, {}, "[{name, target, loss: bce|mse|cross_entropy, classes, weight, pos_weight, class_weights}] (default: one bce head)"},
        {"epochs", Kind::kInt, false, {}, "passes over the training samples (default 10)"},
        {"batch_size", Kind::kInt, false, {}, "samples per step (default 256)"},
        {"optimizer", Kind::kMap, false, {}, "{name: adamw|adam|sgd, lr, weight_decay, momentum}"},
        {"schedule", Kind::kMap, false, {}, "{name: none|cosine|step, warmup_epochs, step_size, gamma}"},
        {"clip_grad_norm", Kind::kNumber, false, {}, "clip the gradient norm to this"},
        {"early_stopping", Kind::kInt, false, {}, "stop after N epochs without improvement on valid"},
        {"log_every", Kind::kInt, false, {}, "also record the training loss every N batches"},
        {"devices", Kind::kString, false, {}, "cpu | auto | cuda | cuda:0,1 (default auto)"},
        {"processes", Kind::kInt, false, {}, "data-parallel processes (default 1, or one per GPU listed in devices)"},
    };
    return s;
  }
  bool takes_sequences() const override { return true; }
  Task task(const json& step) const override {
    if (step.contains("heads") && step["heads"].is_array() && !step["heads"].empty() &&
        step["heads"][0].value("loss", "bce") == "mse")
      return Task::kRegression;
    return Task::kBinary;
  }

  void validate(const json& step, const std::string& path, const ConfigChecker& check) const override {
    auto sub = [&](const char* key, const Schema& schema) {
      if (step.contains(key) && step[key].is_object()) check.check_object(step[key], child_path(path, key), schema);
    };
    sub("model", model_schema());
    sub("optimizer", optimizer_schema());
    sub("schedule", schedule_schema());
    if (step.contains("heads")) {
      const json& heads = step["heads"];
      if (heads.empty()) check.fail_value(child_path(path, "heads"), "heads must list at least one head");
      for (size_t i = 0; i < heads.size(); ++i) {
        std::string at = child_path(child_path(path, "heads"), std::to_string(i));
        check.check_object(heads[i], at, head_schema());
        std::string loss = heads[i].value("loss", "bce");
        if (i == 0 && loss == "cross_entropy")
          check.fail_value(child_path(at, "loss"), "the first head is the one evaluate and predict score: make it bce or mse, "
                                                   "and put cross_entropy heads after it");
        if (heads[i].contains("pos_weight") && heads[i].contains("class_weights"))
          check.fail_value(child_path(at, "class_weights"), "give pos_weight or class_weights, not both");
        if (heads[i].contains("classes") && (loss != "cross_entropy" || heads[i]["classes"].get<long long>() < 2))
          check.fail_value(child_path(at, "classes"), "classes is for cross_entropy heads and must be at least 2");
        if (heads[i].contains("class_weights"))
          for (const auto& w : heads[i]["class_weights"])
            if (!w.is_number() || w.get<double>() < 0)
              check.fail_value(child_path(at, "class_weights"), "class_weights must be numbers >= 0");
      }
    }
    for (const char* k : {"epochs", "batch_size", "early_stopping", "log_every", "processes"})
      if (step.contains(k) && step[k].is_number_integer() && step[k].get<long long>() < 1)
        check.fail_value(child_path(path, k), std::string(k) + " must be at least 1");
    std::string devices = step.value("devices", "auto");
    if (devices != "cpu" && devices != "auto" && devices != "cuda" && !starts_with(devices, "cuda:"))
      check.fail_value(child_path(path, "devices"), "devices must be cpu, auto, cuda or cuda:0,1,...; got '" + devices + "'");
    if (step.value("processes", 1) > 64)
      check.fail_value(child_path(path, "processes"), "processes must be at most 64");
    size_t gpus = listed_gpus(devices);
    if (gpus > 1 && step.contains("processes") && step.value("processes", 1) != int(gpus))
      check.fail_value(child_path(path, "processes"), "devices lists " + std::to_string(gpus) +
                                                      " GPUs: one process per GPU, so processes must be " + std::to_string(gpus) + " (or left out)");
    if (step.contains("model") && step["model"].is_object()) {
      const json& m = step["model"];
      if (m.value("arch", "gru") == "transformer" && m.value("hidden", 64) % m.value("attention_heads", 4) != 0)
        check.fail_value(child_path(child_path(path, "model"), "attention_heads"),
                         "hidden must be divisible by attention_heads");
    }
  }

  std::unique_ptr<Model> fit(const json&, FeatureMatrix, const std::vector<float>&, FeatureMatrix*,
                             const std::vector<float>*, TrainContext&) const override {
    throw StepError("trainer 'sequence' learns from sequences: add a `sequences` step before it");
  }
  std::unique_ptr<Model> fit_sequences(const json& step, const SequenceSet& data, const std::vector<uint32_t>& train,
                                       const std::vector<uint32_t>& valid, TrainContext& ctx) const override {
    if (ctx.world == 1) {
      if (std::optional<OutsideLaunch> l = outside_launch()) {  // torchrun & co. started every rank
        if (step.contains("processes") && ctx.log)
          ctx.log("started by an outside launcher (WORLD_SIZE=" + std::to_string(l->world) + "): `processes` is ignored");
        ctx.rank = l->rank;
        ctx.world = l->world;
        ctx.local_rank = l->local_rank;
        ctx.master_addr = l->master_addr;
        ctx.master_port = l->master_port;
        return plugin().fit_sequences(step, data, train, valid, ctx);
      }
      int processes = step.value("processes", std::max(1, int(listed_gpus(step.value("devices", "auto")))));
      if (processes > 1)  // this process becomes rank 0 and starts the others
        return train_data_parallel(step, data, train, valid, ctx, processes, plugin());
    }
    return plugin().fit_sequences(step, data, train, valid, ctx);
  }
  std::unique_ptr<Model> load(const fs::path& file, const json& config) const override {
    return plugin().load(file, config);
  }

 private:
  // Loads libmlpipe_torch.so once: from $MLPIPE_PLUGIN_DIR, else beside the mlpipe binary.
  const Trainer& plugin() const {
    std::call_once(once_, [this] {
      std::vector<fs::path> candidates;
      if (const char* dir = std::getenv("MLPIPE_PLUGIN_DIR"); dir && *dir) candidates.push_back(fs::path(dir) / kTorchPluginFile);
      std::error_code ec;
      fs::path self = fs::read_symlink("/proc/self/exe", ec);
      if (!ec) {
        candidates.push_back(self.parent_path() / kTorchPluginFile);
        candidates.push_back(self.parent_path() / ".." / "lib" / "mlpipe" / kTorchPluginFile);
      }
      std::string tried;
      for (const auto& c : candidates) {
        if (!fs::exists(c)) {
          tried += "\n  " + c.string() + " (absent)";
          continue;
        }
        void* handle = ::dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
          tried += "\n  " + c.string() + ": " + ::dlerror();
          continue;
        }
        auto factory = reinterpret_cast<Trainer* (*)()>(::dlsym(handle, kTorchPluginFactory));
        if (!factory) {
          tried += "\n  " + c.string() + ": no " + kTorchPluginFactory;
          continue;
        }
        impl_.reset(factory());
        return;
      }
      error_ = "the sequence trainer needs the LibTorch plug-in " + std::string(kTorchPluginFile) +
               ", which is built when CMake finds LibTorch (Debian: apt install libtorch-dev); looked at:" + tried;
    });
    if (!impl_) throw StepError(error_);
    return *impl_;
  }
  mutable std::once_flag once_;
  mutable std::unique_ptr<Trainer> impl_;
  mutable std::string error_;
};

}  // namespace

std::unique_ptr<Trainer> make_sequence_trainer() { return std::make_unique<SequenceTrainer>(); }

}  // namespace mlpipe
