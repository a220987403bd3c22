#pragma once
// Read-side views of the run store for `mlpipe runs`: listing, one run in detail.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/store/query.h"

namespace mlpipe {

// "latest"/"last", a run number, a global id (or a unique prefix of 8+ characters), or a run's
// name (the newest run of that name); throws ConfigError when no such run exists.
int64_t resolve_run_id(Db& db, const std::string& ref);

// Everything recorded about one run, as JSON: run, steps, params, metrics (final values and
// iteration counts), inputs, artifacts, environment.
nlohmann::json run_details(Db& db, int64_t run_id);

// The same, for people.
std::string format_run_details(const nlohmann::json& details);

// What is needed to run a recorded run's pipeline again.
struct RecordedRun {
  int64_t id = 0;
  std::string pipeline, pipeline_file, config_yaml, config_hash, status, workdir;
  std::vector<std::string> overrides;
};
RecordedRun load_recorded_run(Db& db, int64_t run_id);

// Opens the store read-only, or explains where it looked. Runs whose process died are marked
// interrupted first (when the file is writable), so listings never show a dead run as running.
Db open_store_readonly(const DbLocation& path);

}  // namespace mlpipe
