#include <doctest/doctest.h>

#include "core/dag/dag.h"
#include "core/runner/thread_budget.h"

using namespace mlpipe;

namespace {
std::vector<unsigned> shares(const std::string& steps, unsigned nthread, unsigned jobs) {
  Pipeline p = parse_pipeline("pipeline: x\nsteps:\n" + steps, "p.yaml", ".", {});
  return thread_shares(p, Dag::build(p), nthread, jobs);
}
const char* kTwoBranches =
    "  ingest: {type: ingest, source: d.csv, label: y}\n"
    "  split: {type: split, needs: ingest}\n"
    "  a: {type: train, needs: split, trainer: xgboost}\n"
    "  b: {type: train, needs: split, trainer: xgboost}\n"
    "  c: {type: train, needs: split, trainer: xgboost}\n"
    "  ea: {type: evaluate, needs: a}\n";
}  // namespace

TEST_CASE("steps that can run side by side share the threads; a chain keeps them all") {
  // Three trains with no path between them: each gets a third of 6 threads with 3 jobs.
  CHECK(shares(kTwoBranches, 6, 3) == std::vector<unsigned>{6, 6, 2, 2, 2, 6});
  // Only 2 jobs: at most 2 of them run at once.
  CHECK(shares(kTwoBranches, 6, 2) == std::vector<unsigned>{6, 6, 3, 3, 3, 6});
  // One job: one step at a time, all threads each.
  CHECK(shares(kTwoBranches, 6, 1) == std::vector<unsigned>{6, 6, 6, 6, 6, 6});
  // Never below one thread.
  CHECK(shares(kTwoBranches, 2, 3) == std::vector<unsigned>{2, 2, 1, 1, 1, 2});
  // A chain: nothing runs beside anything.
  CHECK(shares("  ingest: {type: ingest, source: d.csv, label: y}\n"
               "  split: {type: split, needs: ingest}\n"
               "  t: {type: train, needs: split, trainer: xgboost}\n",
               4, 4) == std::vector<unsigned>{4, 4, 4});
  // Two ingests side by side share too; a train after both has them all.
  CHECK(shares("  i1: {type: ingest, source: d.csv, label: y}\n"
               "  i2: {type: ingest, source: e.csv, label: y}\n"
               "  j: {type: split, needs: [i1, i2]}\n"
               "  t: {type: train, needs: j, trainer: xgboost}\n",
               4, 4) == std::vector<unsigned>{2, 2, 4, 4});
}
