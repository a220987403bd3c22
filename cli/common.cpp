#include <cstdlib>

#include "cli/commands.h"
#include "core/runner/environment.h"

namespace mlpipe::cli {

std::filesystem::path default_db(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("MLPIPE_DB"); env && *env) return env;
  return std::filesystem::path(".mlpipe") / "runs.db";
}

std::string version_text() {
  std::string out;
  for (const auto& [name, version] : library_versions())
    out += (out.empty() ? name + " " + version + "\n" : "  " + name + " " + version + "\n");
  out.pop_back();
  return out;
}

}  // namespace mlpipe::cli
