#include "core/serve/feature_row_codec.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {

namespace {
std::string bits_of(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, b);
  return buf;
}

ColumnType type_named(const std::string& s, const std::string& what) {
  for (ColumnType t : {ColumnType::kNumeric, ColumnType::kCategorical, ColumnType::kDatetime})
    if (s == column_type_name(t)) return t;
  throw ConfigError(what + ": unknown column type '" + s + "'");
}
}  // namespace

json encode_feature_row(const Table& row) {
  if (row.rows() != 1) throw StepError("encode_feature_row: " + std::to_string(row.rows()) + " rows, not one");
  json columns = json::array(), values = json::array();
  for (const Column& c : row.columns()) {
    columns.push_back(json::array({c.name, column_type_name(c.type)}));
    if (c.coded()) values.push_back(c.codes[0]);
    else values.push_back(bits_of(c.value(0)));  // a narrow value widened: exact
  }
  return {{"columns", columns}, {"values", values}};
}

Table decode_feature_row(const json& j, const std::string& what) {
  auto bad = [&what](const std::string& why) { return ConfigError(what + ": not an encoded feature row (" + why + ")"); };
  if (!j.is_object() || !j.contains("columns") || !j.contains("values") || !j["columns"].is_array() ||
      !j["values"].is_array() || j["columns"].size() != j["values"].size())
    throw bad("expected {\"columns\": [...], \"values\": [...]} of one length");
  Table t;
  for (size_t i = 0; i < j["columns"].size(); ++i) {
    const json& c = j["columns"][i];
    const json& v = j["values"][i];
    if (!c.is_array() || c.size() != 2 || !c[0].is_string() || !c[1].is_string()) throw bad("a column is [name, type]");
    Column col;
    col.name = c[0].get<std::string>();
    col.type = type_named(c[1].get<std::string>(), what);
    if (col.coded()) {
      if (!v.is_number_integer()) throw bad(col.name + ": a category code is an integer");
      col.codes.push_back(v.get<int32_t>());
    } else {
      if (!v.is_string() || v.get<std::string>().size() != 16) throw bad(col.name + ": a number is 16 hex digits");
      const std::string& h = v.get_ref<const std::string&>();
      char* end = nullptr;
      uint64_t b = std::strtoull(h.c_str(), &end, 16);
      if (end != h.c_str() + 16) throw bad(col.name + ": a number is 16 hex digits");
      double d;
      std::memcpy(&d, &b, sizeof d);
      col.num.push_back(d);
    }
    t.add(std::move(col));
  }
  return t;
}

}  // namespace mlpipe
