#pragma once
// What core knows about models: a dense feature matrix in, scores out. Trainers (trainers/)
// implement Trainer and Model; core looks them up by name in the TrainerRegistry.
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/schema.h"
#include "core/metrics/metric_point.h"

namespace mlpipe {

struct SequenceSet;

// kMulticlass: K class probabilities per row (Model::classes() says K).
enum class Task { kBinary, kRegression, kMulticlass };
const char* task_name(Task t);
Task task_from_name(const std::string& name);

// Row-major float32 features, NaN = missing: the layout XGBoost and torch both take.
struct FeatureMatrix {
  size_t rows = 0, cols = 0;
  std::vector<float> values;  // rows * cols, or empty when `fill` builds rows on demand
  std::vector<std::string> names;
  // Writes rows [begin, end) into out ((end - begin) * cols floats), row-major: a matrix given to
  // a trainer that reads it in batches (Trainer::reads_rows_in_batches), so the whole float copy
  // is never held. Reads the data it was made from, which must outlive it. Empty when `values`
  // holds the rows.
  std::function<void(size_t begin, size_t end, float* out)> fill;

  // Builds `values` from `fill` (nothing when they are there already).
  void materialise() {
    if (!fill || values.size() == rows * cols) return;
    values.resize(rows * cols);
    fill(0, rows, values.data());
  }
};

struct TrainContext {
  long long seed = 0;
  std::filesystem::path checkpoint_dir;  // where a trainer may keep per-epoch checkpoints
  // Data parallelism: this process is `rank` of `world` (`local_rank` on its machine). The
  // processes meet through a c10d FileStore at `rendezvous` (processes started by mlpipe), or a
  // TCP store at master_addr:master_port (processes started by torchrun, Slurm, ...), under the
  // key prefix `rendezvous_key` so that several train steps can share one store.
  int rank = 0, world = 1, local_rank = 0;
  std::filesystem::path rendezvous;
  std::string master_addr;
  int master_port = 0;
  std::string rendezvous_key;
  unsigned nthread = 1;
  size_t classes = 0;  // a multi-class task: how many classes (labels are 0..classes-1)
  // Row weights of the train and valid matrices (empty: every row counts 1).
  std::vector<float> train_weights, valid_weights;
  std::function<void(const std::vector<MetricPoint>&)> record_metrics;  // one call per iteration
  // The trainer's current bound on the iterations it will run (early stopping: the best so far
  // plus the patience), for the progress line's total and ETA; call before record_metrics.
  std::function<void(double)> expect_iterations;
  std::function<void(const std::string&)> log;
  // Throws when the run was asked to stop (Ctrl-C, SIGTERM); trainers call it between steps.
  std::function<void()> check_stop;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string trainer() const = 0;
  virtual Task task() const = 0;
  // One score per row; for a multi-class model classes() per row, row-major.
  virtual std::vector<double> predict(const FeatureMatrix& x) const = 0;
  // How many class probabilities predict gives per row: 0 for one score (binary, regression).
  virtual size_t classes() const { return 0; }
  // How many input columns the model was trained on (a bundle's feature list must have as many);
  // 0 when the model cannot tell.
  virtual size_t feature_count() const { return 0; }
  // Writes the model to `file` atomically (write, then rename).
  virtual void save(const std::filesystem::path& file) const = 0;
  virtual std::string file_name() const = 0;  // e.g. "model.json"
  // Facts worth recording: best iteration, number of trees, ...
  virtual nlohmann::json summary() const = 0;
  // What Trainer::load needs besides the file to rebuild the model (a network's architecture).
  virtual nlohmann::json config() const { return nlohmann::json::object(); }
  // An exact additive explanation of each row's margin (log-odds for a binary model): rows x
  // (cols + 1) values, a feature's contribution per column and the bias last; for a multi-class
  // model rows x classes x (cols + 1). The default throws StepError (the model has none).
  virtual std::vector<double> contributions(const FeatureMatrix& x) const;
  // The untransformed score per row (log-odds for a binary model), per class for a multi-class one.
  virtual std::vector<double> margins(const FeatureMatrix& x) const;
  virtual bool explains() const { return false; }  // contributions() and margins() work
  // Sequence models: integrated gradients of the first head's margin (logit for bce) per input
  // of the window (each numeric feature, then each categorical's embedding), summed over its
  // events, from an all-zero baseline (the standardized inputs' training mean, no category):
  // samples x (features + categoricals + 2) values, the attributions, then the baseline's
  // margin (bias) and the margin. An approximation: the attributions add up to margin - bias
  // only up to the integration error. The default throws StepError.
  virtual std::vector<double> sequence_contributions(const SequenceSet& data, const std::vector<uint32_t>& samples) const;
  // Sequence models score samples of a SequenceSet (first head; probabilities for bce heads).
  virtual std::vector<double> predict_sequences(const SequenceSet& data,
                                                const std::vector<uint32_t>& samples) const;
};

class Trainer {
 public:
  virtual ~Trainer() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // "xgboost 1.7.4": the library doing the work, for the run store and --version.
  virtual std::string version() const = 0;
  // Keys this trainer accepts in a train step, besides the common ones.
  virtual const Schema& schema() const = 0;
  // Deeper checks than the schema (e.g. unknown library parameters), before anything runs.
  virtual void validate(const nlohmann::json& step, const std::string& path,
                        const ConfigChecker& check) const = 0;
  virtual Task task(const nlohmann::json& step) const = 0;
  // `train` is the trainer's to keep or free: XGBoost frees it once its binned copy is built.
  // So are `valid`'s values (XGBoost frees them once it has copied them); its names stay.
  virtual std::unique_ptr<Model> fit(const nlohmann::json& step, FeatureMatrix train,
                                     const std::vector<float>& y_train, FeatureMatrix* valid,
                                     const std::vector<float>* y_valid, TrainContext& ctx) const = 0;
  virtual std::unique_ptr<Model> load(const std::filesystem::path& file,
                                      const nlohmann::json& config) const = 0;
  // Whether fit reads `train` in batches through FeatureMatrix::fill (then it comes without
  // values); otherwise it comes with them.
  virtual bool reads_rows_in_batches(const nlohmann::json& step) const { return false; }
  // Sequence trainers learn from SequenceSet samples (a `sequences` step upstream).
  virtual bool takes_sequences() const { return false; }
  virtual std::unique_ptr<Model> fit_sequences(const nlohmann::json& step, const SequenceSet& data,
                                               const std::vector<uint32_t>& train,
                                               const std::vector<uint32_t>& valid,
                                               TrainContext& ctx) const;
};

class TrainerRegistry {
 public:
  void add(std::unique_ptr<Trainer> t);
  const Trainer* find(const std::string& name) const;
  // Throws ConfigError listing the known trainers (with a did-you-mean).
  const Trainer& get(const std::string& name) const;
  std::vector<std::string> names() const;
  const std::vector<std::unique_ptr<Trainer>>& all() const { return trainers_; }

 private:
  std::vector<std::unique_ptr<Trainer>> trainers_;
};

// The process-wide registry; cli/main.cpp fills it from trainers/builtin.h.
TrainerRegistry& trainer_registry();

}  // namespace mlpipe
