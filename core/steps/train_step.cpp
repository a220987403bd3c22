// train: fits a model with the named trainer on the train split, early-stopping on valid.
#include <algorithm>
#include <filesystem>
#include <thread>
#include <memory>

#include "core/platform/launch_env.h"
#include "core/steps/steps.h"
#include "core/steps/train_progress.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

// Records a trainer's metric points and reports its progress (core/steps/train_progress.h):
// iterations done out of `total` or the trainer's sooner bound (*expected), with the latest valid
// metric of the first head when `head` names it, else the last one (the metric XGBoost stops on).
std::function<void(const std::vector<MetricPoint>&)> recorder(StepContext& ctx, double total, std::string unit, std::string head,
                                                             std::shared_ptr<double> expected) {
  return [&ctx, total, unit, head, expected](const std::vector<MetricPoint>& pts) {
    ctx.metrics(pts);
    double done = progress_done(pts);
    const MetricPoint* shown = progress_point(pts, head);
    if (done > 0)
      ctx.progress(done, progress_bound(total, expected ? *expected : 0, done), unit,
                   shown ? (shown->split.empty() ? "" : shown->split + " ") + shown->key + " " + format_fixed(shown->value, 4) : "");
  };
}

// The first head's name of a sequence train step (its metrics are HEAD.KEY); "" for one head.
std::string first_head(const json& cfg) {
  if (!cfg.contains("heads") || !cfg["heads"].is_array() || cfg["heads"].size() < 2) return "";
  const json& h = cfg["heads"][0];
  return h.is_object() && h.contains("name") && h["name"].is_string() ? h["name"].get<std::string>() : "";
}

const Schema& common_train_keys() {
  static const Schema s = with_common_keys({
      {"trainer", Kind::kString, true, {}, "which trainer fits the model (mlpipe trainers lists them)"},
      {"features", Kind::kStrings, false, {}, "input columns or globs (default: all but label and id)"},
      {"exclude", Kind::kStrings, false, {}, "columns or globs left out of the inputs"},
      {"nthread", Kind::kInt, false, {}, "threads for training (default: all cores)"},
  });
  return s;
}

Schema train_schema_for(const Trainer& t) {
  Schema s = common_train_keys();
  s.insert(s.end(), t.schema().begin(), t.schema().end());
  return s;
}

// monotone:/interactions: name columns; validate knows them from the headers and transforms. A
// one-hot encoded column is several features: fine in an interaction, not in a monotone constraint.
void check_constraint_columns(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  const json& cfg = spec.config;
  if (!cfg.contains("monotone") && !cfg.contains("interactions")) return;
  std::optional<std::vector<std::string>> available = columns_into(p, spec);
  if (!available) return;
  auto one_hot = [&](const std::string& c) {
    return std::find(available->begin(), available->end(), c + "=*") != available->end();
  };
  std::vector<std::pair<std::string, std::string>> named;
  if (cfg.contains("monotone") && cfg["monotone"].is_object())
    for (const auto& [col, how] : cfg["monotone"].items()) {
      std::string path = child_path(child_path(spec.path, "monotone"), col);
      if (one_hot(col))
        check.fail_value(path, "'" + col + "' is one-hot encoded; a monotone constraint needs one numeric feature (leave it out of one_hot)");
      named.push_back({path, col});
    }
  if (cfg.contains("interactions") && cfg["interactions"].is_array())
    for (size_t g = 0; g < cfg["interactions"].size(); ++g) {
      const json& group = cfg["interactions"][g];
      if (!group.is_array()) continue;
      for (size_t i = 0; i < group.size(); ++i)
        if (group[i].is_string() && !one_hot(group[i].get<std::string>()))
          named.push_back({child_path(child_path(child_path(spec.path, "interactions"), std::to_string(g)), std::to_string(i)),
                           group[i].get<std::string>()});
    }
  check_columns_exist(check, available, named, "in the data this step gets");
}

void check_train(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  const json& cfg = spec.config;
  if (!cfg.contains("trainer") || !cfg["trainer"].is_string())
    check.fail_key(spec.path, "missing required key 'trainer' (one of: " +
                                  join(trainer_registry().names(), ", ") + ")");
  std::string name = cfg["trainer"];
  const Trainer* t = trainer_registry().find(name);
  if (!t)
    check.fail_value(child_path(spec.path, "trainer"),
                     "unknown trainer '" + name + "'" + did_you_mean(name, trainer_registry().names()) +
                         "; known trainers: " + join(trainer_registry().names(), ", "));
  check.check_object(cfg, spec.path, train_schema_for(*t));
  if (cfg.contains("nthread") && (cfg["nthread"].get<long long>() < 1 || cfg["nthread"].get<long long>() > 1024))
    check.fail_value(child_path(spec.path, "nthread"), "nthread must be 1 to 1024 (this machine has " +
                                                           std::to_string(std::max(1u, std::thread::hardware_concurrency())) + " cores)");
  t->validate(cfg, spec.path, check);
  check_constraint_columns(spec, check, p);
}

