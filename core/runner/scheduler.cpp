#include "core/runner/scheduler.h"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace mlpipe {

const char* step_status_name(StepStatus s) {
  switch (s) {
    case StepStatus::kPending: return "pending";
    case StepStatus::kRunning: return "running";
    case StepStatus::kOk: return "ok";
    case StepStatus::kReused: return "reused";
    case StepStatus::kFailed: return "failed";
    case StepStatus::kSkipped: return "skipped";
    case StepStatus::kGateFailed: return "gate_failed";
    case StepStatus::kInterrupted: return "interrupted";
  }
  return "?";
}

std::vector<StepStatus> run_schedule(const std::vector<ScheduledStep>& steps, const std::vector<size_t>& order,
                                     unsigned jobs, const SchedulerHooks& hooks) {
  std::vector<StepStatus> state(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) state[i] = steps[i].status;
  std::mutex mu;
  std::condition_variable cv;
  unsigned running = 0;
  // The first exception a hook throws (a store write on a full disk): no step starts after it,
  // the running ones finish, every thread is joined, then it is rethrown. (A thread left joinable
  // while an exception unwound, or one escaping a thread, ended the process with SIGABRT.)
  std::exception_ptr failure;
  std::vector<std::thread> threads;
  threads.reserve(steps.size());
  auto stopping = [&] { return failure || (hooks.interrupted && hooks.interrupted()); };
  auto name = [&](size_t j) { return j < hooks.names.size() ? hooks.names[j] : std::to_string(j); };
  {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      bool waiting = false;
      try {
        for (size_t i : order) {
          if (state[i] != StepStatus::kPending) continue;
          bool ready = true, blocked = false;
          std::string blocker;
          for (size_t j : steps[i].needs) {
            if (!succeeded(state[j]) && state[j] != StepStatus::kPending && state[j] != StepStatus::kRunning) {
              blocked = true;
              blocker = name(j);
            }
            if (!succeeded(state[j])) ready = false;
          }
          if (blocked && stopping()) continue;  // stays pending: resume runs it
          if (steps[i].skip || blocked) {
            state[i] = StepStatus::kSkipped;
            if (hooks.skipped) hooks.skipped(i, steps[i].skip ? std::string() : blocker);
            if (hooks.finished) hooks.finished(i, state[i]);
            continue;
          }
          if (ready && running < std::max(1u, jobs) && !stopping()) {
            state[i] = StepStatus::kRunning;
            ++running;
            threads.emplace_back([&, i] {
              StepStatus s = StepStatus::kFailed;
              std::exception_ptr error;
              try {
                s = hooks.run(i);
              } catch (...) {
                error = std::current_exception();
              }
              std::lock_guard<std::mutex> done(mu);
              state[i] = s;
              --running;
              try {
                if (hooks.finished) hooks.finished(i, s);
              } catch (...) {
                if (!error) error = std::current_exception();
              }
              if (error && !failure) failure = error;
              cv.notify_all();
            });
            continue;
          }
          waiting = true;
        }
        if (!waiting && running == 0) break;
        if (stopping() && running == 0) break;  // waiting steps stay pending for resume
        if (hooks.idle && !failure) {
          lock.unlock();
          try {
            hooks.idle();
          } catch (...) {
            lock.lock();
            throw;
          }
          lock.lock();
        }
      } catch (...) {
        if (!failure) failure = std::current_exception();
        if (running == 0) break;
      }
      // Signals cannot notify a condition variable: look again now and then.
      cv.wait_for(lock, std::chrono::milliseconds(200));
    }
  }
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  return state;
}

}  // namespace mlpipe
