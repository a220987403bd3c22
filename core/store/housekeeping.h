#pragma once
// `mlpipe gc` and `mlpipe store info`: what a store holds, by kind, and removing what nothing
// needs any more. Runs and their records, their own files (runs/<uid>/) and registered versions
// are never removed; cache entries beyond the newest N per pipeline step are forgotten, then
// every object that no remaining cache entry and no registered version names is deleted.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/store/store_layout.h"

namespace mlpipe {

struct GcOptions {
  int64_t keep = 3;           // cache entries kept per (pipeline, step), newest first
  double min_age_s = 900;     // objects and tmp/ files younger than this are spared: a writer may
                              // not have committed the row that names them yet
  bool dry_run = false;
};

struct GcReport {
  int64_t entries_dropped = 0, entries_kept = 0;
  int64_t objects_deleted = 0, bytes_deleted = 0;
  int64_t objects_kept = 0, bytes_kept = 0;
  int64_t objects_spared = 0;  // unreferenced but younger than min_age_s
  int64_t tmp_deleted = 0, legacy_cache_bytes = 0;
  bool dry_run = false;
  nlohmann::json to_json() const;
  std::string text() const;
};

// Not safe against a second gc at the same time (it takes a lock file and refuses); safe beside
// runs: an object a writer reuses is touched (ObjectStore::adopt) and so spared.
GcReport collect_garbage(const StoreLayout& store, const GcOptions& options);

// Sizes by kind: database, objects (by cache entries, registered versions, neither), run
// folders, tmp/, a legacy cache/; counts of runs, cache entries, versions.
nlohmann::json store_info(const StoreLayout& store);
std::string format_store_info(const nlohmann::json& info);

}  // namespace mlpipe
