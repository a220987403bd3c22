#pragma once
// A pipeline file loaded, overridden (--set), interpolated (${params.x}) and checked at the top
// level. Step-specific keys are checked later against each step type's schema (runner/plan.h).
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/source_map.h"

namespace mlpipe {

struct StepSpec {
  std::string name;
  std::string type;
  std::vector<std::string> needs;
  nlohmann::json config;  // the step's resolved map, `type` and `needs` included
  std::string path;       // "steps/<name>", for SourceMap lookups
};

struct Pipeline {
  std::string name;
  std::filesystem::path file;      // the pipeline file as given
  std::filesystem::path base_dir;  // relative paths in the pipeline resolve against this
  long long seed = 0;
  nlohmann::json params = nlohmann::json::object();
  std::vector<StepSpec> steps;  // in the order they are written
  std::string yaml_text;        // the file exactly as written
  nlohmann::json resolved;      // the whole config after overrides and interpolation
  std::vector<std::string> overrides;
  SourceMap map;

  const StepSpec* find(const std::string& step) const;
  std::vector<std::string> step_names() const;
};

// Reads and loads a pipeline file. Throws ConfigError naming file:line:col on any problem.
Pipeline load_pipeline(const std::filesystem::path& file, const std::vector<std::string>& overrides);

// Same, from text; `label` names the source in messages.
Pipeline parse_pipeline(const std::string& text, const std::string& label,
                        const std::filesystem::path& base_dir,
                        const std::vector<std::string>& overrides);

}  // namespace mlpipe
