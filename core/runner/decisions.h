#pragma once
// Before a run starts: each step's fingerprint and whether it runs or reuses cached outputs, and
// why. Kept apart from execution so `mlpipe run --explain --dry-run` can show it without running.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/cache/step_cache.h"
#include "core/runner/plan.h"
#include "core/runner/runner.h"
#include "core/store/run_store.h"

namespace mlpipe {

enum class Action { kRun, kReuse, kSkip };
const char* action_name(Action a);

struct Decision {
  std::string fingerprint;
  nlohmann::json parts;  // FingerprintParts::to_json()
  Action action = Action::kRun;
  std::string reason;
  bool keep_from_resumed_run = false;  // resume: finished in the run being resumed
};

// `resumed_statuses`: step -> status in the run being resumed (empty otherwise).
std::vector<Decision> decide(const Plan& plan, const RunOptions& opt, RunStore& store,
                             const StepCache& cache, const std::vector<unsigned>& threads, int64_t current_run,
                             const std::map<std::string, std::string>& resumed_statuses);

std::string format_decisions(const Plan& plan, const std::vector<Decision>& d);

}  // namespace mlpipe
