#include "core/metrics/gate.h"

#include <charconv>

#include "core/util/strings.h"

namespace mlpipe {

bool GateCondition::passes(double v) const {
  if (op == ">=") return v >= threshold;
  if (op == ">") return v > threshold;
  if (op == "<=") return v <= threshold;
  if (op == "<") return v < threshold;
  return v == threshold;
}

std::string GateCondition::text() const { return op + " " + format_double(threshold); }

std::optional<GateCondition> parse_gate(const std::string& text) {
  std::string_view s = trim(text);
  GateCondition g;
  for (const char* op : {">=", "<=", "==", ">", "<"}) {
    if (starts_with(s, op)) {
      g.op = op;
      s.remove_prefix(g.op.size());
      break;
    }
  }
  if (g.op.empty()) return std::nullopt;
  s = trim(s);
  if (s.empty()) return std::nullopt;
  const char* b = s.data();
  if (*b == '+') ++b;
  auto r = std::from_chars(b, s.data() + s.size(), g.threshold);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return g;
}

}  // namespace mlpipe
