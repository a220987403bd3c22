#pragma once
// The built-in step types, one file each; registry.cpp lists them in one table.
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

}  // namespace mlpipe
