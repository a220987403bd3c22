#include "core/runner/sweep.h"

#include <atomic>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>

#include "core/runner/plan.h"
#include "core/steps/step.h"
#include "core/store/recorded_queries.h"
#include "core/store/run_store.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

constexpr size_t kMaxTrials = 1000;

const Schema& sweep_schema() {
  static const Schema s = {
      {"method", Kind::kString, false, {"grid", "random"}, "grid (every combination, default) or random"},
      {"parameters", Kind::kMap, true, {}, "key (inside this step, e.g. params.max_depth) -> list of values, or {min, max, log, int} for random"},
      {"trials", Kind::kInt, false, {}, "random: how many trials (required); grid: at most this many"},
      {"parallel", Kind::kInt, false, {}, "trials run at once (default 1); threads are shared between them"},
      {"metric", Kind::kString, true, {}, "what picks the best trial: step.split.key (train.valid.auc) or step.key"},
      {"goal", Kind::kString, false, {"maximize", "minimize"}, "default: minimize for losses and errors, else maximize"},
  };
  return s;
}

bool lower_is_better(const std::string& key) {
  for (const char* k : {"loss", "rmse", "mae", "brier", "error"})
    if (key.find(k) != std::string::npos) return true;
  return false;
}

struct MetricName {
  std::string step, split, key;
};
MetricName parse_metric(const std::string& text) {
  std::vector<std::string> parts = split(text, '.');
  MetricName m;
  if (parts.size() < 2) return m;
  m.step = parts[0];
  size_t rest = 1;
  if (parts.size() >= 3 && (parts[1] == "train" || parts[1] == "valid" || parts[1] == "test")) {
    m.split = parts[1];
    rest = 2;
  }
  for (size_t i = rest; i < parts.size(); ++i) m.key += (i > rest ? "." : "") + parts[i];
  return m;
}

void set_dotted(json& cfg, const std::string& key, const json& value) {
  json* node = &cfg;
  for (const auto& part : split(key, '.')) {
    if (!node->is_object()) *node = json::object();
    node = &(*node)[part];
  }
  *node = value;
}

// A number in [0, 1) from 53 random bits: the same on every platform, unlike std distributions.
double unit(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

json draw(const json& spec, std::mt19937_64& rng) {
  if (spec.is_array()) return spec[size_t(unit(rng) * double(spec.size()))];
  double lo = spec["min"].get<double>(), hi = spec["max"].get<double>();
  double u = unit(rng);
  double v = spec.value("log", false) ? std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))) : lo + u * (hi - lo);
  if (spec.value("int", false)) return json(int64_t(std::llround(v)));
  return json(v);
}

std::optional<double> metric_of(const DbLocation& db_path, int64_t run, const MetricName& m) {
  Db db = Db::open(db_path, /*read_only=*/true);
  return latest_metric(db, run, m.step, m.key, m.split);
}

