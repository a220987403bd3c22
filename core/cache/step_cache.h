#pragma once
// Cached step outputs under <workdir>/cache/<fingerprint>/: what a step added to the flow (its
// table as one .npy per column plus schema.json, fitted preprocessing, model, evaluation), and
// a manifest with every file's hash. Loading verifies each hash: a deleted or corrupted output
// is reported and recomputed, never trusted.
#include <filesystem>
#include <functional>
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
  // `light`: for a step nothing downstream will run from. Checks that the entry is complete and
  // that outside files are unchanged, loads only the small parts (evaluation, preprocessing);
  // the table, sequences and model are left for a full load if they are ever needed.
  // `hash` computes a file's content hash (the runner passes the store's stat-cached hasher, so
  // unchanged files are not read again; any write changes their ctime and they are).
  std::optional<Flow> load(const std::string& fingerprint, const Flow& in, std::string& why,
                           nlohmann::json& meta, bool light = false,
                           const std::function<std::string(const std::filesystem::path&)>& hash = nullptr) const;
  std::filesystem::path path(const std::string& fingerprint) const { return dir_ / fingerprint; }

 private:
  std::filesystem::path dir_;
};

}  // namespace mlpipe
