#include "core/store/card_queries.h"

#include <nlohmann/json.hpp>

#include "core/store/report_queries.h"
#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {

RunFacts run_facts(Db& db, int64_t run) {
  Stmt s = db.prepare(
      "SELECT pipeline, status, started_at, coalesce(user, ''), coalesce(host, ''), coalesce(git_commit, ''), git_dirty,"
      " config_hash, mlpipe_version, config_json FROM runs WHERE run_id = ?");
  s.bind(1, run);
  if (!s.step()) throw ConfigError("no run " + std::to_string(run) + " in this store");
  RunFacts f;
  f.pipeline = s.text(0);
  f.status = s.text(1);
  f.started_at = s.text(2);
  f.user = s.text(3);
  f.host = s.text(4);
  f.git_commit = s.text(5);
  f.git_known = !s.is_null(6);
  f.git_dirty = f.git_known && s.int64(6) != 0;
  f.config_hash = s.text(7);
  f.mlpipe_version = s.text(8);
  f.config_json = s.text(9);
  json cfg = json::parse(f.config_json, nullptr, false);
  if (cfg.is_object()) {
    if (cfg.contains("description") && cfg["description"].is_string()) f.description = cfg["description"];
    if (cfg.contains("limitations")) {
      if (cfg["limitations"].is_string()) f.limitations.push_back(cfg["limitations"]);
      else if (cfg["limitations"].is_array())
        for (const auto& l : cfg["limitations"])
          if (l.is_string()) f.limitations.push_back(l);
    }
  }
  return f;
}

QueryResult run_inputs(Db& db, int64_t run) {
  return query_for_run(db, "SELECT step, path, rows, cols, bytes, content_hash FROM inputs WHERE run_id = ? ORDER BY step, path", run);
}

QueryResult evaluation_metrics(Db& db, int64_t run) {
  return query_for_run(
      db,
      "SELECT m.step, coalesce(m.split, '') AS split, m.key AS metric, m.value FROM latest_metrics m JOIN steps st"
      " ON st.run_id = m.run_id AND st.step = m.step WHERE m.run_id = ?"
      " AND (st.type IN ('evaluate', 'calibrate') OR (st.type = 'train' AND m.split = 'valid'))"
      " AND m.iteration IS NULL AND m.key NOT GLOB '*=*' AND m.key NOT GLOB 'importance.*' AND m.key NOT GLOB 'confusion.*'"
      " AND m.key NOT GLOB 'gate.*' AND m.key NOT GLOB 'champion*' AND m.key NOT GLOB '*_difference.*'"
      " AND m.key NOT GLOB 'adverse_impact_ratio.*' ORDER BY st.started_at, m.step, m.key",
      run);
}

QueryResult registry_history(Db& db, int64_t run) {
  return query_for_run(
      db,
      "SELECT at, action, name AS model, version, coalesce(alias, '') AS alias, previous_version AS previous, by,"
      " run_id AS run, coalesce(note, '') AS note FROM model_events WHERE name IN (SELECT name FROM models WHERE run_id = ?)"
      " ORDER BY event_id",
      run);
}

QueryResult registered_by_run(Db& db, int64_t run) {
  return query_for_run(db, "SELECT name, version, created_by, content_hash FROM models WHERE run_id = ? ORDER BY name, version", run);
}

}  // namespace mlpipe
