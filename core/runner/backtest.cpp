#include "core/runner/backtest.h"

#include <cmath>
#include <map>
#include <set>

#include "core/data/datetime.h"
#include "core/runner/plan.h"
#include "core/steps/step.h"
#include "core/store/recorded_queries.h"
#include "core/store/run_store.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"
#include "core/util/mean_sd.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& backtest_schema() {
  static const Schema s = {
      {"folds", Kind::kInt, true, {}, "how many rolling folds"},
      {"start", Kind::kString, true, {}, "the first fold's train start (a date or datetime)"},
      {"train", Kind::kString, true, {}, "train window length (e.g. 7d)"},
      {"gap", Kind::kString, false, {}, "time left out between train and test (labels known late; default 0s)"},
      {"test", Kind::kString, true, {}, "test window length"},
      {"step", Kind::kString, false, {}, "how far each fold moves on (default: the test length)"},
  };
  return s;
}

double duration_of(const json& b, const char* key, double def) {
  if (!b.contains(key)) return def;
  return *parse_duration(b[key].get<std::string>());
}

std::string day_text(double t) {
  std::string s = format_datetime(t);
  return ends_with(s, " 00:00:00") ? s.substr(0, 10) : s;
}

json range(double from, double until) { return {{"from", format_datetime(from)}, {"until", format_datetime(until)}}; }

}  // namespace

void check_backtest(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  const json& cfg = spec.config;
  if (!cfg.contains("backtest") || cfg["backtest"].is_null()) return;
  std::string bp = child_path(spec.path, "backtest");
  const json& b = cfg["backtest"];
  if (!b.is_object()) {
    check.fail_value(bp, "backtest must be a map: {folds: 4, start: 2018-04-01, train: 7d, gap: 7d, test: 7d}");
    return;
  }
  check.check_object(b, bp, backtest_schema());
  if (cfg.value("method", "random") != "time" || !cfg.contains("by"))
    check.fail_key(bp, "a backtest moves a time split: this step needs method: time and by: (the time column)");
  if (cfg.contains("valid") && !cfg["valid"].is_null())
    check.fail_key(child_path(spec.path, "valid"), "backtest folds have a train and a test window; leave out valid: (or the backtest)");
  if (b["folds"].get<long long>() < 1) check.fail_value(child_path(bp, "folds"), "folds must be at least 1");
  if (!time_bound(b["start"].get<std::string>()))
    check.fail_value(child_path(bp, "start"), "start must be a date (2018-04-01) or datetime, got " + describe(b["start"]));
  for (const char* k : {"train", "gap", "test", "step"})
    if (b.contains(k)) {
      auto d = parse_duration(b[k].get<std::string>());
      if (!d || (*d <= 0 && std::string(k) != "gap"))
        check.fail_value(child_path(bp, k), std::string(k) + " must be a duration such as 7d or 12h" +
                                                (std::string(k) == "gap" ? "" : " (above 0)") + ", got " + describe(b[k]));
    }
  bool evaluates = false;
  for (const StepSpec* s : downstream_steps(p, spec.name)) evaluates = evaluates || s->type == "evaluate";
  if (!evaluates) check.fail_key(bp, "a backtest needs an evaluate step after this split: its metrics are what the folds compare");
  for (const auto& s : p.steps)
    if (s.config.contains("sweep"))
      check.fail_key(bp, "a pipeline has either a sweep (step '" + s.name + "') or a backtest, not both");
}

std::optional<BacktestSpec> find_backtest(const Pipeline& p) {
  for (const auto& s : p.steps) {
    if (!s.config.contains("backtest") || s.config["backtest"].is_null()) continue;
    const json& b = s.config["backtest"];
    BacktestSpec spec;
    spec.step = s.name;
    spec.folds = size_t(b["folds"].get<long long>());
    spec.start = *time_bound(b["start"].get<std::string>());
    spec.train = duration_of(b, "train", 0);
    spec.gap = duration_of(b, "gap", 0);
    spec.test = duration_of(b, "test", 0);
    spec.step_length = duration_of(b, "step", spec.test);
    for (const StepSpec* d : downstream_steps(p, s.name))
      if (d->type == "evaluate") {
        if (spec.until_step.empty()) spec.until_step = d->name;
        spec.evaluate_steps.insert(d->name);
      }
    return spec;
  }
  return std::nullopt;
}

std::vector<BacktestFold> backtest_folds(const BacktestSpec& s) {
  std::vector<BacktestFold> out;
  for (size_t i = 0; i < s.folds; ++i) {
    BacktestFold f;
    f.train_from = s.start + double(i) * s.step_length;
    f.train_until = f.train_from + s.train;
    f.test_from = f.train_until + s.gap;
    f.test_until = f.test_from + s.test;
    out.push_back(f);
  }
  return out;
}

