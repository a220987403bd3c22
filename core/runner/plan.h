#pragma once
// A pipeline checked from top to bottom without running anything: what `mlpipe validate` does
// and what `mlpipe run` does first.
#include <filesystem>
#include <string>
#include <vector>

#include "core/config/pipeline.h"
#include "core/dag/dag.h"

namespace mlpipe {

struct Plan {
  Pipeline pipeline;
  Dag dag;
};

// Throws ConfigError (exit 2) at the first problem, naming file:line:col.
Plan load_plan(const std::filesystem::path& file, const std::vector<std::string>& overrides);
// Same, for a config held as text (a recorded run's YAML).
Plan load_plan_text(const std::string& text, const std::string& label,
                    const std::filesystem::path& base_dir, const std::vector<std::string>& overrides);
// Checks every step of an already-parsed pipeline against its type's schema.
void check_steps(const Pipeline& p);

}  // namespace mlpipe
