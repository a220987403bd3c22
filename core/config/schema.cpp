#include "core/config/schema.h"

#include <cctype>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kString: return "a string";
    case Kind::kInt: return "an integer";
    case Kind::kNumber: return "a number";
    case Kind::kBool: return "true or false";
    case Kind::kList: return "a list";
    case Kind::kMap: return "a map";
    case Kind::kStrings: return "a name or a list of names";
    case Kind::kAny: return "a value";
  }
  return "a value";
}

std::string describe(const nlohmann::json& v) {
  if (v.is_null()) return "nothing";
  if (v.is_string()) return "string '" + v.get<std::string>() + "'";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return "number " + v.dump();
  if (v.is_array()) return "a list";
  if (v.is_object()) return "a map";
  return v.dump();
}

std::vector<std::string> as_strings(const nlohmann::json& v) {
  std::vector<std::string> out;
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array())
    for (const auto& e : v) out.push_back(e.is_string() ? e.get<std::string>() : e.dump());
  return out;
}

std::string ConfigChecker::prefixed(const std::string& msg) const {
  return context_.empty() ? msg : context_ + ": " + msg;
}

void ConfigChecker::fail_key(const std::string& path, const std::string& msg) const {
  throw ConfigError(format_at(map_.key(path), prefixed(msg)));
}
void ConfigChecker::fail_value(const std::string& path, const std::string& msg) const {
  throw ConfigError(format_at(map_.value(path), prefixed(msg)));
}

void ConfigChecker::check_kind(const nlohmann::json& v, const std::string& path, Kind kind,
                               const std::string& what) const {
  bool ok = true;
  switch (kind) {
    case Kind::kString: ok = v.is_string(); break;
    case Kind::kInt: ok = v.is_number_integer(); break;
    case Kind::kNumber: ok = v.is_number(); break;
    case Kind::kBool: ok = v.is_boolean(); break;
    case Kind::kList: ok = v.is_array(); break;
    case Kind::kMap: ok = v.is_object(); break;
    case Kind::kStrings:
      ok = v.is_string();
      if (v.is_array()) {
        ok = true;
        for (size_t i = 0; i < v.size(); ++i)
          if (!v[i].is_string())
            fail_value(child_path(path, std::to_string(i)),
                       "expected text" + (what.empty() ? std::string() : " (" + what + ")") + ", got " + describe(v[i]));
      }
      break;
    case Kind::kAny: break;
  }
  if (!ok) {
    auto slash = path.rfind('/');
    std::string key = slash == std::string::npos ? path : path.substr(slash + 1);
    fail_value(path, "'" + key + "' must be " + kind_name(kind) + ", got " + describe(v));
  }
}

namespace {
// "random, stratified, time"; each quoted when one is punctuation or a space (",", " ", "'").
std::string choice_list(const std::vector<std::string>& choices) {
  bool words = true;
  for (const auto& c : choices)
    for (char ch : c) words = words && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == ':' || ch == '.');
  if (words) return join(choices, ", ");
  std::vector<std::string> quoted;
  for (const auto& c : choices) quoted.push_back(c == "'" ? "\"'\"" : "'" + c + "'");
  return join(quoted, ", ");
}
}  // namespace

void ConfigChecker::check_object(const nlohmann::json& obj, const std::string& path,
                                 const Schema& schema) const {
  if (!obj.is_object()) fail_value(path, "expected a map of keys, got " + describe(obj));
  std::vector<std::string> known;
  for (const auto& k : schema) known.push_back(k.name);
  for (const auto& [key, value] : obj.items()) {
    const KeySpec* spec = nullptr;
    for (const auto& k : schema)
      if (k.name == key) spec = &k;
    std::string p = child_path(path, key);
    if (!spec)
      fail_key(p, "unknown key '" + key + "'" + did_you_mean(key, known) +
                      "; expected one of: " + join(known, ", "));
    if (value.is_null() && !spec->required) continue;
    check_kind(value, p, spec->kind, spec->help);
    if (!spec->choices.empty() && value.is_string()) {
      std::string s = value.get<std::string>();
      bool found = false;
      for (const auto& c : spec->choices) found = found || c == s;
      if (!found)
        fail_value(p, "'" + key + "' must be one of " + choice_list(spec->choices) + "; got '" + s +
                          "'" + did_you_mean(s, spec->choices));
    }
  }
  for (const auto& k : schema)
    if (k.required && (!obj.contains(k.name) || obj[k.name].is_null()))
      fail_key(path, "missing required key '" + k.name + "' (" + k.help + ")");
}

}  // namespace mlpipe
