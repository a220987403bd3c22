#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/runner/scheduler.h"

using namespace mlpipe;

namespace {

// A diamond a -> (b, c) -> d, and e alone.
std::vector<ScheduledStep> diamond() {
  std::vector<ScheduledStep> s(5);
  s[1].needs = {0};
  s[2].needs = {0};
  s[3].needs = {1, 2};
  return s;
}
const std::vector<size_t> kOrder = {0, 1, 2, 3, 4};

struct Fake {
  std::mutex mu;
  std::vector<size_t> started, ended;
  std::atomic<int> now{0}, most{0};
  std::vector<StepStatus> outcome = std::vector<StepStatus>(5, StepStatus::kOk);
  std::vector<std::string> skips;
  SchedulerHooks hooks() {
    SchedulerHooks h;
    h.names = {"a", "b", "c", "d", "e"};
    h.run = [this](size_t i) {
      {
        std::lock_guard<std::mutex> l(mu);
        started.push_back(i);
      }
      int n = ++now;
      for (int m = most; n > m && !most.compare_exchange_weak(m, n);) {}
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      --now;
      return outcome[i];
    };
    h.finished = [this](size_t i, StepStatus) { ended.push_back(i); };
    h.skipped = [this](size_t i, const std::string& blocker) { skips.push_back(std::to_string(i) + ":" + blocker); };
    return h;
  }
};

size_t pos(const std::vector<size_t>& v, size_t x) { return size_t(std::find(v.begin(), v.end(), x) - v.begin()); }

}  // namespace

TEST_CASE("the scheduler runs each step after what it needs, independent steps at once") {
  Fake f;
  auto st = run_schedule(diamond(), kOrder, 3, f.hooks());
  CHECK(st == std::vector<StepStatus>(5, StepStatus::kOk));
  CHECK(f.started.size() == 5);
  CHECK(pos(f.ended, 0) < pos(f.started, 1));
  CHECK(pos(f.ended, 0) < pos(f.started, 2));
  CHECK(pos(f.ended, 1) < pos(f.started, 3));
  CHECK(pos(f.ended, 2) < pos(f.started, 3));
  CHECK(f.most >= 2);  // a and e, or b and c, overlapped
  CHECK(f.most <= 3);
}

TEST_CASE("the scheduler never runs more than `jobs` steps at once") {
  Fake f;
  run_schedule(diamond(), kOrder, 1, f.hooks());
  CHECK(f.most == 1);
  CHECK(f.started.size() == 5);
}

TEST_CASE("a failed step skips what depends on it; the other branches finish") {
  Fake f;
  f.outcome[1] = StepStatus::kFailed;
  auto st = run_schedule(diamond(), kOrder, 2, f.hooks());
  CHECK(st[1] == StepStatus::kFailed);
  CHECK(st[2] == StepStatus::kOk);
  CHECK(st[3] == StepStatus::kSkipped);
  CHECK(st[4] == StepStatus::kOk);
  CHECK(f.skips == std::vector<std::string>{"3:b"});
  CHECK(pos(f.started, 3) == f.started.size());  // never started
}

TEST_CASE("settled steps are not run again; a step marked skip is skipped with no blocker") {
  Fake f;
  auto steps = diamond();
  steps[0].status = StepStatus::kReused;
  steps[1].status = StepStatus::kOk;
  steps[4].skip = true;
  auto st = run_schedule(steps, kOrder, 2, f.hooks());
  CHECK(f.started == std::vector<size_t>{2, 3});
  CHECK(st[0] == StepStatus::kReused);
  CHECK(st[4] == StepStatus::kSkipped);
  CHECK(f.skips == std::vector<std::string>{"4:"});
}

TEST_CASE("after an interrupt no step starts and the rest stay pending") {
  Fake f;
  std::atomic<bool> stop{false};
  SchedulerHooks h = f.hooks();
  auto run = h.run;
  h.run = [&](size_t i) {
    StepStatus s = run(i);
    if (i == 0) stop = true;  // Ctrl-C while a runs
    return s;
  };
  h.interrupted = [&] { return stop.load(); };
  auto st = run_schedule(diamond(), {0, 1, 2, 3, 4}, 1, h);
  CHECK(st[0] == StepStatus::kOk);
  for (size_t i = 1; i < 5; ++i) CHECK(st[i] == StepStatus::kPending);
  CHECK(f.started == std::vector<size_t>{0});
}

TEST_CASE("step statuses have the store's names") {
  CHECK(std::string(step_status_name(StepStatus::kGateFailed)) == "gate_failed");
  CHECK(std::string(step_status_name(StepStatus::kReused)) == "reused");
  CHECK(succeeded(StepStatus::kReused));
  CHECK(!succeeded(StepStatus::kSkipped));
}

TEST_CASE("a hook that throws (a store write on a full disk) stops new steps, joins the running ones, then rethrows") {
  Fake f;
  SchedulerHooks h = f.hooks();
  auto finished = h.finished;
  h.finished = [&](size_t i, StepStatus s) {
    finished(i, s);
    if (i == 0) throw std::runtime_error("no space left");  // recording a's end fails
  };
  // a and e start together (jobs 2); a's record throws while e still runs.
  CHECK_THROWS_WITH(run_schedule(diamond(), kOrder, 2, h), "no space left");
  CHECK(pos(f.started, 1) == f.started.size());  // b, c, d never started
  CHECK(f.now == 0);                             // nothing left running: every thread joined
}

TEST_CASE("a step that throws instead of returning a status ends the schedule with its exception") {
  Fake f;
  SchedulerHooks h = f.hooks();
  auto run = h.run;
  h.run = [&](size_t i) -> StepStatus {
    if (i == 2) throw std::runtime_error("step c blew up");
    return run(i);
  };
  CHECK_THROWS_WITH(run_schedule(diamond(), kOrder, 3, h), "step c blew up");
  CHECK(pos(f.started, 3) == f.started.size());
}
