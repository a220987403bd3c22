#include "trainers/xgboost/eval_log.h"

#include <charconv>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe::xgb {

std::vector<MetricPoint> parse_eval_line(const std::string& line, int64_t iteration) {
  std::vector<MetricPoint> out;
  for (const auto& tok : split(line, '\t')) {
    if (tok.empty() || tok[0] == '[') continue;
    auto dash = tok.find('-');
    auto colon = tok.rfind(':');
    if (dash == std::string::npos || colon == std::string::npos || colon < dash)
      throw StepError("xgboost: cannot read evaluation output '" + line + "'");
    MetricPoint p;
    p.split = tok.substr(0, dash);
    p.key = tok.substr(dash + 1, colon - dash - 1);
    p.iteration = iteration;
    std::string v = std::string(trim(tok.substr(colon + 1)));
    auto r = std::from_chars(v.data(), v.data() + v.size(), p.value);
    if (r.ec != std::errc()) throw StepError("xgboost: cannot read metric value in '" + tok + "'");
    out.push_back(p);
  }
  return out;
}

std::vector<std::string> parse_unused_parameters(const std::string& text) {
  std::vector<std::string> out;
  auto start = text.find("Parameters: {");
  if (start == std::string::npos) return out;
  auto end = text.find('}', start);
  if (end == std::string::npos) return out;
  std::string inside = text.substr(start, end - start);
  size_t pos = 0;
  while ((pos = inside.find('"', pos)) != std::string::npos) {
    auto close = inside.find('"', pos + 1);
    if (close == std::string::npos) break;
    out.push_back(inside.substr(pos + 1, close - pos - 1));
    pos = close + 1;
  }
  return out;
}

bool metric_maximizes(const std::string& m) {
  for (const char* p : {"auc", "aucpr", "map", "ndcg", "pre"})
    if (starts_with(m, p)) return true;
  return false;
}

}  // namespace mlpipe::xgb
