#include "core/runner/runner.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/runner/environment.h"
#include "core/runner/plan.h"
#include "core/steps/step.h"
#include "core/store/run_store.h"
#include "core/util/build_info.h"
#include "core/util/clock.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

// Flattens a config map into dotted keys with JSON text values, for the params table.
void flatten(const json& v, const std::string& prefix, KeyValues& out) {
  if (v.is_object() && !v.empty()) {
    for (const auto& [k, child] : v.items()) flatten(child, prefix.empty() ? k : prefix + "." + k, out);
  } else {
    out.emplace_back(prefix, v.dump());
  }
}

// Updates the run's heartbeat while it lives, so a run whose process died can be told apart.
class Heartbeat {
 public:
  Heartbeat(RunStore& store, int64_t run) : store_(store), run_(run), thread_([this] { loop(); }) {}
  ~Heartbeat() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stop_; })) {
      try {
        store_.heartbeat(run_);
      } catch (...) {  // a busy database must not kill the run; the next beat retries
      }
    }
  }
  RunStore& store_;
  int64_t run_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

enum class State { kWaiting, kRunning, kOk, kFailed, kSkipped };

}  // namespace

json RunOutcome::to_json() const {
  json steps_json = json::array();
  for (const auto& s : steps) {
    json j = {{"name", s.name}, {"type", s.type}, {"status", s.status}, {"duration_s", s.duration_s}};
    if (!s.error.empty()) j["error"] = s.error;
    if (!s.summary.empty()) j["summary"] = s.summary;
    steps_json.push_back(j);
  }
  json j = {{"run_id", run_id},       {"pipeline", pipeline}, {"status", status},
            {"exit_code", exit_code}, {"duration_s", duration_s}, {"db", db.string()},
            {"workdir", workdir.string()}, {"steps", steps_json}, {"metrics", metrics}};
  if (!error.empty()) j["error"] = error;
  return j;
}

