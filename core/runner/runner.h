#pragma once
// Runs a pipeline: records the run in the store, executes steps in dependency order (independent
// ones concurrently, up to `jobs`), stops what depends on a failed step, and reports the outcome.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/runner/progress.h"
#include "core/store/store_layout.h"

namespace mlpipe {

struct RunOptions {
  std::filesystem::path pipeline_file;
  std::vector<std::string> overrides;         // --set KEY=VALUE
  std::optional<StoreLayout> store;  // default: the folder .mlpipe/ beside the pipeline file
  unsigned jobs = 0;     // steps at once; 0 = number of cores
  unsigned nthread = 0;  // threads per step (XGBoost nthread, CSV parsing); 0 = number of cores
  std::ostream* log = nullptr;  // progress lines; nullptr = quiet
  ProgressStyle progress;       // live bars and colors on a terminal (detect_progress_style)

  // Cache control. A step whose fingerprint matches an earlier successful step reuses its outputs.
  bool force_all = false;                // --force: run every step
  std::vector<std::string> force_steps;  // --force STEP: run these steps
  std::string from_step;                 // --from STEP: run it and everything after it
  std::string only_step;                 // --only STEP: run it alone on cached upstream outputs
  bool no_cache = false;                 // neither reuse nor save (reproduce)
  bool explain = false;                  // print why each step runs or is reused
  bool dry_run = false;                  // decide (and explain) but run nothing

  // Config from the run store instead of a file (resume, reproduce).
  std::optional<std::string> config_text;
  std::filesystem::path base_dir;              // relative paths in config_text resolve here
  std::optional<int64_t> resume_run;           // continue this run, keeping its finished steps
  std::optional<int64_t> reproduces_run;       // recorded in runs.reproduces_run
  std::optional<std::filesystem::path> export_root;  // export steps write under here instead
  std::string until_step;    // run only this step and what it needs (a sweep trial's metric)
  std::string name;          // run --name: how people refer to the run (runs show NAME)
  std::vector<std::pair<std::string, std::string>> tags;  // run --tag KEY=VALUE
};

struct StepOutcome {
  std::string name, type, status, error, summary;
  double duration_s = 0;
  std::string reason;        // why it ran or was reused (what --explain prints)
  int64_t reused_from = 0;   // the run whose outputs were reused; 0 when it ran
};

struct RunOutcome {
  int64_t run_id = 0;
  std::string pipeline;
  std::string status;  // ok | failed | gate_failed
  int exit_code = 0;
  std::string error;
  double duration_s = 0;
  std::filesystem::path store;  // the store folder (a PostgreSQL store's objects folder)
  DbLocation db;                // its database
  std::vector<StepOutcome> steps;
  nlohmann::json metrics = nlohmann::json::object();  // step -> {key: final value}
  nlohmann::json sweep;  // a sweep's trials and choice; null without one
  nlohmann::json backtest;  // a backtest's folds and their summary; null without one

  nlohmann::ordered_json to_json() const;
};

struct Plan;

// Config problems throw ConfigError before anything is recorded; step failures are recorded and
// reported in the outcome (exit_code 1, 2 or 3), never thrown.
// `mlpipe run`: loads the plan; a pipeline with a `sweep:` runs its trials first (run_sweep).
RunOutcome run_pipeline(const RunOptions& options);
// One run of a plan, as it is (a `sweep:` in it is not expanded): what sweeps' trials, resume and
// reproduce call.
RunOutcome run_plan(Plan plan, const RunOptions& options);
// The plan `options` describe: the pipeline file or the recorded config, overrides applied,
// exports redirected for reproduce.
Plan make_plan(const RunOptions& options);

}  // namespace mlpipe
