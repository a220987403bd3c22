#include "core/metrics/gate.h"

#include <charconv>
#include <cmath>

#include "core/util/strings.h"

namespace mlpipe {
namespace {

std::optional<double> parse_number(std::string_view s) {
  double v = 0;
  const char* b = s.data();
  if (!s.empty() && *b == '+') ++b;
  auto r = std::from_chars(b, s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

bool GateCondition::passes(double v, double champion_value) const {
  double b = bound(champion_value);
  if (op == ">=") return v >= b;
  if (op == ">") return v > b;
  if (op == "<=") return v <= b;
  if (op == "<") return v < b;
  return v == b;
}

std::string GateCondition::text() const {
  if (!champion) return op + " " + format_double(threshold);
  if (threshold == 0) return op + " champion";
  return op + " champion " + (threshold < 0 ? "- " : "+ ") + format_double(std::fabs(threshold));
}

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
  if (starts_with(s, "champion")) {
    g.champion = true;
    s = trim(s.substr(8));
    if (s.empty()) return g;
    char sign = s[0];
    if (sign != '+' && sign != '-') return std::nullopt;
    std::optional<double> off = parse_number(trim(s.substr(1)));
    if (!off || *off < 0) return std::nullopt;
    g.threshold = sign == '-' ? -*off : *off;
    return g;
  }
  std::optional<double> v = parse_number(s);
  if (!v) return std::nullopt;
  g.threshold = *v;
  return g;
}

}  // namespace mlpipe
