#include "core/runner/thread_budget.h"

#include <algorithm>

#include "core/steps/step.h"

namespace mlpipe {

std::vector<unsigned> thread_shares(const Pipeline& p, const Dag& dag, unsigned nthread, unsigned jobs) {
  size_t n = dag.size();
  std::vector<char> heavy(n, 0);
  std::vector<std::vector<char>> before(n, std::vector<char>(n, 0));  // before[i][j]: j is upstream of i
  for (size_t i = 0; i < n; ++i) {
    heavy[i] = step_type_for(p.steps[i], p.map).uses_threads;
    for (size_t j : dag.ancestors(i)) before[i][j] = 1;
  }
  std::vector<unsigned> shares(n, std::max(1u, nthread));
  for (size_t i = 0; i < n; ++i) {
    if (!heavy[i]) continue;
    size_t alongside = 1;
    for (size_t j = 0; j < n; ++j)
      if (j != i && heavy[j] && !before[i][j] && !before[j][i]) ++alongside;
    size_t k = std::clamp<size_t>(alongside, 1, std::max(1u, jobs));
    shares[i] = std::max(1u, unsigned(nthread / k));
  }
  return shares;
}

}  // namespace mlpipe
