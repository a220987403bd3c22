#include <iostream>

#include "cli/commands.h"
#include "core/runner/plan.h"
#include "core/util/strings.h"

namespace mlpipe::cli {

namespace {
struct PipelineOpts {
  std::string pipeline, format = "text";
  std::vector<std::string> sets;
  bool json = false;
};
}  // namespace

void add_validate(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<PipelineOpts>();
  CLI::App* cmd = app.add_subcommand("validate", "Check a pipeline without running it");
  cmd->footer("Examples:\n  mlpipe validate pipeline.yaml\n  mlpipe validate pipeline.yaml --set params.eta=0.1 --json   (the resolved config)");
  cmd->add_option("pipeline", o->pipeline, "Pipeline YAML file")->required();
  cmd->add_option("--set", o->sets, "Override a config value: KEY=VALUE");
  cmd->add_flag("--json", o->json, "Print the resolved config as JSON");
  cmd->callback([o, &exit_code] {
    Plan plan = load_plan(o->pipeline, o->sets);
    if (o->json) {
      std::cout << plan.pipeline.resolved.dump(2) << "\n";
    } else {
      std::vector<std::string> order;  // the first 30, then how many more
      for (size_t i : plan.dag.order()) {
        if (order.size() == 30) break;
        order.push_back(plan.dag.name(i));
      }
      if (plan.dag.order().size() > order.size())
        order.push_back("... (" + std::to_string(plan.dag.order().size() - order.size()) + " more)");
      std::cout << o->pipeline << ": ok: pipeline '" << plan.pipeline.name << "', "
                << plan.pipeline.steps.size() << " steps: " << join(order, " -> ") << "\n";
    }
    exit_code = 0;
  });
}

void add_graph(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<PipelineOpts>();
  CLI::App* cmd = app.add_subcommand("graph", "Print the step graph (text, or Graphviz dot)");
  cmd->footer("Examples:\n  mlpipe graph pipeline.yaml\n  mlpipe graph pipeline.yaml --format dot | dot -Tsvg > graph.svg");
  cmd->add_option("pipeline", o->pipeline, "Pipeline YAML file")->required();
  cmd->add_option("--format", o->format, "text, dot or json")->check(CLI::IsMember({"text", "dot", "json"}));
  cmd->add_flag("--json", o->json, "The same as --format json: {pipeline, steps: [{name, type, needs}]}");
  cmd->add_option("--set", o->sets, "Override a config value: KEY=VALUE");
  cmd->callback([o, &exit_code] {
    Plan plan = load_plan(o->pipeline, o->sets);
    if (o->json || o->format == "json") {
      nlohmann::ordered_json steps = nlohmann::ordered_json::array();
      for (const auto& s : plan.pipeline.steps) steps.push_back({{"name", s.name}, {"type", s.type}, {"needs", s.needs}});
      std::cout << nlohmann::ordered_json{{"pipeline", plan.pipeline.name}, {"steps", steps}}.dump(2) << "\n";
    } else {
      std::cout << (o->format == "dot" ? plan.dag.to_dot(plan.pipeline) : plan.dag.to_text(plan.pipeline));
    }
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
