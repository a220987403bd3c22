#include "core/runner/runner.h"
#include "core/util/error_json.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "core/cache/file_hasher.h"
#include "core/cache/step_cache.h"
#include "core/runner/decisions.h"
#include "core/runner/thread_budget.h"
#include "core/platform/environment.h"
#include "core/platform/launch_env.h"
#include "core/runner/plan.h"
#include "core/runner/scheduler.h"
#include "core/runner/backtest.h"
#include "core/runner/sweep.h"
#include "core/steps/step.h"
#include "core/store/recorded_queries.h"
#include "core/store/object_store.h"
#include "core/store/run_store.h"
#include "core/store/legacy_store.h"
#include "core/store/store_layout.h"
#include "core/util/build_info.h"
#include "core/util/clock.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/interrupt.h"
#include "core/util/periodic_thread.h"
#include "core/util/strings.h"
#include "core/util/uuid.h"

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

// A path for people: relative to the current folder when it is below it, else absolute.
std::string shown_path(const fs::path& p) {
  std::error_code ec;
  fs::path rel = p.lexically_relative(fs::current_path(ec));
  return !ec && !rel.empty() && *rel.begin() != ".." ? rel.string() : p.string();
}

// Updates the run's heartbeat every 5 s while it lives, so a run whose process died can be told
// apart. A busy database must not kill the run; the next beat retries.
struct Heartbeat {
  Heartbeat(RunStore& store, int64_t run)
      : beat(5.0, [&store, run] {
          try {
            store.heartbeat(run);
          } catch (...) {
          }
        }) {}
  PeriodicThread beat;
};

void redirect_exports(Plan& plan, const fs::path& root) {
  for (auto& s : plan.pipeline.steps)
    if (s.type == "export") s.config["dir"] = (fs::absolute(root) / s.name).string();
}

}  // namespace

Plan make_plan(const RunOptions& opt) {
  Plan plan = opt.config_text ? load_plan_text(*opt.config_text, opt.pipeline_file.string(),
                                               opt.base_dir, opt.overrides)
                              : load_plan(opt.pipeline_file, opt.overrides);
  if (opt.export_root) redirect_exports(plan, *opt.export_root);  // reproduce: never overwrite the user's bundles
  return plan;
}

namespace {

// Ranks > 0 of a torchrun-style launch run the same pipeline (they need its data) in a folder
// of their own: the shared run store, the cache and the exports stay rank 0's.
void work_as_follower(RunOptions& opt, Plan& plan, const OutsideLaunch& launch) {
  fs::path root = (opt.store ? opt.store->root() : plan.pipeline.base_dir / ".mlpipe") / "ranks" /
                  std::to_string(launch.rank);
  opt.store = StoreLayout(root);
  redirect_exports(plan, root / "exports");
  if (opt.log)
    *opt.log << "mlpipe: rank " << launch.rank << " of " << launch.world << " (torchrun variables): working in "
             << root.string() << "; rank 0 records the run\n";
}

// The git state is recorded when git has answered (record_git), not here: the run starts at once.
int64_t create_run(RunStore& store, const Pipeline& p, const RunOutcome& out, unsigned nthread, unsigned jobs,
                   const std::string& uid, const RunOptions& opt) {
  RunInfo info;
  info.name = opt.name;
  info.pipeline = p.name;
  info.pipeline_file = fs::absolute(p.file).lexically_normal().string();
  info.config_yaml = p.yaml_text;
  info.config_json = p.resolved.dump();
  info.config_hash = hash_bytes(info.config_json);
  info.overrides_json = json(p.overrides).dump();
  info.seed = p.seed;
  info.host = host_name();
  info.user = user_name();
  info.mlpipe_version = MLPIPE_VERSION;
  info.pid = ::getpid();
  info.workdir = out.store.string();
  info.run_uid = uid;
  int64_t run = store.begin_run(info);
  for (const auto& [key, value] : opt.tags) store.tag_run(run, key, value, info.user);

  KeyValues env = collect_environment(nthread, jobs);
  env.emplace_back("seed", std::to_string(p.seed));
  if (std::optional<OutsideLaunch> l = outside_launch())
    env.emplace_back("launch", "torchrun variables: rank " + std::to_string(l->rank) + " of " + std::to_string(l->world) +
                                   ", master " + l->master_addr + ":" + std::to_string(l->master_port));
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
  return run;
}

// Step statuses of the run being resumed; refuses runs that cannot be resumed.
std::map<std::string, std::string> resumable_steps(RunStore& store, int64_t run) {
  std::optional<std::string> found = run_status(store.db(), run);
  if (!found) throw ConfigError("no run " + std::to_string(run) + " to resume");
  const std::string& status = *found;
  if (status == "ok") throw ConfigError("run " + std::to_string(run) + " finished ok; there is nothing to resume");
  if (status == "running")
    throw ConfigError("run " + std::to_string(run) + " is still running (its process is alive)");
  return step_statuses(store.db(), run);
}

}  // namespace

