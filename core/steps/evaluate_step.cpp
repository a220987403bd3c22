// evaluate: scores one split with the trained model, records metrics, checks gates (exit 3).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "core/data/csv_writer.h"
#include "core/data/datetime.h"
#include "core/metrics/gate.h"
#include "core/metrics/metrics.h"
#include "core/metrics/weighted_metrics.h"
#include "core/model/calibrated_model.h"
#include "core/predict/explain.h"
#include "core/predict/predict.h"
#include "core/store/model_registry.h"
#include "core/steps/evaluate_segments.h"
#include "core/steps/steps.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

std::vector<std::string> all_metric_names() {
  std::vector<std::string> all = binary_metric_names();
  for (const auto& r : regression_metric_names()) all.push_back(r);
  for (const auto& m : multiclass_metric_names())
    if (std::find(all.begin(), all.end(), m) == all.end()) all.push_back(m);
  return all;
}

Schema evaluate_keys() {
  Schema s = {
      {"on", Kind::kString, false, {"train", "valid", "test"}, "the split to score (default test)"},
      {"metrics", Kind::kStrings, false, {}, "metric names (default by task)"},
      {"threshold", Kind::kNumber, false, {}, "score cut-off for accuracy/precision/recall/f1 (0.5)"},
      {"k", Kind::kInt, false, {}, "how many top-scored rows (or entities per period) precision_at_k, recall_at_k and card_precision_at_k look at (default 100)"},
      {"entity", Kind::kString, false, {}, "card_precision_at_k: the entity column (card, customer)"},
      {"time", Kind::kString, false, {}, "card_precision_at_k: the time column that cuts periods"},
      {"period", Kind::kString, false, {}, "card_precision_at_k: the period length (default 1d)"},
      {"gate", Kind::kMap, false, {}, "metric: \"CONDITION\", e.g. auc: \">= 0.75\" or \">= champion - 0.005\"; a miss exits 3"},
      {"importance_rows", Kind::kInt, false, {}, "rows (evenly spread over the split) whose reason codes give the mean |contribution| per column; 0: none (default 2000)"},
      {"champion", Kind::kString, false, {}, "registered model whose champion the champion gates score on the same rows (default: the name an export step after this one registers)"},
  };
  for (const auto& k : segment_keys()) s.push_back(k);
  return s;
}

const Schema& evaluate_schema() {
  static const Schema s = with_common_keys(evaluate_keys());
  return s;
}

bool has_champion_gate(const json& cfg) {
  if (cfg.contains("gate") && cfg["gate"].is_object())
    for (const auto& [metric, cond] : cfg["gate"].items())
      if (cond.is_string())
        if (auto g = parse_gate(cond.get<std::string>()); g && g->champion) return true;
  return false;
}

// The registered model whose champion the gates compare with: `champion:`, else the one name
// that export steps after this one register; "" when neither says.
std::string champion_name(const StepSpec& spec, const Pipeline& p) {
  if (spec.config.contains("champion")) return spec.config["champion"].get<std::string>();
  std::set<std::string> names;
  for (const StepSpec* s : downstream_steps(p, spec.name))
    if (s->type == "export" && s->config.contains("register") && s->config["register"].is_string())
      names.insert(s->config["register"].get<std::string>());
  return names.size() == 1 ? *names.begin() : "";
}

std::optional<ModelVersion> current_champion(RunStore& store, const std::string& name) {
  return store.locked([&](Db& db) -> std::optional<ModelVersion> {
    try {
      return find_model(db, name, "champion");
    } catch (const ConfigError&) {  // nothing registered under this name yet
      return std::nullopt;
    }
  });
}

// Changes of the champion make a cached evaluation stale: they enter the fingerprint.
json champion_state(const StepSpec& spec, const Pipeline& p, RunStore& store) {
  if (!has_champion_gate(spec.config)) return nullptr;
  std::string name = champion_name(spec, p);
  std::optional<ModelVersion> m = current_champion(store, name);
  if (!m) return {{"champion", name}, {"version", nullptr}};
  return {{"champion", name}, {"version", m->version}, {"manifest", m->manifest_hash}};
}

