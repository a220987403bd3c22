#include "core/store/run_store.h"

#include "core/util/crash_point.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <ctime>

#include "core/store/schema.h"
#include "core/util/clock.h"
#include "core/util/error.h"
#include "core/util/uuid.h"

#include <unistd.h>

namespace mlpipe {

RunStore::RunStore(const DbLocation& where)
    : db_([&] {
        if (!where.is_postgres() && !where.file().parent_path().empty())
          std::filesystem::create_directories(where.file().parent_path());
        return Db::open(where, false);
      }()) {
  migrate(db_);
}

int64_t RunStore::begin_run(const RunInfo& r) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string now = now_iso();
  // Run ids are one more than the last, on PostgreSQL too: its identity sequence skips ahead
  // after a server crash (run 2, then run 34). The write lock of the transaction (or of the
  // run's opening transaction, around this savepoint) keeps two starts from taking one number.
  bool pg = db_.kind() == DbKind::postgres;
  Transaction tx(db_);
  Stmt ins = db_.prepare(
      std::string("INSERT INTO runs(") + (pg ? "run_id, " : "") +
      "pipeline, pipeline_file, status, started_at, config_yaml, config_json,"
      " config_hash, overrides, seed, git_commit, git_dirty, host, user, mlpipe_version, pid,"
      " heartbeat_at, workdir, run_uid, name) VALUES (" + (pg ? "(SELECT coalesce(max(run_id), 0) + 1 FROM runs), " : "") +
      "?,?, 'running', ?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING run_id");
  ins
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
      .bind(17, r.run_uid.empty() ? new_uuid_v7() : r.run_uid)
      .bind(18, r.name.empty() ? std::optional<std::string>() : std::optional<std::string>(r.name));
  if (!ins.step()) throw StepError("run store: the new run got no id");
  int64_t id = ins.int64(0);
  ins.reset();
  tx.commit();
  return id;
}

void RunStore::tag_run(int64_t run, const std::string& key, const std::optional<std::string>& value, const std::string& by) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare("INSERT INTO run_tag_events(run_id, key, value, at, by) VALUES (?,?,?,?,?)")
      .bind(1, run)
      .bind(2, key)
      .bind(3, value)
      .bind(4, now_iso())
      .bind(5, by)
      .run();
}

void RunStore::add_note(int64_t run, const std::string& note, const std::string& by) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare("INSERT INTO run_notes(run_id, at, by, note) VALUES (?,?,?,?)").bind(1, run).bind(2, now_iso()).bind(3, by).bind(4, note).run();
}

void RunStore::add_environment(int64_t run, const KeyValues& kv) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  Stmt s = db_.prepare("INSERT INTO environment(run_id, key, value) VALUES (?,?,?)"
                       " ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value");
  for (const auto& [k, v] : kv) s.bind(1, run).bind(2, k).bind(3, v).run();
  tx.commit();
}

void RunStore::add_params(int64_t run, const std::string& step, const KeyValues& kv) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  if (db_.kind() == DbKind::postgres) {
    // Many rows per statement there (a statement is a round trip). One statement may not set a
    // key twice: the last value of a repeated key wins, as it does row by row.
    std::map<std::string, size_t> last;
    for (size_t i = 0; i < kv.size(); ++i) last[kv[i].first] = i;
    KeyValues rows;
    for (size_t i = 0; i < kv.size(); ++i)
      if (last[kv[i].first] == i) rows.push_back(kv[i]);
    const size_t per = 100;
    for (size_t at = 0; at < rows.size(); at += per) {
      size_t n = std::min(per, rows.size() - at);
      std::string sql = "INSERT INTO params(run_id, step, key, value) VALUES ";
      for (size_t i = 0; i < n; ++i) sql += i ? ",(?,?,?,?)" : "(?,?,?,?)";
      Stmt s = db_.prepare(sql + " ON CONFLICT (run_id, step, key) DO UPDATE SET value = excluded.value");
      for (size_t i = 0; i < n; ++i)
        s.bind(int(4 * i + 1), run).bind(int(4 * i + 2), step).bind(int(4 * i + 3), rows[at + i].first)
            .bind(int(4 * i + 4), rows[at + i].second);
      s.run();
    }
    tx.commit();
    return;
  }
  Stmt s = db_.prepare("INSERT INTO params(run_id, step, key, value) VALUES (?,?,?,?)"
                       " ON CONFLICT (run_id, step, key) DO UPDATE SET value = excluded.value");
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

