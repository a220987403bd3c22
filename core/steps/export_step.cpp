// export: writes a self-contained model bundle (model, preprocessing, manifest with hashes).
#include <filesystem>

#include "core/predict/bundle.h"
#include "core/steps/steps.h"
#include "core/util/build_info.h"
#include "core/util/clock.h"
#include "core/util/error.h"
#include "core/util/hash.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& export_schema() {
  static const Schema s = with_common_keys({
      {"dir", Kind::kString, false, {}, "bundle folder, relative to the pipeline file (default .mlpipe/models/<pipeline>)"},
  });
  return s;
}

void check_export(const StepSpec& spec, const ConfigChecker& check, const Pipeline&) {
  check.check_object(spec.config, spec.path, export_schema());
}

Flow run_export(StepContext& ctx) {
  if (!ctx.input.model)
    throw ConfigError("step '" + ctx.spec.name + "' (export) needs a trained model: add the train step (or the evaluate after it) to its `needs:`");
  if (!ctx.input.preprocess)
    throw ConfigError("step '" + ctx.spec.name + "' (export) needs the ingest step upstream");
  const TrainedModel& tm = *ctx.input.model;
  fs::path dir = ctx.cfg.contains("dir") ? ctx.resolve(ctx.cfg["dir"].get<std::string>())
                                         : ctx.workdir / "models" / ctx.pipeline.name;
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
  if (ctx.input.evaluation)
    c.manifest["evaluation"] = {{"on", ctx.input.evaluation->on}, {"metrics", ctx.input.evaluation->metrics}};
  json manifest = write_bundle(dir, c);
  for (const auto& [name, info] : manifest["files"].items()) {
    ctx.artifact(name, dir / name);
    ctx.outside_outputs[(dir / name).string()] = info["sha"];
  }
  ctx.artifact("manifest.json", dir / "manifest.json");
  ctx.outside_outputs[(dir / "manifest.json").string()] = hash_file(dir / "manifest.json");
  ctx.summary("bundle written to " + dir.string());
  return {};
}

}  // namespace

StepType export_step_type() {
  return {"export", "write a model bundle that `mlpipe predict` applies to new data",
          check_export, run_export, export_schema()};
}

}  // namespace mlpipe
