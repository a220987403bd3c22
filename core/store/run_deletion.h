#pragma once
// `mlpipe runs delete`: removes runs made by mistake, keeping the store consistent. A run that
// others depend on is refused (it registered or promoted a model, another run reused its steps
// or reproduces it, it has child runs not deleted with it, or it is still running): archive it
// instead (a tag that hides it from runs list). Its cache entries go with it (their objects are
// freed by the next gc), its folder runs/<uid>/ is removed, and run_deletions keeps that it
// existed, who deleted it and when.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/run_store.h"
#include "core/store/store_layout.h"

namespace mlpipe {

struct DeletePlan {
  std::vector<int64_t> runs;
  size_t cache_entries = 0;  // computed by these runs, dropped with them
};

// Checks that every run can go (throws ConfigError naming the first reason it cannot).
DeletePlan plan_run_deletion(Db& db, const std::vector<int64_t>& runs);
// Deletes them in one transaction, then their folders.
void delete_runs(RunStore& store, const StoreLayout& layout, const DeletePlan& plan, const std::string& by);

}  // namespace mlpipe
