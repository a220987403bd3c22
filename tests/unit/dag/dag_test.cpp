#include <doctest/doctest.h>

#include "core/dag/dag.h"
#include "core/util/error.h"

using namespace mlpipe;

namespace {
Pipeline make(const std::string& steps) {
  return parse_pipeline("pipeline: x\nsteps:\n" + steps, "p.yaml", ".", {});
}
std::string cycle_error(const std::string& steps) {
  try {
    Dag::build(make(steps));
  } catch (const ConfigError& e) {
    std::string s = e.what();
    return s.substr(0, s.find('\n'));
  }
  return "no error";
}
std::vector<std::string> order(const Dag& d) {
  std::vector<std::string> out;
  for (size_t i : d.order()) out.push_back(d.name(i));
  return out;
}
}  // namespace

TEST_CASE("topological order respects needs and otherwise keeps file order") {
  Dag d = Dag::build(make("  c: {type: split, needs: [b]}\n  a: {type: split}\n  b: {type: split, needs: [a]}\n  d: {type: split}\n"));
  CHECK(order(d) == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(d.ancestors(d.index_of("c")).size() == 2);
}

TEST_CASE("independent branches are both ready after their common parent") {
  Dag d = Dag::build(make("  a: {type: split}\n  b: {type: split, needs: a}\n  c: {type: split, needs: a}\n"));
  CHECK(d.dependents(d.index_of("a")).size() == 2);
  CHECK(d.needs(d.index_of("b")) == std::vector<size_t>{0});
}

TEST_CASE("cycles are named in dependency order") {
  CHECK(cycle_error("  a: {type: split, needs: [b]}\n  b: {type: split, needs: [a]}\n") ==
        "p.yaml:3:20: dependency cycle: a -> b -> a");
  CHECK(cycle_error("  a: {type: split, needs: [c]}\n  b: {type: split, needs: [a]}\n  c: {type: split, needs: [b]}\n") ==
        "p.yaml:3:20: dependency cycle: a -> c -> b -> a");
  CHECK(cycle_error("  a: {type: split, needs: [a]}\n") == "p.yaml:3:20: dependency cycle: a -> a");
}

TEST_CASE("unknown needs get a suggestion at the entry") {
  CHECK(cycle_error("  ingest: {type: split}\n  b: {type: split, needs: [ingset]}\n") ==
        "p.yaml:4:28: step 'b': needs unknown step 'ingset' (did you mean 'ingest'?)");
}

TEST_CASE("graph renders as text and dot") {
  Pipeline p = make("  a: {type: split}\n  b: {type: split, needs: [a]}\n");
  Dag d = Dag::build(p);
  CHECK(d.to_text(p) == "a (split)\nb (split)  <- a\n");
  CHECK(d.to_dot(p).find("\"a\" -> \"b\";") != std::string::npos);
}
