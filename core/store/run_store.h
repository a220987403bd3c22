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

#include <nlohmann/json.hpp>

#include "core/metrics/metric_point.h"
#include "core/store/database.h"

namespace mlpipe {

struct RunInfo {
  std::string pipeline, pipeline_file, config_yaml, config_json, config_hash, overrides_json;
  long long seed = 0;
  std::optional<std::string> git_commit;
  std::optional<int64_t> git_dirty;
  std::string host, user, mlpipe_version, workdir;
  std::string run_uid;  // global id (UUIDv7; made here when empty); its files live under runs/<run_uid>/
  std::string name;     // run --name; "" for none
  int64_t pid = 0;
};

// A cached step result, as the store knows it: the step that computed it (whose metric, input
// and artifact rows a reuse copies) and the objects that hold its outputs.
struct CacheEntry {
  std::string fingerprint, step, step_type;
  int64_t run_id = 0;
  nlohmann::json parts = nlohmann::json::object();  // which parts of the flow it holds
  nlohmann::json meta = nlohmann::json::object();   // {"outside": {path: hash}}
  struct Object {
    std::string name, hash;  // its name in the entry (frame/col_3.npy), its content hash
    int64_t bytes = 0;
  };
  std::vector<Object> objects;
  int64_t bytes = 0;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Metric points per add_metrics transaction that steps aim for (they also flush every 2 s):
// fewer, larger commits are what makes recording cheap (bench/cpp/metric_record_bench.cpp).
inline constexpr size_t kMetricBatch = 16384;

class RunStore {
 public:
  // Opens or creates the database (and its directory) and applies migrations. Use a store's
  // database (StoreLayout::db); the store folder's other parts are the caller's.
  explicit RunStore(const DbLocation& where);

  int64_t begin_run(const RunInfo& info);
  // Tags are events: a value sets KEY (replacing what run_tags shows, keeping the old event),
  // nullopt removes it. Notes are appended. `by` is who did it.
  void tag_run(int64_t run, const std::string& key, const std::optional<std::string>& value, const std::string& by);
  void add_note(int64_t run, const std::string& note, const std::string& by);
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
  // Records a step as reused from a cache entry: copies the metric, input and artifact rows of
  // the step that computed the entry (in one transaction) and marks the step reused from its run.
  void record_reuse(int64_t run, const std::string& step, const CacheEntry& entry);
  // The cache entry for this fingerprint, or nullopt with the reason in `why`: none in this
  // store, or its computing step's records are no longer complete (a miss, never an empty reuse).
  std::optional<CacheEntry> find_cache_entry(const std::string& fingerprint, std::string* why = nullptr);
  // Records a cache entry for a step that just finished ok in `entry.run_id` (replacing an entry
  // that failed verification); counts the step's records so that a later loss is noticed.
  void add_cache_entry(const CacheEntry& entry);
  // Forgets a cache entry (its objects stay until `gc`).
  void drop_cache_entry(const std::string& fingerprint);
  // The run's global id.
  std::string run_uid(int64_t run);
  // Forgets a step's rows in a run before it runs again (resume).
  void clear_step_records(int64_t run, const std::string& step);
  // The most recent components of this pipeline step's fingerprint before `before_run`, if any.
  std::optional<std::string> previous_fingerprint_inputs(const std::string& pipeline,
                                                         const std::string& step, int64_t before_run);
  // Marks runs whose process is gone (dead pid on this host, or no heartbeat for `stale_s`)
  // as interrupted; returns their ids.
  std::vector<int64_t> mark_interrupted(double stale_s = 60);
  // Re-opens a finished or interrupted run for `mlpipe resume`.
  void reopen_run(int64_t run, int64_t pid, const std::string& host);
  void set_reproduces(int64_t run, int64_t original);
  // Links a sweep's trial runs to the run that used the best of them.
  void set_parent(const std::vector<int64_t>& children, int64_t parent);

  // Stat cache for content hashes: the hash recorded for this exact (path, size, mtime, ctime,
  // inode), or nullopt. It describes this machine's files: with a PostgreSQL store it is kept on
  // the machine ($XDG_CACHE_HOME or ~/.cache/mlpipe/file-hashes.db), not on the server (a round
  // trip per file was most of a no-op run's time there, and inodes are per machine).
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
  Db& hash_db();
  std::mutex mu_;
  Db db_;
  std::optional<Db> local_hashes_;
};

}  // namespace mlpipe
