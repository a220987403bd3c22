#pragma once
// One prepared row (a sequence window's event features, as a bundle computed them) as JSON and
// back, exactly: numbers as their 64-bit patterns in hex (NaN, infinities and -0 included),
// category codes as integers. `mlpipe serve` snapshots sequence windows this way, so a restart
// scores on the features the events had at their own time, not ones recomputed from a shorter
// history. Pure functions; thread-safe.
#include <nlohmann/json.hpp>

#include "core/data/table.h"

namespace mlpipe {

// A one-row table: {"columns": [[name, type], ...], "values": ["3ff0000000000000" | code, ...]}.
nlohmann::json encode_feature_row(const Table& row);
// Throws ConfigError naming `what` for JSON that encode_feature_row did not make.
Table decode_feature_row(const nlohmann::json& j, const std::string& what);

}  // namespace mlpipe
