#pragma once
// `mlpipe runs diff A B`: what differs between two recorded runs: config values, inputs,
// environment, final metrics and artifacts.
#include <nlohmann/json.hpp>
#include <string>

#include "core/store/sqlite.h"

namespace mlpipe {

// {"config": [...], "inputs": [...], "environment": [...], "metrics": [...], "artifacts": [...]},
// each entry {"key", "a", "b"} (null where one side has no value).
nlohmann::json diff_runs(Db& db, int64_t a, int64_t b);
std::string format_run_diff(const nlohmann::json& diff, int64_t a, int64_t b);

}  // namespace mlpipe