std::vector<std::string> select_features(const Frame& f, const json& cfg) {
  std::vector<std::string> candidates = f.feature_names(), out;
  auto matches = [](const std::vector<std::string>& pats, const std::string& c) {
    for (const auto& p : pats)
      if (glob_match(p, c)) return true;
    return false;
  };
  std::vector<std::string> include = as_strings(cfg.value("features", json()));
  std::vector<std::string> exclude = as_strings(cfg.value("exclude", json()));
  for (const auto& p : include)
    if (std::none_of(candidates.begin(), candidates.end(), [&](auto& c) { return glob_match(p, c); })) {
      int i = f.table.find(p);
      if (i >= 0 && f.table.col(size_t(i)).type == ColumnType::kDatetime)
        throw StepError("features: '" + p + "' is a datetime column, not a model input; derive inputs from it "
                        "with a features step: {op: time_parts, time: " + p + ", parts: [hour, weekday]} or a window");
      if (i >= 0 && std::find(f.not_features.begin(), f.not_features.end(), p) != f.not_features.end())
        throw StepError("features: '" + p + "' is text with nearly one value per row (an id?), left out of the "
                        "inputs; to use it anyway declare it on the ingest step: types: {" + p + ": categorical}");
      throw StepError("features: no column matches '" + p + "'" + did_you_mean(p, candidates));
    }
  for (const auto& c : candidates)
    if ((include.empty() || matches(include, c)) && !matches(exclude, c)) out.push_back(c);
  if (out.empty()) throw StepError("no feature columns left to train on");
  return out;
}

// Saves the fitted model into the step's folder, records it and its summary figures, and
// starts the TrainedModel that flows downstream.
std::shared_ptr<TrainedModel> saved_model(StepContext& ctx, const Trainer& trainer, const Model& model) {
  ctx.flush_metrics();
  std::filesystem::create_directories(ctx.outdir);
  auto path = ctx.outdir / model.file_name();
  model.save(path);
  ctx.artifact(model.file_name(), path);
  auto tm = std::make_shared<TrainedModel>();
  tm->trainer = trainer.name();
  tm->model_path = path.string();
  tm->summary = model.summary();
  for (const auto& [k, v] : tm->summary.items())
    if (v.is_number()) ctx.metric(k, v.get<double>());
  return tm;
}

Flow run_train_sequences(StepContext& ctx, const Trainer& trainer) {
  if (!ctx.input.sequences)
    throw ConfigError("step '" + ctx.spec.name + "': trainer '" + trainer.name() +
                      "' learns from sequences: add a `sequences` step to its `needs:`");
  const SequenceSet& s = *ctx.input.sequences;
  std::vector<uint32_t> train = s.samples_of(uint8_t(Split::kTrain)), valid = s.samples_of(uint8_t(Split::kValid));
  if (train.empty()) throw StepError("no training samples");
  if (ctx.input.frame && !ctx.input.frame->weight.empty())
    throw StepError("sequence trainers take no row weights yet (weight: " + ctx.input.frame->weight + " on the ingest step)");
  TrainContext tc;
  tc.seed = ctx.seed;
  tc.nthread = unsigned(get_int(ctx.cfg, "nthread", ctx.nthread));
  tc.checkpoint_dir = ctx.outdir / "checkpoints";
  tc.rendezvous_key = ctx.spec.name;
  auto expected = std::make_shared<double>(0);
  tc.record_metrics = recorder(ctx, double(get_int(ctx.cfg, "epochs", 10)), "epoch", first_head(ctx.cfg), expected);
  tc.expect_iterations = [expected](double n) { *expected = n; };
  tc.log = [&](const std::string& line) { ctx.log(line); };
  tc.check_stop = [] { throw_if_interrupted(); };
  std::unique_ptr<Model> model = trainer.fit_sequences(ctx.cfg, s, train, valid, tc);
  auto tm = saved_model(ctx, trainer, *model);
  json summary = tm->summary;
  tm->features = s.numeric_names;
  tm->features.insert(tm->features.end(), s.categorical_names.begin(), s.categorical_names.end());
  tm->label = s.target_names.front();
  tm->id = ctx.input.frame ? ctx.input.frame->id : "";
  tm->task = model->task();
  tm->sequence = true;
  ctx.summary(trainer.name() + " on " + std::to_string(train.size()) + " sequences; " +
              summary.value("epochs_run", json(0)).dump() + " epochs, best " +
              summary.value("best_epoch", json(0)).dump() + "; " +
              format_fixed(summary.value("samples_per_s", 0.0), 0) + " samples/s");
  tm->model = std::move(model);
  Flow flow;
  flow.model = tm;
  return flow;
}

