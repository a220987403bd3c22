#pragma once
// Cached step outputs under <workdir>/cache/<fingerprint>/: what a step added to the flow (its
// table as one .npy per column plus schema.json, fitted preprocessing, model, evaluation), and
// a manifest with every file's hash. Loading verifies each hash: a deleted or corrupted output
// is reported and recomputed, never trusted.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/steps/flow.h"

namespace mlpipe {

class StepCache {
 public:
  explicit StepCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

  bool has(const std::string& fingerprint) const;
  // Saves what `out` adds to `in`. `meta` (run id, step, outside files such as an export
  // bundle {path: hash}) is kept in the manifest. Written to a temporary folder, then renamed
  // over any existing entry (one that failed verification).
  void save(const std::string& fingerprint, const Flow& in, const Flow& out, const nlohmann::json& meta);
  // The cached flow merged over `in`, or nullopt with the reason in `why`.
  std::optional<Flow> load(const std::string& fingerprint, const Flow& in, std::string& why,
                           nlohmann::json& meta) const;
  std::filesystem::path path(const std::string& fingerprint) const { return dir_ / fingerprint; }

 private:
  std::filesystem::path dir_;
};

}  // namespace mlpipe
