#include "core/store/run_views.h"

#include <algorithm>
#include <cmath>

#include <map>

#include "core/store/report_queries.h"
#include "core/store/run_store.h"
#include "core/util/mean_sd.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

json rows_as_json(Stmt& s) {
  json arr = json::array();
  while (s.step()) {
    json o = json::object();
    for (int i = 0; i < s.columns(); ++i) {
      switch (s.type(i)) {
        case 5: o[s.column_name(i)] = nullptr; break;  // SQLITE_NULL
        case 1: o[s.column_name(i)] = s.int64(i); break;
        case 2: o[s.column_name(i)] = s.real(i); break;
        default: o[s.column_name(i)] = s.text(i); break;
      }
    }
    arr.push_back(o);
  }
  return arr;
}

std::string str(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return format_fixed(v.get<double>(), 2);
  return v.dump();
}

}  // namespace

RecordedRun load_recorded_run(Db& db, int64_t run) {
  Stmt s = db.prepare("SELECT pipeline, pipeline_file, config_yaml, config_hash, status, workdir, overrides"
                      " FROM runs WHERE run_id = ?");
  s.bind(1, run);
  if (!s.step()) throw ConfigError("no run " + std::to_string(run) + " in " + db.path().string());
  RecordedRun r;
  r.id = run;
  r.pipeline = s.text(0);
  r.pipeline_file = s.text(1);
  r.config_yaml = s.text(2);
  r.config_hash = s.text(3);
  r.status = s.text(4);
  r.workdir = s.text(5);
  r.overrides = json::parse(s.text(6)).get<std::vector<std::string>>();
  return r;
}

Db open_store_readonly(const DbLocation& path) {
  if (path.is_postgres() || std::filesystem::is_regular_file(path.file())) {
    try {
      RunStore(path).mark_interrupted();
    } catch (const std::exception&) {  // read-only media or a newer schema: just read
    }
  }
  Db db = Db::open(path, /*read_only=*/true);
  db.set_query_only();
  return db;
}

int64_t resolve_run_id(Db& db, const std::string& ref) {
  if (ref == "latest" || ref == "last") {
    Stmt s = db.prepare("SELECT max(run_id) FROM runs");
    if (s.step() && !s.is_null(0)) return s.int64(0);
    throw ConfigError("the run store has no runs yet");
  }
  // A run's global id (run_uid), whole or a unique prefix of at least 8 characters.
  if (ref.size() >= 8 && ref.find_first_not_of("0123456789abcdef-") == std::string::npos &&
      ref.find_first_not_of("0123456789") != std::string::npos) {
    Stmt s = db.prepare("SELECT run_id FROM runs WHERE run_uid >= ?1 AND run_uid < ?1 || 'g' ORDER BY run_uid LIMIT 2");
    s.bind(1, ref);
    if (!s.step()) throw ConfigError("no run with id " + ref + " in " + db.path().string());
    int64_t found = s.int64(0);
    if (s.step()) throw ConfigError("run id prefix " + ref + " matches several runs; give more of it");
    return found;
  }
  int64_t id = 0;
  try {
    size_t used = 0;
    id = std::stoll(ref, &used);
    if (used != ref.size()) throw std::invalid_argument(ref);
  } catch (const std::exception&) {
    // A run's name (run --name): the newest run of that name.
    Stmt named = db.prepare("SELECT max(run_id) FROM runs WHERE name = ?");
    named.bind(1, ref);
    if (named.step() && !named.is_null(0)) return named.int64(0);
    throw ConfigError("'" + ref + "' is not a run id (a number, a run's global id, a run's name, or 'latest')");
  }
  Stmt s = db.prepare("SELECT 1 FROM runs WHERE run_id = ?");
  s.bind(1, id);
  if (!s.step()) throw ConfigError("no run " + ref + " in " + db.path().string());
  return id;
}

