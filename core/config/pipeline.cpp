#include "core/config/pipeline.h"

#include <algorithm>

#include "core/config/schema.h"
#include "core/config/yaml_to_json.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& top_schema() {
  static const Schema s = {
      {"pipeline", Kind::kString, true, {}, "the pipeline's name, used to group its runs"},
      {"description", Kind::kString, false, {}, "free text: what the model is for (the model card's intended use)"},
      {"limitations", Kind::kStrings, false, {}, "known limits of the model, listed on its model card (mlpipe report --card)"},
      {"seed", Kind::kInt, false, {}, "seed for every random choice (default 0)"},
      {"params", Kind::kMap, false, {}, "values that ${params.NAME} refers to; --set params.NAME=v"},
      {"steps", Kind::kMap, true, {}, "the steps, each a map with a 'type'"},
  };
  return s;
}

void apply_override(json& doc, SourceMap& map, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set " + assignment + ": expected KEY=VALUE, e.g. --set params.eta=0.05");
  // Spaces around the name and the value are the shell's quoting, not part of them
  // ('params.eta = 0.1' is params.eta=0.1, not a parameter named "eta ").
  std::string key(trim(assignment.substr(0, eq)));
  std::string text(trim(assignment.substr(eq + 1)));
  if (key.empty()) throw ConfigError("--set " + assignment + ": expected KEY=VALUE, e.g. --set params.eta=0.05");
  // Typed like YAML (numbers, booleans, [lists]); text YAML cannot read (">= 0.8") stays text.
  SourceMap value_map("--set " + assignment, text);
  json value;
  try {
    value = parse_yaml(text, value_map);
  } catch (const ConfigError&) {
    value = text;
  }
  std::vector<std::string> parts = split(key, '.');
  json* node = &doc;
  std::string path;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty()) throw ConfigError("--set " + assignment + ": empty name in key '" + key + "'");
    if (!node->is_object())
      throw ConfigError("--set " + assignment + ": '" + path + "' is not a map");
    // A parameter that does not exist would be recorded as an override that changed nothing.
    if (i == 1 && parts[0] == "params" && node->is_object() && !node->contains(part)) {
      std::vector<std::string> names;
      for (auto& [k, v] : node->items()) names.push_back(k);
      throw ConfigError("--set " + assignment + ": the pipeline has no parameter '" + part + "'" + did_you_mean(part, names) +
                        (names.empty() ? " (it has no params: section)" : "; its params: " + join(names, ", ")));
    }
    if (i == 1 && parts[0] == "steps" && !node->contains(part)) {
      std::vector<std::string> names;
      for (auto& [k, v] : node->items()) names.push_back(k);
      throw ConfigError("--set " + assignment + ": no step named '" + part + "'" +
                        did_you_mean(part, names));
    }
    path = child_path(path, part);
    node = &(*node)[part];
    if (i + 1 < parts.size() && node->is_null()) *node = json::object();
  }
  *node = value;
  map.set_override(path, assignment);
}

// Replaces ${params.x}, ${seed}, ${pipeline} in every string outside the top-level params.
struct Interpolator {
  const json& doc;
  const SourceMap& map;

  json lookup(const std::string& ref, const std::string& path) const {
    std::vector<std::string> parts = split(ref, '.');
    const json* node = &doc;
    std::string walked;
    if (parts.size() == 1 && (ref == "seed" || ref == "pipeline")) {
      if (!doc.contains(ref)) fail(path, "${" + ref + "} is not set in this pipeline");
      return doc[ref];
    }
    if (parts[0] != "params")
      fail(path, "unknown reference ${" + ref + "}: expected ${params.NAME}, ${seed} or ${pipeline}");
    for (const auto& part : parts) {
      if (!node->is_object() || !node->contains(part)) {
        std::vector<std::string> names;
        if (node->is_object())
          for (auto& [k, v] : node->items()) names.push_back(k);
        fail(path, "${" + ref + "}: '" + child_path(walked, part) + "' is not defined" +
                       did_you_mean(part, names));
      }
      node = &(*node)[part];
      walked = walked.empty() ? part : walked + "." + part;
    }
    return *node;
  }

  [[noreturn]] void fail(const std::string& path, const std::string& msg) const {
    throw ConfigError(format_at(map.value(path), msg));
  }

  json resolve_string(const std::string& s, const std::string& path) const {
    size_t start = s.find("${");
    if (start == std::string::npos) return s;
    size_t end = s.find('}', start);
    if (end == std::string::npos) fail(path, "unterminated '${' in '" + s + "'");
    if (start == 0 && end == s.size() - 1)  // the whole value: keep the referenced type
      return lookup(s.substr(2, end - 2), path);
    std::string out;
    size_t pos = 0;
    while ((start = s.find("${", pos)) != std::string::npos) {
      end = s.find('}', start);
      if (end == std::string::npos) fail(path, "unterminated '${' in '" + s + "'");
      out += s.substr(pos, start - pos);
      json v = lookup(s.substr(start + 2, end - start - 2), path);
      out += v.is_string() ? v.get<std::string>() : v.dump();
      pos = end + 1;
    }
    return out + s.substr(pos);
  }

