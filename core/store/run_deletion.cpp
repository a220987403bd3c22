#include "core/store/run_deletion.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/util/clock.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;

namespace mlpipe {
namespace {

std::vector<int64_t> ids(Db& db, const std::string& sql, int64_t run) {
  Stmt s = db.prepare(sql);
  s.bind(1, run);
  std::vector<int64_t> out;
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

std::string list(const std::vector<int64_t>& v) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < 5; ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return v.size() > 5 ? out + ", ..." : out;
}

}  // namespace

DeletePlan plan_run_deletion(Db& db, const std::vector<int64_t>& runs) {
  std::set<int64_t> going(runs.begin(), runs.end());
  DeletePlan p;
  auto others = [&](std::vector<int64_t> v) {
    v.erase(std::remove_if(v.begin(), v.end(), [&](int64_t r) { return going.count(r) > 0; }), v.end());
    return v;
  };
  const std::string hint = ": its record is part of others' (archive it instead: mlpipe runs archive ";
  for (int64_t run : going) {
    std::string r = "run " + std::to_string(run);
    Stmt st = db.prepare("SELECT status FROM runs WHERE run_id = ?");
    st.bind(1, run);
    if (!st.step()) throw ConfigError("no run " + std::to_string(run));
    if (st.text(0) == "running") throw ConfigError(r + " is still running");
    Stmt m = db.prepare("SELECT name, version FROM models WHERE run_id = ? LIMIT 1");
    m.bind(1, run);
    if (m.step())
      throw ConfigError(r + " registered " + m.text(0) + " v" + std::to_string(m.int64(1)) +
                        ": registered versions and the runs that made them are kept (archive it instead: mlpipe runs archive " +
                        std::to_string(run) + ")");
    if (!ids(db, "SELECT event_id FROM model_events WHERE run_id = ?", run).empty())
      throw ConfigError(r + " promoted a model: the registry's history names it (archive it instead: mlpipe runs archive " + std::to_string(run) + ")");
    if (auto v = others(ids(db, "SELECT DISTINCT run_id FROM steps WHERE reused_from_run = ?", run)); !v.empty())
      throw ConfigError(r + ": runs " + list(v) + " reused its steps" + hint + std::to_string(run) + ")");
    if (auto v = others(ids(db, "SELECT run_id FROM runs WHERE reproduces_run = ?", run)); !v.empty())
      throw ConfigError(r + ": runs " + list(v) + " reproduce it" + hint + std::to_string(run) + ")");
    if (auto v = others(ids(db, "SELECT run_id FROM runs WHERE parent_run = ?", run)); !v.empty())
      throw ConfigError(r + " has child runs " + list(v) + " (trials or folds): delete them with it, e.g. mlpipe runs delete " +
                        std::to_string(run) + " " + list(v) + " --yes");
    p.runs.push_back(run);
    p.cache_entries += ids(db, "SELECT rowid FROM cache_entries WHERE run_id = ?", run).size();
  }
  return p;
}

void delete_runs(RunStore& store, const StoreLayout& layout, const DeletePlan& plan, const std::string& by) {
  std::vector<std::string> uids;
  store.locked([&](Db& db) {
    Transaction tx(db);
    std::string now = now_iso();
    for (int64_t run : plan.runs) {
      Stmt u = db.prepare("SELECT coalesce(run_uid, '') FROM runs WHERE run_id = ?");
      u.bind(1, run);
      if (u.step() && !u.text(0).empty()) uids.push_back(u.text(0));
      db.prepare("INSERT INTO run_deletions(run_id, run_uid, pipeline, started_at, status, deleted_at, by)"
                 " SELECT run_id, run_uid, pipeline, started_at, status, ?, ? FROM runs WHERE run_id = ?")
          .bind(1, now)
          .bind(2, by)
          .bind(3, run)
          .run();
      db.prepare("DELETE FROM cache_entries WHERE run_id = ?").bind(1, run).run();  // objects: the next gc
      db.prepare("DELETE FROM metrics WHERE run_id = ?").bind(1, run).run();        // no foreign key on PostgreSQL
      db.prepare("DELETE FROM runs WHERE run_id = ?").bind(1, run).run();           // the rest cascades
    }
    tx.commit();
    return 0;
  });
  // The runs' own files (recorded files are read-only: make them writable to remove them).
  for (const auto& uid : uids) {
    fs::path dir = layout.run_dir(uid);
    std::error_code ec;
    if (!fs::exists(dir, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      fs::permissions(it->path(), fs::perms::owner_write, fs::perm_options::add, ec);
    fs::remove_all(dir, ec);
  }
}

}  // namespace mlpipe
