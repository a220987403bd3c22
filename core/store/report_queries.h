#pragma once
// What the HTML report reads from a run store, one function per question (the SQL stays in
// core/store/). Each takes the store's database, read-only.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/store/query.h"
#include "core/store/database.h"

namespace mlpipe {

// Any SELECT with one parameter, the run id; cells are null, integer, real or text.
QueryResult query_for_run(Db& db, const std::string& sql, int64_t run);

// One row: pipeline, status, started_at, duration_s, exit_code, git, config_hash, seed, user,
// host, mlpipe_version, error.
QueryResult run_overview(Db& db, int64_t run);
// step, type, status, seconds, reused_from_run, error: in the order the steps started.
QueryResult run_steps_table(Db& db, int64_t run);
// One row: config_yaml, overrides.
QueryResult run_config(Db& db, int64_t run);
// key, value.
QueryResult run_environment(Db& db, int64_t run);
std::string run_pipeline_name(Db& db, int64_t run);

struct MetricCurve {
  std::string step, key, split;  // split "" when none
  std::vector<double> iteration, value;
};
// Every per-iteration series of a run, by step, key, split.
std::vector<MetricCurve> metric_curves(Db& db, int64_t run);

struct PredictionsFile {
  std::string step, split;
  std::filesystem::path path;  // resolved against the store's folder
  std::string content_hash;
};
// The predictions.csv files of a run's evaluate steps, by step name.
std::vector<PredictionsFile> evaluation_predictions(Db& db, int64_t run);

struct Importance {
  std::string step, feature;
  double gain = 0;
};
// XGBoost's average gain per feature, per train step, largest first.
std::vector<Importance> gain_importances(Db& db, int64_t run);
// The mean |contribution| per column (the reason codes' global importance), per evaluate step.
std::vector<Importance> contribution_importances(Db& db, int64_t run);

// What an evaluate step's segments: and fairness: recorded: METRIC.COLUMN=GROUP (group set) and
// MEASURE.COLUMN (fairness measures, group empty), latest values, in recording order.
struct SegmentMetric {
  std::string step, split, metric, column, group;
  double value = 0;
};
std::vector<SegmentMetric> segment_metrics(Db& db, int64_t run);

std::vector<std::string> steps_of_type(Db& db, int64_t run, const std::string& type);

struct DriftRow {
  std::string feature;
  double psi = 0;
  std::optional<double> ks;
};
// A drift step's PSI (and KS) per feature, largest PSI first.
std::vector<DriftRow> drift_rows(Db& db, int64_t run, const std::string& step);

// The last value of a metric series (any split), if recorded.
std::optional<double> latest_value(Db& db, int64_t run, const std::string& step, const std::string& key);
// A backtest parent's fold table as recorded (param backtest.table, JSON text); nullopt otherwise.
std::optional<std::string> backtest_table(Db& db, int64_t run);
// The metric names ("step.split.key") in a backtest's fold table, sorted.
std::vector<std::string> backtest_metric_keys(const nlohmann::json& folds);

}  // namespace mlpipe
