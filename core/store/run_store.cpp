#include "core/store/run_store.h"

#include "core/store/schema.h"
#include "core/util/clock.h"

namespace mlpipe {

RunStore::RunStore(const std::filesystem::path& path)
    : db_([&] {
        if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path());
        return Db::open(path, false);
      }()) {
  migrate(db_);
}

int64_t RunStore::begin_run(const RunInfo& r) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string now = now_iso();
  db_.prepare(
         "INSERT INTO runs(pipeline, pipeline_file, status, started_at, config_yaml, config_json,"
         " config_hash, overrides, seed, git_commit, git_dirty, host, user, mlpipe_version, pid,"
         " heartbeat_at, workdir) VALUES (?,?, 'running', ?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, r.pipeline)
      .bind(2, r.pipeline_file)
      .bind(3, now)
      .bind(4, r.config_yaml)
      .bind(5, r.config_json)
      .bind(6, r.config_hash)
      .bind(7, r.overrides_json)
      .bind(8, int64_t(r.seed))
      .bind(9, r.git_commit)
      .bind(10, r.git_dirty)
      .bind(11, r.host)
      .bind(12, r.user)
      .bind(13, r.mlpipe_version)
      .bind(14, r.pid)
      .bind(15, now)
      .bind(16, r.workdir)
      .run();
  return db_.last_insert_rowid();
}

void RunStore::add_environment(int64_t run, const KeyValues& kv) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  Stmt s = db_.prepare("INSERT OR REPLACE INTO environment(run_id, key, value) VALUES (?,?,?)");
  for (const auto& [k, v] : kv) s.bind(1, run).bind(2, k).bind(3, v).run();
  tx.commit();
}

void RunStore::add_params(int64_t run, const std::string& step, const KeyValues& kv) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  Stmt s = db_.prepare("INSERT OR REPLACE INTO params(run_id, step, key, value) VALUES (?,?,?,?)");
  for (const auto& [k, v] : kv) s.bind(1, run).bind(2, step).bind(3, k).bind(4, v).run();
  tx.commit();
}

void RunStore::add_step(int64_t run, const std::string& step, const std::string& type) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare("INSERT INTO steps(run_id, step, type, status) VALUES (?,?,?, 'pending')")
      .bind(1, run)
      .bind(2, step)
      .bind(3, type)
      .run();
}

void RunStore::step_started(int64_t run, const std::string& step) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare("UPDATE steps SET status='running', started_at=? WHERE run_id=? AND step=?")
      .bind(1, now_iso())
      .bind(2, run)
      .bind(3, step)
      .run();
}

void RunStore::step_finished(int64_t run, const std::string& step, const std::string& status,
                             const std::string& error, double duration_s) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt s = db_.prepare(
      "UPDATE steps SET status=?, ended_at=?, duration_s=?, error=? WHERE run_id=? AND step=?");
  s.bind(1, status).bind(2, now_iso()).bind(3, duration_s);
  if (error.empty()) s.bind_null(4); else s.bind(4, error);
  s.bind(5, run).bind(6, step).run();
}

void RunStore::add_metrics(int64_t run, const std::string& step,
                           const std::vector<MetricPoint>& points) {
  if (points.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  Stmt s = db_.prepare(
      "INSERT INTO metrics(run_id, step, key, split, iteration, value, recorded_at)"
      " VALUES (?,?,?,?,?,?,?)");
  std::string now = now_iso();
  for (const auto& p : points) {
    s.bind(1, run).bind(2, step).bind(3, p.key);
    if (p.split.empty()) s.bind_null(4); else s.bind(4, p.split);
    s.bind(5, p.iteration).bind(6, p.value).bind(7, now).run();
  }
  tx.commit();
}

void RunStore::add_input(int64_t run, const std::string& step, const std::string& path,
                         const std::string& hash, int64_t bytes, std::optional<int64_t> rows,
                         std::optional<int64_t> cols) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare(
         "INSERT OR REPLACE INTO inputs(run_id, step, path, content_hash, bytes, rows, cols)"
         " VALUES (?,?,?,?,?,?,?)")
      .bind(1, run).bind(2, step).bind(3, path).bind(4, hash).bind(5, bytes).bind(6, rows)
      .bind(7, cols).run();
}

void RunStore::add_artifact(int64_t run, const std::string& step, const std::string& name,
                            const std::string& path, const std::string& hash, int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare(
         "INSERT OR REPLACE INTO artifacts(run_id, step, name, path, content_hash, bytes)"
         " VALUES (?,?,?,?,?,?)")
      .bind(1, run).bind(2, step).bind(3, name).bind(4, path).bind(5, hash).bind(6, bytes).run();
}

void RunStore::heartbeat(int64_t run) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare("UPDATE runs SET heartbeat_at=? WHERE run_id=?").bind(1, now_iso()).bind(2, run).run();
}

void RunStore::finish_run(int64_t run, const std::string& status, int exit_code,
                          const std::string& error, double duration_s) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt s = db_.prepare(
      "UPDATE runs SET status=?, ended_at=?, duration_s=?, exit_code=?, error=?, heartbeat_at=?"
      " WHERE run_id=?");
  std::string now = now_iso();
  s.bind(1, status).bind(2, now).bind(3, duration_s).bind(4, int64_t(exit_code));
  if (error.empty()) s.bind_null(5); else s.bind(5, error);
  s.bind(6, now).bind(7, run).run();
}

}  // namespace mlpipe
