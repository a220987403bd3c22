#include <doctest/doctest.h>

#include "core/steps/train_progress.h"

using mlpipe::MetricPoint;

TEST_CASE("a multi-head model's progress line shows its first head's valid metric, not the auxiliary head's") {
  // As the sequence trainer records an epoch: loss, then each head's metrics, the aux head last.
  std::vector<MetricPoint> pts = {{"loss", "train", 3, 0.5},          {"loss", "valid", 3, 0.6},
                                  {"fraud.auc", "valid", 3, 0.91},    {"fraud.logloss", "valid", 3, 0.2},
                                  {"size.rmse", "valid", 3, 12.5},    {"batch_loss", "train", 300, 0.4}};
  const MetricPoint* p = mlpipe::progress_point(pts, "fraud");
  REQUIRE(p);
  CHECK(p->key == "fraud.logloss");
  CHECK(p->split == "valid");
  // One head (no name): the last valid point, as XGBoost's stopping metric is its last.
  p = mlpipe::progress_point(pts, "");
  REQUIRE(p);
  CHECK(p->key == "size.rmse");
  // The per-batch point does not count as an iteration.
  CHECK(mlpipe::progress_done(pts) == 3);
}

TEST_CASE("a valid point is preferred over a train point; no per-iteration point shows nothing") {
  std::vector<MetricPoint> pts = {{"logloss", "valid", 7, 0.3}, {"logloss", "train", 7, 0.2}};
  CHECK(mlpipe::progress_point(pts, "")->split == "valid");
  std::vector<MetricPoint> finals = {{"auc", "test", std::nullopt, 0.8}};
  CHECK(mlpipe::progress_point(finals, "") == nullptr);
  CHECK(mlpipe::progress_done(finals) == 0);
}

TEST_CASE("the progress total under early stopping is best + patience, within the configured total") {
  CHECK(mlpipe::progress_bound(100, 0, 5) == 100);   // no early stopping: the configured total
  CHECK(mlpipe::progress_bound(100, 25, 5) == 25);   // best 15 + patience 10
  CHECK(mlpipe::progress_bound(100, 25, 30) == 30);  // never below what is done
  CHECK(mlpipe::progress_bound(100, 400, 5) == 100); // never above the configured total
}