// The champion's scores for the evaluated rows: it reads the ingest step's source file through
// its own preprocessing, as `mlpipe predict` would.
std::vector<double> score_with_champion(const StepContext& ctx, const ModelVersion& m, const Frame& f,
                                        const std::vector<uint32_t>& rows) {
  std::string where = "champion " + m.name + " v" + std::to_string(m.version);
  LoadedBundle b = load_bundle(verified_bundle_path(m));
  std::vector<double> all = score_prepared(b, prepare_for_prediction(upstream_ingest_source(ctx), b.preprocess).table);
  size_t k = std::max<size_t>(1, b.model->classes());  // scores per row
  if (all.size() / k != f.table.rows())
    throw StepError("cannot score the " + where + ": it read " + std::to_string(all.size() / k) + " rows, this run has " +
                    std::to_string(f.table.rows()) + " (rows left out by where: or joined in cannot be lined up)");
  std::vector<double> out;
  out.reserve(rows.size() * k);
  for (uint32_t r : rows) {
    if (std::isnan(all[size_t(r) * k]))
      throw StepError("the " + where + " gives no score for data row " + std::to_string(r + 1) +
                      " (a sequence model needs the same event labelling)");
    for (size_t c = 0; c < k; ++c) out.push_back(all[size_t(r) * k + c]);
  }
  return out;
}

// Global importance that agrees with the reason codes: the mean |contribution| of each of the
// user's columns (metrics importance.contribution.COLUMN), over at most `limit` of the evaluated
// `rows` (a sequence model's samples) spread evenly (TreeSHAP costs about trees x leaves x depth
// per row; integrated gradients 32 forward and backward passes per sample).
void record_contribution_importance(StepContext& ctx, const TrainedModel& tm, const Frame& f,
                                    const std::vector<uint32_t>& rows, const std::string& on) {
  size_t limit = size_t(get_int(ctx.cfg, "importance_rows", 2000));
  bool sequence = tm.sequence && ctx.input.sequences && tm.trainer == "sequence";
  if (limit == 0 || (!sequence && !tm.model->explains()) || (tm.sequence && !sequence) || !ctx.input.preprocess) return;
  std::vector<uint32_t> picked;  // table rows, or a sequence model's samples
  size_t stride = (rows.size() + limit - 1) / limit;
  for (size_t i = 0; i < rows.size(); i += std::max<size_t>(1, stride)) picked.push_back(rows[i]);
  json transforms = ctx.input.preprocess->value("transforms", json::array());
  Explanation e;
  if (sequence) {
    const SequenceSet& s = *ctx.input.sequences;
    e = explain_sequence_samples(*tm.model, s, picked, reason_columns(transforms, sequence_inputs(s)));
  } else {
    FeatureMatrix x = build_matrix(f, tm.features, picked);
    std::vector<size_t> predicted;
    if (tm.task == Task::kMulticlass) predicted = predicted_classes(tm.model->predict(x), tm.model->classes());
    e = explain_rows(*tm.model, x, reason_columns(transforms, tm.features), predicted.empty() ? nullptr : &predicted);
  }
  std::vector<double> mean_abs = mean_abs_contributions(e);
  for (size_t j = 0; j < e.columns.size(); ++j) ctx.metric("importance.contribution." + e.columns[j], mean_abs[j], on);
  ctx.metric("importance.rows", double(picked.size()), on);
}

