#include <doctest/doctest.h>

#include "core/store/run_diff.h"

using namespace mlpipe;
using nlohmann::json;

TEST_CASE("runs diff --exit-code counts config, inputs, artifacts and metrics beyond the tolerance") {
  json d = {{"config", json::array()}, {"inputs", json::array()}, {"environment", json::array({{{"key", "host"}, {"a", "x"}, {"b", "y"}}})},
            {"artifacts", json::array()},
            {"metrics", json::array({{{"key", "evaluate.test.auc"}, {"a", 0.80}, {"b", 0.801}},
                                     {{"key", "train.samples_per_s"}, {"a", 100.0}, {"b", 900.0}}})}};
  CHECK_FALSE(diff_verdict(d, 0.0).same());  // auc moved by 0.001
  CHECK(diff_verdict(d, 0.002).same());      // within the tolerance; timings and the host never count
  d["metrics"].push_back({{"key", "evaluate.test.brier"}, {"a", 0.1}, {"b", nullptr}});
  CHECK_FALSE(diff_verdict(d, 1.0).same());  // a metric one run lacks
  json c = d;
  c["metrics"] = json::array();
  c["config"].push_back({{"key", "params.eta"}, {"a", 0.05}, {"b", 0.1}});
  DiffVerdict v = diff_verdict(c, 1.0);
  REQUIRE(v.differences.size() == 1);
  CHECK(v.differences[0] == "config: params.eta");
}