// Keys in the order a person reads them (and docs/machine-output.md lists them), not re-sorted.
nlohmann::ordered_json RunOutcome::to_json() const {
  using oj = nlohmann::ordered_json;
  oj steps_json = oj::array();
  for (const auto& s : steps) {
    oj j = {{"name", s.name}, {"type", s.type}, {"status", s.status}, {"duration_s", s.duration_s}};
    if (!s.summary.empty()) j["summary"] = s.summary;
    if (!s.reason.empty()) j["reason"] = s.reason;
    if (s.reused_from) j["reused_from_run"] = s.reused_from;
    if (!s.error.empty()) j["error"] = s.error;
    steps_json.push_back(j);
  }
  oj j = {{"run_id", run_id},       {"pipeline", pipeline}, {"status", status},
          {"exit_code", exit_code}, {"duration_s", duration_s}, {"store", store.string()},
          {"db", db.string()}, {"steps", steps_json}, {"metrics", oj::parse(metrics.dump())}};
  if (!error.empty()) j["error"] = error_object(error, exit_code);
  if (!sweep.is_null()) j["sweep"] = oj::parse(sweep.dump());
  if (!backtest.is_null()) j["backtest"] = oj::parse(backtest.dump());
  return j;
}

RunOutcome run_pipeline(const RunOptions& opt) {
  Plan plan = make_plan(opt);
  // A sweep runs its trials as child runs first, then the pipeline with the best values.
  if (!opt.dry_run)
    if (std::optional<SweepSpec> s = find_sweep(plan.pipeline)) return run_sweep(opt, *s, plan.pipeline.seed);
  // A backtest runs its folds as child runs first, then the pipeline as written.
  if (!opt.dry_run && opt.until_step.empty())
    if (std::optional<BacktestSpec> b = find_backtest(plan.pipeline)) return run_backtest(opt, *b);
  return run_plan(std::move(plan), opt);
}

