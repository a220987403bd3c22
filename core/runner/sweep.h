#pragma once
// Sweeps: a step's `sweep:` (grid or random over its parameters) runs the pipeline once per trial
// as a child run, picks the best child by a named metric, then runs the pipeline with the best
// values as the parent run (reusing the best child's cached steps), so the parent carries the
// chosen model, its evaluation and its export.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/config/pipeline.h"
#include "core/config/schema.h"
#include "core/runner/plan.h"
#include "core/runner/runner.h"

namespace mlpipe {

struct SweepSpec {
  std::string step;                          // the step that has `sweep:`
  std::string method = "grid";               // grid | random
  nlohmann::json parameters;                 // key (relative to the step) -> values or range
  size_t trials = 0;                         // random: required; grid: at most this many (0 = all)
  size_t parallel = 1;
  std::string metric;                        // step.split.key or step.key
  bool maximize = true;
};

// The pipeline's sweep, if a step has one; throws ConfigError for a malformed one (or two).
std::optional<SweepSpec> find_sweep(const Pipeline& p);
// Checks a step's `sweep:` (keys, values, the metric's step; each value against the step's own
// checks). Called by `validate` and before every run.
void check_sweep(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p);

// The trials: one map of parameter -> value each, in order (deterministic for a seed).
std::vector<nlohmann::json> sweep_trials(const SweepSpec& s, long long seed);

RunOutcome run_sweep(const RunOptions& opt, const SweepSpec& s, long long seed);

}  // namespace mlpipe
