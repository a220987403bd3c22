#include "core/data/row_filter.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "core/data/datetime.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {
namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits on the word "and" outside quotes.
std::vector<std::string> clauses(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      cur += c;
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    bool word_start = i == 0 || std::isspace(static_cast<unsigned char>(text[i - 1]));
    if (word_start && i + 3 <= text.size() && lowered(text.substr(i, 3)) == "and" &&
        (i + 3 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 3])))) {
      out.push_back(cur);
      cur.clear();
      i += 2;
      continue;
    }
    cur += c;
  }
  if (quote) throw std::invalid_argument("an unterminated quote in '" + text + "'");
  out.push_back(cur);
  return out;
}

Condition parse_clause(const std::string& raw) {
  std::string_view s = trim(raw);
  if (s.empty()) throw std::invalid_argument("an empty condition (expected e.g. \"amount > 0 and label is not null\")");
  Condition c;
  std::string low = lowered(s);
  for (const char* tail : {" is not null", " is null"})
    if (ends_with(low, tail)) {
      c.column = std::string(trim(s.substr(0, s.size() - std::string_view(tail).size())));
      c.op = std::string(tail + 1);
      if (c.column.empty()) throw std::invalid_argument("'" + std::string(s) + "' names no column");
      return c;
    }
  size_t at = s.find_first_of("=!<>");
  if (at == std::string_view::npos || at == 0)
    throw std::invalid_argument("'" + std::string(s) +
                                "' is not a condition: expected COLUMN OP VALUE (OP one of == != < <= > >=) or COLUMN is [not] null");
  c.column = std::string(trim(s.substr(0, at)));
  size_t op_end = at + 1;
  if (op_end < s.size() && (s[op_end] == '=' || (s[at] == '=' && (s[op_end] == '<' || s[op_end] == '>')))) ++op_end;
  c.op = std::string(s.substr(at, op_end - at));
  if (c.op == "=") c.op = "==";
  if (c.op == "!") throw std::invalid_argument("'" + std::string(s) + "': '!' must be '!='");
  if (c.op == "=<" || c.op == "=>") throw std::invalid_argument("'" + std::string(s) + "': write <= or >=");
  std::string_view v = trim(s.substr(op_end));
  if (v.empty()) throw std::invalid_argument("'" + std::string(s) + "' has no value after " + c.op);
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front()) {
    c.quoted = true;
    v = v.substr(1, v.size() - 2);
  }
  if (c.column.empty()) throw std::invalid_argument("'" + std::string(s) + "' names no column");
  c.value = std::string(v);
  return c;
}

bool compare(double a, const std::string& op, double b) {
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  return a >= b;
}

}  // namespace

std::vector<Condition> parse_where(const std::string& text) {
  std::vector<Condition> out;
  for (const auto& c : clauses(text)) out.push_back(parse_clause(c));
  return out;
}

std::vector<uint32_t> rows_where(const Table& t, const std::vector<Condition>& all) {
  std::vector<char> keep(t.rows(), 1);
  for (const auto& c : all) {
    const Column& col = t.at(c.column, "where");
    std::string what = "where: " + c.column + " " + c.op + (c.value.empty() ? "" : " " + c.value);
    if (c.op == "is null" || c.op == "is not null") {
      bool want_null = c.op == "is null";
      for (size_t r = 0; r < t.rows(); ++r) keep[r] &= col.missing(r) == want_null;
      continue;
    }
    if (col.coded()) {
      if (c.op != "==" && c.op != "!=")
        throw StepError(what + ": column '" + c.column + "' holds text; only == and != compare text");
      int32_t code = -2;  // a value no row has matches nothing
      for (size_t k = 0; k < col.dict.size(); ++k)
        if (col.dict[k] == c.value) code = int32_t(k);
      for (size_t r = 0; r < t.rows(); ++r)
        keep[r] &= col.codes[r] >= 0 && ((col.codes[r] == code) == (c.op == "=="));
      continue;
    }
    double v;
    if (col.type == ColumnType::kDatetime) {
      std::optional<double> b = time_bound(c.value);
      if (!b)
        throw StepError(what + ": '" + c.value + "' is not a date or datetime (column '" + c.column +
                        "' holds datetimes; write e.g. 2018-08-01 or 2018-08-01 12:00:00)");
      v = *b;
    } else {
      auto r = std::from_chars(c.value.data(), c.value.data() + c.value.size(), v);
      if (r.ec != std::errc() || r.ptr != c.value.data() + c.value.size())
        throw StepError(what + ": '" + c.value + "' is not a number (column '" + c.column + "' is numeric)");
    }
    for (size_t r = 0; r < t.rows(); ++r) {
      double x = col.value(r);
      keep[r] &= !std::isnan(x) && compare(x, c.op, v);
    }
  }
  std::vector<uint32_t> rows;
  for (size_t r = 0; r < keep.size(); ++r)
    if (keep[r]) rows.push_back(uint32_t(r));
  return rows;
}

}  // namespace mlpipe
