#include "core/dag/dag.h"

#include <algorithm>
#include <functional>
#include <queue>

#include "core/config/schema.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {

size_t Dag::index_of(const std::string& n) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == n) return i;
  return SIZE_MAX;
}

Dag Dag::build(const Pipeline& p) {
  Dag d;
  d.names_ = p.step_names();
  size_t n = d.names_.size();
  d.needs_.resize(n);
  d.dependents_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const StepSpec& s = p.steps[i];
    ConfigChecker check(p.map, "step '" + s.name + "'");
    for (size_t k = 0; k < s.needs.size(); ++k) {
      const std::string& dep = s.needs[k];
      std::string path = child_path(child_path(s.path, "needs"), std::to_string(k));
      if (s.config["needs"].is_string()) path = child_path(s.path, "needs");
      size_t j = d.index_of(dep);
      if (j == SIZE_MAX)
        check.fail_value(path, "needs unknown step '" + dep + "'" + did_you_mean(dep, d.names_));
      if (std::find(d.needs_[i].begin(), d.needs_[i].end(), j) != d.needs_[i].end())
        check.fail_value(path, "lists '" + dep + "' twice in needs");
      d.needs_[i].push_back(j);
      d.dependents_[j].push_back(i);
    }
  }

  // Cycle search: depth-first with an explicit path so the message can spell the cycle out.
  std::vector<int> color(n, 0);  // 0 new, 1 on the path, 2 done
  std::vector<size_t> stack;
  std::function<void(size_t)> visit = [&](size_t i) {
    color[i] = 1;
    stack.push_back(i);
    for (size_t j : d.needs_[i]) {
      if (color[j] == 1) {
        // The path runs a -> b -> ... where each step needs the next; j closes the loop.
        std::vector<std::string> cyc;
        for (auto it = std::find(stack.begin(), stack.end(), j); it != stack.end(); ++it)
          cyc.push_back(d.names_[*it]);
        cyc.push_back(d.names_[j]);
        ConfigChecker check(p.map, "");
        check.fail_key(child_path(p.steps[j].path, "needs"), "dependency cycle: " + join(cyc, " -> "));
      }
      if (color[j] == 0) visit(j);
    }
    stack.pop_back();
    color[i] = 2;
  };
  for (size_t i = 0; i < n; ++i)
    if (color[i] == 0) visit(i);

  // Kahn's algorithm with a min-heap on file position: deterministic and close to the file order.
  std::vector<size_t> indeg(n);
  for (size_t i = 0; i < n; ++i) indeg[i] = d.needs_[i].size();
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < n; ++i)
    if (indeg[i] == 0) ready.push(i);
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    d.order_.push_back(i);
    for (size_t j : d.dependents_[i])
      if (--indeg[j] == 0) ready.push(j);
  }
  return d;
}

std::vector<size_t> Dag::ancestors(size_t i) const {
  std::vector<bool> seen(size());
  std::vector<size_t> pending = needs_[i], out;
  while (!pending.empty()) {
    size_t j = pending.back();
    pending.pop_back();
    if (seen[j]) continue;
    seen[j] = true;
    out.push_back(j);
    for (size_t k : needs_[j]) pending.push_back(k);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Dag::to_text(const Pipeline& p) const {
  std::string out;
  for (size_t i : order_) {
    out += names_[i] + " (" + p.steps[i].type + ")";
    if (!needs_[i].empty()) {
      std::vector<std::string> deps;
      for (size_t j : needs_[i]) deps.push_back(names_[j]);
      out += "  <- " + join(deps, ", ");
    }
    out += "\n";
  }
  return out;
}

std::string Dag::to_dot(const Pipeline& p) const {
  std::string out = "digraph \"" + p.name + "\" {\n  rankdir=LR;\n  node [shape=box];\n";
  for (size_t i : order_)
    out += "  \"" + names_[i] + "\" [label=\"" + names_[i] + "\\n(" + p.steps[i].type + ")\"];\n";
  for (size_t i : order_)
    for (size_t j : needs_[i]) out += "  \"" + names_[j] + "\" -> \"" + names_[i] + "\";\n";
  return out + "}\n";
}

}  // namespace mlpipe
