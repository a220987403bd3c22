#pragma once
// Point-in-time aggregates per entity, the feature-store staple. For each event, only that
// entity's events at or before it (in time, then file order) are used: no future leakage.
//  window:     count/sum/mean/min/max of columns over trailing windows ("1d", "7d", "30d"),
//              the event itself included (its amount is known when it happens).
//  label_rate: share of positive labels among the entity's earlier events whose labels were known
//              `delay` ago: events in (t - delay - w, t - delay], never the event itself.
// One sort by (entity, time) and one pass per entity with two pointers.
#include <nlohmann/json.hpp>

#include "core/data/table.h"

namespace mlpipe {

// `spec` holds entity, time, windows (durations as text) and, for window, columns and aggs;
// for label_rate, label and delay. Adds the new columns to `t`.
void apply_window(const nlohmann::json& spec, Table& t);
void apply_label_rate(const nlohmann::json& spec, Table& t);

// Whether a fitted spec keeps the columns it adds as float32 (`store: float32`, which fitting
// writes into every window, label_rate, ratio and time_parts spec since 2026-12); older fitted
// specs keep doubles.
bool stores_float32(const nlohmann::json& fitted);

// The names of the columns each adds, in order.
std::vector<std::string> window_column_names(const nlohmann::json& spec);
std::vector<std::string> label_rate_column_names(const nlohmann::json& spec);

}  // namespace mlpipe
