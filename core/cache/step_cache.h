#pragma once
// Cached step outputs, kept in the store: what a step added to the flow (its table as one .npy
// per column plus schema.json, fitted preprocessing, model, sequences, evaluation) as objects
// named by content hash, and a cache_entries row naming the step that computed it. A column that
// ingest, split and features pass through unchanged is one object. Loading checks every object
// against its hash: a deleted or corrupted output is a miss and is recomputed, never trusted; an
// entry is only ever found in the store that made it.
// Thread-safe as far as the RunStore is (the objects are immutable files).
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/flow/flow.h"
#include "core/store/object_store.h"
#include "core/store/run_store.h"
#include "core/store/store_layout.h"

namespace mlpipe {

class StepCache {
 public:
  // Both must outlive the cache.
  StepCache(RunStore& store, const StoreLayout& layout) : store_(store), layout_(layout), objects_(layout) {}

  // The entry for a fingerprint when the store has one with complete records; else nullopt and why.
  std::optional<CacheEntry> find(const std::string& fingerprint, std::string* why = nullptr) const;
  // Saves what `out` adds to `in` as the result of `step` (of type `step_type`) in `run`, which
  // finished ok with its records written. `outside`: files written outside the store that the
  // result stands for (an export bundle), {path: hash}.
  void save(const std::string& fingerprint, const Flow& in, const Flow& out, const nlohmann::json& outside,
            int64_t run, const std::string& step, const std::string& step_type);
  // The entry's flow merged over `in`, or nullopt with the reason in `why`.
  // `light`: for a step nothing downstream will run from. Checks that every object is intact and
  // that outside files are unchanged, loads only the small parts (evaluation, preprocessing);
  // the table, sequences and model are left for a full load if they are ever needed.
  // `hash` computes a file's content hash (the runner passes the store's stat-cached hasher, so
  // unchanged files are not read again).
  std::optional<Flow> load(const CacheEntry& entry, const Flow& in, std::string& why, bool light = false,
                           const std::function<std::string(const std::filesystem::path&)>& hash = nullptr) const;

 private:
  RunStore& store_;
  const StoreLayout& layout_;
  ObjectStore objects_;
};

}  // namespace mlpipe
