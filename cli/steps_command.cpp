#include <iostream>

#include "cli/commands.h"
#include "core/model/model.h"
#include "core/steps/step.h"

namespace mlpipe::cli {

namespace {
nlohmann::ordered_json keys_json(const Schema& schema) {
  nlohmann::ordered_json keys = nlohmann::ordered_json::array();
  for (const auto& k : schema) {
    if (k.name == "type" || k.name == "needs" || k.name == "description") continue;
    keys.push_back({{"name", k.name}, {"kind", kind_name(k.kind)}, {"required", k.required}, {"choices", k.choices}, {"help", k.help}});
  }
  return keys;
}
}  // namespace

void add_steps(CLI::App& app, int& exit_code) {
  auto json_steps = std::make_shared<bool>(false), json_trainers = std::make_shared<bool>(false);
  CLI::App* steps = app.add_subcommand("steps", "List the step types and their keys");
  steps->footer("Example: mlpipe steps   (configs/reference.yaml shows every key in use)");
  steps->add_flag("--json", *json_steps, "JSON output: [{name, description, keys: [{name, kind, required, choices, help}]}]");
  steps->callback([json_steps, &exit_code] {
    if (*json_steps) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const auto& t : step_types()) out.push_back({{"name", t.name}, {"description", t.description}, {"keys", keys_json(t.schema)}});
      std::cout << out.dump(2) << "\n";
      exit_code = 0;
      return;
    }
    for (const auto& t : step_types()) {
      std::cout << t.name << ": " << t.description << "\n";
      for (const auto& k : t.schema) {
        if (k.name == "type" || k.name == "needs" || k.name == "description") continue;
        std::cout << "    " << k.name << (k.required ? " (required)" : "") << ": " << k.help << "\n";
      }
    }
    exit_code = 0;
  });
  CLI::App* trainers = app.add_subcommand("trainers", "List the trainers and their keys");
  trainers->footer("Example: mlpipe trainers");
  trainers->add_flag("--json", *json_trainers, "JSON output: [{name, version, description, keys}]");
  trainers->callback([json_trainers, &exit_code] {
    if (*json_trainers) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const auto& t : trainer_registry().all())
        out.push_back({{"name", t->name()}, {"version", t->version()}, {"description", t->description()}, {"keys", keys_json(t->schema())}});
      std::cout << out.dump(2) << "\n";
      exit_code = 0;
      return;
    }
    for (const auto& t : trainer_registry().all()) {
      std::cout << t->name() << " (" << t->version() << "): " << t->description() << "\n";
      for (const auto& k : t->schema())
        std::cout << "    " << k.name << (k.required ? " (required)" : "") << ": " << k.help << "\n";
    }
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
