#pragma once
// A kind of step ("ingest", "split", ...): its key schema, its checks, and what it does.
// The table of step types is explicit (core/steps/registry.cpp), not self-registering.
#include <filesystem>
#include <chrono>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "core/config/pipeline.h"
#include "core/config/schema.h"
#include "core/flow/flow.h"
#include "core/store/run_store.h"

namespace mlpipe {

class StepContext {
 public:
  StepContext(const Pipeline& p, const StepSpec& spec, Flow input, std::filesystem::path outdir,
              std::filesystem::path workdir, RunStore* store, int64_t run_id, unsigned nthread);

  const Pipeline& pipeline;
  const StepSpec& spec;
  const nlohmann::json& cfg;  // spec.config
  Flow input;  // the merge of what the needed steps produced (the first need's frame wins)
  // Each needed step's own output, in `needs:` order: for steps that combine tables (join).
  std::vector<std::pair<std::string, Flow>> inputs_by_step;
  // The output of any step upstream of this one, by name (loaded from the cache when it was
  // reused); empty outside a run. Safe to call from the step's thread while it runs.
  std::function<Flow(const std::string& step)> upstream_output;
  std::filesystem::path outdir;   // this step's own folder: <store>/runs/<run uid>/<step>/
  std::filesystem::path workdir;  // the store's root folder (.mlpipe/ beside the pipeline by default)
  long long seed;
  unsigned nthread;
  int64_t run_id;
  // `mlpipe reproduce`: the run re-creates a recorded one and must change nothing outside itself
  // (no registration, no promotion).
  bool reproducing = false;

  // A path from the pipeline file, resolved against the pipeline's folder.
  std::filesystem::path resolve(const std::string& path) const;

  void metric(const std::string& key, double value, const std::string& split = "",
              std::optional<int64_t> iteration = std::nullopt);
  void metrics(const std::vector<MetricPoint>& points);
  void flush_metrics();
  // Hashes and records a file this step wrote.
  void artifact(const std::string& name, const std::filesystem::path& path);
  // Hashes and records a file this step read.
  void input_file(const std::filesystem::path& path, std::optional<int64_t> rows,
                  std::optional<int64_t> cols);
  // One line shown after the step's status, e.g. "30000 rows x 25 columns".
  void summary(const std::string& line) { summary_ = line; }
  const std::string& summary() const { return summary_; }
  // A progress note for the user while the step runs (e.g. "resuming training after epoch 3").
  void log(const std::string& line) const {
    if (log_sink) log_sink(line);
  }
  std::function<void(const std::string&)> log_sink;
  // How far a long step is: `done` of `total` units ("iteration", "epoch"), and the latest metric.
  void progress(double done, double total, const std::string& unit, const std::string& note) const {
    if (progress_sink) progress_sink(done, total, unit, note);
  }
  std::function<void(double, double, const std::string&, const std::string&)> progress_sink;
  // Final metrics to show in the run's outcome (kept even when the step then fails a gate).
  nlohmann::json outcome_metrics;
  // Files written outside the workdir (an export bundle): path -> content hash. A cached result
  // of this step is trusted only while these are unchanged.
  nlohmann::json outside_outputs = nlohmann::json::object();
  // The run store, for steps that read or write the model registry; null in unit tests.
  RunStore* store() const { return store_; }
  // Files this step recorded as artifacts, with their content hashes (the runner makes those in
  // the store's folder objects once the step has ended).
  const std::vector<std::pair<std::filesystem::path, std::string>>& artifact_files() const { return artifact_files_; }

 private:
  RunStore* store_;
  std::vector<MetricPoint> pending_;
  std::vector<std::pair<std::filesystem::path, std::string>> artifact_files_;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
  std::string summary_;
};

struct StepType {
  std::string name;
  std::string description;
  // Checks the step's whole config (keys, kinds, values); throws ConfigError at file:line:col.
  std::function<void(const StepSpec&, const ConfigChecker&, const Pipeline&)> check;
  std::function<Flow(StepContext&)> run;
  // Keys, for `mlpipe steps` and the reference in configs/; may be partial for nested keys.
  Schema schema;
  // Files the step reads (paths as written in the config, globs expanded against the pipeline's
  // folder); their content hashes enter the step's fingerprint before it runs.
  std::function<std::vector<std::string>(const StepSpec&, const std::filesystem::path& base_dir)> reads = nullptr;
  // Other things the result depends on (library versions, thread counts), for the fingerprint.
  std::function<nlohmann::json(const StepSpec&, unsigned nthread)> runtime = nullptr;
  // What the result depends on in the run store (the registry's current champion), for the
  // fingerprint; null when nothing.
  std::function<nlohmann::json(const StepSpec&, const Pipeline&, RunStore&)> store_state = nullptr;
  // Computes with ctx.nthread threads: shares the cores with steps that run beside it
  // (core/runner/thread_budget.h).
  bool uses_threads = false;
};

const std::vector<StepType>& step_types();
// Throws ConfigError at the step's `type` with the known types and a did-you-mean.
const StepType& step_type_for(const StepSpec& spec, const SourceMap& map);

// The schema plus the keys every step has (type, needs, description).
Schema with_common_keys(Schema s);

// Helpers shared by step implementations.
const Frame& require_frame(const StepContext& ctx);
// The rows of the split named by the step's `fit_on` (default train) that statistics are learned
// from; throws when there are none, or when `fit_on` is set but no split step ran.
std::vector<uint32_t> fit_rows(const StepContext& ctx, const Frame& f);
std::string get_string(const nlohmann::json& cfg, const std::string& key, const std::string& def);
double get_number(const nlohmann::json& cfg, const std::string& key, double def);
long long get_int(const nlohmann::json& cfg, const std::string& key, long long def);
// Steps that `name` needs, directly or through others (in pipeline order).
std::vector<const StepSpec*> upstream_steps(const Pipeline& p, const std::string& name);
// The data files of the first ingest step upstream of this one (throws StepError when none).
std::vector<std::filesystem::path> upstream_ingest_source(const StepContext& ctx);
// Steps that need `name`, directly or through others (in pipeline order).
std::vector<const StepSpec*> downstream_steps(const Pipeline& p, const std::string& name);

}  // namespace mlpipe
