#include "core/store/run_diff.h"

#include <cmath>
#include <map>

#include "core/metrics/metric_point.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

using Values = std::map<std::string, json>;

// `json_text`: the values are JSON text (params): compared and reported as the values they hold.
Values collect(Db& db, const std::string& sql, int64_t run, bool json_text = false) {
  Values v;
  Stmt s = db.prepare(sql);
  s.bind(1, run);
  while (s.step()) {
    json value;
    if (s.type(1) == 2) value = s.real(1);
    else if (s.type(1) == 1) value = s.int64(1);
    else if (!s.is_null(1)) value = s.text(1);
    if (json_text && value.is_string()) {
      json parsed = json::parse(value.get<std::string>(), nullptr, false);
      if (!parsed.is_discarded()) value = parsed;
    }
    v[s.text(0)] = value;
  }
  return v;
}

json diff(const Values& a, const Values& b) {
  json out = json::array();
  for (const auto& [k, va] : a) {
    auto it = b.find(k);
    json vb = it == b.end() ? json() : it->second;
    if (va != vb) out.push_back({{"key", k}, {"a", va}, {"b", vb}});
  }
  for (const auto& [k, vb] : b)
    if (!a.count(k)) out.push_back({{"key", k}, {"a", nullptr}, {"b", vb}});
  return out;
}

std::string text(const json& v) {
  if (v.is_null()) return "(none)";
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    return s.size() > 34 ? s.substr(0, 31) + "..." : s;
  }
  if (v.is_number_float()) return format_double(v.get<double>());
  return v.dump();
}

}  // namespace

json diff_runs(Db& db, int64_t a, int64_t b) {
  const char* params = "SELECT CASE step WHEN '' THEN key ELSE step || '.' || key END, value FROM params WHERE run_id = ?";
  const char* inputs = "SELECT step || ': ' || path, content_hash FROM inputs WHERE run_id = ?";
  const char* env = "SELECT key, value FROM environment WHERE run_id = ?";
  // Final values: those without an iteration, and the last point of each curve.
  const char* metrics =
      "SELECT step || '.' || coalesce(split || '.', '') || key || CASE WHEN iteration IS NULL THEN ''"
      " ELSE ' (last iteration)' END, value FROM metrics m WHERE run_id = ?1 AND (iteration IS NULL OR"
      " iteration = (SELECT max(iteration) FROM metrics m2 WHERE m2.run_id = m.run_id AND m2.step = m.step"
      " AND m2.key = m.key AND coalesce(m2.split, '') = coalesce(m.split, '')))";
  const char* artifacts = "SELECT step || '/' || name, content_hash FROM artifacts WHERE run_id = ?";
  return {{"config", diff(collect(db, params, a, true), collect(db, params, b, true))},
          {"inputs", diff(collect(db, inputs, a), collect(db, inputs, b))},
          {"environment", diff(collect(db, env, a), collect(db, env, b))},
          {"metrics", diff(collect(db, metrics, a), collect(db, metrics, b))},
          {"artifacts", diff(collect(db, artifacts, a), collect(db, artifacts, b))}};
}

DiffVerdict diff_verdict(const json& d, double tolerance) {
  DiffVerdict v;
  for (const char* section : {"config", "inputs", "artifacts"})
    for (const auto& r : d[section]) v.differences.push_back(std::string(section) + ": " + r["key"].get<std::string>());
  for (const auto& r : d["metrics"]) {
    std::string key = r["key"];
    if (is_timing_metric(key)) continue;
    if (r["a"].is_number() && r["b"].is_number() && std::fabs(r["a"].get<double>() - r["b"].get<double>()) <= tolerance) continue;
    v.differences.push_back("metrics: " + key);
  }
  return v;
}

std::string format_run_diff(const json& d, int64_t a, int64_t b) {
  std::string out = "runs " + std::to_string(a) + " and " + std::to_string(b) + "\n";
  for (const char* section : {"config", "inputs", "environment", "metrics", "artifacts"}) {
    const json& rows = d[section];
    out += "\n" + std::string(section) + (rows.empty() ? ": same\n" : ":\n");
    for (const auto& r : rows) {
      std::string key = r["key"];
      std::string line = "  " + key + std::string(key.size() < 36 ? 36 - key.size() : 1, ' ') +
                         text(r["a"]) + "  ->  " + text(r["b"]);
      if (r["a"].is_number() && r["b"].is_number())
        line += "   (" + std::string(r["b"].get<double>() >= r["a"].get<double>() ? "+" : "") +
                format_double(r["b"].get<double>() - r["a"].get<double>()) + ")";
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace mlpipe
