#pragma once
// Analyst views over recorded runs: `mlpipe metrics RUN` (the metric points of one run) and
// `mlpipe runs compare A B C` (runs side by side: what they were and what they scored).
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/query.h"

namespace mlpipe {

struct MetricFilter {
  std::string step, key, split;  // empty: any; step and key accept shell globs ("valid*")
  bool final_only = false;       // only the last value of each series
};

// Columns: step, split, key, iteration, value, recorded_at; in recording order per series.
QueryResult list_metrics(Db& db, int64_t run, const MetricFilter& filter);

// metric (STEP.SPLIT.KEY), a, b, change (b - a; null when one run lacks it): each series' final
// value in both runs, timings (is_timing_metric) left out.
QueryResult metrics_difference(Db& db, int64_t a, int64_t b);

// One row per compared attribute, one column per run. Rows: the run itself (pipeline, status,
// start, duration, git, config hash, seed), then config values (those that differ, or all with
// `all_params`), then every final metric. Column "differs" is "*" where the runs disagree.
QueryResult compare_runs(Db& db, const std::vector<int64_t>& runs, bool all_params);

}  // namespace mlpipe
