#pragma once
// What a train step's live progress line shows, as pure functions (unit-tested): how far the
// trainer is, out of how many iterations, and which metric point stands for it.
#include <string>
#include <vector>

#include "core/metrics/metric_point.h"

namespace mlpipe {

// The highest iteration among per-iteration points (per-batch points excluded); 0 for none.
double progress_done(const std::vector<MetricPoint>& pts);

// Out of how many: `total` (rounds, epochs), or the trainer's sooner bound under early stopping
// (`expected` > 0: best iteration + patience), never below what is done.
double progress_bound(double total, double expected, double done);

// The point the line shows: a valid point over a train one; within a split the last one, except
// that with `head` named (a multi-task model's first head) the last point of that head is kept
// over later auxiliary-head points (HEAD.loss, then HEAD.auc: the AUC). nullptr when there is none.
const MetricPoint* progress_point(const std::vector<MetricPoint>& pts, const std::string& head);

}  // namespace mlpipe
