#pragma once
// Parses YAML text into JSON values, recording each key's and value's position.
// Scalars are typed like YAML 1.2's core schema: quoted -> string; null/true/false; ints; floats.
#include <nlohmann/json.hpp>
#include <string>

#include "core/config/source_map.h"

namespace mlpipe {

// Throws ConfigError "file:line:col: ..." on syntax errors and duplicate keys.
nlohmann::json parse_yaml(const std::string& text, SourceMap& map);

// Types one plain (unquoted) scalar the way parse_yaml does: used for --set values.
nlohmann::json typed_scalar(const std::string& plain);

}  // namespace mlpipe
