#include "core/runner/recorded_runs.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <map>

#include "core/metrics/metric_point.h"
#include "core/platform/environment.h"
#include "core/runner/plan.h"
#include "core/store/recorded_queries.h"
#include "core/store/run_store.h"
#include "core/store/run_views.h"
#include "core/util/clock.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

// Points `opt` at the recorded run's config, pipeline folder and store.
RecordedRun prepare(const StoreLayout& layout, const std::string& ref, RunOptions& opt) {
  require_store(layout, opt.log);
  RecordedRun r;
  {
    RunStore store(layout.db());  // writable: marks dead runs interrupted first
    store.mark_interrupted();
    r = load_recorded_run(store.db(), resolve_run_id(store.db(), ref));
    // Same thread count as the original unless told otherwise: it can change a model.
    if (opt.nthread == 0) opt.nthread = recorded_threads(store.db(), r.id).value_or(0);
  }
  opt.config_text = r.config_yaml;
  opt.pipeline_file = r.pipeline_file;
  opt.base_dir = fs::path(r.pipeline_file).parent_path();
  opt.overrides = r.overrides;
  opt.store = layout;
  return r;
}

std::map<std::string, std::string> environment_of(Db& db, int64_t run) {
  std::map<std::string, std::string> out;
  Stmt s = db.prepare("SELECT key, value FROM environment WHERE run_id = ?");
  s.bind(1, run);
  while (s.step()) out[s.text(0)] = s.is_null(1) ? "" : s.text(1);
  return out;
}

}  // namespace

RunOutcome resume_run(const StoreLayout& store, const std::string& ref, RunOptions opt) {
  RecordedRun r = prepare(store, ref, opt);
  opt.resume_run = r.id;
  return run_plan(make_plan(opt), opt);
}

ReproduceReport reproduce_run(const StoreLayout& store, const std::string& ref, RunOptions opt) {
  RecordedRun r = prepare(store, ref, opt);
  if (r.status == "running") throw ConfigError("run " + std::to_string(r.id) + " is still running");
  ReproduceReport rep;
  rep.original = r.id;
  std::string stamp = now_iso();
  for (char& c : stamp)
    if (c == ':' || c == '.') c = '-';
  fs::path fresh = store.root() / "reproduce" / ("run-" + std::to_string(r.id) + "-" + stamp);
  opt.export_root = fresh / "exports";
  opt.no_cache = true;
  opt.reproduces_run = r.id;
  Db db = Db::open(store.db(), false);

  // Inputs first: if the data changed since, the rerun cannot match and this says why.
  {
    for (const RecordedInput& in : recorded_inputs(db, r.id)) {
      ++rep.inputs_checked;
      std::string now = fs::is_regular_file(in.path) ? hash_file(in.path) : "(missing)";
      if (now != in.content_hash)
        rep.differences.push_back({{"what", "input"}, {"key", in.step + ": " + in.path},
                                   {"original", in.content_hash}, {"rerun", now}});
    }
  }
  rep.rerun = run_plan(make_plan(opt), opt);

  auto a = artifact_hashes(db, r.id), b = artifact_hashes(db, rep.rerun.run_id);
  for (const auto& [key, va] : a) {
    // The bundle manifest names its run and time by design; its files are compared one by one.
    if (ends_with(key, "/manifest.json")) continue;
    ++rep.artifacts_compared;
    auto it = b.find(key);
    std::string vb = it == b.end() ? "(not produced)" : it->second.first;
    if (va.first != vb)
      rep.differences.push_back({{"what", "artifact"}, {"key", key}, {"original", va.first}, {"rerun", vb}});
  }
  auto ma = metric_values(db, r.id), mb = metric_values(db, rep.rerun.run_id);
  for (const auto& [key, va] : ma) {
    if (is_timing_metric(key)) {
      ++rep.timings_skipped;
      continue;
    }
    ++rep.metrics_compared;
    auto it = mb.find(key);
    if (it == mb.end())
      rep.differences.push_back({{"what", "metric"}, {"key", key}, {"original", va}, {"rerun", nullptr}});
    else if (!(it->second == va || (std::isnan(va) && std::isnan(it->second))))
      rep.differences.push_back({{"what", "metric"}, {"key", key}, {"original", va}, {"rerun", it->second}});
  }
  for (const auto& [key, vb] : mb)
    if (!ma.count(key) && !is_timing_metric(key))
      rep.differences.push_back({{"what", "metric"}, {"key", key}, {"original", nullptr}, {"rerun", vb}});
  auto ea = environment_of(db, r.id), eb = environment_of(db, rep.rerun.run_id);
  std::map<std::string, std::pair<json, json>> env;
  for (const auto& [k, v] : ea) env[k].first = v;
  for (const auto& [k, v] : eb) env[k].second = v;
  for (const auto& [k, v] : env)
    if (v.first != v.second) rep.environment_changes.push_back({{"key", k}, {"original", v.first}, {"rerun", v.second}});
  return rep;
}