json run_details(Db& db, int64_t run) {
  json d;
  auto q = [&](const std::string& sql) {
    Stmt s = db.prepare(sql);
    s.bind(1, run);
    return rows_as_json(s);
  };
  json runs = q("SELECT run_id, pipeline, pipeline_file, status, started_at, ended_at, duration_s,"
                " exit_code, error, config_hash, overrides, seed, git_commit, git_dirty, host, user,"
                " mlpipe_version, pid, workdir, run_uid, name FROM runs WHERE run_id = ?");
  d["run"] = runs.at(0);
  d["tags"] = q("SELECT key, value, at, by FROM run_tags WHERE run_id = ? ORDER BY key");
  d["notes"] = q("SELECT at, by, note FROM run_notes WHERE run_id = ? ORDER BY note_id");
  d["steps"] = q("SELECT step, type, status, started_at, duration_s, fingerprint, reused_from_run, error"
                 " FROM steps WHERE run_id = ? ORDER BY coalesce(started_at, '9'), rowid");
  d["params"] = q("SELECT step, key, value FROM params WHERE run_id = ? ORDER BY step, key");
  // Final metrics: each series' final value (iteration NULL: an early-stopped model's best round),
  // else the last iteration of its curve, as latest_metrics gives them.
  d["metrics"] = q(
      "SELECT step, split, key, value, iteration FROM latest_metrics WHERE run_id = ?1"
      " ORDER BY step, iteration IS NOT NULL, split, key");
  d["curves"] = q("SELECT step, split, key, count(*) AS points, min(iteration) AS first,"
                  " max(iteration) AS last FROM metrics WHERE run_id = ? AND iteration IS NOT NULL"
                  " GROUP BY step, split, key ORDER BY step, split, key");
  d["inputs"] = q("SELECT step, path, content_hash, bytes, rows, cols FROM inputs WHERE run_id = ?");
  d["artifacts"] = q("SELECT step, name, path, content_hash, bytes FROM artifacts WHERE run_id = ?"
                     " ORDER BY rowid");
  d["environment"] = q("SELECT key, value FROM environment WHERE run_id = ? ORDER BY key");
  return d;
}

namespace {
// The per-fold table of a backtest's parent run: one line per fold, then mean and sd.
std::string format_backtest(const json& folds) {
  std::vector<std::string> keys = backtest_metric_keys(folds);
  auto pad = [](std::string t, size_t w) { return t.size() >= w ? t + " " : t + std::string(w - t.size(), ' '); };
  auto day = [](const json& t) {
    std::string s = t.get<std::string>();
    return s.size() > 10 && s.substr(10) == " 00:00:00" ? s.substr(0, 10) : s;
  };
  std::string out = "\nbacktest (" + std::to_string(folds.size()) + " folds, each a child run)\n  " + pad("fold", 6) +
                    pad("run", 6) + pad("train", 26) + pad("test", 26);
  std::vector<size_t> width;
  for (const auto& k : keys) {
    std::string shortk = k.substr(k.find('.', k.find('.') + 1) + 1);
    width.push_back(std::max<size_t>(shortk.size() + 2, 9));
    out += pad(shortk, width.back());
  }
  out += "status\n";
  std::vector<std::vector<double>> values(keys.size());
  for (const auto& f : folds) {
    out += "  " + pad(str(f["fold"]), 6) + pad(str(f["run"]), 6) + pad(day(f["train"]["from"]) + " .. " + day(f["train"]["until"]), 26) +
           pad(day(f["test"]["from"]) + " .. " + day(f["test"]["until"]), 26);
    for (size_t i = 0; i < keys.size(); ++i) {
      bool has = f["metrics"].contains(keys[i]);
      if (has) values[i].push_back(f["metrics"][keys[i]].get<double>());
      out += pad(has ? format_fixed(f["metrics"][keys[i]].get<double>(), 4) : "-", width[i]);
    }
    out += str(f["status"]) + "\n";
  }
  for (const char* what : {"mean", "sd"}) {
    out += "  " + pad(what, 64);
    for (size_t i = 0; i < keys.size(); ++i) {
      MeanSd m = mean_sd(values[i]);
      out += pad(values[i].empty() ? "-" : format_fixed(std::string(what) == "mean" ? m.mean : m.sd, 4), width[i]);
    }
    out += "\n";
  }
  return out;
}
}  // namespace

