#pragma once
// The one machine-readable shape of an error, for commands run with --json (or --format json):
// {"error": {"kind", "message", "file", "line", "column"}, "status", "exit_code"} on stdout,
// beside the usual "mlpipe: error: ..." line on stderr.
#include <nlohmann/json.hpp>
#include <string>

namespace mlpipe::cli {

// kind: usage (command line), config, step, gate or internal, from the exit code; file, line and
// column from a "FILE:LINE:COL: ..." message (null when the error has no position).
nlohmann::ordered_json error_json(const std::string& message, int exit_code, bool usage);

// Whether the command line asks for JSON: --json, --format json or --format=json (before "--").
bool wants_json(int argc, char** argv);

}  // namespace mlpipe::cli
