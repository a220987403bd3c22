#pragma once
// Gate conditions on metrics, written as text: ">= 0.75", "< 0.45".
#include <optional>
#include <string>

namespace mlpipe {

struct GateCondition {
  std::string op;  // >=, >, <=, <, ==
  double threshold = 0;
  bool passes(double value) const;
  std::string text() const;  // ">= 0.75"
};

// nullopt when the text is not a condition.
std::optional<GateCondition> parse_gate(const std::string& text);

}  // namespace mlpipe
