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

// Metric points per add_metrics transaction that steps aim for (they also flush every 2 s):
// fewer, larger commits are what makes recording cheap (bench/cpp/metric_record_bench.cpp).
inline constexpr size_t kMetricBatch = 16384;

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
  // The commit the run's code came from and whether tracked files differed from it (with the
  // diff's hash as environment 'git.diff_hash'); recorded once git has answered.
  void set_git(int64_t run, const std::string& commit, bool dirty, const std::string& diff_hash);
  void add_input(int64_t run, const std::string& step, const std::string& path,
                 const std::string& hash, int64_t bytes, std::optional<int64_t> rows,
                 std::optional<int64_t> cols);
  void add_artifact(int64_t run, const std::string& step, const std::string& name,
                    const std::string& path, const std::string& hash, int64_t bytes);
  void heartbeat(int64_t run);
  void finish_run(int64_t run, const std::string& status, int exit_code, const std::string& error,
                  double duration_s);

  // Step fingerprint and the JSON of what it hashes; reused_from: the run whose outputs it took.
  void set_fingerprint(int64_t run, const std::string& step, const std::string& fingerprint,
                       const std::string& inputs_json);
  // Records a step as reused: copies its metrics, inputs and artifacts rows from the latest run
  // in which a step with this fingerprint succeeded, and returns that run (nullopt: none left).
  std::optional<int64_t> record_reuse(int64_t run, const std::string& step, const std::string& fingerprint);
  // Forgets a step's rows in a run before it runs again (resume).
  void clear_step_records(int64_t run, const std::string& step);
  // The most recent components of this pipeline step's fingerprint before `before_run`, if any.
  std::optional<std::string> previous_fingerprint_inputs(const std::string& pipeline,
                                                         const std::string& step, int64_t before_run);
  // The latest run in which a step with this fingerprint succeeded (ran, not reused).
  std::optional<int64_t> run_with_fingerprint(const std::string& fingerprint);
  // Marks runs whose process is gone (dead pid on this host, or no heartbeat for `stale_s`)
  // as interrupted; returns their ids.
  std::vector<int64_t> mark_interrupted(double stale_s = 60);
  // Re-opens a finished or interrupted run for `mlpipe resume`.
  void reopen_run(int64_t run, int64_t pid, const std::string& host);
  void set_reproduces(int64_t run, int64_t original);
  // Links a sweep's trial runs to the run that used the best of them.
  void set_parent(const std::vector<int64_t>& children, int64_t parent);

  // Stat cache for content hashes: the hash recorded for this exact (path, size, mtime, ctime,
  // inode), or nullopt.
  std::optional<std::string> cached_file_hash(const std::string& path, int64_t bytes,
                                              int64_t mtime_ns, int64_t ctime_ns, int64_t inode);
  void remember_file_hash(const std::string& path, int64_t bytes, int64_t mtime_ns,
                          int64_t ctime_ns, int64_t inode, const std::string& hash);

  Db& db() { return db_; }
  // Runs `f` on the connection while holding the store's lock (other threads write through it).
  template <class F>
  auto locked(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    return f(db_);
  }

 private:
  std::mutex mu_;
  Db db_;
};

}  // namespace mlpipe
