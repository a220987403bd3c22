#include "core/serve/sample_export.h"

#include <set>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/data/csv_writer.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {

namespace {
std::string cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  return v.dump();  // numbers: shortest text that reads back the same double
}

std::string format_number(double v) { return json(v).dump(); }
}  // namespace

SampleCsv samples_csv(Db& db, const SampleQuery& q) {
  std::string sql = "SELECT sample_id, row_json, at, version, score FROM serve_samples WHERE model = ?";
  if (q.version) sql += " AND version = ?";
  if (!q.since.empty()) sql += " AND at >= ?";
  if (!q.until.empty()) sql += " AND at < ?";
  sql += " ORDER BY sample_id";
  if (q.limit) sql = "SELECT * FROM (" + sql + " DESC LIMIT ?) latest ORDER BY sample_id";
  {  // a store no server has sampled into since it was made by an older mlpipe has no table
    Stmt t = db.prepare(db.kind() == DbKind::postgres ? "SELECT to_regclass('serve_samples') IS NOT NULL"
                                                      : "SELECT count(*) FROM sqlite_master WHERE name = 'serve_samples'");
    if (!t.step() || !t.int64(0)) throw ConfigError("no serve samples are recorded in this store (mlpipe serve NAME@ALIAS --sample 0.01)");
  }
  Stmt s = db.prepare(sql);
  int i = 1;
  s.bind(i++, q.model);
  if (q.version) s.bind(i++, *q.version);
  if (!q.since.empty()) s.bind(i++, q.since);
  if (!q.until.empty()) s.bind(i++, q.until);
  if (q.limit) s.bind(i++, *q.limit);
  std::vector<json> rows;
  std::vector<std::vector<std::string>> extra;
  std::set<std::string> sent;
  while (s.step()) {
    json r = json::parse(s.text(1), nullptr, false);
    if (!r.is_object()) continue;
    for (const auto& [k, v] : r.items()) sent.insert(k);
    rows.push_back(std::move(r));
    if (q.with_results)
      extra.push_back({s.text(2), std::to_string(s.int64(3)), s.is_null(4) ? "" : format_number(s.real(4))});
  }
  if (rows.empty()) {
    std::vector<std::string> models;
    Stmt m = db.prepare("SELECT DISTINCT model FROM serve_samples ORDER BY model");
    while (m.step()) models.push_back(m.text(0));
    throw ConfigError("no serve samples of '" + q.model + "'" + (q.version ? " v" + std::to_string(*q.version) : "") +
                      (q.since.empty() && q.until.empty() ? "" : " in that time") +
                      (models.empty() ? std::string("; none are recorded (mlpipe serve NAME@ALIAS --sample 0.01)")
                                      : "; the store has samples of: " + join(models, ", ") + did_you_mean(q.model, models)));
  }
  std::vector<std::string> keys;
  for (const auto& c : q.column_order)
    if (sent.erase(c)) keys.push_back(c);
  keys.insert(keys.end(), sent.begin(), sent.end());
  std::vector<std::string> header = keys;
  if (q.with_results) header.insert(header.end(), {"sample_at", "sample_version", "sample_score"});
  CsvWriter w(header);
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string> fields;
    fields.reserve(header.size());
    for (const auto& k : keys) fields.push_back(rows[r].contains(k) ? cell(rows[r][k]) : "");
    if (q.with_results) fields.insert(fields.end(), extra[r].begin(), extra[r].end());
    w.row(fields);
  }
  return {w.text(), rows.size()};
}

}  // namespace mlpipe