RunOutcome run_backtest(const RunOptions& opt, const BacktestSpec& s) {
  std::vector<BacktestFold> folds = backtest_folds(s);
  auto say = [&](const std::string& line) {
    if (opt.log) *opt.log << line << "\n" << std::flush;
  };
  say("mlpipe: backtest of step '" + s.step + "': " + std::to_string(folds.size()) + " folds from " + day_text(s.start) +
      " (train " + format_double(s.train / 86400) + "d, gap " + format_double(s.gap / 86400) + "d, test " +
      format_double(s.test / 86400) + "d, step " + format_double(s.step_length / 86400) + "d), each to step '" +
      s.until_step + "'");
  struct Result {
    int64_t run = 0;
    std::string status, error;
    std::map<std::string, double> metrics;  // "step.split.key" of evaluate steps
  };
  std::vector<Result> results(folds.size());
  const std::set<std::string>& evaluate_steps = s.evaluate_steps;
  for (size_t i = 0; i < folds.size() && !interrupt_requested(); ++i) {
    const BacktestFold& f = folds[i];
    RunOptions c = opt;
    c.log = nullptr;
    c.until_step = s.until_step;
    c.overrides.push_back("steps." + s.step + ".train=" + range(f.train_from, f.train_until).dump());
    c.overrides.push_back("steps." + s.step + ".test=" + range(f.test_from, f.test_until).dump());
    c.overrides.push_back("steps." + s.step + ".backtest=null");
    c.overrides.push_back("steps." + s.step + ".fractions=null");
    Result& r = results[i];
    try {
      RunOutcome o = run_plan(make_plan(c), c);
      r.run = o.run_id;
      r.status = o.status;
      r.error = o.error;
      if (o.run_id) {
        Db db = Db::open(o.db, true);
        for (const auto& [k, v] : metric_values(db, o.run_id)) {
          if (!ends_with(k, "@final")) continue;
          std::string name = k.substr(0, k.size() - 6);
          // step.split.key: the evaluation's own metrics (not its row count, gate flags or the
          // champion's scores on the same rows)
          size_t a = name.find('.'), b = name.find('.', a + 1);
          if (a == std::string::npos || b == std::string::npos || !evaluate_steps.count(name.substr(0, a))) continue;
          std::string key = name.substr(b + 1);
          if (key == "rows" || starts_with(key, "gate.") || starts_with(key, "champion")) continue;
          r.metrics[name] = v;
        }
      }
    } catch (const std::exception& e) {
      r.status = "failed";
      r.error = e.what();
    }
    std::string shown;
    for (const auto& [k, v] : r.metrics) {
      std::string key = k.substr(k.find('.', k.find('.') + 1) + 1);
      if (key == "auc" || key == "rmse") shown += "  " + key + " " + format_fixed(v, 4);
    }
    say("  fold " + std::to_string(i + 1) + "/" + std::to_string(folds.size()) + "  run " + std::to_string(r.run) + "  train " +
        day_text(f.train_from) + " .. " + day_text(f.train_until) + "  test " + day_text(f.test_from) + " .. " +
        day_text(f.test_until) + shown + "  " + r.status + (r.error.empty() ? "" : ": " + r.error));
  }
  if (interrupt_requested()) throw InterruptedError("backtest interrupted by " + interrupt_name());

  // Mean and sd over the folds that recorded each metric.
  std::map<std::string, std::vector<std::pair<size_t, double>>> per_metric;
  for (size_t i = 0; i < results.size(); ++i)
    for (const auto& [k, v] : results[i].metrics) per_metric[k].push_back({i + 1, v});
  if (per_metric.empty())
    throw StepError("backtest of step '" + s.step + "': no fold recorded a metric (fold 1: " + results[0].status +
                    (results[0].error.empty() ? "" : ": " + results[0].error) + ")");
  json summary = json::object();
  for (const auto& [k, vals] : per_metric) {
    std::vector<double> values;
    for (const auto& [fold, v] : vals) values.push_back(v);
    MeanSd m = mean_sd(values);
    summary[k] = {{"mean", m.mean}, {"sd", m.sd}, {"folds", vals.size()}};
  }
  for (const auto& [k, v] : summary.items())
    if (std::string key = k.substr(k.find('.', k.find('.') + 1) + 1);
        key == "auc" || key == "pr_auc" || key == "rmse" || ends_with(key, "_at_k"))
      say("mlpipe: backtest " + k + "  mean " + format_fixed(v["mean"].get<double>(), 4) + "  sd " +
          format_fixed(v["sd"].get<double>(), 4) + " over " + std::to_string(v["folds"].get<size_t>()) + " folds");

  RunOutcome out = run_plan(make_plan(opt), opt);
  json table = json::array();
  std::vector<int64_t> children;
  for (size_t i = 0; i < folds.size(); ++i) {
    if (results[i].run) children.push_back(results[i].run);
    table.push_back({{"fold", i + 1}, {"run", results[i].run}, {"status", results[i].status},
                     {"train", range(folds[i].train_from, folds[i].train_until)},
                     {"test", range(folds[i].test_from, folds[i].test_until)}, {"metrics", results[i].metrics}});
  }
  if (out.run_id) {
    RunStore store(out.db);
    store.set_parent(children, out.run_id);
    store.add_params(out.run_id, "", {{"backtest.step", json(s.step).dump()}, {"backtest.table", table.dump()}});
    // Under the step name "backtest" (no step of the run has it, so no step's records change and
    // its cached outputs stay valid): each fold's STEP.SPLIT.KEY with iteration = fold, and the
    // mean and sd as STEP.SPLIT.KEY.mean / .sd.
    std::vector<MetricPoint> points;
    for (const auto& [k, vals] : per_metric) {
      for (const auto& [fold, v] : vals) points.push_back({k, "", int64_t(fold), v});
      points.push_back({k + ".mean", "", std::nullopt, summary[k]["mean"].get<double>()});
      points.push_back({k + ".sd", "", std::nullopt, summary[k]["sd"].get<double>()});
    }
    store.add_metrics(out.run_id, "backtest", points);
  }
  out.backtest = {{"step", s.step}, {"folds", table}, {"summary", summary}};
  return out;
}

}  // namespace mlpipe
