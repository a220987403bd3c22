#include "core/runner/plan.h"

#include "core/runner/backtest.h"
#include "core/runner/sweep.h"
#include "core/steps/step.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {

// Every step is checked, so that one validate shows the errors of all steps (the first of each:
// later checks of a step may rely on what the earlier ones established).
void check_steps(const Pipeline& p) {
  std::string swept;
  std::vector<std::string> errors;
  for (const auto& s : p.steps) try {
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
    } catch (const ConfigError& e) {
      errors.push_back(e.what());
    }
  if (errors.size() == 1) throw ConfigError(errors[0]);
  if (!errors.empty())
    throw ConfigError(join(errors, "\n") + "\n" + std::to_string(errors.size()) + " errors in " + p.file.filename().string());
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
