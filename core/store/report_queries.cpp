#include "core/store/report_queries.h"

#include <set>

#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/store/store_layout.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
QueryResult query_for_run(Db& db, const std::string& sql, int64_t run) {
  Stmt s = db.prepare(sql);
  s.bind(1, run);
  QueryResult r;
  for (int i = 0; i < s.columns(); ++i) r.columns.push_back(s.column_name(i));
  while (s.step()) {
    std::vector<json> row;
    for (int i = 0; i < s.columns(); ++i)
      row.push_back(s.is_null(i) ? json() : s.type(i) == 1 ? json(s.int64(i)) : s.type(i) == 2 ? json(s.real(i)) : json(s.text(i)));
    r.rows.push_back(row);
  }
  return r;
}

namespace {
QueryResult query(Db& db, const std::string& sql, int64_t run) { return query_for_run(db, sql, run); }
}  // namespace

QueryResult run_overview(Db& db, int64_t run) {
  return query(db,
               "SELECT pipeline, status, started_at, round(duration_s, 2), exit_code,"
               " coalesce(substr(git_commit, 1, 10) || CASE WHEN git_dirty = 1 THEN '+dirty' ELSE '' END, ''),"
               " config_hash, seed, user, host, mlpipe_version, coalesce(error, '') FROM runs WHERE run_id = ?",
               run);
}

QueryResult run_steps_table(Db& db, int64_t run) {
  return query(db,
               "SELECT step, type, status, round(duration_s, 3) AS seconds, coalesce(CAST(reused_from_run AS TEXT), '')"
               " AS reused_from_run, coalesce(error, '') AS error FROM steps WHERE run_id = ?"
               " ORDER BY coalesce(started_at, '9'), rowid",
               run);
}

QueryResult run_config(Db& db, int64_t run) {
  return query(db, "SELECT config_yaml, overrides FROM runs WHERE run_id = ?", run);
}

QueryResult run_environment(Db& db, int64_t run) {
  return query(db, "SELECT key, value FROM environment WHERE run_id = ? ORDER BY key", run);
}

std::string run_pipeline_name(Db& db, int64_t run) {
  Stmt s = db.prepare("SELECT pipeline FROM runs WHERE run_id = ?");
  s.bind(1, run);
  return s.step() ? s.text(0) : "";
}

std::vector<MetricCurve> metric_curves(Db& db, int64_t run) {
  Stmt s = db.prepare("SELECT step, key, coalesce(split, ''), iteration, value FROM metric_history WHERE run_id = ?"
                      " ORDER BY step, key, split, iteration");
  s.bind(1, run);
  std::vector<MetricCurve> out;
  while (s.step()) {
    if (out.empty() || out.back().step != s.text(0) || out.back().key != s.text(1) || out.back().split != s.text(2))
      out.push_back({s.text(0), s.text(1), s.text(2), {}, {}});
    out.back().iteration.push_back(double(s.int64(3)));
    out.back().value.push_back(s.real(4));
  }
  return out;
}

std::vector<PredictionsFile> evaluation_predictions(Db& db, int64_t run) {
  StoreLayout store = StoreLayout::of(db.path());
  Stmt s = db.prepare("SELECT a.step, a.path, a.content_hash, (SELECT split FROM metrics m WHERE m.run_id = a.run_id"
                      " AND m.step = a.step AND m.key = 'rows' LIMIT 1) FROM artifacts a JOIN steps st"
                      " ON st.run_id = a.run_id AND st.step = a.step"
                      " WHERE a.run_id = ? AND a.name = 'predictions.csv' AND st.type = 'evaluate' ORDER BY a.step");
  s.bind(1, run);
  std::vector<PredictionsFile> out;
  while (s.step()) out.push_back({s.text(0), s.is_null(3) ? "" : s.text(3), store.resolve(s.text(1)), s.text(2)});
  return out;
}

namespace {
// Final values of the keys PREFIX.<name>, per step, largest first.
std::vector<Importance> importances(Db& db, int64_t run, const std::string& prefix) {
  Stmt s = db.prepare("SELECT step, substr(key, length(?2) + 1), value FROM latest_metrics WHERE run_id = ?1"
                      " AND substr(key, 1, length(?2)) = ?2 ORDER BY step, value DESC");
  s.bind(1, run).bind(2, prefix);
  std::vector<Importance> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.real(2)});
  return out;
}
}  // namespace

