// What `validate` knows of the columns each step sees, from the sources' headers (first lines
// only) and what the steps on the way add or remove, so that a column named in the YAML that
// is not there is reported at its position before anything runs.
#include <set>
#include <unordered_set>

#include "core/data/csv_reader.h"
#include "core/data/sources.h"
#include "core/features/window_features.h"
#include "core/steps/steps.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

const StepSpec* find_step(const Pipeline& p, const std::string& name) {
  for (const auto& s : p.steps)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

std::optional<std::vector<std::string>> columns_after(const Pipeline& p, const std::string& step, int depth) {
  const StepSpec* s = find_step(p, step);
  if (!s || depth > 64) return std::nullopt;
  const json& cfg = s->config;
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;  // (a header of 200,000 columns: no quadratic search)
  auto add = [&](const std::string& c) {
    if (seen.insert(c).second) out.push_back(c);
  };
  if (s->type == "ingest") {
    if (!cfg.contains("source")) return std::nullopt;  // the ingest step's own checks report it
    std::optional<std::vector<std::string>> h;
    try {
      std::vector<SourceFile> files = expand_sources(cfg["source"], p.base_dir);
      if (files.empty()) return std::nullopt;
      h = header_of(files.front().path, ingest_csv_options(cfg));
    } catch (const std::exception&) {
      return std::nullopt;  // the ingest step's own checks report it
    }
    if (!h) return std::nullopt;
    std::vector<std::string> drop = cfg.contains("drop") ? as_strings(cfg["drop"]) : std::vector<std::string>{};
    for (const auto& c : *h)
      if (std::find(drop.begin(), drop.end(), c) == drop.end()) add(c);
    return out;
  }
  if (s->type == "join") {
    if (s->needs.size() != 2) return std::nullopt;
    std::string left = get_string(cfg, "left", s->needs[0]);
    std::string right = get_string(cfg, "right", left == s->needs[0] ? s->needs[1] : s->needs[0]);
    auto l = columns_after(p, left, depth + 1), r = columns_after(p, right, depth + 1);
    if (!l || !r) return std::nullopt;
    for (const auto& c : *l) add(c);
    std::string prefix = get_string(cfg, "prefix", "");
    std::vector<std::string> brought = cfg.contains("columns") ? as_strings(cfg["columns"]) : *r;
    for (const auto& c : brought) add(prefix + c);
    return out;
  }
  for (const auto& n : s->needs) {
    auto c = columns_after(p, n, depth + 1);
    if (!c) return std::nullopt;
    for (const auto& x : *c) add(x);
  }
  if (s->type == "features" && cfg.contains("transforms") && cfg["transforms"].is_array())
    for (const auto& t : cfg["transforms"]) transform_columns(t, out);
  return out;
}

void transform_columns(const json& t, std::vector<std::string>& cols) {
  if (!t.is_object() || !t.contains("op") || !t["op"].is_string()) return;
  std::string op = t["op"].get<std::string>();
  auto add = [&](const std::string& c) {
    if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
  };
  try {
    if (op == "ratio" && t.contains("name")) add(t["name"].get<std::string>());
    if (op == "window" || op == "label_rate") {
      json spec = t;
      if (!spec.contains("aggs")) spec["aggs"] = {"count", "mean"};
      if (!spec.contains("columns")) spec["columns"] = json::array();
      for (const auto& c : op == "window" ? window_column_names(spec) : label_rate_column_names(spec)) add(c);
    }
    if (op == "time_parts")
      for (const auto& p : as_strings(t.at("parts"))) add(t.at("time").get<std::string>() + "_" + p);
    if (op == "one_hot" && t.contains("columns"))  // its categories are known from the data only
      for (const auto& c : as_strings(t["columns"])) add(c + "=*");
    if (op == "drop" && t.contains("columns"))
      for (const auto& pat : as_strings(t["columns"]))
        cols.erase(std::remove_if(cols.begin(), cols.end(), [&](const std::string& c) { return glob_match(pat, c); }), cols.end());
  } catch (const std::exception&) {
    // a malformed transform: check_transforms reports it
  }
}

std::optional<std::vector<std::string>> columns_into(const Pipeline& p, const StepSpec& spec) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const auto& n : spec.needs) {
    auto c = columns_after(p, n, 0);
    if (!c) return std::nullopt;
    for (const auto& x : *c)
      if (seen.insert(x).second) out.push_back(x);
  }
  if (spec.needs.empty()) return std::nullopt;
  return out;
}

void check_columns_exist(const ConfigChecker& check, const std::optional<std::vector<std::string>>& available,
                         const std::vector<std::pair<std::string, std::string>>& named, const std::string& where) {
  if (!available) return;
  std::vector<std::string> errors;
  for (const auto& item : named) {
    const std::string& path = item.first;
    const std::string& col = item.second;  // (not a structured binding: the lambda captures it)
    if (col.empty() || col.find_first_of("*?[") != std::string::npos ||
        std::any_of(available->begin(), available->end(), [&](const std::string& a) {
          return a == col || (a.find('*') != std::string::npos && glob_match(a, col));
        }))
      continue;
    try {
      check.fail_value(path, "no column '" + col + "' " + where + did_you_mean(col, *available));
    } catch (const ConfigError& e) {
      errors.push_back(e.what());
    }
  }
  if (!errors.empty()) throw ConfigError(join(errors, "\n"));
}

}  // namespace mlpipe
