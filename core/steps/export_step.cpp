// export: writes a self-contained model bundle (model, preprocessing, manifest with hashes).
#include <algorithm>
#include <filesystem>

#include "core/metrics/drift.h"
#include "core/predict/bundle.h"
#include "core/predict/explain.h"
#include "core/store/model_registry.h"
#include "core/platform/environment.h"
#include "core/steps/steps.h"
#include "core/util/build_info.h"
#include "core/util/clock.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/sha256.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& export_schema() {
  static const Schema s = with_common_keys({
      {"dir", Kind::kString, false, {}, "bundle folder, relative to the pipeline file (default .mlpipe/models/<pipeline>)"},
      {"register", Kind::kString, false, {}, "register the bundle in the model registry as the next version of this name"},
      {"promote", Kind::kString, false, {}, "then point this alias (e.g. champion) at it; needs register and a gated evaluate upstream"},
      {"reason_codes", Kind::kMap, false, {}, "column: the text a decline letter gives for it (predict --explain writes it beside the column)"},
  });
  return s;
}

void check_export(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, export_schema());
  const json& cfg = spec.config;
  // A pipeline file cannot reach out of its folder with ../ (an absolute path is an explicit choice).
  if (cfg.contains("dir")) {
    fs::path d = cfg["dir"].get<std::string>();
    fs::path norm = d.lexically_normal();
    if (d.empty() || (d.is_relative() && (norm == "." || norm.empty() || *norm.begin() == "..")))
      check.fail_value(child_path(spec.path, "dir"),
                       "dir '" + d.string() + "' " + (norm == "." || norm.empty() ? "is the pipeline's own folder" : "leaves the pipeline's folder") +
                           ": use a new folder inside it (e.g. models/" + p.name + ") or an absolute path");
  }
  for (const char* key : {"register", "promote"})
    if (cfg.contains(key)) try {
        check_model_name(cfg[key].get<std::string>(), key);
      } catch (const ConfigError& e) {
        check.fail_value(child_path(spec.path, key), e.what());
      }
  if (cfg.contains("reason_codes") && cfg["reason_codes"].is_object())
    for (const auto& [col, text] : cfg["reason_codes"].items())
      if (!text.is_string() || text.get<std::string>().empty())
        check.fail_value(child_path(child_path(spec.path, "reason_codes"), col),
                         "a reason code is the text for column '" + col + "', e.g. \"Recent payments late\"; got " + describe(text));
  if (cfg.contains("promote")) {
    if (!cfg.contains("register"))
      check.fail_key(child_path(spec.path, "promote"), "promote needs `register: NAME` in the same step (what to promote)");
    bool gated = false;
    for (const StepSpec* up : upstream_steps(p, spec.name))
      gated = gated || (up->type == "evaluate" && up->config.contains("gate") && !up->config["gate"].empty());
    if (!gated)
      check.fail_key(child_path(spec.path, "promote"),
                     "promote needs an evaluate step with a `gate:` among this step's needs, so that a model is "
                     "promoted only when it passed its gate");
  }
}

// The training rows' distributions, shipped in the bundle for drift checks against new data:
// each model input, and the model's score. (A sequence model scores its training windows only
// when registered: that is where drift checks look, and it takes a pass over the data.)
json reference_profile(const StepContext& ctx, const TrainedModel& tm) {
  const Frame& f = *ctx.input.frame;
  std::vector<uint32_t> rows = f.rows_of(Split::kTrain);
  json features = json::object();
  for (const auto& name : tm.features)
    if (f.table.find(name) >= 0) features[name] = profile_column(f.table.at(name), rows);
  json out = {{"format", "mlpipe-reference/1"}, {"split", f.has_split() ? "train" : "all"},
              {"rows", rows.size()}, {"features", features}};
  std::vector<double> scores;
  if (tm.task == Task::kMulticlass) {
    // K probabilities per row: no single score to profile (drift checks the inputs)
  } else if (!tm.sequence) {
    scores = tm.model->predict(build_matrix(f, tm.features, rows));
  } else if (ctx.input.sequences && ctx.cfg.contains("register")) {
    const SequenceSet& seq = *ctx.input.sequences;
    scores = tm.model->predict_sequences(seq, seq.samples_of(uint8_t(Split::kTrain)));
  }
  if (!scores.empty()) out["score"] = profile_numeric(scores);
  return out;
}

