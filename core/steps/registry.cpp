#include "core/util/error.h"
#include "core/util/strings.h"
#include "core/steps/steps.h"

namespace mlpipe {

const std::vector<StepType>& step_types() {
  static const std::vector<StepType> table = {
      ingest_step_type(), filter_step_type(), join_step_type(), split_step_type(), features_step_type(),
      sequences_step_type(), train_step_type(), calibrate_step_type(), evaluate_step_type(), export_step_type(),
      drift_step_type(),
  };
  return table;
}

const StepType& step_type_for(const StepSpec& spec, const SourceMap& map) {
  std::vector<std::string> names;
  for (const auto& t : step_types()) {
    if (t.name == spec.type) return t;
    names.push_back(t.name);
  }
  ConfigChecker check(map, "step '" + spec.name + "'");
  check.fail_value(child_path(spec.path, "type"), "unknown step type '" + spec.type + "'" +
                                                     did_you_mean(spec.type, names) +
                                                     "; known types: " + join(names, ", "));
}

}  // namespace mlpipe
