#include <doctest/doctest.h>

#include "core/config/yaml_to_json.h"
#include "core/config/pipeline.h"
#include "core/runner/plan.h"
#include "core/util/error.h"

using namespace mlpipe;

namespace {
// The first line of a ConfigError: "file:line:col: message" (the excerpt follows on later lines).
std::string error_of(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    Pipeline p = parse_pipeline(yaml, "p.yaml", ".", sets);
    check_steps(p);
  } catch (const ConfigError& e) {
    std::string s = e.what();
    return s.substr(0, s.find('\n'));
  }
  return "no error";
}
}  // namespace

TEST_CASE("yaml syntax errors carry file and 1-based line:col") {
  CHECK(error_of("pipeline: x\nsteps:\n  a: {type: ingest\n  b: [\n") ==
        "p.yaml:4:4: YAML syntax error: end of map flow not found");
}

TEST_CASE("unknown keys are reported at the key with a suggestion") {
  CHECK(error_of("pipeline: x\nsteps:\n  a: {type: split, methd: random}\n") ==
        "p.yaml:3:20: step 'a': unknown key 'methd' (did you mean 'method'?); expected one of: "
        "type, needs, description, method, by, fractions, seed, train, valid, test, backtest, sweep");
  CHECK(error_of("pipelin: x\nsteps: {}\n").rfind("p.yaml:1:1: unknown key 'pipelin' (did you mean 'pipeline'?)", 0) == 0);
}

TEST_CASE("a swapped pair of letters still gets a suggestion") {
  CHECK(error_of("pipeline: x\nsteps:\n  a: {type: split, mehtod: random}\n").find("did you mean 'method'") !=
        std::string::npos);
}

TEST_CASE("missing required keys name the step and the key") {
  CHECK(error_of("pipeline: x\nsteps:\n  load:\n    type: ingest\n") ==
        "p.yaml:3:3: step 'load': missing required key 'source' (CSV or TSV file (or .gz/.xz/.zst; a list or a glob: one table), relative to the pipeline file)");
  CHECK(error_of("pipeline: x\nsteps:\n  load: {needs: []}\n") == "p.yaml:3:3: step 'load': missing required key 'type'");
}

TEST_CASE("wrong kinds and bad choices point at the value") {
  CHECK(error_of("pipeline: x\nsteps:\n  s: {type: split, seed: abc}\n") ==
        "p.yaml:3:26: step 's': 'seed' must be an integer, got string 'abc'");
  CHECK(error_of("pipeline: x\nsteps:\n  s: {type: split, method: stratifed}\n") ==
        "p.yaml:3:28: step 's': 'method' must be one of random, stratified, time, group; got "
        "'stratifed' (did you mean 'stratified'?)");
  CHECK(error_of("pipeline: x\nsteps:\n  s: {type: splitt}\n") ==
        "p.yaml:3:13: step 's': unknown step type 'splitt' (did you mean 'split'?); known types: "
        "ingest, filter, join, split, features, sequences, train, calibrate, evaluate, export, drift");
}

TEST_CASE("duplicate keys are errors") {
  CHECK(error_of("pipeline: x\npipeline: y\nsteps: {}\n") == "p.yaml:2:1: duplicate key 'pipeline'");
}

TEST_CASE("interpolation keeps the referenced type for a whole value and formats inside text") {
  Pipeline p = parse_pipeline(
      "pipeline: x\nseed: 7\nparams: {rounds: 30, eta: 0.1, name: abc}\nsteps:\n"
      "  s: {type: split, seed: '${params.rounds}', description: 'eta=${params.eta} ${params.name} ${seed}'}\n",
      "p.yaml", ".", {});
  const auto& cfg = p.steps[0].config;
  CHECK(cfg["seed"].is_number_integer());
  CHECK(cfg["seed"].get<int>() == 30);
  CHECK(cfg["description"].get<std::string>() == "eta=0.1 abc 7");
}

TEST_CASE("an unknown reference is an error at its value") {
  CHECK(error_of("pipeline: x\nparams: {eta: 1}\nsteps:\n  s: {type: split, seed: '${params.et}'}\n") ==
        "p.yaml:4:26: ${params.et}: 'params/et' is not defined (did you mean 'eta'?)");
}

TEST_CASE("--set overrides are typed like YAML and feed interpolation") {
  const std::string yaml =
      "pipeline: x\nparams: {n: 1, flag: false, l: [], cond: x}\nsteps:\n  s: {type: split, seed: '${params.n}', method: random}\n";
  Pipeline p = parse_pipeline(yaml, "p.yaml", ".", {"params.n=12", "steps.s.method=time", "steps.s.by=t"});
  CHECK(p.steps[0].config["seed"].get<int>() == 12);
  CHECK(p.steps[0].config["method"] == "time");
  Pipeline q = parse_pipeline(yaml, "p.yaml", ".", {"params.n=0.5", "params.flag=true", "params.l=[1, 2]"});
  CHECK(q.params["n"].is_number_float());
  CHECK(q.params["flag"] == true);
  CHECK(q.params["l"].size() == 2);
  Pipeline g = parse_pipeline(yaml, "p.yaml", ".", {"params.cond=>= 0.8"});  // not YAML: kept as text
  CHECK(g.params["cond"] == ">= 0.8");
  CHECK(error_of(yaml, {"steps.t.seed=1"}) == "--set steps.t.seed=1: no step named 't' (did you mean 's'?)");
  // A parameter the pipeline does not have would change nothing: refused, with a suggestion.
  CHECK(error_of(yaml, {"params.nn=3"}) ==
        "--set params.nn=3: the pipeline has no parameter 'nn' (did you mean 'n'?); its params: cond, flag, l, n");
  CHECK(parse_pipeline(yaml, "p.yaml", ".", {" params.n = 4 "}).params["n"] == 4);  // shell spacing
  CHECK(error_of(yaml, {"novalue"}) == "--set novalue: expected KEY=VALUE, e.g. --set params.eta=0.05");
  CHECK(error_of(yaml, {"steps.s.seed=abc"}) == "--set steps.s.seed=abc: step 's': 'seed' must be an integer, got string 'abc'");
}

