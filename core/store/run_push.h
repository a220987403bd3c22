#pragma once
// mlpipe runs push: copies runs from one store into another (a local SQLite store into the
// team's PostgreSQL store, or any pair), with everything they stand on: their records, their
// files, the cache entries they made (so the other store reuses those steps) and the model
// versions they registered, with the objects all of those name. Runs are known by their global
// id (run_uid): one already in the target is not copied again, and gets no second number.
// A run's number in the target is the target's next; the runs a pushed run depends on (those
// whose steps it reused, the run it reproduces, its sweep parent) are pushed with it. A model
// version whose bytes the target holds already (same name, same content hash) is that version
// there; another is registered as the target's next version, and no alias is moved.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/store_layout.h"

namespace mlpipe {

struct PushedRun {
  std::string run_uid;
  int64_t from_id = 0, to_id = 0;
  bool already = false;                 // the target had it
  bool asked = false;                   // named by the caller (else pushed as a dependency)
  std::vector<std::string> models;      // "tiny v1 -> v3"
};

struct PushReport {
  std::vector<PushedRun> runs;
  int64_t objects = 0, bytes = 0;  // objects copied into the target
};

PushReport push_runs(const StoreLayout& from, const StoreLayout& to, const std::vector<int64_t>& runs);

}  // namespace mlpipe
