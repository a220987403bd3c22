#include "core/steps/train_progress.h"

#include <algorithm>

#include "core/util/strings.h"

namespace mlpipe {

namespace {
bool per_iteration(const MetricPoint& p) { return p.iteration && !starts_with(p.key, "batch"); }
}  // namespace

double progress_done(const std::vector<MetricPoint>& pts) {
  double done = 0;
  for (const auto& p : pts)
    if (per_iteration(p)) done = std::max(done, double(*p.iteration));
  return done;
}

double progress_bound(double total, double expected, double done) {
  return expected > 0 ? std::min(total, std::max(expected, done)) : total;
}

const MetricPoint* progress_point(const std::vector<MetricPoint>& pts, const std::string& head) {
  const MetricPoint* shown = nullptr;
  for (const auto& p : pts) {
    if (!per_iteration(p)) continue;
    bool of_head = !head.empty() && starts_with(p.key, head + ".");
    bool shown_of_head = shown && !head.empty() && starts_with(shown->key, head + ".");
    if (!shown || (p.split == "valid" && shown->split != "valid") || (p.split == shown->split && (!shown_of_head || of_head)))
      shown = &p;
  }
  return shown;
}

}  // namespace mlpipe
