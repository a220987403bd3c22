#pragma once
// Distribution drift between a reference sample (the training data of a registered model) and
// new data: per-column profiles small enough to ship in a model bundle, PSI over the reference's
// decile bins (plus a missing bin), and the Kolmogorov-Smirnov distance against the reference's
// empirical CDF (exact up to 1,000 distinct values, within 0.001 beyond).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/data/table.h"

namespace mlpipe {

// NaN values are missing.
nlohmann::json profile_numeric(const std::vector<double>& values);
// "" is missing.
nlohmann::json profile_categorical(const std::vector<std::string>& values);
// The column's profile over `rows`.
nlohmann::json profile_column(const Column& c, const std::vector<uint32_t>& rows);

struct Drift {
  double psi = 0;
  std::optional<double> ks;  // numeric columns only
};
Drift compare_numeric(const nlohmann::json& profile, const std::vector<double>& values);
Drift compare_categorical(const nlohmann::json& profile, const std::vector<std::string>& values);
// Every row of `c` against the profile (of the same kind).
Drift compare_column(const nlohmann::json& profile, const Column& c);

// Population stability index of two distributions over the same bins (shares sum to 1).
double psi(const std::vector<double>& expected, const std::vector<double>& actual);

}  // namespace mlpipe