namespace {
// A batch of metric points as COPY's text format: tab-separated, \N for NULL (a NaN too, as
// SQLite stores one), doubles in 17 significant digits (read back to the same bits).
std::string metric_copy_rows(int64_t run, const std::string& step, const std::string& now,
                             const std::vector<MetricPoint>& points) {
  std::string rows, run_text = std::to_string(run), step_text, now_text;
  append_copy_text(step_text, step);
  append_copy_text(now_text, now);
  rows.reserve(points.size() * 64);
  char num[32];
  for (const MetricPoint& p : points) {
    rows += run_text;
    rows += '\t';
    rows += step_text;
    rows += '\t';
    append_copy_text(rows, p.key);
    rows += '\t';
    if (p.split.empty()) rows += "\\N";
    else append_copy_text(rows, p.split);
    rows += '\t';
    if (p.iteration) rows += std::to_string(*p.iteration);
    else rows += "\\N";
    rows += '\t';
    if (std::isnan(p.value)) {
      rows += "\\N";
    } else if (std::isinf(p.value)) {
      rows += p.value > 0 ? "Infinity" : "-Infinity";
    } else {
      std::snprintf(num, sizeof num, "%.17g", p.value);
      rows += num;
    }
    rows += '\t';
    rows += now_text;
    rows += '\n';
  }
  return rows;
}
}  // namespace

void RunStore::add_metrics(int64_t run, const std::string& step,
                           const std::vector<MetricPoint>& points) {
  if (points.empty()) return;
  // One prepared statement, one transaction per batch, texts bound without copies. (Multi-row
  // VALUES lists measured slower: SQLite runs them as a co-routine.)
  std::lock_guard<std::mutex> lock(mu_);
  // The run is checked once per batch instead of once per point (foreign keys off for the batch:
  // +6% points/s). The write lock is held from the check to the commit, so nobody can delete
  // the run in between.
  ForeignKeysOff fk_off(db_);
  Transaction tx(db_);
  // On PostgreSQL the run's row is locked against deletion until the commit (metrics there have
  // no foreign key; see core/store/postgres_schema.cpp).
  if (!db_.prepare(db_.kind() == DbKind::postgres ? "SELECT 1 FROM runs WHERE run_id = ? FOR KEY SHARE"
                                                   : "SELECT 1 FROM runs WHERE run_id = ?")
           .bind(1, run)
           .step())
    throw StepError("run store: no run " + std::to_string(run) + " to record metrics for");
  std::string now = now_iso();
  if (db_.kind() == DbKind::postgres) {
    // One COPY per batch: a round trip per row would cap a remote server at a few thousand
    // points/s (bench/cpp/metric_record_bench.cpp with a postgresql:// address).
    std::string rows = metric_copy_rows(run, step, now, points);
    crash_point("metrics");  // the batch built, nothing sent
    db_.copy_in("COPY metrics(run_id, step, key, split, iteration, value, recorded_at) FROM STDIN", rows);
    tx.commit();
    return;
  }
  Stmt s = db_.prepare(
      "INSERT INTO metrics(run_id, step, key, split, iteration, value, recorded_at)"
      " VALUES (?,?,?,?,?,?,?)");
  for (size_t i = 0; i < points.size(); ++i) {
    const MetricPoint& p = points[i];
    if (i == points.size() / 2) crash_point("metrics");  // half a batch inserted, not committed
    s.bind(1, run).bind_static(2, step).bind_static(3, p.key);
    if (p.split.empty()) s.bind_null(4);
    else s.bind_static(4, p.split);
    s.bind(5, p.iteration).bind(6, p.value).bind_static(7, now).run();
  }
  tx.commit();
}

