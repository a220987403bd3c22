// calibrate: fits isotonic regression or Platt scaling to a binary model's scores on held-out
// rows (valid by default) and hands on the calibrated model: evaluate scores it, export bundles
// it, predict applies it.
#include <filesystem>

#include "core/metrics/metrics.h"
#include "core/metrics/weighted_metrics.h"
#include "core/model/calibrated_model.h"
#include "core/steps/steps.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& calibrate_schema() {
  static const Schema s = with_common_keys({
      {"method", Kind::kString, false, {"isotonic", "platt"}, "isotonic (default: monotone steps) or platt (a logistic curve)"},
      {"fit_on", Kind::kString, false, {"train", "valid", "test"}, "the split the calibration learns from (default valid: rows the model did not train on)"},
  });
  return s;
}

void check_calibrate(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, calibrate_schema());
  bool trained = false;
  for (const StepSpec* up : upstream_steps(p, spec.name)) trained = trained || up->type == "train";
  if (!trained) check.fail_key(spec.path, "a calibrate step needs a train step among its `needs:` (the model to calibrate)");
}

Flow run_calibrate(StepContext& ctx) {
  if (!ctx.input.model) throw ConfigError("step '" + ctx.spec.name + "' (calibrate) needs a trained model: add the train step to its `needs:`");
  const TrainedModel& tm = *ctx.input.model;
  if (tm.task != Task::kBinary)
    throw ConfigError(ctx.pipeline.file.string() + ": step '" + ctx.spec.name + "': calibrate needs a binary model (probabilities of the positive class), this one is " +
                      task_name(tm.task));
  if (as_calibrated(*tm.model)) throw ConfigError("step '" + ctx.spec.name + "': the model is calibrated already (two calibrate steps in a row)");
  const Frame& f = require_frame(ctx);
  std::string on = get_string(ctx.cfg, "fit_on", "valid");
  if (!f.has_split()) throw StepError("calibrate needs a split step upstream (it fits on the " + on + " split)");
  std::vector<double> y, score, w;
  if (tm.sequence) {
    if (!ctx.input.sequences) throw ConfigError("step '" + ctx.spec.name + "': the sequence model needs the sequences step upstream");
    const SequenceSet& s = *ctx.input.sequences;
    std::vector<uint32_t> samples = s.samples_of(uint8_t(split_from_name(on)));
    for (uint32_t i : samples) y.push_back(s.targets[0][i]);
    score = tm.model->predict_sequences(s, samples);
  } else {
    std::vector<uint32_t> rows = f.rows_of(split_from_name(on));
    if (rows.empty()) throw StepError("the '" + on + "' split has no rows to calibrate on");
    std::vector<float> yf = label_values(f, rows);
    check_binary_labels(f, rows, yf, on);
    y.assign(yf.begin(), yf.end());
    score = tm.model->predict(build_matrix(f, tm.features, rows));
    w = weight_values(f, rows);
  }
  if (y.empty()) throw StepError("the '" + on + "' split has no samples to calibrate on");
  Calibrator cal = Calibrator::fit(get_string(ctx.cfg, "method", "isotonic"), y, score, w);
  std::vector<double> after = cal.apply(score);
  MetricOptions mo;
  if (!w.empty()) mo.weights = &w;
  double brier_before = compute_metric("brier", y, score, mo), brier_after = compute_metric("brier", y, after, mo);
  double ece_before = compute_metric("ece", y, score, mo), ece_after = compute_metric("ece", y, after, mo);
  ctx.metric("uncalibrated.brier", brier_before, on);
  ctx.metric("uncalibrated.ece", ece_before, on);
  ctx.metric("brier", brier_after, on);
  ctx.metric("ece", ece_after, on);
  ctx.metric("rows", double(y.size()), on);
  std::filesystem::create_directories(ctx.outdir);
  write_file_atomic(ctx.outdir / "calibration.json", cal.to_json().dump(2) + "\n");
  ctx.artifact("calibration.json", ctx.outdir / "calibration.json");
  ctx.flush_metrics();

  auto out = std::make_shared<TrainedModel>(tm);
  out->model = std::make_shared<CalibratedModel>(tm.model, cal);
  out->summary["calibration"] = cal.method();
  ctx.summary(cal.method() + " on " + on + " (" + std::to_string(y.size()) + " rows): brier " + format_fixed(brier_before, 4) + " -> " +
              format_fixed(brier_after, 4) + ", ece " + format_fixed(ece_before, 4) + " -> " + format_fixed(ece_after, 4));
  Flow flow;
  flow.model = out;
  return flow;
}

}  // namespace

StepType calibrate_step_type() {
  return {"calibrate", "fit isotonic or Platt calibration of a binary model's scores on held-out rows",
          check_calibrate, run_calibrate, calibrate_schema()};
}

}  // namespace mlpipe