std::string format_run_details(const json& d) {
  const json& r = d["run"];
  std::string out;
  out += "run " + str(r["run_id"]) + "  " + str(r["pipeline"]) + "  " + str(r["status"]) + "\n";
  if (!r["name"].is_null()) out += "  name       " + str(r["name"]) + "\n";
  out += "  id         " + str(r["run_uid"]) + "\n";
  if (!d["tags"].empty()) {
    std::string tags;
    for (const auto& t : d["tags"]) tags += (tags.empty() ? "" : "  ") + str(t["key"]) + "=" + str(t["value"]);
    out += "  tags       " + tags + "\n";
  }
  for (const auto& n : d["notes"]) out += "  note       " + str(n["at"]) + " " + str(n["by"]) + ": " + str(n["note"]) + "\n";
  out += "  file       " + str(r["pipeline_file"]) + "\n";
  out += "  started    " + str(r["started_at"]) + "  (" + str(r["duration_s"]) + " s)\n";
  out += "  config     " + str(r["config_hash"]) + "  overrides " + str(r["overrides"]) + "  seed " + str(r["seed"]) + "\n";
  std::string git = r["git_commit"].is_null() ? "not in a git repository"
                    : str(r["git_commit"]) + (r["git_dirty"] == 1 ? " (dirty)" : "");
  out += "  git        " + git + "\n";
  out += "  host       " + str(r["host"]) + "  user " + str(r["user"]) + "  mlpipe " + str(r["mlpipe_version"]) + "\n";
  if (!r["error"].is_null()) out += "  error      " + str(r["error"]) + "\n";
  out += "\nsteps\n";
  for (const auto& s : d["steps"]) {
    out += "  " + str(s["step"]) + std::string(std::max<int>(1, 14 - int(str(s["step"]).size())), ' ') +
           str(s["type"]) + std::string(std::max<int>(1, 10 - int(str(s["type"]).size())), ' ') +
           str(s["status"]) + std::string(std::max<int>(1, 12 - int(str(s["status"]).size())), ' ') +
           str(s["duration_s"]) + " s";
    if (!s["error"].is_null()) out += "  " + str(s["error"]);
    out += "\n";
  }
  for (const auto& prm : d["params"])
    if (str(prm["step"]).empty() && str(prm["key"]) == "backtest.table") out += format_backtest(json::parse(str(prm["value"])));
  out += "\nmetrics (final values)\n";
  for (const auto& m : d["metrics"]) {
    std::string name = str(m["step"]) + "." + (m["split"].is_null() ? "" : str(m["split"]) + ".") + str(m["key"]);
    out += "  " + name + std::string(std::max<int>(1, 34 - int(name.size())), ' ') +
           format_double(m["value"].is_null() ? 0.0 : m["value"].get<double>());
    if (!m["iteration"].is_null()) out += "   (iteration " + str(m["iteration"]) + ")";
    out += "\n";
  }
  out += "\ninputs\n";
  for (const auto& i : d["inputs"])
    out += "  " + str(i["step"]) + "  " + str(i["path"]) + "  " + str(i["rows"]) + " rows  " +
           str(i["bytes"]) + " bytes  xxh3:" + str(i["content_hash"]) + "\n";
  out += "\nartifacts\n";
  for (const auto& a : d["artifacts"])
    out += "  " + str(a["step"]) + "  " + str(a["name"]) + "  " + str(a["bytes"]) + " bytes  " + str(a["path"]) + "\n";
  return out;
}

}  // namespace mlpipe
