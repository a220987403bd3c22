#include "core/serve/request_rows.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/data/csv_writer.h"
#include "core/serve/request_error.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {

namespace {
// Keeps every CSV line non-empty (a one-column row of null would be a blank line, which CSV
// skips). No bundle has a column of this name, so prepare_table ignores it.
constexpr const char* kRowColumn = "__mlpipe_request_row";

}  // namespace

std::string request_cell(const json& v, size_t row, const std::string& key, char decimal) {
  if (v.is_number_float() && decimal != '.') {  // as the training file wrote it: "3,5"
    std::string t = format_double(v.get<double>());
    std::replace(t.begin(), t.end(), '.', decimal);
    return t;
  }
  switch (v.type()) {
    case json::value_t::null: return "";
    case json::value_t::string: return v.get<std::string>();
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    case json::value_t::number_float: return format_double(v.get<double>());
    default:
      throw RequestError("rows[" + std::to_string(row) + "]." + key + ": expected a number, text or null, got " +
                         std::string(v.type_name()));
  }
}

std::string rows_to_csv(const json& rows, const std::optional<std::string>& null_text, char decimal) {
  if (!rows.is_array()) throw RequestError("`rows` should be a list of objects, got " + std::string(rows.type_name()));
  std::vector<std::string> header;
  std::map<std::string, size_t> index;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (!rows[r].is_object())
      throw RequestError("rows[" + std::to_string(r) + "]: expected an object of column: value, got " +
                         std::string(rows[r].type_name()));
    for (const auto& [k, v] : rows[r].items())
      if (index.emplace(k, header.size()).second) header.push_back(k);
  }
  std::vector<std::string> columns = header;
  columns.push_back(kRowColumn);
  CsvWriter w(columns);
  std::vector<std::string> cells(columns.size());
  std::vector<char> sent(columns.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    std::fill(sent.begin(), sent.end(), 0);
    for (const auto& [k, v] : rows[r].items()) {
      size_t c = index[k];
      sent[c] = 1;
      if (!v.is_null()) {
        cells[c] = request_cell(v, r, k, decimal);
      } else if (null_text) {
        cells[c] = *null_text;
      } else {
        throw RequestError("rows[" + std::to_string(r) + "]." + k +
                           ": null, but training read no value as missing (its na_values is empty); send a value");
      }
    }
    for (size_t c = 0; c + 1 < columns.size(); ++c) {
      if (sent[c]) continue;
      if (!null_text)
        throw RequestError("rows[" + std::to_string(r) + "] has no `" + header[c] +
                           "` (other rows have it), and training read no value as missing (its na_values is empty)");
      cells[c] = *null_text;
    }
    cells.back() = std::to_string(r);
    w.row(cells);
  }
  return w.text();
}

std::optional<std::string> null_field(const CsvOptions& opt) {
  if (opt.na_values.empty()) return std::nullopt;
  for (const auto& na : opt.na_values)
    if (na.empty()) return std::string();
  return opt.na_values.front();
}

namespace {
// Whether an NA value is text a finite JSON number could be written as ("-999"; not "NaN").
bool is_finite_number_text(const std::string& s) {
  std::string_view t = trim(s);
  double v;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  return r.ec == std::errc() && r.ptr != t.data() && std::isfinite(v);
}

}  // namespace

// A number as itself: its shortest round-trip text reads back the same double. In a column
// declared categorical, a number is the category its CSV field names (request_cell), coded in
// order of first appearance as the reader codes a file's categories.
std::optional<Table> numeric_request_rows(const json& rows, const CsvOptions& opt) {
  // No NA values: a null is an error, which the CSV route words. A decimal comma: a number sent
  // for a categorical column names the category as the file wrote it ("2,5"), on the CSV route.
  if (!rows.is_array() || !reads_numbers_directly(opt) || !null_field(opt) || opt.decimal != '.') return std::nullopt;
  std::vector<Column> cols;
  std::vector<std::unordered_map<std::string, int32_t>> codes;  // a categorical column's text -> code
  std::unordered_map<std::string, size_t> index;
  const size_t n = rows.size();
  for (size_t r = 0; r < n; ++r) {
    if (!rows[r].is_object()) return std::nullopt;
    for (const auto& [k, v] : rows[r].items()) {
      if (!v.is_null() && !v.is_number()) return std::nullopt;
      auto [it, added] = index.try_emplace(k, cols.size());
      if (added) {
        if (k.empty() || trim(k).size() != k.size() || k == kRowColumn) return std::nullopt;
        Column c;
        c.name = k;
        if (auto t = opt.types.find(k); t != opt.types.end()) {
          if (t->second != ColumnType::kCategorical) return std::nullopt;  // datetimes have their formats
          c.type = ColumnType::kCategorical;
          c.codes.assign(n, -1);
        } else {
          c.num.assign(n, NAN);
        }
        cols.push_back(std::move(c));
        codes.emplace_back();
      }
      Column& c = cols[it->second];
      if (v.is_null()) continue;  // NaN or -1 already
      if (c.coded()) {
        auto [code, fresh] = codes[it->second].try_emplace(request_cell(v, r, k), int32_t(c.dict.size()));
        if (fresh) c.dict.push_back(code->first);
        c.codes[r] = code->second;
        continue;
      }
      double x = v.is_number_float() ? v.get<double>()
                 : v.is_number_unsigned() ? double(v.get<uint64_t>())
                                          : double(v.get<int64_t>());
      if (std::isinf(x)) return std::nullopt;
      c.num[r] = x;
    }
  }
  Column row;
  row.name = kRowColumn;
  for (size_t r = 0; r < n; ++r) row.num.push_back(double(r));
  cols.push_back(std::move(row));
  Table t;
  for (auto& c : cols) t.add(std::move(c));
  return t;
}

bool reads_numbers_directly(const CsvOptions& opt) {
  for (const auto& na : opt.na_values)
    if (is_finite_number_text(na)) return false;
  return true;
}

Table read_request_rows(const json& rows, const CsvOptions& options) {
  if (rows.is_array() && !rows.empty())
    if (std::optional<Table> t = numeric_request_rows(rows, options)) return std::move(*t);
  return read_request_rows_as_csv(rows, options);
}

Table read_request_rows_as_csv(const json& rows, const CsvOptions& options) {
  std::string text = rows_to_csv(rows, null_field(options), options.decimal);
  CsvOptions opt = options;
  opt.threads = 1;  // a request is small; no thread start-up
  // A request names its columns: the positions a file's header had do not apply to its keys.
  opt.header_names.clear();
  return parse_csv(text, "request", opt);
}

}  // namespace mlpipe