void check_evaluate(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, evaluate_schema());
  check_segments(spec, check, p);  // before the gates, which may name what segments record
  const json& cfg = spec.config;
  std::vector<std::string> known = all_metric_names();
  if (cfg.contains("metrics")) {
    auto names = as_strings(cfg["metrics"]);
    for (size_t i = 0; i < names.size(); ++i)
      if (std::find(known.begin(), known.end(), names[i]) == known.end())
        check.fail_value(child_path(child_path(spec.path, "metrics"), cfg["metrics"].is_array() ? std::to_string(i) : ""),
                         "unknown metric '" + names[i] + "'" + did_you_mean(names[i], known) +
                             "; known metrics: " + join(known, ", "));
  }
  std::vector<std::string> wanted = cfg.contains("metrics") ? as_strings(cfg["metrics"]) : std::vector<std::string>{};
  if (cfg.contains("gate") && cfg["gate"].is_object())
    for (const auto& [metric, cond] : cfg["gate"].items()) wanted.push_back(metric);
  if (std::find(wanted.begin(), wanted.end(), "card_precision_at_k") != wanted.end())
    for (const char* k : {"entity", "time"})
      if (!cfg.contains(k))
        check.fail_key(spec.path, std::string("card_precision_at_k needs `") + k + ":` (the " +
                                      (std::string(k) == "entity" ? "card or customer" : "time") + " column) on this step");
  if (cfg.contains("importance_rows") && cfg["importance_rows"].is_number_integer() && cfg["importance_rows"].get<long long>() < 0)
    check.fail_value(child_path(spec.path, "importance_rows"), "importance_rows must be 0 (none) or more");
  if (cfg.contains("k") && cfg["k"].is_number_integer() && cfg["k"].get<long long>() < 1)
    check.fail_value(child_path(spec.path, "k"), "k must be at least 1");
  if (cfg.contains("period") && (!cfg["period"].is_string() || !parse_duration(cfg["period"].get<std::string>()) ||
                                 *parse_duration(cfg["period"].get<std::string>()) <= 0))
    check.fail_value(child_path(spec.path, "period"), "period must be a duration such as 1d or 12h, got " + describe(cfg["period"]));
  if (cfg.contains("gate") && cfg["gate"].is_object())
    for (const auto& [metric, cond] : cfg["gate"].items()) {
      std::string gp = child_path(child_path(spec.path, "gate"), metric);
      bool segment = is_segment_metric(metric, cfg);
      if (std::find(known.begin(), known.end(), metric) == known.end() && !segment)
        check.fail_key(gp, "gate on unknown metric '" + metric + "'" + did_you_mean(metric, known) +
                               (metric.find('.') != std::string::npos ? " (a segment's or fairness metric names a column of segments: or fairness:)" : ""));
      std::string text = cond.is_string() ? cond.get<std::string>() : cond.dump();
      if (!cond.is_string() || !parse_gate(text))
        check.fail_value(gp, "gate condition must be text like \">= 0.75\" or \">= champion - 0.005\" (operators >=, >, <=, <, ==), got " +
                                describe(cond));
      if (segment && parse_gate(text)->champion)
        check.fail_value(gp, "a segment's or fairness metric is gated on a fixed bound (e.g. \">= 0.8\"), not against the champion");
    }
  if (cfg.contains("champion")) try {
      check_model_name(cfg["champion"].get<std::string>(), "champion");
    } catch (const ConfigError& e) {
      check.fail_value(child_path(spec.path, "champion"), e.what());
    }
  {
    std::vector<std::pair<std::string, std::string>> named;
    for (const char* k : {"entity", "time"})
      if (cfg.contains(k) && cfg[k].is_string()) named.push_back({child_path(spec.path, k), cfg[k].get<std::string>()});
    check_columns_exist(check, columns_into(p, spec), named, "in the data this step gets");
  }
  if (has_champion_gate(cfg) && champion_name(spec, p).empty())
    check.fail_key(child_path(spec.path, "gate"),
                   "a gate compares with the champion, but which registered model's? Add `champion: NAME` to "
                   "this step, or `register: NAME` to one export step after it");
}

