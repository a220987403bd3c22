#pragma once
// The counters `mlpipe serve` exposes at GET /metrics in the Prometheus text format (0.0.4):
// requests by route and status, a latency histogram per route, rows scored, and the served
// model's identity. Thread-safe (one mutex; an observation is a few additions).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

class ServeMetrics {
 public:
  // One answered request: its route ("/v1/score"), HTTP status, seconds taken and rows scored.
  void observe(const std::string& route, int status, double seconds, size_t rows = 0);
  // The model now served (the info metric's labels); `reloads` counts swaps after the first.
  void set_model(const std::string& name, int64_t version, const std::string& manifest_sha256);
  void count_reload_failure();

  std::string text() const;

  // The histogram's upper bounds in seconds (then +Inf).
  static const std::vector<double>& buckets();

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, not cumulative
    uint64_t n = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  uint64_t rows_ = 0, reloads_ = 0, reload_failures_ = 0;
  std::string model_name_, model_sha_;
  int64_t model_version_ = 0;
  bool model_set_ = false;
};

}  // namespace mlpipe
