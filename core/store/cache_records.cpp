// RunStore's cache entries: which step computed each cached result, its objects, and the copy of
// that step's records into a run that reuses it.
#include "core/store/run_store.h"
#include "core/util/clock.h"
#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {
namespace {

// One statement for the three counts: on a server each statement is a round trip.
json count_records(Db& db, int64_t run, const std::string& step) {
  Stmt s = db.prepare(
      "SELECT (SELECT count(*) FROM metrics WHERE run_id = ?1 AND step = ?2),"
      " (SELECT count(*) FROM inputs WHERE run_id = ?1 AND step = ?2),"
      " (SELECT count(*) FROM artifacts WHERE run_id = ?1 AND step = ?2)");
  s.bind(1, run).bind(2, step);
  s.step();
  json out = json::object();
  out["metrics"] = s.int64(0);
  out["inputs"] = s.int64(1);
  out["artifacts"] = s.int64(2);
  return out;
}

}  // namespace

std::optional<CacheEntry> RunStore::find_cache_entry(const std::string& fp, std::string* why) {
  std::lock_guard<std::mutex> lock(mu_);
  auto miss = [&](const std::string& reason) -> std::optional<CacheEntry> {
    if (why) *why = reason;
    return std::nullopt;
  };
  Stmt s = db_.prepare(
      "SELECT c.run_id, c.step, c.step_type, c.parts, c.meta, c.records, c.bytes, s.status"
      " FROM cache_entries c LEFT JOIN steps s ON s.run_id = c.run_id AND s.step = c.step WHERE c.fingerprint = ?");
  s.bind(1, fp);
  if (!s.step()) return miss("no cached outputs in this store");
  CacheEntry e;
  e.fingerprint = fp;
  e.run_id = s.int64(0);
  e.step = s.text(1);
  e.step_type = s.text(2);
  e.parts = json::parse(s.text(3));
  e.meta = json::parse(s.text(4));
  json records = json::parse(s.text(5));
  e.bytes = s.int64(6);
  if (s.is_null(7) || s.text(7) != "ok")
    return miss("the step that computed the cached outputs (run " + std::to_string(e.run_id) + ", step " + e.step +
                ") is no longer recorded as ok");
  if (count_records(db_, e.run_id, e.step) != records)
    return miss("the records of the step that computed the cached outputs (run " + std::to_string(e.run_id) +
                ", step " + e.step + ") are incomplete");
  Stmt o = db_.prepare("SELECT name, object, bytes FROM cache_objects WHERE fingerprint = ? ORDER BY name");
  o.bind(1, fp);
  while (o.step()) e.objects.push_back({o.text(0), o.text(1), o.int64(2)});
  return e;
}

void RunStore::add_cache_entry(const CacheEntry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  db_.prepare("DELETE FROM cache_entries WHERE fingerprint = ?").bind(1, e.fingerprint).run();
  db_.prepare("INSERT INTO cache_entries(fingerprint, run_id, step, step_type, parts, meta, records, bytes, created_at)"
              " VALUES (?,?,?,?,?,?,?,?,?)")
      .bind(1, e.fingerprint).bind(2, e.run_id).bind(3, e.step).bind(4, e.step_type).bind(5, e.parts.dump())
      .bind(6, e.meta.dump()).bind(7, count_records(db_, e.run_id, e.step).dump()).bind(8, e.bytes)
      .bind(9, now_iso()).run();
  Stmt ins = db_.prepare("INSERT INTO cache_objects(fingerprint, name, object, bytes) VALUES (?,?,?,?)");
  for (const auto& o : e.objects) ins.bind(1, e.fingerprint).bind(2, o.name).bind(3, o.hash).bind(4, o.bytes).run();
  tx.commit();
}

void RunStore::drop_cache_entry(const std::string& fp) {
  std::lock_guard<std::mutex> lock(mu_);
  db_.prepare("DELETE FROM cache_entries WHERE fingerprint = ?").bind(1, fp).run();
}

void RunStore::record_reuse(int64_t run, const std::string& step, const CacheEntry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  // All or nothing (a savepoint when the run's opening commit is still open).
  Transaction tx(db_);
  if (e.run_id != run)
    for (const char* sql : {
             "INSERT INTO metrics(run_id, step, key, split, iteration, value, recorded_at)"
             " SELECT ?1, ?4, key, split, iteration, value, recorded_at FROM metrics WHERE run_id=?2 AND step=?3"
             " ORDER BY rowid",
             "INSERT INTO inputs(run_id, step, path, content_hash, bytes, rows, cols)"
             " SELECT ?1, ?4, path, content_hash, bytes, rows, cols FROM inputs WHERE run_id=?2 AND step=?3"
             " ON CONFLICT (run_id, step, path) DO UPDATE SET content_hash = excluded.content_hash,"
             " bytes = excluded.bytes, rows = excluded.rows, cols = excluded.cols",
             "INSERT INTO artifacts(run_id, step, name, path, content_hash, bytes)"
             " SELECT ?1, ?4, name, path, content_hash, bytes FROM artifacts WHERE run_id=?2 AND step=?3"
             " ON CONFLICT (run_id, step, name) DO UPDATE SET path = excluded.path,"
             " content_hash = excluded.content_hash, bytes = excluded.bytes"})
      db_.prepare(sql).bind(1, run).bind(2, e.run_id).bind(3, e.step).bind(4, step).run();
  std::string now = now_iso();
  db_.prepare("UPDATE steps SET status='reused', reused_from_run=?, started_at=coalesce(started_at, ?),"
              " ended_at=?, duration_s=0, error=NULL WHERE run_id=? AND step=?")
      .bind(1, e.run_id).bind(2, now).bind(3, now).bind(4, run).bind(5, step).run();
  tx.commit();
}

std::string RunStore::run_uid(int64_t run) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt s = db_.prepare("SELECT run_uid FROM runs WHERE run_id = ?");
  s.bind(1, run);
  if (!s.step() || s.is_null(0)) throw StepError("run store: run " + std::to_string(run) + " has no global id");
  return s.text(0);
}

}  // namespace mlpipe
