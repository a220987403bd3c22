#pragma once
// The step graph of a pipeline: dependencies by `needs:`, a stable topological order, and
// cycle detection that names the cycle ("dependency cycle: a -> b -> a").
#include <string>
#include <vector>

#include "core/config/pipeline.h"

namespace mlpipe {

class Dag {
 public:
  // Throws ConfigError (file:line:col) for an unknown step in `needs` and for cycles.
  static Dag build(const Pipeline& pipeline);

  size_t size() const { return names_.size(); }
  const std::string& name(size_t i) const { return names_[i]; }
  const std::vector<size_t>& needs(size_t i) const { return needs_[i]; }
  const std::vector<size_t>& dependents(size_t i) const { return dependents_[i]; }
  // Step indexes in an order where every step comes after what it needs; ties keep the file order.
  const std::vector<size_t>& order() const { return order_; }
  // Every step that `i` needs, directly or not.
  std::vector<size_t> ancestors(size_t i) const;
  size_t index_of(const std::string& name) const;  // SIZE_MAX when absent

  std::string to_text(const Pipeline& p) const;
  std::string to_dot(const Pipeline& p) const;

 private:
  std::vector<std::string> names_;
  std::vector<std::vector<size_t>> needs_, dependents_;
  std::vector<size_t> order_;
};

}  // namespace mlpipe
