#include "core/serve/serve_metrics.h"

#include <algorithm>
#include <cstdio>

#include "core/util/strings.h"

namespace mlpipe {

namespace {
// Label values escape backslash, quote and newline (the text format's rule).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

const std::vector<double>& ServeMetrics::buckets() {
  static const std::vector<double> b = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
  return b;
}

void ServeMetrics::observe(const std::string& route, int status, double seconds, size_t rows) {
  const auto& b = buckets();
  size_t i = size_t(std::lower_bound(b.begin(), b.end(), seconds) - b.begin());  // le: seconds <= bound
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
  if (h.counts.empty()) h.counts.assign(b.size() + 1, 0);
  ++h.counts[i];
  ++h.n;
  h.sum += seconds;
  rows_ += rows;
}

void ServeMetrics::set_model(const std::string& name, int64_t version, const std::string& sha) {
  std::lock_guard<std::mutex> lock(mu_);
  if (model_set_) ++reloads_;
  model_set_ = true;
  model_name_ = name;
  model_version_ = version;
  model_sha_ = sha;
}

void ServeMetrics::count_reload_failure() {
  std::lock_guard<std::mutex> lock(mu_);
  ++reload_failures_;
}

std::string ServeMetrics::text() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string o;
  o += "# HELP mlpipe_requests_total Requests answered, by route and HTTP status.\n";
  o += "# TYPE mlpipe_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    o += "mlpipe_requests_total{route=\"" + label(key.first) + "\",status=\"" + std::to_string(key.second) + "\"} " +
         std::to_string(n) + "\n";
  o += "# HELP mlpipe_request_duration_seconds Time to answer a request, from its parsed headers to the response.\n";
  o += "# TYPE mlpipe_request_duration_seconds histogram\n";
  const auto& b = buckets();
  for (const auto& [route, h] : latency_) {
    uint64_t cum = 0;
    for (size_t i = 0; i <= b.size(); ++i) {
      cum += h.counts[i];
      char bound[32];
      std::snprintf(bound, sizeof bound, "%g", i < b.size() ? b[i] : 0.0);
      std::string le = i < b.size() ? std::string(bound) : "+Inf";
      o += "mlpipe_request_duration_seconds_bucket{route=\"" + label(route) + "\",le=\"" + le + "\"} " +
           std::to_string(cum) + "\n";
    }
    o += "mlpipe_request_duration_seconds_sum{route=\"" + label(route) + "\"} " + format_double(h.sum) + "\n";
    o += "mlpipe_request_duration_seconds_count{route=\"" + label(route) + "\"} " + std::to_string(h.n) + "\n";
  }
  o += "# HELP mlpipe_rows_scored_total Rows scored by /v1/score.\n# TYPE mlpipe_rows_scored_total counter\n";
  o += "mlpipe_rows_scored_total " + std::to_string(rows_) + "\n";
  o += "# HELP mlpipe_model_info The model being served (value 1).\n# TYPE mlpipe_model_info gauge\n";
  o += "mlpipe_model_info{name=\"" + label(model_name_) + "\",version=\"" + std::to_string(model_version_) +
       "\",manifest_sha256=\"" + label(model_sha_) + "\"} 1\n";
  o += "# HELP mlpipe_model_reloads_total Times a moved alias brought a new model in.\n"
       "# TYPE mlpipe_model_reloads_total counter\n";
  o += "mlpipe_model_reloads_total " + std::to_string(reloads_) + "\n";
  o += "# HELP mlpipe_model_reload_failures_total Times a new model was refused (the old one stays).\n"
       "# TYPE mlpipe_model_reload_failures_total counter\n";
  o += "mlpipe_model_reload_failures_total " + std::to_string(reload_failures_) + "\n";
  return o;
}

}  // namespace mlpipe