Flow run_train(StepContext& ctx) {
  const Trainer& trainer = trainer_registry().get(ctx.cfg["trainer"]);
  if (trainer.takes_sequences()) return run_train_sequences(ctx, trainer);
  const Frame& f = require_frame(ctx);
  std::vector<std::string> features = select_features(f, ctx.cfg);
  std::vector<uint32_t> train_rows = f.rows_of(Split::kTrain);
  std::vector<uint32_t> valid_rows = f.has_split() ? f.rows_of(Split::kValid) : std::vector<uint32_t>{};
  // A trainer that reads the rows in batches never gets the whole float copy (f outlives it).
  FeatureMatrix xt = trainer.reads_rows_in_batches(ctx.cfg) ? matrix_source(f, features, train_rows)
                                                            : build_matrix(f, features, train_rows);
  std::vector<float> yt = label_values(f, train_rows);
  if (trainer.task(ctx.cfg) == Task::kBinary && !yt.empty() &&
      std::all_of(yt.begin(), yt.end(), [&](float v) { return v == yt[0]; }))
    throw StepError("label '" + f.label + "' has one class only (" + format_double(yt[0]) + ") in the " +
                    (f.has_split() ? std::string("train split") : std::string("data")) + " (" +
                    std::to_string(yt.size()) + " rows): a binary model needs both 0 and 1");
  Task task = trainer.task(ctx.cfg);
  if (task == Task::kMulticlass && f.classes.empty())
    throw StepError("a multi-class objective needs the label's classes: on the ingest step write label: {column: " +
                    (f.label.empty() ? std::string("NAME") : f.label) + ", classes: auto} (or list them)");
  if (task != Task::kMulticlass && !f.classes.empty())
    throw StepError("label '" + f.label + "' has " + std::to_string(f.classes.size()) +
                    " classes: train it with params: {objective: \"multi:softprob\"}");
  if (task == Task::kBinary) check_binary_labels(f, train_rows, yt, "train");
  FeatureMatrix xv;
  std::vector<float> yv;
  if (!valid_rows.empty()) {
    xv = build_matrix(f, features, valid_rows);
    yv = label_values(f, valid_rows);
    if (task == Task::kBinary) check_binary_labels(f, valid_rows, yv, "valid");
  }
  TrainContext tc;
  tc.seed = ctx.seed;
  tc.nthread = unsigned(get_int(ctx.cfg, "nthread", ctx.nthread));
  tc.classes = f.classes.size();
  for (double w : weight_values(f, train_rows)) tc.train_weights.push_back(float(w));
  for (double w : weight_values(f, valid_rows)) tc.valid_weights.push_back(float(w));
  auto expected = std::make_shared<double>(0);
  tc.record_metrics = recorder(ctx, double(get_int(ctx.cfg, "rounds", 100)), "iteration", "", expected);
  tc.expect_iterations = [expected](double n) { *expected = n; };
  tc.log = [](const std::string&) {};
  tc.check_stop = [] { throw_if_interrupted(); };
  std::unique_ptr<Model> model = trainer.fit(ctx.cfg, std::move(xt), yt, valid_rows.empty() ? nullptr : &xv,
                                             valid_rows.empty() ? nullptr : &yv, tc);
  auto tm = saved_model(ctx, trainer, *model);
  json summary = tm->summary;
  tm->features = features;
  tm->label = f.label;
  tm->id = f.id;
  tm->task = model->task();
  tm->classes = f.classes;

  std::string line = trainer.name() + " on " + std::to_string(train_rows.size()) + " rows x " +
                     std::to_string(features.size()) + " features";
  if (summary.contains("best_iteration"))
    line += "; best iteration " + summary["best_iteration"].dump() + " of " +
            summary.value("rounds_run", json(0)).dump();
  ctx.summary(line);
  tm->model = std::move(model);
  Flow flow;
  flow.model = tm;
  return flow;
}

}  // namespace

StepType train_step_type() {
  StepType t{"train", "fit a model with a trainer (xgboost, ...) on the train split",
             check_train, run_train, common_train_keys()};
  // The trainer library's version and the thread count can change the model.
  t.uses_threads = true;
  t.runtime = [](const StepSpec& s, unsigned nthread) {
    const Trainer& tr = trainer_registry().get(s.config["trainer"]);
    json r = {{"trainer_version", tr.name() + " " + tr.version()},
              {"nthread", get_int(s.config, "nthread", nthread)}};
    // Ranks started by torchrun split each batch: their model is not the one-process model.
    if (tr.takes_sequences())
      if (std::optional<OutsideLaunch> l = outside_launch()) r["launched_world"] = l->world;
    return r;
  };
  return t;
}

}  // namespace mlpipe
