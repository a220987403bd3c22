#pragma once
// A step's fingerprint: the hash of everything its outputs depend on, computed before it runs.
// The components are kept as JSON so a later run can say what changed ("params.eta changed").
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mlpipe {

struct FingerprintParts {
  std::string type;
  nlohmann::json config;                        // resolved step config, description removed
  long long seed = 0;
  std::map<std::string, std::string> upstream;  // step name -> its fingerprint
  std::map<std::string, std::string> files;     // path as written -> content hash
  std::map<std::string, std::string> versions;  // mlpipe, and the trainer's library
  nlohmann::json runtime = nlohmann::json::object();  // e.g. threads, when results depend on it

  nlohmann::json to_json() const;
  std::string hash() const;  // XXH3-128 of the canonical (sorted-key) JSON
};

// Why a step must run again, comparing the previous components with the current ones:
// "params.eta changed 0.1 -> 0.05", "input data/x.csv changed", "upstream 'features' changed".
// Empty when nothing differs.
std::vector<std::string> explain_change(const nlohmann::json& previous, const nlohmann::json& current);

}  // namespace mlpipe