// The export step's reason_codes, each naming a column the model's reasons can give.
json checked_reason_codes(const StepContext& ctx, const TrainedModel& tm) {
  std::vector<std::string> reasons =
      reason_columns(ctx.input.preprocess->value("transforms", json::array()), tm.features);
  std::sort(reasons.begin(), reasons.end());
  reasons.erase(std::unique(reasons.begin(), reasons.end()), reasons.end());
  for (const auto& [col, text] : ctx.cfg["reason_codes"].items())
    if (!std::binary_search(reasons.begin(), reasons.end(), col))
      throw ConfigError(ctx.pipeline.file.string() + ": steps." + ctx.spec.name + ".reason_codes." + col + ": '" + col +
                        "' is not a column the model's reasons name" + did_you_mean(col, reasons) +
                        "; they are: " + join(reasons, ", "));
  return ctx.cfg["reason_codes"];
}

// Reproduce: which registered version this bundle is, without registering or promoting anything.
std::string look_up_bundle(StepContext& ctx, const fs::path& dir) {
  std::string name = ctx.cfg["register"].get<std::string>();
  std::optional<ModelVersion> m =
      ctx.store()->locked([&](Db& db) { return has_model(db, name) ? find_same_model(db, name, dir) : std::nullopt; });
  if (!m) return "; not a registered version of " + name + " (reproduce: the registry is left as it is)";
  ctx.metric("model_version", double(m->version));
  ctx.flush_metrics();
  return "; the same model as " + name + " v" + std::to_string(m->version) + " (reproduce: nothing registered or promoted)";
}

// Registers the bundle (and promotes it when asked); returns the summary's addition.
std::string register_bundle(StepContext& ctx, const fs::path& dir) {
  std::string name = ctx.cfg["register"].get<std::string>();
  std::string alias = get_string(ctx.cfg, "promote", "");
  json metrics = ctx.input.evaluation ? ctx.input.evaluation->metrics : json::object();
  std::string on = ctx.input.evaluation ? ctx.input.evaluation->on : "";
  std::string by = user_name();
  std::string out;
  ModelVersion m = ctx.store()->locked([&](Db& db) {
    Registration r = register_model(db, name, dir, ctx.run_id, ctx.spec.name, metrics, on, by);
    out = r.created ? "; registered " + name + " v" + std::to_string(r.model.version)
                    : "; same model as " + name + " v" + std::to_string(r.model.version) + ", not registered again";
    if (!alias.empty()) {
      std::optional<ModelVersion> current = find_model(db, name, alias);
      if (current && current->version == r.model.version) {
        out += " (already " + alias + ")";
      } else {
        promote_model(db, name, r.model.version, alias, by, ctx.run_id,
                      "promoted by run " + std::to_string(ctx.run_id) + " after its gates passed");
        out += ", promoted to " + alias + (current ? " (was v" + std::to_string(current->version) + ")" : "");
      }
    }
    return r.model;
  });
  ctx.metric("model_version", double(m.version));
  ctx.flush_metrics();
  // The registry's copy is part of what a reuse stands for: made from the version's objects when
  // it is missing (a version registered by another machine, or recorded at a path since moved),
  // so a reuse does not find it "changed or removed" and run the export again.
  ctx.outside_outputs[(verified_bundle_path(m) / "manifest.json").string()] = m.manifest_hash;
  return out;
}

