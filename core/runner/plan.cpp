#include "core/runner/plan.h"

#include "core/runner/backtest.h"
#include "core/runner/sweep.h"
#include "core/steps/step.h"

namespace mlpipe {

void check_steps(const Pipeline& p) {
  std::string swept;
  for (const auto& s : p.steps) {
    const StepType& t = step_type_for(s, p.map);
    ConfigChecker check(p.map, "step '" + s.name + "'");
    t.check(s, check, p);
    if (s.config.contains("sweep")) {
      if (!swept.empty())
        check.fail_key(child_path(s.path, "sweep"), "only one step may sweep; step '" + swept + "' already does");
      swept = s.name;
      check_sweep(s, check, p);
    }
    check_backtest(s, check, p);
  }
}

Plan load_plan(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  Pipeline p = load_pipeline(file, overrides);
  check_steps(p);
  Dag d = Dag::build(p);
  return {std::move(p), std::move(d)};
}

Plan load_plan_text(const std::string& text, const std::string& label,
                    const std::filesystem::path& base_dir, const std::vector<std::string>& overrides) {
  Pipeline p = parse_pipeline(text, label, base_dir, overrides);
  check_steps(p);
  Dag d = Dag::build(p);
  return {std::move(p), std::move(d)};
}

}  // namespace mlpipe
