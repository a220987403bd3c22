#pragma once
// `mlpipe runs list`: the runs table, one row per run with its parameters and final metrics as
// columns (like `dvc exp show`), filtered, sorted and cut to a few columns. Read-only.
#include <string>
#include <vector>

#include "core/store/query.h"

namespace mlpipe {

struct RunsTableOptions {
  std::string pipeline, status;
  std::string since;                 // an ISO date/time, or a duration back from now: 7d, 12h
  std::vector<std::string> tags;     // KEY or KEY=VALUE: runs with all of them
  std::vector<std::string> columns;  // names or globs (evaluate.*); empty: the default columns
  bool only_changed = false;         // leave out columns whose value is the same in every row
  std::string sort;                  // COLUMN, COLUMN:asc or COLUMN:desc (default: newest first)
  std::string filter;                // "evaluate.auc > 0.78 and params.eta = 0.05 or status = failed"
  int limit = 20;                    // 0: all
  std::string archived = "hide";     // hide (runs archive), only, or show
};

// Column names (as in the runs table): run_id, name, pipeline, status, started_at, duration_s,
// git, tags, parent_run; the
// pipeline's parameters as params.NAME and seed; each step's config as config.STEP.KEY
// (config.train.params.max_depth);
// final metrics as STEP.SPLIT.KEY (train.valid.auc), or STEP.KEY for an evaluate step that
// records the key on one split (evaluate.auc) and for keys without a split. A name in a filter,
// sort or --columns may be a dotted suffix of one column, or of several when only one of them is
// outside config.* (eta: params.eta). Throws ConfigError for an unknown column (with a suggestion) or a bad expression.
QueryResult runs_table(Db& db, const RunsTableOptions& opt);

}  // namespace mlpipe