std::vector<Importance> gain_importances(Db& db, int64_t run) { return importances(db, run, "importance.gain."); }

std::vector<Importance> contribution_importances(Db& db, int64_t run) { return importances(db, run, "importance.contribution."); }

std::vector<SegmentMetric> segment_metrics(Db& db, int64_t run) {
  // From the table itself, in recording order (the groups' display order); these are final values.
  Stmt s = db.prepare("SELECT m.step, coalesce(m.split, ''), m.key, m.value FROM metrics m JOIN steps st"
                      " ON st.run_id = m.run_id AND st.step = m.step WHERE m.run_id = ? AND st.type = 'evaluate'"
                      " AND m.iteration IS NULL"
                      " AND (m.key GLOB '*.*=*' OR m.key GLOB 'adverse_impact_ratio.*' OR m.key GLOB 'tpr_difference.*'"
                      " OR m.key GLOB 'fpr_difference.*' OR m.key GLOB 'ece_difference.*') ORDER BY m.step, m.rowid");
  s.bind(1, run);
  std::vector<SegmentMetric> out;
  std::map<std::string, size_t> seen;  // step|split|key -> position: a later value replaces an earlier one
  while (s.step()) {
    std::string key = s.text(2);
    std::string id = s.text(0) + "|" + s.text(1) + "|" + key;
    size_t dot = key.find('.');
    std::string rest = key.substr(dot + 1);
    size_t eq = rest.find('=');
    SegmentMetric m{s.text(0), s.text(1), key.substr(0, dot), rest, "", s.real(3)};
    if (eq != std::string::npos && key.find("_difference.") == std::string::npos && key.rfind("adverse_impact_ratio.", 0) != 0) {
      m.column = rest.substr(0, eq);
      m.group = rest.substr(eq + 1);
    }
    auto it = seen.find(id);
    if (it != seen.end()) {
      out[it->second] = m;
      continue;
    }
    seen[id] = out.size();
    out.push_back(m);
  }
  return out;
}

std::vector<std::string> steps_of_type(Db& db, int64_t run, const std::string& type) {
  Stmt s = db.prepare("SELECT step FROM steps WHERE run_id = ? AND type = ? ORDER BY step");
  s.bind(1, run).bind(2, type);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<DriftRow> drift_rows(Db& db, int64_t run, const std::string& step) {
  Stmt s = db.prepare("SELECT substr(p.key, 5) AS feature, p.value AS psi,"
                      " (SELECT k.value FROM latest_metrics k WHERE k.run_id = p.run_id AND k.step = p.step"
                      "  AND k.key = 'ks.' || substr(p.key, 5)) AS ks"
                      " FROM latest_metrics p WHERE p.run_id = ? AND p.step = ? AND p.key LIKE 'psi.%'"
                      " ORDER BY p.value DESC");
  s.bind(1, run).bind(2, step);
  std::vector<DriftRow> out;
  while (s.step()) out.push_back({s.text(0), s.real(1), s.is_null(2) ? std::nullopt : std::optional<double>(s.real(2))});
  return out;
}

std::optional<double> latest_value(Db& db, int64_t run, const std::string& step, const std::string& key) {
  Stmt s = db.prepare("SELECT value FROM latest_metrics WHERE run_id = ? AND step = ? AND key = ?");
  s.bind(1, run).bind(2, step).bind(3, key);
  if (s.step() && !s.is_null(0)) return s.real(0);
  return std::nullopt;
}

std::optional<std::string> backtest_table(Db& db, int64_t run) {
  Stmt s = db.prepare("SELECT value FROM params WHERE run_id = ? AND step = '' AND key = 'backtest.table'");
  s.bind(1, run);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::vector<std::string> backtest_metric_keys(const nlohmann::json& folds) {
  std::set<std::string> keys;
  for (const auto& f : folds)
    for (const auto& [k, v] : f["metrics"].items()) keys.insert(k);
  return {keys.begin(), keys.end()};
}

}  // namespace mlpipe
