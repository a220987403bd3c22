#include "core/store/run_compare.h"

#include "core/metrics/metric_point.h"

#include <map>

#include "core/store/database.h"

using nlohmann::json;

namespace mlpipe {
namespace {

json cell(const Stmt& s, int i) {
  switch (s.type(i)) {
    case 5: return nullptr;  // SQLITE_NULL
    case 1: return s.int64(i);
    case 2: return s.real(i);
    default: return s.text(i);
  }
}

// key -> value for one run, keeping the order keys were first seen across runs.
struct Section {
  std::vector<std::string> order;
  std::map<std::string, std::map<int64_t, json>> values;
  void add(const std::string& key, int64_t run, json v) {
    if (!values.count(key)) order.push_back(key);
    values[key][run] = std::move(v);
  }
};

void collect(Db& db, const std::string& sql, const std::vector<int64_t>& runs, Section& out) {
  for (int64_t run : runs) {
    Stmt s = db.prepare(sql);
    s.bind(1, run);
    while (s.step()) out.add(s.text(0), run, cell(s, 1));
  }
}

}  // namespace

QueryResult list_metrics(Db& db, int64_t run, const MetricFilter& f) {
  std::string sql = std::string("SELECT step, split, key, iteration, value, recorded_at FROM ") +
                    (f.final_only ? "latest_metrics" : "metrics") +
                    " WHERE run_id = ?1 AND (?2 = '' OR step GLOB ?2) AND (?3 = '' OR key GLOB ?3)"
                    " AND (?4 = '' OR split IS ?4) ORDER BY step, split, key, iteration IS NOT NULL, iteration";
  Stmt s = db.prepare(sql);
  s.bind(1, run).bind(2, f.step).bind(3, f.key).bind(4, f.split);
  QueryResult r;
  r.columns = {"step", "split", "key", "iteration", "value", "recorded_at"};
  while (s.step()) {
    std::vector<json> row;
    for (int i = 0; i < 6; ++i) row.push_back(cell(s, i));
    r.rows.push_back(std::move(row));
  }
  return r;
}

QueryResult compare_runs(Db& db, const std::vector<int64_t>& runs, bool all_params) {
  Section run_rows, params, metrics;
  collect(db,
          "SELECT k, v FROM (SELECT 1 AS o, 'pipeline' AS k, pipeline AS v FROM runs WHERE run_id = ?1"
          " UNION ALL SELECT 2, 'status', status FROM runs WHERE run_id = ?1"
          " UNION ALL SELECT 3, 'started_at', started_at FROM runs WHERE run_id = ?1"
          " UNION ALL SELECT 4, 'duration_s', CAST(round(duration_s, 2) AS TEXT) FROM runs WHERE run_id = ?1"
          " UNION ALL SELECT 5, 'git', coalesce(substr(git_commit, 1, 10) || CASE WHEN git_dirty = 1 THEN '+dirty' ELSE '' END, '')"
          "   FROM runs WHERE run_id = ?1"
          " UNION ALL SELECT 6, 'config_hash', config_hash FROM runs WHERE run_id = ?1"
          " UNION ALL SELECT 7, 'overrides', overrides FROM runs WHERE run_id = ?1) ORDER BY o",
          runs, run_rows);
  collect(db,
          "SELECT 'config: ' || CASE step WHEN '' THEN key ELSE step || '.' || key END, value FROM params"
          " WHERE run_id = ? ORDER BY step <> '', step, key",
          runs, params);
  collect(db,
          "SELECT step || '.' || coalesce(split || '.', '') || key, value FROM latest_metrics"
          " WHERE run_id = ? ORDER BY step, split, key",
          runs, metrics);

  QueryResult r;
  r.columns = {"", "differs"};
  for (int64_t run : runs) r.columns.push_back("run " + std::to_string(run));
  auto emit = [&](const Section& sec, bool only_differing) {
    for (const auto& key : sec.order) {
      const auto& by_run = sec.values.at(key);
      std::vector<json> vals;
      for (int64_t run : runs) {
        auto it = by_run.find(run);
        vals.push_back(it == by_run.end() ? json() : it->second);
      }
      bool differs = false;
      for (const auto& v : vals) differs = differs || v != vals.front();
      if (only_differing && !differs) continue;
      std::vector<json> row = {key, differs ? "*" : ""};
      row.insert(row.end(), vals.begin(), vals.end());
      r.rows.push_back(std::move(row));
    }
  };
  emit(run_rows, false);
  emit(params, !all_params);
  emit(metrics, false);
  return r;
}

QueryResult metrics_difference(Db& db, int64_t a, int64_t b) {
  const char* sql =
      "WITH f AS (SELECT run_id, step || '.' || coalesce(split || '.', '') || key AS metric, value FROM (SELECT run_id, step, split,"
      " key, value, row_number() OVER (PARTITION BY run_id, step, split, key ORDER BY iteration IS NULL DESC, iteration DESC,"
      " rowid DESC) AS n FROM metrics WHERE run_id IN (?1, ?2))"
      " WHERE n = 1), m AS (SELECT DISTINCT metric FROM f)"
      " SELECT m.metric, fa.value AS a, fb.value AS b, fb.value - fa.value AS change FROM m"
      " LEFT JOIN f fa ON fa.metric = m.metric AND fa.run_id = ?1 LEFT JOIN f fb ON fb.metric = m.metric AND fb.run_id = ?2"
      " ORDER BY m.metric";
  Stmt s = db.prepare(sql);
  s.bind(1, a).bind(2, b);
  QueryResult r;
  r.columns = {"metric", "a", "b", "change"};
  while (s.step()) {
    if (is_timing_metric(s.text(0))) continue;
    std::vector<nlohmann::json> row = {s.text(0)};
    for (int i = 1; i < 4; ++i) row.push_back(s.is_null(i) ? nlohmann::json() : nlohmann::json(s.real(i)));
    r.rows.push_back(row);
  }
  return r;
}

}  // namespace mlpipe
