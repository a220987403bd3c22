#pragma once
// Writes the history of runs into the SQLite run store. Thread-safe: steps running concurrently
// share one RunStore. Metric points are written in batches, one transaction per batch.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/store/sqlite.h"

namespace mlpipe {

struct RunInfo {
  std::string pipeline, pipeline_file, config_yaml, config_json, config_hash, overrides_json;
  long long seed = 0;
  std::optional<std::string> git_commit;
  std::optional<int64_t> git_dirty;
  std::string host, user, mlpipe_version, workdir;
  int64_t pid = 0;
};

struct MetricPoint {
  std::string key;
  std::string split;                 // "" stores NULL
  std::optional<int64_t> iteration;  // nullopt: a final value
  double value = 0;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;

class RunStore {
 public:
  // Opens or creates the database (and its directory) and applies migrations.
  explicit RunStore(const std::filesystem::path& path);

  int64_t begin_run(const RunInfo& info);
  void add_environment(int64_t run, const KeyValues& kv);
  void add_params(int64_t run, const std::string& step, const KeyValues& kv);
  void add_step(int64_t run, const std::string& step, const std::string& type);
  void step_started(int64_t run, const std::string& step);
  void step_finished(int64_t run, const std::string& step, const std::string& status,
                     const std::string& error, double duration_s);
  void add_metrics(int64_t run, const std::string& step, const std::vector<MetricPoint>& points);
  void add_input(int64_t run, const std::string& step, const std::string& path,
                 const std::string& hash, int64_t bytes, std::optional<int64_t> rows,
                 std::optional<int64_t> cols);
  void add_artifact(int64_t run, const std::string& step, const std::string& name,
                    const std::string& path, const std::string& hash, int64_t bytes);
  void heartbeat(int64_t run);
  void finish_run(int64_t run, const std::string& status, int exit_code, const std::string& error,
                  double duration_s);

  Db& db() { return db_; }

 private:
  std::mutex mu_;
  Db db_;
};

}  // namespace mlpipe