RunOutcome run_plan(Plan plan, const RunOptions& given) {
  auto t0 = std::chrono::steady_clock::now();
  RunOptions opt = given;
  std::optional<OutsideLaunch> launch = outside_launch();
  if (launch && launch->rank > 0) work_as_follower(opt, plan, *launch);
  const Pipeline& p = plan.pipeline;
  const Dag& dag = plan.dag;
  // git runs in the background (two processes; slow in big repositories) while the run plans
  // and works; its answer is recorded as soon as it comes (record_git), at the latest at the end.
  std::future<std::optional<GitState>> git = std::async(std::launch::async, git_state, p.base_dir);
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned nthread = opt.nthread ? opt.nthread : cores;
  unsigned jobs = opt.jobs ? opt.jobs : cores;
  const std::vector<unsigned> step_threads = thread_shares(p, dag, nthread, jobs);

  RunOutcome out;
  out.pipeline = p.name;
  const StoreLayout layout(opt.store ? *opt.store : StoreLayout(p.base_dir / ".mlpipe"));
  out.store = layout.root();
  out.db = layout.db();
  if (opt.resume_run || opt.reproduces_run) require_store(layout, opt.log);
  else migrate_legacy_store(layout, opt.log);
  RunStore store(out.db);
  store.mark_interrupted();
  StepCache cache(store, layout);
  ObjectStore objects(layout);

  std::map<std::string, std::string> resumed;
  if (opt.resume_run) resumed = resumable_steps(store, *opt.resume_run);
  std::vector<Decision> decisions =
      decide(plan, opt, store, cache, step_threads, opt.resume_run.value_or(0), resumed);
  if (opt.log && (opt.explain || opt.dry_run))
    *opt.log << "mlpipe: plan for " << p.name << "\n" << format_decisions(plan, decisions);
  size_t n = dag.size();
  out.steps.resize(n);
  for (size_t i = 0; i < n; ++i)
    out.steps[i] = {p.steps[i].name, p.steps[i].type, "pending", "", "", 0, decisions[i].reason, 0};
  if (opt.dry_run) {
    out.status = "dry_run";
    return out;
  }

  int64_t run;
  std::string run_uid;
  // The run's opening records (run, environment, params, steps, fingerprints, and the steps
  // settled as up to date below) in one commit instead of ~25: only this thread uses the store
  // until the steps start.
  Transaction opening(store.db());
  if (opt.resume_run) {
    run = *opt.resume_run;
    run_uid = store.run_uid(run);
    store.reopen_run(run, ::getpid(), host_name());
    for (size_t i = 0; i < n; ++i)
      if (!decisions[i].keep_from_resumed_run) store.clear_step_records(run, p.steps[i].name);
  } else {
    run_uid = new_uuid_v7();
    run = create_run(store, p, out, nthread, jobs, run_uid, opt);
    if (opt.reproduces_run) store.set_reproduces(run, *opt.reproduces_run);
  }
  out.run_id = run;
  // A resumed run keeps the git state it started with.
  auto record_git = [&](bool wait) {
    if (!git.valid() || (!wait && git.wait_for(std::chrono::seconds(0)) != std::future_status::ready)) return;
    std::optional<GitState> g = git.get();
    if (g && !opt.resume_run) store.set_git(run, g->commit, g->dirty, g->diff_hash);
  };
  record_git(false);
  for (size_t i = 0; i < n; ++i)
    store.set_fingerprint(run, p.steps[i].name, decisions[i].fingerprint, decisions[i].parts.dump());
  if (opt.log)
    *opt.log << "mlpipe: " << (opt.resume_run ? "resuming run " : "run ") << run << " of " << p.name
             << " (" << n << " steps) -> "
             << (layout.on_server() ? layout.db().string() : shown_path(out.store)) << "\n";

  std::vector<Flow> flows(n);
  std::vector<ExitCode> codes(n, ExitCode::kOk);
  std::vector<ScheduledStep> table(n);
  for (size_t i = 0; i < n; ++i) {
    table[i].needs = dag.needs(i);
    table[i].skip = decisions[i].action == Action::kSkip;
  }
  std::mutex mu;  // guards out, flows' publication, codes and the count of finished steps
  size_t finished = 0;

  std::optional<ProgressDisplay> display;
  if (opt.log) display.emplace(*opt.log, opt.progress);
  auto report = [&](size_t i) {  // called with mu held
    ++finished;
    if (!opt.log) return;
    const StepOutcome& s = out.steps[i];
    std::string line = "  [" + std::to_string(finished) + "/" + std::to_string(n) + "] " + s.name;
    line += std::string(line.size() < 22 ? 22 - line.size() : 1, ' ') + display->paint(s.status);
    line += std::string(s.status.size() < 12 ? 12 - s.status.size() : 1, ' ');
    line += format_fixed(s.duration_s, 2) + "s";
    if (!s.summary.empty()) line += "  " + s.summary;
    if (!s.error.empty()) line += "\n      " + s.error;
    display->line(line);
  };

  // Loads a step's cached outputs; on success records the reuse and returns true.
  // Outputs of reused steps are loaded only when a step that runs needs them: a run where
  // everything is up to date reads no tables or models at all.
  std::vector<bool> loaded(n, true);
  auto stat_cached_hash = [&](const fs::path& f) { return hash_input_file(&store, f); };
  std::recursive_mutex load_mu;
  std::function<void(size_t)> ensure_loaded = [&](size_t k) {
    std::lock_guard<std::recursive_mutex> lock(load_mu);
    if (loaded[k]) return;
    Flow in;
    for (size_t j : dag.needs(k)) {
      ensure_loaded(j);
      in.fill_from(flows[j]);
    }
    std::string why;
    std::optional<CacheEntry> entry = cache.find(decisions[k].fingerprint, &why);
    std::optional<Flow> full;
    if (entry) full = cache.load(*entry, in, why, false, stat_cached_hash);
    if (!full)
      throw StepError("the cached outputs of step '" + p.steps[k].name + "' are needed but unusable (" + why +
                      "); run again with --force " + p.steps[k].name);
    Flow merged = *full;
    merged.fill_from(flows[k]);
    flows[k] = merged;
    loaded[k] = true;
  };
  auto needed_by_a_running_step = [&](size_t i) {
    for (size_t j = 0; j < n; ++j) {
      const auto& needs = dag.needs(j);
      if (decisions[j].action == Action::kRun && std::find(needs.begin(), needs.end(), i) != needs.end()) return true;
    }
    return false;
  };

  auto try_reuse = [&](size_t i, const Flow& input, Flow& result, std::string& summary,
                       int64_t& origin, std::string& why, bool light) {
    const StepSpec& spec = p.steps[i];
    const Decision& d = decisions[i];
    std::optional<CacheEntry> entry = cache.find(d.fingerprint, &why);
    if (!entry) return false;
    auto got = cache.load(*entry, input, why, light, stat_cached_hash);
    if (!got) return false;
    result = *got;
    if (d.keep_from_resumed_run) {
      origin = run;
      summary = "kept from before the interruption";
      return true;
    }
    store.record_reuse(run, spec.name, *entry);
    origin = entry->run_id;
    summary = "reused outputs of run " + std::to_string(entry->run_id);
    return true;
  };

  // How a step ended, as its outcome line and the run store tell it.
  struct Ending {
    StepStatus status = StepStatus::kOk;
    std::string error, summary, reason;
    ExitCode code = ExitCode::kOk;
    int64_t origin = 0;  // the run whose outputs it reused (this run: kept from before an interruption)
    double duration_s = 0;
  };
  // Publishes a step's end: its flow for the steps after it, and its outcome (called with mu held).
  auto settle = [&](size_t i, const Ending& e, Flow&& result, const Flow& input, bool light,
                    const json& outcome_metrics) {
    {
      std::lock_guard<std::recursive_mutex> load_lock(load_mu);
      flows[i] = std::move(result);
      loaded[i] = !(light && e.status == StepStatus::kReused) && !(light && e.status == StepStatus::kOk && e.origin == run);
    }
    codes[i] = e.code;
    StepOutcome& so = out.steps[i];
    so.status = step_status_name(e.status);
    so.error = e.error;
    so.summary = e.summary;
    so.reason = e.reason;
    so.reused_from = e.origin == run ? 0 : e.origin;
    so.duration_s = e.duration_s;
    if (!outcome_metrics.is_null()) out.metrics[so.name] = outcome_metrics;
    else if (flows[i].evaluation && flows[i].evaluation != input.evaluation)
      out.metrics[so.name] = flows[i].evaluation->metrics;
  };

  // Runs (or reuses) one step in a scheduler thread and returns how it ended.
  auto execute = [&](size_t i) -> StepStatus {
    const StepSpec& spec = p.steps[i];
    bool light = decisions[i].action == Action::kReuse && !needed_by_a_running_step(i);
    Flow input;
    std::vector<std::pair<std::string, Flow>> by_step;
    std::string load_error;
    try {
      if (!light)
        for (size_t j : dag.needs(i)) {
          ensure_loaded(j);
          input.fill_from(flows[j]);
          by_step.emplace_back(p.steps[j].name, flows[j]);
        }
    } catch (const std::exception& e) {
      load_error = e.what();
    }
    fs::path outdir = layout.run_dir(run_uid) / spec.name;
    StepContext ctx(p, spec, input, outdir, layout.root(), &store, run, step_threads[i]);
    ctx.inputs_by_step = std::move(by_step);
    ctx.upstream_output = [&](const std::string& name) -> Flow {
      for (size_t j = 0; j < n; ++j)
        if (p.steps[j].name == name) {
          ensure_loaded(j);
          std::lock_guard<std::recursive_mutex> lock(load_mu);
          return flows[j];
        }
      throw StepError("no step '" + name + "' upstream of '" + spec.name + "'");
    };
    ctx.reproducing = opt.reproduces_run.has_value();
    if (opt.log) {
      ctx.log_sink = [&](const std::string& line) { display->line("      " + spec.name + ": " + line); };
      ctx.progress_sink = [&](double done, double total, const std::string& unit, const std::string& note) {
        display->update(spec.name, done, total, unit, note);
      };
    }
    auto start = std::chrono::steady_clock::now();
    Ending e;
    e.reason = decisions[i].reason;
    Flow result;
    try {
      if (!load_error.empty()) throw StepError(load_error);
      bool reused = false;
      if (decisions[i].action == Action::kReuse) {
        std::string why;
        reused = try_reuse(i, input, result, e.summary, e.origin, why, light);
        if (!reused && light) {  // it runs after all: it needs its inputs now
          for (size_t j : dag.needs(i)) {
            ensure_loaded(j);
            input.fill_from(flows[j]);
            ctx.inputs_by_step.emplace_back(p.steps[j].name, flows[j]);
          }
          ctx.input = input;
        }
        if (!reused) {
          e.reason = "cached outputs unusable: " + why;
          if (decisions[i].keep_from_resumed_run) store.clear_step_records(run, spec.name);
          if (opt.log && opt.explain) display->line("  " + spec.name + ": " + e.reason + "; running it");
        }
      }
      if (reused) {
        e.status = decisions[i].keep_from_resumed_run ? StepStatus::kOk : StepStatus::kReused;
      } else {
        store.step_started(run, spec.name);
        const StepType& type = step_type_for(spec, p.map);
        if (display) display->started(spec.name);
        result = type.run(ctx);
        result.fill_from(input);
        e.summary = ctx.summary();
      }
    } catch (const GateError& x) {
      e.status = StepStatus::kGateFailed;
      e.error = x.what();
      e.code = x.code();
    } catch (const InterruptedError& x) {
      e.status = StepStatus::kInterrupted;
      e.error = x.what();
      e.code = x.code();
    } catch (const Error& x) {
      e.status = StepStatus::kFailed;
      e.error = x.what();
      e.code = x.code();
    } catch (const fs::filesystem_error& x) {  // a path problem, not a bug: say which path
      e.status = StepStatus::kFailed;
      e.error = x.code().message() + ": " + x.path1().string();
      if (!x.path2().empty()) e.error += " -> " + x.path2().string();
      e.code = ExitCode::kStepFailed;
    } catch (const std::exception& x) {
      e.status = StepStatus::kFailed;
      e.error = std::string("internal error: ") + x.what();
      e.code = ExitCode::kStepFailed;
    }
    e.duration_s = seconds_since(start);
    if (e.status == StepStatus::kFailed && interrupt_requested()) {
      e.status = StepStatus::kInterrupted;
      e.error = "interrupted by " + interrupt_name() + " (" + e.error + ")";
      e.code = ExitCode::kInterrupted;
    }
    if (display) display->stopped(spec.name);
    if (e.summary.empty()) e.summary = ctx.summary();  // kept for failed gates too: shows the metrics
    bool kept = e.status == StepStatus::kOk && e.origin == run;  // finished before an interruption
    try {
      ctx.flush_metrics();
      if (e.status != StepStatus::kReused && !kept)
        store.step_finished(run, spec.name, step_status_name(e.status), e.error, e.duration_s);
      if (e.status == StepStatus::kOk && e.origin == 0 && !opt.no_cache)
        cache.save(decisions[i].fingerprint, input, result, ctx.outside_outputs, run, spec.name, spec.type);
      // Every recorded file becomes an object, stored once and kept by gc: the run's own files
      // without a copy, files outside the store (an export bundle, a copy for people) copied in.
      for (const auto& [file, hash] : ctx.artifact_files()) {
        if (!fs::is_regular_file(file)) continue;
        if (!fs::path(layout.record_path(file)).is_absolute()) objects.share(file, hash);
        else if (!objects.has(hash)) objects.put_copy(file);
      }
    } catch (const std::exception& x) {
      if (e.status == StepStatus::kOk) {
        e.status = StepStatus::kFailed;
        e.error = x.what();
        e.code = ExitCode::kStepFailed;
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    settle(i, e, std::move(result), input, light, ctx.outcome_metrics);
    return e.status;
  };

  // Up-to-date steps that no running step needs are settled here, in the run's opening commit,
  // in graph order: a run where everything is up to date is one commit and starts no threads.
  // A step whose cached outputs turn out unusable is left to the scheduler, which runs it.
  for (size_t i : dag.order()) {
    const auto& needs = dag.needs(i);
    if (decisions[i].action != Action::kReuse || needed_by_a_running_step(i) ||
        !std::all_of(needs.begin(), needs.end(), [&](size_t j) { return succeeded(table[j].status); }))
      continue;
    auto start = std::chrono::steady_clock::now();
    Ending e;
    Flow result;
    std::string why;
    try {
      if (!try_reuse(i, Flow(), result, e.summary, e.origin, why, true)) continue;
    } catch (const std::exception&) {  // the scheduler tries again and reports it
      continue;
    }
    e.status = decisions[i].keep_from_resumed_run ? StepStatus::kOk : StepStatus::kReused;
    e.reason = decisions[i].reason;
    e.duration_s = seconds_since(start);
    table[i].status = e.status;
    std::lock_guard<std::mutex> lock(mu);
    settle(i, e, std::move(result), Flow(), true, json());
    report(i);
  }
  opening.commit();
  std::optional<Heartbeat> heartbeat;
  if (std::any_of(table.begin(), table.end(), [](const ScheduledStep& t) { return t.status == StepStatus::kPending; }))
    heartbeat.emplace(store, run);

  SchedulerHooks hooks;
  for (const auto& st : p.steps) hooks.names.push_back(st.name);
  hooks.run = execute;
  hooks.interrupted = [] { return interrupt_requested(); };
  hooks.idle = [&] { record_git(false); };
  hooks.skipped = [&](size_t i, const std::string& blocker) {
    std::lock_guard<std::mutex> lock(mu);
    out.steps[i].status = step_status_name(StepStatus::kSkipped);
    out.steps[i].error = blocker.empty() ? decisions[i].reason : "not run: step '" + blocker + "' did not succeed";
    store.step_finished(run, p.steps[i].name, "skipped", out.steps[i].error, 0);
  };
  hooks.finished = [&](size_t i, StepStatus) {
    std::lock_guard<std::mutex> lock(mu);
    report(i);
  };
  try {
    run_schedule(table, dag.order(), jobs, hooks);
  } catch (const std::exception& e) {
    // The store could not record a step (a full disk): the run ends failed if that can still be
    // written; if not, the next command finds its process gone and marks it interrupted, and
    // `resume` continues it once there is space.
    try {
      store.finish_run(run, "failed", int(ExitCode::kStepFailed), e.what(), seconds_since(t0));
    } catch (const std::exception&) {
    }
    throw;
  }

  // The run's exit code: a config problem found mid-run (2) over a failure (1) over a gate (3).
  bool any_config = false, any_failed = false, any_gate = false, any_interrupted = interrupt_requested();
  for (size_t i = 0; i < n; ++i) {
    any_interrupted = any_interrupted || codes[i] == ExitCode::kInterrupted;
    any_config = any_config || codes[i] == ExitCode::kBadConfig;
    any_failed = any_failed || codes[i] == ExitCode::kStepFailed;
    any_gate = any_gate || codes[i] == ExitCode::kGateFailed;
    if (!out.steps[i].error.empty() && out.error.empty() && out.steps[i].status != "skipped")
      out.error = "step '" + out.steps[i].name + "': " + out.steps[i].error;
  }
  out.exit_code = int(any_interrupted ? ExitCode::kInterrupted
                      : any_config ? ExitCode::kBadConfig
                      : any_failed ? ExitCode::kStepFailed
                      : any_gate   ? ExitCode::kGateFailed
                                   : ExitCode::kOk);
  out.status = any_interrupted ? "interrupted" : any_config || any_failed ? "failed" : any_gate ? "gate_failed" : "ok";
  if (any_interrupted && out.error.empty()) out.error = "interrupted by " + interrupt_name();
  out.duration_s = seconds_since(t0);
  record_git(true);
  store.finish_run(run, out.status, out.exit_code, out.error, out.duration_s);
  if (opt.log)
    *opt.log << "mlpipe: run " << run << " " << out.status << " in "
             << format_fixed(out.duration_s, 2) << "s" << (out.error.empty() ? "" : ": " + out.error)
             << "\n" << (out.status == "interrupted" ? "mlpipe: continue it with: mlpipe resume " + std::to_string(run) + " --store " +
                                               shell_quote(out.store.string()) + "\n" : "");
  return out;
}

}  // namespace mlpipe
