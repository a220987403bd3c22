#include "core/store/run_push.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "core/platform/environment.h"
#include "core/store/object_store.h"
#include "core/store/run_store.h"
#include "core/util/clock.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace mlpipe {
namespace {

using Remap = std::function<std::optional<int64_t>(const Stmt& row, int col)>;

// Copies the rows of `table` where `key_column` = `key` from `src` to `dst`, column for column,
// leaving out the ones the target makes itself (identities, generated columns) and replacing
// those in `remap`. The column lists are the source's: both backends have the same columns.
template <class Key>  // int64_t (a run id) or std::string (a fingerprint)
void copy_rows(Db& src, Db& dst, const std::string& table, const std::string& key_column, const Key& key,
               const std::map<std::string, Remap>& remap, const std::set<std::string>& skip = {}) {
  Stmt s = src.prepare("SELECT * FROM " + table + " WHERE " + key_column + " = ?");
  s.bind(1, key);
  std::vector<int> cols;
  std::vector<std::string> names;
  std::optional<Stmt> ins;
  while (s.step()) {
    if (!ins) {
      std::string list, marks;
      for (int i = 0; i < s.columns(); ++i) {
        std::string c = s.column_name(i);
        if (c == "rowid" || c == "started_epoch" || skip.count(c)) continue;
        cols.push_back(i);
        names.push_back(c);
        list += (list.empty() ? "" : ", ") + c;  // (`user` is quoted on PostgreSQL by the dialect)
        marks += marks.empty() ? "?" : ", ?";
      }
      ins.emplace(dst.prepare("INSERT INTO " + table + "(" + list + ") VALUES (" + marks + ")"));
    }
    for (size_t k = 0; k < cols.size(); ++k) {
      int i = cols[k], at = int(k) + 1;
      if (auto r = remap.find(names[k]); r != remap.end()) {
        ins->bind(at, r->second(s, i));
        continue;
      }
      switch (s.type(i)) {
        case kSqlNull: ins->bind_null(at); break;
        case kSqlInteger: ins->bind(at, s.int64(i)); break;
        case kSqlFloat: ins->bind(at, s.real(i)); break;
        default: ins->bind(at, s.text(i)); break;
      }
    }
    ins->run();
  }
}

// A run's metric points, in the order recorded: by COPY into PostgreSQL (a run can hold
// hundreds of thousands), by one prepared INSERT into SQLite.
void copy_metrics(Db& src, Db& dst, int64_t run, int64_t to_id) {
  Stmt s = src.prepare("SELECT step, key, split, iteration, value, recorded_at FROM metrics WHERE run_id = ? ORDER BY rowid");
  s.bind(1, run);
  if (dst.kind() == DbKind::postgres) {
    const std::string copy = "COPY metrics(run_id, step, key, split, iteration, value, recorded_at) FROM STDIN";
    std::string rows, id = std::to_string(to_id);
    size_t n = 0;
    auto field = [&](int i) {
      if (s.is_null(i)) rows += "\\N";
      else if (s.type(i) == kSqlFloat) {
        char num[32];
        std::snprintf(num, sizeof num, "%.17g", s.real(i));
        rows += num;
      } else append_copy_text(rows, s.text(i));
    };
    while (s.step()) {
      rows += id;
      for (int i = 0; i < 6; ++i) {
        rows += '\t';
        field(i);
      }
      rows += '\n';
      if (++n % 65536 == 0) {
        dst.copy_in(copy, rows);
        rows.clear();
      }
    }
    if (!rows.empty()) dst.copy_in(copy, rows);
    return;
  }
  Stmt ins = dst.prepare("INSERT INTO metrics(run_id, step, key, split, iteration, value, recorded_at) VALUES (?,?,?,?,?,?,?)");
  while (s.step()) {
    ins.bind(1, to_id).bind(2, s.text(0)).bind(3, s.text(1));
    if (s.is_null(2)) ins.bind_null(4);
    else ins.bind(4, s.text(2));
    if (s.is_null(3)) ins.bind_null(5);
    else ins.bind(5, s.int64(3));
    if (s.is_null(4)) ins.bind_null(6);
    else ins.bind(6, s.real(4));
    ins.bind(7, s.text(5)).run();
  }
}

std::optional<int64_t> id_of_uid(Db& db, const std::string& uid) {
  Stmt s = db.prepare("SELECT run_id FROM runs WHERE run_uid = ?");
  s.bind(1, uid);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

std::vector<int64_t> ints(Db& db, const std::string& sql, int64_t key) {
  Stmt s = db.prepare(sql);
  s.bind(1, key);
  std::vector<int64_t> out;
  while (s.step())
    if (!s.is_null(0)) out.push_back(s.int64(0));
  return out;
}

// The runs asked for and, recursively, the ones their records point at.
std::vector<int64_t> with_dependencies(Db& src, const std::vector<int64_t>& runs) {
  std::set<int64_t> seen;
  std::vector<int64_t> pending = runs;
  while (!pending.empty()) {
    int64_t r = pending.back();
    pending.pop_back();
    if (!seen.insert(r).second) continue;
    for (const char* sql : {"SELECT reused_from_run FROM steps WHERE run_id = ?",
                            "SELECT reproduces_run FROM runs WHERE run_id = ?",
                            "SELECT parent_run FROM runs WHERE run_id = ?"})
      for (int64_t d : ints(src, sql, r)) pending.push_back(d);
  }
  return {seen.begin(), seen.end()};  // ascending: a run's dependencies are older than it
}

// An object of the source into the target (checked against its hash on the way).
void copy_object(const ObjectStore& from, ObjectStore& to, const StoreLayout& target, const std::string& hash,
                 int64_t bytes, PushReport& report) {
  if (to.has(hash)) return;
  fs::create_directories(target.tmp());
  fs::path staged = target.tmp() / ("push-" + hash);
  from.copy_out(hash, staged);
  to.adopt(staged, hash);
  ++report.objects;
  report.bytes += bytes;
}

}  // namespace

PushReport push_runs(const StoreLayout& from, const StoreLayout& to, const std::vector<int64_t>& asked) {
  if (from.db().string() == to.db().string())
    throw ConfigError("runs push: the source and the target are the same store (" + from.shown() + ")");
  Db src = Db::open(from.db(), /*read_only=*/true);
  RunStore target(to.db());
  Db& dst = target.db();
  ObjectStore src_objects(from), dst_objects(to);
  PushReport report;
  std::map<int64_t, int64_t> ids;  // source run id -> target run id
  auto mapped = [&](const Stmt& row, int col) -> std::optional<int64_t> {
    if (row.is_null(col)) return std::nullopt;
    auto it = ids.find(row.int64(col));
    return it == ids.end() ? std::nullopt : std::optional<int64_t>(it->second);
  };

  for (int64_t run : with_dependencies(src, asked)) {
    PushedRun p;
    p.from_id = run;
    p.asked = std::find(asked.begin(), asked.end(), run) != asked.end();
    {
      Stmt s = src.prepare("SELECT run_uid, status FROM runs WHERE run_id = ?");
      s.bind(1, run);
      if (!s.step()) throw ConfigError("runs push: no run " + std::to_string(run) + " in " + from.shown());
      p.run_uid = s.text(0);
      if (s.text(1) == "running")
        throw ConfigError("runs push: run " + std::to_string(run) + " is still running; push it when it has finished");
    }
    if (std::optional<int64_t> there = id_of_uid(dst, p.run_uid)) {
      p.already = true;
      p.to_id = *there;
      ids[run] = *there;
      report.runs.push_back(p);
      continue;
    }
    // Records first, in one transaction: the run appears whole or not at all. Its files and
    // objects are copied before the commit, so a record never names a file the target lacks.
    Transaction tx(dst);  // the store's write lock: the next run and version numbers are ours
    {
      Stmt s = dst.prepare("SELECT coalesce(max(run_id), 0) + 1 FROM runs");
      s.step();
      p.to_id = s.int64(0);
    }
    ids[run] = p.to_id;
    const int64_t to_id = p.to_id;
    auto new_id = [to_id](const Stmt&, int) -> std::optional<int64_t> { return to_id; };
    copy_rows(src, dst, "runs", "run_id", run,
              {{"run_id", new_id}, {"reproduces_run", mapped}, {"parent_run", mapped}});
    copy_rows(src, dst, "steps", "run_id", run, {{"run_id", new_id}, {"reused_from_run", mapped}});
    copy_metrics(src, dst, run, to_id);
    for (const char* table : {"params", "inputs", "artifacts", "environment", "bundle_manifests"})
      copy_rows(src, dst, table, "run_id", run, {{"run_id", new_id}});
    copy_rows(src, dst, "run_tag_events", "run_id", run, {{"run_id", new_id}}, {"event_id"});
    copy_rows(src, dst, "run_notes", "run_id", run, {{"run_id", new_id}}, {"note_id"});

    // The run's own files (models, predictions): objects in both stores.
    {
      Stmt a = src.prepare("SELECT path, content_hash, bytes FROM artifacts WHERE run_id = ?");
      a.bind(1, run);
      while (a.step()) {
        fs::path file = from.resolve(a.text(0));
        if (fs::path(a.text(0)).is_absolute() || !fs::is_regular_file(file)) continue;  // outside the store: not ours to copy
        fs::path dest = to.resolve(a.text(0));
        if (fs::exists(dest)) continue;
        fs::create_directories(dest.parent_path());
        fs::copy_file(file, dest);
        dst_objects.share(dest, a.text(1));
        ++report.objects;
        report.bytes += a.int64(2);
      }
    }

    // The cache entries it made, with their objects: the target reuses those steps.
    for (const std::string& fp : [&] {
           std::vector<std::string> out;
           Stmt c = src.prepare("SELECT fingerprint FROM cache_entries WHERE run_id = ?");
           c.bind(1, run);
           while (c.step()) out.push_back(c.text(0));
           return out;
         }()) {
      Stmt have = dst.prepare("SELECT 1 FROM cache_entries WHERE fingerprint = ?");
      have.bind(1, fp);
      if (have.step()) continue;
      Stmt o = src.prepare("SELECT object, bytes FROM cache_objects WHERE fingerprint = ?");
      o.bind(1, fp);
      while (o.step()) copy_object(src_objects, dst_objects, to, o.text(0), o.int64(1), report);
      copy_rows(src, dst, "cache_entries", "fingerprint", fp, {{"run_id", new_id}});
      copy_rows(src, dst, "cache_objects", "fingerprint", fp, {});
    }

    // The model versions it registered.
    Stmt m = src.prepare("SELECT name, version, step, content_hash, manifest_hash, metrics, evaluated_on, created_at,"
                         " created_by, manifest_sha256 FROM models WHERE run_id = ? ORDER BY name, version");
    m.bind(1, run);
    while (m.step()) {
      std::string name = m.text(0);
      int64_t version = m.int64(1);
      Stmt same = dst.prepare("SELECT version FROM models WHERE name = ? AND content_hash = ? ORDER BY version LIMIT 1");
      same.bind(1, name).bind(2, m.text(3));
      if (same.step()) {
        p.models.push_back(name + " v" + std::to_string(version) + " is v" + std::to_string(same.int64(0)) + " there already");
        continue;
      }
      int64_t next = 1;
      {
        Stmt n = dst.prepare("SELECT coalesce(max(version), 0) + 1 FROM models WHERE name = ?");
        n.bind(1, name);
        n.step();
        next = n.int64(0);
      }
      Stmt objs = src.prepare("SELECT file, object, bytes FROM model_objects WHERE name = ? AND version = ?");
      objs.bind(1, name).bind(2, version);
      std::vector<std::tuple<std::string, std::string, int64_t>> files;
      while (objs.step()) files.emplace_back(objs.text(0), objs.text(1), objs.int64(2));
      for (const auto& [file, object, bytes] : files) copy_object(src_objects, dst_objects, to, object, bytes, report);
      fs::path view = to.root() / "registry" / name / ("v" + std::to_string(next));
      dst.prepare("INSERT INTO models(name, version, run_id, step, path, content_hash, manifest_hash, metrics,"
                  " evaluated_on, created_at, created_by, manifest_sha256) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
          .bind(1, name).bind(2, next).bind(3, to_id).bind(4, m.text(2)).bind(5, to.record_path(view))
          .bind(6, m.text(3)).bind(7, m.text(4)).bind(8, m.text(5))
          .bind(9, m.is_null(6) ? std::optional<std::string>() : std::optional<std::string>(m.text(6)))
          .bind(10, m.text(7)).bind(11, m.text(8))
          .bind(12, m.is_null(9) ? std::optional<std::string>() : std::optional<std::string>(m.text(9)))
          .run();
      Stmt ins = dst.prepare("INSERT INTO model_objects(name, version, file, object, bytes) VALUES (?,?,?,?,?)");
      for (const auto& [file, object, bytes] : files)
        ins.bind(1, name).bind(2, next).bind(3, file).bind(4, object).bind(5, bytes).run();
      dst.prepare("INSERT INTO model_events(name, version, action, alias, previous_version, at, by, run_id, metrics, note)"
                  " VALUES (?, ?, 'register', NULL, NULL, ?, ?, ?, ?, ?)")
          .bind(1, name).bind(2, next).bind(3, now_iso()).bind(4, user_name()).bind(5, to_id).bind(6, m.text(5))
          .bind(7, "pushed from " + from.shown() + " (v" + std::to_string(version) + " there)")
          .run();
      p.models.push_back(name + " v" + std::to_string(version) + " is v" + std::to_string(next) + " there");
    }
    tx.commit();
    report.runs.push_back(p);
  }
  return report;
}

}  // namespace mlpipe
