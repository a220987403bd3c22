#pragma once
// `mlpipe runs diff A B`: what differs between two recorded runs: config values, inputs,
// environment, final metrics and artifacts.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/store/database.h"

namespace mlpipe {

// {"config": [...], "inputs": [...], "environment": [...], "metrics": [...], "artifacts": [...]},
// each entry {"key", "a", "b"} (null where one side has no value).
nlohmann::json diff_runs(Db& db, int64_t a, int64_t b);
// What `runs diff --exit-code` counts: config, input and artifact differences, and metrics
// (timings, is_timing_metric, left out) that differ by more than `tolerance` (absolute).
struct DiffVerdict {
  std::vector<std::string> differences;
  bool same() const { return differences.empty(); }
};
DiffVerdict diff_verdict(const nlohmann::json& diff, double tolerance);

std::string format_run_diff(const nlohmann::json& diff, int64_t a, int64_t b);

}  // namespace mlpipe
