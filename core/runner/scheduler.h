#pragma once
// Runs a table of steps in dependency order: a step starts once every step it needs succeeded,
// at most `jobs` at once, each in its own thread; a step whose need failed (or was skipped) is
// skipped; after an interrupt no step starts, and steps not yet started stay pending (resume runs
// them). Knows nothing of pipelines, caches or stores: the runner gives it hooks, unit tests give
// it fake steps.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace mlpipe {

enum class StepStatus { kPending, kRunning, kOk, kReused, kFailed, kSkipped, kGateFailed, kInterrupted };

// As the store records it: "pending", "ok", "reused", "gate_failed", ...
const char* step_status_name(StepStatus s);
inline bool succeeded(StepStatus s) { return s == StepStatus::kOk || s == StepStatus::kReused; }

struct ScheduledStep {
  std::vector<size_t> needs;
  // kPending: to run. kOk / kReused: settled before scheduling (up to date). Others: final.
  StepStatus status = StepStatus::kPending;
  bool skip = false;  // not part of this run (--only, a sweep trial's metric): skipped when reached
};

struct SchedulerHooks {
  // Runs step i and returns how it ended (never kPending or kRunning). Called in a worker thread
  // of its own, so steps run at once; must not throw.
  std::function<StepStatus(size_t)> run;
  // After a step ended (run or skipped), one call at a time, in the order they ended.
  std::function<void(size_t, StepStatus)> finished;
  // Step i is skipped: `blocker` is the need that did not succeed, or "" for a step marked skip.
  std::function<void(size_t, const std::string& blocker)> skipped;
  // True once the run is asked to stop (Ctrl-C).
  std::function<bool()> interrupted;
  // Called about every 200 ms while steps run (the runner records git's answer when it comes).
  std::function<void()> idle;
  // Names, for `skipped`'s blocker.
  std::vector<std::string> names;
};

// `order`: a topological order of the steps' indices. Returns every step's final status (a
// pending one stays kPending: interrupted before it could start). Thread-safe for the hooks: run
// may be called concurrently; finished and skipped are called under the scheduler's lock.
std::vector<StepStatus> run_schedule(const std::vector<ScheduledStep>& steps, const std::vector<size_t>& order,
                                     unsigned jobs, const SchedulerHooks& hooks);

}  // namespace mlpipe
