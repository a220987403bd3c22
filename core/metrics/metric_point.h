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

// Timings (throughput, seconds) measure the machine, not the model: reproduce and the diffs
// never compare them. `key` may carry a suffix after '@' or a space ("... (last iteration)").
inline bool is_timing_metric(const std::string& key) {
  std::string name = key.substr(0, key.find_first_of("@ "));
  auto ends = [&](const std::string& tail) {
    return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends("_per_s") || ends("_seconds");
}

}  // namespace mlpipe
