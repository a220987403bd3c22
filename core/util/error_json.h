#pragma once
// The machine-readable shape of an error, the same in every command's JSON:
// {"kind", "message", "file", "line", "column"} (docs/machine-output.md).
#include <nlohmann/json.hpp>
#include <string>

namespace mlpipe {

// kind: usage (command line), config, step, gate, interrupted or internal, from the exit code;
// file, line and column from a "FILE:LINE:COL: ..." message (null when it has no position).
nlohmann::ordered_json error_object(const std::string& message, int exit_code, bool usage = false);

}  // namespace mlpipe
