#include <iostream>

#include "cli/commands.h"
#include "core/model/model.h"
#include "core/steps/step.h"

namespace mlpipe::cli {

void add_steps(CLI::App& app, int& exit_code) {
  CLI::App* steps = app.add_subcommand("steps", "List the step types and their keys");
  steps->footer("Example: mlpipe steps   (configs/reference.yaml shows every key in use)");
  steps->callback([&exit_code] {
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
  trainers->callback([&exit_code] {
    for (const auto& t : trainer_registry().all()) {
      std::cout << t->name() << " (" << t->version() << "): " << t->description() << "\n";
      for (const auto& k : t->schema())
        std::cout << "    " << k.name << (k.required ? " (required)" : "") << ": " << k.help << "\n";
    }
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
