#pragma once
// Gradient boosting through XGBoost's C API: `trainer: xgboost` in a train step.
#include <memory>

#include "core/model/model.h"

namespace mlpipe {

std::unique_ptr<Trainer> make_xgboost_trainer();

}  // namespace mlpipe