std::string values_text(const json& trial) {
  std::string out;
  for (const auto& [k, v] : trial.items()) out += (out.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

}  // namespace

void check_sweep(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  std::string path = child_path(spec.path, "sweep");
  const json& sw = spec.config["sweep"];
  check.check_object(sw, path, sweep_schema());
  std::string method = sw.value("method", "grid");
  const json& params = sw["parameters"];
  std::string ppath = child_path(path, "parameters");
  if (params.empty()) check.fail_value(ppath, "list at least one parameter to sweep");
  for (const char* k : {"trials", "parallel"})
    if (sw.contains(k) && sw[k].get<long long>() < 1) check.fail_value(child_path(path, k), std::string(k) + " must be 1 or more");
  if (method == "random" && !sw.contains("trials"))
    check.fail_key(path, "a random sweep needs `trials: N` (how many to draw)");
  const StepType& type = step_type_for(spec, p.map);
  size_t combos = 1;
  for (const auto& [key, values] : params.items()) {
    std::string kp = child_path(ppath, key);
    if (key == "sweep" || key == "type" || key == "needs" || starts_with(key, "sweep."))
      check.fail_key(kp, "'" + key + "' cannot be swept");
    std::vector<json> to_check;
    if (values.is_array()) {
      if (values.empty()) check.fail_value(kp, "no values to try");
      combos *= values.size();
      to_check.assign(values.begin(), values.end());
    } else if (values.is_object()) {
      if (method != "random")
        check.fail_value(kp, "a grid sweep needs a list of values; ranges ({min, max}) need method: random");
      for (const auto& [k, v] : values.items())
        if (k != "min" && k != "max" && k != "log" && k != "int") check.fail_key(child_path(kp, k), "unknown key '" + k + "': use min, max, log, int");
      if (!values.contains("min") || !values.contains("max") || !values["min"].is_number() || !values["max"].is_number() ||
          values["min"].get<double>() > values["max"].get<double>())
        check.fail_value(kp, "a range needs numbers min <= max");
      if (values.value("log", false) && values["min"].get<double>() <= 0)
        check.fail_value(kp, "a log range needs min > 0");
      to_check = {values["min"], values["max"]};
      if (values.value("int", false)) to_check = {json(std::llround(values["min"].get<double>())), json(std::llround(values["max"].get<double>()))};
    } else {
      check.fail_value(kp, "expected a list of values (or {min, max} for random), got " + describe(values));
    }
    // Each value must be one the step accepts: checked now, not three trials in.
    for (const auto& v : to_check) {
      StepSpec trial = spec;
      trial.config.erase("sweep");
      set_dotted(trial.config, key, v);
      try {
        type.check(trial, check, p);
      } catch (const ConfigError& e) {
        check.fail_value(kp, "value " + v.dump() + " is not accepted: " + e.what());
      }
    }
  }
  if (method == "grid" && combos > kMaxTrials && !sw.contains("trials"))
    check.fail_value(ppath, "the grid has " + std::to_string(combos) + " combinations; set trials: N (at most " +
                                std::to_string(kMaxTrials) + ") or use method: random");
  if (sw.contains("trials") && sw["trials"].get<long long>() > (long long)kMaxTrials)
    check.fail_value(child_path(path, "trials"), "at most " + std::to_string(kMaxTrials) + " trials");
  MetricName m = parse_metric(sw["metric"].get<std::string>());
  std::vector<std::string> names = p.step_names();
  if (m.step.empty() || m.key.empty())
    check.fail_value(child_path(path, "metric"), "expected step.split.key (e.g. train.valid.auc) or step.key");
  if (std::find(names.begin(), names.end(), m.step) == names.end())
    check.fail_value(child_path(path, "metric"), "no step named '" + m.step + "'" + did_you_mean(m.step, names));
}

std::optional<SweepSpec> find_sweep(const Pipeline& p) {
  std::optional<SweepSpec> out;
  for (const auto& s : p.steps) {
    if (!s.config.contains("sweep")) continue;
    const json& sw = s.config["sweep"];
    SweepSpec spec;
    spec.step = s.name;
    spec.method = sw.value("method", "grid");
    spec.parameters = sw["parameters"];
    spec.trials = size_t(sw.value("trials", 0LL));
    spec.parallel = size_t(sw.value("parallel", 1LL));
    spec.metric = sw["metric"].get<std::string>();
    std::string goal = sw.value("goal", "");
    spec.maximize = goal.empty() ? !lower_is_better(parse_metric(spec.metric).key) : goal == "maximize";
    out = spec;
  }
  return out;
}

std::vector<json> sweep_trials(const SweepSpec& s, long long seed) {
  std::vector<json> out;
  if (s.method == "random") {
    std::mt19937_64 rng(uint64_t(seed) * 0x9E3779B97F4A7C15ull + 0x5157);
    for (size_t t = 0; t < s.trials; ++t) {
      json trial = json::object();
      for (const auto& [k, v] : s.parameters.items()) trial[k] = draw(v, rng);
      out.push_back(trial);
    }
    return out;
  }
  out.push_back(json::object());
  for (const auto& [k, values] : s.parameters.items()) {
    std::vector<json> next;
    for (const auto& partial : out)
      for (const auto& v : values) {
        json t = partial;
        t[k] = v;
        next.push_back(t);
      }
    out = std::move(next);
  }
  if (s.trials > 0 && out.size() > s.trials) out.resize(s.trials);
  return out;
}

RunOutcome run_sweep(const RunOptions& opt, const SweepSpec& s, long long seed) {
  std::vector<json> trials = sweep_trials(s, seed);
  MetricName metric = parse_metric(s.metric);
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  size_t parallel = std::max<size_t>(1, std::min(s.parallel, trials.size()));
  unsigned threads = opt.nthread ? opt.nthread : std::max(1u, cores / unsigned(parallel));
  std::mutex mu;
  auto say = [&](const std::string& line) {
    if (!opt.log) return;
    std::lock_guard<std::mutex> lock(mu);
    *opt.log << line << "\n" << std::flush;
  };
  say("mlpipe: sweep of step '" + s.step + "': " + std::to_string(trials.size()) + " trials (" + s.method + "), " +
      std::to_string(parallel) + " at a time, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads") + " each; best by " + s.metric + " (" +
      (s.maximize ? "highest" : "lowest") + ")");

  struct Result {
    int64_t run = 0;
    std::string status, error;
    std::optional<double> value;
  };
  std::vector<Result> results(trials.size());
  auto overrides_for = [&](const json& trial) {
    std::vector<std::string> o = opt.overrides;
    for (const auto& [k, v] : trial.items()) o.push_back("steps." + s.step + "." + k + "=" + v.dump());
    return o;
  };
  std::atomic<size_t> done{0};
  auto run_trial = [&](size_t t) {
    RunOptions c = opt;
    c.log = nullptr;
    c.nthread = threads;
    c.overrides = overrides_for(trials[t]);
    c.until_step = metric.step;  // a trial needs its metric, not the exports and registrations after it
    Result r;
    try {
      RunOutcome o = run_plan(make_plan(c), c);
      r.run = o.run_id;
      r.status = o.status;
      r.error = o.error;
      if (o.run_id) r.value = metric_of(o.db, o.run_id, metric);
    } catch (const std::exception& e) {
      r.status = "failed";
      r.error = e.what();
    }
    results[t] = r;
    size_t n = ++done;
    say("  trial " + std::to_string(n) + "/" + std::to_string(trials.size()) + "  run " + std::to_string(r.run) + "  " +
        values_text(trials[t]) + "  " + s.metric + " " + (r.value ? format_fixed(*r.value, 4) : std::string("-")) + "  " +
        r.status + (r.error.empty() ? "" : ": " + r.error));
  };
  // The first trial alone computes the steps every trial shares; the others then reuse them.
  run_trial(0);
  std::atomic<size_t> next{1};
  std::vector<std::thread> pool;
  for (size_t w = 0; w < parallel; ++w)
    pool.emplace_back([&] {
      for (size_t t; !interrupt_requested() && (t = next++) < trials.size();) run_trial(t);
    });
  for (auto& th : pool) th.join();
  if (interrupt_requested())
    throw InterruptedError("sweep of step '" + s.step + "' interrupted by " + interrupt_name() + " after " +
                           std::to_string(done.load()) + " of " + std::to_string(trials.size()) + " trials");

  std::optional<size_t> best;
  for (size_t t = 0; t < trials.size(); ++t) {
    if (!results[t].value || std::isnan(*results[t].value)) continue;
    if (!best || (s.maximize ? *results[t].value > *results[*best].value : *results[t].value < *results[*best].value)) best = t;
  }
  if (!best)
    throw StepError("sweep of step '" + s.step + "': no trial recorded " + s.metric + " (" + results[0].status +
                    (results[0].error.empty() ? "" : ": " + results[0].error) + ")");
  say("mlpipe: best: run " + std::to_string(results[*best].run) + "  " + values_text(trials[*best]) + "  " + s.metric +
      " " + format_fixed(*results[*best].value, 4) + "; running the pipeline with it");

  RunOptions f = opt;
  f.nthread = threads;  // as the trials ran, so their cached steps are reused
  f.overrides = overrides_for(trials[*best]);
  RunOutcome out = run_plan(make_plan(f), f);
  json record = json::array();
  std::vector<int64_t> children;
  for (size_t t = 0; t < trials.size(); ++t) {
    if (results[t].run) children.push_back(results[t].run);
    record.push_back({{"run", results[t].run}, {"values", trials[t]}, {"status", results[t].status},
                      {"value", results[t].value ? json(*results[t].value) : json()}});
  }
  if (out.run_id) {
    RunStore store(out.db);
    store.set_parent(children, out.run_id);
    store.add_params(out.run_id, "", {{"sweep.step", json(s.step).dump()}, {"sweep.metric", json(s.metric).dump()},
                                      {"sweep.best_run", json(results[*best].run).dump()},
                                      {"sweep.best_values", trials[*best].dump()}, {"sweep.trials", record.dump()}});
  }
  out.sweep = {{"step", s.step}, {"metric", s.metric}, {"maximize", s.maximize}, {"best_run", results[*best].run},
               {"best_values", trials[*best]}, {"trials", record}};
  return out;
}

}  // namespace mlpipe
