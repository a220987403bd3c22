#pragma once
// What the model card (mlpipe report --card) reads from a run store beyond the report's queries.
// Each takes the store's database, read-only.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/query.h"
#include "core/store/database.h"

namespace mlpipe {

struct RunFacts {
  std::string pipeline, description, status, started_at, user, host, git_commit, config_hash, mlpipe_version;
  bool git_known = false, git_dirty = false;
  std::vector<std::string> limitations;  // the pipeline's own `limitations:`
  std::string config_json;
};
RunFacts run_facts(Db& db, int64_t run);

// step, path, rows, cols, bytes, content_hash: every file the run read.
QueryResult run_inputs(Db& db, int64_t run);
// step, split, metric, value: final metrics of the run's evaluate and calibrate steps, and its
// train steps' on valid (not the per-segment, importance, confusion or gate entries).
QueryResult evaluation_metrics(Db& db, int64_t run);
// at, action, model, version, alias, previous, by, run, note: the registry events of every model
// name this run registered, oldest first.
QueryResult registry_history(Db& db, int64_t run);
// name, version, created_by, content_hash: versions this run registered.
QueryResult registered_by_run(Db& db, int64_t run);

}  // namespace mlpipe
