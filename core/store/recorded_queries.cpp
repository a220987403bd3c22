#include "core/store/recorded_queries.h"

namespace mlpipe {

std::optional<unsigned> recorded_threads(Db& db, int64_t run) {
  Stmt s = db.prepare("SELECT value FROM environment WHERE run_id = ? AND key = 'threads'");
  s.bind(1, run);
  if (s.step()) return unsigned(std::stoul(s.text(0)));
  return std::nullopt;
}

std::map<std::string, std::pair<std::string, std::string>> artifact_hashes(Db& db, int64_t run) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  Stmt s = db.prepare("SELECT step || '/' || name, content_hash, path FROM artifacts WHERE run_id = ?");
  s.bind(1, run);
  while (s.step()) out[s.text(0)] = {s.text(1), s.text(2)};
  return out;
}

std::map<std::string, double> metric_values(Db& db, int64_t run) {
  std::map<std::string, double> out;
  Stmt s = db.prepare("SELECT step || '.' || coalesce(split, '') || '.' || key || '@' ||"
                      " coalesce(CAST(iteration AS TEXT), 'final'), value FROM metrics WHERE run_id = ?");
  s.bind(1, run);
  while (s.step()) out[s.text(0)] = s.real(1);
  return out;
}

std::vector<RecordedInput> recorded_inputs(Db& db, int64_t run) {
  std::vector<RecordedInput> out;
  Stmt s = db.prepare("SELECT step, path, content_hash FROM inputs WHERE run_id = ?");
  s.bind(1, run);
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
  return out;
}

std::optional<double> latest_metric(Db& db, int64_t run, const std::string& step, const std::string& key,
                                    const std::string& split) {
  Stmt s = db.prepare("SELECT value FROM latest_metrics WHERE run_id = ? AND step = ? AND key = ? AND split IS ?");
  s.bind(1, run).bind(2, step).bind(3, key);
  if (split.empty()) s.bind_null(4);
  else s.bind(4, split);
  if (s.step() && !s.is_null(0)) return s.real(0);
  return std::nullopt;
}

std::vector<int64_t> child_runs(Db& db, int64_t parent) {
  std::vector<int64_t> out;
  Stmt s = db.prepare("SELECT run_id FROM runs WHERE parent_run = ? ORDER BY run_id");
  s.bind(1, parent);
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

std::optional<std::string> run_status(Db& db, int64_t run) {
  Stmt s = db.prepare("SELECT status FROM runs WHERE run_id = ?");
  s.bind(1, run);
  if (s.step()) return s.text(0);
  return std::nullopt;
}

std::map<std::string, std::string> step_statuses(Db& db, int64_t run) {
  std::map<std::string, std::string> out;
  Stmt s = db.prepare("SELECT step, status FROM steps WHERE run_id = ?");
  s.bind(1, run);
  while (s.step()) out[s.text(0)] = s.text(1);
  return out;
}

std::optional<std::pair<std::string, std::string>> exported_manifest(Db& db, int64_t run) {
  Stmt s = db.prepare("SELECT path, content_hash FROM artifacts WHERE run_id = ? AND name = 'manifest.json'");
  s.bind(1, run);
  if (s.step()) return std::make_pair(s.text(0), s.text(1));
  return std::nullopt;
}

}  // namespace mlpipe
