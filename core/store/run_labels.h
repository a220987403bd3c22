#pragma once
// What people call runs: a name given at the start, tags KEY=VALUE, notes. Checks only.
#include <string>
#include <utility>

namespace mlpipe {

// A run name: 1-100 characters, not a number or 'latest' (those already mean runs); throws ConfigError.
void check_run_name(const std::string& name);
// "KEY=VALUE" -> (KEY, VALUE); KEY is letters, digits, _ . - (1-64 characters), VALUE any text
// up to 500 characters. Throws ConfigError saying what to write.
std::pair<std::string, std::string> parse_tag(const std::string& text);
void check_tag_key(const std::string& key);

}  // namespace mlpipe
