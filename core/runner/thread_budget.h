#pragma once
// How many threads each step computes with, so that steps running side by side (--jobs) share
// the cores instead of each taking all of them: XGBoost's and torch's thread pools, and the CSV
// parser's, would otherwise oversubscribe the machine.
#include <vector>

#include "core/config/pipeline.h"
#include "core/dag/dag.h"

namespace mlpipe {

// Per step (in pipeline order): `nthread` divided by how many thread-using steps can run at the
// same time as it (itself and those with no path to or from it, at most `jobs`), at least 1.
// Decided from the graph alone, never from timing, so a step's thread count (part of its
// fingerprint, and of the sequence trainer's batch slices) is the same on every run.
// A step's own `nthread:` key still overrides its share.
std::vector<unsigned> thread_shares(const Pipeline& p, const Dag& dag, unsigned nthread, unsigned jobs);

}  // namespace mlpipe
