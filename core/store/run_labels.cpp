#include "core/store/run_labels.h"

#include <cctype>

#include "core/util/error.h"

namespace mlpipe {

void check_run_name(const std::string& name) {
  if (name.empty() || name.size() > 100)
    throw ConfigError("--name: a run name has 1 to 100 characters, got " + std::to_string(name.size()));
  if (name == "latest" || name == "last" || name.find_first_not_of("0123456789") == std::string::npos)
    throw ConfigError("--name " + name + ": a number or 'latest' already means a run; pick a name with a letter in it");
  for (char c : name)
    if (std::iscntrl(static_cast<unsigned char>(c))) throw ConfigError("--name: control characters are not allowed in a run name");
}

void check_tag_key(const std::string& key) {
  bool ok = !key.empty() && key.size() <= 64;
  for (char c : key) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (!ok) throw ConfigError("tag key '" + key + "': 1 to 64 letters, digits, '_', '.' or '-' (e.g. team, ticket, dataset.version)");
}

std::pair<std::string, std::string> parse_tag(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos) throw ConfigError("tag '" + text + "': expected KEY=VALUE, e.g. --tag ticket=RISK-42");
  std::string key = text.substr(0, eq), value = text.substr(eq + 1);
  check_tag_key(key);
  if (value.size() > 500) throw ConfigError("tag " + key + ": a value has at most 500 characters");
  return {key, value};
}

}  // namespace mlpipe
