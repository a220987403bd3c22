#pragma once
// Running a recorded run again: `mlpipe resume` continues an interrupted or failed run in place,
// `mlpipe reproduce` re-creates one from scratch and compares every artifact and metric.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/runner/runner.h"
#include "core/store/database.h"
#include "core/store/store_layout.h"

namespace mlpipe {

// `base` carries jobs, threads and the log stream. The run keeps its id; steps that finished
// keep their records and cached outputs, the others run again.
// Throws ConfigError when `store` has no store (nothing is created where a command looks).
RunOutcome resume_run(const StoreLayout& store, const std::string& run_ref, RunOptions base);

struct ReproduceReport {
  int64_t original = 0;
  RunOutcome rerun;
  nlohmann::json differences = nlohmann::json::array();  // {"what", "key", "original", "rerun"}
  // Recorded environment rows that differ ({"key", "original", "rerun"}; null where absent): not
  // differences themselves, but where one may come from (an older mlpipe computes features
  // differently; another XGBoost builds other trees).
  nlohmann::json environment_changes = nlohmann::json::array();
  size_t artifacts_compared = 0, metrics_compared = 0, inputs_checked = 0, timings_skipped = 0;
  bool identical() const { return rerun.exit_code == 0 && differences.empty(); }
  std::string text() const;
};

// Re-runs the recorded config in the same store without any cache (exports go to a fresh folder
// under <store>/reproduce/), records it as a new run that names the original, and compares
// artifact hashes and metric values exactly.
ReproduceReport reproduce_run(const StoreLayout& store, const std::string& run_ref, RunOptions base);

// The latest run (other than `like_run`) of `like_run`'s pipeline made at git revision `rev`
// (a branch, tag, HEAD~1...), resolved by git in the pipeline file's folder. Throws ConfigError
// when git cannot resolve it or no such run was recorded.
int64_t run_at_revision(Db& db, const std::string& rev, int64_t like_run);

}  // namespace mlpipe
