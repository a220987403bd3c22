#pragma once
// Monotone and interaction constraints by column name (`monotone: {PAY_0: increasing}`,
// `interactions: [[PAY_0, PAY_2], [LIMIT_BAL, AGE]]`), translated to XGBoost's positional form
// over the model's features as they are after the transforms. Pure functions.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mlpipe::xgb {

// "(0,1,-1)": one entry per feature. A name must be one feature (a one-hot encoded column is
// several: refused, as is a name that is no feature); throws StepError naming it.
std::string monotone_constraints(const nlohmann::json& monotone, const std::vector<std::string>& features);

// "[[0,1],[2,3]]": a one-hot encoded column stands for all its columns.
std::string interaction_constraints(const nlohmann::json& groups, const std::vector<std::string>& features);

// The directions a monotone entry may take.
const std::vector<std::string>& monotone_directions();

}  // namespace mlpipe::xgb