void RunStore::set_git(int64_t run, const std::string& commit, bool dirty, const std::string& diff_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  db_.prepare("UPDATE runs SET git_commit = ?, git_dirty = ? WHERE run_id = ?")
      .bind(1, commit).bind(2, int64_t(dirty ? 1 : 0)).bind(3, run).run();
  if (!diff_hash.empty())
    db_.prepare("INSERT INTO environment(run_id, key, value) VALUES (?, 'git.diff_hash', ?)"
                " ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value")
        .bind(1, run).bind(2, diff_hash).run();
  tx.commit();
}

void RunStore::add_input(int64_t run, const std::string& step, const std::string& path,
                         const std::string& hash, int64_t bytes, std::optional<int64_t> rows,
                         std::optional<int64_t> cols) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare(
         "INSERT INTO inputs(run_id, step, path, content_hash, bytes, rows, cols) VALUES (?,?,?,?,?,?,?)"
      " ON CONFLICT (run_id, step, path) DO UPDATE SET content_hash = excluded.content_hash,"
      " bytes = excluded.bytes, rows = excluded.rows, cols = excluded.cols")
      .bind(1, run).bind(2, step).bind(3, path).bind(4, hash).bind(5, bytes).bind(6, rows)
      .bind(7, cols).run();
}

void RunStore::add_artifact(int64_t run, const std::string& step, const std::string& name,
                            const std::string& path, const std::string& hash, int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare(
         "INSERT INTO artifacts(run_id, step, name, path, content_hash, bytes) VALUES (?,?,?,?,?,?)"
      " ON CONFLICT (run_id, step, name) DO UPDATE SET path = excluded.path,"
      " content_hash = excluded.content_hash, bytes = excluded.bytes")
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

void RunStore::set_fingerprint(int64_t run, const std::string& step, const std::string& fp,
                               const std::string& inputs) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare("UPDATE steps SET fingerprint=?, fingerprint_inputs=? WHERE run_id=? AND step=?")
      .bind(1, fp).bind(2, inputs).bind(3, run).bind(4, step).run();
}

void RunStore::clear_step_records(int64_t run, const std::string& step) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  for (const char* table : {"metrics", "inputs", "artifacts"})
    db_.prepare(std::string("DELETE FROM ") + table + " WHERE run_id=? AND step=?").bind(1, run).bind(2, step).run();
  db_.prepare("UPDATE steps SET status='pending', started_at=NULL, ended_at=NULL, duration_s=NULL,"
              " error=NULL, reused_from_run=NULL WHERE run_id=? AND step=?")
      .bind(1, run).bind(2, step).run();
  tx.commit();
}

std::optional<std::string> RunStore::previous_fingerprint_inputs(const std::string& pipeline,
                                                                 const std::string& step, int64_t before) {
  std::lock_guard<std::mutex> lock(mu_);
  // CROSS JOIN keeps steps outside: walking them newest first stops at the previous run, where
  // starting from the pipeline's runs visited and sorted all of them (7 ms at 5,000 runs).
  Stmt s = db_.prepare(
      "SELECT s.fingerprint_inputs FROM steps s CROSS JOIN runs r USING (run_id) WHERE r.pipeline=? AND"
      " s.step=? AND s.run_id<? AND s.fingerprint_inputs IS NOT NULL AND s.status IN ('ok','reused')"
      " ORDER BY s.run_id DESC LIMIT 1");
  s.bind(1, pipeline).bind(2, step).bind(3, before);
  if (s.step()) return s.text(0);
  return std::nullopt;
}