Flow run_export(StepContext& ctx) {
  if (!ctx.input.model)
    throw ConfigError("step '" + ctx.spec.name + "' (export) needs a trained model: add the train step (or the evaluate after it) to its `needs:`");
  if (!ctx.input.preprocess)
    throw ConfigError("step '" + ctx.spec.name + "' (export) needs the ingest step upstream");
  const TrainedModel& tm = *ctx.input.model;
  fs::path dir = ctx.cfg.contains("dir") ? ctx.resolve(ctx.cfg["dir"].get<std::string>())
                                         : ctx.workdir / "models" / ctx.pipeline.name;
  // A relative dir has no ../ (validate checks), but a symbolic link on its way could still
  // lead anywhere: what it resolves to must be inside the pipeline's folder too.
  if (ctx.cfg.contains("dir") && fs::path(ctx.cfg["dir"].get<std::string>()).is_relative()) {
    fs::path base = fs::weakly_canonical(ctx.pipeline.base_dir), real = fs::weakly_canonical(dir);
    auto [b, r] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
    if (b != base.end())
      throw ConfigError(ctx.pipeline.file.string() + ": steps." + ctx.spec.name + ".dir: '" +
                        ctx.cfg["dir"].get<std::string>() + "' leads out of the pipeline's folder through a symbolic link (to " +
                        real.string() + "); refusing to write there (use an absolute dir: to mean it)");
  }
  const Trainer& trainer = trainer_registry().get(tm.trainer);
  BundleContents c;
  c.model = tm.model.get();
  c.preprocess = *ctx.input.preprocess;
  c.manifest = {{"pipeline", ctx.pipeline.name},
                {"run_id", ctx.run_id},
                {"created_at", now_iso()},
                {"trainer", tm.trainer},
                {"trainer_version", trainer.version()},
                {"mlpipe_version", MLPIPE_VERSION},
                {"task", task_name(tm.task)},
                {"features", tm.features},
                {"label", tm.label},
                {"id", tm.id},
                {"model_summary", tm.summary},
                {"sequence", tm.sequence}};
  if (!tm.classes.empty()) c.manifest["classes"] = tm.classes;
  // Columns the ingest steps dropped: part of the data a request may send (serve accepts them;
  // a key that is no column at all is refused as a likely typo).
  json dropped = json::array();
  for (const auto& st : ctx.pipeline.steps)
    if (st.type == "ingest" && st.config.contains("drop"))
      for (const auto& d : st.config["drop"].is_array() ? st.config["drop"] : json::array({st.config["drop"]}))
        if (d.is_string()) dropped.push_back(d);
  if (!dropped.empty()) c.manifest["dropped_columns"] = dropped;
  if (ctx.cfg.contains("reason_codes") && !ctx.cfg["reason_codes"].empty())
    c.manifest["reason_codes"] = checked_reason_codes(ctx, tm);
  if (ctx.input.evaluation)
    c.manifest["evaluation"] = {{"on", ctx.input.evaluation->on}, {"metrics", ctx.input.evaluation->metrics}};
  if (ctx.input.frame) c.extra_files["reference.json"] = reference_profile(ctx, tm);
  // The run's own copy is what it records and registers; `dir` gets a copy of it. Recording
  // from `dir` itself failed when another run of the pipeline (same folder, same dir) swapped
  // its bundle in meanwhile ("changed while it was being stored", test_postgres_concurrency).
  fs::path own = ctx.outdir / "bundle";
  json manifest = write_bundle(own, c);
  publish_bundle(own, dir);
  // The cache checks outside files with XXH3 (the manifest's SHA-256 is for audits).
  for (const auto& [name, info] : manifest["files"].items()) {
    ctx.artifact(name, own / name);
    ctx.outside_outputs[(dir / name).string()] = hash_file(own / name);
  }
  ctx.artifact("manifest.json", own / "manifest.json");
  ctx.outside_outputs[(dir / "manifest.json").string()] = hash_file(own / "manifest.json");
  if (ctx.store()) {
    std::string sha = sha256_file(own / "manifest.json");
    ctx.store()->locked([&](Db& db) { record_bundle_manifest(db, sha, ctx.run_id, ctx.spec.name, fs::absolute(dir).string()); });
  }
  std::string summary = "bundle written to " + dir.string();
  if (ctx.cfg.contains("register") && ctx.store())
    summary += ctx.reproducing ? look_up_bundle(ctx, own) : register_bundle(ctx, own);
  ctx.summary(summary);
  return {};
}

}  // namespace

StepType export_step_type() {
  return {"export", "write a model bundle that `mlpipe predict` applies to new data",
          check_export, run_export, export_schema()};
}

}  // namespace mlpipe