Flow run_evaluate(StepContext& ctx) {
  const Frame& f = require_frame(ctx);
  if (!ctx.input.model)
    throw ConfigError("step '" + ctx.spec.name + "' (evaluate) needs a trained model: add the train step to its `needs:`");
  const TrainedModel& tm = *ctx.input.model;
  std::string on = get_string(ctx.cfg, "on", "test");
  if (!f.has_split() && ctx.cfg.contains("on"))
    throw StepError(std::string("on: ") + on + " needs a split step before this one");
  std::vector<uint32_t> rows;
  std::vector<double> y, score;
  // A calibrated model scores once: its base model's scores (kept, uncalibrated) calibrated.
  const CalibratedModel* calibrated = as_calibrated(*tm.model);
  std::vector<double> uncalibrated;
  auto scored = [&](std::vector<double> base) {
    if (!calibrated) return base;
    uncalibrated = std::move(base);
    return calibrated->calibrator().apply(uncalibrated);
  };
  if (tm.sequence) {  // samples of the sequences step; each names the table row of its event
    if (!ctx.input.sequences) throw ConfigError("step '" + ctx.spec.name + "': the sequence model needs the sequences step upstream");
    const SequenceSet& s = *ctx.input.sequences;
    std::vector<uint32_t> samples = s.samples_of(uint8_t(split_from_name(on)));
    if (samples.empty()) throw StepError(std::string("the '") + on + "' split has no samples");
    for (uint32_t i : samples) {
      rows.push_back(uint32_t(s.rows[i]));
      y.push_back(s.targets[0][i]);
    }
    score = scored(calibrated ? calibrated->base().predict_sequences(s, samples) : tm.model->predict_sequences(s, samples));
    record_contribution_importance(ctx, tm, f, samples, on);
  } else {
    rows = f.rows_of(split_from_name(on));
    if (rows.empty()) throw StepError(std::string("the '") + on + "' split is empty");
    FeatureMatrix x = build_matrix(f, tm.features, rows);
    std::vector<float> yf = label_values(f, rows);
    if (tm.task == Task::kBinary) check_binary_labels(f, rows, yf, on);
    y.assign(yf.begin(), yf.end());
    score = scored(calibrated ? calibrated->base().predict(x) : tm.model->predict(x));
    record_contribution_importance(ctx, tm, f, rows, on);
  }

  bool multi = tm.task == Task::kMulticlass;
  size_t k = multi ? tm.model->classes() : 0;
  std::vector<std::string> names = ctx.cfg.contains("metrics") ? as_strings(ctx.cfg["metrics"])
                                   : tm.task == Task::kBinary  ? std::vector<std::string>{"auc", "pr_auc", "logloss", "ks", "brier"}
                                   : multi                     ? multiclass_metric_names()
                                                               : regression_metric_names();
  const auto& allowed = tm.task == Task::kBinary ? binary_metric_names()
                        : multi                  ? multiclass_metric_names()
                                                 : regression_metric_names();
  MetricOptions mo;
  mo.threshold = get_number(ctx.cfg, "threshold", 0.5);
  mo.k = size_t(get_int(ctx.cfg, "k", 100));
  std::vector<std::string> entities;
  std::vector<double> times;
  if (ctx.cfg.contains("entity") && ctx.cfg.contains("time")) {
    const Column& e = f.table.at(get_string(ctx.cfg, "entity", ""), "entity");
    std::vector<double> all_times = time_values(f.table.at(get_string(ctx.cfg, "time", ""), "time"));
    for (uint32_t r : rows) {
      entities.push_back(e.text(r));
      times.push_back(all_times[r]);
    }
    mo.entity = &entities;
    mo.time = &times;
    mo.period = *parse_duration(get_string(ctx.cfg, "period", "1d"));
  }
  // One metric on these rows for a model's scores (ours or the champion's).
  std::vector<double> weights = tm.sequence ? std::vector<double>{} : weight_values(f, rows);
  if (!weights.empty()) mo.weights = &weights;
  auto metric_of = [&](const std::string& name, const std::vector<double>& s) {
    if (multi) return weights.empty() ? compute_multiclass_metric(name, y, s, k) : weighted_multiclass_metric(name, y, s, k, weights);
    return compute_metric(name, y, s, mo);
  };
  auto ev = std::make_shared<Evaluation>();
  ev->on = on;
  std::string line;
  for (const auto& name : names) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      throw ConfigError(ctx.pipeline.file.string() + ": step '" + ctx.spec.name + "': metric '" + name +
                        "' does not apply to a " + task_name(tm.task) + " model; use " + join(allowed, ", "));
    double v = metric_of(name, score);
    ev->metrics[name] = v;
    ctx.metric(name, v, on);
    line += (line.empty() ? "" : "  ") + name + " " + format_fixed(v, 4);
  }
  ctx.metric("rows", double(rows.size()), on);
  // A calibrated model: Brier and ECE before and after, and the uncalibrated scores beside.
  if (const CalibratedModel* cm = calibrated) {
    for (const char* m : {"brier", "ece"}) {
      if (!ev->metrics.contains(m)) {
        ev->metrics[m] = metric_of(m, score);
        ctx.metric(m, ev->metrics[m].get<double>(), on);
      }
      ev->metrics[std::string("uncalibrated.") + m] = metric_of(m, uncalibrated);
      ctx.metric(std::string("uncalibrated.") + m, ev->metrics[std::string("uncalibrated.") + m].get<double>(), on);
    }
    line += "  (" + cm->calibrator().method() + "; uncalibrated brier " + format_fixed(ev->metrics["uncalibrated.brier"].get<double>(), 4) +
            ", ece " + format_fixed(ev->metrics["uncalibrated.ece"].get<double>(), 4) + ")";
  }
  {
    SegmentScores seg;
    seg.rows = &rows;
    seg.y = &y;
    seg.score = &score;
    seg.binary = tm.task == Task::kBinary;
    seg.threshold = mo.threshold;
    seg.metrics = names;
    size_t per_row = multi ? k : 1;
    seg.metric_on = [&](const std::string& name, const std::vector<size_t>& at) {
      std::vector<double> sy, ss, sw, st;
      std::vector<std::string> se;
      for (size_t i : at) {
        sy.push_back(y[i]);
        for (size_t c = 0; c < per_row; ++c) ss.push_back(score[i * per_row + c]);
        if (!weights.empty()) sw.push_back(weights[i]);
        if (mo.entity) se.push_back(entities[i]);
        if (mo.time) st.push_back(times[i]);
      }
      if (multi) return sw.empty() ? compute_multiclass_metric(name, sy, ss, k) : weighted_multiclass_metric(name, sy, ss, k, sw);
      MetricOptions sub = mo;
      sub.weights = mo.weights ? &sw : nullptr;
      sub.entity = mo.entity ? &se : nullptr;
      sub.time = mo.time ? &st : nullptr;
      return compute_metric(name, sy, ss, sub);
    };
    json recorded = record_segments(ctx, f, seg, on);
    for (const auto& [key, v] : recorded.items()) ev->metrics[key] = v;
  }
  if (tm.task == Task::kBinary) {  // the gains table by score decile, and its first line as metrics
    std::vector<GainsRow> gains = gains_table(y, score, 10);
    CsvWriter g({"band", "rows", "positives", "capture", "lift"});
    for (const auto& b : gains)
      g.row({std::to_string(b.band), std::to_string(b.rows), std::to_string(b.positives), format_double(b.capture), format_double(b.lift)});
    std::filesystem::create_directories(ctx.outdir);
    g.save(ctx.outdir / "gains.csv");
    ctx.artifact("gains.csv", ctx.outdir / "gains.csv");
    if (!gains.empty()) {
      ctx.metric("lift_top_10pct", gains[0].lift, on);
      ctx.metric("capture_top_10pct", gains[0].capture, on);
    }
  }

  if (multi) {  // the confusion matrix: metrics confusion.TRUE.PREDICTED (counts) and confusion.csv
    std::vector<std::vector<size_t>> m = confusion_matrix(y, score, k);
    std::vector<std::string> header = {"true \\ predicted"};
    for (size_t c = 0; c < k; ++c) header.push_back(tm.classes[c]);
    CsvWriter cm(header);
    for (size_t t = 0; t < k; ++t) {
      std::vector<std::string> row = {tm.classes[t]};
      for (size_t c = 0; c < k; ++c) {
        row.push_back(std::to_string(m[t][c]));
        ctx.metric("confusion." + tm.classes[t] + "." + tm.classes[c], double(m[t][c]), on);
      }
      cm.row(row);
    }
    std::filesystem::create_directories(ctx.outdir);
    cm.save(ctx.outdir / "confusion.csv");
    ctx.artifact("confusion.csv", ctx.outdir / "confusion.csv");
  }

  std::optional<ModelVersion> champion;
  std::vector<double> champion_score;
  if (has_champion_gate(ctx.cfg) && ctx.store()) {
    std::string name = champion_name(ctx.spec, ctx.pipeline);
    champion = current_champion(*ctx.store(), name);
    if (champion) {
      champion_score = score_with_champion(ctx, *champion, f, rows);
      ctx.metric("champion_version", double(champion->version), on);
      line += "  (champion " + name + " v" + std::to_string(champion->version) + ")";
    } else {
      ctx.log("no champion of '" + name + "' yet: gates relative to the champion pass");
      line += "  (no champion yet)";
    }
  }
  // Predictions on the evaluated split: what `mlpipe predict` must reproduce exactly.
  std::filesystem::create_directories(ctx.outdir);
  std::vector<std::string> header;
  const Column* id = tm.id.empty() ? nullptr : &f.table.at(tm.id);
  if (id) header.push_back(tm.id);
  header.push_back(tm.label);
  if (multi) {
    header.push_back("class");
    for (const auto& c : tm.classes) header.push_back("score_" + c);
  } else {
    header.push_back("score");
  }
  if (!uncalibrated.empty()) header.push_back("uncalibrated_score");
  // The champion's scores on the same rows (a champion gate): the report overlays both curves.
  bool with_champion = !multi && !champion_score.empty() && champion_score.size() == rows.size();
  if (with_champion) header.push_back("champion_score");
  CsvWriter w(header);
  std::vector<size_t> predicted = multi ? predicted_classes(score, k) : std::vector<size_t>{};
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<std::string> fields;
    if (id) fields.push_back(id->text(rows[i]));
    if (multi) {
      fields.push_back(tm.classes[size_t(y[i])]);
      fields.push_back(tm.classes[predicted[i]]);
      for (size_t c = 0; c < k; ++c) fields.push_back(format_double(score[i * k + c]));
    } else {
      fields.push_back(format_double(y[i]));
      fields.push_back(format_double(score[i]));
      if (!uncalibrated.empty()) fields.push_back(format_double(uncalibrated[i]));
      if (with_champion) fields.push_back(format_double(champion_score[i]));
    }
    w.row(fields);
  }
  auto path = ctx.outdir / "predictions.csv";
  w.save(path);
  ctx.artifact("predictions.csv", path);
  ev->predictions_path = path.string();
  ctx.flush_metrics();

  ctx.outcome_metrics = ev->metrics;
  std::vector<std::string> failures;
  if (ctx.cfg.contains("gate"))
    for (const auto& [metric, cond] : ctx.cfg["gate"].items()) {
      GateCondition g = *parse_gate(cond.get<std::string>());
      if (!ev->metrics.contains(metric) && is_segment_metric(metric, ctx.cfg))
        throw StepError("gate on " + metric + ": nothing recorded under that name on " + on +
                        " (a group with no rows, or a metric undefined in it); see segments.csv");
      double v = ev->metrics.contains(metric) ? ev->metrics[metric].get<double>()
                                              : metric_of(metric, score);
      bool ok = true;
      std::string against;
      if (!g.champion) {
        ok = g.passes(v);
      } else if (champion) {
        double cv = metric_of(metric, champion_score);
        ctx.metric("champion." + metric, cv, on);
        ok = g.passes(v, cv);
        against = " = " + format_fixed(g.bound(cv), 4) + " (champion " + champion->name + " v" +
                  std::to_string(champion->version) + " has " + format_fixed(cv, 4) + " on the same rows)";
      }
      ctx.metric("gate." + metric, ok ? 1.0 : 0.0, on);
      if (!ok)
        failures.push_back(metric + " = " + format_fixed(v, 4) + " on " + on + ", required " + g.text() + against);
    }
  ctx.flush_metrics();
  ctx.summary(on + ": " + line);
  if (!failures.empty()) throw GateError("gate failed: " + join(failures, "; "));
  Flow flow;
  flow.evaluation = ev;
  return flow;
}

}  // namespace

StepType evaluate_step_type() {
  return {"evaluate", "score a split with the trained model; metrics and gates (a failed gate exits 3)",
          check_evaluate, run_evaluate, evaluate_schema(), nullptr, nullptr, champion_state};
}

}  // namespace mlpipe