std::string ReproduceReport::text() const {
  std::string out = "reproduce run " + std::to_string(original) + " as run " + std::to_string(rerun.run_id) +
                    " in " + rerun.store.string() + " (no cache)\n";
  out += "  inputs     " + std::to_string(inputs_checked) + " checked\n";
  out += "  artifacts  " + std::to_string(artifacts_compared) +
         " compared by content hash (bundle manifest.json skipped: it names the run and time)\n";
  out += "  metrics    " + std::to_string(metrics_compared) + " compared exactly" +
         (timings_skipped ? " (" + std::to_string(timings_skipped) + " timings such as samples/s not compared)" : "") + "\n";
  size_t shown = 0;
  for (const auto& d : differences) {
    if (shown++ == 20) {
      out += "  ... and " + std::to_string(differences.size() - 20) + " more differences\n";
      break;
    }
    auto val = [](const json& v) { return v.is_number() ? format_double(v.get<double>()) : v.is_null() ? "(none)" : v.get<std::string>(); };
    out += "  differs: " + d["what"].get<std::string>() + " " + d["key"].get<std::string>() + ": " +
           val(d["original"]) + " -> " + val(d["rerun"]) + "\n";
  }
  if (!environment_changes.empty()) {
    out += "  environment, not compared (" + std::string(identical() ? "" : "a difference may come from here; ") +
           "the original's -> the rerun's):\n";
    for (const auto& e : environment_changes)
      out += "    " + e["key"].get<std::string>() + ": " + (e["original"].is_null() ? "(none)" : e["original"].get<std::string>()) +
             " -> " + (e["rerun"].is_null() ? "(none)" : e["rerun"].get<std::string>()) + "\n";
  }
  if (rerun.exit_code != 0) out += "  the rerun did not succeed: " + rerun.error + "\n";
  out += identical() ? "verdict: reproduced bit-identically\n"
                     : "verdict: NOT reproduced (" + std::to_string(differences.size()) + " differences)\n";
  return out;
}

int64_t run_at_revision(Db& db, const std::string& rev, int64_t like_run) {
  Stmt r = db.prepare("SELECT pipeline, pipeline_file FROM runs WHERE run_id = ?");
  r.bind(1, like_run);
  if (!r.step()) throw ConfigError("no run " + std::to_string(like_run));
  std::string pipeline = r.text(0);
  std::filesystem::path folder = std::filesystem::path(r.text(1)).parent_path();
  if (rev.empty() || rev[0] == '-') throw ConfigError("--rev '" + rev + "': expected a git revision such as main or HEAD~1");
  std::optional<std::string> out = capture_output({"git", "-C", folder.string(), "rev-parse", "--verify", "--quiet", rev + "^{commit}"});
  std::string commit = out ? *out : "";
  while (!commit.empty() && std::isspace(static_cast<unsigned char>(commit.back()))) commit.pop_back();  // git's newline
  if (commit.empty())
    throw ConfigError("--rev " + rev + ": git does not know this revision in " + folder.string() + " (or the folder is not a git work tree)");
  Stmt s = db.prepare("SELECT max(run_id) FROM runs WHERE pipeline = ? AND git_commit = ? AND run_id != ?");
  s.bind(1, pipeline).bind(2, commit).bind(3, like_run);
  if (!s.step() || s.is_null(0))
    throw ConfigError("no run of " + pipeline + " was made at " + rev + " (commit " + commit.substr(0, 10) + "); run it there first");
  return s.int64(0);
}

}  // namespace mlpipe
