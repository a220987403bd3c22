#pragma once
// Declarative key schemas for config maps, and a checker that reports problems at file:line:col.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/source_map.h"

namespace mlpipe {

enum class Kind { kString, kInt, kNumber, kBool, kList, kMap, kStrings /* string or list */, kAny };

struct KeySpec {
  std::string name;
  Kind kind = Kind::kAny;
  bool required = false;
  std::vector<std::string> choices;  // allowed string values, when not empty
  std::string help;                  // one line for `mlpipe steps` and the schema reference
};
using Schema = std::vector<KeySpec>;

const char* kind_name(Kind k);

// Checks config values against schemas. `context` prefixes messages: "step 'train': ...".
class ConfigChecker {
 public:
  ConfigChecker(const SourceMap& map, std::string context) : map_(map), context_(std::move(context)) {}

  // Unknown keys (with did-you-mean), missing required keys, wrong kinds, values not in choices.
  void check_object(const nlohmann::json& obj, const std::string& path, const Schema& schema) const;
  // `what`: what a kStrings list holds, for its error ("the columns to drop"; "" says nothing).
  void check_kind(const nlohmann::json& v, const std::string& path, Kind kind, const std::string& what = "") const;

  [[noreturn]] void fail_key(const std::string& path, const std::string& msg) const;
  [[noreturn]] void fail_value(const std::string& path, const std::string& msg) const;

  const SourceMap& map() const { return map_; }

 private:
  std::string prefixed(const std::string& msg) const;
  const SourceMap& map_;
  std::string context_;
};

// A value of kind kStrings as a list.
std::vector<std::string> as_strings(const nlohmann::json& v);
// A short description of a JSON value for messages: "string 'abc'", "number 3", "a list".
std::string describe(const nlohmann::json& v);

}  // namespace mlpipe
