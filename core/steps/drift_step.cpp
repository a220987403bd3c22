// drift: compares new data with the training data of a registered model (its champion by
// default): PSI and KS per model input and on the model's score, thresholds from the YAML,
// exit 3 when one is crossed. The reference is the profile the export step put in the bundle.
#include <algorithm>
#include <filesystem>
#include <set>

#include "core/data/csv_writer.h"
#include "core/metrics/drift.h"
#include "core/predict/predict.h"
#include "core/store/model_registry.h"
#include "core/store/recorded_queries.h"
#include "core/store/store_layout.h"
#include "core/steps/steps.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& drift_schema() {
  static const Schema s = with_common_keys({
      {"reference", Kind::kString, false, {}, "NAME, NAME@ALIAS or NAME@VERSION in the registry, or run:ID (the bundle that run exported); default: the name an export step registers, @champion"},
      {"features", Kind::kStrings, false, {}, "model inputs to check (default: all)"},
      {"psi", Kind::kNumber, false, {}, "largest PSI allowed per feature (default 0.2)"},
      {"ks", Kind::kNumber, false, {}, "largest KS distance allowed per numeric feature (default: not checked)"},
      {"score_psi", Kind::kNumber, false, {}, "largest PSI allowed on the model's score (default: as psi)"},
      {"score_ks", Kind::kNumber, false, {}, "largest KS distance allowed on the score (default: not checked)"},
      {"on_drift", Kind::kString, false, {"fail", "warn"}, "fail (exit 3, default) or warn (record and go on)"},
  });
  return s;
}

struct Reference {
  std::string name, ref;
  int64_t run = 0;  // run:ID: the bundle that run exported
  std::string text() const { return run ? "run:" + std::to_string(run) : name + "@" + ref; }
};

// `reference:` split at '@' (alias champion by default), or the one registered name.
Reference reference_of(const StepSpec& spec, const Pipeline& p) {
  std::string text = get_string(spec.config, "reference", "");
  if (text.empty()) {
    std::set<std::string> names;
    for (const auto& s : p.steps)
      if (s.type == "export" && s.config.contains("register") && s.config["register"].is_string())
        names.insert(s.config["register"].get<std::string>());
    if (names.size() != 1) return {};
    text = *names.begin();
  }
  if (starts_with(text, "run:")) {
    Reference r;
    try {
      size_t used = 0;
      r.run = std::stoll(text.substr(4), &used);
      if (used != text.size() - 4 || r.run < 1) r.run = 0;
    } catch (const std::exception&) {
    }
    if (!r.run) r.name = "?";  // reported by check_drift
    return r;
  }
  auto at = text.find('@');
  if (at == std::string::npos) return {text, "champion"};
  return {text.substr(0, at), text.substr(at + 1)};
}

void check_drift(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, drift_schema());
  Reference r = reference_of(spec, p);
  if (r.name.empty() && !r.run)
    check.fail_key(spec.path, "which model's training data is the reference? Add `reference: NAME` (or NAME@ALIAS, "
                              "NAME@VERSION), or `register: NAME` to one export step");
  try {
    if (r.name == "?") throw ConfigError("reference: expected run:ID with a run number, e.g. run:12");
    if (!r.run) check_model_name(r.name, "reference");
    if (!r.run && r.ref.empty()) throw ConfigError("reference: nothing after '@' (an alias such as champion, or a version)");
  } catch (const ConfigError& e) {
    check.fail_value(child_path(spec.path, "reference"), e.what());
  }
  for (const char* key : {"psi", "ks", "score_psi", "score_ks"})
    if (spec.config.contains(key) && spec.config[key].is_number() && spec.config[key].get<double>() < 0)
      check.fail_value(child_path(spec.path, key), std::string(key) + " must be 0 or more");
  bool ingest = false;
  for (const StepSpec* s : upstream_steps(p, spec.name)) ingest = ingest || s->type == "ingest";
  if (!ingest) check.fail_key(child_path(spec.path, "needs"), "drift needs the ingest step that reads the new data");
}

std::optional<ModelVersion> find_reference(RunStore& store, const Reference& r) {
  if (r.run)  // the bundle as that run's export step recorded it; a later export may have replaced it
    return store.locked([&](Db& db) -> std::optional<ModelVersion> {
      std::optional<std::pair<std::string, std::string>> manifest = exported_manifest(db, r.run);
      if (!manifest) throw ConfigError("reference: run " + std::to_string(r.run) + " exported no model bundle");
      ModelVersion m;
      m.name = "run " + std::to_string(r.run);
      m.run_id = r.run;
      m.path = StoreLayout::of(db.path()).resolve(manifest->first).parent_path().string();
      m.manifest_hash = manifest->second;
      return m;
    });
  return store.locked([&](Db& db) -> std::optional<ModelVersion> {
    if (!has_model(db, r.name)) return std::nullopt;  // nothing registered yet: the first night has no reference
    return find_model(db, r.name, r.ref);
  });
}

json drift_state(const StepSpec& spec, const Pipeline& p, RunStore& store) {
  Reference r = reference_of(spec, p);
  std::optional<ModelVersion> m = find_reference(store, r);
  if (!m) return {{"reference", r.text()}, {"version", nullptr}};
  return {{"reference", r.text()}, {"version", m->version}, {"manifest", m->manifest_hash}};
}

