#pragma once
// Gate conditions on metrics, written as text: ">= 0.75", "< 0.45", or relative to the current
// champion model scored on the same rows: ">= champion - 0.005", "<= champion".
#include <optional>
#include <string>

namespace mlpipe {

struct GateCondition {
  std::string op;          // >=, >, <=, <, ==
  double threshold = 0;    // the bound, or the offset added to the champion's value
  bool champion = false;   // the bound is the champion's value + threshold
  // `champion_value` is used only when `champion` is set.
  bool passes(double value, double champion_value = 0) const;
  double bound(double champion_value = 0) const { return champion ? champion_value + threshold : threshold; }
  std::string text() const;  // ">= 0.75", ">= champion - 0.005"
};

// nullopt when the text is not a condition.
std::optional<GateCondition> parse_gate(const std::string& text);

}  // namespace mlpipe
