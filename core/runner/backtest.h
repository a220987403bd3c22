#pragma once
// Backtests: a time split's `backtest:` runs the pipeline once per rolling fold (train window,
// gap, test window, moved by `step`), each fold a child run that stops after the evaluate step
// (no export, no registration). The parent run is the pipeline as written; it records, under the
// step name "backtest", each metric the folds' evaluate steps recorded (key STEP.SPLIT.KEY,
// iteration = fold), its mean and sd over the folds (STEP.SPLIT.KEY.mean / .sd), and the fold
// table (param backtest.table), which `runs show` prints.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config/pipeline.h"
#include "core/config/schema.h"
#include "core/runner/runner.h"

namespace mlpipe {

struct BacktestFold {
  double train_from, train_until, test_from, test_until;  // seconds since 1970
};

struct BacktestSpec {
  std::string step;  // the split step that has `backtest:`
  size_t folds = 0;
  double start = 0, train = 0, gap = 0, test = 0, step_length = 0;
  std::string until_step;  // the evaluate step the folds run to
  std::set<std::string> evaluate_steps;  // whose metrics the folds compare
};

std::optional<BacktestSpec> find_backtest(const Pipeline& p);
void check_backtest(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p);
std::vector<BacktestFold> backtest_folds(const BacktestSpec& s);

RunOutcome run_backtest(const RunOptions& opt, const BacktestSpec& s);

}  // namespace mlpipe