std::vector<int64_t> RunStore::mark_interrupted(double stale_s) {
  std::lock_guard<std::mutex> lock(mu_);
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::vector<int64_t> dead;
  {
    Stmt s = db_.prepare(
        "SELECT run_id, pid, host, (julianday('now') - julianday(heartbeat_at)) * 86400.0"
        " FROM runs WHERE status='running'");
    while (s.step()) {
      int64_t pid = s.int64(1);
      bool same_host = s.text(2) == host;
      bool gone = same_host && pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;
      bool stale = !s.is_null(3) && s.real(3) > stale_s;
      if (gone || stale) dead.push_back(s.int64(0));
    }
  }
  if (dead.empty()) return dead;
  Transaction tx(db_);
  for (int64_t run : dead) {
    db_.prepare("UPDATE runs SET status='interrupted', exit_code=130, error=coalesce(error,"
                " 'the mlpipe process stopped before the run finished (killed or crashed)')"
                " WHERE run_id=? AND status='running'").bind(1, run).run();
    db_.prepare("UPDATE steps SET status='interrupted' WHERE run_id=? AND status='running'").bind(1, run).run();
  }
  tx.commit();
  return dead;
}

void RunStore::reopen_run(int64_t run, int64_t pid, const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare("UPDATE runs SET status='running', pid=?, host=?, heartbeat_at=?, ended_at=NULL,"
              " exit_code=NULL, error=NULL WHERE run_id=?")
      .bind(1, pid).bind(2, host).bind(3, now_iso()).bind(4, run).run();
}

void RunStore::set_reproduces(int64_t run, int64_t original) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare("UPDATE runs SET reproduces_run=? WHERE run_id=?").bind(1, original).bind(2, run).run();
}

void RunStore::set_parent(const std::vector<int64_t>& children, int64_t parent) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  for (int64_t c : children) db_.prepare("UPDATE runs SET parent_run=? WHERE run_id=?").bind(1, parent).bind(2, c).run();
  tx.commit();
}

Db& RunStore::hash_db() {
  if (db_.kind() == DbKind::sqlite) return db_;
  if (!local_hashes_) {
    std::filesystem::path dir;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) dir = std::filesystem::path(x) / "mlpipe";
    else if (const char* h = std::getenv("HOME"); h && *h) dir = std::filesystem::path(h) / ".cache" / "mlpipe";
    try {
      if (dir.empty()) throw StepError("no home folder");
      std::filesystem::create_directories(dir);
      Db local = Db::open(dir / "file-hashes.db", false);
      local.exec("CREATE TABLE IF NOT EXISTS file_hashes (path TEXT PRIMARY KEY, bytes INTEGER NOT NULL,"
                 " mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL,"
                 " content_hash TEXT NOT NULL, checked_at TEXT NOT NULL) STRICT");
      local_hashes_.emplace(std::move(local));
    } catch (const std::exception&) {
      return db_;  // no writable home: the server's table (a round trip per file)
    }
  }
  return *local_hashes_;
}

std::optional<std::string> RunStore::cached_file_hash(const std::string& path, int64_t bytes,
                                                      int64_t mtime_ns, int64_t ctime_ns, int64_t inode) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt s = hash_db().prepare("SELECT content_hash FROM file_hashes WHERE path=? AND bytes=? AND mtime_ns=?"
                       " AND ctime_ns=? AND inode=?");
  s.bind(1, path).bind(2, bytes).bind(3, mtime_ns).bind(4, ctime_ns).bind(5, inode);
  if (s.step()) return s.text(0);
  return std::nullopt;
}

void RunStore::remember_file_hash(const std::string& path, int64_t bytes, int64_t mtime_ns,
                                  int64_t ctime_ns, int64_t inode, const std::string& hash) {
  std::lock_guard<std::mutex> lock(mu_);
  hash_db().prepare("INSERT INTO file_hashes(path, bytes, mtime_ns, ctime_ns, inode, content_hash,"
              " checked_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (path) DO UPDATE SET bytes = excluded.bytes,"
              " mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, inode = excluded.inode,"
              " content_hash = excluded.content_hash, checked_at = excluded.checked_at")
      .bind(1, path).bind(2, bytes).bind(3, mtime_ns).bind(4, ctime_ns).bind(5, inode).bind(6, hash)
      .bind(7, now_iso()).run();
}

}  // namespace mlpipe