  void walk(json& v, const std::string& path) const {
    if (v.is_string()) {
      v = resolve_string(v.get<std::string>(), path);
    } else if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) walk(v[i], child_path(path, std::to_string(i)));
    } else if (v.is_object()) {
      for (auto& [k, child] : v.items()) {
        if (path.empty() && k == "params") continue;
        walk(child, child_path(path, k));
      }
    }
  }
};

bool valid_step_name(const std::string& s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace

const StepSpec* Pipeline::find(const std::string& step) const {
  for (const auto& s : steps)
    if (s.name == step) return &s;
  return nullptr;
}

std::vector<std::string> Pipeline::step_names() const {
  std::vector<std::string> out;
  for (const auto& s : steps) out.push_back(s.name);
  return out;
}

// `key:` with no value (or --set key=) means "not given": the key is left out, at any depth.
void drop_nulls(json& v) {
  if (!v.is_object()) return;
  for (auto it = v.begin(); it != v.end();) {
    if (it->is_null()) {
      it = v.erase(it);
    } else {
      drop_nulls(*it);
      ++it;
    }
  }
}

Pipeline parse_pipeline(const std::string& text, const std::string& label, const fs::path& base_dir,
                        const std::vector<std::string>& overrides) {
  Pipeline p;
  p.file = label;
  p.base_dir = base_dir;
  p.yaml_text = text;
  p.overrides = overrides;
  p.map = SourceMap(label, text);
  json doc = parse_yaml(text, p.map);
  if (!doc.is_object())
    throw ConfigError(label + ": expected a map with 'pipeline:' and 'steps:' at the top level");
  for (const auto& o : overrides) apply_override(doc, p.map, o);

  ConfigChecker top(p.map, "");
  top.check_object(doc, "", top_schema());
  Interpolator{doc, p.map}.walk(doc, "");
  p.resolved = doc;
  p.name = doc["pipeline"].get<std::string>();
  {  // The name becomes a folder name (models/<pipeline>): letters, digits, '.', '_', '-' only.
    bool ok = !p.name.empty() && p.name.size() <= 100 && std::isalnum(static_cast<unsigned char>(p.name[0]));
    for (char c : p.name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
    if (!ok)
      top.fail_value("pipeline", "a pipeline name is 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit (it names "
                                 "folders); got '" + p.name + "'");
  }
  if (doc.contains("seed") && !doc["seed"].is_null()) p.seed = doc["seed"].get<long long>();
  if (doc.contains("params") && doc["params"].is_object()) p.params = doc["params"];

  const json& steps = doc["steps"];
  if (steps.empty()) top.fail_key("steps", "the pipeline has no steps");
  // Every step is a store row, a folder and a thread's worth of bookkeeping: 100,000 of them
  // used 11 GB before anything ran. No real pipeline comes near this.
  constexpr size_t kMaxSteps = 10000;
  if (steps.size() > kMaxSteps)
    top.fail_key("steps", "the pipeline has " + std::to_string(steps.size()) + " steps; at most " +
                              std::to_string(kMaxSteps) + " (split it into several pipelines)");
  for (const auto& [name, cfg] : steps.items()) {
    StepSpec s;
    s.name = name;
    s.path = child_path("steps", name);
    ConfigChecker check(p.map, "step '" + name + "'");
    if (!valid_step_name(name))
      check.fail_key(s.path, "step names may use letters, digits, '_' and '-' only");
    if (!cfg.is_object())
      check.fail_value(s.path, "expected a map with a 'type' key, got " + describe(cfg));
    if (!cfg.contains("type") || cfg["type"].is_null())
      check.fail_key(s.path, "missing required key 'type'");
    check.check_kind(cfg["type"], child_path(s.path, "type"), Kind::kString);
    s.type = cfg["type"].get<std::string>();
    if (cfg.contains("needs") && !cfg["needs"].is_null()) {
      check.check_kind(cfg["needs"], child_path(s.path, "needs"), Kind::kStrings, "the names of the steps it reads");
      s.needs = as_strings(cfg["needs"]);
    }
    s.config = cfg;
    drop_nulls(s.config);
    p.steps.push_back(std::move(s));
  }
  // JSON objects are sorted by key; users expect steps in the order they wrote them.
  std::stable_sort(p.steps.begin(), p.steps.end(), [&](const StepSpec& a, const StepSpec& b) {
    return p.map.line_of(a.path) < p.map.line_of(b.path);
  });
  return p;
}

Pipeline load_pipeline(const fs::path& file, const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw ConfigError(file.string() + ": no such pipeline file");
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error&) {
    throw ConfigError(file.string() + ": cannot read the pipeline file");
  }
  fs::path base = file.parent_path();
  if (base.empty()) base = ".";
  return parse_pipeline(text, file.string(), base, overrides);
}

}  // namespace mlpipe