Flow run_drift(StepContext& ctx) {
  Reference r = reference_of(ctx.spec, ctx.pipeline);
  std::optional<ModelVersion> m = ctx.store() ? find_reference(*ctx.store(), r) : std::nullopt;
  if (!m) {
    ctx.log("no " + r.text() + " in the registry yet: nothing to compare with");
    ctx.summary("no reference yet (" + r.text() + "): nothing to compare");
    return {};
  }
  std::string who = r.run ? m->name : r.name + " v" + std::to_string(m->version);
  fs::path dir = verified_bundle_path(*m);
  LoadedBundle b = load_bundle(dir);  // checks every file, reference.json included
  if (!b.manifest["files"].contains("reference.json"))
    throw StepError(who + " has no reference profile (exported by an older mlpipe); register a new version");
  json refp = json::parse(read_file(dir / "reference.json"));

  std::vector<fs::path> sources = upstream_ingest_source(ctx);
  PreparedData data = prepare_for_prediction(sources, b.preprocess);
  size_t rows = data.table.rows();

  std::vector<std::string> features;
  for (const auto& [name, _] : refp["features"].items()) features.push_back(name);
  if (ctx.cfg.contains("features")) {
    std::vector<std::string> wanted = as_strings(ctx.cfg["features"]);
    for (const auto& w : wanted)
      if (std::find(features.begin(), features.end(), w) == features.end())
        throw ConfigError(ctx.pipeline.file.string() + ": step '" + ctx.spec.name + "': features: '" + w +
                          "' is not an input of " + who + did_you_mean(w, features));
    features = wanted;
  }
  double max_psi = get_number(ctx.cfg, "psi", 0.2);
  std::optional<double> max_ks, max_score_ks;
  if (ctx.cfg.contains("ks")) max_ks = ctx.cfg["ks"].get<double>();
  if (ctx.cfg.contains("score_ks")) max_score_ks = ctx.cfg["score_ks"].get<double>();
  double max_score_psi = get_number(ctx.cfg, "score_psi", max_psi);

  std::vector<std::string> crossed;
  CsvWriter table({"feature", "kind", "psi", "ks", "drifted"});
  double worst_psi = 0;
  std::string worst;
  size_t drifted = 0;
  auto judge = [&](const std::string& name, const std::string& kind, const Drift& d, double psi_limit,
                   std::optional<double> ks_limit) {
    ctx.metric("psi." + name, d.psi);
    if (d.ks) ctx.metric("ks." + name, *d.ks);
    bool over = false;
    if (d.psi > psi_limit) {
      over = true;
      crossed.push_back("PSI of " + name + " " + format_fixed(d.psi, 3) + " > " + format_double(psi_limit));
    }
    if (d.ks && ks_limit && *d.ks > *ks_limit) {
      over = true;
      crossed.push_back("KS of " + name + " " + format_fixed(*d.ks, 3) + " > " + format_double(*ks_limit));
    }
    table.row({name, kind, format_double(d.psi), d.ks ? format_double(*d.ks) : "", over ? "yes" : "no"});
    return over;
  };
  for (const auto& name : features) {
    const json& prof = refp["features"][name];
    Drift d = compare_column(prof, data.table.at(name, sources.front().string()));
    if (judge(name, prof["kind"].get<std::string>(), d, max_psi, max_ks)) ++drifted;
    if (d.psi >= worst_psi) {
      worst_psi = d.psi;
      worst = name;
    }
  }
  std::string line = "vs " + who + ": " + std::to_string(drifted) + " of " + std::to_string(features.size()) +
                     " features drifted (largest PSI " + format_fixed(worst_psi, 3) + " " + worst + ")";
  if (refp.contains("score")) {
    std::vector<double> scores = score_prepared(b, std::move(data.table));  // last use of the table
    Drift d = compare_numeric(refp["score"], scores);
    judge("score", "score", d, max_score_psi, max_score_ks);
    line += ", score PSI " + format_fixed(d.psi, 3);
  }
  ctx.metric("psi_max", worst_psi);
  ctx.metric("features_drifted", double(drifted));
  if (r.run) ctx.metric("reference_run", double(r.run));
  else ctx.metric("reference_version", double(m->version));
  ctx.metric("rows", double(rows));
  ctx.flush_metrics();
  fs::create_directories(ctx.outdir);
  table.save(ctx.outdir / "drift.csv");
  ctx.artifact("drift.csv", ctx.outdir / "drift.csv");
  ctx.summary(line);
  if (!crossed.empty()) {
    std::string msg = "drift against " + who + " (its training data): " + join(crossed, "; ");
    if (get_string(ctx.cfg, "on_drift", "fail") == "fail") throw GateError(msg);
    ctx.log("warning: " + msg);
  }
  return {};
}

}  // namespace

StepType drift_step_type() {
  return {"drift", "compare new data with a registered model's training data: PSI/KS per feature and on the score (exit 3 past a threshold)",
          check_drift, run_drift, drift_schema(), nullptr, nullptr, drift_state};
}

}  // namespace mlpipe
