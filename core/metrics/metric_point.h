#pragma once
// One recorded number: what steps and trainers report and the run store keeps. Its own header so
// that trainers can report metrics without including the store.
#include <cstdint>
#include <optional>
#include <string>

namespace mlpipe {

struct MetricPoint {
  std::string key;
  std::string split;                 // "" stores NULL
  std::optional<int64_t> iteration;  // nullopt: a final value
  double value = 0;
};

}  // namespace mlpipe
