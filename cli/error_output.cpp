#include "cli/error_output.h"

#include "core/util/error_json.h"

namespace mlpipe::cli {

nlohmann::ordered_json error_json(const std::string& message, int exit_code, bool usage) {
  nlohmann::ordered_json e = error_object(message, exit_code, usage);
  std::string kind = e["kind"];
  return {{"error", e}, {"status", kind == "gate" ? "gate_failed" : kind == "step" ? "failed" : kind == "internal" ? "error" : "config_error"},
          {"exit_code", exit_code}};
}

bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    if (a == "--json" || a == "--format=json" || (a == "--format" && i + 1 < argc && std::string(argv[i + 1]) == "json")) return true;
  }
  return false;
}

}  // namespace mlpipe::cli