TEST_CASE("steps keep the order they are written in") {
  Pipeline p = parse_pipeline("pipeline: x\nsteps:\n  zeta: {type: split}\n  alpha: {type: split}\n", "p.yaml", ".", {});
  REQUIRE(p.steps.size() == 2);
  CHECK(p.steps[0].name == "zeta");
  CHECK(p.steps[1].name == "alpha");
}

TEST_CASE("gate conditions and metric names are checked before running") {
  CHECK(error_of("pipeline: x\nsteps:\n  e: {type: evaluate, gate: {auc: 'at least 0.7'}}\n") ==
        "p.yaml:3:35: step 'e': gate condition must be text like \">= 0.75\" or \">= champion - 0.005\" (operators >=, >, <=, <, ==), got string 'at least 0.7'");
  CHECK(error_of("pipeline: x\nsteps:\n  e: {type: evaluate, metrics: [auc, acuracy]}\n") ==
        "p.yaml:3:38: step 'e': unknown metric 'acuracy' (did you mean 'accuracy'?); known metrics: "
        "auc, pr_auc, logloss, ks, brier, ece, accuracy, precision, recall, f1, gini, precision_at_k, recall_at_k, card_precision_at_k, rmse, mae, r2, mlogloss, macro_auc");
}

TEST_CASE("transform specs are checked per op") {
  CHECK(error_of("pipeline: x\nsteps:\n  f:\n    type: features\n    transforms:\n      - {op: standardise, columns: [a]}\n") ==
        "p.yaml:6:14: step 'f': unknown transform op 'standardise' (did you mean 'standardize'?); known ops: "
        "clip, drop, fill_missing, label_rate, log1p, min_max, one_hot, ratio, standardize, time_parts, window");
  CHECK(error_of("pipeline: x\nsteps:\n  f:\n    type: features\n    transforms:\n      - {op: clip, columns: [a], lowr: 1}\n") ==
        "p.yaml:6:34: transform clip: unknown key 'lowr' (did you mean 'lower'?); expected one of: op, "
        "columns, lower, upper, lower_quantile, upper_quantile");
}

TEST_CASE("xgboost parameters are checked by XGBoost itself") {
  std::string base = "pipeline: x\nsteps:\n  t:\n    type: train\n    trainer: xgboost\n    params: {";
  CHECK(error_of(base + "max_dept: 3}\n") ==
        "p.yaml:6:14: step 't': unknown xgboost parameter 'max_dept' (did you mean 'max_depth'?) (XGBoost reports it as not used)");
  CHECK(error_of(base + "rounds: 3}\n") ==
        "p.yaml:6:14: step 't': 'rounds' is not a booster parameter: write `rounds:` at the step level, beside `params:`");
  CHECK(error_of(base + "max_depth: 3, eta: 0.1, learning_rate: 0.1, reg_lambda: 2}\n") == "no error");
  CHECK(error_of(base + "max_depth: deep}\n").find("p.yaml:6:25: step 't': XGBoost rejected max_depth: deep: ") == 0);
  // Rejections that name no parameter are found by trying each alone: the error points at it.
  CHECK(error_of(base + "max_depth: 3, tree_method: gpu_hist}\n") ==
        "p.yaml:6:41: step 't': XGBoost rejected tree_method: gpu_hist: XGBoost version not compiled with GPU support.");
  CHECK(error_of(base + "max_depth: 3, eta: 0.05x}\n") ==
        "p.yaml:6:33: step 't': XGBoost rejected eta: 0.05x: Some trailing characters could not be parsed: 'x'");
}

TEST_CASE("an error in a very long line shows the 100 characters around its column") {
  SourcePos pos{"p.yaml", 3, 5001, std::string(5000, 'a') + "X" + std::string(5000, 'b')};
  std::string msg = format_at(pos, "here");
  CHECK(msg.size() < 400);
  CHECK(msg.find("...") != std::string::npos);
  // The caret stands under the X.
  size_t text_at = msg.find("| ...") + 2, caret_at = msg.rfind('^');
  size_t line_start = msg.rfind('\n', caret_at) + 1, text_line_start = msg.rfind('\n', text_at) + 1;
  CHECK(msg[text_line_start + (caret_at - line_start)] == 'X');
}

TEST_CASE("a column past the end of a long line is clamped (fuzz finding: substr out of range)") {
  SourcePos pos{"p.yaml", 1, 900, std::string(130, 'a')};
  std::string msg = format_at(pos, "here");
  CHECK(msg.find("p.yaml:1:900: here") == 0);
  CHECK(msg.find('^') != std::string::npos);
}

TEST_CASE("a YAML syntax error on a line yaml-cpp counts differently never throws out_of_range") {
  // Lone '\r' breaks: yaml-cpp sees many lines, the source map sees one long one.
  std::string text = "steps:\r  a: [" + std::string(200, 'x') + "\r  b: {\r" + std::string(300, ' ') + "]";
  SourceMap map("p.yaml", text);
  CHECK_THROWS_AS(parse_yaml(text, map), ConfigError);
}
