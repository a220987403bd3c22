#include "core/runner/decisions.h"

#include <set>

#include "core/cache/file_hasher.h"
#include "core/cache/fingerprint.h"
#include "core/steps/step.h"
#include "core/util/build_info.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {

const char* action_name(Action a) {
  return a == Action::kRun ? "run" : a == Action::kReuse ? "reuse" : "skip";
}

namespace {
size_t step_index(const Plan& plan, const std::string& name, const std::string& flag) {
  size_t i = plan.dag.index_of(name);
  if (i == SIZE_MAX)
    throw ConfigError(flag + " " + name + ": no step named '" + name + "'" +
                      did_you_mean(name, plan.pipeline.step_names()));
  return i;
}
}  // namespace

std::vector<Decision> decide(const Plan& plan, const RunOptions& opt, RunStore& store,
                             const StepCache& cache, const std::vector<unsigned>& threads, int64_t current_run,
                             const std::map<std::string, std::string>& resumed) {
  const Pipeline& p = plan.pipeline;
  const Dag& dag = plan.dag;
  size_t n = dag.size();
  std::vector<Decision> d(n);

  // Fingerprints in dependency order: each needs its upstream fingerprints.
  for (size_t i : dag.order()) {
    const StepSpec& s = p.steps[i];
    const StepType& type = step_type_for(s, p.map);
    FingerprintParts parts;
    parts.type = s.type;
    parts.config = s.config;
    parts.config.erase("description");
    parts.config.erase("sweep");  // how trials are chosen, not what this one computes
    parts.seed = p.seed;
    for (size_t j : dag.needs(i)) parts.upstream[p.steps[j].name] = d[j].fingerprint;
    if (type.reads)
      for (const auto& f : type.reads(s, p.base_dir)) {
        std::filesystem::path path = std::filesystem::path(f).is_absolute() ? std::filesystem::path(f) : p.base_dir / f;
        parts.files[f] = hash_input_file(&store, path);
      }
    parts.versions["mlpipe"] = MLPIPE_VERSION;
    if (type.runtime) parts.runtime = type.runtime(s, threads[i]);
    // Where an export writes is part of what it computes: without `dir:` the folder is named
    // after the pipeline, and a renamed pipeline reused the old run's bundle under the old name.
    if (s.type == "export" && !s.config.contains("dir")) parts.runtime["bundle_dir"] = "models/" + p.name;
    if (type.store_state)
      if (json st = type.store_state(s, p, store); !st.is_null()) parts.runtime["registry"] = st;
    d[i].parts = parts.to_json();
    d[i].fingerprint = parts.hash();
  }

  std::vector<bool> forced(n, opt.force_all);
  std::string force_reason = opt.force_all ? "forced (--force)" : "";
  std::vector<std::string> why_forced(n, force_reason);
  for (const auto& name : opt.force_steps) {
    size_t i = step_index(plan, name, "--force");
    forced[i] = true;
    why_forced[i] = "forced (--force " + name + ")";
  }
  if (!opt.from_step.empty()) {
    size_t from = step_index(plan, opt.from_step, "--from");
    for (size_t i = 0; i < n; ++i) {
      auto anc = dag.ancestors(i);
      if (i == from || std::find(anc.begin(), anc.end(), from) != anc.end()) {
        forced[i] = true;
        why_forced[i] = "--from " + opt.from_step;
      }
    }
  }
  // A sweep trial needs its metric's step and what that step needs (run or reused); no more.
  std::set<size_t> needed;
  if (!opt.until_step.empty()) {
    size_t until = step_index(plan, opt.until_step, "sweep metric");
    needed.insert(until);
    for (size_t j : dag.ancestors(until)) needed.insert(j);
  }
  std::set<size_t> only_upstream;
  size_t only = SIZE_MAX;
  if (!opt.only_step.empty()) {
    only = step_index(plan, opt.only_step, "--only");
    for (size_t j : dag.ancestors(only)) only_upstream.insert(j);
  }

  for (size_t i = 0; i < n; ++i) {
    const std::string& name = p.steps[i].name;
    Decision& di = d[i];
    auto res = resumed.find(name);
    if (!opt.until_step.empty() && !needed.count(i)) {
      di.action = Action::kSkip;
      di.reason = "not needed for the sweep's metric (step " + opt.until_step + ")";
      continue;
    }
    if (only != SIZE_MAX && i != only && !only_upstream.count(i)) {
      di.action = Action::kSkip;
      di.reason = "not selected (--only " + opt.only_step + ")";
      continue;
    }
    if (res != resumed.end() && (res->second == "ok" || res->second == "reused") && !forced[i]) {
      di.action = Action::kReuse;
      di.keep_from_resumed_run = true;
      di.reason = "finished before the interruption";
      continue;
    }
    if (forced[i] && !(only != SIZE_MAX && i != only)) {
      di.action = Action::kRun;
      di.reason = why_forced[i];
      continue;
    }
    if (opt.no_cache) {
      di.action = Action::kRun;
      di.reason = "cache not used";
      continue;
    }
    std::string miss;
    if (std::optional<CacheEntry> e = cache.find(di.fingerprint, &miss)) {
      di.action = Action::kReuse;
      di.reason = "up to date (outputs of run " + std::to_string(e->run_id) + ")";
      continue;
    }
    di.action = Action::kRun;
    auto prev = store.previous_fingerprint_inputs(p.name, name, current_run > 0 ? current_run : INT64_MAX);
    if (!prev) {
      di.reason = "no earlier run of this step";
    } else {
      std::vector<std::string> changes = explain_change(json::parse(*prev), di.parts);
      di.reason = changes.empty() ? "cached outputs unusable: " + miss : join(changes, "; ");
    }
    if (only_upstream.count(i))
      throw ConfigError("--only " + opt.only_step + ": upstream step '" + name +
                        "' has no up-to-date cached result (" + di.reason +
                        "); run the pipeline without --only first");
  }
  return d;
}

std::string format_decisions(const Plan& plan, const std::vector<Decision>& d) {
  std::string out;
  for (size_t i : plan.dag.order()) {
    std::string name = plan.pipeline.steps[i].name;
    std::string action = action_name(d[i].action);
    out += "  " + name + std::string(name.size() < 14 ? 14 - name.size() : 1, ' ') + action +
           std::string(7 - action.size(), ' ') + d[i].reason + "\n";
  }
  return out;
}

}  // namespace mlpipe
