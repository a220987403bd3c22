#pragma once
// What resume, reproduce, sweeps, drift and the CLI read from a run store about recorded runs,
// one function per question (the SQL stays in core/store/).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/store/database.h"

namespace mlpipe {

// The thread count a run recorded (environment 'threads').
std::optional<unsigned> recorded_threads(Db& db, int64_t run);
// "step/name" -> (content hash, recorded path) for every artifact of a run.
std::map<std::string, std::pair<std::string, std::string>> artifact_hashes(Db& db, int64_t run);
// "step.split.key@iteration" (or "@final") -> value for every metric point of a run.
std::map<std::string, double> metric_values(Db& db, int64_t run);

struct RecordedInput {
  std::string step, path, content_hash;
};
std::vector<RecordedInput> recorded_inputs(Db& db, int64_t run);

// The last value of a metric series, if recorded (split "" matches a series without a split).
std::optional<double> latest_metric(Db& db, int64_t run, const std::string& step, const std::string& key,
                                    const std::string& split);
// A sweep's trials: runs whose parent_run is `parent`, in order.
std::vector<int64_t> child_runs(Db& db, int64_t parent);
// A run's status, or nullopt when there is no such run.
std::optional<std::string> run_status(Db& db, int64_t run);
// step -> status for every step of a run.
std::map<std::string, std::string> step_statuses(Db& db, int64_t run);
// The manifest.json an export step of `run` recorded: (path as recorded, content hash).
std::optional<std::pair<std::string, std::string>> exported_manifest(Db& db, int64_t run);

}  // namespace mlpipe
