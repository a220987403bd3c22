#pragma once
// The built-in step types, one file each; registry.cpp lists them in one table.
#include "core/data/row_filter.h"
#include "core/steps/step.h"

namespace mlpipe {

StepType ingest_step_type();
StepType split_step_type();
StepType features_step_type();
StepType train_step_type();
StepType evaluate_step_type();
StepType export_step_type();
StepType sequences_step_type();
StepType drift_step_type();
StepType filter_step_type();
StepType join_step_type();

// `where:` conditions, shared by the filter step and ingest (core/steps/filter_step.cpp).
const char* where_help();
std::vector<Condition> where_conditions(const nlohmann::json& step_config);
// Reports each `where:` text that does not parse at its YAML position.
void check_where(const StepSpec& spec, const ConfigChecker& check);
// Keeps only `rows` of the frame's table (and split), in their order.
void keep_rows(Frame& f, const std::vector<uint32_t>& rows);

}  // namespace mlpipe
