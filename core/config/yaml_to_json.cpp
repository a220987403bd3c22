#include "core/config/yaml_to_json.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "core/util/error.h"

namespace mlpipe {
namespace {

bool parse_whole_int(const std::string& s, long long& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') ++b;
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e && b != e;
}

bool parse_whole_double(const std::string& s, double& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') ++b;
  if (b == e) return false;
  // A number must start with a digit, a sign or a dot: "inf"/"nan" words stay strings.
  char c = *b;
  if (!((c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e;
}

// A pipeline of more values than this is a mistake or an attack (a YAML alias bomb: each alias
// expands again when converted); refused before it uses the memory.
constexpr size_t kMaxValues = 200000;
constexpr int kMaxDepth = 200;

struct Converter {
  SourceMap& map;
  size_t values = 0;
  int depth = 0;

  [[noreturn]] void fail(const YAML::Mark& m, const std::string& msg) {
    throw ConfigError(format_at(map.at(m.line, m.column), msg));
  }

  nlohmann::json convert(const YAML::Node& n, const std::string& path) {
    if (++values > kMaxValues)
      fail(n.Mark(), "the file expands to more than " + std::to_string(kMaxValues) + " values (aliases repeating aliases?); a pipeline is far smaller");
    struct Deeper {
      int& d;
      explicit Deeper(int& x) : d(x) { ++d; }
      ~Deeper() { --d; }
    } deeper(depth);
    if (depth > kMaxDepth) fail(n.Mark(), "values nested more than " + std::to_string(kMaxDepth) + " deep");
    switch (n.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar:
        if (n.Tag() == "!") return n.Scalar();  // quoted: always a string
        return typed_scalar(n.Scalar());
      case YAML::NodeType::Sequence: {
        nlohmann::json arr = nlohmann::json::array();
        size_t i = 0;
        for (const auto& child : n) {
          std::string p = child_path(path, std::to_string(i++));
          record_value(p, child, n.Mark());
          arr.push_back(convert(child, p));
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        nlohmann::json obj = nlohmann::json::object();
        for (const auto& kv : n) {
          if (!kv.first.IsScalar()) fail(kv.first.Mark(), "a map key must be a plain name");
          std::string key = kv.first.Scalar();
          std::string p = child_path(path, key);
          if (obj.contains(key)) fail(kv.first.Mark(), "duplicate key '" + key + "'");
          map.set_key(p, kv.first.Mark().line, kv.first.Mark().column);
          record_value(p, kv.second, kv.first.Mark());
          obj[key] = convert(kv.second, p);
        }
        return obj;
      }
    }
    return nullptr;
  }

  void record_value(const std::string& p, const YAML::Node& v, const YAML::Mark& fallback) {
    YAML::Mark m = v.Mark();
    if (m.line < 0 || m.is_null()) m = fallback;
    map.set_value(p, m.line, m.column);
  }
};

}  // namespace

nlohmann::json typed_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  long long i;
  if (parse_whole_int(s, i)) return i;
  double d;
  if (parse_whole_double(s, d)) return d;
  if (s == ".inf" || s == "+.inf" || s == ".Inf") return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf") return -std::numeric_limits<double>::infinity();
  return s;
}

nlohmann::json parse_yaml(const std::string& text, SourceMap& map) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(format_at(map.at(e.mark.line, e.mark.column), "YAML syntax error: " + e.msg));
  } catch (const YAML::Exception& e) {
    throw ConfigError(map.file() + ": YAML error: " + e.msg);
  }
  Converter c{map};
  return c.convert(root, "");
}

}  // namespace mlpipe