RunOutcome run_pipeline(const RunOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  Plan plan = load_plan(opt.pipeline_file, opt.overrides);
  const Pipeline& p = plan.pipeline;
  const Dag& dag = plan.dag;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned nthread = opt.nthread ? opt.nthread : cores;
  unsigned jobs = opt.jobs ? opt.jobs : cores;

  RunOutcome out;
  out.pipeline = p.name;
  out.workdir = opt.workdir ? *opt.workdir : p.base_dir / ".mlpipe";
  out.db = opt.db ? *opt.db : out.workdir / "runs.db";
  RunStore store(out.db);

  RunInfo info;
  info.pipeline = p.name;
  info.pipeline_file = fs::absolute(p.file).lexically_normal().string();
  info.config_yaml = p.yaml_text;
  info.config_json = p.resolved.dump();
  info.config_hash = hash_bytes(info.config_json);
  info.overrides_json = json(p.overrides).dump();
  info.seed = p.seed;
  std::optional<GitState> git = git_state(p.base_dir);
  if (git) {
    info.git_commit = git->commit;
    info.git_dirty = git->dirty ? 1 : 0;
  }
  info.host = host_name();
  info.user = user_name();
  info.mlpipe_version = MLPIPE_VERSION;
  info.pid = ::getpid();
  info.workdir = fs::absolute(out.workdir).lexically_normal().string();
  int64_t run = out.run_id = store.begin_run(info);

  KeyValues env = collect_environment(nthread, jobs);
  env.emplace_back("seed", std::to_string(p.seed));
  if (git && !git->diff_hash.empty()) env.emplace_back("git.diff_hash", git->diff_hash);
  store.add_environment(run, env);
  KeyValues top;
  top.emplace_back("seed", json(p.seed).dump());
  flatten(p.params, "params", top);
  store.add_params(run, "", top);
  for (const auto& s : p.steps) {
    store.add_step(run, s.name, s.type);
    KeyValues kv;
    json cfg = s.config;
    cfg.erase("description");
    flatten(cfg, "", kv);
    store.add_params(run, s.name, kv);
  }
  Heartbeat heartbeat(store, run);
  if (opt.log)
    *opt.log << "mlpipe: run " << run << " of " << p.name << " (" << p.steps.size()
             << " steps) -> " << out.db.string() << "\n";

  size_t n = dag.size();
  std::vector<State> state(n, State::kWaiting);
  std::vector<Flow> flows(n);
  out.steps.resize(n);
  for (size_t i = 0; i < n; ++i) out.steps[i] = {p.steps[i].name, p.steps[i].type, "pending", "", "", 0};
  std::vector<ExitCode> codes(n, ExitCode::kOk);
  std::mutex mu;
  std::condition_variable cv;
  unsigned running = 0;
  size_t finished = 0;
  std::vector<std::thread> threads;

  auto report = [&](size_t i) {  // called with mu held
    if (!opt.log) return;
    const StepOutcome& s = out.steps[i];
    std::string line = "  [" + std::to_string(finished) + "/" + std::to_string(n) + "] " + s.name;
    line += std::string(line.size() < 22 ? 22 - line.size() : 1, ' ') + s.status;
    line += std::string(s.status.size() < 12 ? 12 - s.status.size() : 1, ' ');
    line += format_fixed(s.duration_s, 2) + "s";
    if (!s.summary.empty()) line += "  " + s.summary;
    if (!s.error.empty()) line += "\n      " + s.error;
    *opt.log << line << "\n" << std::flush;
  };

  auto execute = [&](size_t i) {
    const StepSpec& spec = p.steps[i];
    Flow input;
    for (size_t j : dag.needs(i)) input.fill_from(flows[j]);
    fs::path outdir = out.workdir / "runs" / std::to_string(run) / spec.name;
    StepContext ctx(p, spec, input, outdir, out.workdir, &store, run, nthread);
    auto start = std::chrono::steady_clock::now();
    std::string status = "ok", error;
    ExitCode code = ExitCode::kOk;
    Flow result;
    try {
      store.step_started(run, spec.name);
      const StepType& type = step_type_for(spec, p.map);
      result = type.run(ctx);
      result.fill_from(input);
    } catch (const GateError& e) {
      status = "gate_failed";
      error = e.what();
      code = e.code();
    } catch (const Error& e) {
      status = "failed";
      error = e.what();
      code = e.code();
    } catch (const fs::filesystem_error& e) {  // a path problem, not a bug: say which path
      status = "failed";
      error = e.code().message() + ": " + e.path1().string();
      if (!e.path2().empty()) error += " -> " + e.path2().string();
      code = ExitCode::kStepFailed;
    } catch (const std::exception& e) {
      status = "failed";
      error = std::string("internal error: ") + e.what();
      code = ExitCode::kStepFailed;
    }
    double dur = seconds_since(start);
    try {
      ctx.flush_metrics();
      store.step_finished(run, spec.name, status, error, dur);
    } catch (const std::exception& e) {
      if (status == "ok") {
        status = "failed";
        error = e.what();
        code = ExitCode::kStepFailed;
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    flows[i] = std::move(result);
    state[i] = status == "ok" ? State::kOk : State::kFailed;
    codes[i] = code;
    out.steps[i].status = status;
    out.steps[i].error = error;
    out.steps[i].summary = ctx.summary();
    out.steps[i].duration_s = dur;
    if (!ctx.outcome_metrics.is_null()) out.metrics[spec.name] = ctx.outcome_metrics;
    ++finished;
    --running;
    report(i);
    cv.notify_all();
  };

  {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      bool waiting = false;
      for (size_t i : dag.order()) {
        if (state[i] != State::kWaiting) continue;
        bool ready = true, blocked = false;
        std::string blocker;
        for (size_t j : dag.needs(i)) {
          if (state[j] == State::kFailed || state[j] == State::kSkipped) {
            blocked = true;
            blocker = p.steps[j].name;
          }
          if (state[j] != State::kOk) ready = false;
        }
        if (blocked) {
          state[i] = State::kSkipped;
          out.steps[i].status = "skipped";
          out.steps[i].error = "not run: step '" + blocker + "' did not succeed";
          store.step_finished(run, p.steps[i].name, "skipped", out.steps[i].error, 0);
          ++finished;
          report(i);
          continue;
        }
        if (ready && running < jobs) {
          state[i] = State::kRunning;
          ++running;
          threads.emplace_back(execute, i);
          continue;
        }
        waiting = true;
      }
      if (!waiting && running == 0) break;
      cv.wait(lock);
    }
  }
  for (auto& t : threads) t.join();

  // The run's exit code: a config problem found mid-run (2) over a failure (1) over a gate (3).
  bool any_config = false, any_failed = false, any_gate = false;
  for (size_t i = 0; i < n; ++i) {
    any_config = any_config || codes[i] == ExitCode::kBadConfig;
    any_failed = any_failed || codes[i] == ExitCode::kStepFailed;
    any_gate = any_gate || codes[i] == ExitCode::kGateFailed;
    if (!out.steps[i].error.empty() && out.error.empty() && out.steps[i].status != "skipped")
      out.error = "step '" + out.steps[i].name + "': " + out.steps[i].error;
  }
  out.exit_code = int(any_config ? ExitCode::kBadConfig
                      : any_failed ? ExitCode::kStepFailed
                      : any_gate   ? ExitCode::kGateFailed
                                   : ExitCode::kOk);
  out.status = any_config || any_failed ? "failed" : any_gate ? "gate_failed" : "ok";
  out.duration_s = seconds_since(t0);
  store.finish_run(run, out.status, out.exit_code, out.error, out.duration_s);
  if (opt.log)
    *opt.log << "mlpipe: run " << run << " " << out.status << " in "
             << format_fixed(out.duration_s, 2) << "s" << (out.error.empty() ? "" : ": " + out.error)
             << "\n";
  return out;
}

}  // namespace mlpipe
